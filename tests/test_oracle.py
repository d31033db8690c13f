"""The oracle (tests/oracle.py): schema types enforced, bad values refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from custom_components.sports_influx.lineprotocol import InvalidRecordError
from custom_components.sports_influx.records import League, PlayerStats, Standing
from custom_components.sports_influx.schema import (
    MEASUREMENTS,
    NFL_INJURIES,
    NFL_SCORES,
    RETENTION,
    RetentionClass,
)

from .oracle import build_point, record_point

NOW = datetime(2024, 1, 1, tzinfo=UTC)
NOW_NS = 1704067200000000000


def line(measurement, tags, values) -> str:  # type: ignore[no-untyped-def]
    """The line protocol build_point produces."""
    return build_point(measurement, tags, values, NOW).to_line_protocol()


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


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"home_score": 3.0}, "home_score=3i"),
        ({"quarter": 2}, "quarter=2i"),
        ({"time_remaining": 48}, 'time_remaining="48"'),
        ({"possession": "NO", "down_distance": None}, 'possession="NO"'),
    ],
)
def test_values_take_their_schema_type(
    values: dict[str, object], expected: str
) -> None:
    """Whole floats become ints, numbers become strings where declared."""
    assert line(NFL_SCORES, {"game_id": "g"}, values) == (
        f"nfl_scores,game_id=g {expected} {NOW_NS}"
    )


@pytest.mark.parametrize(
    "values",
    [
        {"home_score": 3.5},
        {"home_score": "3"},
        {"home_score": True},
        {"time_remaining": ["0:48"]},
        {"not_in_schema": 1},
        {"home_score": None},
    ],
)
def test_bad_values_are_refused(values: dict[str, object]) -> None:
    """A value that would change a field's type, or no field at all."""
    with pytest.raises(InvalidRecordError):
        line(NFL_SCORES, {"game_id": "g"}, values)


def test_empty_tags_are_left_out_and_escaped() -> None:
    """Spaces, commas and quotes are escaped; empty tags omitted."""
    assert line(
        NFL_INJURIES,
        {"player_name": 'Ja\'Marr "JC", Jr', "team": "", "status": None},
        {"comment": 'said "day to day"'},
    ) == (
        'nfl_injuries,player_name=Ja\'Marr\\ "JC"\\,\\ Jr '
        f'comment="said \\"day to day\\"" {NOW_NS}'
    )


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
        record_point(
            PlayerStats(
                league=League.NFL,
                player_id="1",
                player_name="x",
                team="GB",
                stats={"sacks": float("nan")},
            ),
            NOW,
        )


def test_nhl_standing_fields() -> None:
    """NHL standings carry overtime losses and points, no ties."""
    point = record_point(
        Standing(
            league=League.NHL,
            team="NYR",
            season=2025,
            wins=40,
            losses=30,
            ties=3,
            ot_losses=12,
            points=92,
        ),
        NOW,
    )
    assert point.to_line_protocol() == (
        "nhl_standings,season=2025,team=NYR "
        f"losses=30i,ot_losses=12i,points=92i,wins=40i {NOW_NS}"
    )


def _stats(**stats: object) -> PlayerStats:
    return PlayerStats(
        league=League.NFL,
        player_id="1",
        player_name="P",
        team="GB",
        stats=stats,  # type: ignore[arg-type]
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
        (
            PlayerStats(
                league=League.NHL,
                player_id="1",
                player_name="A \udfff",
                team="T",
                stats={"goals": 1},
            ),
            "not_utf8",
            "tag player_name",
        ),
        (
            PlayerStats(
                league=League.NHL,
                player_id="1",
                player_name="é" * 513,
                team="T",
                stats={"goals": 1},
            ),
            "tag_too_long",
            "longer than 1024 bytes",
        ),
        (
            Standing(
                league=League.NFL,
                team="BUF",
                season=2025,
                wins=1,
                losses=0,
                extra={"points_for": 2**63, "streak": "W1"},
            ),
            "int64_range",
            "points_for=9223372036854775808",
        ),
        (
            Standing(
                league=League.NFL,
                team="BUF",
                season=2025,
                wins=1,
                losses=0,
                extra={"streak": "W\ud800"},
            ),
            "not_utf8",
            "field streak",
        ),
        (
            Standing(
                league=League.NFL,
                team="BUF",
                season=2025,
                wins=1,
                losses=0,
                time=datetime(2263, 1, 1, tzinfo=UTC),
            ),
            "time_range",
            "2263-01-01",
        ),
    ],
)
def test_what_no_server_stores_is_refused(
    record: PlayerStats | Standing, reason: str, message: str
) -> None:
    """Text UTF-8 cannot encode, integers past int64, reserved or clashing
    field names, over-long tags, times past int64 nanoseconds: refused
    with a named reason."""
    with pytest.raises(InvalidRecordError, match=message) as refused:
        record_point(record, NOW)
    assert refused.value.reason == reason


def test_limits_themselves_are_stored() -> None:
    """int64's bounds, a 1024-byte tag and 2262 are fine."""
    for value in (2**63 - 1, -(2**63)):
        assert (
            f"sacks={value}i"
            in record_point(_stats(sacks=value), NOW).to_line_protocol()
        )
    long_name = "é" * 512
    player = PlayerStats(
        league=League.NHL,
        player_id="1",
        player_name=long_name,
        team="T",
        stats={"g": 1},
    )
    assert long_name in record_point(player, NOW).to_line_protocol()
    late = datetime(2262, 4, 11, tzinfo=UTC)
    assert record_point(
        _stats(
            sacks=1,
        ),
        late,
    ).to_line_protocol()
