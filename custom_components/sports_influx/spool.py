"""The durable outbox: line protocol that could not be written yet, on disk.

Blocking file I/O: every method runs in the executor (the writer calls it
through ``hass.async_add_executor_job``); a lock makes concurrent calls safe.

Layout, under ``.storage/sports_influx/<entry_id>/``:
- ``outbox-<seq>.lp``: append-only segments of checksummed records. A record
  is one batch of one retention class::

      SI1 <crc32 hex> <payload bytes> <points> <retention> NL <payload> NL

  The payload is line protocol, one point per line. A record is appended
  and fsynced in one write; a power cut can tear only the record being
  written, and reading stops at the first record whose header, length or
  checksum does not hold: everything before it is kept.
- ``rejected.lp``: lines the server refused for good, each group after a
  ``#`` comment with the time and the server's message, kept for a human.

Replay is oldest first and at-least-once: a segment is deleted once all its
records are sent; after a restart a half-sent segment is sent again, which
is harmless (same series and timestamp overwrite the same point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
import os
from pathlib import Path
import re
import threading
import zlib

from .const import LOGGER

MAGIC = b"SI1"
SEGMENT_PREFIX = "outbox-"
SEGMENT_SUFFIX = ".lp"
REJECTED_FILE = "rejected.lp"
# A segment is closed (and a new one started) past this size; replaying a
# half-sent segment again after a restart repeats at most this much.
SEGMENT_BYTES = 1024 * 1024
_SEGMENT_RE = re.compile(rf"^{SEGMENT_PREFIX}(\d{{8}}){re.escape(SEGMENT_SUFFIX)}$")


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One stored batch: where it goes and its lines."""

    retention: str
    lines: tuple[str, ...]


@dataclass(slots=True)
class _Entry:
    offset: int
    size: int  # header + payload + newline
    points: int
    retention: str


@dataclass(slots=True)
class _Segment:
    path: Path
    entries: list[_Entry] = field(default_factory=list)
    sent: int = 0  # entries already written to the server (head segment)
    end: int = 0  # bytes of valid records

    @property
    def points(self) -> int:
        return sum(e.points for e in self.entries[self.sent :])

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries[self.sent :])


def _header(payload: bytes, points: int, retention: str) -> bytes:
    crc = zlib.crc32(retention.encode() + b"\n" + payload)
    return b"%s %08x %d %d %s\n" % (
        MAGIC,
        crc,
        len(payload),
        points,
        retention.encode(),
    )


def _scan(path: Path) -> tuple[list[_Entry], int, bool]:
    """Valid records of a segment, the bytes they span, and whether it is torn."""
    data = path.read_bytes()
    entries: list[_Entry] = []
    pos = 0
    while pos < len(data):
        newline = data.find(b"\n", pos, pos + 200)
        parts = data[pos:newline].split(b" ") if newline >= 0 else []
        try:
            magic, crc_hex, size_b, points_b, retention_b = parts
            size, points = int(size_b), int(points_b)
            crc = int(crc_hex, 16)
        except ValueError:
            return entries, pos, True
        start = newline + 1
        payload = data[start : start + size]
        if (
            magic != MAGIC
            or len(payload) != size
            or data[start + size : start + size + 1] != b"\n"
            or zlib.crc32(retention_b + b"\n" + payload) != crc
        ):
            return entries, pos, True
        end = start + size + 1
        entries.append(_Entry(pos, end - pos, points, retention_b.decode()))
        pos = end
    return entries, pos, False


class Outbox:
    """Batches waiting on disk for the server, bounded in bytes."""

    def __init__(
        self, directory: Path, max_bytes: int, segment_bytes: int = SEGMENT_BYTES
    ) -> None:
        """Nothing is read until ``load``."""
        self.directory = directory
        self.max_bytes = max_bytes
        # Several segments fit in the bound, so dropping one frees room.
        self.segment_bytes = max(4096, min(segment_bytes, max_bytes // 8))
        self._segments: list[_Segment] = []
        self._next_seq = 0
        self._open_tail = False  # appends may go to the last segment
        self._lock = threading.Lock()
        self.dropped = 0  # points dropped to stay within the bound
        self.rejected = 0  # points quarantined

    # -- state ---------------------------------------------------------------

    @property
    def points(self) -> int:
        """Points waiting."""
        return sum(s.points for s in self._segments)

    @property
    def size(self) -> int:
        """Bytes waiting."""
        return sum(s.size for s in self._segments)

    def snapshot(self) -> tuple[int, int]:
        """(points, bytes) waiting, read under the lock."""
        with self._lock:
            return self.points, self.size

    # -- blocking I/O (executor) ---------------------------------------------

    def load(self) -> list[str]:
        """Read what a previous run left; return the names of torn files."""
        torn: list[str] = []
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._segments.clear()
            names = sorted(
                p.name for p in self.directory.iterdir() if _SEGMENT_RE.match(p.name)
            )
            for name in names:
                path = self.directory / name
                entries, end, is_torn = _scan(path)
                if is_torn:
                    torn.append(str(path))
                    LOGGER.warning(
                        "Outbox file %s is damaged after %d records (%d bytes);"
                        " those are kept, the rest is lost",
                        path,
                        len(entries),
                        end,
                    )
                if entries:
                    self._segments.append(_Segment(path, entries, end=end))
                else:
                    path.unlink(missing_ok=True)
            if names:
                self._next_seq = int(names[-1][len(SEGMENT_PREFIX) :][:8]) + 1
            # Never append after what an earlier run wrote (it may be torn).
            self._open_tail = False
        return torn

    def append(self, retention: str, lines: Sequence[str]) -> int:
        """Store one batch; return the points dropped to stay in the bound."""
        if not lines:
            return 0
        payload = "\n".join(lines).encode()
        record = _header(payload, len(lines), retention) + payload + b"\n"
        with self._lock:
            dropped = self._make_room(len(record))
            segment = self._tail(len(record))
            with segment.path.open("ab") as file:
                file.write(record)
                file.flush()
                os.fsync(file.fileno())
            segment.entries.append(
                _Entry(segment.end, len(record), len(lines), retention)
            )
            segment.end += len(record)
            return dropped

    def peek(self) -> OutboxRecord | None:
        """The oldest batch not yet sent."""
        with self._lock:
            if not self._segments:
                return None
            segment = self._segments[0]
            entry = segment.entries[segment.sent]
            with segment.path.open("rb") as file:
                file.seek(entry.offset)
                data = file.read(entry.size)
            header, _, rest = data.partition(b"\n")
            payload = rest[: int(header.split(b" ")[2])]
            return OutboxRecord(entry.retention, tuple(payload.decode().split("\n")))

    def ack(self) -> None:
        """The batch ``peek`` gave was sent: forget it."""
        with self._lock:
            if not self._segments:
                return
            segment = self._segments[0]
            segment.sent += 1
            if segment.sent >= len(segment.entries):
                self._segments.pop(0)
                segment.path.unlink(missing_ok=True)
                if not self._segments:
                    self._open_tail = False

    def quarantine(self, lines: Sequence[str], message: str) -> None:
        """Keep lines the server refused for good, with its reason."""
        if not lines:
            return
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            when = datetime.now(UTC).isoformat(timespec="seconds")
            reason = " ".join(message.split())
            text = f"# {when} {reason}\n" + "\n".join(lines) + "\n"
            with (self.directory / REJECTED_FILE).open("a", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            self.rejected += len(lines)

    # -- internals (lock held) -----------------------------------------------

    def _tail(self, needed: int) -> _Segment:
        last = self._segments[-1] if self._segments else None
        if (
            last is None
            or not self._open_tail
            or last.end + needed > self.segment_bytes
        ):
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{SEGMENT_PREFIX}{self._next_seq:08d}{SEGMENT_SUFFIX}"
            self._next_seq += 1
            last = _Segment(self.directory / name)
            self._segments.append(last)
            self._open_tail = True
        return last

    def _make_room(self, needed: int) -> int:
        dropped = 0
        while self._segments and self.size + needed > self.max_bytes:
            segment = self._segments.pop(0)
            dropped += segment.points
            segment.path.unlink(missing_ok=True)
            if not self._segments:
                self._open_tail = False
        self.dropped += dropped
        return dropped
