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
    file descriptors whose path contains this text (other writes go on).
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
        yield
