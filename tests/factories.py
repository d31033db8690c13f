"""Shared test builders: sensor states from the fixtures, replays through HA.

One NHL game is followed by two sources here, as an installation following
a team with TeamTracker and hass-nhlapi sees it: TeamTracker's real
sensor of WSH @ CBJ (``tests/tt/results/test_tt_all_test15.json`` upstream,
a 2022 preseason game) and an hass-nhlapi sensor of the same game, with
hass-nhlapi's attribute names (pynhl's ``game_info``/``linescore_info``
plus the sensor's own ``next_game_*``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
import contextlib
from contextlib import ExitStack, contextmanager
import copy
from datetime import datetime, timedelta
import errno
import json
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest.mock import patch
import uuid

from freezegun.api import FrozenDateTimeFactory
from influx_stack import Stack, http_request

from custom_components.sports_influx.const import DOMAIN
from custom_components.sports_influx.records import League, NflScore, PlayerStats
import demo
from homeassistant.core import Context, HomeAssistant, ServiceResponse, State

from .conftest import FIXTURES, RECENT

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


def fixture_sensors(name: str) -> list[dict[str, Any]]:
    """The sensors of a fixture file: ``{entity_id, state, attributes}``."""
    sensors: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())
    return sensors


def fixture_sensor(name: str, entity_id: str) -> dict[str, Any]:
    """One sensor of a fixture file (a copy: change it at will)."""
    found = next(s for s in fixture_sensors(name) if s["entity_id"] == entity_id)
    return copy.deepcopy(found)


def espn_time(when: datetime) -> str:
    """A time as ESPN and TeamTracker write it: "2022-10-01T23:00Z"."""
    return when.strftime("%Y-%m-%dT%H:%MZ")


def teamtracker_cbj_wsh(
    state: str,
    start: datetime,
    *,
    cbj: str = "2",
    wsh: str = "1",
    clock: str = "Final",
    period: int = 3,
    **changes: Any,
) -> dict[str, Any]:
    """TeamTracker following CBJ (home) against WSH, current form."""
    return teamtracker_result(15) | {
        "state": state,
        "date": espn_time(start),
        "team_score": cbj,
        "opponent_score": wsh,
        "clock": clock,
        "quarter": period,
        **changes,
    }


def nhlapi_cbj_wsh(
    start: datetime,
    *,
    cbj: int = 2,
    wsh: int = 1,
    period: int = 3,
    period_type: str = "REG",
    game_id: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """hass-nhlapi following CBJ (home) against WSH: the same game.

    ``game_id`` defaults to an NHL id of the game's season and type
    (preseason, 01): its number is made up, the sources never agree on it.
    """
    season = start.year if start.month >= 7 else start.year - 1
    return {
        "time_remaining": "00:00",
        "is_intermission": False,
        "current_period": period,
        "current_period_type": period_type,
        "away_sog": 27,
        "home_sog": 31,
        "game_id": game_id if game_id is not None else int(f"{season}010043"),
        "game_state": "OFF",
        "away_id": 15,
        "home_id": 29,
        "away_name": "Capitals",
        "home_name": "Blue Jackets",
        "away_logo": "https://assets.nhle.com/logos/nhl/svg/WSH_light.svg",
        "home_logo": "https://assets.nhle.com/logos/nhl/svg/CBJ_light.svg",
        "away_logo_dark": "https://assets.nhle.com/logos/nhl/svg/WSH_dark.svg",
        "home_logo_dark": "https://assets.nhle.com/logos/nhl/svg/CBJ_dark.svg",
        "away_score": wsh,
        "home_score": cbj,
        "next_game_time": "7:00 PM",
        "next_game_datetime": start,
        "next_game_date": start.strftime("%B %-d, %Y"),
        "goal_tracked_team": False,
        "friendly_name": "Blue Jackets",
        "icon": "mdi:hockey-sticks",
        **changes,
    }


def state(entity_id: str, value: str, attributes: dict[str, Any]) -> State:
    """A HA state (the helper keeps call sites short)."""
    return State(entity_id, value, attributes)


@contextlib.contextmanager
def secret_database(stack: Stack, code: str = "4711") -> Iterator[str]:
    """Another database on the same server, holding one secret point.

    What a household member's token may reach but the entry must not read:
    ``door_codes,door=front code="<code>"`` in its default retention policy.
    """
    name = f"private_{uuid.uuid4().hex[:8]}"
    stack.create_database(name)
    try:
        resp = http_request(
            f"{stack.influx_url}/write?db={name}",
            "POST",
            f'door_codes,door=front code="{code}"'.encode(),
        )
        assert resp.status == 204, resp.text
        yield name
    finally:
        stack.drop_database(name)


async def call_action(
    hass: HomeAssistant,
    service: str,
    data: dict[str, Any],
    *,
    user_id: str | None = None,
    response: bool = False,
) -> ServiceResponse:
    """Call a sports_influx action as a user (or as the system, without one)."""
    return await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        context=Context(user_id=user_id),
        return_response=response,
    )


KICKOFF = RECENT


def nfl_score(n: int, **overrides: Any) -> NflScore:
    """The n-th score change of one game, a second apart."""
    values: dict[str, Any] = {
        "game_id": "401437654",
        "season": 2022,
        "home_team": "ATL",
        "away_team": "NO",
        "status": "IN",
        "home_score": n,
        "away_score": 0,
        "quarter": 1,
        "time": KICKOFF + timedelta(seconds=n),
    }
    values.update(overrides)
    return NflScore(**values)


def nfl_player(player_id: str, name: str, **stats: Any) -> PlayerStats:
    """One NFL player's line in one game at kick-off."""
    return PlayerStats(
        league=League.NFL,
        player_id=player_id,
        player_name=name,
        team="GB",
        game_id="401547417",
        season=2023,
        stats=stats,
        time=KICKOFF,
    )


def flip_byte(path: Path, offset: int, mask: int = 0x01) -> None:
    """Damage one byte of a file in place (bit rot, a torn copy)."""
    with path.open("r+b") as file:
        file.seek(offset)
        byte = file.read(1)[0]
        file.seek(offset)
        file.write(bytes([byte ^ mask]))


@contextmanager
def fail_writes(
    os_module: ModuleType,
    cut: float,
    *,
    where: str = "write",
    undo_fails: bool = False,
    only: str | None = None,
) -> Iterator[None]:
    """Writes through ``os_module`` fail like a full (or failing) disk.

    ``where="write"``: ``os.write`` writes the first ``cut`` share of its
    bytes, then raises ENOSPC; ``where="fsync"``: ``os.fsync`` raises EIO.
    ``undo_fails``: ``os.ftruncate`` raises EIO too. ``only``: fail only for
    paths that contain this text (other writes go on), and then files opened
    for writing with ``Path.open`` fail the same way.
    """
    real_write = os_module.write

    def hits(fd: int) -> bool:
        return only is None or only in os_module.readlink(f"/proc/self/fd/{fd}")

    def write(fd: int, data: Any) -> int:
        if not hits(fd):
            return int(real_write(fd, data))
        real_write(fd, bytes(data[: int(len(data) * cut)]))
        raise OSError(errno.ENOSPC, "No space left on device")

    def eio(real: Any) -> Any:
        def fail(fd: int, *args: Any) -> Any:
            if not hits(fd):
                return real(fd, *args)
            raise OSError(errno.EIO, "Input/output error")

        return fail

    with ExitStack() as stack:
        if where == "write":
            stack.enter_context(patch.object(os_module, "write", write))
        else:
            stack.enter_context(patch.object(os_module, "fsync", eio(os_module.fsync)))
        if undo_fails:
            stack.enter_context(
                patch.object(os_module, "ftruncate", eio(os_module.ftruncate))
            )
        if only is not None:
            stack.enter_context(_failing_file_writes(only, cut, where))
        yield


class _FailingFile:
    """A file whose writes stop part-way with ENOSPC (or whose flush fails)."""

    def __init__(self, file: Any, cut: float, where: str) -> None:
        self._file = file
        self._cut = cut
        self._where = where

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def write(self, data: Any) -> int:
        if self._where != "write":
            return int(self._file.write(data))
        self._file.write(data[: int(len(data) * self._cut)])
        self._file.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        self._file.flush()
        if self._where != "write":
            raise OSError(errno.EIO, "Input/output error")


def _failing_file_writes(only: str, cut: float, where: str) -> Any:
    real_open = Path.open

    def open_(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        file = real_open(self, mode, *args, **kwargs)
        if only in str(self) and any(m in mode for m in "wa+"):
            return _FailingFile(file, cut, where)
        return file

    return patch.object(Path, "open", open_)


# A stand-in for HA's frontend integration. HA treats ``frontend`` as
# critical (recovery mode, without custom integrations, when it fails) and
# the test venvs lack its package (home-assistant-frontend); a custom
# integration of the same name takes its place.
_FRONTEND_MANIFEST = {
    "domain": "frontend",
    "name": "Frontend stand-in",
    "codeowners": [],
    "dependencies": [],
    "documentation": "https://www.home-assistant.io/integrations/frontend",
    "requirements": [],
    "version": "0.0.0",
}
_FRONTEND_INIT = '''"""No web UI: set up so that HA starts without recovery mode."""


async def async_setup(hass, config):
    return True
'''


def core_only_config(config: Path, server: demo.Server, port: int) -> None:
    """A config directory a real ``hass`` boots from a test venv.

    The demo's headless config (the integration, no demo sensors) with HA's
    REST API and onboarding, and a stand-in for the frontend.
    """
    demo.write_config(
        config, server, port=port, headless=True, core_only=True, replay_games=False
    )
    stand_in = config / "custom_components" / "frontend"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "manifest.json").write_text(json.dumps(_FRONTEND_MANIFEST))
    (stand_in / "__init__.py").write_text(_FRONTEND_INIT)


def entry_id(config: Path) -> str:
    """The id of the Sports Influx entry in a config directory."""
    store = json.loads((config / ".storage" / "core.config_entries").read_text())
    (entry,) = [e for e in store["data"]["entries"] if e["domain"] == demo.DOMAIN]
    return str(entry["entry_id"])


_NFL_IN = fixture_sensor("teamtracker_nfl.json", "sensor.test_tt_nfl_test01")


def teamtracker_nfl_in(
    event_id: str, date: str, team_score: int, opponent_score: int
) -> dict[str, Any]:
    """A live NFL TeamTracker state (NO away at ATL) as ``{state, attributes}``."""
    attributes = copy.deepcopy(_NFL_IN["attributes"])
    attributes.update(
        event_id=event_id,
        date=date,
        team_score=str(team_score),
        opponent_score=str(opponent_score),
    )
    return {"state": "IN", "attributes": attributes}


class FakeTransport:
    """Stands in for ``InfluxClient`` where only the transport's answers
    matter: ``write`` raises the queued errors in turn, then takes lines."""

    host = "http://influx.test:8086"

    def __init__(self) -> None:
        """Answering, nothing written yet."""
        self.errors: list[Exception] = []
        self.written: list[str] = []
        self.calls = 0
        self.closed = False

    def fail(self, status: int | None, count: int = 1) -> None:
        """The next ``count`` writes fail with ``status`` (None: no answer)."""
        from custom_components.sports_influx.influx.errors import WriteError

        retryable = status is None or status >= 500
        self.errors.extend(
            WriteError(f"HTTP {status}", status=status, retryable=retryable)
            for _ in range(count)
        )

    def write(self, lines: Sequence[str], retention: object) -> None:
        """One request: the next queued error, or the lines are kept."""
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        self.written.extend(lines)

    def abort_writes(self) -> None:
        """Nothing runs for long here."""

    def release_writes(self) -> None:
        """Nothing is held between writes here."""

    def close(self) -> None:
        """The writer closed its client."""
        self.closed = True
