"""Which entities are followed, their states read in bulk, handed to the writer.

Handlers are ``@callback`` and only append the new state; what accumulated
is read on the loop once a second, or at once when ``READ_BATCH`` wait, and
the records are handed to the writer; a flush, unload and HA stop read what
waits first. States are read on the loop, not in the executor: a worker
thread reads a state slower (another core's cold caches, GIL hand-offs)
and the loop still waits for the GIL (bench/RESULTS.md, "Figures behind
the code").

What is worth writing is the reader's (reader.py: sources and dedupe). No
I/O here except the dedupe memory, saved by HA's ``Store`` with a delay.

A flush runs in one place, ``SportsInfluxWriter.async_flush``: it awaits
the feed the listener registers (``async_drain``, which only reads what
waits and queues its records), then writes. HA's stop does the same in
two steps, ``async_drain`` then the writer's ``async_close`` with its
deadline.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from homeassistant.core import (
    CALLBACK_TYPE,
    Event,
    EventStateChangedData,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_added_domain,
    async_track_state_change_event,
)
from homeassistant.helpers.storage import Store

from .const import LOGGER, store_key
from .reader import Deduper, StateReader
from .records import AthleteResult, LeagueScore, NflScore, NhlScore
from .sources import detect
from .writer import SportsInfluxWriter

STORE_VERSION = 1
SAVE_DELAY = 10  # seconds; a restart inside it can repeat one final, not lose it

# States are read in bulk: once a second, or at once when this many wait.
# A second's worth read at once costs the loop about half what small bursts
# cost (HA's caches are cold between bursts); the writer flushes every 10 s,
# so a second's delay before reading changes nothing downstream. States
# held longer survive young garbage collections and bring on full ones (of
# HA's whole heap). The figures: bench/RESULTS.md, "Figures behind the code".
READ_INTERVAL = 1.0
READ_BATCH = 100


class SportsListener:
    """Follows source sensors and feeds the writer."""

    def __init__(
        self,
        hass: HomeAssistant,
        writer: SportsInfluxWriter,
        entry_id: str,
        entities: list[str] | None,
    ) -> None:
        """``entities``: the chosen list, or None to follow every source."""
        self._hass = hass
        self._writer = writer
        self._chosen = entities
        self._store: Store[dict[str, Any]] = Store(
            hass, STORE_VERSION, store_key(entry_id, "dedupe")
        )
        self._reader = StateReader(Deduper(), self._skip)
        self._followed: set[str] = set()
        self._pending: list[State] = []
        # A newly followed entity's first state, read when it was followed.
        self._first_states: dict[str, State] = {}
        self._unsub_read: CALLBACK_TYPE | None = None
        # A flush (the action, or a caller's) first reads what waits.
        writer.async_set_feed(self.async_drain)
        self._unsubs: list[CALLBACK_TYPE] = []
        self._logged: set[str] = set()

    @property
    def followed(self) -> list[str]:
        """Entity ids followed now."""
        return sorted(self._followed)

    async def async_start(self) -> None:
        """Load the dedupe memory and subscribe."""
        stored = await self._store.async_load()
        self._reader.deduper = Deduper((stored or {}).get("finals"))
        if self._chosen is not None:
            candidates = self._chosen
        else:
            candidates = self._hass.states.async_entity_ids("sensor")
            # New sensors are picked up when their first state appears.
            self._unsubs.append(
                async_track_state_added_domain(
                    self._hass, "sensor", self._async_state_added
                )
            )
        for entity_id in candidates:
            self._follow(entity_id, self._hass.states.get(entity_id))

    async def async_stop(self) -> None:
        """Read what is pending, unsubscribe, save the dedupe memory now."""
        # Nothing awaits between the drain and the unsubscribing: no change
        # can arrive in between.
        await self.async_drain()
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        await self._store.async_save(self._finals())

    async def async_drain(self) -> None:
        """Read every state received so far and hand its records over."""
        # HA 2025.4 (unlike 2026.10) hands tracked state changes to listeners
        # with call_soon: one loop iteration delivers those already fired.
        await asyncio.sleep(0)
        if self._unsub_read is not None:
            self._unsub_read()
            self._unsub_read = None
        self._read_batch()

    def _finals(self) -> dict[str, Any]:
        # A copy: the Store may serialize it in the executor while a new
        # final is added on the loop.
        return {"finals": dict(self._reader.deduper.finals)}

    @callback
    def _save(self) -> None:
        # A delayed save is also written at HA's final-write stage on stop.
        self._store.async_delay_save(self._finals, SAVE_DELAY)

    @callback
    def _follow(self, entity_id: str, state: State | None) -> None:
        """Follow an entity whose state looks like a source (or was chosen)."""
        if entity_id in self._followed:
            return
        # A chosen entity not (yet) recognizable is followed anyway; its kind
        # is detected when a state arrives.
        source = detect(state) if state is not None else None
        if source is None and self._chosen is None:
            return
        self._followed.add(entity_id)
        self._unsubs.append(
            async_track_state_change_event(
                self._hass, [entity_id], self._async_state_changed
            )
        )
        if state is not None and source is not None:
            self._enqueue(state)

    @callback
    def _async_state_added(self, event: Event[EventStateChangedData]) -> None:
        entity_id, state = event.data["entity_id"], event.data["new_state"]
        if entity_id in self._followed:
            return
        self._follow(entity_id, state)
        if entity_id in self._followed and state is not None:
            # Once another entity is tracked, the per-entity listener just
            # added receives this same change too: it is read here, once.
            self._first_states[entity_id] = state

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is None:
            return
        if self._first_states and (
            self._first_states.pop(state.entity_id, None) is state
        ):
            return
        self._enqueue(state)

    @callback
    def _enqueue(self, state: State) -> None:
        """Only append; what accumulated is read within ``READ_INTERVAL``."""
        self._pending.append(state)
        if len(self._pending) >= READ_BATCH:
            # The timer stays: one a second, not one per batch (in asyncio
            # debug mode each timer records a traceback).
            self._read_batch()
        elif self._unsub_read is None:
            self._unsub_read = async_call_later(
                self._hass, READ_INTERVAL, self._async_on_read_timer
            )

    @callback
    def _async_on_read_timer(self, _now: datetime) -> None:
        self._unsub_read = None
        self._read_batch()

    @callback
    def _read_batch(self) -> None:
        """Read what accumulated, enqueue the records. Never raises."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            fresh = self._reader.read_all(batch)
        except Exception:  # noqa: BLE001 - a reader bug must not break HA's loop
            LOGGER.exception("Could not read %d states", len(batch))
            self._writer.stats.count_skip("parser_error", len(batch))
            return
        if not fresh:
            return
        self._writer.async_enqueue(fresh)
        if any(
            isinstance(r, (NflScore, NhlScore, LeagueScore, AthleteResult))
            and r.game_id in self._reader.deduper.finals
            for r in fresh
        ):
            self._save()

    @callback
    def _skip(self, entity_id: str, reason: str) -> None:
        self._writer.stats.count_skip(reason)
        self._writer.async_notify_soon()
        if (key := f"{entity_id}:{reason}") not in self._logged:
            self._logged.add(key)
            LOGGER.debug("Skipping %s: %s", entity_id, reason)
