"""What a server is and what it said: kinds, versions, destinations, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
import re
from urllib.parse import urlsplit

from ..schema import Destination, RetentionClass
from .errors import InfluxError


class ServerKind(StrEnum):
    """Major InfluxDB versions, which differ in routes and auth."""

    V1 = "1"
    V2 = "2"
    V3 = "3"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``/ping`` said."""

    kind: ServerKind
    version: str
    build: str | None


class CannotConnectError(InfluxError):
    """The server cannot be reached or answers garbage."""


class InvalidAuthError(InfluxError):
    """The token was refused."""


class DatabaseNotFoundError(InfluxError):
    """The database (bucket) does not exist and could not be created."""


class StatementError(InfluxError):
    """An InfluxQL statement the server refused (1.x ``/query``)."""


class UnsupportedQueryError(InfluxError):
    """The server does not speak the query language asked for."""


def check_auth(status: int, what: str) -> None:
    """Raise ``InvalidAuthError`` for 401 and 403."""
    if status in (401, 403):
        raise InvalidAuthError(f"{what} answered {status}")


class DestinationState(StrEnum):
    """What setup found for a database, retention policy or bucket."""

    CREATED = "created"
    EXISTS = "exists"
    # Exists with another retention than the schema's: used, left alone.
    OTHER_RETENTION = "other_retention"
    # Does not exist and could not be created: its points fail.
    MISSING = "missing"


@dataclass(slots=True)
class DestinationStatus:
    """One place points are written to, as the server reported it."""

    bucket: str
    classes: list[RetentionClass]
    state: DestinationState
    # The destination as the schema gives it (not shown in diagnostics).
    destination: Destination = field(repr=False)
    # What the integration creates it with ("730d"); None on 2.x.
    wanted: str | None
    # What the server says: 1.x/3.x a duration ("17520h0m0s", "0s" =
    # forever), 2.x the bucket's retentionRules.
    actual: object = None
    # Creation was refused for lack of rights (401/403).
    forbidden: bool = False
    error: str | None = None
    # What an administrator runs to create it by hand (1.x, 3.x).
    command: str | None = None

    def as_dict(self) -> dict[str, object]:
        """A plain copy for diagnostics."""
        return {
            "bucket": self.bucket,
            "classes": [str(c) for c in self.classes],
            "state": str(self.state),
            "wanted": self.wanted,
            "actual": self.actual,
            "forbidden": self.forbidden,
            "error": self.error,
            "command": self.command,
        }

    def compare(self, actual: object) -> None:
        """Record the server's retention; flag one that differs."""
        self.actual = actual
        wanted = self.destination.period
        if wanted is not None and parse_go_duration(actual) != wanted:
            self.state = DestinationState.OTHER_RETENTION


# Go durations as 1.x and 3.x print them in SHOW RETENTION POLICIES.
_GO_DURATION_RE = re.compile(r"(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?")


def parse_version(header: str | None) -> ServerKind | None:
    """Map an ``X-Influxdb-Version`` header to a server kind."""
    if not header:
        return None
    major = header.strip().lstrip("vV").split(".", 1)[0]
    try:
        return ServerKind(major)
    except ValueError:
        return None


def parse_go_duration(text: object) -> timedelta | None:
    """``17520h0m0s`` -> 730 days; ``0s`` (forever) and garbage -> None."""
    if not isinstance(text, str) or not text:
        return None
    match = _GO_DURATION_RE.fullmatch(text)
    if match is None:
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    period = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return period or None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_host(host: str) -> str:
    """One spelling per server: the key of the already-configured check.

    A missing scheme means http; scheme and host name are lower case (an
    internationalised name in its ASCII form), the scheme's default port and
    trailing slashes are dropped, a path prefix is kept. User info is kept
    (the config flow refuses it; entries made before it did still use it).
    """
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
    try:
        parts = urlsplit(host)
        port = parts.port
    except ValueError:
        return host
    scheme = parts.scheme.lower()
    name = parts.hostname or ""
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:  # not a valid name: the server will not answer it
        name = name.strip()
    if ":" in name:
        name = f"[{name}]"
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@{name}" if userinfo else name
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"
