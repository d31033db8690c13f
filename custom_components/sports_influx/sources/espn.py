"""ESPN's conventions, shared by every parser of an ESPN-fed sensor.

ESPN's ids (league ids in uids, NFL team ids), the league slugs in its
URLs, and how it names a season: TeamTracker, ha-nfl and its forks, and the
payload sensors (summaries, standings, injury reports) all carry them.
"""

from __future__ import annotations

from collections.abc import Mapping
import re
from typing import Any

from ..records import League
from .base import Reason, SkipRecord
from .parsing import LEAGUES, as_mapping, ident, text, to_int

# ESPN's league ids, as in uids like "s:20~l:28~t:1".
ESPN_LEAGUE_IDS: Mapping[str, League] = {"28": League.NFL, "90": League.NHL}

# The convention of every measurement: a season is named after the year it
# starts in (2025 for 2025-26). ESPN names a season by the year it ends in
# where it spans the new year, except for football: ``season.year`` 2026
# with ``displayName`` "2025-26" in hockey and basketball standings,
# summaries and core API links, 2025 for the NFL's 2025 season (which ends
# in February 2026). This many years are added to ESPN's year. Leagues
# whose season lies within one calendar year (MLB, WNBA) add 0.
ESPN_SEASON_OFFSET: Mapping[str, int] = {
    "NFL": 0,
    "NHL": -1,
    "NBA": -1,
    "MLB": 0,
    "WNBA": 0,
}

# League evidence: ESPN's logo and player links carry the league's slug
# (".../teamlogos/nfl/500/scoreboard/kc.png", "espn.com/nba/player/...").
_ESPN_SLUG = re.compile(r"(?:/teamlogos/|espn\.com/|/headshots/)([a-z-]+)/")
# ESPN's slugs for league names where they differ from the lower-case name.
_SLUG_LEAGUES: Mapping[str, str] = {
    "college-football": "NCAAF",
    "mens-college-basketball": "NCAAM",
    "womens-college-basketball": "NCAAW",
}
# ESPN NFL team ids (scoreboard ``team.id``, core API ``teams/{id}``).
ESPN_NFL_TEAMS: Mapping[str, str] = {
    "1": "ATL",
    "2": "BUF",
    "3": "CHI",
    "4": "CIN",
    "5": "CLE",
    "6": "DAL",
    "7": "DEN",
    "8": "DET",
    "9": "GB",
    "10": "TEN",
    "11": "IND",
    "12": "KC",
    "13": "LV",
    "14": "LAR",
    "15": "MIA",
    "16": "MIN",
    "17": "NE",
    "18": "NO",
    "19": "NYG",
    "20": "NYJ",
    "21": "PHI",
    "22": "ARI",
    "23": "PIT",
    "24": "LAC",
    "25": "SF",
    "26": "SEA",
    "27": "TB",
    "28": "WSH",
    "29": "CAR",
    "30": "JAX",
    "33": "BAL",
    "34": "HOU",
}


def espn_league(abbreviation: object, uid: object) -> League:
    """An ESPN payload's league: its abbreviation, else its uid ("s:20~l:28")."""
    league = LEAGUES.get((text(abbreviation) or "").upper())
    if league is None:
        _, _, rest = (text(uid) or "").partition("~l:")
        league = ESPN_LEAGUE_IDS.get(rest.partition("~")[0])
    if league is None:
        raise SkipRecord(Reason.UNKNOWN_LEAGUE)
    return league


def espn_season(league: str, year: int | None) -> int | None:
    """ESPN's season year as the season's start year (``ESPN_SEASON_OFFSET``)."""
    if year is None:
        return None
    return year + ESPN_SEASON_OFFSET.get(league, 0)


def espn_season_of(league: str, node: Mapping[str, Any]) -> int | None:
    """An ESPN body's or header's ``season.year`` as the season's start year."""
    return espn_season(
        league, to_int((as_mapping(node.get("season")) or {}).get("year"))
    )


def league_evidence(attrs: Mapping[str, Any]) -> str | None:
    """The league an ESPN-fed team sensor shows evidence of ("NFL", "NBA").

    Read from what names the league, not from the attribute names (ha-nfl's
    are shared by its forks for other leagues): the slug in the team and
    opponent logo URLs, else both teams' ESPN ids agreeing with their
    abbreviations in the NFL's id table. None when nothing says.
    """
    if league := url_league(attrs.get("team_logo"), attrs.get("opponent_logo")):
        return league
    sides = (("team_id", "team_abbr"), ("opponent_id", "opponent_abbr"))
    if all(
        (abbr := text(attrs.get(name))) is not None
        and ESPN_NFL_TEAMS.get(ident(attrs.get(id_key)) or "") == abbr
        for id_key, name in sides
    ):
        return "NFL"
    return None


def url_league(*urls: object) -> str | None:
    """The league slug of the first ESPN URL that has one ("NFL")."""
    for url in urls:
        if isinstance(url, str) and (match := _ESPN_SLUG.search(url)):
            slug = match.group(1)
            return _SLUG_LEAGUES.get(slug, slug.upper())
    return None
