"""ha-nfl sensors (firstof9/ha-nfl, formerly zacs/ha-nfl) and its forks -> scores.

ha-nfl is TeamTracker's ancestor: the same ``team_*``/``opponent_*``
attributes read from ESPN's NFL scoreboard, minus ``league``, ``sport``,
``season`` and ``event_id``; so the mapping is TeamTracker's
(``teamtracker.team_view_score``). Its states are ``PRE``, ``IN``,
``POST``, ``BYE`` and ``NOT_FOUND``; ``clock`` holds ESPN's
``displayClock`` ("0:48"), and ``quarter``/``clock`` are empty before the
game.

ha-nfl has been forked for other leagues (artiscursive/ha-nba reads ESPN's
NBA scoreboard) with the same attribute names and no ``league``: the key
set says "this family", not "the NFL". The league is read from evidence
(``espn.league_evidence``: ESPN's logo URLs, else both teams' ESPN ids):
an NFL or NHL game is written as TeamTracker's are, a game of a league in
``FORK_SPORTS`` goes to its sport's ``<sport>_scores`` through
TeamTracker's sport builders (``teamtracker_sports.team_score``); any other
league, or none, is ``unknown_league``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from homeassistant.core import State

from .base import ParseResult, Reason, SkipRecord
from .espn import league_evidence
from .parsing import LEAGUES, check_available
from .status import ESPN_STATES
from .teamtracker import team_view_score
from .teamtracker_sports import team_score

__all__ = ["league_evidence", "matches", "parse"]

# Every ha-nfl state carries these keys (values may be None)...
SIGNATURE = frozenset(
    {"team_abbr", "opponent_abbr", "down_distance_text", "kickoff_in"}
)
# ...and none of TeamTracker's, which carry them too in the current form.
_NOT_HERE = frozenset({"league", "sport"})
# The sport of each league a fork may follow (ESPN's scoreboards of team
# sports with ha-nfl's attributes: artiscursive/ha-nba, and the like).
FORK_SPORTS: Mapping[str, str] = {
    "NBA": "basketball",
    "WNBA": "basketball",
    "NCAAM": "basketball",
    "NCAAW": "basketball",
    "MLB": "baseball",
    "NCAAF": "football",
}


def matches(state: State) -> bool:
    """Whether the state looks like an ha-nfl sensor (or a fork's)."""
    keys = state.attributes.keys()
    return keys >= SIGNATURE and _NOT_HERE.isdisjoint(keys)


def parse(state: State, observed: datetime) -> ParseResult:
    """An ha-nfl state -> one score record of the league it shows evidence of."""
    check_available(state.state)
    evidence = league_evidence(state.attributes) or ""
    if (league := LEAGUES.get(evidence)) is not None:
        return ParseResult.one(team_view_score(state, league=league, observed=observed))
    # Read before an unknown league is refused: BYE is not_a_game in any.
    reading = ESPN_STATES.read(state.state, state.attributes.get("clock"))
    if (sport := FORK_SPORTS.get(evidence)) is not None:
        return ParseResult.one(team_score(state, reading, evidence, sport, observed))
    raise SkipRecord(Reason.UNKNOWN_LEAGUE)
