"""Line protocol as InfluxDB 3 reads it (v3-line-protocol.md).

The parser, the column types named as the server names them in error
messages, and timestamp precision.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import re

FieldValue = bool | int | float | str

# Column types, as the server names them in error messages.
# v3-write-lp.md "Accept partial writes" example:
#   "invalid column type for column 'temp', expected
#    iox::column_type::field::float, got iox::column_type::field::string"
TAG = "iox::column_type::tag"
TIMESTAMP = "iox::column_type::timestamp"
FLOAT = "iox::column_type::field::float"
INTEGER = "iox::column_type::field::integer"
UINTEGER = "iox::column_type::field::uinteger"
STRING = "iox::column_type::field::string"
BOOLEAN = "iox::column_type::field::boolean"

# source: line protocol parser (core/influxdb_line_protocol) messages; the
# first one also appears in openapi POST /write 400 examples.
NO_FIELDS = "No fields were provided"
BAD_MEASUREMENT = "Invalid measurement was provided"
TAG_SET_MALFORMED = "Tag set malformed"
TRAILING_BACKSLASH = (
    "Measurements, tag keys and values, and field keys may not end with a backslash"
)

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_U64_MAX = 2**64 - 1
# v3-line-protocol.md "Unix timestamp": min/max timestamp.
_TS_MIN, _TS_MAX = -9223372036854775806, 9223372036854775806
NS_PER_S = 1_000_000_000
_BOOLEANS = {
    "t": True,
    "T": True,
    "true": True,
    "True": True,
    "TRUE": True,
    "f": False,
    "F": False,
    "false": False,
    "False": False,
    "FALSE": False,
}
_FLOAT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_INT_RE = re.compile(r"[+-]?\d+i")
_UINT_RE = re.compile(r"[+-]?\d+u")
_TIMESTAMP_RE = re.compile(r"-?\d+")

# openapi: PrecisionWrite (write_lp) plus the short spellings used by the
# same document's x-codeSamples for write_lp (precision=ms, precision=ns).
V3_PRECISIONS = {
    "auto": "auto",
    "nanosecond": "nanosecond",
    "microsecond": "microsecond",
    "millisecond": "millisecond",
    "second": "second",
    "ns": "nanosecond",
    "n": "nanosecond",
    "us": "microsecond",
    "u": "microsecond",
    "ms": "millisecond",
    "s": "second",
}
# openapi: components.schemas.PrecisionWriteCompatibility (/write and
# /api/v2/write): ms, s, us, u, ns, n; default nanosecond.
COMPAT_PRECISIONS = {
    "ns": "nanosecond",
    "n": "nanosecond",
    "us": "microsecond",
    "u": "microsecond",
    "ms": "millisecond",
    "s": "second",
}
_MULTIPLIER = {
    "second": 1_000_000_000,
    "millisecond": 1_000_000,
    "microsecond": 1_000,
    "nanosecond": 1,
}


class LineProtocolError(ValueError):
    """A line of line protocol was rejected; the message is the server's."""


@dataclass
class ParsedLine:
    """One point of line protocol (v3-line-protocol.md "Elements")."""

    measurement: str
    tags: dict[str, str]
    fields: dict[str, tuple[str, FieldValue]]
    timestamp: int | None


def _scan(line: str, i: int, stops: str, escapable: str) -> tuple[str, int]:
    """Read up to an unescaped stop character.

    v3-line-protocol.md "Special Characters" and "Escaping backslashes": a
    backslash escapes the listed characters and itself; elsewhere it is
    literal.
    """
    out: list[str] = []
    n = len(line)
    while i < n:
        char = line[i]
        if char == "\\":
            if i + 1 >= n:
                raise LineProtocolError(TRAILING_BACKSLASH)
            if line[i + 1] in escapable or line[i + 1] == "\\":
                out.append(line[i + 1])
                i += 2
                continue
            out.append(char)
            i += 1
            continue
        if char in stops:
            break
        out.append(char)
        i += 1
    return "".join(out), i


def _parse_value(raw: str) -> tuple[str, FieldValue]:
    """Classify an unquoted field value (v3-line-protocol.md "Data types")."""
    if raw in _BOOLEANS:
        return BOOLEAN, _BOOLEANS[raw]
    if _INT_RE.fullmatch(raw):
        value = int(raw[:-1])
        if not _I64_MIN <= value <= _I64_MAX:
            raise LineProtocolError(f"Unable to parse integer value `{raw}`")
        return INTEGER, value
    if _UINT_RE.fullmatch(raw):
        value = int(raw[:-1])
        if not 0 <= value <= _U64_MAX:
            raise LineProtocolError(f"Unable to parse unsigned integer value `{raw}`")
        return UINTEGER, value
    if _FLOAT_RE.fullmatch(raw):
        number = float(raw)
        if number in (float("inf"), float("-inf")):
            raise LineProtocolError(f"Unable to parse floating-point value `{raw}`")
        return FLOAT, number
    # openapi: POST /write 400 example: "temp=hi" -> "No fields were provided".
    raise LineProtocolError(NO_FIELDS)


def parse_line(line: str) -> ParsedLine:
    """Parse one line of line protocol, raising `LineProtocolError`.

    Follows v3-line-protocol.md: ``<table>[,<tag>=<value>...]
    <field>=<value>[,...] [<timestamp>]``.
    """
    n = len(line)
    measurement, i = _scan(line, 0, ", ", ", ")
    if not measurement:
        raise LineProtocolError(BAD_MEASUREMENT)
    tags: dict[str, str] = {}
    while i < n and line[i] == ",":
        key, i = _scan(line, i + 1, "=, ", ",= ")
        if not key or i >= n or line[i] != "=":
            raise LineProtocolError(TAG_SET_MALFORMED)
        value, i = _scan(line, i + 1, "=, ", ",= ")
        # v3-line-protocol.md "Tag set": "Tag values cannot be empty".
        if not value or (i < n and line[i] == "="):
            raise LineProtocolError(TAG_SET_MALFORMED)
        if key in tags:
            raise LineProtocolError(
                f"Must not contain duplicate tags, but `{key}` was repeated"
            )
        tags[key] = value
    while i < n and line[i] == " ":
        i += 1
    if i >= n:
        raise LineProtocolError(NO_FIELDS)
    fields: dict[str, tuple[str, FieldValue]] = {}
    while True:
        key, i = _scan(line, i, "=, ", ",= ")
        if not key or i >= n or line[i] != "=":
            raise LineProtocolError(NO_FIELDS)
        i += 1
        if i < n and line[i] == '"':
            # v3-line-protocol.md "Special Characters": in string field values
            # only the double quote and the backslash are escaped.
            chars: list[str] = []
            i += 1
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n and line[i + 1] in '"\\':
                    i += 1
                chars.append(line[i])
                i += 1
            if i >= n:
                raise LineProtocolError(NO_FIELDS)
            i += 1
            parsed: tuple[str, FieldValue] = (STRING, "".join(chars))
        else:
            start = i
            while i < n and line[i] not in ", ":
                i += 1
            parsed = _parse_value(line[start:i])
        if key in fields:
            # source: validator.rs "multiple instances of ... field found".
            raise LineProtocolError(
                f"invalid line protocol - multiple instances of '{key}' field found"
            )
        fields[key] = parsed
        if i < n and line[i] == ",":
            i += 1
            continue
        if i < n and line[i] != " ":
            raise LineProtocolError(NO_FIELDS)
        break
    while i < n and line[i] == " ":
        i += 1
    timestamp: int | None = None
    if i < n:
        start = i
        while i < n and line[i] != " ":
            i += 1
        raw = line[start:i]
        if not _TIMESTAMP_RE.fullmatch(raw) or not _TS_MIN <= int(raw) <= _TS_MAX:
            raise LineProtocolError(f"Unable to parse timestamp value `{raw}`")
        timestamp = int(raw)
        rest = line[i:].strip(" ")
        if rest:
            raise LineProtocolError(
                f"Could not parse entire line. Found trailing content: `{rest}`"
            )
    return ParsedLine(measurement, tags, fields, timestamp)


def significant_lines(body: str) -> Iterator[tuple[int, str]]:
    """Yield (line_number, line), skipping blank lines and comments.

    v3-line-protocol.md "Comments": a line starting with ``#`` is ignored.
    The docs do not say how line_number counts; the source numbers only the
    lines its parser yields (blank lines and comments skipped), 1-based.
    """
    number = 0
    for raw in body.split("\n"):
        line = raw.removesuffix("\r")
        stripped = line.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        number += 1
        yield number, line


def to_nanos(timestamp: int | None, precision: str, now_ns: int) -> int:
    """Scale a timestamp to nanoseconds.

    openapi: POST /api/v3/write_lp "Auto precision detection": < 5e9 s,
    < 5e12 ms, < 5e15 us, else ns (source: on the absolute value).
    v3-line-protocol.md "Timestamp": no timestamp -> the server's time
    (source: truncated to the precision).
    """
    if timestamp is None:
        if precision == "auto":
            return now_ns
        multiplier = _MULTIPLIER[precision]
        return (now_ns // multiplier) * multiplier
    actual = precision
    if precision == "auto":
        magnitude = abs(timestamp) // NS_PER_S
        if magnitude < 5:
            actual = "second"
        elif magnitude < 5_000:
            actual = "millisecond"
        elif magnitude < 5_000_000:
            actual = "microsecond"
        else:
            actual = "nanosecond"
    nanos = timestamp * _MULTIPLIER[actual]
    if not _I64_MIN <= nanos <= _I64_MAX:
        raise LineProtocolError(
            f"timestamp, {timestamp}, out of range for precision: "
            f"{precision.capitalize()}"
        )
    return nanos
