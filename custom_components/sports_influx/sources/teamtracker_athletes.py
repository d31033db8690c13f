"""TeamTracker sensors of tennis, MMA, golf and racing -> ``<sport>_results``.

One sensor follows one athlete (``team_*``); ``opponent_*`` is the other
player or fighter, or, in golf and racing, whoever leads (second place
when the athlete leads): not an opponent, so left out there. What the
attributes mean (TeamTracker's ``set_<sport>.py``):
- Tennis: ``*_score`` is the games of the set being played while the
  match is live and the sets won once it is over; ``*_sets_won`` counts
  the sets finished before the current one. ``quarter`` is the set,
  ``down_distance_text`` the round ("Round 1").
- MMA: ``*_score`` is the rounds won on the judges' cards, or "W"/"L" when
  those are level; ``quarter`` is the round.
- Golf: ``team_rank`` the position ("T31" when tied), ``team_score`` to par
  ("-4", "E"), ``team_total_shots`` the strokes and
  ``team_shots_on_target`` the holes played in the round being played;
  ``quarter`` is the round.
- Racing: ``team_score`` is the athlete's place in ESPN's running order,
  written once the session runs (before it, the place on the entry list);
  ``team_total_shots`` the laps; ``quarter`` the session ("FP1", "Race").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
import re
from typing import Any, NamedTuple

from homeassistant.core import State

from ..records import GolfResult, MmaResult, RacingResult, SportResult, TennisResult
from .base import ParseResult, Reason, SkipRecord
from .parsing import ident, parse_time, text, to_int
from .status import FINAL, GameStatus, Reading
from .teamtracker_leagues import count_of, league_of, period_of, season_of

# Golf positions as ESPN writes them: "1", "T31".
_POSITION = re.compile(r"(T?)(\d{1,3})")
# A golf score to par: "E" is even.
_EVEN = "E"


class _Event(NamedTuple):
    """What every sport's result is made from."""

    attrs: Mapping[str, Any]
    status: GameStatus
    live: bool  # the source's state is IN
    common: dict[str, Any]


def parse(
    state: State, reading: Reading, sport: str, observed: datetime
) -> ParseResult:
    """A TeamTracker state of an individual sport, as read -> one result record."""
    return ParseResult.one(_BUILDERS[sport](_event(state, reading, sport, observed)))


def event_id(league: str, start: datetime) -> str:
    """'F1-20230429-T1330': the league and the UTC start of the event."""
    return f"{league}-{start:%Y%m%d}-T{start:%H%M}"


def _event(state: State, reading: Reading, sport: str, observed: datetime) -> _Event:
    attrs = state.attributes
    league = league_of(attrs)
    status, source_status = reading
    start = parse_time(attrs.get("date"))
    athlete = text(attrs.get("team_abbr")) or text(attrs.get("team_name"))
    if source_status == "PRE" and (start is None or athlete is None):
        raise SkipRecord(Reason.NOT_A_GAME)
    if athlete is None:
        raise SkipRecord(Reason.MISSING_ATTRIBUTE)
    if start is None:
        raise SkipRecord(Reason.BAD_DATE)
    opponent = None
    if sport in ("tennis", "mma"):
        opponent = text(attrs.get("opponent_abbr")) or text(attrs.get("opponent_name"))
    winner = attrs.get("team_winner")
    common: dict[str, Any] = {
        "league": league,
        "event_id": event_id(league, start),
        "season": season_of(league, sport, start),
        "athlete": athlete,
        "opponent": opponent,
        "event_name": text(attrs.get("event_name")),
        "status": status.value,
        "period": None if source_status == "PRE" else period_of(attrs.get("quarter")),
        "winner": int(winner) if status is FINAL and isinstance(winner, bool) else None,
        "source_status": source_status,
        "source_event_id": ident(attrs.get("event_id")),
        "time": start if source_status == "PRE" else observed,
    }
    return _Event(attrs, status, source_status == "IN", common)


def _tennis(event: _Event) -> TennisResult:
    attrs = event.attrs
    score = count_of(attrs.get("team_score"))
    opponent_score = count_of(attrs.get("opponent_score"))
    games = opponent_games = None
    if event.live:
        games, opponent_games = score, opponent_score
        sets = count_of(attrs.get("team_sets_won"))
        opponent_sets = count_of(attrs.get("opponent_sets_won"))
    elif event.status is FINAL:
        # Over, the score is the sets won; *_sets_won leaves the last out.
        sets, opponent_sets = score, opponent_score
    else:
        sets = opponent_sets = None
    return TennisResult(
        **event.common,
        sets_won=sets,
        opponent_sets_won=opponent_sets,
        games=games,
        opponent_games=opponent_games,
        round=text(attrs.get("down_distance_text")),
    )


def _mma(event: _Event) -> MmaResult:
    return MmaResult(
        **event.common,
        rounds_won=count_of(event.attrs.get("team_score")),
        opponent_rounds_won=count_of(event.attrs.get("opponent_score")),
    )


def golf_position(rank: object) -> tuple[int | None, int | None]:
    """(position, tied 0/1) from "T31", "1" or 4."""
    if isinstance(rank, int) and not isinstance(rank, bool):
        return (rank, 0) if rank > 0 else (None, None)
    match = _POSITION.fullmatch(text(rank) or "")
    if match is None or int(match.group(2)) == 0:
        return None, None
    return int(match.group(2)), int(bool(match.group(1)))


def golf_score(score: object) -> int | None:
    """A score to par: "-4", "+3", "E" (even)."""
    if text(score) == _EVEN:
        return 0
    return to_int(score)


def _golf(event: _Event) -> GolfResult:
    attrs = event.attrs
    position, tied = golf_position(attrs.get("team_rank"))
    return GolfResult(
        **event.common,
        position=position,
        tied=tied,
        score=golf_score(attrs.get("team_score")),
        holes_played=count_of(attrs.get("team_shots_on_target")),
        round_strokes=count_of(attrs.get("team_total_shots")),
    )


def _racing(event: _Event) -> RacingResult:
    attrs = event.attrs
    running = event.live or event.status is FINAL
    position = period_of(attrs.get("team_score")) if running else None
    return RacingResult(
        **event.common,
        position=position,
        laps=count_of(attrs.get("team_total_shots")),
        session=text(attrs.get("quarter")),
    )


_BUILDERS: Mapping[str, Callable[[_Event], SportResult]] = {
    "tennis": _tennis,
    "mma": _mma,
    "golf": _golf,
    "racing": _racing,
}
