"""ESPN core API injury record -> ``nfl_injuries`` / ``nhl_injuries``.

A ``rest`` sensor on ``sports.core.api.espn.com/v2/sports/football/leagues/
nfl/.../injuries/{id}`` (or ``hockey/leagues/nhl``) keeps the record in its
attributes; its links name the league and the season (ESPN's hockey season
year is the end year: written as the start year, ``espn.espn_season``). The record links
its athlete (``$ref``) instead of naming them: the name comes from an
expanded ``athlete``, else from a ``player_name`` attribute the user adds
(``homeassistant: customize:``). Without either the state is skipped
(``missing_attribute``): an injury without a name is no use in a chart.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.core import State

from .base import ParseResult, Reason, SkipRecord
from .espn_summary import injury_from_core
from .parsing import as_mapping, check_available, text

# What a core injury record has and neither a team sensor nor an ESPN
# summary or standings body does.
SIGNATURE = frozenset({"athlete", "type", "date"})
_ONE_OF = frozenset({"status", "shortComment", "longComment", "details"})


def matches(state: State) -> bool:
    """Whether the state holds a core API injury record."""
    keys = state.attributes.keys()
    return keys >= SIGNATURE and not keys.isdisjoint(_ONE_OF)


def parse(state: State, observed: datetime) -> ParseResult:
    """The record -> one ``InjuryReport``."""
    check_available(state.state, payload=True)
    record = state.attributes
    if as_mapping(record.get("athlete")) is None:
        raise SkipRecord(Reason.MALFORMED_PAYLOAD)
    name = text(record.get("player_name"))
    athlete = {"displayName": name} if name else None
    return ParseResult.one(injury_from_core(record, observed, athlete=athlete))
