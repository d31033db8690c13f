"""The server: what it is, whether we may use it, and writing to it.

Admin calls (``/ping``, databases) are async over HA's aiohttp session.
Writes go through influxdb3-python, which is synchronous: ``write`` and
``close`` block and must run in the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
import json
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from influxdb_client_3 import InfluxDBClient3, WritePrecision
from influxdb_client_3.exceptions.exceptions import (
    InfluxDBError,
    InfluxDBPartialWriteError,
)

from .const import REQUEST_TIMEOUT
from .schema import RetentionClass


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


class InfluxError(Exception):
    """Base error of the client."""


class CannotConnectError(InfluxError):
    """The server cannot be reached or answers garbage."""


class InvalidAuthError(InfluxError):
    """The token was refused."""


class DatabaseNotFoundError(InfluxError):
    """The database (bucket) does not exist and could not be created."""


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """One line the server refused, as it named it."""

    line_number: int
    error: str
    line: str


class WriteError(InfluxError):
    """A write failed.

    ``retryable``: a retry may succeed (connection, 5xx, 408, 429).
    ``rejected``: how many lines the server refused for good, when known
    (a partial write stores the rest).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        retryable: bool,
        rejected: int | None = None,
        lines: Sequence[RejectedLine] = (),
        retry_after: float | None = None,
    ) -> None:
        """Store what the server said."""
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.rejected = rejected
        self.lines = tuple(lines)
        self.retry_after = retry_after


_RETRYABLE_STATUS = frozenset({408, 429})
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


def normalize_host(host: str) -> str:
    """The URL without trailing slash; a missing scheme means http."""
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
    return host


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def write_error_from(err: InfluxDBError) -> WriteError:
    """Classify an influxdb3-python write exception."""
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
    ) -> None:
        """Remember the connection; nothing is opened yet."""
        self._session = session
        self.host = normalize_host(host)
        self._token = token
        self.database = database
        self._verify_ssl = verify_ssl
        self.info: ServerInfo | None = None
        self._writer: InfluxDBClient3 | None = None
        self._org_id: str | None = None

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
    ) -> tuple[int, dict[str, str], str]:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
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
            names = {row.get("iox::database") for row in rows}
        except (ValueError, AttributeError, TypeError) as err:
            raise CannotConnectError(f"list databases answered {text!r}") from err
        if self.database in names:
            return
        # POST /api/v3/configure/database: 200 created, 409 exists.
        status, _, text = await self._request(
            "POST",
            "/api/v3/configure/database",
            json_body={"db": self.database},
            kind=ServerKind.V3,
        )
        if status in (200, 201, 204, 409):
            return
        raise DatabaseNotFoundError(f"create database answered {status}: {text}")

    # -- writes, blocking (executor only) ----------------------------------

    def _write_client(self) -> InfluxDBClient3:
        if self._writer is None:
            info = self.info
            kind = info.kind if info else ServerKind.V3
            parts = urlsplit(self.host)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            self._writer = InfluxDBClient3(
                host=self.host,
                token=self._token or "none",
                database=self.database,
                org=self._org_id,
                auth_scheme="Bearer" if kind is ServerKind.V3 else "Token",
                # The client defaults to 443 when the URL has no port.
                write_port_overwrite=port,
                verify_ssl=self._verify_ssl,
                write_timeout=int(REQUEST_TIMEOUT * 1000),
                # InfluxDB 3 has /api/v3/write_lp; 1.8+ and 2.x serve /api/v2/write.
                write_use_v2_api=kind is not ServerKind.V3,
            )
        return self._writer

    def destination(self, retention: RetentionClass) -> str:
        """The database (bucket) a retention class is written to."""
        return self.database

    def write(self, lines: Sequence[str], retention: RetentionClass) -> None:
        """Write line protocol; raise ``WriteError`` when the server refuses."""
        body = "\n".join(lines)
        try:
            self._write_client().write(
                record=body,
                database=self.destination(retention),
                write_precision=WritePrecision.NS,
            )
        except InfluxDBError as err:
            raise write_error_from(err) from err
        except Exception as err:  # urllib3 raises many kinds; all mean unreachable
            raise WriteError(f"{err!r}", status=None, retryable=True) from err

    def close(self) -> None:
        """Release the HTTP pool."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def _influxql_ident(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')
