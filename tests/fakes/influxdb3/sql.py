"""SQL answered by DataFusion, the query engine InfluxDB 3 itself runs.

Each table of the request's database becomes an Arrow table with InfluxDB
3's column model (reference/sql/data-types.md, "InfluxDB schema"): tags
``Dictionary(Int32, Utf8)``, fields ``Int64``/``UInt64``/``Float64``/
``Utf8``/``Boolean``, ``time`` ``Timestamp(ns)`` without a time zone;
columns in name order. The session's default catalog and schema are
``public`` and ``iox``, the names the server's errors and ``SHOW TABLES``
give; ``information_schema`` is enabled (influxdb3-api.md "Show tables").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from datafusion import SessionConfig, SessionContext
import pyarrow as pa

from .lineprotocol import BOOLEAN, FLOAT, INTEGER, STRING, TAG, TIMESTAMP, UINTEGER
from .render import format_time

_ARROW_TYPES: dict[str, pa.DataType] = {
    TAG: pa.dictionary(pa.int32(), pa.utf8()),
    TIMESTAMP: pa.timestamp("ns"),
    FLOAT: pa.float64(),
    INTEGER: pa.int64(),
    UINTEGER: pa.uint64(),
    STRING: pa.utf8(),
    BOOLEAN: pa.bool_(),
}


class SqlError(Exception):
    """DataFusion refused or failed the query; the message is its own."""


def arrow_table(columns: dict[str, str], rows: list[dict[str, Any]]) -> pa.Table:
    """A table's rows as Arrow, typed by its ``iox::column_type``s."""
    names = sorted(columns)
    arrays = []
    for name in names:
        kind = _ARROW_TYPES[columns[name]]
        values = [row.get(name) for row in rows]
        if kind == _ARROW_TYPES[TAG]:
            arrays.append(pa.array(values, pa.utf8()).dictionary_encode().cast(kind))
        else:
            arrays.append(pa.array(values, kind))
    schema = pa.schema([pa.field(name, _ARROW_TYPES[columns[name]]) for name in names])
    return pa.Table.from_arrays(arrays, schema=schema)


def run(
    tables: dict[str, pa.Table],
    query: str,
    params: dict[str, Any],
    time_format: Callable[[int], Any] = format_time,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Run one SQL query over the tables; (columns, rows without nulls).

    sql/parameterized-queries.md: ``$name`` placeholders take ``params``.
    Timestamps are printed by ``time_format`` (nanoseconds in).
    """
    config = (
        SessionConfig()
        .with_default_catalog_and_schema("public", "iox")
        .with_information_schema(True)
    )
    ctx = SessionContext(config)
    for name, table in tables.items():
        batches = table.to_batches() or [
            pa.RecordBatch.from_pylist([], schema=table.schema)
        ]
        ctx.register_record_batches(name, [batches])
    try:
        result = ctx.sql(query, param_values=params or None).to_arrow_table()
    except Exception as err:  # DataFusion raises plain Exception subclasses
        raise SqlError(str(err)) from err
    columns = list(result.column_names)
    cells = [_cells(result.column(k), time_format) for k in range(result.num_columns)]
    rows = [
        {
            column: values[n]
            for column, values in zip(columns, cells, strict=True)
            if values[n] is not None
        }
        for n in range(result.num_rows)
    ]
    return columns, rows


def _cells(column: pa.ChunkedArray, time_format: Callable[[int], Any]) -> list[Any]:
    """A result column as JSON values, as InfluxDB 3's JSON writer prints them.

    openapi "Quick start": a timestamp is ``"2025-02-25T20:19:34.984098"``
    (no zone; 0, 3, 6 or 9 fraction digits).
    """
    if pa.types.is_timestamp(column.type):
        nanos = column.cast(pa.timestamp("ns", column.type.tz)).cast(pa.int64())
        return [None if v is None else time_format(v) for v in nanos.to_pylist()]
    return [_plain(value) for value in column.to_pylist()]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value
