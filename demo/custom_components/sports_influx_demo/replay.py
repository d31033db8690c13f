"""The demo's timeline: real games from the test fixtures, replayed. Pure.

No Home Assistant imports: ``scripts/demo.py`` imports this file too, to
know what the replay must have written.

Each TeamTracker fixture is a real sensor caught at one moment (PRE, IN or
POST). A game is replayed as *frames* that end in that captured state:
PRE 0-0, then IN from 0-0 with one frame per score (NFL: touchdowns, field
goals, safeties; NHL: goals), then the captured attributes themselves.
Frames are spread over the replay's polls; the polls between them repeat
the current frame with a new ``clock`` and ``last_update``, as TeamTracker
does, so the integration's dedupe has something to drop.

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
REGULATION = {"NFL": 4, "NHL": 3}
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
    frames: tuple[Frame, ...]

    @property
    def final(self) -> Frame:
        """The captured fixture state: where the replay ends."""
        return self.frames[-1]


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
            attributes["clock"] = _clock(poll * 25 + offset, attributes.get("quarter"))
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
    team = fixture["team_abbr"]
    final = {k: v for k, v in fixture.items() if k not in _ENTITY_OWNED}
    frames: list[Frame] = []
    if state in ("IN", "POST"):
        frames.append(("PRE", _pre(final)))
        frames.extend(_progression(league, state, final))
    frames.append((state, final))
    return Game(
        object_id=f"{league}_{team}".lower(),
        name=f"{league} {fixture.get('team_name') or team}",
        league=league,
        frames=tuple(frames),
    )


def _pre(final: Mapping[str, Any]) -> dict[str, Any]:
    attributes = dict(final, team_score="0", opponent_score="0", quarter=None)
    attributes.update(clock=None, possession=None, down_distance_text=None)
    for side in ("team", "opponent"):
        attributes[f"{side}_shots_on_target"] = None
    if "state" in attributes:  # the current attribute form repeats the state
        attributes["state"] = "PRE"
    return attributes


def _progression(league: str, state: str, final: Mapping[str, Any]) -> list[Frame]:
    """IN frames from 0-0 up to the final score (the fixture's frame excluded)."""
    scores = {
        side: score_points(final.get(f"{side}_score")) for side in ("team", "opponent")
    }
    events = _events(league, scores["team"], scores["opponent"])
    periods = int(final.get("quarter") or 0) if state == "IN" else 0
    periods = max(periods, 1) if state == "IN" else REGULATION[league]
    running = {"team": 0, "opponent": 0}
    frames: list[Frame] = []

    def frame(n: int) -> Frame:
        attributes = dict(final)
        attributes["quarter"] = max(1, math.ceil(n * periods / max(len(events), 1)))
        for side in ("team", "opponent"):
            attributes[f"{side}_score"] = str(running[side])
            shots = final.get(f"{side}_shots_on_target")
            if isinstance(shots, int):
                attributes[f"{side}_shots_on_target"] = shots * n // max(len(events), 1)
        if "state" in attributes:
            attributes["state"] = "IN"
        return ("IN", attributes)

    if events:
        frames.append(frame(0))
    for n, (side, points) in enumerate(events, start=1):
        running[side] += points
        if state == "IN" and n == len(events):
            break  # the fixture's own frame shows the last score
        frames.append(frame(n))
    return frames


def score_points(value: Any) -> int:
    """TeamTracker's score text ("24", "3(2)" after a shootout) -> goals."""
    text = str(value or "0").split("(")[0].strip()
    return int(text) if text.isdigit() else 0


def _events(league: str, team: int, opponent: int) -> list[tuple[str, int]]:
    """Scoring plays adding up to the score, the two sides interleaved."""
    plays = {
        side: _plays(league, total)
        for side, total in (("team", team), ("opponent", opponent))
    }
    order: list[tuple[float, int, str, int]] = []
    for rank, side in enumerate(("team", "opponent")):
        count = len(plays[side])
        for i, points in enumerate(plays[side]):
            order.append(((i + 1) / (count + 1), rank, side, points))
    return [(side, points) for _, _, side, points in sorted(order)]


def _plays(league: str, total: int) -> list[int]:
    if league != "NFL":
        return [1] * total
    plays: list[int] = []
    for value in (7, 3, 2, 1):
        while total >= value and not (value == 7 and total - value in (1, 4)):
            plays.append(value)
            total -= value
    return plays


def _clock(elapsed: int, quarter: Any) -> str:
    seconds = 900 - elapsed % 900
    period = int(quarter or 1)
    return f"{seconds // 60}:{seconds % 60:02d} - {_ORDINAL.get(period, f'{period}th')}"


def score_key(frame: Frame) -> tuple[Any, ...]:
    """What the integration's dedupe compares (README: 'Which sensors are followed')."""
    state, attributes = frame
    return (
        state,
        attributes.get("team_score"),
        attributes.get("opponent_score"),
        attributes.get("quarter") or None,
        attributes.get("possession"),
        attributes.get("down_distance_text"),
    )
