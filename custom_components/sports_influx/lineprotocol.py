"""Typed records -> line protocol, in bulk. Pure: no I/O.

The integration's only serialiser. What never changes per measurement
(escaped name, escaped tag and field keys in output order, field types) is
computed once, tag values seen before come from a small cache, and a record
is one pass over its attribute values.

The output is influxdb3-python's ``Point``'s, byte for byte (the tests
compare the two, ``tests/oracle.py``): tags and fields sorted by key, the
same escaping, ``i`` after integers, floats as ``str`` without a trailing
``.0``, timestamps in nanoseconds.

A record the fast path refuses goes to ``_explain``, which checks it value
by value and raises ``InvalidRecordError`` naming the first value no
server stores; should every value pass (a long tag value is measured only
there), it writes the line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
import math
from operator import attrgetter
import re
from typing import Any, Final

from .const import INT64_MAX, INT64_MIN, MAX_TAG_VALUE_BYTES, TIME_MAX_NS, TIME_MIN_NS
from .records import (
    AthleteResult,
    BaseballScore,
    BasketballScore,
    CricketScore,
    FootballScore,
    GolfResult,
    HockeyScore,
    InjuryReport,
    League,
    LeagueScore,
    MmaResult,
    NflScore,
    NhlScore,
    PlayerStats,
    RacingResult,
    Record,
    SoccerScore,
    SportResult,
    SportScore,
    Standing,
    TennisResult,
    VolleyballScore,
)
from .schema import (
    BASEBALL_SCORES,
    BASKETBALL_SCORES,
    CRICKET_SCORES,
    FOOTBALL_SCORES,
    GOLF_RESULTS,
    HOCKEY_SCORES,
    MMA_RESULTS,
    NFL_INJURIES,
    NFL_PLAYER_STATS,
    NFL_SCORES,
    NFL_STANDINGS,
    NHL_INJURIES,
    NHL_PLAYER_STATS,
    NHL_SCORES,
    NHL_STANDINGS,
    RACING_RESULTS,
    SOCCER_SCORES,
    TENNIS_RESULTS,
    VOLLEYBALL_SCORES,
    FieldType,
    Measurement,
    RetentionClass,
)

# Point's escape tables (point.py in influxdb3-python), reproduced so that a
# test can compare them: measurement names keep "=", keys and tag values
# escape it; string field values escape only quote and backslash.
ESCAPE_MEASUREMENT: Final = str.maketrans(
    {",": r"\,", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)
ESCAPE_KEY: Final = str.maketrans(
    {",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"}
)
ESCAPE_STRING: Final = str.maketrans({'"': r"\"", "\\": r"\\"})
_KEY_SPECIALS: Final = re.compile("[,= \n\t\r]")

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_INTEGER, _FLOAT, _STRING = FieldType.INTEGER, FieldType.FLOAT, FieldType.STRING
# Tag values repeat (teams, seasons, game ids): escaped ones are kept, up to
# this many, then the cache starts over (bounded memory, no LRU bookkeeping).
_TAG_CACHE_SIZE: Final = 4096
_tag_cache: dict[str, str] = {}
_head_cache: dict[tuple[object, ...], str] = {}
_key_cache: dict[str, str] = {}
# A tag value of at most this many characters is within MAX_TAG_VALUE_BYTES
# whatever they are; a longer one is measured by _explain.
_TAG_SURE_CHARS: Final = MAX_TAG_VALUE_BYTES // 4


type FieldValue = int | float | str

# The measurement of each sport's record (the other leagues, the athletes).
SPORT_MEASUREMENTS: Final[Mapping[type[SportScore | SportResult], Measurement]] = {
    BaseballScore: BASEBALL_SCORES,
    BasketballScore: BASKETBALL_SCORES,
    FootballScore: FOOTBALL_SCORES,
    HockeyScore: HOCKEY_SCORES,
    SoccerScore: SOCCER_SCORES,
    VolleyballScore: VOLLEYBALL_SCORES,
    CricketScore: CRICKET_SCORES,
    TennisResult: TENNIS_RESULTS,
    MmaResult: MMA_RESULTS,
    GolfResult: GOLF_RESULTS,
    RacingResult: RACING_RESULTS,
}

# Field keys no server stores: "time" is the timestamp's column (1.x drops
# such a field without a word); 2.x and 3.x reserve keys starting with "_".
RESERVED_KEYS: Final = frozenset({"time"})


class InvalidRecordError(ValueError):
    """A record that cannot become a valid point (bad type, no fields).

    ``reason``: a slug naming the kind of refusal.
    """

    def __init__(self, message: str, reason: str = "invalid") -> None:
        """Keep the message and the reason."""
        super().__init__(message)
        self.reason = reason


def measurement_for(record: Record) -> Measurement:
    """The measurement a record is written to."""
    match record:
        case NflScore():
            return NFL_SCORES
        case NhlScore():
            return NHL_SCORES
        case LeagueScore() | AthleteResult():
            return _sport_measurement(record)
        case PlayerStats():
            return NFL_PLAYER_STATS if record.league is League.NFL else NHL_PLAYER_STATS
        case InjuryReport():
            return NFL_INJURIES if record.league is League.NFL else NHL_INJURIES
        case Standing():
            return NFL_STANDINGS if record.league is League.NFL else NHL_STANDINGS


def _sport_measurement(record: SportScore | SportResult) -> Measurement:
    measurement = SPORT_MEASUREMENTS.get(type(record))
    if measurement is None:
        raise InvalidRecordError(f"{type(record).__name__} has no measurement")
    return measurement


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


class _RefusedError(Exception):
    """The fast path met a value it cannot write; ``_explain`` says why."""


def escape_key(text: str) -> str:
    """A key or tag value escaped as Point does (translate is slow: look first)."""
    return text.translate(ESCAPE_KEY) if _KEY_SPECIALS.search(text) else text


def quote(text: str) -> str:
    """A string field value, quoted and escaped as Point does."""
    if '"' in text or "\\" in text:
        # Backslashes first, so the ones added before quotes stay single.
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _escape_tag(value: object) -> str:
    """A tag value as Point writes it ('' = left out)."""
    escaped = escape_key(str(value))
    # Point keeps a trailing backslash from escaping the separator.
    if escaped.endswith("\\"):
        escaped += " "
    return escaped


def _tag_value(value: Any) -> str:
    if value.__class__ is str:
        cached = _tag_cache.get(value)
        if cached is None:
            if len(_tag_cache) >= _TAG_CACHE_SIZE:
                _tag_cache.clear()
            cached = _tag_cache[value] = _escape_tag(value)
        return cached
    if value.__class__ is int:
        return str(value)
    return _escape_tag(value)


def _render(value: object, field_type: FieldType) -> str:
    """A field value as Point writes it after ``_coerce``."""
    cls = value.__class__
    if field_type is _INTEGER:
        if cls is int and INT64_MIN <= value <= INT64_MAX:  # type: ignore[operator]
            return f"{value}i"
        if cls is bool:
            raise _RefusedError
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
            return f"{value!s}i"
    elif field_type is _STRING:
        if isinstance(value, str) or (
            isinstance(value, (int, float)) and cls is not bool
        ):
            return quote(str(value))
    elif cls is not bool and isinstance(value, (int, float)):
        number = float(value)
        if math.isfinite(number):
            text = repr(number)
            return text[:-2] if text.endswith(".0") else text
    raise _RefusedError


def time_ns(when: datetime) -> int:
    """Nanoseconds since the epoch, as Point computes them (naive = UTC)."""
    if when.tzinfo is UTC:  # HA's own times: astimezone would be a no-op
        delta = when - _EPOCH
    else:
        delta = (
            when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        ) - _EPOCH
    return (
        delta.days * 86_400_000_000_000
        + delta.seconds * 1_000_000_000
        + delta.microseconds * 1000
    )


def _sorted_keys(names: Iterable[str]) -> list[tuple[str, str]]:
    """(name, escaped key + '=') in Point's output order."""
    return [(name, escape_key(name) + "=") for name in sorted(names)]


type _FieldsFn = Callable[[Any], list[str]]


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity
class _Layout:
    """What never changes for one record type: computed once."""

    measurement: Measurement
    retention: RetentionClass
    head: str  # escaped measurement name
    tag_keys: tuple[str, ...]  # "key=" in output order
    tag_values: Callable[[Any], tuple[object, ...]]
    fields: _FieldsFn

    def _cached_head(self, values: tuple[object, ...]) -> str:
        """The escaped measurement and tags, cached: a tag set repeats."""
        types = tuple(map(type, values))
        # The types are part of the key: 1 == 1.0 == True, but they print
        # apart. Floats stay out: 0.0 == -0.0 and NaN != NaN.
        if float in types:
            return self._head(values)
        key = (self, values, types)
        try:
            head = _head_cache.get(key)
        except TypeError:  # an unhashable tag value: Point would str() it
            return self._head(values)
        if head is None:
            if len(_head_cache) >= _TAG_CACHE_SIZE:
                _head_cache.clear()
            head = _head_cache[key] = self._head(values)
        return head

    def line(self, record: Any, now: datetime) -> str:
        """One record's line; ``_RefusedError`` when a value is invalid."""
        values = self.tag_values(record)
        head = self._cached_head(values)
        fields = self.fields(record)
        if not fields:
            raise _RefusedError
        stamp = time_ns(record.time or now)
        if not TIME_MIN_NS <= stamp <= TIME_MAX_NS:
            raise _RefusedError
        line = f"{head} {','.join(fields)} {stamp}"
        # A lone surrogate is a str but not UTF-8: no server can take it.
        if not line.isascii() and not encodable(line):
            raise _RefusedError
        return line

    def _head(self, values: tuple[object, ...]) -> str:
        """Measurement and tags: 'name,k=v,k=v'."""
        head = [self.head]
        for key, value in zip(self.tag_keys, values, strict=True):
            # None and "" are left out, and so is what escapes to "".
            if value is None or value == "":
                continue
            if text := _tag_value(value):
                if len(text) > _TAG_SURE_CHARS:
                    raise _RefusedError
                head.append(key + text)
        return ",".join(head)


def _fixed_fields(measurement: Measurement) -> _FieldsFn:
    """Fields read from the record's attributes of the same name.

    One ``attrgetter`` reads every value at once; the schema's exact type
    (the common case) is written inline, anything else goes through
    ``_render``.
    """
    keyed = _sorted_keys(measurement.fields)
    getter = attrgetter(*(name for name, _ in keyed))
    read: Callable[[Any], tuple[Any, ...]] = (
        getter if len(keyed) > 1 else lambda r: (getter(r),)
    )
    keys = tuple(key for _, key in keyed)
    types = tuple(measurement.fields[name] for name, _ in keyed)

    def fields(record: Any) -> list[str]:
        out: list[str] = []
        add = out.append
        # Three tuples of one length by construction: strict=True would only
        # cost a check per record.
        for value, key, field_type in zip(read(record), keys, types):  # noqa: B905
            if value is None:
                continue
            if value.__class__ is int:
                if field_type is _INTEGER and INT64_MIN <= value <= INT64_MAX:
                    add(f"{key}{value}i")
                    continue
            elif value.__class__ is str and field_type is _STRING:
                add(key + quote(value))
                continue
            add(key + _render(value, field_type))
        return out

    return fields


def _field_key(name: str) -> str:
    """'escaped name=' of a dynamic field, cached (stat names repeat)."""
    key = _key_cache.get(name)
    if key is None:
        if len(_key_cache) >= _TAG_CACHE_SIZE:
            _key_cache.clear()
        key = _key_cache[name] = escape_key(name) + "="
    return key


def _dynamic_type(
    measurement: Measurement, name: str, seen: dict[str, FieldType]
) -> FieldType:
    """The type of a field the schema does not declare, if it may be one.

    ``seen`` keeps the names found valid (stat names repeat).
    """
    if (
        not measurement.dynamic_fields
        or not name
        or name in RESERVED_KEYS
        or name[0] == "_"
        or name in measurement.tags
    ):
        raise _RefusedError
    if len(seen) >= _TAG_CACHE_SIZE:
        seen.clear()
    field_type = seen[name] = measurement.dynamic_types.get(name, _FLOAT)
    return field_type


def _typed(
    measurement: Measurement,
    values: Mapping[str, object],
    seen: dict[str, FieldType],
) -> list[str]:
    """Fields of a mapping (dynamic or partly extra), typed by the schema."""
    out = []
    declared = measurement.fields
    for name, value in sorted(values.items()):
        if value is None:
            continue
        field_type = (
            declared.get(name)
            or seen.get(name)
            or _dynamic_type(measurement, name, seen)
        )
        out.append(_field_key(name) + _render(value, field_type))
    return out


def _stats_fields(measurement: Measurement) -> _FieldsFn:
    seen: dict[str, FieldType] = {}

    def fields(record: PlayerStats) -> list[str]:
        return _typed(measurement, record.stats, seen)

    return fields


def _standing_values(record: Standing, nfl: bool) -> dict[str, object]:
    """A standings row's fields: the league's columns, then its extras."""
    values: dict[str, object] = {
        "wins": record.wins,
        "losses": record.losses,
        "win_percentage": record.win_percentage,
    }
    if nfl:
        values["ties"] = record.ties
    else:
        values["ot_losses"] = record.ot_losses
        values["points"] = record.points
    values.update(record.extra)
    return values


def _standing_fields(measurement: Measurement) -> _FieldsFn:
    nfl = "ties" in measurement.fields
    seen: dict[str, FieldType] = {}

    def fields(record: Standing) -> list[str]:
        return _typed(measurement, _standing_values(record, nfl), seen)

    return fields


def _layout(sample: Record, fields_for: Callable[[Measurement], _FieldsFn]) -> _Layout:
    measurement = measurement_for(sample)
    present = set(type(sample).__dataclass_fields__)
    keys = _sorted_keys(tag for tag in measurement.tags if tag in present)
    getter = attrgetter(*(name for name, _ in keys))
    return _Layout(
        measurement=measurement,
        retention=measurement.retention,
        head=measurement.name.translate(ESCAPE_MEASUREMENT),
        tag_keys=tuple(key for _, key in keys),
        # attrgetter of one name gives a value, of several a tuple.
        tag_values=getter if len(keys) > 1 else lambda r: (getter(r),),
        fields=fields_for(measurement),
    )


def _sport_sample(cls: type[SportScore | SportResult]) -> Record:
    """A record of another league's score or an athlete's result."""
    if issubclass(cls, AthleteResult):
        return cls(league="", event_id="", season=0, athlete="", status="")
    return cls(league="", game_id="", season=0, home_team="", away_team="", status="")


def _samples() -> dict[tuple[type, League | None], _Layout]:
    # One sample record per layout: measurement_for picks its measurement.
    game: dict[str, Any] = {"game_id": "", "home_team": "", "away_team": ""}
    game |= {"status": "", "season": 0, "home_score": 0, "away_score": 0}
    layouts: dict[tuple[type, League | None], _Layout] = {
        (NflScore, None): _layout(NflScore(**game), _fixed_fields),
        (NhlScore, None): _layout(NhlScore(**game), _fixed_fields),
        **{
            (cls, None): _layout(_sport_sample(cls), _fixed_fields)
            for cls in SPORT_MEASUREMENTS
        },
    }
    for league in League:
        layouts[InjuryReport, league] = _layout(
            InjuryReport(
                league=league, player_id="", player_name="", team="", status=""
            ),
            _fixed_fields,
        )
        layouts[PlayerStats, league] = _layout(
            PlayerStats(league=league, player_id="", player_name="", team="", stats={}),
            _stats_fields,
        )
        layouts[Standing, league] = _layout(
            Standing(league=league, team="", season=0, wins=0, losses=0),
            _standing_fields,
        )
    return layouts


_LAYOUTS: Final = _samples()
_BY_CLASS: Final = {cls: lay for (cls, league), lay in _LAYOUTS.items() if not league}


def layout_for(record: Record) -> _Layout:
    """The precomputed layout of a record's measurement."""
    layout = _BY_CLASS.get(record.__class__)
    if layout is None:
        return _LAYOUTS[record.__class__, record.league]  # type: ignore[union-attr,index]
    return layout


def retention_of(record: Record) -> RetentionClass:
    """The retention class a record is written with."""
    return layout_for(record).retention


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
    if field_type is _STRING:
        if isinstance(value, str):
            _check_text(f"field {name}", value)
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    elif isinstance(value, bool):
        pass  # bool is an int subclass; never a number here
    elif field_type is _INTEGER:
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


def _checked_time(when: datetime) -> int:
    """Nanoseconds since the epoch, within what an int64 holds (1677-2262)."""
    stamp = time_ns(when)
    if not TIME_MIN_NS <= stamp <= TIME_MAX_NS:
        raise InvalidRecordError(
            f"time {when.isoformat()} is outside what InfluxDB stores "
            "(1677-09-21 to 2262-04-11)",
            "time_range",
        )
    return stamp


def _field_values(record: Record, measurement: Measurement) -> Mapping[str, object]:
    """A record's fields by name, in the order they are checked."""
    match record:
        case PlayerStats():
            return record.stats
        case Standing():
            return _standing_values(record, "ties" in measurement.fields)
        case _:
            return {name: getattr(record, name) for name in measurement.fields}


def _explain(record: Record, now: datetime) -> str:
    """The slow path: each value checked in turn, the first bad one named.

    Tags in the schema's order, then fields in the record's: the error
    names the same value whatever the fast path met first.
    """
    measurement = measurement_for(record)
    present = type(record).__dataclass_fields__
    tags: list[tuple[str, str]] = []
    for tag in measurement.tags:
        value = getattr(record, tag) if tag in present else None
        if value is None or value == "":
            continue
        text = str(value)
        _check_tag(tag, text)
        if escaped := _escape_tag(text):
            tags.append((tag, escaped))
    fields: list[tuple[str, str]] = []
    for name, value in _field_values(record, measurement).items():
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
            field_type = measurement.dynamic_types.get(name, _FLOAT)
        fields.append((name, _render(_coerce(name, value, field_type), field_type)))
    if not fields:
        raise InvalidRecordError(f"{measurement.name} point has no fields", "no_fields")
    stamp = _checked_time(record.time or now)
    head = ",".join(
        [
            measurement.name.translate(ESCAPE_MEASUREMENT),
            *(f"{escape_key(tag)}={text}" for tag, text in sorted(tags)),
        ]
    )
    body = ",".join(_field_key(name) + text for name, text in sorted(fields))
    return f"{head} {body} {stamp}"


def record_line(record: Record, now: datetime) -> str:
    """One record's line protocol; raises ``InvalidRecordError``."""
    try:
        return layout_for(record).line(record, now)
    except _RefusedError:
        return _explain(record, now)


def _invalid(err: Exception) -> InvalidRecordError:
    # A few exotic values end in another exception (an int too large for a
    # float field: OverflowError): for the writer it is invalid too.
    if isinstance(err, InvalidRecordError):
        return err
    return InvalidRecordError(f"{err!r}")


def check(record: Record, now: datetime) -> RetentionClass:
    """Validate a record and give its retention class.

    Raises ``InvalidRecordError`` for what ``checked_line`` refuses: it is
    the same check (a record is rendered to know that every value, once
    written, is one a server stores).
    """
    checked_line(record, now)
    return retention_of(record)


def checked_line(record: Record, now: datetime) -> str:
    """A record's line, made as it is queued.

    Raises ``InvalidRecordError`` for anything no server stores, naming
    the value.
    """
    try:
        return record_line(record, now)
    except Exception as err:  # bad input must never raise into HA's loop
        raise _invalid(err) from err


def serialize_grouped(
    records: Iterable[Record], now: datetime
) -> tuple[dict[RetentionClass, list[str]], list[tuple[Record, InvalidRecordError]]]:
    """Records -> lines by retention class, plus the records refused and why."""
    groups: dict[RetentionClass, list[str]] = {}
    refused: list[tuple[Record, InvalidRecordError]] = []
    for record in records:
        try:
            layout = layout_for(record)
            line = layout.line(record, now)
        except Exception:  # noqa: BLE001 - _explain says why (or writes it)
            try:
                line = _explain(record, now)
                layout = layout_for(record)
            except Exception as err:  # noqa: BLE001 - one bad record, not the batch
                refused.append((record, _invalid(err)))
                continue
        if (lines := groups.get(layout.retention)) is None:
            lines = groups[layout.retention] = []
        lines.append(line)
    return groups, refused
