"""ESPN standings held by a sensor -> one ``Standing`` per team.

The sensor is a ``rest`` sensor on
``site.api.espn.com/apis/v2/sports/{football/nfl|hockey/nhl}/standings``
with ``json_attributes: [abbreviation, season, children]`` (the whole body
works too). ``children`` are the conferences; each holds
``standings.entries`` (``team`` + ``stats``), or divisions as ``children``
that hold them.

Mapping decisions
- Tags: conference = the top-level group's abbreviation ("AFC"); division =
  a nested group's name ("AFC East": ESPN's division abbreviations repeat
  across conferences). Left out when the payload has no such level.
- Season: the group's ``standings.season``, else the body's ``season.year``,
  named after its start year as every measurement does: ESPN names hockey
  seasons by their end year (``espn.ESPN_SEASON_OFFSET``: 2026 for
  "2025-26" is written 2025).
- A stat is read by its ``type`` (ESPN's lower-case name; records like
  "home"/"road"/"vsdiv" only have a meaningful type), else its name. Only
  fields of the league's standings measurement are kept (NFL: ``ties``;
  NHL: ``ot_losses``, ``points``, ``regulation_wins``): the serialiser
  refuses the others.
- String fields (streak "W3", clincher "z", records "6-3") take the
  ``displayValue``/``summary``; numbers take ``value``.
- Timestamped with ``observed``: standings are a snapshot of now.
- Entries: every item of every ``standings.entries`` list. Bad entries are
  skipped one by one; a body without any entry is ``malformed_payload``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.core import State

from ..records import League, Standing
from ..schema import NFL_STANDINGS, NHL_STANDINGS, FieldType, Measurement
from .base import ParseResult, Reason, SkipRecord
from .espn import espn_league, espn_season, espn_season_of
from .parsing import (
    as_list,
    as_mapping,
    check_available,
    first_text,
    text,
    to_float,
    to_int,
)

# Schema field -> ESPN stat types (lower case) to read it from, best first.
FIELD_SOURCES: Mapping[str, tuple[str, ...]] = {
    "wins": ("wins",),
    "losses": ("losses",),
    "ties": ("ties",),
    "ot_losses": ("otlosses",),
    "points": ("points",),
    "regulation_wins": ("regulationwins",),
    "win_percentage": ("winpercent",),
    "points_for": ("pointsfor",),
    "points_against": ("pointsagainst",),
    "point_differential": ("pointdifferential", "differential"),
    "games_played": ("gamesplayed",),
    "games_behind": ("gamesbehind",),
    "playoff_seed": ("playoffseed",),
    "streak": ("streak",),
    "clincher": ("clincher",),
    "home_record": ("home",),
    "away_record": ("road", "away"),
    "division_record": ("vsdiv", "divisionrecord"),
    "conference_record": ("vsconf",),
}

MEASUREMENTS: Mapping[League, Measurement] = {
    League.NFL: NFL_STANDINGS,
    League.NHL: NHL_STANDINGS,
}

# Fields with a place of their own in ``Standing``; the rest go to ``extra``.
_OWN_FIELDS = frozenset(
    {"wins", "losses", "ties", "ot_losses", "points", "win_percentage"}
)

SIGNATURE = frozenset({"children"})
# A game summary's keys: never a standings body, whatever else it holds.
_NOT_HERE = frozenset({"boxscore", "header"})


@dataclass(frozen=True, slots=True)
class _Group:
    """Where an entry sits: its conference, division and season."""

    conference: str | None
    division: str | None
    season: int | None


def matches(state: State) -> bool:
    """Whether the state holds an ESPN standings body."""
    keys = state.attributes.keys()
    return keys >= SIGNATURE and _NOT_HERE.isdisjoint(keys)


def parse(state: State, observed: datetime) -> ParseResult:
    """A standings body -> one record per team; bad entries skipped."""
    check_available(state.state, payload=True)
    body = state.attributes
    league = espn_league(body.get("abbreviation"), body.get("uid"))
    records: list[Standing] = []
    skipped: list[str] = []
    children = as_list(body.get("children"))
    for group, entry in _entries(children, league, espn_season_of(league, body)):
        try:
            records.append(_standing(entry, group, league, observed))
        except SkipRecord as err:
            skipped.append(err.reason)
    if not records and not skipped:
        raise SkipRecord(Reason.MALFORMED_PAYLOAD)
    return ParseResult(records=tuple(records), skipped=tuple(skipped))


def _entries(
    children: list[Any],
    league: League,
    season: int | None,
    conference: str | None = None,
) -> Iterator[tuple[_Group, Any]]:
    """Every standings entry with the group it sits in (conference, division)."""
    for child in children:
        node = as_mapping(child)
        if node is None:
            continue
        standings = as_mapping(node.get("standings")) or {}
        own_season = espn_season(league, to_int(standings.get("season")))
        group_season = season if own_season is None else own_season
        if conference is None:  # top level: a conference ("AFC")
            name = first_text(node.get("abbreviation"), node.get("name"))
            group = _Group(name, None, group_season)
        else:  # nested: a division ("AFC East"; abbreviations repeat)
            name = first_text(node.get("name"), node.get("abbreviation"))
            group = _Group(conference, name, group_season)
        for entry in as_list(standings.get("entries")):
            yield group, entry
        yield from _entries(
            as_list(node.get("children")), league, group.season, group.conference
        )


def _standing(
    entry: object, group: _Group, league: League, observed: datetime
) -> Standing:
    """One entry -> a ``Standing``, or ``SkipRecord`` for this entry."""
    node = as_mapping(entry)
    if node is None:
        raise SkipRecord(Reason.MALFORMED_PAYLOAD)
    team = text((as_mapping(node.get("team")) or {}).get("abbreviation"))
    if team is None or group.season is None:
        raise SkipRecord(Reason.MISSING_ATTRIBUTE)
    values = _values(_stats_by_type(node.get("stats")), MEASUREMENTS[league])
    wins, losses = values.get("wins"), values.get("losses")
    if not isinstance(wins, int) or not isinstance(losses, int):
        raise SkipRecord(Reason.BAD_VALUE)
    return Standing(
        league=league,
        team=team,
        season=group.season,
        wins=wins,
        losses=losses,
        conference=group.conference,
        division=group.division,
        ties=_int(values.get("ties")),
        ot_losses=_int(values.get("ot_losses")),
        points=_int(values.get("points")),
        win_percentage=_float(values.get("win_percentage")),
        extra={k: v for k, v in values.items() if k not in _OWN_FIELDS},
        time=observed,
    )


def _stats_by_type(stats: object) -> dict[str, Mapping[str, Any]]:
    """Stats keyed by lower-case type (else name); the first of a kind wins."""
    found: dict[str, Mapping[str, Any]] = {}
    for item in as_list(stats):
        stat = as_mapping(item)
        if stat is None:
            continue
        key = first_text(stat.get("type"), stat.get("name"))
        if key is not None:
            found.setdefault(key.lower(), stat)
    return found


def _values(
    stats: Mapping[str, Mapping[str, Any]], measurement: Measurement
) -> dict[str, int | float | str]:
    """The measurement's fields that the stats hold, typed by the schema."""
    values: dict[str, int | float | str] = {}
    for name, sources in FIELD_SOURCES.items():
        field_type = measurement.fields.get(name)
        if field_type is None:
            continue
        for source in sources:
            stat = stats.get(source)
            value = None if stat is None else _typed(stat, field_type)
            if value is not None:
                values[name] = value
                break
    return values


def _typed(stat: Mapping[str, Any], field_type: FieldType) -> int | float | str | None:
    """A stat's value as the field's type."""
    if field_type is FieldType.STRING:
        return first_text(stat.get("displayValue"), stat.get("summary"))
    raw = stat.get("value")
    if field_type is FieldType.INTEGER:
        return to_int(raw) if raw is not None else to_int(stat.get("displayValue"))
    return to_float(raw) if raw is not None else to_float(stat.get("displayValue"))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _float(value: object) -> float | None:
    return value if isinstance(value, float) else None
