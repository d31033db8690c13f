"""TeamTracker sensors of every league but the NFL and NHL -> <sport>_scores.

The table covers upstream TeamTracker's own expected results (31 sensors,
every sport it follows): per sensor the measurement, tags, fields and
field types written, or the reason it is left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest

from custom_components.sports_influx.lineprotocol import measurement_for, record_line
from custom_components.sports_influx.records import (
    AthleteResult,
    BaseballScore,
    BasketballScore,
    CricketScore,
    GolfResult,
    HockeyScore,
    LeagueScore,
    MmaResult,
    NflScore,
    NhlScore,
    RacingResult,
    SoccerScore,
    TennisResult,
    VolleyballScore,
)
from custom_components.sports_influx.schema import FieldType
from custom_components.sports_influx.sources import SkipRecord, teamtracker
from custom_components.sports_influx.sources.base import Reason
from custom_components.sports_influx.sources.status import ESPN_STATES, GameStatus
from custom_components.sports_influx.sources.teamtracker_athletes import (
    golf_position,
    golf_score,
)
from custom_components.sports_influx.sources.teamtracker_leagues import (
    SEASON_START_MONTH,
    SPORT_SEASON_START_MONTH,
)
from custom_components.sports_influx.sources.teamtracker_sports import (
    cricket_runs,
    parse,
    team_score,
)
from homeassistant.core import State

from .factories import RESULT_COUNT, teamtracker_result, teamtracker_state
from .oracle import record_point

OBSERVED = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
TEAM_SPORTS = ("baseball", "basketball", "football", "soccer", "volleyball", "cricket")
PYTHON_TYPES = {FieldType.INTEGER: int, FieldType.STRING: str, FieldType.FLOAT: float}


class Expected(NamedTuple):
    """What one upstream result is written as."""

    measurement: str
    tags: dict[str, Any]
    fields: dict[str, Any]
    at_start: bool  # timestamped at the game's start (PRE), else observed


# The NFL and NHL sensors keep their own measurements (their shape is
# tested in test_sources_teamtracker.py).
NFL_NHL = {6: "nfl_scores", 13: "nhl_scores", 14: "nhl_scores", 15: "nhl_scores"}

EXPECTED: dict[int, Expected] = {
    1: Expected(
        "baseball_scores",
        {
            "game_id": "MLB-20220908-MIA@PHI-T2245",
            "season": 2022,
            "season_type": "regular-season",
            "league": "MLB",
            "home_team": "PHI",
            "away_team": "MIA",
            "status": "PRE",
        },
        {"home_score": 0, "away_score": 0, "source_status": "PRE"},
        at_start=True,
    ),
    2: Expected(
        "baseball_scores",
        {
            "game_id": "MLB-20220908-SF@MIL-T2010",
            "season": 2022,
            "season_type": "regular-season",
            "league": "MLB",
            "home_team": "MIL",
            "away_team": "SF",
            "status": "IN",
        },
        {
            "home_score": 2,
            "away_score": 1,
            "period": 6,
            "source_status": "IN",
            "inning_half": "top",
            "outs": 2,
            "balls": 1,
            "strikes": 3,
            "on_first": 0,
            "on_second": 0,
            "on_third": 0,
        },
        at_start=False,
    ),
    3: Expected(
        "baseball_scores",
        {
            "game_id": "MLB-20220908-CIN@CHC-T1820",
            "season": 2022,
            "season_type": "regular-season",
            "league": "MLB",
            "home_team": "CHC",
            "away_team": "CIN",
            "status": "POST",
        },
        {
            "home_score": 3,
            "away_score": 4,
            "period": 9,
            "source_status": "POST",
            "final_type": "REG",
        },
        at_start=False,
    ),
    4: Expected(
        "football_scores",
        {
            "game_id": "NCAAF-20220910-EKU@BGSU",
            "season": 2022,
            "season_type": "regular-season",
            "league": "NCAAF",
            "home_team": "BGSU",
            "away_team": "EKU",
            "status": "PRE",
        },
        {"home_score": 0, "away_score": 0, "source_status": "PRE"},
        at_start=True,
    ),
    5: Expected(
        "football_scores",
        {
            "game_id": "NCAAF-20220910-ALA@TEX",
            "season": 2022,
            "season_type": "regular-season",
            "league": "NCAAF",
            "home_team": "TEX",
            "away_team": "ALA",
            "status": "IN",
        },
        {
            "home_score": 16,
            "away_score": 17,
            "period": 4,
            "time_remaining": "4:15",
            "source_status": "IN",
            "possession": "ALA",
            "down_distance": "1st & 10 at TEX 24",
            "field_position": "TEX 24",
        },
        at_start=False,
    ),
    7: Expected(
        "soccer_scores",
        {
            "game_id": "NWSL-20220909-POR@ORL",
            "season": 2022,
            "season_type": "regular-season",
            "league": "NWSL",
            "home_team": "ORL",
            "away_team": "POR",
            "status": "PRE",
        },
        {"home_score": 0, "away_score": 0, "source_status": "PRE"},
        at_start=True,
    ),
    8: Expected(
        "soccer_scores",
        {
            "game_id": "MLS-20220909-CLB@MTL",
            "season": 2022,
            "season_type": "regular-season",
            "league": "MLS",
            "home_team": "MTL",
            "away_team": "CLB",
            "status": "IN",
        },
        {
            "home_score": 0,
            "away_score": 2,
            "period": 2,
            "source_status": "IN",
            "home_shots": 15,
            "away_shots": 11,
            "home_shots_on_target": 8,
            "away_shots_on_target": 5,
        },
        at_start=False,
    ),
    9: Expected(
        "soccer_scores",
        {
            "game_id": "WC-20221218-FRA@ARG",
            "season": 2022,
            "season_type": "final",
            "league": "WC",
            "home_team": "ARG",
            "away_team": "FRA",
            "status": "POST",
        },
        {
            "home_score": 3,
            "away_score": 3,
            "period": 5,
            "source_status": "POST",
            "final_type": "SO",
            "home_shootout": 4,
            "away_shootout": 2,
        },
        at_start=False,
    ),
    10: Expected(
        "basketball_scores",
        {
            "game_id": "NBA-20221221-UTAH@DET",
            "season": 2022,
            "season_type": "regular-season",
            "league": "NBA",
            "home_team": "DET",
            "away_team": "UTAH",
            "status": "PRE",
        },
        {"home_score": 0, "away_score": 0, "source_status": "PRE"},
        at_start=True,
    ),
    11: Expected(
        "basketball_scores",
        {
            "game_id": "NBA-20221002-UTAH@TOR",
            "season": 2022,
            "season_type": "preseason",
            "league": "NBA",
            "home_team": "TOR",
            "away_team": "UTAH",
            "status": "IN",
        },
        {
            "home_score": 47,
            "away_score": 41,
            "period": 2,
            "time_remaining": "1:38",
            "source_status": "IN",
        },
        at_start=False,
    ),
    12: Expected(
        "basketball_scores",
        {
            "game_id": "NBA-20221002-CHA@BOS",
            "season": 2022,
            "season_type": "preseason",
            "league": "NBA",
            "home_team": "BOS",
            "away_team": "CHA",
            "status": "POST",
        },
        {
            "home_score": 134,
            "away_score": 93,
            "period": 4,
            "source_status": "POST",
            "final_type": "REG",
        },
        at_start=False,
    ),
    16: Expected(
        "volleyball_scores",
        {
            "game_id": "NCAAVBW-20220909-CP@PEPP",
            "season": 2022,
            "season_type": "regular-season",
            "league": "NCAAVBW",
            "home_team": "PEPP",
            "away_team": "CP",
            "status": "PRE",
        },
        {"home_score": 0, "away_score": 0, "source_status": "PRE"},
        at_start=True,
    ),
    17: Expected(
        "volleyball_scores",
        {
            "game_id": "NCAAVBW-20220908-KENN@MSST",
            "season": 2022,
            "season_type": "regular-season",
            "league": "NCAAVBW",
            "home_team": "MSST",
            "away_team": "KENN",
            "status": "IN",
        },
        {
            "home_score": 0,
            "away_score": 0,
            "period": 1,
            "source_status": "IN",
            "home_sets_won": 0,
            "away_sets_won": 0,
            "home_set_points": 20,
            "away_set_points": 13,
        },
        at_start=False,
    ),
    18: Expected(
        "volleyball_scores",
        {
            "game_id": "NCAAVBW-20220908-ARMY@SYR",
            "season": 2022,
            "season_type": "regular-season",
            "league": "NCAAVBW",
            "home_team": "SYR",
            "away_team": "ARMY",
            "status": "POST",
        },
        {
            "home_score": 1,
            "away_score": 3,
            "period": 4,
            "source_status": "POST",
            "home_sets_won": 1,
            "away_sets_won": 3,
        },
        at_start=False,
    ),
    19: Expected(
        "tennis_results",
        {
            "event_id": "ATP-20240728-T1300",
            "season": 2024,
            "league": "ATP",
            "event_name": "Olympics",
            "athlete": "STRUFF",
            "opponent": "Francisco Cabral",
            "status": "POST",
        },
        {
            "period": 2,
            "winner": 1,
            "source_status": "POST",
            "sets_won": 2,
            "opponent_sets_won": 0,
            "round": "Round 1",
        },
        at_start=False,
    ),
    20: Expected(
        "tennis_results",
        {
            "event_id": "WTA-20240728-T1850",
            "season": 2024,
            "league": "WTA",
            "event_name": "Olympics",
            "athlete": "M. Fucsovics / F. Marozsan",
            "opponent": "T. Griekspoor / W. Koolhof",
            "status": "IN",
        },
        {
            "period": 2,
            "source_status": "IN",
            "sets_won": 0,
            "opponent_sets_won": 1,
            "games": 0,
            "opponent_games": 0,
            "round": "Round 1",
        },
        at_start=False,
    ),
    21: Expected(
        "tennis_results",
        {
            "event_id": "WTA-20240729-T1000",
            "season": 2024,
            "league": "WTA",
            "event_name": "Olympics",
            "athlete": "PAOLINI",
            "opponent": "Magda Linette",
            "status": "PRE",
        },
        {"source_status": "PRE", "round": "Round 2"},
        at_start=True,
    ),
    22: Expected(
        "mma_results",
        {
            "event_id": "UFC-20221218-T0000",
            "season": 2022,
            "league": "UFC",
            "event_name": "UFC Fight Night: Cannonier vs. Strickland",
            "athlete": "STRICKLAND",
            "opponent": "Jared Cannonier",
            "status": "PRE",
        },
        {"source_status": "PRE"},
        at_start=True,
    ),
    23: Expected(
        "mma_results",
        {
            "event_id": "UFC-20221218-T0000",
            "season": 2022,
            "league": "UFC",
            "event_name": "UFC Fight Night: Cannonier vs. Strickland",
            "athlete": "CACERES",
            "opponent": "Julian Erosa",
            "status": "IN",
        },
        {"period": 1, "source_status": "IN"},
        at_start=False,
    ),
    24: Expected(
        "mma_results",
        {
            "event_id": "UFC-20221217-T2100",
            "season": 2022,
            "league": "UFC",
            "event_name": "UFC Fight Night: Cannonier vs. Strickland",
            "athlete": "FAKHRETDINOV",
            "opponent": "Bryan Battle",
            "status": "POST",
        },
        {
            "period": 3,
            "winner": 1,
            "source_status": "POST",
            "rounds_won": 3,
            "opponent_rounds_won": 0,
        },
        at_start=False,
    ),
    25: Expected(
        "golf_results",
        {
            "event_id": "PGA-20221013-T0400",
            "season": 2022,
            "league": "PGA",
            "event_name": "ZOZO CHAMPIONSHIP",
            "athlete": "CONNERS",
            "status": "IN",
        },
        {
            "period": 4,
            "source_status": "IN",
            "position": 31,
            "tied": 1,
            "score": -4,
            "holes_played": 2,
            "round_strokes": 7,
        },
        at_start=False,
    ),
    26: Expected(
        "cricket_scores",
        {
            "game_id": "1324623-20230101-SS@BH",
            "season": 2023,
            "league": "1324623",
            "home_team": "BH",
            "away_team": "SS",
            "status": "PRE",
        },
        {"source_status": "PRE"},
        at_start=True,
    ),
    27: Expected(
        "cricket_scores",
        {
            "game_id": "1324623-20230101-PS@MR",
            "season": 2023,
            "league": "1324623",
            "home_team": "MR",
            "away_team": "PS",
            "status": "IN",
        },
        {
            "home_score": 155,
            "away_score": 125,
            "source_status": "IN",
            "home_score_text": "155/6",
            "away_score_text": "125/3 (16/20 ov, target 156)",
            "home_runs": 155,
            "away_runs": 125,
            "home_wickets": 6,
            "away_wickets": 3,
        },
        at_start=False,
    ),
    28: Expected(
        "cricket_scores",
        {
            "game_id": "21108-20221222-IND@BAN",
            "season": 2022,
            "league": "21108",
            "home_team": "BAN",
            "away_team": "IND",
            "status": "POST",
        },
        {
            "home_score": 458,
            "away_score": 459,
            "source_status": "POST",
            "home_score_text": "227 & 231",
            "away_score_text": "314 & 145/7 (47 ov, target 145)",
            "home_runs": 458,
            "away_runs": 459,
            "away_wickets": 7,
        },
        at_start=False,
    ),
    29: Expected(
        "racing_results",
        {
            "event_id": "F1-20230430-T1100",
            "season": 2023,
            "league": "F1",
            "event_name": "Azerbaijan GP",
            "athlete": "SAINTZ",
            "status": "PRE",
        },
        {"source_status": "PRE", "laps": 0, "session": "Race"},
        at_start=True,
    ),
    30: Expected(
        "racing_results",
        {
            "event_id": "F1-20230429-T1330",
            "season": 2023,
            "league": "F1",
            "event_name": "Azerbaijan GP",
            "athlete": "VERSTAPPEN",
            "status": "IN",
        },
        {"source_status": "IN", "position": 4, "laps": 3, "session": "SQ"},
        at_start=False,
    ),
    31: Expected(
        "racing_results",
        {
            "event_id": "F1-20230428-T0930",
            "season": 2023,
            "league": "F1",
            "event_name": "Azerbaijan GP",
            "athlete": "STROLLZ",
            "status": "POST",
        },
        {
            "winner": 0,
            "source_status": "POST",
            "position": 7,
            "laps": 22,
            "session": "FP1",
        },
        at_start=False,
    ),
}


def _parse(state: State) -> Any:
    (record,) = teamtracker.parse(state, OBSERVED).records
    return record


def test_every_upstream_result_is_in_the_table() -> None:
    """All 31 are written: 27 here, the NFL's and NHL's 4 to their own."""
    assert sorted([*EXPECTED, *NFL_NHL]) == list(range(1, RESULT_COUNT + 1))


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_upstream_result(number: int) -> None:
    """Measurement, tags, fields and their types, and the timestamp."""
    expected = EXPECTED[number]
    record = _parse(teamtracker_state(number))
    measurement = measurement_for(record)
    assert measurement.name == expected.measurement
    tags = {t: getattr(record, t) for t in measurement.tags}
    assert {k: v for k, v in tags.items() if v is not None} == expected.tags
    fields = {f: getattr(record, f) for f in measurement.fields}
    fields = {k: v for k, v in fields.items() if v is not None}
    assert fields == expected.fields
    # 1 == 1.0 == True: the types are compared apart, against the schema's.
    assert {k: type(v) for k, v in fields.items()} == {
        k: type(v) for k, v in expected.fields.items()
    }
    assert {k: PYTHON_TYPES[measurement.fields[k]] for k in fields} == {
        k: type(v) for k, v in fields.items()
    }
    start = datetime.fromisoformat(teamtracker_result(number)["date"])
    assert record.time == (start if expected.at_start else OBSERVED)
    assert record_line(record, OBSERVED) == (
        record_point(record, OBSERVED).to_line_protocol()
    )


@pytest.mark.parametrize(("number", "measurement"), sorted(NFL_NHL.items()))
def test_nfl_and_nhl_keep_their_measurements(number: int, measurement: str) -> None:
    record = _parse(teamtracker_state(number))
    assert isinstance(record, (NflScore, NhlScore))
    assert measurement_for(record).name == measurement


def test_baseball_inning_halves_and_doubleheaders() -> None:
    """ "Bot 7th" is the bottom; two games on one date get two ids."""
    halves = {
        clock: _parse(teamtracker_state(2, clock=clock)).inning_half
        for clock in ("Top 7th", "Bot 7th", "Mid 7th", "End 7th", "Delayed")
    }
    assert halves == {
        "Top 7th": "top",
        "Bot 7th": "bottom",
        "Mid 7th": "middle",
        "End 7th": "end",
        "Delayed": None,
    }
    first = _parse(teamtracker_state(2, date="2022-09-08T17:05Z"))
    second = _parse(teamtracker_state(2, date="2022-09-08T23:10Z"))
    assert (first.game_id, second.game_id) == (
        "MLB-20220908-SF@MIL-T1705",
        "MLB-20220908-SF@MIL-T2310",
    )
    runners = _parse(teamtracker_state(2, on_first=True, on_third="1", outs="x"))
    assert isinstance(runners, BaseballScore)
    assert (runners.on_first, runners.on_second, runners.on_third) == (1, 0, 1)
    assert runners.outs is None


@pytest.mark.parametrize(
    ("number", "changes", "final_type"),
    [
        (3, {"quarter": 11, "clock": "Final/11"}, "OT"),  # extra innings
        (3, {"quarter": 7, "clock": "Final/7"}, "REG"),  # shortened by rain
        (12, {"clock": "Final/OT", "quarter": 5}, "OT"),
        (12, {"quarter": 6}, "OT"),
        (12, {"quarter": None}, None),
        (12, {"league": "NCAAM", "quarter": 2}, "REG"),  # two halves
        (12, {"league": "NCAAM", "quarter": 3}, "OT"),
        (9, {"team_score": "2", "opponent_score": "1", "clock": "AET"}, "OT"),
        (
            9,
            {"team_score": "2", "opponent_score": "1", "clock": "FT", "quarter": 4},
            "OT",
        ),
        (
            9,
            {"team_score": "2", "opponent_score": "1", "clock": "FT", "quarter": 2},
            "REG",
        ),
        (15, {"league": "AHL", "clock": "Final/SO", "quarter": 5}, "SO"),
        (15, {"league": "AHL", "team_score": "3(2)", "opponent_score": "2(1)"}, "SO"),
        (15, {"league": "AHL"}, "REG"),
        (18, {}, None),  # volleyball: no overtime
        (2, {}, None),  # not a final
    ],
)
def test_final_type(number: int, changes: dict[str, Any], final_type: str) -> None:
    record = _parse(teamtracker_state(number, **changes))
    assert record.final_type == final_type


def test_postponed_is_never_a_final() -> None:
    """ESPN's postponed game: POST, 0-0, clock "Postponed"."""
    state = teamtracker_state(
        3, "POST", team_score="0", opponent_score="0", clock="Postponed", quarter=0
    )
    record = _parse(state)
    assert (record.status, record.source_status) == ("POSTPONED", "POST")
    assert (record.home_score, record.away_score, record.final_type) == (0, 0, None)
    for clock, status in (
        ("Canceled", GameStatus.CANCELED),
        ("Suspended - Rain", GameStatus.SUSPENDED),
        ("Rain Delay", GameStatus.DELAYED),
    ):
        assert _parse(teamtracker_state(2, clock=clock)).status == status


@pytest.mark.parametrize(
    ("league", "date", "season"),
    [
        ("MLB", "2025-03-27T17:00Z", 2025),
        ("MLB", "2025-10-31T00:00Z", 2025),  # World Series
        ("WNBA", "2025-10-10T00:00Z", 2025),
        ("NBA", "2025-10-21T23:30Z", 2025),
        ("NBA", "2026-06-15T00:30Z", 2025),  # finals: the season of 2025-26
        ("NCAAM", "2026-04-06T00:00Z", 2025),
        ("NCAAF", "2026-01-19T00:30Z", 2025),  # title game
        ("NCAAF", "2025-08-30T16:00Z", 2025),
        ("EPL", "2026-05-24T15:00Z", 2025),
        ("EPL", "2025-08-15T19:00Z", 2025),
        ("MLS", "2025-12-06T19:00Z", 2025),  # MLS Cup
        ("AHL", "2026-04-18T23:00Z", 2025),
        ("XYZ", "2026-02-01T00:00Z", 2025),  # unlisted: the sport's (basketball)
    ],
)
def test_season_is_named_by_the_year_it_starts(
    league: str, date: str, season: int
) -> None:
    sport = {"MLB": 2, "EPL": 8, "MLS": 8, "NCAAF": 5, "AHL": 14}.get(league, 11)
    record = _parse(teamtracker_state(sport, league=league, date=date))
    assert record.season == season


def test_season_table_is_data() -> None:
    """Every month is a month; leagues in a calendar year start in January."""
    months = [*SEASON_START_MONTH.values(), *SPORT_SEASON_START_MONTH.values()]
    assert all(1 <= month <= 12 for month in months)
    assert {SEASON_START_MONTH[x] for x in ("MLB", "MLS", "NWSL", "WNBA")} == {1}


def test_soccer_shootout_and_shots() -> None:
    record = _parse(teamtracker_state(9))
    assert isinstance(record, SoccerScore)
    assert (record.home_score, record.home_shootout) == (3, 4)
    assert (record.away_score, record.away_shootout) == (3, 2)
    shots = _parse(teamtracker_state(8, team_total_shots=-1, opponent_total_shots=3))
    assert (shots.home_shots, shots.away_shots) == (3, None)


def test_hockey_outside_the_nhl() -> None:
    """A hockeytech sensor: sport "hockey", its own league name."""
    state = teamtracker_state(14, league="AHL", sport_path="hockeytech")
    record = _parse(state)
    assert isinstance(record, HockeyScore)
    assert measurement_for(record).name == "hockey_scores"
    assert (record.league, record.home_shots, record.away_shots) == ("AHL", 7, 13)


def test_volleyball_live_final_and_pre() -> None:
    live = _parse(teamtracker_state(17, team_sets_won="2", opponent_sets_won=1))
    assert isinstance(live, VolleyballScore)
    assert (live.home_score, live.away_score) == (2, 1)
    assert (live.home_set_points, live.away_set_points) == (20, 13)
    final = _parse(teamtracker_state(18, team_sets_won="3", opponent_sets_won="1"))
    assert (final.home_sets_won, final.away_sets_won) == (1, 3)
    assert final.home_set_points is None


@pytest.mark.parametrize(
    ("text", "runs", "wickets"),
    [
        ("155/6", 155, 6),
        ("125/3 (16/20 ov, target 156)", 125, 3),
        ("314 & 145/7 (47 ov, target 145)", 459, 7),
        ("227 & 231", 458, None),
        ("404/9d & 258/2d", 662, 2),
        ("Yet to bat", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_cricket_runs(text: str | None, runs: int | None, wickets: int | None) -> None:
    assert cricket_runs(text) == (runs, wickets)


def test_cricket_score_that_does_not_parse_is_text_only() -> None:
    record = _parse(teamtracker_state(27, team_score="DNB"))
    assert isinstance(record, CricketScore)
    assert (record.home_score, record.home_score_text) == (None, "DNB")
    assert record.away_score == 125


def test_custom_api_named_by_its_league_path() -> None:
    """league "XXX": the league tag is the league_path, the sport the path's."""
    state = teamtracker_state(8, league="XXX", league_path="usa.usl.1", sport=None)
    record = _parse(state)
    assert (type(record), record.league) == (SoccerScore, "usa.usl.1")
    assert record.game_id.startswith("usa.usl.1-20220909-")


def test_event_id_is_the_source_game_id() -> None:
    record = _parse(teamtracker_state(11, event_id=401474783))
    assert record.source_game_id == "401474783"
    assert record.game_id == "NBA-20221002-UTAH@TOR"


def test_pre_has_no_period_and_nil_nil() -> None:
    record = _parse(teamtracker_state(1, team_score=None, opponent_score=""))
    assert (record.period, record.home_score, record.away_score) == (None, 0, 0)


@pytest.mark.parametrize(
    ("state", "changes", "reason"),
    [
        ("IN", {"sport": "rugby", "league": "SR"}, Reason.UNKNOWN_SPORT),
        ("IN", {"sport": None, "sport_path": None}, Reason.UNKNOWN_SPORT),
        ("IN", {"league": None}, Reason.UNKNOWN_LEAGUE),
        ("IN", {"league": "XXX", "league_path": ""}, Reason.UNKNOWN_LEAGUE),
        ("PRE", {"date": None}, Reason.NOT_A_GAME),
        ("PRE", {"opponent_abbr": None}, Reason.NOT_A_GAME),
        ("IN", {"team_abbr": None}, Reason.MISSING_ATTRIBUTE),
        ("IN", {"date": "soon"}, Reason.BAD_DATE),
        ("IN", {"team_score": "two"}, Reason.BAD_SCORE),
        ("IN", {"team_score": None}, Reason.BAD_SCORE),
        (
            "IN",
            {"team_homeaway": None, "opponent_homeaway": None},
            Reason.MISSING_ATTRIBUTE,
        ),
        ("NOT_FOUND", {}, Reason.NOT_A_GAME),
    ],
)
def test_skips(state: str, changes: dict[str, Any], reason: Reason) -> None:
    with pytest.raises(SkipRecord) as err:
        teamtracker.parse(teamtracker_state(2, state, **changes), OBSERVED)
    assert err.value.reason == reason.value


def test_unknown_state_read_directly() -> None:
    """The dispatcher refuses odd states first; read directly they are too."""
    with pytest.raises(SkipRecord) as err:
        parse(teamtracker_state(2, "HALFTIME"), OBSERVED)
    assert err.value.reason == Reason.UNKNOWN_STATE.value


def test_home_from_the_opponent_side() -> None:
    record = _parse(teamtracker_state(11, team_homeaway=None))
    assert (record.home_team, record.away_team) == ("TOR", "UTAH")


def test_possession_is_a_team() -> None:
    ours = _parse(teamtracker_state(5))
    theirs = _parse(teamtracker_state(5, possession="251"))
    nobody = _parse(teamtracker_state(5, possession="9"))
    assert (ours.possession, theirs.possession, nobody.possession) == (
        "ALA",
        "TEX",
        None,
    )
    assert _parse(teamtracker_state(11, possession="6")).possession is None


def test_every_record_is_deduped_as_a_score() -> None:
    """The listener's dedupe knows every one of them; every sport has one."""
    records = [_parse(teamtracker_state(n)) for n in EXPECTED]
    assert all(isinstance(r, (LeagueScore, AthleteResult)) for r in records)
    assert {measurement_for(r).name for r in records} == {
        *(f"{sport}_scores" for sport in TEAM_SPORTS),
        *(f"{sport}_results" for sport in ("tennis", "mma", "golf", "racing")),
    }


def test_tennis_live_and_final() -> None:
    """Live: games of the set and sets finished; over: the sets won."""
    live = _parse(teamtracker_state(20, team_score=4, opponent_score="5"))
    assert isinstance(live, TennisResult)
    assert (live.games, live.opponent_games, live.sets_won) == (4, 5, 0)
    assert (live.opponent_sets_won, live.winner, live.period) == (1, None, 2)
    final = _parse(teamtracker_state(19))
    assert (final.sets_won, final.opponent_sets_won, final.games) == (2, 0, None)
    assert (final.athlete, final.opponent, final.winner) == (
        "STRUFF",
        "Francisco Cabral",
        1,
    )
    lost = _parse(teamtracker_state(19, team_winner=False))
    assert lost.winner == 0


def test_mma_decided_without_rounds() -> None:
    """Level on the cards: "W"/"L" scores, the winner says who won."""
    record = _parse(teamtracker_state(24, team_score="W", opponent_score="L"))
    assert isinstance(record, MmaResult)
    assert (record.rounds_won, record.opponent_rounds_won, record.winner) == (
        None,
        None,
        1,
    )
    live = _parse(teamtracker_state(23, team_winner=True))
    assert (live.winner, live.period) == (None, 1)  # finals only


@pytest.mark.parametrize(
    ("rank", "position"),
    [
        ("T31", (31, 1)),
        ("1", (1, 0)),
        (4, (4, 0)),
        ("CUT", (None, None)),
        ("T0", (None, None)),
        (0, (None, None)),
        (None, (None, None)),
    ],
)
def test_golf_position(rank: object, position: tuple[int | None, int | None]) -> None:
    assert golf_position(rank) == position


@pytest.mark.parametrize(
    ("score", "to_par"), [("-4", -4), ("+3", 3), ("E", 0), ("WD", None), (-14, -14)]
)
def test_golf_score(score: object, to_par: int | None) -> None:
    assert golf_score(score) == to_par


def test_golf_and_racing_have_no_opponent() -> None:
    """Their opponent_* is the leader: not written as an opponent."""
    golf = _parse(teamtracker_state(25))
    racing = _parse(teamtracker_state(30))
    assert isinstance(golf, GolfResult)
    assert isinstance(racing, RacingResult)
    assert (golf.opponent, racing.opponent) == (None, None)
    assert (golf.position, golf.tied, golf.score) == (31, 1, -4)


def test_racing_position_once_the_session_runs() -> None:
    """Before a session the order is the entry list's, not a position."""
    pre = _parse(teamtracker_state(29))
    final = _parse(teamtracker_state(31))
    assert (pre.position, pre.session) == (None, "Race")
    assert (final.position, final.laps, final.winner) == (7, 22, 0)
    assert final.event_id == "F1-20230428-T0930"


def test_athlete_named_by_abbreviation_else_name() -> None:
    doubles = _parse(teamtracker_state(20))
    assert doubles.athlete == "M. Fucsovics / F. Marozsan"
    assert doubles.game_id == "WTA-20240728-T1850/M. Fucsovics / F. Marozsan"


@pytest.mark.parametrize(
    ("number", "state", "changes", "reason"),
    [
        (21, "PRE", {"date": None}, Reason.NOT_A_GAME),
        (21, "PRE", {"team_abbr": None, "team_name": " "}, Reason.NOT_A_GAME),
        (19, "POST", {"team_abbr": None, "team_name": None}, Reason.MISSING_ATTRIBUTE),
        (25, "IN", {"date": "later"}, Reason.BAD_DATE),
        (31, "POST", {"league": None}, Reason.UNKNOWN_LEAGUE),
        (30, "HALFTIME", {}, Reason.UNKNOWN_STATE),
    ],
)
def test_athlete_skips(
    number: int, state: str, changes: dict[str, Any], reason: Reason
) -> None:
    with pytest.raises(SkipRecord) as err:
        parse(teamtracker_state(number, state, **changes), OBSERVED)
    assert err.value.reason == reason.value


def test_team_score_takes_the_league_and_sport_of_its_caller() -> None:
    """The entry point ha-nfl's forks use: TeamTracker's NBA attributes read
    as another league and sport; a sport without a builder is refused."""
    state = teamtracker_state(12)
    reading = ESPN_STATES.read(state.state, state.attributes.get("clock"))
    record = team_score(state, reading, "WNBA", "basketball", OBSERVED)
    assert isinstance(record, BasketballScore)
    assert (record.league, record.game_id) == ("WNBA", "WNBA-20221002-CHA@BOS")
    with pytest.raises(SkipRecord) as err:
        team_score(state, reading, "NRL", "rugby", OBSERVED)
    assert err.value.reason == Reason.UNKNOWN_SPORT
