"""Getting batches to the server: one state machine on HA's event loop.

``DeliveryState`` says what the writer knows of the server: ONLINE (the last
write went through), RETRYING (a write failed and is tried again from a
timer, no task sleeps), OFFLINE (retries are spent or the server is known to
be away: what is in memory goes to the outbox and waits for the next timed
flush), AUTH_FAILED (401/403: writing stops until a reauth reloads the
entry) and CLOSED (unloaded or HA stopping). Live batches and outbox
records are written alternately, so a long replay never starves new points.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
import time

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .batcher import Batch, Batcher
from .client import InfluxClient
from .const import (
    CLOSE_SPOOL_MARGIN,
    LOGGER,
    RETRY_BACKOFF_BASE,
    RETRY_BASE_DELAY,
    RETRY_MAX_DELAY,
    RETRY_MAX_JITTER,
    RETRY_MAX_RETRIES,
)
from .problems import OnceLog, WriterProblems
from .schema import RetentionClass
from .spooler import Spooler
from .stats import WriteStatistics
from .write_errors import WriteError

_AUTH_STATUS = frozenset({401, 403})
_RETENTIONS = frozenset(c.value for c in RetentionClass)


def retry_delay(attempt: int, jitter: float = 0.0) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based).

    5, 10, 20, 30, 30 ... plus up to ``RETRY_MAX_JITTER`` seconds of jitter
    so that many instances do not hammer a recovering server in step.
    """
    base: float = RETRY_BASE_DELAY * RETRY_BACKOFF_BASE**attempt
    return min(base, RETRY_MAX_DELAY) + min(max(jitter, 0.0), RETRY_MAX_JITTER)


class DeliveryState(StrEnum):
    """What the writer knows of the server."""

    ONLINE = "online"
    RETRYING = "retrying"
    OFFLINE = "offline"
    AUTH_FAILED = "auth_failed"
    CLOSED = "closed"


class Delivery:
    """Write batches and outbox records; retry, spool and replay."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: InfluxClient,
        batcher: Batcher,
        spooler: Spooler,
        *,
        stats: WriteStatistics,
        problems: WriterProblems,
        log: OnceLog,
        notify_soon: Callable[[], None],
        jitter: Callable[[], float],
    ) -> None:
        """Deliver what ``batcher`` holds through ``client``."""
        self._hass = hass
        self._client = client
        self._batcher = batcher
        self._spooler = spooler
        self._stats = stats
        self._problems = problems
        self._log = log
        self._notify_soon = notify_soon
        self._jitter = jitter
        self._lock = asyncio.Lock()
        self._unsub_retry: CALLBACK_TYPE | None = None
        self._state = DeliveryState.ONLINE
        # What was known of the server when a close began: a close still
        # logs an outage it is the first to meet.
        self._known = DeliveryState.ONLINE

    @property
    def state(self) -> DeliveryState:
        """Where the state machine stands."""
        return self._state

    @property
    def busy(self) -> bool:
        """A drain runs now."""
        return self._lock.locked()

    @callback
    def _enter(self, state: DeliveryState) -> None:
        """Move to ``state``; CLOSED and AUTH_FAILED are only left by closing."""
        old = self._state
        if old is state or old is DeliveryState.CLOSED:
            return
        if old is DeliveryState.AUTH_FAILED and state is not DeliveryState.CLOSED:
            return
        self._state = state
        if state is not DeliveryState.CLOSED:
            self._known = state
        LOGGER.debug("Delivery to %s: %s -> %s", self._client.host, old, state)
        if old is DeliveryState.OFFLINE and state is DeliveryState.ONLINE:
            LOGGER.info(
                "InfluxDB at %s answers again; %d points wait in the outbox",
                self._client.host,
                self._stats.outbox_points,
            )

    @callback
    def assume_offline(self) -> None:
        """Start as if the server were away: the first failure spools at once."""
        self._enter(DeliveryState.OFFLINE)

    @callback
    def cancel_retry(self) -> None:
        """Forget a pending retry (a flush writes at once instead)."""
        if self._unsub_retry:
            self._unsub_retry()
            self._unsub_retry = None

    @callback
    def _async_on_retry_timer(self, _now: datetime) -> None:
        self._unsub_retry = None
        self._hass.async_create_task(
            self.async_drain(full_only=False), "sports_influx retry"
        )

    async def async_drain(self, *, full_only: bool) -> None:
        """Write live batches and outbox records, alternating, until done.

        A failed live batch waits for its retry timer at the head of
        ``ready``: later points queue behind it, so order is kept and a
        struggling server is not hammered. Once the retries are spent (or
        while the server is known to be away) what is in memory goes to the
        outbox and draining stops until the next timer.
        """
        batcher = self._batcher
        async with self._lock:
            # Each drain starts with the outbox: its records are the oldest.
            replay_turn = True
            while self._unsub_retry is None and self._state is not (
                DeliveryState.AUTH_FAILED
            ):
                # A backlog goes out in large batches while writes succeed;
                # a close has no retries left to lose, so it goes large too.
                large = self._state in (DeliveryState.ONLINE, DeliveryState.CLOSED)
                live = bool(batcher.ready) or batcher.next_batch(
                    full_only=full_only, large=large
                )
                replay = (
                    self._stats.outbox_points > 0
                    and self._state is not DeliveryState.CLOSED
                )
                if not (live or replay):
                    break
                if replay and (replay_turn or not live):
                    going_on = await self._async_replay_one()
                else:
                    going_on = await self._async_write_head()
                replay_turn = not replay_turn
                self._notify_soon()
                if not going_on:
                    break
            batcher.settle()

    async def _async_write_head(self) -> bool:
        """Write the head batch once; False when draining should stop.

        The batch leaves ``ready`` while its request runs and comes back
        to its head if the request fails for now: what closes meanwhile
        keeps ``ready`` and the outbox, not this batch, so a batch is
        never both written and kept.
        """
        batcher = self._batcher
        batch = batcher.start()
        started = time.monotonic()
        try:
            err = await self._hass.async_add_executor_job(
                self._write_blocking, batch.retention, batch.lines
            )
        except BaseException:
            # Cancelled while the request runs: it may land; kept anyway.
            if batcher.in_flight is batch:
                batcher.keep_in_flight()
            raise
        if not batcher.finish(batch):
            # Given up by a close past its deadline and kept in the outbox.
            return False
        if err is None:
            self._on_success(len(batch), time.monotonic() - started)
            return True
        if not err.retryable and err.status not in _AUTH_STATUS:
            await self._spooler.async_quarantine(err, batch.lines)
            return True
        batcher.ready.appendleft(batch)
        if err.status in _AUTH_STATUS:
            await self._async_on_auth_failed(err)
            return False
        return await self._async_retry_or_spool(batch, err)

    async def _async_retry_or_spool(self, batch: Batch, err: WriteError) -> bool:
        """Retry ``batch`` from a timer, or give up on memory: to the outbox."""
        if (
            self._state in (DeliveryState.ONLINE, DeliveryState.RETRYING)
            and batch.attempt < RETRY_MAX_RETRIES
        ):
            delay = retry_delay(batch.attempt, self._jitter())
            if err.retry_after:
                delay = min(max(delay, err.retry_after), RETRY_MAX_DELAY)
            batch.attempt += 1
            self._enter(DeliveryState.RETRYING)
            self._stats.count_retry(err.message)
            LOGGER.debug(
                "Write failed (%s), retry %d in %.1f s",
                err.message,
                batch.attempt,
                delay,
            )
            self._notify_soon()
            self._unsub_retry = async_call_later(
                self._hass, delay, self._async_on_retry_timer
            )
            return False
        await self._async_on_unavailable(err)
        return False

    async def _async_replay_one(self) -> bool:
        """Write the oldest outbox record; False when draining should stop."""
        spooler = self._spooler
        started = time.monotonic()
        try:
            stored = await spooler.async_peek()
        except Exception as err:  # noqa: BLE001 - live writes go on regardless
            self._log.warning("outbox_read", "Cannot read the outbox: %s", err)
            # Live batches keep their turns; the outbox is tried between them.
            return bool(self._batcher.ready or self._batcher.queue)
        if stored is None:
            await spooler.async_refresh()
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
        await spooler.async_ack(stored)
        if failure is None:
            self._on_success(len(lines), time.monotonic() - started)
        else:
            await spooler.async_quarantine(failure, lines)
        await spooler.async_refresh()
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

    async def _async_on_unavailable(self, err: WriteError) -> None:
        """The server is away: keep what is in memory on disk, log once."""
        self._stats.set_error(err.message)
        if self._known in (DeliveryState.ONLINE, DeliveryState.RETRYING):
            LOGGER.info(
                "InfluxDB at %s is unavailable (%s); points are kept %s",
                self._client.host,
                err.message,
                "in the outbox until it answers"
                if self._spooler.outbox
                else "in memory",
            )
        self._enter(DeliveryState.OFFLINE)
        self._known = DeliveryState.OFFLINE
        if self._spooler.outbox is not None:
            await self._spooler.async_spool(self._batcher.take_all())
        else:
            batch = self._batcher.ready.popleft()
            self._stats.count_failed(len(batch))
            self._log.warning("unreachable", "Dropping %d points", len(batch))

    async def _async_on_auth_failed(self, err: WriteError) -> None:
        """401/403: stop writing, keep the points, ask for a new token."""
        self._enter(DeliveryState.AUTH_FAILED)
        self._stats.set_error(err.message)
        LOGGER.warning(
            "InfluxDB at %s refused the token while writing (%s); writing stops"
            " until it is re-authenticated",
            self._client.host,
            err.status,
        )
        if self._spooler.outbox is not None:
            await self._spooler.async_spool(self._batcher.take_all())
        self._problems.auth_failed()

    @callback
    def _on_success(self, count: int, elapsed: float) -> None:
        self._enter(DeliveryState.ONLINE)
        self._stats.count_written(count, elapsed)
        self._log.reset()
        self._notify_soon()

    async def async_close(self, deadline: float) -> None:
        """Flush within ``deadline`` seconds; keep the rest in the outbox.

        A request still running ``CLOSE_SPOOL_MARGIN`` before the deadline
        is ended (the client shuts its socket), so its batch is known to
        be unwritten and is kept with the rest; a request that ends in
        time is counted as it ends and is not kept twice.
        """
        was = self._state
        self._enter(DeliveryState.CLOSED)
        self.cancel_retry()
        abort = self._hass.loop.call_later(
            max(deadline - CLOSE_SPOOL_MARGIN, deadline / 2), self._client.abort_writes
        )
        try:
            async with asyncio.timeout(deadline):
                if was is not DeliveryState.AUTH_FAILED:
                    await self.async_drain(full_only=False)
        except TimeoutError:
            pass
        finally:
            abort.cancel()
        # Still running past the deadline (the client could not end it): it
        # may land, so it is kept; the request no longer owns it.
        self._batcher.keep_in_flight()
        await self._spooler.async_wait_spills()
        if unsent := self._batcher.pending():
            if self._spooler.outbox is not None:
                await self._spooler.async_spool(self._batcher.take_all())
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
                self._stats.count_failed(unsent)
        self._batcher.ready_empty.set()
        await self._hass.async_add_executor_job(self._client.close)
