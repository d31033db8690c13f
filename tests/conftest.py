"""Fixtures: the real InfluxDB stack, a fake InfluxDB 3, config entries."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
import sys
from typing import Any
from unittest.mock import PropertyMock, patch
import uuid

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
import pytest_socket
from syrupy.assertion import SnapshotAssertion

from custom_components.sports_influx.const import (
    CONF_BATCH_SIZE,
    CONF_FLUSH_INTERVAL,
    DOMAIN,
)
from custom_components.sports_influx.schema import MEASUREMENTS, V1_RETENTION_POLICIES
from homeassistant import const as ha_const
from homeassistant.core import HomeAssistant

sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).parent))

import influx_stack

FIXTURES = Path(__file__).parent / "fixtures"

# Written points must be inside their retention window by the real server's
# clock (1.x refuses older ones), so test games are a month old, not a date.
RECENT = (datetime.now(UTC) - timedelta(days=30)).replace(
    hour=17, minute=0, second=0, microsecond=0
)


class VersionedSnapshotExtension(HomeAssistantSnapshotExtension):
    """HA's snapshots; the newest HA serializes registry entries differently,
    so its snapshots live in their own folder."""

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        """snapshots/ for the minimum HA, snapshots/ha-YYYY.M/ for others."""
        base = Path(super().dirname(test_location=test_location))
        if HA_VERSION.startswith(MINIMUM_HA):
            return str(base)
        return str(base / f"ha-{'.'.join(HA_VERSION.split('.')[:2])}")


MINIMUM_HA = "2025.4."
HA_VERSION = ha_const.__version__


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with HA's serializer (ids and times as ANY)."""
    return snapshot.use_extension(VersionedSnapshotExtension)


@pytest.fixture(autouse=True)
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A config directory of the test's own: the outbox is written under it."""
    hass.config.config_dir = str(tmp_path / "config")
    return tmp_path / "config"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let HA load the integration from custom_components/."""


@pytest.fixture(scope="session")
def influx_stack_session(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[influx_stack.Stack]:
    """InfluxDB 1.6.7 behind nginx, started once per session by PID."""
    pytest_socket.enable_socket()
    stack = influx_stack.start(tmp_path_factory.mktemp("influx"))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack(
    influx_stack_session: influx_stack.Stack, socket_enabled: None
) -> influx_stack.Stack:
    """The stack, with sockets allowed for this test; both services up."""
    for service in ("influxd", "nginx"):
        if not influx_stack_session.running(service):
            getattr(influx_stack_session, f"start_{service}")()
    return influx_stack_session


@pytest.fixture
def database(stack: influx_stack.Stack) -> Iterator[str]:
    """A fresh database on the real server, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:10]}"
    stack.create_database(name)
    yield name
    stack.drop_database(name)


@pytest.fixture
def fake_v3(socket_enabled: None) -> Iterator[Any]:
    """A local server answering as the InfluxDB 3 Core API reference says."""
    from .fakes.influxdb3 import FakeInfluxDB3

    with FakeInfluxDB3() as server:
        yield server


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Options of the config entry (tests override)."""
    return {CONF_BATCH_SIZE: 100, CONF_FLUSH_INTERVAL: 10}


@pytest.fixture
def mock_config_entry(
    stack: influx_stack.Stack, database: str, entry_options: dict[str, Any]
) -> MockConfigEntry:
    """An entry pointing at the real stack."""
    from .factories import entry_data

    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{database} on {stack.url}",
        unique_id=f"{stack.url}/{database}",
        data=entry_data(stack.url, "secret-token", database),
        options=entry_options,
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """The integration set up against the real stack, unloaded afterwards."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    yield mock_config_entry
    if mock_config_entry.state.recoverable:
        await hass.config_entries.async_unload(mock_config_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
def mock_recorder_before_hass(request: pytest.FixtureRequest) -> None:
    """A test that uses the recorder has its database prepared before hass
    (phcc sets the recorder up in that order)."""
    if "recorder_mock" in request.fixturenames:
        request.getfixturevalue("async_setup_recorder_instance")


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Every entity enabled, those disabled by default too (as in HA core's tests)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


def rp(measurement: str) -> str:
    """``"rp"."measurement"``: where 1.x keeps a measurement (schema routing)."""
    policy = V1_RETENTION_POLICIES[MEASUREMENTS[measurement].retention]
    return f'"{policy}"."{measurement}"'


def select_from(
    stack: influx_stack.Stack,
    database: str,
    measurement: str,
    columns: str = "*",
    *,
    where: str | None = None,
) -> list[dict[str, Any]]:
    """Rows of a measurement, read from the retention policy it lands in."""
    query = f'SELECT {columns} FROM "{database}".{rp(measurement)}'
    return select(stack, database, f"{query} WHERE {where}" if where else query)


def select(
    stack: influx_stack.Stack, database: str, query: str
) -> list[dict[str, Any]]:
    """Rows of an InfluxQL query as dicts (time in ns)."""
    result = stack.query(query, db=database, epoch="ns")
    return [
        {**series.get("tags", {}), **dict(zip(series["columns"], values, strict=True))}
        for series in result["results"][0].get("series", [])
        for values in series["values"]
    ]


@pytest.fixture
def mock_setup_entry() -> Generator[Any]:
    """Keep config-flow tests from setting the entry up."""
    from unittest.mock import patch

    with patch(
        "custom_components.sports_influx.async_setup_entry", return_value=True
    ) as mock:
        yield mock
