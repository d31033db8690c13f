"""Shared builders of test records."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from custom_components.sports_influx.records import League, NflScore, PlayerStats

from .conftest import RECENT

KICKOFF = RECENT


def nfl_score(n: int, **overrides: Any) -> NflScore:
    """The n-th score change of one game, a second apart."""
    values: dict[str, Any] = {
        "game_id": "401437654",
        "season": 2022,
        "home_team": "ATL",
        "away_team": "NO",
        "status": "IN",
        "home_score": n,
        "away_score": 0,
        "quarter": 1,
        "time": KICKOFF + timedelta(seconds=n),
    }
    values.update(overrides)
    return NflScore(**values)


def nfl_player(player_id: str, name: str, **stats: Any) -> PlayerStats:
    """One NFL player's line in one game at kick-off."""
    return PlayerStats(
        league=League.NFL,
        player_id=player_id,
        player_name=name,
        team="GB",
        game_id="401547417",
        season=2023,
        stats=stats,
        time=KICKOFF,
    )
