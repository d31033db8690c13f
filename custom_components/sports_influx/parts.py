"""What the writer gives each of its parts (spooler, sender, delivery)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.core import HomeAssistant

from .batcher import Batcher
from .influx import InfluxClient
from .problems import OnceLog, WriterProblems
from .stats import WriteStatistics


@dataclass(frozen=True, slots=True)
class WriterParts:
    """One writer's collaborators, made by the writer and shared by its parts."""

    hass: HomeAssistant
    client: InfluxClient
    # The memory queue; its batch size is also an outbox record's size.
    batcher: Batcher
    # Changed only through its methods.
    stats: WriteStatistics
    # Repair issues and reauth.
    problems: WriterProblems
    once_log: OnceLog
    # Tell the statistics' listeners: now, or at most once a second.
    notify: Callable[[], None]
    notify_soon: Callable[[], None]
