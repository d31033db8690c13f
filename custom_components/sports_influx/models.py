"""Runtime data of a config entry."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry

from .influx import InfluxClient, ServerInfo
from .listener import SportsListener
from .writer import SportsInfluxWriter


@dataclass(slots=True)
class SportsInfluxData:
    """What a loaded entry owns."""

    client: InfluxClient
    server: ServerInfo
    writer: SportsInfluxWriter
    listener: SportsListener
    # One backfill at a time per entry.
    backfill_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


type SportsInfluxConfigEntry = ConfigEntry[SportsInfluxData]
