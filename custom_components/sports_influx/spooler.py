"""The writer's side of the outbox: what goes to disk, and what it holds.

Every outbox call is an executor job started from the loop; nothing here
raises into HA: a failure to store points is counted, logged once and
reported as a repair issue.
"""

from __future__ import annotations

import asyncio

from homeassistant.core import callback

from .batcher import Grouped
from .const import LOGGER
from .influx.errors import WriteError
from .outbox import Outbox, OutboxRecord
from .parts import WriterParts
from .problems import RejectedReport, by_error, rejected_lines, rejection_subject
from .quarantine import REJECTED_FILE


class Spooler:
    """Points into the outbox, statistics out of it."""

    def __init__(self, parts: WriterParts, outbox: Outbox | None) -> None:
        """Spool to ``outbox``; without one, nothing is kept on disk."""
        self._parts = parts
        self.outbox = outbox
        self._spills: set[asyncio.Task[None]] = set()

    async def async_load(self) -> None:
        """Read what an earlier run left in the outbox."""
        if (outbox := self.outbox) is None:
            return
        try:
            await self._parts.hass.async_add_executor_job(outbox.load)
        except Exception as err:  # noqa: BLE001 - new points still get a new file
            LOGGER.error("Cannot read the outbox in %s: %s", outbox.directory, err)
        await self.async_refresh()
        kept = await self._parts.hass.async_add_executor_job(outbox.damage.kept)
        if not kept:
            self._parts.problems.damage_resolved()

    @callback
    def spill(self, chunk: Grouped) -> None:
        """Past the memory cap: ``chunk`` goes to the outbox in the background."""
        task = self._parts.hass.async_create_task(
            self.async_spool(chunk), "sports_influx spill"
        )
        self._spills.add(task)
        task.add_done_callback(self._spills.discard)

    async def async_wait_spills(self) -> None:
        """Let the spills under way end."""
        if self._spills:
            await asyncio.gather(*self._spills, return_exceptions=True)

    async def async_peek(self) -> OutboxRecord | None:
        """The oldest outbox record (damage met on the way is set aside)."""
        assert self.outbox is not None  # noqa: S101 - only replayed with one
        return await self._parts.hass.async_add_executor_job(self.outbox.peek)

    async def async_ack(self, stored: OutboxRecord) -> None:
        """``stored`` is done with: written or quarantined."""
        assert self.outbox is not None  # noqa: S101 - only replayed with one
        await self._parts.hass.async_add_executor_job(self.outbox.ack, stored)

    async def async_spool(self, batches: Grouped) -> None:
        """Append ``batches`` to the outbox; count what it cannot hold."""
        if self.outbox is None:  # pragma: no cover - callers check
            return
        total = sum(len(lines) for _, lines in batches)
        try:
            (
                dropped,
                refused,
                unspooled,
                error,
            ) = await self._parts.hass.async_add_executor_job(
                self._spool_blocking, self.outbox, batches
            )
        except Exception as err:  # noqa: BLE001 - nothing may escape into HA
            dropped, refused, unspooled, error = 0, 0, total, repr(err)
        stats = self._parts.stats
        if dropped:
            self._on_dropped(dropped)
        if refused:
            stats.count_invalid(refused)
            LOGGER.warning(
                "%d points are not valid UTF-8: kept in %s, not written",
                refused,
                self.outbox.directory / REJECTED_FILE,
            )
        if unspooled:
            total_unspooled = stats.count_unspooled(unspooled)
            self._parts.once_log.warning(
                "unspooled",
                "Cannot keep %d points in the outbox (%d so far): %s",
                unspooled,
                total_unspooled,
                error,
            )
            self._parts.problems.unspooled(total_unspooled, error or "")
        elif total > refused:
            self._parts.problems.spooled()
        await self.async_refresh()

    def _spool_blocking(
        self, outbox: Outbox, batches: Grouped
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
        size = self._parts.batcher.batch_size
        for retention, done in batches:
            for start in range(0, len(done), size):
                chunk = done[start : start + size]
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

    async def async_refresh(self) -> None:
        """Show what the outbox holds now in the statistics."""
        if self.outbox is None:
            return
        state = await self._parts.hass.async_add_executor_job(self.outbox.state)
        change = self._parts.stats.set_outbox(
            points=state.points,
            size=state.size,
            damaged_records=state.damaged_records,
            damaged_bytes=state.damaged_bytes,
            rejected_dropped=state.rejected_dropped,
        )
        if change.damaged:
            self._parts.problems.damaged(
                state.damaged_records, state.damaged_bytes, state.damaged_dir
            )
        if change.drained:
            self._parts.problems.drained()
        if change.changed:
            self._parts.notify_soon()

    async def async_quarantine(self, err: WriteError, lines: list[str]) -> None:
        """Refused for good: quarantine the lines the server refused."""
        bad = rejected_lines(err, lines)
        stats = self._parts.stats
        stats.count_rejected(len(bad), len(lines) - len(bad), err.message)
        self._parts.once_log.warning(
            "rejected", "InfluxDB rejected %d points: %s", len(bad), err.message
        )
        path = None
        if self.outbox is not None:
            path = self.outbox.directory / REJECTED_FILE
            try:
                for message, group in by_error(err, bad):
                    await self._parts.hass.async_add_executor_job(
                        self.outbox.quarantine, group, message
                    )
            except OSError as io_err:
                LOGGER.error("Cannot keep the rejected lines: %s", io_err)
                path = None
            await self.async_refresh()  # the quarantine's bound may drop
        measurement, field_name = rejection_subject(err, bad)
        self._parts.problems.rejected(
            RejectedReport(
                count=stats.rejected,
                measurement=measurement,
                field=field_name,
                message=err.message,
                path=str(path) if path else None,
            )
        )
        self._parts.notify()

    @callback
    def _on_dropped(self, count: int) -> None:
        total = self._parts.stats.count_dropped(count)
        LOGGER.warning(
            "The outbox is full: dropped its %d oldest points (%d so far)",
            count,
            total,
        )
        self._parts.problems.dropped(total)
