"""A demo source for Sports Influx: real games replayed as sensors.

Not part of the integration. ``scripts/demo`` puts it in the demo's config
directory; it creates TeamTracker-shaped sensors (NFL, NHL, MLB, NBA and
soccer), an ESPN standings sensor and an ESPN game summary sensor from the
test fixtures, and moves the games forward on an HA timer. Sports Influx follows them on its
own, as it follows any sports sensor.

    sports_influx_demo:
      fixtures: /path/to/tests/fixtures
      interval: 5            # seconds between polls (TeamTracker polls every 5 s)
      polls: 36              # polls from the first frame to the captured state
      loop: true             # start over a minute after the end
      stop_when_done: false  # stop Home Assistant after the last poll (--once)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import voluptuous as vol

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.discovery import async_load_platform
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from .replay import DEFAULT_POLLS, Replay, load

DOMAIN = "sports_influx_demo"
EVENT_FINISHED = f"{DOMAIN}_finished"
LOOP_PAUSE = 12  # polls between the end and the next start

CONFIG_SCHEMA = vol.Schema(
    {
        DOMAIN: vol.Schema(
            {
                vol.Required("fixtures"): cv.isdir,
                vol.Optional("interval", default=5.0): vol.All(
                    vol.Coerce(float), vol.Range(min=0.01)
                ),
                vol.Optional("polls", default=DEFAULT_POLLS): vol.All(
                    int, vol.Range(min=2)
                ),
                vol.Optional("loop", default=True): cv.boolean,
                vol.Optional("stop_when_done", default=False): cv.boolean,
            }
        )
    },
    extra=vol.ALLOW_EXTRA,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Load the fixtures (in the executor) and create the sensors."""
    conf = config[DOMAIN]
    replay = await hass.async_add_executor_job(
        load, Path(conf["fixtures"]), conf["polls"]
    )
    player = ReplayPlayer(hass, replay, conf)
    hass.async_create_task(
        async_load_platform(hass, Platform.SENSOR, DOMAIN, {"player": player}, config)
    )
    return True


class ReplayPlayer:
    """Moves the replay one poll forward on each timer tick."""

    def __init__(
        self, hass: HomeAssistant, replay: Replay, conf: dict[str, Any]
    ) -> None:
        """Nothing runs until the sensors are added."""
        self.hass = hass
        self.replay = replay
        self.poll = 0
        self._conf = conf
        self._sensors: list[Any] = []

    @callback
    def async_start(self, sensors: list[Any]) -> None:
        """Show poll 0 now, then one poll per interval once HA has started.

        The polls move only after every integration is set up: Sports
        Influx, still setting up, would not see a poll that came and went.
        """
        self._sensors = sensors
        self._show()
        async_at_started(self.hass, self._async_begin)

    @callback
    def _async_begin(self, _hass: HomeAssistant) -> None:
        self._unsub = async_track_time_interval(
            self.hass,
            self._async_tick,
            timedelta(seconds=self._conf["interval"]),
            name="sports_influx_demo replay",
            cancel_on_shutdown=True,
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        last = self.replay.polls - 1
        self.poll += 1
        if self.poll <= last:
            self._show()
            if self.poll == last:
                self.hass.bus.async_fire(EVENT_FINISHED, {"polls": self.replay.polls})
                if self._conf["stop_when_done"]:
                    self._unsub()
                    # HA's stop flushes Sports Influx's queue (its stop handler).
                    self.hass.async_create_task(
                        self.hass.services.async_call("homeassistant", "stop")
                    )
        elif self._conf["loop"] and self.poll >= last + LOOP_PAUSE:
            self.poll = 0
            self._show()

    @callback
    def _show(self) -> None:
        now = dt_util.now().isoformat()
        for sensor in self._sensors:
            sensor.async_show(self.poll, now)
