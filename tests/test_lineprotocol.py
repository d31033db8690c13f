"""The serialiser writes exactly what the oracle (influxdb3-python's Point) writes.

Every record type is drawn with awkward strings (spaces, commas, equals,
quotes, backslashes, newlines, unicode), numbers at the int64 edges, naive
and zoned times, and wrong types where a field or tag should be: the fast
path must give the same bytes as ``tests/oracle.py``'s ``record_point(...)
.to_line_protocol()``, or an ``InvalidRecordError`` for the same reason
(its ``reason``; the oracle words its messages its own way).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings, strategies as st
from influxdb_client_3.write_client.client.write import point as point_module
import pytest

from custom_components.sports_influx import lineprotocol
from custom_components.sports_influx.lineprotocol import (
    SPORT_MEASUREMENTS,
    InvalidRecordError,
    check,
    checked_line,
    layout_for,
    measurement_for,
    record_line,
    retention_of,
)
from custom_components.sports_influx.records import (
    AthleteResult,
    InjuryReport,
    League,
    LeagueScore,
    NflScore,
    NhlScore,
    PlayerStats,
    Record,
    Standing,
)
from custom_components.sports_influx.schema import (
    MEASUREMENTS,
    NFL_STANDINGS,
    NHL_STANDINGS,
    PLAYER_STAT_TYPES,
    FieldType,
    RetentionClass,
)

from .factories import REASON_OF
from .oracle import judge, record_point

NOW = datetime(2024, 1, 1, 12, 30, 15, 123456, tzinfo=UTC)
PROPERTY = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Characters line protocol escapes, unicode beyond the BMP, and a lone
# surrogate (a str UTF-8 cannot encode: refused by both).
AWKWARD = " ,=\"\\\n\t\r'#é€😀\u2028\ud800"
TEXT = st.text(
    alphabet=st.sampled_from(AWKWARD) | st.characters(codec="utf-8"), max_size=10
)
NAMES = st.sampled_from(["ATL", "NO", "Saints", "IN", "2022", ""]) | TEXT
INT64 = st.integers(-(2**63), 2**63 - 1)
SMALL = st.integers(-5, 2100)
TIMES = st.none() | st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001 - bounds of naive times
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=st.none()
    | st.sampled_from(
        [UTC, ZoneInfo("America/New_York"), timezone(timedelta(hours=-9, minutes=-30))]
    ),
)
# Anything a buggy source could put in a field or tag.
WRONG = st.one_of(
    st.booleans(),
    st.floats(),
    st.integers(-(2**70), 2**70),
    TEXT,
    st.just(Decimal("1.5")),
    st.just([1]),
)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def _score_fields() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "game_id": NAMES,
        "season": SMALL,
        "home_team": NAMES,
        "away_team": NAMES,
        "status": NAMES,
        "home_score": INT64,
        "away_score": INT64,
        "season_type": _optional(NAMES),
        "time_remaining": _optional(TEXT),
        "home_conference": _optional(NAMES),
        "away_conference": _optional(NAMES),
        "home_division": _optional(NAMES),
        "away_division": _optional(NAMES),
        "time": TIMES,
    }


NFL = st.builds(
    NflScore,
    **_score_fields(),
    week=_optional(SMALL),
    quarter=_optional(INT64),
    possession=_optional(NAMES),
    down_distance=_optional(TEXT),
    field_position=_optional(TEXT),
)
NHL = st.builds(
    NhlScore,
    **_score_fields(),
    **{
        name: _optional(INT64)
        for name in (
            "period",
            "home_shots",
            "away_shots",
            "home_power_play",
            "away_power_play",
            "home_shootout",
            "away_shootout",
        )
    },
)
STAT_NAMES = st.sampled_from([*PLAYER_STAT_TYPES, "rating", "yards_per_carry"]) | TEXT
STAT_VALUES = st.none() | INT64 | st.floats(allow_nan=False, allow_infinity=False)
PLAYERS = st.builds(
    PlayerStats,
    league=st.sampled_from(League),
    player_id=NAMES,
    player_name=NAMES,
    team=NAMES,
    stats=st.dictionaries(STAT_NAMES, STAT_VALUES, max_size=6),
    position=_optional(NAMES),
    game_id=_optional(NAMES),
    season=_optional(SMALL),
    week=_optional(SMALL),
    time=TIMES,
)
INJURIES = st.builds(
    InjuryReport,
    player_id=NAMES,
    player_name=NAMES,
    team=NAMES,
    status=NAMES,
    position=_optional(NAMES),
    injury_type=_optional(NAMES),
    season=_optional(SMALL),
    weeks_out=_optional(INT64),
    practice_participation=_optional(TEXT),
    comment=_optional(TEXT),
    time=TIMES,
)
STANDING_EXTRA = {**NFL_STANDINGS.fields, **NHL_STANDINGS.fields}
STANDINGS = st.builds(
    Standing,
    league=st.sampled_from(League),
    team=NAMES,
    season=SMALL,
    wins=INT64,
    losses=INT64,
    conference=_optional(NAMES),
    division=_optional(NAMES),
    ties=_optional(INT64),
    ot_losses=_optional(INT64),
    points=_optional(INT64),
    win_percentage=_optional(st.floats(allow_nan=False, allow_infinity=False)),
    extra=st.dictionaries(
        st.sampled_from(sorted(STANDING_EXTRA)),
        st.none() | INT64 | st.floats(allow_nan=False) | TEXT,
        max_size=5,
    ),
    time=TIMES,
)
_OF_TYPE = {FieldType.INTEGER: INT64, FieldType.STRING: TEXT}
# Every other league's score record and every athlete's result, their
# fields drawn by their schema type.
_GAME = {"game_id": NAMES, "home_team": NAMES, "away_team": NAMES}
_GAME |= {"season_type": _optional(NAMES)}
_EVENT = {"event_id": NAMES, "athlete": NAMES, "opponent": _optional(NAMES)}
_EVENT |= {"event_name": _optional(NAMES)}
SPORTS = st.one_of(
    *(
        st.builds(
            cls,
            league=NAMES,
            season=SMALL,
            status=NAMES,
            time=TIMES,
            **(_EVENT if issubclass(cls, AthleteResult) else _GAME),
            **{
                name: _optional(_OF_TYPE[field_type])
                for name, field_type in measurement.fields.items()
            },
        )
        for cls, measurement in SPORT_MEASUREMENTS.items()
    )
)
RECORDS = st.one_of(NFL, NHL, SPORTS, PLAYERS, INJURIES, STANDINGS)


@st.composite
def mangled(draw: st.DrawFn) -> Record:
    """A record with some attributes (tags, fields, stats) of a wrong type."""
    record: Any = draw(RECORDS)
    names = [n for n in type(record).__dataclass_fields__ if n not in ("league",)]
    for name in draw(st.lists(st.sampled_from(names), max_size=3)):
        if name == "time":
            continue
        if name in ("stats", "extra"):
            value: Any = draw(
                st.dictionaries(
                    STAT_NAMES | st.sampled_from(sorted(STANDING_EXTRA)),
                    WRONG,
                    max_size=3,
                )
            )
        else:
            value = draw(st.none() | WRONG)
        record = replace(record, **{name: value})
    return record


def reference(record: Record) -> tuple[str, str]:
    """What the oracle (Point) makes of a record: ("line", text), or
    ("invalid", reason) with the serialiser's reason for the first rule
    the record breaks."""
    try:
        return ("line", record_point(record, NOW).to_line_protocol())
    except InvalidRecordError:
        first = judge(record, NOW).broken[0]
        return ("invalid", REASON_OF[first.rule])


def fast(record: Record) -> tuple[str, str]:
    """What the fast serializer makes of it: the line or the refusal's reason."""
    try:
        return ("line", record_line(record, NOW))
    except InvalidRecordError as err:
        return ("invalid", err.reason)


def slow(record: Record) -> tuple[str, str]:
    """What the value-by-value path (the one that names errors) makes of it."""
    try:
        return ("line", lineprotocol._explain(record, NOW))
    except InvalidRecordError as err:
        return ("invalid", err.reason)


_TYPED: dict[FieldType, object] = {
    FieldType.INTEGER: 7,
    FieldType.FLOAT: 0.5,
    FieldType.STRING: 'a "b"',
}


def _sample(cls: type[Record], league: League | None) -> Record:
    """A record of every layout, each declared field given a value."""
    if cls is PlayerStats:
        return PlayerStats(
            league=league, player_id="1", player_name="A B", team="T", stats={"x": 1}
        )
    if cls is Standing:
        return Standing(league=league, team="T,1", season=2024, wins=3, losses=1)  # type: ignore[arg-type]
    if cls is InjuryReport:
        record: Any = InjuryReport(
            league=league,  # type: ignore[arg-type]
            player_id="1",
            player_name="A B",
            team="T",
            status="Out",
        )
    elif issubclass(cls, AthleteResult):
        record = cls(league="X", event_id="e", season=1, athlete="A", status="IN")
    else:
        league_of: dict[str, Any] = (
            {"home_score": 1, "away_score": 0}
            if cls in (NflScore, NhlScore)
            else {"league": "X"}
        )
        record = cls(  # type: ignore[call-arg]
            game_id="g",
            season=1,
            home_team="A",
            away_team="B",
            status="IN",
            **league_of,
        )
    present = type(record).__dataclass_fields__
    measurement = measurement_for(record)
    return replace(
        record,
        **{n: _TYPED[t] for n, t in measurement.fields.items() if n in present},
    )


def test_every_measurement_has_a_layout_the_oracle_agrees_with() -> None:
    """Each measurement of the schema is written, and as the oracle writes it."""
    layouts = lineprotocol._LAYOUTS
    assert {layout.measurement.name for layout in layouts.values()} == set(MEASUREMENTS)
    for (cls, league), layout in layouts.items():
        record = _sample(cls, league)
        assert layout_for(record) is layout
        assert fast(record) == reference(record) == slow(record)
        assert fast(record)[0] == "line"


def test_escape_tables_are_points() -> None:
    """The tables are influxdb3-python's (point.py), not a lookalike."""
    assert lineprotocol.ESCAPE_KEY == point_module._ESCAPE_KEY
    assert lineprotocol.ESCAPE_MEASUREMENT == point_module._ESCAPE_MEASUREMENT
    assert lineprotocol.ESCAPE_STRING == point_module._ESCAPE_STRING


@PROPERTY
@given(RECORDS)
@example(
    NhlScore(
        game_id="a\\",
        season=2024,
        home_team='N "Y" R',
        away_team="B,O=S",
        status="IN\nOT",
        home_score=2**63 - 1,
        away_score=-(2**63),
        time_remaining='1:00 "\\" \n',
        time=datetime(2024, 3, 10, 2, 30),  # noqa: DTZ001 - naive is read as UTC
    )
)
def test_valid_records_byte_identical(record: Record) -> None:
    """Well-typed records: same bytes, and without the slow fallback."""
    expected = reference(record)
    if expected[0] == "line":
        assert layout_for(record).line(record, NOW) == expected[1]
    assert fast(record) == expected
    assert slow(record) == expected
    assert retention_of(record) is measurement_for(record).retention


@PROPERTY
@given(mangled())
@example(
    NflScore(
        game_id="g",
        season=True,  # type: ignore[arg-type]
        home_team="A",
        away_team="B",
        status="IN",
        home_score=3.0,  # type: ignore[arg-type]
        away_score=1,
        quarter=float("nan"),  # type: ignore[arg-type]
    )
)
@example(
    Standing(league=League.NHL, team="X", season=1, wins=1, losses=0, extra={"ties": 1})
)
def test_any_record_same_line_or_same_error(record: Record) -> None:
    """Wrong types too: the same line, or the same InvalidRecordError."""
    expected = reference(record)
    assert fast(record) == expected
    assert slow(record) == expected


def test_tag_cache_keeps_types_apart() -> None:
    """1, 1.0 and True are equal keys in a dict but print apart."""
    lines = [
        record_line(replace(NflScore(**_SCORE), season=season), NOW)  # type: ignore[arg-type]
        for season in (1, 1.0, True, 1)
    ]
    assert [line.split(",")[4] for line in lines] == [
        "season=1",
        "season=1.0",
        "season=True",
        "season=1",
    ]


_SCORE: dict[str, Any] = {
    "game_id": "g",
    "season": 2024,
    "home_team": "A",
    "away_team": "B",
    "status": "IN",
    "home_score": 1,
    "away_score": 0,
}


def test_unhashable_tag_is_written_as_point_writes_it() -> None:
    """A tag that cannot be a cache key is still written (as its str)."""
    record = replace(NflScore(**_SCORE), status=["IN"])  # type: ignore[arg-type]
    assert record_line(record, NOW) == reference(record)[1]


def test_checked_line_refuses_for_the_oracles_reason() -> None:
    """Good records give Point's line; bad ones are refused for the reason
    the oracle gives, with a message naming the value."""
    good = [replace(NflScore(**_SCORE), home_score=n) for n in range(3)]
    assert [checked_line(r, NOW) for r in good] == [reference(r)[1] for r in good]
    bad = replace(NflScore(**_SCORE), home_score="x")  # type: ignore[arg-type]
    with pytest.raises(
        InvalidRecordError, match="field home_score='x' is not a valid integer"
    ) as refused:
        checked_line(bad, NOW)
    assert ("invalid", refused.value.reason) == reference(bad)
    assert refused.value.reason == "wrong_type"
    empty = PlayerStats(
        league=League.NHL, player_id="1", player_name="P", team="T", stats={}
    )
    with pytest.raises(
        InvalidRecordError, match="nhl_player_stats point has no fields"
    ) as refused:
        checked_line(empty, NOW)
    assert ("invalid", refused.value.reason) == reference(empty)
    assert refused.value.reason == "no_fields"


def test_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many distinct tag values and stat names: the caches start over."""
    monkeypatch.setattr(lineprotocol, "_TAG_CACHE_SIZE", 4)
    for n in range(10):
        record = PlayerStats(
            league=League.NFL,
            player_id=str(n),
            player_name=f"P {n}",
            team="T",
            stats={f"stat {n}": n},
        )
        assert record_line(record, NOW) == reference(record)[1]
    assert len(lineprotocol._head_cache) <= 4
    assert len(lineprotocol._tag_cache) <= 4
    assert len(lineprotocol._key_cache) <= 4


def test_check_is_exact() -> None:
    """check refuses what checked_line refuses, whatever the types."""
    assert check(NflScore(**_SCORE), NOW) is RetentionClass.EVENTS
    # Exact types, values no server stores.
    for changes in ({"home_team": "A\ud800"}, {"home_score": 2**63}):
        with pytest.raises(InvalidRecordError):
            check(replace(NflScore(**_SCORE), **changes), NOW)
    # A whole float is a valid integer: only rendering knows.
    assert check(replace(NflScore(**_SCORE), home_score=3.0), NOW)  # type: ignore[arg-type]
    stats = PlayerStats(
        league=League.NFL,
        player_id="1",
        player_name="P",
        team="T",
        stats={"rating": 1.5, "passing_yards": 3, "sacks": 2.0, "x": None},  # type: ignore[dict-item]
    )
    assert check(stats, NOW) is RetentionClass.STATS
    with pytest.raises(InvalidRecordError, match="no fields"):
        check(replace(stats, stats={"x": None}), NOW)  # type: ignore[dict-item]
    with pytest.raises(InvalidRecordError, match="not a valid integer"):
        check(replace(stats, stats={"sacks": 2.5}), NOW)


def test_exotic_errors_become_invalid_records() -> None:
    """An int too large for a float field breaks the oracle with an
    OverflowError; for the writer it is one invalid record, not a crash."""
    standing = Standing(
        league=League.NFL, team="T", season=1, wins=1, losses=0, win_percentage=10**400
    )
    with pytest.raises(OverflowError):
        record_point(standing, NOW).to_line_protocol()
    with pytest.raises(InvalidRecordError, match="OverflowError"):
        check(standing, NOW)
    # The cheap check lets ints through for float stats; checked_line refuses.
    player = PlayerStats(
        league=League.NHL,
        player_id="1",
        player_name="P",
        team="T",
        stats={"rating": 10**400},
    )
    for record in (player, standing):
        with pytest.raises(InvalidRecordError, match=r"^OverflowError"):
            checked_line(record, NOW)


class _Quarter(IntEnum):
    FOURTH = 4


class _Blank:
    def __str__(self) -> str:
        return ""


@pytest.mark.parametrize(
    "changes",
    [
        {"quarter": _Quarter.FOURTH},  # an int subclass prints as str() does
        {"status": _Blank()},  # a tag that prints empty is left out
        {"quarter": float("inf")},
    ],
)
def test_odd_values_as_point_writes_them(changes: dict[str, Any]) -> None:
    """Subclasses and odd objects: the same line or error as the oracle."""
    record = replace(NflScore(**_SCORE), **changes)
    assert fast(record) == reference(record)


def test_a_score_of_no_sport_is_refused_alike() -> None:
    """The base class of the sports' records has no measurement of its own."""
    record: Any = LeagueScore(
        league="MLB",
        game_id="g",
        season=2025,
        home_team="A",
        away_team="B",
        status="IN",
    )
    with pytest.raises(InvalidRecordError, match="LeagueScore has no measurement"):
        measurement_for(record)
    with pytest.raises(InvalidRecordError):
        checked_line(record, NOW)
    with pytest.raises(InvalidRecordError):
        check(record, NOW)


_PLAYER = PlayerStats(
    league=League.NFL, player_id="1", player_name="P", team="T", stats={"sacks": 1}
)


@pytest.mark.parametrize(
    "record",
    [
        replace(NflScore(**_SCORE), home_team="x" * 300),  # long, but stored
        replace(NflScore(**_SCORE), home_team="é" * 600),  # too long
        replace(NflScore(**_SCORE), home_score=1e19),  # type: ignore[arg-type]
        replace(NflScore(**_SCORE), quarter=-(2**63) - 1),
        replace(NflScore(**_SCORE), time=datetime(2300, 1, 1, tzinfo=UTC)),
        replace(NflScore(**_SCORE), down_distance="1st \udc80"),
        replace(_PLAYER, stats={"time": 1}),
        replace(_PLAYER, stats={"_field": 1}),
        replace(_PLAYER, stats={"team": 1}),
        replace(_PLAYER, stats={"": 1}),
        replace(_PLAYER, stats={"sacks": 2**63}),
    ],
)
def test_limits_as_the_oracle_says(record: Record) -> None:
    """At and past the limits no server lifts: the same line or error."""
    assert fast(record) == reference(record)
