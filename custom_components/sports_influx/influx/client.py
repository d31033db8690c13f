"""The server the rest of the integration talks to: one ``InfluxClient``.

Admin calls and queries are async over HA's aiohttp session; writes are
blocking (executor only). What differs between server kinds is the
``Dialect``'s, chosen once the server is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import threading
from typing import Any

import aiohttp

from ..const import MAX_REFUSED_REQUESTS, MAX_REQUEST_BYTES, REQUEST_TIMEOUT
from ..query import QueryError, QueryLanguage, QueryResult, error_message
from ..schema import Destination, RetentionClass
from .dialect import Dialect
from .errors import WriteError
from .http import Http
from .server import (
    CannotConnectError,
    DestinationState,
    DestinationStatus,
    InvalidAuthError,
    ServerInfo,
    ServerKind,
    check_auth,
    normalize_host,
    parse_version,
)
from .splitting import Splitter
from .v1 import V1Dialect
from .v2 import V2Dialect
from .v3 import V3Dialect
from .write_client import WriteClient

_DIALECTS: dict[ServerKind, type[Dialect]] = {
    ServerKind.V1: V1Dialect,
    ServerKind.V2: V2Dialect,
    ServerKind.V3: V3Dialect,
}


class InfluxClient:
    """One server, one configured database."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        token: str,
        database: str,
        *,
        verify_ssl: bool = True,
        names: Mapping[ServerKind, Mapping[RetentionClass, str]] | None = None,
    ) -> None:
        """Remember the connection; nothing is opened yet.

        ``names``: per server kind, the databases (3.x) or buckets (2.x) the
        options give retention classes; the schema's defaults otherwise.
        """
        self.host = normalize_host(host)
        self._http = Http(session, self.host, token)
        self.database = database
        self._verify_ssl = verify_ssl
        self._names = names or {}
        self.info: ServerInfo | None = None
        self._dialect: Dialect
        self._splitter: Splitter
        # Until the server is known it is taken for InfluxDB 3, whose
        # Bearer scheme /ping is asked in.
        self._use(self._dialect_for(ServerKind.V3))
        # Filled by async_prepare_destinations.
        self.destinations: list[DestinationStatus] = []
        self._unavailable: frozenset[str] = frozenset()
        # Each write request ends by then, however the server drips.
        self.write_timeout = REQUEST_TIMEOUT
        # Made once, by the first write (executor) or an abort (loop).
        self._writes: WriteClient | None = None
        self._writes_lock = threading.Lock()

    def _dialect_for(self, kind: ServerKind) -> Dialect:
        return _DIALECTS[kind](self._http, self.database, self._names.get(kind, {}))

    def _use(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._splitter = Splitter(
            MAX_REQUEST_BYTES, MAX_REFUSED_REQUESTS, dialect.suspects
        )

    def _choose(self, info: ServerInfo, org_id: str | None = None) -> None:
        self.info = info
        self._use(self._dialect_for(info.kind))
        self._dialect.org_id = org_id

    # -- the server ---------------------------------------------------------

    def remembered(self) -> dict[str, str | None]:
        """What a later start needs to write while the server is away."""
        info = self.info
        return {
            "kind": info.kind.value if info else None,
            "version": info.version if info else None,
            "build": info.build if info else None,
            "org_id": self._dialect.org_id,
        }

    def restore(self, saved: dict[str, Any]) -> ServerInfo | None:
        """Take the server as it was last seen; None if nothing usable."""
        try:
            kind = ServerKind(saved["kind"])
            info = ServerInfo(kind, str(saved["version"]), saved.get("build"))
        except (KeyError, ValueError, TypeError):
            return None
        self._choose(info, saved.get("org_id"))
        return info

    async def async_detect(self) -> ServerInfo:
        """Ask ``/ping`` which server this is."""
        status, headers, _ = await self._http.request("GET", "/ping", scheme="Bearer")
        if status in (401, 403):
            raise InvalidAuthError(f"/ping answered {status}")
        lowered = {k.lower(): v for k, v in headers.items()}
        kind = parse_version(lowered.get("x-influxdb-version"))
        if status not in (200, 204) or kind is None:
            raise CannotConnectError(
                f"/ping answered {status} without an InfluxDB version header"
            )
        info = ServerInfo(
            kind, lowered["x-influxdb-version"], lowered.get("x-influxdb-build")
        )
        self._choose(info)
        return info

    async def async_validate(self) -> ServerInfo:
        """Detect the server, check the token and that the database exists.

        A missing database is created where the server lets us (1.x, 3.x);
        what cannot be created raises ``DatabaseNotFoundError``.
        """
        info = await self.async_detect()
        await self._dialect.async_validate()
        return info

    async def async_prepare_destinations(self) -> list[DestinationStatus]:
        """Create what is missing where we may; report what is there.

        Run after ``async_validate``. Nothing existing is altered: a
        retention that differs from the schema's is reported, not changed.
        Points for a destination that is still missing fail (counted).
        """
        statuses = await self._dialect.async_prepare_destinations()
        self.destinations = statuses
        self._unavailable = frozenset(
            s.bucket for s in statuses if s.state is DestinationState.MISSING
        )
        return statuses

    def routes(self) -> dict[RetentionClass, Destination]:
        """Each retention class's destination on this server (schema data)."""
        return self._dialect.routes

    def destination(self, retention: RetentionClass) -> str:
        """The bucket a retention class is written to (``db/rp`` on 1.x)."""
        return self._dialect.routes[retention].bucket

    @property
    def query_language(self) -> QueryLanguage:
        """The language the query action uses when none is asked for."""
        return self._dialect.query_language

    def valid_name(self, name: str) -> bool:
        """Whether the server takes ``name`` for a database or bucket."""
        return self._dialect.valid_name(name)

    async def async_query(
        self,
        query: str,
        language: QueryLanguage,
        retention: RetentionClass,
        *,
        limit: int,
        time_limit: float,
    ) -> QueryResult:
        """Run one read query against the database of a retention class."""
        dialect = self._dialect
        path, params = dialect.query_route(query, language, dialect.routes[retention])
        status, _, text = await dialect.request(
            "GET", path, params=params, time_limit=time_limit
        )
        check_auth(status, path)
        if status != 200:
            raise QueryError(error_message(text))
        return dialect.query_rows(text, limit)

    # -- writes, blocking (executor only) ----------------------------------

    def _write_client(self) -> WriteClient:
        with self._writes_lock:
            if self._writes is None:
                self._writes = self._dialect.write_client(
                    verify_ssl=self._verify_ssl, timeout=self.write_timeout
                )
            return self._writes

    def prepare_write(self) -> None:
        """Load the write client's library now (blocking: executor only).

        Called at setup, so the first score does not wait for its import,
        which costs more than serialising a batch.
        """
        self._write_client().prepare()

    def write(self, lines: Sequence[str], retention: RetentionClass) -> None:
        """Write line protocol; raise ``WriteError`` when the server refuses.

        As many requests as it takes (``splitting.Splitter``): a refusal
        names exactly the lines refused; the others are stored.
        """
        bucket = self.destination(retention)
        if bucket in self._unavailable:
            # 1.x would answer 500 (retried in vain), 3.x would create the
            # database without its retention: refuse here, counted as failed.
            raise WriteError(
                f"{bucket} does not exist and could not be created",
                status=404,
                retryable=False,
            )
        post = self._write_client().post
        self._splitter.write(lambda chunk: post(bucket, chunk), lines)

    def abort_writes(self) -> None:
        """End the request in flight now and refuse further ones (closing).

        Called from the loop while a write runs in the executor: thread-safe,
        and it waits for no request.
        """
        self._write_client().abort()

    def release_writes(self) -> None:
        """Close the write client until the next write (executor only)."""
        if self._writes is not None:
            self._writes.release()

    def close(self) -> None:
        """Close the write client for good: later writes are refused."""
        if self._writes is not None:
            self._writes.close()
