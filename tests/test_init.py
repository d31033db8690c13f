"""Setup, unload and HA stop: the writer is flushed and closed."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx import async_migrate_entry, outbox_dir
from custom_components.sports_influx.const import CONF_BATCH_SIZE, CONF_DATABASE, DOMAIN
from custom_components.sports_influx.records import NflScore
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_TOKEN,
    CONF_VERIFY_SSL,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .conftest import RECENT, select_from

KICKOFF = RECENT


def score(home: int) -> NflScore:
    """One score of one game."""
    return NflScore(
        game_id="g1",
        season=2022,
        home_team="ATL",
        away_team="NO",
        status="IN",
        home_score=home,
        away_score=0,
        time=KICKOFF.replace(minute=home),
    )


async def test_setup_and_unload_flushes(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, stack, database: str
) -> None:
    """Queued points are written when the entry unloads."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    writer = mock_config_entry.runtime_data.writer
    assert writer.async_enqueue([score(n) for n in range(3)]) == 3
    assert select_from(stack, database, "nfl_scores") == []

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == [0, 1, 2]


async def test_home_assistant_stop_flushes(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """HA does not unload entries at stop: the stop listener flushes."""
    writer = init_integration.runtime_data.writer
    writer.async_enqueue([score(7)])
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == [7]


async def test_unload_with_server_down_keeps_deadline(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, caplog
) -> None:
    """An unreachable server does not hold the unload: one try, then close."""
    writer = init_integration.runtime_data.writer
    writer.async_enqueue([score(1), score(2)])
    stack.stop_nginx()
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert writer.stats.points_written == 0
    # Kept on disk, said once at info, nothing failed.
    assert writer.stats.points_failed == 0
    assert writer.stats.outbox_points == 2
    assert caplog.text.count("is unavailable") == 1


@pytest.mark.parametrize("entry_options", [{CONF_BATCH_SIZE: 2}])
async def test_options_change_reloads(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """New options take effect through a reload."""
    assert init_integration.runtime_data.writer.batch_size == 2
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_BATCH_SIZE: 50}
    )
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert init_integration.runtime_data.writer.batch_size == 50


async def test_setup_retries_when_unreachable(
    hass: HomeAssistant, socket_enabled
) -> None:
    """No server -> ConfigEntryNotReady (HA retries later)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="x",
        data={
            CONF_HOST: "http://127.0.0.1:9",
            CONF_TOKEN: "t",
            CONF_DATABASE: "db",
            CONF_VERIFY_SSL: True,
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_retries_when_database_missing(
    hass: HomeAssistant, fake_v3
) -> None:
    """A database that cannot be created -> retry, not a broken entry."""
    fake_v3.allow_create = False
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="x",
        data={
            CONF_HOST: fake_v3.url,
            CONF_TOKEN: fake_v3.token,
            CONF_DATABASE: "missing",
            CONF_VERIFY_SSL: True,
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_bad_token_starts_reauth(hass: HomeAssistant, fake_v3) -> None:
    """influxdb3-core-openapi.yaml: 401 on /ping with a bad token -> reauth."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="x",
        data={
            CONF_HOST: fake_v3.url,
            CONF_TOKEN: "wrong",
            CONF_DATABASE: "sports",
            CONF_VERIFY_SSL: True,
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_removing_the_entry_removes_its_files(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Its outbox folder and its two stores under .storage go with it (the
    stores are in phcc's in-memory storage here)."""
    mock_config_entry.add_to_hass(hass)
    entry_id = mock_config_entry.entry_id
    assert await hass.config_entries.async_setup(entry_id)
    assert await hass.config_entries.async_unload(entry_id)  # saves the stores
    await hass.async_block_till_done()
    keys = [f"{DOMAIN}.{entry_id}.{name}" for name in ("server", "dedupe")]
    assert all(key in hass_storage for key in keys)
    assert outbox_dir(hass, entry_id).is_dir()

    await hass.config_entries.async_remove(entry_id)
    await hass.async_block_till_done()
    assert not any(key in hass_storage for key in keys)
    assert not outbox_dir(hass, entry_id).exists()


def _sensors(hass: HomeAssistant, entry_id: str) -> dict[str, str]:
    """Entity id -> unique id of an entry's entities."""
    registry = er.async_get(hass)
    return {
        e.entity_id: e.unique_id
        for e in er.async_entries_for_config_entry(registry, entry_id)
    }


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_reconfigure_keeps_the_sensors(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """Another host and database: same entities, same ids, history kept."""
    before = _sensors(hass, init_integration.entry_id)
    assert len(before) >= 17
    assert all(u.startswith(f"{init_integration.entry_id}_") for u in before.values())
    moved = f"{database}_moved"
    result = await init_integration.start_reconfigure_flow(hass)
    # The InfluxDB port itself rather than nginx's: another host.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_HOST: stack.influx_url,
            CONF_TOKEN: "secret-token",
            CONF_DATABASE: moved,
            CONF_VERIFY_SSL: True,
        },
    )
    await hass.async_block_till_done()
    try:
        assert result["reason"] == "reconfigure_successful"
        assert init_integration.unique_id == f"{stack.influx_url}/{moved}"
        assert init_integration.state is ConfigEntryState.LOADED
        assert _sensors(hass, init_integration.entry_id) == before
        for entity_id in before:
            assert hass.states.get(entity_id) is not None
    finally:
        stack.drop_database(moved)


async def test_migration_keeps_entities_of_earlier_versions(
    hass: HomeAssistant, stack, database: str
) -> None:
    """1.1 entries: sensors keyed by host/database move to the entry id,
    keeping their entity ids; the unique id takes the normalised host."""
    spelled = stack.url.upper() + "/"
    old_unique_id = f"{spelled}/{database}"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"{database} on {spelled}",
        unique_id=old_unique_id,
        minor_version=1,
        data={
            CONF_HOST: spelled,
            CONF_TOKEN: "t",
            CONF_DATABASE: database,
            CONF_VERIFY_SSL: True,
        },
    )
    entry.add_to_hass(hass)
    registry = er.async_get(hass)
    old = registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{old_unique_id}_points_written",
        config_entry=entry,
        suggested_object_id="scores_points_written",
    )
    other = registry.async_get_or_create(
        "sensor", DOMAIN, "unrelated_points_written", config_entry=entry
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.minor_version == 2
    assert entry.unique_id == f"{stack.url.lower()}/{database}"
    migrated = registry.async_get(old.entity_id)
    assert migrated is not None
    assert migrated.unique_id == f"{entry.entry_id}_points_written"
    assert hass.states.get(old.entity_id) is not None
    assert registry.async_get(other.entity_id).unique_id == "unrelated_points_written"  # type: ignore[union-attr]
    # No second "points written" sensor was made beside the migrated one.
    written = [
        e
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.unique_id.endswith("_points_written")
    ]
    assert len(written) == 2
    await hass.config_entries.async_unload(entry.entry_id)


async def test_migration_takes_credentials_out_of_title_and_unique_id(
    hass: HomeAssistant,
) -> None:
    """An entry with user info in its URL keeps it in its data only."""
    host = "http://household:hunter2pass@influx.invalid:8086"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"db on {host}",
        unique_id=f"{host}/db",
        minor_version=1,
        data={CONF_HOST: host, CONF_TOKEN: "", CONF_DATABASE: "db"},
    )
    entry.add_to_hass(hass)
    assert await async_migrate_entry(hass, entry)
    assert entry.title == "db on http://influx.invalid:8086"
    assert entry.unique_id == "http://influx.invalid:8086/db"
    assert entry.data[CONF_HOST] == host
    # A newer major version is not understood.
    newer = MockConfigEntry(domain=DOMAIN, version=2, data={})
    newer.add_to_hass(hass)
    assert not await async_migrate_entry(hass, newer)
