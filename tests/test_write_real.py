"""Every write method into the real InfluxDB stack, read back with InfluxQL."""

from __future__ import annotations

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.records import (
    InjuryReport,
    League,
    NflScore,
    NhlScore,
    PlayerStats,
    Standing,
)
from homeassistant.core import HomeAssistant

from .conftest import RECENT, rp, select, select_from

KICKOFF = RECENT
KICKOFF_NS = int(KICKOFF.timestamp()) * 10**9


def field_types(stack, database: str, measurement: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """SHOW FIELD KEYS as {field: type}."""
    rows = select(stack, database, f"SHOW FIELD KEYS FROM {rp(measurement)}")
    return {row["fieldKey"]: row["fieldType"] for row in rows}


async def test_nfl_score_round_trip(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """Tags, typed fields and the game's timestamp survive the trip."""
    writer = init_integration.runtime_data.writer
    queued = writer.async_enqueue(
        [
            NflScore(
                game_id="401437654",
                season=2022,
                season_type="regular-season",
                week=1,
                home_team="ATL",
                away_team="NO",
                status="IN",
                home_score=26,
                away_score=24,
                quarter=4,
                time_remaining="0:48",
                possession="NO",
                down_distance='1st & 10 at NO 10, "hurry-up"',
                home_conference="NFC",
                away_conference="NFC",
                home_division="NFC South",
                away_division="NFC South",
                time=KICKOFF,
            )
        ]
    )
    assert queued == 1
    await writer.async_flush()

    rows = select_from(stack, database, "nfl_scores")
    assert rows == [
        {
            "time": KICKOFF_NS,
            "game_id": "401437654",
            "season": "2022",
            "season_type": "regular-season",
            "week": "1",
            "home_team": "ATL",
            "away_team": "NO",
            "status": "IN",
            "home_conference": "NFC",
            "away_conference": "NFC",
            "home_division": "NFC South",
            "away_division": "NFC South",
            "home_score": 26,
            "away_score": 24,
            "quarter": 4,
            "time_remaining": "0:48",
            "possession": "NO",
            "down_distance": '1st & 10 at NO 10, "hurry-up"',
        }
    ]
    assert field_types(stack, database, "nfl_scores") == {
        "away_score": "integer",
        "down_distance": "string",
        "home_score": "integer",
        "possession": "string",
        "quarter": "integer",
        "time_remaining": "string",
    }
    assert writer.stats.points_written == 1
    assert writer.stats.batches_written == 1


async def test_nhl_score_unknown_tags_left_out(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """A tag without a value is omitted, never written empty."""
    writer = init_integration.runtime_data.writer
    writer.async_enqueue(
        [
            NhlScore(
                game_id="401559341",
                season=2023,
                home_team="St. Louis Blues",
                away_team="NY Rangers",
                status="POST",
                home_score=3,
                away_score=4,
                period=5,
                home_shots=33,
                away_shots=29,
                home_shootout=1,
                away_shootout=2,
                time=KICKOFF,
            )
        ]
    )
    await writer.async_flush()
    rows = select_from(stack, database, "nhl_scores")
    assert len(rows) == 1
    row = rows[0]
    assert row["home_team"] == "St. Louis Blues"
    assert row["away_team"] == "NY Rangers"
    assert "home_conference" not in row
    assert (row["home_score"], row["away_score"], row["period"]) == (3, 4, 5)
    assert (row["home_shootout"], row["away_shootout"]) == (1, 2)
    tags = select(stack, database, f"SHOW TAG KEYS FROM {rp('nhl_scores')}")
    assert {t["tagKey"] for t in tags} == {
        "game_id",
        "season",
        "home_team",
        "away_team",
        "status",
    }


async def test_player_stats_injuries_standings(
    hass: HomeAssistant, init_integration: MockConfigEntry, stack, database: str
) -> None:
    """Dynamic stats keep their schema type; standings list returns its count."""
    writer = init_integration.runtime_data.writer
    assert (
        writer.async_enqueue(
            [
                PlayerStats(
                    league=League.NFL,
                    player_id="3139477",
                    player_name="Jordan Love",
                    team="GB",
                    position="QB",
                    game_id="401547417",
                    season=2023,
                    week=2,
                    stats={"completions": 14, "passing_yards": 151, "qb_rating": 71.4},
                    time=KICKOFF,
                ),
                PlayerStats(
                    league=League.NFL,
                    player_id="4430807",
                    player_name="Bijan Robinson",
                    team="ATL",
                    position="RB",
                    game_id="401547417",
                    season=2023,
                    week=2,
                    # A whole-number average stays a float: one type forever.
                    stats={"rushing_yards": 124, "yards_per_carry": 6.0},
                    time=KICKOFF,
                ),
            ]
        )
        == 2
    )
    assert (
        writer.async_enqueue(
            [
                InjuryReport(
                    player_id="4362628",
                    player_name='Ja\'Marr "JC" Chase',
                    team="CIN",
                    position="WR",
                    status="Questionable",
                    injury_type="Back",
                    season=2025,
                    weeks_out=1,
                    practice_participation="Limited",
                    comment="Chase (back) was limited, per the team's report.",
                    time=KICKOFF,
                )
            ]
        )
        == 1
    )
    standings = [
        Standing(
            league=League.NFL,
            team=team,
            conference="AFC",
            division="AFC East",
            season=2025,
            wins=wins,
            losses=17 - wins,
            ties=0,
            win_percentage=wins / 17,
            extra={"points_for": 400, "streak": "W2", "playoff_seed": seed},
            time=KICKOFF,
        )
        for seed, (team, wins) in enumerate((("BUF", 13), ("NE", 14)), start=1)
    ]
    standings.append(
        Standing(
            league=League.NHL,
            team="NYR",
            season=2025,
            wins=40,
            losses=30,
            ot_losses=12,
            points=92,
            win_percentage=0.488,
            time=KICKOFF,
        )
    )
    assert writer.async_enqueue(standings) == 3
    await writer.async_flush()

    stats = select_from(stack, database, "nfl_player_stats")
    assert {r["player_name"]: r["passing_yards"] for r in stats} == {
        "Jordan Love": 151,
        "Bijan Robinson": None,
    }
    assert field_types(stack, database, "nfl_player_stats") == {
        "completions": "integer",
        "passing_yards": "integer",
        "qb_rating": "float",
        "rushing_yards": "integer",
        "yards_per_carry": "float",
    }
    injuries = select_from(stack, database, "nfl_injuries")
    assert injuries[0]["player_name"] == 'Ja\'Marr "JC" Chase'
    assert injuries[0]["weeks_out"] == 1
    assert injuries[0]["comment"] == "Chase (back) was limited, per the team's report."

    nfl = select_from(stack, database, "nfl_standings")
    assert {(r["team"], r["wins"], r["losses"], r["ties"]) for r in nfl} == {
        ("BUF", 13, 4, 0),
        ("NE", 14, 3, 0),
    }
    assert field_types(stack, database, "nfl_standings")["win_percentage"] == "float"
    nhl = select_from(stack, database, "nhl_standings")
    assert (nhl[0]["points"], nhl[0]["ot_losses"]) == (92, 12)
    assert writer.stats.points_written == 6
