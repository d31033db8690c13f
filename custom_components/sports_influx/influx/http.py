"""Admin and query requests over HA's aiohttp session (async)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from ..const import REQUEST_TIMEOUT
from .server import CannotConnectError


class Http:
    """One server's base URL and token; each request bounded in time."""

    def __init__(self, session: aiohttp.ClientSession, host: str, token: str) -> None:
        """Remember the session; nothing is opened yet."""
        self._session = session
        self.host = host
        self.token = token

    async def request(
        self,
        method: str,
        path: str,
        *,
        scheme: str,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        data: dict[str, str] | None = None,
        time_limit: float = REQUEST_TIMEOUT,
    ) -> tuple[int, dict[str, str], str]:
        """Status, headers and text of one request; unreachable raises.

        ``scheme``: the Authorization scheme the server takes ("Bearer" on
        InfluxDB 3, "Token" on 1.8+ and 2.x).
        """
        headers = {"Authorization": f"{scheme} {self.token}"} if self.token else {}
        try:
            async with asyncio.timeout(time_limit):
                async with self._session.request(
                    method,
                    f"{self.host}{path}",
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                ) as resp:
                    text = await resp.text(errors="replace")
                    return resp.status, dict(resp.headers), text
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CannotConnectError(f"{method} {path}: {err!r}") from err
