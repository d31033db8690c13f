"""InfluxDB 1.x: InfluxQL on ``/query``, retention policies, partial writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import json
import re
from typing import Any

from ..query import QueryLanguage, QueryResult, rows_from_v1
from ..schema import Destination, RetentionClass, v1_destinations
from .dialect import Dialect
from .server import (
    CannotConnectError,
    DatabaseNotFoundError,
    DestinationState,
    DestinationStatus,
    InvalidAuthError,
    ServerKind,
    StatementError,
    UnsupportedQueryError,
    check_auth,
)

# "partial write: ... dropped=3"
DROPPED_RE = re.compile(r"dropped=(\d+)")
# 'partial write: field type conflict: input field "home_score" on
# measurement "nfl_scores" is type float, already exists as type integer'
CONFLICT_RE = re.compile(
    r'input field "(?P<field>[^"]+)" on measurement "(?P<measurement>[^"]+)"'
    r" is type (?P<type>\w+)"
)
# How a value of each field type is written in line protocol.
_VALUE_RE = {
    "float": r"-?[0-9.]+(?:[eE][-+]?[0-9]+)?(?=[, ]|$)",
    "integer": r"-?[0-9]+i",
    "unsigned": r"[0-9]+u",
    "string": '"',
    "boolean": r"(?:t|f|true|false|T|F|TRUE|FALSE)(?=[, ]|$)",
}


def influxql_ident(name: str) -> str:
    """A name to put between double quotes in InfluxQL."""
    return name.replace("\\", "\\\\").replace('"', '\\"')


def dropped(message: str) -> int | None:
    """The count of a "partial write" refusal (1.x and 2.x)."""
    if match := DROPPED_RE.search(message):
        return int(match.group(1))
    return None


def conflict_suspects(message: str, lines: Sequence[str], run: list[int]) -> list[int]:
    """The lines of ``run`` a field type conflict points at."""
    match = CONFLICT_RE.search(message)
    if match is None or (value := _VALUE_RE.get(match["type"])) is None:
        return []
    prefix = match["measurement"]
    field_re = re.compile(rf"[ ,]{re.escape(match['field'])}={value}")
    return [
        i
        for i in run
        if lines[i].startswith((f"{prefix},", f"{prefix} "))
        and field_re.search(lines[i])
    ]


class V1Dialect(Dialect):
    """One 1.x database and its retention policies."""

    kind = ServerKind.V1

    def _routes(
        self, names: Mapping[RetentionClass, str]
    ) -> dict[RetentionClass, Destination]:
        # The policies are fixed: the options name nothing on 1.x.
        return v1_destinations(self.database)

    async def async_validate(self) -> None:
        """Check the database exists; create it when the token may."""
        names = await self._async_listed(
            "SHOW DATABASES", "/query", {"q": "SHOW DATABASES"}, _database_names
        )
        if self.database in names:
            return
        status, _, text = await self.request(
            "POST",
            "/query",
            data={"q": f'CREATE DATABASE "{influxql_ident(self.database)}"'},
        )
        check_auth(status, "CREATE DATABASE")
        if status != 200 or '"error"' in text:
            raise DatabaseNotFoundError(f"CREATE DATABASE answered {status}: {text}")

    async def _async_influxql(
        self, query: str, *, post: bool = False
    ) -> list[dict[str, object]]:
        """Rows of one InfluxQL statement; a statement error raises."""
        status, _, text = await self.request(
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

    async def _async_prepare(self, statuses: list[DestinationStatus]) -> None:
        ident = influxql_ident(self.database)
        show = f'SHOW RETENTION POLICIES ON "{ident}"'
        existing = await self._async_policies(show)
        created = False
        for status in statuses:
            rp = status.destination.retention_policy or ""
            if rp in existing:
                status.state = DestinationState.EXISTS
                status.compare(existing[rp])
                continue
            # REPLICATION 1: one node; the shard duration is left to the server.
            create = (
                f'CREATE RETENTION POLICY "{influxql_ident(rp)}" ON "{ident}" '
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
            existing = await self._async_policies(show)
            for status in statuses:
                if status.state is DestinationState.CREATED:
                    status.actual = existing.get(
                        status.destination.retention_policy or ""
                    )

    async def _async_policies(self, show: str) -> dict[str, object]:
        try:
            rows = await self._async_influxql(show)
        except StatementError as err:
            raise CannotConnectError(f"{show}: {err}") from err
        return {str(row["name"]): row["duration"] for row in rows}

    def query_route(
        self, query: str, language: QueryLanguage, route: Destination
    ) -> tuple[str, dict[str, str]]:
        """InfluxQL on ``/query``, ``rp`` set to the class's policy.

        Unqualified measurements then resolve where the integration
        writes them.
        """
        if language is QueryLanguage.SQL:
            raise UnsupportedQueryError(f"{self.kind} servers answer InfluxQL only")
        params = {"db": route.database, "q": query}
        if route.retention_policy:
            params["rp"] = route.retention_policy
        return "/query", params

    def query_rows(self, text: str, limit: int) -> QueryResult:
        """``results`` -> ``series`` flattened to rows."""
        return rows_from_v1(text, limit)

    def refused_count(self, message: str) -> int | None:
        """The ``dropped=`` count of a partial write."""
        return dropped(message)

    def suspects(self, message: str, lines: Sequence[str], run: list[int]) -> list[int]:
        """The lines a field type conflict points at."""
        return conflict_suspects(message, lines, run)


def _database_names(answer: Any) -> set[str]:
    """The names in ``SHOW DATABASES``'s answer."""
    series = answer["results"][0].get("series", [])
    return {row[0] for s in series for row in s.get("values", [])}
