"""Backfill from a real (SQLite) recorder into the real InfluxDB stack."""

from __future__ import annotations

import copy
from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_persistent_notifications,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.sports_influx.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError

from .conftest import FIXTURES, select_from
from .factories import REPLAY_START as START, nfl_polls, replay

MEASUREMENTS = ("nfl_scores", "nfl_standings")


@pytest.fixture
def mock_recorder_before_hass(async_setup_recorder_instance: Any) -> None:
    """The recorder's database is prepared before hass (phcc's order)."""


def small_standings(wins: int) -> dict[str, Any]:
    """Two AFC teams of the fixture (a body the recorder keeps: < 16 kB)."""
    body = json.loads((FIXTURES / "espn_standings_nfl.json").read_text())
    conference = copy.deepcopy(body["children"][0])
    conference["standings"]["entries"] = conference["standings"]["entries"][:2]
    for stat in conference["standings"]["entries"][0]["stats"]:
        if stat.get("name") == "wins":
            stat["value"] = wins
    return {
        "abbreviation": body["abbreviation"],
        "season": body["season"],
        "children": [conference],
    }


def rows(stack, database: str) -> dict[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    return {m: select_from(stack, database, m) for m in MEASUREMENTS}


async def _backfill(hass: HomeAssistant, **data: Any) -> None:
    await hass.services.async_call(DOMAIN, "backfill", data, blocking=True)


@pytest.mark.usefixtures("recorder_mock")
async def test_backfill_writes_what_live_wrote(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """Same points and timestamps as live; a second run adds nothing."""
    await replay(hass, freezer, "sensor.saints", nfl_polls())
    for n, wins in enumerate((14, 14, 15)):
        freezer.move_to(START + timedelta(minutes=10 + n))
        hass.states.async_set("sensor.nfl_standings", "2025", small_standings(wins))
        await hass.async_block_till_done()
    await async_wait_recording_done(hass)
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    live = rows(stack, database)
    assert len(live["nfl_scores"]) == 4  # 2 changes, the first state, the final
    # Two teams at first, then the one whose record changed.
    assert len(live["nfl_standings"]) == 3

    for measurement in MEASUREMENTS:
        stack.query(f'DROP MEASUREMENT "{measurement}"', database, method="POST")
    assert rows(stack, database) == {m: [] for m in MEASUREMENTS}

    window = {"start": START - timedelta(minutes=1), "end": START + timedelta(hours=1)}
    await _backfill(hass, **window)
    assert rows(stack, database) == live
    assert writer.stats.backfill_progress == 100.0
    message = _notification(hass)
    assert "and wrote 7 points. Left out: none." in message

    await _backfill(hass, entity_id=["sensor.saints", "sensor.nfl_standings"], **window)
    assert rows(stack, database) == live

    # Three years on, the scores are past their 2 years, the standings not:
    # the notification counts what was written, and the expired apart.
    freezer.tick(timedelta(days=3 * 365))
    expired = writer.stats.expired
    await _backfill(hass, **window)
    assert writer.stats.expired == expired + 4
    assert "and wrote 3 points. Left out: expired 4." in _notification(hass)
    assert rows(stack, database) == live


def _notification(hass: HomeAssistant) -> str:
    notifications = async_get_persistent_notifications(hass)
    return str(notifications[f"{DOMAIN}_backfill"]["message"])


@pytest.mark.usefixtures("recorder_mock")
async def test_backfill_refusals(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
) -> None:
    """Bad windows and nothing to backfill are refused, translated."""
    now = START + timedelta(days=1)
    with pytest.raises(ServiceValidationError) as err:
        await _backfill(hass, start=now, end=now - timedelta(hours=1))
    assert err.value.translation_key == "invalid_window"
    with pytest.raises(ServiceValidationError) as err:
        await _backfill(hass)
    assert err.value.translation_key == "nothing_to_backfill"


async def test_backfill_needs_the_recorder(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _backfill(hass, entity_id="sensor.saints")
    assert err.value.translation_key == "recorder_not_loaded"
