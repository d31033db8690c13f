"""Repair issues: what only an administrator of the server can fix."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client import InfluxClient, ServerKind
from .const import DOMAIN

_TRANSLATION_KEYS = {
    ServerKind.V1: "retention_policies_not_created",
    ServerKind.V3: "databases_not_created",
}


def destinations_issue_id(entry_id: str) -> str:
    """The issue of one entry's destinations."""
    return f"destinations_not_created_{entry_id}"


@callback
def async_update_destinations_issue(
    hass: HomeAssistant, entry_id: str, client: InfluxClient
) -> None:
    """Raise the issue while the token may not create a destination.

    Cleared at a later setup that finds (or creates) them all.
    """
    issue_id = destinations_issue_id(entry_id)
    refused = [s for s in client.destinations if s.forbidden]
    kind = client.info.kind if client.info else None
    if not refused or kind not in _TRANSLATION_KEYS:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=_TRANSLATION_KEYS[kind],
        translation_placeholders={
            "host": client.host,
            "database": client.database,
            "names": ", ".join(s.bucket for s in refused),
            "commands": "\n".join(s.command or s.bucket for s in refused),
        },
    )
