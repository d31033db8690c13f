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
from enum import StrEnum

from homeassistant.core import callback

from .batcher import Batch
from .const import (
    CLOSE_SPOOL_MARGIN,
    LOGGER,
    RETRY_BACKOFF_BASE,
    RETRY_BASE_DELAY,
    RETRY_MAX_DELAY,
    RETRY_MAX_JITTER,
    RETRY_MAX_RETRIES,
)
from .influx.errors import WriteError
from .parts import WriterParts
from .sender import Outcome, Sender
from .spooler import Spooler
from .timer import OneShotTimer


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
        self, parts: WriterParts, spooler: Spooler, *, jitter: Callable[[], float]
    ) -> None:
        """Deliver what the batcher holds through the client."""
        self._parts = parts
        self._spooler = spooler
        self._jitter = jitter
        self._sender = Sender(parts, spooler)
        self._lock = asyncio.Lock()
        self._retry = OneShotTimer(parts.hass, self._retry_now)
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
        LOGGER.debug("Delivery to %s: %s -> %s", self._parts.client.host, old, state)
        if old is DeliveryState.OFFLINE and state is DeliveryState.ONLINE:
            LOGGER.info(
                "InfluxDB at %s answers again; %d points wait in the outbox",
                self._parts.client.host,
                self._parts.stats.outbox_points,
            )

    @callback
    def assume_offline(self) -> None:
        """Start as if the server were away: the first failure spools at once."""
        self._enter(DeliveryState.OFFLINE)

    @callback
    def cancel_retry(self) -> None:
        """Forget a pending retry (a flush writes at once instead)."""
        self._retry.cancel()

    @callback
    def _retry_now(self) -> None:
        self._parts.hass.async_create_task(
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
        batcher = self._parts.batcher
        async with self._lock:
            self._sender.hold_client()
            # Each drain starts with the outbox: its records are the oldest.
            replay_turn = True
            while not self._retry.pending and self._state is not (
                DeliveryState.AUTH_FAILED
            ):
                # A backlog goes out in large batches while writes succeed;
                # a close has no retries left to lose, so it goes large too.
                large = self._state in (DeliveryState.ONLINE, DeliveryState.CLOSED)
                live = bool(batcher.ready) or batcher.next_batch(
                    full_only=full_only, large=large
                )
                replay = (
                    self._parts.stats.outbox_points > 0
                    and self._state is not DeliveryState.CLOSED
                )
                if not (live or replay):
                    break
                going_on = await self._async_step(
                    replay=replay and (replay_turn or not live)
                )
                replay_turn = not replay_turn
                self._parts.notify_soon()
                if not going_on:
                    break
            batcher.settle()
        if self._state is not DeliveryState.CLOSED:
            self._sender.release_client_later()

    async def _async_step(self, *, replay: bool) -> bool:
        """One request and what it means; False when draining should stop."""
        sender = self._sender
        sent = await (
            sender.async_replay_one() if replay else sender.async_write_head()
        )
        match sent.outcome:
            case Outcome.WRITTEN:
                self._on_success(sent.count, sent.elapsed)
                if sent.replayed:
                    await self._spooler.async_refresh()
                return True
            case Outcome.DONE:
                return True
            case Outcome.AUTH_FAILED:
                assert sent.error is not None  # noqa: S101 - set with the outcome
                await self._async_on_auth_failed(sent.error)
            case Outcome.FAILED if sent.batch is not None and sent.error is not None:
                return await self._async_retry_or_spool(sent.batch, sent.error)
            case Outcome.FAILED if sent.error is not None:
                await self._async_on_unavailable(sent.error)
        return False

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
            self._parts.stats.count_retry(err.message)
            LOGGER.debug(
                "Write failed (%s), retry %d in %.1f s",
                err.message,
                batch.attempt,
                delay,
            )
            self._parts.notify_soon()
            self._retry.start(delay)
            return False
        await self._async_on_unavailable(err)
        return False

    async def _async_on_unavailable(self, err: WriteError) -> None:
        """The server is away: keep what is in memory on disk, log once."""
        self._parts.stats.set_error(err.message)
        if self._known in (DeliveryState.ONLINE, DeliveryState.RETRYING):
            LOGGER.info(
                "InfluxDB at %s is unavailable (%s); points are kept %s",
                self._parts.client.host,
                err.message,
                "in the outbox until it answers"
                if self._spooler.outbox
                else "in memory",
            )
        self._enter(DeliveryState.OFFLINE)
        self._known = DeliveryState.OFFLINE
        batcher = self._parts.batcher
        if self._spooler.outbox is not None:
            await self._spooler.async_spool(batcher.take_all())
        else:
            batch = batcher.ready.popleft()
            self._parts.stats.count_failed(len(batch))
            self._parts.once_log.warning(
                "unreachable", "Dropping %d points", len(batch)
            )

    async def _async_on_auth_failed(self, err: WriteError) -> None:
        """401/403: stop writing, keep the points, ask for a new token."""
        self._enter(DeliveryState.AUTH_FAILED)
        self._parts.stats.set_error(err.message)
        LOGGER.warning(
            "InfluxDB at %s refused the token while writing (%s); writing stops"
            " until it is re-authenticated",
            self._parts.client.host,
            err.status,
        )
        if self._spooler.outbox is not None:
            await self._spooler.async_spool(self._parts.batcher.take_all())
        self._parts.problems.auth_failed()

    @callback
    def _on_success(self, count: int, elapsed: float) -> None:
        self._enter(DeliveryState.ONLINE)
        self._parts.stats.count_written(count, elapsed)
        self._parts.once_log.reset()
        self._parts.notify_soon()

    async def async_close(self, deadline: float) -> None:
        """Flush within ``deadline`` seconds; keep the rest in the outbox.

        A request still running ``CLOSE_SPOOL_MARGIN`` before the deadline
        is ended (the client shuts its socket), so its batch is known to
        be unwritten and is kept with the rest; a request that ends in
        time is counted as it ends and is not kept twice.
        """
        parts = self._parts
        batcher = parts.batcher
        was = self._state
        self._enter(DeliveryState.CLOSED)
        self.cancel_retry()
        self._sender.hold_client()
        abort = parts.hass.loop.call_later(
            max(deadline - CLOSE_SPOOL_MARGIN, deadline / 2), parts.client.abort_writes
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
        batcher.keep_in_flight()
        await self._spooler.async_wait_spills()
        if unsent := batcher.pending():
            if self._spooler.outbox is not None:
                await self._spooler.async_spool(batcher.take_all())
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
                parts.stats.count_failed(unsent)
        batcher.ready_empty.set()
        await parts.hass.async_add_executor_job(parts.client.close)
