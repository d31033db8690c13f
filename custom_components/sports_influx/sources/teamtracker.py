"""TeamTracker sensors (vasqued2/ha-teamtracker) -> NFL and NHL scores.

One sensor follows one team; its attributes describe that team's game from
the team's side (``team_*``) and the opponent's (``opponent_*``). Both
attribute generations are read: the 2022 form (52 attributes, no
``event_id``/``season``) and the current one (73 attributes).

How the attributes are read
- ``PRE`` with a game (a date and both teams): a 0-0 point with status PRE,
  timestamped at the game start, so every poll rewrites the same point.
  ``PRE`` without one, ``NOT_FOUND`` and ``BYE``: ``not_a_game``.
- Status: ``status.ESPN_STATES`` read from the state and the clock text
  (ESPN's ``shortDetail``): a postponed game is ``POST`` with clock
  "Postponed", written as POSTPONED; the state is ``source_status``.
- ``IN``/``POST`` are timestamped with ``observed`` (the state's change time).
- Game id: ``NFL-20220911-NO@ATL`` (league, the game's UTC start date,
  away@home), the same from both attribute generations and from every other
  source following the game; ``event_id`` is ``source_game_id``.
- Final type (POST): the clock text ("Final", "Final/OT", "Final/SO"), else
  the shootout goals, else the period (TeamTracker's ``quarter``).
- ``quarter`` is the period in every sport; 0 (not started) is left out.
- NHL shots are ``*_shots_on_target``: TeamTracker fills them for hockey from
  the other side's saves plus the goals, i.e. shots on goal; ``*_total_shots``
  is the soccer attribute and stays empty for hockey.
- Conference and division tags are left out: TeamTracker has only
  ``*_conference_id`` (a number, usually empty), never a name.

``team_view_score`` is the shared mapping for every sensor of this family
(ha-nfl uses it too).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.core import State

from ..records import League, NflScore, NhlScore
from . import teamtracker_sports
from .base import ParseResult, Reason, SkipRecord
from .parsing import (
    LEAGUES,
    check_available,
    clock_time,
    down_and_field,
    final_type,
    game_side,
    ident,
    make_score,
    parse_time,
    period_number,
    season_of,
    team_is_home,
    text,
)
from .status import ESPN_STATES, GameStatus

# Present in both attribute generations, absent from every other source.
SIGNATURE = frozenset({"league", "team_abbr", "opponent_abbr"})


# What a record's game id, status and dedupe key are made from, in every
# sport: every attribute a parser reads but the clock and the shots (which
# change between plays without changing any of these). The clock can say a
# game is postponed or delayed, but ESPN then changes the state too (a
# postponed game goes to POST), or, for a delay in play, the live game's
# heartbeat parses it again within ``listener.HEARTBEAT``; comparing the
# clock would parse every poll of every live game. When none of these and
# not the state changed since the last parse, the dedupe memory decides
# without parsing; the clock, ``last_update``, odds, win probabilities, play
# text and the ~40 other attributes are not even looked at. A test records
# every attribute the parsers read and checks it is here or changes no key.
DECISIVE = (
    "league",
    "date",
    "event_id",
    "season",
    "team_abbr",
    "opponent_abbr",
    "team_id",
    "opponent_id",
    "team_homeaway",
    "opponent_homeaway",
    "team_score",
    "opponent_score",
    "quarter",
    "possession",
    "down_distance_text",
    # Which parser, and which league on a custom API.
    "sport",
    "sport_path",
    "league_path",
    # The athlete, when a sensor has no abbreviation (golf, racing).
    "team_name",
    # Baseball's situation; volleyball's match score and tennis's sets.
    "outs",
    "on_first",
    "on_second",
    "on_third",
    "team_sets_won",
    "opponent_sets_won",
    # A golfer's position.
    "team_rank",
)
# Compared in one sport only, where they are part of the key; elsewhere
# they change between plays. Baseball's clock is the half-inning ("Top
# 6th"), the same for every pitch; golf's shots on target are the holes
# played; racing's total shots the laps.
SPORT_DECISIVE: Mapping[str, tuple[str, ...]] = {
    "baseball": ("clock",),
    "golf": ("team_shots_on_target",),
    "racing": ("team_total_shots",),
}


def decisive(attributes: Mapping[str, Any]) -> tuple[Any, ...]:
    """The values of the attributes a record's game, status and key depend on."""
    values = tuple(map(attributes.get, DECISIVE))
    # The sport as teamtracker_sports.parse reads it.
    sport = text(attributes.get("sport")) or text(attributes.get("sport_path"))
    extra = SPORT_DECISIVE.get((sport or "").lower())
    return values + tuple(map(attributes.get, extra)) if extra else values


def matches(state: State) -> bool:
    """Whether the state looks like a TeamTracker sensor."""
    return state.attributes.keys() >= SIGNATURE


def parse(state: State, observed: datetime) -> ParseResult:
    """A TeamTracker state -> one score record."""
    check_available(state.state)
    league = LEAGUES.get((text(state.attributes.get("league")) or "").upper())
    if league is None:
        return teamtracker_sports.parse(state, observed)
    return ParseResult.one(team_view_score(state, league=league, observed=observed))


def team_view_score(
    state: State, *, league: League, observed: datetime
) -> NflScore | NhlScore:
    """A score record from ``team_*``/``opponent_*`` attributes."""
    attrs = state.attributes
    status, word = ESPN_STATES.read(state.state, attrs.get("clock"))
    start = parse_time(attrs.get("date"))
    team = text(attrs.get("team_abbr"))
    opponent = text(attrs.get("opponent_abbr"))
    if status is GameStatus.PRE and (start is None or team is None or opponent is None):
        raise SkipRecord(Reason.NOT_A_GAME)
    if team is None or opponent is None:
        raise SkipRecord(Reason.MISSING_ATTRIBUTE)
    if start is None:
        raise SkipRecord(Reason.BAD_DATE)
    ours = game_side(
        team, attrs.get("team_score"), attrs.get("team_shots_on_target"), status
    )
    theirs = game_side(
        opponent,
        attrs.get("opponent_score"),
        attrs.get("opponent_shots_on_target"),
        status,
    )
    home, away = (ours, theirs) if team_is_home(attrs) else (theirs, ours)
    down, field = down_and_field(attrs.get("down_distance_text"))
    period = period_number(attrs.get("quarter"))
    season_type = text(attrs.get("season"))
    return make_score(
        league=league,
        start=start,
        season=season_of(league, start),
        season_type=season_type,
        status=status,
        home=home,
        away=away,
        period=period,
        time_remaining=clock_time(attrs.get("clock")),
        observed=observed,
        possession=_possession(attrs, team, opponent),
        down_distance=down,
        field_position=field,
        source_status=word,
        source_game_id=ident(attrs.get("event_id")),
        final=final_type(
            league,
            status,
            detail=attrs.get("clock"),
            period=period,
            shootout=home.score.shootout is not None,
            season_type=season_type,
        ),
    )


def _possession(attrs: Mapping[str, Any], team: str, opponent: str) -> str | None:
    """``possession`` holds a team id: the abbreviation of that team."""
    holder = ident(attrs.get("possession"))
    if holder is None:
        return None
    if holder == ident(attrs.get("team_id")):
        return team
    if holder == ident(attrs.get("opponent_id")):
        return opponent
    return None
