"""TeamTracker sensors -> score records, over every sensor of both fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.sports_influx.lineprotocol import measurement_for
from custom_components.sports_influx.records import NflScore, NhlScore
from custom_components.sports_influx.sources import SkipRecord, detect, teamtracker
from homeassistant.core import State

from .conftest import FIXTURES
from .factories import NFL_IN_FIELDS
from .oracle import record_point

OBSERVED = datetime(2022, 9, 11, 21, 0, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def _states(name: str) -> dict[str, State]:
    sensors = json.loads((FIXTURES / name).read_text())
    return {
        s["entity_id"]: State(s["entity_id"], s["state"], s["attributes"])
        for s in sensors
    }


STATES = _states("teamtracker_nfl.json") | _states("teamtracker_nhl.json")


def _nfl(
    game_id: str, home: str, away: str, status: str, **extra: Any
) -> dict[str, Any]:
    return {
        "measurement": "nfl_scores",
        "tags": {
            "game_id": game_id,
            "season": 2022,
            "home_team": home,
            "away_team": away,
            "status": status,
        }
        | extra.pop("tags", {}),
        # The source's own word: TeamTracker's states are the status's.
        "fields": {"source_status": status} | extra.pop("fields"),
        "time": extra.pop("time", OBSERVED),
    }


def _nhl(
    game_id: str, home: str, away: str, status: str, **extra: Any
) -> dict[str, Any]:
    expected = _nfl(game_id, home, away, status, **extra)
    return expected | {"measurement": "nhl_scores"}


# Every sensor of both fixtures, read by hand from the JSON: the home team is
# the one whose *_homeaway is "home"; possession is the team whose *_id it
# holds; IN/POST at OBSERVED, PRE at the game's "date".
EXPECTED: dict[str, dict[str, Any]] = {
    "sensor.test_tt_nfl_test01": _nfl(
        "NFL-20220911-NO@ATL",
        "ATL",
        "NO",
        "IN",
        fields=NFL_IN_FIELDS,
    ),
    "sensor.test_tt_nfl_test02": _nfl(
        "NFL-20220911-SF@CHI",
        "CHI",
        "SF",
        "IN",
        fields={
            "home_score": 19,
            "away_score": 10,
            "quarter": 4,
            "time_remaining": "2:00",
            "possession": "SF",
            "down_distance": "3rd & 10 at SF 20",
            "field_position": "SF 20",
        },
    ),
    "sensor.test_tt_nfl_test03": _nfl(
        "NFL-20220911-PIT@CIN",
        "CIN",
        "PIT",
        "IN",
        fields={
            "home_score": 14,
            "away_score": 20,
            "quarter": 4,
            "time_remaining": "0:16",
            "possession": "CIN",
            "down_distance": "2nd & 10 at PIT 12",
            "field_position": "PIT 12",
        },
    ),
    "sensor.test_tt_nfl_test04": _nfl(
        "NFL-20220911-PHI@DET",
        "DET",
        "PHI",
        "IN",
        fields={
            "home_score": 28,
            "away_score": 38,
            "quarter": 4,
            "time_remaining": "7:45",
            "possession": "DET",
            "down_distance": "3rd & 4 at DET 34",
            "field_position": "DET 34",
        },
    ),
    "sensor.test_tt_nfl_test07": _nfl(
        "NFL-20220911-JAX@WSH",
        "WSH",
        "JAX",
        "IN",
        fields={
            "home_score": 20,
            "away_score": 22,
            "quarter": 4,
            "time_remaining": "4:25",
            "possession": "WSH",
            "down_distance": "3rd & 10 at WSH 36",
            "field_position": "WSH 36",
        },
    ),
    "sensor.test_tt_nfl_test08": _nfl(
        "NFL-20220911-CLE@CAR",
        "CAR",
        "CLE",
        "IN",
        fields={
            "home_score": 21,
            "away_score": 23,
            "quarter": 4,
            "time_remaining": "2:00",
            "possession": "CAR",
            "down_distance": "1st & 10 at CAR 46",
            "field_position": "CAR 46",
        },
    ),
    "sensor.test_tt_nfl_test10": _nfl(
        "NFL-20220911-NYG@TEN",
        "TEN",
        "NYG",
        "PRE",
        fields={"home_score": 0, "away_score": 0},
        time=datetime(2022, 9, 11, 20, 25, tzinfo=UTC),
    ),
    "sensor.test_tt_nfl_test11": _nfl(
        "NFL-20220911-GB@MIN",
        "MIN",
        "GB",
        "PRE",
        fields={"home_score": 0, "away_score": 0},
        time=datetime(2022, 9, 11, 20, 25, tzinfo=UTC),
    ),
    "sensor.test_tt_nfl_test12": _nfl(
        "NFL-20220911-KC@ARI",
        "ARI",
        "KC",
        "PRE",
        fields={"home_score": 0, "away_score": 0},
        time=datetime(2022, 9, 11, 20, 25, tzinfo=UTC),
    ),
    "sensor.test_tt_nfl_test13": _nfl(
        "NFL-20220911-LV@LAC",
        "LAC",
        "LV",
        "PRE",
        fields={"home_score": 0, "away_score": 0},
        time=datetime(2022, 9, 11, 20, 25, tzinfo=UTC),
    ),
    # Thursday-night game: 2022-09-08 in the US, 2022-09-09 in UTC.
    "sensor.test_tt_nfl_test15": _nfl(
        "NFL-20220909-BUF@LAR",
        "LAR",
        "BUF",
        "POST",
        fields={"home_score": 10, "away_score": 31},
    ),
    # The current (73-attribute) form: ESPN's event id and season slug; the
    # game id is the one the 2022 form's sensor of the same game gets.
    "sensor.test_tt_all_test06": _nfl(
        "NFL-20220909-BUF@LAR",
        "LAR",
        "BUF",
        "POST",
        tags={"season_type": "regular-season"},
        fields={
            "home_score": 10,
            "away_score": 31,
            "quarter": 4,
            "source_game_id": "401437654",
            "final_type": "REG",  # clock "Final"
        },
    ),
    "sensor.test_tt_nhl_test01": _nhl(
        "NHL-20220925-BUF@WSH",
        "WSH",
        "BUF",
        "POST",
        fields={"home_score": 3, "away_score": 4},
    ),
    "sensor.test_tt_nhl_test02": _nhl(
        "NHL-20220925-COL@MIN",
        "MIN",
        "COL",
        "POST",
        fields={"home_score": 3, "away_score": 2},
    ),
    "sensor.test_tt_nhl_test04": _nhl(
        "NHL-20220925-WPG@EDM",
        "EDM",
        "WPG",
        "IN",
        fields={
            "home_score": 1,
            "away_score": 0,
            "period": 2,
            "time_remaining": "8:47",
            "home_shots": 14,
            "away_shots": 17,
        },
    ),
    "sensor.test_tt_nhl_test05": _nhl(
        "NHL-20220925-LA@SJ",
        "SJ",
        "LA",
        "IN",
        fields={
            "home_score": 1,
            "away_score": 0,
            "period": 1,
            "time_remaining": "13:12",
            "home_shots": 4,
            "away_shots": 3,
        },
    ),
    "sensor.test_tt_nhl_test06": _nhl(
        "NHL-20220925-CGY@VAN",
        "VAN",
        "CGY",
        "IN",
        fields={
            "home_score": 0,
            "away_score": 0,
            "period": 1,
            "time_remaining": "13:20",
            "home_shots": 4,
            "away_shots": 4,
        },
    ),
    "sensor.test_tt_nhl_test07": _nhl(
        "NHL-20220925-PIT@CBJ",
        "CBJ",
        "PIT",
        "IN",
        fields={
            "home_score": 1,
            "away_score": 0,
            "period": 1,
            "time_remaining": "12:45",
            "home_shots": 6,
            "away_shots": 9,
        },
    ),
    # PRE in the current form: quarter 0 and a date-like clock are left out.
    "sensor.test_tt_all_test13": _nhl(
        "NHL-20221221-OTT@WPG",
        "WPG",
        "OTT",
        "PRE",
        tags={"season_type": "regular-season"},
        fields={"home_score": 0, "away_score": 0, "source_game_id": "401459106"},
        time=datetime(2022, 12, 21, 1, 0, tzinfo=UTC),
    ),
    "sensor.test_tt_all_test14": _nhl(
        "NHL-20221002-PHI@NYI",
        "NYI",
        "PHI",
        "IN",
        tags={"season_type": "preseason"},
        fields={
            "home_score": 0,
            "away_score": 1,
            "period": 2,
            "time_remaining": "11:58",
            "home_shots": 7,
            "away_shots": 13,
            "source_game_id": "401461502",
        },
    ),
}

_TAGS = (
    "game_id",
    "season",
    "season_type",
    "week",
    "home_team",
    "away_team",
    "status",
    "home_conference",
    "away_conference",
    "home_division",
    "away_division",
)


def _line(expected: dict[str, Any]) -> str:
    """The line protocol the expectation describes (tags/fields sorted)."""
    tags = ",".join(f"{k}={v}" for k, v in sorted(expected["tags"].items()))
    fields = ",".join(
        f'{k}="{v}"' if isinstance(v, str) else f"{k}={v}i"
        for k, v in sorted(expected["fields"].items())
    )
    nanos = int(expected["time"].timestamp()) * 10**9
    return f"{expected['measurement']},{tags} {fields} {nanos}"


def test_every_fixture_sensor_is_in_the_table() -> None:
    assert set(STATES) == set(EXPECTED)
    assert len(EXPECTED) == 20


@pytest.mark.parametrize("entity_id", sorted(EXPECTED))
def test_fixture_sensor(entity_id: str) -> None:
    """Measurement, tags, fields with their Python types, time, line protocol."""
    state, expected = STATES[entity_id], EXPECTED[entity_id]
    source = detect(state)
    assert source is not None
    assert source.name == "teamtracker"

    result = source.parse(state, OBSERVED)

    assert result.skipped == ()
    (record,) = result.records
    assert isinstance(
        record, NflScore if expected["measurement"] == "nfl_scores" else NhlScore
    )
    assert measurement_for(record).name == expected["measurement"]
    tags = {
        t: getattr(record, t) for t in _TAGS if getattr(record, t, None) is not None
    }
    assert tags == expected["tags"]
    fields = {
        name: value
        for name in measurement_for(record).fields
        if (value := getattr(record, name)) is not None
    }
    assert fields == expected["fields"]
    for name, value in fields.items():
        assert type(value) is type(expected["fields"][name]), name
    assert record.time == expected["time"]
    assert record_point(record, NOW).to_line_protocol() == _line(expected)


def _tt(state: str = "IN", **changes: Any) -> State:
    """The NHL IN sensor (current form) with some attributes changed."""
    base = STATES["sensor.test_tt_all_test14"]
    return State(base.entity_id, state, {**base.attributes, **changes})


def test_shootout_scores() -> None:
    """ "3(2)": 3 goals, 2 in the shootout."""
    state = _tt("POST", team_score="3(2)", opponent_score="3(1)")
    (record,) = teamtracker.parse(state, OBSERVED).records
    assert isinstance(record, NhlScore)
    assert (record.home_score, record.home_shootout) == (3, 2)
    assert (record.away_score, record.away_shootout) == (3, 1)
    record_point(record, NOW)


def test_shots_as_text() -> None:
    """Newer TeamTracker versions write hockey shots as text."""
    state = _tt(team_shots_on_target="21", opponent_shots_on_target="-1")
    (record,) = teamtracker.parse(state, OBSERVED).records
    assert isinstance(record, NhlScore)
    assert (record.home_shots, record.away_shots) == (21, None)


def test_home_from_opponent_side() -> None:
    state = _tt(team_homeaway=None, opponent_homeaway="home")
    (record,) = teamtracker.parse(state, OBSERVED).records
    assert (record.home_team, record.away_team) == ("PHI", "NYI")


def test_possession_of_an_unknown_team_is_left_out() -> None:
    base = STATES["sensor.test_tt_nfl_test01"]
    state = State(base.entity_id, "IN", {**base.attributes, "possession": "99"})
    (record,) = teamtracker.parse(state, OBSERVED).records
    assert isinstance(record, NflScore)
    assert record.possession is None


def test_down_distance_without_field_position() -> None:
    base = STATES["sensor.test_tt_nfl_test01"]
    state = State(
        base.entity_id, "IN", {**base.attributes, "down_distance_text": "1st & 10"}
    )
    (record,) = teamtracker.parse(state, OBSERVED).records
    assert isinstance(record, NflScore)
    assert (record.down_distance, record.field_position) == ("1st & 10", None)


@pytest.mark.parametrize(
    ("league", "date", "season"),
    [
        ("NFL", "2023-02-12T23:30Z", 2022),  # Super Bowl: last season
        ("NFL", "2023-03-01T00:00Z", 2023),
        ("NHL", "2023-06-13T00:00Z", 2022),  # Stanley Cup final
        ("NHL", "2023-07-01T00:00Z", 2023),
    ],
)
def test_season_from_the_date(league: str, date: str, season: int) -> None:
    state = _tt(league=league, date=date)
    (record,) = teamtracker.parse(state, OBSERVED).records
    assert record.season == season


@pytest.mark.parametrize(
    ("state", "changes", "reason"),
    [
        ("unavailable", {}, "unavailable"),
        ("unknown", {}, "unavailable"),
        ("NOT_FOUND", {}, "not_a_game"),
        ("BYE", {}, "not_a_game"),
        ("HALFTIME", {}, "unknown_state"),
        ("IN", {"league": "XXX", "league_path": None}, "unknown_league"),
        ("IN", {"league": None}, "unknown_league"),
        ("PRE", {"date": None}, "not_a_game"),
        ("PRE", {"team_abbr": None}, "not_a_game"),
        ("IN", {"team_abbr": None}, "missing_attribute"),
        ("IN", {"date": "not a date"}, "bad_date"),
        ("IN", {"date": "1066-10-14T09:00Z"}, "bad_date"),
        ("IN", {"team_score": None}, "bad_score"),
        ("IN", {"team_score": "two"}, "bad_score"),
        ("IN", {"opponent_score": -1}, "bad_score"),
        ("IN", {"opponent_score": True}, "bad_score"),
        (
            "IN",
            {"team_homeaway": "neutral", "opponent_homeaway": None},
            "missing_attribute",
        ),
    ],
)
def test_skips(state: str, changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(SkipRecord) as err:
        teamtracker.parse(_tt(state, **changes), OBSERVED)
    assert err.value.reason == reason


def test_pre_without_scores_is_nil_nil() -> None:
    state = _tt("PRE", team_score=None, opponent_score=None)
    (record,) = teamtracker.parse(state, OBSERVED).records
    assert (record.home_score, record.away_score) == (0, 0)
    assert record.time == datetime(2022, 10, 2, 23, 0, tzinfo=UTC)
