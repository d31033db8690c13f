"""The oracle (tests/oracle.py) and the serialiser agree, each on its own.

The oracle judges a record by the line-protocol reference and the schema
and writes it with influxdb3-python's ``Point``; ``lineprotocol`` does both
its own way. For every measurement and for drawn records full of values at
the spec's edges, both refuse the same records for the same kind of reason,
and write the others byte for byte alike.
"""

from __future__ import annotations

from dataclasses import MISSING, fields, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from typing import Any, get_args

from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest

from custom_components.sports_influx.lineprotocol import (
    InvalidRecordError,
    checked_line,
    serialize_grouped,
)
from custom_components.sports_influx.records import (
    InjuryReport,
    League,
    LeagueScore,
    NflScore,
    PlayerStats,
    Record,
    Standing,
)
from custom_components.sports_influx.schema import (
    MEASUREMENTS,
    PLAYER_STAT_TYPES,
    RETENTION,
    FieldType,
    RetentionClass,
)

from .factories import REASON_OF
from .oracle import (
    EARLIEST_NS,
    INTEGER_HIGHEST,
    INTEGER_LOWEST,
    LATEST_NS,
    Rule,
    judge,
    record_point,
    table_of,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)
NOW_NS = 1704067200000000000


def _blank(cls: type[Any], league: League | None) -> Any:
    """A record of ``cls`` with only what it requires, plain values."""
    plain: dict[str, object] = {"str": "v", "int": 7, "League": league}
    required = {
        f.name: plain.get(str(f.type), {"goals": 1})
        for f in fields(cls)
        if f.default is MISSING and f.default_factory is MISSING
    }
    if league is not None:
        required["league"] = league
    return cls(**required)


# Every record type with every field its table declares set: one per
# measurement of the schema.
_TYPED_VALUE: dict[FieldType, object] = {
    FieldType.STRING: 'say "hi", \\ then',
    FieldType.FLOAT: 2.25,
    FieldType.INTEGER: -3,
}


def _record_types() -> list[type[Any]]:
    """Every class of the ``Record`` union, the sports' aliases opened."""
    found: list[type[Any]] = []
    for member in get_args(Record.__value__):
        alias = getattr(member, "__value__", None)
        found.extend(get_args(alias) if alias is not None else (member,))
    return found


def _keyed_by_league(cls: type[Any]) -> bool:
    """A type whose ``League`` picks the table (the NFL's or the NHL's)."""
    return any(f.name == "league" and f.type == "League" for f in fields(cls))


_PLAIN_TYPES: list[tuple[type[Any], League | None]] = [
    (cls, league)
    for cls in _record_types()
    for league in (League if _keyed_by_league(cls) else (None,))
]


def _full(cls: type[Any], league: League | None) -> Any:
    record = _blank(cls, league)
    table = table_of(record)
    assert table is not None, cls
    own = {f.name for f in fields(record)}
    return replace(
        record,
        **{k: _TYPED_VALUE[t] for k, t in table.fields.items() if k in own},
    )


FULL_RECORDS: list[Any] = [_full(cls, league) for cls, league in _PLAIN_TYPES]


def serialiser(record: Record) -> tuple[str | None, str | None]:
    """(line, None) or (None, reason) from the production serialiser."""
    try:
        return checked_line(record, NOW), None
    except InvalidRecordError as err:
        return None, err.reason


def assert_agree(record: Record) -> None:
    """Same refusal, for a reason the record has; or the same bytes.

    Of two rules a record breaks, which one the serialiser names is its own
    choice (an int past a double's range ends its fast path before a bad
    key is looked at): its reason is one of the oracle's.
    """
    verdict = judge(record, NOW)
    line, reason = serialiser(record)
    if verdict.broken:
        assert line is None, (record, verdict.broken, line)
        reasons = {REASON_OF[violation.rule] for violation in verdict.broken}
        assert reason in reasons, (record, verdict.broken, reason)
    else:
        assert reason is None, (record, reason)
        assert line == record_point(record, NOW).to_line_protocol()


def test_every_measurement_is_written_alike() -> None:
    """Each measurement of the schema, every declared field set."""
    assert {table_of(r).name for r in FULL_RECORDS} == set(MEASUREMENTS)  # type: ignore[union-attr]
    for record in FULL_RECORDS:
        assert not judge(record, NOW).broken, record
        assert_agree(record)


# Values at the edges of what line protocol takes, and some it does not.
_AWKWARD = " ,=\"\\\n\t\r'#_é€😀\u2028\ud800\udfffa"
TEXT = st.text(alphabet=st.sampled_from(_AWKWARD), max_size=8)


class _Period(IntEnum):
    THIRD = 3


EDGES = st.sampled_from(
    [
        INTEGER_HIGHEST,
        INTEGER_HIGHEST + 1,
        INTEGER_LOWEST,
        INTEGER_LOWEST - 1,
        2**63 * 1.0,
        -(2**63) * 1.0,
        10**400,
        0.0,
        -0.0,
        3.0,
        3.5,
        1e-310,
        1.7976931348623157e308,
        float("nan"),
        float("inf"),
        float("-inf"),
        True,
        False,
        "",
        "é" * 512,
        "é" * 513,
        "x" * 1024,
        "😀" * 257,
        Decimal("2"),
        ["x"],
        _Period.THIRD,
    ]
)
VALUES = st.none() | EDGES | TEXT | st.integers() | st.floats()
TAG_VALUES = VALUES
_TAG_NAMES = {tag for m in MEASUREMENTS.values() for tag in m.tags}
_KNOWN_KEYS = {k for m in MEASUREMENTS.values() for k in (*m.fields, *m.tags)}
KEYS = (
    st.sampled_from(["", "time", "_value", "_", "x y", "a,b=c", "team", "k\ud800"])
    | st.sampled_from(sorted(_KNOWN_KEYS | set(PLAYER_STAT_TYPES)))
    | TEXT
)
_FIRST = datetime(1677, 9, 21, 0, 12, 43, 145224, tzinfo=UTC)
_LAST = datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)
TIMES = (
    st.none()
    | st.sampled_from(
        [
            _FIRST,
            _FIRST + timedelta(microseconds=1),
            _LAST,
            _LAST + timedelta(microseconds=1),
            _LAST.replace(tzinfo=None),
            _LAST.astimezone(timezone(timedelta(hours=-5))),
        ]
    )
    | st.datetimes(
        min_value=datetime(1600, 1, 1),  # noqa: DTZ001 - bounds of naive times
        max_value=datetime(2400, 1, 1),  # noqa: DTZ001
        timezones=st.none() | st.just(UTC) | st.just(timezone(timedelta(hours=13))),
    )
)


@st.composite
def records(draw: st.DrawFn) -> Record:
    """A record of any measurement with some values swapped for edge ones."""
    record: Any = draw(st.sampled_from(FULL_RECORDS))
    # A league that is the record's type is left alone: it picks the table.
    names = [
        f.name
        for f in fields(record)
        if f.name != "league" or not _keyed_by_league(type(record))
    ]
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        if name == "time":
            value: object = draw(TIMES)
        elif name in ("stats", "extra"):
            value = draw(st.dictionaries(KEYS, VALUES, max_size=4))
        else:
            value = draw(TAG_VALUES if name in _TAG_NAMES else VALUES)
        record = replace(record, **{name: value})
    return record  # type: ignore[no-any-return]


PROPERTY = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(records())
@example(replace(FULL_RECORDS[0], home_team="a\\", time=_LAST))
@example(replace(FULL_RECORDS[0], quarter=float("nan")))
def test_drawn_records_refused_alike_or_written_alike(record: Record) -> None:
    """Which records are refused, why, and the bytes of the others."""
    assert_agree(record)


@settings(max_examples=60, deadline=None)
@given(st.lists(records(), max_size=8))
def test_a_batch_is_split_alike(batch: list[Record]) -> None:
    """The batch path refuses the records the oracle refuses, writes the rest."""
    groups, refused = serialize_grouped(batch, NOW)
    expected: dict[RetentionClass, list[str]] = {}
    for record in batch:
        verdict = judge(record, NOW)
        if not verdict.broken:
            assert verdict.measurement is not None
            expected.setdefault(verdict.measurement.retention, []).append(
                record_point(record, NOW).to_line_protocol()
            )
    assert groups == expected
    assert [id(r) for r, _ in refused] == [id(r) for r in batch if judge(r, NOW).broken]


def test_zero_tags_keep_their_sign() -> None:
    """A (mistyped) float tag of -0.0 after one of 0.0 is written as -0.0."""
    for zero in (0.0, -0.0):
        assert_agree(replace(FULL_RECORDS[0], home_team=zero))


def test_the_rules_limits_are_the_specs() -> None:
    """int64 for integers; int64 nanoseconds less both extremes for times."""
    assert (INTEGER_LOWEST, INTEGER_HIGHEST) == (-(2**63), 2**63 - 1)
    assert (EARLIEST_NS, LATEST_NS) == (-(2**63) + 2, 2**63 - 2)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert epoch + timedelta(microseconds=EARLIEST_NS // 1000) == _FIRST
    assert epoch + timedelta(microseconds=LATEST_NS // 1000) == _LAST


def test_a_record_type_without_a_table_is_refused() -> None:
    """The base class of the sports' scores has no measurement."""
    record: Any = LeagueScore(
        league="MLB", game_id="g", season=1, home_team="A", away_team="B", status="S"
    )
    assert [v.rule for v in judge(record, NOW).broken] == [Rule.NO_MEASUREMENT]
    assert_agree(record)


def test_retention_classes() -> None:
    """Two years for events and stats, five for standings."""
    assert RETENTION[RetentionClass.EVENTS].days == 730
    assert RETENTION[RetentionClass.STATS].days == 730
    assert RETENTION[RetentionClass.STANDINGS].days == 1825
    assert {m.retention for m in MEASUREMENTS.values()} == set(RetentionClass)


def test_every_tag_and_field_name_is_distinct() -> None:
    """A tag and a field may not share a name in one table."""
    for measurement in MEASUREMENTS.values():
        assert not set(measurement.tags) & set(measurement.fields), measurement.name


def _stats(**stats: object) -> PlayerStats:
    return PlayerStats(
        league=League.NFL,
        player_id="1",
        player_name="P",
        team="GB",
        stats=stats,  # type: ignore[arg-type]
    )


def _nhl_player(name: str) -> PlayerStats:
    return PlayerStats(
        league=League.NHL, player_id="1", player_name=name, team="T", stats={"g": 1}
    )


def _bills(**changes: Any) -> Standing:
    return Standing(
        league=League.NFL, team="BUF", season=2025, wins=1, losses=0, **changes
    )


def _game(**changes: Any) -> NflScore:
    return replace(
        NflScore(
            game_id="g",
            season=2024,
            home_team="ATL",
            away_team="NO",
            status="IN",
            home_score=None,  # type: ignore[arg-type]
            away_score=None,  # type: ignore[arg-type]
        ),
        **changes,
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"home_score": 3.0}, "home_score=3i"),
        ({"quarter": 2}, "quarter=2i"),
        ({"time_remaining": 48}, 'time_remaining="48"'),
        ({"possession": "NO", "down_distance": None}, 'possession="NO"'),
    ],
)
def test_values_take_their_schema_type(
    changes: dict[str, object], expected: str
) -> None:
    """Whole floats become ints, numbers become strings where declared."""
    assert record_point(_game(**changes), NOW).to_line_protocol() == (
        "nfl_scores,away_team=NO,game_id=g,home_team=ATL,season=2024,status=IN "
        f"{expected} {NOW_NS}"
    )


@pytest.mark.parametrize(
    "record",
    [
        _game(home_score=3.5),
        _game(home_score="3"),
        _game(home_score=True),
        _game(time_remaining=["0:48"]),
        _bills(extra={"not_in_schema": 1}),
        _game(),
    ],
)
def test_bad_values_are_refused(record: Record) -> None:
    """A value that would change a field's type, an unknown field, no field."""
    with pytest.raises(InvalidRecordError):
        record_point(record, NOW)
    assert_agree(record)


def test_empty_tags_are_left_out_and_escaped() -> None:
    """Spaces, commas and quotes are escaped; empty tags omitted."""
    report = InjuryReport(
        player_id="",
        player_name='Ja\'Marr "JC", Jr',
        team="",
        status=None,  # type: ignore[arg-type]
        comment='said "day to day"',
    )
    assert record_point(report, NOW).to_line_protocol() == (
        'nfl_injuries,player_name=Ja\'Marr\\ "JC"\\,\\ Jr '
        f'comment="said \\"day to day\\"" {NOW_NS}'
    )
    assert_agree(report)


def test_dynamic_stats_float_unless_declared_integer() -> None:
    """Unknown stats are floats forever; known counting stats integers."""
    point = record_point(
        PlayerStats(
            league=League.NHL,
            player_id="8478402",
            player_name="Connor McDavid",
            team="EDM",
            stats={"goals": 2, "time_on_ice": 21.0, "faceoff_pct": 55.5},
        ),
        NOW,
    )
    assert point.to_line_protocol() == (
        "nhl_player_stats,player_id=8478402,player_name=Connor\\ McDavid,team=EDM "
        f"faceoff_pct=55.5,goals=2i,time_on_ice=21 {NOW_NS}"
    )
    with pytest.raises(InvalidRecordError):
        record_point(_stats(sacks=float("nan")), NOW)


def test_nhl_standing_fields() -> None:
    """NHL standings carry overtime losses and points, no ties."""
    standing = replace(_bills(ties=3, ot_losses=12, points=92), league=League.NHL)
    point = record_point(replace(standing, team="NYR", wins=40, losses=30), NOW)
    assert point.to_line_protocol() == (
        "nhl_standings,season=2025,team=NYR "
        f"losses=30i,ot_losses=12i,points=92i,wins=40i {NOW_NS}"
    )


@pytest.mark.parametrize(
    ("record", "reason", "message"),
    [
        (_stats(sacks=2**63), "int64_range", "outside the 64-bit integer range"),
        (_stats(sacks=-(2**63) - 1), "int64_range", "64-bit"),
        (_stats(time=1), "reserved_field", "'time' is reserved"),
        (_stats(_value=1), "reserved_field", "'_value' is reserved"),
        (_stats(**{"": 1}), "reserved_field", "'' is reserved"),
        (_stats(team=1), "reserved_field", "'team' is also a tag"),
        (_stats(**{"y\ud800": 1}), "not_utf8", "field name"),
        (_nhl_player("A \udfff"), "not_utf8", "tag player_name"),
        (_nhl_player("é" * 513), "tag_too_long", "longer than 1024 bytes"),
        (
            _bills(extra={"points_for": 2**63, "streak": "W1"}),
            "int64_range",
            "points_for=9223372036854775808",
        ),
        (_bills(extra={"streak": "W\ud800"}), "not_utf8", "field streak"),
        (
            _bills(time=datetime(2263, 1, 1, tzinfo=UTC)),
            "time_range",
            "2263-01-01",
        ),
    ],
)
def test_what_no_server_stores_is_refused(
    record: PlayerStats | Standing, reason: str, message: str
) -> None:
    """Text UTF-8 cannot encode, integers past int64, reserved or clashing
    field names, over-long tags, times past int64 nanoseconds: refused by
    both, for the same kind of reason."""
    with pytest.raises(InvalidRecordError, match=message):
        record_point(record, NOW)
    (first, *_) = judge(record, NOW).broken
    assert REASON_OF[first.rule] == reason
    assert serialiser(record) == (None, reason)


def test_limits_themselves_are_stored() -> None:
    """int64's bounds, a 1024-byte tag and 2262 are fine."""
    for value in (2**63 - 1, -(2**63)):
        assert (
            f"sacks={value}i"
            in record_point(_stats(sacks=value), NOW).to_line_protocol()
        )
    long_name = "é" * 512
    assert long_name in record_point(_nhl_player(long_name), NOW).to_line_protocol()
    late = replace(_stats(sacks=1), time=_LAST)
    assert record_point(late, NOW).to_line_protocol()
    for record in (_nhl_player(long_name), late):
        assert_agree(record)
