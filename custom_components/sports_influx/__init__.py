"""Sports Influx: keep sports scores, standings and stats in InfluxDB."""

from __future__ import annotations

from functools import partial
from pathlib import Path
import shutil
from typing import Any

from homeassistant.const import CONF_HOST, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.helpers.typing import ConfigType

from .config_flow import create_client, entry_title, without_userinfo
from .const import (
    CONF_BATCH_SIZE,
    CONF_DATABASE,
    CONF_ENTITIES,
    CONF_FLUSH_INTERVAL,
    CONF_OUTBOX_MAX_MB,
    DEFAULT_BATCH_SIZE,
    DEFAULT_FLUSH_INTERVAL,
    DEFAULT_OUTBOX_MAX_MB,
    DOMAIN,
    LOGGER,
    STOP_FLUSH_TIMEOUT,
    STORE_NAMES,
    UNLOAD_FLUSH_TIMEOUT,
    store_key,
)
from .influx import (
    CannotConnectError,
    DatabaseNotFoundError,
    InvalidAuthError,
    normalize_host,
)
from .listener import SportsListener
from .models import SportsInfluxConfigEntry, SportsInfluxData
from .outbox import Outbox
from .quarantine import REJECTED_FILE
from .repairs import (
    EntryProblems,
    async_clear_outbox_issues,
    async_update_destinations_issue,
)
from .services import async_setup_services
from .writer import SportsInfluxWriter

PLATFORMS: list[Platform] = [Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, whether or not an entry is loaded."""
    async_setup_services(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> bool:
    """Check the server, start the writer and the sensors."""
    client = create_client(hass, entry.data, entry.options)
    server_store: Store[dict[str, Any]] = Store(
        hass, 1, store_key(entry.entry_id, "server")
    )
    try:
        server = await client.async_validate()
        # Retention policies (1.x) and databases (3.x) the schema wants.
        await client.async_prepare_destinations()
    except InvalidAuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except DatabaseNotFoundError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="database_not_found",
            translation_placeholders={"database": client.database},
        ) from err
    except CannotConnectError as err:
        # Known from an earlier start: follow the sensors anyway and keep the
        # points in the outbox until the server answers (nothing is missed).
        saved = await server_store.async_load()
        if (last_seen := client.restore(saved or {})) is None:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"host": client.host},
            ) from err
        server = last_seen
        LOGGER.warning(
            "InfluxDB at %s does not answer (%s); starting with the server last"
            " seen (InfluxDB %s): points wait in the outbox until it answers",
            client.host,
            err,
            server.version,
        )
        online = False
    else:
        online = True
        await server_store.async_save(client.remembered())
        async_update_destinations_issue(hass, entry.entry_id, client)

    await hass.async_add_executor_job(client.prepare_write)
    max_mb = int(entry.options.get(CONF_OUTBOX_MAX_MB, DEFAULT_OUTBOX_MAX_MB))
    outbox = Outbox(outbox_dir(hass, entry.entry_id), max_bytes=max_mb * 1024 * 1024)
    writer = SportsInfluxWriter(
        hass,
        client,
        batch_size=entry.options.get(CONF_BATCH_SIZE, DEFAULT_BATCH_SIZE),
        flush_interval=entry.options.get(CONF_FLUSH_INTERVAL, DEFAULT_FLUSH_INTERVAL),
        outbox=outbox,
        problems=EntryProblems(hass, entry, max_mb),
    )
    if not online:
        writer.assume_unavailable()
    writer.async_start()
    # What an earlier run could not write is replayed first.
    await writer.async_load_outbox()
    async_clear_outbox_issues(
        hass,
        entry.entry_id,
        quarantine_exists=await hass.async_add_executor_job(
            (outbox.directory / REJECTED_FILE).exists
        ),
    )
    listener = SportsListener(
        hass, writer, entry.entry_id, entry.options.get(CONF_ENTITIES) or None
    )
    entry.runtime_data = SportsInfluxData(
        client=client, server=server, writer=writer, listener=listener
    )

    async def _async_on_stop(_event: Event) -> None:
        # HA does not unload entries when it stops: read what is pending and
        # flush here, with a deadline.
        await listener.async_drain()
        await writer.async_close(STOP_FLUSH_TIMEOUT)

    # Not listen_once: its unsubscribe would complain after the event fired.
    entry.async_on_unload(
        hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _async_on_stop)
    )
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Follow the sensors last, once the statistics sensors can show it.
    await listener.async_start()
    return True


async def async_migrate_entry(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> bool:
    """1.1 -> 1.2: sensors keyed by the entry id; host spelled one way.

    Sensors were keyed by the entry's unique id (host and database), which
    Reconfigure changes; they keep their entity ids and history under the
    entry id. The unique id takes the normalised host without user info.
    """
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        old_id = entry.unique_id
        if old_id:
            prefix = f"{old_id}_"

            @callback
            def rekey(entity: er.RegistryEntry) -> dict[str, Any] | None:
                if not entity.unique_id.startswith(prefix):
                    return None
                key = entity.unique_id.removeprefix(prefix)
                return {"new_unique_id": f"{entry.entry_id}_{key}"}

            await er.async_migrate_entries(hass, entry.entry_id, rekey)
        updates: dict[str, Any] = {}
        host = str(entry.data.get(CONF_HOST, ""))
        database = str(entry.data.get(CONF_DATABASE, ""))
        new_id = f"{normalize_host(without_userinfo(host))}/{database}"
        taken = {
            other.unique_id
            for other in hass.config_entries.async_entries(DOMAIN)
            if other.entry_id != entry.entry_id
        }
        # Only an id made from the host and database, and only to a free one.
        if old_id and old_id.endswith(f"/{database}") and new_id not in taken:
            updates["unique_id"] = new_id
        if without_userinfo(host) != host and host in entry.title:
            updates["title"] = entry_title(entry.data)
        hass.config_entries.async_update_entry(entry, minor_version=2, **updates)
        LOGGER.debug("Migrated entry %s to version 1.2", entry.entry_id)
    return True


async def _async_update_listener(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> None:
    """Apply changed options by reloading."""
    await hass.config_entries.async_reload(entry.entry_id)


def outbox_dir(hass: HomeAssistant, entry_id: str) -> Path:
    """Where an entry keeps its outbox: under HA's ``.storage``."""
    return Path(hass.config.path(".storage", DOMAIN, entry_id))


async def async_remove_entry(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> None:
    """A deleted entry leaves nothing behind: its outbox, its stores."""
    await hass.async_add_executor_job(
        partial(shutil.rmtree, outbox_dir(hass, entry.entry_id), ignore_errors=True)
    )
    for name in STORE_NAMES:
        await Store[dict[str, Any]](
            hass, 1, store_key(entry.entry_id, name)
        ).async_remove()


async def async_unload_entry(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> bool:
    """Stop following (reading what is pending), then flush and close the writer."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.listener.async_stop()
        await entry.runtime_data.writer.async_close(UNLOAD_FLUSH_TIMEOUT)
    return unloaded
