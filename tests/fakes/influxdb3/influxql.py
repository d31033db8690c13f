"""The InfluxQL the fake answers: SELECT translated to SQL, two SHOWs.

InfluxDB 3 plans InfluxQL onto the same DataFusion engine as SQL. The fake
translates the raw-data form, ``SELECT <*|columns> FROM <measurement>
[WHERE ...] [ORDER BY time [ASC|DESC]] [LIMIT n] [OFFSET n]``, into SQL
(reference/influxql/select.md): the answer carries ``iox::measurement``
and ``time`` first (influxql/parameterized-queries.md), rows in time order,
and a measurement that does not exist answers no rows. ``SHOW DATABASES``
and ``SHOW RETENTION POLICIES [ON db]`` are answered from the catalog.
Anything else (functions, GROUP BY, subqueries, regular-expression
measurements, other SHOWs) raises `UnsupportedError` (answered 501).
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Literal

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<qident>"(?:[^"\\]|\\.)*")
      | (?P<regex>/(?:[^/\\]|\\.)*/)
      | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<param>\$[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|!=|<>|=~|!~|=|<|>|\(|\)|,|\*|;|-|\+)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "TRUE", "FALSE", "NOT"}


class UnsupportedError(Exception):
    """The fake does not answer this InfluxQL (answered 501)."""


class InfluxQLError(Exception):
    """A statement the server itself refuses (answered 400)."""


@dataclass
class Show:
    what: Literal["databases", "retention policies"]
    database: str | None = None


@dataclass
class Select:
    """A SELECT and the SQL that answers it."""

    measurement: str
    sql: str


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos, query = 0, query.strip()
    while pos < len(query):
        match = _TOKEN_RE.match(query, pos)
        if match is None or match.end() == pos:
            raise UnsupportedError(f"cannot read InfluxQL at: {query[pos:]!r}")
        pos = match.end()
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
    while tokens and tokens[-1] == ("op", ";"):
        tokens.pop()
    if ("op", ";") in tokens:
        # source: http.rs Error::InfluxqlSingleStatement.
        raise InfluxQLError("must provide only one InfluxQl statement per query")
    return tokens


def _word(token: tuple[str, str] | None, *words: str) -> bool:
    return token is not None and token[0] == "ident" and token[1].upper() in words


def _name(token: tuple[str, str]) -> str:
    kind, text = token
    if kind == "ident":
        return text
    if kind == "qident":
        return text[1:-1].replace('\\"', '"')
    raise UnsupportedError(f"expected a name, got {text}")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parse(query: str) -> Show | Select:
    """Read one statement; `UnsupportedError` for what the fake does not answer."""
    tokens = _tokens(query)
    if _word(tokens[0] if tokens else None, "SHOW"):
        words = [text.upper() for _kind, text in tokens[1:3]]
        if words[:1] == ["DATABASES"] and len(tokens) == 2:
            return Show("databases")
        if words == ["RETENTION", "POLICIES"]:
            if len(tokens) == 3:
                return Show("retention policies")
            if len(tokens) == 5 and _word(tokens[3], "ON"):
                return Show("retention policies", _name(tokens[4]))
        raise UnsupportedError(query)
    if not _word(tokens[0] if tokens else None, "SELECT"):
        raise UnsupportedError(query)
    return _select(tokens[1:], query)


def _select(tokens: list[tuple[str, str]], query: str) -> Select:
    at = 0
    columns: list[str] | None = None
    if tokens[at : at + 1] == [("op", "*")]:
        at += 1
    else:
        columns = []
        while True:
            columns.append(_name(tokens[at]))
            at += 1
            if tokens[at : at + 1] != [("op", ",")]:
                break
            at += 1
    if not _word(tokens[at] if at < len(tokens) else None, "FROM"):
        raise UnsupportedError(query)
    measurement = _name(tokens[at + 1])
    at += 2
    where: list[str] = []
    if _word(tokens[at] if at < len(tokens) else None, "WHERE"):
        at += 1
        while at < len(tokens) and not _word(tokens[at], "ORDER", "LIMIT", "OFFSET"):
            where.append(_condition_token(tokens, at))
            at += 1
    tail: list[str] = ["ORDER BY time"]
    if _word(tokens[at] if at < len(tokens) else None, "ORDER"):
        if not (_word(tokens[at + 1], "BY") and _name(tokens[at + 2]) == "time"):
            raise UnsupportedError("InfluxQL orders by time only")
        at += 3
        if at < len(tokens) and _word(tokens[at], "ASC", "DESC"):
            tail = [f"ORDER BY time {tokens[at][1].upper()}"]
            at += 1
    for clause in ("LIMIT", "OFFSET"):
        if _word(tokens[at] if at < len(tokens) else None, clause):
            if tokens[at + 1][0] != "number":
                raise UnsupportedError(f"{clause} takes a number")
            tail.append(f"{clause} {int(tokens[at + 1][1])}")
            at += 2
    if at != len(tokens):
        raise UnsupportedError(query)
    wanted = "*" if columns is None else ", ".join(_quoted(c) for c in columns)
    sql = (
        f'SELECT {_sql_string(measurement)} AS "iox::measurement", time, '
        f"{'* EXCLUDE (time)' if columns is None else wanted} "
        f"FROM {_quoted(measurement)}"
    )
    if where:
        sql += " WHERE " + " ".join(where)
    return Select(measurement, sql + " " + " ".join(tail))


def _condition_token(tokens: list[tuple[str, str]], at: int) -> str:
    """One WHERE token in SQL: names quoted, ``=~ /re/`` as ``~ 're'``."""
    kind, text = tokens[at]
    if kind == "ident" and text.upper() in _KEYWORDS:
        return text.upper()
    if kind in ("ident", "qident"):
        return _quoted(_name(tokens[at]))
    if kind == "string":
        return _sql_string(text[1:-1].replace("\\'", "'"))
    if kind == "regex":
        return _sql_string(text[1:-1].replace("\\/", "/"))
    if kind == "op" and text in ("=~", "!~"):
        return "~" if text == "=~" else "!~"
    return text


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
