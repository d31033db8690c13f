"""Batching, retries and statistics, on Home Assistant's event loop.

Records are serialised as they are queued, by ``@callback`` methods (one
pass per record, ``lineprotocol``, which also checks it; no I/O): the queue
holds plain strings, which Python's garbage collector does not track, so a
backlog never brings on a collection of HA's whole heap (queued record
objects did: ~190 ms each, in 2 of 4 10k bursts on HA 2026.10.4). A batch is
written when ``batch_size`` points wait, or every ``flush_interval``
seconds, in one executor job. A failed batch is retried from a timer (no
task sleeps), so unload and shutdown only have to cancel the timer.

Nothing is lost (with an ``Outbox``): a batch that still fails after its
retries, everything queued while the server is away, what is left at unload
or stop, and what overflows the in-memory cap go to the outbox on disk. The
outbox is replayed, oldest first and alternating with live batches, as soon
as the server answers. Lines the server refuses for good are quarantined
with its message. 401/403 stops writing and asks for a new token.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
import random
import re
import time
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util

from .client import InfluxClient
from .const import (
    BACKFILL_BATCH_SIZE,
    CLOSE_SPOOL_MARGIN,
    LOGGER,
    MAX_QUEUE_POINTS,
    MAX_REQUEST_BYTES,
    NOTIFY_INTERVAL,
    RETRY_BACKOFF_BASE,
    RETRY_BASE_DELAY,
    RETRY_MAX_DELAY,
    RETRY_MAX_JITTER,
    RETRY_MAX_RETRIES,
)
from .lineprotocol import checked_line, retention_of, serialize_grouped
from .points import InvalidRecordError
from .records import Record
from .schema import RetentionClass, is_expired
from .splitting import CONFLICT_RE, by_bytes, line_bytes
from .spool import REJECTED_FILE, Outbox
from .stats import WriteStatistics
from .write_errors import WriteError


def retry_delay(attempt: int, jitter: float = 0.0) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based).

    5, 10, 20, 30, 30 ... plus up to ``RETRY_MAX_JITTER`` seconds of jitter
    so that many instances do not hammer a recovering server in step.
    """
    base: float = RETRY_BASE_DELAY * RETRY_BACKOFF_BASE**attempt
    return min(base, RETRY_MAX_DELAY) + min(max(jitter, 0.0), RETRY_MAX_JITTER)


@dataclass(frozen=True, slots=True)
class BackfillOutcome:
    """What a backfill did with its records."""

    sent: int
    expired: int
    invalid: int


# A queued point: its retention class's value and its line. Two plain
# strings: the collector stops tracking the tuple at its first pass.
type _Queued = tuple[str, str]


@dataclass(slots=True)
class _Batch:
    """Lines of one retention class written in one request."""

    retention: RetentionClass
    lines: list[str]
    attempt: int = 0

    def __len__(self) -> int:
        return len(self.lines)


def _grouped(items: Iterable[_Queued]) -> list[tuple[RetentionClass, list[str]]]:
    """Queued points -> lines per retention class, in queue order."""
    groups: dict[str, list[str]] = {}
    for retention, line in items:
        if (lines := groups.get(retention)) is None:
            lines = groups[retention] = []
        lines.append(line)
    return [(RetentionClass(r), lines) for r, lines in groups.items()]


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
        outbox: Outbox | None = None,
        max_queue: int = MAX_QUEUE_POINTS,
        problems: WriterProblems | None = None,
    ) -> None:
        """Set up an idle writer; ``async_start`` starts the timer."""
        self._hass = hass
        self._client = client
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._jitter = jitter or (lambda: random.uniform(0.0, RETRY_MAX_JITTER))
        self._outbox = outbox
        self._max_queue = max_queue
        self._problems = problems or WriterProblems()
        self._queue: deque[_Queued] = deque()
        self._lock = asyncio.Lock()
        # Batches taken from the queue, the head one possibly awaiting a retry.
        self._ready: deque[_Batch] = deque()
        # The batch whose request runs now: owned by that request until it
        # ends, in neither ``_ready`` nor the outbox.
        self._in_flight: _Batch | None = None
        self._unsub_retry: CALLBACK_TYPE | None = None
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        self._feed: Callable[[], Awaitable[None]] | None = None
        self._spills: set[asyncio.Task[None]] = set()
        self._closed = False
        self._available = True
        self._auth_failed = False
        self._replay_turn = True
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

    @callback
    def assume_unavailable(self) -> None:
        """Start as if the server were away: the first failure spools at once."""
        self._available = False

    async def async_load_outbox(self) -> None:
        """Read what an earlier run left in the outbox; replay starts now."""
        if self._outbox is None:
            return
        outbox = self._outbox
        try:
            await self._hass.async_add_executor_job(outbox.load)
        except Exception as err:  # noqa: BLE001 - new points still get a new file
            LOGGER.error("Cannot read the outbox in %s: %s", outbox.directory, err)
        await self._async_outbox_state()
        kept = await self._hass.async_add_executor_job(outbox.damage_kept)
        if not kept:
            self._problems.damage_resolved()
        if points := self.stats.outbox_points:
            LOGGER.info("%d points wait in the outbox; writing them now", points)
            self._hass.async_create_task(
                self._async_drain(full_only=False), "sports_influx replay"
            )

    async def async_close(self, deadline: float) -> None:
        """Flush within ``deadline`` seconds; keep the rest in the outbox.

        A request still running ``CLOSE_SPOOL_MARGIN`` before the deadline
        is ended (the client shuts its socket), so its batch is known to
        be unwritten and is kept with the rest; a request that ends in
        time is counted as it ends and is not kept twice.
        """
        if self._closed:
            return
        self._closed = True
        if self._unsub_timer:
            self._unsub_timer()
            self._unsub_timer = None
        if self._unsub_retry:
            self._unsub_retry()
            self._unsub_retry = None
        loop = self._hass.loop
        abort = loop.call_later(
            max(deadline - CLOSE_SPOOL_MARGIN, deadline / 2), self._client.abort_writes
        )
        try:
            async with asyncio.timeout(deadline):
                if not self._auth_failed:
                    await self._async_drain(full_only=False)
        except TimeoutError:
            pass
        finally:
            abort.cancel()
        if (batch := self._in_flight) is not None:
            # Still running past the deadline (the client could not end
            # it): it may land, so it is kept; the request no longer owns it.
            self._in_flight = None
            self._ready.appendleft(batch)
        if self._spills:
            await asyncio.gather(*self._spills, return_exceptions=True)
        if unsent := self._pending():
            if self._outbox is not None:
                await self._async_spool_memory()
                LOGGER.info(
                    "%d points not written before closing are kept in the outbox",
                    unsent,
                )
            else:
                LOGGER.warning(
                    "InfluxDB did not take the last %d points within %.0f s",
                    unsent,
                    deadline,
                )
                self.stats.count_failed(unsent)
        if self._unsub_notify:
            self._unsub_notify()
            self._unsub_notify = None
        self._ready_empty.set()
        await self._hass.async_add_executor_job(self._client.close)

    def _pending(self) -> int:
        in_flight = len(self._in_flight) if self._in_flight is not None else 0
        return len(self._queue) + sum(len(b) for b in self._ready) + in_flight

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
        self.stats.set_queue_depth(self._pending())
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
        self.stats.set_queue_depth(self._pending())
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
                line = checked_line(record, now)
            except InvalidRecordError as err:
                self._on_invalid(record, err)
                continue
            retention = retention_of(record)
            if self._expired(record, retention, now):
                continue
            if len(queue) >= self._max_queue and not self._spill_oldest():
                self.stats.count_failed(1)
                self._log_once("queue_full", "Write queue full: dropping points")
                continue
            queue.append((retention.value, line))
            queued += 1
        if len(queue) >= self.batch_size and not self._closed:
            self._start_size_flush()
        self.async_notify_soon()
        return queued

    def _expired(
        self, record: Record, retention: RetentionClass, now: datetime
    ) -> bool:
        """Older than its retention window: counted, the first one logged."""
        if not is_expired(retention, record.time, now):
            return False
        if self.stats.count_expired():
            LOGGER.warning(
                "Not writing %s of %s: older than its %s retention "
                "(further ones are counted, not logged)",
                type(record).__name__,
                record.time,
                retention,
            )
        return True

    # -- backfill ----------------------------------------------------------

    async def async_backfill(
        self, records: Iterable[Record], *, batch_size: int = BACKFILL_BATCH_SIZE
    ) -> BackfillOutcome:
        """Write a long history of records in large batches.

        Nothing waits in the memory queue (capped at ``MAX_QUEUE_POINTS``):
        records are taken ``batch_size`` at a time, serialised in bulk in the
        executor while the previous batch is written, and written through
        the same path as queued points (statistics, retries, partial writes).
        A batch awaiting a retry holds the backfill back, so at most two
        batches are in memory. Invalid records are counted and left out.
        Returns when every batch was written or given up (to the outbox), or
        the writer closed; returns how many points were sent that way, and
        how many were expired or invalid.
        """
        now = dt_util.utcnow()
        sent = expired = invalid = 0
        source: Iterator[Record] = iter(records)

        def next_chunk() -> asyncio.Future[Any] | None:
            nonlocal expired
            chunk = list(islice(source, batch_size))
            if not chunk:
                return None
            fresh = [r for r in chunk if not self._expired(r, retention_of(r), now)]
            expired += len(chunk) - len(fresh)
            return self._hass.async_add_executor_job(serialize_grouped, fresh, now)

        pending = next_chunk()
        while pending is not None and not self._closed:
            groups, refused = await pending
            for record, err in refused:
                self._on_invalid(record, err)
            invalid += len(refused)
            pending = next_chunk()  # serialised while this one is written
            sent += sum(len(lines) for lines in groups.values())
            self._ready.extend(
                _Batch(r, part)
                for r, lines in groups.items()
                for part in by_bytes(lines, MAX_REQUEST_BYTES)
            )
            self._ready_empty.clear()
            await self._async_drain(full_only=True)
            while self._ready and not self._closed:
                # A retry timer owns the head batch now: wait for it.
                self._ready_empty.clear()
                await self._ready_empty.wait()
        if pending is not None:
            await pending  # do not leave an executor job behind
        return BackfillOutcome(sent, expired, invalid)

    # -- flushing ----------------------------------------------------------

    @callback
    def _start_size_flush(self) -> None:
        if not self._lock.locked():
            self._hass.async_create_task(
                self._async_drain(full_only=True), "sports_influx size flush"
            )

    @callback
    def _async_on_timer(self, _now: datetime) -> None:
        work = self._queue or self._ready or self.stats.outbox_points
        if work and not self._lock.locked():
            self._hass.async_create_task(
                self._async_drain(full_only=False), "sports_influx timed flush"
            )

    @callback
    def _async_on_retry_timer(self, _now: datetime) -> None:
        self._unsub_retry = None
        self._hass.async_create_task(
            self._async_drain(full_only=False), "sports_influx retry"
        )

    @callback
    def async_set_feed(self, feed: Callable[[], Awaitable[None]]) -> None:
        """What a flush awaits first, to queue what its source holds back."""
        self._feed = feed

    async def async_flush(self) -> None:
        """Write everything queued now, a pending retry included."""
        if self._feed is not None:
            await self._feed()
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
        its retries costs no more than before. A batch is also at most
        ``MAX_REQUEST_BYTES`` of line protocol (the rest waits its turn).
        """
        waiting = len(self._queue)
        if not waiting or (full_only and waiting < self.batch_size):
            return False
        take = min(waiting, self.batch_size)
        if waiting > self.batch_size and self._writes_ok:
            whole = waiting // self.batch_size * self.batch_size
            take = max(self.batch_size, min(whole, BACKFILL_BATCH_SIZE))
        taken = _grouped(self._take(take))
        self._ready.extend(_Batch(retention, lines) for retention, lines in taken)
        return True

    def _take(self, count: int) -> Iterator[_Queued]:
        """Up to ``count`` queued points in at most ``MAX_REQUEST_BYTES``."""
        queue = self._queue
        room = MAX_REQUEST_BYTES
        for taken in range(count):
            size = line_bytes(queue[0][1])
            if taken and size > room:
                return
            room -= size
            yield queue.popleft()

    async def _async_drain(self, *, full_only: bool) -> None:
        """Write live batches and outbox records, alternating, until done.

        A failed live batch waits for its retry timer at the head of
        ``_ready``: later points queue behind it, so order is kept and a
        struggling server is not hammered. Once the retries are spent (or
        while the server is known to be away) what is in memory goes to the
        outbox and draining stops until the next timer.
        """
        async with self._lock:
            while self._unsub_retry is None and not self._auth_failed:
                live = bool(self._ready) or self._next_batches(full_only)
                replay = self.stats.outbox_points > 0 and not self._closed
                if not (live or replay):
                    break
                if replay and (self._replay_turn or not live):
                    going_on = await self._async_replay_one()
                else:
                    going_on = await self._async_write_head()
                self._replay_turn = not self._replay_turn
                self.async_notify_soon()
                if not going_on:
                    break
            if not self._ready:
                self._ready_empty.set()

    async def _async_write_head(self) -> bool:
        """Write the head batch once; False when draining should stop.

        The batch leaves ``_ready`` while its request runs and comes back
        to its head if the request fails for now: what closes meanwhile
        keeps ``_ready`` and the outbox, not this batch, so a batch is
        never both written and kept.
        """
        batch = self._ready.popleft()
        self._in_flight = batch
        lines = batch.lines
        started = time.monotonic()
        try:
            err = await self._hass.async_add_executor_job(
                self._write_blocking, batch.retention, lines
            )
        except BaseException:
            # Cancelled while the request runs: it may land; kept anyway.
            if self._in_flight is batch:
                self._in_flight = None
                self._ready.appendleft(batch)
            raise
        owned = self._in_flight is batch
        self._in_flight = None
        if not owned:
            # Given up by a close past its deadline and kept in the outbox.
            return False
        if err is None:
            self._on_success(len(lines), time.monotonic() - started)
            return True
        if not err.retryable and err.status not in _AUTH_STATUS:
            await self._async_on_rejected(err, lines)
            return True
        self._ready.appendleft(batch)
        if err.status in _AUTH_STATUS:
            await self._async_on_auth_failed(err)
            return False
        if self._available and batch.attempt < RETRY_MAX_RETRIES and not self._closed:
            delay = retry_delay(batch.attempt, self._jitter())
            if err.retry_after:
                delay = min(max(delay, err.retry_after), RETRY_MAX_DELAY)
            batch.attempt += 1
            self._on_retry(err, batch.attempt, delay)
            self._unsub_retry = async_call_later(
                self._hass, delay, self._async_on_retry_timer
            )
            return False
        await self._async_on_unavailable(err)
        return False

    async def _async_replay_one(self) -> bool:
        """Write the oldest outbox record; False when draining should stop."""
        assert self._outbox is not None  # noqa: S101 - outbox_points > 0
        outbox = self._outbox
        started = time.monotonic()
        try:
            # Damage met on the way is set aside and counted by the outbox.
            stored = await self._hass.async_add_executor_job(outbox.peek)
        except Exception as err:  # noqa: BLE001 - live writes go on regardless
            self._log_once("outbox_read", "Cannot read the outbox: %s", err)
            # Live batches keep their turns; the outbox is tried between them.
            return bool(self._ready or self._queue)
        if stored is None:
            await self._async_outbox_state()
            return True
        lines = list(stored.lines)
        failure: WriteError | None
        if stored.retention in _RETENTIONS:
            failure = await self._hass.async_add_executor_job(
                self._write_blocking, RetentionClass(stored.retention), lines
            )
        else:
            failure = WriteError(
                f"unknown retention {stored.retention!r}", status=400, retryable=False
            )
        if failure is not None and failure.status in _AUTH_STATUS:
            await self._async_on_auth_failed(failure)
            return False
        if failure is not None and failure.retryable:
            await self._async_on_unavailable(failure)
            return False
        await self._hass.async_add_executor_job(outbox.ack, stored)
        if failure is None:
            self._on_success(len(lines), time.monotonic() - started)
        else:
            await self._async_on_rejected(failure, lines)
        await self._async_outbox_state()
        return True

    def _write_blocking(
        self, retention: RetentionClass, lines: list[str]
    ) -> WriteError | None:
        """One request; runs in the executor. The error, if any."""
        try:
            self._client.write(lines, retention)
        except WriteError as err:
            return err
        return None

    # -- the outbox (executor jobs started from the loop) --------------------

    @callback
    def _spill_oldest(self) -> bool:
        """Past the memory cap: move the oldest tenth to the outbox."""
        if self._outbox is None:
            return False
        count = max(1, self._max_queue // 10)
        chunk = _grouped(
            self._queue.popleft() for _ in range(min(count, len(self._queue)))
        )
        task = self._hass.async_create_task(
            self._async_spool(chunk), "sports_influx spill"
        )
        self._spills.add(task)
        task.add_done_callback(self._spills.discard)
        return True

    async def _async_spool_memory(self) -> None:
        """Everything in memory (batches and queue) to the outbox."""
        batches = [(batch.retention, batch.lines) for batch in self._ready]
        batches.extend(_grouped(self._queue))
        self._ready.clear()
        self._queue.clear()
        await self._async_spool(batches)

    async def _async_spool(
        self, batches: Sequence[tuple[RetentionClass, list[str]]]
    ) -> None:
        if self._outbox is None:  # pragma: no cover - callers check
            return
        total = sum(len(lines) for _, lines in batches)
        try:
            (
                dropped,
                refused,
                unspooled,
                error,
            ) = await self._hass.async_add_executor_job(
                self._spool_blocking, self._outbox, batches
            )
        except Exception as err:  # noqa: BLE001 - nothing may escape into HA
            dropped, refused, unspooled, error = 0, 0, total, repr(err)
        stats = self.stats
        if dropped:
            self._on_dropped(dropped)
        if refused:
            stats.count_invalid(refused)
            LOGGER.warning(
                "%d points are not valid UTF-8: kept in %s, not written",
                refused,
                self._outbox.directory / REJECTED_FILE,
            )
        if unspooled:
            total_unspooled = stats.count_unspooled(unspooled)
            self._log_once(
                "unspooled",
                "Cannot keep %d points in the outbox (%d so far): %s",
                unspooled,
                total_unspooled,
                error,
            )
            self._problems.unspooled(total_unspooled, error or "")
        elif total > refused:
            self._problems.spooled()
        await self._async_outbox_state()

    def _spool_blocking(
        self, outbox: Outbox, batches: Sequence[tuple[RetentionClass, list[str]]]
    ) -> tuple[int, int, int, str | None]:
        """Append lines to the outbox; executor.

        Returns the old points its bound dropped, the lines refused as not
        UTF-8, the points it could not store, and the last error. One batch
        failing does not keep the others out.
        """
        dropped = refused = unspooled = 0
        error: str | None = None
        # Records of at most batch_size lines: the bound drops old points in
        # small steps, and a replayed record is one ordinary request.
        for retention, done in batches:
            for start in range(0, len(done), self.batch_size):
                chunk = done[start : start + self.batch_size]
                try:
                    result = outbox.append_lines(retention, chunk)
                except Exception as err:  # noqa: BLE001 - counted, never raised
                    unspooled += len(chunk)
                    error = repr(err)
                    continue
                dropped += result.dropped
                refused += result.refused
                if result.error is not None:
                    unspooled += len(chunk) - result.refused
                    error = str(result.error)
        return dropped, refused, unspooled, error

    async def _async_outbox_state(self) -> None:
        if self._outbox is None:
            return
        state = await self._hass.async_add_executor_job(self._outbox.state)
        change = self.stats.set_outbox(
            points=state.points,
            size=state.size,
            damaged_records=state.damaged_records,
            damaged_bytes=state.damaged_bytes,
            rejected_dropped=state.rejected_dropped,
        )
        if change.damaged:
            self._problems.damaged(
                state.damaged_records, state.damaged_bytes, state.damaged_dir
            )
        if change.drained:
            self._problems.drained()
        if change.changed:
            self.async_notify_soon()

    # -- what went wrong ----------------------------------------------------

    async def _async_on_unavailable(self, err: WriteError) -> None:
        """The server is away: keep what is in memory on disk, log once."""
        self._writes_ok = False
        self.stats.set_error(err.message)
        if self._available:
            self._available = False
            LOGGER.info(
                "InfluxDB at %s is unavailable (%s); points are kept %s",
                self._client.host,
                err.message,
                "in the outbox until it answers" if self._outbox else "in memory",
            )
        if self._outbox is not None:
            await self._async_spool_memory()
        else:
            batch = self._ready.popleft()
            self.stats.count_failed(len(batch))
            self._log_once("unreachable", "Dropping %d points", len(batch))

    async def _async_on_auth_failed(self, err: WriteError) -> None:
        """401/403: stop writing, keep the points, ask for a new token."""
        self._auth_failed = True
        self.stats.set_error(err.message)
        LOGGER.warning(
            "InfluxDB at %s refused the token while writing (%s); writing stops"
            " until it is re-authenticated",
            self._client.host,
            err.status,
        )
        if self._outbox is not None:
            await self._async_spool_memory()
        self._problems.auth_failed()

    async def _async_on_rejected(self, err: WriteError, lines: list[str]) -> None:
        """Refused for good: quarantine the lines the server refused."""
        bad = rejected_lines(err, lines)
        stats = self.stats
        stats.count_rejected(len(bad), len(lines) - len(bad), err.message)
        self._log_once(
            "rejected", "InfluxDB rejected %d points: %s", len(bad), err.message
        )
        path = None
        if self._outbox is not None:
            path = self._outbox.directory / REJECTED_FILE
            try:
                for message, group in _by_error(err, bad):
                    await self._hass.async_add_executor_job(
                        self._outbox.quarantine, group, message
                    )
            except OSError as io_err:
                LOGGER.error("Cannot keep the rejected lines: %s", io_err)
                path = None
            await self._async_outbox_state()  # the quarantine's bound may drop
        measurement, field_name = rejection_subject(err, bad)
        self._problems.rejected(
            RejectedReport(
                count=stats.rejected,
                measurement=measurement,
                field=field_name,
                message=err.message,
                path=str(path) if path else None,
            )
        )
        self.async_notify()

    @callback
    def _on_dropped(self, count: int) -> None:
        total = self.stats.count_dropped(count)
        LOGGER.warning(
            "The outbox is full: dropped its %d oldest points (%d so far)",
            count,
            total,
        )
        self._problems.dropped(total)

    # -- callbacks feeding the statistics ----------------------------------

    @callback
    def _on_success(self, count: int, elapsed: float) -> None:
        self._writes_ok = True
        stats = self.stats
        stats.count_written(count, elapsed)
        if not self._available:
            self._available = True
            LOGGER.info(
                "InfluxDB at %s answers again; %d points wait in the outbox",
                self._client.host,
                stats.outbox_points,
            )
        self._logged_errors.clear()
        self.async_notify_soon()

    @callback
    def _on_invalid(self, record: Record, err: InvalidRecordError) -> None:
        self.stats.count_invalid()
        LOGGER.warning("Skipping invalid %s: %s", type(record).__name__, err)

    @callback
    def _on_retry(self, err: WriteError, attempt: int, delay: float) -> None:
        self._writes_ok = False
        self.stats.count_retry(err.message)
        LOGGER.debug(
            "Write failed (%s), retry %d in %.1f s", err.message, attempt, delay
        )
        self.async_notify_soon()

    def _log_once(self, key: str, msg: str, *args: object) -> None:
        # Log a kind of failure once until writes succeed again.
        if key in self._logged_errors:
            LOGGER.debug(msg, *args)
            return
        self._logged_errors.add(key)
        LOGGER.warning(msg, *args)


_AUTH_STATUS = frozenset({401, 403})
_RETENTIONS = frozenset(c.value for c in RetentionClass)


def rejected_lines(err: WriteError, lines: Sequence[str]) -> list[str]:
    """The lines a refusal names (the client finds them), or all."""
    if err.lines:
        by_number = dict(enumerate(lines, start=1))
        return [
            rejected.line or by_number.get(rejected.line_number, "")
            for rejected in err.lines
        ]
    return list(lines)


def _printable(text: str) -> str:
    """Text a UTF-8 file can hold (a lone surrogate as its escape)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _by_error(err: WriteError, bad: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Refused lines grouped by the server's message for each."""
    groups: dict[str, list[str]] = {}
    errors = [r.error for r in err.lines] if len(err.lines) == len(bad) else []
    for n, line in enumerate(bad):
        message = _printable(errors[n] if errors else err.message)
        groups.setdefault(message, []).append(_printable(line))
    return list(groups.items())


def rejection_subject(err: WriteError, bad: Sequence[str]) -> tuple[str, str]:
    """(measurement, field) to name in the repair issue, as well as known."""
    if match := CONFLICT_RE.search(err.message):
        return match["measurement"], match["field"]
    for rejected in err.lines:
        if found := re.search(r"column (?:type )?(?:for )?'?(\w+)'?", rejected.error):
            return _measurement_of(bad[0]) if bad else "?", found.group(1)
    return (_measurement_of(bad[0]) if bad else "?"), "?"


def _measurement_of(line: str) -> str:
    return re.split(r"(?<!\\)[ ,]", line, maxsplit=1)[0]


@dataclass(frozen=True, slots=True)
class RejectedReport:
    """What to tell the user about refused points."""

    count: int
    measurement: str
    field: str
    message: str
    path: str | None


class WriterProblems:
    """What the writer reports upward (repair issues, reauth); no-ops here."""

    def auth_failed(self) -> None:
        """The token was refused while writing."""

    def rejected(self, report: RejectedReport) -> None:
        """Points were refused for good and quarantined."""

    def dropped(self, total: int) -> None:
        """The outbox dropped its oldest points to stay in its bound."""

    def drained(self) -> None:
        """The outbox is empty again."""

    def damaged(self, records: int, size: int, where: str) -> None:
        """Damaged outbox bytes were set aside in ``where`` (totals so far)."""

    def damage_resolved(self) -> None:
        """No damaged outbox bytes are kept (any more)."""

    def unspooled(self, total: int, error: str) -> None:
        """Points could not be stored in the outbox (``total`` so far)."""

    def spooled(self) -> None:
        """The outbox stores points again."""
