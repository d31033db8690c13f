"""Batching, retries and statistics, driven by HA's time fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from datetime import timedelta
import time

from influx_stack import http_request
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.sports_influx.delivery import retry_delay
from custom_components.sports_influx.influx import InfluxClient
from custom_components.sports_influx.records import League, PlayerStats
from custom_components.sports_influx.schema import V1_RETENTION_POLICIES, RetentionClass
from custom_components.sports_influx.stats import WriteStatistics
from custom_components.sports_influx.writer import SportsInfluxWriter
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util

from .conftest import RECENT, select_from
from .factories import nfl_score as score, nhl_score, requests_in

KICKOFF = RECENT
# Where 1.x keeps scores: "another writer" must hit the same shard.
EVENTS_RP = V1_RETENTION_POLICIES[RetentionClass.EVENTS]
KICKOFF_NS = int(KICKOFF.timestamp()) * 10**9


async def settle(hass: HomeAssistant) -> None:
    """Let executor writes finish and the tasks waiting on them resume."""
    for _ in range(3):
        await hass.async_block_till_done()


async def settle_until(hass: HomeAssistant, done: Callable[[], bool]) -> None:
    """Settle until ``done()``: a background task waits on executor threads
    (serialising, connecting) that block_till_done does not track; this is
    waiting for those threads, not for a timer."""
    deadline = time.monotonic() + 10
    while not done():
        assert time.monotonic() < deadline, "never settled"
        await hass.async_block_till_done()
        await asyncio.sleep(0.01)


def advance(hass: HomeAssistant, seconds: float) -> None:
    """Move HA's clock (and the loop's timers) forward."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=seconds))


@pytest.fixture
async def writer(
    hass: HomeAssistant, stack, database: str
) -> AsyncGenerator[SportsInfluxWriter]:
    """A writer on the real stack: batches of 5, every 10 s, no jitter."""
    client = InfluxClient(async_get_clientsession(hass), stack.url, "token", database)
    await client.async_validate()
    await client.async_prepare_destinations()
    writer = SportsInfluxWriter(
        hass, client, batch_size=5, flush_interval=10, jitter=lambda: 0.0
    )
    writer.async_start()
    yield writer
    await writer.async_close(1)


def test_retry_schedule() -> None:
    """Base 5 s, doubling, capped at 30 s, jitter at most 2 s."""
    assert [retry_delay(n) for n in range(6)] == [5, 10, 20, 30, 30, 30]
    assert retry_delay(0, jitter=1.5) == 6.5
    assert retry_delay(3, jitter=9) == 32


def test_statistics_derived_values() -> None:
    """Success rate and the average over the last 100 writes."""
    stats = WriteStatistics()
    assert stats.success_rate is None
    assert stats.average_write_time is None
    stats.points_written, stats.points_failed = 3, 1
    stats.write_times_ms.extend([1.0] * 100 + [3.0] * 100)
    assert stats.success_rate == 75.0
    assert stats.average_write_time == 3.0


async def test_batch_by_size(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """Five points make a batch at once; four wait for the timer."""
    writer.async_enqueue([score(n) for n in range(4)])
    await settle(hass)
    assert writer.stats.points_written == 0
    assert writer.stats.queue_depth == 4

    writer.async_enqueue([score(4)])
    await settle(hass)
    assert writer.stats.points_written == 5
    assert writer.stats.batches_written == 1
    assert writer.stats.queue_depth == 0
    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == [0, 1, 2, 3, 4]


async def test_batch_by_time(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """Fewer points than a batch are written when the interval passes."""
    writer.async_enqueue([score(n) for n in range(3)])
    advance(hass, 5)
    await settle(hass)
    assert writer.stats.points_written == 0

    advance(hass, 10)
    await settle(hass)
    assert writer.stats.points_written == 3
    assert writer.stats.batches_written == 1
    assert writer.stats.last_success is not None
    assert writer.stats.average_write_time is not None
    assert len(select_from(stack, database, "nfl_scores")) == 3


async def test_retry_with_backoff_until_server_returns(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """An unreachable server is retried at 5, 10, 20 s; nothing is lost."""
    stack.stop_nginx()
    writer.async_enqueue([score(n) for n in range(5)])
    await settle(hass)
    assert writer.stats.retries == 1
    assert writer.stats.points_written == 0

    advance(hass, 4)
    await settle(hass)
    assert writer.stats.retries == 1  # the first delay is 5 s
    advance(hass, 5.5)
    await settle(hass)
    assert writer.stats.retries == 2
    advance(hass, 10.5)
    await settle(hass)
    assert writer.stats.retries == 3

    stack.start_nginx()
    advance(hass, 20.5)
    await settle(hass)
    assert writer.stats.retries == 3
    assert writer.stats.points_written == 5
    assert writer.stats.points_failed == 0
    assert writer.stats.success_rate == 100.0
    assert len(select_from(stack, database, "nfl_scores")) == 5


async def test_gives_up_after_five_retries(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack
) -> None:
    """Five retries, then the batch counts as failed."""
    stack.stop_nginx()
    writer.async_enqueue([score(n) for n in range(5)])
    await settle(hass)
    for _ in range(5):
        advance(hass, 30.5)
        await settle(hass)
    assert writer.stats.retries == 5
    assert writer.stats.points_failed == 5
    assert writer.stats.success_rate == 0.0
    assert writer.stats.last_error


async def test_rejected_line_is_not_retried(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """A 400 (field type conflict) is not retried; the good lines are kept."""
    # Another writer made home_score a float first.
    http_request(
        f"{stack.influx_url}/write?db={database}&rp={EVENTS_RP}",
        "POST",
        f"nfl_scores,game_id=other home_score=1.5 {KICKOFF_NS}".encode(),
    )
    writer.async_enqueue([score(n) for n in range(4)])
    writer.async_enqueue([score(9, home_score="not a number")])  # type: ignore[arg-type]
    assert writer.stats.points_invalid == 1
    await writer.async_flush()
    assert writer.stats.retries == 0
    assert writer.stats.points_failed == 4
    assert "field type conflict" in (writer.stats.last_error or "")
    rows = select_from(stack, database, "nfl_scores")
    assert len(rows) == 1  # only the other writer's point


async def test_partial_write_keeps_the_good_lines(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str, caplog
) -> None:
    """1.x says how many it dropped: those fail, the rest count as written."""
    http_request(
        f"{stack.influx_url}/write?db={database}&rp={EVENTS_RP}",
        "POST",
        f"nfl_scores,game_id=other quarter=1.5 {KICKOFF_NS}".encode(),
    )
    writer.async_enqueue([score(n) for n in range(4)])
    writer.async_enqueue([score(9, quarter=None, status="POST")])
    await settle(hass)
    assert writer.stats.points_written == 1
    assert writer.stats.points_failed == 4
    assert writer.stats.batches_written == 1
    assert caplog.text.count("InfluxDB rejected 4 points") == 1
    rows = select_from(stack, database, "nfl_scores", where="status = 'POST'")
    assert [r["home_score"] for r in rows] == [9]

    assert writer.stats.rejected == 4
    # A rejection is logged once until a write succeeds again.
    writer.async_enqueue([score(20, quarter=None, game_id="g2")])
    await writer.async_flush()
    assert writer.stats.points_written == 2


async def test_flush_does_not_wait_for_a_pending_retry(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """An explicit flush writes at once, pending retry included."""
    stack.stop_nginx()
    writer.async_enqueue([score(n) for n in range(5)])
    await settle(hass)
    assert writer.stats.retries == 1
    stack.start_nginx()
    await writer.async_flush()
    assert writer.stats.points_written == 5
    assert len(select_from(stack, database, "nfl_scores")) == 5


async def test_queue_is_capped(
    hass: HomeAssistant, writer: SportsInfluxWriter, caplog
) -> None:
    """Past the cap points are refused and counted, never unbounded memory."""
    writer._batcher.max_queue = 3  # no outbox to spill to
    writer.batch_size = 100
    assert writer.async_enqueue([score(n) for n in range(5)]) == 3
    assert writer.stats.points_failed == 2
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert [r.getMessage() for r in warnings] == ["Write queue full: dropping points"]


async def test_retry_after_is_honoured(hass: HomeAssistant, fake_v3) -> None:
    """troubleshoot.md: 503 with Retry-After: wait at least that long."""
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "sports"
    )
    await client.async_validate()
    writer = SportsInfluxWriter(
        hass, client, batch_size=1, flush_interval=10, jitter=lambda: 0.0
    )
    fake_v3.fail_next.append((503, b'{"error":"busy"}', {"Retry-After": "12"}))
    writer.async_enqueue([nhl_score()])
    await settle(hass)
    assert writer.stats.retries == 1
    advance(hass, 6)  # past the 5 s backoff, not past Retry-After
    await settle(hass)
    assert writer.stats.points_written == 0
    advance(hass, 12.5)
    await settle(hass)
    assert writer.stats.points_written == 1
    assert fake_v3.rows("sports", "nhl_scores")[0]["home_score"] == 1
    await writer.async_close(1)


async def test_record_is_written_as_it_was_queued(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """Serialised as it is queued: a record changed afterwards is written
    with the values it had, and checked only once."""
    stats: dict[str, object] = {"passing_yards": 250}
    player = PlayerStats(
        league=League.NFL,
        player_id="1",
        player_name="A B",
        team="NO",
        stats=stats,  # type: ignore[arg-type]
        time=KICKOFF,
    )
    writer.async_enqueue([player, score(1)])
    stats["passing_yards"] = "many"
    await writer.async_flush()
    assert writer.stats.points_invalid == 0
    assert writer.stats.points_written == 2
    rows = select_from(stack, database, "nfl_player_stats")
    assert [r["passing_yards"] for r in rows] == [250]


async def test_backfill_writes_in_large_batches(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """A history bypasses the queue: chunks serialised in bulk, one request
    each; the invalid record is counted and left out."""
    bad = score(99, home_score="x")  # type: ignore[arg-type]
    await writer.async_backfill([*(score(n) for n in range(12)), bad], batch_size=5)
    assert writer.stats.points_written == 12
    assert writer.stats.batches_written == 3
    assert writer.stats.points_invalid == 1
    assert writer.stats.queue_depth == 0
    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == list(range(12))


async def test_backfill_waits_for_a_retry(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """A batch that must be retried holds the backfill until it is written."""
    stack.stop_nginx()
    # In the background: block_till_done must not wait for it.
    task = hass.async_create_background_task(
        writer.async_backfill([score(n) for n in range(8)], batch_size=4), "backfill"
    )
    await settle_until(hass, lambda: writer.stats.retries == 1)
    assert not task.done()
    stack.start_nginx()
    advance(hass, 5.5)
    await settle_until(hass, task.done)
    assert writer.stats.points_written == 8
    assert len(select_from(stack, database, "nfl_scores")) == 8


async def test_close_ends_a_waiting_backfill(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack
) -> None:
    """Unload does not wait for a backfill stuck behind a dead server."""
    stack.stop_nginx()
    # In the background: block_till_done must not wait for it.
    task = hass.async_create_background_task(
        writer.async_backfill([score(n) for n in range(8)], batch_size=4), "backfill"
    )
    await settle_until(hass, lambda: writer.stats.retries == 1)
    await writer.async_close(0.1)
    await task
    assert writer.stats.points_written == 0


async def test_backlog_goes_out_in_whole_batches_per_request(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """Twelve waiting with batches of five: ten in one request (a backlog
    is not written five points per round trip), two wait for the timer."""
    writer.async_enqueue([score(n) for n in range(12)])
    await settle(hass)
    assert writer.stats.batches_written == 1
    assert writer.stats.points_written == 10
    assert writer.stats.queue_depth == 2
    await writer.async_flush()
    assert writer.stats.batches_written == 2
    assert len(select_from(stack, database, "nfl_scores")) == 12


async def test_backlog_keeps_small_batches_while_writes_fail(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack
) -> None:
    """During an outage batches keep batch_size points, not the backlog.

    This writer has no outbox: the first batch is given up after its
    retries; from then on the server counts as away and each batch is
    given up at its first failure, five points at a time (with the outbox
    the integration sets up, they are kept: test_outbox.py).
    """
    stack.stop_nginx()
    writer.async_enqueue([score(n) for n in range(5)])
    await settle(hass)
    assert writer.stats.retries == 1
    writer.async_enqueue([score(n) for n in range(5, 17)])
    given_up = []
    for _ in range(10):
        advance(hass, 30.5)
        await settle(hass)
        given_up.append(writer.stats.points_failed)
    assert writer.stats.retries == 5
    assert writer.stats.points_failed == 17
    # Never more than one batch (5 points) at a time.
    steps = [b - a for a, b in zip([0, *given_up], given_up, strict=False)]
    assert max(steps) <= 5


async def test_backfill_skips_expired_points(
    hass: HomeAssistant, writer: SportsInfluxWriter, stack, database: str
) -> None:
    """History older than its retention window is counted, not sent."""
    old = KICKOFF - timedelta(days=800)  # events are kept 730 days
    await writer.async_backfill(
        [score(1, time=old), score(2, time=old, game_id="g2"), score(3)]
    )
    assert writer.stats.expired == 2
    assert writer.stats.points_written == 1
    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == [3]


async def test_requests_are_capped_in_bytes(
    hass: HomeAssistant, stack, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live, backlog and backfill batches stay under MAX_REQUEST_BYTES: a
    proxy taking no more never answers 413."""
    from custom_components.sports_influx import batcher as batcher_module

    monkeypatch.setattr(batcher_module, "MAX_REQUEST_BYTES", 1000)
    url = stack.start_limited_proxy(1000)
    client = InfluxClient(async_get_clientsession(hass), url, "token", database)
    await client.async_validate()
    await client.async_prepare_destinations()
    writer = SportsInfluxWriter(
        hass, client, batch_size=5, flush_interval=10, jitter=lambda: 0.0
    )
    writer.async_enqueue([score(n) for n in range(40)])
    await writer.async_flush()
    await writer.async_backfill([score(n) for n in range(40, 80)], batch_size=40)
    statuses = requests_in(
        stack.workdir / "limited-access.log", at_least=writer.stats.batches_written
    )
    assert set(statuses) == {"204"}
    assert len(statuses) == writer.stats.batches_written >= 80 * 140 // 1000
    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert [r["home_score"] for r in rows] == list(range(80))
    await writer.async_close(1)
    stack.stop_limited_proxy()
