"""The oracle: what line protocol lets a record be, and the bytes Point makes of it.

The production serialiser (``lineprotocol``) is checked against this module,
so nothing here comes from it: the rules below are read from the InfluxDB
line-protocol reference and the schema, and the bytes are influxdb3-python's
``Point``'s. Only the error class is the integration's, so that a test can
expect the same exception from either side; the messages are the oracle's
own, and a test compares the rule broken (``Violation.rule``) with the
reason the integration's error carries.

``judge`` lists every rule a record breaks, in the order the record presents
its values (tags in the schema's order, then its fields as the record lists
them, then the point as a whole); ``record_point`` builds the ``Point`` of a
record that breaks none and otherwise raises for the first rule broken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
import math
import re

from influxdb_client_3 import Point, WritePrecision

from custom_components.sports_influx.lineprotocol import InvalidRecordError
from custom_components.sports_influx.records import (
    InjuryReport,
    League,
    PlayerStats,
    Record,
    Standing,
)
from custom_components.sports_influx.schema import MEASUREMENTS, FieldType, Measurement

# From the line-protocol reference ("Data types and format", "Timestamp"):
# integers are signed 64-bit, floats IEEE-754 64-bit without NaN or
# infinity, and a timestamp is int64 nanoseconds from
# 1677-09-21T00:12:43.145224194Z to 2262-04-11T23:47:16.854775806Z (its
# two extreme int64 values are kept back).
INTEGER_LOWEST = -9_223_372_036_854_775_808
INTEGER_HIGHEST = 9_223_372_036_854_775_807
EARLIEST_NS = -9_223_372_036_854_775_806
LATEST_NS = 9_223_372_036_854_775_806
# Not the reference's: the integration's own bound on a tag value, in
# UTF-8 bytes as it goes on the wire (unescaped), the same for every server.
TAG_VALUE_MAX_BYTES = 1024
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)


class Rule(StrEnum):
    """A rule of line protocol (or of the schema) a value can break."""

    NO_MEASUREMENT = "the record's type has no table in the schema"
    UTF8 = "text is UTF-8 on the wire: a lone surrogate is not"
    TAG_LENGTH = "a tag value is at most 1024 bytes"
    FIELD_KEY = "a field key is not empty, not time, not _-prefixed, not a tag"
    NOT_IN_SCHEMA = "a fixed table takes only the fields it declares"
    TYPE = "a field's value has the type its table gives it"
    NOT_FINITE = "a float is finite: NaN and infinity have no spelling"
    INTEGER_RANGE = "an integer is a signed 64-bit one"
    FLOAT_RANGE = "a float is an IEEE-754 double"
    NO_FIELDS = "a point has at least one field"
    TIME_RANGE = "a timestamp is int64 nanoseconds, minus the two extremes"


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule broken by one value.

    ``where`` names the value: a tag or field key, the text of a tag
    (``tag team 'X'``), the record type without a table.
    """

    rule: Rule
    where: str
    value: object = None
    field_type: FieldType | None = None
    table: Measurement | None = None

    def error(self) -> Exception:
        """The exception a serialiser raises for it.

        An int past a double's range makes ``float()`` itself raise: the
        oracle raises that too rather than a message of its own.
        """
        if self.rule is Rule.FLOAT_RANGE:
            return OverflowError(f"{self.where}: int too large to convert to float")
        return InvalidRecordError(self.message)

    @property
    def message(self) -> str:
        """What the error says for it: the rule and the value."""
        where, value = self.where, self.value
        match self.rule:
            case Rule.TYPE | Rule.NOT_FINITE:
                return f"field {where}={value!r} is not a valid {self.field_type}"
            case Rule.INTEGER_RANGE:
                return f"field {where}={value!r} is outside the 64-bit integer range"
            case Rule.FIELD_KEY if self.table and where in self.table.tags:
                return f"field name {where!r} is also a tag of {self.table.name}"
            case Rule.FIELD_KEY:
                return f"field name {where!r} is reserved in InfluxDB"
            case Rule.NOT_IN_SCHEMA if self.table:
                return f"{self.table.name} has no field {where!r} in the schema"
            case Rule.NO_FIELDS if self.table:
                return f"{self.table.name} point has no fields"
            case Rule.TAG_LENGTH:
                return f"tag {where} is longer than {TAG_VALUE_MAX_BYTES} bytes"
            case Rule.TIME_RANGE if isinstance(value, datetime):
                return (
                    f"time {value.isoformat()} is outside what InfluxDB stores "
                    "(1677-09-21 to 2262-04-11)"
                )
            case Rule.UTF8:
                return f"{where} has text UTF-8 cannot encode"
        return f"{where} has no measurement"


@dataclass(slots=True)
class Verdict:
    """A record as line protocol sees it: its parts and what is wrong."""

    measurement: Measurement | None = None
    tags: dict[str, str] = field(default_factory=dict)
    fields: dict[str, int | float | str] = field(default_factory=dict)
    time: datetime | None = None
    broken: list[Violation] = field(default_factory=list)


# The table of a record is named after its type: "BaseballScore" writes to
# "baseball_scores"; the NFL's and the NHL's player tables carry the league.
_LEAGUE_TABLES: Mapping[type, str] = {
    PlayerStats: "player_stats",
    InjuryReport: "injuries",
    Standing: "standings",
}
_WORDS = re.compile(r"[A-Z][a-z0-9]*")


def table_of(record: Record) -> Measurement | None:
    """The schema's measurement for a record, found by its type's name."""
    if isinstance(record, (PlayerStats, InjuryReport, Standing)):
        name = f"{record.league.lower()}_{_LEAGUE_TABLES[type(record)]}"
    else:
        name = "_".join(_WORDS.findall(type(record).__name__)).lower() + "s"
    return MEASUREMENTS.get(name)


# A standings row lists its own columns in this order, its league's last;
# its ``extra`` mapping then adds columns or replaces these.
_STANDING_COLUMNS: Mapping[League, tuple[str, ...]] = {
    League.NFL: ("wins", "losses", "win_percentage", "ties"),
    League.NHL: ("wins", "losses", "win_percentage", "ot_losses", "points"),
}


def _listed_fields(record: Record, table: Measurement) -> dict[str, object]:
    """The record's field values, in the order the record lists them."""
    if isinstance(record, PlayerStats):
        return dict(record.stats)
    if isinstance(record, Standing):
        own = {name: getattr(record, name) for name in _STANDING_COLUMNS[record.league]}
        return own | dict(record.extra)
    return {name: getattr(record, name) for name in table.fields}


def _as_utf8(text: str) -> bytes | None:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _judge_tag(verdict: Verdict, tag: str, raw: object) -> None:
    text = str(raw)
    encoded = _as_utf8(text)
    if encoded is None:
        verdict.broken.append(Violation(Rule.UTF8, f"tag {tag} {text!r}"))
    elif len(encoded) > TAG_VALUE_MAX_BYTES:
        verdict.broken.append(Violation(Rule.TAG_LENGTH, tag))
    verdict.tags[tag] = text


def _key_type(verdict: Verdict, table: Measurement, key: str) -> FieldType | None:
    """The type a field key has in its table, None when it cannot be one."""
    declared = table.fields.get(key)
    if declared is None and not table.dynamic_fields:
        verdict.broken.append(Violation(Rule.NOT_IN_SCHEMA, key, table=table))
        return None
    # "time" names the timestamp's column; 2.x and 3.x keep "_" names for
    # themselves; 3.x stores tags and fields as columns of one table.
    if key in {"", "time"} or key.startswith("_") or key in table.tags:
        verdict.broken.append(Violation(Rule.FIELD_KEY, key, table=table))
    if _as_utf8(key) is None:
        verdict.broken.append(Violation(Rule.UTF8, f"field name {key!r}"))
    return declared or table.dynamic_types.get(key, FieldType.FLOAT)


def _typed_value(
    key: str, raw: object, kind: FieldType
) -> tuple[int | float | str | None, Violation | None]:
    """The value as its type, or the rule it breaks.

    The schema's conversions: a whole float is an integer, a number is a
    string where the table says so; a bool is never a number.
    """
    refused = Violation(Rule.TYPE, key, raw, kind)
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return None, refused
    if kind is FieldType.STRING:
        if not isinstance(raw, str):
            return str(raw), None
        if _as_utf8(raw) is None:
            return None, Violation(Rule.UTF8, f"field {key} {raw!r}")
        return raw, None
    if isinstance(raw, str):
        return None, refused
    if kind is FieldType.FLOAT:
        try:
            number = float(raw)
        except OverflowError:
            return None, Violation(Rule.FLOAT_RANGE, key, raw)
        if math.isnan(number) or math.isinf(number):
            return None, Violation(Rule.NOT_FINITE, key, raw, kind)
        return number, None
    # INTEGER
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            return None, Violation(Rule.NOT_FINITE, key, raw, kind)
        if raw != math.floor(raw):
            return None, refused
    whole = int(raw)
    if whole < INTEGER_LOWEST or whole > INTEGER_HIGHEST:
        return None, Violation(Rule.INTEGER_RANGE, key, raw)
    return whole, None


def _nanoseconds(when: datetime) -> int:
    """Nanoseconds since the epoch; a naive time is UTC."""
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when
    return (aware - _UNIX_EPOCH) // _ONE_MICROSECOND * 1000


def judge(record: Record, now: datetime) -> Verdict:
    """Every rule the record breaks, in the order its values come."""
    verdict = Verdict(measurement=table_of(record))
    table = verdict.measurement
    if table is None:
        verdict.broken.append(Violation(Rule.NO_MEASUREMENT, type(record).__name__))
        return verdict
    for tag in table.tags:
        raw = getattr(record, tag, None)
        if raw is not None and raw != "":
            _judge_tag(verdict, tag, raw)
    present = 0
    for key, raw in _listed_fields(record, table).items():
        if raw is None:
            continue
        present += 1
        kind = _key_type(verdict, table, key)
        if kind is None:
            continue
        value, violation = _typed_value(key, raw, kind)
        if violation is not None:
            verdict.broken.append(violation)
        elif value is not None:
            verdict.fields[key] = value
    if not present:
        verdict.broken.append(Violation(Rule.NO_FIELDS, table.name, table=table))
    verdict.time = record.time or now
    if not EARLIEST_NS <= _nanoseconds(verdict.time) <= LATEST_NS:
        verdict.broken.append(Violation(Rule.TIME_RANGE, "time", verdict.time))
    return verdict


def record_point(record: Record, now: datetime) -> Point:
    """The record as influxdb3-python's ``Point``; raises for the first rule broken."""
    verdict = judge(record, now)
    if verdict.broken:
        raise verdict.broken[0].error()
    assert verdict.measurement is not None
    point = Point(verdict.measurement.name)
    for tag, text in verdict.tags.items():
        point.tag(tag, text)
    for key, value in verdict.fields.items():
        point.field(key, value)
    point.time(verdict.time, WritePrecision.NS)
    return point
