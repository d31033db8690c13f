"""Run every benchmark and print one table (markdown) with the ratios.

Each benchmark is a separate process that measures its alternatives
interleaved and repeated in that one run, and reports medians; this script
only collects them. ``--quick`` shrinks the work for a smoke run (the
figures are then not comparable with RESULTS.md).
"""

from __future__ import annotations

import argparse
from importlib.metadata import version
import json
import os
from pathlib import Path
import platform
import subprocess
import sys
import time
from typing import Any

HERE = Path(__file__).resolve().parent


def _run(script: str, *args: str) -> dict[str, Any]:
    started = time.monotonic()
    print(f"... {script} {' '.join(args)}", file=sys.stderr, flush=True)
    proc = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        cwd=HERE,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["_seconds"] = round(time.monotonic() - started)
    return result


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return [
        f"- CPU: {cpu}, `nproc` = {os.cpu_count()}",
        f"- load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        (
            f"- Python {platform.python_version()}, Home Assistant "
            f"{version('homeassistant')}, influxdb3-python "
            f"{version('influxdb3-python')}, influxdb {version('influxdb')}, "
            f"influxdb-client {version('influxdb-client')}"
        ),
        "- InfluxDB 1.6.7 (Debian) behind nginx, on the same machine",
    ]


def _f(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def table(results: dict[str, Any]) -> list[str]:
    """The table's rows, for the benchmarks that ran."""
    rows = [
        "| figure | sports_influx | alternative | ratio | target |",
        "|---|---|---|---|---|",
    ]
    if "loop" in results and "loop_burst" in results:
        rows += loop_rows(results["loop"], results["loop_burst"])
    if "throughput" in results:
        rows += throughput_rows(results["throughput"])
    if "amplification" in results:
        rows += amplification_rows(results["amplification"])
    if "memory" in results:
        rows += memory_rows(results["memory"])
    if "load" in results:
        rows += load_rows(results["load"])
    return rows


def load_rows(load: dict[str, Any]) -> list[str]:
    none, ours, core = load["none"], load["sports_influx"], load["core_influxdb"]
    added = ours["peak_rss_mb"] - none["peak_rss_mb"]
    core_added = core["peak_rss_mb"] - none["peak_rss_mb"]
    return [
        (
            f"| 5. HA's peak RSS after start-up, over HA alone ({_f(none['peak_rss_mb'])} MB) "
            f"| +{_f(added)} MB | core influxdb +{_f(core_added)} MB "
            f"| {_f(added / core_added, 1) if core_added > 0 else '-'} | |"
        ),
        (
            f"| 5. process start to 'Home Assistant initialized' "
            f"| {_f(ours['wall_s'], 2)} s | core influxdb {_f(core['wall_s'], 2)} s, "
            f"neither {_f(none['wall_s'], 2)} s "
            f"| {_f(ours['wall_s'] / core['wall_s'], 2)} | |"
        ),
    ]


def loop_rows(loop: dict[str, Any], burst: dict[str, Any]) -> list[str]:
    ours, core = loop["sports_influx"], loop["core_influxdb"]
    burst_ours = burst["sports_influx"]["added_us_per_change"]
    burst_core = burst["core_influxdb"]["added_us_per_change"]
    return [
        (
            f"| 1. loop time per tracked state change above baseline, "
            f"{_f(loop.get('changes_per_s_fed', 1000), 0)} changes/s (baseline "
            f"{_f(loop['baseline']['busy_us_per_change'])} us) | "
            f"{_f(ours['added_us_per_change'])} us | core influxdb "
            f"{_f(core['added_us_per_change'])} us | "
            f"{_f(ours['added_us_per_change'] / core['added_us_per_change'], 2)} | <= 0.33 |"
        ),
        (
            f"| 1. the same, fed {_f(burst['changes_per_s_fed'], 0)} changes/s "
            f"(baseline {_f(burst['baseline']['busy_us_per_change'])} us) | "
            f"{_f(burst_ours)} us | core influxdb {_f(burst_core)} us | "
            f"{_f(burst_ours / burst_core, 2)} | <= 0.33 |"
        ),
        (
            f"| 1. of which HA's own dispatch to a do-nothing tracked listener | "
            f"{_f(loop['tracked_noop']['added_us_per_change'])} us | | | |"
        ),
        (
            f"| 1. loop CPU per state change (baseline "
            f"{_f(loop['baseline']['loop_cpu_us_per_change'])} us) | "
            f"{_f(ours['loop_cpu_us_per_change'])} us | core influxdb "
            f"{_f(core['loop_cpu_us_per_change'])} us | "
            f"{_f(ours['loop_cpu_us_per_change'] / core['loop_cpu_us_per_change'], 2)} | |"
        ),
        (
            f"| 1. points written for {loop['changes']:,} changes | "
            f"{_f(ours['points'], 0)} | core influxdb {_f(core['points'], 0)} | "
            f"{_f(ours['points'] / core['points'], 3)} | |"
        ),
        (
            f"| 1. writer CPU per point (threads other than the loop) | "
            f"{_f(ours['writer_cpu_us_per_point'])} us | core influxdb "
            f"{_f(core['writer_cpu_us_per_point'])} us | "
            f"{_f(ours['writer_cpu_us_per_point'] / core['writer_cpu_us_per_point'], 3)}"
            " | <= 0.1 |"
        ),
        (
            f"| 1. drain through HA, {loop['drain_changes']:,} changes each a point | "
            f"{_f(ours['drain_points_per_s'], 0)} points/s | core influxdb "
            f"{_f(core['drain_points_per_s'], 0)} points/s | "
            f"{_f(ours['drain_points_per_s'] / core['drain_points_per_s'])}x | >= 10x |"
        ),
    ]


def throughput_rows(tput: dict[str, Any]) -> list[str]:
    rate = tput["points_per_s"]
    ser = tput["serializer_points_per_s"]
    return [
        (
            f"| 2. throughput, {tput['points']:,} points, backfill path | "
            f"{_f(rate['ours'], 0)} points/s | raw POST {_f(rate['raw'], 0)} points/s | "
            f"{_f(tput['ours_vs_raw'], 2)} of raw | >= 0.5 |"
        ),
        (
            f"| 2. throughput vs the stock batching client | {_f(rate['ours'], 0)} points/s"
            f" | stock {_f(rate['stock'], 0)} points/s "
            f"({_f(tput['stock_vs_raw'], 2)} of raw) | {_f(tput['ours_vs_stock'])}x | ~3x |"
        ),
        (
            f"| 2. serialiser alone, one thread | {_f(ser['lineprotocol'], 0)} points/s"
            f" | Point.to_line_protocol {_f(ser['point'], 0)} points/s | "
            f"{_f(ser['lineprotocol'] / ser['point'])}x | |"
        ),
    ]


def amplification_rows(amp: dict[str, Any]) -> list[str]:
    a, c = amp["sports_influx"], amp["core_influxdb"]
    return [
        (
            f"| 3. 3-hour NFL game, 5 s polls: points per state change | "
            f"{a['points']:,} / {a['state_changes']:,} = 1/{_f(a['changes_per_point'])} | "
            f"core influxdb {c['points']:,} / {c['state_changes']:,} | "
            f"{_f(a['points'] / c['points'], 3)} | <= 1/10 |"
        ),
        (
            f"| 3. score changes kept | {a['scores_kept'][0]} of {a['scores_kept'][1]} | | | all |"
        ),
        (
            f"| 3. (not shipped) heartbeat 1 min instead of 5 | "
            f"{amp['heartbeat_1min']['points']:,} points = 1/"
            f"{_f(amp['heartbeat_1min']['changes_per_point'])} | | | |"
        ),
    ]


def memory_rows(mem: dict[str, Any]) -> list[str]:
    outage = mem["outage"]
    return [
        (
            f"| 4. RSS per 100k queued points | {_f(mem['queued']['mb_per_100k'])} MB "
            f"(lines) | as record objects {_f(mem['records']['mb_per_100k'])} MB, "
            f"as Points {_f(mem['points']['mb_per_100k'])} MB | "
            f"{_f(mem['queued']['mb_per_100k'] / mem['points']['mb_per_100k'], 2)} | bounded |"
        ),
        (
            f"| 4. 1-hour outage, 10 events/s ({outage['events']:,} points) | RSS +"
            f"{_f(outage['rss_growth_mb_peak'])} MB peak, queue {outage['queue_depth']:,}, "
            f"{outage.get('outbox_points', 0):,} in the outbox, "
            f"{outage['points_failed']:,} failed | cap "
            f"100,000 points | | bounded |"
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--json", type=Path, help="write the raw results here, each as it completes"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the results already in --json, run only the missing ones",
    )
    parser.add_argument(
        "--only",
        help="comma-separated: run only these (loop, loop_burst, throughput, "
        "amplification, memory, load)",
    )
    args = parser.parse_args()
    header = machine()
    quick = args.quick
    plan = {
        "loop": (
            "loop_cost.py",
            ["--changes=2000", "--drain-changes=2000", "--repeat=1"] if quick else [],
        ),
        "loop_burst": (
            "loop_cost.py",
            ["--tick=0.005", "--drain-changes=0"]
            + (["--changes=2000", "--repeat=1"] if quick else ["--repeat=3"]),
        ),
        "throughput": (
            "throughput.py",
            ["--points=20000", "--repeat=1"] if quick else [],
        ),
        "amplification": ("amplification.py", []),
        "memory": (
            "memory.py",
            ["--points=20000", "--seconds=300"] if quick else [],
        ),
        "load": ("load_cost.py", ["--rounds=1"] if quick else []),
    }
    results: dict[str, Any] = {}
    if args.resume and args.json and args.json.exists():
        results = json.loads(args.json.read_text())
    if args.only:
        plan = {k: v for k, v in plan.items() if k in args.only.split(",")}
    for name, (script, script_args) in plan.items():
        if name not in results:
            results[name] = _run(script, *script_args)
            if args.json:
                args.json.write_text(json.dumps(results, indent=1))
    lines = [*header, "", *table(results), ""]
    if "loop" in results:
        loop = results["loop"]
        lines.append(
            f"Medians of {loop['repeat']} interleaved runs (loop); all runs: loop "
            f"added us ours {ours_all(loop, 'sports_influx')}, core "
            f"{ours_all(loop, 'core_influxdb')}."
        )
    if "throughput" in results:
        tput = results["throughput"]
        lines.append(
            f"Throughput: medians of {tput['repeat']} runs; all runs "
            f"{tput['all_runs']}."
        )
    print("\n".join(lines))


def ours_all(loop: dict[str, Any], kind: str) -> list[float]:
    runs: list[float] = loop[kind]["added_us_all_runs"]
    return runs


if __name__ == "__main__":
    main()
