"""Read queries for the ``sports_influx.query`` action: bounded, read-only.

InfluxDB 3 answers SQL and InfluxQL on ``/api/v3/query_sql`` and
``/api/v3/query_influxql`` (``format=json``: a JSON array of rows);
1.x and 2.x answer InfluxQL on ``/query`` (``results`` -> ``series`` ->
``columns``/``values``), which is flattened here to the same rows: one dict
per row with the series' tags (and its measurement as ``measurement``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import json
import re
from typing import Any


class QueryLanguage(StrEnum):
    """Languages the action takes."""

    SQL = "sql"
    INFLUXQL = "influxql"


class QueryError(Exception):
    """The server refused the query or answered nonsense."""


# Statements that only read. Everything else (DROP, DELETE, CREATE, SELECT
# ... INTO) is refused before it reaches the server.
_READ_ONLY = re.compile(r"^\s*(SELECT|SHOW|WITH|EXPLAIN)\b", re.IGNORECASE)
_INTO = re.compile(r"\bINTO\b", re.IGNORECASE)


def is_read_only(query: str) -> bool:
    """Whether a query only reads (one statement, no ``INTO``)."""
    body = query.strip().rstrip(";")
    return bool(_READ_ONLY.match(body)) and ";" not in body and not _INTO.search(body)


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
