"""The serialiser's score fields: generated code (exec) against closures.

``lineprotocol._fixed_fields`` builds one closure per measurement. The
alternative it replaces generated straight-line code per measurement with
``exec`` (as ``dataclasses`` does for ``__init__``); that generator is read
from git (commit f1a458d) and both are timed, interleaved, on the same
records as bench/throughput.py: the whole ``record_line`` with the score
layouts' fields swapped, and the fields function alone on NFL scores.
Run from the repository root: ``python bench/exec_vs_closure.py``.
"""

from __future__ import annotations

from pathlib import Path
import statistics
import subprocess
import sys
import time
from typing import Any

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent)]

from throughput import NOW, history  # noqa: E402

from custom_components.sports_influx import lineprotocol as lp  # noqa: E402
from custom_components.sports_influx.records import NflScore  # noqa: E402

GENERATOR_COMMIT = "f1a458d"


def exec_generator() -> Any:
    """The exec-based ``_fixed_fields``, from git, over today's helpers."""
    source = subprocess.run(
        [  # noqa: S607 - git from PATH
            "git",
            "show",
            f"{GENERATOR_COMMIT}:custom_components/sports_influx/lineprotocol.py",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    start = source.index("# What the generated function does")
    end = source.index("def _field_key(")
    scope = dict(vars(lp))
    exec(source[start:end], scope)  # noqa: S102 - the project's own code
    return scope["_fixed_fields"]


def main(repeat: int = 9) -> None:
    """Print points/s of each, medians of interleaved runs."""
    records = history(40_000)
    layouts = [
        layout
        for layout in lp._LAYOUTS.values()
        if layout.fields.__qualname__.startswith("_fixed_fields")
    ]
    generated = exec_generator()
    fns = {
        "closure": {id(layout): layout.fields for layout in layouts},
        "exec": {id(layout): generated(layout.measurement) for layout in layouts},
    }
    rates: dict[str, list[float]] = {"closure": [], "exec": []}
    lines: dict[str, list[str]] = {}
    for rep in range(repeat):
        for kind in ("exec", "closure") if rep % 2 else ("closure", "exec"):
            for layout in layouts:
                object.__setattr__(layout, "fields", fns[kind][id(layout)])
            started = time.perf_counter()
            lines[kind] = [lp.record_line(r, NOW) for r in records]
            rates[kind].append(len(records) / (time.perf_counter() - started))
    for layout in layouts:
        object.__setattr__(layout, "fields", fns["closure"][id(layout)])
    assert lines["exec"] == lines["closure"]  # the same bytes
    scores = [r for r in records if isinstance(r, NflScore)]
    layout = lp.layout_for(scores[0])
    alone: dict[str, list[float]] = {"closure": [], "exec": []}
    for rep in range(repeat):
        for kind in ("exec", "closure") if rep % 2 else ("closure", "exec"):
            fields = fns[kind][id(layout)]
            started = time.perf_counter()
            for record in scores:
                fields(record)
            alone[kind].append(len(scores) / (time.perf_counter() - started))
    for kind in ("closure", "exec"):
        print(
            f"{kind}: record_line {statistics.median(rates[kind]):,.0f} points/s, "
            f"fields alone {statistics.median(alone[kind]):,.0f} records/s"
        )
    print(
        "closure/exec: record_line "
        f"{statistics.median(rates['closure']) / statistics.median(rates['exec']):.2f}"
        ", fields alone "
        f"{statistics.median(alone['closure']) / statistics.median(alone['exec']):.2f}"
    )


if __name__ == "__main__":
    main()
