"""The outbox alone, under random appends, acks, restarts and damage.

Whatever happens to its files (flipped bytes, a torn last record, writes
that fail half-way), every record that was not hit is replayed exactly
once and in order, every record that was hit is counted, and nothing
altered is ever returned.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
import shutil
import tempfile

from hypothesis import HealthCheck, event, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from custom_components.sports_influx import outbox as outbox_module
from custom_components.sports_influx.outbox import Outbox

from .factories import fail_writes, flip_byte

_SHM = Path("/dev/shm")  # noqa: S108 - mkdtemp makes a private folder in it


class OutboxMachine(RuleBasedStateMachine):
    """A model of what was stored, sent and damaged, against the real files."""

    def __init__(self) -> None:
        """A fresh folder (in memory where the system has one: fast fsync)."""
        super().__init__()
        base = str(_SHM) if _SHM.is_dir() else None
        self.directory = Path(tempfile.mkdtemp(prefix="outbox-", dir=base))
        self.outbox = self._new_outbox()
        self.stored: dict[int, tuple[str, ...]] = {}  # appended and kept
        self.sent: list[int] = []
        self.hit: set[int] = set()  # records damage reached
        # Appends that failed after the whole record was written and could
        # not be undone: they may come (unaltered) or not.
        self.maybe: dict[int, tuple[str, ...]] = {}
        self.flipped: set[tuple[str, int]] = set()
        self.counted = 0  # damaged records counted by earlier outboxes
        self.next_id = 0

    def _new_outbox(self) -> Outbox:
        outbox = Outbox(self.directory, max_bytes=10**8, segment_bytes=4096)
        outbox.load()
        return outbox

    def _lines(self, count: int) -> tuple[str, ...]:
        n = self.next_id
        return tuple(f'm,id=r{n} v={k}i,s="x y" {n}' for k in range(count))

    def _spans(self, path: Path) -> dict[int, tuple[int, int]]:
        """Byte range of each stored record found in a file (header to NL)."""
        data = path.read_bytes()
        spans = {}
        for record_id, lines in self.stored.items():
            at = data.find(b"\n" + "\n".join(lines).encode() + b"\n")
            if at >= 0:
                # Its own header: the nearest magic before it, on its line.
                start = max(
                    data.rfind(m, 0, at)
                    for m in (outbox_module.MAGIC, outbox_module.ACKED)
                )
                if start >= 0 and b"\n" not in data[start:at]:
                    spans[record_id] = (start, at + len("\n".join(lines).encode()) + 2)
        return spans

    def _segments(self) -> list[Path]:
        return sorted(self.directory.glob("outbox-*.lp"))

    @initialize()
    def start(self) -> None:
        """Nothing is waiting in a new folder."""
        assert self.outbox.peek() is None

    @rule(count=st.integers(1, 40))
    def append(self, count: int) -> None:
        """A batch is stored."""
        lines = self._lines(count)
        result = self.outbox.append_lines("events", lines)
        assert result.error is None
        assert result.dropped == 0
        self.stored[self.next_id] = lines
        self.next_id += 1

    @rule(
        count=st.integers(1, 40),
        cut=st.floats(0, 1, exclude_max=True),
        where=st.sampled_from(["write", "fsync"]),
        undo_fails=st.booleans(),
    )
    def append_fails(
        self, count: int, cut: float, where: str, undo_fails: bool
    ) -> None:
        """The disk fills (or fails) half-way through a record."""
        lines = self._lines(count)
        if where == "fsync" and undo_fails:
            self.maybe[self.next_id] = lines
        self.next_id += 1
        with fail_writes(outbox_module.os, cut, where=where, undo_fails=undo_fails):
            result = self.outbox.append_lines("events", lines)
        assert result.error is not None
        assert result.error.errno in (errno.ENOSPC, errno.EIO)

    @rule()
    def send_one(self) -> None:
        """The oldest record is read, checked against what was stored, sent."""
        record = self.outbox.peek()
        waiting = sorted(set(self.stored) - set(self.sent) - self.hit)
        if record is None:
            assert not waiting
            return
        record_id = int(record.lines[0].split("=r", 1)[1].split(" ", 1)[0])
        # Unaltered, never twice, in order, and nothing undamaged skipped.
        assert record.retention == "events"
        assert record_id not in self.sent
        if record_id in self.maybe:
            assert record.lines == self.maybe[record_id]
        else:
            assert record.lines == self.stored[record_id]
            assert record_id == waiting[0]
        self.outbox.ack(record)
        self.sent.append(record_id)

    @rule(data=st.data())
    def flip(self, data: st.DataObject) -> None:
        """Bit rot: one byte of a segment changes."""
        segments = self._segments()
        if not segments:
            return
        path = data.draw(st.sampled_from(segments))
        size = path.stat().st_size
        if not size:
            return
        offset = data.draw(st.integers(0, size - 1))
        spans = self._spans(path)
        target = {i for i, (a, b) in spans.items() if a <= offset < b}
        if target & self.hit or (path.name, offset) in self.flipped:
            return  # one damaged byte per record (two could cancel out)
        flip_byte(path, offset, data.draw(st.integers(1, 255)))
        self.flipped.add((path.name, offset))
        self.hit.update(target)

    @rule(tear=st.booleans(), data=st.data())
    def restart(self, tear: bool, data: st.DataObject) -> None:
        """HA restarts; a power cut may have torn the newest record."""
        self.counted += self.outbox.damage.records
        if tear and (segments := self._segments()):
            path = segments[-1]
            spans = self._spans(path)
            size = path.stat().st_size
            if spans and (last := max(spans.values()))[1] == size:
                cut = data.draw(st.integers(last[0] + 1, size - 1))
                os.truncate(path, cut)
                self.hit.update(i for i, (a, b) in spans.items() if b > cut)
        self.outbox = self._new_outbox()

    def teardown(self) -> None:
        """Everything not damaged arrives exactly once; the damage is counted."""
        try:
            while self.outbox.peek() is not None:
                self.send_one()
            lost = set(self.stored) - set(self.sent)
            event(f"records lost to damage: {min(len(lost), 3)}+")
            event(f"records sent: {min(len(self.sent) // 10 * 10, 50)}+")
            assert lost <= self.hit
            assert len(self.sent) == len(set(self.sent))
            # A failed append whose write could not be undone comes when
            # its segment comes up (after a restart): out of order.
            kept = [i for i in self.sent if i not in self.maybe]
            assert kept == sorted(kept)
            assert self.counted + self.outbox.damage.records >= len(lost)
            assert (self.outbox.points, self.outbox.size) == (0, 0)
            # Damaged bytes are set aside, never deleted.
            if lost:
                assert any((self.directory / outbox_module.DAMAGED_DIR).iterdir())
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


OutboxMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_outbox_survives_damage = OutboxMachine.TestCase
