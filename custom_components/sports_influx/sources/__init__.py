"""Source sensors -> typed records. Pure: a ``State`` in, records out.

``SOURCES`` lists every kind of sensor the integration reads, each with a
recognizer (``matches``: by the attributes only that kind carries) and a
parser (``parse(state, observed)``: a ``ParseResult``, or ``SkipRecord``
with a reason slug). ``detect`` picks the kind of a state.

The order matters only for payloads that could look alike: the ESPN
payload sensors come first (their top-level keys never appear in a team
sensor), and TeamTracker before ha-nfl (ha-nfl's recognizer also refuses
TeamTracker's ``league``/``sport``). A recognizer says which family a
sensor belongs to; which league it is about is read from evidence in the
payload by the parser (a family's forks cover other leagues), and a league
without measurements is ``unknown_league``.

An unavailable entity has no extra attributes (HA drops them), so
``detect`` finds nothing for it: callers keep the kind found earlier for
that entity, and its ``parse`` answers ``SkipRecord("unavailable")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.core import State

from . import (
    espn_injury,
    espn_league_injuries,
    espn_standings,
    espn_summary,
    ha_nfl,
    nhlapi,
    teamtracker,
)
from .base import ParseResult, Reason, SkipRecord

__all__ = ["SOURCES", "ParseResult", "Reason", "SkipRecord", "Source", "detect"]


@dataclass(frozen=True, slots=True)
class Source:
    """A kind of source sensor: how to recognize it and how to read it.

    ``decisive``: the values of the attributes a record's game, status and
    dedupe key are made from. When the state and these are as at the last
    parse, the reader decides from that parse whether the new state is
    worth writing, without parsing it (a single-record source only; None =
    always parse). Clocks, update times and the rest are not compared.
    """

    name: str
    matches: Callable[[State], bool]
    parse: Callable[[State, datetime], ParseResult]
    decisive: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = None


SOURCES: tuple[Source, ...] = (
    Source("espn_summary", espn_summary.matches, espn_summary.parse),
    Source("espn_standings", espn_standings.matches, espn_standings.parse),
    Source("espn_injury", espn_injury.matches, espn_injury.parse),
    Source(
        "espn_league_injuries", espn_league_injuries.matches, espn_league_injuries.parse
    ),
    Source("teamtracker", teamtracker.matches, teamtracker.parse, teamtracker.decisive),
    Source("ha_nfl", ha_nfl.matches, ha_nfl.parse),
    Source("nhlapi", nhlapi.matches, nhlapi.parse),
)


def detect(state: State) -> Source | None:
    """The kind of sensor this state comes from, if any."""
    return next((source for source in SOURCES if source.matches(state)), None)
