"""``damaged/``, the outbox bytes set aside for a human: bounded, counted.

Real files on disk: each round spools a record, rots one byte of it and
loads the outbox again, as a restart does; the clock is HA's frozen one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging
from pathlib import Path
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.sports_influx import damage as damage_module
from custom_components.sports_influx.outbox import DAMAGED_DIR, Outbox

from .factories import flip_byte, outbox_lines

START = datetime(2026, 1, 10, 18, 0, tzinfo=UTC)


def _kept(directory: Path) -> dict[str, int]:
    """What ``damaged/`` holds: name -> bytes."""
    if not (folder := directory / DAMAGED_DIR).exists():
        return {}
    return {p.name: p.stat().st_size for p in folder.iterdir()}


def _damage_round(directory: Path, n: int) -> tuple[Outbox, set[str]]:
    """Spool one record, rot a byte of it, load again; the names set aside."""
    before = set(_kept(directory))
    outbox = Outbox(directory, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(10 * n, 3))
    newest = max(directory.glob("outbox-*.lp"))
    flip_byte(newest, newest.stat().st_size - 5)
    again = Outbox(directory, max_bytes=10**6)
    assert again.load() == [str(newest)]
    return again, set(_kept(directory)) - before


def test_damaged_folder_is_bounded_oldest_first(
    tmp_path: Path, freezer: FrozenDateTimeFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Damage past the bound: the oldest entries go, the counts go on."""
    cap = 1000
    order: list[str] = []
    sizes: dict[str, int] = {}
    freezer.move_to(START)
    with patch.object(damage_module, "DAMAGED_MAX_BYTES", cap):
        for n in range(8):
            # The clock set back once: age is told by the counts, not by it.
            freezer.move_to(START + timedelta(minutes=-30 if n == 5 else n))
            gone = set(order) - set(_kept(tmp_path))
            caplog.clear()
            outbox, new = _damage_round(tmp_path, n)
            (name,) = new
            order.append(name)
            kept = _kept(tmp_path)
            sizes[name] = kept[name]
            assert sum(kept.values()) <= cap
            # The newest entries are the ones kept, in one unbroken run.
            assert set(kept) == set(order[len(order) - len(kept) :])
            # Each round's segment is one damaged record, set aside whole.
            assert outbox.damage.records == n + 1
            assert outbox.state().damaged_bytes == sum(sizes.values())
            warnings = [r for r in caplog.records if "grew past" in r.getMessage()]
            if dropped := sum(sizes[g] for g in set(order) - set(kept) - gone):
                (warning,) = warnings
                assert warning.levelno == logging.WARNING
                assert str(tmp_path / DAMAGED_DIR) in warning.getMessage()
                assert f"dropped {dropped} bytes" in warning.getMessage()
                assert outbox.damage.dropped == dropped
            else:
                assert not warnings
    assert order[0] not in kept
    assert 2 <= len(kept) < len(order)
    # Evidence dropped is never damage forgotten: a restart goes on from 8.
    again = Outbox(tmp_path, max_bytes=10**6)
    again.load()
    assert again.damage.records == 8
    assert again.state().damaged_bytes == sum(sizes.values())


def test_newest_alone_past_the_bound_keeps_its_head_and_name(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """One damaged segment larger than the bound: its first bytes stay."""
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(0, 50))
    (segment,) = tmp_path.glob("outbox-*.lp")
    flip_byte(segment, 60)
    original = segment.read_bytes()
    with patch.object(damage_module, "DAMAGED_MAX_BYTES", 512):
        again = Outbox(tmp_path, max_bytes=10**6)
        again.load()
    ((name, size),) = _kept(tmp_path).items()
    assert size == 512
    assert (tmp_path / DAMAGED_DIR / name).read_bytes() == original[:512]
    assert again.damage.dropped == len(original) - 512
    assert f"dropped {len(original) - 512} bytes" in caplog.text
    # The name still carries the count.
    third = Outbox(tmp_path, max_bytes=10**6)
    third.load()
    assert third.damage.records == 1


def test_unreadable_entries_are_bounded_too(tmp_path: Path) -> None:
    """Directories in a segment's place: dropped whole, or emptied if newest."""
    with patch.object(damage_module, "DAMAGED_MAX_BYTES", 600):
        for n in range(3):
            blocker = tmp_path / f"outbox-{n:08d}.lp"
            blocker.mkdir()
            (blocker / "x").write_bytes(b"x" * (400 if n < 2 else 700))
            outbox = Outbox(tmp_path, max_bytes=10**6)
            outbox.load()
            assert outbox.damage.records == n + 1
    ((name, _),) = _kept(tmp_path).items()
    assert name.startswith("outbox-00000002.lp.")
    # Too large alone: its name stays (the count), as an empty file.
    assert (tmp_path / DAMAGED_DIR / name).is_file()
    assert outbox.damage.dropped == 400 + 700


def test_older_names_go_first_and_do_not_count(tmp_path: Path) -> None:
    """Entries named without totals (set aside before they were named so)."""
    old = tmp_path / DAMAGED_DIR / "outbox-00000000.lp.20250101T000000"
    old.parent.mkdir()
    old.write_bytes(b"o" * 900)
    with patch.object(damage_module, "DAMAGED_MAX_BYTES", 1000):
        outbox, new = _damage_round(tmp_path, 0)
    assert set(_kept(tmp_path)) == new
    assert outbox.damage.records == 1
    assert outbox.damage.dropped == 900


def test_bound_that_cannot_be_kept_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A drop that fails is logged; the damage is still counted."""
    (tmp_path / DAMAGED_DIR).mkdir()
    (tmp_path / DAMAGED_DIR / "older").write_bytes(b"o" * 900)
    with (
        patch.object(damage_module, "DAMAGED_MAX_BYTES", 1000),
        patch.object(damage_module, "_remove", side_effect=OSError("read-only")),
    ):
        outbox, _ = _damage_round(tmp_path, 0)
    assert "Cannot keep" in caplog.text
    assert outbox.damage.records == 1
    assert outbox.damage.dropped == 0
