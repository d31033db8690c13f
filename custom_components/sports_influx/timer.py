"""A call the loop makes later, at most one pending at a time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later


class OneShotTimer:
    """Run ``action`` once, ``delay`` seconds after ``start``; cancellable."""

    def __init__(self, hass: HomeAssistant, action: Callable[[], None]) -> None:
        """An idle timer; ``action`` is a callback run on the loop."""
        self._hass = hass
        self._action = action
        self._unsub: CALLBACK_TYPE | None = None

    @property
    def pending(self) -> bool:
        """Started and neither run nor cancelled yet."""
        return self._unsub is not None

    @callback
    def start(self, delay: float) -> None:
        """Run the action in ``delay`` seconds (a pending run is forgotten)."""
        self.cancel()
        self._unsub = async_call_later(self._hass, delay, self._async_on_timer)

    @callback
    def cancel(self) -> None:
        """Forget the pending run, if any."""
        if self._unsub is not None:
            self._unsub()
            self._unsub = None

    @callback
    def _async_on_timer(self, _now: datetime) -> None:
        self._unsub = None
        self._action()
