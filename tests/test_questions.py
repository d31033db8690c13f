"""The questions fans ask (README "Questions fans ask"), answered by the
database the integration filled.

A five-week stretch of a season goes through Home Assistant's state machine
the way the sensors deliver it: TeamTracker sensors for the four NFC South
teams (each game seen by both teams' sensors), an ESPN standings ``rest``
sensor nested by division (entries from the fixture), an ESPN game summary
sensor for the Falcons' games (box score and injuries from the fixture) and
an ESPN core injury record for Drake London. Then each canonical query of
tests/questions.py runs through the ``sports_influx.query`` action and the
answer is compared with what the season says. The MLB and NBA questions
get a week of their own: TeamTracker sensors of two teams in each league
(upstream TeamTracker's MLB and NBA attributes), PRE, live and final.

Dates are relative to ``RECENT``: the real server refuses points older than
their retention policy.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
import json
from pathlib import Path
from typing import Any, NamedTuple, cast

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.sports_influx.const import DOMAIN
from custom_components.sports_influx.records import League
from custom_components.sports_influx.sources import teamtracker_leagues
from custom_components.sports_influx.sources.parsing import season_of
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import parse_yaml

from .conftest import FIXTURES, RECENT, select_from
from .factories import entry_for, fixture_sensor, setup, teamtracker_attributes
from .questions import (
    BY_KEY,
    END,
    QUESTIONS,
    START,
    Answer,
    automation_yaml,
    fill,
    render,
)

README = Path(__file__).parent.parent / "README.md"

# The first week's kick-off; all five weeks in one season (NFL seasons start
# in March by the integration's reckoning, so a stretch starting in February
# moves to March 1st).
_FIRST = RECENT - timedelta(days=28)
FIRST = (
    _FIRST
    if season_of(League.NFL, _FIRST) == season_of(League.NFL, RECENT)
    else _FIRST.replace(month=3, day=1)
)
SEASON = str(season_of(League.NFL, FIRST))


def kickoff(week: int) -> datetime:
    """Sunday 17:00 UTC of a week (1-5)."""
    return FIRST + timedelta(days=7 * (week - 1))


class Poll(NamedTuple):
    """One TeamTracker poll of a game."""

    time: datetime
    state: str
    quarter: int | None
    home: int
    away: int
    clock: str | None


@dataclass(frozen=True)
class Game:
    """A game and its points per quarter."""

    week: int
    away: str
    home: str
    away_q: tuple[int, int, int, int]
    home_q: tuple[int, int, int, int]

    @property
    def event_id(self) -> str:
        """ESPN's id, as TeamTracker's ``event_id`` (``source_game_id``)."""
        return f"40190{self.week}{self.home}"

    @property
    def game_id(self) -> str:
        """The id every source computes: league, UTC date, away@home."""
        return f"NFL-{kickoff(self.week):%Y%m%d}-{self.away}@{self.home}"

    @property
    def final(self) -> tuple[int, int]:
        """(home, away)."""
        return sum(self.home_q), sum(self.away_q)

    def winner(self) -> str:
        home, away = self.final
        return self.home if home > away else self.away

    def polls(self) -> list[Poll]:
        """What the sensors show: PRE an hour before, then each side's
        points per quarter 10 minutes apart (the clock moving), the final.
        """
        start = kickoff(self.week)
        polls = [Poll(start - timedelta(hours=1), "PRE", None, 0, 0, None)]
        home = away = 0
        for quarter in range(1, 5):
            home += self.home_q[quarter - 1]
            at_ = start + timedelta(minutes=20 * quarter - 10)
            polls.append(Poll(at_, "IN", quarter, home, away, "8:12"))
            away += self.away_q[quarter - 1]
            at_ += timedelta(minutes=10)
            polls.append(Poll(at_, "IN", quarter, home, away, "0:45"))
        polls.append(Poll(start + timedelta(hours=3), "POST", 4, home, away, None))
        return polls


GAMES = (
    Game(1, "NO", "ATL", (3, 7, 7, 7), (7, 7, 3, 9)),
    Game(1, "CAR", "TB", (0, 3, 0, 7), (3, 7, 3, 7)),
    Game(2, "ATL", "TB", (0, 10, 0, 7), (7, 3, 3, 7)),
    Game(2, "NO", "CAR", (7, 0, 3, 3), (0, 3, 3, 3)),
    Game(3, "CAR", "ATL", (0, 3, 7, 0), (7, 14, 3, 7)),
    Game(3, "TB", "NO", (7, 7, 6, 7), (3, 7, 7, 7)),
    Game(4, "ATL", "NO", (7, 10, 3, 7), (0, 3, 7, 3)),
    Game(4, "TB", "CAR", (0, 7, 3, 7), (7, 3, 6, 7)),
    Game(5, "TB", "ATL", (7, 7, 0, 7), (3, 7, 7, 7)),
    Game(5, "CAR", "NO", (3, 7, 0, 6), (7, 3, 3, 6)),
)
SENSORS = {
    "ATL": "sensor.falcons",
    "NO": "sensor.saints",
    "TB": "sensor.buccaneers",
    "CAR": "sensor.panthers",
}
# The NFC North only shows in the standings: W/L per week, None = bye.
NORTH = {
    "DET": ("W", "W", "L", "L", "L"),
    "GB": ("L", "W", "W", None, "W"),
    "CHI": ("W", "L", "W", "W", "L"),
    "MIN": ("L", "L", "L", "W", "W"),
}
SOUTH = tuple(SENSORS)

# Bijan Robinson's rushing line per game (attempts, yards, touchdowns).
BIJAN = "4430807"
BIJAN_RUSHING = ((19, 124, 0), (15, 88, 1), (21, 101, 2), (14, 67, 0), (12, 45, 1))
LONDON = "4426502"
KOO = "3049899"


def results(team: str) -> list[str | None]:
    """W/L per week (None: no game)."""
    if team in NORTH:
        return list(NORTH[team])
    out: list[str | None] = []
    for week in range(1, 6):
        game = next(
            (g for g in GAMES if g.week == week and team in (g.home, g.away)), None
        )
        out.append(None if game is None else "W" if game.winner() == team else "L")
    return out


def record(team: str, week: int) -> tuple[int, int, str]:
    """(wins, losses, streak) after a week."""
    played = [r for r in results(team)[:week] if r is not None]
    streak = 0
    for result in reversed(played):
        if result != played[-1]:
            break
        streak += 1
    return played.count("W"), played.count("L"), f"{played[-1]}{streak}"


# --- the sensors' states ----------------------------------------------------


_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


def teamtracker(game: Game, team: str, poll: Poll) -> dict[str, Any]:
    """A current-generation TeamTracker sensor following ``team``.

    ``last_update`` changes on every poll, as the real sensor's does.
    """
    attributes: dict[str, Any] = fixture_sensor(
        "teamtracker_nfl.json", "sensor.test_tt_all_test06"
    )["attributes"]
    at_home = team == game.home
    opponent = game.away if at_home else game.home
    score = (poll.home, poll.away) if at_home else (poll.away, poll.home)
    state = poll.state
    if poll.clock:
        clock = f"{poll.clock} - {_ORDINAL[poll.quarter or 1]}"
    else:
        clock = "Final" if state == "POST" else "Sun, 1:00 PM"
    attributes.update(
        event_id=game.event_id,
        event_name=f"{game.away} @ {game.home}",
        date=kickoff(game.week).strftime("%Y-%m-%dT%H:%MZ"),
        state=state,
        team_abbr=team,
        opponent_abbr=opponent,
        team_homeaway="home" if at_home else "away",
        opponent_homeaway="away" if at_home else "home",
        team_score=None if state == "PRE" else str(score[0]),
        opponent_score=None if state == "PRE" else str(score[1]),
        quarter=poll.quarter or 0,
        clock=clock,
        last_update=poll.time.isoformat(),
        team_winner=None,
        opponent_winner=None,
    )
    return attributes


def _stat(template: dict[str, Any], value: float, display: str) -> dict[str, Any]:
    return dict(template, value=value, displayValue=display)


def standings_body(week: int) -> dict[str, Any]:
    """ESPN's standings after a week, nested by division (``?level=3``).

    Team entries and stat shapes come from the fixture; the records are
    the season's.
    """
    fixture: dict[str, Any] = json.loads(
        (FIXTURES / "espn_standings_nfl.json").read_text()
    )
    entries = {
        entry["team"]["abbreviation"]: entry
        for conference in fixture["children"]
        for entry in conference["standings"]["entries"]
    }

    def entry(team: str) -> dict[str, Any]:
        base: dict[str, Any] = copy.deepcopy(entries[team])
        stats = {s["type"]: s for s in base["stats"]}
        wins, losses, streak = record(team, week)
        base["stats"] = [
            _stat(stats["wins"], wins, str(wins)),
            _stat(stats["losses"], losses, str(losses)),
            _stat(stats["ties"], 0, "0"),
            _stat(
                stats["winpercent"],
                wins / (wins + losses),
                f"{wins / (wins + losses):.3f}",
            ),
            _stat(stats["streak"], 0, streak),
        ]
        return base

    return {
        "abbreviation": fixture["abbreviation"],
        "uid": fixture["uid"],
        "season": dict(fixture["season"], year=int(SEASON)),
        "children": [
            {
                "name": "National Football Conference",
                "abbreviation": "NFC",
                "children": [
                    {
                        "name": f"NFC {division}",
                        "standings": {"entries": [entry(t) for t in teams]},
                    }
                    for division, teams in (("South", SOUTH), ("North", tuple(NORTH)))
                ],
            }
        ],
    }


def summary(game: Game, final: bool) -> dict[str, Any]:
    """ESPN's summary of a Falcons game: the fixture's ATL box score.

    Bijan Robinson's rushing line is the week's (half of it during the
    game); Drake London (out in week 3) has no line that week; Younghoe Koo
    is on the injury list in weeks 1 and 2.
    """
    body: dict[str, Any] = json.loads((FIXTURES / "espn_summary_nfl.json").read_text())
    header = body["header"]
    header["id"] = game.event_id
    header["week"] = game.week
    header["season"]["year"] = int(SEASON)
    header["competitions"][0]["date"] = kickoff(game.week).strftime("%Y-%m-%dT%H:%MZ")
    # The game's teams, so its player stats carry the scores' game id.
    for competitor in header["competitions"][0]["competitors"]:
        side = game.home if competitor["homeAway"] == "home" else game.away
        competitor["team"]["abbreviation"] = side
    atl = next(
        b for b in body["boxscore"]["players"] if b["team"]["abbreviation"] == "ATL"
    )
    attempts, yards, touchdowns = BIJAN_RUSHING[game.week - 1]
    if not final:
        attempts, yards, touchdowns = attempts // 2, yards // 2, 0
    for group in atl["statistics"]:
        for athlete in group["athletes"]:
            if athlete["athlete"]["id"] == BIJAN and group["name"] == "rushing":
                athlete["stats"] = [
                    str(attempts),
                    str(yards),
                    f"{yards / attempts:.1f}",
                    str(touchdowns),
                    "19",
                ]
        if game.week == 3:
            group["athletes"] = [
                a for a in group["athletes"] if a["athlete"]["id"] != LONDON
            ]
    injuries = next(b for b in body["injuries"] if b["team"]["abbreviation"] == "ATL")
    koo = next(i for i in injuries["injuries"] if i["athlete"]["id"] == KOO)
    koo["date"] = (kickoff(game.week) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%MZ")
    koo["status"] = {1: "Questionable", 2: "Out"}.get(game.week, "")
    injuries["injuries"] = [koo] if koo["status"] else []
    return {
        "header": header,
        "boxscore": {"players": [atl]},
        "injuries": [injuries],
    }


LONDON_REPORTS = (
    # (week, days before kick-off, status, comment, return in days)
    (2, 3, "Questionable", "London (hip) is questionable for Sunday.", None),
    (3, 4, "Out", "London (hip) will miss Sunday's game.", 10),
    (4, 3, "Active", "London (hip) practiced in full.", None),
)


def london_injury(
    week: int, days: int, status: str, comment: str, back: int | None
) -> dict[str, Any]:
    """ESPN's core injury record for Drake London, with the name added."""
    record_: dict[str, Any] = json.loads(
        (FIXTURES / "espn_injury_detail_nfl.json").read_text()
    )
    for link in (record_, record_["athlete"], record_["team"]):
        link["$ref"] = link["$ref"].replace("/seasons/2025/", f"/seasons/{SEASON}/")
    record_.update(
        date=(kickoff(week) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%MZ"),
        status=status,
        shortComment=comment,
        longComment=None,
        type={"description": status.lower()},
        details={"type": "Hip"}
        | (
            {"returnDate": (kickoff(week) + timedelta(days=back)).strftime("%Y-%m-%d")}
            if back
            else {}
        ),
        player_name="Drake London",
    )
    return record_


def season_states() -> list[tuple[datetime, str, str, dict[str, Any]]]:
    """Every state change of the stretch, in time order."""
    events: list[tuple[datetime, str, str, dict[str, Any]]] = []
    for game in GAMES:
        for poll in game.polls():
            for team in (game.home, game.away):
                attributes = teamtracker(game, team, poll)
                events.append((poll.time, SENSORS[team], poll.state, attributes))
        if "ATL" in (game.home, game.away):
            start = kickoff(game.week)
            for after, final in (
                (timedelta(minutes=90), False),
                (timedelta(hours=3, minutes=10), True),
            ):
                body = summary(game, final)
                events.append(
                    (start + after, "sensor.falcons_summary", game.event_id, body)
                )
    events += [
        (
            kickoff(week) + timedelta(days=1),
            "sensor.nfl_standings",
            SEASON,
            standings_body(week),
        )
        for week in range(1, 6)
    ]
    for report in LONDON_REPORTS:
        attributes = london_injury(*report)
        when = datetime.fromisoformat(attributes["date"].replace("Z", "+00:00"))
        events.append(
            (
                when + timedelta(minutes=5),
                "sensor.drake_london_injury",
                report[2],
                attributes,
            )
        )
    events.sort(key=lambda event: event[0])
    return events


async def play_season(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """Set every state at its time, then write what is queued."""
    for when, entity_id, state, attributes in season_states():
        freezer.move_to(when)
        hass.states.async_set(entity_id, state, attributes)
        await hass.async_block_till_done()
    await entry.runtime_data.writer.async_flush()
    stats = entry.runtime_data.writer.stats
    assert stats.points_failed == 0


async def ask(
    hass: HomeAssistant, key: str, language: str, **values: str
) -> list[dict[str, Any]]:
    """One canonical question through the action; its rows."""
    question = BY_KEY[key]
    query = fill(question.influxql if language == "influxql" else question.sql, values)
    response = await hass.services.async_call(
        DOMAIN,
        "query",
        {"query": query, "language": language, "retention": question.retention},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    assert response["truncated"] is False
    return cast(list[dict[str, Any]], response["rows"])


def at(when: datetime) -> str:
    """A time as 1.x prints it."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def expected_timeline(
    game: Game,
) -> list[tuple[str, str, int | None, str | None, int, int]]:
    """(time, status, quarter, clock, home, away) of each poll; the PRE point
    is at kick-off. Every live poll is written: the score or quarter changed,
    or a minute passed since the last point (10 minutes apart here).
    """
    return [
        (
            at(kickoff(game.week) if poll.state == "PRE" else poll.time),
            poll.state,
            poll.quarter,
            poll.clock,
            poll.home,
            poll.away,
        )
        for poll in game.polls()
    ]


def finals(team: str) -> list[tuple[str, str, int, int]]:
    """(home, away, home score, away score) of a team's games, by date."""
    return [(g.home, g.away, *g.final) for g in GAMES if team in (g.home, g.away)]


def trajectory(team: str) -> list[tuple[int, int, str]]:
    """(wins, losses, streak) each week the record changed."""
    return [
        record(team, week)
        for week, result in enumerate(results(team), 1)
        if result is not None
    ]


# --- the README holds exactly these queries --------------------------------


def test_readme_holds_the_questions() -> None:
    """The README section is tests/questions.py rendered, byte for byte."""
    text = README.read_text()
    assert text.count(START) == 1
    assert text.count(END) == 1
    section = text[text.index(START) : text.index(END) + len(END)]
    assert section == render()
    assert "## Questions fans ask" in text[: text.index(START)]
    for question in QUESTIONS:
        assert set(question.retention.split()) <= {"events", "stats", "standings"}


# --- InfluxQL on the real 1.x server -----------------------------------------


@pytest.mark.parametrize("entry_options", [{}])
async def test_questions_influxql(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    """Each question's InfluxQL, through the action, gives the season's answer."""
    await play_season(hass, freezer, init_integration)
    w1 = GAMES[0]

    # 1. Score timeline of one game; CAR @ TB has polls where nothing but
    # the clock moved (written: a minute had passed).
    for game in (w1, GAMES[1]):
        rows = await ask(hass, "timeline", "influxql", game_id=game.game_id)
        assert [
            (
                r["time"],
                r["status"],
                r["quarter"],
                r["time_remaining"],
                r["home_score"],
                r["away_score"],
            )
            for r in rows
        ] == expected_timeline(game)

    # 2. A team's results this season.
    rows = await ask(hass, "season_results", "influxql", team="ATL", season=SEASON)
    atl = finals("ATL")
    assert [
        (r["home_team"], r["away_team"], r["home_score"], r["away_score"]) for r in rows
    ] == atl
    won = [
        (r["home_score"] > r["away_score"]) == (r["home_team"] == "ATL") for r in rows
    ]
    assert won == [True, False, True, True, True]
    assert (
        await ask(
            hass, "season_results", "influxql", team="ATL", season=str(int(SEASON) - 1)
        )
        == []
    )

    # 3. Last N finals of a team: newest first.
    rows = await ask(hass, "last_finals", "influxql", team="ATL", n="3")
    assert [
        (r["home_team"], r["away_team"], r["home_score"], r["away_score"]) for r in rows
    ] == atl[::-1][:3]
    assert [r["time"] for r in rows] == [
        at(kickoff(week) + timedelta(hours=3)) for week in (5, 4, 3)
    ]

    # 4. Standings trajectory of a team (a bye week adds no row).
    rows = await ask(
        hass, "standings_trajectory", "influxql", team="ATL", season=SEASON
    )
    assert [(r["wins"], r["losses"], r["streak"]) for r in rows] == [
        (1, 0, "W1"),
        (1, 1, "L1"),
        (2, 1, "W1"),
        (3, 1, "W2"),
        (4, 1, "W3"),
    ]
    assert [r["ties"] for r in rows] == [0] * 5
    assert rows[-1]["win_percentage"] == pytest.approx(0.8)
    assert [r["time"] for r in rows] == [
        at(kickoff(week) + timedelta(days=1)) for week in range(1, 6)
    ]
    rows = await ask(hass, "standings_trajectory", "influxql", team="GB", season=SEASON)
    assert [(r["wins"], r["losses"]) for r in rows] == [(0, 1), (1, 1), (2, 1), (3, 1)]
    assert trajectory("GB") == [(0, 1, "L1"), (1, 1, "W1"), (2, 1, "W2"), (3, 1, "W3")]

    # 5. Division and conference leaders at a date.
    def leaders(
        rows: list[dict[str, Any]], group: str
    ) -> dict[str, tuple[str, int, int]]:
        return {r[group]: (r["team"], r["wins"], r["losses"]) for r in rows}

    after_week_2 = at(kickoff(2) + timedelta(days=2))
    rows = await ask(
        hass, "leaders", "influxql", season=SEASON, date=after_week_2, group="division"
    )
    assert leaders(rows, "division") == {
        "NFC North": ("DET", 2, 0),
        "NFC South": ("TB", 2, 0),
    }
    after_week_5 = at(kickoff(5) + timedelta(days=2))
    rows = await ask(
        hass, "leaders", "influxql", season=SEASON, date=after_week_5, group="division"
    )
    assert leaders(rows, "division") == {
        "NFC North": ("GB", 3, 1),
        "NFC South": ("ATL", 4, 1),
    }
    rows = await ask(
        hass,
        "leaders",
        "influxql",
        season=SEASON,
        date=after_week_5,
        group="conference",
    )
    assert leaders(rows, "conference") == {"NFC": ("ATL", 4, 1)}

    # 6. A player's injury history: the core record's three reports, and
    # the summary's injury list (rewritten by each poll, written once).
    rows = await ask(hass, "injury_history", "influxql", injured_player_id=LONDON)
    assert [
        (r["team"], r["status"], r["injury_type"], r["weeks_out"], r["comment"])
        for r in rows
    ] == [
        ("ATL", status, "Hip", 2 if back else None, comment)
        for _week, _days, status, comment, back in LONDON_REPORTS
    ]
    assert [r["time"] for r in rows] == [
        at(kickoff(week) - timedelta(days=days)) for week, days, *_ in LONDON_REPORTS
    ]
    rows = await ask(hass, "injury_history", "influxql", injured_player_id=KOO)
    assert [(r["status"], r["injury_type"]) for r in rows] == [
        ("Questionable", "Hip"),
        ("Out", "Hip"),
    ]

    # 7. A player's season totals: each game counted once although the
    # summary was polled during and after it.
    rows = await ask(hass, "season_totals", "influxql", player_id=BIJAN, season=SEASON)
    assert len(rows) == 1
    totals = rows[0]
    assert totals["games"] == 5
    assert totals["rushing_attempts"] == sum(a for a, _, _ in BIJAN_RUSHING)
    assert totals["rushing_yards"] == sum(y for _, y, _ in BIJAN_RUSHING) == 425
    assert totals["rushing_touchdowns"] == 4
    # The fixture's receiving line (4 for 48), every game.
    assert (totals["receptions"], totals["receiving_yards"]) == (20, 240)

    # 8. Head-to-head: both games, whoever was at home.
    rows = await ask(hass, "head_to_head", "influxql", team="ATL", team_b="NO")
    assert [
        (r["home_team"], r["away_team"], r["home_score"], r["away_score"]) for r in rows
    ] == [("ATL", "NO", 26, 24), ("NO", "ATL", 13, 27)]
    rows = await ask(hass, "head_to_head", "influxql", team="TB", team_b="CAR")
    assert [(r["home_team"], r["away_team"]) for r in rows] == [
        ("TB", "CAR"),
        ("CAR", "TB"),
    ]

    # 9. Points per quarter: InfluxQL gives the score at the end of each
    # quarter (one query each); the points are the differences.
    assert BY_KEY["points_per_period"].influxql_answer is Answer.PARTIAL
    ends = [(0, 0)]
    for quarter in range(1, 5):
        rows = await ask(
            hass,
            "points_per_period",
            "influxql",
            game_id=w1.game_id,
            period=str(quarter),
        )
        ends.append((rows[0]["home_score"], rows[0]["away_score"]))
    points = [
        (home - ends[n][0], away - ends[n][1])
        for n, (home, away) in enumerate(ends[1:])
    ]
    assert points == list(zip(w1.home_q, w1.away_q, strict=True))

    # 10. Current streaks.
    rows = await ask(hass, "streaks", "influxql", season=SEASON)
    assert {r["team"]: (r["streak"], r["wins"], r["losses"]) for r in rows} == {
        "ATL": ("W3", 4, 1),
        "TB": ("L2", 3, 2),
        "NO": ("W1", 2, 3),
        "CAR": ("L1", 1, 4),
        "DET": ("L3", 2, 3),
        "GB": ("W3", 3, 1),
        "CHI": ("L1", 3, 2),
        "MIN": ("W2", 2, 3),
    }

    # The README's automation: flush, query, a message from the rows.
    notify = async_mock_service(hass, "notify", "notify")
    config = parse_yaml(automation_yaml())
    assert await async_setup_component(hass, "automation", {"automation": [config]})
    await hass.services.async_call(
        "automation",
        "trigger",
        {"entity_id": "automation.falcons_last_results"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert [" ".join(call.data["message"].split()) for call in notify] == [
        "TB 21 @ ATL 24; ATL 27 @ NO 13; CAR 10 @ ATL 31"
    ]


# --- SQL on InfluxDB 3's engine ---------------------------------------------


def sql_at(when: datetime) -> str:
    """A time as InfluxDB 3's JSON prints it (no zone)."""
    return when.strftime("%Y-%m-%dT%H:%M:%S")


async def test_questions_sql(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_v3: Any
) -> None:
    """Each question's SQL, through the action, gives the season's answer.

    The InfluxDB 3 fake answers SQL with DataFusion, InfluxDB 3's query
    engine, over the points the integration wrote (openapi GET
    /api/v3/query_sql, format=json; standings in the ``<db>-standings``
    database).
    """
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    await play_season(hass, freezer, entry)
    w1 = GAMES[0]
    atl = finals("ATL")

    # 1. Score timeline of one game.
    for game in (w1, GAMES[1]):
        rows = await ask(hass, "timeline", "sql", game_id=game.game_id)
        assert [
            (
                r["time"] + "Z",
                r["status"],
                r.get("quarter"),
                r.get("time_remaining"),
                r["home_score"],
                r["away_score"],
            )
            for r in rows
        ] == expected_timeline(game)

    # 2. A team's results this season, won or lost computed by the query.
    rows = await ask(hass, "season_results", "sql", team="ATL", season=SEASON)
    assert [
        (r["home_team"], r["away_team"], r["home_score"], r["away_score"]) for r in rows
    ] == atl
    assert [r["result"] for r in rows] == ["W", "L", "W", "W", "W"]
    assert [r["time"] for r in rows] == [
        sql_at(kickoff(week) + timedelta(hours=3)) for week in range(1, 6)
    ]
    previous = str(int(SEASON) - 1)
    assert await ask(hass, "season_results", "sql", team="ATL", season=previous) == []

    # 3. Last N finals of a team: newest first.
    rows = await ask(hass, "last_finals", "sql", team="ATL", n="3")
    assert [
        (r["home_team"], r["away_team"], r["home_score"], r["away_score"]) for r in rows
    ] == atl[::-1][:3]
    assert [r["time"] for r in rows] == [
        sql_at(kickoff(week) + timedelta(hours=3)) for week in (5, 4, 3)
    ]

    # 4. Standings trajectory of a team (a bye week adds no row).
    for team in ("ATL", "GB"):
        rows = await ask(hass, "standings_trajectory", "sql", team=team, season=SEASON)
        assert [(r["wins"], r["losses"], r["ties"], r["streak"]) for r in rows] == [
            (w, loss, 0, s) for w, loss, s in trajectory(team)
        ]
    assert rows[-1]["win_percentage"] == pytest.approx(0.75)

    # 5. Division and conference leaders at a date.
    def leaders(
        rows: list[dict[str, Any]], group: str
    ) -> dict[str, tuple[str, int, int]]:
        return {r[group]: (r["team"], r["wins"], r["losses"]) for r in rows}

    after_week_2 = at(kickoff(2) + timedelta(days=2))
    rows = await ask(
        hass, "leaders", "sql", season=SEASON, date=after_week_2, group="division"
    )
    assert leaders(rows, "division") == {
        "NFC North": ("DET", 2, 0),
        "NFC South": ("TB", 2, 0),
    }
    after_week_5 = at(kickoff(5) + timedelta(days=2))
    rows = await ask(
        hass, "leaders", "sql", season=SEASON, date=after_week_5, group="division"
    )
    assert leaders(rows, "division") == {
        "NFC North": ("GB", 3, 1),
        "NFC South": ("ATL", 4, 1),
    }
    rows = await ask(
        hass, "leaders", "sql", season=SEASON, date=after_week_5, group="conference"
    )
    assert leaders(rows, "conference") == {"NFC": ("ATL", 4, 1)}

    # 6. A player's injury history.
    rows = await ask(hass, "injury_history", "sql", injured_player_id=LONDON)
    assert [
        (r["team"], r["status"], r["injury_type"], r.get("weeks_out"), r["comment"])
        for r in rows
    ] == [
        ("ATL", status, "Hip", 2 if back else None, comment)
        for _week, _days, status, comment, back in LONDON_REPORTS
    ]
    assert [r["time"] for r in rows] == [
        sql_at(kickoff(week) - timedelta(days=days))
        for week, days, *_ in LONDON_REPORTS
    ]
    rows = await ask(hass, "injury_history", "sql", injured_player_id=KOO)
    assert [(r["status"], r["injury_type"]) for r in rows] == [
        ("Questionable", "Hip"),
        ("Out", "Hip"),
    ]

    # 7. A player's season totals: each game counted once.
    rows = await ask(hass, "season_totals", "sql", player_id=BIJAN, season=SEASON)
    assert rows == [
        {
            "player_name": "Bijan Robinson",
            "games": 5,
            "rushing_attempts": sum(a for a, _, _ in BIJAN_RUSHING),
            "rushing_yards": 425,
            "rushing_touchdowns": 4,
            "receptions": 20,
            "receiving_yards": 240,
        }
    ]

    # 8. Head-to-head: both games, whoever was at home.
    rows = await ask(hass, "head_to_head", "sql", team="ATL", team_b="NO")
    assert [
        (r["home_team"], r["away_team"], r["home_score"], r["away_score"]) for r in rows
    ] == [("ATL", "NO", 26, 24), ("NO", "ATL", 13, 27)]

    # 9. Points per quarter, in one query.
    assert BY_KEY["points_per_period"].influxql_answer is Answer.PARTIAL
    rows = await ask(hass, "points_per_period", "sql", game_id=w1.game_id)
    assert [(r["quarter"], r["home_points"], r["away_points"]) for r in rows] == [
        (quarter, home, away)
        for quarter, (home, away) in enumerate(
            zip(w1.home_q, w1.away_q, strict=True), 1
        )
    ]

    # 10. Current streaks.
    rows = await ask(hass, "streaks", "sql", season=SEASON)
    assert [r["team"] for r in rows] == sorted(SOUTH + tuple(NORTH))
    assert {r["team"]: (r["streak"], r["wins"], r["losses"]) for r in rows} == {
        "ATL": ("W3", 4, 1),
        "TB": ("L2", 3, 2),
        "NO": ("W1", 2, 3),
        "CAR": ("L1", 1, 4),
        "DET": ("L3", 2, 3),
        "GB": ("W3", 3, 1),
        "CHI": ("L1", 3, 2),
        "MIN": ("W2", 2, 3),
    }
    await hass.config_entries.async_unload(entry.entry_id)


# --- other sports: MLB and the NBA -------------------------------------------


class Final(NamedTuple):
    """A game of another sport: teams, final score, how far into the week."""

    away: str
    home: str
    away_score: int
    home_score: int
    day: int  # days after the stretch's first day
    hour: int = 17  # UTC start hour


# MIL's stretch (Brewers and Cubs sensors; the games between them are seen
# by both): at home SF 2-5 (W), CHC 4-3 (L); away at CHC 1-7 (L), at CIN 6-2
# (W), and a doubleheader's second game at CHC 3-2 (W).
MLB_GAMES = (
    Final("SF", "MIL", 2, 5, 0),
    Final("MIL", "CHC", 1, 7, 2),
    Final("CHC", "MIL", 4, 3, 4),
    Final("MIL", "CIN", 6, 2, 5),
    Final("MIL", "CHC", 3, 2, 5, hour=23),
)
MLB_SENSORS = {"MIL": "sensor.brewers", "CHC": "sensor.cubs"}
# BOS's stretch (Celtics and Knicks sensors): at home CHA 93-134 (W), NYK
# 120-115 (L); away at NYK 101-110 (L), at MIA 99-98 (W), at PHI 108-100 (W).
NBA_GAMES = (
    Final("CHA", "BOS", 93, 134, 0),
    Final("BOS", "NYK", 101, 110, 2),
    Final("NYK", "BOS", 120, 115, 4),
    Final("BOS", "MIA", 99, 98, 5),
    Final("BOS", "PHI", 108, 100, 7),
)
NBA_SENSORS = {"BOS": "sensor.celtics", "NYK": "sensor.knicks"}
# Upstream TeamTracker's MLB (CIN @ CHC) and NBA (CHA @ BOS) finals.
RESULTS = {"baseball": 3, "basketball": 12}
LEAGUE_OF = {"baseball": "MLB", "basketball": "NBA"}
# Periods of a game, and a clock halfway through it.
LIVE = {"baseball": (9, "Bot 4th"), "basketball": (4, "5:12 - 2nd")}


def stretch_start(league: str, sport: str) -> datetime:
    """The first day: a week before ``RECENT``, moved to the start of
    ``RECENT``'s season when that week crosses into a new one."""
    first = RECENT - timedelta(days=8)
    season = teamtracker_leagues.season_of(league, sport, RECENT)
    if teamtracker_leagues.season_of(league, sport, first) == season:
        return first
    month = teamtracker_leagues.SEASON_START_MONTH[league]
    return first.replace(year=season, month=month, day=1)


def sport_states(
    sport: str, games: tuple[Final, ...], sensors: dict[str, str]
) -> list[tuple[datetime, str, str, dict[str, Any]]]:
    """Each followed team's TeamTracker sensor: PRE, mid-game, final twice."""
    first = stretch_start(LEAGUE_OF[sport], sport)
    events = []
    for game in games:
        start = (first + timedelta(days=game.day)).replace(hour=game.hour)
        half = (game.home_score // 2, game.away_score // 2)
        final = (game.home_score, game.away_score)
        periods, live_clock = LIVE[sport]
        polls = (
            (start - timedelta(hours=1), "PRE", None, (0, 0), None),
            (start + timedelta(hours=1), "IN", periods // 2, half, live_clock),
            (start + timedelta(hours=3), "POST", periods, final, "Final"),
            (start + timedelta(hours=3, minutes=5), "POST", periods, final, "Final"),
        )
        for team, entity_id in sensors.items():
            if team not in (game.home, game.away):
                continue
            at_home = team == game.home
            for when, state, period, (home, away), clock in polls:
                attributes = teamtracker_attributes(
                    RESULTS[sport],
                    start=start,
                    team_abbr=team,
                    opponent_abbr=game.away if at_home else game.home,
                    team_homeaway="home" if at_home else "away",
                    opponent_homeaway="away" if at_home else "home",
                    team_score=str(home if at_home else away),
                    opponent_score=str(away if at_home else home),
                    quarter=period or 0,
                    clock=clock,
                    season="regular-season",
                    last_update=when.isoformat(),
                )
                events.append((when, entity_id, state, attributes))
    return sorted(events, key=lambda event: event[0])


def sport_season(sport: str) -> str:
    """The season the stretch is in (named by the year it starts in)."""
    league = LEAGUE_OF[sport]
    return str(
        teamtracker_leagues.season_of(league, sport, stretch_start(league, sport))
    )


async def play_other_sports(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    """The MLB and NBA stretches through HA's state machine, then written."""
    events = sport_states("baseball", MLB_GAMES, MLB_SENSORS) + sport_states(
        "basketball", NBA_GAMES, NBA_SENSORS
    )
    for when, entity_id, state, attributes in sorted(events, key=lambda e: e[0]):
        freezer.move_to(when)
        hass.states.async_set(entity_id, state, attributes)
        await hass.async_block_till_done()
    await entry.runtime_data.writer.async_flush()
    assert entry.runtime_data.writer.stats.points_failed == 0


def mlb_differential(team: str) -> tuple[int, int, int, int]:
    """(games, runs scored, runs allowed, run differential)."""
    scored = allowed = games = 0
    for game in MLB_GAMES:
        if team not in (game.home, game.away):
            continue
        games += 1
        own, other = (
            (game.home_score, game.away_score)
            if team == game.home
            else (game.away_score, game.home_score)
        )
        scored, allowed = scored + own, allowed + other
    return games, scored, allowed, scored - allowed


def nba_record(team: str) -> tuple[int, int, int, int]:
    """(home wins, home losses, away wins, away losses)."""
    record_ = [0, 0, 0, 0]
    for game in NBA_GAMES:
        if team == game.home:
            record_[0 if game.home_score > game.away_score else 1] += 1
        elif team == game.away:
            record_[2 if game.away_score > game.home_score else 3] += 1
    return (record_[0], record_[1], record_[2], record_[3])


@pytest.mark.parametrize("entry_options", [{}])
async def test_questions_other_sports_influxql(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack: Any,
    database: str,
) -> None:
    """Run differential (MLB) and home/away record (NBA) through the action."""
    await play_other_sports(hass, freezer, init_integration)
    mlb_season, nba_season = sport_season("baseball"), sport_season("basketball")

    # 11. MIL: five games (the doubleheader's second one too), +1.
    assert mlb_differential("MIL") == (5, 18, 17, 1)
    rows = await ask(
        hass, "run_differential", "influxql", mlb_team="MIL", season=mlb_season
    )
    assert [
        (r["games"], r["runs_scored"], r["runs_allowed"], r["run_differential"])
        for r in rows
    ] == [(5, 18, 17, 1)]
    rows = await ask(
        hass, "run_differential", "influxql", mlb_team="CHC", season=mlb_season
    )
    assert (
        [
            (r["games"], r["runs_scored"], r["runs_allowed"], r["run_differential"])
            for r in rows
        ]
        == [mlb_differential("CHC")]
        == [(3, 13, 7, 6)]
    )
    # The live points and the polls of the finals are not counted twice.
    finals = select_from(stack, database, "baseball_scores", where="status = 'POST'")
    assert len(finals) == len(MLB_GAMES)
    assert (
        await ask(
            hass,
            "run_differential",
            "influxql",
            mlb_team="MIL",
            season=str(int(mlb_season) - 1),
        )
        == []
    )

    # 12. BOS: 1-1 at home, 2-1 away.
    assert nba_record("BOS") == (1, 1, 2, 1)
    rows = await ask(
        hass, "home_away_record", "influxql", nba_team="BOS", season=nba_season
    )
    assert [
        (r["home_wins"], r["home_losses"], r["away_wins"], r["away_losses"])
        for r in rows
    ] == [(1, 1, 2, 1)]
    # NYK: one home win, one away win; no loss (null in InfluxQL).
    rows = await ask(
        hass, "home_away_record", "influxql", nba_team="NYK", season=nba_season
    )
    assert [
        (r["home_wins"], r["home_losses"], r["away_wins"], r["away_losses"])
        for r in rows
    ] == [(1, None, 1, None)]


async def test_questions_other_sports_sql(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, fake_v3: Any
) -> None:
    """The two SQL queries through the action, on InfluxDB 3's engine
    (DataFusion, in the fake) over the points the integration wrote."""
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    await play_other_sports(hass, freezer, entry)
    mlb_season, nba_season = sport_season("baseball"), sport_season("basketball")
    for team in ("MIL", "CHC", "CIN", "SF"):
        rows = await ask(
            hass, "run_differential", "sql", mlb_team=team, season=mlb_season
        )
        assert [
            (r["games"], r["runs_scored"], r["runs_allowed"], r["run_differential"])
            for r in rows
        ] == [mlb_differential(team)]
    for team in ("BOS", "NYK", "MIA"):
        rows = await ask(
            hass, "home_away_record", "sql", nba_team=team, season=nba_season
        )
        assert [
            (r["home_wins"], r["home_losses"], r["away_wins"], r["away_losses"])
            for r in rows
        ] == [nba_record(team)]
    assert nba_record("NYK") == (1, 0, 1, 0)
