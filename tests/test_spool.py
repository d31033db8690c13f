"""The outbox's files: order, restart, tears, the bound, quarantine."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest

from custom_components.sports_influx import outbox as outbox_module
from custom_components.sports_influx.outbox import DAMAGED_DIR, Outbox, OutboxRecord
from custom_components.sports_influx.quarantine import REJECTED_FILE, Quarantine

from .factories import fail_writes, flip_byte


def _lines(start: int, count: int) -> list[str]:
    return [
        f'nfl_scores,game_id=g{i} home_score={i}i,note="a b" {i}'
        for i in range(start, start + count)
    ]


def _drain(outbox: Outbox) -> list[OutboxRecord]:
    out = []
    while (record := outbox.peek()) is not None:
        out.append(record)
        outbox.ack()
    return out


def test_oldest_first_and_deleted_when_sent(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    assert outbox.load() == []
    assert outbox.peek() is None
    outbox.append("events", _lines(0, 3))
    outbox.append("standings", _lines(3, 2))
    outbox.append("events", [])  # nothing to keep
    assert (outbox.points, outbox.size > 0) == (5, True)
    assert _drain(outbox) == [
        OutboxRecord("events", tuple(_lines(0, 3))),
        OutboxRecord("standings", tuple(_lines(3, 2))),
    ]
    assert (outbox.points, outbox.size) == (0, 0)
    assert list(tmp_path.iterdir()) == []


def test_restart_keeps_everything_not_sent(tmp_path: Path) -> None:
    first = Outbox(tmp_path, max_bytes=10**6)
    first.load()
    for n in range(4):
        first.append("events", _lines(n * 10, 10))
    assert first.peek() == OutboxRecord("events", tuple(_lines(0, 10)))
    first.ack()
    # A new run (HA restarted) sees the three batches left, in order.
    second = Outbox(tmp_path, max_bytes=10**6)
    assert second.load() == []
    second.append("stats", _lines(100, 1))
    records = _drain(second)
    # The sent batch is marked in place: not sent again; then the new batch.
    assert [r.lines[0] for r in records] == [
        _lines(10, 1)[0],
        _lines(20, 1)[0],
        _lines(30, 1)[0],
        _lines(100, 1)[0],
    ]


def test_segments_roll_over(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6, segment_bytes=4096)
    outbox.load()
    for n in range(40):
        outbox.append("events", _lines(n * 5, 5))
    files = sorted(tmp_path.iterdir())
    assert len(files) >= 3
    assert all(f.stat().st_size <= 4096 for f in files)
    assert sum(len(r.lines) for r in _drain(outbox)) == 200


@pytest.mark.parametrize("cut", [1, 10, 60, -1])
def test_torn_record_keeps_what_precedes(
    tmp_path: Path, cut: int, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", _lines(0, 3))
    outbox.append("events", _lines(3, 3))
    (segment,) = tmp_path.iterdir()
    data = segment.read_bytes()
    first_end = data.index(b"SI1", 1)
    # Power cut in the middle of writing the second record.
    segment.write_bytes(data[: first_end + cut] if cut > 0 else data[:-1])
    again = Outbox(tmp_path, max_bytes=10**6)
    assert again.load() == [str(segment)]
    assert str(segment) in caplog.text
    again.append("events", _lines(6, 1))  # goes to a new file, after the tear
    assert [len(r.lines) for r in _drain(again)] == [3, 1]


def test_corrupt_checksum_and_garbage(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", _lines(0, 2))
    outbox.append("events", _lines(2, 2))
    (segment,) = tmp_path.iterdir()
    data = bytearray(segment.read_bytes())
    data[-5] ^= 0x01  # a flipped bit in the second payload
    segment.write_bytes(bytes(data))
    (tmp_path / "outbox-99999999.lp").write_bytes(b"not an outbox\n")
    again = Outbox(tmp_path, max_bytes=10**6)
    assert len(again.load()) == 2
    assert [r.lines for r in _drain(again)] == [tuple(_lines(0, 2))]
    # Both damaged files are kept aside, as they were.
    assert [p.name for p in tmp_path.iterdir()] == ["damaged"]
    assert sorted(p.read_bytes() for p in (tmp_path / "damaged").iterdir()) == sorted(
        [bytes(data), b"not an outbox\n"]
    )
    assert again.damaged_records == 2


def test_bound_drops_oldest_and_counts(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=64 * 1024)
    outbox.load()
    dropped = sum(outbox.append("events", _lines(n * 10, 10)) for n in range(200))
    assert outbox.size <= 64 * 1024
    assert dropped == outbox.dropped > 0
    assert outbox.points + dropped == 2000
    records = _drain(outbox)
    # What is left is the newest, still in order.
    kept = [line for r in records for line in r.lines]
    assert kept == _lines(2000 - len(kept), len(kept))


def test_quarantine(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "new", max_bytes=10**6)
    outbox.quarantine([], "nothing")
    outbox.quarantine(_lines(0, 2), "partial write:\nfield type conflict")
    text = (tmp_path / "new" / REJECTED_FILE).read_text()
    assert text.startswith("# ")
    assert text.splitlines()[0].endswith("partial write: field type conflict")
    assert text.splitlines()[1:] == _lines(0, 2)
    assert outbox.rejected == 2
    assert outbox.peek() is None
    outbox.ack()  # nothing to ack: no error


def test_quarantine_is_bounded(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    quarantine = Quarantine(tmp_path / REJECTED_FILE, max_bytes=700)
    for group in range(4):
        quarantine.add(_lines(group * 4, 4), f"refused {group}")
    text = (tmp_path / REJECTED_FILE).read_text()
    assert len(text.encode()) <= 700
    # Whole groups go, the oldest first; the newest is kept whole.
    assert text.startswith("# ")
    assert text.splitlines()[-4:] == _lines(12, 4)
    kept = [line for line in text.splitlines() if not line.startswith("#")]
    assert quarantine.dropped == 16 - len(kept) > 0
    assert "dropped its" in caplog.text
    # One group larger than the bound: its comment and newest lines stay.
    quarantine.add(_lines(100, 20), "a large refusal")
    text = (tmp_path / REJECTED_FILE).read_text()
    assert len(text.encode()) <= 700
    assert text.splitlines()[0].endswith("a large refusal")
    assert text.splitlines()[-1] == _lines(119, 1)[0]


def test_lines_utf8_cannot_hold_are_set_aside(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    bad = "nfl_scores,team=AT\ud800 home_score=1i 1"
    result = outbox.append_lines("events", [*_lines(0, 2), bad])
    assert (result.refused, result.error) == (1, None)
    assert outbox.append_lines("events", [bad]).refused == 1
    assert [r.lines for r in _drain(outbox)] == [tuple(_lines(0, 2))]
    text = (tmp_path / REJECTED_FILE).read_text(encoding="utf-8")
    assert text.count("AT\\ud800") == 2


@pytest.mark.parametrize("undo_fails", [False, True])
def test_failed_append_is_undone(tmp_path: Path, undo_fails: bool) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", _lines(0, 2))
    with (
        fail_writes(outbox_module.os, 0.5, undo_fails=undo_fails),
        pytest.raises(OSError, match="No space"),
    ):
        outbox.append("events", _lines(2, 2))
    outbox.append("events", _lines(4, 2))
    assert len(list(tmp_path.glob("outbox-*"))) == (2 if undo_fails else 1)
    assert [r.lines for r in _drain(outbox)] == [
        tuple(_lines(0, 2)),
        tuple(_lines(4, 2)),
    ]
    # A failure on a new file leaves nothing indexed in it.
    with fail_writes(outbox_module.os, 0.0, where="fsync"):
        assert outbox.append_lines("events", _lines(6, 1)).error is not None
    assert outbox.peek() is None


def test_damage_kept_in_place_when_it_cannot_be_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", _lines(0, 2))
    outbox.append("events", _lines(2, 2))
    (segment,) = tmp_path.glob("outbox-*")
    flip_byte(segment, 5)
    again = Outbox(tmp_path, max_bytes=10**6)
    with patch.object(outbox_module, "_aside_path", side_effect=OSError("read-only")):
        assert again.load() == [str(segment)]
    assert "cannot be set aside" in caplog.text
    assert [r.lines for r in _drain(again)] == [tuple(_lines(2, 2))]
    assert again.damaged_records == 1


def test_damage_copied_aside_without_hard_links(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", _lines(0, 2))
    (segment,) = tmp_path.glob("outbox-*")
    flip_byte(segment, 40)
    damaged = segment.read_bytes()
    again = Outbox(tmp_path, max_bytes=10**6)
    with patch.object(outbox_module.os, "link", side_effect=OSError("no links here")):
        again.load()
    assert again.peek() is None
    assert [p.read_bytes() for p in (tmp_path / DAMAGED_DIR).iterdir()] == [damaged]
    assert again.state().damaged_bytes == len(damaged)


def test_unreadable_entries_and_leftovers_at_load(tmp_path: Path) -> None:
    (tmp_path / "outbox-00000007.lp").mkdir()
    (tmp_path / ".outbox-00000003.lp.tmp").write_bytes(b"half a rewrite")
    outbox = Outbox(tmp_path, max_bytes=10**6)
    assert outbox.load() == [str(tmp_path / "outbox-00000007.lp")]
    assert outbox.damaged_records == 1
    assert outbox.damage_kept()
    outbox.append("events", _lines(0, 1))
    assert [p.name for p in tmp_path.glob("*outbox-*")] == ["outbox-00000008.lp"]


def test_a_segment_gone_while_running(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6, segment_bytes=4096)
    outbox.load()
    for n in range(30):
        outbox.append("events", _lines(n * 5, 5))
    first = sorted(tmp_path.glob("outbox-*"))[0]
    first.unlink()
    records = _drain(outbox)
    assert records
    assert outbox.damaged_records > 0
    assert outbox.damaged_records + len(records) == 30
    # An index that stays wrong after a rescan: the segment is given up.
    outbox.append("events", _lines(200, 1))
    with patch.object(outbox_module, "_read_record", return_value=None):
        assert outbox.peek() is None
    assert outbox.damaged_records + len(records) == 31


def test_sent_mark_that_fails_means_sent_again(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", _lines(0, 1))
    outbox.append("events", _lines(1, 1))
    outbox.peek()
    with patch.object(outbox_module.os, "pwrite", side_effect=OSError("read-only")):
        outbox.ack()
    again = Outbox(tmp_path, max_bytes=10**6)
    again.load()
    assert [r.lines[0] for r in _drain(again)] == [*_lines(0, 1), *_lines(1, 1)]


def test_a_line_holding_a_newline_is_not_taken_for_damage(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", ["m v=1i 1\nm v=2i 2", "m v=3i 3"])
    assert outbox.points == 3
    again = Outbox(tmp_path, max_bytes=10**6)
    assert again.load() == []
    assert [r.lines for r in _drain(again)] == [("m v=1i 1", "m v=2i 2", "m v=3i 3")]
    assert again.damaged_records == 0


def test_ack_of_a_batch_the_bound_dropped_meanwhile(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=32 * 1024)
    outbox.load()
    for n in range(40):
        outbox.append("events", _lines(n * 10, 10))
    record = outbox.peek()
    assert record is not None
    # While it is being written, new batches push the oldest out.
    while outbox.dropped < 10:
        outbox.append("events", _lines(1000, 10))
    oldest = outbox.peek()
    outbox.ack(record)
    assert outbox.peek() == oldest
