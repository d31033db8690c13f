"""One status vocabulary for every source, whatever each calls its states.

The ``status`` tag of every ``*_scores`` measurement takes one of
``GameStatus``'s values; the source's own word is kept in the
``source_status`` field. ESPN (so TeamTracker and ha-nfl) reports a game
that will not be played as planned with its ordinary state and the reason
in the clock text: a postponed game is ``POST``, scores "0"-"0", clock
"Postponed". Those are not finals: the detail decides before the state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from .base import Reason, SkipRecord


class GameStatus(StrEnum):
    """A game's status as written in the ``status`` tag."""

    PRE = "PRE"
    IN = "IN"
    POST = "POST"
    POSTPONED = "POSTPONED"
    CANCELED = "CANCELED"
    SUSPENDED = "SUSPENDED"
    DELAYED = "DELAYED"


# Source states -> status. TeamTracker and ha-nfl: ESPN's PRE/IN/POST;
# hass-nhlapi: the NHL API's gameState (FUT, PRE, LIVE, CRIT, OVER, FINAL,
# OFF); ESPN's status type names where a payload carries them.
SOURCE_STATES: Mapping[str, GameStatus] = {
    "PRE": GameStatus.PRE,
    "FUT": GameStatus.PRE,
    "PREVIEW": GameStatus.PRE,
    "SCHEDULED": GameStatus.PRE,
    "STATUS_SCHEDULED": GameStatus.PRE,
    "IN": GameStatus.IN,
    "LIVE": GameStatus.IN,
    "CRIT": GameStatus.IN,
    "STATUS_IN_PROGRESS": GameStatus.IN,
    "STATUS_HALFTIME": GameStatus.IN,
    "STATUS_END_PERIOD": GameStatus.IN,
    "POST": GameStatus.POST,
    "OVER": GameStatus.POST,
    "FINAL": GameStatus.POST,
    "OFF": GameStatus.POST,
    "STATUS_FINAL": GameStatus.POST,
    "POSTPONED": GameStatus.POSTPONED,
    "STATUS_POSTPONED": GameStatus.POSTPONED,
    "PPD": GameStatus.POSTPONED,
    "CANCELED": GameStatus.CANCELED,
    "CANCELLED": GameStatus.CANCELED,
    "STATUS_CANCELED": GameStatus.CANCELED,
    "SUSPENDED": GameStatus.SUSPENDED,
    "STATUS_SUSPENDED": GameStatus.SUSPENDED,
    "DELAYED": GameStatus.DELAYED,
    "STATUS_DELAYED": GameStatus.DELAYED,
    "STATUS_RAIN_DELAY": GameStatus.DELAYED,
}

# Words in a detail text (ESPN's ``shortDetail``, TeamTracker's ``clock``)
# that say the game is not going as planned, checked in this order.
_DETAIL_WORDS: tuple[tuple[str, GameStatus], ...] = (
    ("postpone", GameStatus.POSTPONED),
    ("cancel", GameStatus.CANCELED),
    ("suspend", GameStatus.SUSPENDED),
    ("delay", GameStatus.DELAYED),
)

# A game has at most one final point: these are the only statuses whose
# score is the result.
FINAL = GameStatus.POST
# Statuses with a clock running or about to: rewritten as the game goes.
LIVE = frozenset({GameStatus.IN, GameStatus.DELAYED})


def canonical_status(state: str, detail: object = None) -> GameStatus | None:
    """A source state (and its detail text) as a ``GameStatus``; None if unknown.

    ``detail`` decides first: ESPN keeps a postponed game's state ``POST``
    (or ``PRE``) and says "Postponed" only there.
    """
    return _detail_status(detail) or SOURCE_STATES.get(state.strip().upper())


def _detail_status(detail: object) -> GameStatus | None:
    if isinstance(detail, str) and detail:
        lowered = detail.lower()
        for word, status in _DETAIL_WORDS:
            if word in lowered:
                return status
    return None


class Reading(NamedTuple):
    """A source state read: its ``GameStatus`` and the source's own word."""

    status: GameStatus
    word: str  # upper case, written as ``source_status``


@dataclass(frozen=True, slots=True)
class SourceStates:
    """A source's states: those of a game, and those of a sensor without one.

    ``no_games`` None: any state that is not a game's says there is no game
    (free-text states like "No Game Scheduled").
    """

    games: frozenset[str]
    no_games: frozenset[str] | None = None

    def read(self, state: str, detail: object = None) -> Reading:
        """The state as a ``GameStatus`` and the source's own word for it.

        Refuses a state without a game (``not_a_game``) and one the source
        is not known to write (``unknown_state``). ``detail`` decides first,
        as in ``canonical_status``.
        """
        word = state.strip().upper()
        if word not in self.games:
            if self.no_games is None or word in self.no_games:
                raise SkipRecord(Reason.NOT_A_GAME)
            raise SkipRecord(Reason.UNKNOWN_STATE)
        # Every game state is in SOURCE_STATES (a test holds the sets to it).
        return Reading(_detail_status(detail) or SOURCE_STATES[word], word)


# ESPN's states as TeamTracker and ha-nfl write them.
ESPN_STATES = SourceStates(
    games=frozenset({"PRE", "IN", "POST"}), no_games=frozenset({"NOT_FOUND", "BYE"})
)
# hass-nhlapi's: any other state is free text without a game.
NHLAPI_STATES = SourceStates(
    games=frozenset({"PRE", "LIVE", "CRIT", "OVER", "FINAL", "OFF"})
)
