"""What the benchmarks share: the stack, Home Assistant in-process, the
TeamTracker streams, and the meters (loop busy time, thread CPU, RSS).

Every benchmark runs as its own process (``python bench/NAME.py``) and
prints one JSON object on its last stdout line; ``bench/run.py`` runs them
all and prints the table.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
import contextlib
import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
import json
import os
from pathlib import Path
import random
import re
import statistics
import sys
import tempfile
import time
from typing import Any
import urllib.parse
import uuid

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import influx_stack  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
# Yesterday's kickoff: points must fall inside the integration's retention
# windows by the server's clock (older ones are refused, not written).
START = (datetime.now(UTC) - timedelta(days=1)).replace(
    hour=17, minute=0, second=0, microsecond=0
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?=T\d{2}:\d{2})")


def _recent(value: Any) -> Any:
    """Fixture dates moved to START's day (time of day kept)."""
    if isinstance(value, str):
        return _ISO_DATE.sub(START.date().isoformat(), value)
    if isinstance(value, dict):
        return {k: _recent(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_recent(v) for v in value]
    return value


POLL = 5.0  # seconds: TeamTracker's in-game refresh


# -- output ---------------------------------------------------------------


def emit(result: dict[str, Any]) -> None:
    """The benchmark's result: the last line of stdout, as JSON."""
    print(json.dumps(result), flush=True)


def log(msg: str) -> None:
    """Progress on stderr (stdout is for the result)."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    """Median (the figure reported: the machine is shared and noisy)."""
    return statistics.median(values)


# -- the stack --------------------------------------------------------------


@contextlib.contextmanager
def influx() -> Iterator[influx_stack.Stack]:
    """InfluxDB 1.6.7 behind nginx in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="bench-influx-") as workdir:
        stack = influx_stack.start(Path(workdir))
        try:
            yield stack
        finally:
            stack.stop()


@contextlib.contextmanager
def database(stack: influx_stack.Stack) -> Iterator[str]:
    """A fresh database, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    stack.create_database(name)
    try:
        yield name
    finally:
        stack.drop_database(name)


def count_points(stack: influx_stack.Stack, db: str, measurement: str = "") -> int:
    """Points stored in a database (all measurements, or one), in every
    retention policy (sports_influx writes each class to its own)."""
    what = f'"{measurement}"' if measurement else "/.*/"
    policies = stack.query("SHOW RETENTION POLICIES", db=db)["results"][0]
    total = 0
    for policy, *_rest in policies.get("series", [{}])[0].get("values", []):
        query = urllib.parse.urlencode(
            {"q": f'SELECT count(*) FROM "{policy}".{what}', "db": db}
        )
        # Counting 200k points of many series takes 1.x a while: a long timeout.
        resp = influx_stack.http_request(
            f"{stack.influx_url}/query?{query}", timeout=300
        )
        result = json.loads(resp.body)
        for series in result["results"][0].get("series", []):
            row = series["values"][0]
            # count(*) gives one count per field: a point has at least its
            # most common field, so the largest count is the number of points.
            total += max(v for v in row[1:] if isinstance(v, int))
    return total


# -- Home Assistant in-process -------------------------------------------------


@contextlib.asynccontextmanager
async def home_assistant() -> AsyncIterator[Any]:
    """A real Home Assistant (phcc's test instance) with custom integrations."""
    from unittest.mock import patch

    from aiohttp.resolver import AsyncResolver
    from pytest_homeassistant_custom_component.common import async_test_home_assistant

    from homeassistant import loader

    with (
        tempfile.TemporaryDirectory(prefix="bench-ha-") as config_dir,
        # As phcc does: no zeroconf (and its network scan) behind aiohttp.
        patch(
            "homeassistant.helpers.aiohttp_client._async_make_resolver",
            return_value=AsyncResolver(),
        ),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            try:
                yield hass
            finally:
                # HA 2026.10's core influxdb stops its thread when its entry
                # unloads, not when HA stops: a left thread hangs the exit.
                for entry in hass.config_entries.async_entries():
                    await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_stop(force=True)


async def setup_sports_influx(
    hass: Any, stack: influx_stack.Stack, db: str, **options: Any
) -> Any:
    """Set the integration up against the stack; returns its config entry."""
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from custom_components.sports_influx.const import CONF_DATABASE, DOMAIN

    entry = MockConfigEntry(
        domain=DOMAIN,
        title=db,
        unique_id=f"{stack.url}/{db}",
        data={"host": stack.url, "token": "t", CONF_DATABASE: db, "verify_ssl": True},
        options=options,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def setup_core_influxdb(
    hass: Any, stack: influx_stack.Stack, db: str, entities: list[str]
) -> Any:
    """HA core's influxdb integration (API v1) writing these entities."""
    from homeassistant.setup import async_setup_component

    port = int(stack.url.rsplit(":", 1)[1])
    config = {
        "influxdb": {
            "host": "127.0.0.1",
            "port": port,
            "database": db,
            "include": {"entities": entities},
        }
    }
    # HA 2026.10 imports the YAML into a config entry, whose setup reads
    # the filters from configuration.yaml itself.
    await hass.async_add_executor_job(
        Path(hass.config.path("configuration.yaml")).write_text, json.dumps(config)
    )
    assert await async_setup_component(hass, "influxdb", config)
    await hass.async_block_till_done()
    if "influxdb" in hass.data:  # HA 2025.4
        return hass.data["influxdb"]
    (entry,) = hass.config_entries.async_entries("influxdb")
    return entry.runtime_data


# -- meters -------------------------------------------------------------------


class LoopMeter:
    """Time the event loop spends outside ``select()``: its busy time.

    Waiting for the GIL after ``select()`` returns counts as busy: that is
    what a thread holding the GIL costs the loop.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.idle_ns = 0
        selector = loop._selector  # type: ignore[attr-defined]
        original = selector.select

        def select(timeout: float | None = None) -> Any:
            started = time.perf_counter_ns()
            try:
                return original(timeout)
            finally:
                self.idle_ns += time.perf_counter_ns() - started

        selector.select = select
        self._started = 0
        self._idle_at_start = 0

    def start(self) -> None:
        self._started = time.perf_counter_ns()
        self._idle_at_start = self.idle_ns

    def busy_ns(self) -> int:
        """Busy nanoseconds since ``start``."""
        wall = time.perf_counter_ns() - self._started
        return wall - (self.idle_ns - self._idle_at_start)


def cpu_ns(loop_thread: int) -> tuple[int, int]:
    """CPU time (ns) of the loop's thread, and of every other thread of this
    process (the whole process's minus the loop's, so threads that ended are
    counted too). Both clocks are the kernel's per-thread and per-process CPU
    clocks, nanosecond-precise (``/proc``'s ticks are 10 ms)."""
    loop = time.clock_gettime_ns(time.pthread_getcpuclockid(loop_thread))
    return loop, time.process_time_ns() - loop


def rss_bytes() -> int:
    """Resident set size now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# -- TeamTracker streams --------------------------------------------------------


def teamtracker_sensors() -> list[dict[str, Any]]:
    """The 20 TeamTracker fixture sensors (12 NFL, 8 NHL)."""
    states = []
    for name in ("teamtracker_nfl.json", "teamtracker_nhl.json"):
        states += _recent(json.loads((FIXTURES / name).read_text()))
    return states


@dataclass(slots=True)
class Change:
    """One state change: what a TeamTracker sensor reports on a poll."""

    entity_id: str
    state: str
    attributes: dict[str, Any]
    timestamp: float  # when HA saw it (simulated game time)
    score_change: bool = False


def _clock(poll: int, quarter: int) -> str:
    left = max(0, 900 - (poll * 5) % 900)
    return f"{left // 60}:{left % 60:02d} - {quarter}Q"


class _Game:
    """A live game, advanced one poll at a time with realistic odds."""

    def __init__(self, base: dict[str, Any], rng: random.Random) -> None:
        self.base = base
        self.attrs = copy.deepcopy(base["attributes"])
        self.rng = rng
        self.football = self.attrs.get("sport") == "football"
        self.state = "IN" if base["state"] in ("IN", "PRE") else base["state"]

    def poll(self, n: int, when: datetime) -> tuple[dict[str, Any], bool]:
        attrs = dict(self.attrs)
        attrs["last_update"] = when.isoformat()
        attrs["clock"] = _clock(n, int(attrs.get("quarter") or 1))
        score_change = False
        if self.state == "IN":
            rng = self.rng
            # Per 5 s poll: NFL ~155 plays, ~24 drives, ~9 scores in 3 h;
            # NHL ~60 shots, ~6 goals in 2.5 h.
            if self.football:
                if rng.random() < 0.07:
                    attrs["down_distance_text"] = (
                        f"{rng.randint(1, 4)}th & {rng.randint(1, 15)} "
                        f"at {rng.choice(('NO', 'ATL'))} {rng.randint(1, 50)}"
                    )
                if rng.random() < 0.011:
                    attrs["possession"] = rng.choice(
                        (attrs.get("team_id"), attrs.get("opponent_id"))
                    )
                p_score = 0.0042
            else:
                if rng.random() < 0.033:
                    key = rng.choice(("team_total_shots", "opponent_total_shots"))
                    attrs[key] = int(attrs.get(key) or 0) + 1
                p_score = 0.0033
            if rng.random() < p_score:
                key = rng.choice(("team_score", "opponent_score"))
                attrs[key] = str(int(str(attrs.get(key) or 0).split("(")[0]) + 1)
                score_change = True
        self.attrs = attrs
        return attrs, score_change


def stream(changes: int, seed: int = 7) -> list[Change]:
    """``changes`` state changes of the 20 fixture sensors, polled every 5 s.

    Every poll changes ``clock`` and ``last_update`` (as TeamTracker's do);
    plays, possession, shots and scores change with realistic odds.
    """
    rng = random.Random(seed)
    games = [_Game(base, rng) for base in teamtracker_sensors()]
    out: list[Change] = []
    n = 0
    while len(out) < changes:
        when = START + timedelta(seconds=POLL * n)
        for game in games:
            attrs, scored = game.poll(n, when)
            out.append(
                Change(
                    game.base["entity_id"],
                    game.state,
                    attrs,
                    when.timestamp(),
                    scored,
                )
            )
        n += 1
    return out[:changes]


def nfl_game(seed: int = 11) -> list[Change]:
    """One 3-hour NFL game polled every 5 s, kickoff to final.

    Four 15-minute quarters stretched over 3 hours of broadcast (~2160
    polls), a 20-minute halftime with nothing moving, then the final and a
    few polls of it.
    """
    rng = random.Random(seed)
    base = next(
        s
        for s in teamtracker_sensors()
        if s["entity_id"] == "sensor.test_tt_nfl_test01"
    )
    game = _Game(base, rng)
    game.attrs.update(team_score="0", opponent_score="0", quarter=1)
    out: list[Change] = []
    polls = int(3 * 3600 / POLL)
    halftime = range(polls // 2 - 120, polls // 2 + 120)
    for n in range(polls):
        when = START + timedelta(seconds=POLL * n)
        quarter = 1 + min(3, n * 4 // polls)
        game.attrs["quarter"] = quarter
        if n in halftime:
            attrs = dict(game.attrs, last_update=when.isoformat(), clock="Halftime")
            out.append(Change(base["entity_id"], "IN", attrs, when.timestamp()))
            continue
        attrs, scored = game.poll(n, when)
        out.append(Change(base["entity_id"], "IN", attrs, when.timestamp(), scored))
    final = dict(game.attrs, clock="Final")
    for k in range(6):
        when = START + timedelta(seconds=POLL * (polls + k))
        attrs = dict(final, last_update=when.isoformat())
        out.append(Change(base["entity_id"], "POST", attrs, when.timestamp()))
    return out


async def replay(
    hass: Any,
    changes: list[Change],
    *,
    per_tick: int = 20,
    tick: float = 0.01,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Set the states ``per_tick`` at a time, a tick apart (real seconds)."""
    set_state = hass.states.async_set
    for i in range(0, len(changes), per_tick):
        for change in changes[i : i + per_tick]:
            set_state(
                change.entity_id,
                change.state,
                change.attributes,
                timestamp=change.timestamp,
            )
        if on_tick:
            on_tick()
        await asyncio.sleep(tick)


def run_ha_loop(main: Any) -> Any:
    """Run ``main`` (a coroutine) on Home Assistant's event loop: HA 2025.4
    gives it through an event loop policy, HA 2026.10 (Python 3.14, where
    policies are deprecated) through a loop factory. asyncio debug is off,
    unless ``BENCH_ASYNCIO_DEBUG=1`` (how the issue's anchor was taken)."""
    from homeassistant import runner

    debug = os.environ.get("BENCH_ASYNCIO_DEBUG") == "1"
    if hasattr(runner, "HassEventLoopPolicy"):
        asyncio.set_event_loop_policy(runner.HassEventLoopPolicy(debug))
        return asyncio.run(main, debug=debug)
    return asyncio.run(
        main, debug=debug, loop_factory=partial(runner.create_event_loop, debug)
    )
