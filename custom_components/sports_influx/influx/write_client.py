"""The only module that uses influxdb3-python: one request per ``post``.

influxdb3-python is synchronous (``write`` and ``close`` block: executor
only) and imports pyarrow, numpy and gRPC Flight with its package, so it
is imported when the client is first built, in the executor, not with HA.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .deadline import Deadline, install as install_deadline
from .errors import RejectedLine, WriteError

if TYPE_CHECKING:
    from influxdb_client_3 import InfluxDBClient3
    from influxdb_client_3.exceptions.exceptions import InfluxDBError

_RETRYABLE_STATUS = frozenset({408, 429})

# Reads how many lines a refusal's message says were dropped.
type RefusedCount = Callable[[str], int | None]


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def write_error_from(err: InfluxDBError, refused_count: RefusedCount) -> WriteError:
    """Classify an influxdb3-python write exception."""
    # Loaded already: the exception came from the library.
    from influxdb_client_3.exceptions.exceptions import InfluxDBPartialWriteError

    response = err.response
    if response is None:
        return WriteError(err.message, status=None, retryable=True)
    status = int(response.status)
    message = str(err.message)
    if isinstance(err, InfluxDBPartialWriteError):
        lines = [
            RejectedLine(e.line_number, e.error_message, e.original_line)
            for e in err.line_errors
        ]
        return WriteError(
            message, status=status, retryable=False, rejected=len(lines), lines=lines
        )
    return WriteError(
        message,
        status=status,
        retryable=status >= 500 or status in _RETRYABLE_STATUS,
        rejected=refused_count(message),
        retry_after=_retry_after(err.retry_after),
    )


class WriteClient:
    """Line protocol to one server; each request ended by a total deadline.

    The library's client is open only while there is something to send:
    a request opens it, ``release`` closes it once the writer has had
    nothing to send for a while. Its construction also starts a Flight
    (gRPC) query client, which this one never uses and which the library
    has no public way to leave out; its threads keep waking up while the
    client is open, and stop when it is closed. One lock keeps a request
    and a close apart: no request meets a closed client.
    """

    def __init__(
        self,
        host: str,
        token: str,
        database: str,
        *,
        org: str | None,
        auth_scheme: str,
        v2_api: bool,
        verify_ssl: bool,
        timeout: float,
        refused_count: RefusedCount,
    ) -> None:
        """Remember the connection; nothing is opened yet.

        ``v2_api``: write to ``/api/v2/write`` (1.8+, 2.x), not
        ``/api/v3/write_lp``; ``refused_count`` reads the server's refusals.
        """
        self._host = host
        self._token = token
        self._database = database
        self._org = org
        self._auth_scheme = auth_scheme
        self._v2_api = v2_api
        self._verify_ssl = verify_ssl
        self.timeout = timeout
        self._refused_count = refused_count
        self._client: InfluxDBClient3 | None = None
        # Held by the request that runs, or by a close.
        self._lock = threading.Lock()
        self._deadline: Deadline | None = None
        self._aborted = False
        self._closed = False

    @property
    def is_open(self) -> bool:
        """Whether the library's client, and so its gRPC threads, is open."""
        return self._client is not None

    def _open(self) -> InfluxDBClient3:
        """The library's client, opened if needed (the lock held)."""
        if self._client is None:
            from influxdb_client_3 import InfluxDBClient3

            parts = urlsplit(self._host)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            client = InfluxDBClient3(
                host=self._host,
                token=self._token or "none",
                database=self._database,
                org=self._org,
                auth_scheme=self._auth_scheme,
                # The client defaults to 443 when the URL has no port.
                write_port_overwrite=port,
                verify_ssl=self._verify_ssl,
                write_timeout=int(self.timeout * 1000),
                write_use_v2_api=self._v2_api,
            )
            # urllib3's read timeout bounds each recv, not the request.
            install_deadline(client.rest_client.pool_manager)
            self._client = client
        return self._client

    def prepare(self) -> None:
        """Load the library and open and close its client once (blocking).

        Importing it (pyarrow, numpy, gRPC) costs far more than a request:
        done at setup, the first write does not wait for it.
        """
        with self._lock:
            self._open()
            self._shut()

    def post(self, bucket: str, lines: Sequence[str]) -> None:
        """One request, ended at ``timeout`` whatever the server does."""
        body = "\n".join(lines).encode("utf-8")
        try:
            with self._lock:
                self._write(bucket, body)
        finally:
            if self._closed:
                # Closed while this request ran: the close was left to it.
                self.release()

    def _write(self, bucket: str, body: bytes) -> None:
        """The request itself (the lock held)."""
        from influxdb_client_3 import WritePrecision
        from influxdb_client_3.exceptions.exceptions import InfluxDBError

        deadline = Deadline(self.timeout)
        self._deadline = deadline
        if self._aborted or self._closed:
            self._deadline = None
            raise WriteError("the writer is closing", status=None, retryable=True)
        try:
            with deadline:
                self._open().write(
                    record=body, database=bucket, write_precision=WritePrecision.NS
                )
        except InfluxDBError as err:
            raise write_error_from(err, self._refused_count) from err
        except Exception as err:  # urllib3 raises many kinds; all mean unreachable
            if deadline.passed:
                # It may have landed: a retry writes the same points again.
                message = f"no answer within {self.timeout:.0f} s"
                if deadline.ended_early:
                    message = "ended by closing before the server answered"
                raise WriteError(message, status=None, retryable=True) from err
            raise WriteError(f"{err!r}", status=None, retryable=True) from err
        finally:
            self._deadline = None

    def abort(self) -> None:
        """End the request in flight now and refuse further ones.

        Thread-safe and never blocks: called from the loop while a write
        runs in the executor.
        """
        self._aborted = True
        if (deadline := self._deadline) is not None:
            deadline.expire()

    def release(self) -> None:
        """Close the library's client until the next request (blocking).

        Never waits for a request: one that runs now belongs to a drain,
        which releases the client as it ends, or to a closing writer,
        whose request closes it as it ends.
        """
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._shut()
        finally:
            self._lock.release()

    def close(self) -> None:
        """Refuse further requests and close the library's client.

        Never waits: a request that cannot be ended (a connect that hangs)
        closes the client as it ends.
        """
        self._closed = True
        self.release()

    def _shut(self) -> None:
        """Close the library's client, if open (the lock held)."""
        client, self._client = self._client, None
        if client is not None:
            client.close()
