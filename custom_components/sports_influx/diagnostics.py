"""Diagnostics: entry (token redacted), server, destinations, statistics."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant

from .models import SportsInfluxConfigEntry

TO_REDACT = {CONF_TOKEN}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> dict[str, Any]:
    """What a bug report needs."""
    data = entry.runtime_data
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "server": asdict(data.server),
        # Where each retention class lands and what the server says of it.
        "destinations": [d.as_dict() for d in data.client.destinations],
        "statistics": data.writer.stats.as_dict(),
    }
