"""Read queries for the ``sports_influx.query`` action: bounded, read-only.

``check_query`` allows one read of the entry's own databases only.

InfluxDB 3 answers SQL and InfluxQL on ``/api/v3/query_sql`` and
``/api/v3/query_influxql`` (``format=json``: a JSON array of rows);
1.x and 2.x answer InfluxQL on ``/query`` (``results`` -> ``series`` ->
``columns``/``values``), which is flattened here to the same rows: one dict
per row with the series' tags (and its measurement as ``measurement``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
import json
import re
from typing import Any, NamedTuple


class QueryLanguage(StrEnum):
    """Languages the action takes."""

    SQL = "sql"
    INFLUXQL = "influxql"


class QueryError(Exception):
    """The server refused the query or answered nonsense."""


class QueryNotAllowedError(Exception):
    """A query the action does not run; ``key`` names the translated reason."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Keep the translation key and its placeholders."""
        super().__init__(key)
        self.key = key
        self.placeholders = placeholders


def _not_read_only() -> QueryNotAllowedError:
    return QueryNotAllowedError("query_not_read_only")


def _not_understood() -> QueryNotAllowedError:
    return QueryNotAllowedError("query_not_understood")


# -- tokens ---------------------------------------------------------------
#
# A query is read as the server's scanner reads it (influxql/scanner.go for
# InfluxQL; SQL's quoting rules), then allowed only if every statement is a
# read of the entry's own databases. Anything the scanner would not read the
# same way (an unclosed quote, an unknown escape, a bound parameter) is
# refused rather than guessed at.


class _Kind(StrEnum):
    WORD = "word"  # a bare identifier or keyword
    IDENT = "ident"  # a quoted identifier
    STRING = "string"
    NUMBER = "number"
    PUNCT = "punct"


class _Token(NamedTuple):
    kind: _Kind
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind is _Kind.WORD else ""


_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# influxql isWhitespace; SQL takes any (str.isspace's) whitespace.
_INFLUXQL_SPACE = re.compile(r"[ \t\r\n]+")
_SQL_SPACE = re.compile(r"\s+")
# influxql scanNumber: digits, a fraction, or a duration's letters.
_NUMBER = re.compile(r"\d+[A-Za-zµ][A-Za-zµ0-9]*|\d+(?:\.\d+)?|\.\d+")
_INFLUXQL_ESCAPES = frozenset("n\\\"'")
# influxql token.go's keywords (a slash after one may open a regex).
_INFLUXQL_KEYWORD_TEXT = """ALL ALTER ANALYZE ANY AS ASC BEGIN BY CARDINALITY CREATE
CONTINUOUS DATABASE DATABASES DEFAULT DELETE DESC DESTINATIONS DIAGNOSTICS
DISTINCT DROP DURATION END EVERY EXACT EXPLAIN FIELD FOR FROM FUTURE GRANT
GRANTS GROUP GROUPS IN INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT
MEASUREMENTS NAME OFFSET ON ORDER PASSWORD PAST POLICY POLICIES PRIVILEGES
QUERIES QUERY READ REPLICATION RESAMPLE RETENTION REVOKE SELECT SERIES SET SHOW
SHARD SHARDS SLIMIT SOFFSET STATS SUBSCRIPTION SUBSCRIPTIONS TAG TO USER USERS
VALUES VERBOSE WHERE WITH WRITE AND OR TRUE FALSE"""
_INFLUXQL_KEYWORDS = frozenset(_INFLUXQL_KEYWORD_TEXT.split())


def _influxql_quoted(text: str, start: int) -> tuple[str, int]:
    """Read as InfluxQL's ScanString does: the value and the index after the closing quote."""
    quote, i = text[start], start + 1
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\n":
            break
        if ch == "\\":
            escaped = text[i + 1 : i + 2]
            if escaped not in _INFLUXQL_ESCAPES:
                break
            out.append("\n" if escaped == "n" else escaped)
            i += 2
            continue
        out.append(ch)
        i += 1
    raise _not_understood()


def _regex_end(text: str, start: int) -> int:
    """Where a regex the server may read from ``start`` ends (0: unclosed).

    InfluxQL reads ``/.../`` as a regular expression where an operand or a
    measurement is expected (influxql ScanRegex); this scanner reads a slash
    and what follows as tokens. Both agree as long as the span holds no
    quote or comment mark and its closing slash opens no comment: otherwise
    the query is refused. An unclosed one the server cannot read either.
    """
    i = start + 1
    while i < len(text) and text[i] not in "/\n":
        i += 2 if text[i] == "\\" and text[i + 1 : i + 2] == "/" else 1
    if text[i : i + 1] != "/":
        return 0
    span, after = text[start : i + 1], text[i + 1 : i + 2]
    if any(mark in span for mark in ('"', "'", "--", "/*")) or after == "*":
        raise _not_understood()
    return i + 1


def _operand_ends(token: _Token | None) -> bool:
    """Whether a slash after ``token`` divides (else it may open a regex)."""
    if token is None:
        return False
    if token.kind is _Kind.WORD:
        return token.upper not in _INFLUXQL_KEYWORDS
    return token.kind is not _Kind.PUNCT or token.text == ")"


def _gap_end(text: str, i: int, spaces: re.Pattern[str]) -> int:
    """Where the whitespace and comments from ``i`` on end.

    InfluxQL and SQL write comments alike: ``--`` to the end of the line,
    ``/* */`` closed by the first ``*/``.
    """
    while True:
        if match := spaces.match(text, i):
            i = match.end()
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise _not_understood()
            i = end + 2
        else:
            return i


def _quoted_token(
    text: str, start: int, unquote: Callable[[str, int], tuple[str, int]]
) -> tuple[_Token, int]:
    """The quoted token at ``start`` and the index after it.

    Both languages quote identifiers in double quotes and strings in single
    quotes; ``unquote`` reads the language's escapes.
    """
    value, end = unquote(text, start)
    kind = _Kind.IDENT if text[start] == '"' else _Kind.STRING
    return _Token(kind, value), end


def influxql_tokens(text: str) -> list[_Token]:
    """InfluxQL's tokens, comments and whitespace left out."""
    tokens: list[_Token] = []
    i = regex_end = 0
    while (i := _gap_end(text, i, _INFLUXQL_SPACE)) < len(text):
        ch, pair = text[i], text[i : i + 2]
        if ch in "\"'":
            token, i = _quoted_token(text, i, _influxql_quoted)
        elif match := _NUMBER.match(text, i):
            token, i = _Token(_Kind.NUMBER, match.group()), match.end()
        elif match := _BARE.match(text, i):
            token, i = _Token(_Kind.WORD, match.group()), match.end()
            # influxql scanIdent: `name"x"` is the identifier x.
            if text[i : i + 1] in ('"', "'"):
                raise _not_understood()
        elif ch == "$" and i >= regex_end:
            # A bound parameter (this action sends none); in a regex, an anchor.
            raise _not_understood()
        else:
            previous = tokens[-1] if tokens else None
            if ch == "/" and not _operand_ends(previous):
                regex_end = max(regex_end, _regex_end(text, i))
            op = pair if pair in ("=~", "!~", "!=", "<>", "<=", ">=", "::") else ch
            token, i = _Token(_Kind.PUNCT, op), i + len(op)
        tokens.append(token)
    return tokens


def sql_tokens(text: str) -> list[_Token]:
    """SQL's tokens (quotes doubled to escape), comments left out.

    Block comments end at the first ``*/``: a server that nests them hides
    more text than this reads, never less.
    """
    tokens: list[_Token] = []
    i = 0
    while (i := _gap_end(text, i, _SQL_SPACE)) < len(text):
        ch = text[i]
        if ch in "\"'":
            token, i = _quoted_token(text, i, _sql_quoted)
        elif match := _BARE.match(text, i):
            token, i = _Token(_Kind.WORD, match.group()), match.end()
        elif ch in "`$[\\":
            # Other dialects' quotes and parameters: not read here.
            raise _not_understood()
        elif match := _NUMBER.match(text, i):
            token, i = _Token(_Kind.NUMBER, match.group()), match.end()
        else:
            token, i = _Token(_Kind.PUNCT, ch), i + 1
        tokens.append(token)
    return tokens


def _sql_quoted(text: str, start: int) -> tuple[str, int]:
    quote, i = text[start], start + 1
    out: list[str] = []
    while i < len(text):
        if text[i] == quote:
            if text[i + 1 : i + 2] != quote:
                return "".join(out), i + 1
            i += 1
        out.append(text[i])
        i += 1
    raise _not_understood()


# -- statements -------------------------------------------------------------

# What a read may start with. InfluxQL's SHOW statements that stay inside
# one database; SHOW DATABASES, USERS, GRANTS, SHARDS, QUERIES, STATS,
# DIAGNOSTICS and the like describe the whole server.
_INFLUXQL_SHOW = frozenset(
    {"MEASUREMENTS", "MEASUREMENT", "SERIES", "TAG", "FIELD", "RETENTION"}
)
_SQL_START = frozenset({"SELECT", "WITH", "EXPLAIN", "SHOW", "DESCRIBE"})
# Words that write, or change what the server holds, wherever they appear.
_WRITING_TEXT = """INTO INSERT UPDATE DELETE DROP CREATE ALTER GRANT REVOKE KILL
COPY TRUNCATE MERGE SET"""
_WRITING = frozenset(_WRITING_TEXT.split())


def _statements(tokens: list[_Token]) -> list[list[_Token]]:
    statements: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind is _Kind.PUNCT and token.text == ";":
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


def _is_name(token: _Token) -> bool:
    return token.kind in (_Kind.WORD, _Kind.IDENT)


def _is_dot(token: _Token) -> bool:
    return token.kind is _Kind.PUNCT and token.text == "."


def _dotted(statement: list[_Token]) -> list[list[_Token]]:
    """Dotted names (``a.b.c``, ``a..c``, ``a.b.``): names and dots in turn.

    Two names side by side (``FROM db``) start a new dotted name.
    """
    dotted: list[list[_Token]] = []
    current: list[_Token] = []
    for token in statement:
        if _is_dot(token) or (
            _is_name(token) and not (current and _is_name(current[-1]))
        ):
            current.append(token)
            continue
        if current:
            dotted.append(current)
        current = [token] if _is_name(token) else []
    if current:
        dotted.append(current)
    return [name for name in dotted if any(_is_dot(t) for t in name)]


def _qualifiers(statement: list[_Token]) -> list[str | None]:
    """What each name of three segments or more starts with (None: a dot).

    InfluxQL's ``db.rp.m``, ``db..m`` and ``db.rp./re/`` name a database;
    SQL's ``catalog.schema.table`` a catalog.
    """
    return [
        None if _is_dot(name[0]) else name[0].text
        for name in _dotted(statement)
        if sum(1 for t in name if _is_dot(t)) >= 2
    ]


def _other_database(name: str | None, own: Sequence[str]) -> QueryNotAllowedError:
    return QueryNotAllowedError(
        "query_other_database", database=name or "", own=", ".join(own)
    )


def _check_influxql(statement: list[_Token], own: Sequence[str]) -> None:
    words = [t.upper for t in statement]
    if words[0] == "EXPLAIN":
        words = words[2:] if words[1:2] == ["ANALYZE"] else words[1:]
    if not words or words[0] not in ("SELECT", "SHOW"):
        raise _not_read_only()
    if words[0] == "SHOW" and (len(words) < 2 or words[1] not in _INFLUXQL_SHOW):
        raise _not_read_only()
    for index, token in enumerate(statement):
        if token.upper == "ON":
            target = statement[index + 1 : index + 2]
            name = target[0].text if target else ""
            if (
                not target
                or target[0].kind not in (_Kind.WORD, _Kind.IDENT)
                or (name not in own)
            ):
                raise _other_database(name, own)
    for database in _qualifiers(statement):
        if database not in own:
            raise _other_database(database, own)


def check_query(query: str, language: QueryLanguage, own: Sequence[str]) -> None:
    """Allow one read of the entry's own databases; raise otherwise.

    ``own``: the databases the entry writes to (the request's ``db`` is
    always one of them).
    """
    sql = language is QueryLanguage.SQL
    statements = _statements(sql_tokens(query) if sql else influxql_tokens(query))
    if len(statements) != 1:
        raise _not_read_only()
    (statement,) = statements
    if any(token.upper in _WRITING for token in statement):
        raise _not_read_only()
    if not sql:
        _check_influxql(statement, own)
        return
    if statement[0].upper not in _SQL_START:
        raise _not_read_only()
    # The request's ``db`` is the only catalog the server offers: a catalog
    # named in the text is refused rather than left to the server.
    if catalogs := _qualifiers(statement):
        raise _other_database(catalogs[0], own)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Rows, at most the limit asked for."""

    rows: list[dict[str, Any]]
    truncated: bool

    def as_response(self) -> dict[str, Any]:
        """The action's response."""
        return {"rows": self.rows, "count": len(self.rows), "truncated": self.truncated}


def _series_rows(series: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"measurement": series["name"]} if "name" in series else {}
    base.update(series.get("tags") or {})
    columns = series["columns"]
    return [
        {**base, **dict(zip(columns, values, strict=True))}
        for values in series["values"]
    ]


def rows_from_v1(text: str, limit: int) -> QueryResult:
    """Flatten a 1.x/2.x ``/query`` answer; raise ``QueryError`` on its errors."""
    try:
        body = json.loads(text)
        results = body.get("results") or []
        errors = [body.get("error"), *(r.get("error") for r in results)]
        rows = [
            row
            for result in results
            for series in result.get("series") or []
            for row in _series_rows(series)
        ]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise QueryError(f"unreadable answer: {text[:200]!r}") from err
    if error := next((e for e in errors if e), None):
        raise QueryError(str(error))
    if "results" not in body:
        raise QueryError(f"unreadable answer: {text[:200]!r}")
    return QueryResult(rows[:limit], len(rows) > limit)


def rows_from_v3(text: str, limit: int) -> QueryResult:
    """Read an InfluxDB 3 ``format=json`` answer (a JSON array of objects)."""
    try:
        rows = json.loads(text) if text.strip() else []
    except ValueError as err:
        raise QueryError(f"unreadable answer: {text[:200]!r}") from err
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise QueryError(f"unreadable answer: {text[:200]!r}")
    return QueryResult(rows[:limit], len(rows) > limit)


def error_message(text: str) -> str:
    """The server's error text from a JSON ``{"error": ...}`` body, or the body."""
    try:
        body = json.loads(text)
    except ValueError:
        return text.strip()[:500]
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])[:500]
    return text.strip()[:500]
