"""The demo's sensors: TeamTracker-shaped games, ESPN standings and summary."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import ConfigType, DiscoveryInfoType

from . import ReplayPlayer
from .replay import Game, Replay

ICONS = {
    "football": "mdi:football",
    "hockey": "mdi:hockey-puck",
    "baseball": "mdi:baseball",
    "basketball": "mdi:basketball",
    "soccer": "mdi:soccer",
}


async def async_setup_platform(
    hass: HomeAssistant,
    config: ConfigType,
    async_add_entities: AddEntitiesCallback,
    discovery_info: DiscoveryInfoType | None = None,
) -> None:
    """Create one sensor per replayed game, plus the two ESPN sensors."""
    if discovery_info is None:
        return
    player: ReplayPlayer = discovery_info["player"]
    replay = player.replay
    sensors: list[DemoSensor] = [GameSensor(replay, game) for game in replay.games]
    sensors.append(
        PayloadSensor(
            "nfl_standings",
            "NFL standings",
            "National Football League",
            replay.standings,
            "mdi:format-list-numbered",
        )
    )
    sensors.append(
        PayloadSensor(
            "nfl_game_summary",
            "NFL game summary",
            "GB @ ATL",
            replay.summary,
            "mdi:clipboard-text",
        )
    )
    async_add_entities(sensors)
    player.async_start(sensors)


class DemoSensor(SensorEntity):
    """A sensor whose state the replay sets."""

    _attr_should_poll = False

    def __init__(self, object_id: str, name: str, icon: str) -> None:
        """Fixed entity ids: the dashboard refers to them."""
        self.entity_id = f"sensor.{object_id}"
        self._attr_name = name
        self._attr_icon = icon
        self._attr_unique_id = f"sports_influx_demo_{object_id}"

    @callback
    def async_show(self, poll: int, now_iso: str) -> None:
        """Show the state of this poll."""


class GameSensor(DemoSensor):
    """One team's game, as TeamTracker shows it."""

    def __init__(self, replay: Replay, game: Game) -> None:
        """Start at the game's first frame."""
        super().__init__(game.object_id, game.name, ICONS.get(game.sport, "mdi:trophy"))
        self._replay = replay
        self._game = game
        self._attr_native_value, self._attr_extra_state_attributes = game.frames[0]

    @callback
    def async_show(self, poll: int, now_iso: str) -> None:
        """The frame of this poll, with TeamTracker's changing clock."""
        state, attributes = self._replay.state_at(self._game, poll, now_iso)
        self._attr_native_value = state
        self._attr_extra_state_attributes = attributes
        if self.hass is not None:
            self.async_write_ha_state()


class PayloadSensor(DemoSensor):
    """A rest sensor holding an ESPN payload in its attributes."""

    def __init__(
        self, object_id: str, name: str, state: str, payload: dict[str, Any], icon: str
    ) -> None:
        """Set once; shown again at poll 0 (a rest sensor refreshing)."""
        super().__init__(object_id, name, icon)
        self._attr_native_value = state
        self._attr_extra_state_attributes = payload

    @callback
    def async_show(self, poll: int, now_iso: str) -> None:
        """Written at the start of each replay."""
        if poll == 0 and self.hass is not None:
            self.async_write_ha_state()
