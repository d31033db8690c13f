"""ESPN standings and game summaries -> standings, player stats, injuries."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
import json
from typing import Any

import pytest

from custom_components.sports_influx.records import (
    InjuryReport,
    League,
    PlayerStats,
    Standing,
)
from custom_components.sports_influx.sources import (
    SkipRecord,
    detect,
    espn_standings,
    espn_summary,
)
from custom_components.sports_influx.sources.espn_summary import (
    injury_from_core,
    snake_case,
)
from homeassistant.core import State

from .conftest import FIXTURES
from .oracle import record_point

OBSERVED = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
NOW = datetime(2030, 1, 1, tzinfo=UTC)
KICKOFF = datetime(2023, 9, 17, 17, 0, tzinfo=UTC)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


STANDINGS_BODY = _load("espn_standings_nfl.json")
SUMMARY_BODY = _load("espn_summary_nfl.json")


def _standings_state(body: dict[str, Any], state: str = "unknown") -> State:
    """A rest sensor with json_attributes: [abbreviation, season, children]."""
    keys = ("abbreviation", "season", "children")
    return State("sensor.nfl_standings", state, {k: body[k] for k in keys if k in body})


def _summary_state(body: dict[str, Any], state: str = "ok") -> State:
    keys = ("header", "boxscore", "injuries")
    return State("sensor.game_summary", state, {k: body[k] for k in keys if k in body})


# --- standings ---------------------------------------------------------------


@pytest.fixture(name="standings")
def standings_fixture() -> dict[str, Standing]:
    result = espn_standings.parse(_standings_state(STANDINGS_BODY), OBSERVED)
    assert result.skipped == ()
    records = {r.team: r for r in result.records if isinstance(r, Standing)}
    assert len(records) == len(result.records) == 32
    return records


def test_standings_detected() -> None:
    source = detect(_standings_state(STANDINGS_BODY))
    assert source is not None
    assert source.name == "espn_standings"


# team: conference, wins, losses, ties, playoff seed, streak, clincher
ROWS = {
    "NE": ("AFC", 14, 3, 0, 2, "W3", "z"),
    "DEN": ("AFC", 14, 3, 0, 1, "W2", "*"),
    "TEN": ("AFC", 3, 14, 0, 16, "L2", "e"),
    "GB": ("NFC", 9, 7, 1, 7, "L4", "y"),
    "DAL": ("NFC", 7, 9, 1, 12, "L1", "e"),
    "SEA": ("NFC", 14, 3, 0, 1, "W7", "*"),
}


@pytest.mark.parametrize("team", sorted(ROWS))
def test_standings_rows(standings: dict[str, Standing], team: str) -> None:
    conference, wins, losses, ties, seed, streak, clincher = ROWS[team]
    record = standings[team]
    assert record.league is League.NFL
    assert record.season == 2025
    assert (record.conference, record.division) == (conference, None)
    assert (record.wins, record.losses, record.ties) == (wins, losses, ties)
    assert (record.ot_losses, record.points) == (None, None)
    assert record.extra["playoff_seed"] == seed
    assert record.extra["streak"] == streak
    assert record.extra["clincher"] == clincher
    assert record.time == OBSERVED


def test_standings_all_fields_of_one_team(standings: dict[str, Standing]) -> None:
    """New England, every field, from the fixture by hand."""
    record = standings["NE"]
    assert record.win_percentage == pytest.approx(0.8235294)
    assert dict(record.extra) == {
        "points_for": 490,
        "points_against": 320,
        "point_differential": 170,
        "games_behind": 0.0,
        "playoff_seed": 2,
        "streak": "W3",
        "clincher": "z",
        "home_record": "6-3",
        "away_record": "8-0",
        "division_record": "5-1",
        "conference_record": "9-3",
    }
    line = record_point(record, NOW).to_line_protocol()
    assert line.startswith("nfl_standings,conference=AFC,season=2025,team=NE ")
    assert "wins=14i" in line
    assert "ties=0i" in line
    assert 'streak="W3"' in line


def test_standings_every_record_is_a_valid_point(
    standings: dict[str, Standing],
) -> None:
    for record in standings.values():
        record_point(record, NOW)


def _nhl_body() -> dict[str, Any]:
    """An NHL body with divisions nested in conferences (ESPN's level=3 shape)."""

    def entry(team: str, **stats: Any) -> dict[str, Any]:
        return {
            "team": {"abbreviation": team},
            "stats": [
                {"name": k, "type": k.lower(), "value": v} for k, v in stats.items()
            ]
            + [{"name": "streak", "type": "streak", "value": 2, "displayValue": "W2"}],
        }

    return {
        "abbreviation": "NHL",
        "season": {"year": 2025},
        "children": [
            {
                "abbreviation": "East",
                "name": "Eastern Conference",
                "children": [
                    {
                        "abbreviation": "ATL",
                        "name": "Atlantic Division",
                        "standings": {
                            "season": 2025,
                            "entries": [
                                entry(
                                    "TOR",
                                    wins=40,
                                    losses=30,
                                    otLosses=12,
                                    points=92,
                                    regulationWins=33,
                                    ties=0,
                                    gamesPlayed=82,
                                ),
                                entry("BOS", wins=41.0, losses="30", OTLosses=11),
                            ],
                        },
                    }
                ],
            }
        ],
    }


def test_nhl_standings_with_divisions() -> None:
    result = espn_standings.parse(_standings_state(_nhl_body()), OBSERVED)
    tor, bos = result.records
    assert isinstance(tor, Standing)
    assert isinstance(bos, Standing)
    assert tor.league is League.NHL
    assert (tor.conference, tor.division) == ("East", "Atlantic Division")
    assert (tor.wins, tor.losses, tor.ot_losses, tor.points) == (40, 30, 12, 92)
    assert tor.ties is None  # not an NHL standings field
    assert dict(tor.extra) == {
        "regulation_wins": 33,
        "games_played": 82,
        "streak": "W2",
    }
    assert (bos.wins, bos.losses, bos.ot_losses) == (41, 30, 11)
    for record in result.records:
        record_point(record, NOW)


def test_nhl_standings_season_is_the_start_year() -> None:
    """ESPN's hockey standings name 2025-26 by its end year (``season.year``
    and each group's ``standings.season`` 2026): written as 2025."""
    body = _load("espn_standings_nhl.json")
    assert (body["season"]["year"], body["season"]["displayName"]) == (
        2026,
        "2025-26",
    )
    result = espn_standings.parse(_standings_state(body), OBSERVED)
    assert result.skipped == ()
    rows = {r.team: r for r in result.records if isinstance(r, Standing)}
    assert set(rows) == {"TOR", "BOS", "LA", "EDM"}
    assert {r.season for r in rows.values()} == {2025}
    assert (rows["LA"].conference, rows["LA"].ot_losses, rows["LA"].points) == (
        "West",
        5,
        25,
    )
    for conference in body["children"]:
        del conference["standings"]["season"]
    result = espn_standings.parse(_standings_state(body), OBSERVED)
    assert {r.season for r in result.records if isinstance(r, Standing)} == {2025}


def test_standings_bad_entries_are_skipped_one_by_one() -> None:
    body = copy.deepcopy(STANDINGS_BODY)
    entries = body["children"][0]["standings"]["entries"]
    entries[0]["team"] = {}
    entries[1]["stats"] = [s for s in entries[1]["stats"] if s.get("name") != "wins"]
    entries[2] = "garbage"
    next(s for s in entries[3]["stats"] if s.get("name") == "losses")["value"] = "many"
    next(s for s in entries[4]["stats"] if s.get("name") == "wins")["value"] = True
    entries[5]["stats"] += ["junk", {"value": 1}]  # ignored, the entry is fine
    body["children"].append("not a conference")
    result = espn_standings.parse(_standings_state(body), OBSERVED)
    assert len(result.records) == 27
    assert sorted(result.skipped) == [
        "bad_value",
        "bad_value",
        "bad_value",
        "malformed_payload",
        "missing_attribute",
    ]


def test_standings_season_from_the_body() -> None:
    body = copy.deepcopy(STANDINGS_BODY)
    for conference in body["children"]:
        del conference["standings"]["season"]
    result = espn_standings.parse(_standings_state(body), OBSERVED)
    assert {r.season for r in result.records if isinstance(r, Standing)} == {2025}
    del body["season"]
    result = espn_standings.parse(_standings_state(body), OBSERVED)
    assert result.records == ()
    assert result.skipped == ("missing_attribute",) * 32


def test_standings_league_from_uid() -> None:
    body = {**_nhl_body(), "abbreviation": None, "uid": "s:70~l:90~g:9"}
    state = State("sensor.nhl", "ok", body)
    result = espn_standings.parse(state, OBSERVED)
    assert {r.league for r in result.records if isinstance(r, Standing)} == {League.NHL}


@pytest.mark.parametrize(
    ("attributes", "state", "reason"),
    [
        ({"abbreviation": "NFL", "children": []}, "ok", "malformed_payload"),
        ({"abbreviation": "NFL", "children": "x"}, "ok", "malformed_payload"),
        ({"abbreviation": "MLB", "children": []}, "ok", "unknown_league"),
        ({"children": []}, "ok", "unknown_league"),
        ({"abbreviation": "NFL", "children": []}, "unavailable", "unavailable"),
    ],
)
def test_standings_whole_payload_skips(
    attributes: dict[str, Any], state: str, reason: str
) -> None:
    with pytest.raises(SkipRecord) as err:
        espn_standings.parse(State("sensor.standings", state, attributes), OBSERVED)
    assert err.value.reason == reason


# --- summary: player stats -----------------------------------------------------


@pytest.fixture(name="summary")
def summary_fixture() -> tuple[dict[str, PlayerStats], list[InjuryReport]]:
    result = espn_summary.parse(_summary_state(SUMMARY_BODY), OBSERVED)
    assert result.skipped == ()
    players = {r.player_name: r for r in result.records if isinstance(r, PlayerStats)}
    injuries = [r for r in result.records if isinstance(r, InjuryReport)]
    assert len(players) == 58
    assert len(injuries) == 10
    return players, injuries


def test_summary_detected() -> None:
    source = detect(_summary_state(SUMMARY_BODY))
    assert source is not None
    assert source.name == "espn_summary"


def test_quarterback_groups_merged(
    summary: tuple[dict[str, PlayerStats], list[InjuryReport]],
) -> None:
    """Jordan Love: passing 14/25 151 6.0 3 0 1-11 81.2 113.5; rushing 2 23 11.5 0 24."""
    love = summary[0]["Jordan Love"]
    assert (love.player_id, love.team, love.league) == ("4036378", "GB", League.NFL)
    # The game id scores use: GB at ATL, 2023-09-17 (UTC).
    assert (love.game_id, love.season, love.week) == ("NFL-20230917-GB@ATL", 2023, 2)
    assert love.position is None  # the box score does not say
    assert love.time == KICKOFF
    assert dict(love.stats) == {
        "completions": 14,
        "passing_attempts": 25,
        "passing_yards": 151,
        "yards_per_pass_attempt": 6.0,
        "passing_touchdowns": 3,
        "interceptions": 0,
        "sacks": 1,
        "sack_yards_lost": 11.0,
        "adj_qbr": 81.2,
        "qb_rating": 113.5,
        "rushing_attempts": 2,
        "rushing_yards": 23,
        "yards_per_rush_attempt": 11.5,
        "rushing_touchdowns": 0,
        "long_rushing": 24,
    }
    assert type(love.stats["passing_yards"]) is int
    assert type(love.stats["yards_per_pass_attempt"]) is float


def test_running_back_rushing_and_receiving(
    summary: tuple[dict[str, PlayerStats], list[InjuryReport]],
) -> None:
    """Bijan Robinson: rushing 19 124 6.5 0 19; receiving 4 48 12.0 0 29 5."""
    bijan = summary[0]["Bijan Robinson"]
    assert bijan.team == "ATL"
    assert dict(bijan.stats) == {
        "rushing_attempts": 19,
        "rushing_yards": 124,
        "yards_per_rush_attempt": 6.5,
        "rushing_touchdowns": 0,
        "long_rushing": 19,
        "receptions": 4,
        "receiving_yards": 48,
        "yards_per_reception": 12.0,
        "receiving_touchdowns": 0,
        "long_reception": 29,
        "receiving_targets": 5,
    }


def test_defender_half_sack_and_interception(
    summary: tuple[dict[str, PlayerStats], list[InjuryReport]],
) -> None:
    """Kenny Clark: 6 1 0.5 0 0 2 0; Rasul Douglas: 1 INT for -2 yards."""
    players = summary[0]
    clark = players["Kenny Clark"]
    assert clark.stats["defensive_sacks"] == 0.5
    assert "sacks" not in clark.stats
    assert (clark.stats["total_tackles"], clark.stats["qb_hits"]) == (6, 2)
    douglas = players["Rasul Douglas"]
    assert douglas.stats["defensive_interceptions"] == 1.0
    assert douglas.stats["interception_yards"] == -2
    assert "interceptions" not in douglas.stats


def test_kicker_made_attempted_split(
    summary: tuple[dict[str, PlayerStats], list[InjuryReport]],
) -> None:
    """Younghoe Koo: FG 4/4, 100.0, 39, XP 1/2, 13 points."""
    koo = summary[0]["Younghoe Koo"]
    assert dict(koo.stats) == {
        "field_goals_made": 4,
        "field_goal_attempts": 4,
        "field_goal_pct": 100.0,
        "long_field_goal_made": 39,
        "extra_points_made": 1,
        "extra_point_attempts": 2,
        "total_kicking_points": 13,
    }


def test_every_summary_record_is_a_valid_point(
    summary: tuple[dict[str, PlayerStats], list[InjuryReport]],
) -> None:
    players, injuries = summary
    for record in [*players.values(), *injuries]:
        record_point(record, NOW)
    line = record_point(players["Daniel Whelan"], NOW).to_line_protocol()
    assert line == (
        "nfl_player_stats,game_id=NFL-20230917-GB@ATL,player_id=4248789,"
        "player_name=Daniel\\ Whelan,season=2023,team=GB,week=2 "
        "gross_avg_punt_yards=49.8,long_punt=59i,punt_yards=199i,punts=4i,"
        "punts_inside20=0i,touchbacks=1i 1694970000000000000"
    )


# --- summary: injuries ---------------------------------------------------------


def test_five_injuries_per_team(
    summary: tuple[dict[str, PlayerStats], list[InjuryReport]],
) -> None:
    injuries = summary[1]
    assert sorted(r.team for r in injuries) == ["ATL"] * 5 + ["GB"] * 5


def test_injury_row(summary: tuple[dict[str, PlayerStats], list[InjuryReport]]) -> None:
    """Bralen Trice: Questionable, Knee - ACL, surgery, back 2025-08-01."""
    trice = next(r for r in summary[1] if r.player_name == "Bralen Trice")
    assert trice == InjuryReport(
        player_id="4428713",
        player_name="Bralen Trice",
        team="ATL",
        status="Questionable",
        position="LB",
        injury_type="Knee - ACL",
        season=2024,  # reported 2025-02-11: still the 2024 season
        weeks_out=25,  # 171 days to the return date
        comment="Surgery",
        time=datetime(2025, 2, 11, 3, 6, tzinfo=UTC),
    )


def test_injury_not_specified_detail_is_no_comment(
    summary: tuple[dict[str, PlayerStats], list[InjuryReport]],
) -> None:
    hardman = next(r for r in summary[1] if r.player_name == "Mecole Hardman")
    assert (hardman.comment, hardman.weeks_out, hardman.season) == (None, 11, 2025)


def test_summary_before_the_game_has_injuries_only() -> None:
    state = _summary_state({k: SUMMARY_BODY[k] for k in ("header", "injuries")})
    source = detect(state)
    assert source is not None
    assert source.name == "espn_summary"
    result = source.parse(state, OBSERVED)
    assert len(result.records) == 10
    assert all(isinstance(r, InjuryReport) for r in result.records)


def test_summary_bad_entries_are_skipped_one_by_one() -> None:
    body = copy.deepcopy(SUMMARY_BODY)
    passing = body["boxscore"]["players"][0]["statistics"][0]
    passing["athletes"].append({"athlete": {"displayName": "No Id"}, "stats": ["1/2"]})
    passing["athletes"].append("garbage")
    kicking = body["boxscore"]["players"][0]["statistics"][8]
    kicking["athletes"][0]["stats"] = ["--", "--", "--", "--", "--"]  # no stat left
    punting = body["boxscore"]["players"][1]["statistics"][9]  # ATL: Bradley Pinion
    punting["athletes"][0]["athlete"].pop("displayName")
    injuries = body["injuries"][0]["injuries"]
    injuries[0]["details"] = {"detail": "Not Specified"}  # nothing to write
    injuries[1]["status"] = None
    injuries[1]["type"] = {}
    injuries[2] = 7
    # Neither a stat group nor an injury block: no entries at all.
    body["boxscore"]["players"][0]["statistics"].append("not a group")
    body["injuries"].append(None)
    result = espn_summary.parse(_summary_state(body), OBSERVED)
    assert sorted(result.skipped) == [
        "malformed_payload",
        "missing_attribute",
        "missing_attribute",
        "missing_attribute",
        "missing_attribute",
        "no_fields",
        "no_stats",
    ]
    assert len(result.records) == 58 - 2 + 10 - 3


def test_nhl_summary_injuries_and_season() -> None:
    """A hockey summary (the NFL body with hockey's header: ESPN names the
    season 2025-26 by its end year, 2026): injuries go to nhl_injuries, the
    season is the start year, the game id the one scores use."""
    body = copy.deepcopy(SUMMARY_BODY)
    header = body["header"]
    header["league"] = {"abbreviation": "NHL"}
    header["uid"] = "s:70~l:90~e:401803004"
    header["season"] = {"year": 2026, "type": 2}
    header["competitions"][0]["date"] = "2025-11-04T03:30Z"
    result = espn_summary.parse(_summary_state(body), OBSERVED)
    assert result.skipped == ()
    stats = [r for r in result.records if isinstance(r, PlayerStats)]
    injuries = [r for r in result.records if isinstance(r, InjuryReport)]
    assert {r.league for r in stats} == {League.NHL}
    assert {(r.season, r.week, r.game_id) for r in stats} == {
        (2025, None, "NHL-20251104-GB@ATL")
    }
    assert len(injuries) == 10
    assert {r.league for r in injuries} == {League.NHL}
    assert {
        record_point(r, NOW).to_line_protocol().split(",")[0] for r in injuries
    } == {"nhl_injuries"}


def test_summary_game_id_without_teams_is_espn_s() -> None:
    body = copy.deepcopy(SUMMARY_BODY)
    for competitor in body["header"]["competitions"][0]["competitors"]:
        competitor.pop("homeAway")
    result = espn_summary.parse(_summary_state(body), OBSERVED)
    assert {r.game_id for r in result.records if isinstance(r, PlayerStats)} == {
        "401547417"
    }


def test_summary_header_fallbacks() -> None:
    """League from the uid, season from the start, start from observed."""
    body = copy.deepcopy(SUMMARY_BODY)
    header = body["header"]
    header["league"] = None
    header["season"] = None
    result = espn_summary.parse(_summary_state(body), OBSERVED)
    first = result.records[0]
    assert isinstance(first, PlayerStats)
    assert (first.league, first.season) == (League.NFL, 2023)
    header["competitions"] = []
    result = espn_summary.parse(_summary_state(body), OBSERVED)
    first = result.records[0]
    assert isinstance(first, PlayerStats)
    assert (first.season, first.time) == (None, OBSERVED)


@pytest.mark.parametrize(
    ("attributes", "state", "reason"),
    [
        (
            {"boxscore": {}, "header": {"league": {"abbreviation": "NFL"}}},
            "ok",
            "malformed_payload",
        ),
        ({"boxscore": {"players": []}, "header": {}}, "ok", "unknown_league"),
        ({"boxscore": {}}, "unavailable", "unavailable"),
    ],
)
def test_summary_whole_payload_skips(
    attributes: dict[str, Any], state: str, reason: str
) -> None:
    with pytest.raises(SkipRecord) as err:
        espn_summary.parse(State("sensor.summary", state, attributes), OBSERVED)
    assert err.value.reason == reason


def test_columns_from_labels_when_keys_are_missing() -> None:
    body = {
        "header": {"league": {"abbreviation": "NFL"}},
        "boxscore": {
            "players": [
                {
                    "team": {"abbreviation": "GB"},
                    "statistics": [
                        {
                            "name": "rushing",
                            "labels": ["CAR", "YDS", "C/ATT"],
                            "keys": [None, "rushingYards", "a/b/c"],
                            "athletes": [
                                {
                                    "athlete": {"id": 1, "fullName": "A Back"},
                                    "stats": ["3", "1,004", "7"],
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    }
    (record,) = espn_summary.parse(State("sensor.s", "ok", body), OBSERVED).records
    assert isinstance(record, PlayerStats)
    assert (record.player_id, record.player_name) == ("1", "A Back")
    assert dict(record.stats) == {
        "rushing_car": 3.0,
        "rushing_yards": 1004,
        "a_b_c": 7.0,
    }


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("passingYards", "passing_yards"),
        ("QBHits", "qb_hits"),
        ("adjQBR", "adj_qbr"),
        ("QBRating", "qb_rating"),
        ("puntsInside20", "punts_inside20"),
        ("rushing_C/ATT", "rushing_c_att"),
    ],
)
def test_snake_case(name: str, snake: str) -> None:
    assert snake_case(name) == snake


# --- core API injury record ------------------------------------------------------


CORE = _load("espn_injury_detail_nfl.json")
LONDON = {
    "id": "4426502",
    "displayName": "Drake London",
    "position": {"abbreviation": "WR"},
}


def test_core_injury_record() -> None:
    """Athlete 4426502 (Drake London), team 1 (ATL), season 2025 from the links."""
    record = injury_from_core(CORE, OBSERVED, athlete=LONDON)
    assert record == InjuryReport(
        player_id="4426502",
        player_name="Drake London",
        team="ATL",
        status="Active",
        position="WR",
        season=2025,
        comment=CORE["shortComment"],
        time=datetime(2025, 4, 30, 14, 46, tzinfo=UTC),
    )
    record_point(record, NOW)


def test_core_injury_expanded_athlete_and_team() -> None:
    record = dict(CORE)
    record["athlete"] = {"id": 9, "fullName": "Some Body"}
    record["team"] = {"abbreviation": "DET"}
    del record["$ref"]
    record["shortComment"] = None
    report = injury_from_core(record, OBSERVED, team=None)
    assert (report.player_id, report.player_name, report.team) == (
        "9",
        "Some Body",
        "DET",
    )
    assert report.comment == CORE["longComment"]
    assert report.season == 2025  # from the report date


def test_core_injury_record_of_the_nhl() -> None:
    """A hockey record's links: league nhl, season 2026 = ESPN's 2025-26."""
    ref = "http://sports.core.api.espn.com/v2/sports/hockey/leagues/nhl/seasons/2026"
    record = {
        **CORE,
        "$ref": f"{ref}/athletes/3114727/injuries/9?lang=en",
        "athlete": {"$ref": f"{ref}/athletes/3114727?lang=en"},
        "team": {"$ref": f"{ref}/teams/8?lang=en"},
    }
    doughty = {"id": "3114727", "displayName": "Drew Doughty"}
    with pytest.raises(SkipRecord) as err:  # no NHL team id table
        injury_from_core(record, OBSERVED, athlete=doughty)
    assert err.value.reason == "missing_attribute"
    report = injury_from_core(record, OBSERVED, athlete=doughty, team="LA")
    assert (report.league, report.season, report.team) == (League.NHL, 2025, "LA")
    assert record_point(report, NOW).to_line_protocol().startswith("nhl_injuries,")


@pytest.mark.parametrize(
    ("changes", "athlete", "reason"),
    [
        ({}, None, "missing_attribute"),  # no name without the athlete
        (
            {"$ref": "http://x/leagues/nba/seasons/2025/injuries/1"},
            LONDON,
            "unknown_league",
        ),
        ({"team": {"$ref": "http://x/teams/99"}}, LONDON, "missing_attribute"),
        ({"shortComment": None, "longComment": None}, LONDON, "no_fields"),
    ],
)
def test_core_injury_skips(
    changes: dict[str, Any], athlete: dict[str, Any] | None, reason: str
) -> None:
    with pytest.raises(SkipRecord) as err:
        injury_from_core({**CORE, **changes}, OBSERVED, athlete=athlete)
    assert err.value.reason == reason


def _injury_state(record: dict[str, Any], state: str = "Active") -> State:
    """A `rest` sensor keeping the core record (and a customized name)."""
    return State("sensor.drake_london_injury", state, record)


def test_core_injury_sensor() -> None:
    """The name comes from a `player_name` attribute added by customize."""
    state = _injury_state({**CORE, "player_name": "Drake London"})
    source = detect(state)
    assert source is not None
    assert source.name == "espn_injury"
    (record,) = source.parse(state, OBSERVED).records
    assert isinstance(record, InjuryReport)
    assert (record.player_id, record.player_name, record.team, record.status) == (
        "4426502",
        "Drake London",
        "ATL",
        "Active",
    )


@pytest.mark.parametrize(
    ("attributes", "state", "reason"),
    [
        (CORE, "Active", "missing_attribute"),  # a link, no name
        ({**CORE, "athlete": "4426502"}, "Active", "malformed_payload"),
        ({**CORE, "player_name": "Drake London"}, "unavailable", "unavailable"),
    ],
)
def test_core_injury_sensor_skips(
    attributes: dict[str, Any], state: str, reason: str
) -> None:
    source = detect(_injury_state(attributes))
    assert source is not None
    with pytest.raises(SkipRecord) as err:
        source.parse(_injury_state(attributes, state), OBSERVED)
    assert err.value.reason == reason


def test_core_injury_not_mistaken() -> None:
    """Summaries, standings and team sensors are not injury records."""
    assert detect(_summary_state(SUMMARY_BODY)).name == "espn_summary"  # type: ignore[union-attr]
    assert detect(_standings_state(STANDINGS_BODY)).name == "espn_standings"  # type: ignore[union-attr]
    assert detect(State("sensor.x", "ok", {"athlete": {}, "type": {}})) is None
