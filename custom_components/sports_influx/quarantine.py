"""The quarantine: lines the server refused for good, kept for a human.

``rejected.lp`` holds each group of refused lines (and lines that are not
valid UTF-8) after a ``#`` comment with the time and the reason. It is
bounded in bytes: the oldest groups go first, and what is dropped is
counted. Blocking file I/O: it runs in the executor, under the outbox's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
import os
from pathlib import Path
import re

from .const import LOGGER, REJECTED_MAX_BYTES

REJECTED_FILE = "rejected.lp"
_NOT_UTF8 = "not valid UTF-8: kept here, never sent"
TMP_SUFFIX = ".tmp"


def _data_lines(data: bytes) -> int:
    return sum(1 for line in data.splitlines() if line and not line.startswith(b"#"))


def write_new(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (or remove it if empty)."""
    if not data:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(f".{path.name}{TMP_SUFFIX}")
    with tmp.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    tmp.replace(path)


class Quarantine:
    """``rejected.lp``: refused lines for a human, bounded in bytes."""

    def __init__(self, path: Path, max_bytes: int | None = None) -> None:
        """Nothing is read or written until lines come."""
        self.path = path
        self.max_bytes = REJECTED_MAX_BYTES if max_bytes is None else max_bytes
        self.lines = 0  # lines kept
        self.dropped = 0  # lines dropped to stay within the bound

    def add(self, lines: Sequence[str], message: str) -> None:
        """Append one group; drop the oldest groups past the bound."""
        when = datetime.now(UTC).isoformat(timespec="seconds")
        reason = " ".join(message.split())
        text = f"# {when} {reason}\n" + "\n".join(lines) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Lone surrogates are kept as escapes: the file stays valid UTF-8.
        with self.path.open("a", encoding="utf-8", errors="backslashreplace") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        self.lines += len(lines)
        if self.path.stat().st_size > self.max_bytes:
            self._trim()

    def set_aside(self, lines: list[str]) -> int:
        """Keep lines that are not UTF-8 (never sent); return how many."""
        if lines:
            try:
                self.add(lines, _NOT_UTF8)
            except OSError as err:
                LOGGER.warning("Cannot keep %d lines: %s", len(lines), err)
        return len(lines)

    def _trim(self) -> None:
        data = self.path.read_bytes()
        starts = [m.start() for m in re.finditer(rb"^# ", data, re.MULTILINE)] or [0]
        cut = next((s for s in starts if len(data) - s <= self.max_bytes), starts[-1])
        kept = data[cut:]
        if len(kept) > self.max_bytes:
            # One group alone is too large: keep its comment and newest lines.
            comment, _, body = kept.partition(b"\n")
            room = self.max_bytes - len(comment) - 1
            body = body[len(body) - room :]
            body = body[body.find(b"\n") + 1 :] if room > 0 else b""
            kept = comment + b"\n" + body
        dropped = _data_lines(data) - _data_lines(kept)
        write_new(self.path, kept)
        self.dropped += dropped
        LOGGER.warning(
            "%s grew past %d bytes: dropped its %d oldest lines (%d so far)",
            self.path,
            self.max_bytes,
            dropped,
            self.dropped,
        )
