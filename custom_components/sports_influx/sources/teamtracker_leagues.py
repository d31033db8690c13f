"""What TeamTracker's sensors of every league share: league, season, counts.

The league of a sensor is TeamTracker's ``league``, or, on a custom API
(league "XXX"), its ``league_path``. Seasons are named after the year they
start in, from a game's date and its league's start month (a data table).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .base import Reason, SkipRecord
from .parsing import text, to_int

# The league name of a sensor on a custom API: its league_path says which.
CUSTOM_LEAGUE = "XXX"

# A season is named after the year it starts in: a game before its league's
# start month belongs to the previous year's season. Leagues played within
# a calendar year start in January. Leagues not listed take their sport's.
SEASON_START_MONTH: Mapping[str, int] = {
    # baseball
    "MLB": 1,
    # basketball
    "NBA": 10,
    "NCAAM": 10,
    "NCAAW": 10,
    "WNBA": 1,
    # football
    "NCAAF": 3,
    "CFL": 3,
    "XFL": 1,
    "UFL": 1,
    # hockey
    "AHL": 7,
    "PWHL": 7,
    # soccer: the Americas and world tournaments in a calendar year,
    # Europe from July
    "MLS": 1,
    "NWSL": 1,
    "CLA": 1,
    "WC": 1,
    "WWC": 1,
    "EPL": 7,
    "LIGA": 7,
    "BUND": 7,
    "SERA": 7,
    "LIG1": 7,
    "CL": 7,
    # volleyball: NCAA men's in spring, women's in autumn
    "NCAAVB": 1,
    "NCAAVBW": 7,
}
SPORT_SEASON_START_MONTH: Mapping[str, int] = {
    "baseball": 1,
    "basketball": 10,
    "football": 3,
    "hockey": 7,
    "soccer": 7,
    "volleyball": 7,
    "cricket": 1,
    "tennis": 1,
    "mma": 1,
    "golf": 1,
    "racing": 1,
}


def league_of(attrs: Mapping[str, Any]) -> str:
    """The league tag: TeamTracker's league, or a custom API's league_path."""
    league = (text(attrs.get("league")) or "").upper()
    if league != CUSTOM_LEAGUE:
        if not league:
            raise SkipRecord(Reason.UNKNOWN_LEAGUE)
        return league
    path = text(attrs.get("league_path"))
    if path is None:
        raise SkipRecord(Reason.UNKNOWN_LEAGUE)
    return path


def season_of(league: str, sport: str, when: datetime) -> int:
    """The season (named after the year it starts in) of a game on this date."""
    start = SEASON_START_MONTH.get(league, SPORT_SEASON_START_MONTH.get(sport, 1))
    return when.year - 1 if when.month < start else when.year


def period_of(value: object) -> int | None:
    """A period, round or set; 0 (not started) and nonsense are left out."""
    number = to_int(value)
    return number if number is not None and number > 0 else None


def count_of(value: object) -> int | None:
    """A non-negative count (shots, outs) from an int or text."""
    number = to_int(value)
    return number if number is not None and number >= 0 else None
