"""The fake server: configuration, lifecycle, routing, authentication."""

from __future__ import annotations

from collections.abc import Callable
import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Any, Literal, Self
import uuid

from . import admin, queries, writes
from .auth import AuthScope, authenticate
from .lineprotocol import V3_PRECISIONS
from .store import IngestResult, Limits, LineRejecter, Store
from .transport import RecordedRequest, Request, Response, Server, json_response, text

Mode = Literal["docs", "source"]
CannedResponse = tuple[int, bytes, dict[str, str]]
Route = Callable[["FakeInfluxDB3", Request], Response]

_ROUTES: dict[tuple[str, str], tuple[Route, AuthScope]] = {
    ("POST", "/api/v3/write_lp"): (writes.write_lp, "v3"),
    ("POST", "/api/v2/write"): (writes.write_v2, "v2"),
    ("POST", "/write"): (writes.write_v1, "v1"),
    ("GET", "/api/v3/query_sql"): (queries.query_sql, "v3"),
    ("POST", "/api/v3/query_sql"): (queries.query_sql, "v3"),
    ("GET", "/api/v3/query_influxql"): (queries.query_influxql, "v3"),
    ("POST", "/api/v3/query_influxql"): (queries.query_influxql, "v3"),
    ("GET", "/query"): (queries.query_v1, "v1"),
    ("POST", "/query"): (queries.query_v1, "v1"),
    ("GET", "/api/v3/configure/database"): (admin.list_databases, "v3"),
    ("POST", "/api/v3/configure/database"): (admin.create_database, "v3"),
    ("DELETE", "/api/v3/configure/database"): (admin.delete_database, "v3"),
}


class FakeInfluxDB3:
    """A fake InfluxDB 3 Core (or Enterprise) server on 127.0.0.1.

    State is public and may be read or pre-seeded by tests:

    - ``databases``, ``tables``, ``column_types``: the `Store`'s.
    - ``requests``: every request received, in order.
    - ``reject_lines``: a predicate ``line -> error message | None`` or a set
      of lines; a rejected line is reported as the server reports a bad line.
    - ``fail_next``: canned ``(status, body, headers)`` answers, one per
      request, served before anything else (auth included).
    - ``allow_create``: False -> ``POST /api/v3/configure/database`` answers
      403 (the token lacks the permission).
    - ``unauthenticated_paths``: paths that skip auth (``--disable-authz``).
    - ``now_ns``: the clock for default timestamps and retention.

    Queries read the points kept alongside ``tables``; to seed data that
    queries must see, use `ingest` (lines put straight into ``tables`` are
    not parsed).
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
        self.store = Store()
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
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def databases(self) -> dict[str, str | None]:
        """Name -> retention period as given at creation, or None."""
        return self.store.databases

    @property
    def tables(self) -> dict[str, list[str]]:
        """Database -> accepted line protocol lines, in order."""
        return self.store.tables

    @property
    def column_types(self) -> dict[tuple[str, str], dict[str, str]]:
        """(database, table) -> column -> ``iox::column_type::*``."""
        return self.store.column_types

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        """Listen on 127.0.0.1 on a free port; sets ``url``."""
        if self._server is not None:
            return
        server = Server(self)
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

    # -- data --------------------------------------------------------------

    def write_batch(
        self, db: str, body: str, *, precision: str, accept_partial: bool
    ) -> IngestResult:
        """Validate and store a batch of line protocol (store.py)."""
        limits = Limits(self.max_databases, self.max_tables, self.max_columns_per_table)
        with self.lock:
            return self.store.ingest(
                db,
                body,
                precision=precision,
                accept_partial=accept_partial,
                now=self.now_ns(),
                limits=limits,
                reject=self.reject_lines,
            )

    def ingest(
        self, db: str, body: str, precision: str = "auto"
    ) -> list[dict[str, Any]]:
        """Write line protocol as ``write_lp`` with accept_partial would.

        Returns the rejected lines (empty when all were stored).
        """
        result = self.write_batch(
            db, body, precision=V3_PRECISIONS[precision], accept_partial=True
        )
        return [err.as_json() for err in result.errors]

    def rows(self, db: str, table: str) -> list[dict[str, Any]]:
        """Stored rows (duplicates merged, retention not applied)."""
        with self.lock:
            return self.store.rows(db, table, now=None)

    # -- dispatch ----------------------------------------------------------

    def handle(self, request: Request) -> Response:
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
                return Response(status, body, dict(headers))
        if request.method == "OPTIONS":
            # v3-write-lp.md "cluster-uuid" lists CORS preflight requests;
            # source: 204 with permissive CORS headers, before auth.
            return Response(
                204,
                headers={
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Methods": "*",
                    "Access-Control-Allow-Headers": "*",
                    "Access-Control-Max-Age": "86400",
                },
            )
        route = _ROUTES.get((request.method, request.path))
        scope: AuthScope = route[1] if route else "v3"
        if request.path not in self.unauthenticated_paths:
            denied = authenticate(self, request, scope)
            if denied is not None:
                return denied
        info = self._info_route(request.method, request.path)
        if info is not None:
            return info
        if route is None:
            # openapi: GET /ping 404 for HEAD. source: any unrouted method or
            # path -> 404 "Not found" (after authentication).
            return text(404, "Not found")
        return route[0](self, request)

    def _info_route(self, method: str, path: str) -> Response | None:
        if path == "/ping" and method in ("GET", "POST"):
            # openapi: GET /ping, POST /ping ("Accepts POST in addition to
            # GET"), response 200: headers x-influxdb-version and
            # x-influxdb-build, JSON body {version, revision, process_id}.
            response = json_response(
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
        if path in ("/health", "/api/v1/health") and method == "GET":
            # openapi: GET /health, GET /api/v1/health: 200 text/plain "OK".
            return text(200, "OK")
        if path == "/metrics" and method == "GET":
            # openapi: GET /metrics (Prometheus text); source ends with "# EOF".
            return Response(
                200,
                b"# EOF\n",
                {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"},
            )
        return None
