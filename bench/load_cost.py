"""Benchmark 5: the cost of loading.

``hass`` started as a process, as a user runs it, from tiny configuration
directories: neither writer (``none``), HA core's influxdb (API v1, from
YAML) and Sports Influx (a config entry), both pointed at the local stack.
The kinds are interleaved round by round. Per start: seconds from the
process's start to HA's "Home Assistant initialized" line (wall clock, so
the interpreter's own start and every import count), HA's own figure from
that line, and, ``--settle`` seconds later, the peak RSS (``VmHWM`` in
``/proc/PID/status``) and whether pyarrow is mapped into the process.

Before that, the imports alone, each in a fresh interpreter (peak RSS from
``wait4``, wall time): Python with nothing, influxdb3-python's package,
the two libraries HA core's influxdb uses, and the integration's modules
(with the parts of Home Assistant they import).

``--compare REV`` adds a column: Sports Influx as it was at that git
revision (extracted with ``git archive`` into a temporary folder), so a
before/after pair is measured in the same run on the same machine; a
folder instead of a revision runs that copy of the integration.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import io
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from typing import Any

from common import ROOT, emit, influx, log, median

import demo

INITIALIZED = re.compile(r"Home Assistant initialized in ([0-9.]+)s")
START_TIMEOUT = 240.0


@dataclass(frozen=True)
class Kind:
    """One column: what the configuration directory sets up."""

    name: str
    integration: Path | None = None  # a sports_influx folder, or none
    core_influxdb: bool = False


def _configuration(port: int, kind: Kind, database: str, influx_port: int) -> str:
    text = f"""\
homeassistant:
  name: load-cost bench
  time_zone: UTC
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  # The default TOTP module needs pyotp, which HA would install at run time.
  auth_mfa_modules: []
logger:
  default: warning
  logs:
    homeassistant.bootstrap: info
http:
  server_host: 127.0.0.1
  server_port: {port}
"""
    if kind.core_influxdb:
        text += f"""\
influxdb:
  host: 127.0.0.1
  port: {influx_port}
  database: {database}
  include:
    entities: [sensor.bench_none]
"""
    return text


def _write_config(
    config: Path, kind: Kind, stack_url: str, database: str, port: int
) -> None:
    (config / ".storage").mkdir(parents=True, exist_ok=True)
    influx_port = int(stack_url.rsplit(":", 1)[1])
    (config / "configuration.yaml").write_text(
        _configuration(port, kind, database, influx_port)
    )
    if kind.integration is not None:
        components = config / "custom_components"
        components.mkdir(exist_ok=True)
        (components / "sports_influx").symlink_to(kind.integration)
        demo.write_entry(
            config, demo.Server(stack_url, "bench", database), {"flush_interval": 10}
        )


def _status(pid: int) -> dict[str, int]:
    """``/proc/PID/status`` memory lines, in bytes."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmHWM:", "VmRSS:")):
            key, value = line.split(":", 1)
            values[key] = int(value.split()[0]) * 1024
    return values


def _maps_pyarrow(pid: int) -> bool:
    return "pyarrow" in Path(f"/proc/{pid}/maps").read_text()


def start_once(
    venv: Path, kind: Kind, stack_url: str, database: str, settle: float
) -> dict[str, Any]:
    """One ``hass`` start: times, peak RSS, pyarrow; then stopped."""
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        config = Path(tmp)
        _write_config(config, kind, stack_url, database, demo.free_port())
        log_path = config / "hass.out"
        with log_path.open("w") as out:
            began = time.monotonic()
            proc = subprocess.Popen(
                demo.hass_argv(venv, config),
                env=demo.hass_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                wall, reported = _wait_initialized(proc, log_path, began)
                time.sleep(settle)
                memory = _status(proc.pid)
                pyarrow = _maps_pyarrow(proc.pid)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        text = log_path.read_text()
    errors = [line for line in text.splitlines() if " ERROR (" in line]
    errors = [line for line in errors if not any(ok in line for ok in demo.HARMLESS)]
    if errors:
        raise RuntimeError(f"{kind.name}: hass logged errors:\n" + "\n".join(errors))
    return {
        "wall_s": round(wall, 3),
        "reported_s": reported,
        "peak_rss_mb": round(memory["VmHWM"] / 2**20, 1),
        "rss_mb": round(memory["VmRSS"] / 2**20, 1),
        "pyarrow": pyarrow,
    }


def _wait_initialized(
    proc: subprocess.Popen[bytes], log_path: Path, began: float
) -> tuple[float, float]:
    while time.monotonic() - began < START_TIMEOUT:
        if (match := INITIALIZED.search(log_path.read_text())) is not None:
            return time.monotonic() - began, float(match.group(1))
        if proc.poll() is not None:
            raise RuntimeError(
                f"hass exited {proc.returncode}:\n{log_path.read_text()}"
            )
        time.sleep(0.05)
    raise RuntimeError(f"hass not initialized in {START_TIMEOUT} s")


INTEGRATION_MODULES = ", ".join(
    f"custom_components.sports_influx.{m}"
    for m in ("config_flow", "diagnostics", "sensor", "services")
)
IMPORTS = {
    "python alone": "pass",
    "influxdb_client_3 (influxdb3-python)": "import influxdb_client_3",
    "influxdb_client (core influxdb, API v2)": "import influxdb_client",
    "influxdb (core influxdb, API v1)": "import influxdb",
}


def import_cost(code: str, cwd: Path, rounds: int) -> dict[str, float]:
    """Median peak RSS (MB) and wall time (s) of ``python -c code``."""
    rss, wall = [], []
    for _ in range(rounds):
        began = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall.append(time.monotonic() - began)
        if status != 0:
            raise RuntimeError(f"python -c {code!r} exited {status}")
        rss.append(usage.ru_maxrss / 1024)
    return {"peak_rss_mb": round(median(rss), 1), "wall_s": round(median(wall), 3)}


def imports(rounds: int, integrations: dict[str, Path]) -> dict[str, dict[str, float]]:
    """Each import in a fresh interpreter; the integration's per folder."""
    result = {name: import_cost(code, ROOT, rounds) for name, code in IMPORTS.items()}
    for name, folder in integrations.items():
        if folder.parent.name != "custom_components" or folder.name != "sports_influx":
            continue  # not importable under its package name
        code = f"import {INTEGRATION_MODULES}"
        result[f"the integration's modules ({name})"] = import_cost(
            code, folder.parent.parent, rounds
        )
    return result


@contextlib.contextmanager
def integration_at(rev: str) -> Iterator[Path]:
    """custom_components/sports_influx as it was at ``rev``."""
    archive = subprocess.run(
        ["git", "archive", rev, "custom_components/sports_influx"],  # noqa: S607
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="bench-rev-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "custom_components" / "sports_influx"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument(
        "--compare",
        metavar="REV",
        action="append",
        default=[],
        help="also Sports Influx at REV (a git revision, or a folder); repeatable",
    )
    args = parser.parse_args()
    venv = Path(sys.executable).parent.parent
    with contextlib.ExitStack() as stack:
        kinds = [
            Kind("none"),
            Kind("core_influxdb", core_influxdb=True),
            Kind("sports_influx", integration=ROOT / "custom_components/sports_influx"),
        ]
        for rev in args.compare:
            folder = Path(rev)
            if not folder.is_dir():
                folder = stack.enter_context(integration_at(rev))
            kinds.append(Kind(f"sports_influx@{rev}", integration=folder.resolve()))
        folders = {k.name: k.integration for k in kinds if k.integration is not None}
        import_figures = imports(args.rounds, folders)
        for name, figures in import_figures.items():
            log(f"import {name}: {figures}")
        server = stack.enter_context(influx())
        database = "bench_load"
        server.create_database(database)
        runs: dict[str, list[dict[str, Any]]] = {k.name: [] for k in kinds}
        for n in range(args.rounds):
            for kind in kinds:
                run = start_once(venv, kind, server.url, database, args.settle)
                log(f"round {n + 1}/{args.rounds} {kind.name}: {run}")
                runs[kind.name].append(run)
    result: dict[str, Any] = {
        "imports": import_figures,
        "rounds": args.rounds,
        "settle_s": args.settle,
        "load": os.getloadavg()[0],
    }
    for name, rs in runs.items():
        result[name] = {
            "wall_s": median([r["wall_s"] for r in rs]),
            "reported_s": median([r["reported_s"] for r in rs]),
            "peak_rss_mb": median([r["peak_rss_mb"] for r in rs]),
            "rss_mb": median([r["rss_mb"] for r in rs]),
            "pyarrow": all(r["pyarrow"] for r in rs),
            "all_runs": rs,
        }
    print("\n".join(rows(result)), file=sys.stderr)
    emit(result)


def rows(result: dict[str, Any]) -> list[str]:
    """A markdown table: one column per kind."""
    names = [k for k in result if isinstance(result[k], dict) and k != "imports"]
    head = "| figure (median of {} starts) | {} |".format(
        result["rounds"], " | ".join(names)
    )
    table = [head, "|---" * (len(names) + 1) + "|"]
    for key, label in (
        ("peak_rss_mb", "peak RSS (VmHWM), MB"),
        ("rss_mb", f"RSS {result['settle_s']:.0f} s after start-up, MB"),
        ("wall_s", "process start to 'initialized', s"),
        ("reported_s", "HA's 'initialized in', s"),
    ):
        table.append(
            f"| {label} | " + " | ".join(f"{result[n][key]:.2f}" for n in names) + " |"
        )
    table.append(
        "| pyarrow mapped | "
        + " | ".join("yes" if result[n]["pyarrow"] else "no" for n in names)
        + " |"
    )
    table += [
        "",
        "| import, in a fresh interpreter | peak RSS, MB | wall, s |",
        "|---|---|---|",
    ]
    table += [
        f"| {name} | {f['peak_rss_mb']:.1f} | {f['wall_s']:.3f} |"
        for name, f in result["imports"].items()
    ]
    return table


if __name__ == "__main__":
    main()
