"""One server, many spellings: one entry, each point written once.

The same database added as ``http://127.0.0.1:P`` and ``HTTP://127.0.0.1:P/``
were two entries writing every point twice; hosts are normalised before the
already-configured check and for the unique id.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.const import CONF_DATABASE, DOMAIN
from custom_components.sports_influx.influx import normalize_host
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_TOKEN, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import RECENT, select_from
from .factories import call_action


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("HTTP://127.0.0.1:8086/", "http://127.0.0.1:8086"),
        ("  http://127.0.0.1:8086//  ", "http://127.0.0.1:8086"),
        ("127.0.0.1:8086", "http://127.0.0.1:8086"),
        ("http://Influx.Example.COM:80/", "http://influx.example.com"),
        ("https://influx.example.com:443", "https://influx.example.com"),
        ("https://influx.example.com:80", "https://influx.example.com:80"),
        ("http://influx.example.com:443", "http://influx.example.com:443"),
        ("http://Bücher.example:8086", "http://xn--bcher-kva.example:8086"),
        ("http://[::1]:8086/", "http://[::1]:8086"),
        ("https://Proxy.Example/Influx/", "https://proxy.example/Influx"),
        ("http://h:not-a-port", "http://h:not-a-port"),
    ],
)
def test_normalize_host(given: str, normal: str) -> None:
    """Scheme and host case, default ports, slashes, IDN, whitespace."""
    assert normalize_host(given) == normal
    assert normalize_host(normal) == normal


def _form(host: str, database: str) -> dict[str, Any]:
    return {
        CONF_HOST: host,
        CONF_TOKEN: "t",
        CONF_DATABASE: database,
        CONF_VERIFY_SSL: True,
    }


async def _add(hass: HomeAssistant, host: str, database: str) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(host, database)
    )
    await hass.async_block_till_done()
    return dict(result)


@pytest.mark.parametrize(
    "again",
    [
        "HTTP://127.0.0.1:{port}/",
        "  http://127.0.0.1:{port}//  ",
        "127.0.0.1:{port}",
        "Http://127.0.0.1:{port}",
    ],
)
async def test_same_database_twice_is_one_entry(
    hass: HomeAssistant, stack, database: str, again: str
) -> None:
    """The second spelling is aborted; a point is written once, read back."""
    port = urlsplit(stack.url).port
    first = await _add(hass, f"http://127.0.0.1:{port}", database)
    assert first["type"] is FlowResultType.CREATE_ENTRY
    second = await _add(hass, again.format(port=port), database)
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_configured"

    entries = hass.config_entries.async_entries(DOMAIN)
    assert [e.state for e in entries] == [ConfigEntryState.LOADED]
    score = {"league": "NFL", "home_team": "ATL", "away_team": "NO"}
    score |= {"home_score": 7, "away_score": 3, "time": RECENT}
    await call_action(hass, "write_score", score)
    await call_action(hass, "flush", {})
    assert len(select_from(stack, database, "nfl_scores")) == 1
    # Identical points overwrite each other in InfluxDB: the writers' count
    # tells whether it was sent twice.
    assert sum(e.runtime_data.writer.stats.points_written for e in entries) == 1
    for entry in entries:
        await hass.config_entries.async_unload(entry.entry_id)


async def test_entry_stored_in_another_spelling_counts(
    hass: HomeAssistant, stack, database: str
) -> None:
    """An entry made before hosts were normalised still blocks a second one."""
    port = urlsplit(stack.url).port
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"HTTP://127.0.0.1:{port}//{database}",
        data=_form(f"HTTP://127.0.0.1:{port}/", database),
    ).add_to_hass(hass)
    result = await _add(hass, f"http://127.0.0.1:{port}", database)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
