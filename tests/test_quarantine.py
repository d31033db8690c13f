"""The quarantine: refused lines and lines UTF-8 cannot hold, kept aside, bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.sports_influx.outbox import Outbox
from custom_components.sports_influx.quarantine import REJECTED_FILE, Quarantine

from .factories import drain, outbox_lines


def test_quarantine(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "new", max_bytes=10**6)
    outbox.quarantine([], "nothing")
    outbox.quarantine(outbox_lines(0, 2), "partial write:\nfield type conflict")
    text = (tmp_path / "new" / REJECTED_FILE).read_text()
    assert text.startswith("# ")
    assert text.splitlines()[0].endswith("partial write: field type conflict")
    assert text.splitlines()[1:] == outbox_lines(0, 2)
    assert outbox.rejected == 2
    assert outbox.peek() is None
    outbox.ack()  # nothing to ack: no error


def test_quarantine_is_bounded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    quarantine = Quarantine(tmp_path / REJECTED_FILE, max_bytes=700)
    for group in range(4):
        quarantine.add(outbox_lines(group * 4, 4), f"refused {group}")
    text = (tmp_path / REJECTED_FILE).read_text()
    assert len(text.encode()) <= 700
    # Whole groups go, the oldest first; the newest is kept whole.
    assert text.startswith("# ")
    assert text.splitlines()[-4:] == outbox_lines(12, 4)
    kept = [line for line in text.splitlines() if not line.startswith("#")]
    assert quarantine.dropped == 16 - len(kept) > 0
    assert "dropped its" in caplog.text
    # One group larger than the bound: its comment and newest lines stay.
    quarantine.add(outbox_lines(100, 20), "a large refusal")
    text = (tmp_path / REJECTED_FILE).read_text()
    assert len(text.encode()) <= 700
    assert text.splitlines()[0].endswith("a large refusal")
    assert text.splitlines()[-1] == outbox_lines(119, 1)[0]


def test_lines_utf8_cannot_hold_are_set_aside(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    bad = "nfl_scores,team=AT\ud800 home_score=1i 1"
    result = outbox.append_lines("events", [*outbox_lines(0, 2), bad])
    assert (result.refused, result.error) == (1, None)
    assert outbox.append_lines("events", [bad]).refused == 1
    assert [r.lines for r in drain(outbox)] == [tuple(outbox_lines(0, 2))]
    text = (tmp_path / REJECTED_FILE).read_text(encoding="utf-8")
    assert text.count("AT\\ud800") == 2
