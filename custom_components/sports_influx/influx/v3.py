"""InfluxDB 3: one database per retention class, SQL and InfluxQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import json
import re

from ..const import LOGGER
from ..query import QueryLanguage, QueryResult, rows_from_v3
from ..schema import Destination, RetentionClass, duration_text, v3_destinations
from .dialect import Dialect
from .http import Http
from .server import (
    DatabaseNotFoundError,
    DestinationState,
    DestinationStatus,
    ServerKind,
)

# reference/cli/influxdb3/create/database.md: letters, digits, hyphens and
# underscores, starting with a letter or digit (the API schema is stricter
# about underscores; the server decides).
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class V3Dialect(Dialect):
    """Databases created with the schema's retention period."""

    kind = ServerKind.V3
    auth_scheme = "Bearer"
    write_v2_api = False
    query_language = QueryLanguage.SQL

    def __init__(
        self, http: Http, database: str, names: Mapping[RetentionClass, str]
    ) -> None:
        """Also remember what this client created (shown as created)."""
        super().__init__(http, database, names)
        self._created: set[str] = set()

    def _routes(
        self, names: Mapping[RetentionClass, str]
    ) -> dict[RetentionClass, Destination]:
        return v3_destinations(self.database, names)

    async def async_validate(self) -> None:
        """The database must exist or be created (409: created meanwhile)."""
        if self.database in await self._async_database_names():
            return
        periods = [
            d.period
            for d in self.routes.values()
            if d.database == self.database and d.period is not None
        ]
        status, text = await self._async_create(
            self.database, max(periods) if periods else None
        )
        if status in (200, 201, 204, 409):
            return
        raise DatabaseNotFoundError(f"create database answered {status}: {text}")

    async def _async_database_names(self) -> set[str]:
        # influxdb3-core-openapi.yaml: GET /api/v3/configure/database
        return await self._async_listed(
            "GET /api/v3/configure/database",
            "/api/v3/configure/database",
            {"format": "json"},
            lambda rows: {row.get("iox::database") for row in rows},
        )

    async def _async_create(
        self, name: str, period: timedelta | None
    ) -> tuple[int, str]:
        """POST /api/v3/configure/database: 200 created, 409 exists."""
        body: dict[str, str] = {"db": name}
        if period is not None:
            body["retention_period"] = duration_text(period)
        status, _, text = await self.request(
            "POST", "/api/v3/configure/database", json_body=body
        )
        if status in (200, 201, 204):
            self._created.add(name)
        return status, text

    async def _async_prepare(self, statuses: list[DestinationStatus]) -> None:
        names = await self._async_database_names()
        for status in statuses:
            dest = status.destination
            if dest.database in names:
                status.state = (
                    DestinationState.CREATED
                    if dest.database in self._created
                    else DestinationState.EXISTS
                )
                continue
            code, text = await self._async_create(dest.database, dest.period)
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
                    f"influxdb3 create database --host {self.http.host} "
                    "--token ADMIN_TOKEN"
                    + (f" --retention-period {status.wanted}" if status.wanted else "")
                    + f" {dest.database}"
                )
        await self._async_retention(statuses)

    async def _async_retention(self, statuses: list[DestinationStatus]) -> None:
        """Each database's retention, from InfluxQL SHOW RETENTION POLICIES.

        reference/influxql/show.md "SHOW RETENTION POLICIES" (one "autogen"
        row per database). The reference calls its values placeholders; Core
        prints the database's retention period as a Go duration ("0s" for
        none), as the reference server does after the source. The database
        list does not carry it. Shown in diagnostics only: nothing is
        changed because of it.
        """
        code, _, text = await self.request(
            "GET",
            "/api/v3/query_influxql",
            params={"q": "SHOW RETENTION POLICIES", "format": "json"},
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
                status.compare(durations[name])

    def valid_name(self, name: str) -> bool:
        """Letters, digits, ``_`` and ``-``; at most 64."""
        return NAME_RE.fullmatch(name) is not None

    def query_route(
        self, query: str, language: QueryLanguage, route: Destination
    ) -> tuple[str, dict[str, str]]:
        """``/api/v3/query_sql`` or ``/api/v3/query_influxql`` as JSON rows."""
        path = (
            "/api/v3/query_sql"
            if language is QueryLanguage.SQL
            else "/api/v3/query_influxql"
        )
        return path, {"db": route.database, "q": query, "format": "json"}

    def query_rows(self, text: str, limit: int) -> QueryResult:
        """A JSON array of rows."""
        return rows_from_v3(text, limit)
