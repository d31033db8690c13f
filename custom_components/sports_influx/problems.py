"""What goes wrong while writing: how it is logged and reported upward."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import re

from .const import LOGGER
from .influx.errors import WriteError
from .influx.v1 import CONFLICT_RE


@dataclass(frozen=True, slots=True)
class RejectedReport:
    """What to tell the user about refused points."""

    count: int
    measurement: str
    field: str
    message: str
    path: str | None


class WriterProblems:
    """What the writer reports upward (repair issues, reauth); no-ops here."""

    def auth_failed(self) -> None:
        """The token was refused while writing."""

    def rejected(self, report: RejectedReport) -> None:
        """Points were refused for good and quarantined."""

    def dropped(self, total: int) -> None:
        """The outbox dropped its oldest points to stay in its bound."""

    def drained(self) -> None:
        """The outbox is empty again."""

    def damaged(self, records: int, size: int, where: str) -> None:
        """Damaged outbox bytes were set aside in ``where`` (totals so far)."""

    def damage_resolved(self) -> None:
        """No damaged outbox bytes are kept (any more)."""

    def unspooled(self, total: int, error: str) -> None:
        """Points could not be stored in the outbox (``total`` so far)."""

    def spooled(self) -> None:
        """The outbox stores points again."""


class OnceLog:
    """Log each kind of failure once until writes succeed again."""

    def __init__(self) -> None:
        """Nothing logged yet."""
        self._logged: set[str] = set()

    def warning(self, key: str, msg: str, *args: object) -> None:
        """A warning the first time ``key`` fails, debug after that."""
        if key in self._logged:
            LOGGER.debug(msg, *args)
            return
        self._logged.add(key)
        LOGGER.warning(msg, *args)

    def reset(self) -> None:
        """Writes succeed again: the next failure is news."""
        self._logged.clear()


def rejected_lines(err: WriteError, lines: Sequence[str]) -> list[str]:
    """The lines a refusal names (the client finds them), or all."""
    if err.lines:
        by_number = dict(enumerate(lines, start=1))
        return [
            rejected.line or by_number.get(rejected.line_number, "")
            for rejected in err.lines
        ]
    return list(lines)


def _printable(text: str) -> str:
    """Text a UTF-8 file can hold (a lone surrogate as its escape)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def by_error(err: WriteError, bad: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Refused lines grouped by the server's message for each."""
    groups: dict[str, list[str]] = {}
    errors = [r.error for r in err.lines] if len(err.lines) == len(bad) else []
    for n, line in enumerate(bad):
        message = _printable(errors[n] if errors else err.message)
        groups.setdefault(message, []).append(_printable(line))
    return list(groups.items())


def rejection_subject(err: WriteError, bad: Sequence[str]) -> tuple[str, str]:
    """(measurement, field) to name in the repair issue, as well as known."""
    if match := CONFLICT_RE.search(err.message):
        return match["measurement"], match["field"]
    for rejected in err.lines:
        if found := re.search(r"column (?:type )?(?:for )?'?(\w+)'?", rejected.error):
            return _measurement_of(bad[0]) if bad else "?", found.group(1)
    return (_measurement_of(bad[0]) if bad else "?"), "?"


def _measurement_of(line: str) -> str:
    return re.split(r"(?<!\\)[ ,]", line, maxsplit=1)[0]
