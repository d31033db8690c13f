"""Sports Influx: keep sports scores, standings and stats in InfluxDB."""

from __future__ import annotations

from homeassistant.const import (
    CONF_HOST,
    CONF_TOKEN,
    CONF_VERIFY_SSL,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .client import (
    CannotConnectError,
    DatabaseNotFoundError,
    InfluxClient,
    InvalidAuthError,
)
from .const import (
    CONF_BATCH_SIZE,
    CONF_DATABASE,
    CONF_ENTITIES,
    CONF_FLUSH_INTERVAL,
    DEFAULT_BATCH_SIZE,
    DEFAULT_FLUSH_INTERVAL,
    DOMAIN,
    STOP_FLUSH_TIMEOUT,
    UNLOAD_FLUSH_TIMEOUT,
)
from .listener import SportsListener
from .models import SportsInfluxConfigEntry, SportsInfluxData
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
    client = InfluxClient(
        async_get_clientsession(hass, verify_ssl=entry.data.get(CONF_VERIFY_SSL, True)),
        entry.data[CONF_HOST],
        entry.data[CONF_TOKEN],
        entry.data[CONF_DATABASE],
        verify_ssl=entry.data.get(CONF_VERIFY_SSL, True),
    )
    try:
        server = await client.async_validate()
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
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"host": client.host},
        ) from err

    writer = SportsInfluxWriter(
        hass,
        client,
        batch_size=entry.options.get(CONF_BATCH_SIZE, DEFAULT_BATCH_SIZE),
        flush_interval=entry.options.get(CONF_FLUSH_INTERVAL, DEFAULT_FLUSH_INTERVAL),
    )
    writer.async_start()
    listener = SportsListener(
        hass, writer, entry.entry_id, entry.options.get(CONF_ENTITIES) or None
    )
    entry.runtime_data = SportsInfluxData(
        client=client, server=server, writer=writer, listener=listener
    )

    async def _async_on_stop(_event: Event) -> None:
        # HA does not unload entries when it stops: flush here, with a deadline.
        await writer.async_close(STOP_FLUSH_TIMEOUT)

    entry.async_on_unload(
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _async_on_stop)
    )
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Follow the sensors last, once the statistics sensors can show it.
    await listener.async_start()
    entry.async_on_unload(listener.async_stop)
    return True


async def _async_update_listener(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> None:
    """Apply changed options by reloading."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(
    hass: HomeAssistant, entry: SportsInfluxConfigEntry
) -> bool:
    """Flush and close the writer."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.writer.async_close(UNLOAD_FLUSH_TIMEOUT)
    return unloaded
