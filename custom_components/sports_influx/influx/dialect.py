"""What every server kind answers for: its routes, set-up, queries, refusals.

One ``Dialect`` is chosen per client once the server is known (``/ping``
or the remembered info); the rest of the client asks it, never the kind.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
import json
from typing import Any, ClassVar

from ..const import LOGGER
from ..query import QueryLanguage, QueryResult
from ..schema import Destination, RetentionClass, duration_text
from .http import Http
from .server import (
    CannotConnectError,
    DestinationState,
    DestinationStatus,
    ServerKind,
    check_auth,
)
from .write_client import WriteClient


class Dialect(ABC):
    """One server kind's way of doing things, for one configured database."""

    kind: ClassVar[ServerKind]
    # The Authorization scheme of its admin, query and write requests.
    auth_scheme: ClassVar[str] = "Token"
    # 1.8+ and 2.x serve /api/v2/write; InfluxDB 3 has /api/v3/write_lp.
    write_v2_api: ClassVar[bool] = True
    # The language the query action uses when none is asked for.
    query_language: ClassVar[QueryLanguage] = QueryLanguage.INFLUXQL

    def __init__(
        self, http: Http, database: str, names: Mapping[RetentionClass, str]
    ) -> None:
        """``names``: the databases or buckets the options give classes."""
        self.http = http
        self.database = database
        # 2.x writes need the organization; the bucket names it.
        self.org_id: str | None = None
        self.routes: dict[RetentionClass, Destination] = self._routes(names)

    @abstractmethod
    def _routes(
        self, names: Mapping[RetentionClass, str]
    ) -> dict[RetentionClass, Destination]:
        """Each retention class's destination (schema data)."""

    async def request(
        self, method: str, path: str, **kwargs: Any
    ) -> tuple[int, dict[str, str], str]:
        """One request in this dialect's authorization."""
        return await self.http.request(method, path, scheme=self.auth_scheme, **kwargs)

    async def _async_listed(
        self,
        what: str,
        path: str,
        params: dict[str, str],
        names: Callable[[Any], set[str]],
    ) -> set[str]:
        """The names a listing GET answers; a refusal or an answer not read raises.

        ``names`` reads the parsed JSON; any shape it does not expect is a
        server this client cannot work with, never a crash.
        """
        status, _, text = await self.request("GET", path, params=params)
        check_auth(status, what)
        if status != 200:
            raise CannotConnectError(f"{what} answered {status}: {text}")
        try:
            return names(json.loads(text))
        except (ValueError, LookupError, AttributeError, TypeError) as err:
            raise CannotConnectError(f"{what} answered {text!r}") from err

    @abstractmethod
    async def async_validate(self) -> None:
        """Check the token and that the database exists (or create it)."""

    @abstractmethod
    async def _async_prepare(self, statuses: list[DestinationStatus]) -> None:
        """Fill in each status: found, created, refused."""

    async def async_prepare_destinations(self) -> list[DestinationStatus]:
        """Create what is missing where we may; report what is there."""
        statuses = self._grouped()
        await self._async_prepare(statuses)
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
        return statuses

    def _grouped(self) -> list[DestinationStatus]:
        """One status per distinct bucket, in retention-class order."""
        found: dict[str, DestinationStatus] = {}
        for cls, dest in self.routes.items():
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

    def valid_name(self, name: str) -> bool:
        """Whether the server takes ``name`` for a database or bucket."""
        return bool(name)

    # -- queries ------------------------------------------------------------

    @abstractmethod
    def query_route(
        self, query: str, language: QueryLanguage, route: Destination
    ) -> tuple[str, dict[str, str]]:
        """Path and parameters of one read query; a language it lacks raises."""

    @abstractmethod
    def query_rows(self, text: str, limit: int) -> QueryResult:
        """Rows of a query's answer."""

    # -- writes and refusals ----------------------------------------------

    def write_client(self, *, verify_ssl: bool, timeout: float) -> WriteClient:
        """The blocking client of this server's write route (not built yet)."""
        return WriteClient(
            self.http.host,
            self.http.token,
            self.database,
            org=self.org_id,
            auth_scheme=self.auth_scheme,
            v2_api=self.write_v2_api,
            verify_ssl=verify_ssl,
            timeout=timeout,
            refused_count=self.refused_count,
        )

    def refused_count(self, message: str) -> int | None:
        """How many lines a refusal's message says were dropped, if it does."""
        return None

    def suspects(self, message: str, lines: Sequence[str], run: list[int]) -> list[int]:
        """Which lines of ``run`` a refusal's message points at, as a first guess.

        Only where to split first: what the server then takes or refuses
        decides.
        """
        return []
