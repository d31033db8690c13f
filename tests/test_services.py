"""The actions, into the real InfluxDB stack; invalid calls write nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.const import DOMAIN
from custom_components.sports_influx.records import League
from custom_components.sports_influx.sources.parsing import season_of
from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)
from homeassistant.util import dt as dt_util

from .conftest import RECENT, rp, select, select_from
from .factories import NFL_IN_FIELDS, call_action

KICKOFF = RECENT
KICKOFF_NS = int(KICKOFF.timestamp()) * 10**9
SEASON = str(season_of(League.NFL, KICKOFF))


async def _call(hass: HomeAssistant, service: str, data: dict[str, Any]) -> None:
    await hass.services.async_call(DOMAIN, service, data, blocking=True)


async def _flush(hass: HomeAssistant) -> None:
    await _call(hass, "flush", {})


async def test_write_score_nfl(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """A score written by an automation reads back with the schema's types."""
    await _call(
        hass,
        "write_score",
        {
            "league": "nfl",
            "home_team": "atl",
            "away_team": "NO",
            "home_score": "26",
            "away_score": 24,
            "status": "in",
            "game_id": "401437654",
            "season_type": "regular-season",
            "period": 4,
            "time_remaining": "0:48",
            "week": 1,
            "possession": "NO",
            "down_distance": "1st & 10 at NO 10",
            "field_position": "NO 10",
            "time": KICKOFF.isoformat(),
        },
    )
    await _flush(hass)
    assert select_from(stack, database, "nfl_scores") == [
        {
            "time": KICKOFF_NS,
            "game_id": "401437654",
            "season": SEASON,
            "season_type": "regular-season",
            "week": "1",
            "home_team": "ATL",
            "away_team": "NO",
            "status": "IN",
            "source_status": "IN",
            **NFL_IN_FIELDS,
        }
    ]


async def test_write_score_nhl_defaults(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """Game id, season and status default like the sources make them."""
    game_time = datetime(RECENT.year, 1, 20, 1, 0, tzinfo=UTC)
    await _call(
        hass,
        "write_score",
        {
            "league": "NHL",
            "home_team": "STL",
            "away_team": "NYR",
            "home_score": 3,
            "away_score": 4,
            "home_shootout": 1,
            "away_shootout": 2,
            "home_shots": 31,
            "away_shots": 29,
            "time": game_time,
        },
    )
    await _flush(hass)
    (row,) = select_from(stack, database, "nhl_scores")
    # A January game belongs to the season that started the year before.
    assert row["season"] == str(RECENT.year - 1)
    assert row["game_id"] == f"NHL-{RECENT.year}0120-NYR@STL"
    assert row["status"] == "IN"
    assert (row["home_score"], row["away_score"]) == (3, 4)
    assert (row["home_shootout"], row["away_shootout"]) == (1, 2)
    assert (row["home_shots"], row["away_shots"]) == (31, 29)
    assert row["time"] == int(game_time.timestamp()) * 10**9


async def test_write_score_speaks_one_status_vocabulary(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """A source's word is written as the one vocabulary and kept beside it."""
    base = {"league": "NHL", "home_team": "STL", "away_team": "NYR"}
    for status, hour in (("FINAL", 1), ("Postponed", 2)):
        await _call(
            hass,
            "write_score",
            base
            | {
                "home_score": 0,
                "away_score": 0,
                "status": status,
                "time": datetime(RECENT.year, 1, 20, hour, 0, tzinfo=UTC),
            },
        )
    with pytest.raises(ServiceValidationError):
        await _call(
            hass,
            "write_score",
            base | {"home_score": 1, "away_score": 0, "status": "HALF"},
        )
    await _flush(hass)
    rows = select_from(stack, database, "nhl_scores")
    assert [(r["status"], r["source_status"]) for r in rows] == [
        ("POST", "FINAL"),
        ("POSTPONED", "POSTPONED"),
    ]


async def test_write_standings(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """One point per team, extra standings fields typed by the schema."""
    await _call(
        hass,
        "write_standings",
        {
            "league": "NFL",
            "season": int(SEASON),
            "time": KICKOFF,
            "standings": [
                {
                    "team": "BUF",
                    "wins": 13,
                    "losses": 3,
                    "ties": 0,
                    "win_percentage": 0.8125,
                    "conference": "AFC",
                    "division": "AFC East",
                    "points_for": 455,
                    "streak": "W7",
                    "playoff_seed": "2",
                },
                {"team": "KC", "wins": 14, "losses": 3, "conference": "AFC"},
            ],
        },
    )
    await _call(
        hass,
        "write_standings",
        {
            "league": "NHL",
            "season": 2023,
            "time": KICKOFF,
            "standings": {"team": "BOS", "wins": 47, "losses": 20, "ot_losses": 15},
        },
    )
    await _flush(hass)
    rows = select(stack, database, f"SELECT * FROM {rp('nfl_standings')} GROUP BY team")
    assert rows == [
        {
            "time": KICKOFF_NS,
            "team": "BUF",
            "conference": "AFC",
            "division": "AFC East",
            "season": SEASON,
            "wins": 13,
            "losses": 3,
            "ties": 0,
            "win_percentage": 0.8125,
            "points_for": 455,
            "streak": "W7",
            "playoff_seed": 2,
        },
        {
            "time": KICKOFF_NS,
            "team": "KC",
            "conference": "AFC",
            "division": None,
            "season": SEASON,
            "wins": 14,
            "losses": 3,
            "ties": None,
            "win_percentage": None,
            "points_for": None,
            "streak": None,
            "playoff_seed": None,
        },
    ]
    (nhl,) = select_from(stack, database, "nhl_standings")
    assert (nhl["team"], nhl["wins"], nhl["losses"], nhl["ot_losses"]) == (
        "BOS",
        47,
        20,
        15,
    )


async def test_write_injury_report(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """One point per listed player, tagged for the injury-history query."""
    await _call(
        hass,
        "write_injury_report",
        {
            "time": KICKOFF,
            "injuries": [
                {
                    "player_id": "3917315",
                    "player_name": "Kyle Pitts",
                    "team": "ATL",
                    "position": "TE",
                    "status": "Out",
                    "injury_type": "Knee",
                    "weeks_out": 3,
                    "comment": 'Hurt in "week 10"',
                },
                {
                    "player_id": "4361741",
                    "player_name": "Drake London",
                    "team": "ATL",
                    "status": "Questionable",
                    "practice_participation": "Limited",
                },
            ],
        },
    )
    await _flush(hass)
    rows = select(
        stack, database, f"SELECT * FROM {rp('nfl_injuries')} GROUP BY player_id"
    )
    assert [(r["player_name"], r["status"], r["season"]) for r in rows] == [
        ("Kyle Pitts", "Out", SEASON),
        ("Drake London", "Questionable", SEASON),
    ]
    assert rows[0]["weeks_out"] == 3
    assert rows[0]["comment"] == 'Hurt in "week 10"'
    assert rows[1]["practice_participation"] == "Limited"


async def test_write_player_stats(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """Counting stats are integers, everything else floats."""
    await _call(
        hass,
        "write_player_stats",
        {
            "league": "NFL",
            "game_id": "401437654",
            "week": 1,
            "time": KICKOFF,
            "players": [
                {
                    "player_id": "3139477",
                    "player_name": "Patrick Mahomes",
                    "team": "KC",
                    "position": "QB",
                    "stats": {"passing_yards": 360, "passer_rating": 144},
                }
            ],
        },
    )
    await _flush(hass)
    (row,) = select_from(stack, database, "nfl_player_stats")
    assert row["player_name"] == "Patrick Mahomes"
    assert row["season"] == SEASON
    assert row["passing_yards"] == 360
    assert row["passer_rating"] == 144.0
    types = {
        r["fieldKey"]: r["fieldType"]
        for r in select(
            stack, database, f"SHOW FIELD KEYS FROM {rp('nfl_player_stats')}"
        )
    }
    assert types == {"passing_yards": "integer", "passer_rating": "float"}


_SCORE = {"league": "NFL", "home_team": "ATL", "away_team": "NO"}
_SCORE |= {"home_score": 7, "away_score": 3}
_PLAYER = {"player_id": "1", "player_name": "A", "team": "KC"}


@pytest.mark.parametrize(
    "case",
    [
        ("write_score", {**_SCORE, "league": "MLB"}, "invalid_action_data"),
        ("write_score", {**_SCORE, "home_score": -1}, "invalid_action_data"),
        ("write_score", {**_SCORE, "away_score": "three"}, "invalid_action_data"),
        ("write_score", {"league": "NFL", "home_team": "ATL"}, "invalid_action_data"),
        ("write_score", {**_SCORE, "time": "yesterday"}, "invalid_action_data"),
        ("write_score", {**_SCORE, "home_shots": 20}, "field_not_for_league"),
        ("write_score", {**_SCORE, "league": "NHL", "week": 3}, "field_not_for_league"),
        ("write_score", {**_SCORE, "away_team": "atl"}, "same_team"),
        (
            "write_standings",
            {"league": "NFL", "season": 2022, "standings": []},
            "invalid_action_data",
        ),
        (
            "write_standings",
            {"league": "NFL", "season": 2022, "standings": [{"team": "KC"}]},
            "invalid_action_data",
        ),
        (
            "write_standings",
            {
                "league": "NFL",
                "season": 2022,
                "standings": [{"team": "KC", "wins": 1, "losses": 0, "points": 2}],
            },
            "field_not_for_league",
        ),
        (
            "write_injury_report",
            {"injuries": [{"player_id": "1", "team": "KC", "status": "Out"}]},
            "invalid_action_data",
        ),
        (
            "write_player_stats",
            {"league": "NFL", "players": [{**_PLAYER, "stats": {"yards": "10"}}]},
            "invalid_action_data",
        ),
        (
            "write_player_stats",
            {"league": "NFL", "players": [{**_PLAYER, "stats": {"Bad Key": 1}}]},
            "invalid_action_data",
        ),
        (
            # The first player is fine: all or nothing.
            "write_player_stats",
            {
                "league": "NFL",
                "players": [
                    {**_PLAYER, "stats": {"passing_yards": 10}},
                    {**_PLAYER, "player_id": "2", "stats": {"passing_yards": 3.5}},
                ],
            },
            "invalid_record",
        ),
        (
            "write_player_stats",
            {"league": "NHL", "players": [{**_PLAYER, "stats": {"rating": 1e309}}]},
            "invalid_record",
        ),
        ("write_score", {**_SCORE, "config_entry_id": "nope"}, "entry_not_found"),
    ],
)
async def test_invalid_data_writes_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    case: tuple[str, dict[str, Any], str],
) -> None:
    """Each invalid call raises a translated error and queues nothing."""
    service, data, key = case
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, service, data)
    assert err.value.translation_key == key
    assert err.value.translation_domain == DOMAIN
    # The message is the translation, not the key.
    assert str(err.value)
    assert key not in str(err.value)
    writer = init_integration.runtime_data.writer
    assert writer.stats.queue_depth == 0
    await _flush(hass)
    assert select(stack, database, "SHOW MEASUREMENTS") == []
    assert writer.stats.points_written == 0


async def test_entry_selection(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """An entry may be named; an unloaded one, or none loaded, is refused."""
    entry_id = init_integration.entry_id
    await _call(hass, "write_score", {**_SCORE, "config_entry_id": entry_id})
    await _call(hass, "flush", {"config_entry_id": entry_id})
    assert len(select_from(stack, database, "nfl_scores")) == 1

    other = MockConfigEntry(domain=DOMAIN, title="other")
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "flush", {"config_entry_id": other.entry_id})
    assert err.value.translation_key == "entry_not_loaded"
    assert "other" in str(err.value)

    await hass.config_entries.async_unload(entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "write_score", _SCORE)
    assert err.value.translation_key == "entry_required"
    assert "0 are loaded" in str(err.value)


# One valid call of every action (the backfill names a sensor without history).
ACTION_CALLS: dict[str, dict[str, Any]] = {
    "write_score": {**_SCORE, "time": KICKOFF},
    "write_standings": {
        "league": "NFL",
        "season": int(SEASON),
        "time": KICKOFF,
        "standings": [{"team": "KC", "wins": 1, "losses": 0}],
    },
    "write_injury_report": {
        "time": KICKOFF,
        "injuries": [
            {
                "player_id": "1",
                "player_name": "A",
                "team": "KC",
                "status": "Out",
                "weeks_out": 2,
            }
        ],
    },
    "write_player_stats": {
        "league": "NFL",
        "time": KICKOFF,
        "players": [{**_PLAYER, "stats": {"passing_yards": 10}}],
    },
    "flush": {},
    "backfill": {"entity_id": ["sensor.nothing_recorded"]},
    "query": {"query": "SHOW MEASUREMENTS"},
}


@pytest.mark.usefixtures("recorder_mock")
async def test_actions_are_for_administrators(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    hass_read_only_user: User,
    hass_admin_user: User,
) -> None:
    """The token reads and writes the server: a read-only user may not use it."""
    writer = init_integration.runtime_data.writer
    for service, data in ACTION_CALLS.items():
        with pytest.raises(Unauthorized):
            await call_action(
                hass,
                service,
                data,
                user_id=hass_read_only_user.id,
                response=service == "query",
            )
    with pytest.raises(UnknownUser):
        await call_action(hass, "flush", {}, user_id="no-such-user")
    assert writer.stats.queue_depth == 0
    assert writer.stats.backfill_progress is None
    await writer.async_flush()
    assert select(stack, database, "SHOW MEASUREMENTS") == []

    answers = {
        service: await call_action(
            hass, service, data, user_id=hass_admin_user.id, response=service == "query"
        )
        for service, data in ACTION_CALLS.items()
    }
    # The flush wrote the four write actions' points; the query ran.
    measurements = {r["name"] for r in select(stack, database, "SHOW MEASUREMENTS")}
    assert measurements == {
        "nfl_scores",
        "nfl_standings",
        "nfl_injuries",
        "nfl_player_stats",
    }
    assert writer.stats.backfill_progress == 100
    assert answers["query"] is not None
    # Asked after the flush: the four measurements the flush wrote.
    assert answers["query"]["count"] == 4


async def test_naive_time_is_home_assistant_local(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """A time without offset (the UI's date-time selector) is HA's local time."""
    await hass.config.async_set_time_zone("America/New_York")
    local = KICKOFF.astimezone(dt_util.get_time_zone("America/New_York"))
    naive = local.replace(tzinfo=None)
    await _call(hass, "write_score", {**_SCORE, "time": naive.isoformat()})
    await _call(
        hass,
        "write_injury_report",
        {**ACTION_CALLS["write_injury_report"], "time": naive},
    )
    await _flush(hass)
    (score,) = select_from(stack, database, "nfl_scores")
    (injury,) = select_from(stack, database, "nfl_injuries")
    assert score["time"] == injury["time"] == KICKOFF_NS


@pytest.mark.parametrize(
    ("service", "key", "item", "limit"),
    [
        ("write_standings", "standings", {"team": "KC", "wins": 1, "losses": 0}, 1000),
        (
            "write_injury_report",
            "injuries",
            ACTION_CALLS["write_injury_report"]["injuries"][0],
            500,
        ),
        (
            "write_player_stats",
            "players",
            ACTION_CALLS["write_player_stats"]["players"][0],
            500,
        ),
    ],
)
async def test_list_lengths_are_capped(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    service: str,
    key: str,
    item: dict[str, Any],
    limit: int,
) -> None:
    """One item past the documented limit is refused; nothing is queued."""
    data = {**ACTION_CALLS[service], key: [item] * (limit + 1)}
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, service, data)
    assert err.value.translation_key == "invalid_action_data"
    assert str(limit) in str(err.value)
    assert init_integration.runtime_data.writer.stats.queue_depth == 0


async def test_largest_standings_call_is_written(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """1,000 rows, validated and queued in chunks: all of them read back."""
    rows = [{"team": f"T{n}", "wins": n % 17, "losses": 3} for n in range(1000)]
    data = {**ACTION_CALLS["write_standings"], "standings": rows}
    await _call(hass, "write_standings", data)
    await _flush(hass)
    stored = select(stack, database, f"SELECT count(wins) FROM {rp('nfl_standings')}")
    assert stored[0]["count"] == 1000


async def test_invalid_item_deep_in_a_long_list_writes_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An error in the last chunk names its place; the chunks before stay out."""
    rows = [{"team": f"T{n}", "wins": 1, "losses": 0} for n in range(450)]
    rows[-1]["wins"] = "many"
    data = {**ACTION_CALLS["write_standings"], "standings": rows}
    with pytest.raises(ServiceValidationError) as err:
        await _call(hass, "write_standings", data)
    assert "standings" in str(err.value)
    assert "449" in str(err.value)
    assert init_integration.runtime_data.writer.stats.queue_depth == 0


async def test_flush_says_when_points_were_not_written(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """The server away: the flush raises with the count; nothing is lost."""
    stack.stop_nginx()
    await _call(hass, "write_score", _SCORE)
    with pytest.raises(HomeAssistantError) as err:
        await _flush(hass)
    assert err.value.translation_key == "flush_incomplete"
    assert "1 points wait" in str(err.value)
    stack.start_nginx()
    await _flush(hass)
    assert len(select_from(stack, database, "nfl_scores")) == 1
