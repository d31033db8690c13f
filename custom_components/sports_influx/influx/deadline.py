"""A total deadline for each request of the write client.

urllib3 applies its read timeout to every ``recv``, not to the request: a
server that sends a byte now and then holds a write as long as it likes.
Here the connections of the write client's pool keep the deadline of the
request running in their thread: every send and receive on their socket
may wait only for what is left of it. ``Deadline.expire`` ends the request
at once from another thread (the writer closing): it shuts the socket, and
the blocked call returns.

No thread is started: the request's own thread keeps its deadline.
"""

from __future__ import annotations

import contextlib
import importlib
import socket
import ssl
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

_urllib3: Any = importlib.import_module("urllib3")
_connection: Any = importlib.import_module("urllib3.connection")
_current = threading.local()


class Deadline:
    """One request's deadline, kept in the thread that runs it."""

    def __init__(self, seconds: float) -> None:
        """Armed by ``with``; ``expire`` ends it early from any thread."""
        self._seconds = seconds
        self.end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        # Ended by ``expire`` before its time.
        self.ended_early = False

    def __enter__(self) -> Deadline:
        """Start the clock; requests in this thread keep it."""
        self.end = time.monotonic() + self._seconds
        _current.deadline = self
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the clock."""
        _current.deadline = None

    @property
    def passed(self) -> bool:
        """Whether the request's time is up (or it was ended)."""
        return self._expired or time.monotonic() >= self.end

    def left(self) -> float:
        """Seconds left; ``TimeoutError`` when none are."""
        left = self.end - time.monotonic()
        if self._expired or left <= 0:
            raise TimeoutError("the request's deadline passed")
        return left

    def attach(self, sock: socket.socket) -> None:
        """``sock`` carries this request (ended with it)."""
        with self._lock:
            if self._expired:
                raise TimeoutError("the request's deadline passed")
            self._sockets.append(sock)

    def expire(self) -> None:
        """End the request now: shut its socket (thread-safe, never blocks)."""
        with self._lock:
            if self._expired:
                return
            self._expired = True
            self.ended_early = True
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _keep(sock: socket.socket) -> None:
    """Before a send or receive: wait at most what the deadline leaves."""
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        sock.settimeout(deadline.left())


# The mixin reads as a socket to mypy. At run time it has no base of its
# own, so each subclass keeps the memory layout of the socket class it
# extends, which swapping a live socket's ``__class__`` requires.
if TYPE_CHECKING:
    _SocketBase = socket.socket
else:
    _SocketBase = object


class _Keeps(_SocketBase):
    """Sends and receives that wait at most what the deadline leaves."""

    __slots__ = ()

    def recv_into(self, *args: Any, **kwargs: Any) -> int:
        _keep(self)
        return super().recv_into(*args, **kwargs)

    def recv(self, *args: Any, **kwargs: Any) -> bytes:
        _keep(self)
        return super().recv(*args, **kwargs)

    def sendall(self, *args: Any, **kwargs: Any) -> None:
        _keep(self)
        super().sendall(*args, **kwargs)


class _Socket(_Keeps, socket.socket):
    __slots__ = ()


class _SSLSocket(_Keeps, ssl.SSLSocket):
    pass


_KEEPING = {socket.socket: _Socket, ssl.SSLSocket: _SSLSocket}


def _track(connection: Any) -> None:
    """The connection's socket keeps deadlines; this request's is attached."""
    sock = connection.sock
    if sock is None:
        return
    if (keeping := _KEEPING.get(type(sock))) is not None:
        sock.__class__ = keeping
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.attach(sock)


def _keeping_deadlines(base: Any) -> Any:
    """A subclass of a urllib3 connection class whose sockets keep them."""

    def connect(self: Any) -> None:
        base.connect(self)
        _track(self)

    def request(self: Any, *args: Any, **kwargs: Any) -> Any:
        # A connection from the pool is connected already.
        _track(self)
        return base.request(self, *args, **kwargs)

    return type(
        f"Deadline{base.__name__}", (base,), {"connect": connect, "request": request}
    )


def _pool(base: Any, connection: Any) -> Any:
    return type(
        f"Deadline{base.__name__}",
        (base,),
        {"ConnectionCls": _keeping_deadlines(connection)},
    )


# urllib3 1.26 (HA 2025.4) has no type hints and 2.x does: the classes are
# made at run time, the same for both, once.
_POOL_CLASSES = {
    "http": _pool(_urllib3.HTTPConnectionPool, _connection.HTTPConnection),
    "https": _pool(_urllib3.HTTPSConnectionPool, _connection.HTTPSConnection),
}


def install(pool_manager: Any) -> None:
    """Make a urllib3 pool manager's requests keep their thread's ``Deadline``."""
    pool_manager.pool_classes_by_scheme = dict(_POOL_CLASSES)
