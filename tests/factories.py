"""Builders shared by the tests: faults injected into files and writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
import errno
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest.mock import patch


def flip_byte(path: Path, offset: int, mask: int = 0x01) -> None:
    """Damage one byte of a file in place (bit rot, a torn copy)."""
    with path.open("r+b") as file:
        file.seek(offset)
        byte = file.read(1)[0]
        file.seek(offset)
        file.write(bytes([byte ^ mask]))


@contextmanager
def fail_writes(
    os_module: ModuleType,
    cut: float,
    *,
    where: str = "write",
    undo_fails: bool = False,
    only: str | None = None,
) -> Iterator[None]:
    """Writes through ``os_module`` fail like a full (or failing) disk.

    ``where="write"``: ``os.write`` writes the first ``cut`` share of its
    bytes, then raises ENOSPC; ``where="fsync"``: ``os.fsync`` raises EIO.
    ``undo_fails``: ``os.ftruncate`` raises EIO too. ``only``: fail only for
    paths that contain this text (other writes go on), and then files opened
    for writing with ``Path.open`` fail the same way.
    """
    real_write = os_module.write

    def hits(fd: int) -> bool:
        return only is None or only in os_module.readlink(f"/proc/self/fd/{fd}")

    def write(fd: int, data: Any) -> int:
        if not hits(fd):
            return int(real_write(fd, data))
        real_write(fd, bytes(data[: int(len(data) * cut)]))
        raise OSError(errno.ENOSPC, "No space left on device")

    def eio(real: Any) -> Any:
        def fail(fd: int, *args: Any) -> Any:
            if not hits(fd):
                return real(fd, *args)
            raise OSError(errno.EIO, "Input/output error")

        return fail

    with ExitStack() as stack:
        if where == "write":
            stack.enter_context(patch.object(os_module, "write", write))
        else:
            stack.enter_context(patch.object(os_module, "fsync", eio(os_module.fsync)))
        if undo_fails:
            stack.enter_context(
                patch.object(os_module, "ftruncate", eio(os_module.ftruncate))
            )
        if only is not None:
            stack.enter_context(_failing_file_writes(only, cut, where))
        yield


class _FailingFile:
    """A file whose writes stop part-way with ENOSPC (or whose flush fails)."""

    def __init__(self, file: Any, cut: float, where: str) -> None:
        self._file = file
        self._cut = cut
        self._where = where

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def write(self, data: Any) -> int:
        if self._where != "write":
            return int(self._file.write(data))
        self._file.write(data[: int(len(data) * self._cut)])
        self._file.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        self._file.flush()
        if self._where != "write":
            raise OSError(errno.EIO, "Input/output error")


def _failing_file_writes(only: str, cut: float, where: str) -> Any:
    real_open = Path.open

    def open_(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        file = real_open(self, mode, *args, **kwargs)
        if only in str(self) and any(m in mode for m in "wa+"):
            return _FailingFile(file, cut, where)
        return file

    return patch.object(Path, "open", open_)
