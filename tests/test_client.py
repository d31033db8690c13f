"""The client against a server answering as the InfluxDB 3 Core API reference.

Each test names the section of influxdata/docs-v2 it relies on.
"""

from __future__ import annotations

from pathlib import Path
import time

from influxdb_client_3.exceptions.exceptions import InfluxDBError
import pytest

from custom_components.sports_influx.influx import (
    CannotConnectError,
    DatabaseNotFoundError,
    InfluxClient,
    InvalidAuthError,
    ServerKind,
    WriteError,
    normalize_host,
    parse_version,
)
from custom_components.sports_influx.influx.dialect import Dialect
from custom_components.sports_influx.influx.http import Http
from custom_components.sports_influx.influx.splitting import Splitter
from custom_components.sports_influx.influx.v1 import (
    V1Dialect,
    conflict_suspects,
    dropped,
)
from custom_components.sports_influx.influx.v2 import V2Dialect
from custom_components.sports_influx.influx.v3 import V3Dialect
from custom_components.sports_influx.influx.write_client import write_error_from
from custom_components.sports_influx.records import NhlScore
from custom_components.sports_influx.schema import RetentionClass
from custom_components.sports_influx.writer import SportsInfluxWriter
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .conftest import RECENT, select_from
from .factories import requests_in, scores


def test_parse_version() -> None:
    """X-Influxdb-Version forms of 1.x, 2.x (v-prefixed) and 3.x."""
    assert parse_version("1.6.7~rc0") is ServerKind.V1
    assert parse_version("v2.7.11") is ServerKind.V2
    assert parse_version("3.11.0") is ServerKind.V3
    assert parse_version("4.0") is None
    assert parse_version(None) is None


def test_normalize_host() -> None:
    """A bare host gets http://; trailing slashes go."""
    assert normalize_host(" influx.local:8181/ ") == "http://influx.local:8181"
    assert normalize_host("https://h:443") == "https://h"


async def test_ping_detects_v3(hass: HomeAssistant, fake_v3) -> None:
    """influxdb3-core-openapi.yaml GET /ping: x-influxdb-version/-build headers."""
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "sports"
    )
    info = await client.async_detect()
    assert info.kind is ServerKind.V3
    assert info.build == "Core"
    assert info.version == "3.11.0"
    # Bearer on every route (Authentication tag of the reference).
    assert fake_v3.requests[-1].headers["authorization"] == f"Bearer {fake_v3.token}"


async def test_bad_token_is_invalid_auth(hass: HomeAssistant, fake_v3) -> None:
    """influxdb3-core-openapi.yaml responses/Unauthorized: 401 on /ping."""
    client = InfluxClient(async_get_clientsession(hass), fake_v3.url, "nope", "s")
    with pytest.raises(InvalidAuthError):
        await client.async_validate()


async def test_garbage_database_list(hass: HomeAssistant, fake_v3) -> None:
    """A list-databases answer that is not JSON is a connection problem."""
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "s"
    )
    await client.async_detect()
    fake_v3.fail_next.append((200, b"<html>", {}))
    with pytest.raises(CannotConnectError):
        await dialect(hass, fake_v3, V3Dialect).async_validate()


async def test_v3_writes_to_write_lp(hass: HomeAssistant, fake_v3) -> None:
    """v3-write-lp.md: POST /api/v3/write_lp?db=...&precision=nanosecond."""
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "sports"
    )
    await client.async_validate()
    await hass.async_add_executor_job(
        client.write,
        ["nhl_scores,game_id=g home_score=3i 1700000000000000000"],
        RetentionClass.EVENTS,
    )
    await hass.async_add_executor_job(client.close)
    write = [r for r in fake_v3.requests if r.method == "POST"][-1]
    assert write.path == "/api/v3/write_lp"
    assert write.query["db"] == "sports"
    assert write.query["precision"] == "nanosecond"
    assert fake_v3.rows("sports", "nhl_scores")[0]["home_score"] == 3


def _grpc_threads() -> list[str]:
    """Threads of this process that gRPC starts (Linux names them)."""
    names = (p.read_text().strip() for p in Path("/proc/self/task").glob("*/comm"))
    return [n for n in names if n.startswith(("grpc", "event_engine", "lifeguard"))]


async def test_closing_the_client_stops_its_grpc_threads(
    hass: HomeAssistant, fake_v3
) -> None:
    """influxdb3-python's Flight query client, which the integration never
    uses, runs gRPC threads from the write client's construction until its
    close(): closing the client stops them."""
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "sports"
    )
    await client.async_validate()
    await hass.async_add_executor_job(client.prepare_write)
    await hass.async_add_executor_job(
        client.write,
        ["nhl_scores,game_id=g home_score=2i 1700000000000000000"],
        RetentionClass.EVENTS,
    )
    assert _grpc_threads()
    await hass.async_add_executor_job(client.close)
    # gRPC stops its threads asynchronously, within ~50 ms of the close.
    deadline = time.monotonic() + 5
    while _grpc_threads() and time.monotonic() < deadline:
        await hass.async_add_executor_job(time.sleep, 0.01)
    assert _grpc_threads() == []
    assert fake_v3.rows("sports", "nhl_scores")[0]["home_score"] == 2


async def test_v3_partial_write_names_rejected_lines(
    hass: HomeAssistant, fake_v3
) -> None:
    """v3-write-lp.md "Partial writes": 400 JSON names each rejected line.

    The other lines are stored and not retried; the statistics count both.
    """
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "sports"
    )
    await client.async_validate()
    # The column already exists as a float (another writer).
    fake_v3.ingest("sports", "nhl_scores,game_id=x home_score=1.5 1", "nanosecond")
    with pytest.raises(WriteError) as err:
        await hass.async_add_executor_job(
            client.write,
            [
                "nhl_scores,game_id=g home_score=3i 1700000000000000000",
                "nhl_scores,game_id=g away_score=2i 1700000000000000000",
            ],
            RetentionClass.EVENTS,
        )
    assert err.value.status == 400
    assert not err.value.retryable
    assert err.value.rejected == 1
    assert err.value.lines[0].line_number == 1
    assert "home_score" in err.value.lines[0].error

    writer = SportsInfluxWriter(hass, client, batch_size=10, flush_interval=10)
    writer.async_enqueue(
        [
            NhlScore(
                game_id="g2",
                season=2024,
                home_team="NYR",
                away_team="BOS",
                status=status,
                home_score=2,
                away_score=1,
                time=RECENT,
            )
            for status in ("IN", "POST")
        ]
    )
    await writer.async_flush()
    assert writer.stats.points_failed == 2  # both carry home_score as integer
    assert writer.stats.retries == 0
    await writer.async_close(1)


async def test_server_error_is_retryable(hass: HomeAssistant, fake_v3) -> None:
    """troubleshoot.md "Review HTTP status codes": 503 with Retry-After."""
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "sports"
    )
    await client.async_validate()
    fake_v3.fail_next.append((503, b'{"error":"busy"}', {"Retry-After": "7"}))
    with pytest.raises(WriteError) as err:
        await hass.async_add_executor_job(
            client.write, ["m v=1i 1"], RetentionClass.EVENTS
        )
    assert err.value.retryable
    assert err.value.retry_after == 7.0
    await hass.async_add_executor_job(client.close)


def v3_client(hass: HomeAssistant, fake_v3, database: str = "s") -> InfluxClient:
    """A client of the local InfluxDB 3 reference server."""
    return InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, database
    )


def dialect(
    hass: HomeAssistant, fake_v3, kind: type[Dialect], database: str = "s"
) -> Dialect:
    """One server kind's dialect, asking the local reference server."""
    http = Http(async_get_clientsession(hass), fake_v3.url, fake_v3.token)
    return kind(http, database, {})


def test_write_error_without_response() -> None:
    """No HTTP answer at all: retryable."""
    err = write_error_from(InfluxDBError(message="timed out"), dropped)
    assert err.retryable
    assert err.status is None


async def test_v1_admin_answers(hass: HomeAssistant, fake_v3) -> None:
    """1.x /query answers the integration must survive (canned 1.x bodies)."""
    v1 = dialect(hass, fake_v3, V1Dialect)
    for canned, error in (
        ((401, b'{"error":"authorization failed"}', {}), InvalidAuthError),
        ((500, b'{"error":"boom"}', {}), CannotConnectError),
        ((200, b"not json", {}), CannotConnectError),
    ):
        fake_v3.fail_next.append(canned)
        with pytest.raises(error):
            await v1.async_validate()
    fake_v3.fail_next += [
        (200, b'{"results":[{"statement_id":0}]}', {}),
        (200, b'{"results":[{"error":"unable to create"}]}', {}),
    ]
    with pytest.raises(DatabaseNotFoundError):
        await v1.async_validate()


async def test_v2_bucket_lookup(hass: HomeAssistant, fake_v3) -> None:
    """InfluxDB 2.x: /ping says v2; the bucket names its organization."""
    client = v3_client(hass, fake_v3, "sports")
    fake_v3.fail_next += [
        (204, b"", {"X-Influxdb-Version": "v2.7.11", "X-Influxdb-Build": "OSS"}),
        (200, b'{"buckets":[{"name":"sports","orgID":"0a1b2c"}]}', {}),
    ]
    info = await client.async_validate()
    assert info.kind is ServerKind.V2
    assert client.remembered()["org_id"] == "0a1b2c"
    v2 = dialect(hass, fake_v3, V2Dialect, "sports")
    for canned, error in (
        ((404, b'{"code":"not found"}', {}), DatabaseNotFoundError),
        ((200, b'{"buckets":[]}', {}), DatabaseNotFoundError),
        ((500, b"", {}), CannotConnectError),
        ((200, b"[1]", {}), CannotConnectError),
        ((401, b'{"code":"unauthorized"}', {}), InvalidAuthError),
    ):
        fake_v3.fail_next.append(canned)
        with pytest.raises(error):
            await v2.async_validate()


async def test_names_each_server_takes(hass: HomeAssistant, fake_v3) -> None:
    """InfluxDB 3 database names: letters, digits, _ and - (at most 64,
    reference/cli/influxdb3/create/database.md); 2.x buckets: any name."""
    v3 = dialect(hass, fake_v3, V3Dialect)
    assert v3.valid_name("nfl_2025-archive")
    assert not v3.valid_name("nfl scores")
    assert not v3.valid_name("x" * 65)
    v2 = dialect(hass, fake_v3, V2Dialect)
    assert v2.valid_name("nfl scores")
    assert not v2.valid_name("")
    # Only 1.x and 2.x name a field type conflict's lines.
    conflict = 'input field "home_score" on measurement "m" is type float'
    assert v3.suspects(conflict, ["m home_score=1.5"], [0]) == []
    assert v2.suspects(conflict, ["m home_score=1.5"], [0]) == [0]


async def test_writes_after_abort_are_refused_as_retryable(
    hass: HomeAssistant, fake_v3
) -> None:
    """Once closing has begun no request starts, even the first: the points
    stay queued for the outbox."""
    client = v3_client(hass, fake_v3, "sports")
    await client.async_validate()
    client.abort_writes()
    with pytest.raises(WriteError, match="closing") as caught:
        await hass.async_add_executor_job(
            client.write,
            ["nhl_scores,game_id=g home_score=2i 1700000000000000000"],
            RetentionClass.EVENTS,
        )
    assert caught.value.retryable
    assert not [r for r in fake_v3.requests if r.method == "POST" and "write" in r.path]
    await hass.async_add_executor_job(client.close)


async def test_v3_existing_database_left_alone(hass: HomeAssistant, fake_v3) -> None:
    """influxdb3-core-openapi.yaml GET /api/v3/configure/database lists it."""
    client = v3_client(hass, fake_v3, "sports")
    await client.async_validate()
    await client.async_validate()
    creates = [r for r in fake_v3.requests if r.method == "POST"]
    assert len(creates) == 1
    fake_v3.fail_next.append((500, b'{"error":"internal"}', {}))
    with pytest.raises(CannotConnectError):
        await dialect(hass, fake_v3, V3Dialect, "sports").async_validate()


async def test_unparsable_retry_after(hass: HomeAssistant, fake_v3) -> None:
    """A Retry-After that is not seconds is ignored (the backoff applies)."""
    client = v3_client(hass, fake_v3, "sports")
    await client.async_validate()
    fake_v3.fail_next.append((429, b"{}", {"Retry-After": "soon"}))
    with pytest.raises(WriteError) as err:
        await hass.async_add_executor_job(
            client.write, ["m v=1i 1"], RetentionClass.EVENTS
        )
    assert err.value.retryable
    assert err.value.retry_after is None
    await hass.async_add_executor_job(client.close)


KICKOFF_NS = int(RECENT.timestamp()) * 10**9


async def stack_client(hass: HomeAssistant, url: str, database: str) -> InfluxClient:
    client = InfluxClient(async_get_clientsession(hass), url, "t", database)
    await client.async_validate()
    await client.async_prepare_destinations()
    return client


async def test_write_names_exactly_the_refused_lines(
    hass: HomeAssistant, stack, database: str
) -> None:
    """1.x answers "unable to parse" without saying which lines: halves are
    resent until the bad lines stand alone; a line UTF-8 cannot encode is
    refused unsent, never retried."""
    client = await stack_client(hass, stack.url, database)
    good = scores("g", 40)
    unparsable = f"nfl_scores,game_id=x home_score=9223372036854775808i {KICKOFF_NS}"
    unencodable = f"nfl_scores,game_id=\ud800 home_score=1i {KICKOFF_NS}"
    lines = [*good[:10], unparsable, *good[10:30], unencodable, *good[30:]]
    with pytest.raises(WriteError) as refused:
        await hass.async_add_executor_job(client.write, lines, RetentionClass.EVENTS)
    err = refused.value
    assert not err.retryable
    assert err.rejected == 2
    assert [(r.line_number, r.line) for r in err.lines] == [
        (11, unparsable),
        (32, unencodable),
    ]
    assert "unable to parse" in err.lines[0].error
    assert "UTF-8" in err.lines[1].error
    rows = select_from(stack, database, "nfl_scores", "home_score")
    assert sorted(r["home_score"] for r in rows) == list(range(40))
    await hass.async_add_executor_job(client.close)


async def test_type_conflict_is_split_where_the_server_points(
    hass: HomeAssistant, stack, database: str
) -> None:
    """1.x names the field and measurement of a type conflict: that is where
    the batch is split first, so one request finds 20 refused lines among
    40 (halving would take dozens); what the server takes decides."""
    client = await stack_client(hass, stack.url, database)
    await hass.async_add_executor_job(
        client.write,
        [f"nfl_scores,game_id=other home_score=1.5 {KICKOFF_NS}"],
        RetentionClass.EVENTS,
    )
    mixed = [
        f"nfl_scores,game_id=g{n} {'home' if n % 2 else 'away'}_score={n}i {KICKOFF_NS}"
        for n in range(40)
    ]
    log = stack.workdir / "nginx-access.log"
    before = len(requests_in(log, at_least=1, database=database))
    with pytest.raises(WriteError) as refused:
        await hass.async_add_executor_job(client.write, mixed, RetentionClass.EVENTS)
    assert [r.line for r in refused.value.lines] == mixed[1::2]
    assert requests_in(log, at_least=before + 3, database=database)[before:] == [
        "400",
        "204",
        "400",
    ]
    rows = select_from(stack, database, "nfl_scores", "away_score")
    assert sorted(r["away_score"] for r in rows if r["away_score"] is not None) == (
        list(range(0, 40, 2))
    )
    await hass.async_add_executor_job(client.close)


async def test_refused_requests_are_bounded(
    hass: HomeAssistant, stack, database: str
) -> None:
    """Past the budget of refused requests what is unresolved is refused as
    it is: nothing is lost (stored or named), the search stops."""
    client = await stack_client(hass, stack.url, database)
    client._splitter = Splitter(1 << 20, 3, conflict_suspects)
    bad = [f"nfl_scores,game_id=b{n} home_score=1e400i {KICKOFF_NS}" for n in range(8)]
    good = scores("g", 24)
    lines = [line for pair in zip(good[::3], bad, strict=True) for line in pair]
    lines += good[1::3] + good[2::3]
    with pytest.raises(WriteError) as refused:
        await hass.async_add_executor_job(client.write, lines, RetentionClass.EVENTS)
    named = {r.line for r in refused.value.lines}
    assert set(bad) <= named
    stored = {r["game_id"] for r in select_from(stack, database, "nfl_scores")}
    for n, line in enumerate(good):
        assert line in named or f"g{n}" in stored
    assert len(named) < len(lines)
    await hass.async_add_executor_job(client.close)


async def test_too_large_for_a_proxy_is_split_and_remembered(
    hass: HomeAssistant, stack, database: str
) -> None:
    """A proxy's 413: the request is halved until the proxy takes it, and
    the client's later requests stay under the size that passed."""
    url = stack.start_limited_proxy(16 * 1024)
    client = await stack_client(hass, url, database)
    log = stack.workdir / "limited-access.log"
    await hass.async_add_executor_job(
        client.write, scores("a", 2000), RetentionClass.EVENTS
    )
    first = requests_in(log, at_least=1)
    assert "413" in first
    assert client._splitter.max_bytes <= 16 * 1024
    await hass.async_add_executor_job(
        client.write, scores("b", 2000), RetentionClass.EVENTS
    )
    assert set(requests_in(log, at_least=len(first) + 1)[len(first) :]) == {"204"}
    assert len(select_from(stack, database, "nfl_scores")) == 4000
    await hass.async_add_executor_job(client.close)
    stack.stop_limited_proxy()


async def test_v3_partial_write_after_a_split(hass: HomeAssistant, fake_v3) -> None:
    """A line the server names in the second half of a split request is
    that line of the whole write."""
    client = v3_client(hass, fake_v3, "sports")
    await client.async_validate()
    fake_v3.ingest("sports", "nhl_scores,game_id=x home_score=1.5 1", "nanosecond")
    fake_v3.fail_next.append((413, b"too large", {}))
    lines = [
        f"nhl_scores,game_id=g{n} away_score={n}i 1700000000000000000" for n in range(6)
    ]
    lines[4] = "nhl_scores,game_id=g4 home_score=3i 1700000000000000000"
    with pytest.raises(WriteError) as refused:
        await hass.async_add_executor_job(client.write, lines, RetentionClass.EVENTS)
    assert [(r.line_number, r.line) for r in refused.value.lines] == [(5, lines[4])]
    assert len(fake_v3.rows("sports", "nhl_scores")) == 1 + 5
    await hass.async_add_executor_job(client.close)
