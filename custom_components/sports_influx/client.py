"""The server: what it is, whether we may use it, and writing to it.

Admin calls (``/ping``, databases) are async over HA's aiohttp session.
Writes go through influxdb3-python, which is synchronous: ``write`` and
``close`` block and must run in the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from .const import LOGGER, MAX_REFUSED_REQUESTS, MAX_REQUEST_BYTES, REQUEST_TIMEOUT
from .deadline import Deadline, install as install_deadline
from .query import (
    QueryError,
    QueryLanguage,
    QueryResult,
    error_message,
    rows_from_v1,
    rows_from_v3,
)
from .schema import (
    Destination,
    RetentionClass,
    duration_text,
    v1_destinations,
    v2_destinations,
    v3_destinations,
)
from .splitting import Splitter
from .write_errors import InfluxError, RejectedLine, WriteError

# influxdb3-python imports pyarrow, numpy and gRPC Flight with its package:
# loaded when the write client is first built (in the executor), not with HA.
if TYPE_CHECKING:
    from influxdb_client_3 import InfluxDBClient3
    from influxdb_client_3.exceptions.exceptions import InfluxDBError


class ServerKind(StrEnum):
    """Major InfluxDB versions, which differ in routes and auth."""

    V1 = "1"
    V2 = "2"
    V3 = "3"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``/ping`` said."""

    kind: ServerKind
    version: str
    build: str | None


class CannotConnectError(InfluxError):
    """The server cannot be reached or answers garbage."""


class InvalidAuthError(InfluxError):
    """The token was refused."""


class DatabaseNotFoundError(InfluxError):
    """The database (bucket) does not exist and could not be created."""


class StatementError(InfluxError):
    """An InfluxQL statement the server refused (1.x ``/query``)."""


class UnsupportedQueryError(InfluxError):
    """The server does not speak the query language asked for."""


class DestinationState(StrEnum):
    """What setup found for a database, retention policy or bucket."""

    CREATED = "created"
    EXISTS = "exists"
    # Exists with another retention than the schema's: used, left alone.
    OTHER_RETENTION = "other_retention"
    # Does not exist and could not be created: its points fail.
    MISSING = "missing"


@dataclass(slots=True)
class DestinationStatus:
    """One place points are written to, as the server reported it."""

    bucket: str
    classes: list[RetentionClass]
    state: DestinationState
    # The destination as the schema gives it (not shown in diagnostics).
    destination: Destination = field(repr=False)
    # What the integration creates it with ("730d"); None on 2.x.
    wanted: str | None
    # What the server says: 1.x/3.x a duration ("17520h0m0s", "0s" =
    # forever), 2.x the bucket's retentionRules.
    actual: object = None
    # Creation was refused for lack of rights (401/403).
    forbidden: bool = False
    error: str | None = None
    # What an administrator runs to create it by hand (1.x, 3.x).
    command: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A plain copy for diagnostics."""
        return {
            "bucket": self.bucket,
            "classes": [str(c) for c in self.classes],
            "state": str(self.state),
            "wanted": self.wanted,
            "actual": self.actual,
            "forbidden": self.forbidden,
            "error": self.error,
            "command": self.command,
        }


_RETRYABLE_STATUS = frozenset({408, 429})
# Go durations as 1.x and 3.x print them in SHOW RETENTION POLICIES.
_GO_DURATION_RE = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?")
# InfluxDB 1.x: "partial write: ... dropped=3"
_DROPPED_RE = re.compile(r"dropped=(\d+)")


def parse_version(header: str | None) -> ServerKind | None:
    """Map an ``X-Influxdb-Version`` header to a server kind."""
    if not header:
        return None
    major = header.strip().lstrip("vV").split(".", 1)[0]
    try:
        return ServerKind(major)
    except ValueError:
        return None


def parse_go_duration(text: object) -> timedelta | None:
    """``17520h0m0s`` -> 730 days; ``0s`` (forever) and garbage -> None."""
    if not isinstance(text, str) or not text:
        return None
    match = _GO_DURATION_RE.fullmatch(text)
    if match is None:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    period = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return period or None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_host(host: str) -> str:
    """One spelling per server: the key of the already-configured check.

    A missing scheme means http; scheme and host name are lower case (an
    internationalised name in its ASCII form), the scheme's default port and
    trailing slashes are dropped, a path prefix is kept. User info is kept
    (the config flow refuses it; entries made before it did still use it).
    """
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
    try:
        parts = urlsplit(host)
        port = parts.port
    except ValueError:
        return host
    scheme = parts.scheme.lower()
    name = parts.hostname or ""
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:  # not a valid name: the server will not answer it
        name = name.strip()
    if ":" in name:
        name = f"[{name}]"
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@{name}" if userinfo else name
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def write_error_from(err: InfluxDBError) -> WriteError:
    """Classify an influxdb3-python write exception."""
    # Loaded already: the exception came from the library.
    from influxdb_client_3.exceptions.exceptions import InfluxDBPartialWriteError

    response = err.response
    if response is None:
        return WriteError(err.message, status=None, retryable=True)
    status = int(response.status)
    message = str(err.message)
    if isinstance(err, InfluxDBPartialWriteError):
        lines = [
            RejectedLine(e.line_number, e.error_message, e.original_line)
            for e in err.line_errors
        ]
        return WriteError(
            message, status=status, retryable=False, rejected=len(lines), lines=lines
        )
    retryable = status >= 500 or status in _RETRYABLE_STATUS
    rejected = None
    if match := _DROPPED_RE.search(message):
        rejected = int(match.group(1))
    return WriteError(
        message,
        status=status,
        retryable=retryable,
        rejected=rejected,
        retry_after=_retry_after(err.retry_after),
    )


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
        self._session = session
        self.host = normalize_host(host)
        self._token = token
        self.database = database
        self._verify_ssl = verify_ssl
        self._names = names or {}
        self.info: ServerInfo | None = None
        self._writer: InfluxDBClient3 | None = None
        self._org_id: str | None = None
        # Filled by async_prepare_destinations.
        self.destinations: list[DestinationStatus] = []
        self._unavailable: frozenset[str] = frozenset()
        self._created: set[str] = set()
        # Each write request ends by then, however the server drips.
        self.write_timeout = REQUEST_TIMEOUT
        self._splitter = Splitter(MAX_REQUEST_BYTES, MAX_REFUSED_REQUESTS)
        self._deadline: Deadline | None = None
        self._aborted = False

    # -- admin, async ------------------------------------------------------

    def _headers(self, kind: ServerKind | None) -> dict[str, str]:
        # InfluxDB 3 takes Bearer everywhere; 1.8+/2.x compatibility takes Token.
        scheme = "Bearer" if kind is ServerKind.V3 else "Token"
        return {"Authorization": f"{scheme} {self._token}"} if self._token else {}

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        data: dict[str, str] | None = None,
        kind: ServerKind | None = None,
        time_limit: float = REQUEST_TIMEOUT,
    ) -> tuple[int, dict[str, str], str]:
        try:
            async with asyncio.timeout(time_limit):
                async with self._session.request(
                    method,
                    f"{self.host}{path}",
                    params=params,
                    json=json_body,
                    data=data,
                    headers=self._headers(kind),
                ) as resp:
                    text = await resp.text(errors="replace")
                    return resp.status, dict(resp.headers), text
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnectError(f"{method} {path}: {err!r}") from err

    def remembered(self) -> dict[str, str | None]:
        """What a later start needs to write while the server is away."""
        info = self.info
        return {
            "kind": info.kind.value if info else None,
            "version": info.version if info else None,
            "build": info.build if info else None,
            "org_id": self._org_id,
        }

    def restore(self, saved: dict[str, Any]) -> ServerInfo | None:
        """Take the server as it was last seen; None if nothing usable."""
        try:
            kind = ServerKind(saved["kind"])
            info = ServerInfo(kind, str(saved["version"]), saved.get("build"))
        except (KeyError, ValueError, TypeError):
            return None
        self.info = info
        self._org_id = saved.get("org_id")
        return info

    async def async_detect(self) -> ServerInfo:
        """Ask ``/ping`` which server this is."""
        status, headers, _ = await self._request("GET", "/ping", kind=ServerKind.V3)
        if status in (401, 403):
            raise InvalidAuthError(f"/ping answered {status}")
        lowered = {k.lower(): v for k, v in headers.items()}
        kind = parse_version(lowered.get("x-influxdb-version"))
        if status not in (200, 204) or kind is None:
            raise CannotConnectError(
                f"/ping answered {status} without an InfluxDB version header"
            )
        self.info = ServerInfo(
            kind, lowered["x-influxdb-version"], lowered.get("x-influxdb-build")
        )
        return self.info

    async def async_validate(self) -> ServerInfo:
        """Detect the server, check the token and that the database exists.

        A missing database is created where the server lets us (1.x, 3.x);
        what cannot be created raises ``DatabaseNotFoundError``.
        """
        info = await self.async_detect()
        if info.kind is ServerKind.V1:
            await self._async_validate_v1()
        elif info.kind is ServerKind.V2:
            await self._async_validate_v2()
        else:
            await self._async_validate_v3()
        return info

    def _check_auth(self, status: int, what: str) -> None:
        if status in (401, 403):
            raise InvalidAuthError(f"{what} answered {status}")

    async def _async_validate_v1(self) -> None:
        status, _, text = await self._request(
            "GET", "/query", params={"q": "SHOW DATABASES"}
        )
        self._check_auth(status, "SHOW DATABASES")
        if status != 200:
            raise CannotConnectError(f"SHOW DATABASES answered {status}: {text}")
        try:
            series = json.loads(text)["results"][0].get("series", [])
            names = {row[0] for s in series for row in s.get("values", [])}
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise CannotConnectError(f"SHOW DATABASES answered {text!r}") from err
        if self.database in names:
            return
        status, _, text = await self._request(
            "POST",
            "/query",
            data={"q": f'CREATE DATABASE "{_influxql_ident(self.database)}"'},
        )
        self._check_auth(status, "CREATE DATABASE")
        if status != 200 or '"error"' in text:
            raise DatabaseNotFoundError(f"CREATE DATABASE answered {status}: {text}")

    async def _async_validate_v2(self) -> None:
        status, _, text = await self._request(
            "GET", "/api/v2/buckets", params={"name": self.database}
        )
        self._check_auth(status, "GET /api/v2/buckets")
        if status == 404:
            raise DatabaseNotFoundError(f"bucket {self.database} not found")
        if status != 200:
            raise CannotConnectError(f"GET /api/v2/buckets answered {status}")
        try:
            buckets = json.loads(text).get("buckets") or []
        except (ValueError, AttributeError) as err:
            raise CannotConnectError(f"/api/v2/buckets answered {text!r}") from err
        if not buckets:
            raise DatabaseNotFoundError(f"bucket {self.database} not found")
        # 2.x writes need the organization; the bucket names it.
        self._org_id = buckets[0].get("orgID")

    async def _async_validate_v3(self) -> None:
        names = await self._async_v3_database_names()
        if self.database in names:
            return
        periods = [
            d.period
            for d in self.routes().values()
            if d.database == self.database and d.period is not None
        ]
        status, text = await self._async_create_v3(
            self.database, max(periods) if periods else None
        )
        if status in (200, 201, 204, 409):
            return
        raise DatabaseNotFoundError(f"create database answered {status}: {text}")

    async def _async_v3_database_names(self) -> set[str]:
        # influxdb3-core-openapi.yaml: GET /api/v3/configure/database
        status, _, text = await self._request(
            "GET",
            "/api/v3/configure/database",
            params={"format": "json"},
            kind=ServerKind.V3,
        )
        self._check_auth(status, "GET /api/v3/configure/database")
        if status != 200:
            raise CannotConnectError(f"list databases answered {status}: {text}")
        try:
            rows = json.loads(text)
            return {row.get("iox::database") for row in rows}
        except (ValueError, AttributeError, TypeError) as err:
            raise CannotConnectError(f"list databases answered {text!r}") from err

    async def _async_create_v3(
        self, name: str, period: timedelta | None
    ) -> tuple[int, str]:
        """POST /api/v3/configure/database: 200 created, 409 exists."""
        body: dict[str, str] = {"db": name}
        if period is not None:
            body["retention_period"] = duration_text(period)
        status, _, text = await self._request(
            "POST", "/api/v3/configure/database", json_body=body, kind=ServerKind.V3
        )
        if status in (200, 201, 204):
            self._created.add(name)
        return status, text

    # -- retention: databases, retention policies, buckets -----------------

    def routes(self) -> dict[RetentionClass, Destination]:
        """Each retention class's destination on this server (schema data)."""
        kind = self.info.kind if self.info else ServerKind.V3
        if kind is ServerKind.V1:
            return v1_destinations(self.database)
        if kind is ServerKind.V2:
            return v2_destinations(self.database, self._names.get(kind, {}))
        return v3_destinations(self.database, self._names.get(kind, {}))

    def _grouped(self) -> list[DestinationStatus]:
        """One status per distinct bucket, in retention-class order."""
        found: dict[str, DestinationStatus] = {}
        for cls, dest in self.routes().items():
            if dest.bucket in found:
                found[dest.bucket].classes.append(cls)
                continue
            found[dest.bucket] = DestinationStatus(
                bucket=dest.bucket,
                classes=[cls],
                state=DestinationState.MISSING,
                wanted=duration_text(dest.period) if dest.period else None,
                destination=dest,
            )
        return list(found.values())

    async def async_prepare_destinations(self) -> list[DestinationStatus]:
        """Create what is missing where we may; report what is there.

        Run after ``async_validate``. Nothing existing is altered: a
        retention that differs from the schema's is reported, not changed.
        Points for a destination that is still missing fail (counted).
        """
        statuses = self._grouped()
        kind = self.info.kind if self.info else ServerKind.V3
        if kind is ServerKind.V1:
            await self._async_prepare_v1(statuses)
        elif kind is ServerKind.V2:
            await self._async_prepare_v2(statuses)
        else:
            await self._async_prepare_v3(statuses)
        for status in statuses:
            if status.state is DestinationState.OTHER_RETENTION:
                LOGGER.warning(
                    "%s keeps data for %s, not %s as the schema wants; left as it is",
                    status.bucket,
                    status.actual,
                    status.wanted,
                )
            elif status.state is DestinationState.MISSING:
                LOGGER.warning(
                    "%s does not exist and could not be created (%s); "
                    "its points will fail",
                    status.bucket,
                    status.error,
                )
        self.destinations = statuses
        self._unavailable = frozenset(
            s.bucket for s in statuses if s.state is DestinationState.MISSING
        )
        return statuses

    @staticmethod
    def _compare(status: DestinationStatus, actual: object) -> None:
        """Record the server's retention; flag one that differs."""
        status.actual = actual
        wanted = status.destination.period
        if wanted is not None and parse_go_duration(actual) != wanted:
            status.state = DestinationState.OTHER_RETENTION

    async def _async_influxql(
        self, query: str, *, post: bool = False
    ) -> list[dict[str, object]]:
        """Rows of one 1.x InfluxQL statement; a statement error raises."""
        status, _, text = await self._request(
            "POST" if post else "GET",
            "/query",
            params=None if post else {"q": query},
            data={"q": query} if post else None,
        )
        if status in (401, 403):
            raise InvalidAuthError(f"{query} answered {status}: {text}")
        try:
            result = json.loads(text)["results"][0]
            if status != 200 or "error" in result:
                raise StatementError(str(result.get("error", text)))
            return [
                dict(zip(series["columns"], values, strict=True))
                for series in result.get("series", [])
                for values in series["values"]
            ]
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as err:
            raise CannotConnectError(f"{query} answered {status}: {text!r}") from err

    async def _async_prepare_v1(self, statuses: list[DestinationStatus]) -> None:
        ident = _influxql_ident(self.database)
        show = f'SHOW RETENTION POLICIES ON "{ident}"'
        existing = await self._async_v1_policies(show)
        created = False
        for status in statuses:
            dest = status.destination
            rp = dest.retention_policy or ""
            if rp in existing:
                status.state = DestinationState.EXISTS
                self._compare(status, existing[rp])
                continue
            # REPLICATION 1: one node; the shard duration is left to the server.
            create = (
                f'CREATE RETENTION POLICY "{_influxql_ident(rp)}" ON "{ident}" '
                f"DURATION {status.wanted} REPLICATION 1"
            )
            status.command = create
            try:
                await self._async_influxql(create, post=True)
            except InvalidAuthError as err:
                status.forbidden = True
                status.error = str(err)
                continue
            except StatementError as err:
                status.error = str(err)
                continue
            status.state = DestinationState.CREATED
            created = True
        if created:
            # Show what the server made of it (1.x prints Go durations).
            existing = await self._async_v1_policies(show)
            for status in statuses:
                if status.state is DestinationState.CREATED:
                    status.actual = existing.get(
                        status.destination.retention_policy or ""
                    )

    async def _async_v1_policies(self, show: str) -> dict[str, object]:
        try:
            rows = await self._async_influxql(show)
        except StatementError as err:
            raise CannotConnectError(f"{show}: {err}") from err
        return {str(row["name"]): row["duration"] for row in rows}

    async def _async_prepare_v2(self, statuses: list[DestinationStatus]) -> None:
        for status in statuses:
            code, _, text = await self._request(
                "GET", "/api/v2/buckets", params={"name": status.bucket}
            )
            self._check_auth(code, "GET /api/v2/buckets")
            buckets: list[dict[str, object]] = []
            if code == 200:
                try:
                    buckets = json.loads(text).get("buckets") or []
                except (ValueError, AttributeError):
                    buckets = []
            if not buckets:
                status.error = f"GET /api/v2/buckets answered {code}"
                continue
            status.state = DestinationState.EXISTS
            # The user owns 2.x buckets: shown as the server reports them.
            status.actual = buckets[0].get("retentionRules")

    async def _async_prepare_v3(self, statuses: list[DestinationStatus]) -> None:
        names = await self._async_v3_database_names()
        for status in statuses:
            dest = status.destination
            if dest.database in names:
                status.state = (
                    DestinationState.CREATED
                    if dest.database in self._created
                    else DestinationState.EXISTS
                )
                continue
            code, text = await self._async_create_v3(dest.database, dest.period)
            if code in (200, 201, 204):
                status.state = DestinationState.CREATED
            elif code == 409:
                # Created meanwhile by someone else: used as it is.
                status.state = DestinationState.EXISTS
            else:
                status.forbidden = code in (401, 403)
                status.error = f"{code}: {text.strip()}"
                # reference/cli/influxdb3/create/database.md
                status.command = (
                    f"influxdb3 create database --host {self.host} "
                    "--token ADMIN_TOKEN"
                    + (f" --retention-period {status.wanted}" if status.wanted else "")
                    + f" {dest.database}"
                )
        await self._async_v3_retention(statuses)

    async def _async_v3_retention(self, statuses: list[DestinationStatus]) -> None:
        """Each database's retention, from InfluxQL SHOW RETENTION POLICIES.

        reference/influxql/show.md "SHOW RETENTION POLICIES" (one "autogen"
        row per database). The reference calls its values placeholders; Core
        prints the database's retention period as a Go duration ("0s" for
        none), as the reference server does after the source. The database
        list does not carry it. Shown in diagnostics only: nothing is
        changed because of it.
        """
        code, _, text = await self._request(
            "GET",
            "/api/v3/query_influxql",
            params={"q": "SHOW RETENTION POLICIES", "format": "json"},
            kind=ServerKind.V3,
        )
        try:
            rows = json.loads(text) if code == 200 else []
            durations = {row["iox::database"]: row["duration"] for row in rows}
        except (ValueError, KeyError, TypeError) as err:
            LOGGER.debug("SHOW RETENTION POLICIES answered %r: %s", text, err)
            return
        for status in statuses:
            name = status.destination.database
            if status.state is not DestinationState.MISSING and name in durations:
                self._compare(status, durations[name])

    # -- queries ------------------------------------------------------------

    async def async_query(
        self,
        query: str,
        language: QueryLanguage,
        retention: RetentionClass,
        *,
        limit: int,
        time_limit: float,
    ) -> QueryResult:
        """Run one read query against the database of a retention class.

        InfluxDB 3: ``/api/v3/query_sql`` or ``/api/v3/query_influxql``
        (``format=json``). 1.x/2.x: InfluxQL on ``/query`` with ``rp`` set
        to the class's retention policy, so unqualified measurements resolve
        where the integration writes them.
        """
        kind = self.info.kind if self.info else ServerKind.V3
        route = self.routes()[retention]
        if kind is ServerKind.V3:
            path = (
                "/api/v3/query_sql"
                if language is QueryLanguage.SQL
                else "/api/v3/query_influxql"
            )
            params = {"db": route.database, "q": query, "format": "json"}
        elif language is QueryLanguage.SQL:
            raise UnsupportedQueryError(f"{kind} servers answer InfluxQL only")
        else:
            path = "/query"
            params = {"db": route.database, "q": query}
            if route.retention_policy:
                params["rp"] = route.retention_policy
        status, _, text = await self._request(
            "GET", path, params=params, kind=kind, time_limit=time_limit
        )
        self._check_auth(status, path)
        if status != 200:
            raise QueryError(error_message(text))
        if kind is ServerKind.V3:
            return rows_from_v3(text, limit)
        return rows_from_v1(text, limit)

    # -- writes, blocking (executor only) ----------------------------------

    def prepare_write(self) -> None:
        """Build the write client now (blocking: executor only).

        Called at setup, so the first score does not wait for the client's
        construction (~1 ms of CPU, more than serialising 50 points).
        """
        self._write_client()

    def _write_client(self) -> InfluxDBClient3:
        if self._writer is None:
            from influxdb_client_3 import InfluxDBClient3

            info = self.info
            kind = info.kind if info else ServerKind.V3
            parts = urlsplit(self.host)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            writer = InfluxDBClient3(
                host=self.host,
                token=self._token or "none",
                database=self.database,
                org=self._org_id,
                auth_scheme="Bearer" if kind is ServerKind.V3 else "Token",
                # The client defaults to 443 when the URL has no port.
                write_port_overwrite=port,
                verify_ssl=self._verify_ssl,
                write_timeout=int(self.write_timeout * 1000),
                # InfluxDB 3 has /api/v3/write_lp; 1.8+ and 2.x serve /api/v2/write.
                write_use_v2_api=kind is not ServerKind.V3,
            )
            # The client always opens a Flight (gRPC) client for queries too,
            # which this one never makes: its 5 gRPC threads cost 0.4-0.6 ms
            # of CPU a second for as long as HA runs (bench/RESULTS.md). The
            # client's own close() closes it again harmlessly.
            writer._query_api.close()  # noqa: SLF001 - no public way to skip it
            # urllib3's read timeout bounds each recv, not the request.
            install_deadline(writer.rest_client.pool_manager)
            self._writer = writer
        return self._writer

    def destination(self, retention: RetentionClass) -> str:
        """The bucket a retention class is written to (``db/rp`` on 1.x)."""
        return self.routes()[retention].bucket

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
        self._splitter.write(lambda chunk: self._post(bucket, chunk), lines)

    def _post(self, bucket: str, lines: Sequence[str]) -> None:
        """One request, ended at ``write_timeout`` whatever the server does."""
        from influxdb_client_3 import WritePrecision
        from influxdb_client_3.exceptions.exceptions import InfluxDBError

        body = "\n".join(lines).encode("utf-8")
        deadline = Deadline(self.write_timeout)
        self._deadline = deadline
        if self._aborted:
            self._deadline = None
            raise WriteError("the writer is closing", status=None, retryable=True)
        try:
            with deadline:
                self._write_client().write(
                    record=body,
                    database=bucket,
                    write_precision=WritePrecision.NS,
                )
        except InfluxDBError as err:
            raise write_error_from(err) from err
        except WriteError:
            raise
        except Exception as err:  # urllib3 raises many kinds; all mean unreachable
            if deadline.passed:
                # It may have landed: a retry writes the same points again.
                message = f"no answer within {self.write_timeout:.0f} s"
                if deadline.ended_early:
                    message = "ended by closing before the server answered"
                raise WriteError(message, status=None, retryable=True) from err
            raise WriteError(f"{err!r}", status=None, retryable=True) from err
        finally:
            self._deadline = None

    def abort_writes(self) -> None:
        """End the request in flight now and refuse further ones (closing).

        Thread-safe and never blocks: called from the loop while a write
        runs in the executor.
        """
        self._aborted = True
        if (deadline := self._deadline) is not None:
            deadline.expire()

    def close(self) -> None:
        """Release the HTTP pool."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _influxql_ident(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')
