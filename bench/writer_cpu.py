"""Writer CPU per point with influxdb3-python's client held or let go.

A ``SportsInfluxWriter`` writes to the real stack at ``loop_cost.py``'s rate
(428 points in 10 s, the default batch size and flush interval; ``--points`` and
``--seconds`` give a quieter home), in one in-process Home Assistant. The
figure is the CPU of every thread but the loop's during the window, per
point. Modes, interleaved and repeated (medians):

- hold: as shipped, the client closed once no drain has begun for
  ``WRITE_CLIENT_HOLD`` seconds;
- held: never closed between writes (its gRPC threads run throughout);
- immediate: closed as soon as each drain ends.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
from typing import Any

from common import (
    cpu_ns,
    database,
    emit,
    home_assistant,
    influx,
    log,
    median,
    run_ha_loop,
)
from throughput import history

from custom_components.sports_influx import const, sender
from custom_components.sports_influx.influx import InfluxClient
from custom_components.sports_influx.writer import SportsInfluxWriter

MODES = ("hold", "held", "immediate")


async def one_run(
    hass: Any, stack: Any, mode: str, records: list[Any], seconds: float
) -> tuple[float, int]:
    """CPU (us) per point of one window, and the points written."""
    from homeassistant.helpers.aiohttp_client import async_get_clientsession

    with database(stack) as db:
        client = InfluxClient(async_get_clientsession(hass), stack.url, "t", db)
        await client.async_validate()
        await client.async_prepare_destinations()
        await hass.async_add_executor_job(client.prepare_write)
        sender.WRITE_CLIENT_HOLD = (
            0.0 if mode == "immediate" else const.WRITE_CLIENT_HOLD
        )
        if mode == "held":
            client.release_writes = lambda: None  # type: ignore[method-assign]
        writer = SportsInfluxWriter(
            hass, client, batch_size=const.DEFAULT_BATCH_SIZE, flush_interval=10
        )
        writer.async_start()
        loop_thread = threading.get_ident()
        _, other_before = cpu_ns(loop_thread)
        written_before = writer.stats.points_written
        ticks = int(seconds * 10)
        fed = 0
        for tick in range(ticks):
            upto = len(records) * (tick + 1) // ticks
            writer.async_enqueue(records[fed:upto])
            fed = upto
            await asyncio.sleep(0.1)
        await writer.async_flush()
        await hass.async_block_till_done()
        _, other_after = cpu_ns(loop_thread)
        points = writer.stats.points_written - written_before
        await writer.async_close(5)
        return (other_after - other_before) / 1000 / max(points, 1), points


async def main(args: argparse.Namespace) -> None:
    records = history(args.points)
    modes = args.modes.split(",")
    runs: dict[str, list[float]] = {m: [] for m in modes}
    with influx() as stack:
        async with home_assistant() as hass:
            for rep in range(args.repeat):
                for mode in modes[rep % len(modes) :] + modes[: rep % len(modes)]:
                    us, points = await one_run(hass, stack, mode, records, args.seconds)
                    runs[mode].append(us)
                    log(f"writer cpu {rep} {mode}: {us:.1f} us/point ({points} points)")
    emit(
        {
            "points": args.points,
            "seconds": args.seconds,
            "repeat": args.repeat,
            **{
                m: {"us_per_point": median(v), "all_runs": [round(x, 1) for x in v]}
                for m, v in runs.items()
            },
        }
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=428)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--modes", default=",".join(MODES))
    run_ha_loop(main(parser.parse_args()))
