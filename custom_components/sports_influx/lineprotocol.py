"""Typed records -> line protocol, fast and in bulk. Pure: no I/O.

The output is byte-identical to ``points.record_point(record, now)
.to_line_protocol()`` (influxdb3-python 0.21.0's ``Point``): tags and fields
sorted by key, the same escaping, ``i`` after integers, floats as ``str``
without a trailing ``.0``, timestamps in nanoseconds. Building a ``Point``
per record and serialising it costs ~25 us; here what never changes per
measurement (escaped name, escaped tag and field keys in output order,
field types) is computed once, tag values seen before come from a small
cache, and a record is one pass over its attribute values.

Invalid records raise the same ``InvalidRecordError`` (same message) as
``points.py``: when the fast path refuses a value, ``points.record_point``
is asked to say why.
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
from .points import (
    RESERVED_KEYS,
    SPORT_MEASUREMENTS,
    InvalidRecordError,
    encodable,
    measurement_for,
    record_point,
)
from .records import (
    AthleteResult,
    InjuryReport,
    League,
    NflScore,
    NhlScore,
    PlayerStats,
    Record,
    SportResult,
    SportScore,
    Standing,
)
from .schema import FieldType, Measurement, RetentionClass

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
# whatever they are; a longer one is measured by points.py.
_TAG_SURE_CHARS: Final = MAX_TAG_VALUE_BYTES // 4


class _RefusedError(Exception):
    """The fast path met a value it cannot write; points.py says why."""


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
    """A field value as Point writes it after ``points._coerce``."""
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

    def line(self, record: Any, now: datetime) -> str:
        """One record's line; ``_RefusedError`` when a value is invalid."""
        values = self.tag_values(record)
        # A game's or player's tag set repeats from point to point. The
        # types are part of the key: 1 == 1.0 == True, but they print apart.
        key = (self, values, tuple(map(type, values)))
        try:
            head = _head_cache.get(key)
        except TypeError:  # an unhashable tag value: Point would str() it
            head = self._head(values)
        if head is None:
            if len(_head_cache) >= _TAG_CACHE_SIZE:
                _head_cache.clear()
            head = _head_cache[key] = self._head(values)
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
            # points.build_point leaves out None and ""; Point what escapes to "".
            if value is None or value == "":
                continue
            if text := _tag_value(value):
                if len(text) > _TAG_SURE_CHARS:
                    raise _RefusedError
                head.append(key + text)
        return ",".join(head)


# What the generated function does with one field: the common case (the
# schema's type exactly) inline, anything else through _render.
_FIELD_CODE: Final = {
    _INTEGER: (
        "f'{key_N}{value}i' if value.__class__ is int"
        " and INT64_MIN <= value <= INT64_MAX else "
    ),
    _STRING: "key_N + quote(value) if value.__class__ is str else ",
    _FLOAT: "",
}


def _fixed_fields(measurement: Measurement) -> _FieldsFn:
    """Fields read from the record's attributes of the same name.

    The function is generated once per measurement, as ``dataclasses``
    generates ``__init__``: straight-line code, one test per field and no
    loop over a table of specs, serialises a score ~25% faster. What goes
    into the code are the schema's field names (checked to be identifiers);
    keys and types are passed as variables, never pasted in.
    """
    code = ["def fields(record):", "    out = []", "    add = out.append"]
    scope: dict[str, Any] = {
        "_render": _render,
        "quote": quote,
        "INT64_MIN": INT64_MIN,
        "INT64_MAX": INT64_MAX,
    }
    for n, (name, key) in enumerate(_sorted_keys(measurement.fields)):
        if not name.isidentifier():  # pragma: no cover - schema names are identifiers
            raise ValueError(f"field {name!r} is not an identifier")
        field_type = measurement.fields[name]
        scope[f"key_{n}"], scope[f"type_{n}"] = key, field_type
        common = _FIELD_CODE[field_type].replace("_N", f"_{n}")
        code += [
            f"    value = record.{name}",
            "    if value is not None:",
            f"        add({common}key_{n} + _render(value, type_{n}))",
        ]
    code.append("    return out")
    exec("\n".join(code), scope)  # noqa: S102 - schema names only, see above
    fields: _FieldsFn = scope["fields"]
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


def _standing_fields(measurement: Measurement) -> _FieldsFn:
    nfl = "ties" in measurement.fields
    seen: dict[str, FieldType] = {}

    def fields(record: Standing) -> list[str]:
        # The same values, in the same precedence, as points.standing_point.
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
        return _typed(measurement, values, seen)

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


def _explain(record: Record, now: datetime) -> str:
    """Let points.py refuse the record with its own error.

    Should points.py accept what the fast path refused, its line is used:
    correctness over speed.
    """
    line: str = record_point(record, now).to_line_protocol()
    return line


def record_line(record: Record, now: datetime) -> str:
    """One record's line protocol; raises ``InvalidRecordError``."""
    try:
        return layout_for(record).line(record, now)
    except _RefusedError:
        return _explain(record, now)


def _invalid(err: Exception) -> InvalidRecordError:
    # points.py lets a few exotic values through to a non-InvalidRecordError
    # (an int too large for a float field): for the writer it is invalid too.
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

    Raises ``InvalidRecordError`` for anything ``points.py`` would refuse,
    with its message.
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
        except Exception:  # noqa: BLE001 - points.py says why (or writes it)
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
