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

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .batcher import Batch, Batcher
from .const import (
    CLOSE_SPOOL_MARGIN,
    LOGGER,
    RETRY_BACKOFF_BASE,
    RETRY_BASE_DELAY,
    RETRY_MAX_DELAY,
    RETRY_MAX_JITTER,
    RETRY_MAX_RETRIES,
)
from .influx import InfluxClient
from .influx.errors import WriteError
from .problems import OnceLog, WriterProblems
from .sender import Outcome, Sender
from .spooler import Spooler
from .stats import WriteStatistics


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
        self._sender = Sender(hass, client, batcher, spooler, log)
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
            self._sender.hold_client()
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
                going_on = await self._async_step(
                    replay=replay and (replay_turn or not live)
                )
                replay_turn = not replay_turn
                self._notify_soon()
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
        self._sender.hold_client()
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
