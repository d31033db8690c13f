"""The ``damaged/`` folder of an outbox: evidence kept for a human.

Blocking file I/O, run by the outbox in the executor. Each entry is named
after the damage counted so far (records and bytes), so the counts go on
from the newest entry after a restart. The folder is bounded in bytes
(``DAMAGED_MAX_BYTES``): its oldest entries are dropped first, and what is
dropped is logged; the damaged records stay counted.
"""

from __future__ import annotations

from datetime import UTC, datetime
import os
from pathlib import Path
import re
import shutil
import stat

from .const import DAMAGED_MAX_BYTES, LOGGER

# Each entry set aside is named after the totals so far: the newest entry
# left tells them after a restart, and dropping older entries keeps them.
_TOTALS_RE = re.compile(r"\.total-(\d+)-records-(\d+)-bytes(?:\.\d+)?$")


def _totals(name: str) -> tuple[int, int]:
    """(records, bytes) damaged so far, as a name tells; (-1, -1) if not."""
    match = _TOTALS_RE.search(name)
    return (int(match[1]), int(match[2])) if match else (-1, -1)


def _age(path: Path) -> tuple[tuple[int, int], str]:
    """Oldest first: the totals only grow (entries of other names first)."""
    return _totals(path.name), path.name


def _is_dir(path: Path) -> bool:
    return stat.S_ISDIR(path.lstat().st_mode)


def _entry_size(path: Path) -> int:
    if not _is_dir(path):
        return path.lstat().st_size
    return sum(
        (Path(root) / name).lstat().st_size
        for root, _, names in os.walk(path)
        for name in names
    )


def _remove(path: Path) -> None:
    if _is_dir(path):
        shutil.rmtree(path)
    else:
        path.unlink()


def aside_path(directory: Path, name: str, records: int, size: int) -> Path:
    """A new name in ``directory`` for ``name``, with the totals so far."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    base = f"{name}.{stamp}.total-{records}-records-{size}-bytes"
    path, n = directory / base, 0
    while path.exists():
        n += 1
        path = directory / f"{base}.{n}"
    return path


class DamagedFolder:
    """The ``damaged/`` folder: damaged outbox bytes kept for a human, counted.

    The folder is bounded in bytes: past the bound its oldest entries go
    first (the newest keeps its first bytes if it alone is too large); what
    is dropped is counted and logged, the damaged records stay counted.
    """

    def __init__(self, directory: Path, max_bytes: int | None = None) -> None:
        """Keep what is set aside in ``directory`` (made when needed)."""
        self.directory = directory
        self.max_bytes = DAMAGED_MAX_BYTES if max_bytes is None else max_bytes
        self.records = 0  # unsent records the damage took
        self.bytes = 0
        self.dropped = 0  # set-aside bytes removed to stay within the bound

    def load(self) -> None:
        """Take up the totals where the entries kept leave them."""
        try:
            names = [path.name for path in self.directory.iterdir()]
        except OSError:
            return  # nothing set aside yet (or nothing readable)
        for name in names:
            records, size = _totals(name)
            self.records = max(self.records, records)
            self.bytes = max(self.bytes, size)

    def kept(self) -> bool:
        """Whether damaged bytes are kept aside (until a human removes them)."""
        try:
            return any(self.directory.iterdir())
        except OSError:
            return False

    def bound(self, newest: Path) -> None:
        """Drop the oldest entries past the bound, then the newest's tail."""
        dropped = entries = 0
        try:
            sizes = {path: _entry_size(path) for path in self.directory.iterdir()}
            total = sum(sizes.values())
            for path in sorted(sizes.keys() - {newest}, key=_age):
                if total <= self.max_bytes:
                    break
                _remove(path)
                total -= sizes[path]
                dropped += sizes[path]
                entries += 1
            if total > self.max_bytes and newest in sizes:
                keep = max(0, sizes[newest] - (total - self.max_bytes))
                if _is_dir(newest):
                    # Its name (the totals) stays, as an empty file.
                    _remove(newest)
                    newest.touch()
                    keep = 0
                else:
                    os.truncate(newest, keep)
                dropped += sizes[newest] - keep
        except OSError as err:
            LOGGER.warning(
                "Cannot keep %s within %d bytes: %s",
                self.directory,
                self.max_bytes,
                err,
            )
        if dropped:
            self.dropped += dropped
            LOGGER.warning(
                "%s grew past %d bytes: dropped %d bytes of its oldest damaged"
                " outbox data (%d entries; %d bytes since setup); the %d damaged"
                " records stay counted",
                self.directory,
                self.max_bytes,
                dropped,
                entries,
                self.dropped,
                self.records,
            )
