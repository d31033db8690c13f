"""Backfill: the recorder's history of the followed sensors, written as if live.

States are read from the recorder in its executor, one entity and one day
at a time, and go through the same ``StateReader`` (sources and dedupe) as
live states, with their original ``last_updated``: the points are the ones
live writing made, with the same series and timestamps, so a second
backfill of a window rewrites the same points and adds nothing.

Limits: the recorder stores no attributes above 16 kB for a state, so big
ESPN payloads (a whole league's standings, a game summary) are not in the
history and cannot be backfilled; they are counted as skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from homeassistant.components import persistent_notification
from homeassistant.components.recorder import history
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers.recorder import get_instance

from .const import DOMAIN, LOGGER
from .reader import Deduper, StateReader
from .records import Record
from .writer import SportsInfluxWriter

CHUNK = timedelta(days=1)


@dataclass(slots=True)
class BackfillResult:
    """What one backfill did."""

    states: int = 0
    points: int = 0
    skipped: Counter[str] = field(default_factory=Counter)


def _history(
    hass: HomeAssistant, entity_id: str, start: datetime, end: datetime
) -> list[State]:
    """Every recorded state of one entity in [start, end); recorder thread."""
    states = history.get_significant_states(
        hass,
        start,
        end,
        [entity_id],
        include_start_time_state=False,
        # Attribute-only changes too: a score changes while the state stays IN.
        significant_changes_only=False,
        minimal_response=False,
        no_attributes=False,
    )
    return [s for s in states.get(entity_id, []) if isinstance(s, State)]


def _read_history(
    hass: HomeAssistant,
    reader: StateReader,
    entity_id: str,
    start: datetime,
    end: datetime,
) -> tuple[int, list[Record]]:
    """How many states were recorded, and their records; recorder thread."""
    states = _history(hass, entity_id, start, end)
    return len(states), reader.read_all(states)


async def async_backfill(
    hass: HomeAssistant,
    writer: SportsInfluxWriter,
    entity_ids: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    progress: Callable[[float], None],
) -> BackfillResult:
    """Write the history of ``entity_ids`` between ``start`` and ``end``."""
    result = BackfillResult()

    def skip(_entity_id: str, reason: str) -> None:
        result.skipped[reason] += 1

    days = max(1, -(-(end - start) // CHUNK))
    total = len(entity_ids) * days
    done = 0
    progress(0.0)
    recorder = get_instance(hass)
    for entity_id in entity_ids:
        # One reader per entity: dedupe as live did, from a clean memory.
        reader = StateReader(Deduper(), skip)
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(chunk_start + CHUNK, end)
            # Read in the recorder's executor too: a day can be thousands of
            # states, too much parsing for the event loop.
            states, records = await recorder.async_add_executor_job(
                _read_history, hass, reader, entity_id, chunk_start, chunk_end
            )
            result.states += states
            # The bulk path: large requests, written before the next chunk.
            outcome = await writer.async_backfill(records)
            result.points += outcome.sent
            # Older than their retention (the writer counts and logs them),
            # or refused by the schema: read, but not written.
            result.skipped["expired"] += outcome.expired
            result.skipped["invalid"] += outcome.invalid
            done += 1
            progress(round(100.0 * done / total, 1))
            chunk_start = chunk_end
    LOGGER.info(
        "Backfill of %d sensors from %s to %s: %d states, %d points, skipped %s",
        len(entity_ids),
        start,
        end,
        result.states,
        result.points,
        {k: v for k, v in result.skipped.items() if v},
    )
    persistent_notification.async_create(
        hass,
        f"Read {result.states} recorded states of {len(entity_ids)} sensors "
        f"from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC and wrote "
        f"{result.points} points. Left out: "
        + (
            ", ".join(f"{k} {v}" for k, v in sorted(result.skipped.items()) if v)
            or "none"
        )
        + ".",
        title="Sports Influx backfill finished",
        notification_id=f"{DOMAIN}_backfill",
    )
    return result
