"""Benchmark 2: throughput into the real stack, points/s.

The same 200k points (a backfilled history: per game 60 score points and 40
player stat lines of 8 stats) are written three ways, each into a fresh
database, interleaved and repeated:

- ours: ``SportsInfluxWriter.async_backfill`` (records in, bulk
  serialisation in HA's executor, requests of up to 5000 points and
  ``MAX_REQUEST_BYTES`` through influxdb3-python) in an in-process Home
  Assistant;
- stock: influxdb3-python's batching client (``WriteOptions(batch_size=
  5000)``) given ``tests.oracle.record_point`` Points (what a user of the stock
  client builds), until ``close()`` has flushed;
- raw: the same line protocol, serialised beforehand (not timed), POSTed in
  5000-line requests over one keep-alive connection: the server's limit.

All three use the route our writer uses on this server (``/api/v2/write``
through nginx). Every run checks the database holds all the points. The
serialisers alone (Point vs ``lineprotocol``) are timed too.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
import http.client
import random
import time
from typing import Any
from urllib.parse import urlsplit

from common import (
    count_points,
    database,
    emit,
    home_assistant,
    influx,
    log,
    median,
    run_ha_loop,
)

from custom_components.sports_influx.const import BACKFILL_BATCH_SIZE
from custom_components.sports_influx.influx import InfluxClient
from custom_components.sports_influx.lineprotocol import record_line
from custom_components.sports_influx.records import League, NflScore, PlayerStats
from custom_components.sports_influx.writer import SportsInfluxWriter
from tests.oracle import record_point

TEAMS = [
    "ARI",
    "ATL",
    "BAL",
    "BUF",
    "CAR",
    "CHI",
    "CIN",
    "CLE",
    "DAL",
    "DEN",
    "DET",
    "GB",
    "HOU",
    "IND",
    "JAX",
    "KC",
    "LAC",
    "LAR",
    "LV",
    "MIA",
    "MIN",
    "NE",
    "NO",
    "NYG",
    "NYJ",
    "PHI",
    "PIT",
    "SEA",
    "SF",
    "TB",
    "TEN",
    "WSH",
]
STATS = [
    "passing_yards",
    "passing_attempts",
    "completions",
    "rushing_yards",
    "receptions",
    "receiving_yards",
    "yards_per_carry",
    "qb_rating",
]
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
# Games every 4 hours from 600 days back: inside the 2-year retention the
# integration gives scores and stats (older points are refused, not written).
FIRST_KICKOFF = (NOW - timedelta(days=600)).replace(hour=17)


def history(points: int, seed: int = 5) -> list[Any]:
    """``points`` records of past games, realistic values and names."""
    rng = random.Random(seed)
    out: list[Any] = []
    game = 0
    while len(out) < points:
        kickoff = FIRST_KICKOFF + timedelta(hours=4 * game)
        home, away = rng.sample(TEAMS, 2)
        game_id = f"40{1000000 + game}"
        h = a = 0
        for n in range(60):
            h += rng.choice((0, 0, 0, 0, 3, 7))
            a += rng.choice((0, 0, 0, 0, 3, 7))
            out.append(
                NflScore(
                    game_id=game_id,
                    season=kickoff.year,
                    season_type="2",
                    week=1 + game % 18,
                    home_team=home,
                    away_team=away,
                    status="IN" if n < 59 else "POST",
                    home_score=h,
                    away_score=a,
                    quarter=1 + n * 4 // 60,
                    time_remaining=f"{rng.randint(0, 14)}:{rng.randint(0, 59):02d}",
                    possession=rng.choice((home, away)),
                    down_distance=f"{rng.randint(1, 4)}th & {rng.randint(1, 15)}",
                    field_position=f"{rng.choice((home, away))} {rng.randint(1, 50)}",
                    time=kickoff + timedelta(seconds=180 * n),
                )
            )
        out.extend(
            PlayerStats(
                league=League.NFL,
                player_id=str(3000000 + p + 40 * (game % 50)),
                player_name=f"Player {p} {rng.choice(TEAMS)}",
                team=rng.choice((home, away)),
                position=rng.choice(("QB", "RB", "WR", "TE")),
                game_id=game_id,
                season=kickoff.year,
                week=1 + game % 18,
                stats={
                    s: (
                        round(rng.uniform(0, 150), 1)
                        if s in ("yards_per_carry", "qb_rating")
                        else rng.randint(0, 400)
                    )
                    for s in STATS
                },
                time=kickoff + timedelta(hours=4),
            )
            for p in range(40)
        )
        game += 1
    return out[:points]


async def ours(hass: Any, stack: Any, db: str, records: list[Any]) -> float:
    """Our writer's backfill path; seconds until everything is written."""
    from homeassistant.helpers.aiohttp_client import async_get_clientsession

    client = InfluxClient(async_get_clientsession(hass), stack.url, "t", db)
    await client.async_validate()
    # The retention policies the integration writes to (made at setup).
    await client.async_prepare_destinations()
    writer = SportsInfluxWriter(hass, client, batch_size=100, flush_interval=10)
    started = time.perf_counter()
    await writer.async_backfill(records)
    elapsed = time.perf_counter() - started
    assert writer.stats.points_written == len(records), writer.stats
    await writer.async_close(5)
    return elapsed


def stock(stack: Any, db: str, records: list[Any]) -> float:
    """influxdb3-python batching, from records to Points to the server."""
    from influxdb_client_3 import (
        InfluxDBClient3,
        WriteOptions,
        WritePrecision,
        write_client_options,
    )

    errors: list[Any] = []
    options = WriteOptions(
        batch_size=BACKFILL_BATCH_SIZE,
        flush_interval=1_000,
        use_v2_api=True,
        write_precision=WritePrecision.NS,
    )
    client = InfluxDBClient3(
        host=stack.url,
        token="t",
        database=db,
        auth_scheme="Token",
        write_port_overwrite=urlsplit(stack.url).port,
        write_client_options=write_client_options(
            write_options=options, error_callback=lambda *a: errors.append(a)
        ),
    )
    started = time.perf_counter()
    client.write(record=[record_point(r, NOW) for r in records])
    client.close()  # flushes what the batcher holds
    elapsed = time.perf_counter() - started
    assert not errors, errors[:1]
    return elapsed


def raw(stack: Any, db: str, lines: list[str]) -> float:
    """Line protocol POSTed as it is: the server's own limit."""
    parts = urlsplit(stack.url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    path = f"/api/v2/write?bucket={db}&precision=ns"
    bodies = [
        "\n".join(lines[i : i + BACKFILL_BATCH_SIZE]).encode()
        for i in range(0, len(lines), BACKFILL_BATCH_SIZE)
    ]
    started = time.perf_counter()
    for body in bodies:
        conn.request("POST", path, body, {"Authorization": "Token t"})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 204, (resp.status, resp.reason)
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def serializers(records: list[Any]) -> dict[str, float]:
    """Points/s of each serialiser alone, one thread, same records."""
    chunk = records[:20_000]
    started = time.perf_counter()
    via_point = [record_point(r, NOW).to_line_protocol() for r in chunk]
    point_s = time.perf_counter() - started
    started = time.perf_counter()
    fast = [record_line(r, NOW) for r in chunk]
    fast_s = time.perf_counter() - started
    assert fast == via_point  # the same bytes
    return {"point": len(chunk) / point_s, "lineprotocol": len(chunk) / fast_s}


async def main(args: argparse.Namespace) -> None:
    records = history(args.points)
    lines = [record_line(r, NOW) for r in records]
    results: dict[str, list[float]] = {"ours": [], "stock": [], "raw": []}
    ser: dict[str, list[float]] = {"point": [], "lineprotocol": []}
    loop = asyncio.get_running_loop()
    with influx() as stack:
        async with home_assistant() as hass:
            for rep in range(args.repeat):
                order = [k for k in ("ours", "stock", "raw") if k in args.kinds]
                order = order[rep % len(order) :] + order[: rep % len(order)]
                for kind in order:
                    with database(stack) as db:
                        if kind == "ours":
                            elapsed = await ours(hass, stack, db, records)
                        elif kind == "stock":
                            elapsed = await loop.run_in_executor(
                                None, stock, stack, db, records
                            )
                        else:
                            elapsed = await loop.run_in_executor(
                                None, raw, stack, db, lines
                            )
                        stored = await loop.run_in_executor(
                            None, count_points, stack, db
                        )
                        assert stored == len(records), (kind, stored)
                        rate = len(records) / elapsed
                        results[kind].append(rate)
                        log(f"throughput {rep} {kind}: {rate:,.0f} points/s")
                for k, v in (
                    await loop.run_in_executor(None, serializers, records)
                ).items():
                    ser[k].append(v)
    med = {k: median(v) if v else float("nan") for k, v in results.items()}
    emit(
        {
            "points": args.points,
            "repeat": args.repeat,
            "points_per_s": med,
            "all_runs": {k: [round(x) for x in v] for k, v in results.items()},
            "ours_vs_raw": med["ours"] / med["raw"],
            "ours_vs_stock": med["ours"] / med["stock"],
            "stock_vs_raw": med["stock"] / med["raw"],
            "serializer_points_per_s": {k: median(v) for k, v in ser.items()},
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--kinds",
        type=lambda text: text.split(","),
        default=["ours", "stock", "raw"],
        help="comma-separated: which of ours, stock, raw to run",
    )
    run_ha_loop(main(parser.parse_args()))
