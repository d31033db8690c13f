"""One request to the server, and what it came to.

The ``Sender`` does the I/O (in the executor) and keeps the books of the
batch in flight; what an outcome means for the writer's state is for
``Delivery`` to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto
import time

from homeassistant.core import callback

from .batcher import Batch
from .const import WRITE_CLIENT_HOLD
from .influx.errors import WriteError
from .parts import WriterParts
from .schema import RetentionClass
from .spooler import Spooler
from .timer import OneShotTimer

_AUTH_STATUS = frozenset({401, 403})
_RETENTIONS = frozenset(c.value for c in RetentionClass)


class Outcome(Enum):
    """What one request came to."""

    # Written: ``count`` points in ``elapsed`` seconds.
    WRITTEN = auto()
    # Nothing more to do about it (refused lines are quarantined, an empty
    # outbox is counted again): draining goes on.
    DONE = auto()
    # The server refused the token.
    AUTH_FAILED = auto()
    # Failed for now: a live ``batch`` is back at the head of the queue;
    # without one, an outbox record stays where it is.
    FAILED = auto()
    # Draining stops here (a close took the batch, or the outbox cannot be
    # read while no live batch waits).
    STOP = auto()


@dataclass(frozen=True, slots=True)
class Sent:
    """An outcome with what the state machine needs to act on it."""

    outcome: Outcome
    count: int = 0
    elapsed: float = 0.0
    error: WriteError | None = None
    batch: Batch | None = None
    # An outbox record was written: the outbox is looked at after counting.
    replayed: bool = False


class Sender:
    """Write the head batch or the oldest outbox record, once."""

    def __init__(self, parts: WriterParts, spooler: Spooler) -> None:
        """Send what the batcher and ``spooler`` hold through the client."""
        self._parts = parts
        self._spooler = spooler
        self._release = OneShotTimer(parts.hass, self._async_release)

    async def async_write_head(self) -> Sent:
        """Write the head batch once.

        The batch leaves ``ready`` while its request runs and comes back
        to its head if the request fails for now: what closes meanwhile
        keeps ``ready`` and the outbox, not this batch, so a batch is
        never both written and kept.
        """
        batcher = self._parts.batcher
        batch = batcher.start()
        started = time.monotonic()
        try:
            err = await self._parts.hass.async_add_executor_job(
                self._write_blocking, batch.retention, batch.lines
            )
        except BaseException:
            # Cancelled while the request runs: it may land; kept anyway.
            if batcher.in_flight is batch:
                batcher.keep_in_flight()
            raise
        if not batcher.finish(batch):
            # Given up by a close past its deadline and kept in the outbox.
            return Sent(Outcome.STOP)
        if err is None:
            return Sent(Outcome.WRITTEN, len(batch), time.monotonic() - started)
        if not err.retryable and err.status not in _AUTH_STATUS:
            await self._spooler.async_quarantine(err, batch.lines)
            return Sent(Outcome.DONE)
        batcher.ready.appendleft(batch)
        if err.status in _AUTH_STATUS:
            return Sent(Outcome.AUTH_FAILED, error=err)
        return Sent(Outcome.FAILED, error=err, batch=batch)

    async def async_replay_one(self) -> Sent:
        """Write the oldest outbox record once."""
        spooler = self._spooler
        started = time.monotonic()
        try:
            stored = await spooler.async_peek()
        except Exception as err:  # noqa: BLE001 - live writes go on regardless
            self._parts.once_log.warning(
                "outbox_read", "Cannot read the outbox: %s", err
            )
            # Live batches keep their turns; the outbox is tried between them.
            batcher = self._parts.batcher
            live = bool(batcher.ready or batcher.queue)
            return Sent(Outcome.DONE if live else Outcome.STOP)
        if stored is None:
            await spooler.async_refresh()
            return Sent(Outcome.DONE)
        lines = list(stored.lines)
        failure: WriteError | None
        if stored.retention in _RETENTIONS:
            failure = await self._parts.hass.async_add_executor_job(
                self._write_blocking, RetentionClass(stored.retention), lines
            )
        else:
            failure = WriteError(
                f"unknown retention {stored.retention!r}", status=400, retryable=False
            )
        if failure is not None and failure.status in _AUTH_STATUS:
            return Sent(Outcome.AUTH_FAILED, error=failure)
        if failure is not None and failure.retryable:
            return Sent(Outcome.FAILED, error=failure)
        await spooler.async_ack(stored)
        if failure is None:
            elapsed = time.monotonic() - started
            return Sent(Outcome.WRITTEN, len(lines), elapsed, replayed=True)
        await spooler.async_quarantine(failure, lines)
        await spooler.async_refresh()
        return Sent(Outcome.DONE)

    @callback
    def hold_client(self) -> None:
        """Keep the write client open: requests follow (or the writer closes)."""
        self._release.cancel()

    @callback
    def release_client_later(self) -> None:
        """Close the write client unless a drain begins meanwhile.

        Drains closer together than ``WRITE_CLIENT_HOLD`` (a burst, a
        backfill between its chunks) keep one client; a writer with nothing
        to send holds none.
        """
        self._release.start(WRITE_CLIENT_HOLD)

    @callback
    def _async_release(self) -> None:
        self._parts.hass.async_add_executor_job(self._parts.client.release_writes)

    def _write_blocking(
        self, retention: RetentionClass, lines: list[str]
    ) -> WriteError | None:
        """One request; runs in the executor. The error, if any."""
        try:
            self._parts.client.write(lines, retention)
        except WriteError as err:
            return err
        return None
