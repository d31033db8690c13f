"""Diagnostics: entry (secrets redacted), server, destinations, statistics."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import unquote, urlsplit

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.core import HomeAssistant

from .models import SportsInfluxConfigEntry

TO_REDACT = {CONF_TOKEN}


def _secrets(entry: SportsInfluxConfigEntry) -> list[str]:
    """User info in the host's URL, as it may appear in any text.

    Entries made before the config flow refused user info may hold it; it
    also shows wherever the URL does (error messages: the last error). A
    short password alone is left, or every word holding it would be cut.
    """
    host = str(entry.data.get(CONF_HOST, ""))
    netloc = host.partition("://")[2].partition("/")[0]
    if "@" not in netloc:
        return []
    userinfo = netloc.rpartition("@")[0]
    secrets = {userinfo, unquote(userinfo)}
    try:
        password = urlsplit(host).password or ""
    except ValueError:
        password = ""
    secrets.update(p for p in (password, unquote(password)) if len(p) >= 6)
    # Longest first: a password inside the user info goes with it.
    return sorted(secrets, key=len, reverse=True)


def _scrubbed(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrubbed(item, secrets) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(item, secrets) for item in value]
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> dict[str, Any]:
    """What a bug report needs."""
    data = entry.runtime_data
    diagnostics: dict[str, Any] = _scrubbed(
        {
            "entry": {
                "data": async_redact_data(dict(entry.data), TO_REDACT),
                "options": dict(entry.options),
            },
            "server": asdict(data.server),
            # Where each retention class lands and what the server says of it.
            "destinations": [d.as_dict() for d in data.client.destinations],
            "statistics": data.writer.stats.as_dict(),
        },
        _secrets(entry),
    )
    return diagnostics
