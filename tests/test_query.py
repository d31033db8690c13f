"""Query answers flattened to rows; only reading statements pass."""

from __future__ import annotations

from datetime import timedelta
import json
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.const import DOMAIN
from custom_components.sports_influx.query import (
    QueryError,
    error_message,
    is_read_only,
    rows_from_v1,
    rows_from_v3,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .conftest import RECENT
from .test_retention import entry_for, setup

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


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ("SELECT * FROM nfl_scores", True),
        ("  show measurements", True),
        ("WITH x AS (SELECT 1) SELECT * FROM x", True),
        ("EXPLAIN SELECT 1", True),
        ("SELECT * INTO copy FROM nfl_scores", False),
        ("DROP MEASUREMENT nfl_scores", False),
        ("SELECT 1; DROP DATABASE x", False),
        ("SELECT 1;", True),
        ("DELETE FROM nfl_scores", False),
        ("", False),
    ],
)
def test_read_only(query: str, ok: bool) -> None:
    assert is_read_only(query) is ok


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
        await hass.services.async_call(
            DOMAIN,
            "write_score",
            {
                "league": "NFL",
                "home_team": "ATL",
                "away_team": "NO",
                "home_score": home,
                "away_score": away,
                "game_id": "g1",
                "time": RECENT + timedelta(minutes=n),
            },
            blocking=True,
        )
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
