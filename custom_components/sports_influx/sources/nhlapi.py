"""hass-nhlapi sensors (JayBlackedOut/hass-nhlapi) -> NHL scores.

The sensor's attributes come from pynhl (api-web.nhle.com): ``game_id``,
``home_*``/``away_*`` (``_id``, ``_name``, ``_logo``, ``_logo_dark``,
``_score``, ``_sog``), ``current_period``, ``time_remaining`` and
``next_game_datetime`` (the current or next game's start). Its state is the
game state ``PRE``, ``LIVE``, ``CRIT``, ``OVER``, ``FINAL``, ``OFF``, or free
text when there is no game ("No Game Scheduled", the next game's date).

How the attributes are read
- Status: the state as a ``GameStatus`` (``LIVE``/``CRIT`` -> IN; ``OVER``,
  ``FINAL`` and ``OFF`` -> POST, one final point however many of them the
  game passes through); the state itself is ``source_status``.
- Teams: no abbreviation attribute exists; it is read from the logo URLs
  (".../svg/TOR_dark.svg"), else from the team id, and spelled as ESPN
  spells it (``LAK`` -> ``LA``) so NHL series join TeamTracker's and the
  standings' (both ESPN).
- Game id: ``NHL-20231103-TOR@LA`` from the start (``next_game_datetime``,
  the current or next game's) and the teams, as TeamTracker makes it; the
  NHL's ``game_id`` is ``source_game_id``. Without a start there is no id:
  ``missing_attribute``.
- Season and season type come from the NHL game id (``2023020204``: season
  2023, type 02 = regular season), else the season from the start date:
  both name the season by its start year.
- Final type (POST): ``current_period_type`` (REG/OT/SO), else the period.
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
from .base import ParseResult, Reason, SkipRecord
from .parsing import (
    check_available,
    clock_time,
    final_type,
    game_side,
    ident,
    make_score,
    parse_time,
    period_number,
    season_of,
    text,
)
from .status import NHLAPI_STATES, GameStatus

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
    status, word = NHLAPI_STATES.read(state.state)
    attrs = state.attributes
    start = parse_time(attrs.get("next_game_datetime"))
    if status is GameStatus.PRE and start is None:
        raise SkipRecord(Reason.NOT_A_GAME)
    home, away = _team(attrs, "home"), _team(attrs, "away")
    if start is None:
        raise SkipRecord(Reason.MISSING_ATTRIBUTE)
    source_id = ident(attrs.get("game_id"))
    season, season_type = _season(source_id, start)
    period = period_number(attrs.get("current_period"))
    return ParseResult.one(
        make_score(
            league=League.NHL,
            start=start,
            season=season,
            season_type=season_type,
            status=status,
            home=game_side(
                home, attrs.get("home_score"), attrs.get("home_sog"), status
            ),
            away=game_side(
                away, attrs.get("away_score"), attrs.get("away_sog"), status
            ),
            period=period,
            time_remaining=clock_time(attrs.get("time_remaining")),
            observed=observed,
            source_status=word,
            source_game_id=source_id,
            final=final_type(
                League.NHL,
                status,
                period=period,
                period_type=attrs.get("current_period_type"),
                season_type=season_type,
            ),
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


def _season(game_id: str | None, start: datetime) -> tuple[int, str | None]:
    """Season and season type: from NHL's game id, else the start."""
    if game_id and (match := _GAME_ID.fullmatch(game_id)):
        return int(match.group(1)), GAME_TYPES.get(match.group(2))
    return season_of(League.NHL, start), None
