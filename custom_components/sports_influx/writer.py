"""Batching, retries and statistics, on Home Assistant's event loop.

Records are checked and queued as they are by ``@callback`` methods (a
type check per value, no I/O, no formatting). A batch is written when
``batch_size`` points wait, or every ``flush_interval`` seconds. The batch
is serialised in bulk (``lineprotocol``) and written in one executor job;
from then on it holds its lines. A failed batch is retried from a timer (no
task sleeps), so unload and shutdown only have to cancel the timer.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
import random
import time
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util

from .client import InfluxClient, WriteError
from .const import (
    BACKFILL_BATCH_SIZE,
    LOGGER,
    MAX_QUEUE_POINTS,
    NOTIFY_INTERVAL,
    RETRY_BACKOFF_BASE,
    RETRY_BASE_DELAY,
    RETRY_MAX_DELAY,
    RETRY_MAX_JITTER,
    RETRY_MAX_RETRIES,
    WRITE_TIME_WINDOW,
)
from .lineprotocol import check, serialize, serialize_grouped
from .points import InvalidRecordError
from .records import InjuryReport, NflScore, NhlScore, PlayerStats, Record, Standing
from .schema import RetentionClass


def retry_delay(attempt: int, jitter: float = 0.0) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based).

    5, 10, 20, 30, 30 ... plus up to ``RETRY_MAX_JITTER`` seconds of jitter
    so that many instances do not hammer a recovering server in step.
    """
    base: float = RETRY_BASE_DELAY * RETRY_BACKOFF_BASE**attempt
    return min(base, RETRY_MAX_DELAY) + min(max(jitter, 0.0), RETRY_MAX_JITTER)


@dataclass
class WriteStatistics:
    """What the writer has done; shown by the diagnostic sensors."""

    points_written: int = 0
    points_failed: int = 0
    points_invalid: int = 0
    batches_written: int = 0
    retries: int = 0
    queue_depth: int = 0
    last_success: datetime | None = None
    last_error: str | None = None
    # Source states that gave nothing to write, per reason slug.
    skipped: Counter[str] = field(default_factory=Counter)
    write_times_ms: deque[float] = field(
        default_factory=lambda: deque(maxlen=WRITE_TIME_WINDOW)
    )

    @property
    def success_rate(self) -> float | None:
        """Share of points written among those attempted, in percent."""
        done = self.points_written + self.points_failed
        return round(100.0 * self.points_written / done, 2) if done else None

    @property
    def average_write_time(self) -> float | None:
        """Mean duration of the last writes, in milliseconds."""
        if not self.write_times_ms:
            return None
        return round(sum(self.write_times_ms) / len(self.write_times_ms), 2)

    def as_dict(self) -> dict[str, object]:
        """A plain copy for diagnostics."""
        return {
            "points_written": self.points_written,
            "points_failed": self.points_failed,
            "points_invalid": self.points_invalid,
            "batches_written": self.batches_written,
            "retries": self.retries,
            "queue_depth": self.queue_depth,
            "success_rate": self.success_rate,
            "average_write_time": self.average_write_time,
            "last_success": self.last_success.isoformat()
            if self.last_success
            else None,
            "last_error": self.last_error,
            "skipped": dict(self.skipped),
        }


type _Queued = tuple[RetentionClass, Record, datetime]


@dataclass(slots=True)
class _Batch:
    """Points of one retention class written in one request.

    ``records`` (with the time they were queued, for those without their
    own) until the first attempt serialises them; ``lines`` from then on.
    """

    retention: RetentionClass
    lines: list[str] = field(default_factory=list)
    records: list[tuple[Record, datetime]] = field(default_factory=list)
    attempt: int = 0

    def __len__(self) -> int:
        return len(self.lines) + len(self.records)


class SportsInfluxWriter:
    """Queue records as points and write them in batches."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: InfluxClient,
        *,
        batch_size: int,
        flush_interval: float,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        """Set up an idle writer; ``async_start`` starts the timer."""
        self._hass = hass
        self._client = client
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._jitter = jitter or (lambda: random.uniform(0.0, RETRY_MAX_JITTER))
        self._queue: deque[_Queued] = deque()
        self._lock = asyncio.Lock()
        # Batches taken from the queue, the head one possibly awaiting a retry.
        self._ready: deque[_Batch] = deque()
        self._unsub_retry: CALLBACK_TYPE | None = None
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._closed = False
        self._logged_errors: set[str] = set()
        self._unsub_notify: CALLBACK_TYPE | None = None
        # Set whenever ``_ready`` runs empty (or the writer closes): what a
        # backfill waits for while one of its batches awaits a retry.
        self._ready_empty = asyncio.Event()
        self._last_notify = -NOTIFY_INTERVAL
        # Whether the last write succeeded (backlogs go out in large batches).
        self._writes_ok = True
        self.stats = WriteStatistics()

    # -- life cycle --------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start the periodic flush."""
        self._unsub_timer = async_track_time_interval(
            self._hass,
            self._async_on_timer,
            timedelta(seconds=self.flush_interval),
            name="sports_influx flush",
            cancel_on_shutdown=True,
        )

    async def async_close(self, deadline: float) -> None:
        """Flush what is queued within ``deadline`` seconds, then close."""
        if self._closed:
            return
        self._closed = True
        if self._unsub_timer:
            self._unsub_timer()
            self._unsub_timer = None
        try:
            async with asyncio.timeout(deadline):
                await self.async_flush()
        except TimeoutError:
            pass
        if unsent := len(self._queue) + sum(len(b) for b in self._ready):
            LOGGER.warning(
                "InfluxDB did not take the last %d points within %.0f s",
                unsent,
                deadline,
            )
        if self._unsub_retry:
            self._unsub_retry()
            self._unsub_retry = None
        if self._unsub_notify:
            self._unsub_notify()
            self._unsub_notify = None
        self._ready_empty.set()
        await self._hass.async_add_executor_job(self._client.close)

    # -- statistics listeners ----------------------------------------------

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` whenever the statistics change."""
        self._listeners.append(listener)

        @callback
        def remove() -> None:
            self._listeners.remove(listener)

        return remove

    @callback
    def async_notify(self) -> None:
        """Tell listeners the statistics changed, now."""
        if self._unsub_notify:
            self._unsub_notify()
            self._unsub_notify = None
        self._last_notify = self._hass.loop.time()
        self.stats.queue_depth = len(self._queue)
        for listener in list(self._listeners):
            listener()

    @callback
    def async_notify_soon(self) -> None:
        """Tell listeners the statistics changed, at most once a second.

        Each listener writes a sensor state (tens of microseconds, and a
        state_changed event): per queued record that would cost more than
        everything else the loop does for it. The first change after a quiet
        second is shown at once, later ones when the second is over.
        """
        self.stats.queue_depth = len(self._queue)
        if self._unsub_notify is not None:
            return
        wait = self._last_notify + NOTIFY_INTERVAL - self._hass.loop.time()
        if wait <= 0:
            self.async_notify()
            return
        self._unsub_notify = async_call_later(
            self._hass, wait, self._async_on_notify_timer
        )

    @callback
    def _async_on_notify_timer(self, _now: datetime) -> None:
        self._unsub_notify = None
        self.async_notify()

    # -- enqueue (callbacks, on the loop) ----------------------------------

    @callback
    def async_enqueue(self, records: Iterable[Record]) -> int:
        """Queue records; return how many were queued."""
        now = dt_util.utcnow()
        queued = 0
        queue = self._queue
        for record in records:
            try:
                retention = check(record, now)
            except InvalidRecordError as err:
                self._on_invalid(record, err)
                continue
            if len(queue) >= MAX_QUEUE_POINTS:
                self.stats.points_failed += 1
                self._log_once("queue_full", "Write queue full: dropping points")
                continue
            queue.append((retention, record, now))
            queued += 1
        if len(self._queue) >= self.batch_size and not self._closed:
            self._start_size_flush()
        self.async_notify_soon()
        return queued

    @callback
    def write_nfl_score(self, score: NflScore) -> int:
        """Queue one NFL score."""
        return self.async_enqueue([score])

    @callback
    def write_nhl_score(self, score: NhlScore) -> int:
        """Queue one NHL score."""
        return self.async_enqueue([score])

    @callback
    def write_player_stats(self, stats: Iterable[PlayerStats]) -> int:
        """Queue players' statistics."""
        return self.async_enqueue(stats)

    @callback
    def write_injury_report(self, report: Iterable[InjuryReport]) -> int:
        """Queue an injury report."""
        return self.async_enqueue(report)

    @callback
    def write_standings(self, standings: Iterable[Standing]) -> int:
        """Queue a standings table."""
        return self.async_enqueue(standings)

    # -- backfill ----------------------------------------------------------

    async def async_backfill(
        self, records: Iterable[Record], *, batch_size: int = BACKFILL_BATCH_SIZE
    ) -> None:
        """Write a long history of records in large batches.

        Nothing waits in the memory queue (capped at ``MAX_QUEUE_POINTS``):
        records are taken ``batch_size`` at a time, serialised in bulk in the
        executor while the previous batch is written, and written through
        the same path as queued points (statistics, retries, partial writes).
        A batch awaiting a retry holds the backfill back, so at most two
        batches are in memory. Invalid records are counted and left out.
        Returns when every batch was written or given up, or the writer closed.
        """
        now = dt_util.utcnow()
        source: Iterator[Record] = iter(records)

        def next_chunk() -> asyncio.Future[Any] | None:
            chunk = list(islice(source, batch_size))
            if not chunk:
                return None
            return self._hass.async_add_executor_job(serialize_grouped, chunk, now)

        pending = next_chunk()
        while pending is not None and not self._closed:
            groups, refused = await pending
            for record, err in refused:
                self._on_invalid(record, err)
            pending = next_chunk()  # serialised while this one is written
            self._ready.extend(_Batch(r, lines) for r, lines in groups.items())
            self._ready_empty.clear()
            await self._async_drain(full_only=True)
            while self._ready and not self._closed:
                # A retry timer owns the head batch now: wait for it.
                self._ready_empty.clear()
                await self._ready_empty.wait()
        if pending is not None:
            await pending  # do not leave an executor job behind

    # -- flushing ----------------------------------------------------------

    @callback
    def _start_size_flush(self) -> None:
        if not self._lock.locked():
            self._hass.async_create_task(
                self._async_drain(full_only=True), "sports_influx size flush"
            )

    @callback
    def _async_on_timer(self, _now: datetime) -> None:
        if (self._queue or self._ready) and not self._lock.locked():
            self._hass.async_create_task(
                self._async_drain(full_only=False), "sports_influx timed flush"
            )

    @callback
    def _async_on_retry_timer(self, _now: datetime) -> None:
        self._unsub_retry = None
        self._hass.async_create_task(
            self._async_drain(full_only=False), "sports_influx retry"
        )

    async def async_flush(self) -> None:
        """Write everything queued now, a pending retry included."""
        if self._unsub_retry:
            self._unsub_retry()
            self._unsub_retry = None
        await self._async_drain(full_only=False)
        # An explicit flush shows its outcome at once.
        self.async_notify()

    def _next_batches(self, full_only: bool) -> bool:
        """Move up to one batch from the queue to ``_ready``; False if none.

        A backlog (several batches waiting, after a burst or an outage) goes
        out in whole batches of up to ``BACKFILL_BATCH_SIZE`` points per
        request while writes succeed: one HTTP round trip per ``batch_size``
        points would make catching up far slower than the server allows.
        While they fail, batches keep their size, so a batch given up after
        its retries costs no more than before.
        """
        waiting = len(self._queue)
        if not waiting or (full_only and waiting < self.batch_size):
            return False
        take = min(waiting, self.batch_size)
        if waiting > self.batch_size and self._writes_ok:
            whole = waiting // self.batch_size * self.batch_size
            take = max(self.batch_size, min(whole, BACKFILL_BATCH_SIZE))
        groups: dict[RetentionClass, _Batch] = {}
        for _ in range(take):
            retention, record, now = self._queue.popleft()
            if (batch := groups.get(retention)) is None:
                batch = groups[retention] = _Batch(retention)
            batch.records.append((record, now))
        self._ready.extend(groups.values())
        return True

    async def _async_drain(self, *, full_only: bool) -> None:
        """Write batches until the queue is drained or a retry is scheduled.

        A failed batch waits for its retry timer at the head of ``_ready``:
        later points queue behind it, so order is kept and a struggling
        server is not hammered.
        """
        async with self._lock:
            while self._unsub_retry is None and (
                self._ready or self._next_batches(full_only)
            ):
                batch = self._ready[0]
                if await self._async_write(batch):
                    self._ready.popleft()
                self.async_notify_soon()
            if not self._ready:
                self._ready_empty.set()

    async def _async_write(self, batch: _Batch) -> bool:
        """Try a batch once; False when it waits for a retry."""
        started = time.monotonic()
        records, batch.records = batch.records, []
        lines, refused, err = await self._hass.async_add_executor_job(
            self._write_blocking, batch.retention, batch.lines, records
        )
        batch.lines = lines
        for record, invalid in refused:
            self._on_invalid(record, invalid)
        if not lines:
            return True
        if err is not None:
            if err.retryable and batch.attempt < RETRY_MAX_RETRIES and not self._closed:
                delay = retry_delay(batch.attempt, self._jitter())
                if err.retry_after:
                    delay = min(max(delay, err.retry_after), RETRY_MAX_DELAY)
                batch.attempt += 1
                self._on_retry(err, batch.attempt, delay)
                self._unsub_retry = async_call_later(
                    self._hass, delay, self._async_on_retry_timer
                )
                return False
            self._on_error(err, len(lines))
            return True
        self._on_success(len(lines), time.monotonic() - started)
        return True

    def _write_blocking(
        self,
        retention: RetentionClass,
        lines: list[str],
        records: Sequence[tuple[Record, datetime]],
    ) -> tuple[list[str], list[tuple[Record, InvalidRecordError]], WriteError | None]:
        """Serialise what is not yet, and write; runs in the executor.

        Returns the lines (kept by the batch for its retries), the records
        refused while serialising (checked at enqueue, so only a record
        changed since) and the write error, if any.
        """
        refused: list[tuple[Record, InvalidRecordError]] = []
        if records:
            new_lines, refused = serialize(records)
            lines = [*lines, *new_lines] if lines else new_lines
        if not lines:
            return lines, refused, None
        try:
            self._client.write(lines, retention)
        except WriteError as err:
            return lines, refused, err
        return lines, refused, None

    # -- callbacks feeding the statistics ----------------------------------

    @callback
    def _on_success(self, count: int, elapsed: float) -> None:
        self._writes_ok = True
        stats = self.stats
        stats.points_written += count
        stats.batches_written += 1
        stats.write_times_ms.append(elapsed * 1000.0)
        stats.last_success = dt_util.utcnow()
        if self._logged_errors:
            LOGGER.info("InfluxDB accepts writes again")
            self._logged_errors.clear()
        self.async_notify_soon()

    @callback
    def _on_invalid(self, record: Record, err: InvalidRecordError) -> None:
        self.stats.points_invalid += 1
        LOGGER.warning("Skipping invalid %s: %s", type(record).__name__, err)

    @callback
    def _on_retry(self, err: WriteError, attempt: int, delay: float) -> None:
        self._writes_ok = False
        self.stats.retries += 1
        self.stats.last_error = err.message
        LOGGER.debug(
            "Write failed (%s), retry %d in %.1f s", err.message, attempt, delay
        )
        self.async_notify_soon()

    @callback
    def _on_error(self, err: WriteError, count: int) -> None:
        self._writes_ok = False
        stats = self.stats
        stats.last_error = err.message
        if err.rejected is not None and err.rejected < count:
            # A partial write: the server kept the other lines.
            stats.points_failed += err.rejected
            stats.points_written += count - err.rejected
            stats.batches_written += 1
        else:
            stats.points_failed += count
        key = "rejected" if err.status else "unreachable"
        self._log_once(
            key,
            "InfluxDB %s %d points: %s",
            "rejected" if err.status else "could not be reached for",
            err.rejected if err.rejected is not None else count,
            err.message,
        )
        self.async_notify_soon()

    def _log_once(self, key: str, msg: str, *args: object) -> None:
        # Log a kind of failure once until writes succeed again.
        if key in self._logged_errors:
            LOGGER.debug(msg, *args)
            return
        self._logged_errors.add(key)
        LOGGER.warning(msg, *args)
