"""Retention on every server: created at setup, routed by the schema.

InfluxDB 1.x: the real stack (Debian's 1.6.7). InfluxDB 3: the local server
answering as the InfluxDB 3 Core reference documents; each test names the
section it follows. InfluxDB 2.x: canned answers of its API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
import json
from typing import Any
import uuid

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sports_influx.const import (
    CONF_BATCH_SIZE,
    CONF_FLUSH_INTERVAL,
    CONF_V2_BUCKETS,
    CONF_V3_DATABASES,
    DOMAIN,
)
from custom_components.sports_influx.influx import (
    DestinationState,
    InfluxClient,
    ServerKind,
    WriteError,
    parse_go_duration,
)
from custom_components.sports_influx.records import (
    InjuryReport,
    League,
    NflScore,
    PlayerStats,
    Standing,
)
from custom_components.sports_influx.repairs import destinations_issue_id
from custom_components.sports_influx.schema import (
    RetentionClass,
    is_expired,
    v3_destinations,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util import dt as dt_util

from .conftest import RECENT, select
from .factories import entry_for, setup

# What 1.x prints for the schema's windows (Go durations).
TWO_YEARS = "17520h0m0s"
FIVE_YEARS = "43800h0m0s"


def score(home: int = 21, **overrides: Any) -> NflScore:
    """An NFL score of a recent game."""
    values: dict[str, Any] = {
        "game_id": "401547417",
        "season": RECENT.year,
        "home_team": "ATL",
        "away_team": "GB",
        "status": "POST",
        "home_score": home,
        "away_score": 24,
        "time": RECENT,
    }
    values.update(overrides)
    return NflScore(**values)


def standing(**overrides: Any) -> Standing:
    """One NFL standings row."""
    values: dict[str, Any] = {
        "league": League.NFL,
        "team": "ATL",
        "season": RECENT.year,
        "wins": 7,
        "losses": 10,
        "ties": 0,
        "win_percentage": 7 / 17,
        "time": RECENT,
    }
    values.update(overrides)
    return Standing(**values)


def player_stats() -> PlayerStats:
    """One player's box score line."""
    return PlayerStats(
        league=League.NFL,
        player_id="4430807",
        player_name="Bijan Robinson",
        team="ATL",
        game_id="401547417",
        season=RECENT.year,
        stats={"rushing_yards": 124},
        time=RECENT,
    )


def injury() -> InjuryReport:
    """One injury report line."""
    return InjuryReport(
        player_id="4362628",
        player_name="Ja'Marr Chase",
        team="CIN",
        status="Questionable",
        season=RECENT.year,
        weeks_out=1,
        time=RECENT,
    )


async def reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Reload an entry (what HA does after the options change)."""
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


def states(entry: MockConfigEntry) -> dict[str, str]:
    """Each destination's state after setup."""
    return {d.bucket: str(d.state) for d in entry.runtime_data.client.destinations}


def policies(stack, database: str) -> dict[str, tuple[str, bool]]:  # type: ignore[no-untyped-def]
    """SHOW RETENTION POLICIES as {name: (duration, default)}."""
    rows = select(stack, database, f'SHOW RETENTION POLICIES ON "{database}"')
    return {r["name"]: (r["duration"], r["default"]) for r in rows}


# -- pure -------------------------------------------------------------------


def test_expiry_is_relative_to_the_class_window() -> None:
    """A point is expired once older than its class's window, not before."""
    now = dt_util.utcnow()
    two_years = timedelta(days=730)
    assert not is_expired(RetentionClass.EVENTS, None, now)
    assert not is_expired(RetentionClass.EVENTS, now - two_years, now)
    assert is_expired(
        RetentionClass.EVENTS, now - two_years - timedelta(seconds=1), now
    )
    assert is_expired(RetentionClass.STATS, now - two_years - timedelta(days=1), now)
    assert not is_expired(
        RetentionClass.STANDINGS, now - two_years - timedelta(days=1), now
    )


def test_go_durations() -> None:
    """SHOW RETENTION POLICIES durations (1.x and 3.x print Go's format)."""
    assert parse_go_duration(TWO_YEARS) == timedelta(days=730)
    assert parse_go_duration("1h30m0s") == timedelta(minutes=90)
    assert parse_go_duration("30s") == timedelta(seconds=30)
    assert parse_go_duration("0s") is None  # forever
    assert parse_go_duration("soon") is None
    assert parse_go_duration(None) is None


def test_v3_shared_database_takes_the_longest_window() -> None:
    """Options putting standings with the scores: kept 5 years, not 2."""
    routes = v3_destinations("sports", {RetentionClass.STANDINGS: "sports"})
    assert {d.database for d in routes.values()} == {"sports"}
    assert {d.period for d in routes.values()} == {timedelta(days=1825)}


# -- InfluxDB 1.x, the real stack -------------------------------------------


@pytest.fixture
def fresh_database(stack) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A database name nobody created yet; dropped afterwards."""
    name = f"fresh_{uuid.uuid4().hex[:10]}"
    yield name
    stack.drop_database(name)


async def test_v1_fresh_database_gets_its_retention_policies(
    hass: HomeAssistant, stack, fresh_database: str
) -> None:
    """CREATE DATABASE, then the three policies with the schema's durations."""
    entry = entry_for(stack.url, "", fresh_database)
    await setup(hass, entry)
    assert policies(stack, fresh_database) == {
        "autogen": ("0s", True),
        "sports_events_2y": (TWO_YEARS, False),
        "sports_stats_2y": (TWO_YEARS, False),
        "sports_standings_5y": (FIVE_YEARS, False),
    }
    assert states(entry) == {
        f"{fresh_database}/sports_events_2y": "created",
        f"{fresh_database}/sports_stats_2y": "created",
        f"{fresh_database}/sports_standings_5y": "created",
    }
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_v1_each_class_lands_in_its_policy(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """Scores and injuries: 2y events; player stats: 2y stats; standings: 5y."""
    writer = init_integration.runtime_data.writer
    assert writer.async_enqueue([score(), injury(), player_stats(), standing()]) == 4
    await writer.async_flush()
    assert writer.stats.points_written == 4

    def rows(rp: str, measurement: str) -> list[dict[str, Any]]:
        return select(
            stack,
            database,
            f'SELECT * FROM "{database}"."{rp}"."{measurement}"',
        )

    assert [r["home_score"] for r in rows("sports_events_2y", "nfl_scores")] == [21]
    assert [r["team"] for r in rows("sports_events_2y", "nfl_injuries")] == ["CIN"]
    stats = rows("sports_stats_2y", "nfl_player_stats")
    assert [r["rushing_yards"] for r in stats] == [124]
    assert [r["wins"] for r in rows("sports_standings_5y", "nfl_standings")] == [7]
    # Nothing anywhere else.
    assert rows("autogen", "nfl_scores") == []
    assert rows("sports_events_2y", "nfl_standings") == []
    assert rows("sports_standings_5y", "nfl_scores") == []


async def test_v1_second_setup_changes_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """A reload finds the policies and leaves them as they are."""
    before = policies(stack, database)
    assert set(states(init_integration).values()) == {"created"}
    await reload(hass, init_integration)
    assert policies(stack, database) == before
    assert set(states(init_integration).values()) == {"exists"}


async def test_v1_policy_with_other_duration_left_alone(
    hass: HomeAssistant,
    *,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A policy of the same name keeps its duration; setup reports it."""
    stack.query(
        f'CREATE RETENTION POLICY "sports_events_2y" ON "{database}" '
        "DURATION 52w REPLICATION 1"
    )
    await setup(hass, mock_config_entry)
    assert policies(stack, database)["sports_events_2y"] == ("8736h0m0s", False)
    assert states(mock_config_entry)[f"{database}/sports_events_2y"] == (
        "other_retention"
    )
    assert f"{database}/sports_events_2y keeps data for 8736h0m0s, not 730d" in (
        caplog.text
    )
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, mock_config_entry
    )
    events = diagnostics["destinations"][0]
    assert events["state"] == "other_retention"
    assert (events["wanted"], events["actual"]) == ("730d", "8736h0m0s")
    # Still written to, as it is.
    writer = mock_config_entry.runtime_data.writer
    writer.async_enqueue([score()])
    await writer.async_flush()
    assert writer.stats.points_written == 1
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_expired_points_are_skipped_and_counted(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Older than the window: not sent (1.x would refuse it), counted, logged once."""
    writer = init_integration.runtime_data.writer
    old = dt_util.utcnow() - timedelta(days=800)
    queued = writer.async_enqueue(
        [score(time=old), score(home=3, time=old), standing(time=old), score(home=7)]
    )
    assert queued == 2  # the old standing is inside its 5 years
    await writer.async_flush()
    assert writer.stats.expired == 2
    assert writer.stats.points_written == 2
    assert writer.stats.points_failed == 0
    assert writer.stats.as_dict()["expired"] == 2
    assert caplog.text.count("older than its events retention") == 1
    query = f'SELECT * FROM "{database}"."sports_events_2y"."nfl_scores"'
    scores = select(stack, database, query)
    assert [r["home_score"] for r in scores] == [7]
    await hass.async_block_till_done()
    state = hass.states.get(f"sensor.sports_influx_{database}_expired_points")
    assert state is not None
    assert state.state == "2"


async def test_v1_policies_the_user_may_not_create(
    hass: HomeAssistant, fake_v3, issue_registry: ir.IssueRegistry
) -> None:
    """1.x without admin rights: 403 on CREATE RETENTION POLICY -> repair issue.

    Canned 1.x answers (the stack runs without authentication).
    """
    show = {
        "results": [
            {
                "statement_id": 0,
                "series": [
                    {
                        "columns": ["name", "duration", "default"],
                        "values": [["autogen", "0s", True]],
                    }
                ],
            }
        ]
    }
    denied = (
        b'{"error":"error authorizing query: ha not authorized to execute statement"}'
    )
    fake_v3.fail_next += [
        (204, b"", {"X-Influxdb-Version": "1.8.10"}),
        (200, b'{"results":[{"series":[{"values":[["sports"]]}]}]}', {}),
        (200, json.dumps(show).encode(), {}),
        (403, denied, {}),
        (403, denied, {}),
        (403, denied, {}),
    ]
    entry = entry_for(fake_v3.url, "ha:pw", "sports")
    await setup(hass, entry)
    assert set(states(entry).values()) == {"missing"}
    issue = issue_registry.async_get_issue(
        DOMAIN, destinations_issue_id(entry.entry_id)
    )
    assert issue is not None
    assert issue.translation_key == "retention_policies_not_created"
    assert issue.translation_placeholders is not None
    assert (
        'CREATE RETENTION POLICY "sports_standings_5y" ON "sports" DURATION 1825d '
        "REPLICATION 1" in issue.translation_placeholders["commands"]
    )
    # Points for a missing policy fail at once (1.x would answer 500 forever).
    writer = entry.runtime_data.writer
    writer.async_enqueue([standing()])
    await writer.async_flush()
    assert writer.stats.points_failed == 1
    assert writer.stats.retries == 0
    assert "sports/sports_standings_5y does not exist" in (
        writer.stats.last_error or ""
    )
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_v1_statement_errors(hass: HomeAssistant, fake_v3) -> None:
    """A refused CREATE is reported; an unreadable SHOW is a connection problem."""
    client = InfluxClient(async_get_clientsession(hass), fake_v3.url, "", "sports")
    fake_v3.fail_next.append((204, b"", {"X-Influxdb-Version": "1.8.10"}))
    await client.async_detect()
    fake_v3.fail_next += [
        (200, b'{"results":[{"statement_id":0}]}', {}),
        (200, b'{"results":[{"error":"retention policy conflicts"}]}', {}),
        (200, b'{"results":[{"statement_id":0}]}', {}),
        (200, b'{"results":[{"statement_id":0}]}', {}),
        (200, b'{"results":[{"statement_id":0,"series":[]}]}', {}),
    ]
    found = await client.async_prepare_destinations()
    assert [s.state for s in found] == [
        DestinationState.MISSING,
        DestinationState.CREATED,
        DestinationState.CREATED,
    ]
    assert found[0].error == "retention policy conflicts"
    assert not found[0].forbidden
    fake_v3.fail_next.append((200, b'{"results":[{"error":"database not found"}]}', {}))
    with pytest.raises(Exception, match="database not found"):
        await client.async_prepare_destinations()
    fake_v3.fail_next.append((200, b"<html>", {}))
    with pytest.raises(Exception, match="html"):
        await client.async_prepare_destinations()


# -- InfluxDB 3, the local reference server ---------------------------------


async def test_v3_missing_databases_created_with_their_retention(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake_v3,
) -> None:
    """databases/create.md: POST /api/v3/configure/database with retention_period.

    Events and stats: the configured database, 730 days; standings:
    "<database>-standings", 1825 days. Each class is written to its own.
    """
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    assert fake_v3.databases == {"sports": "730d", "sports-standings": "1825d"}
    creates = [
        json.loads(r.body)
        for r in fake_v3.requests
        if r.method == "POST" and r.path == "/api/v3/configure/database"
    ]
    assert creates == [
        {"db": "sports", "retention_period": "730d"},
        {"db": "sports-standings", "retention_period": "1825d"},
    ]
    assert states(entry) == {"sports": "created", "sports-standings": "created"}
    # Retention as the server prints it (InfluxQL SHOW RETENTION POLICIES).
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert [
        (d["bucket"], d["classes"], d["actual"]) for d in diagnostics["destinations"]
    ] == [
        ("sports", ["events", "stats"], TWO_YEARS),
        ("sports-standings", ["standings"], FIVE_YEARS),
    ]
    writer = entry.runtime_data.writer
    writer.async_enqueue([score(), player_stats(), standing()])
    await writer.async_flush()
    assert [r["home_score"] for r in fake_v3.rows("sports", "nfl_scores")] == [21]
    assert len(fake_v3.rows("sports", "nfl_player_stats")) == 1
    assert [r["wins"] for r in fake_v3.rows("sports-standings", "nfl_standings")] == [7]
    assert fake_v3.rows("sports", "nfl_standings") == []
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_v3_existing_databases_are_not_touched(
    hass: HomeAssistant, fake_v3, caplog: pytest.LogCaptureFixture
) -> None:
    """Core: retention is set only at creation; existing ones are used as they are."""
    fake_v3.databases.update({"sports": None, "sports-standings": "1825d"})
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    assert not [
        r for r in fake_v3.requests if r.method == "POST" and "configure" in r.path
    ]
    assert fake_v3.databases == {"sports": None, "sports-standings": "1825d"}
    assert states(entry) == {"sports": "other_retention", "sports-standings": "exists"}
    found = {d.bucket: d.actual for d in entry.runtime_data.client.destinations}
    assert found == {"sports": "0s", "sports-standings": FIVE_YEARS}
    assert "sports keeps data for 0s, not 730d" in caplog.text
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_v3_forbidden_create_raises_a_repair_issue_until_created(
    hass: HomeAssistant, fake_v3, issue_registry: ir.IssueRegistry
) -> None:
    """403 on POST /api/v3/configure/database -> repair issue with the command.

    Writes go on to the database that exists; the standings fail (counted)
    rather than create a database without its retention on first write
    (get-started/write.md: write_lp creates a missing database). The issue
    is cleared at the next setup once the database exists.
    """
    fake_v3.databases["sports"] = "730d"
    fake_v3.allow_create = False
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    issue_id = destinations_issue_id(entry.entry_id)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "databases_not_created"
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders == {
        "host": fake_v3.url,
        "database": "sports",
        "names": "sports-standings",
        "commands": (
            f"influxdb3 create database --host {fake_v3.url} --token ADMIN_TOKEN "
            "--retention-period 1825d sports-standings"
        ),
    }
    writer = entry.runtime_data.writer
    writer.async_enqueue([score(), standing()])
    await writer.async_flush()
    assert writer.stats.points_written == 1
    assert writer.stats.points_failed == 1
    assert "sports-standings" not in fake_v3.databases
    assert len(fake_v3.rows("sports", "nfl_scores")) == 1

    # The admin runs the command; the next setup finds it and clears the issue.
    fake_v3.databases["sports-standings"] = "1825d"
    await reload(hass, entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert states(entry) == {"sports": "exists", "sports-standings": "exists"}
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_v3_unauthorized_create_and_conflict(
    hass: HomeAssistant, fake_v3
) -> None:
    """openapi PostConfigureDatabase: 401 is a refusal, 409 "already exists" is fine."""
    client = InfluxClient(
        async_get_clientsession(hass), fake_v3.url, fake_v3.token, "sports"
    )
    await client.async_detect()
    fake_v3.databases["sports"] = "730d"
    fake_v3.fail_next += [
        (200, b"[]", {}),  # the list misses both (a concurrent creator)
        (409, b"attempted to create a resource that already exists", {}),
        (401, b'{"error":"the request was not authenticated"}', {}),
    ]
    found = await client.async_prepare_destinations()
    assert [(s.bucket, s.state, s.forbidden) for s in found] == [
        ("sports", DestinationState.EXISTS, False),
        ("sports-standings", DestinationState.MISSING, True),
    ]
    assert found[1].error == '401: {"error":"the request was not authenticated"}'
    with pytest.raises(WriteError) as err:
        await hass.async_add_executor_job(
            client.write, ["nfl_standings,team=ATL wins=7i 1"], RetentionClass.STANDINGS
        )
    assert not err.value.retryable
    # An unreadable retention answer leaves "actual" unknown, nothing else.
    fake_v3.databases["sports-standings"] = "1825d"
    listed = b'[{"iox::database":"sports"},{"iox::database":"sports-standings"}]'
    fake_v3.fail_next += [(200, listed, {}), (200, b"{", {})]
    found = await client.async_prepare_destinations()
    assert [s.actual for s in found] == [None, None]
    await hass.async_add_executor_job(client.close)


async def test_v3_options_rename_the_databases(hass: HomeAssistant, fake_v3) -> None:
    """The options flow names each class's database; a bad name is refused."""
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    defaults = {
        str(key): key.default()
        for key in result["data_schema"].schema
        if str(key).startswith("v3_")
    }
    assert defaults == {
        "v3_database_events": "sports",
        "v3_database_stats": "sports",
        "v3_database_standings": "sports-standings",
    }
    user = {
        CONF_BATCH_SIZE: 100,
        CONF_FLUSH_INTERVAL: 10,
        CONF_V3_DATABASES[RetentionClass.EVENTS]: "sports",
        CONF_V3_DATABASES[RetentionClass.STATS]: "sports",
        CONF_V3_DATABASES[RetentionClass.STANDINGS]: "bad name!",
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], user)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"v3_database_standings": "invalid_database_name"}
    user[CONF_V3_DATABASES[RetentionClass.STANDINGS]] = "sports-5y"
    result = await hass.config_entries.options.async_configure(result["flow_id"], user)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert fake_v3.databases["sports-5y"] == "1825d"
    assert (
        entry.runtime_data.client.destination(RetentionClass.STANDINGS) == "sports-5y"
    )
    assert await hass.config_entries.async_unload(entry.entry_id)


# -- InfluxDB 2.x, canned answers ---------------------------------------------


V2_PING = (204, b"", {"X-Influxdb-Version": "v2.7.11", "X-Influxdb-Build": "OSS"})


def v2_buckets(name: str, seconds: int) -> tuple[int, bytes, dict[str, str]]:
    """GET /api/v2/buckets?name=...: one bucket with its retention rules."""
    body = {
        "buckets": [
            {
                "name": name,
                "orgID": "0a1b2c",
                "retentionRules": [{"type": "expire", "everySeconds": seconds}],
            }
        ]
    }
    return 200, json.dumps(body).encode(), {}


async def test_v2_buckets_from_the_options(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, fake_v3
) -> None:
    """Each class goes to the bucket the options name; retention as reported."""
    fake_v3.fail_next += [
        V2_PING,
        v2_buckets("sports", 63072000),  # validate: the configured bucket
        v2_buckets("sports", 63072000),  # events and stats
        v2_buckets("sports_long", 0),  # standings
    ]
    entry = entry_for(
        fake_v3.url,
        "t",
        "sports",
        **{CONF_V2_BUCKETS[RetentionClass.STANDINGS]: "sports_long"},
    )
    await setup(hass, entry)
    client = entry.runtime_data.client
    assert client.destination(RetentionClass.EVENTS) == "sports"
    assert client.destination(RetentionClass.STANDINGS) == "sports_long"
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert [
        (d["bucket"], d["state"], d["wanted"], d["actual"])
        for d in diagnostics["destinations"]
    ] == [
        ("sports", "exists", None, [{"type": "expire", "everySeconds": 63072000}]),
        ("sports_long", "exists", None, [{"type": "expire", "everySeconds": 0}]),
    ]
    # The options flow shows a bucket per class.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    keys = {str(k) for k in result["data_schema"].schema}
    assert {k for k in keys if k.startswith("v2_")} == set(CONF_V2_BUCKETS.values())
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_v2_missing_bucket(hass: HomeAssistant, fake_v3) -> None:
    """A mapped bucket that does not exist: reported, its points fail at once."""
    client = InfluxClient(
        async_get_clientsession(hass),
        fake_v3.url,
        "t",
        "sports",
        names={ServerKind.V2: {RetentionClass.STATS: "nope"}},
    )
    fake_v3.fail_next += [
        V2_PING,
        v2_buckets("sports", 0),
        v2_buckets("sports", 0),
        (200, b"not json", {}),
    ]
    await client.async_validate()
    found = await client.async_prepare_destinations()
    assert [(s.bucket, s.state) for s in found] == [
        ("sports", DestinationState.EXISTS),
        ("nope", DestinationState.MISSING),
    ]
    with pytest.raises(WriteError):
        await hass.async_add_executor_job(
            client.write, ["nfl_player_stats,team=ATL yards=1 1"], RetentionClass.STATS
        )


async def test_v1_entry_options_have_no_destinations(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """1.x retention policies are fixed: the options ask for no names."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    keys = {str(k) for k in result["data_schema"].schema}
    assert not {k for k in keys if k.startswith(("v2_", "v3_"))}
