"""The oracle: records -> influxdb3-python ``Point``s -> line protocol.

``lineprotocol`` is the integration's serialiser; this is the reference
it is compared with, byte for byte and error for error
(tests/test_lineprotocol.py). It builds each point the plain way, with
influxdb3-python's ``Point``, and checks values with its own code; only
the record -> measurement mapping and the error class are the
integration's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
import math

from influxdb_client_3 import Point, WritePrecision

from custom_components.sports_influx.const import (
    INT64_MAX,
    INT64_MIN,
    MAX_TAG_VALUE_BYTES,
    TIME_MAX_NS,
    TIME_MIN_NS,
)
from custom_components.sports_influx.lineprotocol import (
    InvalidRecordError,
    measurement_for,
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
    SportResult,
    SportScore,
    Standing,
)
from custom_components.sports_influx.schema import FieldType, Measurement

type FieldValue = int | float | str

# Field keys no server stores: "time" is the timestamp's column (1.x drops
# such a field without a word); 2.x and 3.x reserve keys starting with "_".
RESERVED_KEYS = frozenset({"time"})


def encodable(text: str) -> bool:
    """Whether UTF-8 can encode ``text`` (a lone surrogate cannot)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def tag_too_long(text: str) -> bool:
    """Longer than a tag value may be, in UTF-8 bytes."""
    return len(text) * 4 > MAX_TAG_VALUE_BYTES and (
        len(text.encode("utf-8", "surrogatepass")) > MAX_TAG_VALUE_BYTES
    )


def _check_text(what: str, text: str) -> None:
    if not encodable(text):
        raise InvalidRecordError(
            f"{what} {text!r} has text UTF-8 cannot encode", "not_utf8"
        )


def _check_tag(tag: str, text: str) -> None:
    _check_text(f"tag {tag}", text)
    if tag_too_long(text):
        raise InvalidRecordError(
            f"tag {tag} is longer than {MAX_TAG_VALUE_BYTES} bytes", "tag_too_long"
        )


def _check_key(measurement: Measurement, name: str) -> None:
    """A field key line protocol and the servers accept."""
    if not name or name in RESERVED_KEYS or name.startswith("_"):
        raise InvalidRecordError(
            f"field name {name!r} is reserved in InfluxDB", "reserved_field"
        )
    if name in measurement.tags:
        raise InvalidRecordError(
            f"field name {name!r} is also a tag of {measurement.name}",
            "reserved_field",
        )
    _check_text("field name", name)


def _coerce(name: str, value: object, field_type: FieldType) -> FieldValue:
    """Give a value its schema type, or refuse it."""
    if field_type is FieldType.STRING:
        if isinstance(value, str):
            _check_text(f"field {name}", value)
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif isinstance(value, bool):
        pass  # bool is an int subclass; never a number here
    elif field_type is FieldType.INTEGER:
        number = None
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        if number is not None:
            if not INT64_MIN <= number <= INT64_MAX:
                raise InvalidRecordError(
                    f"field {name}={value!r} is outside the 64-bit integer range",
                    "int64_range",
                )
            return number
    elif isinstance(value, (int, float)) and math.isfinite(value):  # FLOAT
        return float(value)
    raise InvalidRecordError(
        f"field {name}={value!r} is not a valid {field_type}", "wrong_type"
    )


def _check_time(when: datetime) -> None:
    """Within the nanoseconds since the epoch an int64 holds (1677-2262)."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    delta = aware - _EPOCH
    ns = (
        delta.days * 86_400_000_000_000
        + delta.seconds * 1_000_000_000
        + delta.microseconds * 1000
    )
    if not TIME_MIN_NS <= ns <= TIME_MAX_NS:
        raise InvalidRecordError(
            f"time {when.isoformat()} is outside what InfluxDB stores "
            "(1677-09-21 to 2262-04-11)",
            "time_range",
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def build_point(
    measurement: Measurement,
    tags: Mapping[str, object],
    values: Mapping[str, object],
    time: datetime,
) -> Point:
    """Build one point, typed and filtered by the schema.

    Unknown or empty tags are left out; ``None`` fields are left out; a
    point without any field is refused (line protocol needs one).
    """
    point = Point(measurement.name)
    for tag in measurement.tags:
        value = tags.get(tag)
        if value is None or value == "":
            continue
        text = str(value)
        _check_tag(tag, text)
        point.tag(tag, text)
    written = 0
    for name, value in values.items():
        if value is None:
            continue
        field_type = measurement.fields.get(name)
        if field_type is None:
            if not measurement.dynamic_fields:
                raise InvalidRecordError(
                    f"{measurement.name} has no field {name!r} in the schema",
                    "unknown_field",
                )
            _check_key(measurement, name)
            field_type = measurement.dynamic_types.get(name, FieldType.FLOAT)
        point.field(name, _coerce(name, value, field_type))
        written += 1
    if not written:
        raise InvalidRecordError(f"{measurement.name} point has no fields", "no_fields")
    _check_time(time)
    point.time(time, WritePrecision.NS)
    return point


def _values(record: Record, names: Mapping[str, object]) -> dict[str, object]:
    return {name: getattr(record, name) for name in names}


def _tag_values(record: Record, measurement: Measurement) -> dict[str, object]:
    present = {f.name for f in dataclass_fields(record)}
    return {tag: getattr(record, tag) for tag in measurement.tags if tag in present}


def score_point(
    record: NflScore | NhlScore | SportScore | SportResult, now: datetime
) -> Point:
    """A score or result point: the NFL's, the NHL's, another sport's."""
    measurement = measurement_for(record)
    return build_point(
        measurement,
        _tag_values(record, measurement),
        _values(record, measurement.fields),
        record.time or now,
    )


def player_stats_point(record: PlayerStats, now: datetime) -> Point:
    """A player's statistics for one game."""
    measurement = measurement_for(record)
    return build_point(
        measurement,
        _tag_values(record, measurement),
        record.stats,
        record.time or now,
    )


def injury_point(record: InjuryReport, now: datetime) -> Point:
    """An injury report line."""
    measurement = measurement_for(record)
    return build_point(
        measurement,
        _tag_values(record, measurement),
        _values(record, measurement.fields),
        record.time or now,
    )


def standing_point(record: Standing, now: datetime) -> Point:
    """One team's standings row."""
    measurement = measurement_for(record)
    values: dict[str, object] = {
        "wins": record.wins,
        "losses": record.losses,
        "win_percentage": record.win_percentage,
    }
    if record.league is League.NFL:
        values["ties"] = record.ties
    else:
        values["ot_losses"] = record.ot_losses
        values["points"] = record.points
    values.update(record.extra)
    return build_point(
        measurement, _tag_values(record, measurement), values, record.time or now
    )


def record_point(record: Record, now: datetime) -> Point:
    """Any record -> its point."""
    match record:
        case NflScore() | NhlScore() | LeagueScore() | AthleteResult():
            return score_point(record, now)
        case PlayerStats():
            return player_stats_point(record, now)
        case InjuryReport():
            return injury_point(record, now)
        case Standing():
            return standing_point(record, now)
