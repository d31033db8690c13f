"""ha-nfl and hass-nhlapi sensors, and the source registry.

States are built from the attribute names the integrations really write:
ha-nfl's ``NFLScoresSensor.extra_state_attributes`` (firstof9/ha-nfl
custom_components/nfl/sensor.py) and hass-nhlapi's merge of pynhl 0.6.4's
``game_info``/``linescore_info``/``scoring_info``/``broadcast_info`` and its
own ``next_game_*`` attributes (JayBlackedOut/hass-nhlapi sensor.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
from typing import Any

import pytest

from custom_components.sports_influx.reader import Deduper, StateReader
from custom_components.sports_influx.records import NflScore, NhlScore
from custom_components.sports_influx.sources import (
    SOURCES,
    SkipRecord,
    detect,
    ha_nfl,
    nhlapi,
)
from homeassistant.core import State

from .conftest import FIXTURES
from .factories import HA_NFL, NHLAPI
from .oracle import record_point

OBSERVED = datetime(2023, 11, 3, 3, 15, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)

# ha-nfl on a bye week: async_clear_states() plus the team.
HA_NFL_BYE = dict.fromkeys(
    (
        "date",
        "kickoff_in",
        "quarter",
        "clock",
        "venue",
        "location",
        "tv_network",
        "odds",
        "overunder",
        "possession",
        "last_play",
        "down_distance_text",
        "team_id",
        "team_record",
        "team_homeaway",
        "team_colors",
        "team_colors_rbg",
        "team_score",
        "team_win_probability",
        "team_timeouts",
        "opponent_abbr",
        "opponent_id",
        "opponent_name",
        "opponent_record",
        "opponent_homeaway",
        "opponent_logo",
        "opponent_colors",
        "opponent_colors_rgb",
        "opponent_score",
        "opponent_win_probability",
        "opponent_timeouts",
    )
) | {"team_abbr": "DET", "team_name": "Lions", "team_logo": "x", "last_update": "y"}

START = datetime(2023, 11, 3, 2, 30, tzinfo=UTC)


# --- ha-nfl -------------------------------------------------------------------


def test_ha_nfl_in_game() -> None:
    state = State("sensor.nfl", "IN", HA_NFL)
    source = detect(state)
    assert source is not None
    assert source.name == "ha_nfl"
    (record,) = source.parse(state, OBSERVED).records
    assert record == NflScore(
        game_id="NFL-20230908-DET@KC",
        season=2023,
        home_team="KC",
        away_team="DET",
        status="IN",
        home_score=20,
        away_score=21,
        quarter=4,
        time_remaining="0:48",
        possession="KC",
        down_distance="2nd & 4 at DET 35",
        field_position="DET 35",
        source_status="IN",
        time=OBSERVED,
    )
    assert record_point(record, NOW).to_line_protocol() == (
        "nfl_scores,away_team=DET,game_id=NFL-20230908-DET@KC,home_team=KC,"
        'season=2023,status=IN away_score=21i,down_distance="2nd & 4 at DET 35",'
        'field_position="DET 35",home_score=20i,possession="KC",quarter=4i,'
        'source_status="IN",time_remaining="0:48" 1698981300000000000'
    )


def test_ha_nfl_pre_and_post() -> None:
    """Before and after the game ha-nfl empties quarter, clock, possession."""
    empty = {
        "quarter": None,
        "clock": None,
        "possession": None,
        "down_distance_text": None,
    }
    pre = State(
        "sensor.nfl", "PRE", HA_NFL | empty | {"team_score": "0", "opponent_score": "0"}
    )
    (record,) = ha_nfl.parse(pre, OBSERVED).records
    assert (record.status, record.home_score, record.away_score) == ("PRE", 0, 0)
    assert record.time == datetime(2023, 9, 8, 0, 20, tzinfo=UTC)
    post = State("sensor.nfl", "POST", HA_NFL | empty)
    (record,) = ha_nfl.parse(post, OBSERVED).records
    assert isinstance(record, NflScore)
    assert (record.status, record.quarter, record.time_remaining) == (
        "POST",
        None,
        None,
    )
    assert record.time == OBSERVED


@pytest.mark.parametrize(
    ("state", "attributes", "reason"),
    [
        ("BYE", HA_NFL_BYE, "not_a_game"),
        ("NOT_FOUND", HA_NFL_BYE | {"team_abbr": None}, "not_a_game"),
        ("unavailable", {}, "unavailable"),
        ("IN", HA_NFL | {"opponent_score": None}, "bad_score"),
        ("IN", HA_NFL | {"date": None}, "bad_date"),
    ],
)
def test_ha_nfl_skips(state: str, attributes: dict[str, Any], reason: str) -> None:
    with pytest.raises(SkipRecord) as err:
        ha_nfl.parse(State("sensor.nfl", state, attributes), OBSERVED)
    assert err.value.reason == reason


def test_ha_nfl_bye_is_recognized() -> None:
    source = detect(State("sensor.nfl", "BYE", HA_NFL_BYE))
    assert source is not None
    assert source.name == "ha_nfl"


# --- hass-nhlapi -------------------------------------------------------------


def test_nhlapi_live() -> None:
    state = State("sensor.kings", "LIVE", NHLAPI)
    source = detect(state)
    assert source is not None
    assert source.name == "nhlapi"
    (record,) = source.parse(state, OBSERVED).records
    assert record == NhlScore(
        # The id TeamTracker computes for this game; the NHL's is kept aside.
        game_id="NHL-20231103-TOR@LA",
        source_game_id="2023020204",
        season=2023,
        season_type="regular-season",
        home_team="LA",  # NHL.com's LAK, as ESPN spells it
        away_team="TOR",
        status="IN",
        home_score=2,
        away_score=1,
        period=2,
        time_remaining="08:47",
        home_shots=21,
        away_shots=18,
        source_status="LIVE",
        time=OBSERVED,
    )
    record_point(record, NOW)


@pytest.mark.parametrize(
    ("state", "status", "final_type"),
    [
        ("CRIT", "IN", None),
        ("OVER", "POST", "REG"),
        ("FINAL", "POST", "REG"),
        ("OFF", "POST", "REG"),
    ],
)
def test_nhlapi_later_states(state: str, status: str, final_type: str | None) -> None:
    (record,) = nhlapi.parse(State("sensor.kings", state, NHLAPI), OBSERVED).records
    assert (record.status, record.source_status, record.time) == (
        status,
        state,
        OBSERVED,
    )
    assert record.final_type == final_type


def test_nhlapi_pre_game() -> None:
    """PRE: no score or clock yet (pynhl gives none), timestamped at the start."""
    attributes = {
        k: v
        for k, v in NHLAPI.items()
        if k not in {"away_score", "home_score", "time_remaining", "current_period"}
    }
    (record,) = nhlapi.parse(State("sensor.kings", "PRE", attributes), OBSERVED).records
    assert isinstance(record, NhlScore)
    assert (record.home_score, record.away_score, record.period) == (0, 0, None)
    assert record.time == START


def test_nhlapi_statsapi_era_sensor() -> None:
    """Old pynhl: id-based logos, no game id, start as text."""
    attributes = {
        "away_id": 10,
        "home_id": 26,
        "away_name": "Toronto Maple Leafs",
        "home_name": "Los Angeles Kings",
        "away_logo": "https://www-league.nhlstatic.com/images/logos/teams-current-circle/10.svg",
        "home_logo": "https://www-league.nhlstatic.com/images/logos/teams-current-circle/26.svg",
        "away_score": 1,
        "home_score": 2,
        "next_game_datetime": "2023-11-03T02:30:00+00:00",
    }
    state = State("sensor.kings", "LIVE", attributes)
    assert detect(state) is not None
    (record,) = nhlapi.parse(state, OBSERVED).records
    assert (record.game_id, record.season, record.season_type) == (
        "NHL-20231103-TOR@LA",
        2023,
        None,
    )


def test_nhlapi_odd_game_id_takes_the_season_from_the_date() -> None:
    state = State("sensor.kings", "LIVE", NHLAPI | {"game_id": "abc"})
    (record,) = nhlapi.parse(state, OBSERVED).records
    assert (record.game_id, record.season, record.season_type) == (
        "NHL-20231103-TOR@LA",
        2023,
        None,
    )
    assert record.source_game_id == "abc"


@pytest.mark.parametrize(
    ("state", "changes", "reason"),
    [
        ("No Game Scheduled", {"game_state": "No Game Scheduled"}, "not_a_game"),
        ("November 4, 2023 7:00 PM", {"game_state": "FUT"}, "not_a_game"),
        ("unavailable", {}, "unavailable"),
        ("PRE", {"next_game_datetime": ""}, "not_a_game"),
        # The earliest time there is, 14 hours ahead of UTC: not a date in UTC.
        (
            "PRE",
            {
                "next_game_datetime": datetime.min.replace(
                    tzinfo=timezone(timedelta(hours=14))
                )
            },
            "not_a_game",
        ),
        (
            "LIVE",
            {"home_logo": None, "home_logo_dark": "nope", "home_id": 99},
            "unknown_team",
        ),
        ("LIVE", {"game_id": None, "next_game_datetime": None}, "missing_attribute"),
        ("LIVE", {"game_id": "x", "next_game_datetime": None}, "missing_attribute"),
        ("LIVE", {"home_score": "2.5"}, "bad_score"),
    ],
)
def test_nhlapi_skips(state: str, changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(SkipRecord) as err:
        nhlapi.parse(State("sensor.kings", state, NHLAPI | changes), OBSERVED)
    assert err.value.reason == reason


# --- registry ----------------------------------------------------------------


def _fixture_state(name: str, index: int) -> State:
    sensor = json.loads((FIXTURES / name).read_text())[index]
    return State(sensor["entity_id"], sensor["state"], sensor["attributes"])


def test_source_names_are_unique() -> None:
    assert len({source.name for source in SOURCES}) == len(SOURCES)


@pytest.mark.parametrize(
    ("state", "name"),
    [
        (_fixture_state("teamtracker_nfl.json", 0), "teamtracker"),  # 2022 form
        (_fixture_state("teamtracker_nfl.json", -1), "teamtracker"),  # current form
        (State("sensor.nfl", "IN", HA_NFL), "ha_nfl"),
        (State("sensor.kings", "LIVE", NHLAPI), "nhlapi"),
        (State("sensor.kings", "No Game Scheduled", {"game_state": "x"}), "nhlapi"),
        (
            State("sensor.standings", "ok", {"abbreviation": "NFL", "children": []}),
            "espn_standings",
        ),
        (State("sensor.summary", "ok", {"boxscore": {}, "header": {}}), "espn_summary"),
    ],
)
def test_detect(state: State, name: str) -> None:
    source = detect(state)
    assert source is not None
    assert source.name == name
    assert [s.name for s in SOURCES if s.matches(state)] == [name]


@pytest.mark.parametrize(
    "state",
    [
        State("sensor.temperature", "21.5", {"unit_of_measurement": "°C"}),
        State("sensor.tt", "unavailable", {"friendly_name": "TeamTracker"}),
        State("sensor.half", "IN", {"team_abbr": "DET"}),
    ],
)
def test_detect_nothing(state: State) -> None:
    assert detect(state) is None


def test_ha_nfl_scores_are_deduped_by_the_reader() -> None:
    """A source without decisive attributes is parsed every time; the
    dedupe memory keeps a score only when it moved."""
    reader = StateReader(Deduper(), lambda _entity_id, _reason: None)

    def read(**changes: Any) -> list[Any]:
        return reader.read(State("sensor.nfl", "IN", HA_NFL | changes))

    first = read(clock="0:48")
    assert [(r.home_score, r.away_score) for r in first] == [(20, 21)]
    assert read(clock="0:40") == []  # only the clock moved
    moved = read(clock="0:30", opponent_score="27")
    assert [(r.home_score, r.away_score) for r in moved] == [(27, 21)]
