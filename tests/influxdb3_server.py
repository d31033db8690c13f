"""A local stand-in for the InfluxDB 3 Core HTTP API, for tests.

Stdlib only (``http.server`` + ``threading``). It answers as the InfluxDB 3
Core API reference documents, and each behaviour carries a comment naming
the section it follows. References (repository influxdata/docs-v2):

- ``api-docs/influxdb3/core/influxdb3-core-openapi.yaml`` ("openapi" below,
  info.version v3.10.0).
- ``content/shared/influxdb3-write-guides/http-api/v3-write-lp.md``
  ("v3-write-lp.md": Partial writes, Response headers).
- ``content/shared/influxdb3-write-guides/http-api/compatibility-apis.md``.
- ``content/shared/influxdb3-write-guides/troubleshoot.md``.
- ``content/shared/influxdb3-admin/databases/{_index,create,list,delete}.md``.
- ``content/shared/influxdb3-internals/data-retention.md``.
- ``content/shared/v3-line-protocol.md``.
- ``content/shared/influxdb3-query-guides/execute-queries/influxdb3-api.md``
  and ``.../influxql/parameterized-queries.md``.
- ``data/products.yml`` (limits: Core 5 databases / 2000 tables / 500
  columns; Enterprise 100 / 10000 / 500).

Where the docs are silent, the answer follows the server source
(influxdata/influxdb, ``influxdb3_server/src/http.rs`` at 3.10.0-nightly,
commit d7834110), marked "source:". Where the docs contradict themselves or
the source, ``mode="docs"`` (the default) follows the docs and
``mode="source"`` follows the server source; every such place is marked
"mode:".

Using it from pytest-homeassistant-custom-component: sockets are blocked
there, so request the ``socket_enabled`` fixture, and stop the server in the
fixture's teardown (HA's ``verify_cleanup`` fails a test that leaves
threads behind)::

    @pytest.fixture
    def influxdb3(socket_enabled: None) -> Iterator[FakeInfluxDB3]:
        with FakeInfluxDB3() as server:
            yield server

Not implemented (answered 501 so that a test cannot mistake it for the real
server): Parquet output, SQL/InfluxQL beyond ``SELECT`` with simple
``WHERE``/``ORDER BY``/``LIMIT``, ``SHOW TABLES``, ``SHOW DATABASES`` and
``SHOW RETENTION POLICIES``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
import contextlib
import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import gzip
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import io
import json
import re
import socket
import threading
import time
from types import TracebackType
from typing import Any, Literal, Self, cast
from urllib.parse import parse_qsl, urlsplit
import uuid
import zlib

__all__ = [
    "FakeInfluxDB3",
    "LineProtocolError",
    "ParsedLine",
    "RecordedRequest",
    "parse_line",
]

Mode = Literal["docs", "source"]
FieldValue = bool | int | float | str
LineRejecter = Callable[[str], str | None]
CannedResponse = tuple[int, bytes, dict[str, str]]

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

# v3-write-lp.md "Accept partial writes" / "Do not accept partial writes".
PARTIAL_WRITE_ERROR = "partial write of line protocol occurred"
REJECT_ALL_ERROR_DOCS = "parsing failed for write_lp endpoint"
# mode: the source answers accept_partial=false with this text instead
# (http.rs, WriteBufferError::ParseError arm; tests.rs write_lp_tests).
REJECT_ALL_ERROR_SOURCE = "line protocol parsing error"
# openapi: POST /write, response 400, example rejectedAllPoints.
V1_WRITE_FAILED_ERROR = "write of line protocol failed"
# source: AuthenticationError / ResourceAuthorizationError texts.
UNAUTHENTICATED = "the request was not authenticated"
MALFORMED_AUTH = (
    "Authorization header was malformed, the request was not in the form of "
    "'Authorization: <auth-scheme> <token>', supported auth-schemes are "
    "Bearer, Token and Basic"
)
FORBIDDEN = "unauthorized to perform requested action with the token"
# source: line protocol parser (core/influxdb_line_protocol) messages; the
# first one also appears in openapi POST /write 400 examples.
NO_FIELDS = "No fields were provided"
BAD_MEASUREMENT = "Invalid measurement was provided"
TAG_SET_MALFORMED = "Tag set malformed"
TRAILING_BACKSLASH = (
    "Measurements, tag keys and values, and field keys may not end with a backslash"
)
# troubleshoot.md "Handle write responses": the body lists rejected points,
# "up to 100 points".
MAX_REPORTED_REJECTIONS = 100

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_U64_MAX = 2**64 - 1
# v3-line-protocol.md "Unix timestamp": min/max timestamp.
_TS_MIN, _TS_MAX = -9223372036854775806, 9223372036854775806
_NS_PER_S = 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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
# openapi: components.schemas.CreateDatabaseRequest.properties.db.pattern.
_DB_NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$|^[a-zA-Z0-9]$")
# databases/create.md "Database naming restrictions": "Maximum 64 characters".
_DB_NAME_MAX_DOCS = 64
# source: http.rs MAXIMUM_DATABASE_NAME_LENGTH.
_DB_NAME_MAX_SOURCE = 511
# data-retention.md "Retention period duration formats": units h d w mo y,
# combinable ("30d12h"), or "none"; mo = 30 days, y = 365 days.
_RETENTION_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}
_RETENTION_UNITS["y"] = 365 * 86400
_RETENTION_RE = re.compile(r"(?:\d+(?:mo|h|d|w|y))+")
_RETENTION_PART_RE = re.compile(r"(\d+)(mo|h|d|w|y)")
# openapi: PrecisionWrite (write_lp) plus the short spellings used by the
# same document's x-codeSamples for write_lp (precision=ms, precision=ns).
_V3_PRECISIONS = {
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
_COMPAT_PRECISIONS = {
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
# openapi: components.schemas.Format ("json_lines" canonical, "jsonl" alias).
_FORMATS = {
    "json": "json",
    "jsonl": "jsonl",
    "json_lines": "jsonl",
    "csv": "csv",
    "pretty": "pretty",
    "parquet": "parquet",
}
# openapi: components.parameters.AcceptQueryHeader; source: QueryFormat
# try_from_headers.
_ACCEPT_FORMATS = {
    "application/json": "json",
    "*/*": "json",
    "application/jsonl": "jsonl",
    "text/csv": "csv",
    "text/plain": "pretty",
    "application/vnd.apache.parquet": "parquet",
}
_CONTENT_TYPES = {
    "json": "application/json",
    "jsonl": "application/jsonl",
    "csv": "text/csv",
    "pretty": "text/plain; charset=utf-8",
}


# --------------------------------------------------------------------------
# Line protocol
# --------------------------------------------------------------------------


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


def _significant_lines(body: str) -> Iterator[tuple[int, str]]:
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


def _to_nanos(timestamp: int | None, precision: str, now_ns: int) -> int:
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
        magnitude = abs(timestamp) // _NS_PER_S
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


# --------------------------------------------------------------------------
# Requests, responses
# --------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request as received (header names lower-cased, body as sent)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Request:
    method: str
    path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json_response(status: int, payload: Any) -> _Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return _Response(status, body, {"Content-Type": "application/json"})


def _error(status: int, message: str) -> _Response:
    # openapi: components.schemas.ErrorMessage {"error": ..., "data": ...}.
    return _json_response(status, {"error": message})


def _text(status: int, text: str) -> _Response:
    return _Response(
        status, text.encode(), {"Content-Type": "text/plain; charset=utf-8"}
    )


def _v2_error(status: int, code: str, message: str) -> _Response:
    # source: http.rs V2ErrorResponse {"code": ..., "message": ...}; openapi
    # gives no body for /api/v2/write errors.
    return _json_response(status, {"code": code, "message": message})


def _parse_bool(value: str) -> bool | None:
    # source: serde_urlencoded booleans accept exactly "true" / "false".
    return {"true": True, "false": False}.get(value)


@dataclass
class _Point:
    table: str
    tags: dict[str, str]
    fields: dict[str, FieldValue]
    time: int


@dataclass
class _LineError:
    original_line: str
    line_number: int
    error_message: str
    limit: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "original_line": self.original_line,
            "line_number": self.line_number,
            "error_message": self.error_message,
        }


@dataclass
class _IngestResult:
    accepted: int = 0
    errors: list[_LineError] = field(default_factory=list)
    empty: bool = False
    db_limit: str | None = None

    @property
    def limit_hit(self) -> bool:
        return any(err.limit for err in self.errors)


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------


class _UnsupportedError(Exception):
    """The fake does not implement this query form (answered 501)."""


class _QueryError(Exception):
    def __init__(self, status: int, message: str, *, as_json: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.as_json = as_json


_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|''|\\.)*')
      | (?P<qident>"(?:[^"]|"")*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|!=|<>|=|<|>|\(|\)|,|\*|;|\.)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_RFC3339_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:\d{2})?"
)


@dataclass
class _Token:
    kind: str
    text: str
    value: Any = None


@dataclass
class _Select:
    columns: list[str] | None
    count: bool
    table: str
    conditions: list[tuple[str, str, Any]]
    order_by: tuple[str, bool] | None
    limit: int | None


@dataclass
class _Show:
    what: Literal["tables", "databases", "retention policies"]
    database: str | None = None


def _tokenize(query: str, params: dict[str, Any]) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    query = query.strip()
    while pos < len(query):
        match = _TOKEN_RE.match(query, pos)
        if match is None or match.end() == pos:
            raise _UnsupportedError(f"cannot tokenize at: {query[pos:]!r}")
        pos = match.end()
        kind = cast(str, match.lastgroup)
        text = match.group(kind)
        if kind == "string":
            inner = text[1:-1].replace("''", "'").replace("\\'", "'")
            tokens.append(_Token("literal", text, inner))
        elif kind == "qident":
            tokens.append(_Token("ident", text[1:-1].replace('""', '"')))
        elif kind == "number":
            number: int | float = (
                float(text) if re.search(r"[.eE]", text) else int(text)
            )
            tokens.append(_Token("literal", text, number))
        elif kind == "param":
            # openapi: query_sql/query_influxql "params" (bind parameters).
            name = text[1:]
            if name not in params:
                raise _QueryError(
                    400,
                    "Error during planning: No value found for placeholder "
                    f"with name {text}",
                )
            tokens.append(_Token("literal", text, params[name]))
        elif kind == "ident":
            tokens.append(_Token("ident", text))
        else:
            tokens.append(_Token("op", text))
    while tokens and tokens[-1].kind == "op" and tokens[-1].text == ";":
        tokens.pop()
    return tokens


class _Cursor:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        """Consume the keywords if they come next."""
        end = self.pos + len(words)
        if end > len(self.tokens):
            return False
        for token, word in zip(self.tokens[self.pos : end], words, strict=True):
            if token.kind != "ident" or token.text.upper() != word:
                return False
        self.pos = end
        return True

    def op(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text == text:
            self.pos += 1
            return True
        return False

    def take(self, kind: str) -> _Token:
        token = self.peek()
        if token is None or token.kind != kind:
            raise _UnsupportedError(f"expected {kind} at token {self.pos}")
        self.pos += 1
        return token

    def done(self) -> bool:
        return self.pos >= len(self.tokens)


def _parse_query(
    query: str, params: dict[str, Any], *, influxql: bool
) -> _Select | _Show:
    cur = _Cursor(_tokenize(query, params))
    if any(t.kind == "op" and t.text == ";" for t in cur.tokens):
        if influxql:
            # source: http.rs Error::InfluxqlSingleStatement.
            raise _QueryError(400, "must provide only one InfluxQl statement per query")
        raise _UnsupportedError("multiple statements")
    statement: _Select | _Show
    if cur.keyword("SHOW"):
        if not influxql and cur.keyword("TABLES"):
            statement = _Show("tables")
        elif influxql and cur.keyword("DATABASES"):
            statement = _Show("databases")
        elif influxql and cur.keyword("RETENTION", "POLICIES"):
            database = cur.take("ident").text if cur.keyword("ON") else None
            statement = _Show("retention policies", database)
        else:
            raise _UnsupportedError(query)
    elif cur.keyword("SELECT"):
        statement = _parse_select(cur)
    else:
        raise _UnsupportedError(query)
    if not cur.done():
        raise _UnsupportedError(query)
    return statement


def _parse_select(cur: _Cursor) -> _Select:
    columns: list[str] | None = []
    count = False
    if cur.op("*"):
        columns = None
    elif cur.keyword("COUNT"):
        if not (cur.op("(") and cur.op("*") and cur.op(")")):
            raise _UnsupportedError("only COUNT(*) is implemented")
        count = True
        columns = None
    else:
        while True:
            cast(list[str], columns).append(cur.take("ident").text)
            if not cur.op(","):
                break
    if not cur.keyword("FROM"):
        raise _UnsupportedError("expected FROM")
    parts = [cur.take("ident").text]
    while cur.op("."):
        parts.append(cur.take("ident").text)
    if len(parts) > 1 and parts[-2].lower() in ("system", "information_schema"):
        raise _UnsupportedError("system tables")
    conditions: list[tuple[str, str, Any]] = []
    if cur.keyword("WHERE"):
        while True:
            column = cur.take("ident").text
            operator = cur.take("op").text
            if operator not in ("=", "!=", "<>", "<", "<=", ">", ">="):
                raise _UnsupportedError(f"operator {operator}")
            token = cur.peek()
            if (
                token is not None
                and token.kind == "ident"
                and token.text.lower()
                in (
                    "true",
                    "false",
                )
            ):
                cur.pos += 1
                value: Any = token.text.lower() == "true"
            else:
                value = cur.take("literal").value
            conditions.append((column, "!=" if operator == "<>" else operator, value))
            if not cur.keyword("AND"):
                break
    order_by: tuple[str, bool] | None = None
    if cur.keyword("ORDER", "BY"):
        column = cur.take("ident").text
        descending = cur.keyword("DESC")
        if not descending:
            cur.keyword("ASC")
        order_by = (column, descending)
    limit: int | None = None
    if cur.keyword("LIMIT"):
        raw = cur.take("literal").value
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise _UnsupportedError("LIMIT takes an integer")
        limit = raw
    return _Select(columns, count, parts[-1], conditions, order_by, limit)


def _parse_rfc3339(text: str) -> int | None:
    match = _RFC3339_RE.fullmatch(text)
    if match is None:
        return None
    date, hour, minute, second, frac, offset = match.groups()
    stamp = datetime.fromisoformat(
        f"{date}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    )
    stamp = stamp.replace(tzinfo=UTC)
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        stamp -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    seconds = (stamp - _EPOCH) // timedelta(seconds=1)
    return seconds * _NS_PER_S + int((frac or "").ljust(9, "0") or 0)


def _format_time(nanos: int) -> str:
    """Timestamp as the query API prints it (no zone, 0/3/6/9 fraction digits).

    openapi "Quick start": "time":"2025-02-25T20:19:34.984098";
    influxql/parameterized-queries.md: "time":"2022-01-01T09:00:00".
    """
    seconds, frac = divmod(nanos, _NS_PER_S)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if frac == 0:
        return text
    if frac % 1_000_000 == 0:
        return f"{text}.{frac // 1_000_000:03d}"
    if frac % 1_000 == 0:
        return f"{text}.{frac // 1_000:06d}"
    return f"{text}.{frac:09d}"


def _format_v1_time(nanos: int, epoch: str | None) -> int | str:
    # openapi: GET /query "epoch" (ns, u, µ, ms, s, m, h) or RFC3339.
    if epoch:
        divisor = {
            "ns": 1,
            "u": 1_000,
            "µ": 1_000,
            "ms": 1_000_000,
            "s": _NS_PER_S,
            "m": 60 * _NS_PER_S,
            "h": 3600 * _NS_PER_S,
        }[epoch]
        return nanos // divisor
    seconds, frac = divmod(nanos, _NS_PER_S)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def _compare(actual: Any, operator: str, expected: Any) -> bool:
    if actual is None:
        return False
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False
    if isinstance(actual, str) != isinstance(expected, str):
        return False
    if operator == "=":
        return bool(actual == expected)
    if operator == "!=":
        return bool(actual != expected)
    if isinstance(actual, bool):
        return False
    if operator == "<":
        return bool(actual < expected)
    if operator == "<=":
        return bool(actual <= expected)
    if operator == ">":
        return bool(actual > expected)
    return bool(actual >= expected)


def _render(columns: list[str], rows: list[dict[str, Any]], fmt: str) -> bytes:
    """Render rows in a query output format.

    influxdb3-api.md / influxql/parameterized-queries.md: "json" is an array
    of row objects, "jsonl" one object per line. Null values are left out of
    JSON rows (source: arrow JSON writer); CSV has a header line
    (source tests.rs: "host,time,val").
    """
    if fmt == "json":
        return json.dumps(rows, separators=(",", ":")).encode()
    if fmt == "jsonl":
        return "".join(
            json.dumps(row, separators=(",", ":")) + "\n" for row in rows
        ).encode()

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row.get(column)) for column in columns])
        return buffer.getvalue().encode()
    # "pretty": an ASCII table (databases/list.md "pretty" example).
    table = [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max([len(column)] + [len(line[k]) for line in table])
        for k, column in enumerate(columns)
    ]
    rule = "+" + "+".join("-" * (width + 2) for width in widths) + "+"

    def line_of(values: list[str]) -> str:
        return (
            "| "
            + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True))
            + " |"
        )

    out = [rule, line_of(columns), rule]
    out.extend(line_of(values) for values in table)
    if table:
        out.append(rule)
    return ("\n".join(out) + "\n").encode()


def _parse_retention(value: str) -> int | None:
    """Seconds of a retention period; None means infinite.

    data-retention.md "Retention period duration formats". Raises ValueError.
    """
    if value == "none":
        return None
    if not _RETENTION_RE.fullmatch(value):
        raise ValueError(value)
    return sum(
        int(number) * _RETENTION_UNITS[unit]
        for number, unit in _RETENTION_PART_RE.findall(value)
    )


def _format_v1_duration(seconds: int | None) -> str:
    # source: RetentionPeriod::format_v1 ("0s" = infinite, else "{h}h{m}m{s}s").
    if not seconds:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    # Handler threads are not daemons, so ThreadingMixIn tracks them and
    # server_close() joins them (it ignores daemon threads); stop() first
    # shuts their sockets down so that idle keep-alive connections end.
    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeInfluxDB3) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Registered here, in the serving thread, so that no connection
        # accepted before shutdown() returns can escape stop().
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about connections dropped while stopping."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """No access log."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(
                    self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16
                )
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        fake = cast(_Server, self.server).fake
        if fake.delay:
            # Test hook, not API behaviour: a server slow to answer.
            time.sleep(fake.delay)
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > fake.max_request_bytes:
            # openapi: write endpoints, response 413 "Request entity too large";
            # source text: "max request size ({n} bytes) exceeded".
            self.close_connection = True
            response = _text(
                413, f"max request size ({fake.max_request_bytes} bytes) exceeded"
            )
            self._send(fake, response)
            return
        request = _Request(
            method=self.command,
            path=split.path,
            raw_query=split.query,
            query=dict(reversed(parse_qsl(split.query, keep_blank_values=True))),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self._read_body(),
        )
        self._send(fake, fake.handle(request))

    def _send(self, fake: FakeInfluxDB3, response: _Response) -> None:
        self.send_response(response.status)
        headers = dict(response.headers)
        # v3-write-lp.md "Response headers": cluster-uuid on all responses.
        headers.setdefault("cluster-uuid", fake.cluster_uuid)
        for key, value in headers.items():
            self.send_header(key, value)
        # RFC 9110: no Content-Length on 204.
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status != 204:
            self.wfile.write(response.body)

    do_GET = _dispatch  # noqa: N815
    do_POST = _dispatch  # noqa: N815
    do_PUT = _dispatch  # noqa: N815
    do_PATCH = _dispatch  # noqa: N815
    do_DELETE = _dispatch  # noqa: N815
    do_HEAD = _dispatch  # noqa: N815
    do_OPTIONS = _dispatch  # noqa: N815


# --------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------

AuthScope = Literal["v3", "v2", "v1"]


class FakeInfluxDB3:
    """A fake InfluxDB 3 Core (or Enterprise) server on 127.0.0.1.

    State is public and may be read or pre-seeded by tests:

    - ``databases``: name -> retention period as given at creation, or None.
    - ``tables``: database -> accepted line protocol lines, in order.
    - ``column_types``: (database, table) -> column -> ``iox::column_type::*``.
    - ``requests``: every request received, in order.
    - ``reject_lines``: a predicate ``line -> error message | None`` or a set
      of lines; a rejected line is reported as the server reports a bad line.
    - ``fail_next``: canned ``(status, body, headers)`` answers, one per
      request, served before anything else (auth included).
    - ``allow_create``: False -> ``POST /api/v3/configure/database`` answers
      403 (the token lacks the permission).
    - ``unauthenticated_paths``: paths that skip auth (``--disable-authz``).
    - ``now_ns``: the clock for default timestamps and retention.

    Queries read points kept alongside ``tables``; to seed data that queries
    must see, use `ingest` (lines put straight into ``tables`` are not
    parsed).
    """

    def __init__(
        self,
        *,
        token: str = "apiv3_test-token",  # noqa: S107
        build: str = "Core",
        version: str = "3.11.0",
        mode: Mode = "docs",
    ) -> None:
        self.token = token
        self.build = build
        self.version = version
        self.mode: Mode = mode
        self.revision = "fake000000"
        self.process_id = str(uuid.uuid4())
        self.cluster_uuid = str(uuid.uuid4())
        self.url = ""
        self.databases: dict[str, str | None] = {}
        self.tables: dict[str, list[str]] = {}
        self.column_types: dict[tuple[str, str], dict[str, str]] = {}
        self.requests: list[RecordedRequest] = []
        self.reject_lines: LineRejecter | set[str] | None = None
        self.fail_next: list[CannedResponse] = []
        self.allow_create = True
        # Seconds every answer waits (a slow server, for client timeouts).
        self.delay = 0.0
        self.unauthenticated_paths: set[str] = set()
        enterprise = build == "Enterprise"
        # data/products.yml limits (databases/_index.md "Database, table,
        # and column limits").
        self.max_databases = 100 if enterprise else 5
        self.max_tables = 10000 if enterprise else 2000
        self.max_columns_per_table = 500
        # Default --max-http-request-size (source: 10 MiB).
        self.max_request_bytes = 10 * 1024 * 1024
        self.now_ns: Callable[[], int] = time.time_ns
        self.lock = threading.RLock()
        self._points: dict[str, list[_Point]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Listen on 127.0.0.1 on a free port; sets ``url``."""
        if self._server is not None:
            return
        server = _Server(self)
        host, port = server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeInfluxDB3",
            daemon=True,
        )
        self._server, self._thread = server, thread
        thread.start()

    def stop(self) -> None:
        """Stop listening, drop open connections, join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        with server.connections_lock:
            connections = list(server.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        thread.join()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- helpers for tests -------------------------------------------------

    def ingest(
        self, db: str, body: str, precision: str = "auto"
    ) -> list[dict[str, Any]]:
        """Write line protocol as ``write_lp`` with accept_partial would.

        Returns the rejected lines (empty when all were stored).
        """
        result = self._ingest(
            db, body, precision=_V3_PRECISIONS[precision], accept_partial=True
        )
        return [err.as_json() for err in result.errors]

    def rows(self, db: str, table: str) -> list[dict[str, Any]]:
        """Stored rows (duplicates merged, retention not applied)."""
        with self.lock:
            return [
                dict(row) for row in self._merged_rows(db, table, apply_retention=False)
            ]

    # -- dispatch ----------------------------------------------------------

    def handle(self, request: _Request) -> _Response:
        with self.lock:
            self.requests.append(
                RecordedRequest(
                    request.method,
                    request.path,
                    dict(request.query),
                    dict(request.headers),
                    request.body,
                )
            )
            if self.fail_next:
                status, body, headers = self.fail_next.pop(0)
                return _Response(status, body, dict(headers))
        if request.method == "OPTIONS":
            # v3-write-lp.md "cluster-uuid" lists CORS preflight requests;
            # source: 204 with permissive CORS headers, before auth.
            return _Response(
                204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": "*",
                    "Access-Control-Allow-Headers": "*",
                    "Access-Control-Max-Age": "86400",
                },
            )
        route = self._route(request.method, request.path)
        scope: AuthScope = route[1] if route else "v3"
        if request.path not in self.unauthenticated_paths:
            denied = self._authenticate(request, scope)
            if denied is not None:
                return denied
        if route is None:
            # openapi: GET /ping 404 for HEAD. source: any unrouted method or
            # path -> 404 "Not found" (after authentication).
            return _text(404, "Not found")
        return route[0](request)

    def _route(
        self, method: str, path: str
    ) -> tuple[Callable[[_Request], _Response], AuthScope] | None:
        table: dict[
            tuple[str, str], tuple[Callable[[_Request], _Response], AuthScope]
        ] = {
            # openapi: GET /ping, POST /ping ("Accepts POST in addition to GET").
            ("GET", "/ping"): (self._ping, "v3"),
            ("POST", "/ping"): (self._ping, "v3"),
            # openapi: GET /health, GET /api/v1/health.
            ("GET", "/health"): (self._health, "v3"),
            ("GET", "/api/v1/health"): (self._health, "v3"),
            # openapi: GET /metrics.
            ("GET", "/metrics"): (self._metrics, "v3"),
            ("POST", "/api/v3/write_lp"): (self._write_lp, "v3"),
            ("POST", "/api/v2/write"): (self._write_v2, "v2"),
            ("POST", "/write"): (self._write_v1, "v1"),
            ("GET", "/api/v3/query_sql"): (self._query_sql, "v3"),
            ("POST", "/api/v3/query_sql"): (self._query_sql, "v3"),
            ("GET", "/api/v3/query_influxql"): (self._query_influxql, "v3"),
            ("POST", "/api/v3/query_influxql"): (self._query_influxql, "v3"),
            ("GET", "/query"): (self._query_v1, "v1"),
            ("POST", "/query"): (self._query_v1, "v1"),
            ("GET", "/api/v3/configure/database"): (self._list_databases, "v3"),
            ("POST", "/api/v3/configure/database"): (self._create_database, "v3"),
            ("DELETE", "/api/v3/configure/database"): (self._delete_database, "v3"),
        }
        return table.get((method, path))

    def _authenticate(self, request: _Request, scope: AuthScope) -> _Response | None:
        """Check the token.

        openapi "Authentication" tag: Bearer works with all endpoints; Token
        with v1 and v2 endpoints; Basic and the ``p`` query parameter with v1
        endpoints (/write, /query). Failure: 401, body
        components.responses.Unauthorized (ErrorMessage JSON); the text is
        the source's. mode: the source accepts Bearer, Token and Basic on
        every route.
        """
        unauthorized = _error(401, UNAUTHENTICATED)
        if scope == "v1" and "p" in request.query:
            # openapi: securitySchemes.QuerystringAuthentication.
            return None if request.query["p"] == self.token else unauthorized
        header = request.headers.get("authorization")
        if header is None:
            return unauthorized
        parts = header.split(" ")
        if len(parts) != 2 or parts[0] not in ("Bearer", "Token", "Basic"):
            # source: AuthenticationError::MalformedRequest -> 400.
            return _error(400, MALFORMED_AUTH)
        scheme, credential = parts
        strict = self.mode == "docs"
        if scheme == "Token" and strict and scope == "v3":
            return unauthorized
        if scheme == "Basic":
            if strict and scope != "v1":
                return unauthorized
            # openapi: securitySchemes.BasicAuthentication (username ignored).
            try:
                decoded = base64.b64decode(credential, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return _error(400, MALFORMED_AUTH)
            if ":" not in decoded:
                return _error(400, MALFORMED_AUTH)
            credential = decoded.rsplit(":", 1)[1]
        return None if credential == self.token else unauthorized

    # -- server information ------------------------------------------------

    def _ping(self, request: _Request) -> _Response:
        # openapi: GET /ping, response 200: headers x-influxdb-version and
        # x-influxdb-build, JSON body {version, revision, process_id}.
        response = _json_response(
            200,
            {
                "version": self.version,
                "revision": self.revision,
                "process_id": self.process_id,
            },
        )
        response.headers["x-influxdb-version"] = self.version
        response.headers["x-influxdb-build"] = self.build
        return response

    def _health(self, request: _Request) -> _Response:
        # openapi: GET /health, response 200 text/plain "OK".
        return _text(200, "OK")

    def _metrics(self, request: _Request) -> _Response:
        # openapi: GET /metrics (Prometheus text); source ends with "# EOF".
        return _Response(
            200,
            b"# EOF\n",
            {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
        )

    # -- databases ---------------------------------------------------------

    def _db_name_error(self, name: str) -> str | None:
        """Validate a database name.

        mode "docs": openapi CreateDatabaseRequest.db pattern (letters,
        digits, hyphens; "Database names cannot contain underscores") and
        databases/create.md "Maximum 64 characters". mode "source":
        http.rs validate_db_name (underscores and one '/' allowed, 511 max).
        """
        if not name:
            return "db name cannot be empty"
        if not name[0].isascii() or not name[0].isalnum():
            return "db name did not start with a number or letter"
        if self.mode == "docs":
            if len(name) > _DB_NAME_MAX_DOCS:
                return f"db name too long: max {_DB_NAME_MAX_DOCS}"
            if not _DB_NAME_RE.fullmatch(name):
                return (
                    "invalid character in database name: must be ASCII letters, "
                    "numbers or hyphens, starting and ending with a letter or "
                    "number (database names cannot contain underscores)"
                )
            return None
        if len(name) > _DB_NAME_MAX_SOURCE:
            return f"db name too long: max {_DB_NAME_MAX_SOURCE}"
        if name.count("/") > 1 or name.endswith("/"):
            return (
                "db name with invalid retention policy, if providing a retention "
                "policy name, must be of form '<db_name>/<rp_name>'"
            )
        if not re.fullmatch(r"[A-Za-z0-9_\-/]*", name):
            return (
                "invalid character in database or rp name: must be ASCII, "
                "containing only letters, numbers, underscores, or hyphens"
            )
        return None

    def _create_database(self, request: _Request) -> _Response:
        """openapi: POST /api/v3/configure/database (PostConfigureDatabase)."""
        if not self.allow_create:
            # The openapi lists no 403 here; "Access denied" 403 is what it
            # gives on write/query endpoints and what the source answers
            # (ResourceAuthorizationError::Unauthorized -> 403).
            return _error(403, FORBIDDEN)
        try:
            payload = json.loads(request.body or b"null")
        except ValueError as err:
            # openapi: 400 "Bad request"; source text "serde json error: ...".
            return _text(400, f"serde json error: {err}")
        if not isinstance(payload, dict) or not isinstance(payload.get("db"), str):
            return _text(400, "serde json error: missing field `db`")
        name: str = payload["db"]
        retention = payload.get("retention_period")
        if retention is not None:
            if not isinstance(retention, str):
                return _text(400, "serde json error: retention_period must be a string")
            try:
                _parse_retention(retention)
            except ValueError:
                return _text(
                    400,
                    f"serde json error: invalid retention period {retention!r}: "
                    "use <number><unit> with units h, d, w, mo, y (combinable), "
                    "or none",
                )
        problem = self._db_name_error(name)
        if problem is not None:
            # source: ValidateDbNameError -> 400 ErrorMessage JSON.
            return _error(400, problem)
        with self.lock:
            if name in self.databases:
                # openapi: 409 "Database already exists."; source text.
                return _text(409, "attempted to create a resource that already exists")
            if len(self.databases) >= self.max_databases:
                # databases/_index.md "Database limit"; source: 422 JSON.
                return _error(
                    422,
                    f"Adding a new database would exceed limit of {self.max_databases} databases",
                )
            self.databases[name] = retention
            self.tables.setdefault(name, [])
        # openapi: 200 "Success. Database created." (empty body, source).
        return _Response(200)

    def _list_databases(self, request: _Request) -> _Response:
        """openapi: GET /api/v3/configure/database (GetConfigureDatabase).

        databases/list.md "List databases using the HTTP API": format=json
        gives ``[{"iox::database": "home"}, ...]`` (the openapi schema
        ShowDatabasesResponse says ``{"databases": [...]}``; the guide and
        the source agree on the former). Retention periods are not part of
        this list (use SHOW RETENTION POLICIES).
        """
        fmt_name = request.query.get("format")
        if fmt_name is None:
            # openapi: parameter "format" required (formatRequired).
            return _text(400, "serde error: missing field `format`")
        fmt = _FORMATS.get(fmt_name)
        if fmt is None:
            return _text(400, f"serde error: unknown variant `{fmt_name}`")
        if fmt == "parquet":
            return _text(501, "FakeInfluxDB3 does not implement parquet output")
        with self.lock:
            names = sorted(self.databases)
        rows = [{"iox::database": name} for name in names]
        return _Response(
            200,
            _render(["iox::database"], rows, fmt),
            {"Content-Type": _CONTENT_TYPES[fmt]},
        )

    def _delete_database(self, request: _Request) -> _Response:
        """openapi: DELETE /api/v3/configure/database: 200, 404 not found.

        The server soft-deletes; the fake forgets the database.
        """
        name = request.query.get("db")
        if name is None:
            return _text(400, "serde error: missing field `db`")
        with self.lock:
            if name not in self.databases:
                return _text(404, f"Database not found {name}")
            del self.databases[name]
            self.tables.pop(name, None)
            self._points.pop(name, None)
            for key in [key for key in self.column_types if key[0] == name]:
                del self.column_types[key]
        return _Response(200)

    # -- writes ------------------------------------------------------------

    def _decode_body(self, request: _Request) -> tuple[str | None, _Response | None]:
        """Gunzip and decode a line protocol body.

        openapi: components.schemas.ContentEncoding (gzip, identity;
        multi-member gzip supported). Errors: source texts.
        """
        encoding = request.headers.get("content-encoding", "identity")
        body = request.body
        if encoding == "gzip":
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error) as err:
                return None, _text(400, f"error decoding gzip stream: {err}")
            if len(body) > self.max_request_bytes:
                return None, _text(
                    413, f"max request size ({self.max_request_bytes} bytes) exceeded"
                )
        elif encoding != "identity":
            return None, _text(400, f"unacceptable content-encoding: {encoding}")
        try:
            return body.decode("utf-8"), None
        except UnicodeDecodeError as err:
            return None, _text(400, f"body content is not valid utf8: {err}")

    def _ingest(
        self, db: str, body: str, *, precision: str, accept_partial: bool
    ) -> _IngestResult:
        """Validate and store a batch (the write_lp semantics).

        get-started/write.md and openapi dbWriteParam: the database is
        created if it does not exist (here: only once a line is stored).
        v3-write-lp.md "Partial writes": with accept_partial the good lines
        are stored and the bad ones reported; without it one bad line
        rejects the batch. get-started/write.md "schema-on-write": a column
        keeps its first type; a line that conflicts is rejected.
        """
        result = _IngestResult()
        with self.lock:
            lines = list(_significant_lines(body))
            if not lines:
                result.empty = True
                return result
            if db not in self.databases and len(self.databases) >= self.max_databases:
                result.db_limit = f"Adding a new database would exceed limit of {self.max_databases} databases"
                return result
            schema = {
                table: dict(columns)
                for (name, table), columns in self.column_types.items()
                if name == db
            }
            other_tables = sum(1 for (name, _table) in self.column_types if name != db)
            now = self.now_ns()
            accepted: list[tuple[str, _Point]] = []
            for number, line in lines:
                try:
                    point = self._validate_line(
                        line, schema, other_tables, precision, now
                    )
                except _LimitError as err:
                    result.errors.append(_LineError(line, number, str(err), limit=True))
                except LineProtocolError as err:
                    result.errors.append(_LineError(line, number, str(err)))
                else:
                    accepted.append((line, point))
                    continue
                if not accept_partial:
                    return result
            if not accepted:
                return result
            result.accepted = len(accepted)
            self.databases.setdefault(db, None)
            stored = self.tables.setdefault(db, [])
            points = self._points.setdefault(db, [])
            for line, point in accepted:
                stored.append(line)
                points.append(point)
            for table, columns in schema.items():
                self.column_types[(db, table)] = columns
        return result

    def _validate_line(
        self,
        line: str,
        schema: dict[str, dict[str, str]],
        other_tables: int,
        precision: str,
        now: int,
    ) -> _Point:
        parsed = parse_line(line)
        if self.reject_lines is not None:
            if callable(self.reject_lines):
                message = self.reject_lines(line)
            else:
                message = (
                    "rejected by FakeInfluxDB3.reject_lines"
                    if line in self.reject_lines
                    else None
                )
            if message is not None:
                raise LineProtocolError(message)
        table = parsed.measurement
        if table not in schema and other_tables + len(schema) >= self.max_tables:
            # databases/_index.md "Table limit"; source CatalogError text.
            raise _LimitError(
                "Update to schema would exceed number of tables limit: attempted to "
                f"create table but already have {other_tables + len(schema)} table(s) "
                f"(limit: {self.max_tables})"
            )
        columns = dict(schema.get(table, {}))
        wanted = [(key, TAG) for key in parsed.tags]
        wanted += [(key, kind) for key, (kind, _value) in parsed.fields.items()]
        wanted.append(("time", TIMESTAMP))
        for column, kind in wanted:
            existing = columns.setdefault(column, kind)
            if existing != kind:
                # v3-write-lp.md "Accept partial writes" message.
                raise LineProtocolError(
                    f"invalid column type for column '{column}', expected {existing}, got {kind}"
                )
        if len(columns) > self.max_columns_per_table:
            # databases/_index.md "Column limit" (time included).
            raise _LimitError(
                "Update to schema would exceed number of columns per table limit of "
                f"{self.max_columns_per_table} columns"
            )
        nanos = _to_nanos(parsed.timestamp, precision, now)
        schema[table] = columns
        return _Point(
            table,
            dict(parsed.tags),
            {key: value for key, (_kind, value) in parsed.fields.items()},
            nanos,
        )

    def _write_lp(self, request: _Request) -> _Response:
        """openapi: POST /api/v3/write_lp (PostWriteLP)."""
        query = request.query
        if not request.raw_query:
            return _text(400, "missing query parameter 'db'")
        if "db" not in query:
            return _text(400, "serde error: missing field `db`")
        precision = _V3_PRECISIONS.get(query.get("precision", "auto"))
        if precision is None:
            # openapi: components.schemas.PrecisionWrite enum -> 400.
            return _text(
                400,
                f"serde error: unknown variant `{query['precision']}`, expected one of "
                "`auto`, `second`, `millisecond`, `microsecond`, `nanosecond`",
            )
        flags: dict[str, bool] = {}
        for name in ("accept_partial", "no_sync"):
            if name in query:
                value = _parse_bool(query[name])
                if value is None:
                    return _text(
                        400, "serde error: provided string was not `true` or `false`"
                    )
                flags[name] = value
        # openapi: components.schemas.AcceptPartial default true.
        accept_partial = flags.get("accept_partial", True)
        db = query["db"]
        problem = self._db_name_error(db)
        if problem is not None:
            return _error(400, problem)
        body, failure = self._decode_body(request)
        if body is None:
            return cast(_Response, failure)
        result = self._ingest(
            db, body, precision=precision, accept_partial=accept_partial
        )
        if result.empty:
            # source: WriteBufferError::EmptyWrite -> 400.
            return _text(400, "incoming write was empty")
        if result.db_limit is not None:
            # databases/_index.md "Database limit"; openapi write_lp 422.
            return _error(422, result.db_limit)
        if not result.errors:
            # openapi: 204 "All data in the batch is written and queryable".
            return _Response(204)
        # source: a schema limit among the rejections turns 400 into 422
        # (openapi write_lp lists 422 "Unprocessable entity").
        status = 422 if result.limit_hit else 400
        if accept_partial:
            errors = result.errors
            if self.mode == "docs":
                errors = errors[:MAX_REPORTED_REJECTIONS]
            return _json_response(
                status,
                {
                    "error": PARTIAL_WRITE_ERROR,
                    "data": [err.as_json() for err in errors],
                },
            )
        text = REJECT_ALL_ERROR_DOCS if self.mode == "docs" else REJECT_ALL_ERROR_SOURCE
        return _json_response(
            status, {"error": text, "data": result.errors[0].as_json()}
        )

    def _write_v2(self, request: _Request) -> _Response:
        """openapi: POST /api/v2/write (PostV2Write).

        Parameters bucket (required; org ignored), precision
        (PrecisionWriteCompatibility, default ns), accept_partial (default
        true). The openapi gives no error body; errors use the v2 shape
        {"code", "message"} (source V2ErrorResponse). mode "source": the
        server ignores accept_partial here and rejects the whole batch
        (influxdb3_types http.rs: "legacy behaviour was to not accept
        partial").
        """
        query = request.query
        if not request.raw_query:
            return _v2_error(400, "invalid", "no org/bucket destination provided")
        precision = _COMPAT_PRECISIONS.get(query.get("precision", "ns"))
        if precision is None:
            return _v2_error(
                400,
                "invalid",
                "failed to deserialize org/bucket/precision in request: unknown variant "
                f"`{query['precision']}`, expected one of `second`, `millisecond`, "
                "`microsecond`, `nanosecond`",
            )
        bucket = query.get("bucket", "")
        if not bucket:
            return _v2_error(400, "invalid", "missing bucket value")
        accept_partial = True
        if self.mode == "source":
            accept_partial = False
        elif "accept_partial" in query:
            value = _parse_bool(query["accept_partial"])
            if value is None:
                return _v2_error(
                    400, "invalid", "provided string was not `true` or `false`"
                )
            accept_partial = value
        problem = self._db_name_error(bucket)
        if problem is not None:
            return _v2_error(400, "invalid", problem)
        body, failure = self._decode_body(request)
        if body is None:
            failure = cast(_Response, failure)
            return _v2_error(failure.status, "invalid", failure.body.decode())
        result = self._ingest(
            bucket, body, precision=precision, accept_partial=accept_partial
        )
        if result.empty:
            return _v2_error(
                400, "invalid", "write buffer error: incoming write was empty"
            )
        if result.db_limit is not None:
            return _v2_error(400, "invalid", result.db_limit)
        if not result.errors:
            # openapi: 204 "All data in the batch is written and queryable".
            return _Response(204)
        if self.mode == "source":
            first = result.errors[0]
            return _v2_error(
                400,
                "invalid",
                f"write buffer error: line protocol parse failed: {first.error_message}",
            )
        details = "; ".join(
            f"line {err.line_number}: {err.error_message}" for err in result.errors
        )
        headline = PARTIAL_WRITE_ERROR if accept_partial else REJECT_ALL_ERROR_DOCS
        return _v2_error(400, "invalid", f"{headline}: {details}")

    def _write_v1(self, request: _Request) -> _Response:
        """openapi: POST /write (PostV1Write).

        Parameters db (required), precision (PrecisionWriteCompatibility),
        rp ("honored but discouraged": stored as db/rp, databases/create.md
        "InfluxQL DBRP naming convention"). Response 400 bodies: the
        documented examples rejectedAllPoints / partialWriteErrorWithRejected
        Points. mode "source": whole batch rejected, {"error": "line protocol
        parsing error", "data": {...}}.
        """
        query = request.query
        if not request.raw_query or "db" not in query:
            return _error(400, "no db destination provided")
        precision = _COMPAT_PRECISIONS.get(query.get("precision", "ns"))
        if precision is None:
            return _error(
                400,
                "failed to deserialize db/rp/precision in request: unknown variant "
                f"`{query['precision']}`",
            )
        db = query["db"]
        rp = query.get("rp", "").lower()
        if rp not in ("", "''", "autogen", "default"):
            db = f"{db}/{rp}"
        problem = self._db_name_error(db)
        if problem is not None:
            return _error(400, problem)
        body, failure = self._decode_body(request)
        if body is None:
            return cast(_Response, failure)
        accept_partial = self.mode == "docs"
        result = self._ingest(
            db, body, precision=precision, accept_partial=accept_partial
        )
        if result.empty:
            return _text(400, "incoming write was empty")
        if result.db_limit is not None:
            return _error(422, result.db_limit)
        if not result.errors:
            return _Response(204)
        if self.mode == "source":
            return _json_response(
                400,
                {"error": REJECT_ALL_ERROR_SOURCE, "data": result.errors[0].as_json()},
            )
        headline = PARTIAL_WRITE_ERROR if result.accepted else V1_WRITE_FAILED_ERROR
        errors = result.errors[:MAX_REPORTED_REJECTIONS]
        return _json_response(
            400, {"error": headline, "data": [err.as_json() for err in errors]}
        )

    # -- queries -----------------------------------------------------------

    def _merged_rows(
        self, db: str, table: str, *, apply_retention: bool
    ) -> list[dict[str, Any]]:
        """Rows of a table, oldest first.

        v3-line-protocol.md "Duplicate points": same table, tag set and
        timestamp -> union of the field sets, conflicts favour the newer
        write (Core warns this is not deterministic; the fake is).
        data-retention.md "Database retention period": points older than
        the retention period are filtered out of query results.
        """
        cutoff: int | None = None
        if apply_retention:
            retention = self.databases.get(db)
            seconds = _parse_retention(retention) if retention else None
            if seconds is not None:
                cutoff = self.now_ns() - seconds * _NS_PER_S
        merged: dict[tuple[tuple[tuple[str, str], ...], int], dict[str, Any]] = {}
        for point in self._points.get(db, []):
            if point.table != table or (cutoff is not None and point.time < cutoff):
                continue
            key = (tuple(sorted(point.tags.items())), point.time)
            row = merged.setdefault(key, {**point.tags, "time": point.time})
            row.update(point.fields)
        return [merged[key] for key in sorted(merged, key=lambda k: (k[1], k[0]))]

    def _select(
        self,
        db: str,
        statement: _Select,
        *,
        influxql: bool,
        render_time: Callable[[int], Any] = _format_time,
    ) -> tuple[list[str], list[dict[str, Any]]]:
        schema = self.column_types.get((db, statement.table))
        if schema is None:
            if influxql:
                # InfluxQL answers an unknown measurement with no rows.
                return [], []
            # source: DataFusion planning error -> 400.
            raise _QueryError(
                400,
                f"Error during planning: table 'public.iox.{statement.table}' not found",
            )
        known = set(schema)
        for column in (
            [c for c, _op, _v in statement.conditions]
            + ([statement.order_by[0]] if statement.order_by else [])
            + (statement.columns or [])
        ):
            if column not in known:
                raise _QueryError(400, f"Schema error: No field named {column}.")
        rows = self._merged_rows(db, statement.table, apply_retention=True)
        for column, operator, literal in statement.conditions:
            expected = literal
            if column == "time" and isinstance(literal, str):
                expected = _parse_rfc3339(literal)
                if expected is None:
                    raise _QueryError(400, f"Cannot parse the timestamp: {literal}")
            rows = [
                row for row in rows if _compare(row.get(column), operator, expected)
            ]
        if statement.order_by is not None:
            column, descending = statement.order_by
            present = [row for row in rows if row.get(column) is not None]
            missing = [row for row in rows if row.get(column) is None]
            present.sort(key=lambda row: row[column], reverse=descending)
            rows = present + missing
        if statement.count:
            if influxql:
                raise _UnsupportedError("InfluxQL COUNT")
            return ["count(*)"], [{"count(*)": len(rows)}][: statement.limit]
        if statement.limit is not None:
            rows = rows[: statement.limit]
        if statement.columns is None:
            # openapi "Quick start" and influxdb3-api.md: SQL SELECT * lists
            # columns by name (time included); InfluxQL puts
            # iox::measurement and time first (parameterized-queries.md).
            columns = sorted(known)
            if influxql:
                columns = ["time"] + [c for c in columns if c != "time"]
        else:
            columns = list(statement.columns)
            if influxql and "time" not in columns:
                columns = ["time", *columns]
        if influxql:
            columns = ["iox::measurement", *columns]
        out: list[dict[str, Any]] = []
        for row in rows:
            record: dict[str, Any] = {}
            for column in columns:
                if column == "iox::measurement":
                    record[column] = statement.table
                elif column == "time":
                    record[column] = render_time(row["time"])
                elif row.get(column) is not None:
                    record[column] = row[column]
            out.append(record)
        return columns, out

    def _query_params(
        self, request: _Request
    ) -> tuple[dict[str, Any], _Response | None]:
        """Read db, q, format, params from a GET query string or POST JSON.

        openapi: GET/POST /api/v3/query_sql and /api/v3/query_influxql
        (QueryRequestObject for POST).
        """
        if request.method == "GET":
            if not request.raw_query:
                return {}, _text(400, "missing query parameters 'db' and 'q'")
            values: dict[str, Any] = dict(request.query)
            if "params" in values:
                try:
                    values["params"] = json.loads(values["params"])
                except ValueError as err:
                    return {}, _text(400, f"serde json error: {err}")
            return values, None
        try:
            payload = json.loads(request.body or b"null")
        except ValueError as err:
            return {}, _text(400, f"serde json error: {err}")
        if not isinstance(payload, dict):
            return {}, _text(400, "serde json error: expected a JSON object")
        return payload, None

    def _query_format(
        self, request: _Request, values: dict[str, Any]
    ) -> tuple[str | None, _Response | None]:
        raw = values.get("format")
        if raw is None:
            accept = (
                request.headers.get("accept", "application/json").split(";")[0].strip()
            )
            fmt = _ACCEPT_FORMATS.get(accept)
            if fmt is None:
                return None, _text(400, f"invalid mime type ({accept})")
        else:
            fmt = _FORMATS.get(str(raw))
            if fmt is None:
                return None, _text(
                    400,
                    f"serde error: unknown variant `{raw}`, expected one of `parquet`, "
                    "`csv`, `pretty`, `json`, `json_lines`",
                )
        if fmt == "parquet":
            return None, _text(501, "FakeInfluxDB3 does not implement parquet output")
        return fmt, None

    def _run_v3_query(self, request: _Request, *, influxql: bool) -> _Response:
        values, failure = self._query_params(request)
        if failure is not None:
            return failure
        if "q" not in values:
            return _text(400, "serde error: missing field `q`")
        db = values.get("db")
        if db is not None:
            db = str(db)
        if not influxql and db is None:
            # openapi: query_sql "db" required.
            return _text(400, "serde error: missing field `db`")
        fmt, failure = self._query_format(request, values)
        if fmt is None:
            return cast(_Response, failure)
        params = values.get("params") or {}
        if not isinstance(params, dict):
            return _text(400, "serde json error: params must be an object")
        try:
            statement = _parse_query(str(values["q"]), params, influxql=influxql)
            with self.lock:
                columns, rows = self._execute(statement, db, influxql=influxql)
        except _UnsupportedError as err:
            return _text(501, f"FakeInfluxDB3 does not implement this query: {err}")
        except _QueryError as err:
            return (
                _error(err.status, err.message)
                if err.as_json
                else _text(err.status, err.message)
            )
        return _Response(
            200, _render(columns, rows, fmt), {"Content-Type": _CONTENT_TYPES[fmt]}
        )

    def _execute(
        self, statement: _Select | _Show, db: str | None, *, influxql: bool
    ) -> tuple[list[str], list[dict[str, Any]]]:
        if isinstance(statement, _Show) and statement.what == "databases":
            # source: show_databases(include_deleted=true) columns.
            names = sorted(self.databases)
            return ["iox::database", "deleted"], [
                {"iox::database": name, "deleted": False} for name in names
            ]
        if isinstance(statement, _Show) and statement.what == "retention policies":
            # source: show_retention_policies: iox::database, name, duration.
            target = statement.database or db
            names = [target] if target else sorted(self.databases)
            rows = []
            for name in names:
                if name not in self.databases:
                    raise _QueryError(
                        404, f"query error: database not found: {name}", as_json=True
                    )
                retention = self.databases[name]
                database, _sep, rp = name.partition("/")
                rows.append(
                    {
                        "iox::database": database,
                        "name": rp or "autogen",
                        "duration": _format_v1_duration(
                            _parse_retention(retention) if retention else None
                        ),
                    }
                )
            return ["iox::database", "name", "duration"], rows
        if db is None:
            # source: Error::InfluxqlNoDatabase.
            raise _QueryError(
                400,
                "must specify a 'db' parameter, or provide the database in the InfluxQL query",
            )
        if db not in self.databases:
            # openapi: query_sql / query_influxql response 404 "Database not
            # found."; source body {"error": "query error: database not found: x"}.
            raise _QueryError(
                404, f"query error: database not found: {db}", as_json=True
            )
        if isinstance(statement, _Show):
            # influxdb3-api.md "Show tables" (user tables only here).
            tables = sorted(t for (name, t) in self.column_types if name == db)
            columns = ["table_catalog", "table_schema", "table_name", "table_type"]
            return columns, [
                {
                    "table_catalog": "public",
                    "table_schema": "iox",
                    "table_name": t,
                    "table_type": "BASE TABLE",
                }
                for t in tables
            ]
        return self._select(db, statement, influxql=influxql)

    def _query_sql(self, request: _Request) -> _Response:
        """openapi: GET|POST /api/v3/query_sql."""
        return self._run_v3_query(request, influxql=False)

    def _query_influxql(self, request: _Request) -> _Response:
        """openapi: GET|POST /api/v3/query_influxql."""
        return self._run_v3_query(request, influxql=True)

    def _query_v1(self, request: _Request) -> _Response:
        """openapi: GET|POST /query (v1-compatible InfluxQL).

        Response components.schemas.QueryResponse: {"results": [{"series":
        [{"name", "columns", "values"}]}]}; 404 for a missing database.
        """
        values: dict[str, Any] = dict(request.query)
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if request.method == "POST" and request.body:
            if content_type == "application/json":
                try:
                    payload = json.loads(request.body)
                except ValueError as err:
                    return _error(400, f"invalid JSON body: {err}")
                if isinstance(payload, dict):
                    values.update(payload)
            elif content_type == "application/vnd.influxql":
                values["q"] = request.body.decode("utf-8", "replace")
            else:
                values.update(
                    parse_qsl(
                        request.body.decode("utf-8", "replace"), keep_blank_values=True
                    )
                )
        if "q" not in values:
            return _error(400, "missing query parameter 'q'")
        epoch = values.get("epoch")
        if epoch is not None and epoch not in ("ns", "u", "µ", "ms", "s", "m", "h"):
            return _error(400, f"invalid epoch {epoch}")
        db = values.get("db")
        try:
            statement = _parse_query(str(values["q"]), {}, influxql=True)
            with self.lock:
                series = self._v1_series(statement, db, epoch)
        except _UnsupportedError as err:
            return _text(501, f"FakeInfluxDB3 does not implement this query: {err}")
        except _QueryError as err:
            return _error(err.status, err.message)
        result: dict[str, Any] = {"statement_id": 0}
        if series:
            result["series"] = series
        return _json_response(200, {"results": [result]})

    def _v1_series(
        self, statement: _Select | _Show, db: Any, epoch: str | None
    ) -> list[dict[str, Any]]:
        if isinstance(statement, _Show) and statement.what == "databases":
            names = [[name] for name in sorted(self.databases)]
            return [{"name": "databases", "columns": ["name"], "values": names}]
        if not isinstance(statement, _Select):
            raise _UnsupportedError("only SHOW DATABASES and SELECT on /query")
        if db is None:
            raise _QueryError(400, "database name required")
        if db not in self.databases:
            # openapi: GET /query, response 404 "Database not found."
            raise _QueryError(404, f"database not found: {db}")
        columns, rows = self._select(
            str(db),
            statement,
            influxql=True,
            render_time=lambda nanos: _format_v1_time(nanos, epoch),
        )
        if not rows:
            return []
        columns = columns[1:]  # no iox::measurement column in v1 series
        values = [[row.get(column) for column in columns] for row in rows]
        return [{"name": statement.table, "columns": columns, "values": values}]


class _LimitError(LineProtocolError):
    """A schema limit was hit (answered 422 on write_lp)."""
