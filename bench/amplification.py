"""Benchmark 3: write amplification of a replayed 3-hour NFL game.

One TeamTracker sensor polled every 5 s from kickoff to the final (2166
state changes: the clock and last_update move on every poll; plays, drives
and scores as in a real game, a 20-minute halftime with nothing moving).
The replay goes through a real Home Assistant with sports_influx, and with
HA core's influxdb (API v1) for comparison, into the real stack. Reported:
state changes received, points written, and whether every score change is
in the database. For comparison, the same replay with the listener's
heartbeat at 1 minute instead of the 5 that ship shows what the heartbeat
costs.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from common import (
    database,
    emit,
    home_assistant,
    influx,
    log,
    nfl_game,
    replay,
    run_ha_loop,
    setup_core_influxdb,
    setup_sports_influx,
)


def _scores(changes: list[Any]) -> list[tuple[int, int]]:
    """(home, away) after each score change of the replay."""
    out = []
    for change in changes:
        if change.score_change:
            attrs = change.attributes
            team, opp = int(attrs["team_score"]), int(attrs["opponent_score"])
            home = attrs["team_homeaway"] == "home"
            out.append((team, opp) if home else (opp, team))
    return out


async def run(kind: str, changes: list[Any], stack: Any) -> dict[str, Any]:
    entity_id = changes[0].entity_id
    async with home_assistant() as hass:
        with database(stack) as db:
            received = []
            hass.bus.async_listen(
                "state_changed",
                lambda e: (
                    received.append(1) if e.data["entity_id"] == entity_id else None
                ),
            )
            thread = None
            if kind == "core_influxdb":
                thread = await setup_core_influxdb(hass, stack, db, [entity_id])
            else:
                entry = await setup_sports_influx(hass, stack, db)
            await replay(hass, changes, per_tick=50, tick=0)
            await hass.async_block_till_done()
            if thread is not None:
                await hass.async_add_executor_job(thread.block_till_done)
                measurement = entity_id
                query = f'SELECT * FROM "{measurement}"'
                for _ in range(100):  # its last batch lands after block_till_done
                    rows = stack.query(query, db=db)["results"][0].get("series", [])
                    if rows and len(rows[0]["values"]) >= len(received):
                        break
                    await asyncio.sleep(0.1)
                points = len(rows[0]["values"]) if rows else 0
                kept = None
            else:
                await entry.runtime_data.writer.async_flush()
                result = stack.query(
                    'SELECT * FROM "sports_events_2y"."nfl_scores"', db=db, epoch="ns"
                )
                series = result["results"][0]["series"]
                points = sum(len(s["values"]) for s in series)
                stored = set()
                for s in series:
                    cols = s["columns"]
                    for row in s["values"]:
                        r = dict(zip(cols, row, strict=True))
                        stored.add((r["home_score"], r["away_score"]))
                scores = _scores(changes)
                kept = sum(score in stored for score in scores), len(scores)
            return {
                "kind": kind,
                "state_changes": len(received),
                "points": points,
                "scores_kept": kept,
            }


async def main(args: argparse.Namespace) -> None:
    from custom_components.sports_influx import reader

    changes = nfl_game()
    out: dict[str, Any] = {}
    with influx() as stack:
        for kind in ("sports_influx", "core_influxdb"):
            out[kind] = await run(kind, changes, stack)
            log(f"amplification {out[kind]}")
        default = reader.HEARTBEAT
        reader.HEARTBEAT = default / 5
        try:
            out["heartbeat_1min"] = await run("sports_influx", changes, stack)
        finally:
            reader.HEARTBEAT = default
        log(f"amplification heartbeat 1 min {out['heartbeat_1min']}")
    for result in out.values():
        result["changes_per_point"] = result["state_changes"] / max(result["points"], 1)
    emit(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    run_ha_loop(main(parser.parse_args()))
