"""ESPN's league-wide injury report -> ``nfl_injuries`` / ``nhl_injuries``.

A ``rest`` sensor on ``site.api.espn.com/apis/site/v2/sports/football/nfl/
injuries`` (or ``hockey/nhl/injuries``) with ``json_attributes: [season,
injuries]`` keeps the report: ``injuries`` is one block per team (``id``,
``displayName``, ``logo``) holding that team's ``injuries`` rows, each as
in a game summary (``status``, ``date``, ``athlete``, ``type``,
``details``, comments).

How the body is read
- League: from evidence in the body, never assumed: a team logo's or
  athlete link's league slug (".../teamlogos/nfl/500/ari.png"), else an
  athlete uid's league id ("s:20~l:28~a:..."). Neither: ``unknown_league``.
- Team: the athlete's team abbreviation, else the block's, else the NFL's
  team id table, else the logo's file name ("ari.png" -> "ARI").
- Player id: the athlete's id, else its uid ("~a:4428713"), else its
  player-card link (".../id/4428713/...").
- Season: from the report's date, as for a summary's rows (the same
  report from either source lands in the same series); a row without a
  date takes the body's ``season.year`` as the season's start year
  (``espn.espn_season``: ESPN's 2026 is hockey's 2025-26).
- One record per row (``espn_summary.report``); a row it cannot read is
  one skip reason. The same report polled again is deduped by the reader
  (player and status).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
import re
from typing import Any

from homeassistant.core import State

from ..records import InjuryReport, League
from .base import ParseResult, Reason, SkipRecord
from .espn import ESPN_LEAGUE_IDS, ESPN_NFL_TEAMS, espn_season_of, url_league
from .espn_summary import report
from .parsing import (
    LEAGUES,
    as_list,
    as_mapping,
    check_available,
    ident,
    parse_time,
    text,
)

# A game summary or a core injury record: never a league report.
_NOT_HERE = frozenset({"header", "boxscore", "athlete"})
_UID_ATHLETE = re.compile(r"~a:(\d+)")
_UID_LEAGUE = re.compile(r"~l:(\d+)")
_LINK_ID = re.compile(r"/id/(\d+)")
_LOGO_FILE = re.compile(r"/([a-z0-9]+)\.png$")


def matches(state: State) -> bool:
    """Whether the state holds ESPN's league injury report."""
    attrs = state.attributes
    if "injuries" not in attrs or not _NOT_HERE.isdisjoint(attrs.keys()):
        return False
    first = as_mapping(next(iter(as_list(attrs.get("injuries"))), None))
    return first is not None and "injuries" in first


def parse(state: State, observed: datetime) -> ParseResult:
    """The report -> one ``InjuryReport`` per row; bad rows skipped."""
    check_available(state.state, payload=True)
    teams = [
        block
        for item in as_list(state.attributes.get("injuries"))
        if (block := as_mapping(item)) is not None
    ]
    league = _league(teams)
    season = espn_season_of(league, state.attributes)
    records: list[InjuryReport] = []
    skipped: list[str] = []
    for team, row in _rows(teams, league):
        try:
            records.append(_injury(row, team, league, season, observed))
        except SkipRecord as err:
            skipped.append(err.reason)
    # The league is read from a row: there is at least one entry here.
    return ParseResult(records=tuple(records), skipped=tuple(skipped))


def _league(teams: list[Mapping[str, Any]]) -> League:
    """The league the body shows evidence of; ``unknown_league`` if none."""
    for team in teams:
        for row in as_list(team.get("injuries")):
            athlete = as_mapping((as_mapping(row) or {}).get("athlete")) or {}
            links = [
                (as_mapping(link) or {}).get("href")
                for link in as_list(athlete.get("links"))
            ]
            headshot = (as_mapping(athlete.get("headshot")) or {}).get("href")
            name = url_league(team.get("logo"), headshot, *links)
            uid = _UID_LEAGUE.search(text(athlete.get("uid")) or "")
            league = LEAGUES.get(name or "") or (
                ESPN_LEAGUE_IDS.get(uid.group(1)) if uid else None
            )
            if league is not None:
                return league
            if name is not None:  # another league's report
                raise SkipRecord(Reason.UNKNOWN_LEAGUE)
    raise SkipRecord(Reason.UNKNOWN_LEAGUE)


def _rows(
    teams: list[Mapping[str, Any]], league: League
) -> Iterator[tuple[str | None, object]]:
    """(the block's team abbreviation, row) for every row of every block."""
    for team in teams:
        abbreviation = text(team.get("abbreviation"))
        if abbreviation is None and league is League.NFL:
            abbreviation = ESPN_NFL_TEAMS.get(ident(team.get("id")) or "")
        if abbreviation is None:
            logo = _LOGO_FILE.search(text(team.get("logo")) or "")
            abbreviation = logo.group(1).upper() if logo else None
        for row in as_list(team.get("injuries")):
            yield abbreviation, row


def _injury(
    row: object,
    team: str | None,
    league: League,
    season: int | None,
    observed: datetime,
) -> InjuryReport:
    injury = as_mapping(row)
    if injury is None:
        raise SkipRecord(Reason.MALFORMED_PAYLOAD)
    athlete = as_mapping(injury.get("athlete")) or {}
    own_team = text((as_mapping(athlete.get("team")) or {}).get("abbreviation"))
    return report(
        injury,
        league=league,
        player_id=_player_id(athlete),
        athlete=athlete,
        team=own_team or team,
        season=season if parse_time(injury.get("date")) is None else None,
        observed=observed,
    )


def _player_id(athlete: Mapping[str, Any]) -> str | None:
    """The athlete's id, else from its uid, else from its player-card link."""
    if (found := ident(athlete.get("id"))) is not None:
        return found
    if match := _UID_ATHLETE.search(text(athlete.get("uid")) or ""):
        return match.group(1)
    for link in as_list(athlete.get("links")):
        href = text((as_mapping(link) or {}).get("href")) or ""
        if match := _LINK_ID.search(href):
            return match.group(1)
    return None
