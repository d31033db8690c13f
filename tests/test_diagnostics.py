"""Diagnostics: nothing secret, whatever the entry holds."""

from __future__ import annotations

from collections.abc import Iterator
import json

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.sports_influx.const import CONF_DATABASE, DOMAIN
from homeassistant.const import CONF_HOST, CONF_TOKEN, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant

DIAGNOSTICS_DB = "sports_diagnostics"
PASSWORD = "hunter2-door"


@pytest.fixture
def database(stack) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fixed name: the snapshot holds it."""
    stack.create_database(DIAGNOSTICS_DB)
    yield DIAGNOSTICS_DB
    stack.drop_database(DIAGNOSTICS_DB)


@pytest.fixture
def mock_config_entry(stack, database: str) -> MockConfigEntry:  # type: ignore[no-untyped-def]
    """An entry made before user info was refused: credentials in its URL."""
    netloc = stack.url.partition("://")[2]
    host = f"http://household:{PASSWORD}@{netloc}"
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{database} on {host}",
        unique_id=f"{host}/{database}",
        entry_id="sports_diagnostics_entry",
        data={
            CONF_HOST: host,
            # aiohttp takes the URL's user info as basic auth, and refuses
            # an Authorization header besides it.
            CONF_TOKEN: "",
            CONF_DATABASE: database,
            CONF_VERIFY_SSL: True,
        },
        options={},
    )


async def test_diagnostics_hold_no_secret(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Token and URL user info are redacted; the migration took them out of
    the title and the unique id."""
    stats = init_integration.runtime_data.writer.stats
    # A message that quotes the URL, as aiohttp's do.
    stats.last_error = f"Cannot connect to {init_integration.data[CONF_HOST]}/write"
    result = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    text = json.dumps(result)
    for secret in (PASSWORD, "household:"):
        assert secret not in text
        assert secret not in init_integration.title
        assert secret not in str(init_integration.unique_id)
    assert result == snapshot(
        exclude=props("host", "last_error", "last_success", "average_write_time")
    )
    assert result["entry"]["data"][CONF_HOST].startswith("http://**REDACTED**@")
    assert "**REDACTED**" in result["statistics"]["last_error"]
