"""ha-nfl sensors (firstof9/ha-nfl, formerly zacs/ha-nfl) -> NFL scores.

ha-nfl is TeamTracker's ancestor: the same ``team_*``/``opponent_*``
attributes read from ESPN's NFL scoreboard, minus ``league``, ``sport``,
``season`` and ``event_id``; so the mapping is TeamTracker's
(``teamtracker.team_view_score``) with the league fixed to NFL. Its states
are ``PRE``, ``IN``, ``POST``, ``BYE`` and ``NOT_FOUND``; ``clock`` holds
ESPN's ``displayClock`` ("0:48"), and ``quarter``/``clock`` are empty
before and after the game.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import State

from ..records import League
from ._common import check_available, game_status
from .base import ParseResult
from .teamtracker import GAME_STATES, NO_GAME_STATES, team_view_score

# Every ha-nfl state carries these keys (values may be None)...
SIGNATURE = frozenset(
    {"team_abbr", "opponent_abbr", "down_distance_text", "kickoff_in"}
)
# ...and none of TeamTracker's, which carry them too in the current form.
_NOT_HERE = frozenset({"league", "sport"})


def matches(state: State) -> bool:
    """Whether the state looks like an ha-nfl sensor."""
    keys = state.attributes.keys()
    return keys >= SIGNATURE and _NOT_HERE.isdisjoint(keys)


def parse(state: State, observed: datetime) -> ParseResult:
    """An ha-nfl state -> one NFL score record."""
    check_available(state.state)
    status = game_status(state.state, GAME_STATES, NO_GAME_STATES)
    return ParseResult.one(
        team_view_score(
            state.attributes, league=League.NFL, status=status, observed=observed
        )
    )
