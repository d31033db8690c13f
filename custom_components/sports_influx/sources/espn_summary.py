"""ESPN game summaries -> player stats and injury reports.

A sensor holds ESPN's game summary (``apis/site/v2/sports/.../summary``):
``header`` (game id, season, week, start), ``boxscore.players`` (per team,
stat groups with ``keys``/``labels`` and one row of ``stats`` per athlete)
and ``injuries`` (per team). ``injury_from_core`` maps the core API's injury
record (``sports.core.api.espn.com/.../injuries/{id}``).

Mapping decisions
- One ``PlayerStats`` per player and game, all stat groups merged,
  timestamped at the game start: every poll of a live game rewrites the
  same point with the latest line.
- Stat names: ESPN's key in snake case ("passingYards" -> "passing_yards");
  "C/ATT"-style keys ("completions/passingAttempts", "sacks-sackYardsLost")
  split into two stats. Two keys name different stats in different groups
  and are renamed (``STAT_RENAMES``): the defensive "sacks" (made, halves
  allowed) and the interceptions group's "interceptions" (caught), since
  "sacks"/"interceptions" in the schema are the passer's (integers).
- A column without a key takes its label, prefixed with the group
  ("rushing_yds"). Values that are not numbers ("--", "18:32") are left
  out; a stat the schema types as integer that is fractional is left out.
- Game id: the synthetic one scores use ("NFL-20230917-GB@ATL", from the
  header's start and competitors), so player stats join scores; ESPN's
  event id only when the header names no teams.
- Season: ``header.season.year`` as the season's start year (ESPN names
  hockey seasons by their end year: ``espn.ESPN_SEASON_OFFSET``).
- Injuries go to the league's injuries measurement (``nfl_injuries``,
  ``nhl_injuries``). Timestamp and season come from the report's own date
  (a summary may list reports dated long after the game); ``weeks_out`` counts whole weeks from that date to
  ``details.returnDate``; ``comment`` is ESPN's short comment, else its
  long one, else ``details.detail`` unless "Not Specified". A row with
  none of them has no field to write: ``no_fields``.
- Entries: every distinct player (team block x athlete id), every stat row
  without a usable athlete id, every injury row. Each is a record or one
  skip reason; a summary with no entry at all is ``malformed_payload``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
import math
import re
from typing import Any

from homeassistant.core import State

from ..records import InjuryReport, League, PlayerStats, Record
from ..schema import PLAYER_STAT_TYPES, FieldType
from .base import ParseResult, Reason, SkipRecord
from .espn import ESPN_NFL_TEAMS, espn_league, espn_season, espn_season_of
from .parsing import (
    as_list,
    as_mapping,
    check_available,
    first_text,
    ident,
    parse_time,
    season_of,
    synthetic_game_id,
    text,
    to_float,
    to_int,
)

# (stat group, ESPN key) -> stat name, where the key's own name would mean
# another group's stat.
STAT_RENAMES: Mapping[tuple[str, str], str] = {
    ("defensive", "sacks"): "defensive_sacks",
    ("interceptions", "interceptions"): "defensive_interceptions",
}

# A "C/ATT" or "SACKS-YDS" cell: two numbers.
_PAIR = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*[/-]\s*([+-]?\d+(?:\.\d+)?)\s*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")
_SPLIT_KEY = re.compile(r"[/-]")
# Core API links: ".../leagues/nfl/seasons/2025/athletes/4426502/...".
_REF_LEAGUE = re.compile(r"/leagues/([a-z-]+)/")
_REF_SEASON = re.compile(r"/seasons/(\d{4})/")
_REF_ATHLETE = re.compile(r"/athletes/(\d+)")
_REF_TEAM = re.compile(r"/teams/(\d+)")

_NOT_SPECIFIED = "not specified"
# Core API league slugs of the leagues with an injuries measurement.
REF_LEAGUES: Mapping[str, League] = {"nfl": League.NFL, "nhl": League.NHL}

SIGNATURE = frozenset({"boxscore"})
# A summary before kick-off has no box score yet, only these.
_PRE_GAME_SIGNATURE = frozenset({"header", "injuries"})


@dataclass(frozen=True, slots=True)
class _Game:
    """What the summary's header says about the game."""

    league: League
    game_id: str | None
    season: int | None
    week: int | None
    start: datetime


@dataclass(slots=True)
class _Player:
    """A player's stat line, gathered over the stat groups."""

    team: str | None
    name: str | None = None
    position: str | None = None
    stats: dict[str, int | float] = field(default_factory=dict)

    def add(self, athlete: Mapping[str, Any], stats: dict[str, int | float]) -> None:
        """One more row: the first name and position found are kept."""
        self.name = self.name or _name(athlete)
        self.position = self.position or _position(athlete)
        self.stats.update(stats)


def matches(state: State) -> bool:
    """Whether the state holds an ESPN game summary."""
    keys = state.attributes.keys()
    return keys >= SIGNATURE or keys >= _PRE_GAME_SIGNATURE


def parse(state: State, observed: datetime) -> ParseResult:
    """A game summary -> player stats and injury reports; bad entries skipped."""
    check_available(state.state, payload=True)
    body = state.attributes
    game = _game(body, observed)
    records: list[Record] = []
    skipped: list[str] = []
    boxscore = as_mapping(body.get("boxscore")) or {}
    for outcome in (
        *_player_stats(as_list(boxscore.get("players")), game),
        *_injuries(as_list(body.get("injuries")), game, observed),
    ):
        if isinstance(outcome, str):
            skipped.append(outcome)
        else:
            records.append(outcome)
    if not records and not skipped:
        raise SkipRecord(Reason.MALFORMED_PAYLOAD)
    return ParseResult(records=tuple(records), skipped=tuple(skipped))


def _game(body: Mapping[str, Any], observed: datetime) -> _Game:
    """The header's facts; the league is required."""
    header = as_mapping(body.get("header")) or {}
    league_info = as_mapping(header.get("league")) or {}
    league = espn_league(league_info.get("abbreviation"), header.get("uid"))
    competition = as_mapping(next(iter(as_list(header.get("competitions"))), None))
    start = parse_time((competition or {}).get("date"))
    season = espn_season_of(league, header)
    if season is None and start is not None:
        season = season_of(league, start)
    return _Game(
        league=league,
        game_id=_game_id(league, start, competition or {}) or ident(header.get("id")),
        season=season,
        week=to_int(header.get("week")) if league is League.NFL else None,
        start=start or observed,
    )


def _game_id(
    league: League, start: datetime | None, competition: Mapping[str, Any]
) -> str | None:
    """The synthetic game id scores use, from the competitors' teams."""
    sides: dict[str, str] = {}
    for item in as_list(competition.get("competitors")):
        competitor = as_mapping(item) or {}
        side = text(competitor.get("homeAway"))
        team = text((as_mapping(competitor.get("team")) or {}).get("abbreviation"))
        if side is not None and team is not None:
            sides[side] = team
    if start is None or "home" not in sides or "away" not in sides:
        return None
    return synthetic_game_id(league, start, sides["away"], sides["home"])


def _player_stats(teams: list[Any], game: _Game) -> Iterator[PlayerStats | str]:
    """A record per player, or a skip reason per entry."""
    players: dict[tuple[int, str], _Player] = {}
    for index, team, group in _stat_groups(teams):
        columns = _columns(group)
        for item in as_list(group.get("athletes")):
            row = as_mapping(item) or {}
            athlete = as_mapping(row.get("athlete")) or {}
            player_id = ident(athlete.get("id"))
            if player_id is None:
                yield Reason.MISSING_ATTRIBUTE.value
                continue
            player = players.setdefault((index, player_id), _Player(team))
            player.add(athlete, _row_stats(columns, row.get("stats")))
    for (_, player_id), player in players.items():
        yield _player_record(player_id, player, game)


def _stat_groups(
    teams: list[Any],
) -> Iterator[tuple[int, str | None, Mapping[str, Any]]]:
    """(team block index, team abbreviation, stat group) of the box score."""
    for index, block in enumerate(teams):
        team_block = as_mapping(block) or {}
        team = text((as_mapping(team_block.get("team")) or {}).get("abbreviation"))
        for item in as_list(team_block.get("statistics")):
            if (group := as_mapping(item)) is not None:
                yield index, team, group


def _player_record(player_id: str, player: _Player, game: _Game) -> PlayerStats | str:
    if player.team is None or player.name is None:
        return Reason.MISSING_ATTRIBUTE.value
    if not player.stats:
        return Reason.NO_STATS.value
    return PlayerStats(
        league=game.league,
        player_id=player_id,
        player_name=player.name,
        team=player.team,
        stats=player.stats,
        position=player.position,
        game_id=game.game_id,
        season=game.season,
        week=game.week,
        time=game.start,
    )


def _name(athlete: Mapping[str, Any]) -> str | None:
    return first_text(athlete.get("displayName"), athlete.get("fullName"))


def _position(athlete: Mapping[str, Any]) -> str | None:
    return text((as_mapping(athlete.get("position")) or {}).get("abbreviation"))


def _columns(group: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """The stat name(s) of each column: one, or two for "C/ATT" columns."""
    group_name = text(group.get("name")) or ""
    keys = as_list(group.get("keys"))
    labels = as_list(group.get("labels"))
    return [
        _column(
            group_name,
            text(keys[index]) if index < len(keys) else None,
            text(labels[index]) if index < len(labels) else None,
        )
        for index in range(max(len(keys), len(labels)))
    ]


def _column(group: str, key: str | None, label: str | None) -> tuple[str, ...]:
    """A column's names from its key ("completions/passingAttempts"), else label."""
    if key is None:
        return (snake_case(f"{group}_{label}"),) if label else ()
    parts = tuple(part for part in _SPLIT_KEY.split(key) if part)
    if len(parts) != 2:
        parts = (key,)
    names = (STAT_RENAMES.get((group, part), snake_case(part)) for part in parts)
    return tuple(name for name in names if name)


def _row_stats(
    columns: list[tuple[str, ...]], raw_stats: object
) -> dict[str, int | float]:
    """One athlete's row, named and typed."""
    stats: dict[str, int | float] = {}
    for names, raw in zip(columns, as_list(raw_stats), strict=False):
        for name, value in zip(names, _cell(raw, len(names)), strict=False):
            typed = _stat_value(name, value)
            if typed is not None:
                stats[name] = typed
    return stats


def _cell(raw: object, width: int) -> tuple[object, ...]:
    """A cell's value(s): "14/25" and "1-11" hold two when the column does."""
    if width != 2:
        return (raw,)
    match = _PAIR.fullmatch(raw) if isinstance(raw, str) else None
    return match.groups() if match else ()


def _stat_value(name: str, value: object) -> int | float | None:
    """A stat typed as the schema declares it (float when undeclared)."""
    if PLAYER_STAT_TYPES.get(name) is FieldType.INTEGER:
        return to_int(value)
    return to_float(value)


def snake_case(name: str) -> str:
    """ESPN's camel case as a field name: "QBHits" -> "qb_hits"."""
    spaced = _CAMEL.sub("_", name)
    return _NON_WORD.sub("_", spaced).strip("_").lower()


def _injuries(
    teams: list[Any], game: _Game, observed: datetime
) -> Iterator[InjuryReport | str]:
    """An injury report per row, or a skip reason per row."""
    for block in teams:
        team_block = as_mapping(block)
        if team_block is None:
            continue
        team = text((as_mapping(team_block.get("team")) or {}).get("abbreviation"))
        for row in as_list(team_block.get("injuries")):
            try:
                yield _injury(row, team, game.league, observed)
            except SkipRecord as err:
                yield err.reason


def _injury(
    row: object, team: str | None, league: League, observed: datetime
) -> InjuryReport:
    """One injury row of a summary."""
    injury = as_mapping(row)
    if injury is None:
        raise SkipRecord(Reason.MALFORMED_PAYLOAD)
    athlete = as_mapping(injury.get("athlete")) or {}
    return report(
        injury,
        league=league,
        player_id=ident(athlete.get("id")),
        athlete=athlete,
        team=team,
        season=None,
        observed=observed,
    )


def injury_from_core(
    record: Mapping[str, Any],
    observed: datetime,
    *,
    athlete: Mapping[str, Any] | None = None,
    team: str | None = None,
) -> InjuryReport:
    """The core API's injury record -> an ``InjuryReport``.

    The record links its athlete and team (``$ref``) instead of holding
    them: the player id, team id, league and season are read from the links;
    the name needs the athlete (the record's own if expanded, else the
    ``athlete`` document the caller fetched). ``team`` overrides the
    abbreviation found from the team link.
    """
    own = as_mapping(record.get("athlete")) or {}
    person = own if _name(own) else athlete or {}
    athlete_ref = text(own.get("$ref")) or ""
    record_ref = text(record.get("$ref")) or ""
    league_ref = _REF_LEAGUE.search(record_ref or athlete_ref)
    league = REF_LEAGUES.get(league_ref.group(1)) if league_ref else League.NFL
    if league is None:
        raise SkipRecord(Reason.UNKNOWN_LEAGUE)
    player_id = (
        ident(own.get("id"))
        or ident(person.get("id"))
        or _ref_id(_REF_ATHLETE, athlete_ref)
    )
    season = _ref_id(_REF_SEASON, record_ref or athlete_ref)
    return report(
        record,
        league=league,
        player_id=player_id,
        athlete=person,
        team=team or _core_team(as_mapping(record.get("team")) or {}, league),
        season=espn_season(league, int(season)) if season else None,
        observed=observed,
    )


def _core_team(team: Mapping[str, Any], league: League) -> str | None:
    """The team's abbreviation if expanded, else from its link's NFL team id."""
    if (abbreviation := text(team.get("abbreviation"))) is not None:
        return abbreviation
    if league is not League.NFL:
        return None
    team_id = _ref_id(_REF_TEAM, text(team.get("$ref")) or "")
    return ESPN_NFL_TEAMS.get(team_id or "")


def _ref_id(pattern: re.Pattern[str], ref: str) -> str | None:
    match = pattern.search(ref)
    return match.group(1) if match else None


def report(
    injury: Mapping[str, Any],
    *,
    league: League,
    player_id: str | None,
    athlete: Mapping[str, Any],
    team: str | None,
    season: int | None,
    observed: datetime,
) -> InjuryReport:
    """An injury row of any ESPN form -> an ``InjuryReport`` of its league."""
    name = _name(athlete)
    kind = as_mapping(injury.get("type")) or {}
    status = first_text(injury.get("status"), kind.get("description"))
    if player_id is None or name is None or team is None or status is None:
        raise SkipRecord(Reason.MISSING_ATTRIBUTE)
    details = as_mapping(injury.get("details")) or {}
    reported = parse_time(injury.get("date"))
    weeks_out = _weeks_out(reported, parse_time(details.get("returnDate")))
    comment = first_text(
        injury.get("shortComment"), injury.get("longComment"), _detail(details)
    )
    if comment is None and weeks_out is None:
        raise SkipRecord(Reason.NO_FIELDS)
    if season is None and reported is not None:
        season = season_of(league, reported)
    return InjuryReport(
        league=league,
        player_id=player_id,
        player_name=name,
        team=team,
        status=status,
        position=_position(athlete),
        injury_type=text(details.get("type")),
        season=season,
        weeks_out=weeks_out,
        comment=comment,
        time=reported or observed,
    )


def _detail(details: Mapping[str, Any]) -> str | None:
    """``details.detail`` ("Surgery"), unless ESPN says it is not specified."""
    detail = text(details.get("detail"))
    return None if detail is None or detail.lower() == _NOT_SPECIFIED else detail


def _weeks_out(reported: datetime | None, returning: datetime | None) -> int | None:
    """Whole weeks (rounded up) from the report to the expected return."""
    if reported is None or returning is None:
        return None
    return max(0, math.ceil((returning - reported).total_seconds() / (7 * 86400)))
