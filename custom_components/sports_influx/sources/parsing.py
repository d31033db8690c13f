"""Public helpers of the source parsers: lenient readers and score building.

Attribute values come from other integrations and from JSON: any of them
may be missing, ``None``, of the wrong type or nonsense. The readers here
return ``None`` for what they cannot read (the caller decides whether that
is fatal) and never raise anything but ``SkipRecord``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
import math
import re
from typing import Any, NamedTuple

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN

from ..records import League, NflScore, NhlScore
from .base import Reason, SkipRecord
from .status import FINAL, GameStatus

# League names as sources spell them.
LEAGUES: Mapping[str, League] = {"NFL": League.NFL, "NHL": League.NHL}

# A season is named after the year it starts in: games before this month
# belong to the previous year's season (NFL: Super Bowl in February; NHL:
# playoffs run into June).
SEASON_START_MONTH: Mapping[League, int] = {League.NFL: 3, League.NHL: 7}

# A TeamTracker-style final detail: "Final", "Final/OT", "Final/2OT", "Final/SO".
_FINAL_DETAIL = re.compile(r"\s*final\s*(?:/\s*\d*\s*(ot|so))?\s*$", re.IGNORECASE)
# The regular periods of a game: a final after more went to overtime.
REGULATION_PERIODS: Mapping[League, int] = {League.NFL: 4, League.NHL: 3}
# Game types in which a tied NHL game ends in a shootout after one overtime.
_SHOOTOUT_SEASON_TYPES = frozenset({"preseason", "regular-season"})

# Dates outside this range are garbage, not games.
_YEARS = range(1900, 2200)
# Line protocol integers are signed 64-bit: larger ones make the server
# refuse the whole line.
_INT64 = range(-(2**63), 2**63)
# Scores are written with at most four digits ("24", "3(2)").
_MAX_SCORE = 9999

_SCORE = re.compile(r"\s*(\d{1,4})\s*(?:\(\s*(\d{1,3})\s*\))?\s*")
# "0:48", "13:12", "08:47", "0:05.3" at the start of a clock text.
_CLOCK = re.compile(r"\s*(\d{1,2}:\d{2}(?:\.\d)?)(?:\s|$)")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class Score(NamedTuple):
    """A score as sources write it: goals, and shootout goals after "3(2)"."""

    goals: int
    shootout: int | None = None


# Plain small numbers as sources write them ("24", "3"): a dict lookup
# instead of a regex and an int(); scores, periods and shots are read from
# text on every full parse (a drain reads thousands a second).
_PLAIN_SCORES: Mapping[str, Score] = {str(n): Score(n) for n in range(200)}
_PLAIN_INTS: Mapping[str, int] = {str(n): n for n in range(200)}


def check_available(state: str, *, payload: bool = False) -> None:
    """Refuse a state HA marks as having no value.

    A payload sensor (a ``rest`` sensor keeping a JSON body in attributes)
    is often ``unknown`` by design, its body being too long for a state:
    only ``unavailable`` (attributes gone) stops it.
    """
    if state == STATE_UNAVAILABLE or (state == STATE_UNKNOWN and not payload):
        raise SkipRecord(Reason.UNAVAILABLE)


def as_mapping(value: object) -> Mapping[str, Any] | None:
    """The value if it is a mapping."""
    return value if isinstance(value, Mapping) else None


def as_list(value: object) -> list[Any]:
    """The value if it is a list (JSON arrays; HA keeps them as lists)."""
    return value if isinstance(value, list) else []


def text(value: object) -> str | None:
    """A non-empty, stripped string, else None."""
    if isinstance(value, str):
        return value.strip() or None
    return None


def first_text(*values: object) -> str | None:
    """The first value that is a non-empty string (ESPN's name fallbacks)."""
    for value in values:
        if (found := text(value)) is not None:
            return found
    return None


def ident(value: object) -> str | None:
    """An id written as a string or an int (JSON sources mix both)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return text(value)


def to_float(value: object) -> float | None:
    """A finite number from a number or numeric text ("1,271", "+170")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "")
        if _NUMBER.fullmatch(cleaned):
            number = float(cleaned)
            return number if math.isfinite(number) else None
    return None


def to_int(value: object) -> int | None:
    """A whole number from a number or numeric text; fractions are refused."""
    if type(value) is str and (plain := _PLAIN_INTS.get(value)) is not None:
        return plain
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value in _INT64 else None
    number = to_float(value)
    if number is None or not number.is_integer():
        return None
    return int(number) if int(number) in _INT64 else None


def parse_score(value: object) -> Score:
    """A score: an int, or text like "24" or "3(2)" (shootout in brackets)."""
    if type(value) is str and (score := _PLAIN_SCORES.get(value)) is not None:
        return score
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 0 <= value <= _MAX_SCORE
    ):
        return Score(value)
    if isinstance(value, str) and (match := _SCORE.fullmatch(value)):
        shootout = match.group(2)
        return Score(int(match.group(1)), int(shootout) if shootout else None)
    raise SkipRecord(Reason.BAD_SCORE)


# Statuses in which no goal has been scored: a missing score is 0.
_NO_PLAY = frozenset(
    {GameStatus.PRE, GameStatus.POSTPONED, GameStatus.CANCELED, GameStatus.DELAYED}
)


class Side(NamedTuple):
    """One team of a game: its abbreviation, score and shots on goal."""

    team: str
    score: Score
    shots: int | None


def game_side(team: str, score: object, shots: object, status: GameStatus) -> Side:
    """A team's side as a source writes it (``game_score``, ``shot_count``)."""
    return Side(team, game_score(score, status), shot_count(shots))


def game_score(value: object, status: str) -> Score:
    """A side's score; before the game (``PRE``) a missing score is 0."""
    if value is None and status in _NO_PLAY:
        return Score(0)
    return parse_score(value)


def shot_count(value: object) -> int | None:
    """Shots on goal (an int, or text in some versions); nonsense left out."""
    shots = to_int(value)
    return shots if shots is not None and shots >= 0 else None


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from a datetime or ISO text ("2022-09-11T17:00Z")."""
    if isinstance(value, str):
        return _parse_iso(value)
    if not isinstance(value, datetime):
        return None
    return _as_utc(value)


@lru_cache(maxsize=256)
def _parse_iso(value: str) -> datetime | None:
    # A game's start is read on every poll of every sensor following it:
    # the same few texts, parsed once each (datetimes are immutable).
    try:
        return _as_utc(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def _as_utc(value: datetime) -> datetime | None:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # ESPN and NHL APIs write UTC
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return value if value.year in _YEARS else None


def season_of(league: League, when: datetime) -> int:
    """The season a game on this date belongs to."""
    if when.month < SEASON_START_MONTH[league]:
        return when.year - 1
    return when.year


def final_type(
    league: League,
    status: GameStatus,
    *,
    detail: object = None,
    period: int | None = None,
    period_type: object = None,
    shootout: bool = False,
    season_type: str | None = None,
) -> str | None:
    """How a final was reached: "REG", "OT" or "SO"; None if not a final.

    The source's own word decides first (hass-nhlapi's
    ``current_period_type``, ESPN's "Final/OT", "Final/2OT", "Final/SO"),
    then shootout goals, then the last period against the league's
    regulation periods. None when nothing says.
    """
    if status is not FINAL:
        return None
    named = (text(period_type) or "").upper()
    if named in {"REG", "OT", "SO"}:
        return named
    if isinstance(detail, str) and (match := _FINAL_DETAIL.match(detail)):
        return (match.group(1) or "REG").upper()
    if shootout:
        return "SO"
    if period is None:
        return None
    regulation = REGULATION_PERIODS[league]
    if period <= regulation:
        return "REG"
    if (
        league is League.NHL
        and period == regulation + 2
        and season_type in _SHOOTOUT_SEASON_TYPES
    ):
        return "SO"
    return "OT"


def clock_time(value: object) -> str | None:
    """The running clock from "0:48 - 4th" or "8:47"; None for "Final"."""
    if isinstance(value, str) and (match := _CLOCK.match(value)):
        return match.group(1)
    return None


def period_number(value: object) -> int | None:
    """A period/quarter; 0 (not started) and nonsense are left out."""
    number = to_int(value)
    return number if number is not None and number > 0 else None


def down_and_field(value: object) -> tuple[str | None, str | None]:
    """("1st & 10 at NO 10") -> (the text, "NO 10"); field position if given."""
    down = text(value)
    if down is None:
        return None, None
    _, sep, field = down.rpartition(" at ")
    return down, (field.strip() or None) if sep else None


def synthetic_game_id(league: str, start: datetime, away: str, home: str) -> str:
    """The game id every source computes alike: "NFL-20220911-NO@ATL".

    League, the game's UTC start date and ESPN's team spellings: a game seen
    by several sources (TeamTracker's ESPN event id, hass-nhlapi's NHL game
    id) is one series; each source's own id goes to ``source_game_id``.
    """
    return f"{league}-{start.year:04d}{start.month:02d}{start.day:02d}-{away}@{home}"


def make_score(
    *,
    league: League,
    start: datetime,
    season: int,
    season_type: str | None,
    status: GameStatus,
    home: Side,
    away: Side,
    period: int | None,
    time_remaining: str | None,
    observed: datetime,
    possession: str | None = None,
    down_distance: str | None = None,
    field_position: str | None = None,
    source_status: str | None = None,
    source_game_id: str | None = None,
    final: str | None = None,
) -> NflScore | NhlScore:
    """The league's score record; the one place a league picks its fields.

    The game id is the synthetic one; a ``PRE`` point is timestamped at the
    game's start, so every poll before it rewrites the same point, the
    others with ``observed``.
    """
    shared: dict[str, Any] = {
        "game_id": synthetic_game_id(league, start, away.team, home.team),
        "season": season,
        "season_type": season_type,
        # A plain string in the record: tags and the dedupe memory (JSON) take it.
        "status": status.value,
        "home_team": home.team,
        "away_team": away.team,
        "home_score": home.score.goals,
        "away_score": away.score.goals,
        "time_remaining": time_remaining,
        "source_status": source_status,
        "source_game_id": source_game_id,
        "final_type": final,
        "time": start if status is GameStatus.PRE else observed,
    }
    if league is League.NFL:
        return NflScore(
            **shared,
            quarter=period,
            possession=possession,
            down_distance=down_distance,
            field_position=field_position,
        )
    return NhlScore(
        **shared,
        period=period,
        home_shots=home.shots,
        away_shots=away.shots,
        home_shootout=home.score.shootout,
        away_shootout=away.score.shootout,
    )


_HOME_AWAY: Mapping[str, bool] = {"home": True, "away": False}


def team_is_home(attrs: Mapping[str, Any]) -> bool:
    """From ``team_homeaway``, else the opposite of ``opponent_homeaway``."""
    side = _HOME_AWAY.get((text(attrs.get("team_homeaway")) or "").lower())
    if side is not None:
        return side
    side = _HOME_AWAY.get((text(attrs.get("opponent_homeaway")) or "").lower())
    if side is not None:
        return not side
    raise SkipRecord(Reason.MISSING_ATTRIBUTE)
