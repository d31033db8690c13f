"""The demo's timeline: real games from the test fixtures, replayed. Pure.

No Home Assistant imports: ``scripts/demo.py`` imports this file too, to
know what the replay must have written.

Each TeamTracker fixture is a real sensor caught at one moment (PRE, IN or
POST): the NFL and NHL dumps, and one game each of MLB, the NBA and soccer
from upstream TeamTracker's test results (``RESULT_GAMES``). A game is
replayed as *frames* that end in that captured state: PRE 0-0, then IN
from 0-0 with one frame per score (NFL: touchdowns, field goals, safeties;
NHL and soccer: goals; NBA: scoring runs), or, in baseball, one frame per
half-inning (runs, outs and runners on base), then the captured attributes
themselves. Frames are spread over the replay's polls; the polls between
them repeat the current frame with a new ``clock`` (baseball: a new count
of balls and strikes) and ``last_update``, as TeamTracker does, so the
integration's dedupe has something to drop.

Only scores, status and period are invented (the real game's progression is
not in the fixtures); the last frame is the fixture, with one change: every
date is moved to yesterday (time of day kept), so the games are recent and
their points fall inside the integration's retention windows, and a game's
start (the time of its PRE point) is before the replayed live points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
import json
import math
from pathlib import Path
import re
from typing import Any

DEFAULT_POLLS = 36  # 3 minutes at TeamTracker's 5 s
# The 2022-form BUF @ LAR duplicates the current-form sensor of that game.
SKIPPED_SENSORS = frozenset({"sensor.test_tt_nfl_test15"})
# Upstream TeamTracker's results (tests/fixtures/teamtracker_results): CIN
# @ CHC (MLB, final 4-3), CHA @ BOS (NBA, final 93-134) and the 2022 World
# Cup final, FRA @ ARG (3-3, 2-4 on penalties).
RESULT_GAMES = ("test_tt_all_test03", "test_tt_all_test12", "test_tt_all_test09")
# The sport of the NFL and NHL dumps (the 2022 form has no ``sport``).
LEAGUE_SPORTS = {"NFL": "football", "NHL": "hockey"}
# Periods of a game without overtime (innings, quarters, halves).
REGULATION = {"football": 4, "hockey": 3, "baseball": 9, "basketball": 4, "soccer": 2}
# Soccer's period 5 is the penalty shootout: no goals are scored in it.
SOCCER_PLAYED_PERIODS = 4
# A basketball score moves in this many scoring runs per team.
BASKETBALL_RUNS = 8
# Minutes of a period: basketball's clock runs down, soccer's up.
PERIOD_SECONDS = {"football": 900, "hockey": 1200, "basketball": 720}
SOCCER_MINUTES = {1: (1, 45), 2: (46, 90), 3: (91, 105), 4: (106, 120)}
# Entity attributes HA sets from the entity itself.
_ENTITY_OWNED = ("friendly_name", "icon", "attribution")
_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd"}

Frame = tuple[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Game:
    """One TeamTracker sensor of the replay."""

    object_id: str
    name: str
    league: str
    sport: str
    frames: tuple[Frame, ...]

    @property
    def final(self) -> Frame:
        """The captured fixture state: where the replay ends."""
        return self.frames[-1]

    @property
    def measurement(self) -> str:
        """Where the integration writes the game (README "What it writes")."""
        if self.league in LEAGUE_SPORTS:
            return f"{self.league.lower()}_scores"
        return f"{self.sport}_scores"


@dataclass(frozen=True, slots=True)
class Replay:
    """Everything the demo shows."""

    games: tuple[Game, ...]
    standings: dict[str, Any]
    summary: dict[str, Any]
    polls: int

    def frame_index(self, game: Game, poll: int) -> int:
        """Which frame of a game is current at a poll (0 .. polls-1)."""
        last = len(game.frames) - 1
        if last == 0:
            return 0
        # The first frame at poll 0, the last at the last poll, evenly between.
        return min(last, math.floor(poll * last / (self.polls - 1)))

    def state_at(self, game: Game, poll: int, now_iso: str) -> Frame:
        """The sensor's state and attributes at a poll."""
        index = self.frame_index(game, poll)
        state, attributes = game.frames[index]
        attributes = dict(attributes, last_update=now_iso)
        if state == "IN" and index < len(game.frames) - 1:
            # Games started at different times: their clocks differ.
            offset = sum(map(ord, game.object_id)) * 7
            period = attributes.get("quarter")
            if game.sport == "baseball":
                # The inning is the frame's; the count changes every pitch.
                attributes.update(balls=(poll + offset) % 4, strikes=poll % 3)
            elif game.sport == "soccer":
                played = poll / (self.polls - 1)
                attributes["clock"] = _minute(played, period)
            else:
                length = PERIOD_SECONDS.get(game.sport, 900)
                attributes["clock"] = _clock(poll * 25 + offset, period, length)
        return state, attributes


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?=T\d{2}:\d{2})")


def to_today(value: Any, today: date) -> Any:
    """Every ISO date-time string in a JSON value, moved to ``today``."""
    if isinstance(value, str):
        return _ISO_DATE.sub(today.isoformat(), value)
    if isinstance(value, dict):
        return {k: to_today(v, today) for k, v in value.items()}
    if isinstance(value, list):
        return [to_today(v, today) for v in value]
    return value


def _fixture(path: Path, today: date) -> Any:
    return to_today(json.loads(path.read_text()), today)


def load(
    fixtures: Path, polls: int = DEFAULT_POLLS, today: date | None = None
) -> Replay:
    """Read the fixtures and build the replay."""
    today = today or datetime.now(UTC).date() - timedelta(days=1)
    games: list[Game] = []
    for league in ("nfl", "nhl"):
        for sensor in _fixture(fixtures / f"teamtracker_{league}.json", today):
            if sensor["entity_id"] in SKIPPED_SENSORS:
                continue
            games.append(_game(sensor["state"], sensor["attributes"]))
    for name in RESULT_GAMES:
        result = _fixture(fixtures / "teamtracker_results" / f"{name}.json", today)
        games.append(_game(result["state"], result))
    longest = max(len(game.frames) for game in games)
    if polls < longest:
        raise ValueError(f"{polls} polls cannot show {longest} frames")
    standings = _fixture(fixtures / "espn_standings_nfl.json", today)
    summary = _fixture(fixtures / "espn_summary_nfl.json", today)
    return Replay(
        games=tuple(games),
        # What a rest sensor keeps with json_attributes (see the README).
        standings={k: standings[k] for k in ("abbreviation", "season", "children")},
        summary={k: summary[k] for k in ("boxscore", "header", "injuries")},
        polls=polls,
    )


def _game(state: str, fixture: Mapping[str, Any]) -> Game:
    league = str(fixture["league"]).upper()
    sport = LEAGUE_SPORTS.get(league) or str(fixture["sport"]).lower()
    team = fixture["team_abbr"]
    final = {k: v for k, v in fixture.items() if k not in _ENTITY_OWNED}
    frames: list[Frame] = []
    if state in ("IN", "POST"):
        frames.append(("PRE", _pre(final)))
        if sport == "baseball":
            frames.extend(_innings(state, final))
        else:
            frames.extend(_progression(league, sport, state, final))
    frames.append((state, final))
    return Game(
        object_id=f"{league}_{team}".lower(),
        name=f"{league} {fixture.get('team_name') or team}",
        league=league,
        sport=sport,
        frames=tuple(frames),
    )


def _pre(final: Mapping[str, Any]) -> dict[str, Any]:
    attributes = dict(final, team_score="0", opponent_score="0", quarter=None)
    attributes.update(clock=None, possession=None, down_distance_text=None)
    attributes.update(dict.fromkeys(_LIVE_ONLY))
    if "state" in attributes:  # the current attribute form repeats the state
        attributes["state"] = "PRE"
    return attributes


# What a sensor shows only once the game is on (nothing before the start).
_LIVE_ONLY = (
    "team_shots_on_target",
    "opponent_shots_on_target",
    "team_total_shots",
    "opponent_total_shots",
    "team_winner",
    "opponent_winner",
    "outs",
    "balls",
    "strikes",
    "on_first",
    "on_second",
    "on_third",
)


def _live(final: Mapping[str, Any]) -> dict[str, Any]:
    """The final's attributes as a live frame's starting point."""
    attributes = dict(final, team_winner=None, opponent_winner=None)
    if "state" in attributes:
        attributes["state"] = "IN"
    return attributes


def _progression(
    league: str, sport: str, state: str, final: Mapping[str, Any]
) -> list[Frame]:
    """IN frames from 0-0 up to the final score (the fixture's frame excluded)."""
    scores = {
        side: score_points(final.get(f"{side}_score")) for side in ("team", "opponent")
    }
    events = _events(sport, scores["team"], scores["opponent"])
    periods = int(final.get("quarter") or 0) if state == "IN" else 0
    if state == "IN":
        periods = max(periods, 1)
    elif sport == "soccer":
        # Extra time, if the final says so; the shootout adds no goals.
        periods = min(max(int(final.get("quarter") or 0), 2), SOCCER_PLAYED_PERIODS)
    else:
        periods = REGULATION[sport]
    running = {"team": 0, "opponent": 0}
    frames: list[Frame] = []

    def frame(n: int) -> Frame:
        attributes = _live(final)
        attributes["quarter"] = max(1, math.ceil(n * periods / max(len(events), 1)))
        for side in ("team", "opponent"):
            attributes[f"{side}_score"] = str(running[side])
            for kind in ("shots_on_target", "total_shots"):
                shots = score_points(final.get(f"{side}_{kind}"))
                if final.get(f"{side}_{kind}") is not None:
                    attributes[f"{side}_{kind}"] = shots * n // max(len(events), 1)
        return ("IN", attributes)

    if events:
        frames.append(frame(0))
    for n, (side, points) in enumerate(events, start=1):
        running[side] += points
        if state == "IN" and n == len(events):
            break  # the fixture's own frame shows the last score
        frames.append(frame(n))
    if state == "POST":
        frames.extend(_shootout(final, frames[-1][1] if frames else _live(final)))
    return frames


def _shootout(final: Mapping[str, Any], last: Mapping[str, Any]) -> list[Frame]:
    """A final decided on penalties ("3(4)"): an IN frame per penalty scored.

    The goals stay as at the end of play; the shootout goals are in brackets.
    """
    kicks = {
        side: shootout_goals(final.get(f"{side}_score"))
        for side in ("team", "opponent")
    }
    if kicks["team"] is None and kicks["opponent"] is None:
        return []
    scored = {"team": 0, "opponent": 0}
    frames: list[Frame] = []
    for side, goals in _events("soccer", kicks["team"] or 0, kicks["opponent"] or 0):
        scored[side] += goals
        attributes = dict(last, quarter=int(final.get("quarter") or 5))
        for each in ("team", "opponent"):
            goals_of = score_points(final.get(f"{each}_score"))
            attributes[f"{each}_score"] = f"{goals_of}({scored[each]})"
        frames.append(("IN", attributes))
    return frames[:-1]  # the fixture's own frame shows the last penalty


def _innings(state: str, final: Mapping[str, Any]) -> list[Frame]:
    """Baseball: an IN frame per half-inning up to the fixture's.

    The visitors bat in the top half, the home team in the bottom; each
    side's runs are spread evenly over its halves. A home team ahead
    after the top of the 9th does not bat again.
    """
    team_home = str(final.get("team_homeaway")) == "home"
    runs = {
        "team": score_points(final.get("team_score")),
        "opponent": score_points(final.get("opponent_score")),
    }
    home, away = ("team", "opponent") if team_home else ("opponent", "team")
    innings = max(int(final.get("quarter") or 0), 1)
    if state == "POST":
        innings = max(innings, REGULATION["baseball"])
    halves = [(inning, half) for inning in range(1, innings + 1) for half in "TB"]
    if state == "IN":
        now = "B" if str(final.get("clock") or "").lower().startswith("bot") else "T"
        halves = halves[: halves.index((innings, now))]
    elif runs[home] > runs[away]:
        halves = halves[:-1]  # no bottom of the last inning
    batting = {
        "T": [h for h in halves if h[1] == "T"],
        "B": [h for h in halves if h[1] == "B"],
    }
    running = {"team": 0, "opponent": 0}
    frames: list[Frame] = []
    for n, (inning, half) in enumerate(halves):
        side = away if half == "T" else home
        turns = batting[half]
        turn = turns.index((inning, half))
        scored = _share(runs[side], len(turns), turn)
        running[side] += scored
        attributes = _live(final)
        attributes.update(
            quarter=inning,
            clock=f"{'Top' if half == 'T' else 'Bot'} {_ordinal(inning)}",
            team_score=str(running["team"]),
            opponent_score=str(running["opponent"]),
            outs=n % 3,
            balls=0,
            strikes=0,
            on_first=n % 2 == 1,
            on_second=scored > 0,
            on_third=False,
        )
        frames.append(("IN", attributes))
    return frames


def _share(total: int, parts: int, index: int) -> int:
    """Part ``index`` of ``total`` split evenly into ``parts``."""
    return (index + 1) * total // parts - index * total // parts


def score_points(value: Any) -> int:
    """TeamTracker's score text ("24", "3(2)" after a shootout) -> goals."""
    text = str(value or "0").split("(")[0].strip()
    return int(text) if text.isdigit() else 0


def shootout_goals(value: Any) -> int | None:
    """The shootout goals of a score text ("3(4)" -> 4), None without."""
    text = str(value or "")
    if "(" not in text:
        return None
    inside = text.split("(", 1)[1].rstrip(")").strip()
    return int(inside) if inside.isdigit() else None


def _events(sport: str, team: int, opponent: int) -> list[tuple[str, int]]:
    """Scoring plays adding up to the score, the two sides interleaved."""
    plays = {
        side: _plays(sport, total)
        for side, total in (("team", team), ("opponent", opponent))
    }
    order: list[tuple[float, int, str, int]] = []
    for rank, side in enumerate(("team", "opponent")):
        count = len(plays[side])
        for i, points in enumerate(plays[side]):
            order.append(((i + 1) / (count + 1), rank, side, points))
    return [(side, points) for _, _, side, points in sorted(order)]


def _plays(sport: str, total: int) -> list[int]:
    if sport == "basketball":
        runs = min(BASKETBALL_RUNS, total)
        return [_share(total, runs, i) for i in range(runs)]
    if sport != "football":
        return [1] * total
    plays: list[int] = []
    for value in (7, 3, 2, 1):
        while total >= value and not (value == 7 and total - value in (1, 4)):
            plays.append(value)
            total -= value
    return plays


def _ordinal(number: int) -> str:
    return _ORDINAL.get(number, f"{number}th")


def _clock(elapsed: int, quarter: Any, length: int = 900) -> str:
    seconds = length - elapsed % length
    period = int(quarter or 1)
    return f"{seconds // 60}:{seconds % 60:02d} - {_ordinal(period)}"


def _minute(played: float, period: Any) -> str:
    """Soccer's clock ("69'"): the share of the replay played, in the period.

    ESPN's soccer clock counts up; the shootout has none.
    """
    minutes = SOCCER_MINUTES.get(int(period or 1))
    if minutes is None:
        return "Pens"
    first, last = minutes
    return f"{first + round(played * (last - first))}'"


def score_key(frame: Frame) -> tuple[Any, ...]:
    """What the integration's dedupe compares (README: 'Which sensors are followed').

    Baseball adds the half-inning (the clock's first word), the outs and
    the runners on base; the count of balls and strikes is not compared.
    """
    state, attributes = frame
    key = (
        state,
        attributes.get("team_score"),
        attributes.get("opponent_score"),
        attributes.get("quarter") or None,
        attributes.get("possession"),
        attributes.get("down_distance_text"),
    )
    if attributes.get("sport") != "baseball" or state == "POST":
        return key
    half = str(attributes.get("clock") or "").split(" ", 1)[0]
    bases = ("on_first", "on_second", "on_third")
    return (*key, half, attributes.get("outs"), *map(attributes.get, bases))
