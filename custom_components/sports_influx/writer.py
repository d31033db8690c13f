"""The writer: what the rest of the integration calls to store records.

Records are serialised as they are queued, by ``@callback`` methods (one
pass per record, ``lineprotocol``, which also checks it; no I/O), into the
``Batcher``. A batch is written when ``batch_size`` points wait, or every
``flush_interval`` seconds, by ``Delivery`` in one executor job; a failed
batch is retried from a timer, so unload and shutdown only have to cancel
timers.

Nothing is lost (with an ``Outbox``): a batch that still fails after its
retries, everything queued while the server is away, what is left at unload
or stop, and what overflows the in-memory cap go to the outbox on disk. The
outbox is replayed, oldest first and alternating with live batches, as soon
as the server answers. Lines the server refuses for good are quarantined
with its message. 401/403 stops writing and asks for a new token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
import random
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .batcher import Batcher
from .const import BACKFILL_BATCH_SIZE, LOGGER, MAX_QUEUE_POINTS, RETRY_MAX_JITTER
from .delivery import Delivery, DeliveryState
from .influx import InfluxClient
from .lineprotocol import (
    InvalidRecordError,
    checked_line,
    retention_of,
    serialize_grouped,
)
from .outbox import Outbox
from .parts import WriterParts
from .problems import OnceLog, WriterProblems
from .records import Record
from .schema import RetentionClass, is_expired
from .spooler import Spooler
from .stats import StatisticsListeners, WriteStatistics


@dataclass(frozen=True, slots=True)
class BackfillOutcome:
    """What a backfill did with its records."""

    sent: int
    expired: int
    invalid: int


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
        self.flush_interval = flush_interval
        self.stats = WriteStatistics()
        self._batcher = Batcher(batch_size, max_queue)
        self._listeners = StatisticsListeners(hass, self.stats, self._batcher.pending)
        self._log = OnceLog()
        parts = WriterParts(
            hass=hass,
            client=client,
            batcher=self._batcher,
            stats=self.stats,
            problems=problems or WriterProblems(),
            once_log=self._log,
            notify=self._listeners.async_notify,
            notify_soon=self._listeners.async_notify_soon,
        )
        self._spooler = Spooler(parts, outbox)
        self._delivery = Delivery(
            parts,
            self._spooler,
            jitter=jitter or (lambda: random.uniform(0.0, RETRY_MAX_JITTER)),
        )
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._feed: Callable[[], Awaitable[None]] | None = None

    @property
    def batch_size(self) -> int:
        """Points per batch (and per outbox record)."""
        return self._batcher.batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self._batcher.batch_size = value

    @property
    def state(self) -> DeliveryState:
        """What the writer knows of the server."""
        return self._delivery.state

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
        self._delivery.assume_offline()

    async def async_load_outbox(self) -> None:
        """Read what an earlier run left in the outbox; replay starts now."""
        await self._spooler.async_load()
        if points := self.stats.outbox_points:
            LOGGER.info("%d points wait in the outbox; writing them now", points)
            self._hass.async_create_task(
                self._delivery.async_drain(full_only=False), "sports_influx replay"
            )

    async def async_close(self, deadline: float) -> None:
        """Flush within ``deadline`` seconds; keep the rest in the outbox."""
        if self._delivery.state is DeliveryState.CLOSED:
            return
        if self._unsub_timer:
            self._unsub_timer()
            self._unsub_timer = None
        await self._delivery.async_close(deadline)
        self._listeners.async_cancel()

    def pending(self) -> int:
        """Points held in memory."""
        return self._batcher.pending()

    # -- statistics listeners ----------------------------------------------

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call ``listener`` whenever the statistics change."""
        return self._listeners.async_add_listener(listener)

    @callback
    def async_notify(self) -> None:
        """Tell listeners the statistics changed, now."""
        self._listeners.async_notify()

    @callback
    def async_notify_soon(self) -> None:
        """Tell listeners the statistics changed, at most once a second."""
        self._listeners.async_notify_soon()

    # -- enqueue (callbacks, on the loop) ----------------------------------

    @callback
    def async_enqueue(self, records: Iterable[Record]) -> int:
        """Queue records; return how many were queued."""
        now = dt_util.utcnow()
        queued = 0
        batcher = self._batcher
        for record in records:
            try:
                line = checked_line(record, now)
            except InvalidRecordError as err:
                self._on_invalid(record, err)
                continue
            retention = retention_of(record)
            if self._expired(record, retention, now):
                continue
            if batcher.full:
                if self._spooler.outbox is None:
                    self.stats.count_failed(1)
                    self._log.warning("queue_full", "Write queue full: dropping points")
                    continue
                self._spooler.spill(batcher.oldest_tenth())
            batcher.append(retention, line)
            queued += 1
        if batcher.batch_waiting and self.state is not DeliveryState.CLOSED:
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

    @callback
    def _on_invalid(self, record: Record, err: InvalidRecordError) -> None:
        self.stats.count_invalid()
        LOGGER.warning("Skipping invalid %s: %s", type(record).__name__, err)

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
        batcher = self._batcher

        def closed() -> bool:
            return self.state is DeliveryState.CLOSED

        def next_chunk() -> asyncio.Future[Any] | None:
            nonlocal expired
            chunk = list(islice(source, batch_size))
            if not chunk:
                return None
            fresh = [r for r in chunk if not self._expired(r, retention_of(r), now)]
            expired += len(chunk) - len(fresh)
            return self._hass.async_add_executor_job(serialize_grouped, fresh, now)

        pending = next_chunk()
        while pending is not None and not closed():
            groups, refused = await pending
            for record, err in refused:
                self._on_invalid(record, err)
            invalid += len(refused)
            pending = next_chunk()  # serialised while this one is written
            sent += sum(len(lines) for lines in groups.values())
            batcher.add_groups(groups)
            await self._delivery.async_drain(full_only=True)
            while batcher.ready and not closed():
                # A retry timer owns the head batch now: wait for it.
                batcher.ready_empty.clear()
                await batcher.ready_empty.wait()
        if pending is not None:
            await pending  # do not leave an executor job behind
        return BackfillOutcome(sent, expired, invalid)

    # -- flushing ----------------------------------------------------------

    @callback
    def _start_size_flush(self) -> None:
        if not self._delivery.busy:
            self._hass.async_create_task(
                self._delivery.async_drain(full_only=True), "sports_influx size flush"
            )

    @callback
    def _async_on_timer(self, _now: datetime) -> None:
        batcher = self._batcher
        work = batcher.queue or batcher.ready or self.stats.outbox_points
        if work and not self._delivery.busy:
            self._hass.async_create_task(
                self._delivery.async_drain(full_only=False), "sports_influx timed flush"
            )

    @callback
    def async_set_feed(self, feed: Callable[[], Awaitable[None]]) -> None:
        """What a flush awaits first, to queue what its source holds back."""
        self._feed = feed

    async def async_flush(self) -> None:
        """Write everything queued now, a pending retry included."""
        if self._feed is not None:
            await self._feed()
        self._delivery.cancel_retry()
        await self._delivery.async_drain(full_only=False)
        # An explicit flush shows its outcome at once.
        self.async_notify()
