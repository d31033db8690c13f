"""Shared test builders: sensor states from the fixtures, replays through HA."""

from __future__ import annotations

from collections.abc import Sequence
import copy
from datetime import datetime, timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory

from homeassistant.core import HomeAssistant, State

from .conftest import FIXTURES

TEAMTRACKER_RESULTS = FIXTURES / "teamtracker_results"
RESULT_COUNT = 31


def teamtracker_result(number: int) -> dict[str, Any]:
    """Upstream TeamTracker's expected attributes of its test sensor ``number``."""
    path = TEAMTRACKER_RESULTS / f"test_tt_all_test{number:02d}.json"
    attributes: dict[str, Any] = json.loads(path.read_text())
    return copy.deepcopy(attributes)


def teamtracker_attributes(number: int, **overrides: Any) -> dict[str, Any]:
    """A TeamTracker sensor's attributes for the sport of result ``number``.

    ``start`` (a datetime) sets ``date`` as TeamTracker writes it
    ("2022-09-08T20:10Z"); other keywords replace attributes.
    """
    attributes = teamtracker_result(number)
    attributes.pop("state", None)
    if (start := overrides.pop("start", None)) is not None:
        attributes["date"] = f"{start:%Y-%m-%dT%H:%MZ}"
    attributes.update(overrides)
    return attributes


def teamtracker_state(
    number: int,
    state: str | None = None,
    entity_id: str = "sensor.tt",
    **overrides: Any,
) -> State:
    """A TeamTracker ``State`` from result ``number`` (its own state by default)."""
    own = teamtracker_result(number).get("state", "IN")
    return State(entity_id, state or own, teamtracker_attributes(number, **overrides))


async def replay_states(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    polls: Sequence[tuple[str, dict[str, Any]]],
    start: datetime,
    step: timedelta = timedelta(seconds=5),
) -> list[datetime]:
    """Set each (state, attributes) ``step`` apart from ``start``; the times."""
    times = []
    for n, (state, attributes) in enumerate(polls):
        now = start + step * n
        freezer.move_to(now)
        times.append(now)
        hass.states.async_set(entity_id, state, attributes)
        await hass.async_block_till_done()
    return times
