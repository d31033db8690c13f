"""Benchmark 5: how long one large action call holds the event loop.

The largest ``sports_influx.write_standings`` call the action takes
(``MAX_STANDINGS_ROWS`` rows, every standings field filled) goes through a
real Home Assistant (phcc's in-process instance) into the real stack, as an
administrator's call. Every iteration of the event loop is timed (wall time
of ``_run_once`` less the time it spends in ``select()``): the longest one
during the call is the longest time nothing else on the loop could run.
Its CPU time on the loop's thread is taken too (on a busy machine the wall
time includes what other processes took). Repeated; the figure is the worst
iteration of each call, their median and maximum. The points are flushed after each call and counted, so a call that
wrote nothing cannot look fast.

``--rows`` sets the call's size; past the limit the call is refused (that
refusal is timed the same way).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from common import (
    START,
    count_points,
    database,
    emit,
    home_assistant,
    influx,
    log,
    median,
    run_ha_loop,
    setup_sports_influx,
)


class IterationMeter:
    """Busy time of each loop iteration: ``_run_once`` less ``select()``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.recording = False
        self.busy_ns: list[int] = []
        # CPU time of the loop's thread in each iteration: the wall time
        # less what other processes on the machine took from it.
        self.cpu_ns: list[int] = []
        self._in_select = 0
        selector = loop._selector  # type: ignore[attr-defined]
        select = selector.select
        run_once = loop._run_once  # type: ignore[attr-defined]

        def timed_select(timeout: float | None = None) -> Any:
            started = time.perf_counter_ns()
            try:
                return select(timeout)
            finally:
                self._in_select += time.perf_counter_ns() - started

        def timed_run_once() -> None:
            started = time.perf_counter_ns()
            cpu = time.thread_time_ns()
            waited = self._in_select
            try:
                run_once()
            finally:
                if self.recording:
                    wall = time.perf_counter_ns() - started
                    self.busy_ns.append(wall - (self._in_select - waited))
                    self.cpu_ns.append(time.thread_time_ns() - cpu)

        selector.select = timed_select
        loop._run_once = timed_run_once  # type: ignore[attr-defined]


def standings(rows: int) -> list[dict[str, Any]]:
    """``rows`` NFL teams with every field of the standings measurement."""
    return [
        {
            "team": f"T{n}",
            "wins": n % 17,
            "losses": 17 - n % 17,
            "ties": 0,
            "win_percentage": round((n % 17) / 17, 4),
            "conference": "AFC" if n % 2 else "NFC",
            "division": f"Division {n % 4}",
            "points_for": 300 + n % 150,
            "points_against": 280 + n % 140,
            "streak": f"W{n % 5 + 1}",
            "playoff_seed": n % 8,
        }
        for n in range(rows)
    ]


async def one_call(hass: Any, meter: IterationMeter, rows: int) -> dict[str, Any]:
    """Time one call; the longest iteration and how many there were."""
    from homeassistant.core import Context
    from homeassistant.exceptions import ServiceValidationError

    data = {
        "league": "NFL",
        "season": START.year,
        "time": START.isoformat(),
        "standings": standings(rows),
    }
    user = await hass.auth.async_create_user("bench admin", group_ids=["system-admin"])
    await asyncio.sleep(0)
    meter.busy_ns.clear()
    meter.cpu_ns.clear()
    meter.recording = True
    started = time.perf_counter()
    refused = False
    try:
        await hass.services.async_call(
            "sports_influx",
            "write_standings",
            data,
            blocking=True,
            context=Context(user_id=user.id),
        )
    except ServiceValidationError:
        refused = True
    elapsed = time.perf_counter() - started
    # The iteration that ran the call's last part ends at this await: it is
    # counted (a call that never awaits is held in that one iteration).
    await asyncio.sleep(0)
    meter.recording = False
    return {
        "max_iteration_ms": max(meter.busy_ns) / 1e6,
        "max_iteration_cpu_ms": max(meter.cpu_ns) / 1e6,
        "iterations": len(meter.busy_ns),
        "call_ms": elapsed * 1000,
        "refused": refused,
    }


async def main(rows: int, repeat: int) -> dict[str, Any]:
    from custom_components.sports_influx.const import MAX_STANDINGS_ROWS

    runs = []
    with influx() as stack:
        for n in range(repeat):
            with database(stack) as db:
                async with home_assistant() as hass:
                    meter = IterationMeter(asyncio.get_running_loop())
                    entry = await setup_sports_influx(
                        hass, stack, db, batch_size=5000, flush_interval=300
                    )
                    run = await one_call(hass, meter, rows)
                    await entry.runtime_data.writer.async_flush()
                    run["points"] = await hass.async_add_executor_job(
                        count_points, stack, db, "nfl_standings"
                    )
                    log(
                        f"run {n + 1}: longest iteration "
                        f"{run['max_iteration_ms']:.2f} ms "
                        f"(CPU {run['max_iteration_cpu_ms']:.2f} ms) of "
                        f"{run['iterations']}, call {run['call_ms']:.1f} ms, "
                        f"{run['points']} points"
                    )
                    runs.append(run)
    worst = [r["max_iteration_ms"] for r in runs]
    worst_cpu = [r["max_iteration_cpu_ms"] for r in runs]
    return {
        "benchmark": "action_loop_hold",
        "rows": rows,
        "limit": MAX_STANDINGS_ROWS,
        "max_iteration_ms_median": round(median(worst), 2),
        "max_iteration_ms_max": round(max(worst), 2),
        "max_iteration_cpu_ms_median": round(median(worst_cpu), 2),
        "max_iteration_cpu_ms_max": round(max(worst_cpu), 2),
        "call_ms_median": round(median([r["call_ms"] for r in runs]), 1),
        "iterations_median": median([r["iterations"] for r in runs]),
        "points": [r["points"] for r in runs],
        "refused": [r["refused"] for r in runs],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    emit(run_ha_loop(main(args.rows, args.repeat)))
