"""Query answers flattened to rows; only reading statements pass."""

from __future__ import annotations

import json
from typing import Any

from influx_stack import QueryError as QueryError_
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.const import DOMAIN
from custom_components.sports_influx.query import (
    QueryError,
    QueryLanguage,
    QueryNotAllowedError,
    check_query,
    error_message,
    rows_from_v1,
    rows_from_v3,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .conftest import RECENT
from .factories import entry_for, score_by_action, secret_database, setup

V1 = json.dumps(
    {
        "results": [
            {
                "statement_id": 0,
                "series": [
                    {
                        "name": "nfl_scores",
                        "tags": {"game_id": "1"},
                        "columns": ["time", "home_score"],
                        "values": [
                            ["2025-10-01T17:00:00Z", 7],
                            ["2025-10-01T17:05:00Z", 14],
                        ],
                    },
                    {
                        "name": "nfl_scores",
                        "tags": {"game_id": "2"},
                        "columns": ["time", "home_score"],
                        "values": [["2025-10-02T17:00:00Z", 3]],
                    },
                ],
            }
        ]
    }
)


def _refusal(query: str, language: QueryLanguage = QueryLanguage.INFLUXQL) -> str:
    """The translation key a query is refused with, or "" when it may run."""
    try:
        check_query(query, language, ["sports", "sports-standings"])
    except QueryNotAllowedError as err:
        return err.key
    return ""


OTHER = "query_other_database"
NOT_READ_ONLY = "query_not_read_only"
NOT_UNDERSTOOD = "query_not_understood"


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("SELECT * FROM nfl_scores", ""),
        ("  show measurements", ""),
        ("SHOW TAG VALUES WITH KEY = team", ""),
        ("SHOW FIELD KEYS FROM nfl_scores", ""),
        ("SHOW RETENTION POLICIES", ""),
        ("SHOW SERIES EXACT CARDINALITY", ""),
        ("EXPLAIN SELECT * FROM nfl_scores", ""),
        ("EXPLAIN ANALYZE SELECT * FROM nfl_scores", ""),
        ("SELECT 1;", ""),
        ('SELECT * FROM "sports"."autogen"."nfl_scores"', ""),
        ("SELECT * FROM sports..nfl_scores", ""),
        ("SELECT * FROM sports.autogen./nfl_.*/", ""),
        ('SHOW MEASUREMENTS ON "sports-standings"', ""),
        ("SELECT * FROM autogen.nfl_scores", ""),
        ("SELECT home_score / away_score FROM nfl_scores", ""),
        ("SELECT * FROM nfl_scores WHERE team =~ /^AT/ AND x = 'a/b'", ""),
        ("SELECT * FROM nfl_scores WHERE team =~ /^(ATL|NO)$/", ""),
        ("SELECT * FROM m WHERE t =~ /a/ AND u = $u", NOT_UNDERSTOOD),
        ("SELECT * FROM nfl_scores WHERE x = 'other..m; DROP'", ""),
        ("SELECT * FROM nfl_scores -- FROM other..m", ""),
        ('SELECT "other"."rp"."m" FROM nfl_scores', OTHER),
        ('SELECT * FROM "other"."rp"."m"', OTHER),
        ("SELECT * FROM other..m", OTHER),
        ("select * from OTHER..m", OTHER),
        ('SELECT * FROM "Sports"..m', OTHER),
        ("SELECT * FROM other.autogen./.*/", OTHER),
        ("SELECT * FROM other../.*/", OTHER),
        ("SELECT * FROM sports..m, other..m", OTHER),
        ("SELECT * FROM (SELECT * FROM other..m)", OTHER),
        ("SELECT * FROM /*x*/ other /*y*/ . /*z*/ . m", OTHER),
        ("SELECT * FROM\tother\n..m", OTHER),
        ('SELECT * FROM "oth\\"er"..m', OTHER),
        ("SHOW MEASUREMENTS ON other", OTHER),
        ('show tag keys on "other"', OTHER),
        ("SHOW SERIES ON other FROM m", OTHER),
        ("SHOW MEASUREMENTS ON", OTHER),
        ("SHOW DATABASES", NOT_READ_ONLY),
        ("SHOW USERS", NOT_READ_ONLY),
        ("SHOW GRANTS FOR admin", NOT_READ_ONLY),
        ("SHOW SHARDS", NOT_READ_ONLY),
        ("SHOW QUERIES", NOT_READ_ONLY),
        ("SHOW CONTINUOUS QUERIES", NOT_READ_ONLY),
        ("SHOW DIAGNOSTICS", NOT_READ_ONLY),
        ("SHOW", NOT_READ_ONLY),
        ("SELECT * INTO copy FROM nfl_scores", NOT_READ_ONLY),
        ("SELECT * INTO other..copy FROM nfl_scores", NOT_READ_ONLY),
        ("DROP MEASUREMENT nfl_scores", NOT_READ_ONLY),
        ("CREATE DATABASE x", NOT_READ_ONLY),
        ("GRANT ALL TO bob", NOT_READ_ONLY),
        ("DELETE FROM nfl_scores", NOT_READ_ONLY),
        ("SELECT 1; DROP DATABASE x", NOT_READ_ONLY),
        ("SELECT 1; SELECT * FROM other..m", NOT_READ_ONLY),
        ("SELECT 1 /* ; */; SELECT 2", NOT_READ_ONLY),
        ("", NOT_READ_ONLY),
        ("-- only a comment", NOT_READ_ONLY),
        ("EXPLAIN", NOT_READ_ONLY),
        ("/x/", NOT_READ_ONLY),
        ("SELECT * FROM m WHERE t = 'a\nb'", NOT_UNDERSTOOD),
        ("SELECT * FROM m /* unclosed", NOT_UNDERSTOOD),
        ("SELECT * FROM 'unclosed", NOT_UNDERSTOOD),
        ('SELECT * FROM "a\\x"', NOT_UNDERSTOOD),
        ('SELECT * FROM other"x"..m', NOT_UNDERSTOOD),
        ("SELECT * FROM m WHERE t = $t", NOT_UNDERSTOOD),
        # The server reads /.../ as a regex here; a quote in it would make
        # this reading and the server's part ways.
        ('SELECT * FROM /x"/, other..m -- "', NOT_UNDERSTOOD),
        ("SELECT * FROM m WHERE t =~ /--/ , other..m", NOT_UNDERSTOOD),
        ("SELECT * FROM m WHERE t =~ /a/* , other..m */", NOT_UNDERSTOOD),
    ],
)
def test_influxql_scope(query: str, key: str) -> None:
    """Only reads of the entry's own databases; every spelling of another."""
    assert _refusal(query) == key


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("SELECT * FROM nfl_scores", ""),
        ("WITH x AS (SELECT 1) SELECT * FROM x", ""),
        ("EXPLAIN SELECT 1", ""),
        ("SHOW TABLES", ""),
        ("SELECT * FROM iox.nfl_scores", ""),
        ("SELECT * FROM information_schema.tables", ""),
        ("SELECT 'other.iox.m' AS x", ""),
        ('SELECT "a""b" FROM nfl_scores', ""),
        ("SELECT * FROM other.iox.nfl_scores", OTHER),
        ('SELECT * FROM "other"."iox"."m"', OTHER),
        ("SELECT * FROM sports.iox.nfl_scores", OTHER),
        ("SELECT * FROM x UNION SELECT * FROM /**/other . iox . m", OTHER),
        ("SELECT * INTO t FROM m", NOT_READ_ONLY),
        ("COPY (SELECT 1) TO '/tmp/x'", NOT_READ_ONLY),
        ("CREATE TABLE t (a INT)", NOT_READ_ONLY),
        ("SELECT 1; SELECT 2", NOT_READ_ONLY),
        ("SELECT 'unclosed", NOT_UNDERSTOOD),
        ("SELECT 1 -- one\n", ""),
        ("SELECT 1 /* one */", ""),
        ("SELECT 1 /* unclosed", NOT_UNDERSTOOD),
        ("VALUES (1)", NOT_READ_ONLY),
        ("SELECT `x` FROM m", NOT_UNDERSTOOD),
        ("SELECT $1", NOT_UNDERSTOOD),
    ],
)
def test_sql_scope(query: str, key: str) -> None:
    """SQL reads the request's database; a catalog in the text is refused."""
    assert _refusal(query, QueryLanguage.SQL) == key


def test_v1_rows_with_tags_and_limit() -> None:
    result = rows_from_v1(V1, limit=10)
    assert result.rows == [
        {
            "measurement": "nfl_scores",
            "game_id": "1",
            "time": "2025-10-01T17:00:00Z",
            "home_score": 7,
        },
        {
            "measurement": "nfl_scores",
            "game_id": "1",
            "time": "2025-10-01T17:05:00Z",
            "home_score": 14,
        },
        {
            "measurement": "nfl_scores",
            "game_id": "2",
            "time": "2025-10-02T17:00:00Z",
            "home_score": 3,
        },
    ]
    assert result.truncated is False
    short = rows_from_v1(V1, limit=2)
    assert (len(short.rows), short.truncated) == (2, True)
    assert short.as_response() == {"rows": short.rows, "count": 2, "truncated": True}
    assert rows_from_v1('{"results": [{"statement_id": 0}]}', 5).rows == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"results": [{"statement_id": 0, "error": "measurement not found"}]}',
            "measurement not found",
        ),
        (
            '{"error": "error parsing query: found EOF"}',
            "error parsing query: found EOF",
        ),
        ("<html>bad gateway</html>", "unreadable answer"),
        ('{"results": [{"series": [{"columns": ["a"]}]}]}', "unreadable answer"),
        ('{"something": "else"}', "unreadable answer"),
    ],
)
def test_v1_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        rows_from_v1(text, 10)


def test_v3_rows() -> None:
    rows = [
        {"time": "2025-10-01T17:00:00", "home_score": 7},
        {"time": "2025-10-01T17:05:00", "home_score": 14},
    ]
    assert rows_from_v3(json.dumps(rows), 10).rows == rows
    assert rows_from_v3(json.dumps(rows), 1).truncated is True
    assert rows_from_v3("", 10).rows == []
    for bad in ("{not json", '{"a": 1}', "[1, 2]"):
        with pytest.raises(QueryError):
            rows_from_v3(bad, 10)


def test_error_message() -> None:
    assert (
        error_message('{"error": "database not found: x"}') == "database not found: x"
    )
    assert error_message("plain text\n") == "plain text"
    assert error_message("[1]") == "[1]"


# --- the action, on the real 1.x stack and on the InfluxDB 3 reference server --


async def _query(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "query", data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def _write_scores(hass: HomeAssistant) -> None:
    for n, (home, away) in enumerate(((7, 0), (14, 3), (21, 10))):
        await score_by_action(hass, home, n, away=away, start=RECENT)
    await hass.services.async_call(
        DOMAIN,
        "write_standings",
        {
            "league": "NFL",
            "season": RECENT.year,
            "time": RECENT,
            "standings": [{"team": "ATL", "wins": 5, "losses": 2}],
        },
        blocking=True,
    )
    await hass.services.async_call(DOMAIN, "flush", {}, blocking=True)


@pytest.mark.usefixtures("init_integration")
async def test_query_action_influxql(hass: HomeAssistant) -> None:
    """Rows as dicts, each class read where it is written, bounded."""
    await _write_scores(hass)
    result = await _query(
        hass, query="SELECT home_score, away_score FROM nfl_scores WHERE game_id = 'g1'"
    )
    assert [(r["home_score"], r["away_score"]) for r in result["rows"]] == [
        (7, 0),
        (14, 3),
        (21, 10),
    ]
    assert (result["count"], result["truncated"]) == (3, False)
    assert result["rows"][0]["measurement"] == "nfl_scores"
    bounded = await _query(hass, query="SELECT * FROM nfl_scores", limit=2)
    assert (bounded["count"], bounded["truncated"]) == (2, True)
    standings = await _query(
        hass, query="SELECT wins FROM nfl_standings", retention="standings"
    )
    assert [r["wins"] for r in standings["rows"]] == [5]
    # The events class has no standings: the answer is no rows, not an error.
    assert (await _query(hass, query="SELECT wins FROM nfl_standings"))["rows"] == []


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("data", "key", "error"),
    [
        (
            {"query": "DROP MEASUREMENT nfl_scores"},
            "query_not_read_only",
            ServiceValidationError,
        ),
        (
            {"query": "SELECT 1", "language": "sql"},
            "query_language_unsupported",
            ServiceValidationError,
        ),
        ({"query": "SELECT * FROM"}, "query_failed", HomeAssistantError),
        (
            {"query": "SELECT *", "limit": 0},
            "invalid_action_data",
            ServiceValidationError,
        ),
        (
            {"query": "SELECT *", "timeout": 120},
            "invalid_action_data",
            ServiceValidationError,
        ),
    ],
)
async def test_query_action_errors(
    hass: HomeAssistant, data: dict[str, Any], key: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as err:
        await _query(hass, **data)
    assert isinstance(err.value, HomeAssistantError)
    assert err.value.translation_key == key
    assert str(err.value)
    assert key not in str(err.value)


async def test_query_action_unreachable(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack
) -> None:
    stack.stop_nginx()
    with pytest.raises(HomeAssistantError) as err:
        await _query(hass, query="SELECT * FROM nfl_scores")
    assert err.value.translation_key == "cannot_connect"


async def test_query_action_v3_sql(hass: HomeAssistant, fake_v3) -> None:  # type: ignore[no-untyped-def]
    """SQL by default on InfluxDB 3 (openapi: GET /api/v3/query_sql, format=json).

    Standings are asked of the standings database (``<db>-standings``).
    """
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    await _write_scores(hass)
    result = await _query(
        hass,
        query="SELECT home_score, away_score FROM nfl_scores ORDER BY time",
    )
    assert [(r["home_score"], r["away_score"]) for r in result["rows"]] == [
        (7, 0),
        (14, 3),
        (21, 10),
    ]
    standings = await _query(
        hass, query="SELECT team, wins FROM nfl_standings", retention="standings"
    )
    assert standings["rows"] == [{"team": "ATL", "wins": 5}]
    influxql = await _query(
        hass, query="SELECT home_score FROM nfl_scores", language="influxql", limit=1
    )
    assert (influxql["count"], influxql["truncated"]) == (1, True)
    # openapi: a missing table is an error answer, shown translated.
    with pytest.raises(HomeAssistantError) as err:
        await _query(hass, query="SELECT * FROM nowhere")
    assert err.value.translation_key == "query_failed"
    fake_v3.token = "apiv3_rotated"
    with pytest.raises(HomeAssistantError) as err:
        await _query(hass, query="SELECT * FROM nfl_scores")
    assert err.value.translation_key == "invalid_auth"
    fake_v3.token = entry.data["token"]
    # A query the server cannot answer in time (the reference server is slow
    # only when told to be: a delayed answer).
    fake_v3.delay = 2.0
    with pytest.raises(HomeAssistantError) as err:
        await _query(hass, query="SELECT * FROM nfl_scores", timeout=1)
    assert err.value.translation_key == "query_timeout"
    fake_v3.delay = 0.0


# --- scope on the real server: another database the token can read -------

SECRET = "4711"

# Spellings of a read of another database P, each refused; those marked
# True are statements the server itself answers with P's secret when sent
# with this entry's database as ``db`` (what the action would have leaked).
# The others are not sent to the server directly (some write or drop).
SPELLINGS: list[tuple[str, bool]] = [
    ('SELECT * FROM "{p}"."autogen"."door_codes"', True),
    ("SELECT * FROM {p}..door_codes", True),
    ("sElEcT code fRoM {p}..door_codes", True),
    ("SELECT\t*\nFROM\n   {p} . . door_codes", False),
    ("SELECT * FROM {p}..door_codes -- own data only", True),
    ("SELECT * /* own data */ FROM {p}..door_codes /* only */", True),
    ('SELECT * FROM "{p}".autogen./door.*/', True),
    ("SELECT * FROM {p}../.*/", True),
    ("SELECT * FROM (SELECT code FROM {p}..door_codes)", True),
    ("SELECT * FROM nfl_scores, {p}..door_codes", True),
    ("SELECT * FROM nfl_scores; SELECT * FROM {p}..door_codes", True),
    ("SELECT * FROM nfl_scores -- x\n; SELECT * FROM {p}..door_codes;", True),
    ("SHOW MEASUREMENTS ON {p}", True),
    ('SHOW TAG VALUES ON "{p}" WITH KEY = door', True),
    ("show field keys on {p}", True),
    ("SHOW SERIES ON {p}", True),
    ("SHOW RETENTION POLICIES ON {p}", False),
    ("SHOW DATABASES", False),
    ("SELECT * INTO {p}..stolen FROM nfl_scores", False),
    ("SELECT * INTO copy FROM {p}..door_codes", False),
    ("DROP DATABASE {p}", False),
    ("GRANT ALL ON {p} TO household", False),
]


def _leaks(stack, own: str, query: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the server, asked directly, answers with the secret."""
    try:
        answer = json.dumps(stack.query(query, db=own))
    except QueryError_:
        return False
    return SECRET in answer or "door" in answer


async def test_query_reads_only_its_own_database(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """Every spelling of another database is refused; the own one is read."""
    await _write_scores(hass)
    with secret_database(stack, SECRET) as private:
        for template, leaks in SPELLINGS:
            query = template.format(p=private)
            if leaks:
                # The statement is real: the server would have answered it.
                assert _leaks(stack, database, query), query
            with pytest.raises(ServiceValidationError) as err:
                await _query(hass, query=query)
            assert err.value.translation_key in (
                "query_other_database",
                "query_not_read_only",
            ), query
            assert str(err.value)
        refusal = err.value
        own = await _query(hass, query=f"SELECT home_score FROM {database}..nfl_scores")
        assert own["count"] == 3
        measurements = await _query(hass, query="SHOW MEASUREMENTS")
        assert "door_codes" not in json.dumps(measurements)
    assert private in str(refusal) or "one statement" in str(refusal)


async def test_query_v3_keeps_to_its_databases(hass: HomeAssistant, fake_v3) -> None:  # type: ignore[no-untyped-def]
    """InfluxDB 3: the database is the request's ``db``; naming another fails.

    Every query request the action sent names one of the entry's databases.
    """
    fake_v3.databases["private"] = None
    assert fake_v3.ingest("private", f'door_codes,door=front code="{SECRET}"') == []
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    before = len(fake_v3.requests)
    refused = [
        ("SELECT * FROM private.iox.door_codes", "sql"),
        ('SELECT * FROM "private"."iox"."door_codes"', "sql"),
        ("SELECT * FROM private..door_codes", "influxql"),
        ("SHOW RETENTION POLICIES ON private", "influxql"),
        ("SHOW DATABASES", "influxql"),
    ]
    for query, language in refused:
        with pytest.raises(ServiceValidationError):
            await _query(hass, query=query, language=language)
    await _query(hass, query="SHOW RETENTION POLICIES", language="influxql")
    await _query(hass, query="SHOW TABLES")
    sent = [r for r in fake_v3.requests[before:] if r.path.startswith("/api/v3/query")]
    assert len(sent) == 2
    own = {d.bucket for d in entry.runtime_data.client.destinations}
    assert {r.query["db"] for r in sent} <= own
