"""The memory queue: points waiting to be written, cut into batches.

The queue holds plain strings (a point's retention class and its line),
which Python's garbage collector does not track, so a backlog never brings
on a collection of HA's whole heap. A batch is at most ``batch_size`` points
of one retention class and at most ``MAX_REQUEST_BYTES`` of line protocol;
a backlog goes out in larger batches while writes succeed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from .const import BACKFILL_BATCH_SIZE, MAX_REQUEST_BYTES
from .influx.splitting import by_bytes, line_bytes
from .schema import RetentionClass

# A queued point: its retention class's value and its line. Two plain
# strings: the collector stops tracking the tuple at its first pass.
type Queued = tuple[str, str]

# Lines per retention class, ready to be stored or written.
type Grouped = list[tuple[RetentionClass, list[str]]]


@dataclass(slots=True)
class Batch:
    """Lines of one retention class written in one request."""

    retention: RetentionClass
    lines: list[str]
    attempt: int = 0

    def __len__(self) -> int:
        """Points in the batch."""
        return len(self.lines)


def grouped(items: Iterable[Queued]) -> Grouped:
    """Queued points -> lines per retention class, in queue order."""
    groups: dict[str, list[str]] = {}
    for retention, line in items:
        if (lines := groups.get(retention)) is None:
            lines = groups[retention] = []
        lines.append(line)
    return [(RetentionClass(r), lines) for r, lines in groups.items()]


class Batcher:
    """Points in memory: the queue, the batches cut from it, the one in flight."""

    def __init__(self, batch_size: int, max_queue: int) -> None:
        """An empty queue holding at most ``max_queue`` points."""
        self.batch_size = batch_size
        self.max_queue = max_queue
        self.queue: deque[Queued] = deque()
        # Batches taken from the queue, the head one possibly awaiting a retry.
        self.ready: deque[Batch] = deque()
        # The batch whose request runs now: owned by that request until it
        # ends, in neither ``ready`` nor the outbox.
        self.in_flight: Batch | None = None
        # Set whenever ``ready`` runs empty (or the writer closes): what a
        # backfill waits for while one of its batches awaits a retry.
        self.ready_empty = asyncio.Event()

    def pending(self) -> int:
        """Points held in memory, the batch in flight included."""
        in_flight = len(self.in_flight) if self.in_flight is not None else 0
        return len(self.queue) + sum(len(b) for b in self.ready) + in_flight

    @property
    def full(self) -> bool:
        """The queue holds as many points as it may."""
        return len(self.queue) >= self.max_queue

    @property
    def batch_waiting(self) -> bool:
        """A whole batch waits in the queue."""
        return len(self.queue) >= self.batch_size

    def append(self, retention: RetentionClass, line: str) -> None:
        """Queue one point."""
        self.queue.append((retention.value, line))

    def oldest_tenth(self) -> Grouped:
        """Past the memory cap: the oldest tenth of the cap, out of the queue."""
        count = min(max(1, self.max_queue // 10), len(self.queue))
        return grouped(self.queue.popleft() for _ in range(count))

    def take_all(self) -> Grouped:
        """Everything in memory but the batch in flight, out of memory."""
        batches = [(batch.retention, batch.lines) for batch in self.ready]
        batches.extend(grouped(self.queue))
        self.ready.clear()
        self.queue.clear()
        return batches

    def add_groups(self, groups: Mapping[RetentionClass, list[str]]) -> None:
        """Lines serialised elsewhere (a backfill), as whole batches."""
        self.ready.extend(
            Batch(r, part)
            for r, lines in groups.items()
            for part in by_bytes(lines, MAX_REQUEST_BYTES)
        )
        self.ready_empty.clear()

    def next_batch(self, *, full_only: bool, large: bool) -> bool:
        """Move up to one batch from the queue to ``ready``; False if none.

        A backlog (several batches waiting, after a burst or an outage) goes
        out in whole batches of up to ``BACKFILL_BATCH_SIZE`` points per
        request while writes succeed (``large``): one HTTP round trip per
        ``batch_size`` points would make catching up far slower than the
        server allows. While they fail, batches keep their size, so a batch
        given up after its retries costs no more. A batch is also at most
        ``MAX_REQUEST_BYTES`` of line protocol (the rest waits its turn).
        """
        waiting = len(self.queue)
        if not waiting or (full_only and waiting < self.batch_size):
            return False
        take = min(waiting, self.batch_size)
        if waiting > self.batch_size and large:
            whole = waiting // self.batch_size * self.batch_size
            take = max(self.batch_size, min(whole, BACKFILL_BATCH_SIZE))
        taken = grouped(self._take(take))
        self.ready.extend(Batch(retention, lines) for retention, lines in taken)
        return True

    def _take(self, count: int) -> Iterator[Queued]:
        """Up to ``count`` queued points in at most ``MAX_REQUEST_BYTES``."""
        queue = self.queue
        room = MAX_REQUEST_BYTES
        for taken in range(count):
            size = line_bytes(queue[0][1])
            if taken and size > room:
                return
            room -= size
            yield queue.popleft()

    def start(self) -> Batch:
        """The head batch leaves ``ready``: its request runs now."""
        batch = self.ready.popleft()
        self.in_flight = batch
        return batch

    def finish(self, batch: Batch) -> bool:
        """The request of ``batch`` ended; False if a close took it meanwhile."""
        owned = self.in_flight is batch
        if owned:
            self.in_flight = None
        return owned

    def keep_in_flight(self) -> None:
        """A request that may still land: its batch is kept, at the head."""
        if (batch := self.in_flight) is not None:
            self.in_flight = None
            self.ready.appendleft(batch)

    def settle(self) -> None:
        """Tell a waiting backfill when ``ready`` ran empty."""
        if not self.ready:
            self.ready_empty.set()
