"""Tests of the fake InfluxDB 3 server against the documented API.

Plain pytest and urllib; each test names the section of the InfluxDB 3 Core
docs (influxdata/docs-v2) it follows. "openapi" is
api-docs/influxdb3/core/influxdb3-core-openapi.yaml.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
import contextlib
import gzip
import http.client
import json
import socket
import threading
import time
from typing import Any
import urllib.error
import urllib.request

import pytest

from .fakes.influxdb3 import FakeInfluxDB3, LineProtocolError, parse_line

NOW_NS = 1_735_560_000_000_000_000  # 2024-12-30T12:00:00Z

Reply = tuple[int, dict[str, str], bytes]


@pytest.fixture
def sockets(request: pytest.FixtureRequest) -> None:
    """Enable sockets where pytest-socket blocks them (the HA test harness)."""
    with contextlib.suppress(pytest.FixtureLookupError):
        request.getfixturevalue("socket_enabled")


@pytest.fixture
def fake(sockets: None) -> Iterator[FakeInfluxDB3]:
    """A started fake with a fixed clock."""
    with FakeInfluxDB3() as server:
        server.now_ns = lambda: NOW_NS
        yield server


def call(
    server: FakeInfluxDB3,
    method: str,
    path: str,
    body: bytes | None = None,
    *,
    headers: dict[str, str] | None = None,
    auth: str | None = "Bearer",
) -> Reply:
    """Send one request; return status, lower-cased headers and body."""
    sent = {} if auth is None else {"Authorization": f"{auth} {server.token}"}
    sent.update(headers or {})
    req = urllib.request.Request(
        server.url + path, data=body, method=method, headers=sent
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return (
                resp.status,
                {k.lower(): v for k, v in resp.headers.items()},
                resp.read(),
            )
    except urllib.error.HTTPError as err:
        with err:
            return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def write(server: FakeInfluxDB3, lp: str, query: str = "db=sports") -> Reply:
    return call(server, "POST", f"/api/v3/write_lp?{query}", lp.encode())


def sql(server: FakeInfluxDB3, q: str, db: str = "sports", fmt: str = "json") -> Any:
    query = urllib.parse.urlencode({"db": db, "q": q, "format": fmt})
    status, _headers, body = call(server, "GET", f"/api/v3/query_sql?{query}")
    assert status == 200, body
    return json.loads(body)


# --------------------------------------------------------------------------
# Server information
# --------------------------------------------------------------------------


def test_ping_get(fake: FakeInfluxDB3) -> None:
    """Openapi GET /ping, response 200: version headers and JSON body."""
    status, headers, body = call(fake, "GET", "/ping")
    assert status == 200
    assert headers["x-influxdb-version"] == "3.11.0"
    assert headers["x-influxdb-build"] == "Core"
    assert set(json.loads(body)) == {"version", "revision", "process_id"}
    assert json.loads(body)["version"] == "3.11.0"


def test_ping_post_and_enterprise_build(sockets: None) -> None:
    """Openapi POST /ping ("Accepts POST in addition to GET"); x-influxdb-build."""
    with FakeInfluxDB3(build="Enterprise", version="3.9.1") as server:
        status, headers, _body = call(server, "POST", "/ping", b"")
    assert status == 200
    assert headers["x-influxdb-build"] == "Enterprise"
    assert headers["x-influxdb-version"] == "3.9.1"


def test_ping_head_is_404(fake: FakeInfluxDB3) -> None:
    """Openapi GET /ping, response 404: "Returned for HEAD requests"."""
    status, _headers, _body = call(fake, "HEAD", "/ping")
    assert status == 404


def test_health(fake: FakeInfluxDB3) -> None:
    """Openapi GET /health and GET /api/v1/health: 200 text/plain "OK"."""
    for path in ("/health", "/api/v1/health"):
        status, headers, body = call(fake, "GET", path)
        assert (status, body) == (200, b"OK")
        assert headers["content-type"].startswith("text/plain")


def test_cluster_uuid_on_every_response(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "Response headers": cluster-uuid on all responses."""
    assert call(fake, "GET", "/ping")[1]["cluster-uuid"] == fake.cluster_uuid
    assert call(fake, "GET", "/ping", auth=None)[1]["cluster-uuid"] == fake.cluster_uuid
    assert write(fake, "m f=1")[1]["cluster-uuid"] == fake.cluster_uuid


def test_unknown_route_and_method_404(fake: FakeInfluxDB3) -> None:
    """Openapi lists no such path/method; the server source answers 404."""
    assert call(fake, "GET", "/api/v3/nope")[0] == 404
    assert call(fake, "GET", "/api/v3/write_lp?db=x")[0] == 404


def test_options_preflight(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "cluster-uuid" (CORS preflight requests): 204, no auth."""
    status, headers, _body = call(fake, "OPTIONS", "/api/v3/write_lp", auth=None)
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"


# --------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ping"),
        ("GET", "/health"),
        ("POST", "/api/v3/write_lp?db=sports"),
        ("GET", "/api/v3/query_sql?db=sports&q=SELECT+1"),
        ("POST", "/api/v2/write?bucket=sports"),
        ("GET", "/api/v3/configure/database?format=json"),
    ],
)
def test_missing_token_is_401(fake: FakeInfluxDB3, method: str, path: str) -> None:
    """Openapi components.responses.Unauthorized: 401 with ErrorMessage JSON.

    /ping and /health: "This endpoint requires authentication by default".
    """
    status, headers, body = call(fake, method, path, b"m f=1", auth=None)
    assert status == 401
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": "the request was not authenticated"}


def test_wrong_token_is_401(fake: FakeInfluxDB3) -> None:
    """Openapi components.responses.Unauthorized (wrong token)."""
    status, _headers, body = call(
        fake, "GET", "/ping", headers={"Authorization": "Bearer nope"}, auth=None
    )
    assert status == 401
    assert json.loads(body)["error"] == "the request was not authenticated"


def test_malformed_authorization_is_400(fake: FakeInfluxDB3) -> None:
    """Docs silent; the server source answers a malformed header with 400."""
    status, _headers, body = call(
        fake, "GET", "/ping", headers={"Authorization": "Weird x y"}, auth=None
    )
    assert status == 400
    assert "malformed" in json.loads(body)["error"]


def test_token_scheme_only_on_compatibility_routes(fake: FakeInfluxDB3) -> None:
    """Openapi tag Authentication: Bearer "All endpoints"; Token "v1, v2 endpoints"."""
    assert call(fake, "GET", "/ping", auth="Token")[0] == 401
    assert write(fake, "m f=1")[0] == 204
    assert (
        call(fake, "POST", "/api/v3/write_lp?db=sports", b"m f=1", auth="Token")[0]
        == 401
    )
    assert (
        call(fake, "POST", "/api/v2/write?bucket=sports", b"m f=2", auth="Token")[0]
        == 204
    )
    assert call(fake, "POST", "/write?db=sports", b"m f=3", auth="Token")[0] == 204
    status, _headers, _body = call(
        fake, "GET", "/query?db=sports&q=SHOW+DATABASES", auth="Token"
    )
    assert status == 200


def test_basic_and_querystring_auth_on_v1_only(fake: FakeInfluxDB3) -> None:
    """Openapi securitySchemes BasicAuthentication / QuerystringAuthentication (v1)."""
    basic = base64.b64encode(f"anyone:{fake.token}".encode()).decode()
    assert (
        call(
            fake,
            "POST",
            "/write?db=sports",
            b"m f=1",
            headers={"Authorization": f"Basic {basic}"},
            auth=None,
        )[0]
        == 204
    )
    assert (
        call(fake, "POST", f"/write?db=sports&u=x&p={fake.token}", b"m f=2", auth=None)[
            0
        ]
        == 204
    )
    assert call(fake, "POST", "/write?db=sports&p=wrong", b"m f=3", auth=None)[0] == 401
    assert (
        call(
            fake,
            "POST",
            "/api/v2/write?bucket=sports",
            b"m f=4",
            headers={"Authorization": f"Basic {basic}"},
            auth=None,
        )[0]
        == 401
    )


def test_source_mode_accepts_every_scheme_everywhere(sockets: None) -> None:
    """Docs restrict Token to compatibility routes; source validate_auth_header does not."""
    with FakeInfluxDB3(mode="source") as server:
        assert call(server, "GET", "/ping", auth="Token")[0] == 200
        basic = base64.b64encode(f"u:{server.token}".encode()).decode()
        assert (
            call(
                server,
                "GET",
                "/health",
                headers={"Authorization": f"Basic {basic}"},
                auth=None,
            )[0]
            == 200
        )


def test_unauthenticated_paths(fake: FakeInfluxDB3) -> None:
    """Openapi GET /health: auth required "by default" (--disable-authz lifts it)."""
    fake.unauthenticated_paths = {"/health"}
    assert call(fake, "GET", "/health", auth=None)[0] == 200
    assert call(fake, "GET", "/ping", auth=None)[0] == 401


# --------------------------------------------------------------------------
# /api/v3/write_lp
# --------------------------------------------------------------------------


def test_write_lp_204_creates_database(fake: FakeInfluxDB3) -> None:
    """Openapi POST /api/v3/write_lp 204; dbWriteParam: database created on write."""
    status, _headers, body = write(
        fake, "home,room=Kitchen temp=72.0\nhome,room=Living\\ room temp=71.5"
    )
    assert (status, body) == (204, b"")
    assert fake.databases == {"sports": None}
    assert fake.tables["sports"] == [
        "home,room=Kitchen temp=72.0",
        "home,room=Living\\ room temp=71.5",
    ]
    assert [row["room"] for row in fake.rows("sports", "home")] == [
        "Kitchen",
        "Living room",
    ]


def test_write_lp_partial_write(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "Accept partial writes": 400, good lines stored, bad listed."""
    lp = 'home,room=Sunroom temp=96 1735545600\nhome,room=Sunroom temp="hi" 1735549200'
    status, _headers, body = write(fake, lp)
    assert status == 400
    assert json.loads(body) == {
        "error": "partial write of line protocol occurred",
        "data": [
            {
                "original_line": 'home,room=Sunroom temp="hi" 1735549200',
                "line_number": 2,
                "error_message": "invalid column type for column 'temp', expected "
                "iox::column_type::field::float, got iox::column_type::field::string",
            }
        ],
    }
    assert fake.tables["sports"] == ["home,room=Sunroom temp=96 1735545600"]


def test_write_lp_accept_partial_false(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "Do not accept partial writes": 400, one data object, nothing stored."""
    lp = 'home,room=Sunroom temp=96 1735545600\nhome,room=Sunroom temp="hi" 1735549200'
    status, _headers, body = write(fake, lp, "db=sports&accept_partial=false")
    assert status == 400
    payload = json.loads(body)
    assert payload["error"] == "parsing failed for write_lp endpoint"
    assert payload["data"]["line_number"] == 2
    assert "expected iox::column_type::field::float" in payload["data"]["error_message"]
    assert "sports" not in fake.databases
    assert fake.tables.get("sports", []) == []


def test_write_lp_accept_partial_false_source_text(sockets: None) -> None:
    """mode="source": the server's own text for accept_partial=false (http.rs)."""
    with FakeInfluxDB3(mode="source") as server:
        status, _headers, body = write(
            server, "m f=1\nm f=", "db=sports&accept_partial=false"
        )
    assert status == 400
    assert json.loads(body)["error"] == "line protocol parsing error"


def test_field_keeps_first_type_across_requests(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "Partial writes" (schema conflicts); troubleshoot.md "rejected points"."""
    assert write(fake, "ev,team=a score=1i 1735545600")[0] == 204
    status, _headers, body = write(fake, "ev,team=b score=1.5 1735545601")
    assert status == 400
    assert json.loads(body)["data"][0]["error_message"] == (
        "invalid column type for column 'score', expected iox::column_type::field::integer, "
        "got iox::column_type::field::float"
    )
    assert (
        fake.column_types[("sports", "ev")]["score"]
        == "iox::column_type::field::integer"
    )


def test_tag_and_field_cannot_share_a_name(fake: FakeInfluxDB3) -> None:
    """compatibility-apis.md: "A tag and a field can't have the same name within a table"."""
    assert write(fake, "ev,team=a score=1i")[0] == 204
    status, _headers, body = write(fake, "ev team=1i")
    assert status == 400
    assert (
        "expected iox::column_type::tag" in json.loads(body)["data"][0]["error_message"]
    )


def test_reject_lines_hook(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "Accept partial writes": rejected lines reported as the server does."""
    fake.reject_lines = lambda line: "boom" if "bad=" in line else None
    status, _headers, body = write(fake, "m good=1 1735545600\nm bad=2 1735545600")
    assert status == 400
    assert json.loads(body)["data"] == [
        {
            "original_line": "m bad=2 1735545600",
            "line_number": 2,
            "error_message": "boom",
        }
    ]
    fake.reject_lines = {"m good=3"}
    assert json.loads(write(fake, "m good=3")[2])["data"][0]["line_number"] == 1
    assert fake.tables["sports"] == ["m good=1 1735545600"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        # openapi POST /write 400 example: "temp=hi" -> "No fields were provided".
        ("home,room=Kitchen temp=hi", "No fields were provided"),
        ("home,room=Kitchen", "No fields were provided"),
        ("home,room= temp=1", "Tag set malformed"),
        (
            "home,room=a,room=b temp=1",
            "Must not contain duplicate tags, but `room` was repeated",
        ),
        (
            "home temp=1,temp=2",
            "invalid line protocol - multiple instances of 'temp' field found",
        ),
        ("home temp=1 12x", "Unable to parse timestamp value `12x`"),
        (
            "home temp=1 12 13",
            "Could not parse entire line. Found trailing content: `13`",
        ),
        (
            "home temp=99999999999999999999i",
            "Unable to parse integer value `99999999999999999999i`",
        ),
        ("home temp=-1u", "Unable to parse unsigned integer value `-1u`"),
    ],
)
def test_malformed_line_messages(fake: FakeInfluxDB3, line: str, message: str) -> None:
    """v3-line-protocol.md "Elements of line protocol"; messages as the server's parser."""
    status, _headers, body = write(fake, f"ok f=1\n{line}")
    assert status == 400
    assert json.loads(body)["data"] == [
        {"original_line": line, "line_number": 2, "error_message": message}
    ]


def test_parse_line_data_types_and_escapes() -> None:
    """v3-line-protocol.md "Data types and format", "Quotes", "Special Characters"."""
    line = parse_line(
        'my\\ table,tag\\ key=tag\\,value,t2=a\\=b f1=1.5,f2=-3i,f3=7u,f4=TRUE,f5="say \\"hi\\", \\\\ok",f6=-1.2e+3 -5'
    )
    assert line.measurement == "my table"
    assert line.tags == {"tag key": "tag,value", "t2": "a=b"}
    assert line.fields == {
        "f1": ("iox::column_type::field::float", 1.5),
        "f2": ("iox::column_type::field::integer", -3),
        "f3": ("iox::column_type::field::uinteger", 7),
        "f4": ("iox::column_type::field::boolean", True),
        "f5": ("iox::column_type::field::string", 'say "hi", \\ok'),
        "f6": ("iox::column_type::field::float", -1200.0),
    }
    assert line.timestamp == -5
    assert parse_line('m s="a b,c=d"').fields["s"][1] == "a b,c=d"
    with pytest.raises(LineProtocolError, match="backslash"):
        parse_line("m f=1,k\\")


def test_comments_and_blank_lines_are_skipped(fake: FakeInfluxDB3) -> None:
    """v3-line-protocol.md "Comments": lines starting with # are ignored."""
    status, _headers, body = write(fake, "# header\n\nm f=1\r\n  # indented\nm f=\n")
    assert status == 400
    assert json.loads(body)["data"][0]["line_number"] == 2
    assert fake.tables["sports"] == ["m f=1"]


@pytest.mark.parametrize(
    ("precision", "timestamp", "expected"),
    [
        ("auto", "1735545600", "2024-12-30T08:00:00"),
        ("auto", "1735545600123", "2024-12-30T08:00:00.123"),
        ("auto", "1735545600123456", "2024-12-30T08:00:00.123456"),
        ("auto", "1735545600123456789", "2024-12-30T08:00:00.123456789"),
        ("second", "1735545600", "2024-12-30T08:00:00"),
        ("millisecond", "1735545600000", "2024-12-30T08:00:00"),
        ("microsecond", "1735545600000000", "2024-12-30T08:00:00"),
        ("nanosecond", "1735545600000000000", "2024-12-30T08:00:00"),
        ("ms", "1735545600000", "2024-12-30T08:00:00"),
    ],
)
def test_write_lp_precision(
    fake: FakeInfluxDB3, precision: str, timestamp: str, expected: str
) -> None:
    """Openapi write_lp "Auto precision detection"; PrecisionWrite; x-codeSamples (precision=ms)."""
    assert (
        write(fake, f"m f=1 {timestamp}", f"db=sports&precision={precision}")[0] == 204
    )
    assert sql(fake, "SELECT time FROM m") == [{"time": expected}]


def test_write_lp_invalid_precision_is_400(fake: FakeInfluxDB3) -> None:
    """Openapi components.schemas.PrecisionWrite: other values are a bad request."""
    status, _headers, body = write(fake, "m f=1", "db=sports&precision=minute")
    assert status == 400
    assert b"unknown variant `minute`" in body


def test_write_lp_without_timestamp_uses_server_time(fake: FakeInfluxDB3) -> None:
    """v3-line-protocol.md "Timestamp": none given -> the host's time."""
    assert write(fake, "m f=1", "db=sports&precision=second")[0] == 204
    assert fake.rows("sports", "m")[0]["time"] == NOW_NS


def test_write_lp_parameter_errors(fake: FakeInfluxDB3) -> None:
    """Openapi write_lp: db required; accept_partial/no_sync booleans; 400 otherwise."""
    assert call(fake, "POST", "/api/v3/write_lp", b"m f=1")[0] == 400
    assert write(fake, "m f=1", "precision=auto")[0] == 400
    assert write(fake, "m f=1", "db=sports&accept_partial=yes")[0] == 400
    assert write(fake, "m f=1", "db=sports&no_sync=true")[0] == 204


def test_write_lp_invalid_database_name(fake: FakeInfluxDB3) -> None:
    """Openapi CreateDatabaseRequest.db pattern (no underscores); BadRequest ErrorMessage."""
    status, _headers, body = write(fake, "m f=1", "db=my_db")
    assert status == 400
    assert "underscores" in json.loads(body)["error"]
    assert "my_db" not in fake.databases


def test_write_lp_empty_body_is_400(fake: FakeInfluxDB3) -> None:
    """Docs silent; the server source answers an empty write with 400."""
    assert write(fake, "\n# only a comment\n")[0] == 400
    assert fake.databases == {}


def test_write_lp_gzip(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "Configure gzip compression" and "Multi-member gzip support"."""
    body = gzip.compress(b"cpu,host=a usage=1 1708976567\n") + gzip.compress(
        b"cpu,host=b usage=2 1708976568\n"
    )
    status, _headers, _body = call(
        fake,
        "POST",
        "/api/v3/write_lp?db=sports",
        body,
        headers={"Content-Encoding": "gzip"},
    )
    assert status == 204
    assert len(fake.tables["sports"]) == 2
    bad = call(
        fake,
        "POST",
        "/api/v3/write_lp?db=sports",
        b"m f=1",
        headers={"Content-Encoding": "br"},
    )
    assert bad[0] == 400


def test_request_too_large_is_413(fake: FakeInfluxDB3) -> None:
    """Openapi write_lp response 413 "Request entity too large"."""
    fake.max_request_bytes = 10
    assert write(fake, "m f=1 1735545600")[0] == 413


def test_schema_limits_are_422(fake: FakeInfluxDB3) -> None:
    """databases/_index.md "Column limit" / "Table limit"; openapi write_lp 422."""
    fake.max_columns_per_table = 3  # time + 2
    status, _headers, body = write(fake, "m a=1,b=2\nm a=1,b=2,c=3")
    assert status == 422
    assert (
        "columns per table limit of 3" in json.loads(body)["data"][0]["error_message"]
    )
    fake.max_tables = 1
    status, _headers, body = write(fake, "other f=1")
    assert status == 422
    assert "tables limit" in json.loads(body)["data"][0]["error_message"]


def test_database_limit_on_write_and_create(fake: FakeInfluxDB3) -> None:
    """databases/_index.md "Database limit" (Core: 5, data/products.yml)."""
    for n in range(5):
        assert write(fake, "m f=1", f"db=db{n}")[0] == 204
    status, _headers, body = write(fake, "m f=1", "db=db5")
    assert status == 422
    assert json.loads(body) == {
        "error": "Adding a new database would exceed limit of 5 databases"
    }
    status, _headers, _body = call(
        fake, "POST", "/api/v3/configure/database", b'{"db": "db6"}'
    )
    assert status == 422
    assert write(fake, "m f=2", "db=db0")[0] == 204


# --------------------------------------------------------------------------
# Compatibility writes
# --------------------------------------------------------------------------


def test_v2_write(fake: FakeInfluxDB3) -> None:
    """compatibility-apis.md "InfluxDB v2 compatibility": bucket, precision=s, 204."""
    status, _headers, _body = call(
        fake,
        "POST",
        "/api/v2/write?bucket=sports&org=ignored&precision=s",
        b"home,room=kitchen temp=72 1641024000",
    )
    assert status == 204
    assert fake.databases == {"sports": None}
    assert sql(fake, "SELECT time FROM home") == [{"time": "2022-01-01T08:00:00"}]


def test_v2_write_default_precision_is_ns(fake: FakeInfluxDB3) -> None:
    """Openapi PrecisionWriteCompatibility: "defaults to nanosecond precision"."""
    assert (
        call(fake, "POST", "/api/v2/write?bucket=sports", b"m f=1 1641024000")[0] == 204
    )
    assert fake.rows("sports", "m")[0]["time"] == 1641024000


def test_v2_write_errors(fake: FakeInfluxDB3) -> None:
    """Openapi POST /api/v2/write 400 (no body documented): v2 {"code", "message"}."""
    status, _headers, body = call(fake, "POST", "/api/v2/write?org=x", b"m f=1")
    assert status == 400
    assert json.loads(body) == {"code": "invalid", "message": "missing bucket value"}
    status, _headers, body = call(
        fake, "POST", "/api/v2/write?bucket=sports&precision=m", b"m f=1"
    )
    assert status == 400
    assert json.loads(body)["code"] == "invalid"


def test_v2_write_partial_in_docs_mode(fake: FakeInfluxDB3) -> None:
    """Openapi /api/v2/write accept_partial (AcceptPartial default true)."""
    status, _headers, body = call(
        fake, "POST", "/api/v2/write?bucket=sports", b"m f=1i\nm f=2.5"
    )
    assert status == 400
    payload = json.loads(body)
    assert payload["code"] == "invalid"
    assert payload["message"].startswith(
        "partial write of line protocol occurred: line 2: "
    )
    assert fake.tables["sports"] == ["m f=1i"]
    status, _headers, _body = call(
        fake,
        "POST",
        "/api/v2/write?bucket=sports&accept_partial=false",
        b"m f=3i\nm f=4.5",
    )
    assert status == 400
    assert fake.tables["sports"] == ["m f=1i"]


def test_v2_write_source_mode_is_all_or_nothing(sockets: None) -> None:
    """mode="source": influxdb3_types http.rs forces accept_partial=false on v1/v2 writes."""
    with FakeInfluxDB3(mode="source") as server:
        status, _headers, body = call(
            server, "POST", "/api/v2/write?bucket=sports", b"m f=1i\nm f=2.5"
        )
    assert status == 400
    assert json.loads(body)["message"].startswith(
        "write buffer error: line protocol parse failed: "
    )
    assert server.tables.get("sports", []) == []


def test_v1_write_partial_and_all_rejected(fake: FakeInfluxDB3) -> None:
    """Openapi POST /write 400 examples partialWriteErrorWithRejectedPoints / rejectedAllPoints."""
    status, _headers, body = call(
        fake,
        "POST",
        "/write?db=sports&precision=s",
        b"home,room=Kitchen temp=72\nhome,room=Kitchen temp=hi",
    )
    assert status == 400
    assert json.loads(body) == {
        "error": "partial write of line protocol occurred",
        "data": [
            {
                "original_line": "home,room=Kitchen temp=hi",
                "line_number": 2,
                "error_message": "No fields were provided",
            }
        ],
    }
    status, _headers, body = call(
        fake, "POST", "/write?db=sports", b"home,room=Kitchen temp=hi"
    )
    assert status == 400
    assert json.loads(body)["error"] == "write of line protocol failed"


def test_v1_write_rp_maps_to_db_slash_rp(sockets: None) -> None:
    """databases/create.md "InfluxQL DBRP naming convention" (mode="source" naming rules)."""
    with FakeInfluxDB3(mode="source") as server:
        assert call(server, "POST", "/write?db=telegraf&rp=autogen", b"m f=1")[0] == 204
        assert call(server, "POST", "/write?db=web&rp=1w", b"m f=1")[0] == 204
    assert set(server.databases) == {"telegraf", "web/1w"}


# --------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------


def create_db(server: FakeInfluxDB3, payload: dict[str, Any]) -> Reply:
    return call(
        server,
        "POST",
        "/api/v3/configure/database",
        json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )


def test_create_database(fake: FakeInfluxDB3) -> None:
    """Openapi POST /api/v3/configure/database: 200 created, 409 exists."""
    assert create_db(fake, {"db": "sports", "retention_period": "730d"})[:1] == (200,)
    assert create_db(fake, {"db": "plain"})[0] == 200
    assert fake.databases == {"sports": "730d", "plain": None}
    status, _headers, _body = create_db(fake, {"db": "sports"})
    assert status == 409


@pytest.mark.parametrize(
    "retention", ["1h", "24h", "7d", "4w", "1mo", "1y", "30d12h", "1y6mo", "none", "0d"]
)
def test_create_database_retention_formats(fake: FakeInfluxDB3, retention: str) -> None:
    """data-retention.md "Retention period duration formats" (h d w mo y, combined, none)."""
    assert create_db(fake, {"db": "sports", "retention_period": retention})[0] == 200


@pytest.mark.parametrize("retention", ["30m", "10s", "-1d", "1 d", "forever", ""])
def test_create_database_bad_retention(fake: FakeInfluxDB3, retention: str) -> None:
    """data-retention.md: no m/s units, no negatives, no whitespace."""
    assert create_db(fake, {"db": "sports", "retention_period": retention})[0] == 400
    assert fake.databases == {}


@pytest.mark.parametrize(
    "name", ["my_db", "-lead", "trail-", "a.b", "", "x" * 65, "db/rp"]
)
def test_create_database_invalid_names(fake: FakeInfluxDB3, name: str) -> None:
    """Openapi CreateDatabaseRequest.db pattern; databases/create.md 64-character limit."""
    status, _headers, body = create_db(fake, {"db": name})
    assert status == 400
    assert "error" in json.loads(body)


@pytest.mark.parametrize("name", ["a", "sports-2", "A1", "x" * 64])
def test_create_database_valid_names(fake: FakeInfluxDB3, name: str) -> None:
    """Openapi CreateDatabaseRequest.db pattern: letters, digits, inner hyphens."""
    assert create_db(fake, {"db": name})[0] == 200


def test_source_mode_allows_underscores(sockets: None) -> None:
    """databases/create.md and the server source allow "_" (the openapi schema does not)."""
    with FakeInfluxDB3(mode="source") as server:
        assert create_db(server, {"db": "my_db"})[0] == 200
        assert create_db(server, {"db": "_internal2"})[0] == 400


def test_create_database_forbidden(fake: FakeInfluxDB3) -> None:
    """Openapi "Access denied" 403 (write/query endpoints); token without permission."""
    fake.allow_create = False
    status, _headers, body = create_db(fake, {"db": "sports"})
    assert status == 403
    assert "error" in json.loads(body)
    assert fake.databases == {}


def test_create_database_bad_body(fake: FakeInfluxDB3) -> None:
    """Openapi PostConfigureDatabase 400 "Bad request" (db required)."""
    assert call(fake, "POST", "/api/v3/configure/database", b"not json")[0] == 400
    assert create_db(fake, {"retention_period": "1d"})[0] == 400


def test_list_databases(fake: FakeInfluxDB3) -> None:
    """databases/list.md "List databases using the HTTP API" (format=json, jsonl, csv, pretty)."""
    create_db(fake, {"db": "noaa"})
    create_db(fake, {"db": "home", "retention_period": "30d"})
    status, headers, body = call(fake, "GET", "/api/v3/configure/database?format=json")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == [{"iox::database": "home"}, {"iox::database": "noaa"}]
    assert call(fake, "GET", "/api/v3/configure/database?format=jsonl")[2] == (
        b'{"iox::database":"home"}\n{"iox::database":"noaa"}\n'
    )
    assert (
        call(fake, "GET", "/api/v3/configure/database?format=csv")[2]
        == b"iox::database\nhome\nnoaa\n"
    )
    pretty = call(fake, "GET", "/api/v3/configure/database?format=pretty")[2].decode()
    assert pretty.splitlines()[1] == "| iox::database |"
    assert call(fake, "GET", "/api/v3/configure/database")[0] == 400


def test_delete_database(fake: FakeInfluxDB3) -> None:
    """Openapi DELETE /api/v3/configure/database: 200 deleted, 404 not found."""
    write(fake, "m f=1")
    assert call(fake, "DELETE", "/api/v3/configure/database?db=sports")[0] == 200
    assert fake.databases == {}
    assert call(fake, "DELETE", "/api/v3/configure/database?db=sports")[0] == 404


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------


@pytest.fixture
def games(fake: FakeInfluxDB3) -> FakeInfluxDB3:
    lp = (
        'game,team=ARS score=2i,venue="home",final=true 1735545600\n'
        "game,team=CHE score=1i,attendance=40000u 1735545601\n"
        'game,team=LIV score=3i,venue="away",final=false 1735545602'
    )
    assert write(fake, lp)[0] == 204
    return fake


def test_query_sql_select_star(games: FakeInfluxDB3) -> None:
    """Openapi "Quick start" / influxdb3-api.md: JSON rows, columns by name, nulls left out."""
    assert sql(games, "SELECT * FROM game") == [
        {
            "final": True,
            "score": 2,
            "team": "ARS",
            "time": "2024-12-30T08:00:00",
            "venue": "home",
        },
        {"attendance": 40000, "score": 1, "team": "CHE", "time": "2024-12-30T08:00:01"},
        {
            "final": False,
            "score": 3,
            "team": "LIV",
            "time": "2024-12-30T08:00:02",
            "venue": "away",
        },
    ]


def test_query_sql_formats(games: FakeInfluxDB3) -> None:
    """Openapi components.schemas.Format: json, jsonl/json_lines, csv, pretty."""
    query = urllib.parse.urlencode(
        {"db": "sports", "q": "SELECT team, score FROM game LIMIT 2"}
    )
    status, headers, body = call(
        games, "GET", f"/api/v3/query_sql?{query}&format=jsonl"
    )
    assert (status, headers["content-type"]) == (200, "application/jsonl")
    assert body == b'{"team":"ARS","score":2}\n{"team":"CHE","score":1}\n'
    assert call(games, "GET", f"/api/v3/query_sql?{query}&format=json_lines")[2] == body
    assert (
        call(games, "GET", f"/api/v3/query_sql?{query}&format=csv")[2]
        == b"team,score\nARS,2\nCHE,1\n"
    )
    assert call(
        games, "GET", f"/api/v3/query_sql?{query}", headers={"Accept": "text/csv"}
    )[2] == (b"team,score\nARS,2\nCHE,1\n")
    assert (
        b"| team | score |"
        in call(games, "GET", f"/api/v3/query_sql?{query}&format=pretty")[2]
    )
    assert call(games, "GET", f"/api/v3/query_sql?{query}&format=parquet")[0] == 501
    assert call(games, "GET", f"/api/v3/query_sql?{query}&format=xml")[0] == 400


def test_query_sql_post_json_and_params(games: FakeInfluxDB3) -> None:
    """sql/parameterized-queries.md "Use the HTTP API": POST {db, q, params}."""
    payload = {
        "db": "sports",
        "q": "SELECT team FROM game WHERE time >= $min_time AND score >= $min_score ORDER BY score DESC",
        "params": {"min_time": "2024-12-30T08:00:01Z", "min_score": 1},
    }
    status, _headers, body = call(
        games, "POST", "/api/v3/query_sql", json.dumps(payload).encode()
    )
    assert status == 200
    assert json.loads(body) == [{"team": "LIV"}, {"team": "CHE"}]


def test_query_sql_where_count_and_limit(games: FakeInfluxDB3) -> None:
    """influxdb3-api.md "Query using SQL and the HTTP API" (simple SELECT forms)."""
    assert sql(games, "SELECT team FROM game WHERE venue = 'home'") == [{"team": "ARS"}]
    assert sql(games, "SELECT team FROM game WHERE final = false") == [{"team": "LIV"}]
    assert sql(games, 'SELECT "team" FROM "game" WHERE team <> \'ARS\' LIMIT 1') == [
        {"team": "CHE"}
    ]
    assert sql(games, "SELECT COUNT(*) FROM game;") == [{"count(*)": 3}]
    tables = sql(games, "SHOW TABLES")
    assert [t for t in tables if t["table_schema"] == "iox"] == [
        {
            "table_catalog": "public",
            "table_schema": "iox",
            "table_name": "game",
            "table_type": "BASE TABLE",
        }
    ]
    assert {"tables", "columns"} <= {
        t["table_name"] for t in tables if t["table_schema"] == "information_schema"
    }


def test_query_sql_column_model(games: FakeInfluxDB3) -> None:
    """reference/sql/data-types.md and SHOW COLUMNS: tags Dictionary(Int32, Utf8),
    fields typed, time Timestamp(ns) without a zone.
    """
    columns = sql(
        games,
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'game' ORDER BY column_name",
    )
    assert {c["column_name"]: c["data_type"] for c in columns} == {
        "attendance": "UInt64",
        "final": "Boolean",
        "score": "Int64",
        "team": "Dictionary(Int32, Utf8)",
        # InfluxDB 3.x's Arrow prints "Timestamp(Nanosecond, None)"; the
        # Arrow under DataFusion 55 prints the same type shorter.
        "time": "Timestamp(ns)",
        "venue": "Utf8",
    }
    assert [c["column_name"] for c in sql(games, "SHOW COLUMNS FROM game")] == [
        "attendance",
        "final",
        "score",
        "team",
        "time",
        "venue",
    ]


def test_query_sql_is_datafusion(games: FakeInfluxDB3) -> None:
    """influxdb3-api.md "Query using SQL": the engine's SQL (aggregates, CASE,
    window functions, subqueries) over the points received.
    """
    assert sql(games, "SELECT avg(score) AS mean, max(time) AS last FROM game") == [
        {"mean": 2.0, "last": "2024-12-30T08:00:02"}
    ]
    assert sql(
        games,
        "SELECT team, CASE WHEN score > 1 THEN 'W' ELSE 'L' END AS r, "
        "ROW_NUMBER() OVER (ORDER BY score DESC) AS place "
        "FROM (SELECT * FROM game WHERE team IN ('ARS', 'LIV') OR final IS NULL) "
        "ORDER BY place",
    ) == [
        {"team": "LIV", "r": "W", "place": 1},
        {"team": "ARS", "r": "W", "place": 2},
        {"team": "CHE", "r": "L", "place": 3},
    ]


def test_query_errors(games: FakeInfluxDB3) -> None:
    """Openapi query_sql: 400 bad request (the engine's message), 404 database not found."""
    status, _headers, body = call(
        games, "GET", "/api/v3/query_sql?db=nope&q=SELECT+*+FROM+game"
    )
    assert status == 404
    assert json.loads(body) == {"error": "query error: database not found: nope"}
    status, _headers, body = call(
        games, "GET", "/api/v3/query_sql?db=sports&q=SELECT+*+FROM+nope"
    )
    assert (status, body) == (
        400,
        b"Error during planning: table 'public.iox.nope' not found",
    )
    status, _headers, body = call(
        games, "GET", "/api/v3/query_sql?db=sports&q=SELECT+nope+FROM+game"
    )
    assert status == 400
    assert body.startswith(b"Schema error: No field named nope.")
    assert call(games, "GET", "/api/v3/query_sql?db=sports&q=SELEC+1")[0] == 400
    assert call(games, "GET", "/api/v3/query_sql?db=sports")[0] == 400
    assert call(games, "GET", "/api/v3/query_sql")[0] == 400


def test_query_influxql(games: FakeInfluxDB3) -> None:
    """influxql/parameterized-queries.md "Use the HTTP API": rows with iox::measurement."""
    query = urllib.parse.urlencode(
        {"db": "sports", "q": "SELECT score FROM game WHERE team = 'CHE'"}
    )
    status, _headers, body = call(games, "GET", f"/api/v3/query_influxql?{query}")
    assert status == 200
    assert json.loads(body) == [
        {"iox::measurement": "game", "time": "2024-12-30T08:00:01", "score": 1}
    ]
    rows = json.loads(
        call(games, "GET", "/api/v3/query_influxql?db=sports&q=SELECT+*+FROM+game")[2]
    )
    assert list(rows[0]) == [
        "iox::measurement",
        "time",
        "final",
        "score",
        "team",
        "venue",
    ]
    assert (
        call(games, "GET", "/api/v3/query_influxql?db=sports&q=SELECT+*+FROM+nope")[2]
        == b"[]"
    )
    assert call(games, "GET", "/api/v3/query_influxql?q=SELECT+*+FROM+game")[0] == 400
    assert (
        call(
            games,
            "GET",
            "/api/v3/query_influxql?db=sports&q=SHOW+DATABASES%3B+SHOW+DATABASES",
        )[0]
        == 400
    )


def test_query_influxql_select_runs_as_sql(games: FakeInfluxDB3) -> None:
    """reference/influxql/select.md (WHERE with AND, OR, regular expressions and
    RFC3339 times; ORDER BY time DESC; LIMIT, OFFSET) and
    influxql/parameterized-queries.md (POST params); the rest is 501 here.
    """

    def influxql(q: str) -> Any:
        query = urllib.parse.urlencode({"db": "sports", "q": q})
        status, _headers, body = call(games, "GET", f"/api/v3/query_influxql?{query}")
        assert status == 200, body
        return json.loads(body)

    rows = influxql(
        "SELECT team, score FROM game WHERE team =~ /^(ARS|LIV)$/ OR score = 1 "
        "ORDER BY time DESC LIMIT 2"
    )
    assert [r["team"] for r in rows] == ["LIV", "CHE"]
    assert influxql(
        "SELECT team FROM game WHERE time >= '2024-12-30T08:00:01Z' AND team !~ /LIV/"
    ) == [{"iox::measurement": "game", "time": "2024-12-30T08:00:01", "team": "CHE"}]
    assert [r["team"] for r in influxql("SELECT team FROM game LIMIT 1 OFFSET 1")] == [
        "CHE"
    ]
    payload = {
        "db": "sports",
        "q": "SELECT score FROM game WHERE team = $team",
        "params": {"team": "ARS"},
    }
    status, _headers, body = call(
        games, "POST", "/api/v3/query_influxql", json.dumps(payload).encode()
    )
    assert (status, [r["score"] for r in json.loads(body)]) == (200, [2])
    query = urllib.parse.urlencode(
        {"db": "sports", "q": "SELECT MEAN(score) FROM game GROUP BY team"}
    )
    assert call(games, "GET", f"/api/v3/query_influxql?{query}")[0] == 501


def test_query_influxql_show_databases_and_retention(fake: FakeInfluxDB3) -> None:
    """Openapi GET /query "rp" note; databases/_index.md (databases have retention periods)."""
    create_db(fake, {"db": "sports", "retention_period": "730d"})
    create_db(fake, {"db": "misc"})
    rows = json.loads(call(fake, "GET", "/api/v3/query_influxql?q=SHOW+DATABASES")[2])
    assert rows == [
        {"iox::database": "misc", "deleted": False},
        {"iox::database": "sports", "deleted": False},
    ]
    rows = json.loads(
        call(fake, "GET", "/api/v3/query_influxql?db=sports&q=SHOW+RETENTION+POLICIES")[
            2
        ]
    )
    assert rows == [
        {"iox::database": "sports", "name": "autogen", "duration": "17520h0m0s"}
    ]
    rows = json.loads(
        call(fake, "GET", "/api/v3/query_influxql?q=SHOW+RETENTION+POLICIES+ON+misc")[2]
    )
    assert rows == [{"iox::database": "misc", "name": "autogen", "duration": "0s"}]


def test_retention_applies_at_query_time(fake: FakeInfluxDB3) -> None:
    """data-retention.md: points beyond the retention period are filtered from queries."""
    create_db(fake, {"db": "sports", "retention_period": "1h"})
    old, recent = (NOW_NS - 2 * 3600 * 10**9), (NOW_NS - 60 * 10**9)
    assert write(fake, f"m f=1 {old}\nm f=2 {recent}")[0] == 204
    assert sql(fake, "SELECT f FROM m") == [{"f": 2.0}]
    assert len(fake.tables["sports"]) == 2


def test_duplicate_points_merge(fake: FakeInfluxDB3) -> None:
    """v3-line-protocol.md "Duplicate points": union of fields, newer value wins."""
    write(
        fake, "m,t=a x=1,y=1 1735545600\nm,t=a x=2,z=3 1735545600\nm,t=b x=9 1735545600"
    )
    assert sql(fake, "SELECT t, x, y, z FROM m") == [
        {"t": "a", "x": 2.0, "y": 1.0, "z": 3.0},
        {"t": "b", "x": 9.0},
    ]


def test_v1_query(games: FakeInfluxDB3) -> None:
    """Openapi GET /query: components.schemas.QueryResponse, epoch, 404 missing database."""
    query = urllib.parse.urlencode(
        {"db": "sports", "q": "SELECT score FROM game LIMIT 1"}
    )
    status, _headers, body = call(games, "GET", f"/query?{query}")
    assert status == 200
    assert json.loads(body) == {
        "results": [
            {
                "statement_id": 0,
                "series": [
                    {
                        "name": "game",
                        "columns": ["time", "score"],
                        "values": [["2024-12-30T08:00:00Z", 2]],
                    }
                ],
            }
        ]
    }
    epoch = json.loads(call(games, "GET", f"/query?{query}&epoch=s")[2])
    assert epoch["results"][0]["series"][0]["values"] == [[1735545600, 2]]
    shown = json.loads(call(games, "POST", "/query", b"q=SHOW+DATABASES")[2])
    assert shown["results"][0]["series"][0]["values"] == [["sports"]]
    assert call(games, "GET", "/query?db=nope&q=SELECT+*+FROM+game")[0] == 404


# --------------------------------------------------------------------------
# Test hooks and lifecycle
# --------------------------------------------------------------------------


def test_fail_next_canned_responses(fake: FakeInfluxDB3) -> None:
    """troubleshoot.md "Review HTTP status codes": 503 with Retry-After, 500; then normal."""
    fake.fail_next = [(503, b"busy", {"Retry-After": "7"}), (500, b"", {})]
    status, headers, body = write(fake, "m f=1")
    assert (status, headers["retry-after"], body) == (503, "7", b"busy")
    assert write(fake, "m f=1")[0] == 500
    assert write(fake, "m f=1")[0] == 204
    assert fake.tables["sports"] == ["m f=1"]
    assert len(fake.requests) == 3


def test_requests_are_recorded(fake: FakeInfluxDB3) -> None:
    """All routes: the request as sent (for asserting client behaviour)."""
    write(fake, "m f=1", "db=sports&precision=second&no_sync=true")
    recorded = fake.requests[-1]
    assert (recorded.method, recorded.path) == ("POST", "/api/v3/write_lp")
    assert recorded.query == {"db": "sports", "precision": "second", "no_sync": "true"}
    assert recorded.headers["authorization"] == f"Bearer {fake.token}"
    assert recorded.body == b"m f=1"


def test_ingest_helper_seeds_data(fake: FakeInfluxDB3) -> None:
    """v3-write-lp.md "Accept partial writes" semantics without HTTP."""
    assert fake.ingest("sports", "m f=1i 1735545600\nm f=1.5 1735545601") == [
        {
            "original_line": "m f=1.5 1735545601",
            "line_number": 2,
            "error_message": "invalid column type for column 'f', expected "
            "iox::column_type::field::integer, got iox::column_type::field::float",
        }
    ]
    assert sql(fake, "SELECT f FROM m") == [{"f": 1}]
    assert fake.ingest("sports", "m f=2i 1735545600000", precision="ms") == []
    assert fake.rows("sports", "m")[0]["f"] == 2


def test_stop_closes_keep_alive_connections_and_threads(sockets: None) -> None:
    """HA's verify_cleanup forbids leftover threads: stop() must not wait for clients."""
    before = set(threading.enumerate())
    server = FakeInfluxDB3()
    server.start()
    host, port = server.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/ping", headers={"Authorization": f"Bearer {server.token}"})
    assert conn.getresponse().read()
    idle = socket.create_connection((host, int(port)), timeout=10)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
    # Checked while both client connections are still open.
    assert set(threading.enumerate()) - before == set()
    conn.close()
    idle.close()
    server.stop()  # idempotent
