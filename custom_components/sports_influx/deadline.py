"""A total deadline for each request of the write client.

urllib3 applies its read timeout to every ``recv``, not to the request: a
server that sends a byte now and then holds a write as long as it likes.
Here the connections of the write client's pool tell the deadline of the
request running in their thread which socket it uses; when the deadline
passes (or the writer closes) that socket is shut down, the blocked
``recv`` returns at once and the request fails as a connection error.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import threading
from types import TracebackType
from typing import Any

_urllib3: Any = importlib.import_module("urllib3")
_connection: Any = importlib.import_module("urllib3.connection")
_current = threading.local()


class DeadlineExpiredError(TimeoutError):
    """The request's deadline passed before it was sent."""


class Deadline:
    """Ends one request (in the thread that runs it) after ``seconds``."""

    def __init__(self, seconds: float) -> None:
        """Armed by ``with``; ``expire`` ends it early from any thread."""
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self.expired = False
        # Ended by ``expire(early=True)`` before its time.
        self.ended_early = False
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        """Start the clock; requests in this thread attach to it."""
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the clock."""
        self._timer.cancel()
        _current.deadline = None

    def attach(self, connection: Any) -> None:
        """``connection`` sends this request; refused once time is up."""
        with self._lock:
            if self.expired:
                raise DeadlineExpiredError
            self._connections.append(connection)

    def expire(self, *, early: bool = False) -> None:
        """Time is up: shut the request's socket (thread-safe, never blocks)."""
        with self._lock:
            if self.expired:
                return
            self.expired = True
            self.ended_early = early
            connections = list(self._connections)
        for connection in connections:
            sock = connection.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _attach(connection: Any) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.attach(connection)


def _keeping_deadlines(base: Any) -> Any:
    """A subclass of a urllib3 connection class whose requests attach."""

    def request(self: Any, *args: Any, **kwargs: Any) -> Any:
        _attach(self)
        return base.request(self, *args, **kwargs)

    return type(f"Deadline{base.__name__}", (base,), {"request": request})


def _pool(base: Any, connection: Any) -> Any:
    return type(
        f"Deadline{base.__name__}",
        (base,),
        {"ConnectionCls": _keeping_deadlines(connection)},
    )


def install(pool_manager: Any) -> None:
    """Make a urllib3 pool manager's requests keep their thread's ``Deadline``.

    urllib3 1.26 (HA 2025.4) has no type hints and 2.x does: the classes
    are made at run time, the same for both.
    """
    pool_manager.pool_classes_by_scheme = {
        "http": _pool(_urllib3.HTTPConnectionPool, _connection.HTTPConnection),
        "https": _pool(_urllib3.HTTPSConnectionPool, _connection.HTTPSConnection),
    }
