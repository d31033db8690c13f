"""Query answers as text: the output formats and how time is printed."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
import io
import json
from typing import Any

from .lineprotocol import NS_PER_S

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# openapi: components.schemas.Format ("json_lines" canonical, "jsonl" alias).
FORMATS = {
    "json": "json",
    "jsonl": "jsonl",
    "json_lines": "jsonl",
    "csv": "csv",
    "pretty": "pretty",
    "parquet": "parquet",
}
# openapi: components.parameters.AcceptQueryHeader; source: QueryFormat
# try_from_headers.
ACCEPT_FORMATS = {
    "application/json": "json",
    "*/*": "json",
    "application/jsonl": "jsonl",
    "text/csv": "csv",
    "text/plain": "pretty",
    "application/vnd.apache.parquet": "parquet",
}
CONTENT_TYPES = {
    "json": "application/json",
    "jsonl": "application/jsonl",
    "csv": "text/csv",
    "pretty": "text/plain; charset=utf-8",
}


def format_time(nanos: int) -> str:
    """Timestamp as the query API prints it (no zone, 0/3/6/9 fraction digits).

    openapi "Quick start": "time":"2025-02-25T20:19:34.984098";
    influxql/parameterized-queries.md: "time":"2022-01-01T09:00:00".
    """
    seconds, frac = divmod(nanos, NS_PER_S)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if frac == 0:
        return text
    if frac % 1_000_000 == 0:
        return f"{text}.{frac // 1_000_000:03d}"
    if frac % 1_000 == 0:
        return f"{text}.{frac // 1_000:06d}"
    return f"{text}.{frac:09d}"


def format_v1_time(nanos: int, epoch: str | None) -> int | str:
    # openapi: GET /query "epoch" (ns, u, µ, ms, s, m, h) or RFC3339.
    if epoch:
        divisor = {
            "ns": 1,
            "u": 1_000,
            "µ": 1_000,
            "ms": 1_000_000,
            "s": NS_PER_S,
            "m": 60 * NS_PER_S,
            "h": 3600 * NS_PER_S,
        }[epoch]
        return nanos // divisor
    seconds, frac = divmod(nanos, NS_PER_S)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


def render(columns: list[str], rows: list[dict[str, Any]], fmt: str) -> bytes:
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


def format_v1_duration(seconds: int | None) -> str:
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
