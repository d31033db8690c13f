"""The delivery state machine, transition by transition, on HA's clock.

The transport is ``FakeTransport``: what is under test is what the writer
does with each answer (state, timers, outbox, counters); the real write
paths run against the InfluxDB stack in test_writer and test_faults_*.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.sports_influx.const import RETRY_MAX_RETRIES
from custom_components.sports_influx.delivery import DeliveryState, retry_delay
from custom_components.sports_influx.outbox import Outbox
from custom_components.sports_influx.problems import WriterProblems
from custom_components.sports_influx.writer import SportsInfluxWriter
from homeassistant.core import HomeAssistant

from .factories import FakeTransport, nfl_score

BATCH = 5
FLUSH = 10


class Recorded(WriterProblems):
    """What the writer reported upward, in order."""

    def __init__(self) -> None:
        """Nothing reported yet."""
        self.events: list[str] = []

    def auth_failed(self) -> None:
        """Record the refused token."""
        self.events.append("auth_failed")

    def drained(self) -> None:
        """Record the outbox running empty."""
        self.events.append("drained")


@pytest.fixture
def transport() -> FakeTransport:
    """A transport that answers until told otherwise."""
    return FakeTransport()


@pytest.fixture
def problems() -> Recorded:
    """What the writer reports upward."""
    return Recorded()


@pytest.fixture
async def writer(
    hass: HomeAssistant, transport: FakeTransport, problems: Recorded, tmp_path: Path
) -> AsyncGenerator[SportsInfluxWriter]:
    """A started writer with an outbox: batches of 5, every 10 s, no jitter."""
    outbox = Outbox(tmp_path / "outbox", max_bytes=10**6)
    client: Any = transport
    writer = SportsInfluxWriter(
        hass,
        client,
        batch_size=BATCH,
        flush_interval=FLUSH,
        jitter=lambda: 0.0,
        outbox=outbox,
        problems=problems,
    )
    writer.async_start()
    await writer.async_load_outbox()
    yield writer
    await writer.async_close(1)


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float
) -> None:
    """Move HA's clock on and let what its timers start finish."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    for _ in range(4):
        await hass.async_block_till_done()


async def _enqueue_batch(hass: HomeAssistant, writer: SportsInfluxWriter) -> None:
    """One whole batch: the size flush starts at once."""
    assert writer.async_enqueue([nfl_score(n) for n in range(BATCH)]) == BATCH
    for _ in range(4):
        await hass.async_block_till_done()


async def test_starts_online_and_stays_there(
    hass: HomeAssistant, writer: SportsInfluxWriter, transport: FakeTransport
) -> None:
    """A write that goes through keeps the writer ONLINE."""
    assert writer.state is DeliveryState.ONLINE
    await _enqueue_batch(hass, writer)
    assert writer.state is DeliveryState.ONLINE
    assert len(transport.written) == BATCH
    assert writer.stats.points_written == BATCH


async def test_retrying_then_online(
    hass: HomeAssistant,
    writer: SportsInfluxWriter,
    transport: FakeTransport,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A failure for now: RETRYING, retried from a timer, ONLINE once it lands."""
    transport.fail(503)
    await _enqueue_batch(hass, writer)
    assert writer.state is DeliveryState.RETRYING
    assert writer.stats.retries == 1
    assert transport.calls == 1
    assert writer.pending() == BATCH

    # Not before its delay.
    await _tick(hass, freezer, retry_delay(0) - 1)
    assert transport.calls == 1
    await _tick(hass, freezer, 1)
    assert transport.calls == 2
    assert writer.state is DeliveryState.ONLINE
    assert len(transport.written) == BATCH
    assert writer.pending() == 0
    assert writer.stats.outbox_points == 0


async def test_online_retrying_offline_online(
    hass: HomeAssistant,
    writer: SportsInfluxWriter,
    transport: FakeTransport,
    problems: Recorded,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Retries spent: OFFLINE, the batch in the outbox; it is replayed and
    the writer is ONLINE again when the server answers."""
    transport.fail(None, RETRY_MAX_RETRIES + 1)
    await _enqueue_batch(hass, writer)
    for attempt in range(RETRY_MAX_RETRIES):
        assert writer.state is DeliveryState.RETRYING
        await _tick(hass, freezer, retry_delay(attempt))
    assert transport.calls == RETRY_MAX_RETRIES + 1
    assert writer.state is DeliveryState.OFFLINE
    assert writer.stats.retries == RETRY_MAX_RETRIES
    assert writer.pending() == 0
    assert writer.stats.outbox_points == BATCH
    assert transport.written == []

    # OFFLINE: a new failure spools at once, no retry timer.
    transport.fail(503)
    await _tick(hass, freezer, FLUSH)
    assert writer.state is DeliveryState.OFFLINE
    assert writer.stats.retries == RETRY_MAX_RETRIES

    # The server answers: the next timed flush replays the outbox.
    await _tick(hass, freezer, FLUSH)
    assert writer.state is DeliveryState.ONLINE
    assert len(transport.written) == BATCH
    assert writer.stats.outbox_points == 0
    assert writer.stats.points_written == BATCH
    assert problems.events == ["drained"]


async def test_assumed_offline_spools_the_first_failure(
    hass: HomeAssistant, writer: SportsInfluxWriter, transport: FakeTransport
) -> None:
    """Started while the server is away: no retries, straight to the outbox."""
    writer.assume_unavailable()
    assert writer.state is DeliveryState.OFFLINE
    transport.fail(None)
    await _enqueue_batch(hass, writer)
    assert writer.state is DeliveryState.OFFLINE
    assert writer.stats.retries == 0
    assert writer.stats.outbox_points == BATCH


async def test_auth_failed_stops_writing(
    hass: HomeAssistant,
    writer: SportsInfluxWriter,
    transport: FakeTransport,
    problems: Recorded,
    freezer: FrozenDateTimeFactory,
) -> None:
    """401: AUTH_FAILED, points kept, reauth asked for, nothing written after."""
    transport.fail(401)
    await _enqueue_batch(hass, writer)
    assert writer.state is DeliveryState.AUTH_FAILED
    assert problems.events == ["auth_failed"]
    assert writer.stats.outbox_points == BATCH
    assert writer.stats.retries == 0

    # Neither timers nor a flush write while the token is refused.
    writer.async_enqueue([nfl_score(n) for n in range(BATCH, BATCH + 2)])
    await _tick(hass, freezer, FLUSH)
    await writer.async_flush()
    assert transport.calls == 1
    assert writer.state is DeliveryState.AUTH_FAILED

    # Only a close leaves AUTH_FAILED (a reauth reloads the entry).
    writer.assume_unavailable()
    assert writer.state is DeliveryState.AUTH_FAILED

    # Closing keeps what waits (no drain) and ends in CLOSED.
    await writer.async_close(1)
    assert writer.state is DeliveryState.CLOSED
    assert transport.calls == 1
    assert writer.stats.outbox_points == BATCH + 2
    assert transport.closed


async def test_close_while_retrying(
    hass: HomeAssistant,
    writer: SportsInfluxWriter,
    transport: FakeTransport,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Closing cancels the retry timer, tries once more, keeps the rest."""
    transport.fail(503, 2)
    await _enqueue_batch(hass, writer)
    assert writer.state is DeliveryState.RETRYING

    await writer.async_close(1)
    assert writer.state is DeliveryState.CLOSED
    assert transport.calls == 2  # the close's own try, no retry
    assert writer.stats.outbox_points == BATCH
    assert writer.pending() == 0

    # Closed: no timer writes, enqueueing starts no flush, closing is once.
    await _tick(hass, freezer, 60)
    writer.async_enqueue([nfl_score(n) for n in range(BATCH)])
    await hass.async_block_till_done()
    await writer.async_close(1)
    assert transport.calls == 2
    assert writer.state is DeliveryState.CLOSED


async def test_close_when_online_writes_what_waits(
    hass: HomeAssistant, writer: SportsInfluxWriter, transport: FakeTransport
) -> None:
    """ONLINE -> CLOSED: what is queued is written before the client closes."""
    writer.async_enqueue([nfl_score(n) for n in range(BATCH - 1)])
    await writer.async_close(1)
    assert writer.state is DeliveryState.CLOSED
    assert len(transport.written) == BATCH - 1
    assert writer.stats.outbox_points == 0
    assert transport.closed


async def _offline_with_outbox(
    hass: HomeAssistant, writer: SportsInfluxWriter, transport: FakeTransport
) -> None:
    """OFFLINE, one batch waiting in the outbox."""
    writer.assume_unavailable()
    transport.fail(None)
    await _enqueue_batch(hass, writer)
    assert writer.stats.outbox_points == BATCH


async def test_replay_meets_a_refused_token(
    hass: HomeAssistant,
    writer: SportsInfluxWriter,
    transport: FakeTransport,
    problems: Recorded,
    freezer: FrozenDateTimeFactory,
) -> None:
    """OFFLINE -> AUTH_FAILED while replaying: the record stays in the outbox."""
    await _offline_with_outbox(hass, writer, transport)
    transport.fail(403)
    await _tick(hass, freezer, FLUSH)
    assert writer.state is DeliveryState.AUTH_FAILED
    assert problems.events == ["auth_failed"]
    assert writer.stats.outbox_points == BATCH
    assert transport.written == []


async def test_replay_refused_for_good_is_quarantined(
    hass: HomeAssistant,
    writer: SportsInfluxWriter,
    transport: FakeTransport,
    freezer: FrozenDateTimeFactory,
    tmp_path: Path,
) -> None:
    """A replayed record the server refuses (400) leaves the outbox for
    rejected.lp; the writer stays where it was and goes on."""
    await _offline_with_outbox(hass, writer, transport)
    transport.fail(400)
    await _tick(hass, freezer, FLUSH)
    assert writer.state is DeliveryState.OFFLINE
    assert writer.stats.outbox_points == 0
    assert writer.stats.rejected == BATCH
    rejected = (tmp_path / "outbox" / "rejected.lp").read_text()
    assert rejected.count("nfl_scores") == BATCH


async def test_close_without_outbox_counts_what_is_lost(
    hass: HomeAssistant, transport: FakeTransport
) -> None:
    """No outbox and no server at close: the points are counted as failed."""
    client: Any = transport
    writer = SportsInfluxWriter(
        hass, client, batch_size=BATCH, flush_interval=FLUSH, jitter=lambda: 0.0
    )
    writer.assume_unavailable()
    transport.fail(None, 2)
    writer.async_enqueue([nfl_score(n) for n in range(BATCH - 1)])
    await writer.async_close(1)
    assert writer.state is DeliveryState.CLOSED
    assert writer.stats.points_failed == BATCH - 1
    assert writer.pending() == 0
