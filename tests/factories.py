"""Shared test builders: sensor states, records, replays through HA, entries.

One NHL game is followed by two sources here, as an installation following
a team with TeamTracker and hass-nhlapi sees it: TeamTracker's real
sensor of WSH @ CBJ (``tests/tt/results/test_tt_all_test15.json`` upstream,
a 2022 preseason game) and an hass-nhlapi sensor of the same game, with
hass-nhlapi's attribute names (pynhl's ``game_info``/``linescore_info``
plus the sensor's own ``next_game_*``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
import contextlib
from contextlib import ExitStack, contextmanager
import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import errno
import json
from pathlib import Path
import time
from types import ModuleType
from typing import Any
from unittest.mock import patch
import uuid
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from influx_stack import Stack, http_request
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx.const import (
    CONF_BATCH_SIZE,
    CONF_DATABASE,
    CONF_FLUSH_INTERVAL,
    DOMAIN,
)
from custom_components.sports_influx.outbox import Outbox, OutboxRecord
from custom_components.sports_influx.records import (
    League,
    NflScore,
    NhlScore,
    PlayerStats,
)
import demo
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_TOKEN, CONF_VERIFY_SSL
from homeassistant.core import Context, HomeAssistant, ServiceResponse, State

from .conftest import FIXTURES, RECENT
from .oracle import Rule

TEAMTRACKER_RESULTS = FIXTURES / "teamtracker_results"
RESULT_COUNT = 31


def teamtracker_result(number: int) -> dict[str, Any]:
    """Upstream TeamTracker's expected attributes of its test sensor ``number``."""
    path = TEAMTRACKER_RESULTS / f"test_tt_all_test{number:02d}.json"
    attributes: dict[str, Any] = json.loads(path.read_text())
    return copy.deepcopy(attributes)


def teamtracker_attributes(number: int, **overrides: Any) -> dict[str, Any]:
    """A TeamTracker sensor's attributes for the sport of result ``number``.

    ``start`` (a datetime) sets ``date`` as TeamTracker writes it
    ("2022-09-08T20:10Z"); other keywords replace attributes.
    """
    attributes = teamtracker_result(number)
    attributes.pop("state", None)
    if (start := overrides.pop("start", None)) is not None:
        attributes["date"] = f"{start:%Y-%m-%dT%H:%MZ}"
    attributes.update(overrides)
    return attributes


def teamtracker_state(
    number: int,
    state: str | None = None,
    entity_id: str = "sensor.tt",
    **overrides: Any,
) -> State:
    """A TeamTracker ``State`` from result ``number`` (its own state by default)."""
    own = teamtracker_result(number).get("state", "IN")
    return State(entity_id, state or own, teamtracker_attributes(number, **overrides))


async def replay_states(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    polls: Sequence[tuple[str, dict[str, Any]]],
    start: datetime,
    step: timedelta = timedelta(seconds=5),
) -> list[datetime]:
    """Set each (state, attributes) ``step`` apart from ``start``; the times."""
    times = []
    for n, (state, attributes) in enumerate(polls):
        now = start + step * n
        freezer.move_to(now)
        times.append(now)
        hass.states.async_set(entity_id, state, attributes)
        await hass.async_block_till_done()
    return times


# Replays of a game through HA's state machine start here.
REPLAY_START = RECENT.replace(hour=20)


async def replay(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    polls: list[tuple[str, dict[str, Any]]],
) -> list[datetime]:
    """Set each (state, attributes) 5 s apart from REPLAY_START; return the poll times."""
    return await replay_states(hass, freezer, entity_id, polls, REPLAY_START)


def nfl_polls() -> list[tuple[str, dict[str, Any]]]:
    """A 5-minute stretch of NO @ ATL, then the final.

    The clock and last_update change on every poll; the score only at
    50 s (ATL 27) and 150 s (NO 31).
    """
    base = fixture_sensor("teamtracker_nfl.json", "sensor.test_tt_nfl_test01")
    polls = []
    for n in range(60):
        attributes = dict(base["attributes"])
        attributes["clock"] = f"{14 - n // 12}:{59 - (n * 5) % 60:02d} - 4th"
        attributes["last_update"] = (
            REPLAY_START + timedelta(seconds=5 * n)
        ).isoformat()
        attributes["opponent_score"] = "27" if n >= 10 else "26"
        attributes["team_score"] = "31" if n >= 30 else "24"
        polls.append(("IN", attributes))
    final = dict(polls[-1][1], clock="Final")
    polls += [("POST", final), ("POST", dict(final, last_update="later"))]
    return polls


# The scripted MLB game starts here by default.
MLB_START = RECENT.replace(hour=18)

_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd"}


def inning_name(number: int) -> str:
    """An inning as TeamTracker's baseball clock names it: "3rd"."""
    return _ORDINALS.get(number, f"{number}th")


@dataclass
class _Baseball:
    """A scripted MLB game, SF @ MIL, as TeamTracker polls it every 5 s.

    Each batter sees 4 pitches, 6 polls apart (a 2-minute plate
    appearance); only the last_update changes between pitches. ``changes``
    marks the polls whose situation (score, inning, half, outs, runners,
    status) differs from the poll before: those are the points expected.
    """

    start: datetime
    polls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    changes: list[int] = field(default_factory=list)
    inning_ends: list[tuple[int, int, int]] = field(default_factory=list)
    runs: dict[str, int] = field(default_factory=lambda: {"MIL": 0, "SF": 0})
    situation: tuple[Any, ...] = ()

    def poll(self, state: str, **changes: Any) -> None:
        attributes = teamtracker_attributes(2, start=self.start, **changes)
        attributes["team_score"] = str(self.runs["MIL"])
        attributes["opponent_score"] = str(self.runs["SF"])
        attributes["last_update"] = f"poll {len(self.polls)}"
        situation = (
            state,
            attributes["team_score"],
            attributes["opponent_score"],
            attributes.get("quarter"),
            str(attributes.get("clock")).split(" ")[0],
            attributes.get("outs"),
            attributes.get("on_first"),
            attributes.get("on_second"),
            attributes.get("on_third"),
        )
        if situation != self.situation:
            self.changes.append(len(self.polls))
        self.situation = situation
        self.polls.append((state, attributes))

    def half(self, inning: int, half: str, batting: str, results: str) -> None:
        """One half-inning: "o" out, "s" single, "h" home run (bases clear)."""
        outs, bases = 0, [False, False, False]
        clock = f"{half} {inning_name(inning)}"
        for result in results:
            for pitch in range(24):
                balls, strikes = pitch // 12, (pitch // 6) % 2
                self.poll(
                    "IN",
                    quarter=inning,
                    clock=clock,
                    outs=outs,
                    balls=balls,
                    strikes=strikes,
                    on_first=bases[0],
                    on_second=bases[1],
                    on_third=bases[2],
                )
            if result == "o":
                outs += 1
            elif result == "s":
                self.runs[batting] += bases[2]
                bases = [True, bases[0], bases[1]]
            else:
                self.runs[batting] += 1 + sum(bases)
                bases = [False, False, False]
        word = "Mid" if half == "Top" else "End"
        for _ in range(24):  # the break between halves
            self.poll(
                "IN", quarter=inning, clock=f"{word} {inning_name(inning)}", outs=3
            )
        if word == "End":
            self.inning_ends.append((inning, self.runs["MIL"], self.runs["SF"]))


def mlb_game(start: datetime = MLB_START) -> _Baseball:
    """PRE, nine innings (SF score 2 in the 3rd, MIL 3 in the 5th), final;
    the game starts at ``start``."""
    game = _Baseball(start)
    for _ in range(6):
        game.poll("PRE", quarter=1, clock="9/8 - 3:10 PM CDT", outs=None)
    scripts = {3: ("shooo", "ooo"), 5: ("ooo", "sshooo"), 7: ("ssooo", "ooo")}
    for inning in range(1, 10):
        top, bottom = scripts.get(inning, ("ooo", "sooo"))
        game.half(inning, "Top", "SF", top)
        game.half(inning, "Bot", "MIL", bottom)
    for _ in range(3):  # the final, polled again
        game.poll("POST", quarter=9, clock="Final", outs=None)
    return game


def fixture_sensors(name: str) -> list[dict[str, Any]]:
    """The sensors of a fixture file: ``{entity_id, state, attributes}``."""
    sensors: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text())
    return sensors


def fixture_sensor(name: str, entity_id: str) -> dict[str, Any]:
    """One sensor of a fixture file (a copy: change it at will)."""
    found = next(s for s in fixture_sensors(name) if s["entity_id"] == entity_id)
    return copy.deepcopy(found)


def espn_time(when: datetime) -> str:
    """A time as ESPN and TeamTracker write it: "2022-10-01T23:00Z"."""
    return when.strftime("%Y-%m-%dT%H:%MZ")


def teamtracker_cbj_wsh(
    state: str,
    start: datetime,
    *,
    cbj: str = "2",
    wsh: str = "1",
    clock: str = "Final",
    period: int = 3,
    **changes: Any,
) -> dict[str, Any]:
    """TeamTracker following CBJ (home) against WSH, current form."""
    return teamtracker_result(15) | {
        "state": state,
        "date": espn_time(start),
        "team_score": cbj,
        "opponent_score": wsh,
        "clock": clock,
        "quarter": period,
        **changes,
    }


def nhlapi_cbj_wsh(
    start: datetime,
    *,
    cbj: int = 2,
    wsh: int = 1,
    period: int = 3,
    period_type: str = "REG",
    game_id: int | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """hass-nhlapi following CBJ (home) against WSH: the same game.

    ``game_id`` defaults to an NHL id of the game's season and type
    (preseason, 01): its number is made up, the sources never agree on it.
    """
    season = start.year if start.month >= 7 else start.year - 1
    return {
        "time_remaining": "00:00",
        "is_intermission": False,
        "current_period": period,
        "current_period_type": period_type,
        "away_sog": 27,
        "home_sog": 31,
        "game_id": game_id if game_id is not None else int(f"{season}010043"),
        "game_state": "OFF",
        "away_id": 15,
        "home_id": 29,
        "away_name": "Capitals",
        "home_name": "Blue Jackets",
        "away_logo": "https://assets.nhle.com/logos/nhl/svg/WSH_light.svg",
        "home_logo": "https://assets.nhle.com/logos/nhl/svg/CBJ_light.svg",
        "away_logo_dark": "https://assets.nhle.com/logos/nhl/svg/WSH_dark.svg",
        "home_logo_dark": "https://assets.nhle.com/logos/nhl/svg/CBJ_dark.svg",
        "away_score": wsh,
        "home_score": cbj,
        "next_game_time": "7:00 PM",
        "next_game_datetime": start,
        "next_game_date": start.strftime("%B %-d, %Y"),
        "goal_tracked_team": False,
        "friendly_name": "Blue Jackets",
        "icon": "mdi:hockey-sticks",
        **changes,
    }


# ha-nfl (``NFLScoresSensor.extra_state_attributes``), KC hosting DET on
# 2023-09-07 (US time), late in the 4th.
HA_NFL = {
    "attribution": "Data provided by ESPN",
    "date": "2023-09-08T00:20Z",
    "kickoff_in": "2 hours ago",
    "quarter": 4,
    "clock": "0:48",
    "venue": "GEHA Field at Arrowhead Stadium",
    "location": "Kansas City, MO",
    "tv_network": "NBC",
    "odds": None,
    "overunder": None,
    "possession": "12",
    "last_play": "(0:52) P.Mahomes pass short right to T.Kelce for 6 yards",
    "down_distance_text": "2nd & 4 at DET 35",
    "team_abbr": "DET",
    "team_id": "8",
    "team_name": "Lions",
    "team_record": "0-0",
    "team_homeaway": "away",
    "team_logo": "https://a.espncdn.com/i/teamlogos/nfl/500/scoreboard/det.png",
    "team_colors": ["#0076b6", "#bbbbbb"],
    "team_colors_rbg": [[0, 118, 182], [187, 187, 187]],
    "team_score": "21",
    "team_win_probability": 0.81,
    "team_timeouts": 2,
    "opponent_abbr": "KC",
    "opponent_id": "12",
    "opponent_name": "Chiefs",
    "opponent_record": "0-0",
    "opponent_homeaway": "home",
    "opponent_logo": "https://a.espncdn.com/i/teamlogos/nfl/500/scoreboard/kc.png",
    "opponent_colors": ["#e31837", "#ffb612"],
    "opponent_colors_rgb": [[227, 24, 55], [255, 182, 18]],
    "opponent_score": "20",
    "opponent_win_probability": 0.19,
    "opponent_timeouts": 1,
    "last_update": "2023-09-07T23:05:12-04:00",
    "friendly_name": "NFL",
    "icon": "mdi:football",
}

LA_TIME = ZoneInfo("America/Los_Angeles")

# hass-nhlapi (pynhl's game, linescore, scoring and broadcast info and its
# own ``next_game_*``), Toronto at Los Angeles, 2nd period.
NHLAPI = {
    "national_broadcasts": [],
    "away_broadcasts": ["SN"],
    "home_broadcasts": ["BSW"],
    "time_remaining": "08:47",
    "is_intermission": False,
    "current_period": 2,
    "current_period_type": "REG",
    "away_sog": 18,
    "home_sog": 21,
    "game_id": 2023020204,
    "live_feed": "https://www.nhl.com/gamecenter/tor-vs-lak/2023/11/02/2023020204",
    "game_state": "LIVE",
    "away_id": 10,
    "home_id": 26,
    "away_name": "Maple Leafs",
    "home_name": "Kings",
    "away_record": "6-3-1",
    "home_record": "6-2-2",
    "away_logo": "https://assets.nhle.com/logos/nhl/svg/TOR_light.svg",
    "home_logo": "https://assets.nhle.com/logos/nhl/svg/LAK_light.svg",
    "away_logo_dark": "https://assets.nhle.com/logos/nhl/svg/TOR_dark.svg",
    "home_logo_dark": "https://assets.nhle.com/logos/nhl/svg/LAK_dark.svg",
    "goal_type": "PPG",
    "goal_team_id": 26,
    "goal_event_id": 412,
    "goal_team_name": "Los Angeles Kings",
    "goal_team_abbrev": "LAK",
    "away_score": 1,
    "home_score": 2,
    "scoring_player_name": "Adrian Kempe",
    "scoring_player_total": 4,
    "scoring_player_number": 9,
    "assist1_player_name": "Anze Kopitar",
    "assist1_player_total": 6,
    "assist1_player_number": 11,
    "assist2_player_name": None,
    "assist2_player_total": None,
    "assist2_player_number": None,
    "next_game_time": "7:30 PM",
    "next_game_datetime": datetime(2023, 11, 2, 19, 30, tzinfo=LA_TIME),
    "next_game_date": "November 2, 2023",
    "goal_tracked_team": False,
    "friendly_name": "Kings",
    "icon": "mdi:hockey-sticks",
}


def state(entity_id: str, value: str, attributes: dict[str, Any]) -> State:
    """A HA state (the helper keeps call sites short)."""
    return State(entity_id, value, attributes)


@contextlib.contextmanager
def secret_database(stack: Stack, code: str = "4711") -> Iterator[str]:
    """Another database on the same server, holding one secret point.

    What a household member's token may reach but the entry must not read:
    ``door_codes,door=front code="<code>"`` in its default retention policy.
    """
    name = f"private_{uuid.uuid4().hex[:8]}"
    stack.create_database(name)
    try:
        resp = http_request(
            f"{stack.influx_url}/write?db={name}",
            "POST",
            f'door_codes,door=front code="{code}"'.encode(),
        )
        assert resp.status == 204, resp.text
        yield name
    finally:
        stack.drop_database(name)


def requests_in(log: Path, at_least: int = 0, database: str = "") -> list[str]:
    """Status codes of the write requests (to ``database``) in an nginx
    access log.

    nginx logs a request just after answering it: ``at_least`` waits (a
    few seconds at most) for that many to be logged.
    """
    deadline = time.monotonic() + 5
    while True:
        text = log.read_text() if log.exists() else ""
        statuses = [
            line.split('" ', 1)[1].split()[0]
            for line in text.splitlines()
            if "/api/v2/write" in line and f"bucket={database}" in line
        ]
        if len(statuses) >= at_least or time.monotonic() > deadline:
            return statuses
        time.sleep(0.01)


def entry_data(host: str, token: str, database: str) -> dict[str, Any]:
    """A config entry's data for a server: the setup form as filled in."""
    return {
        CONF_HOST: host,
        CONF_TOKEN: token,
        CONF_DATABASE: database,
        CONF_VERIFY_SSL: True,
    }


def entry_for(host: str, token: str, database: str, **options: Any) -> MockConfigEntry:
    """A config entry for a server."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=database,
        unique_id=f"{host}/{database}",
        data=entry_data(host, token, database),
        options={CONF_BATCH_SIZE: 100, CONF_FLUSH_INTERVAL: 10, **options},
    )


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add and set up an entry; it must load."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def call_action(
    hass: HomeAssistant,
    service: str,
    data: dict[str, Any],
    *,
    user_id: str | None = None,
    response: bool = False,
) -> ServiceResponse:
    """Call a sports_influx action as a user (or as the system, without one)."""
    return await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        context=Context(user_id=user_id),
        return_response=response,
    )


def one_player_stats(name: str, **stats: Any) -> dict[str, Any]:
    """The write_player_stats data of one NFL player of GB (id 4)."""
    return {
        "league": "NFL",
        "players": [
            {"player_id": "4", "player_name": name, "team": "GB", "stats": stats}
        ],
    }


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


def nhl_score(**overrides: Any) -> NhlScore:
    """One live NHL score at kick-off: NYR 1, BOS 0."""
    values: dict[str, Any] = {
        "game_id": "g",
        "season": 2024,
        "home_team": "NYR",
        "away_team": "BOS",
        "status": "IN",
        "home_score": 1,
        "away_score": 0,
        "time": KICKOFF,
    }
    values.update(overrides)
    return NhlScore(**values)


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


# The start of the outages the outbox tests cut the server for.
OUTAGE_START = RECENT.replace(hour=18)


async def score_by_action(
    hass: HomeAssistant,
    home: int,
    minute: int,
    *,
    away: int = 0,
    start: datetime = OUTAGE_START,
) -> None:
    """ATL ``home``, NO ``away`` in game g1, by the write_score action,
    ``minute`` minutes after ``start``."""
    await hass.services.async_call(
        DOMAIN,
        "write_score",
        {
            "league": "NFL",
            "home_team": "ATL",
            "away_team": "NO",
            "home_score": home,
            "away_score": away,
            "game_id": "g1",
            "time": start + timedelta(minutes=minute),
        },
        blocking=True,
    )


def outbox_lines(start: int, count: int) -> list[str]:
    """``count`` numbered nfl_scores lines, as the outbox stores them."""
    return [
        f'nfl_scores,game_id=g{i} home_score={i}i,note="a b" {i}'
        for i in range(start, start + count)
    ]


def drain(outbox: Outbox) -> list[OutboxRecord]:
    """Every batch the outbox holds, oldest first, each acknowledged."""
    out = []
    while (record := outbox.peek()) is not None:
        out.append(record)
        outbox.ack()
    return out


def flip_byte(path: Path, offset: int, mask: int = 0x01) -> None:
    """Damage one byte of a file in place (bit rot, a torn copy)."""
    with path.open("r+b") as file:
        file.seek(offset)
        byte = file.read(1)[0]
        file.seek(offset)
        file.write(bytes([byte ^ mask]))


@contextmanager
def fail_writes(
    os_module: ModuleType,
    cut: float,
    *,
    where: str = "write",
    undo_fails: bool = False,
    only: str | None = None,
) -> Iterator[None]:
    """Writes through ``os_module`` fail like a full (or failing) disk.

    ``where="write"``: ``os.write`` writes the first ``cut`` share of its
    bytes, then raises ENOSPC; ``where="fsync"``: ``os.fsync`` raises EIO.
    ``undo_fails``: ``os.ftruncate`` raises EIO too. ``only``: fail only for
    paths that contain this text (other writes go on), and then files opened
    for writing with ``Path.open`` fail the same way.
    """
    real_write = os_module.write

    def hits(fd: int) -> bool:
        return only is None or only in os_module.readlink(f"/proc/self/fd/{fd}")

    def write(fd: int, data: Any) -> int:
        if not hits(fd):
            return int(real_write(fd, data))
        real_write(fd, bytes(data[: int(len(data) * cut)]))
        raise OSError(errno.ENOSPC, "No space left on device")

    def eio(real: Any) -> Any:
        def fail(fd: int, *args: Any) -> Any:
            if not hits(fd):
                return real(fd, *args)
            raise OSError(errno.EIO, "Input/output error")

        return fail

    with ExitStack() as stack:
        if where == "write":
            stack.enter_context(patch.object(os_module, "write", write))
        else:
            stack.enter_context(patch.object(os_module, "fsync", eio(os_module.fsync)))
        if undo_fails:
            stack.enter_context(
                patch.object(os_module, "ftruncate", eio(os_module.ftruncate))
            )
        if only is not None:
            stack.enter_context(_failing_file_writes(only, cut, where))
        yield


class _FailingFile:
    """A file whose writes stop part-way with ENOSPC (or whose flush fails)."""

    def __init__(self, file: Any, cut: float, where: str) -> None:
        self._file = file
        self._cut = cut
        self._where = where

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def write(self, data: Any) -> int:
        if self._where != "write":
            return int(self._file.write(data))
        self._file.write(data[: int(len(data) * self._cut)])
        self._file.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        self._file.flush()
        if self._where != "write":
            raise OSError(errno.EIO, "Input/output error")


def _failing_file_writes(only: str, cut: float, where: str) -> Any:
    real_open = Path.open

    def open_(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        file = real_open(self, mode, *args, **kwargs)
        if only in str(self) and any(m in mode for m in "wa+"):
            return _FailingFile(file, cut, where)
        return file

    return patch.object(Path, "open", open_)


# A stand-in for HA's frontend integration. HA treats ``frontend`` as
# critical (recovery mode, without custom integrations, when it fails) and
# the test venvs lack its package (home-assistant-frontend); a custom
# integration of the same name takes its place.
_FRONTEND_MANIFEST = {
    "domain": "frontend",
    "name": "Frontend stand-in",
    "codeowners": [],
    "dependencies": [],
    "documentation": "https://www.home-assistant.io/integrations/frontend",
    "requirements": [],
    "version": "0.0.0",
}
_FRONTEND_INIT = '''"""No web UI: set up so that HA starts without recovery mode."""


async def async_setup(hass, config):
    return True
'''


def core_only_config(config: Path, server: demo.Server, port: int) -> None:
    """A config directory a real ``hass`` boots from a test venv.

    The demo's headless config (the integration, no demo sensors) with HA's
    REST API and onboarding, and a stand-in for the frontend.
    """
    demo.write_config(
        config, server, port=port, headless=True, core_only=True, replay_games=False
    )
    stand_in = config / "custom_components" / "frontend"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "manifest.json").write_text(json.dumps(_FRONTEND_MANIFEST))
    (stand_in / "__init__.py").write_text(_FRONTEND_INIT)


def entry_id(config: Path) -> str:
    """The id of the Sports Influx entry in a config directory."""
    store = json.loads((config / ".storage" / "core.config_entries").read_text())
    (entry,) = [e for e in store["data"]["entries"] if e["domain"] == demo.DOMAIN]
    return str(entry["entry_id"])


_NFL_IN = fixture_sensor("teamtracker_nfl.json", "sensor.test_tt_nfl_test01")


def teamtracker_nfl_in(
    event_id: str, date: str, team_score: int, opponent_score: int
) -> dict[str, Any]:
    """A live NFL TeamTracker state (NO away at ATL) as ``{state, attributes}``."""
    attributes = copy.deepcopy(_NFL_IN["attributes"])
    attributes.update(
        event_id=event_id,
        date=date,
        team_score=str(team_score),
        opponent_score=str(opponent_score),
    )
    return {"state": "IN", "attributes": attributes}


# The nfl_scores fields of that sensor: ATL 26, NO 24 and NO's ball, 0:48 to go.
NFL_IN_FIELDS: dict[str, Any] = {
    "home_score": 26,
    "away_score": 24,
    "quarter": 4,
    "time_remaining": "0:48",
    "possession": "NO",
    "down_distance": "1st & 10 at NO 10",
    "field_position": "NO 10",
}


class FakeTransport:
    """Stands in for ``InfluxClient`` where only the transport's answers
    matter: ``write`` raises the queued errors in turn, then takes lines."""

    host = "http://influx.test:8086"

    def __init__(self) -> None:
        """Answering, nothing written yet."""
        self.errors: list[Exception] = []
        self.written: list[str] = []
        self.calls = 0
        self.closed = False

    def fail(self, status: int | None, count: int = 1) -> None:
        """The next ``count`` writes fail with ``status`` (None: no answer)."""
        from custom_components.sports_influx.influx.errors import WriteError

        retryable = status is None or status >= 500
        self.errors.extend(
            WriteError(f"HTTP {status}", status=status, retryable=retryable)
            for _ in range(count)
        )

    def write(self, lines: Sequence[str], retention: object) -> None:
        """One request: the next queued error, or the lines are kept."""
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        self.written.extend(lines)

    def abort_writes(self) -> None:
        """Nothing runs for long here."""

    def release_writes(self) -> None:
        """Nothing is held between writes here."""

    def close(self) -> None:
        """The writer closed its client."""
        self.closed = True


# The serialiser's reason for each rule of the oracle. An int past a
# double's range and a record type without a table are refused by the
# serialiser without a reason of their own ("invalid").
REASON_OF: dict[Rule, str] = {
    Rule.NO_MEASUREMENT: "invalid",
    Rule.UTF8: "not_utf8",
    Rule.TAG_LENGTH: "tag_too_long",
    Rule.FIELD_KEY: "reserved_field",
    Rule.NOT_IN_SCHEMA: "unknown_field",
    Rule.TYPE: "wrong_type",
    Rule.NOT_FINITE: "wrong_type",
    Rule.INTEGER_RANGE: "int64_range",
    Rule.FLOAT_RANGE: "invalid",
    Rule.NO_FIELDS: "no_fields",
    Rule.TIME_RANGE: "time_range",
}


def scores(prefix: str, count: int) -> list[str]:
    """``count`` NFL score lines with game ids ``prefix0``, ``prefix1``..."""
    stamp = int(KICKOFF.timestamp()) * 10**9
    return [
        f"nfl_scores,game_id={prefix}{n} home_score={n}i {stamp}" for n in range(count)
    ]


def grpc_threads() -> list[str]:
    """Threads of this process that gRPC starts (Linux names them)."""
    names = (p.read_text().strip() for p in Path("/proc/self/task").glob("*/comm"))
    return [n for n in names if n.startswith(("grpc", "event_engine", "lifeguard"))]


async def no_grpc_threads_soon(hass: HomeAssistant) -> bool:
    """gRPC stops its threads shortly after its last client closes."""
    deadline = time.monotonic() + 5
    while grpc_threads() and time.monotonic() < deadline:
        await hass.async_add_executor_job(time.sleep, 0.01)
    return not grpc_threads()
