"""ESPN's league-wide injury report (a `rest` sensor) -> nfl/nhl_injuries."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.sports_influx.reader import Deduper, StateReader
from custom_components.sports_influx.records import InjuryReport, League
from custom_components.sports_influx.sources import (
    SOURCES,
    SkipRecord,
    detect,
    espn_league_injuries,
)
from homeassistant.core import State

from .conftest import FIXTURES
from .oracle import record_point

OBSERVED = datetime(2025, 5, 15, 12, 0, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


NFL_BODY = _load("espn_league_injuries_nfl.json")
NHL_BODY = _load("espn_league_injuries_nhl.json")


def _state(body: dict[str, Any], state: str = "unknown") -> State:
    """The README's `rest` sensor: json_attributes [season, injuries]."""
    keys = ("season", "injuries")
    return State("sensor.nfl_injuries", state, {k: body[k] for k in keys if k in body})


def test_detected_by_one_source_only() -> None:
    for body in (NFL_BODY, NHL_BODY):
        state = _state(body)
        assert [s.name for s in SOURCES if s.matches(state)] == ["espn_league_injuries"]
        source = detect(state)
        assert source is not None


def test_nfl_report() -> None:
    """10 rows over ATL and GB; athletes named by uid and links, no id."""
    result = espn_league_injuries.parse(_state(NFL_BODY), OBSERVED)
    assert result.skipped == ()
    records = [r for r in result.records if isinstance(r, InjuryReport)]
    assert len(records) == 10
    assert {r.league for r in records} == {League.NFL}
    assert {r.team for r in records} == {"ATL", "GB"}
    trice = next(r for r in records if r.player_name == "Bralen Trice")
    assert trice == InjuryReport(
        league=League.NFL,
        player_id="4428713",
        player_name="Bralen Trice",
        team="ATL",
        status="Questionable",
        position="LB",
        injury_type="Knee - ACL",
        season=2024,  # reported 2025-02-11: the 2024 season's end
        weeks_out=25,
        comment="Surgery",
        time=datetime(2025, 2, 11, 3, 6, tzinfo=UTC),
    )
    line = record_point(trice, NOW).to_line_protocol()
    assert line.startswith(
        "nfl_injuries,injury_type=Knee\\ -\\ ACL,player_id=4428713,"
        "player_name=Bralen\\ Trice,position=LB,season=2024,status=Questionable,"
        "team=ATL "
    )


def test_nhl_report_seasons_are_start_years() -> None:
    """ESPN's 2026 ("2025-26") is the 2025 season, from a date or the body."""
    result = espn_league_injuries.parse(_state(NHL_BODY), OBSERVED)
    records = [r for r in result.records if isinstance(r, InjuryReport)]
    assert [(r.team, r.player_name, r.status, r.season) for r in records] == [
        ("TOR", "Anthony Stolarz", "Out", 2025),
        ("TOR", "Chris Tanev", "Day-To-Day", 2025),
        ("LA", "Drew Doughty", "Injured Reserve", 2025),
    ]
    assert {r.league for r in records} == {League.NHL}
    assert {record_point(r, NOW).to_line_protocol().split(",")[0] for r in records} == {
        "nhl_injuries"
    }
    body = copy.deepcopy(NHL_BODY)
    for team in body["injuries"]:
        for row in team["injuries"]:
            del row["date"]
    result = espn_league_injuries.parse(_state(body), OBSERVED)
    assert {r.season for r in result.records if isinstance(r, InjuryReport)} == {2025}


def test_team_and_player_fallbacks() -> None:
    """Team from the block (NFL id, logo file), player id from the link."""
    body = copy.deepcopy(NFL_BODY)
    atl, gb = body["injuries"]
    for row in atl["injuries"]:
        del row["athlete"]["team"]
        del row["athlete"]["uid"]
    for row in gb["injuries"]:
        del row["athlete"]["team"]
    gb["id"] = "999"  # no such NFL team: the logo's file name says GB
    gb["injuries"][0]["athlete"]["id"] = 4362628  # an id wins over the uid
    result = espn_league_injuries.parse(_state(body), OBSERVED)
    records = [r for r in result.records if isinstance(r, InjuryReport)]
    assert [r.team for r in records] == ["ATL"] * 5 + ["GB"] * 5
    assert (records[0].player_id, records[5].player_id) == ("4428713", "4362628")


def test_league_from_uid_when_no_link_says() -> None:
    body = copy.deepcopy(NHL_BODY)
    for team in body["injuries"]:
        team["logo"] = None
        for row in team["injuries"]:
            row["athlete"]["links"] = []
            row["athlete"]["headshot"] = None
    result = espn_league_injuries.parse(_state(body), OBSERVED)
    assert {r.league for r in result.records if isinstance(r, InjuryReport)} == {
        League.NHL
    }


def _nba(body: dict[str, Any]) -> dict[str, Any]:
    """The same report as the NBA's would say it: basketball's slugs."""
    return json.loads(
        json.dumps(body).replace("/nhl/", "/nba/").replace("l:90", "l:46")
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_nba(NHL_BODY), "unknown_league"),
        ({"injuries": [{"injuries": [{"status": "Out"}]}]}, "unknown_league"),
        ({"injuries": [{"injuries": []}]}, "unknown_league"),
    ],
)
def test_whole_report_skips(body: dict[str, Any], reason: str) -> None:
    with pytest.raises(SkipRecord) as err:
        espn_league_injuries.parse(_state(body), OBSERVED)
    assert err.value.reason == reason


def test_bad_rows_are_skipped_one_by_one() -> None:
    body = copy.deepcopy(NHL_BODY)
    tor = body["injuries"][0]["injuries"]
    tor[0]["athlete"]["displayName"] = None
    tor[0]["athlete"]["fullName"] = None
    # No id, uid or player-card link: no player id.
    del tor[1]["athlete"]["uid"]
    tor[1]["athlete"]["links"] = [{"href": "https://www.espn.com/nhl/team"}, "x"]
    tor.append("junk")
    result = espn_league_injuries.parse(_state(body), OBSERVED)
    assert sorted(result.skipped) == [
        "malformed_payload",
        "missing_attribute",
        "missing_attribute",
    ]
    assert len(result.records) == 1


def test_a_body_without_rows_names_no_league() -> None:
    body = copy.deepcopy(NHL_BODY)
    body["injuries"].append({"injuries": "not a list"})
    body["injuries"][0]["injuries"] = []
    body["injuries"][1]["injuries"] = []
    with pytest.raises(SkipRecord) as err:
        espn_league_injuries.parse(_state(body), OBSERVED)
    assert err.value.reason == "unknown_league"


@pytest.mark.parametrize(
    "attributes",
    [
        {"injuries": []},
        {"injuries": ["x"]},
        {"injuries": [{"team": {}}]},
        # A game summary before kick-off: header + injuries.
        {"header": {}, "injuries": [{"injuries": []}]},
    ],
)
def test_not_mistaken(attributes: dict[str, Any]) -> None:
    assert not espn_league_injuries.matches(State("sensor.x", "ok", attributes))


def test_polled_again_writes_nothing_new() -> None:
    """The reader's dedupe: one point per player and status."""
    reader = StateReader(Deduper(), lambda _entity_id, _reason: None)
    first = reader.read(_state(NHL_BODY))
    assert len(first) == 3
    assert reader.read(_state(NHL_BODY)) == []
    body = copy.deepcopy(NHL_BODY)
    body["injuries"][0]["injuries"][1]["status"] = "Out"
    changed = reader.read(_state(body))
    assert [
        (r.player_name, r.status) for r in changed if isinstance(r, InjuryReport)
    ] == [("Chris Tanev", "Out")]
