"""Write-path faults on the real stack: nothing lost, nothing altered.

Each test injects one fault between the integration and InfluxDB 1.6.7
(a proxy with a small body limit, a line the server cannot parse, a server
that drips its answer or holds a write while Home Assistant stops, values
no server stores) and reads back what the database holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import logging
import socket
import time

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx import outbox_dir
from custom_components.sports_influx.const import (
    BACKFILL_BATCH_SIZE,
    CONF_BATCH_SIZE,
    MAX_REQUEST_BYTES,
    STOP_FLUSH_TIMEOUT,
    UNLOAD_FLUSH_TIMEOUT,
)
from custom_components.sports_influx.influx import InfluxClient
from custom_components.sports_influx.influx.splitting import by_bytes, line_bytes
from custom_components.sports_influx.lineprotocol import record_line
from custom_components.sports_influx.quarantine import REJECTED_FILE
from custom_components.sports_influx.records import InjuryReport, League, Standing
from custom_components.sports_influx.schema import RetentionClass
from custom_components.sports_influx.writer import SportsInfluxWriter
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util

from .conftest import select_from
from .factories import (
    KICKOFF,
    call_action,
    entry_for,
    nfl_player,
    nfl_score,
    no_grpc_threads_soon,
    one_player_stats,
    requests_in,
    setup,
)

KICKOFF_NS = int(KICKOFF.timestamp()) * 10**9


def entry_at(url: str, database: str, batch_size: int = 100) -> MockConfigEntry:
    """An entry writing to ``url`` (a proxy in front of the stack)."""
    return entry_for(url, "secret-token", database, **{CONF_BATCH_SIZE: batch_size})


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> SportsInfluxWriter:
    await setup(hass, entry)
    writer: SportsInfluxWriter = entry.runtime_data.writer
    return writer


def quarantined(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    path = outbox_dir(hass, entry.entry_id) / REJECTED_FILE
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def no_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR records (HA logs an exception escaping a task as one)."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_too_large_request_is_split(
    hass: HomeAssistant, stack, database: str, caplog: pytest.LogCaptureFixture
) -> None:
    """413 from a reverse proxy: the request is halved until it passes;
    only a line too large on its own is quarantined."""
    url = stack.start_limited_proxy(64 * 1024)
    entry = entry_at(url, database)
    writer = await set_up(hass, entry)
    # A backlog: one request of ~200 kB, three times what the proxy takes.
    writer.async_enqueue([nfl_score(n) for n in range(1500)])
    huge = InjuryReport(
        player_id="1",
        player_name="A B",
        team="GB",
        status="Out",
        comment="x" * 70_000,
        time=KICKOFF,
    )
    writer.async_enqueue([huge])
    await writer.async_flush()

    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == list(range(1500))
    assert writer.stats.points_written == 1500
    assert writer.stats.rejected == writer.stats.points_failed == 1
    assert select_from(stack, database, "nfl_injuries") == []
    (line,) = quarantined(hass, entry)
    assert line.startswith("nfl_injuries,")
    assert "x" * 70_000 in line
    assert "413" in (outbox_dir(hass, entry.entry_id) / REJECTED_FILE).read_text()
    assert no_errors(caplog) == []
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_default_nginx_takes_every_request(
    hass: HomeAssistant, stack, database: str
) -> None:
    """Behind nginx's default body limit (1 MiB) a backfill goes out in
    requests of up to MAX_REQUEST_BYTES, each taken as it is."""
    url = stack.start_limited_proxy(1024 * 1024)
    entry = entry_at(url, database)
    writer = await set_up(hass, entry)
    records = [
        nfl_score(n, possession="ATL", down_distance="3rd & 10", time_remaining="2:00")
        for n in range(2 * BACKFILL_BATCH_SIZE)
    ]
    await writer.async_backfill(records)

    now = dt_util.utcnow()
    lines = [record_line(r, now) for r in records]
    runs = [
        run
        for start in range(0, len(lines), BACKFILL_BATCH_SIZE)
        for run in by_bytes(
            lines[start : start + BACKFILL_BATCH_SIZE], MAX_REQUEST_BYTES
        )
    ]
    # Each chunk of the backfill is over MAX_REQUEST_BYTES, and its first
    # request over half a MiB.
    assert len(runs) == 4
    assert min(sum(map(line_bytes, run)) for run in runs[::2]) > 512 * 1024
    statuses = requests_in(stack.workdir / "limited-access.log", at_least=len(runs))
    assert statuses == ["204"] * len(runs)
    assert writer.stats.points_written == len(records)
    assert len(select_from(stack, database, "nfl_scores")) == len(records)
    await hass.config_entries.async_unload(entry.entry_id)
    stack.stop_limited_proxy()


async def test_lone_surrogate_is_refused_at_the_door(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A str UTF-8 cannot encode is refused when queued, with its reason;
    the rest of its batch is written, nothing reaches HA's loop."""
    writer = init_integration.runtime_data.writer
    players = [
        nfl_player("1", "Jordan Love", passing_yards=151),
        nfl_player("2", "Bad \ud800 Name", passing_yards=99),
        nfl_player("3", "Romeo Doubs", receiving_yards=73),
    ]
    assert writer.async_enqueue(players) == 2
    writer.async_enqueue([nfl_score(7)])
    await writer.async_flush()

    rows = select_from(stack, database, "nfl_player_stats")
    assert {r["player_name"] for r in rows} == {"Jordan Love", "Romeo Doubs"}
    assert len(select_from(stack, database, "nfl_scores")) == 1
    assert writer.stats.points_invalid == 1
    assert writer.stats.points_written == 3
    assert writer.stats.points_failed == writer.stats.retries == 0
    assert "player_name" in caplog.text
    assert "UTF-8 cannot encode" in caplog.text

    # The action refuses it, all or nothing, with the reason.
    with pytest.raises(ServiceValidationError, match="UTF-8 cannot encode"):
        await call_action(
            hass, "write_player_stats", one_player_stats("Z \udfff", sacks=1)
        )
    assert no_errors(caplog) == []


async def test_one_unparsable_line_only_it_is_quarantined(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """1.x stores the good lines of a batch and answers 400 "unable to
    parse" with no count: the writer finds the bad line by resending
    halves; the good points count as written, only the bad one is kept
    aside."""
    writer = init_integration.runtime_data.writer
    writer.async_enqueue([nfl_score(n) for n in range(2)])
    # A line an older serialiser wrote (an integer past int64).
    bad = f"nfl_scores,game_id=old home_score=9223372036854775808i {KICKOFF_NS}"
    writer._batcher.queue.append((RetentionClass.EVENTS.value, bad))
    writer.async_enqueue([nfl_score(n) for n in range(2, 4)])
    await writer.async_flush()

    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == [0, 1, 2, 3]
    assert writer.stats.points_written == 4
    assert writer.stats.rejected == writer.stats.points_failed == 1
    assert quarantined(hass, init_integration) == [bad]
    assert "unable to parse" in (writer.stats.last_error or "")


async def test_int64_overflow_and_reserved_field_are_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """points_for = 2**63 (the server refuses it) and a stat named time
    (1.x drops that field without a word) are refused when queued, named;
    never counted as written."""
    writer = init_integration.runtime_data.writer
    standings = [
        Standing(
            league=League.NFL,
            team=team,
            season=2025,
            wins=10,
            losses=7,
            extra={"points_for": points},
            time=KICKOFF,
        )
        for team, points in (("BUF", 400), ("NE", 2**63))
    ]
    assert writer.async_enqueue(standings) == 1
    players = [
        nfl_player("1", "Jordan Love", passing_yards=151, time=3600),
        nfl_player("2", "Romeo Doubs", receiving_yards=73),
    ]
    assert writer.async_enqueue(players) == 1
    await writer.async_flush()

    assert [r["team"] for r in select_from(stack, database, "nfl_standings")] == ["BUF"]
    assert [
        r["player_name"] for r in select_from(stack, database, "nfl_player_stats")
    ] == ["Romeo Doubs"]
    assert writer.stats.points_invalid == 2
    assert writer.stats.points_written == 2
    assert writer.stats.points_failed == writer.stats.rejected == 0
    assert "points_for=9223372036854775808 is outside the 64-bit integer range" in (
        caplog.text
    )
    assert "field name 'time' is reserved" in caplog.text
    with pytest.raises(ServiceValidationError, match="'time' is reserved"):
        await call_action(hass, "write_player_stats", one_player_stats("Z", time=1))


@dataclass
class _Server:
    """A local HTTP server on the test's loop (the fault in front of the stack)."""

    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
    url: str = ""
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


@contextlib.asynccontextmanager
async def serving(server: _Server) -> AsyncIterator[_Server]:
    async def on_connect(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        server.tasks.add(task)
        try:
            await server.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            server.tasks.discard(task)

    listening = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        listening.close()
        for task in list(server.tasks):
            task.cancel()
        await asyncio.gather(*server.tasks, return_exceptions=True)
        await listening.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One HTTP request: (head, body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head, await reader.readexactly(length)


DRIP_EVERY = 1.5
DRIP_FOR = 30.0


async def test_dripping_server_cannot_hold_a_write(
    hass: HomeAssistant, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    """A server sending its answer a byte every 1.5 s: urllib3's read
    timeout restarts at every byte; the write ends at its deadline anyway,
    and its points wait for a retry."""
    answer = b"HTTP/1.1 204 No Content\r\nX-Influxdb-Version: 1.6.7\r\n\r\n"

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        began = time.monotonic()
        for n, byte in enumerate(answer):
            writer.write(bytes([byte]))
            await writer.drain()
            if time.monotonic() - began > DRIP_FOR:
                writer.write(answer[n + 1 :])
                break
            await asyncio.sleep(DRIP_EVERY)

    async with serving(_Server(drip)) as server:
        client = InfluxClient(async_get_clientsession(hass), server.url, "t", "db")
        assert client.restore({"kind": "1", "version": "1.6.7"}) is not None
        client.write_timeout = 2.0
        writer = SportsInfluxWriter(
            hass, client, batch_size=10, flush_interval=10, jitter=lambda: 0.0
        )
        writer.async_enqueue([nfl_score(n) for n in range(3)])
        began = time.monotonic()
        await writer.async_flush()
        took = time.monotonic() - began
        print(f"write against a dripping server took {took:.1f} s")
        assert took < client.write_timeout + 5
        assert writer.stats.retries == 1
        assert writer.stats.points_written == writer.stats.points_failed == 0
        assert writer.stats.queue_depth == 3
        began = time.monotonic()
        await writer.async_close(1.0)
        assert time.monotonic() - began < 1.0 + 1
    assert no_errors(caplog) == []


@dataclass
class _Holding:
    """Holds each write (not other calls) before passing it on to the stack,
    as a server busy elsewhere would; a write whose client has gone by
    then is not passed on (nginx, buffering a request, does the same).

    ``drip``: while holding, the answer's first bytes go out one a second,
    so no read timeout of the client's fires.
    """

    upstream: str
    hold: float
    drip: bool = False
    writes: list[str] = field(default_factory=list)
    seen: asyncio.Event = field(default_factory=asyncio.Event)
    decided: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        head, body = await read_request(reader)
        # One request per connection, so each is seen and held on its own.
        head = head.replace(b"keep-alive", b"close").replace(
            b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1
        )
        if b" /api/v2/write" not in head.split(b"\r\n", 1)[0]:
            writer.write(await self._pass_on(head + body))
            return
        self.seen.set()
        try:
            sent = await self._held(reader, writer)
            if sent is None:
                self.writes.append("dropped: the client was gone")
                return
            answer = await self._pass_on(head + body)
            self.writes.append("passed on")
            writer.write(answer[sent:])
            await writer.drain()
        finally:
            self.decided.set()

    async def _held(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> int | None:
        """Bytes of the answer sent while holding; None if the client left."""
        sent = 0
        until = time.monotonic() + self.hold
        while (left := until - time.monotonic()) > 0:
            if self.drip and sent < len(b"HTTP/1.1 "):
                writer.write(b"HTTP/1.1 "[sent : sent + 1])
                sent += 1
            try:
                if await asyncio.wait_for(reader.read(1), min(left, 1.0)) == b"":
                    return None
            except TimeoutError:
                continue
        return sent

    async def _pass_on(self, request: bytes) -> bytes:
        host, port = self.upstream.removeprefix("http://").split(":")
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        up_writer.write(request)
        answer = await up_reader.read()
        up_writer.close()
        return answer


@pytest.mark.parametrize(
    ("how", "deadline", "hold", "drip", "where"),
    [
        ("stop", STOP_FLUSH_TIMEOUT, 8.0, False, "outbox"),
        ("unload", UNLOAD_FLUSH_TIMEOUT, 13.0, True, "outbox"),
        ("stop", STOP_FLUSH_TIMEOUT, 2.0, False, "database"),
    ],
)
async def test_stop_with_a_write_in_flight(
    hass: HomeAssistant,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
    how: str,
    deadline: float,
    hold: float,
    drip: bool,
    where: str,
) -> None:
    """HA stops (or the entry unloads) while a flush's write is held by the
    server: it finishes within its deadline, and every point is in exactly
    one place: in the database when the write ended in time, in the outbox
    when it did not."""
    holding = _Holding(stack.url, hold, drip)
    async with serving(_Server(holding)) as server:
        entry = entry_at(server.url, database)
        writer = await set_up(hass, entry)
        writer.async_enqueue([nfl_score(n) for n in range(5)])
        flush = hass.async_create_task(writer.async_flush())
        await asyncio.wait_for(holding.seen.wait(), 10)
        began = time.monotonic()
        if how == "stop":
            hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
            await hass.async_block_till_done()
        else:
            assert await hass.config_entries.async_unload(entry.entry_id)
        took = time.monotonic() - began
        await flush  # no IndexError: the write's batch had one owner
        await asyncio.wait_for(holding.decided.wait(), hold + 5)

        in_db = [r["home_score"] for r in select_from(stack, database, "nfl_scores")]
        in_outbox = writer.stats.outbox_points
        print(
            f"{how} took {took:.1f} s; {holding.writes}; db {in_db}, outbox {in_outbox}"
        )
        assert took < deadline + 1
        if where == "database":
            assert (in_db, in_outbox) == ([0, 1, 2, 3, 4], 0)
        else:
            assert (in_db, in_outbox) == ([], 5)
        assert writer.stats.points_written == len(in_db)
        assert no_errors(caplog) == []

        # What the outbox holds are those points: a new start writes them.
        holding.hold = 0
        if how == "stop":
            await hass.config_entries.async_unload(entry.entry_id)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        await entry.runtime_data.writer.async_flush()
        rows = select_from(stack, database, "nfl_scores", "home_score")
        assert [r["home_score"] for r in rows] == [0, 1, 2, 3, 4]
        assert entry.runtime_data.writer.stats.outbox_points == 0
        await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("flushing", [True, False])
async def test_close_while_a_connect_hangs(
    hass: HomeAssistant, socket_enabled: None, tmp_path, caplog, flushing: bool
) -> None:
    """A server whose accept queue is full never completes the connect, so
    closing cannot end the request early: close keeps its deadline, keeps
    the batch in the outbox, and the request ending later changes nothing
    (the request is a flush's, or close's own)."""
    from custom_components.sports_influx.outbox import Outbox

    full = socket.socket()
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    # The one connection the queue holds; the next connects never complete.
    filler = socket.create_connection(full.getsockname())
    try:
        url = f"http://127.0.0.1:{full.getsockname()[1]}"
        client = InfluxClient(async_get_clientsession(hass), url, "t", "db")
        assert client.restore({"kind": "1", "version": "1.6.7"}) is not None
        client.write_timeout = 4.0
        outbox = Outbox(tmp_path / "outbox", max_bytes=1 << 20)
        await hass.async_add_executor_job(outbox.load)
        writer = SportsInfluxWriter(
            hass, client, batch_size=10, flush_interval=10, outbox=outbox
        )
        writer.async_enqueue([nfl_score(n) for n in range(5)])
        flush = None
        if flushing:
            flush = hass.async_create_task(writer.async_flush())
            for _ in range(500):  # the executor job starts the request
                if writer._batcher.in_flight is not None:
                    break
                await asyncio.sleep(0.01)
        began = time.monotonic()
        await writer.async_close(2.0)
        assert time.monotonic() - began < 2.0 + 1
        assert writer.stats.outbox_points == 5
        if flush is not None:
            await flush  # the connect gives up at the write timeout
        await hass.async_block_till_done()
        assert writer.stats.outbox_points == outbox.points == 5
        assert writer.stats.points_written == writer.stats.points_failed == 0
        # The close was left to the request: it closed the client as it ended.
        assert await no_grpc_threads_soon(hass)
    finally:
        filler.close()
        full.close()
    assert no_errors(caplog) == []
