"""Base entity: one service device per config entry."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .config_flow import without_userinfo
from .const import DOMAIN
from .models import SportsInfluxConfigEntry


class SportsInfluxEntity(Entity):
    """An entity of the writer's service device, updated by the writer."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: SportsInfluxConfigEntry, description: EntityDescription
    ) -> None:
        """Attach the entity to the entry's device."""
        self.entity_description = description
        self._writer = entry.runtime_data.writer
        server = entry.runtime_data.server
        client = entry.runtime_data.client
        # The entry id, not its unique id: Reconfigure may move the entry to
        # another server or database, and the sensors keep their history.
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="InfluxData",
            model=f"InfluxDB {server.build or ''} {server.version}".replace("  ", " "),
            name=f"Sports Influx {client.database}",
            configuration_url=without_userinfo(client.host),
        )

    async def async_added_to_hass(self) -> None:
        """Follow the writer's statistics."""
        await super().async_added_to_hass()
        self.async_on_remove(self._writer.async_add_listener(self.async_write_ha_state))
