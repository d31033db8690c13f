"""The durable outbox: line protocol that could not be written yet, on disk.

Blocking file I/O: every method runs in the executor (the writer calls it
through ``hass.async_add_executor_job``); a lock makes concurrent calls safe.

Layout, under ``.storage/sports_influx/<entry_id>/``:
- ``outbox-<seq>.lp``: append-only segments of checksummed records. A record
  is one batch of one retention class::

      SI1 <crc32 hex> <payload bytes> <points> <retention> NL <payload> NL

  The payload is line protocol, one point per line; the checksum covers the
  retention and the payload. A sent record of a segment still in use gets
  ``ACK`` in place of ``SI1`` (three bytes no single damaged byte makes), so
  a restart does not send it again. A new segment never takes the name of an
  entry that exists (exclusive create), readable or not.
- ``damaged/``: bytes that do not hold a record (bit rot, a torn write, a
  foreign file), set aside rather than deleted. Each record is verifiable on
  its own: a reader that meets damage scans forward to the next header that
  parses and whose checksum holds, so damage loses only the records it hits.
  The segment is then rewritten with its valid records only (the original
  is linked into ``damaged/`` first), so the same damage is counted once.
  The folder is bounded and its entries carry the counts (``damage.py``).
- ``rejected.lp``: lines the server refused for good (and lines that are not
  valid UTF-8), kept for a human by ``quarantine.py``.

Replay is oldest first and exactly once, short of a power cut between a
write and its acknowledgement (then at least once, which is harmless: the
same series and timestamp overwrite the same point).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
import os
from pathlib import Path
import re
import shutil
import threading
import zlib

from .const import LOGGER, MAX_REQUEST_BYTES
from .damage import DamagedFolder, aside_path
from .quarantine import REJECTED_FILE, TMP_SUFFIX, Quarantine, write_new

MAGIC = b"SI1"
ACKED = b"ACK"
SEGMENT_PREFIX = "outbox-"
SEGMENT_SUFFIX = ".lp"
DAMAGED_DIR = "damaged"
# A segment is closed (and a new one started) past this size: several
# records of the largest request fit in one, so a torn tail costs one record
# and not a segment's only one.
SEGMENT_BYTES = 4 * MAX_REQUEST_BYTES
_SEGMENT_RE = re.compile(rf"^{SEGMENT_PREFIX}(\d+){re.escape(SEGMENT_SUFFIX)}$")
_HEADER_MAX = 200
# Headers in a damaged stretch, their magic with at most one damaged byte:
# how many records the damage took, and where each one ends.
_HEAD = re.compile(
    rb"(?:(?P<unsent>SI1|[^\n]I1|S[^\n]1|SI[^\n])|[^\n]CK|A[^\n]K|AC[^\n])"
    rb" [0-9a-f]{8} (?P<size>[0-9]+) [0-9]+ [^ \n]+"
)
_MAGICS = re.compile(rb"SI1|ACK")


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One stored batch: where it goes and its lines."""

    retention: str
    lines: tuple[str, ...]
    # Where it is stored: ``ack`` checks it is still the oldest.
    key: tuple[str, int] = field(default=("", -1), compare=False)


@dataclass(frozen=True, slots=True)
class OutboxState:
    """What the outbox holds and what it met, for the statistics."""

    points: int
    size: int
    damaged_records: int  # records lost to damage (their bytes set aside)
    damaged_bytes: int
    damaged_dir: str  # where damaged bytes are kept
    rejected_dropped: int  # quarantined lines dropped to bound the file


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What became of one batch handed to the outbox."""

    dropped: int = 0  # old points dropped to stay within the bound
    refused: int = 0  # lines that are not valid UTF-8, quarantined
    error: OSError | None = None  # the batch was not stored


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
    end: int = 0  # where the next record goes

    @property
    def points(self) -> int:
        return sum(e.points for e in self.entries[self.sent :])

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries[self.sent :])


def _record(retention: str, payload: bytes, points: int) -> bytes:
    crc = zlib.crc32(retention.encode() + b"\n" + payload)
    head = b"%s %08x %d %d %s\n" % (
        MAGIC,
        crc,
        len(payload),
        points,
        retention.encode(),
    )
    return head + payload + b"\n"


def _encoded(lines: Sequence[str]) -> tuple[bytes, int, list[str]]:
    """(payload, points) of the lines UTF-8 can hold, and the others."""
    bad: list[str] = []
    try:
        payload = "\n".join(lines).encode()
        count = len(lines)
    except UnicodeEncodeError:
        good: list[bytes] = []
        for line in lines:
            try:
                good.append(line.encode())
            except UnicodeEncodeError:
                bad.append(line)
        payload, count = b"\n".join(good), len(good)
    # A line holding a newline of its own is read back as two.
    return payload, payload.count(b"\n") + 1 if count else 0, bad


def _parse(data: bytes, pos: int) -> tuple[_Entry, bool] | None:
    """The record at ``pos`` and whether it was sent; None unless it is whole."""
    newline = data.find(b"\n", pos, pos + _HEADER_MAX)
    parts = data[pos:newline].split(b" ") if newline >= 0 else []
    if len(parts) != 5 or parts[0] not in (MAGIC, ACKED) or len(parts[1]) != 8:
        return None
    try:
        crc, size, points = int(parts[1], 16), int(parts[2]), int(parts[3])
        retention = parts[4].decode()
    except ValueError:
        return None
    start = newline + 1
    end = start + size
    if size < 0 or end >= len(data) or data[end] != 0x0A:
        return None
    payload = data[start:end]
    if zlib.crc32(parts[4] + b"\n" + payload) != crc:
        return None
    if points != payload.count(b"\n") + 1:
        return None
    return _Entry(pos, end + 1 - pos, points, retention), parts[0] == ACKED


@dataclass(slots=True)
class _Scan:
    entries: list[_Entry]  # valid records not sent yet
    regions: list[tuple[int, int]]  # damaged byte ranges
    records: int = 0  # unsent records the damage took
    damaged: int = 0  # bytes


def _scan(data: bytes) -> _Scan:
    """Every valid record of a segment, resyncing past damage."""
    scan = _Scan([], [])
    pos, bad = 0, -1
    while pos < len(data):
        if (parsed := _parse(data, pos)) is not None:
            if bad >= 0:
                scan.regions.append((bad, pos))
                bad = -1
            entry, sent = parsed
            if not sent:
                scan.entries.append(entry)
            pos += entry.size
            continue
        bad = pos if bad < 0 else bad
        found = [i for m in (MAGIC, ACKED) if (i := data.find(m, pos + 1)) >= 0]
        pos = min(found, default=len(data))
    if bad >= 0:
        scan.regions.append((bad, len(data)))
    for start, end in scan.regions:
        scan.records += _records_in(data, start, end)
        scan.damaged += end - start
    return scan


def _records_in(data: bytes, start: int, end: int) -> int:
    """Unsent records a damaged stretch held, as well as its headers tell.

    Each header found (its magic intact or one byte off) is one record, up
    to where its size says it ends; bytes no header accounts for (a torn
    header, garbage) are one more.
    """
    heads: dict[int, tuple[bool, int]] = {}  # start -> (unsent, end or -1)
    for match in _HEAD.finditer(data, start, end):
        stop = match.end() + int(match["size"]) + 2
        heads[match.start()] = (match["unsent"] is not None, stop)
    for match in _MAGICS.finditer(data, start, end):
        if match.start() not in heads:
            heads[match.start()] = (
                match[0] == MAGIC,
                _end_by_lines(data, match.start()),
            )
    records, covered, loose = 0, start, False
    starts = sorted(heads)
    for n, at in enumerate(starts):
        unsent, stop = heads[at]
        records += unsent
        loose = loose or at > covered
        following = starts[n + 1] if n + 1 < len(starts) else end
        covered = max(covered, min(stop, end) if stop >= 0 else following)
    return records + (loose or covered < end)


def _end_by_lines(data: bytes, at: int) -> int:
    """Where the record at ``at`` ends, by its point count; -1 if unknown.

    For a header whose size field is damaged.
    """
    newline = data.find(b"\n", at, at + _HEADER_MAX)
    parts = data[at:newline].split(b" ")
    if newline < 0 or len(parts) < 3 or not parts[-2].isdigit():
        return -1
    pos = newline + 1
    for _ in range(int(parts[-2])):
        if (pos := data.find(b"\n", pos) + 1) == 0:
            return -1
    return pos


class DamageKeeper(DamagedFolder):
    """Sets damaged outbox bytes aside under ``damaged/`` and counts them."""

    def repair(
        self, path: Path, data: bytes, scan: _Scan, lost: int = 0
    ) -> list[_Entry]:
        """Set the damaged bytes aside; the entries ``path`` holds now.

        ``lost``: records known to be gone (indexed, not found again).
        """
        scan.records = max(scan.records, lost)
        self.records += scan.records
        self.bytes += scan.damaged
        try:
            aside = aside_path(self.directory, path.name, self.records, self.bytes)
            try:
                os.link(path, aside)
            except OSError:
                shutil.copyfile(path, aside)
            clean = b"".join(data[e.offset : e.offset + e.size] for e in scan.entries)
            write_new(path, clean)
        except OSError as err:
            LOGGER.warning(
                "Outbox file %s is damaged (%d records, %d bytes) and cannot be"
                " set aside (%s): its %d valid records are sent, the file is kept",
                path,
                scan.records,
                scan.damaged,
                err,
                len(scan.entries),
            )
            return scan.entries
        LOGGER.warning(
            "Outbox file %s is damaged: %d records (%d bytes) cannot be read;"
            " the file is kept as %s, its %d valid records are sent",
            path,
            scan.records,
            scan.damaged,
            aside,
            len(scan.entries),
        )
        self.bound(aside)
        entries, offset = [], 0
        for entry in scan.entries:
            entries.append(_Entry(offset, entry.size, entry.points, entry.retention))
            offset += entry.size
        return entries

    def set_aside_whole(
        self, path: Path, records: int, size: int, err: Exception
    ) -> None:
        """An entry that cannot be read: moved aside whole, counted."""
        self.records += records
        self.bytes += size
        aside: Path | None = None
        try:
            aside = aside_path(self.directory, path.name, self.records, self.bytes)
            path.replace(aside)
        except OSError:
            aside = None
        LOGGER.warning(
            "Outbox entry %s cannot be read (%s): %d records lost, %s",
            path,
            err,
            records,
            "left in place" if aside is None else f"moved to {aside}",
        )
        if aside is not None:
            self.bound(aside)


def _read_record(path: Path, entry: _Entry) -> OutboxRecord | None:
    """The record ``entry`` indexes, verified; None if it does not hold."""
    try:
        with path.open("rb") as file:
            file.seek(entry.offset)
            data = file.read(entry.size)
        parsed = _parse(data, 0)
        if parsed is None or parsed[1] or parsed[0].size != entry.size:
            return None
        payload = data[data.index(b"\n") + 1 : -1]
        lines = tuple(payload.decode().split("\n"))
        return OutboxRecord(parsed[0].retention, lines, (path.name, entry.offset))
    except (OSError, ValueError):
        return None


class _TornError(OSError):
    """A write failed and could not be undone: its file takes no more."""


def _write_record(path: Path, end: int, record: bytes) -> None:
    """Write and fsync ``record`` at ``end``, or truncate back to ``end``."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as err:
        raise _TornError(err.errno, err.strerror) from err
    try:
        os.lseek(fd, end, os.SEEK_SET)
        view = memoryview(record)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as err:
        try:
            os.ftruncate(fd, end)
        except OSError:
            raise _TornError(err.errno, err.strerror) from err
        raise
    finally:
        os.close(fd)


def _mark_sent(path: Path, offset: int) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, ACKED, offset)
    finally:
        os.close(fd)


def _new_segment(directory: Path, seq: int) -> tuple[Path, int]:
    """A new, empty segment named after no existing entry; the next number."""
    directory.mkdir(parents=True, exist_ok=True)
    while True:
        path = directory / f"{SEGMENT_PREFIX}{seq:08d}{SEGMENT_SUFFIX}"
        seq += 1
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            continue
        return path, seq


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
        self._quarantine = Quarantine(directory / REJECTED_FILE)
        self._damage = DamageKeeper(directory / DAMAGED_DIR)
        self.dropped = 0  # points dropped to stay within the bound

    # -- state ---------------------------------------------------------------

    @property
    def points(self) -> int:
        """Points waiting."""
        return sum(s.points for s in self._segments)

    @property
    def size(self) -> int:
        """Bytes waiting."""
        return sum(s.size for s in self._segments)

    @property
    def rejected(self) -> int:
        """Lines quarantined."""
        return self._quarantine.lines

    @property
    def damage(self) -> DamageKeeper:
        """The ``damaged/`` folder and its counts (read them, do not set)."""
        return self._damage

    def snapshot(self) -> tuple[int, int]:
        """(points, bytes) waiting, read under the lock."""
        with self._lock:
            return self.points, self.size

    def state(self) -> OutboxState:
        """Everything the statistics show, read under the lock."""
        with self._lock:
            return OutboxState(
                self.points,
                self.size,
                self._damage.records,
                self._damage.bytes,
                str(self._damage.directory),
                self._quarantine.dropped,
            )

    # -- blocking I/O (executor) ---------------------------------------------

    def load(self) -> list[str]:
        """Read what a previous run left; return the damaged entries' paths.

        Raises OSError only when the folder itself cannot be listed.
        """
        damaged: list[str] = []
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._damage.load()
            self._segments.clear()
            found: list[tuple[int, str]] = []
            for child in self.directory.iterdir():
                name = child.name
                if name.startswith(".") and name.endswith(TMP_SUFFIX):
                    (self.directory / name).unlink(missing_ok=True)
                elif match := _SEGMENT_RE.match(name):
                    found.append((int(match[1]), name))
            found.sort()
            for _, name in found:
                if not self._load_segment(self.directory / name):
                    damaged.append(str(self.directory / name))
            # Above every name seen, readable or not: never a shared path.
            self._next_seq = max(self._next_seq, found[-1][0] + 1 if found else 0)
            # Never append after what an earlier run wrote (it may be torn).
            self._open_tail = False
        return damaged

    def append(self, retention: str, lines: Sequence[str]) -> int:
        """Store one batch; return the points dropped to stay in the bound.

        Raises OSError when the batch could not be stored (nothing of it
        is left on disk then).
        """
        result = self.append_lines(retention, lines)
        if result.error is not None:
            raise result.error
        return result.dropped

    def append_lines(self, retention: str, lines: Sequence[str]) -> AppendResult:
        """Store one batch; lines UTF-8 cannot hold are quarantined instead."""
        payload, points, bad = _encoded(lines)
        with self._lock:
            refused = self._quarantine.set_aside(bad)
            if not points:
                return AppendResult(refused=refused)
            record = _record(retention, payload, points)
            dropped = 0
            segment: _Segment | None = None
            try:
                dropped = self._make_room(len(record))
                segment = self._tail(len(record))
                _write_record(segment.path, segment.end, record)
            except OSError as err:
                if segment is not None and (
                    isinstance(err, _TornError) or not segment.entries
                ):
                    self._close_tail(segment)
                return AppendResult(dropped, refused, err)
            segment.entries.append(_Entry(segment.end, len(record), points, retention))
            segment.end += len(record)
            return AppendResult(dropped, refused)

    def peek(self) -> OutboxRecord | None:
        """The oldest batch not yet sent; damage met on the way is set aside."""
        with self._lock:
            repaired: Path | None = None
            while self._segments:
                segment = self._segments[0]
                record = _read_record(segment.path, segment.entries[segment.sent])
                if record is not None:
                    return record
                if repaired == segment.path:
                    # Read fails again right after a rescan: give up on it.
                    self._drop_head(segment, "cannot be read")
                    continue
                repaired = segment.path
                self._repair_head(segment)
            return None

    def ack(self, record: OutboxRecord | None = None) -> None:
        """The batch ``peek`` gave (``record``) was sent: forget it.

        If the bound dropped it meanwhile, the oldest batch now is kept.
        """
        with self._lock:
            if not self._segments:
                return
            segment = self._segments[0]
            entry = segment.entries[segment.sent]
            if record is not None and record.key != (segment.path.name, entry.offset):
                return
            segment.sent += 1
            try:
                if segment.sent >= len(segment.entries):
                    self._segments.pop(0)
                    self._open_tail = self._open_tail and bool(self._segments)
                    segment.path.unlink(missing_ok=True)
                else:
                    _mark_sent(segment.path, entry.offset)
            except OSError as err:
                # Unmarked, it is sent again after a restart: harmless.
                LOGGER.debug("Cannot mark a sent record in %s: %s", segment.path, err)

    def quarantine(self, lines: Sequence[str], message: str) -> None:
        """Keep lines the server refused for good, with its reason."""
        if lines:
            with self._lock:
                self._quarantine.add(lines, message)

    # -- internals (lock held) -----------------------------------------------

    def _load_segment(self, path: Path) -> bool:
        """Index one segment; False if it was damaged or unreadable."""
        try:
            data = path.read_bytes()
        except OSError as err:
            self._damage.set_aside_whole(path, 1, 0, err)
            return False
        scan = _scan(data)
        entries = (
            self._damage.repair(path, data, scan) if scan.regions else scan.entries
        )
        if entries:
            self._segments.append(_Segment(path, entries, end=len(data)))
        elif not scan.regions:
            path.unlink(missing_ok=True)  # every record was sent
        return not scan.regions

    def _repair_head(self, segment: _Segment) -> None:
        """The head record does not hold: rescan its segment, set damage aside."""
        try:
            data = segment.path.read_bytes()
        except OSError as err:
            self._drop_head(segment, str(err))
            return
        scan = _scan(data)
        lost = len(segment.entries) - segment.sent - len(scan.entries)
        if scan.regions or lost > 0:
            segment.entries = self._damage.repair(segment.path, data, scan, lost)
        else:
            segment.entries = scan.entries  # the file holds; the read failed
        segment.sent = 0
        if segment is self._segments[-1]:
            self._open_tail = False
        if not segment.entries:
            self._segments.pop(0)

    def _drop_head(self, segment: _Segment, why: str) -> None:
        self._segments.pop(0)
        if not self._segments:
            self._open_tail = False
        self._damage.set_aside_whole(
            segment.path,
            len(segment.entries) - segment.sent,
            segment.size,
            OSError(why),
        )

    def _tail(self, needed: int) -> _Segment:
        last = self._segments[-1] if self._segments else None
        if (
            last is None
            or not self._open_tail
            or last.end + needed > self.segment_bytes
        ):
            path, self._next_seq = _new_segment(self.directory, self._next_seq)
            last = _Segment(path)
            self._segments.append(last)
            self._open_tail = True
        return last

    def _close_tail(self, segment: _Segment) -> None:
        """No more appends to ``segment``; forgotten if it holds nothing."""
        self._open_tail = False
        if not segment.entries:
            self._segments.remove(segment)

    def _make_room(self, needed: int) -> int:
        dropped = 0
        while self._segments and self.size + needed > self.max_bytes:
            segment = self._segments.pop(0)
            dropped += segment.points
            try:
                segment.path.unlink(missing_ok=True)
            except OSError as err:
                LOGGER.debug("Cannot remove %s: %s", segment.path, err)
            if not self._segments:
                self._open_tail = False
        self.dropped += dropped
        return dropped
