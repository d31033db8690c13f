"""HTTP plumbing of the fake: requests, responses, the threaded server.

Stdlib only (``http.server`` + ``threading``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from .server import FakeInfluxDB3


@dataclass
class RecordedRequest:
    """One request as received (header names lower-cased, body as sent)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Request:
    method: str
    path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, {"Content-Type": "application/json"})


def error(status: int, message: str) -> Response:
    # openapi: components.schemas.ErrorMessage {"error": ..., "data": ...}.
    return json_response(status, {"error": message})


def text(status: int, message: str) -> Response:
    return Response(
        status, message.encode(), {"Content-Type": "text/plain; charset=utf-8"}
    )


def v2_error(status: int, code: str, message: str) -> Response:
    # source: http.rs V2ErrorResponse {"code": ..., "message": ...}; openapi
    # gives no body for /api/v2/write errors.
    return json_response(status, {"code": code, "message": message})


def parse_bool(value: str) -> bool | None:
    # source: serde_urlencoded booleans accept exactly "true" / "false".
    return {"true": True, "false": False}.get(value)


class Server(ThreadingHTTPServer):
    # Handler threads are not daemons, so ThreadingMixIn tracks them and
    # server_close() joins them (it ignores daemon threads); stop() first
    # shuts their sockets down so that idle keep-alive connections end.
    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeInfluxDB3) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Registered here, in the serving thread, so that no connection
        # accepted before shutdown() returns can escape stop().
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about connections dropped while stopping."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """No access log."""

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(
                    self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16
                )
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        fake = cast(Server, self.server).fake
        if fake.delay:
            # Test hook, not API behaviour: a server slow to answer.
            time.sleep(fake.delay)
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > fake.max_request_bytes:
            # openapi: write endpoints, response 413 "Request entity too large";
            # source text: "max request size ({n} bytes) exceeded".
            self.close_connection = True
            response = text(
                413, f"max request size ({fake.max_request_bytes} bytes) exceeded"
            )
            self._send(fake, response)
            return
        request = Request(
            method=self.command,
            path=split.path,
            raw_query=split.query,
            query=dict(reversed(parse_qsl(split.query, keep_blank_values=True))),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self._read_body(),
        )
        self._send(fake, fake.handle(request))

    def _send(self, fake: FakeInfluxDB3, response: Response) -> None:
        self.send_response(response.status)
        headers = dict(response.headers)
        # v3-write-lp.md "Response headers": cluster-uuid on all responses.
        headers.setdefault("cluster-uuid", fake.cluster_uuid)
        for key, value in headers.items():
            self.send_header(key, value)
        # RFC 9110: no Content-Length on 204.
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status != 204:
            self.wfile.write(response.body)

    do_GET = _dispatch  # noqa: N815
    do_POST = _dispatch  # noqa: N815
    do_PUT = _dispatch  # noqa: N815
    do_PATCH = _dispatch  # noqa: N815
    do_DELETE = _dispatch  # noqa: N815
    do_HEAD = _dispatch  # noqa: N815
    do_OPTIONS = _dispatch  # noqa: N815
