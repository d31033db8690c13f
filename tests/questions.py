"""The questions fans ask, as queries: the one source of the README section.

Each question has an InfluxQL query (InfluxDB 1.x, and 3.x on
``/api/v3/query_influxql``) and an SQL query (InfluxDB 3). Placeholders in
braces (``{team}``) are filled with ``str.format``: the README shows them
filled with ``EXAMPLE``, tests/test_questions.py runs them filled with the
data it writes. ``python -m tests.questions`` prints the README section;
a test checks that the README holds exactly that text.

Reading the schema (custom_components/sports_influx/schema.py):
- tags are strings: ``season = '2025'``, never ``season = 2025``;
- a tag that is absent was not known (TeamTracker has no week, an ESPN
  standings body without divisions has no division): InfluxQL compares it
  as ``''``, SQL as NULL;
- a final is the point with ``status = 'POST'``, one per game whatever
  the source (hass-nhlapi's OVER, FINAL and OFF are one POST point);
  ``final_type`` says "REG", "OT" or "SO";
- ``game_id`` is the same for every source following a game
  (``NFL-20230917-GB@ATL``: league, UTC start date, away@home); a source's
  own id is the ``source_game_id`` field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Answer(StrEnum):
    """How much of the question one query answers."""

    FULL = "full"
    # The rows hold the answer, the automation finishes it (a difference).
    PARTIAL = "partial"


@dataclass(frozen=True, slots=True)
class Question:
    """One question, its queries and what they cannot do."""

    key: str
    title: str
    # The action's ``retention``: where the measurement lives.
    retention: str
    influxql: str
    sql: str
    influxql_answer: Answer = Answer.FULL
    note: str = ""


# Values the README shows in place of the placeholders.
EXAMPLE: dict[str, str] = {
    "game_id": "NFL-20230917-GB@ATL",
    "team": "ATL",
    "team_b": "NO",
    "season": "2025",
    "n": "5",
    "date": "2025-11-01T00:00:00Z",
    "group": "division",
    "player_id": "4430807",
    "injured_player_id": "4426502",
    "period": "2",
    "mlb_team": "MIL",
    "nba_team": "BOS",
}

QUESTIONS: tuple[Question, ...] = (
    Question(
        key="timeline",
        title="Score timeline of one game",
        retention="events",
        influxql="""\
SELECT status, quarter, time_remaining, home_score, away_score
FROM nfl_scores
WHERE game_id = '{game_id}'""",
        sql="""\
SELECT time, status, quarter, time_remaining, home_score, away_score
FROM nfl_scores
WHERE game_id = '{game_id}'
ORDER BY time""",
        note=(
            "One row per point written: the 0-0 `PRE` point at kick-off, every "
            "score, period or possession change and at most one a minute "
            "while live, the final once. The status is a tag, so the `PRE`, "
            "`IN` and `POST` rows are separate series that InfluxQL merges by "
            "time when there is no `GROUP BY`."
        ),
    ),
    Question(
        key="season_results",
        title="A team's results this season",
        retention="events",
        influxql="""\
SELECT home_team, away_team, home_score, away_score
FROM nfl_scores
WHERE status = 'POST' AND season = '{season}'
  AND (home_team = '{team}' OR away_team = '{team}')""",
        sql="""\
SELECT time, home_team, away_team, home_score, away_score,
  CASE
    WHEN home_score = away_score THEN 'T'
    WHEN (home_team = '{team}') = (home_score > away_score) THEN 'W'
    ELSE 'L'
  END AS result
FROM nfl_scores
WHERE status = 'POST' AND season = '{season}'
  AND (home_team = '{team}' OR away_team = '{team}')
ORDER BY time""",
        note=(
            "A team is either `home_team` or `away_team`: both InfluxQL "
            "(1.x and 3.x) and SQL take `OR` across the two tag keys. "
            "InfluxQL has no `CASE`: win or loss is the template's "
            "comparison of the two scores; the SQL computes it."
        ),
    ),
    Question(
        key="last_finals",
        title="Last N finals of a team",
        retention="events",
        influxql="""\
SELECT home_team, away_team, home_score, away_score
FROM nfl_scores
WHERE status = 'POST' AND (home_team = '{team}' OR away_team = '{team}')
ORDER BY time DESC
LIMIT {n}""",
        sql="""\
SELECT time, home_team, away_team, home_score, away_score
FROM nfl_scores
WHERE status = 'POST' AND (home_team = '{team}' OR away_team = '{team}')
ORDER BY time DESC
LIMIT {n}""",
    ),
    Question(
        key="standings_trajectory",
        title="Standings trajectory of a team",
        retention="standings",
        influxql="""\
SELECT wins, losses, ties, win_percentage, streak
FROM nfl_standings
WHERE team = '{team}' AND season = '{season}'""",
        sql="""\
SELECT time, wins, losses, ties, win_percentage, streak
FROM nfl_standings
WHERE team = '{team}' AND season = '{season}'
ORDER BY time""",
        note=(
            "A row each time the team's record changed (a bye week adds "
            "none). On InfluxDB 3 standings live in the `DB-standings` "
            "database: call the action with `retention: standings` (on 1.x "
            "that selects the `sports_standings_5y` policy)."
        ),
    ),
    Question(
        key="leaders",
        title="Division or conference leaders at a date",
        retention="standings",
        influxql="""\
SELECT TOP(win_percentage, team, 1) AS win_percentage, wins, losses
FROM (
  SELECT LAST(win_percentage) AS win_percentage,
    LAST(wins) AS wins, LAST(losses) AS losses
  FROM nfl_standings
  WHERE season = '{season}' AND time <= '{date}'
  GROUP BY team, {group}
)
GROUP BY {group}""",
        sql="""\
SELECT {group}, team, wins, losses, win_percentage
FROM (
  SELECT {group}, team, wins, losses, win_percentage,
    ROW_NUMBER() OVER (
      PARTITION BY {group} ORDER BY win_percentage DESC, wins DESC
    ) AS place
  FROM (
    SELECT {group}, team, wins, losses, win_percentage,
      ROW_NUMBER() OVER (PARTITION BY team ORDER BY time DESC) AS newest
    FROM nfl_standings
    WHERE season = '{season}' AND time <= '{date}'
  ) AS latest
  WHERE newest = 1
) AS ranked
WHERE place = 1
ORDER BY {group}""",
        note=(
            "Each team's last row up to the date, then the best win "
            "percentage per group; `conference` in place of `division` for "
            "conference leaders. The InfluxQL answer has one series per "
            "division (the division is the row's tag) and a 1970 time. A tie "
            "is not broken by the league's tiebreakers (not in the data): "
            "TOP keeps one of the tied teams. Divisions are tagged only when "
            "the ESPN body nests them (`?level=3`); without them every team "
            "is in the one group `''`."
        ),
    ),
    Question(
        key="injury_history",
        title="A player's injury history",
        retention="events",
        influxql="""\
SELECT team, status, injury_type, weeks_out, comment
FROM nfl_injuries
WHERE player_id = '{injured_player_id}'""",
        sql="""\
SELECT time, team, status, injury_type, weeks_out, comment
FROM nfl_injuries
WHERE player_id = '{injured_player_id}'
ORDER BY time""",
        note=(
            "One row per report, at the report's date; polling the same "
            "report again rewrites the same point. Status and injury type are "
            "tags (absent when ESPN gives none)."
        ),
    ),
    Question(
        key="season_totals",
        title="A player's season totals",
        retention="stats",
        influxql="""\
SELECT COUNT(rushing_yards) AS games,
  SUM(rushing_attempts) AS rushing_attempts,
  SUM(rushing_yards) AS rushing_yards,
  SUM(rushing_touchdowns) AS rushing_touchdowns,
  SUM(receptions) AS receptions,
  SUM(receiving_yards) AS receiving_yards
FROM nfl_player_stats
WHERE player_id = '{player_id}' AND season = '{season}'""",
        sql="""\
SELECT player_name,
  COUNT(DISTINCT game_id) AS games,
  SUM(rushing_attempts) AS rushing_attempts,
  SUM(rushing_yards) AS rushing_yards,
  SUM(rushing_touchdowns) AS rushing_touchdowns,
  SUM(receptions) AS receptions,
  SUM(receiving_yards) AS receiving_yards
FROM nfl_player_stats
WHERE player_id = '{player_id}' AND season = '{season}'
GROUP BY player_name""",
        note=(
            "A game's line is one point at the game's start, rewritten by "
            "every poll of the summary, so the sum counts each game once. "
            "InfluxQL's `games` counts games with a rushing line; a stat "
            "never written is null in InfluxQL and an error (no such column) "
            "in SQL."
        ),
    ),
    Question(
        key="head_to_head",
        title="Head-to-head history of two teams",
        retention="events",
        influxql="""\
SELECT home_team, away_team, home_score, away_score
FROM nfl_scores
WHERE status = 'POST'
  AND home_team =~ /^({team}|{team_b})$/
  AND away_team =~ /^({team}|{team_b})$/""",
        sql="""\
SELECT time, home_team, away_team, home_score, away_score
FROM nfl_scores
WHERE status = 'POST'
  AND home_team IN ('{team}', '{team_b}')
  AND away_team IN ('{team}', '{team_b}')
ORDER BY time""",
        note=(
            "InfluxQL has no join and no `IN`: a regular expression on each "
            "side keeps the games with both teams at either end (a team "
            "never plays itself). "
            "`(home_team = 'ATL' AND away_team = 'NO') OR (home_team = 'NO' "
            "AND away_team = 'ATL')` works too."
        ),
    ),
    Question(
        key="points_per_period",
        title="Points per team per quarter (NFL) or period (NHL)",
        retention="events",
        influxql="""\
SELECT MAX(home_score) AS home_score, MAX(away_score) AS away_score
FROM nfl_scores
WHERE game_id = '{game_id}' AND quarter <= {period}""",
        sql="""\
SELECT quarter,
  home_score - COALESCE(LAG(home_score) OVER (ORDER BY quarter), 0)
    AS home_points,
  away_score - COALESCE(LAG(away_score) OVER (ORDER BY quarter), 0)
    AS away_points
FROM (
  SELECT quarter, MAX(home_score) AS home_score, MAX(away_score) AS away_score
  FROM nfl_scores
  WHERE game_id = '{game_id}' AND quarter IS NOT NULL
  GROUP BY quarter
) AS per_period
ORDER BY quarter""",
        influxql_answer=Answer.PARTIAL,
        note=(
            "InfluxQL only in part: `quarter` is a field and InfluxQL groups "
            "by tags and time only, so one query gives the score at the end "
            "of a period; run it for each period and subtract the previous "
            "one. SQL groups by the field and subtracts with `LAG`. NHL: "
            "`nhl_scores` and `period`."
        ),
    ),
    Question(
        key="streaks",
        title="Current streaks",
        retention="standings",
        influxql="""\
SELECT LAST(streak) AS streak, LAST(wins) AS wins, LAST(losses) AS losses
FROM nfl_standings
WHERE season = '{season}'
GROUP BY team""",
        sql="""\
SELECT team, streak, wins, losses, time
FROM (
  SELECT team, streak, wins, losses, time,
    ROW_NUMBER() OVER (PARTITION BY team ORDER BY time DESC) AS newest
  FROM nfl_standings
  WHERE season = '{season}' AND streak IS NOT NULL
) AS latest
WHERE newest = 1
ORDER BY team""",
        note=(
            "The streak is ESPN's (`W3`, `L2`) from the standings. InfluxQL's "
            "`LAST(streak)` is the last streak written, even when a later row "
            "(a write_standings call without it) has none."
        ),
    ),
    Question(
        key="run_differential",
        title="An MLB team's run differential this season",
        retention="events",
        influxql="""\
SELECT COUNT(run_differential) AS games,
  SUM(runs_scored) AS runs_scored,
  SUM(runs_allowed) AS runs_allowed,
  SUM(run_differential) AS run_differential
FROM (
  SELECT home_score AS runs_scored, away_score AS runs_allowed,
    home_score - away_score AS run_differential
  FROM baseball_scores
  WHERE status = 'POST' AND league = 'MLB' AND season = '{season}'
    AND home_team = '{mlb_team}'
), (
  SELECT away_score AS runs_scored, home_score AS runs_allowed,
    away_score - home_score AS run_differential
  FROM baseball_scores
  WHERE status = 'POST' AND league = 'MLB' AND season = '{season}'
    AND away_team = '{mlb_team}'
)""",
        sql="""\
SELECT COUNT(*) AS games,
  SUM(CASE WHEN home_team = '{mlb_team}' THEN home_score ELSE away_score END)
    AS runs_scored,
  SUM(CASE WHEN home_team = '{mlb_team}' THEN away_score ELSE home_score END)
    AS runs_allowed,
  SUM(CASE WHEN home_team = '{mlb_team}' THEN home_score - away_score
    ELSE away_score - home_score END) AS run_differential
FROM baseball_scores
WHERE status = 'POST' AND league = 'MLB' AND season = '{season}'
  AND (home_team = '{mlb_team}' OR away_team = '{mlb_team}')""",
        note=(
            "Every sport but the NFL and the NHL is one measurement per sport "
            "with the league a tag: `league = 'MLB'` keeps other baseball "
            "leagues out. A season is named by the year it starts in (MLB: "
            "the calendar year). InfluxQL has no `CASE`: one subquery turns "
            "the team's home games, one its away games, into runs for and "
            "against; the outer query adds them up. A doubleheader is two "
            "games (baseball game ids carry the start time)."
        ),
    ),
    Question(
        key="home_away_record",
        title="An NBA team's home and away record",
        retention="events",
        influxql="""\
SELECT COUNT(home_win) AS home_wins, COUNT(home_loss) AS home_losses,
  COUNT(away_win) AS away_wins, COUNT(away_loss) AS away_losses
FROM (
  SELECT home_score AS home_win FROM basketball_scores
  WHERE status = 'POST' AND league = 'NBA' AND season = '{season}'
    AND home_team = '{nba_team}' AND home_score > away_score
), (
  SELECT home_score AS home_loss FROM basketball_scores
  WHERE status = 'POST' AND league = 'NBA' AND season = '{season}'
    AND home_team = '{nba_team}' AND home_score < away_score
), (
  SELECT away_score AS away_win FROM basketball_scores
  WHERE status = 'POST' AND league = 'NBA' AND season = '{season}'
    AND away_team = '{nba_team}' AND away_score > home_score
), (
  SELECT away_score AS away_loss FROM basketball_scores
  WHERE status = 'POST' AND league = 'NBA' AND season = '{season}'
    AND away_team = '{nba_team}' AND away_score < home_score
)""",
        sql="""\
SELECT
  SUM(CASE WHEN home_team = '{nba_team}' AND home_score > away_score
    THEN 1 ELSE 0 END) AS home_wins,
  SUM(CASE WHEN home_team = '{nba_team}' AND home_score < away_score
    THEN 1 ELSE 0 END) AS home_losses,
  SUM(CASE WHEN away_team = '{nba_team}' AND away_score > home_score
    THEN 1 ELSE 0 END) AS away_wins,
  SUM(CASE WHEN away_team = '{nba_team}' AND away_score < home_score
    THEN 1 ELSE 0 END) AS away_losses
FROM basketball_scores
WHERE status = 'POST' AND league = 'NBA' AND season = '{season}'
  AND (home_team = '{nba_team}' OR away_team = '{nba_team}')""",
        note=(
            "NBA seasons are named by the year they start in: the 2025-26 "
            "season is `'2025'`; `season_type` (a tag: `regular-season`, "
            "`postseason`, `preseason`) keeps the preseason out when added "
            "to the `WHERE`. InfluxQL compares two fields in a `WHERE` "
            "(`home_score > away_score`) and counts each kind of game in a "
            "subquery of its own; a kind with no game is null (0 in SQL)."
        ),
    ),
)

BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}

START = "<!-- questions: generated by `python -m tests.questions`; edit tests/questions.py -->"
END = "<!-- /questions -->"

_INTRO = (
    "Every query below runs through the `sports_influx.query` action "
    "(InfluxQL on 1.x; SQL or InfluxQL on 3.x) with the `retention` "
    "given, and in Grafana or the server's CLI. The values to replace "
    "are the examples: `ATL`, season `'2025'`, game `NFL-20230917-GB@ATL`, "
    "players `4430807` (Bijan Robinson) and `4426502` (Drake London); "
    "`MIL` in MLB, `BOS` in the NBA."
)
_RESPONSE = (
    "The action returns `{rows: [...], count, truncated}`: each row a "
    "mapping of column to value (InfluxQL rows also carry the series' "
    "tags and `measurement`)."
)
_AUTOMATION = """\
```yaml
# An automation: the Falcons' last 3 results, read out after each game.
alias: Falcons last results
triggers:
  - trigger: state
    entity_id: sensor.falcons
    to: POST
actions:
  # The final was queued a moment ago: write it before asking.
  - action: sports_influx.flush
  - action: sports_influx.query
    data:
      language: influxql
      query: >-
{query}
    response_variable: result
  - action: notify.notify
    data:
      message: >-
        {% for g in result.rows %}{{ g.away_team }} {{ g.away_score }}
        @ {{ g.home_team }} {{ g.home_score }}{{ '; ' if not loop.last }}
        {% endfor %}
```"""


def automation_yaml() -> str:
    """The README's automation example (YAML, without the fence)."""
    section = render()
    start = section.index("```yaml\n") + len("```yaml\n")
    return section[start : section.index("```", start)]


def fill(query: str, values: dict[str, str]) -> str:
    """A query with its placeholders filled."""
    return query.format_map(values)


def render() -> str:
    """The README section between ``START`` and ``END`` (markers included)."""
    example = dict(EXAMPLE, n="3")
    query = fill(BY_KEY["last_finals"].influxql, example)
    parts = [
        START,
        "",
        _INTRO,
        "",
        "| # | question | retention | InfluxQL (1.x, 3.x) | SQL (3.x) |",
        "|---|---|---|---|---|",
    ]
    for number, question in enumerate(QUESTIONS, 1):
        influxql = "yes" if question.influxql_answer is Answer.FULL else "in part"
        parts.append(
            f"| {number} | {question.title} | `{question.retention}` "
            f"| {influxql} | yes |"
        )
    for number, question in enumerate(QUESTIONS, 1):
        parts += [
            "",
            f"#### {number}. {question.title}",
            "",
            f"`retention: {question.retention}`",
            "",
            "InfluxQL:",
            "",
            "```sql",
            fill(question.influxql, EXAMPLE),
            "```",
            "",
            "SQL (InfluxDB 3):",
            "",
            "```sql",
            fill(question.sql, EXAMPLE),
            "```",
        ]
        if question.note:
            parts += ["", question.note]
    parts += [
        "",
        "#### From an automation or a script",
        "",
        _RESPONSE,
        "",
        _AUTOMATION.replace(
            "{query}", "\n".join(f"        {line}" for line in query.splitlines())
        ),
        "",
        END,
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render())
