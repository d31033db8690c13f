"""Builders shared by the tests: data the tests make, not fixtures."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from typing import Any
import uuid

from influx_stack import Stack, http_request

from custom_components.sports_influx.const import DOMAIN
from homeassistant.core import Context, HomeAssistant, ServiceResponse


@contextlib.contextmanager
def secret_database(stack: Stack, code: str = "4711") -> Iterator[str]:
    """Another database on the same server, holding one secret point.

    What a household member's token may reach but the entry must not read:
    ``door_codes,door=front code="<code>"`` in its default retention policy.
    """
    name = f"private_{uuid.uuid4().hex[:8]}"
    stack.create_database(name)
    try:
        resp = http_request(
            f"{stack.influx_url}/write?db={name}",
            "POST",
            f'door_codes,door=front code="{code}"'.encode(),
        )
        assert resp.status == 204, resp.text
        yield name
    finally:
        stack.drop_database(name)


async def call_action(
    hass: HomeAssistant,
    service: str,
    data: dict[str, Any],
    *,
    user_id: str | None = None,
    response: bool = False,
) -> ServiceResponse:
    """Call a sports_influx action as a user (or as the system, without one)."""
    return await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        context=Context(user_id=user_id),
        return_response=response,
    )
