"""Diagnostic sensors and diagnostics, on one service device."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.sports_influx.const import DOMAIN
from custom_components.sports_influx.records import NhlScore
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util

from .factories import entry_data, nhl_score

SNAPSHOT_DB = "sports_snapshot"


@pytest.fixture
def database(stack) -> Iterator[str]:
    """A fixed name, so entity ids are stable in snapshots."""
    stack.create_database(SNAPSHOT_DB)
    yield SNAPSHOT_DB
    stack.drop_database(SNAPSHOT_DB)


@pytest.fixture
def mock_config_entry(stack, database: str, entry_options) -> MockConfigEntry:
    """An entry with a stable unique id."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="sports_snapshot",
        entry_id="sports_snapshot_entry",
        unique_id="sports_snapshot_entry",
        data=entry_data(stack.url, "secret-token", database),
        options=entry_options,
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sensors(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every statistic is a diagnostic sensor of the one service device."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    devices = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert len(devices) == 1
    assert devices[0].entry_type is dr.DeviceEntryType.SERVICE
    assert devices[0].model == "InfluxDB OSS 1.6.7~rc0"


async def test_rarely_needed_sensors_are_disabled_by_default(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Diagnosis-only counters start disabled; the dashboard's and every sign
    of lost data start enabled."""
    entries = er.async_entries_for_config_entry(
        entity_registry, init_integration.entry_id
    )
    disabled = {
        e.translation_key
        for e in entries
        if e.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {
        "points_invalid",
        "expired",
        "outbox_bytes",
        "backfill_progress",
    }
    assert len(entries) == 19
    for entry in entries:
        state = hass.states.get(entry.entity_id)
        assert (state is None) is (entry.translation_key in disabled)


async def test_sensors_follow_writes(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The sensors change when the writer's statistics do (no polling)."""
    writer = init_integration.runtime_data.writer
    writer.async_enqueue([nhl_score()])
    await hass.async_block_till_done()
    assert (
        hass.states.get("sensor.sports_influx_sports_snapshot_queue_depth").state == "1"
    )
    await writer.async_flush()
    await hass.async_block_till_done()
    prefix = "sensor.sports_influx_sports_snapshot"
    assert hass.states.get(f"{prefix}_points_written").state == "1"
    assert hass.states.get(f"{prefix}_batches_written").state == "1"
    assert hass.states.get(f"{prefix}_queue_depth").state == "0"
    assert hass.states.get(f"{prefix}_success_rate").state == "100.0"
    assert float(hass.states.get(f"{prefix}_average_write_time").state) > 0
    assert hass.states.get(f"{prefix}_last_successful_write").state != "unknown"
    assert hass.states.get(f"{prefix}_last_error").state == "unknown"


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """The token is redacted; the server and statistics are shown."""
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    assert diagnostics["entry"]["data"][CONF_TOKEN] == "**REDACTED**"
    assert diagnostics == snapshot(exclude=props("host"))


async def test_queue_depth_is_shown_at_most_once_a_second(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Each statistics update writes every sensor's state: while points keep
    coming, the sensors follow once a second, not once per point."""
    writer = init_integration.runtime_data.writer
    depth = "sensor.sports_influx_sports_snapshot_queue_depth"

    def nhl(n: int) -> NhlScore:
        return nhl_score(game_id=f"g{n}", home_score=n)

    writer.async_enqueue([nhl(1)])
    await hass.async_block_till_done()
    assert hass.states.get(depth).state == "1"  # the first change at once
    writer.async_enqueue([nhl(2)])
    writer.async_enqueue([nhl(3)])
    await hass.async_block_till_done()
    assert hass.states.get(depth).state == "1"
    assert writer.stats.queue_depth == 3
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1.1))
    await hass.async_block_till_done()
    assert hass.states.get(depth).state == "3"
