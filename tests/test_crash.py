"""Nothing acknowledged to the outbox is lost when Home Assistant is killed.

A real Home Assistant process (``python -m homeassistant``, from the venv
pytest runs in) with the integration, against the real InfluxDB 1.6.7 stack.
Out of process: HA's time fixtures cannot reach into another process, so the
test polls real conditions (HTTP answers, file sizes, rows in the database)
against deadlines.

1. HA starts once with the server up (the entry remembers the server), and
   the owner is created through onboarding (a bearer token for the REST API).
2. nginx stops: the server is away. Each round starts HA, posts live NFL
   TeamTracker states through ``/api/states`` from a few threads (every post
   a new score, so a new point), and SIGKILLs HA while it spools.
3. After each kill, what the outbox acknowledged is read with the
   integration's own ``Outbox`` on a copy of its directory.
4. HA starts with the server back and replays the outbox; every acknowledged
   point must be read back with its tags, timestamp and field values, and
   the database must hold nothing else.

How the kill lands mid-append: the feed outruns the flush, so every two
seconds the writer appends a record of a few hundred points (tens to
hundreds of kilobytes, one ``write()`` and an fsync). The test stats the
outbox's segment files in a tight loop and sends SIGKILL the moment one
grows (the first or second time, by round; in every other round only a
segment that held complete records counts): the kill always lands while the
spool is appending. A record is torn only when the kill lands inside the
kernel's copy of that ``write()``, between two of its chunks: HA runs at
nice 19 in these rounds, so on a loaded machine it is preempted inside the
copy more often (about one kill in five to ten here, most often in a
segment's first record). Rounds go on (at least MIN_ROUNDS, at most
MAX_ROUNDS) until a kill tore a record that followed complete records of
its own file (those must survive); the torn tails are printed with the
points kept before them, not asserted (the race is the kernel's), and
every acknowledged point is checked whether or not a round tore one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
import http.client
import itertools
import json
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import IO, Any

import influx_stack

from custom_components.sports_influx.outbox import Outbox
from custom_components.sports_influx.schema import MEASUREMENTS
import demo

from . import factories
from .conftest import select_from
from .fakes.influxdb3.lineprotocol import parse_line


def _without_coverage(env: dict[str, str]) -> dict[str, str]:
    """The environment without pytest-cov's subprocess hooks: a killed
    process leaves partial data, and one started from the config directory
    does not read the project's coverage settings (branch data), which
    the run's combine then refuses."""
    return {
        key: value
        for key, value in env.items()
        if not key.startswith(("COV_CORE_", "COVERAGE_"))
    }


# Kills: at least MIN_ROUNDS, more until one tore a record after others.
MIN_ROUNDS = 3
MAX_ROUNDS = 10
# HA's priority in the killed rounds: preempted more often inside a write().
KILL_NICENESS = 19
FEEDERS = 3  # threads posting states, one game each
OPTIONS = {"batch_size": 5000, "flush_interval": 2}
START_TIMEOUT = 60.0  # seconds for HA to answer after it starts
ROUND_TIMEOUT = 30.0  # seconds of feeding before a kill must have happened
DRAIN_TIMEOUT = 90.0  # seconds for the replay to reach the database
STOP_TIMEOUT = 60.0
MAX_BYTES = 50 * 1024 * 1024  # the integration's default bound
TODAY = datetime.now(UTC).strftime("%Y-%m-%dT17:00Z")


@dataclass
class Hass:
    """One ``hass`` process on a config directory."""

    config: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        """Where its HTTP API answers."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, niceness: int = 0) -> None:
        """Start HA (at a lower CPU priority if told) until HTTP answers."""
        self.starts += 1
        self.log = (self.config / f"hass-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            # Everything is installed, or absent on purpose: no install attempts
            # (HA 2026.10 would spend seconds on each missing package).
            [
                "nice",
                "-n",
                str(niceness),
                sys.executable,
                "-m",
                "homeassistant",
                "-c",
                str(self.config),
                "--skip-pip",
            ],
            env=_without_coverage(demo.hass_env()),
            # Not the checkout: ``-m`` puts the working directory first on
            # sys.path, and HA would import its custom_components package.
            cwd=self.config,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        demo.wait_http(self.url, timeout=START_TIMEOUT, proc=self.proc)

    def wait_running(self, token: str) -> None:
        """Until HA has started (its signal handlers too) with the entry set up."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._get("/api/config", token)["state"] == "RUNNING":
                ids = [s["entity_id"] for s in self._get("/api/states", token)]
                assert any(i.endswith("_outbox_points") for i in ids), ids
                return
            time.sleep(0.2)
        raise TimeoutError(f"HA did not start in {START_TIMEOUT} s")

    def _get(self, path: str, token: str) -> Any:
        answer = influx_stack.http_request(
            self.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert answer.status == 200, answer.text
        return json.loads(answer.body)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(STOP_TIMEOUT)
        self._closed()

    def stop(self) -> None:
        """A clean stop (SIGTERM: HA's stop runs the integration's flush)."""
        assert self.proc is not None
        self.proc.terminate()
        try:
            assert self.proc.wait(STOP_TIMEOUT) == 0
        finally:
            self._closed()

    def ensure_gone(self) -> None:
        """Whatever happened: no process left behind."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)
        self._closed()

    def _closed(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None

    def errors(self) -> list[str]:
        """The integration's error lines in every log so far."""
        return [
            line
            for log in sorted(self.config.glob("hass-*.log"))
            for line in log.read_text(errors="replace").splitlines()
            if " ERROR (" in line and "custom_components.sports_influx]" in line
        ]


@dataclass
class Feeder:
    """Threads posting live scores to HA's REST API until told to stop."""

    url: str
    token: str
    # (event_id, home score, away score) of every state posted (HA may
    # have taken the last one of a thread even if the kill cut its answer).
    posted: set[tuple[str, int, int]] = field(default_factory=set)
    scores: dict[str, tuple[int, int]] = field(default_factory=dict)
    refused: list[int] = field(default_factory=list)  # HTTP statuses
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        """One thread per game."""
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._run, args=(f"crash-{n}",), daemon=True)
            for n in range(FEEDERS)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop posting; the threads are joined."""
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
            assert not thread.is_alive()
        assert not self.refused, f"HA refused states: {self.refused}"

    def _run(self, event_id: str) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
        }
        try:
            while not self._stop.is_set():
                team, opponent = self.scores.get(event_id, (0, 0))
                # One side scores per post, in turn: every state a new point.
                if (team + opponent) % 2:
                    opponent += 1
                else:
                    team += 1
                body = json.dumps(
                    factories.teamtracker_nfl_in(event_id, TODAY, team, opponent)
                )
                with self._lock:
                    # The fixture's team (NO) is away at ATL.
                    self.posted.add((event_id, opponent, team))
                conn.request(
                    "POST",
                    f"/api/states/sensor.{event_id.replace('-', '_')}",
                    body,
                    headers,
                )
                answer = conn.getresponse()
                answer.read()
                if answer.status not in (200, 201):
                    self.refused.append(answer.status)
                    return
                self.scores[event_id] = (team, opponent)
        except (OSError, http.client.HTTPException):
            pass  # HA was killed
        finally:
            conn.close()


def segments(directory: Path) -> dict[Path, int]:
    """Outbox segment files and their sizes."""
    sizes = {}
    with suppress(FileNotFoundError):
        for entry in os.scandir(directory):
            if entry.name.startswith("outbox-"):
                with suppress(FileNotFoundError):
                    sizes[Path(entry.path)] = entry.stat().st_size
    return sizes


def kill_on_growth(
    hass: Hass, directory: Path, growths: int, *, after_records: bool
) -> None:
    """SIGKILL HA the moment a segment grows for the ``growths``-th time.

    ``after_records``: only a segment that held bytes at rest (the same size
    two polls in a row: complete records) counts, so a record torn there
    follows complete records of its own file, which must be kept. A
    segment's first record tears more often.
    """
    before: dict[Path, int] = {}
    last = segments(directory)
    seen = 0
    deadline = time.monotonic() + ROUND_TIMEOUT
    while time.monotonic() < deadline:
        now = segments(directory)
        if any(
            size > last.get(path, 0)
            and (not after_records or 0 < last.get(path, 0) == before.get(path))
            for path, size in now.items()
        ):
            seen += 1
            if seen >= growths:
                hass.kill()
                return
        before, last = last, now
    raise TimeoutError(f"the outbox grew {seen} times in {ROUND_TIMEOUT} s")


@dataclass(frozen=True)
class Acknowledged:
    """What an outbox holds: complete records' lines, and torn segments."""

    lines: list[str]
    # Segments ending in a torn record, with the points kept before it.
    torn: dict[str, int]


def acknowledged(directory: Path, scratch: Path) -> Acknowledged:
    """Every complete record, read by the integration's Outbox from a copy."""
    shutil.copytree(directory, scratch)
    files = {p.name: p.read_bytes() for p in scratch.glob("outbox-*")}
    outbox = Outbox(scratch, MAX_BYTES)
    outbox.load()
    lines: list[str] = []
    while (record := outbox.peek()) is not None:
        lines.extend(record.lines)
        outbox.ack()
    known = {line.encode() for line in lines}
    # A record's payload ends with its last line and a newline: a segment
    # ending any other way ends in a record the kill cut short.
    torn = {
        name: sum(1 for line in data.split(b"\n") if line in known)
        for name, data in sorted(files.items())
        if data and data[:-1].rsplit(b"\n", 1)[-1] not in known
    }
    return Acknowledged(lines, torn)


type Points = dict[tuple[Any, ...], dict[str, Any]]


def points(lines: list[str]) -> Points:
    """Line protocol -> {(measurement, tags, time): fields}.

    The same point acknowledged twice (the demo's sensors are shown again
    at every start) must carry the same fields.
    """
    out: Points = {}
    for line in lines:
        parsed = parse_line(line)
        key = (parsed.measurement, tuple(sorted(parsed.tags.items())), parsed.timestamp)
        fields = {name: value for name, (_, value) in parsed.fields.items()}
        assert out.setdefault(key, fields) == fields, line
    return out


def stored(stack: influx_stack.Stack, database: str) -> Points:
    """Every measurement of the schema in the database, in the same shape."""
    out: Points = {}
    for name, measurement in MEASUREMENTS.items():
        for row in select_from(stack, database, name):
            values = {k: v for k, v in row.items() if v is not None}
            when = values.pop("time")
            tags = tuple(
                sorted((k, str(values.pop(k))) for k in measurement.tags if k in values)
            )
            out[(name, tags, when)] = values
    return out


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a real condition until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.5)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def test_kill_during_spooling_loses_nothing_acknowledged(
    stack: influx_stack.Stack, database: str, tmp_path: Path
) -> None:
    """SIGKILL while the outbox is written, several times; then replay all."""
    began = time.monotonic()
    config = tmp_path / "hass"
    server = demo.Server(stack.url, "crash-token", database)
    hass = Hass(config, demo.free_port())
    factories.core_only_config(config, server, hass.port)
    demo.write_entry(config, server, OPTIONS)
    outbox_dir = config / ".storage" / "sports_influx" / factories.entry_id(config)
    feeder: Feeder | None = None
    rounds: list[Acknowledged] = []
    want: Points = {}
    got: Points = {}
    try:
        hass.start()
        token = demo.create_owner(hass.url)["access_token"]
        hass.wait_running(token)
        # HA saves its users with a delay: a kill before that loses the token.
        wait_for(
            lambda: b"refresh_tokens" in _read(config / ".storage" / "auth"),
            30,
            "HA did not save its users",
        )
        hass.stop()
        stack.stop_nginx()
        feeder = Feeder(hass.url, token)
        torn: dict[str, int] = {}
        for number in range(MAX_ROUNDS):
            hass.start(niceness=KILL_NICENESS)
            hass.wait_running(token)
            feeder.start()
            kill_on_growth(
                hass, outbox_dir, 1 + number // 2 % 2, after_records=bool(number % 2)
            )
            feeder.stop()
            rounds.append(acknowledged(outbox_dir, tmp_path / f"copy-{number}"))
            torn |= rounds[-1].torn
            # Enough once a tear followed complete records of its own file.
            if len(rounds) >= MIN_ROUNDS and any(torn.values()):
                break
        stack.start_nginx()
        hass.start()
        hass.wait_running(token)
        want = points(rounds[-1].lines)
        wait_for(
            lambda: len(stored(stack, database)) >= len(want),
            DRAIN_TIMEOUT,
            "the outbox was not replayed in time",
        )
        hass.stop()
        got = stored(stack, database)
    finally:
        if feeder is not None:
            feeder.stop()
        hass.ensure_gone()
        stack.start_nginx()
        _report(rounds, feeder, want, got, time.monotonic() - began)
    # Nothing is acknowledged away while the server is down: every round's
    # outbox holds the earlier rounds' records.
    for earlier, later in itertools.pairwise(rounds):
        assert set(earlier.lines) <= set(later.lines)
    lost = [key for key in want if key not in got]
    assert not lost, f"{len(lost)} acknowledged points lost: {lost[:3]}"
    altered = [(want[key], got[key]) for key in want if got[key] != want[key]]
    assert not altered, f"{len(altered)} points altered: {altered[:3]}"
    extra = [key for key in got if key not in want]
    assert not extra, f"{len(extra)} points nobody acknowledged: {extra[:3]}"
    # Every acknowledged point is a score the feed posted, as it was posted.
    assert feeder is not None
    for (measurement, _tags, _), fields in want.items():
        # The feed's games share teams and a date, so one synthetic game id;
        # each keeps its own event id as the source's.
        score = (fields["source_game_id"], fields["home_score"], fields["away_score"])
        assert measurement == "nfl_scores"
        assert score in feeder.posted
    assert not segments(outbox_dir), "the outbox was not emptied"
    assert not hass.errors()


def _report(
    rounds: list[Acknowledged],
    feeder: Feeder | None,
    want: Points,
    got: Points,
    seconds: float,
) -> None:
    """What each round left, printed (pytest -s shows it)."""
    before: set[str] = set()
    torn_before: set[str] = set()
    for number, ack in enumerate(rounds):
        new = set(ack.lines) - before
        torn = [
            f"{name} after {kept} points of its own"
            for name, kept in ack.torn.items()
            if name not in torn_before
        ]
        print(
            f"round {number}: {len(new)} new points acknowledged "
            f"({len(ack.lines)} in the outbox), torn tail: {torn or 'none'}"
        )
        before |= new
        torn_before |= set(ack.torn)
    posted = len(feeder.posted) if feeder else 0
    print(
        f"states posted {posted}; points acknowledged {len(want)}; read back "
        f"{sum(1 for k in want if k in got)}; rows in the database {len(got)}; "
        f"{seconds:.0f} s"
    )
