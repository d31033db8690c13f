"""The same facts the same way whichever source says them.

One game id, one season, one status vocabulary and one final type across
TeamTracker, ha-nfl (and its forks), hass-nhlapi and ESPN's payloads.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.sports_influx.reader import Deduper, StateReader
from custom_components.sports_influx.records import (
    BaseballScore,
    BasketballScore,
    NflScore,
    NhlScore,
    PlayerStats,
    Standing,
)
from custom_components.sports_influx.sources import (
    SkipRecord,
    detect,
    espn_standings,
    espn_summary,
    ha_nfl,
    nhlapi,
    teamtracker,
)
from custom_components.sports_influx.sources.espn import (
    ESPN_SEASON_OFFSET,
    league_evidence,
)
from custom_components.sports_influx.sources.status import (
    ESPN_STATES,
    NHLAPI_STATES,
    SOURCE_STATES,
    GameStatus,
)
from homeassistant.core import State

from .conftest import FIXTURES
from .factories import (
    HA_NFL,
    fixture_sensor,
    fixture_sensors,
    nhlapi_cbj_wsh,
    teamtracker_cbj_wsh,
    teamtracker_state,
)

OBSERVED = datetime(2025, 11, 4, 3, 15, tzinfo=UTC)
# A 2025-26 game: 2025-11-03, 22:30 in Columbus (UTC the next day).
START = datetime(2025, 11, 4, 3, 30, tzinfo=UTC)


def _one(result: Any) -> NflScore | NhlScore:
    (record,) = result.records
    assert isinstance(record, (NflScore, NhlScore))
    return record


# --- nothing misattributed ---------------------------------------------------


def test_an_ha_nfl_fork_for_the_nba_lands_in_basketball() -> None:
    """ha-nba (artiscursive/ha-nba) writes ha-nfl's attributes from ESPN's NBA
    scoreboard: the family is recognised, the league read from the logos, the
    record built as TeamTracker's NBA sensor of the same game builds it."""
    sensor = fixture_sensors("ha_nba_nba.json")[0]
    state = State(sensor["entity_id"], sensor["state"], sensor["attributes"])
    source = detect(state)
    assert source is not None
    assert source.name == "ha_nfl"
    assert league_evidence(state.attributes) == "NBA"
    (record,) = source.parse(state, OBSERVED).records
    assert isinstance(record, BasketballScore)
    (same,) = teamtracker.parse(teamtracker_state(12), OBSERVED).records
    assert (
        (record.league, record.game_id, record.season)
        == (
            same.league,
            same.game_id,
            same.season,
        )
        == ("NBA", "NBA-20221002-CHA@BOS", 2022)
    )
    assert (record.home_team, record.away_team, record.status) == ("BOS", "CHA", "POST")
    assert (record.home_score, record.away_score, record.final_type) == (134, 93, "REG")
    # ha-nba has no ``season``/``event_id``: no season type, no source id.
    assert (record.season_type, record.source_game_id) == (None, None)


def test_an_ha_nfl_fork_for_mlb_lands_in_baseball() -> None:
    logos = {
        "team_logo": "https://a.espncdn.com/i/teamlogos/mlb/500/scoreboard/nyy.png",
        "opponent_logo": "https://a.espncdn.com/i/teamlogos/mlb/500/scoreboard/bos.png",
        "team_abbr": "NYY",
        "opponent_abbr": "BOS",
        "quarter": 7,
        "clock": "Bot 7th",
    }
    state = State("sensor.mlb", "IN", HA_NFL | logos)
    assert league_evidence(state.attributes) == "MLB"
    (record,) = ha_nfl.parse(state, OBSERVED).records
    assert isinstance(record, BaseballScore)
    assert record.game_id == "MLB-20230908-NYY@BOS-T0020"
    assert (record.league, record.period, record.inning_half) == ("MLB", 7, "bottom")
    assert (record.home_score, record.away_score) == (20, 21)


def test_an_ha_nfl_fork_of_a_league_without_a_sport_is_unknown_league() -> None:
    logos = {
        "team_logo": "https://a.espncdn.com/i/teamlogos/rugby/500/1.png",
        "opponent_logo": None,
    }
    state = State("sensor.rugby", "IN", HA_NFL | logos)
    assert league_evidence(state.attributes) == "RUGBY"
    with pytest.raises(SkipRecord) as err:
        ha_nfl.parse(state, OBSERVED)
    assert err.value.reason == "unknown_league"


@pytest.mark.parametrize(
    ("changes", "league"),
    [
        ({}, "NFL"),  # ".../teamlogos/nfl/500/scoreboard/det.png"
        # No logos: DET is ESPN's NFL team 8, KC team 12.
        ({"team_logo": None, "opponent_logo": None}, "NFL"),
        # LAL is the NBA's team 13, the NFL's 13 is LV: no evidence.
        (
            {
                "team_logo": None,
                "opponent_logo": None,
                "team_abbr": "LAL",
                "team_id": "13",
            },
            None,
        ),
        ({"team_logo": "https://example.com/x.png", "opponent_logo": 5}, "NFL"),
        (
            {
                "team_logo": "https://a.espncdn.com/i/teamlogos/ncaa/500/333.png",
                "opponent_logo": None,
            },
            "NCAA",
        ),
    ],
)
def test_league_evidence(changes: dict[str, Any], league: str | None) -> None:
    assert league_evidence(HA_NFL | changes) == league


def test_ha_nfl_without_evidence_is_unknown_league() -> None:
    state = State(
        "sensor.nfl",
        "IN",
        HA_NFL | {"team_logo": None, "opponent_logo": None, "team_id": None},
    )
    with pytest.raises(SkipRecord) as err:
        ha_nfl.parse(state, OBSERVED)
    assert err.value.reason == "unknown_league"


# --- one game id ---------------------------------------------------------------


def test_teamtracker_and_nhlapi_compute_one_game_id() -> None:
    """WSH @ CBJ seen by both: the same id, each source's own aside."""
    attributes = teamtracker_cbj_wsh("IN", START, season="regular-season")
    tt = _one(teamtracker.parse(State("sensor.cbj_tt", "IN", attributes), OBSERVED))
    nhl = _one(
        nhlapi.parse(
            State("sensor.cbj_nhl", "LIVE", nhlapi_cbj_wsh(START, game_id=2025020214)),
            OBSERVED,
        )
    )
    assert tt.game_id == nhl.game_id == "NHL-20251104-WSH@CBJ"
    assert (tt.source_game_id, nhl.source_game_id) == (None, "2025020214")
    assert (tt.status, nhl.status) == ("IN", "IN")
    assert (tt.source_status, nhl.source_status) == ("IN", "LIVE")
    assert (tt.season, tt.season_type) == (nhl.season, nhl.season_type)


def test_both_teamtracker_forms_compute_one_game_id() -> None:
    """BUF @ LAR 2022: the 2022 form has no event id, the current one has."""
    old = fixture_sensor("teamtracker_nfl.json", "sensor.test_tt_nfl_test15")
    new = fixture_sensor("teamtracker_nfl.json", "sensor.test_tt_all_test06")
    records = [
        _one(
            teamtracker.parse(State("sensor.x", s["state"], s["attributes"]), OBSERVED)
        )
        for s in (old, new)
    ]
    assert {r.game_id for r in records} == {"NFL-20220909-BUF@LAR"}
    assert [r.source_game_id for r in records] == [None, "401437654"]


# --- one season ---------------------------------------------------------------


def test_nhl_season_is_one_across_scores_standings_and_summaries() -> None:
    """A 2025-26 game: TeamTracker (date), hass-nhlapi (NHL game id 2025...),
    ESPN standings and summaries (2026, ESPN's end year) all say 2025."""
    tt = _one(
        teamtracker.parse(
            State("sensor.tt", "IN", teamtracker_cbj_wsh("IN", START)), OBSERVED
        )
    )
    nhl = _one(
        nhlapi.parse(
            State("sensor.nhl", "LIVE", nhlapi_cbj_wsh(START, game_id=2025020214)),
            OBSERVED,
        )
    )
    body = json.loads((FIXTURES / "espn_standings_nhl.json").read_text())
    standings = espn_standings.parse(State("sensor.standings", "ok", body), OBSERVED)
    summary = copy.deepcopy(
        json.loads((FIXTURES / "espn_summary_nfl.json").read_text())
    )
    summary["header"] |= {
        "league": {"abbreviation": "NHL"},
        "season": {"year": 2026, "type": 2},
    }
    stats = espn_summary.parse(
        State("sensor.summary", "ok", {k: summary[k] for k in ("header", "boxscore")}),
        OBSERVED,
    )
    seasons = {
        "nhl_scores (TeamTracker)": tt.season,
        "nhl_scores (hass-nhlapi)": nhl.season,
        "nhl_standings": {
            r.season for r in standings.records if isinstance(r, Standing)
        },
        "nhl_player_stats": {
            r.season for r in stats.records if isinstance(r, PlayerStats)
        },
    }
    assert seasons == {
        "nhl_scores (TeamTracker)": 2025,
        "nhl_scores (hass-nhlapi)": 2025,
        "nhl_standings": {2025},
        "nhl_player_stats": {2025},
    }


def test_nfl_seasons_are_espn_s_own() -> None:
    """ESPN names an NFL season by its start year already."""
    assert ESPN_SEASON_OFFSET["NFL"] == 0
    body = json.loads((FIXTURES / "espn_standings_nfl.json").read_text())
    assert body["season"]["year"] == 2025
    result = espn_standings.parse(State("sensor.s", "ok", body), OBSERVED)
    assert {r.season for r in result.records if isinstance(r, Standing)} == {2025}


# --- one status vocabulary -------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "status"),
    [
        ("Postponed", "POSTPONED"),
        ("Canceled", "CANCELED"),
        ("Suspended", "SUSPENDED"),
        ("Delayed", "DELAYED"),
    ],
)
def test_teamtracker_game_not_played_as_planned(clock: str, status: str) -> None:
    """ESPN's postponed game: state POST, "0"-"0", clock "Postponed" (its real
    status shape: scoreboard_all_leagues.json upstream). Not a final."""
    attributes = teamtracker_cbj_wsh("POST", START, cbj="0", wsh="0", clock=clock)
    record = _one(teamtracker.parse(State("sensor.tt", "POST", attributes), OBSERVED))
    assert (record.status, record.source_status) == (status, "POST")
    assert record.final_type is None
    assert (record.home_score, record.away_score) == (0, 0)


def test_postponed_before_the_start_without_scores() -> None:
    attributes = teamtracker_cbj_wsh(
        "PRE", START, cbj=None, wsh=None, clock="Postponed", quarter=0
    )
    record = _one(teamtracker.parse(State("sensor.tt", "PRE", attributes), OBSERVED))
    assert (record.status, record.home_score, record.away_score) == (
        GameStatus.POSTPONED,
        0,
        0,
    )


def test_every_source_speaks_one_vocabulary() -> None:
    """Every state of every source lands on a GameStatus value."""
    words = set()
    for state_name in ("PRE", "LIVE", "CRIT", "OVER", "FINAL", "OFF"):
        words.add(
            _one(
                nhlapi.parse(
                    State("sensor.nhl", state_name, nhlapi_cbj_wsh(START)), OBSERVED
                )
            ).status
        )
    for state_name in ("PRE", "IN", "POST"):
        words.add(
            _one(
                teamtracker.parse(
                    State(
                        "sensor.tt",
                        state_name,
                        teamtracker_cbj_wsh(state_name, START, clock="12:00 - 1st"),
                    ),
                    OBSERVED,
                )
            ).status
        )
        words.add(
            _one(ha_nfl.parse(State("sensor.n", state_name, HA_NFL), OBSERVED)).status
        )
    assert words == {"PRE", "IN", "POST"}
    assert words <= {status.value for status in GameStatus}


def test_every_game_state_of_a_source_has_a_status() -> None:
    """A source's game states are read through the one status table."""
    for states in (ESPN_STATES, NHLAPI_STATES):
        assert states.games <= SOURCE_STATES.keys()
        assert states.games.isdisjoint(states.no_games or ())


# --- final types -------------------------------------------------------------


def test_teamtracker_overtime_final() -> None:
    """BUF 4, WSH 3 on 2022-09-25: ESPN's nhl.json says "Final/OT", period 4,
    which is what the current TeamTracker writes as clock and quarter."""
    sensor = fixture_sensor("teamtracker_nhl.json", "sensor.test_tt_nhl_test01")
    attributes = sensor["attributes"] | {"clock": "Final/OT", "quarter": 4}
    record = _one(teamtracker.parse(State("sensor.tt", "POST", attributes), OBSERVED))
    assert (record.status, record.final_type) == ("POST", "OT")
    # The 2022 form's final has neither: nothing says how it ended.
    record = _one(
        teamtracker.parse(State("sensor.tt", "POST", sensor["attributes"]), OBSERVED)
    )
    assert record.final_type is None


@pytest.mark.parametrize(
    ("changes", "final_type"),
    [
        ({"clock": "Final/SO", "quarter": 5}, "SO"),
        ({"clock": "Final/2OT", "quarter": 5}, "OT"),
        ({"clock": "Final", "quarter": 3}, "REG"),
        # No clock text: the shootout goals ("3(2)"), else the period.
        (
            {
                "clock": None,
                "quarter": 4,
                "team_score": "3(2)",
                "opponent_score": "3(1)",
            },
            "SO",
        ),
        ({"clock": None, "quarter": 5}, "SO"),  # a regular-season 5th period
        ({"clock": None, "quarter": 5, "season": "post-season"}, "OT"),
        ({"clock": None, "quarter": 4}, "OT"),
        ({"clock": None, "quarter": 3}, "REG"),
        ({"clock": None, "quarter": None}, None),
    ],
)
def test_teamtracker_nhl_final_types(
    changes: dict[str, Any], final_type: str | None
) -> None:
    attributes = teamtracker_cbj_wsh("POST", START, season="regular-season") | changes
    record = _one(teamtracker.parse(State("sensor.tt", "POST", attributes), OBSERVED))
    assert record.final_type == final_type


@pytest.mark.parametrize(
    ("period", "period_type", "final_type"),
    [(3, "REG", "REG"), (4, "OT", "OT"), (5, "SO", "SO"), (4, None, "OT")],
)
def test_nhlapi_final_types(
    period: int, period_type: str | None, final_type: str
) -> None:
    attributes = nhlapi_cbj_wsh(START, period=period, period_type=period_type)
    record = _one(nhlapi.parse(State("sensor.nhl", "OFF", attributes), OBSERVED))
    assert (record.status, record.final_type) == ("POST", final_type)
    live = _one(nhlapi.parse(State("sensor.nhl", "LIVE", attributes), OBSERVED))
    assert live.final_type is None


@pytest.mark.parametrize(
    ("changes", "final_type"),
    [
        ({"quarter": 5, "clock": "0:00"}, "OT"),  # ha-nfl: displayClock
        ({"quarter": 4, "clock": "0:00"}, "REG"),
        ({"quarter": 4, "clock": "Final/OT"}, "OT"),  # TeamTracker's text
    ],
)
def test_nfl_overtime_final(changes: dict[str, Any], final_type: str) -> None:
    record = _one(ha_nfl.parse(State("sensor.nfl", "POST", HA_NFL | changes), OBSERVED))
    assert (record.status, record.final_type) == ("POST", final_type)


# --- one final per game, through the reader ---------------------------------------


def _reader() -> StateReader:
    return StateReader(Deduper(), lambda _entity_id, _reason: None)


def test_nhlapi_over_final_off_is_one_final() -> None:
    reader = _reader()
    attributes = nhlapi_cbj_wsh(START)
    written = [
        reader.read(State("sensor.nhl", word, attributes))
        for word in ("LIVE", "OVER", "FINAL", "OFF")
    ]
    assert [[r.status for r in records] for records in written] == [
        ["IN"],
        ["POST"],
        [],
        [],
    ]


def test_a_lagging_source_after_the_final_writes_nothing() -> None:
    """hass-nhlapi says OFF; TeamTracker, a poll behind, still says IN, then
    POST with the same result: nothing more for that game."""
    reader = _reader()
    assert reader.read(State("sensor.nhl", "OFF", nhlapi_cbj_wsh(START)))
    tt_in = teamtracker_cbj_wsh("IN", START, clock="0:12 - 3rd")
    assert reader.read(State("sensor.tt", "IN", tt_in)) == []
    assert (
        reader.read(State("sensor.tt", "POST", teamtracker_cbj_wsh("POST", START)))
        == []
    )


def test_a_corrected_final_is_written_and_becomes_the_final() -> None:
    reader = _reader()
    assert reader.read(State("sensor.nhl", "OFF", nhlapi_cbj_wsh(START)))
    corrected = nhlapi_cbj_wsh(START, cbj=3)
    (record,) = reader.read(State("sensor.nhl", "OFF", corrected))
    assert (record.home_score, record.status) == (3, "POST")
    assert reader.read(State("sensor.nhl", "OFF", dict(corrected, away_sog=30))) == []
    assert reader.deduper.finals[record.game_id] == [3, 1, None, None]


def test_postponed_is_not_remembered_and_the_later_final_is_written() -> None:
    reader = _reader()
    postponed = teamtracker_cbj_wsh("POST", START, cbj="0", wsh="0", clock="Postponed")
    (record,) = reader.read(State("sensor.tt", "POST", postponed))
    assert record.status == "POSTPONED"
    assert reader.deduper.finals == {}
    assert (
        reader.read(State("sensor.tt", "POST", dict(postponed, last_update="x"))) == []
    )
    (final,) = reader.read(
        State("sensor.tt", "POST", teamtracker_cbj_wsh("POST", START))
    )
    assert (final.status, final.home_score, final.final_type) == ("POST", 2, "REG")
    assert final.game_id in reader.deduper.finals
