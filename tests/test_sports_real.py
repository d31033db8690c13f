"""Every other league's games through HA's state machine into the real InfluxDB.

States are built from upstream TeamTracker's expected results (the shape a
real sensor has), varied poll by poll as a game goes, set with
``hass.states.async_set`` and read back from the database.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.schema import (
    ATHLETE_RESULTS,
    LEAGUE_SCORES,
    MEASUREMENTS,
)
from homeassistant.core import HomeAssistant

from .conftest import RECENT, rp, select, select_from
from .factories import (
    RESULT_COUNT,
    inning_name,
    mlb_game,
    replay_states,
    teamtracker_attributes,
)

START = RECENT.replace(hour=18)


def ns(when: Any) -> int:
    """A datetime as InfluxDB's nanosecond timestamp."""
    return int(when.timestamp()) * 10**9


def field_types(stack: Any, database: str, measurement: str) -> list[tuple[str, str]]:
    """SHOW FIELD KEYS as (field, type) rows."""
    rows = select(stack, database, f"SHOW FIELD KEYS FROM {rp(measurement)}")
    return [(row["fieldKey"], row["fieldType"]) for row in rows]


async def test_baseball_game_inning_by_inning(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack: Any,
    database: str,
) -> None:
    """One point per change of the situation, every inning's score read back."""
    game = mlb_game(START)
    first = START + timedelta(minutes=1)
    times = await replay_states(hass, freezer, "sensor.brewers", game.polls, first)
    writer = init_integration.runtime_data.writer
    await writer.async_flush()

    rows = select_from(stack, database, "baseball_scores")
    # The PRE point is timestamped at the first pitch; the rest when seen.
    expected = [START] + [times[n] for n in game.changes[1:]]
    assert [row["time"] for row in rows] == [ns(t) for t in expected]
    ends = [
        (row["period"], row["home_score"], row["away_score"])
        for row in rows
        if row["inning_half"] == "end"
    ]
    assert ends == game.inning_ends
    assert ends[-1] == (9, 3, 2)
    assert {row["game_id"] for row in rows} == {
        f"MLB-{START:%Y%m%d}-SF@MIL-T{START:%H%M}"
    }
    final = rows[-1]
    assert (final["status"], final["source_status"], final["final_type"]) == (
        "POST",
        "POST",
        "REG",
    )
    assert (final["home_team"], final["away_team"], final["league"]) == (
        "MIL",
        "SF",
        "MLB",
    )
    assert [row["status"] for row in rows].count("PRE") == 1
    runner = next(row for row in rows if row["on_first"] == 1)
    assert (runner["period"], runner["inning_half"], runner["outs"]) == (1, "bottom", 0)
    # 2.8 hours of polls: one point per change of the situation, none for
    # the pitches and the clock in between.
    assert (len(game.polls), len(rows)) == (2049, 87)
    assert writer.stats.points_written == len(rows)


def soccer_polls() -> list[tuple[str, dict[str, Any]]]:
    """ARG v FRA as test09's sensor saw it: 3-3 after extra time, 4-2 on pens."""
    base = {
        "start": START,
        "team_shots_on_target": "0",
        "opponent_shots_on_target": "0",
    }
    timeline = [
        ("IN", 1, "23'", "1", "0"),
        ("IN", 1, "36'", "2", "0"),
        ("IN", 2, "80'", "2", "1"),
        ("IN", 2, "81'", "2", "2"),
        ("IN", 4, "108'", "3", "2"),
        ("IN", 4, "118'", "3", "3"),
        ("IN", 5, "Pens", "3(1)", "3(1)"),
        ("IN", 5, "Pens", "3(3)", "3(2)"),
        ("POST", 5, "FT-Pens", "3(4)", "3(2)"),
    ]
    polls = []
    for n, (state, period, clock, team, opponent) in enumerate(timeline):
        for poll in range(3):  # the same moment polled again: no new point
            attributes = teamtracker_attributes(
                9,
                **base,
                quarter=period,
                clock=clock,
                team_score=team,
                opponent_score=opponent,
                team_total_shots=str(2 * n + poll),
                last_update=f"{n}.{poll}",
            )
            polls.append((state, attributes))
    return polls


async def test_soccer_match_decided_on_penalties(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack: Any,
    database: str,
) -> None:
    polls = soccer_polls()
    await replay_states(hass, freezer, "sensor.argentina", polls, START)
    await init_integration.runtime_data.writer.async_flush()

    rows = select_from(stack, database, "soccer_scores")
    assert [
        (r["period"], r["home_score"], r["away_score"], r["status"]) for r in rows
    ] == [
        (1, 1, 0, "IN"),
        (1, 2, 0, "IN"),
        (2, 2, 1, "IN"),
        (2, 2, 2, "IN"),
        (4, 3, 2, "IN"),
        (4, 3, 3, "IN"),
        (5, 3, 3, "IN"),
        (5, 3, 3, "IN"),
        (5, 3, 3, "POST"),
    ]
    final = rows[-1]
    assert (final["home_shootout"], final["away_shootout"]) == (4, 2)
    assert (final["final_type"], final["league"], final["season_type"]) == (
        "SO",
        "WC",
        "final",
    )
    assert (final["home_team"], final["away_team"]) == ("ARG", "FRA")
    assert [r["final_type"] for r in rows[:-1]] == [None] * 8
    assert [r["home_shots"] for r in rows] == [2 * n for n in range(9)]


def nba_polls() -> list[tuple[str, dict[str, Any]]]:
    """UTAH @ DET: test10's PRE, live polls in test11's shape, test12's final."""
    pre = teamtracker_attributes(10, start=START)
    live = teamtracker_attributes(11)
    final = teamtracker_attributes(12)
    same_game = {
        key: pre[key]
        for key in pre
        if key.startswith(("team_", "opponent_")) and not key.endswith("score")
    }
    same_game["season"] = pre["season"]
    polls: list[tuple[str, dict[str, Any]]] = [("PRE", pre)]
    for quarter, clock, det, utah in (
        (1, "11:40 - 1st", "2", "0"),
        (1, "10:55 - 1st", "2", "3"),
        (2, "1:38 - 2nd", "47", "41"),
        (2, "1:12 - 2nd", "47", "41"),  # only the clock: no point
        (4, "0:02 - 4th", "101", "99"),
    ):
        polls.append(
            (
                "IN",
                {
                    **live,
                    **same_game,
                    "date": pre["date"],
                    "quarter": quarter,
                    "clock": clock,
                    "team_score": det,
                    "opponent_score": utah,
                },
            )
        )
    end = {**final, **same_game, "date": pre["date"], "team_score": "103"}
    polls += [("POST", {**end, "opponent_score": "99"})] * 2
    return polls


async def test_nba_game(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack: Any,
    database: str,
) -> None:
    polls = nba_polls()
    times = await replay_states(
        hass, freezer, "sensor.pistons", polls, START + timedelta(minutes=5)
    )
    await init_integration.runtime_data.writer.async_flush()
    rows = select_from(stack, database, "basketball_scores")
    assert [
        (r["time"], r["status"], r["period"], r["home_score"], r["away_score"])
        for r in rows
    ] == [
        (ns(START), "PRE", None, 0, 0),
        (ns(times[1]), "IN", 1, 2, 0),
        (ns(times[2]), "IN", 1, 2, 3),
        (ns(times[3]), "IN", 2, 47, 41),
        (ns(times[5]), "IN", 4, 101, 99),
        (ns(times[6]), "POST", 4, 103, 99),
    ]
    assert {(r["home_team"], r["away_team"], r["league"]) for r in rows} == {
        ("DET", "UTAH", "NBA")
    }
    assert rows[3]["time_remaining"] == "1:38"
    assert rows[-1]["final_type"] == "REG"


async def test_postponed_then_played(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack: Any,
    database: str,
) -> None:
    """POST 0-0 "Postponed" is POSTPONED; the game's real final is POST."""
    postponed = teamtracker_attributes(
        3,
        start=START,
        team_score="0",
        opponent_score="0",
        clock="Postponed",
        quarter=0,
    )
    played = teamtracker_attributes(3, start=START)
    polls = [
        ("POST", postponed),
        ("POST", dict(postponed, last_update="again")),
        (
            "IN",
            dict(
                played, clock="Top 1st", quarter=1, team_score="0", opponent_score="0"
            ),
        ),
        ("POST", played),
        ("POST", dict(played, last_update="again")),
    ]
    writer = init_integration.runtime_data.writer
    times = await replay_states(hass, freezer, "sensor.reds", polls, START)
    await writer.async_flush()
    rows = select_from(stack, database, "baseball_scores")
    assert [
        (
            r["time"],
            r["status"],
            r["source_status"],
            r["home_score"],
            r["away_score"],
            r["final_type"],
        )
        for r in rows
    ] == [
        (ns(times[0]), "POSTPONED", "POST", 0, 0, None),
        (ns(times[2]), "IN", "IN", 0, 0, None),
        (ns(times[3]), "POST", "POST", 3, 4, "REG"),
    ]
    assert len({r["game_id"] for r in rows}) == 1


async def test_every_upstream_result_one_type_per_field(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    stack: Any,
    database: str,
) -> None:
    """All 31 sensors at once: each new measurement's fields have one type."""
    freezer.move_to(START)
    for number in range(1, RESULT_COUNT + 1):
        attributes = teamtracker_attributes(number, start=START)
        hass.states.async_set(
            f"sensor.tt_{number}", attributes.get("state", "IN"), attributes
        )
    hass.states.async_set("sensor.tt_rugby", "IN", {**attributes, "sport": "rugby"})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    writer = mock_config_entry.runtime_data.writer
    await writer.async_flush()

    # Points per measurement: every result but the NFL's and the NHL's
    # (test_sources_teamtracker_sports.py has each one's table).
    written = {
        "baseball_scores": 3,
        "basketball_scores": 3,
        "cricket_scores": 3,
        "football_scores": 2,
        "golf_results": 1,
        "mma_results": 3,
        "racing_results": 3,
        "soccer_scores": 3,
        "tennis_results": 3,
        "volleyball_scores": 3,
    }
    for measurement in (*LEAGUE_SCORES, *ATHLETE_RESULTS):
        types = field_types(stack, database, measurement.name)
        keys = [key for key, _ in types]
        assert len(keys) == len(set(keys)), measurement.name
        assert dict(types) == {
            key: MEASUREMENTS[measurement.name].fields[key].value for key in keys
        }
        rows = select_from(stack, database, measurement.name)
        assert len(rows) == written.get(measurement.name, 0), measurement.name
    assert sum(written.values()) == 27
    assert len(select_from(stack, database, "nfl_scores")) == 1
    assert len(select_from(stack, database, "nhl_scores")) == 3
    assert dict(writer.stats.skipped) == {"unknown_sport": 1}
    assert writer.stats.points_written == 31
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


def tennis_polls() -> list[tuple[str, dict[str, Any]]]:
    """PAOLINI v Linette (test21's sensor): 6-4 7-5, each poll seen twice."""
    polls: list[tuple[str, dict[str, Any]]] = [
        ("PRE", teamtracker_attributes(21, start=START))
    ]
    games = [(1, 0, 0, 1, 0), (1, 0, 0, 6, 4), (2, 1, 0, 3, 3), (2, 1, 0, 6, 5)]
    for n, (period, sets, opponent_sets, score, opponent_score) in enumerate(games):
        attributes = teamtracker_attributes(
            21,
            start=START,
            quarter=period,
            clock=f"{inning_name(period)} Set",
            team_score=score,
            opponent_score=opponent_score,
            team_sets_won=sets,
            opponent_sets_won=opponent_sets,
        )
        polls += [
            ("IN", {**attributes, "last_update": f"{n}.{poll}"}) for poll in range(2)
        ]
    final = teamtracker_attributes(
        21,
        start=START,
        quarter=2,
        clock="Final",
        team_score="2",
        opponent_score="0",
        team_winner=True,
        opponent_winner=False,
    )
    polls += [("POST", {**final, "last_update": str(poll)}) for poll in range(3)]
    return polls


async def test_tennis_match_as_results_of_the_athlete(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack: Any,
    database: str,
) -> None:
    """A point per game change, the final once, with the winner."""
    times = await replay_states(
        hass, freezer, "sensor.paolini", tennis_polls(), START + timedelta(minutes=1)
    )
    await init_integration.runtime_data.writer.async_flush()
    rows = select_from(stack, database, "tennis_results")
    assert [
        (
            r["time"],
            r["status"],
            r["period"],
            r["sets_won"],
            r["games"],
            r["opponent_games"],
            r["winner"],
        )
        for r in rows
    ] == [
        (ns(START), "PRE", None, None, None, None, None),
        (ns(times[1]), "IN", 1, 0, 1, 0, None),
        (ns(times[3]), "IN", 1, 0, 6, 4, None),
        (ns(times[5]), "IN", 2, 1, 3, 3, None),
        (ns(times[7]), "IN", 2, 1, 6, 5, None),
        (ns(times[9]), "POST", 2, 2, None, None, 1),
    ]
    assert {(r["athlete"], r["opponent"], r["round"]) for r in rows} == {
        ("PAOLINI", "Magda Linette", "Round 2")
    }
    assert {r["event_id"] for r in rows} == {f"WTA-{START:%Y%m%d}-T{START:%H%M}"}
