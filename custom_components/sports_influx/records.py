"""Typed records: what sources produce and the writer accepts.

One record is one point. Values are already normalised by the source
(ints are ints, team names are abbreviations); ``lineprotocol.py`` turns a
record into a line of the schema in ``schema.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import dataclass_transform


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(field,)
)
def record[T](cls: type[T]) -> type[T]:
    """A record class: a slotted, keyword-only dataclass.

    Immutable to the type checker (mypy refuses any assignment), not at run
    time: a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, several times slower (bench/RESULTS.md, "Figures
    behind the code"), on the path of every state change that is parsed.
    Nothing assigns to a record once made; the hash is the frozen one's.
    """
    return dataclass(slots=True, kw_only=True, unsafe_hash=True)(cls)


class League(StrEnum):
    """Leagues the schema has measurements for."""

    NFL = "NFL"
    NHL = "NHL"


@record
class _GameScore:
    game_id: str
    season: int
    home_team: str
    away_team: str
    status: str
    home_score: int
    away_score: int
    season_type: str | None = None
    time_remaining: str | None = None
    home_conference: str | None = None
    away_conference: str | None = None
    home_division: str | None = None
    away_division: str | None = None
    # The source's own word for the status ("OVER", "POST") and its own game
    # id (ESPN event id, NHL game id); ``game_id`` is the synthetic one.
    source_status: str | None = None
    source_game_id: str | None = None
    # How a final was reached: "REG", "OT" or "SO" (POST points only).
    final_type: str | None = None
    # The game's time when known, else when the state changed; None = now.
    time: datetime | None = None


@record
class NflScore(_GameScore):
    """One NFL score observation."""

    week: int | None = None
    quarter: int | None = None
    possession: str | None = None
    down_distance: str | None = None
    field_position: str | None = None


@record
class NhlScore(_GameScore):
    """One NHL score observation."""

    period: int | None = None
    home_shots: int | None = None
    away_shots: int | None = None
    home_power_play: int | None = None
    away_power_play: int | None = None
    home_shootout: int | None = None
    away_shootout: int | None = None


@record
class PlayerStats:
    """One player's statistics in one game."""

    league: League
    player_id: str
    player_name: str
    team: str
    stats: Mapping[str, int | float]
    position: str | None = None
    game_id: str | None = None
    season: int | None = None
    week: int | None = None
    time: datetime | None = None


@record
class InjuryReport:
    """One player's injury status as reported."""

    player_id: str
    league: League = League.NFL
    player_name: str
    team: str
    status: str
    position: str | None = None
    injury_type: str | None = None
    season: int | None = None
    weeks_out: int | None = None
    practice_participation: str | None = None
    comment: str | None = None
    time: datetime | None = None


@record
class Standing:
    """One team's place in the standings."""

    league: League
    team: str
    season: int
    wins: int
    losses: int
    conference: str | None = None
    division: str | None = None
    ties: int | None = None
    ot_losses: int | None = None
    points: int | None = None
    win_percentage: float | None = None
    # Whatever else the source gives (points_for, streak, playoff_seed ...),
    # keyed by schema field name.
    extra: Mapping[str, int | float | str] = field(default_factory=dict)
    time: datetime | None = None


@record
class LeagueScore:
    """One score observation in a league other than the NFL and the NHL.

    The base of one class per sport (measurement ``<sport>_scores``);
    ``league`` is the source's name for it ("MLB", "NWSL"). A score is
    optional: a cricket score that is not runs/wickets text is left out.
    """

    league: str
    game_id: str
    season: int
    home_team: str
    away_team: str
    status: str
    home_score: int | None = None
    away_score: int | None = None
    season_type: str | None = None
    period: int | None = None
    time_remaining: str | None = None
    # The source's own state word ("POST"); ``status`` is the common one.
    source_status: str | None = None
    # The source's event id (ESPN's), when it has one.
    source_game_id: str | None = None
    # How a final was decided: "REG", "OT" or "SO"; finals only.
    final_type: str | None = None
    time: datetime | None = None


@record
class BaseballScore(LeagueScore):
    """Baseball: ``period`` is the inning."""

    inning_half: str | None = None  # top, bottom, middle, end
    outs: int | None = None
    balls: int | None = None
    strikes: int | None = None
    on_first: int | None = None  # 1 = a runner on the base
    on_second: int | None = None
    on_third: int | None = None


@record
class BasketballScore(LeagueScore):
    """Basketball: ``period`` is the quarter (the half in NCAA men's)."""

    possession: str | None = None


@record
class FootballScore(LeagueScore):
    """American and Canadian football outside the NFL."""

    possession: str | None = None
    down_distance: str | None = None
    field_position: str | None = None


@record
class HockeyScore(LeagueScore):
    """Ice hockey outside the NHL; shots are shots on goal."""

    home_shots: int | None = None
    away_shots: int | None = None
    home_shootout: int | None = None
    away_shootout: int | None = None


@record
class SoccerScore(LeagueScore):
    """Soccer: ``period`` is the half (3-4 extra time, 5 penalties)."""

    home_shots: int | None = None
    away_shots: int | None = None
    home_shots_on_target: int | None = None
    away_shots_on_target: int | None = None
    home_shootout: int | None = None
    away_shootout: int | None = None


@record
class VolleyballScore(LeagueScore):
    """Volleyball: the score is sets won; ``period`` is the set."""

    home_sets_won: int | None = None
    away_sets_won: int | None = None
    # Points in the set being played (live only).
    home_set_points: int | None = None
    away_set_points: int | None = None


@record
class CricketScore(LeagueScore):
    """Cricket: the score as text ("314 & 145/7"); runs and wickets parsed."""

    home_score_text: str | None = None
    away_score_text: str | None = None
    home_runs: int | None = None
    away_runs: int | None = None
    home_wickets: int | None = None
    away_wickets: int | None = None


type SportScore = (
    BaseballScore
    | BasketballScore
    | FootballScore
    | HockeyScore
    | SoccerScore
    | VolleyballScore
    | CricketScore
)


@record
class AthleteResult:
    """One athlete's result in an event of a sport without two teams.

    The base of one class per sport (measurement ``<sport>_results``):
    tennis, MMA, golf, racing. ``athlete`` is the followed one, as
    TeamTracker names them; ``opponent`` only where there is one.
    """

    league: str
    event_id: str
    season: int
    athlete: str
    status: str
    opponent: str | None = None
    event_name: str | None = None
    period: int | None = None
    winner: int | None = None  # 1 won, 0 did not; finals only
    source_status: str | None = None
    source_event_id: str | None = None
    time: datetime | None = None

    @property
    def game_id(self) -> str:
        """What the dedupe memory knows the result by: the event and athlete."""
        return f"{self.event_id}/{self.athlete}"


@record
class TennisResult(AthleteResult):
    """Tennis: ``period`` is the set being played."""

    sets_won: int | None = None
    opponent_sets_won: int | None = None
    # Games in the set being played (live only).
    games: int | None = None
    opponent_games: int | None = None
    round: str | None = None


@record
class MmaResult(AthleteResult):
    """MMA: ``period`` is the round; rounds won on the judges' cards."""

    rounds_won: int | None = None
    opponent_rounds_won: int | None = None


@record
class GolfResult(AthleteResult):
    """Golf: ``period`` is the round; ``score`` is to par."""

    position: int | None = None
    tied: int | None = None
    score: int | None = None
    holes_played: int | None = None
    round_strokes: int | None = None


@record
class RacingResult(AthleteResult):
    """Racing: the position in a session (practice, qualifying, race)."""

    position: int | None = None
    laps: int | None = None
    session: str | None = None


type SportResult = TennisResult | MmaResult | GolfResult | RacingResult

# Per sport, the fields besides status and score whose change is worth a
# point of its own (the dedupe key); the others (clocks, shots, the count
# of balls and strikes) are written with the next point.
PROGRESS: Mapping[type[LeagueScore | AthleteResult], tuple[str, ...]] = {
    BaseballScore: (
        "period",
        "inning_half",
        "outs",
        "on_first",
        "on_second",
        "on_third",
    ),
    BasketballScore: ("period",),
    FootballScore: ("period", "possession", "down_distance"),
    HockeyScore: ("period", "home_shootout", "away_shootout"),
    SoccerScore: ("period", "home_shootout", "away_shootout"),
    VolleyballScore: ("period", "home_set_points", "away_set_points"),
    CricketScore: ("home_score_text", "away_score_text"),
    TennisResult: (
        "period",
        "sets_won",
        "opponent_sets_won",
        "games",
        "opponent_games",
    ),
    MmaResult: ("period", "rounds_won", "opponent_rounds_won"),
    GolfResult: ("period", "position", "score", "holes_played"),
    RacingResult: ("session", "position", "laps"),
}

type Record = (
    NflScore
    | NhlScore
    | SportScore
    | SportResult
    | PlayerStats
    | InjuryReport
    | Standing
)
