"""Query answers flattened to rows; only reading statements pass."""

from __future__ import annotations

import json

import pytest

from custom_components.sports_influx.query import (
    QueryError,
    error_message,
    is_read_only,
    rows_from_v1,
    rows_from_v3,
)

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
