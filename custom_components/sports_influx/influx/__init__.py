"""The InfluxDB server: one dialect per server kind behind ``InfluxClient``."""

from .client import InfluxClient
from .errors import InfluxError, RejectedLine, WriteError
from .server import (
    CannotConnectError,
    DatabaseNotFoundError,
    DestinationState,
    DestinationStatus,
    InvalidAuthError,
    ServerInfo,
    ServerKind,
    StatementError,
    UnsupportedQueryError,
    normalize_host,
    parse_go_duration,
    parse_version,
)

__all__ = [
    "CannotConnectError",
    "DatabaseNotFoundError",
    "DestinationState",
    "DestinationStatus",
    "InfluxClient",
    "InfluxError",
    "InvalidAuthError",
    "RejectedLine",
    "ServerInfo",
    "ServerKind",
    "StatementError",
    "UnsupportedQueryError",
    "WriteError",
    "normalize_host",
    "parse_go_duration",
    "parse_version",
]
