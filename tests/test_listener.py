"""Replayed games through HA's state machine into the real InfluxDB."""

from __future__ import annotations

import contextlib
import copy
from datetime import timedelta
import json
import threading
from types import SimpleNamespace
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from hypothesis import assume, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sports_influx import listener as listener_module
from custom_components.sports_influx.const import CONF_ENTITIES, DOMAIN
from custom_components.sports_influx.listener import READ_INTERVAL
from custom_components.sports_influx.reader import Deduper, StateReader, score_key
from custom_components.sports_influx.records import (
    AthleteResult,
    LeagueScore,
    NflScore,
    NhlScore,
)
from custom_components.sports_influx.sources import (
    SkipRecord,
    teamtracker,
    teamtracker_sports,
)
from custom_components.sports_influx.sources.parsing import LEAGUES
from custom_components.sports_influx.sources.status import canonical_status
from homeassistant.core import HomeAssistant, State
from homeassistant.util import dt as dt_util

from .conftest import FIXTURES, RECENT, rp, select, select_from
from .factories import (
    REPLAY_START,
    RESULT_COUNT,
    fixture_sensor,
    mlb_game,
    nfl_polls,
    nhlapi_cbj_wsh,
    replay,
    replay_states,
    teamtracker_cbj_wsh,
    teamtracker_result,
)


@pytest.mark.parametrize("entry_options", [{}])
async def test_replayed_nfl_game(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """One point per meaningful change; the final once."""
    entity_id = "sensor.saints"
    times = await replay(hass, freezer, entity_id, nfl_polls())
    writer = init_integration.runtime_data.writer
    await writer.async_flush()

    rows = select_from(stack, database, "nfl_scores")
    written = [row["time"] for row in rows]
    expected_polls = [0, 10, 30, 60]  # the first state, 2 changes, the final
    assert written == [int(times[n].timestamp()) * 10**9 for n in expected_polls]
    assert [(r["home_score"], r["away_score"], r["status"]) for r in rows][-1] == (
        27,
        31,
        "POST",
    )
    assert rows[0]["home_team"] == "ATL"
    assert rows[0]["away_team"] == "NO"
    types = select(stack, database, f"SHOW FIELD KEYS FROM {rp('nfl_scores')}")
    assert {t["fieldKey"]: t["fieldType"] for t in types}["home_score"] == "integer"
    assert len(types) == len({t["fieldKey"] for t in types})
    assert writer.stats.points_written == 4


@pytest.mark.parametrize("entry_options", [{}])
async def test_heartbeat_every_five_minutes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """A live game where nothing moves but the clock: a point every 5 min."""
    base = nfl_polls()[0][1]
    polls = [
        ("IN", dict(base, clock=f"{n % 60}:00 - 2nd", last_update=str(n)))
        for n in range(12 * 12)  # 12 minutes
    ]
    times = await replay(hass, freezer, "sensor.saints", polls)
    await init_integration.runtime_data.writer.async_flush()
    written = [row["time"] for row in select_from(stack, database, "nfl_scores")]
    assert written == [int(times[n].timestamp()) * 10**9 for n in (0, 60, 120)]


@pytest.mark.parametrize("entry_options", [{}])
async def test_final_is_not_written_again_after_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """The dedupe memory of finals survives an unload and a new setup."""
    final = fixture_sensor("teamtracker_nhl.json", "sensor.test_tt_nhl_test01")
    await replay(hass, freezer, "sensor.sabres", [("POST", final["attributes"])])
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert len(select_from(stack, database, "nhl_scores")) == 1

    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    freezer.tick(3600)
    hass.states.async_set(
        "sensor.sabres", "POST", dict(final["attributes"], last_update="x")
    )
    await hass.async_block_till_done()
    await init_integration.runtime_data.writer.async_flush()
    assert len(select_from(stack, database, "nhl_scores")) == 1


@pytest.mark.parametrize("entry_options", [{CONF_ENTITIES: ["sensor.chosen"]}])
async def test_only_chosen_entities_and_bad_states_counted(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """With a chosen list only those are followed; junk is counted, not raised."""
    nfl = fixture_sensor("teamtracker_nfl.json", "sensor.test_tt_nfl_test02")
    hass.states.async_set("sensor.chosen", "IN", nfl["attributes"])
    hass.states.async_set("sensor.ignored", "IN", nfl["attributes"])
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    runtime = mock_config_entry.runtime_data
    assert runtime.listener.followed == ["sensor.chosen"]

    hass.states.async_set("sensor.chosen", "unavailable", {})
    hass.states.async_set("sensor.chosen", "IN", {"team_score": "x"})
    await hass.async_block_till_done()
    await runtime.writer.async_flush()
    assert sum(runtime.writer.stats.skipped.values()) == 2
    rows = select_from(stack, database, "nfl_scores")
    assert [(r["home_team"], r["home_score"]) for r in rows] == [("CHI", 19)]
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_new_sensors_are_found(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """A sports sensor added after setup is followed; others are not."""
    nhl = fixture_sensor("teamtracker_nhl.json", "sensor.test_tt_nhl_test04")
    hass.states.async_set("sensor.temperature", "21", {"unit_of_measurement": "C"})
    hass.states.async_set("sensor.oilers", "IN", nhl["attributes"])
    await hass.async_block_till_done()
    runtime = init_integration.runtime_data
    assert runtime.listener.followed == ["sensor.oilers"]
    await runtime.writer.async_flush()
    rows = select_from(stack, database, "nhl_scores")
    assert [(r["home_team"], r["away_team"], r["period"]) for r in rows] == [
        ("EDM", "WPG", 2)
    ]


def espn_attributes(name: str, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A rest sensor's json_attributes taken from an ESPN payload."""
    body = json.loads((FIXTURES / name).read_text())
    return {k: body[k] for k in keys} if keys else body


async def test_standings_sensor_writes_changed_teams_only(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """32 teams once; a refresh writes only the team whose record changed."""
    attributes = espn_attributes(
        "espn_standings_nfl.json", ("abbreviation", "season", "children")
    )
    hass.states.async_set("sensor.nfl_standings", "ok", attributes)
    await hass.async_block_till_done()
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    rows = select_from(stack, database, "nfl_standings")
    assert len(rows) == 32
    per_conference = {
        c: sum(r["conference"] == c for r in rows) for c in ("AFC", "NFC")
    }
    assert per_conference == {"AFC": 16, "NFC": 16}

    changed = copy.deepcopy(attributes)
    entry = changed["children"][0]["standings"]["entries"][0]
    for stat in entry["stats"]:
        if stat.get("name") == "wins":
            stat["value"] = stat["value"] + 1
    freezer.tick(3600)
    hass.states.async_set("sensor.nfl_standings", "ok2", changed)
    await hass.async_block_till_done()
    await writer.async_flush()
    assert len(select_from(stack, database, "nfl_standings")) == 33


async def test_summary_sensor_writes_player_stats_and_injuries(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """A game summary sensor: one point per player, one per injury."""
    attributes = espn_attributes(
        "espn_summary_nfl.json", ("boxscore", "header", "injuries")
    )
    # The recorded game (2023) is past its retention window: replay it as
    # a recent one, else the writer counts its points as expired.
    recent = RECENT.strftime("%Y-%m-%dT%H:%MZ")
    attributes["header"]["competitions"][0]["date"] = recent
    for team in attributes["injuries"]:
        for injury in team["injuries"]:
            injury["date"] = recent
    hass.states.async_set("sensor.gb_atl_summary", "ok", attributes)
    await hass.async_block_till_done()
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    players = select_from(stack, database, "nfl_player_stats")
    injuries = select_from(stack, database, "nfl_injuries")
    assert len(players) == 58  # every athlete of the box score, once
    assert len(injuries) == 10
    assert writer.stats.points_failed == 0
    assert writer.stats.expired == 0


TEAMTRACKER_STATES = [
    s
    for name in ("teamtracker_nfl.json", "teamtracker_nhl.json")
    for s in json.loads((FIXTURES / name).read_text())
] + [
    # Upstream TeamTracker's results: every sport, PRE, IN and POST.
    {"state": result["state"], "attributes": result}
    for result in map(teamtracker_result, range(1, RESULT_COUNT + 1))
]
ANY_VALUES = st.none() | st.text(max_size=12) | st.integers() | st.floats()
ALL_ATTRIBUTES = sorted({k for s in TEAMTRACKER_STATES for k in s["attributes"]})
# Read by a parser but not compared: they change between plays and only
# fill fields outside the game id, the status and the dedupe key (the clock
# everywhere but baseball, the shots, baseball's count of balls and
# strikes, the event's name, a winner flag, an MMA or tennis opponent).
READ_NOT_DECISIVE = {
    "clock",
    "team_shots_on_target",
    "opponent_shots_on_target",
    "team_total_shots",
    "opponent_total_shots",
    "balls",
    "strikes",
    "event_name",
    "team_winner",
    "opponent_name",
}


def _sport(attributes: dict[str, Any]) -> str:
    sport = attributes.get("sport") or attributes.get("sport_path") or ""
    return str(sport).strip().lower()


def _not_decisive(attributes: dict[str, Any]) -> list[str]:
    """The attributes the shortcut does not compare for this sensor's sport,
    and one no TeamTracker version has."""
    compared = set(teamtracker.DECISIVE)
    compared |= set(teamtracker.SPORT_DECISIVE.get(_sport(attributes), ()))
    return [k for k in ALL_ATTRIBUTES if k not in compared] + [
        "an_attribute_of_a_future_version"
    ]


def _parsed(base: dict[str, Any], attributes: dict[str, Any]) -> tuple[Any, ...] | None:
    """(game id, status, dedupe key) of a TeamTracker state, None if skipped."""
    state = State("sensor.x", base["state"], attributes)
    try:
        (record,) = teamtracker.parse(state, REPLAY_START).records
    except SkipRecord:
        return None
    assert isinstance(record, (NflScore, NhlScore, LeagueScore, AthleteResult))
    return (record.game_id, record.status, score_key(record))


@settings(max_examples=600, deadline=None)
@given(st.data())
def test_attributes_outside_decisive_never_change_the_dedupe_key(
    data: st.DataObject,
) -> None:
    """What the listener may skip parsing for: the same game, status and
    key whatever the attributes it does not compare say (so the dedupe
    memory decides alone), in every sport."""
    base = data.draw(st.sampled_from(TEAMTRACKER_STATES))
    changes = data.draw(
        st.dictionaries(
            st.sampled_from(_not_decisive(base["attributes"])), ANY_VALUES, max_size=8
        )
    )
    # A clock saying "Postponed" or "Delayed" changes the status: ESPN then
    # changes the state too, or the live game's heartbeat parses it again.
    clock = changes.get("clock")
    assume(not (isinstance(clock, str) and canonical_status("", clock)))
    before = _parsed(base, base["attributes"])
    if before is not None:
        assert _parsed(base, {**base["attributes"], **changes}) == before


def test_the_sport_decisive_attributes_do_change_keys() -> None:
    """Baseball's clock, golf's holes and racing's laps are compared in their
    sport because they are part of its key there."""
    cases = (
        (2, {"clock": "Bot 6th"}),  # MLB, "Top 6th": the half-inning
        (25, {"team_shots_on_target": 17}),  # PGA, live: holes played
        (30, {"team_total_shots": 41}),  # F1, live: laps
    )
    for number, change in cases:
        base = {"state": "IN", "attributes": teamtracker_result(number)}
        assert base["attributes"]["state"] == "IN"
        (name,) = change
        assert name in teamtracker.SPORT_DECISIVE[_sport(base["attributes"])]
        assert name not in teamtracker.DECISIVE
        before = _parsed(base, base["attributes"])
        assert before is not None
        assert _parsed(base, {**base["attributes"], **change}) != before


def test_the_parser_reads_only_decisive_attributes_clock_and_shots() -> None:
    """Every attribute the parsers read is compared by the shortcut (for
    the sensor's sport), or is one of those that change no key (the test
    above)."""
    read: set[str] = set()

    class Recording(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            read.add(key)
            return super().get(key, default)

        def __getitem__(self, key: str) -> Any:
            read.add(key)
            return super().__getitem__(key)

    sports = set()
    for state in TEAMTRACKER_STATES:
        read.clear()
        attributes = state["attributes"]
        # A State keeps a read-only copy: the recording stands in for it.
        recorded = SimpleNamespace(
            state=state["state"], attributes=Recording(attributes)
        )
        league = LEAGUES.get(str(attributes["league"]).upper())
        with contextlib.suppress(SkipRecord):
            if league is not None:
                teamtracker.team_view_score(
                    recorded, league=league, observed=REPLAY_START
                )  # type: ignore[arg-type]
            else:
                teamtracker_sports.parse(recorded, REPLAY_START)  # type: ignore[arg-type]
        compared = set(teamtracker.DECISIVE)
        compared |= set(teamtracker.SPORT_DECISIVE.get(_sport(attributes), ()))
        assert read - compared <= READ_NOT_DECISIVE, state["state"]
        assert "date" in read  # the recording saw the parse
        sports.add(_sport(attributes) or str(attributes["league"]))
    assert len(sports) >= 10


@pytest.mark.parametrize("entry_options", [{}])
async def test_polls_changing_only_the_clock_are_not_parsed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A live game's polls that move only clocks are decided from the last
    parse: parsed again for the heartbeat and for a real change."""
    calls = []
    original = teamtracker.team_view_score

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(teamtracker, "team_view_score", counting)
    base = nfl_polls()[0][1]
    polls = nfl_polls()[:25]  # 2 minutes; the score changes at poll 10
    # Then 6 minutes where only the clock moves: the heartbeat at poll 70.
    polls += [
        ("IN", dict(polls[-1][1], clock=f"{n}:00 - 4th", last_update=str(n)))
        for n in range(25, 25 + 72)
    ]
    assert base["team_score"] == polls[0][1]["team_score"]
    await replay(hass, freezer, "sensor.saints", polls)
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    # Parsed: the first poll, the score change (10), the heartbeat (70).
    assert len(calls) == 3
    assert writer.stats.points_written == 3


@pytest.mark.parametrize("entry_options", [{}])
async def test_a_baseball_game_is_parsed_once_per_point(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    stack,
    database: str,
) -> None:
    """Nine innings polled every 5 s (factories.mlb_game): the polls
    that move only the count of balls and strikes and ``last_update`` are
    decided from the last parse; every change of the situation is parsed
    and written."""
    calls = []
    original = teamtracker_sports.team_score

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(teamtracker_sports, "team_score", counting)
    game = mlb_game()
    await replay_states(hass, freezer, "sensor.brewers", game.polls, REPLAY_START)
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    rows = select_from(stack, database, "baseball_scores")
    assert len(game.polls) == 2049
    assert len(rows) == len(game.changes) == 87
    assert len(calls) == 87
    assert writer.stats.points_written == 87


def _recording_reader(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[int, int]]
) -> None:
    """Record each batch read: (thread, states)."""
    original = StateReader.read_all

    def recording(self: StateReader, states: list[State]) -> list[Any]:
        calls.append((threading.get_ident(), len(states)))
        return original(self, states)

    monkeypatch.setattr(StateReader, "read_all", recording)


def _scores(n: int) -> list[tuple[str, dict[str, Any]]]:
    """``n`` polls of NO @ ATL, each with another ATL score."""
    base = nfl_polls()[0][1]
    return [("IN", dict(base, opponent_score=str(20 + i))) for i in range(n)]


@pytest.mark.parametrize("entry_options", [{}])
async def test_changes_are_read_in_bulk_once_a_second(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    stack,
    database: str,
) -> None:
    """The handler only appends: what arrives within ``READ_INTERVAL`` is
    read together, on the loop, when the timer fires; every change is
    written."""
    calls: list[tuple[int, int]] = []
    _recording_reader(monkeypatch, calls)
    for state, attributes in _scores(6):
        hass.states.async_set("sensor.saints", state, attributes)
    await hass.async_block_till_done()
    assert calls == []  # nothing read yet
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=READ_INTERVAL))
    await hass.async_block_till_done()
    assert calls == [(threading.get_ident(), 6)]
    await init_integration.runtime_data.writer.async_flush()
    rows = select_from(stack, database, "nfl_scores")
    assert [r["home_score"] for r in rows] == [20, 21, 22, 23, 24, 25]


@pytest.mark.parametrize("entry_options", [{}])
async def test_a_big_burst_is_read_without_waiting(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    stack,
    database: str,
) -> None:
    """``READ_BATCH`` states waiting are read at once (memory stays bounded)."""
    monkeypatch.setattr(listener_module, "READ_BATCH", 3)
    calls: list[tuple[int, int]] = []
    _recording_reader(monkeypatch, calls)
    timers: list[float] = []
    call_later = listener_module.async_call_later

    def counting_call_later(hass: HomeAssistant, delay: float, action: Any) -> Any:
        timers.append(delay)
        return call_later(hass, delay, action)

    monkeypatch.setattr(listener_module, "async_call_later", counting_call_later)
    for state, attributes in _scores(7):
        hass.states.async_set("sensor.saints", state, attributes)
    await hass.async_block_till_done()
    assert [n for _, n in calls] == [3, 3]  # the 7th waits for the timer
    assert timers == [READ_INTERVAL]  # one timer, not one per batch read
    # The timer set by the first change still reads it within the second.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=READ_INTERVAL))
    await hass.async_block_till_done()
    assert [n for _, n in calls] == [3, 3, 1]
    await init_integration.runtime_data.writer.async_flush()
    assert [n for _, n in calls] == [3, 3, 1]
    rows = select_from(stack, database, "nfl_scores")
    assert [r["home_score"] for r in rows] == [20, 21, 22, 23, 24, 25, 26]


@pytest.mark.parametrize("entry_options", [{}])
async def test_states_pending_at_unload_are_written(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """Unloading right after the changes arrive reads them, then flushes
    them: none is left behind in memory."""
    for state, attributes in _scores(3):
        hass.states.async_set("sensor.saints", state, attributes)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    rows = select_from(stack, database, "nfl_scores")
    assert [r["home_score"] for r in rows] == [20, 21, 22]


@pytest.mark.parametrize("entry_options", [{}])
async def test_flush_action_includes_states_not_yet_read(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """``sports_influx.flush`` writes the changes received so far."""
    for state, attributes in _scores(2):
        hass.states.async_set("sensor.saints", state, attributes)
    await hass.services.async_call(DOMAIN, "flush", {}, blocking=True)
    rows = select_from(stack, database, "nfl_scores")
    assert [r["home_score"] for r in rows] == [20, 21]


@pytest.mark.parametrize("entry_options", [{}])
async def test_a_reader_failure_is_counted_and_reading_goes_on(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    stack,
    database: str,
) -> None:
    """A bug in a batch's reading is logged and counted; later states are read."""
    original = StateReader.read_all
    failures = [RuntimeError("boom")]

    def failing_once(self: StateReader, states: list[State]) -> list[Any]:
        if failures:
            raise failures.pop()
        return original(self, states)

    monkeypatch.setattr(StateReader, "read_all", failing_once)
    first, second = _scores(2)
    hass.states.async_set("sensor.saints", *first)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=READ_INTERVAL))
    await hass.async_block_till_done()
    hass.states.async_set("sensor.saints", *second)
    await hass.async_block_till_done()
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    assert writer.stats.skipped["parser_error"] == 1
    assert "Could not read 1 states" in caplog.text
    rows = select_from(stack, database, "nfl_scores")
    assert [r["home_score"] for r in rows] == [21]


# --- one series, one season, one final per game (read back) -----------------

# A recent NHL game, so the real server keeps its points.
NHL_START = RECENT.replace(hour=23)


async def _set(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    changes: list[tuple[str, str, dict[str, Any]]],
) -> None:
    """Set (entity, state, attributes) a minute apart after the start."""
    for n, (entity_id, value, attributes) in enumerate(changes):
        freezer.move_to(NHL_START + timedelta(minutes=n + 1))
        hass.states.async_set(entity_id, value, attributes)
        await hass.async_block_till_done()


def _series(stack: Any, database: str, measurement: str) -> list[str]:
    rows = select(stack, database, f"SHOW SERIES FROM {rp(measurement)}")
    return sorted(row["key"] for row in rows)


@pytest.mark.parametrize("entry_options", [{}])
async def test_teamtracker_and_nhlapi_land_in_one_series(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """One NHL game followed by TeamTracker and hass-nhlapi: one game id,
    one series per status, one final; each source's own id and word kept."""
    game = {"season": "regular-season"}
    nhl = nhlapi_cbj_wsh(NHL_START, game_id=int(f"{NHL_START.year}020214"))
    await _set(
        hass,
        freezer,
        [
            (
                "sensor.cbj_tt",
                "IN",
                teamtracker_cbj_wsh(
                    "IN",
                    NHL_START,
                    cbj="1",
                    wsh="0",
                    clock="5:00 - 1st",
                    period=1,
                    **game,
                ),
            ),
            (
                "sensor.cbj_nhl",
                "LIVE",
                nhl | {"home_score": 1, "away_score": 0, "current_period": 1},
            ),
            (
                "sensor.cbj_nhl",
                "LIVE",
                nhl | {"home_score": 2, "away_score": 1, "current_period": 3},
            ),
            ("sensor.cbj_nhl", "OFF", nhl),
            ("sensor.cbj_tt", "POST", teamtracker_cbj_wsh("POST", NHL_START, **game)),
        ],
    )
    await init_integration.runtime_data.writer.async_flush()
    rows = select_from(stack, database, "nhl_scores")
    game_id = f"NHL-{NHL_START:%Y%m%d}-WSH@CBJ"
    assert [
        (r["game_id"], r["status"], r["home_score"], r["away_score"]) for r in rows
    ] == [
        (game_id, "IN", 1, 0),  # TeamTracker's first
        (game_id, "IN", 2, 1),  # hass-nhlapi's goal; its 1-0 was no news
        (game_id, "POST", 2, 1),  # hass-nhlapi's OFF; TeamTracker's POST not again
    ]
    assert [(r["source_status"], r["source_game_id"]) for r in rows] == [
        ("IN", None),
        ("LIVE", str(nhl["game_id"])),
        ("OFF", str(nhl["game_id"])),
    ]
    assert rows[-1]["final_type"] == "REG"
    series = _series(stack, database, "nhl_scores")
    assert len(series) == 2  # one game: its IN and its POST series
    assert all(f"game_id={game_id}," in key for key in series)


@pytest.mark.parametrize("entry_options", [{}])
async def test_nhlapi_over_final_off_is_one_final_point(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """hass-nhlapi passes through OVER, FINAL and OFF: one POST point, the
    overtime marked."""
    final = nhlapi_cbj_wsh(NHL_START, cbj=3, wsh=2, period=4, period_type="OT")
    await _set(
        hass,
        freezer,
        [
            (
                "sensor.cbj",
                "LIVE",
                final | {"home_score": 2, "time_remaining": "02:11"},
            ),
            ("sensor.cbj", "OVER", final),
            ("sensor.cbj", "FINAL", final),
            ("sensor.cbj", "OFF", final),
        ],
    )
    await init_integration.runtime_data.writer.async_flush()
    rows = select_from(stack, database, "nhl_scores")
    assert [(r["status"], r["source_status"], r["final_type"]) for r in rows] == [
        ("IN", "LIVE", None),
        ("POST", "OVER", "OT"),
    ]


@pytest.mark.parametrize("entry_options", [{}])
async def test_postponed_is_no_final_and_the_later_final_is_written(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """ESPN's postponed game (POST, 0-0, "Postponed"), then the game played:
    a POSTPONED point and the real final, in a shootout."""
    postponed = teamtracker_cbj_wsh(
        "POST", NHL_START, cbj="0", wsh="0", clock="Postponed"
    )
    played = teamtracker_cbj_wsh(
        "POST", NHL_START, cbj="3(2)", wsh="3(1)", clock="Final/SO", period=5
    )
    await _set(
        hass,
        freezer,
        [
            ("sensor.cbj", "POST", postponed),
            ("sensor.cbj", "POST", postponed | {"last_update": "later"}),
            ("sensor.cbj", "POST", played),
        ],
    )
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    rows = select_from(stack, database, "nhl_scores")
    assert [
        (r["status"], r["home_score"], r["home_shootout"], r["final_type"])
        for r in rows
    ] == [("POSTPONED", 0, None, None), ("POST", 3, 2, "SO")]


@pytest.mark.parametrize("entry_options", [{}])
async def test_nhl_season_is_one_in_scores_and_standings(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """A game and ESPN's standings of its season (named by the end year, as
    ESPN's hockey standings name it) carry one season tag."""
    season = NHL_START.year if NHL_START.month >= 7 else NHL_START.year - 1
    standings = espn_attributes("espn_standings_nhl.json")
    standings["season"] |= {
        "year": season + 1,
        "displayName": f"{season}-{(season + 1) % 100:02d}",
    }
    for conference in standings["children"]:
        conference["standings"]["season"] = season + 1
    await _set(
        hass,
        freezer,
        [
            ("sensor.nhl_standings", "ok", standings),
            (
                "sensor.cbj",
                "OFF",
                nhlapi_cbj_wsh(NHL_START, game_id=int(f"{season}020214")),
            ),
            (
                "sensor.cbj_tt",
                "IN",
                teamtracker_cbj_wsh("IN", NHL_START.replace(day=1), clock="1:00 - 1st"),
            ),
        ],
    )
    await init_integration.runtime_data.writer.async_flush()
    scores = select_from(stack, database, "nhl_scores")
    table = select_from(stack, database, "nhl_standings")
    assert len(scores) == 2
    assert len(table) == 4
    assert (
        {r["season"] for r in scores} == {r["season"] for r in table} == {str(season)}
    )
    joined = select(
        stack,
        database,
        f"SELECT wins FROM {rp('nhl_standings')} WHERE season = '{season}' AND team = 'LA'",
    )
    assert [r["wins"] for r in joined] == [10]


@pytest.mark.parametrize("entry_options", [{}])
async def test_an_nba_sensor_shaped_like_ha_nfl_lands_in_basketball(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """ha-nba's sensor is followed (ha-nfl's family) and written to the NBA's
    sport, never as NFL; without league evidence it is ``unknown_league``."""
    sensor = fixture_sensor("ha_nba_nba.json", "sensor.nba")
    sensor["attributes"]["date"] = RECENT.strftime("%Y-%m-%dT%H:%MZ")
    blind = dict(sensor["attributes"], team_logo=None, opponent_logo=None)
    hass.states.async_set("sensor.nba_blind", "POST", blind)
    await hass.async_block_till_done()
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    assert dict(writer.stats.skipped) == {"unknown_league": 1}
    assert select_from(stack, database, "basketball_scores") == []
    hass.states.async_set("sensor.nba", "POST", sensor["attributes"])
    await hass.async_block_till_done()
    await writer.async_flush()
    assert select_from(stack, database, "nfl_scores") == []
    rows = select_from(stack, database, "basketball_scores")
    assert [
        (
            r["league"],
            r["game_id"],
            r["away_team"],
            r["home_team"],
            r["away_score"],
            r["home_score"],
            r["status"],
            r["final_type"],
        )
        for r in rows
    ] == [
        (
            "NBA",
            f"NBA-{RECENT:%Y%m%d}-CHA@BOS",
            "CHA",
            "BOS",
            93,
            134,
            "POST",
            "REG",
        )
    ]


@pytest.mark.parametrize("entry_options", [{}])
async def test_league_injury_reports_written_once_per_status(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """ESPN's NFL and NHL league reports as `rest` sensors: a point per player;
    the same report polled again writes nothing; a new status is written."""
    recent = RECENT.strftime("%Y-%m-%dT%H:%MZ")
    bodies = {}
    for league in ("nfl", "nhl"):
        body = espn_attributes(
            f"espn_league_injuries_{league}.json", ("season", "injuries")
        )
        for team in body["injuries"]:
            for row in team["injuries"]:
                row["date"] = recent
        bodies[league] = body
    changed = copy.deepcopy(bodies["nhl"])
    changed["injuries"][0]["injuries"][1]["status"] = "Out"
    await _set(
        hass,
        freezer,
        [
            ("sensor.nfl_injuries", "unknown", bodies["nfl"]),
            ("sensor.nhl_injuries", "unknown", bodies["nhl"]),
            (
                "sensor.nfl_injuries",
                "unknown",
                copy.deepcopy(bodies["nfl"]) | {"timestamp": "x"},
            ),
            ("sensor.nhl_injuries", "unknown", changed),
        ],
    )
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    nfl = select_from(stack, database, "nfl_injuries")
    nhl = select_from(stack, database, "nhl_injuries")
    assert len(nfl) == 10
    assert {r["team"] for r in nfl} == {"ATL", "GB"}
    assert sorted((r["player_name"], r["status"]) for r in nhl) == [
        ("Anthony Stolarz", "Out"),
        ("Chris Tanev", "Day-To-Day"),
        ("Chris Tanev", "Out"),
        ("Drew Doughty", "Injured Reserve"),
    ]
    assert writer.stats.points_failed == 0


def test_finals_saved_by_an_older_version_are_read() -> None:
    """Older versions saved a final's whole score key: the result is kept
    for games whose id is still made (synthetic ones), the others dropped."""
    deduper = Deduper(
        {
            "NHL-20220925-BUF@WSH": ["POST", 3, 4, None, None, None],
            "NHL-20221001-WSH@CBJ": ["FINAL", 2, 1, 5, 1, 0],
            "NFL-20220909-BUF@LAR": ["POST", 10, 31, 4, None, None],
            "401437654": ["POST", 10, 31, 4, None, None],
            "NHL-20251104-WSH@CBJ": [2, 1, None, None],
            "junk": "x",
        }
    )
    assert deduper.finals == {
        "NHL-20220925-BUF@WSH": [3, 4, None, None],
        "NHL-20221001-WSH@CBJ": [2, 1, 1, 0],
        "NFL-20220909-BUF@LAR": [10, 31, None, None],
        "NHL-20251104-WSH@CBJ": [2, 1, None, None],
    }


@pytest.mark.parametrize("entry_options", [{}])
async def test_a_new_sensor_s_first_state_is_read_once(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Sensors appearing after setup: each first state is read once, however
    many sensors are already followed (the first one's state change reaches
    the per-entity listener added while that very change is dispatched)."""
    sensor = fixture_sensor("ha_nba_nba.json", "sensor.nba")
    blind = dict(sensor["attributes"], team_logo=None, opponent_logo=None)
    for n in range(3):
        hass.states.async_set(f"sensor.nba_blind_{n}", "POST", blind)
        await hass.async_block_till_done()
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    assert dict(writer.stats.skipped) == {"unknown_league": 3}
