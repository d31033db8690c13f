"""The writer's statistics, changed only through their own methods.

The diagnostic sensors and diagnostics read the fields; the writer, the
listener, the backfill and the services tell the statistics what happened
by calling a method, so each figure has one place that decides how it moves.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .const import NOTIFY_INTERVAL, WRITE_TIME_WINDOW
from .timer import OneShotTimer


@dataclass(frozen=True, slots=True)
class OutboxChange:
    """What a new look at the outbox changed in the statistics."""

    changed: bool
    damaged: bool
    drained: bool


@dataclass
class WriteStatistics:
    """What the writer has done; shown by the diagnostic sensors."""

    points_written: int = 0
    points_failed: int = 0
    points_invalid: int = 0
    # Points older than their retention window: never sent.
    expired: int = 0
    batches_written: int = 0
    retries: int = 0
    queue_depth: int = 0
    last_success: datetime | None = None
    last_error: str | None = None
    # Percent done of the running (or last) backfill.
    backfill_progress: float | None = None
    # The durable outbox: waiting now; refused for good; dropped at the bound.
    outbox_points: int = 0
    outbox_bytes: int = 0
    rejected: int = 0
    dropped: int = 0
    # Unsent records damaged on disk (their bytes set aside), and their bytes.
    outbox_damaged: int = 0
    outbox_damaged_bytes: int = 0
    # Points that could not be stored in the outbox (disk full, I/O error).
    outbox_unspooled: int = 0
    # Quarantined lines dropped to keep rejected.lp within its bound.
    rejected_dropped: int = 0
    # Source states that gave nothing to write, per reason slug.
    skipped: Counter[str] = field(default_factory=Counter)
    write_times_ms: deque[float] = field(
        default_factory=lambda: deque(maxlen=WRITE_TIME_WINDOW)
    )

    # -- what the sources and services report ------------------------------

    def count_skip(self, reason: str, count: int = 1) -> None:
        """Source states that gave nothing to write, for ``reason``."""
        self.skipped[reason] += count

    def set_backfill_progress(self, percent: float) -> None:
        """Percent done of the running backfill."""
        self.backfill_progress = percent

    # -- what the writer reports -------------------------------------------

    def count_written(self, count: int, elapsed: float) -> None:
        """One request wrote ``count`` points in ``elapsed`` seconds."""
        self.points_written += count
        self.batches_written += 1
        self.write_times_ms.append(elapsed * 1000.0)
        self.last_success = dt_util.utcnow()

    def count_failed(self, count: int) -> None:
        """Points given up for good."""
        self.points_failed += count

    def count_invalid(self, count: int = 1) -> None:
        """Points the schema or the outbox refuses to hold."""
        self.points_invalid += count

    def count_expired(self) -> bool:
        """A point older than its retention; True for the first one."""
        self.expired += 1
        return self.expired == 1

    def count_retry(self, error: str) -> None:
        """A request failed for now and is tried again later."""
        self.retries += 1
        self.last_error = error

    def set_error(self, error: str) -> None:
        """The last error a write met."""
        self.last_error = error

    def count_rejected(self, refused: int, written: int, error: str) -> None:
        """The server refused ``refused`` lines for good, kept ``written``."""
        self.last_error = error
        self.rejected += refused
        self.points_failed += refused
        if written:
            # A partial write: the server kept the other lines.
            self.points_written += written
            self.batches_written += 1

    def count_dropped(self, count: int) -> int:
        """The outbox dropped its oldest points; the total so far."""
        self.dropped += count
        self.points_failed += count
        return self.dropped

    def count_unspooled(self, count: int) -> int:
        """Points the outbox could not store; the total so far."""
        self.points_failed += count
        self.outbox_unspooled += count
        return self.outbox_unspooled

    def set_queue_depth(self, depth: int) -> None:
        """Points held in memory now."""
        self.queue_depth = depth

    def set_outbox(
        self,
        *,
        points: int,
        size: int,
        damaged_records: int,
        damaged_bytes: int,
        rejected_dropped: int,
    ) -> OutboxChange:
        """What the outbox holds now; what that changed."""
        changed = self.rejected_dropped != rejected_dropped
        self.rejected_dropped = rejected_dropped
        damaged = (damaged_records, damaged_bytes) != (
            self.outbox_damaged,
            self.outbox_damaged_bytes,
        )
        self.outbox_damaged = damaged_records
        self.outbox_damaged_bytes = damaged_bytes
        drained = False
        if (points, size) != (self.outbox_points, self.outbox_bytes):
            drained = bool(self.outbox_points) and not points
            self.outbox_points, self.outbox_bytes = points, size
            changed = True
        return OutboxChange(changed or damaged, damaged, drained)

    # -- what the sensors read ---------------------------------------------

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
            "expired": self.expired,
            "batches_written": self.batches_written,
            "retries": self.retries,
            "queue_depth": self.queue_depth,
            "outbox_points": self.outbox_points,
            "outbox_bytes": self.outbox_bytes,
            "rejected": self.rejected,
            "dropped": self.dropped,
            "outbox_damaged": self.outbox_damaged,
            "outbox_damaged_bytes": self.outbox_damaged_bytes,
            "outbox_unspooled": self.outbox_unspooled,
            "rejected_dropped": self.rejected_dropped,
            "success_rate": self.success_rate,
            "average_write_time": self.average_write_time,
            "last_success": self.last_success.isoformat()
            if self.last_success
            else None,
            "last_error": self.last_error,
            "skipped": dict(self.skipped),
        }


class StatisticsListeners:
    """Who is told when the statistics change, and how often."""

    def __init__(
        self, hass: HomeAssistant, stats: WriteStatistics, depth: Callable[[], int]
    ) -> None:
        """Listeners of ``stats``; ``depth`` tells the points held in memory."""
        self._hass = hass
        self._stats = stats
        self._depth = depth
        self._listeners: list[CALLBACK_TYPE] = []
        self._timer = OneShotTimer(hass, self.async_notify)
        self._last_notify = -NOTIFY_INTERVAL

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
        self.async_cancel()
        self._last_notify = self._hass.loop.time()
        self._stats.set_queue_depth(self._depth())
        for listener in list(self._listeners):
            listener()

    @callback
    def async_notify_soon(self) -> None:
        """Tell listeners the statistics changed, at most once a second.

        Each listener writes a sensor state (and fires a state_changed
        event): per queued record that would cost more than everything else
        the loop does for it. The first change after a quiet
        second is shown at once, later ones when the second is over.
        """
        self._stats.set_queue_depth(self._depth())
        if self._timer.pending:
            return
        wait = self._last_notify + NOTIFY_INTERVAL - self._hass.loop.time()
        if wait <= 0:
            self.async_notify()
            return
        self._timer.start(wait)

    @callback
    def async_cancel(self) -> None:
        """Forget a notification that waits for its second to end."""
        self._timer.cancel()
