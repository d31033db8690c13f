"""Benchmark 1: event-loop cost per tracked state change, writer CPU, drain.

A real Home Assistant (phcc's in-process instance) receives the same stream
of TeamTracker state changes (20 sensors, 62 attributes each, polled every
5 s of simulated time, fed 20 changes every 20 ms of real time) with
(c) no writer, (a) sports_influx, (b) HA core's influxdb integration (API
v1) writing the same 20 entities to the same InfluxDB. The variants run
interleaved, each on a fresh Home Assistant, several times; medians.

Loop cost: busy time of the loop (wall time outside ``select()``, waiting
for the GIL included) from the first change until everything is written,
per change, minus the baseline's. (d) a do-nothing
``async_track_state_change_event`` on the same entities shows what Home
Assistant itself charges for following them. Writer CPU: CPU time of every thread but
the loop's, per point written. The window opens once the setup has settled
(its delayed registry saves written). Drain: a burst where every change is worth a
point, changes/s from the first change until the database holds them all.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import threading
import time
from typing import Any

from common import (
    Change,
    LoopMeter,
    count_points,
    cpu_ns,
    database,
    emit,
    home_assistant,
    influx,
    log,
    median,
    replay,
    run_ha_loop,
    setup_core_influxdb,
    setup_sports_influx,
    stream,
)

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE

# 20 changes (one poll of every sensor) every 20 ms: 1000 changes/s, about
# what core influxdb drains, so it neither idles nor falls behind.
TICK = 0.02
KINDS = ("baseline", "sports_influx", "core_influxdb", "tracked_noop")


def _count(stack: Any, db: str) -> tuple[int, int]:
    """Points stored, and the CPU this query took (not the writer's)."""
    started = time.thread_time_ns()
    got = count_points(stack, db)
    return got, time.thread_time_ns() - started


async def _wait_for_points(
    stack: Any, db: str, expected: int, within: float
) -> tuple[int, int]:
    """Poll the database until it holds ``expected`` points (or time out);
    also return the CPU the polling itself took, to leave it out."""
    deadline = time.monotonic() + within
    loop = asyncio.get_running_loop()
    polling_cpu = 0
    while True:
        got, cpu = await loop.run_in_executor(None, _count, stack, db)
        polling_cpu += cpu
        if got >= expected or time.monotonic() > deadline:
            return int(got), polling_cpu
        await asyncio.sleep(0.05)


async def one_run(
    kind: str,
    changes: list[Change],
    stack: Any,
    *,
    drain: bool = False,
    tick: float = TICK,
) -> dict[str, Any]:
    """One variant on a fresh Home Assistant."""
    entities = sorted({c.entity_id for c in changes})
    first = {c.entity_id: c for c in reversed(changes)}
    async with home_assistant() as hass:
        with database(stack) as db:
            # The sensors exist before the writer is set up, as after a restart.
            for entity_id in entities:
                c = first[entity_id]
                hass.states.async_set(entity_id, c.state, c.attributes)
            writer = thread = None
            if kind == "sports_influx":
                entry = await setup_sports_influx(hass, stack, db)
                writer = entry.runtime_data.writer
            elif kind == "core_influxdb":
                thread = await setup_core_influxdb(hass, stack, db, entities)
            elif kind == "tracked_noop":
                # HA's own cost of following these entities the way the
                # style guide asks: a do-nothing async_track_state_change_event.
                from homeassistant.core import callback
                from homeassistant.helpers.event import async_track_state_change_event

                # @callback: a plain function would run in the executor.
                async_track_state_change_event(
                    hass, entities, callback(lambda _e: None)
                )
            await hass.async_block_till_done()
            # Saves the setup delayed (the entity and device registries, 10 s
            # on) are one-off work, not work per change: they are written
            # before the window opens, for every variant.
            hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
            await hass.async_block_till_done()
            loop_thread = threading.get_ident()
            meter = LoopMeter(hass.loop)
            written_before = writer.stats.points_written if writer else 0
            loop_cpu_before, other_cpu_before = cpu_ns(loop_thread)
            meter.start()
            started = time.perf_counter()
            await replay(
                hass,
                changes,
                per_tick=100 if drain else 20,
                tick=0.0 if drain else tick,
            )
            if writer is not None:
                await writer.async_flush()
            elif thread is not None:
                await hass.async_add_executor_job(thread.block_till_done)
            await hass.async_block_till_done()
            expected = None
            if writer is not None:
                expected = writer.stats.points_written - written_before
            elif thread is not None:
                # Every change is a point (but the first of each sensor, the
                # state it already had); its last batch is written after
                # block_till_done returns.
                expected = len(changes) - len(entities)
            stored = polling_cpu = 0
            if expected is not None:
                stored, polling_cpu = await _wait_for_points(
                    stack, db, expected, within=120
                )
            elapsed = time.perf_counter() - started
            busy = meter.busy_ns()
            loop_cpu_after, other_cpu_after = cpu_ns(loop_thread)
            other_cpu = other_cpu_after - other_cpu_before - polling_cpu
            loop_cpu = loop_cpu_after - loop_cpu_before
            # Points this run made (the setup's first states excluded).
            points = (
                writer.stats.points_written - written_before
                if writer
                else (stored if thread else 0)
            )
            return {
                "kind": kind,
                "changes": len(changes),
                "busy_us_per_change": busy / 1000 / len(changes),
                "loop_cpu_us_per_change": loop_cpu / 1000 / len(changes),
                "other_cpu_ms": other_cpu / 1e6,
                "points": points,
                "stored": stored,
                "elapsed_s": elapsed,
            }


def drain_stream(changes: int) -> list[Change]:
    """A burst where every change is worth a point: the score moves each poll."""
    out = []
    for n, change in enumerate(stream(changes, seed=3)):
        attrs = copy.copy(change.attributes)
        attrs["team_score"] = str(n)
        out.append(Change(change.entity_id, "IN", attrs, change.timestamp))
    return out


async def main(args: argparse.Namespace) -> None:
    changes = stream(args.changes)
    burst = drain_stream(args.drain_changes) if args.drain_changes else []
    runs: list[dict[str, Any]] = []
    drains: list[dict[str, Any]] = []
    with influx() as stack:
        for rep in range(args.repeat):
            # Rotate the order so no variant always runs first (warm-up, noise).
            wanted = {"baseline", *args.kinds.split(",")}
            kinds = tuple(k for k in KINDS if k in wanted)
            order = kinds[rep % len(kinds) :] + kinds[: rep % len(kinds)]
            for kind in order:
                result = await one_run(kind, changes, stack, tick=args.tick)
                log(f"loop {rep} {kind}: {result}")
                runs.append(result)
            for kind in order[::-1]:
                if kind in ("baseline", "tracked_noop") or not burst:
                    continue
                result = await one_run(kind, burst, stack, drain=True)
                log(f"drain {rep} {kind}: {result}")
                drains.append(result)

    def med(kind: str, key: str, rows: list[dict[str, Any]] = runs) -> float:
        return median([r[key] for r in rows if r["kind"] == kind])

    base = med("baseline", "busy_us_per_change")
    base_other = med("baseline", "other_cpu_ms")
    out: dict[str, Any] = {
        "changes": args.changes,
        "repeat": args.repeat,
        "changes_per_s_fed": 20 / args.tick,
    }
    kinds = [k for k in KINDS if any(r["kind"] == k for r in runs)]
    for kind in kinds:
        out[kind] = {
            "busy_us_per_change": med(kind, "busy_us_per_change"),
            "loop_cpu_us_per_change": med(kind, "loop_cpu_us_per_change"),
            "points": med(kind, "points"),
        }
    for kind in kinds[1:]:
        # Per run: its busy time above the baseline's median.
        above = [r["busy_us_per_change"] - base for r in runs if r["kind"] == kind]
        out[kind]["added_us_per_change"] = median(above)
        out[kind]["added_us_all_runs"] = sorted(round(v, 2) for v in above)
        if kind == "tracked_noop":
            continue
        cpu = [
            (r["other_cpu_ms"] - base_other) * 1000 / max(r["points"], 1)
            for r in runs
            if r["kind"] == kind
        ]
        out[kind]["writer_cpu_us_per_point"] = median(cpu)
        if drains:
            out[kind]["drain_points_per_s"] = median(
                [r["stored"] / r["elapsed_s"] for r in drains if r["kind"] == kind]
            )
            out[kind]["drain_all_runs"] = sorted(
                round(r["stored"] / r["elapsed_s"]) for r in drains if r["kind"] == kind
            )
            out[kind]["drain_stored"] = [
                r["stored"] for r in drains if r["kind"] == kind
            ]
    out["baseline"]["busy_all_runs"] = sorted(
        round(r["busy_us_per_change"], 2) for r in runs if r["kind"] == "baseline"
    )
    out["drain_changes"] = args.drain_changes
    emit(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--drain-changes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--tick", type=float, default=TICK, help="seconds between polls of 20"
    )
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help="comma-separated variants to run (baseline always included)",
    )
    run_ha_loop(main(parser.parse_args()))
