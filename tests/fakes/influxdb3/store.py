"""What the fake holds: databases, their tables, built from line protocol.

A table's schema is fixed by its first write (get-started/write.md
"schema-on-write"); a point is kept as parsed, and rows are merged at
query time (v3-line-protocol.md "Duplicate points").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import re
from typing import Any

from .lineprotocol import (
    NS_PER_S,
    TAG,
    TIMESTAMP,
    FieldValue,
    LineProtocolError,
    parse_line,
    significant_lines,
    to_nanos,
)

LineRejecter = Callable[[str], str | None]

# data-retention.md "Retention period duration formats": units h d w mo y,
# combinable ("30d12h"), or "none"; mo = 30 days, y = 365 days.
_RETENTION_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}
_RETENTION_UNITS["y"] = 365 * 86400
_RETENTION_RE = re.compile(r"(?:\d+(?:mo|h|d|w|y))+")
_RETENTION_PART_RE = re.compile(r"(\d+)(mo|h|d|w|y)")


def parse_retention(value: str) -> int | None:
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


class LimitError(LineProtocolError):
    """A schema limit was hit (answered 422 on write_lp)."""


@dataclass
class Limits:
    """data/products.yml limits (databases/_index.md "Database, table, and
    column limits").
    """

    databases: int
    tables: int
    columns_per_table: int


@dataclass
class Point:
    table: str
    tags: dict[str, str]
    fields: dict[str, FieldValue]
    time: int


@dataclass
class LineError:
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
class IngestResult:
    accepted: int = 0
    errors: list[LineError] = field(default_factory=list)
    empty: bool = False
    db_limit: str | None = None

    @property
    def limit_hit(self) -> bool:
        return any(err.limit for err in self.errors)


@dataclass
class Store:
    """Databases, tables and points; the caller holds the fake's lock.

    - ``databases``: name -> retention period as given at creation, or None.
    - ``tables``: database -> accepted line protocol lines, in order.
    - ``column_types``: (database, table) -> column -> ``iox::column_type::*``.
    """

    databases: dict[str, str | None] = field(default_factory=dict)
    tables: dict[str, list[str]] = field(default_factory=dict)
    column_types: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    points: dict[str, list[Point]] = field(default_factory=dict)

    def drop(self, db: str) -> None:
        """Forget a database and everything in it."""
        del self.databases[db]
        self.tables.pop(db, None)
        self.points.pop(db, None)
        for key in [key for key in self.column_types if key[0] == db]:
            del self.column_types[key]

    def ingest(
        self,
        db: str,
        body: str,
        *,
        precision: str,
        accept_partial: bool,
        now: int,
        limits: Limits,
        reject: LineRejecter | set[str] | None,
    ) -> IngestResult:
        """Validate and store a batch (the write_lp semantics).

        get-started/write.md and openapi dbWriteParam: the database is
        created if it does not exist (here: only once a line is stored).
        v3-write-lp.md "Partial writes": with accept_partial the good lines
        are stored and the bad ones reported; without it one bad line
        rejects the batch. get-started/write.md "schema-on-write": a column
        keeps its first type; a line that conflicts is rejected.
        """
        result = IngestResult()
        lines = list(significant_lines(body))
        if not lines:
            result.empty = True
            return result
        if db not in self.databases and len(self.databases) >= limits.databases:
            result.db_limit = (
                "Adding a new database would exceed limit of "
                f"{limits.databases} databases"
            )
            return result
        schema = {
            table: dict(columns)
            for (name, table), columns in self.column_types.items()
            if name == db
        }
        others = sum(1 for (name, _table) in self.column_types if name != db)
        accepted: list[tuple[str, Point]] = []
        for number, line in lines:
            try:
                point = _validate(line, schema, others, precision, now, limits, reject)
            except LimitError as err:
                result.errors.append(LineError(line, number, str(err), limit=True))
            except LineProtocolError as err:
                result.errors.append(LineError(line, number, str(err)))
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
        points = self.points.setdefault(db, [])
        for line, point in accepted:
            stored.append(line)
            points.append(point)
        for table, columns in schema.items():
            self.column_types[(db, table)] = columns
        return result

    def rows(self, db: str, table: str, *, now: int | None) -> list[dict[str, Any]]:
        """Rows of a table, oldest first.

        v3-line-protocol.md "Duplicate points": same table, tag set and
        timestamp -> union of the field sets, conflicts favour the newer
        write (Core warns this is not deterministic; the fake is).
        data-retention.md "Database retention period": points older than
        the retention period are filtered out of query results (``now``
        given).
        """
        cutoff: int | None = None
        retention = self.databases.get(db)
        if now is not None and retention:
            seconds = parse_retention(retention)
            if seconds is not None:
                cutoff = now - seconds * NS_PER_S
        merged: dict[tuple[tuple[tuple[str, str], ...], int], dict[str, Any]] = {}
        for point in self.points.get(db, []):
            if point.table != table or (cutoff is not None and point.time < cutoff):
                continue
            key = (tuple(sorted(point.tags.items())), point.time)
            row = merged.setdefault(key, {**point.tags, "time": point.time})
            row.update(point.fields)
        return [merged[key] for key in sorted(merged, key=lambda k: (k[1], k[0]))]


def _validate(
    line: str,
    schema: dict[str, dict[str, str]],
    others: int,
    precision: str,
    now: int,
    limits: Limits,
    reject: LineRejecter | set[str] | None,
) -> Point:
    parsed = parse_line(line)
    if reject is not None:
        if callable(reject):
            message = reject(line)
        else:
            message = (
                "rejected by FakeInfluxDB3.reject_lines" if line in reject else None
            )
        if message is not None:
            raise LineProtocolError(message)
    table = parsed.measurement
    if table not in schema and others + len(schema) >= limits.tables:
        # databases/_index.md "Table limit"; source CatalogError text.
        raise LimitError(
            "Update to schema would exceed number of tables limit: attempted to "
            f"create table but already have {others + len(schema)} table(s) "
            f"(limit: {limits.tables})"
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
    if len(columns) > limits.columns_per_table:
        # databases/_index.md "Column limit" (time included).
        raise LimitError(
            "Update to schema would exceed number of columns per table limit of "
            f"{limits.columns_per_table} columns"
        )
    nanos = to_nanos(parsed.timestamp, precision, now)
    schema[table] = columns
    return Point(
        table,
        dict(parsed.tags),
        {key: value for key, (_kind, value) in parsed.fields.items()},
        nanos,
    )
