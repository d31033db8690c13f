"""hass-nhlapi sensors (JayBlackedOut/hass-nhlapi) -> NHL scores.

The sensor's attributes come from pynhl (api-web.nhle.com): ``game_id``,
``home_*``/``away_*`` (``_id``, ``_name``, ``_logo``, ``_logo_dark``,
``_score``, ``_sog``), ``current_period``, ``time_remaining`` and
``next_game_datetime`` (the current or next game's start). Its state is the
game state ``PRE``, ``LIVE``, ``CRIT``, ``OVER``, ``FINAL``, ``OFF``, or free
text when there is no game ("No Game Scheduled", the next game's date).

Decisions the issue left open
- Status is the sensor's state as is (schema: status is the source's state).
- Teams: no abbreviation attribute exists; it is read from the logo URLs
  (".../svg/TOR_dark.svg"), else from the team id, and spelled as ESPN
  spells it (``LAK`` -> ``LA``) so NHL series join TeamTracker's and the
  standings' (both ESPN).
- Season and season type come from the game id (``2023020204``: season
  2023, type 02 = regular season), else the season from the start date.
- ``PRE`` points are timestamped at the game start (0-0 when no score yet);
  the others with ``observed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
import re
from typing import Any

from homeassistant.core import State

from ..records import League
from ._common import (
    check_available,
    clock_time,
    game_score,
    game_status,
    ident,
    make_score,
    parse_time,
    period_number,
    season_of,
    shot_count,
    synthetic_game_id,
    text,
)
from .base import ParseResult, Reason, SkipRecord

GAME_STATES = frozenset({"PRE", "LIVE", "CRIT", "OVER", "FINAL", "OFF"})

# The game attributes every pynhl version writes.
SIGNATURE = frozenset({"home_id", "away_id", "home_name", "away_name"})

# NHL game ids: season start year, game type, game number.
_GAME_ID = re.compile(r"(\d{4})(\d{2})\d{4}")
# Game types, as ESPN's season slugs (TeamTracker's ``season``).
GAME_TYPES: Mapping[str, str] = {
    "01": "preseason",
    "02": "regular-season",
    "03": "post-season",
}

# api-web logo URLs end in the team's tricode: ".../svg/TOR_light.svg".
_LOGO = re.compile(r"/([A-Z]{2,4})_(?:light|dark)\.svg$")

# NHL team ids (teams.md of hass-nhlapi) for sensors whose logos are id-based.
NHL_TEAM_IDS: Mapping[str, str] = {
    "1": "NJD",
    "2": "NYI",
    "3": "NYR",
    "4": "PHI",
    "5": "PIT",
    "6": "BOS",
    "7": "BUF",
    "8": "MTL",
    "9": "OTT",
    "10": "TOR",
    "12": "CAR",
    "13": "FLA",
    "14": "TBL",
    "15": "WSH",
    "16": "CHI",
    "17": "DET",
    "18": "NSH",
    "19": "STL",
    "20": "CGY",
    "21": "COL",
    "22": "EDM",
    "23": "VAN",
    "24": "ANA",
    "25": "DAL",
    "26": "LAK",
    "28": "SJS",
    "29": "CBJ",
    "30": "MIN",
    "52": "WPG",
    "53": "ARI",
    "54": "VGK",
    "55": "SEA",
    "59": "UTA",
}

# NHL tricodes ESPN spells differently; the others are the same.
ESPN_SPELLING: Mapping[str, str] = {
    "LAK": "LA",
    "NJD": "NJ",
    "SJS": "SJ",
    "TBL": "TB",
    "UTA": "UTAH",
}


def matches(state: State) -> bool:
    """Whether the state looks like a hass-nhlapi sensor."""
    attrs = state.attributes
    return "game_state" in attrs or attrs.keys() >= SIGNATURE


def parse(state: State, observed: datetime) -> ParseResult:
    """A hass-nhlapi state -> one NHL score record."""
    check_available(state.state)
    status = game_status(state.state, GAME_STATES)
    attrs = state.attributes
    start = parse_time(attrs.get("next_game_datetime"))
    if status != "PRE":
        when = observed
    elif start is None:
        raise SkipRecord(Reason.NOT_A_GAME)
    else:
        when = start
    home, away = _team(attrs, "home"), _team(attrs, "away")
    game_id, season, season_type = _game(attrs, start, home, away)
    return ParseResult.one(
        make_score(
            league=League.NHL,
            game_id=game_id,
            season=season,
            season_type=season_type,
            status=status,
            home_team=home,
            away_team=away,
            home=game_score(attrs.get("home_score"), status),
            away=game_score(attrs.get("away_score"), status),
            period=period_number(attrs.get("current_period")),
            time_remaining=clock_time(attrs.get("time_remaining")),
            time=when,
            home_shots=shot_count(attrs.get("home_sog")),
            away_shots=shot_count(attrs.get("away_sog")),
        )
    )


def _team(attrs: Mapping[str, Any], side: str) -> str:
    """A side's abbreviation, spelled as ESPN spells it."""
    tricode = _tricode(attrs, side)
    if tricode is None:
        raise SkipRecord(Reason.UNKNOWN_TEAM)
    return ESPN_SPELLING.get(tricode, tricode)


def _tricode(attrs: Mapping[str, Any], side: str) -> str | None:
    """From the logo URLs, else the team id."""
    for key in (f"{side}_logo_dark", f"{side}_logo"):
        logo = text(attrs.get(key))
        if logo and (match := _LOGO.search(logo)):
            return match.group(1)
    return NHL_TEAM_IDS.get(ident(attrs.get(f"{side}_id")) or "")


def _game(
    attrs: Mapping[str, Any], start: datetime | None, home: str, away: str
) -> tuple[str, int, str | None]:
    """Game id, season and season type: from NHL's game id, else the start."""
    game_id = ident(attrs.get("game_id"))
    if game_id and (match := _GAME_ID.fullmatch(game_id)):
        return game_id, int(match.group(1)), GAME_TYPES.get(match.group(2))
    if start is None:
        raise SkipRecord(Reason.MISSING_ATTRIBUTE)
    game_id = game_id or synthetic_game_id(League.NHL, start, away, home)
    return game_id, season_of(League.NHL, start), None
