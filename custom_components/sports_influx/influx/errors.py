"""What a write can end with: the client raises these, the writer reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class InfluxError(Exception):
    """Base error of the client."""


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """One line the server refused, as it named it."""

    line_number: int
    error: str
    line: str


class WriteError(InfluxError):
    """A write failed.

    ``retryable``: a retry may succeed (connection, 5xx, 408, 429).
    ``rejected``: how many lines the server refused for good, when known
    (a partial write stores the rest); ``lines``: those lines, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        retryable: bool,
        rejected: int | None = None,
        lines: Sequence[RejectedLine] = (),
        retry_after: float | None = None,
    ) -> None:
        """Store what the server said."""
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.rejected = rejected
        self.lines = tuple(lines)
        self.retry_after = retry_after
