"""Tests for scripts/influx_stack.py against real influxd and nginx.

Only pytest and the stdlib: no Home Assistant.  All traffic goes to
127.0.0.1, and sockets are opened inside ``_loopback_sockets`` so the tests
also pass in the pytest-homeassistant-custom-component suite, whose per-test
setup blocks every non-Unix socket through pytest-socket.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import importlib
import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
from typing import Any
import urllib.error
import urllib.parse
import uuid

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import influx_stack  # noqa: E402
from influx_stack import HttpResponse, Stack, http_request  # noqa: E402

T_NS = 1_700_000_000_123_456_789
# precision name -> nanoseconds per unit
V3_PRECISIONS = {
    "nanosecond": 1,
    "microsecond": 1_000,
    "millisecond": 1_000_000,
    "second": 1_000_000_000,
}
V2_PRECISIONS = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
LP = "m v=1i 1700000000"
LP_NS = 1_700_000_000_000_000_000  # LP's time read back at second precision


@contextlib.contextmanager
def _loopback_sockets() -> Iterator[None]:
    """Allow real sockets, to 127.0.0.1 only, while pytest-socket blocks them."""
    guard = socket.socket
    if guard.__module__ != "pytest_socket":  # not blocked: nothing to undo
        yield
        return
    pytest_socket = importlib.import_module("pytest_socket")
    pytest_socket.enable_socket()
    # Re-applied after enable_socket so connect() stays limited to loopback.
    pytest_socket.socket_allow_hosts(["127.0.0.1"])
    try:
        yield
    finally:
        socket.socket = guard  # type: ignore[misc]  # the suite's own guard


@pytest.fixture(autouse=True)
def _sockets() -> Iterator[None]:
    with _loopback_sockets():
        yield


def _find(binary: str) -> str | None:
    candidates = (f"/usr/bin/{binary}", f"/usr/sbin/{binary}")
    return shutil.which(binary) or next(
        (p for p in candidates if os.access(p, os.X_OK)), None
    )


def _require_binaries() -> None:
    missing = [b for b in ("influxd", "nginx") if not _find(b)]
    if missing:
        msg = f"{', '.join(missing)} not installed (apt-get install influxdb nginx)"
        # CI installs both; a skip there would hide a broken install step.
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    _require_binaries()
    with _loopback_sockets():
        st = influx_stack.start(tmp_path_factory.mktemp("influx_stack"))
    yield st
    st.stop()


@pytest.fixture
def db(stack: Stack) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex[:12]}"
    stack.create_database(name)
    yield name
    stack.drop_database(name)


def _write(
    stack: Stack, path: str, params: dict[str, str], body: str, **headers: str
) -> HttpResponse:
    url = f"{stack.url}{path}?{urllib.parse.urlencode(params)}"
    return http_request(url, "POST", body.encode(), headers)


def _times(stack: Stack, db: str, rp: str = "autogen") -> list[int]:
    """Times (ns) of measurement m in db.rp."""
    q = f'SELECT * FROM "{db}"."{rp}"."m"'
    series = stack.query(q, db, epoch="ns")["results"][0].get("series", [])
    return [row[0] for row in series[0]["values"]] if series else []


def _ok(result: dict[str, Any]) -> None:
    assert all("error" not in r for r in result["results"]), result


def test_ping_passes_through(stack: Stack) -> None:
    resp = http_request(f"{stack.url}/ping")
    assert resp.status == 204
    assert resp.headers["x-influxdb-version"].startswith("1.6")
    assert stack.url != stack.influx_url
    assert stack.pid_path("influxd").read_text().strip() == str(stack.influxd_pid)
    assert stack.pid_path("nginx").read_text().strip() == str(stack.nginx_pid)


@pytest.mark.parametrize(("precision", "mult"), [*V3_PRECISIONS.items(), (None, 1)])
def test_v3_write_lp_precision(
    stack: Stack, db: str, precision: str | None, mult: int
) -> None:
    params = {"db": db, "accept_partial": "true", "no_sync": "false"}
    if precision is not None:
        params["precision"] = precision
    ts = T_NS // mult
    resp = _write(stack, "/api/v3/write_lp", params, f"m v=1i {ts}")
    assert resp.status == 204, resp.text
    assert _times(stack, db) == [ts * mult]


def test_v3_second_precision_example(stack: Stack, db: str) -> None:
    resp = _write(stack, "/api/v3/write_lp", {"db": db, "precision": "second"}, LP)
    assert resp.status == 204, resp.text
    assert _times(stack, db) == [LP_NS]


@pytest.mark.parametrize(("precision", "mult"), [*V2_PRECISIONS.items(), (None, 1)])
def test_v2_write_precision(
    stack: Stack, db: str, precision: str | None, mult: int
) -> None:
    params = {"bucket": db, "org": "ignored"}
    if precision is not None:
        params["precision"] = precision
    ts = T_NS // mult
    resp = _write(
        stack, "/api/v2/write", params, f"m v=1i {ts}", Authorization="Token x"
    )
    assert resp.status == 204, resp.text
    assert _times(stack, db) == [ts * mult]


@pytest.mark.parametrize("safe", ["", "/"], ids=["%2F", "slash"])
def test_v2_bucket_with_retention_policy(stack: Stack, db: str, safe: str) -> None:
    _ok(
        stack.query(
            f'CREATE RETENTION POLICY "r1" ON "{db}" DURATION INF REPLICATION 1'
        )
    )
    bucket = urllib.parse.quote(f"{db}/r1", safe=safe)
    url = f"{stack.url}/api/v2/write?bucket={bucket}&org=o&precision=s"
    resp = http_request(url, "POST", LP.encode(), {"Authorization": "Token x"})
    assert resp.status == 204, resp.text
    assert _times(stack, db, rp="r1") == [LP_NS]
    assert _times(stack, db, rp="autogen") == []


@pytest.mark.parametrize(
    ("path", "precision"),
    [
        ("/api/v3/write_lp", "auto"),
        ("/api/v3/write_lp", ""),
        ("/api/v3/write_lp", "ns"),
        ("/api/v3/write_lp", "s"),
        ("/api/v3/write_lp", "Second"),
        ("/api/v3/write_lp", "minute"),
        ("/api/v2/write", "second"),
        ("/api/v2/write", "n"),
        ("/api/v2/write", "MS"),
        ("/api/v2/write", "h"),
        ("/api/v2/write", ""),
    ],
)
def test_unknown_precision_rejected(
    stack: Stack, db: str, path: str, precision: str
) -> None:
    key = "db" if path.startswith("/api/v3") else "bucket"
    resp = _write(stack, path, {key: db, "precision": precision}, LP)
    assert resp.status == 400
    assert resp.text.startswith(f'unsupported precision "{precision}"')
    assert _times(stack, db) == []


def test_query_and_write_pass_through(stack: Stack, db: str) -> None:
    q = urllib.parse.urlencode({"q": "SHOW DATABASES"})
    resp = http_request(f"{stack.url}/query?{q}")
    assert resp.status == 200
    assert [db] in json.loads(resp.body)["results"][0]["series"][0]["values"]
    # The plain 1.x /write keeps its own short precision names.
    resp = _write(stack, "/write", {"db": db, "precision": "s"}, LP)
    assert resp.status == 204
    assert _times(stack, db) == [LP_NS]


def test_error_bodies_pass_through(stack: Stack, db: str) -> None:
    v3, v2 = "/api/v3/write_lp", "/api/v2/write"
    resp = _write(stack, v3, {"db": "no_such_db"}, "m v=1i")
    assert resp.status == 404
    assert resp.text == '{"error":"database not found: \\"no_such_db\\""}\n'
    assert resp.headers["x-influxdb-error"] == 'database not found: "no_such_db"'

    _write(stack, v3, {"db": db, "precision": "second"}, LP)
    body = 'm v="s" 1700000001\nm v=2i 1700000002'
    resp = _write(stack, v3, {"db": db, "precision": "second"}, body)
    assert resp.status == 400
    assert resp.text == (
        '{"error":"partial write: field type conflict: input field \\"v\\" on'
        ' measurement \\"m\\" is type string, already exists as type integer'
        ' dropped=1"}\n'
    )
    assert len(_times(stack, db)) == 2  # the valid line of a partial write lands

    _ok(
        stack.query(
            f'CREATE RETENTION POLICY "short" ON "{db}" DURATION 1h REPLICATION 1'
        )
    )
    resp = _write(stack, v2, {"bucket": f"{db}/short", "precision": "s"}, LP)
    assert resp.status == 400
    assert resp.text == (
        '{"error":"partial write: points beyond retention policy dropped=1"}\n'
    )
    resp = _write(stack, v2, {"bucket": f"{db}/nope"}, "m v=1i")
    assert resp.status == 500
    assert resp.text == '{"error":"retention policy not found: nope"}\n'


def test_large_body(stack: Stack, db: str) -> None:
    line = 'm,host=h{} v={}i,pad="' + "x" * 100 + '" {}\n'
    body = "".join(line.format(i % 50, i, LP_NS + i) for i in range(80_000))
    assert len(body) > 10_000_000
    resp = _write(stack, "/api/v3/write_lp", {"db": db}, body)
    assert resp.status == 204, resp.text
    res = stack.query('SELECT count(v) FROM "m"', db)
    assert res["results"][0]["series"][0]["values"][0][1] == 80_000
    # Over influxd's max-body-size: influxd's own 413 body, not an nginx 502.
    too_big = b"a" * (influx_stack.MAX_BODY_SIZE + 1)
    resp = http_request(f"{stack.url}/api/v3/write_lp?db={db}", "POST", too_big)
    assert resp.status == 413
    assert resp.text == '{"error":"Request Entity Too Large"}\n'


def test_limited_proxy(stack: Stack, db: str) -> None:
    """A second nginx with a small body limit: its own 413 page past it,
    writes through it below it; stopped by PID, with the stack too."""
    url = stack.start_limited_proxy(4096)
    assert url not in (stack.url, stack.influx_url)
    pid = stack.pid("limited")
    assert pid is not None
    assert stack.pid_path("limited").read_text().strip() == str(pid)
    small = "m v=1i 1700000000000000000"
    resp = http_request(f"{url}/api/v2/write?bucket={db}", "POST", small.encode())
    assert resp.status == 204, resp.text
    big = "\n".join(f"m,i={i} v={i}i {LP_NS}" for i in range(400)).encode()
    assert len(big) > 4096
    resp = http_request(f"{url}/api/v2/write?bucket={db}", "POST", big)
    assert resp.status == 413
    assert "413 Request Entity Too Large" in resp.text
    assert _times(stack, db) == [LP_NS]
    # Started again with another limit: the old one is replaced.
    url = stack.start_limited_proxy(1024 * 1024)
    resp = http_request(f"{url}/api/v2/write?bucket={db}", "POST", big)
    assert resp.status == 204, resp.text
    stack.stop_limited_proxy()
    assert not stack.running("limited")
    assert not stack.pid_path("limited").exists()
    stack.start_limited_proxy(4096)
    stack.stop()
    assert not stack.running("limited")
    stack.start_influxd()
    stack.start_nginx()


def test_nginx_restart_keeps_port(stack: Stack) -> None:
    url, old_pid = stack.url, stack.pid("nginx")
    stack.stop_nginx()
    assert stack.pid("nginx") is None
    assert not stack.pid_path("nginx").exists()
    with pytest.raises(urllib.error.URLError, match="refused"):
        http_request(f"{url}/ping", timeout=2)
    stack.start_nginx()
    new_pid = stack.pid("nginx")
    assert stack.url == url
    assert new_pid not in (None, old_pid)
    assert stack.pid_path("nginx").read_text().strip() == str(new_pid)
    assert http_request(f"{url}/ping").status == 204


def test_influxd_restart_keeps_port_and_data(stack: Stack, db: str) -> None:
    _write(stack, "/api/v3/write_lp", {"db": db, "precision": "second"}, LP)
    url, old_pid = stack.influx_url, stack.pid("influxd")
    stack.stop_influxd()
    assert stack.pid("influxd") is None
    assert http_request(f"{stack.url}/ping").status == 502  # nginx up, influxd not
    stack.start_influxd()
    assert stack.influx_url == url
    assert stack.pid("influxd") not in (None, old_pid)
    assert http_request(f"{stack.url}/ping").status == 204
    assert _times(stack, db) == [LP_NS]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # Pipes for stdout: `start` would hang here if the services inherited them.
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "influx_stack.py"), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_detaches_and_stops(tmp_path: Path) -> None:
    _require_binaries()
    out = _cli("start", "--dir", str(tmp_path))
    try:
        assert out.returncode == 0, out.stderr
        env = dict(line.split("=", 1) for line in out.stdout.splitlines())
        assert env["INFLUX_URL"].startswith("http://127.0.0.1:")
        assert http_request(f"{env['INFLUX_URL']}/ping").status == 204
        assert _cli("status", "--dir", str(tmp_path)).returncode == 0
        attached = influx_stack.load(tmp_path)
        assert attached.url == env["INFLUX_URL"]
        assert attached.influxd_pid == int(env["INFLUXD_PID"])
    finally:
        stop = _cli("stop", "--dir", str(tmp_path))
    assert stop.returncode == 0, stop.stderr
    assert not (tmp_path / "influxd.pid").exists()
    assert not (tmp_path / "nginx.pid").exists()
    with pytest.raises(urllib.error.URLError, match="refused"):
        http_request(f"{env['INFLUX_URL']}/ping", timeout=2)
    assert _cli("status", "--dir", str(tmp_path)).returncode == 1
