"""TeamTracker sensors of every league but the NFL and the NHL -> scores.

TeamTracker follows a team (or an athlete) in any ESPN league, and in a few
others (hockeytech's AHL/PWHL..., the CFL's scoreboard). The NFL and NHL
are read by ``teamtracker``; every other league of a team sport is written
to one measurement per sport, ``<sport>_scores``, the league a tag. The
sport is TeamTracker's ``sport`` (else ``sport_path``); the league and the
season are read as ``teamtracker_leagues`` says.

What TeamTracker's attributes mean per sport (its ``set_<sport>.py``):
- ``quarter`` is the period: inning, half, set, quarter.
- Baseball: ``clock`` is the inning text ("Top 6th"), ``outs``, ``balls``,
  ``strikes`` ints, ``on_first``... booleans.
- Soccer: ``*_total_shots`` and ``*_shots_on_target`` as text; a shootout
  is written into the score, "3(4)".
- Volleyball: ``*_score`` is the points of the set being played while the
  match is live (sets won otherwise); ``*_sets_won`` the sets won. The
  score written is sets won; the set's points go to ``*_set_points``.
- Cricket: the score is text ("314 & 145/7 (47 ov, target 145)").

Sports without two teams (tennis, MMA, golf, racing) are results of
athletes, read by ``teamtracker_athletes``. Sports without a measurement
(Australian football, rugby) are ``unknown_sport``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
import re
from typing import Any, NamedTuple

from homeassistant.core import State

from ..records import (
    BaseballScore,
    BasketballScore,
    CricketScore,
    FootballScore,
    HockeyScore,
    SoccerScore,
    SportScore,
    VolleyballScore,
)
from . import teamtracker_athletes
from .base import ParseResult, Reason, SkipRecord
from .parsing import (
    Score,
    clock_time,
    down_and_field,
    ident,
    parse_score,
    parse_time,
    team_is_home,
    text,
    to_int,
)
from .status import ESPN_STATES, FINAL, GameStatus, Reading
from .teamtracker_leagues import count_of, league_of, period_of, season_of

# TeamTracker's INDIVIDUAL_SPORTS plus racing: an athlete, not a team.
INDIVIDUAL_SPORTS = frozenset({"tennis", "mma", "golf", "racing"})
# Periods of a game without overtime: more on a final is "OT".
REGULATION_PERIODS: Mapping[str, int] = {
    "baseball": 9,
    "basketball": 4,
    "football": 4,
    "hockey": 3,
    "soccer": 2,
}
LEAGUE_REGULATION_PERIODS: Mapping[str, int] = {"NCAAM": 2}
# Words of a final's clock text ("Final/OT", "Final/SO", "FT-Pens", "AET").
_WORDS = re.compile(r"[A-Z]+")
_SHOOTOUT_WORDS = frozenset({"SO", "PEN", "PENS"})
_OVERTIME_WORDS = frozenset({"OT", "AET", "ET"})

# The first word of a baseball inning text ("Top 6th", "Bot 6th", "Mid 6th").
INNING_HALVES: Mapping[str, str] = {
    "top": "top",
    "bot": "bottom",
    "bottom": "bottom",
    "mid": "middle",
    "middle": "middle",
    "end": "end",
}

# One cricket innings: "314", "145/7", "314/8d" (declared).
_INNINGS = re.compile(r"(\d{1,4})(?:/(\d{1,2}))?\s*(?:d|dec)?", re.IGNORECASE)


class _Game(NamedTuple):
    """What every sport's record is made from."""

    attrs: Mapping[str, Any]
    sport: str
    league: str
    status: GameStatus
    team_is_home: bool
    team: str
    opponent: str
    common: dict[str, Any]

    def pair(self, name: str) -> tuple[Any, Any]:
        """(home, away) values of ``team_<name>``/``opponent_<name>``."""
        team = self.attrs.get(f"team_{name}")
        opponent = self.attrs.get(f"opponent_{name}")
        return (team, opponent) if self.team_is_home else (opponent, team)

    def scores(self) -> tuple[Score, Score]:
        """(home, away) scores; before the game a missing one is 0."""
        home, away = self.pair("score")
        return _score(home, self.status), _score(away, self.status)

    def score_fields(self, *, shootouts: bool = False) -> dict[str, Any]:
        """The score fields: goals and how a final was decided.

        ``shootouts``: a sport that ends a tie in a shootout (hockey,
        soccer) also writes its goals, and a final with any is "SO".
        """
        home, away = self.scores()
        fields: dict[str, Any] = {"home_score": home.goals, "away_score": away.goals}
        shootout = False
        if shootouts:
            fields["home_shootout"] = home.shootout
            fields["away_shootout"] = away.shootout
            shootout = home.shootout is not None or away.shootout is not None
        fields["final_type"] = final_type(self, shootout)
        return fields


def parse(state: State, observed: datetime) -> ParseResult:
    """A TeamTracker state of another league -> one ``<sport>_scores`` record."""
    attrs = state.attributes
    # NOT_FOUND, BYE and unknown states are refused whatever the sport.
    reading = ESPN_STATES.read(state.state, attrs.get("clock"))
    sport = (text(attrs.get("sport")) or text(attrs.get("sport_path")) or "").lower()
    if sport in INDIVIDUAL_SPORTS:
        return teamtracker_athletes.parse(state, reading, sport, observed)
    if sport not in _BUILDERS:
        raise SkipRecord(Reason.UNKNOWN_SPORT)
    return ParseResult.one(
        team_score(state, reading, league_of(attrs), sport, observed)
    )


def team_score(
    state: State, reading: Reading, league: str, sport: str, observed: datetime
) -> SportScore:
    """A ``<sport>_scores`` record of ``league`` from ``team_*``/``opponent_*``.

    The state as the caller read it (``status.ESPN_STATES``); the league and
    the sport are the caller's too: TeamTracker names them in its
    attributes, ha-nfl's forks only in their logo URLs.
    """
    build = _BUILDERS.get(sport)
    if build is None:
        raise SkipRecord(Reason.UNKNOWN_SPORT)
    return build(_game(state, reading, sport, league, observed))


def game_id(league: str, sport: str, start: datetime, away: str, home: str) -> str:
    """'MLB-20220908-SF@MIL'; baseball adds the UTC start ('-T2010')."""
    day = f"{league}-{start:%Y%m%d}-{away}@{home}"
    return f"{day}-T{start:%H%M}" if sport == "baseball" else day


def _game(
    state: State, reading: Reading, sport: str, league: str, observed: datetime
) -> _Game:
    attrs = state.attributes
    status, word = reading
    start = parse_time(attrs.get("date"))
    team = text(attrs.get("team_abbr"))
    opponent = text(attrs.get("opponent_abbr"))
    pre = word == "PRE"
    if pre and (start is None or team is None or opponent is None):
        raise SkipRecord(Reason.NOT_A_GAME)
    if team is None or opponent is None:
        raise SkipRecord(Reason.MISSING_ATTRIBUTE)
    if start is None:
        raise SkipRecord(Reason.BAD_DATE)
    is_home = team_is_home(attrs)
    home, away = (team, opponent) if is_home else (opponent, team)
    common: dict[str, Any] = {
        "league": league,
        "game_id": game_id(league, sport, start, away, home),
        "season": season_of(league, sport, start),
        "season_type": text(attrs.get("season")),
        "status": status.value,
        "home_team": home,
        "away_team": away,
        # ESPN counts a game not started as in period 1.
        "period": None if pre else period_of(attrs.get("quarter")),
        "time_remaining": clock_time(attrs.get("clock")),
        "source_status": word,
        "source_game_id": ident(attrs.get("event_id")),
        "time": start if pre else observed,
    }
    return _Game(attrs, sport, league, status, is_home, team, opponent, common)


def _score(value: object, status: GameStatus) -> Score:
    if (value is None or value == "") and status is GameStatus.PRE:
        return Score(0)
    return parse_score(value)


def _flag(value: object) -> int | None:
    """A base occupied: True/False (or 1/0) as 1/0."""
    if isinstance(value, bool):
        return int(value)
    number = to_int(value)
    return number if number in (0, 1) else None


def _possession(game: _Game) -> str | None:
    """``possession`` holds a team id: that team's abbreviation."""
    holder = ident(game.attrs.get("possession"))
    if holder is None:
        return None
    if holder == ident(game.attrs.get("team_id")):
        return game.team
    if holder == ident(game.attrs.get("opponent_id")):
        return game.opponent
    return None


def final_type(game: _Game, shootout: bool = False) -> str | None:
    """How a final was decided: the clock's word, else the periods played."""
    regulation = LEAGUE_REGULATION_PERIODS.get(
        game.league, REGULATION_PERIODS.get(game.sport)
    )
    if game.status is not FINAL or regulation is None:
        return None
    if shootout:
        return "SO"
    words = set(_WORDS.findall((text(game.attrs.get("clock")) or "").upper()))
    if not words.isdisjoint(_SHOOTOUT_WORDS):
        return "SO"
    if not words.isdisjoint(_OVERTIME_WORDS):
        return "OT"
    period: int | None = game.common["period"]
    if period is None:
        return None
    return "OT" if period > regulation else "REG"


def _baseball(game: _Game) -> BaseballScore:
    attrs = game.attrs
    half = (text(attrs.get("clock")) or "").split(" ", 1)[0].lower()
    return BaseballScore(
        **game.common,
        **game.score_fields(),
        inning_half=INNING_HALVES.get(half) if game.status is not FINAL else None,
        outs=count_of(attrs.get("outs")),
        balls=count_of(attrs.get("balls")),
        strikes=count_of(attrs.get("strikes")),
        on_first=_flag(attrs.get("on_first")),
        on_second=_flag(attrs.get("on_second")),
        on_third=_flag(attrs.get("on_third")),
    )


def _basketball(game: _Game) -> BasketballScore:
    return BasketballScore(
        **game.common, **game.score_fields(), possession=_possession(game)
    )


def _football(game: _Game) -> FootballScore:
    down, field = down_and_field(game.attrs.get("down_distance_text"))
    return FootballScore(
        **game.common,
        **game.score_fields(),
        possession=_possession(game),
        down_distance=down,
        field_position=field,
    )


def _hockey(game: _Game) -> HockeyScore:
    home_shots, away_shots = map(count_of, game.pair("shots_on_target"))
    return HockeyScore(
        **game.common,
        **game.score_fields(shootouts=True),
        home_shots=home_shots,
        away_shots=away_shots,
    )


def _soccer(game: _Game) -> SoccerScore:
    home_shots, away_shots = map(count_of, game.pair("total_shots"))
    home_on_target, away_on_target = map(count_of, game.pair("shots_on_target"))
    return SoccerScore(
        **game.common,
        **game.score_fields(shootouts=True),
        home_shots=home_shots,
        away_shots=away_shots,
        home_shots_on_target=home_on_target,
        away_shots_on_target=away_on_target,
    )


def _volleyball(game: _Game) -> VolleyballScore:
    home, away = game.scores()
    home_sets, away_sets = map(count_of, game.pair("sets_won"))
    if game.status is FINAL and home_sets is None and away_sets is None:
        home_sets, away_sets = home.goals, away.goals
    # Live, the score is the set's points; the match score is sets won.
    live = game.common["source_status"] == "IN"
    return VolleyballScore(
        **game.common,
        home_score=home_sets if live else home.goals,
        away_score=away_sets if live else away.goals,
        home_sets_won=home_sets,
        away_sets_won=away_sets,
        home_set_points=home.goals if live else None,
        away_set_points=away.goals if live else None,
    )


def cricket_runs(score: object) -> tuple[int | None, int | None]:
    """(runs over all innings, wickets of the latest) from "314 & 145/7 (...)"."""
    written = text(score)
    if written is None:
        return None, None
    runs, wickets = 0, None
    for innings in written.split("(", 1)[0].split("&"):
        match = _INNINGS.fullmatch(innings.strip())
        if match is None:
            return None, None
        runs += int(match.group(1))
        wickets = int(match.group(2)) if match.group(2) else None
    return runs, wickets


def _cricket(game: _Game) -> CricketScore:
    home_text, away_text = (text(v) for v in game.pair("score"))
    home_runs, home_wickets = cricket_runs(home_text)
    away_runs, away_wickets = cricket_runs(away_text)
    return CricketScore(
        **game.common,
        home_score=home_runs,
        away_score=away_runs,
        home_score_text=home_text,
        away_score_text=away_text,
        home_runs=home_runs,
        away_runs=away_runs,
        home_wickets=home_wickets,
        away_wickets=away_wickets,
    )


_BUILDERS: Mapping[str, Callable[[_Game], SportScore]] = {
    "baseball": _baseball,
    "basketball": _basketball,
    "football": _football,
    "hockey": _hockey,
    "soccer": _soccer,
    "volleyball": _volleyball,
    "cricket": _cricket,
}
