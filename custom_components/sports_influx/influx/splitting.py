"""One write, however large, in requests a server takes; what it refused.

Pure logic around a blocking ``post(lines)`` (the client's one request):

* requests stay under a size in bytes; a 413 (the server or a proxy finds
  the body too large) halves the request and lowers the size for the rest
  of the write, down to a single line, which alone is refused;
* a refusal that does not name its lines (1.x: "unable to parse ..." with
  no count, or a count without names) is narrowed down by splitting and
  resending: a part the server takes is stored (a point resent is the same
  point: same series and timestamp), a single line it refuses is refused;
* lines UTF-8 cannot encode are refused without being sent.

The outcome is a ``WriteError`` naming exactly the refused lines, so the
writer counts the rest as written and quarantines only those.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from ..lineprotocol import encodable
from .errors import RejectedLine, WriteError

type Post = Callable[[Sequence[str]], None]

# Statuses that refuse lines one by one (the others refuse the request).
_PER_LINE = frozenset({400, 422})
_AUTH = frozenset({401, 403})
_TOO_LARGE = 413

# Which lines of a run a refusal's message points at (the server's dialect).
type Suspects = Callable[[str, Sequence[str], list[int]], list[int]]


def line_bytes(line: str) -> int:
    """A line's size in a request body, its newline included."""
    if line.isascii():
        return len(line) + 1
    return len(line.encode("utf-8", "surrogatepass")) + 1


def by_bytes(lines: Sequence[str], max_bytes: int) -> list[list[str]]:
    """Lines in order, in runs of at most ``max_bytes`` (a longer line alone)."""
    return [
        [lines[i] for i in run] for run in _runs(range(len(lines)), lines, max_bytes)
    ]


def _runs(
    indices: Sequence[int], lines: Sequence[str], max_bytes: int
) -> list[list[int]]:
    runs: list[list[int]] = []
    run: list[int] = []
    size = 0
    for index in indices:
        cost = line_bytes(lines[index])
        if run and size + cost > max_bytes:
            runs.append(run)
            run, size = [], 0
        run.append(index)
        size += cost
    if run:
        runs.append(run)
    return runs


class Splitter:
    """Writes through ``post`` and finds what was refused (one client)."""

    def __init__(self, max_bytes: int, max_refused: int, suspects: Suspects) -> None:
        """``max_bytes``: request size; lowered for good by a 413.

        ``suspects``: the server's hint of where a refusal lies, split off
        first; what the server then takes or refuses decides.
        """
        self.max_bytes = max_bytes
        self._max_refused = max_refused
        self._suspects = suspects

    def write(self, post: Post, lines: Sequence[str]) -> None:
        """Write every line; raise ``WriteError``.

        Retryable and auth errors are raised as they come (what was
        written before is written again later, harmlessly). Refusals are
        collected and raised at the end, naming exactly the refused lines.
        """
        refused: list[RejectedLine] = []
        first: WriteError | None = None
        todo: deque[list[int]] = deque()
        sendable = []
        for index, line in enumerate(lines):
            if encodable(line):
                sendable.append(index)
            else:
                refused.append(
                    RejectedLine(index + 1, "text UTF-8 cannot encode", line)
                )
        todo.extend(_runs(sendable, lines, self.max_bytes))
        failures = 0
        while todo:
            run = todo.popleft()
            size = sum(line_bytes(lines[i]) for i in run)
            if len(run) > 1 and size > self.max_bytes:
                todo.extendleft(reversed(_runs(run, lines, self.max_bytes)))
                continue
            try:
                post([lines[i] for i in run])
            except WriteError as err:
                if err.retryable or err.status in _AUTH:
                    raise
                failures += 1
                parts = self._parts(err, lines, run, size, failures)
                if parts is None:
                    found = self._refusals(err, lines, run)
                    first = first or WriteError(
                        found[0].error, status=err.status, retryable=False
                    )
                    refused.extend(found)
                else:
                    todo.extendleft(reversed(parts))
        if refused:
            # Named after the first refusal; each line keeps its own reason.
            refused.sort(key=lambda r: r.line_number)
            raise WriteError(
                first.message if first else refused[0].error,
                status=first.status if first else None,
                retryable=False,
                rejected=len(refused),
                lines=refused,
            )

    def _parts(
        self,
        err: WriteError,
        lines: Sequence[str],
        run: list[int],
        size: int,
        failures: int,
    ) -> list[list[int]] | None:
        """How to resend a refused run; None: its refusal is final."""
        if len(run) == 1 or err.lines:
            return None
        if err.status == _TOO_LARGE:
            # Every later request of this client stays under it too.
            self.max_bytes = max(1, min(self.max_bytes, size // 2))
            return _runs(run, lines, self.max_bytes)
        if err.status not in _PER_LINE and err.rejected is None:
            return None
        if err.rejected is not None and err.rejected >= len(run):
            return None
        if failures > self._max_refused:
            return None
        suspects = self._suspects(err.message, lines, run)
        if 0 < len(suspects) < len(run):
            chosen = set(suspects)
            return [[i for i in run if i not in chosen], suspects]
        half = len(run) // 2
        return [run[:half], run[half:]]

    @staticmethod
    def _refusals(
        err: WriteError, lines: Sequence[str], run: list[int]
    ) -> list[RejectedLine]:
        if err.lines:
            # The server named them (3.x): the rest of the run is stored.
            named = []
            for rejected in err.lines:
                position = rejected.line_number - 1
                index = run[position] if 0 <= position < len(run) else run[0]
                named.append(
                    RejectedLine(
                        index + 1, rejected.error, rejected.line or lines[index]
                    )
                )
            return named
        error = err.message
        if err.status == _TOO_LARGE:
            # The answer is the proxy's HTML page more often than not.
            error = "HTTP 413: a line larger than the server or a proxy takes"
        return [RejectedLine(i + 1, error, lines[i]) for i in run]
