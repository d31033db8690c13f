"""The schema written to InfluxDB: measurements, tags, fields, retention.

This module is data. Everything that writes a point looks its measurement up
here; nothing else knows tag names, field types, retention windows or the
names of the databases, retention policies and buckets they land in
(measurement -> ``RetentionClass`` -> ``Destination`` per server kind).

Conventions
- A tag whose value is unknown is omitted, never written empty (InfluxDB
  rejects empty tag values and an empty string would be a bogus series).
- A field keeps one type forever: InfluxDB rejects a line whose field type
  differs from the first one written. Declared fields are coerced to their
  type; dynamic player-stat fields take the type declared in
  ``PLAYER_STAT_TYPES`` and are floats otherwise, so a stat that is ``3`` in
  one game and ``3.5`` in the next does not flip type.
- Timestamps are nanoseconds since the epoch, UTC.

Cardinality (series = distinct tag sets per measurement and season)
- ``*_scores``: one series per game and status: NFL ~285 games x ~4 statuses
  (~1.1k), NHL ~1.4k games x ~4 (~5.6k). ``game_id`` is synthetic
  ("NHL-20251104-TOR@LA"), so the sources following one game share its
  series; their own ids are the ``source_game_id`` field.
- ``*_player_stats``: one series per player and game: NFL ~1.7k active
  players x 17-20 games (~35k), NHL ~900 x 82 (~75k).
- ``nfl_injuries``/``nhl_injuries``: player x status x injury type: ~3k a
  season each.
- ``*_standings``: one series per team and season: 32 (NFL), 32 (NHL).
- ``<sport>_scores`` of the other leagues (baseball, basketball, football,
  hockey, soccer, volleyball, cricket): one series per game and status, the
  league a tag with one value per game. Per league and season: MLB ~2.4k
  games x ~4 (~10k), NBA ~1.3k (~5k); college leagues are the large ones
  (NCAA men's basketball ~6k games, ~24k). Only games a sensor follows are
  written: a fan following three teams writes a few hundred series a season.
- ``<sport>_results`` (tennis, MMA, golf, racing): one series per event,
  followed athlete and status; a fan following two athletes writes some
  hundreds a season (an F1 weekend is 3-5 sessions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial


class RetentionClass(StrEnum):
    """How long a measurement is kept."""

    EVENTS = "events"
    STATS = "stats"
    STANDINGS = "standings"


RETENTION: Mapping[RetentionClass, timedelta] = {
    RetentionClass.EVENTS: timedelta(days=730),
    RetentionClass.STATS: timedelta(days=730),
    RetentionClass.STANDINGS: timedelta(days=1825),
}

# Where each retention class lands, per server kind.
#
# InfluxDB 1.x: one database, one retention policy per class, written as the
# bucket "<db>/<rp>" of the /api/v2/write compatibility route.
V1_RETENTION_POLICIES: Mapping[RetentionClass, str] = {
    RetentionClass.EVENTS: "sports_events_2y",
    RetentionClass.STATS: "sports_stats_2y",
    RetentionClass.STANDINGS: "sports_standings_5y",
}
# InfluxDB 3: retention is a property of the database (Core: fixed at
# creation), so a window needs its own database. Default names are the
# configured database plus this suffix; hyphens, as 3.x names take no
# underscores. The options flow can rename each.
V3_DATABASE_SUFFIX: Mapping[RetentionClass, str] = {
    RetentionClass.EVENTS: "",
    RetentionClass.STATS: "",
    RetentionClass.STANDINGS: "-standings",
}
# InfluxDB 2.x: buckets and their retention belong to the user; every class
# goes to the configured bucket unless the options map it elsewhere.


@dataclass(frozen=True, slots=True)
class Destination:
    """Where one retention class is written on one server."""

    database: str
    # 1.x only: the retention policy inside ``database``.
    retention_policy: str | None = None
    # The retention the integration gives it when it creates it; None when
    # the user manages it (2.x buckets).
    period: timedelta | None = None

    @property
    def bucket(self) -> str:
        """The write target: ``db/rp`` on 1.x, else the database (bucket)."""
        if self.retention_policy:
            return f"{self.database}/{self.retention_policy}"
        return self.database


def v1_destinations(database: str) -> dict[RetentionClass, Destination]:
    """1.x: the configured database, a retention policy per class."""
    return {
        cls: Destination(database, V1_RETENTION_POLICIES[cls], RETENTION[cls])
        for cls in RetentionClass
    }


def v2_destinations(
    bucket: str, names: Mapping[RetentionClass, str]
) -> dict[RetentionClass, Destination]:
    """2.x: the bucket the options map a class to, else the configured one."""
    return {cls: Destination(names.get(cls) or bucket) for cls in RetentionClass}


def v3_destinations(
    database: str, names: Mapping[RetentionClass, str]
) -> dict[RetentionClass, Destination]:
    """3.x: a database per retention window, its name from the options or derived.

    Classes sharing a database that would need different windows get the
    longest one, so nothing is hidden early.
    """
    chosen = {
        cls: names.get(cls) or f"{database}{V3_DATABASE_SUFFIX[cls]}"
        for cls in RetentionClass
    }
    period: dict[str, timedelta] = {}
    for cls, name in chosen.items():
        period[name] = max(period.get(name, RETENTION[cls]), RETENTION[cls])
    return {cls: Destination(name, period=period[name]) for cls, name in chosen.items()}


def duration_text(period: timedelta) -> str:
    """A retention period as 1.x InfluxQL and the 3.x API both take it."""
    return f"{period.days}d"


def is_expired(retention: RetentionClass, time: datetime | None, now: datetime) -> bool:
    """A point already older than its retention window.

    1.x refuses it ("points beyond retention policy"), 3.x hides it at
    query time: either way sending it is wasted.
    """
    return time is not None and time < now - RETENTION[retention]


class FieldType(StrEnum):
    """Line-protocol field types (the names InfluxQL's SHOW FIELD KEYS uses)."""

    INTEGER = "integer"
    FLOAT = "float"
    STRING = "string"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One measurement: its tags (in write order), fields and retention."""

    name: str
    retention: RetentionClass
    tags: tuple[str, ...]
    fields: Mapping[str, FieldType]
    # Fields not declared above are accepted (player stats): typed by
    # ``dynamic_types`` and float otherwise.
    dynamic_fields: bool = False
    dynamic_types: Mapping[str, FieldType] = field(default_factory=dict)


_GAME_TAGS = (
    "game_id",
    "season",
    "season_type",
    "home_team",
    "away_team",
    "status",
    "home_conference",
    "away_conference",
    "home_division",
    "away_division",
)

# Fields every score measurement has besides its league's own.
_GAME_FIELDS: Mapping[str, FieldType] = {
    # The source's own word for the status ("OVER", "LIVE", "POST").
    "source_status": FieldType.STRING,
    # The source's own game id: ESPN event id (TeamTracker), NHL game id.
    "source_game_id": FieldType.STRING,
    # POST only: "REG", "OT" or "SO".
    "final_type": FieldType.STRING,
}

# Scores. Ranges: scores 0-80 (NFL) / 0-15 (NHL); quarter 1-5 (5 = OT),
# period 1-5+ (4+ = OT/SO). ``status`` is one vocabulary for every source
# (``sources.status.GameStatus``: PRE, IN, POST, POSTPONED, CANCELED,
# SUSPENDED, DELAYED); a game has one POST point. ``season`` is the year
# the season starts in (2025 for 2025-26) in every measurement.
NFL_SCORES = Measurement(
    name="nfl_scores",
    retention=RetentionClass.EVENTS,
    tags=(*_GAME_TAGS[:3], "week", *_GAME_TAGS[3:]),
    fields={
        "home_score": FieldType.INTEGER,
        "away_score": FieldType.INTEGER,
        "quarter": FieldType.INTEGER,
        "time_remaining": FieldType.STRING,
        "possession": FieldType.STRING,
        "down_distance": FieldType.STRING,
        "field_position": FieldType.STRING,
        **_GAME_FIELDS,
    },
)

NHL_SCORES = Measurement(
    name="nhl_scores",
    retention=RetentionClass.EVENTS,
    tags=_GAME_TAGS,
    fields={
        "home_score": FieldType.INTEGER,
        "away_score": FieldType.INTEGER,
        "period": FieldType.INTEGER,
        "time_remaining": FieldType.STRING,
        "home_shots": FieldType.INTEGER,
        "away_shots": FieldType.INTEGER,
        "home_power_play": FieldType.INTEGER,
        "away_power_play": FieldType.INTEGER,
        # Shootout goals, after "3(2)"-style scores.
        "home_shootout": FieldType.INTEGER,
        "away_shootout": FieldType.INTEGER,
        **_GAME_FIELDS,
    },
)

_PLAYER_TAGS = (
    "player_id",
    "player_name",
    "team",
    "position",
    "game_id",
    "season",
    "week",
)

# Player stats whose values are whole numbers in every box score; anything
# else (averages, ratings, percentages, unknown stats) is a float.
PLAYER_STAT_TYPES: Mapping[str, FieldType] = dict.fromkeys(
    (
        # NFL (ESPN box score keys)
        "completions",
        "passing_attempts",
        "passing_yards",
        "passing_touchdowns",
        "interceptions",
        "sacks",
        "rushing_attempts",
        "rushing_yards",
        "rushing_touchdowns",
        "long_rushing",
        "receptions",
        "receiving_yards",
        "receiving_touchdowns",
        "long_reception",
        "receiving_targets",
        "fumbles",
        "fumbles_lost",
        "fumbles_recovered",
        "total_tackles",
        "solo_tackles",
        "tackles_for_loss",
        "qb_hits",
        "passes_defended",
        "defensive_touchdowns",
        "kick_returns",
        "kick_return_yards",
        "long_kick_return",
        "kick_return_touchdowns",
        "punt_returns",
        "punt_return_yards",
        "long_punt_return",
        "punt_return_touchdowns",
        "field_goals_made",
        "field_goal_attempts",
        "long_field_goal_made",
        "extra_points_made",
        "extra_point_attempts",
        "total_kicking_points",
        "punts",
        "punt_yards",
        "touchbacks",
        "punts_inside20",
        "long_punt",
        "interception_yards",
        "interception_touchdowns",
        # Renamed where ESPN's key means another group's stat (espn_summary).
        "defensive_interceptions",
        "sack_yards_lost",
        # NHL
        "goals",
        "assists",
        "points",
        "plus_minus",
        "penalty_minutes",
        "shots",
        "hits",
        "blocked_shots",
        "saves",
        "shots_against",
        "goals_against",
    ),
    FieldType.INTEGER,
)

NFL_PLAYER_STATS = Measurement(
    name="nfl_player_stats",
    retention=RetentionClass.STATS,
    tags=_PLAYER_TAGS,
    fields={},
    dynamic_fields=True,
    dynamic_types=PLAYER_STAT_TYPES,
)

NHL_PLAYER_STATS = replace(NFL_PLAYER_STATS, name="nhl_player_stats")

_INJURY_TAGS = (
    "player_id",
    "player_name",
    "team",
    "position",
    "status",
    "injury_type",
    "season",
)
_INJURY_FIELDS: Mapping[str, FieldType] = {
    "weeks_out": FieldType.INTEGER,
    "practice_participation": FieldType.STRING,
    "comment": FieldType.STRING,
}

# Injuries. weeks_out 0-20; practice_participation "Full"/"Limited"/"DNP".
NFL_INJURIES = Measurement(
    name="nfl_injuries",
    retention=RetentionClass.EVENTS,
    tags=_INJURY_TAGS,
    fields=_INJURY_FIELDS,
)

# The same for hockey: status "Out", "Day-To-Day", "Injured Reserve".
NHL_INJURIES = replace(NFL_INJURIES, name="nhl_injuries")

_STANDINGS_TAGS = ("team", "conference", "division", "season")

# Standings. win_percentage 0.0-1.0; streak like "W3"/"L1"; playoff_seed 1-16.
_STANDINGS_COMMON: Mapping[str, FieldType] = {
    "wins": FieldType.INTEGER,
    "losses": FieldType.INTEGER,
    "win_percentage": FieldType.FLOAT,
    "points_for": FieldType.INTEGER,
    "points_against": FieldType.INTEGER,
    "point_differential": FieldType.INTEGER,
    "games_played": FieldType.INTEGER,
    "games_behind": FieldType.FLOAT,
    "playoff_seed": FieldType.INTEGER,
    "streak": FieldType.STRING,
    "home_record": FieldType.STRING,
    "away_record": FieldType.STRING,
    "division_record": FieldType.STRING,
    "conference_record": FieldType.STRING,
    "clincher": FieldType.STRING,
}

NFL_STANDINGS = Measurement(
    name="nfl_standings",
    retention=RetentionClass.STANDINGS,
    tags=_STANDINGS_TAGS,
    fields={"ties": FieldType.INTEGER, **_STANDINGS_COMMON},
)

NHL_STANDINGS = Measurement(
    name="nhl_standings",
    retention=RetentionClass.STANDINGS,
    tags=_STANDINGS_TAGS,
    fields={
        "ot_losses": FieldType.INTEGER,
        "points": FieldType.INTEGER,
        "regulation_wins": FieldType.INTEGER,
        **_STANDINGS_COMMON,
    },
)

# Scores of every league but the NFL and the NHL: one measurement per sport,
# the league a tag. Tags and the fields they share are named as in
# nfl_scores/nhl_scores; ``status`` is a ``sources.status.GameStatus`` value
# and ``source_status`` the source's own word; ``game_id`` is
# "<LEAGUE>-<YYYYMMDD>-<AWAY>@<HOME>" (baseball adds "-T<HHMM>", the UTC
# start, for doubleheaders) and ``source_game_id`` the source's event id;
# ``final_type`` ("REG", "OT", "SO") is on finals only.
_LEAGUE_TAGS = (
    "game_id",
    "season",
    "season_type",
    "league",
    "home_team",
    "away_team",
    "status",
)
_LEAGUE_FIELDS: Mapping[str, FieldType] = {
    "home_score": FieldType.INTEGER,
    "away_score": FieldType.INTEGER,
    "period": FieldType.INTEGER,
    "time_remaining": FieldType.STRING,
    "source_status": FieldType.STRING,
    "source_game_id": FieldType.STRING,
    "final_type": FieldType.STRING,
}


def _per_sport(
    kind: str,
    tags: tuple[str, ...],
    common: Mapping[str, FieldType],
    sport: str,
    fields: Mapping[str, FieldType],
) -> Measurement:
    """``<sport>_<kind>``, kept as events: the ``common`` fields and its own."""
    return Measurement(
        name=f"{sport}_{kind}",
        retention=RetentionClass.EVENTS,
        tags=tags,
        fields={**common, **fields},
    )


_league_scores = partial(_per_sport, "scores", _LEAGUE_TAGS, _LEAGUE_FIELDS)


# Runs 0-30; period = inning 1-9 (10+ extra innings); inning_half top,
# bottom, middle, end; outs 0-3, balls 0-4, strikes 0-3; on_* 0/1.
BASEBALL_SCORES = _league_scores(
    "baseball",
    {
        "inning_half": FieldType.STRING,
        "outs": FieldType.INTEGER,
        "balls": FieldType.INTEGER,
        "strikes": FieldType.INTEGER,
        "on_first": FieldType.INTEGER,
        "on_second": FieldType.INTEGER,
        "on_third": FieldType.INTEGER,
    },
)
# Points 0-200; period = quarter 1-4 (NCAA men: half 1-2), more = overtime.
BASKETBALL_SCORES = _league_scores("basketball", {"possession": FieldType.STRING})
# Points 0-80; period = quarter 1-4, 5+ = overtime.
FOOTBALL_SCORES = _league_scores(
    "football",
    {
        "possession": FieldType.STRING,
        "down_distance": FieldType.STRING,
        "field_position": FieldType.STRING,
    },
)
# Goals 0-15; period 1-3, 4+ = overtime/shootout; shots on goal 0-60.
HOCKEY_SCORES = _league_scores(
    "hockey",
    {
        "home_shots": FieldType.INTEGER,
        "away_shots": FieldType.INTEGER,
        "home_shootout": FieldType.INTEGER,
        "away_shootout": FieldType.INTEGER,
    },
)
# Goals 0-10; period = half 1-2, 3-4 extra time, 5 penalties; shots 0-40.
SOCCER_SCORES = _league_scores(
    "soccer",
    {
        "home_shots": FieldType.INTEGER,
        "away_shots": FieldType.INTEGER,
        "home_shots_on_target": FieldType.INTEGER,
        "away_shots_on_target": FieldType.INTEGER,
        "home_shootout": FieldType.INTEGER,
        "away_shootout": FieldType.INTEGER,
    },
)
# Score = sets won 0-3 (also *_sets_won); set points 0-40 while a set runs;
# period = set 1-5.
VOLLEYBALL_SCORES = _league_scores(
    "volleyball",
    {
        "home_sets_won": FieldType.INTEGER,
        "away_sets_won": FieldType.INTEGER,
        "home_set_points": FieldType.INTEGER,
        "away_set_points": FieldType.INTEGER,
    },
)
# Score = runs over all innings 0-1000 (left out when the text does not
# parse); wickets 0-10 of the latest innings, when written ("145/7").
CRICKET_SCORES = _league_scores(
    "cricket",
    {
        "home_score_text": FieldType.STRING,
        "away_score_text": FieldType.STRING,
        "home_runs": FieldType.INTEGER,
        "away_runs": FieldType.INTEGER,
        "home_wickets": FieldType.INTEGER,
        "away_wickets": FieldType.INTEGER,
    },
)

# Results of athletes in sports without two teams: one measurement per
# sport. ``event_id`` is "<LEAGUE>-<YYYYMMDD>-T<HHMM>" (the UTC start of the
# match, fight, tournament or session); ``athlete`` the followed one as
# TeamTracker names them; ``opponent`` in tennis and MMA only.
_RESULT_TAGS = (
    "event_id",
    "season",
    "league",
    "event_name",
    "athlete",
    "opponent",
    "status",
)
_RESULT_FIELDS: Mapping[str, FieldType] = {
    "period": FieldType.INTEGER,
    "winner": FieldType.INTEGER,
    "source_status": FieldType.STRING,
    "source_event_id": FieldType.STRING,
}


_athlete_results = partial(_per_sport, "results", _RESULT_TAGS, _RESULT_FIELDS)


# Sets 0-3 (best of five); games 0-7 in the set being played; period = set;
# round "Round 1", "Final".
TENNIS_RESULTS = _athlete_results(
    "tennis",
    {
        "sets_won": FieldType.INTEGER,
        "opponent_sets_won": FieldType.INTEGER,
        "games": FieldType.INTEGER,
        "opponent_games": FieldType.INTEGER,
        "round": FieldType.STRING,
    },
)
# Rounds won on the judges' cards 0-5; period = round 1-5.
MMA_RESULTS = _athlete_results(
    "mma",
    {"rounds_won": FieldType.INTEGER, "opponent_rounds_won": FieldType.INTEGER},
)
# Position 1-150 (tied 0/1); score to par -30..+30; holes 0-18 and strokes
# 0-90 of the round being played; period = round 1-4.
GOLF_RESULTS = _athlete_results(
    "golf",
    {
        "position": FieldType.INTEGER,
        "tied": FieldType.INTEGER,
        "score": FieldType.INTEGER,
        "holes_played": FieldType.INTEGER,
        "round_strokes": FieldType.INTEGER,
    },
)
# Position 1-40; laps 0-500; session "FP1", "SQ", "Race".
RACING_RESULTS = _athlete_results(
    "racing",
    {
        "position": FieldType.INTEGER,
        "laps": FieldType.INTEGER,
        "session": FieldType.STRING,
    },
)

ATHLETE_RESULTS: tuple[Measurement, ...] = (
    TENNIS_RESULTS,
    MMA_RESULTS,
    GOLF_RESULTS,
    RACING_RESULTS,
)

LEAGUE_SCORES: tuple[Measurement, ...] = (
    BASEBALL_SCORES,
    BASKETBALL_SCORES,
    FOOTBALL_SCORES,
    HOCKEY_SCORES,
    SOCCER_SCORES,
    VOLLEYBALL_SCORES,
    CRICKET_SCORES,
)

MEASUREMENTS: Mapping[str, Measurement] = {
    m.name: m
    for m in (
        NFL_SCORES,
        NHL_SCORES,
        NFL_PLAYER_STATS,
        NHL_PLAYER_STATS,
        NFL_INJURIES,
        NHL_INJURIES,
        NFL_STANDINGS,
        NHL_STANDINGS,
        *LEAGUE_SCORES,
        *ATHLETE_RESULTS,
    )
}
