"""Malformed input at every source: only ``SkipRecord`` ever escapes.

Attribute dicts are drawn from the real attribute names of each source with
random JSON-ish values (and values seen in the fixtures, to get past the
first checks); real payloads are mangled entry by entry. Whatever comes
out must be a valid point, and for the multi-record payloads every entry
seen must come out as exactly one record or one skip reason.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
import json
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.sports_influx.records import Record
from custom_components.sports_influx.sources import (
    SOURCES,
    ParseResult,
    Reason,
    SkipRecord,
    Source,
    detect,
)
from homeassistant.core import State

from .conftest import FIXTURES
from .factories import HA_NFL, NHLAPI
from .oracle import record_point

OBSERVED = datetime(2023, 11, 3, 3, 15, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)
REASONS = frozenset(reason.value for reason in Reason)

# The real payloads are large: building one example may take a while.
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


TEAMTRACKER = _load("teamtracker_nfl.json") + _load("teamtracker_nhl.json")
STANDINGS = _load("espn_standings_nfl.json")
SUMMARY = _load("espn_summary_nfl.json")
INJURY = {**_load("espn_injury_detail_nfl.json"), "player_name": "Drake London"}
LEAGUE_INJURIES = [
    {k: body[k] for k in ("season", "injuries")}
    for body in (
        _load("espn_league_injuries_nfl.json"),
        _load("espn_league_injuries_nhl.json"),
    )
]

SOURCE = {source.name: source for source in SOURCES}
ATTRIBUTE_NAMES: dict[str, list[str]] = {
    "teamtracker": sorted({k for s in TEAMTRACKER for k in s["attributes"]}),
    "ha_nfl": sorted(HA_NFL),
    "nhlapi": sorted(NHLAPI),
    "espn_standings": ["abbreviation", "season", "children", "uid"],
    "espn_summary": ["header", "boxscore", "injuries"],
    "espn_injury": sorted(INJURY),
    "espn_league_injuries": ["season", "injuries"],
}
# Real attribute sets, to mangle rather than build from nothing.
REAL_ATTRIBUTES: dict[str, list[dict[str, Any]]] = {
    "teamtracker": [s["attributes"] for s in TEAMTRACKER],
    "ha_nfl": [HA_NFL],
    "nhlapi": [NHLAPI],
    "espn_standings": [STANDINGS],
    "espn_summary": [SUMMARY],
    "espn_injury": [INJURY],
    "espn_league_injuries": LEAGUE_INJURIES,
}
STATES = [
    "PRE",
    "IN",
    "POST",
    "NOT_FOUND",
    "BYE",
    "LIVE",
    "CRIT",
    "OVER",
    "FINAL",
    "OFF",
    "ok",
    "unknown",
    "unavailable",
]
# Scalars the sources really send, so random dicts reach the deep branches.
PLAUSIBLE = sorted(
    {
        json.dumps(v)
        for s in TEAMTRACKER
        for v in s["attributes"].values()
        if not isinstance(v, (dict, list))
    }
    | {json.dumps(v) for v in HA_NFL.values() if not isinstance(v, (dict, list))}
    | {'"3(2)"', '"NHL"', '"2023020204"', '"2023-11-03T02:30:00Z"'}
)

TIMEZONES = [UTC, ZoneInfo("America/Los_Angeles"), timezone(timedelta(hours=14))]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(PLAUSIBLE).map(json.loads),
    st.datetimes(timezones=st.sampled_from(TIMEZONES)),
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
STATE_VALUES = st.sampled_from(STATES) | st.text(max_size=20)


def _check(source: Source, state: State) -> ParseResult | str:
    """Parse: a result of valid points, or the reason of a ``SkipRecord``.

    Any other exception fails the test.
    """
    detect(state)  # never raises either
    try:
        result = source.parse(state, OBSERVED)
    except SkipRecord as err:
        reason = err.reason
    else:
        reason = None
    if reason is not None:
        assert reason in REASONS
        return reason
    assert set(result.skipped) <= REASONS
    for record in result.records:
        record_point(record, NOW).to_line_protocol()
        assert all(-(2**63) <= n < 2**63 for n in _ints(record))
    return result


def _ints(record: Record) -> list[int]:
    """Every int a record would write (line protocol ints are 64-bit)."""
    values: list[object] = [getattr(record, f.name) for f in fields(record)]
    for nested in ("stats", "extra"):
        values.extend(getattr(record, nested, {}).values())
    return [v for v in values if isinstance(v, int)]


def _mangled(
    data: st.DataObject, attributes: dict[str, Any], names: list[str]
) -> dict[str, Any]:
    """Some attributes dropped, some replaced, some added, by name."""
    mangled = dict(attributes)
    for name in data.draw(st.lists(st.sampled_from(names), max_size=6)):
        if data.draw(st.booleans()):
            mangled.pop(name, None)
        else:
            mangled[name] = data.draw(JSONISH)
    return mangled


@PROPERTY
@given(
    data=st.data(),
    name=st.sampled_from(sorted(SOURCE)),
    state=STATE_VALUES,
    from_scratch=st.booleans(),
)
def test_random_attributes(
    data: st.DataObject, name: str, state: str, from_scratch: bool
) -> None:
    """Every source, random or mangled attributes, random state."""
    names = ATTRIBUTE_NAMES[name]
    if from_scratch:
        attributes = data.draw(
            st.dictionaries(st.sampled_from(names), JSONISH, max_size=len(names))
        )
    else:
        real = data.draw(st.sampled_from(REAL_ATTRIBUTES[name]))
        attributes = _mangled(data, real, names)
    _check(SOURCE[name], State("sensor.any", state, attributes))


# --- standings: entries in = records + skips out -----------------------------


STAT_NAMES = [
    "wins",
    "losses",
    "ties",
    "otLosses",
    "points",
    "winPercent",
    "streak",
    "clincher",
]
STAT = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(STAT_NAMES) | st.text(max_size=6),
        "type": st.sampled_from([n.lower() for n in STAT_NAMES]) | st.text(max_size=6),
        "value": SCALARS,
        "displayValue": SCALARS,
        "summary": SCALARS,
    },
)
ENTRY = st.one_of(
    JSONISH,
    st.fixed_dictionaries(
        {},
        optional={
            "team": st.fixed_dictionaries({}, optional={"abbreviation": SCALARS})
            | JSONISH,
            "stats": st.lists(STAT | JSONISH, max_size=8) | JSONISH,
        },
    ),
)


def _group(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    standings = st.fixed_dictionaries(
        {},
        optional={"season": SCALARS, "entries": st.lists(ENTRY, max_size=4) | JSONISH},
    )
    node = st.fixed_dictionaries(
        {},
        optional={
            "abbreviation": SCALARS,
            "name": SCALARS,
            "standings": standings | JSONISH,
            "children": children,
        },
    )
    return node | JSONISH


# Conferences, divisions nested in them, and so on (deferred: a recursive
# strategy's repr grows with every level).
GROUPS: st.SearchStrategy[Any] = st.deferred(
    lambda: st.lists(_group(GROUPS), max_size=3)
)


def _entries_seen(children: object) -> int:
    """Items of every ``standings.entries`` list of every group, at any depth."""
    if not isinstance(children, list):
        return 0
    seen = 0
    for node in children:
        if not isinstance(node, dict):
            continue
        standings = node.get("standings")
        if isinstance(standings, dict) and isinstance(standings.get("entries"), list):
            seen += len(standings["entries"])
        seen += _entries_seen(node.get("children"))
    return seen


@PROPERTY
@given(
    children=GROUPS,
    league=st.sampled_from(["NFL", "NHL", "nhl", "MLB", None]),
    season=SCALARS,
)
def test_standings_entries_add_up(
    children: Any, league: str | None, season: Any
) -> None:
    body = {"abbreviation": league, "season": {"year": season}, "children": children}
    state = State("sensor.standings", "unknown", body)
    result = _check(SOURCE["espn_standings"], state)
    seen = _entries_seen(children)
    if league not in {"NFL", "NHL", "nhl"}:
        assert result == "unknown_league"
    elif seen == 0:
        assert result == "malformed_payload"
    else:
        assert isinstance(result, ParseResult)
        assert len(result.records) + len(result.skipped) == seen


@PROPERTY
@given(data=st.data())
def test_real_standings_mangled_entries_add_up(data: st.DataObject) -> None:
    """The real body with entries replaced and stats mangled: 32 in, 32 out."""
    conferences = []
    for conference in STANDINGS["children"]:
        entries = [
            _mangled_entry(data, entry) for entry in conference["standings"]["entries"]
        ]
        standings = {**conference["standings"], "entries": entries}
        conferences.append({**conference, "standings": standings})
    body = {**STANDINGS, "children": conferences}
    result = _check(SOURCE["espn_standings"], State("sensor.standings", "ok", body))
    assert isinstance(result, ParseResult)
    assert len(result.records) + len(result.skipped) == 32


def _mangled_entry(data: st.DataObject, entry: dict[str, Any]) -> Any:
    choice = data.draw(st.integers(0, 9))
    if choice == 0:
        return data.draw(JSONISH)
    if choice == 1:
        stats = list(entry["stats"])
        index = data.draw(st.integers(0, len(stats) - 1))
        stats[index] = data.draw(STAT | JSONISH)
        return {**entry, "stats": stats}
    if choice == 2:
        return {**entry, "team": data.draw(JSONISH)}
    return entry


# --- summary: entries in = records + skips out ------------------------------


def _junk_row() -> st.SearchStrategy[Any]:
    """A stat row that cannot name its player (no athlete mapping with an id)."""
    no_athlete = st.dictionaries(
        st.text(max_size=8).filter(lambda k: k != "athlete"), JSONISH, max_size=3
    )
    no_id = st.fixed_dictionaries(
        {"athlete": st.dictionaries(st.sampled_from(["displayName", "uid"]), JSONISH)},
        optional={"stats": JSONISH},
    )
    return st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=5),
        st.lists(JSONISH, max_size=2),
        no_athlete,
        no_id,
    )


@PROPERTY
@given(
    data=st.data(), header_league=st.sampled_from(["keep", "uid-only", "NHL", "junk"])
)
def test_real_summary_mangled_entries_add_up(
    data: st.DataObject, header_league: str
) -> None:
    """Rows replaced by junk, stat cells mangled, injuries replaced."""
    row_count = sum(
        len(group["athletes"])
        for team in SUMMARY["boxscore"]["players"]
        for group in team["statistics"]
    )
    rows_at = st.sets(st.integers(0, row_count - 1), max_size=10)
    junk, mangled = data.draw(rows_at), data.draw(rows_at)
    expected = 0
    players: set[tuple[int, str]] = set()
    teams = []
    position = 0
    for index, team in enumerate(SUMMARY["boxscore"]["players"]):
        groups = []
        for group in team["statistics"]:
            rows = []
            for row in group["athletes"]:
                position += 1
                if position - 1 in junk:
                    rows.append(data.draw(_junk_row()))
                    expected += 1
                elif position - 1 in mangled:
                    cells = data.draw(st.lists(SCALARS, max_size=10))
                    rows.append({**row, "stats": cells})
                    players.add((index, row["athlete"]["id"]))
                else:
                    rows.append(row)
                    players.add((index, row["athlete"]["id"]))
            groups.append({**group, "athletes": rows})
        teams.append({**team, "statistics": groups})
    expected += len(players)
    injuries = []
    for team in SUMMARY["injuries"]:
        rows = [
            row if data.draw(st.booleans()) else data.draw(JSONISH)
            for row in team["injuries"]
        ]
        injuries.append({**team, "injuries": rows})
        expected += len(rows)
    header = dict(SUMMARY["header"])
    if header_league == "uid-only":
        header["league"] = None
    elif header_league == "NHL":
        header["league"] = {"abbreviation": "NHL"}
    elif header_league == "junk":
        header["league"] = data.draw(JSONISH)
        header["uid"] = data.draw(JSONISH)
    body = {"header": header, "boxscore": {"players": teams}, "injuries": injuries}

    result = _check(SOURCE["espn_summary"], State("sensor.summary", "ok", body))

    if isinstance(result, str):
        assert (header_league, result) == ("junk", "unknown_league")
    else:
        assert len(result.records) + len(result.skipped) == expected


@PROPERTY
@given(payload=JSONISH, state=STATE_VALUES)
def test_summary_random_payload(payload: Any, state: str) -> None:
    """Anything at all under the summary's keys."""
    for attributes in (
        {"boxscore": payload, "header": {"league": {"abbreviation": "NFL"}}},
        {"boxscore": {"players": payload}, "injuries": payload, "header": payload},
    ):
        _check(SOURCE["espn_summary"], State("sensor.summary", state, attributes))


@PROPERTY
@given(data=st.data(), body=st.sampled_from(LEAGUE_INJURIES))
def test_real_league_injuries_mangled_rows_add_up(
    data: st.DataObject, body: dict[str, Any]
) -> None:
    """Rows replaced by junk one by one: each is a record or a skip reason,
    as long as one row still names the league."""
    teams = []
    expected = 0
    for team in body["injuries"]:
        rows = [
            row if data.draw(st.booleans()) else data.draw(JSONISH)
            for row in team["injuries"]
        ]
        teams.append({**team, "injuries": rows})
        expected += len(rows)
    mangled = {"season": body["season"], "injuries": teams}
    if not data.draw(st.booleans()):
        mangled["season"] = data.draw(JSONISH)
    result = _check(SOURCE["espn_league_injuries"], State("sensor.inj", "x", mangled))
    if isinstance(result, str):
        assert result == "unknown_league"
    else:
        assert len(result.records) + len(result.skipped) == expected


def test_every_source_is_covered() -> None:
    assert set(ATTRIBUTE_NAMES) == set(SOURCE) == set(REAL_ATTRIBUTES)
