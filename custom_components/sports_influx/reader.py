"""Sources and dedupe: a state in, the records worth writing out.

``StateReader`` parses a state with its source and asks ``Deduper`` whether
each record is worth writing. Live states (listener.py) and the recorder's
history (backfill.py) go through it alike, so both write the same points.
Pure apart from the dedupe memory it holds; saving that memory is the
listener's.

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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import State

from .const import LOGGER
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

# A live game's clock is written at least this often when nothing else
# moves, and never more than once a minute; 5 minutes keeps a 3-hour game
# far below a point per poll (bench/amplification.py) and still charts it.
HEARTBEAT = timedelta(minutes=5)
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
    """A saved final as a result, from either form a store holds.

    A store from before results were saved alone holds the whole score key,
    ``[status, home, away, period, ...]``, with the shootout goals last for
    NHL games; of its games only synthetic ids ("NHL-...") are still made,
    so the others are dropped.
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
