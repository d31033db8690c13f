"""ha-nfl sensors (firstof9/ha-nfl, formerly zacs/ha-nfl) -> NFL scores.

ha-nfl is TeamTracker's ancestor: the same ``team_*``/``opponent_*``
attributes read from ESPN's NFL scoreboard, minus ``league``, ``sport``,
``season`` and ``event_id``; so the mapping is TeamTracker's
(``teamtracker.team_view_score``). Its states are ``PRE``, ``IN``,
``POST``, ``BYE`` and ``NOT_FOUND``; ``clock`` holds ESPN's
``displayClock`` ("0:48"), and ``quarter``/``clock`` are empty before the
game.

ha-nfl has been forked for other leagues (artiscursive/ha-nba reads ESPN's
NBA scoreboard) with the same attribute names and no ``league``: the key
set says "this family", not "the NFL". A game is written as NFL only on
evidence of the league (``_common.league_evidence``: ESPN's logo URLs, else
both teams' ESPN ids); any other league, or none, is ``unknown_league``.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import State

from ..records import League
from ._common import check_available, game_status, league_evidence
from .base import ParseResult, Reason, SkipRecord
from .teamtracker import GAME_STATES, NO_GAME_STATES, team_view_score

__all__ = ["league_evidence", "matches", "parse"]

# Every ha-nfl state carries these keys (values may be None)...
SIGNATURE = frozenset(
    {"team_abbr", "opponent_abbr", "down_distance_text", "kickoff_in"}
)
# ...and none of TeamTracker's, which carry them too in the current form.
_NOT_HERE = frozenset({"league", "sport"})


def matches(state: State) -> bool:
    """Whether the state looks like an ha-nfl sensor (or a fork's)."""
    keys = state.attributes.keys()
    return keys >= SIGNATURE and _NOT_HERE.isdisjoint(keys)


def parse(state: State, observed: datetime) -> ParseResult:
    """An ha-nfl state -> one NFL score record, if the game is the NFL's."""
    check_available(state.state)
    game_status(state.state, GAME_STATES, NO_GAME_STATES)  # BYE: not_a_game
    if league_evidence(state.attributes) != League.NFL:
        raise SkipRecord(Reason.UNKNOWN_LEAGUE)
    return ParseResult.one(team_view_score(state, league=League.NFL, observed=observed))
