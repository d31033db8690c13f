"""The only module that uses influxdb3-python: one request per ``post``.

influxdb3-python is synchronous (``write`` and ``close`` block: executor
only) and imports pyarrow, numpy and gRPC Flight with its package, so it
is imported when the client is first built, in the executor, not with HA.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    """Line protocol to one server; each request ended by a total deadline."""

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
        """Remember the connection; nothing is built yet.

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
        self._deadline: Deadline | None = None
        self._aborted = False

    def build(self) -> InfluxDBClient3:
        """The library's client, built on first use (blocking: executor only)."""
        if self._client is None:
            from influxdb_client_3 import InfluxDBClient3

            parts = urlsplit(self._host)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            # The library also opens a Flight (gRPC) query client, which this
            # one never uses: it has no public way to leave it out, and its
            # threads run until close().
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

    def post(self, bucket: str, lines: Sequence[str]) -> None:
        """One request, ended at ``timeout`` whatever the server does."""
        from influxdb_client_3 import WritePrecision
        from influxdb_client_3.exceptions.exceptions import InfluxDBError

        body = "\n".join(lines).encode("utf-8")
        deadline = Deadline(self.timeout)
        self._deadline = deadline
        if self._aborted:
            self._deadline = None
            raise WriteError("the writer is closing", status=None, retryable=True)
        try:
            with deadline:
                self.build().write(
                    record=body, database=bucket, write_precision=WritePrecision.NS
                )
        except InfluxDBError as err:
            raise write_error_from(err, self._refused_count) from err
        except WriteError:
            raise
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

    def close(self) -> None:
        """Release the HTTP pool and the library's query client."""
        if self._client is not None:
            self._client.close()
            self._client = None
