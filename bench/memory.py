"""Benchmark 4: memory.

(a) RSS growth per 100k queued points: records made and queued by
``async_enqueue`` with the server down and no flush due (the writer keeps
each as a pair of strings, its retention class and its line), measured
after a full collection; beside it the same points held as record objects
with their retention class and time (what the writer queued until
de01e9d) and as influxdb3-python Points (what it queued at first).

(b) A 1-hour outage at 10 events/s through Home Assistant: nginx stopped,
36,000 TeamTracker state changes each worth a point (the score moves),
HA's clock advanced 0.1 s per change so the flush and retry timers run as
they would. RSS sampled throughout; the writer's queue is capped at
``MAX_QUEUE_POINTS`` (100,000) and what a batch cannot write after its
retries is counted as failed, so memory stays bounded.

Each part runs in a fresh process (``--part a|b``) so one does not inherit
the other's heap.
"""

from __future__ import annotations

import argparse
import copy
from datetime import UTC, datetime, timedelta
import gc
import json
import subprocess
import sys
from typing import Any

from common import (
    START,
    Change,
    database,
    emit,
    home_assistant,
    influx,
    log,
    rss_bytes,
    run_ha_loop,
    setup_sports_influx,
    stream,
)

MB = 1024 * 1024


def _settled_rss() -> int:
    gc.collect()
    return rss_bytes()


def _records(n: int) -> list[Any]:
    from throughput import history

    return history(n, seed=9)


async def part_a(points: int, hold: str) -> dict[str, Any]:
    """RSS growth of ``points`` points held one way (a fresh process each)."""
    from custom_components.sports_influx.influx import InfluxClient
    from custom_components.sports_influx.lineprotocol import retention_of
    from custom_components.sports_influx.writer import SportsInfluxWriter
    from homeassistant.helpers.aiohttp_client import async_get_clientsession
    from tests.oracle import record_point

    now = datetime.now(UTC)
    async with home_assistant() as hass:
        client = InfluxClient(
            async_get_clientsession(hass), "http://127.0.0.1:9", "t", "x"
        )
        # Batches bigger than the test: nothing is flushed, everything waits.
        writer = SportsInfluxWriter(hass, client, batch_size=10**9, flush_interval=3600)
        before = _settled_rss()
        held: list[Any] = []
        if hold == "queued":
            assert writer.async_enqueue(_records(points)) == points
        elif hold == "points":
            held = [record_point(r, now) for r in _records(points)]
        else:
            held = [(retention_of(r), r, now) for r in _records(points)]
        grown = (_settled_rss() - before) / MB
        del held
        writer._batcher.queue.clear()
    return {"hold": hold, "points": points, "mb_per_100k": grown * 100_000 / points}


def outage_stream(changes: int) -> list[Change]:
    """10 events/s: every change moves a score, 0.1 s apart."""
    start = START  # yesterday: inside the retention windows
    out = []
    for n, change in enumerate(stream(changes, seed=13)):
        attrs = copy.copy(change.attributes)
        # Every change a new score (TeamTracker's parser takes up to 9999).
        attrs["team_score"] = str(n % 5000)
        attrs["opponent_score"] = str(n // 5000)
        when = start + timedelta(seconds=0.1 * n)
        out.append(Change(change.entity_id, "IN", attrs, when.timestamp()))
    return out


async def part_b(seconds: int, rate: int) -> dict[str, Any]:
    changes = outage_stream(seconds * rate)
    samples = []
    with influx() as stack:
        async with home_assistant() as hass:
            with database(stack) as db:
                entry = await setup_sports_influx(hass, stack, db)
                writer = entry.runtime_data.writer
                stack.stop_nginx()
                # The loop's clock, advanced by hand: the flush, retry and
                # notify timers run when simulated time says, not real time.
                loop = hass.loop
                clock = [loop.time()]
                loop.time = lambda: clock[0]  # type: ignore[method-assign]
                base = _settled_rss()
                offset = 0.0
                for i, change in enumerate(changes):
                    hass.states.async_set(
                        change.entity_id,
                        change.state,
                        change.attributes,
                        timestamp=change.timestamp,
                    )
                    if i % rate == rate - 1:  # one simulated second
                        offset += 1.0
                        clock[0] += 1.0
                        await hass.async_block_till_done()
                    if i % (rate * 300) == 0:
                        samples.append(
                            (
                                round(offset),
                                (rss_bytes() - base) / MB,
                                writer.stats.queue_depth,
                            )
                        )
                await hass.async_block_till_done()
                # The last second's changes may still wait for the
                # listener's read (once a second): read them, as HA's stop
                # would, so the counts below hold every change.
                await entry.runtime_data.listener.async_drain()
                await hass.async_block_till_done()
                peak = max(s[1] for s in samples)
                end = (_settled_rss() - base) / MB
                stats = writer.stats
                result = {
                    "seconds": seconds,
                    "events": len(changes),
                    "rss_growth_mb_end": end,
                    "rss_growth_mb_peak": max(peak, end),
                    "queue_depth": stats.queue_depth,
                    "points_failed": stats.points_failed,
                    "outbox_points": stats.outbox_points,
                    "outbox_bytes": stats.outbox_bytes,
                    "retries": stats.retries,
                    "samples": samples,
                }
                stack.start_nginx()
                await writer.async_flush()
                result["written_after_outage"] = stats.points_written
                return result


def main(args: argparse.Namespace) -> None:
    if args.part == "a":
        emit(run_ha_loop(part_a(args.points, args.hold)))
        return
    if args.part == "b":
        emit(run_ha_loop(part_b(args.seconds, args.rate)))
        return
    out: dict[str, Any] = {}
    runs = [("a", hold) for hold in ("queued", "records", "points")] + [("b", "")]
    for part, hold in runs:
        proc = subprocess.run(
            [sys.executable, __file__, "--part", part, f"--hold={hold}", *args.forward],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        out[hold or "outage"] = result
        log(f"memory {hold or 'outage'}: {result}")
    emit(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("a", "b", "both"), default="both")
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument(
        "--hold", choices=("queued", "records", "points", ""), default=""
    )
    parser.add_argument("--seconds", type=int, default=3600)
    parser.add_argument("--rate", type=int, default=10)
    parsed = parser.parse_args()
    parsed.forward = [
        f"--points={parsed.points}",
        f"--seconds={parsed.seconds}",
        f"--rate={parsed.rate}",
    ]
    main(parsed)
