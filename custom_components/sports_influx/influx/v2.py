"""InfluxDB 2.x: buckets the user owns, InfluxQL through the 1.x API."""

from __future__ import annotations

from collections.abc import Mapping
import json

from ..schema import Destination, RetentionClass, v2_destinations
from .server import (
    CannotConnectError,
    DatabaseNotFoundError,
    DestinationState,
    DestinationStatus,
    ServerKind,
    check_auth,
)
from .v1 import V1Dialect


class V2Dialect(V1Dialect):
    """One 2.x bucket per retention class, looked up, never created.

    Queries and write refusals are the 1.x compatibility API's, hence
    the 1.x dialect as the base.
    """

    kind = ServerKind.V2

    def _routes(
        self, names: Mapping[RetentionClass, str]
    ) -> dict[RetentionClass, Destination]:
        return v2_destinations(self.database, names)

    async def _async_buckets(self, name: str) -> tuple[int, list[dict[str, object]]]:
        code, _, text = await self.request(
            "GET", "/api/v2/buckets", params={"name": name}
        )
        check_auth(code, "GET /api/v2/buckets")
        if code != 200:
            return code, []
        try:
            return code, json.loads(text).get("buckets") or []
        except (ValueError, AttributeError) as err:
            raise CannotConnectError(f"/api/v2/buckets answered {text!r}") from err

    async def async_validate(self) -> None:
        """The bucket must exist; it names the organization writes need."""
        code, buckets = await self._async_buckets(self.database)
        if code not in (200, 404):
            raise CannotConnectError(f"GET /api/v2/buckets answered {code}")
        if not buckets:
            raise DatabaseNotFoundError(f"bucket {self.database} not found")
        org = buckets[0].get("orgID")
        self.org_id = str(org) if org is not None else None

    async def _async_prepare(self, statuses: list[DestinationStatus]) -> None:
        for status in statuses:
            try:
                code, buckets = await self._async_buckets(status.bucket)
            except CannotConnectError:
                code, buckets = 200, []
            if not buckets:
                status.error = f"GET /api/v2/buckets answered {code}"
                continue
            status.state = DestinationState.EXISTS
            # The user owns 2.x buckets: shown as the server reports them.
            status.actual = buckets[0].get("retentionRules")
