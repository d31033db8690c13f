"""Runtime data of a config entry."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .client import InfluxClient, ServerInfo
from .listener import SportsListener
from .writer import SportsInfluxWriter


@dataclass(slots=True)
class SportsInfluxData:
    """What a loaded entry owns."""

    client: InfluxClient
    server: ServerInfo
    writer: SportsInfluxWriter
    listener: SportsListener


type SportsInfluxConfigEntry = ConfigEntry[SportsInfluxData]
