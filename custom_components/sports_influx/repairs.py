"""Repair issues: what only an administrator of the server can fix."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .influx import InfluxClient, ServerKind
from .problems import RejectedReport, WriterProblems
from .quarantine import REJECTED_FILE

_TRANSLATION_KEYS = {
    ServerKind.V1: "retention_policies_not_created",
    ServerKind.V3: "databases_not_created",
}


def destinations_issue_id(entry_id: str) -> str:
    """The repair issue of one entry's destinations."""
    return f"destinations_not_created_{entry_id}"


@callback
def async_update_destinations_issue(
    hass: HomeAssistant, entry_id: str, client: InfluxClient
) -> None:
    """Raise the repair issue while the token may not create a destination.

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


def rejected_issue_id(entry_id: str) -> str:
    """The repair issue of one entry's quarantined points."""
    return f"points_rejected_{entry_id}"


def outbox_full_issue_id(entry_id: str) -> str:
    """The repair issue of one entry's outbox dropping points."""
    return f"outbox_full_{entry_id}"


def outbox_damaged_issue_id(entry_id: str) -> str:
    """The repair issue of one entry's damaged outbox bytes."""
    return f"outbox_damaged_{entry_id}"


def outbox_unspooled_issue_id(entry_id: str) -> str:
    """The repair issue of points one entry could not store in its outbox."""
    return f"outbox_unspooled_{entry_id}"


@callback
def async_clear_outbox_issues(
    hass: HomeAssistant, entry_id: str, *, quarantine_exists: bool
) -> None:
    """At setup: forget what is resolved (the quarantine file was handled)."""
    if not quarantine_exists:
        ir.async_delete_issue(hass, DOMAIN, rejected_issue_id(entry_id))


class EntryProblems(WriterProblems):
    """The writer's problems for one entry: repair issues and reauth."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, max_mb: int) -> None:
        """Report for ``entry``; ``max_mb`` is the outbox bound it has."""
        self._hass = hass
        self._entry = entry
        self._max_mb = max_mb

    def auth_failed(self) -> None:
        """Start the reauth flow; the outbox keeps the points meanwhile."""
        self._entry.async_start_reauth(self._hass)

    def rejected(self, report: RejectedReport) -> None:
        """Name the measurement and field, and where the lines are kept."""
        self._create(
            rejected_issue_id,
            "points_rejected",
            ir.IssueSeverity.WARNING,
            count=str(report.count),
            measurement=report.measurement,
            field=report.field,
            message=report.message[:300],
            file=report.path or REJECTED_FILE,
        )

    def drained(self) -> None:
        """The outbox is empty again: what it dropped is told, now resolved."""
        self._delete(outbox_full_issue_id)

    def damaged(self, records: int, size: int, where: str) -> None:
        """Say what was damaged and where its bytes are kept."""
        self._create(
            outbox_damaged_issue_id,
            "outbox_damaged",
            ir.IssueSeverity.WARNING,
            records=str(records),
            bytes=str(size),
            path=where,
        )

    def damage_resolved(self) -> None:
        """The set-aside bytes were removed: nothing left to look at."""
        self._delete(outbox_damaged_issue_id)

    def unspooled(self, total: int, error: str) -> None:
        """Points were lost because the outbox could not store them."""
        self._create(
            outbox_unspooled_issue_id,
            "outbox_unspooled",
            ir.IssueSeverity.ERROR,
            count=str(total),
            error=error[:300],
        )

    def spooled(self) -> None:
        """The outbox stores points again."""
        self._delete(outbox_unspooled_issue_id)

    def dropped(self, total: int) -> None:
        """The outbox hit its bound and dropped its oldest points."""
        self._create(
            outbox_full_issue_id,
            "outbox_full",
            ir.IssueSeverity.ERROR,
            dropped=str(total),
            max_mb=str(self._max_mb),
        )

    def _create(
        self,
        issue_id: Callable[[str], str],
        translation_key: str,
        severity: ir.IssueSeverity,
        **placeholders: str,
    ) -> None:
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id(self._entry.entry_id),
            is_fixable=False,
            severity=severity,
            translation_key=translation_key,
            translation_placeholders=placeholders,
        )

    def _delete(self, issue_id: Callable[[str], str]) -> None:
        ir.async_delete_issue(self._hass, DOMAIN, issue_id(self._entry.entry_id))
