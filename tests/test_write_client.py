"""The write client holds influxdb3-python's client only while it writes.

The library's client also runs a Flight (gRPC) query client, whose threads
keep waking up while it is open: a writer that has drained what waits holds
none of them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sports_influx.const import (
    CONF_BATCH_SIZE,
    CONF_DATABASE,
    DOMAIN,
    WRITE_CLIENT_HOLD,
)
from custom_components.sports_influx.influx.errors import WriteError
from custom_components.sports_influx.influx.write_client import WriteClient
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .conftest import select
from .factories import grpc_threads, nfl_score, no_grpc_threads_soon, scores

HOLD = timedelta(seconds=WRITE_CLIENT_HOLD)


def write_client(url: str, database: str) -> WriteClient:
    return WriteClient(
        url,
        "t",
        database,
        org=None,
        auth_scheme="Token",
        v2_api=True,
        verify_ssl=True,
        timeout=10.0,
        refused_count=lambda _message: None,
    )


async def test_a_drained_writer_holds_no_grpc_threads(
    hass: HomeAssistant, stack, database: str
) -> None:
    """Set up, the writer holds no client. Drains in a row share one, closed
    once none has begun for WRITE_CLIENT_HOLD seconds."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{stack.url}/{database}",
        data={CONF_HOST: stack.url, CONF_TOKEN: "t", CONF_DATABASE: database},
        options={CONF_BATCH_SIZE: 10},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    writer = entry.runtime_data.writer
    assert await no_grpc_threads_soon(hass)

    for n in range(3):
        # A whole batch: written at once, by a drain of its own.
        writer.async_enqueue([nfl_score(10 * n + k) for k in range(10)])
        await hass.async_block_till_done()
        assert writer.stats.points_written == 10 * (n + 1)
        async_fire_time_changed(hass, dt_util.utcnow() + HOLD / 2)
        await hass.async_block_till_done()
        assert grpc_threads()
    async_fire_time_changed(hass, dt_util.utcnow() + HOLD * 2)
    await hass.async_block_till_done()
    assert await no_grpc_threads_soon(hass)

    # A flush opens it again, for as long.
    writer.async_enqueue([nfl_score(30)])
    await writer.async_flush()
    assert grpc_threads()
    async_fire_time_changed(hass, dt_util.utcnow() + HOLD * 2)
    await hass.async_block_till_done()
    assert await no_grpc_threads_soon(hass)
    assert writer.stats.points_written == 31
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_release_and_close(hass: HomeAssistant, stack, database: str) -> None:
    """A request opens the library's client, ``release`` closes it until the
    next request, ``close`` closes it and refuses further requests."""
    client = write_client(stack.url, database)
    assert not client.is_open
    await hass.async_add_executor_job(client.post, database, scores("a", 2))
    assert client.is_open
    await hass.async_add_executor_job(client.release)
    assert not client.is_open
    assert await no_grpc_threads_soon(hass)
    await hass.async_add_executor_job(client.post, database, scores("b", 2))
    assert client.is_open
    await hass.async_add_executor_job(client.close)
    assert not client.is_open
    assert await no_grpc_threads_soon(hass)
    with pytest.raises(WriteError, match="closing"):
        await hass.async_add_executor_job(client.post, database, scores("c", 2))
    assert not client.is_open
    rows = select(stack, database, f'SELECT * FROM "{database}"..nfl_scores')
    assert len(rows) == 4
