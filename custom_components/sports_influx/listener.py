"""Which entities are followed, what is worth writing, handed to the writer.

Handlers are ``@callback`` and only append the new state; what accumulated
is read on the loop once a second, or at once when ``READ_BATCH`` wait
(sources, dedupe), and the records are handed to the writer; a flush,
unload and HA stop read what waits first.
Reading in the executor instead was measured slower: a TeamTracker state
read on a worker thread cost 18 us of CPU against ~5 us on the loop
(another core's cold caches, GIL hand-offs), and the loop still waited for
the GIL (bench/loop_cost.py); reading each state in the handler drained
12.1k points/s against a batch's 15.4k.
No I/O here except the dedupe memory, saved by HA's ``Store`` with a delay.

Dedupe
- Scores: TeamTracker's ``last_update`` and ``clock`` change on every poll
  (every 5 s in a game). A score point is written when the score, status,
  period, possession or down changes, and once every 5 minutes otherwise
  while the game is live (a heartbeat, so never more than once a minute).
- Finals: a game has one POST point, across restarts and across sources
  (games are keyed by the synthetic game id every source computes):
  hass-nhlapi's OVER, FINAL and OFF, or TeamTracker and hass-nhlapi both
  following the game, write the first one only. A POST with another score
  (a score corrected after the final) is written and becomes the final.
  Once a final is known, a source still saying PRE or IN for that game lags
  behind and is not written. Postponed, canceled, suspended and delayed
  games are written with their own status and never remembered as finals.
- Standings: a team's row is written when its record changes.
- Injuries: a player's report is written when its status or injury type
  changes (a league report polled again writes nothing new).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from .records import (
    PROGRESS,
    AthleteResult,
    InjuryReport,
    LeagueScore,
    NflScore,
    NhlScore,
    Record,
    SportResult,
    SportScore,
    Standing,
)
from .sources import SkipRecord, Source, detect
from .sources.status import FINAL, LIVE
from .writer import SportsInfluxWriter

# A live game's clock is written at least this often when nothing else
# moves (issue 3: "at most once a minute"); 5 minutes keeps a 3-hour game
# at 1 point per ~13 polls (bench/amplification.py) and still charts it.
HEARTBEAT = timedelta(minutes=5)
STORE_VERSION = 1
SAVE_DELAY = 10  # seconds; a restart inside it can repeat one final, not lose it
# States are read in bulk: once a second, or at once when this many wait.
# Side by side in bench/loop_cost.py a state read 20 at a time (a task per
# burst) cost 10.7 us of loop time, read a second's worth at a time 5.6 us;
# HA's caches are cold between bursts. The writer flushes every 10 s, so a
# second's delay before reading changes nothing downstream. States held
# longer survive young garbage collections and bring on full ones (of HA's
# whole heap): a full collection ran in 10 of 12 10k bursts with 1,000
# waiting, in 2 of 12 with 100; at 1,000 changes/s the loop cost the same.
READ_INTERVAL = 1.0
READ_BATCH = 100
# score_key()[_RESULT]: the result a final is remembered by.
_RESULT = slice(1, 5)


def score_key(
    record: NflScore | NhlScore | SportScore | SportResult,
) -> tuple[Any, ...]:
    """What makes a score point worth writing again.

    Status, then the result (scores and shootout goals: ``_RESULT``), then
    what moves in play.
    """
    if isinstance(record, AthleteResult):
        progress = PROGRESS[type(record)]
        return (record.status, *(getattr(record, name) for name in progress))
    if isinstance(record, LeagueScore):
        return (
            record.status,
            record.home_score,
            record.away_score,
            getattr(record, "home_shootout", None),
            getattr(record, "away_shootout", None),
            *(getattr(record, name) for name in PROGRESS[type(record)]),
        )
    if isinstance(record, NflScore):
        return (
            record.status,
            record.home_score,
            record.away_score,
            None,
            None,
            record.quarter,
            record.possession,
            record.down_distance,
        )
    return (
        record.status,
        record.home_score,
        record.away_score,
        record.home_shootout,
        record.away_shootout,
        record.period,
    )


def _saved_result(game_id: str, saved: object) -> list[Any] | None:
    """A saved final as a result; older versions saved the whole score key.

    That key was ``[status, home, away, period, ...]``, with the shootout
    goals last for NHL games; of its games only synthetic ids ("NHL-...")
    are still made, so the others are dropped.
    """
    if not isinstance(saved, list):
        return None
    if len(saved) <= _RESULT.stop - _RESULT.start:
        # A result as saved now (an athlete's may hold fewer values).
        return saved
    if len(saved) == 6 and game_id.startswith("NHL-"):
        return [saved[1], saved[2], saved[4], saved[5]]
    if len(saved) == 6 and game_id.startswith("NFL-"):
        return [saved[1], saved[2], None, None]
    return None


def standing_key(record: Standing) -> tuple[Any, ...]:
    """A team's record: written again only when it changes."""
    return (
        record.wins,
        record.losses,
        record.ties,
        record.ot_losses,
        record.points,
    )


class Deduper:
    """Remembers what was written last per game and per team."""

    def __init__(self, finals: dict[str, list[Any]] | None = None) -> None:
        """Start empty, or from the finals saved before a restart."""
        self._scores: dict[str, tuple[tuple[Any, ...], datetime]] = {}
        self._standings: dict[tuple[str, str, int], tuple[Any, ...]] = {}
        self._injuries: dict[tuple[str, str], tuple[str, str | None]] = {}
        # Game id -> the final result written (``score_key()[_RESULT]``).
        self.finals: dict[str, list[Any]] = {
            game: result
            for game, saved in (finals or {}).items()
            if (result := _saved_result(game, saved)) is not None
        }

    def keep(self, record: Record, now: datetime) -> bool:
        """Whether a record should be written; remembers it if so."""
        if isinstance(record, (NflScore, NhlScore, LeagueScore, AthleteResult)):
            return self.keep_score(record, score_key(record), now)
        if isinstance(record, Standing):
            game = (record.league.value, record.team, record.season)
            key = standing_key(record)
            if self._standings.get(game) == key:
                return False
            self._standings[game] = key
        elif isinstance(record, InjuryReport):
            player = (record.league.value, record.player_id)
            report = (record.status, record.injury_type)
            if self._injuries.get(player) == report:
                return False
            self._injuries[player] = report
        return True

    def would_keep_score(
        self, game_id: str, key: tuple[Any, ...], status: str, now: datetime
    ) -> bool:
        """Whether a score with this key would be written (remembers nothing)."""
        if (final := self.finals.get(game_id)) is not None:
            # One final per game; another result is a correction. Anything
            # but a final comes from a source lagging behind the result.
            return status == FINAL and final != list(key[_RESULT])
        last = self._scores.get(game_id)
        return not (
            last is not None
            and last[0] == key
            and (status not in LIVE or now - last[1] < HEARTBEAT)
        )

    def keep_score(
        self,
        record: NflScore | NhlScore | SportScore | SportResult,
        key: tuple[Any, ...],
        now: datetime,
    ) -> bool:
        """``keep`` for a score whose ``score_key`` is already made."""
        if not self.would_keep_score(record.game_id, key, record.status, now):
            return False
        self._scores[record.game_id] = (key, now)
        if record.status == FINAL:
            self.finals[record.game_id] = list(key[_RESULT])
        return True


@dataclass(slots=True)
class _Seen:
    """An entity's last parsed state, by what the parse depended on."""

    state: str
    decisive: tuple[Any, ...]  # the values of the source's decisive attributes
    game_id: str
    key: tuple[Any, ...]
    status: str


class StateReader:
    """Sources and dedupe: a state in, the records worth writing out.

    Live states (the listener) and the recorder's history (backfill) go
    through the same reader, so both write the same points.
    """

    def __init__(self, deduper: Deduper, skip: Callable[[str, str], None]) -> None:
        """``skip(entity_id, reason)`` is told about every state left out."""
        self.deduper = deduper
        self.kinds: dict[str, Source] = {}
        self._seen: dict[str, _Seen] = {}
        self._skip = skip

    def read(self, state: State) -> list[Record]:
        """Parse and dedupe one state. Never raises."""
        entity_id = state.entity_id
        source = self.kinds.get(entity_id) or detect(state)
        if source is None:
            self._skip(entity_id, "unrecognized")
            return []
        self.kinds[entity_id] = source
        now = state.last_updated
        decisive = None
        if source.decisive is not None:
            # Only clocks, update times, odds ... changed since the last
            # parse: the record would have the same game and key, so the
            # dedupe memory decides without parsing (most polls of a live
            # game end here). 26 lookups at C speed, not a parse.
            decisive = source.decisive(state.attributes)
            seen = self._seen.get(entity_id)
            if (
                seen is not None
                and seen.state == state.state
                and seen.decisive == decisive
                and not self.deduper.would_keep_score(
                    seen.game_id, seen.key, seen.status, now
                )
            ):
                return []
        self._seen.pop(entity_id, None)
        try:
            result = source.parse(state, now)
        except SkipRecord as err:
            self._skip(entity_id, err.reason)
            return []
        except Exception:  # noqa: BLE001 - a parser bug must not break HA's loop
            LOGGER.exception("Could not read %s as %s", entity_id, source.name)
            self._skip(entity_id, "parser_error")
            return []
        for reason in result.skipped:
            self._skip(entity_id, reason)
        if decisive is not None and len(result.records) == 1:
            record = result.records[0]
            if isinstance(record, (NflScore, NhlScore, LeagueScore, AthleteResult)):
                key = score_key(record)
                self._seen[entity_id] = _Seen(
                    state.state, decisive, record.game_id, key, record.status
                )
                return [record] if self.deduper.keep_score(record, key, now) else []
        return [r for r in result.records if self.deduper.keep(r, now)]

    def read_all(self, states: Iterable[State]) -> list[Record]:
        """Parse and dedupe states in order. Never raises.

        The listener's batch runs on the loop, a day of history in the
        recorder's executor.
        """
        return [record for state in states for record in self.read(state)]


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
