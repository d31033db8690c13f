"""The query routes: ``/api/v3/query_sql``, ``/api/v3/query_influxql``, ``/query``.

SQL and the SELECTs of InfluxQL run on DataFusion (sql.py), imported when
the first query comes, so that a fake that is only written to does not
need it.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from . import influxql
from .render import (
    ACCEPT_FORMATS,
    CONTENT_TYPES,
    FORMATS,
    format_time,
    format_v1_duration,
    format_v1_time,
    render,
)
from .store import parse_retention
from .transport import Request, Response, error, json_response, text

if TYPE_CHECKING:
    from .server import FakeInfluxDB3

Rows = tuple[list[str], list[dict[str, Any]]]
_EPOCHS = ("ns", "u", "µ", "ms", "s", "m", "h")


class QueryError(Exception):
    def __init__(self, status: int, message: str, *, as_json: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.as_json = as_json


def _missing_database(db: str) -> QueryError:
    # openapi: query_sql / query_influxql response 404 "Database not found.";
    # source body {"error": "query error: database not found: x"}.
    return QueryError(404, f"query error: database not found: {db}", as_json=True)


def run_sql(
    fake: FakeInfluxDB3,
    db: str,
    query: str,
    params: dict[str, Any],
    time_format: Callable[[int], Any] = format_time,
) -> Rows:
    """One SQL query over a database's tables, run by DataFusion."""
    from . import sql  # here: a fake that is only written to needs no DataFusion

    with fake.lock:
        if db not in fake.databases:
            raise _missing_database(db)
        now = fake.now_ns()
        names = [table for (name, table) in fake.column_types if name == db]
        data = {
            table: (
                dict(fake.column_types[(db, table)]),
                fake.store.rows(db, table, now=now),
            )
            for table in names
        }
    tables = {
        name: sql.arrow_table(*columns_rows) for name, columns_rows in data.items()
    }
    try:
        return sql.run(tables, query, params, time_format)
    except sql.SqlError as err:
        # source: a DataFusion planning or execution error -> 400, its text.
        raise QueryError(400, str(err)) from err


def _params(request: Request) -> dict[str, Any]:
    """db, q, format, params from a GET query string or a POST JSON body.

    openapi: GET/POST /api/v3/query_sql and /api/v3/query_influxql
    (QueryRequestObject for POST).
    """
    if request.method == "GET":
        if not request.raw_query:
            raise QueryError(400, "missing query parameters 'db' and 'q'")
        values: dict[str, Any] = dict(request.query)
        if "params" in values:
            try:
                values["params"] = json.loads(values["params"])
            except ValueError as err:
                raise QueryError(400, f"serde json error: {err}") from err
        return values
    try:
        payload = json.loads(request.body or b"null")
    except ValueError as err:
        raise QueryError(400, f"serde json error: {err}") from err
    if not isinstance(payload, dict):
        raise QueryError(400, "serde json error: expected a JSON object")
    return payload


def _format(request: Request, values: dict[str, Any]) -> str:
    raw = values.get("format")
    if raw is None:
        accept = request.headers.get("accept", "application/json")
        accept = accept.split(";")[0].strip()
        if accept not in ACCEPT_FORMATS:
            raise QueryError(400, f"invalid mime type ({accept})")
        fmt = ACCEPT_FORMATS[accept]
    elif str(raw) in FORMATS:
        fmt = FORMATS[str(raw)]
    else:
        raise QueryError(
            400,
            f"serde error: unknown variant `{raw}`, expected one of `parquet`, "
            "`csv`, `pretty`, `json`, `json_lines`",
        )
    if fmt == "parquet":
        raise QueryError(501, "FakeInfluxDB3 does not implement parquet output")
    return fmt


def _answer(run: Callable[[], tuple[Rows, str]]) -> Response:
    try:
        (columns, rows), fmt = run()
    except influxql.UnsupportedError as err:
        return text(501, f"FakeInfluxDB3 does not implement this query: {err}")
    except influxql.InfluxQLError as err:
        return text(400, str(err))
    except QueryError as err:
        if err.as_json:
            return error(err.status, err.message)
        return text(err.status, err.message)
    body = render(columns, rows, fmt)
    return Response(200, body, {"Content-Type": CONTENT_TYPES[fmt]})


def query_sql(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: GET|POST /api/v3/query_sql."""

    def run() -> tuple[Rows, str]:
        values = _params(request)
        if "q" not in values:
            raise QueryError(400, "serde error: missing field `q`")
        if values.get("db") is None:
            # openapi: query_sql "db" required.
            raise QueryError(400, "serde error: missing field `db`")
        fmt = _format(request, values)
        params = values.get("params") or {}
        if not isinstance(params, dict):
            raise QueryError(400, "serde json error: params must be an object")
        return run_sql(fake, str(values["db"]), str(values["q"]), params), fmt

    return _answer(run)


def query_influxql(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: GET|POST /api/v3/query_influxql."""

    def run() -> tuple[Rows, str]:
        values = _params(request)
        if "q" not in values:
            raise QueryError(400, "serde error: missing field `q`")
        fmt = _format(request, values)
        db = None if values.get("db") is None else str(values["db"])
        statement = influxql.parse(str(values["q"]))
        if isinstance(statement, influxql.Show):
            return show(fake, statement, db), fmt
        if db is None:
            # source: Error::InfluxqlNoDatabase.
            raise QueryError(
                400,
                "must specify a 'db' parameter, or provide the database in the "
                "InfluxQL query",
            )
        return select(fake, statement, db, values.get("params") or {}), fmt

    return _answer(run)


def select(
    fake: FakeInfluxDB3,
    statement: influxql.Select,
    db: str,
    params: dict[str, Any],
    time_format: Callable[[int], Any] = format_time,
) -> Rows:
    """An InfluxQL SELECT, through its SQL translation."""
    with fake.lock:
        if db not in fake.databases:
            raise _missing_database(db)
        known = (db, statement.measurement) in fake.column_types
    if not known:
        # InfluxQL answers an unknown measurement with no rows.
        return [], []
    return run_sql(fake, db, statement.sql, params, time_format)


def show(fake: FakeInfluxDB3, statement: influxql.Show, db: str | None) -> Rows:
    """SHOW DATABASES / SHOW RETENTION POLICIES from the catalog."""
    with fake.lock:
        databases = dict(fake.databases)
    if statement.what == "databases":
        # source: show_databases(include_deleted=true) columns.
        return ["iox::database", "deleted"], [
            {"iox::database": name, "deleted": False} for name in sorted(databases)
        ]
    # source: show_retention_policies: iox::database, name, duration.
    target = statement.database or db
    rows = []
    for name in [target] if target else sorted(databases):
        if name not in databases:
            raise _missing_database(name)
        retention = databases[name]
        database, _sep, rp = name.partition("/")
        seconds = parse_retention(retention) if retention else None
        rows.append(
            {
                "iox::database": database,
                "name": rp or "autogen",
                "duration": format_v1_duration(seconds),
            }
        )
    return ["iox::database", "name", "duration"], rows


def query_v1(fake: FakeInfluxDB3, request: Request) -> Response:
    """openapi: GET|POST /query (v1-compatible InfluxQL).

    Response components.schemas.QueryResponse: {"results": [{"series":
    [{"name", "columns", "values"}]}]}; 404 for a missing database.
    """
    values: dict[str, Any] = dict(request.query)
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if request.method == "POST" and request.body:
        body = request.body.decode("utf-8", "replace")
        if content_type == "application/json":
            try:
                payload = json.loads(body)
            except ValueError as err:
                return error(400, f"invalid JSON body: {err}")
            if isinstance(payload, dict):
                values.update(payload)
        elif content_type == "application/vnd.influxql":
            values["q"] = body
        else:
            values.update(parse_qsl(body, keep_blank_values=True))
    if "q" not in values:
        return error(400, "missing query parameter 'q'")
    epoch = values.get("epoch")
    if epoch is not None and epoch not in _EPOCHS:
        return error(400, f"invalid epoch {epoch}")
    try:
        series = _v1_series(fake, str(values["q"]), values.get("db"), epoch)
    except influxql.UnsupportedError as err:
        return text(501, f"FakeInfluxDB3 does not implement this query: {err}")
    except (influxql.InfluxQLError, QueryError) as err:
        status = err.status if isinstance(err, QueryError) else 400
        message = err.message if isinstance(err, QueryError) else str(err)
        return error(status, message.removeprefix("query error: "))
    result: dict[str, Any] = {"statement_id": 0}
    if series:
        result["series"] = series
    return json_response(200, {"results": [result]})


def _v1_series(
    fake: FakeInfluxDB3, query: str, db: Any, epoch: str | None
) -> list[dict[str, Any]]:
    statement = influxql.parse(query)
    if isinstance(statement, influxql.Show):
        if statement.what != "databases":
            raise influxql.UnsupportedError("only SHOW DATABASES and SELECT on /query")
        with fake.lock:
            names = [[name] for name in sorted(fake.databases)]
        return [{"name": "databases", "columns": ["name"], "values": names}]
    if db is None:
        raise QueryError(400, "database name required")
    columns, rows = select(
        fake, statement, str(db), {}, lambda nanos: format_v1_time(nanos, epoch)
    )
    if not rows:
        return []
    columns = columns[1:]  # no iox::measurement column in v1 series
    values = [[row.get(column) for column in columns] for row in rows]
    return [{"name": statement.measurement, "columns": columns, "values": values}]
