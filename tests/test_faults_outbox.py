"""The outbox under damage, on the real stack: nothing valid is lost.

Points wait in the outbox while nginx is stopped (the entry is set up
again with the server away, so every flush spools one record); the files
the integration wrote are then damaged, the server comes back, and what
InfluxDB holds is read back.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from influx_stack import http_request
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sports_influx import (
    damage as damage_module,
    outbox as outbox_module,
    outbox_dir,
    quarantine as quarantine_module,
)
from custom_components.sports_influx.const import DOMAIN
from custom_components.sports_influx.lineprotocol import checked_line, retention_of
from custom_components.sports_influx.outbox import Outbox
from custom_components.sports_influx.writer import SportsInfluxWriter
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util

from .conftest import select_from
from .factories import (
    OUTAGE_START as START,
    fail_writes,
    flip_byte,
    nfl_score,
    score_by_action,
)

DAMAGED = "damaged"  # where set-aside bytes go, under the outbox folder


async def _setup_away(
    hass: HomeAssistant, entry: MockConfigEntry, stack
) -> SportsInfluxWriter:  # type: ignore[no-untyped-def]
    """Set the entry up again with the server away: every flush spools."""
    if entry.state.recoverable:
        await hass.config_entries.async_unload(entry.entry_id)
    stack.stop_nginx()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry.runtime_data.writer


async def _spool_scores(
    hass: HomeAssistant, writer: SportsInfluxWriter, homes: range
) -> None:
    """One outbox record per score (minute = home score)."""
    for home in homes:
        await score_by_action(hass, home, home)
        await writer.async_flush()


async def _back(
    hass: HomeAssistant, entry: MockConfigEntry, stack
) -> SportsInfluxWriter:  # type: ignore[no-untyped-def]
    """The server returns and the entry is set up again: replay, to the end."""
    await hass.config_entries.async_unload(entry.entry_id)
    stack.start_nginx()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    writer: SportsInfluxWriter = entry.runtime_data.writer
    await _drain(writer)
    return writer


async def _drain(writer: SportsInfluxWriter) -> None:
    for _ in range(20):
        await writer.async_flush()
        if not writer.stats.outbox_points and not writer.pending():
            return
    pytest.fail("the outbox does not drain")


def _homes(stack, database: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Home scores InfluxDB holds, in time order (one game, minute = score)."""
    return [r["home_score"] for r in select_from(stack, database, "nfl_scores")]


def _segments(hass: HomeAssistant, entry: MockConfigEntry) -> list[Path]:
    return sorted(outbox_dir(hass, entry.entry_id).glob("outbox-*.lp"))


def _payload_offsets(data: bytes) -> list[int]:
    """Where each record's payload starts (after its header line)."""
    offsets = []
    at = data.find(b"SI1 ")
    while at >= 0:
        offsets.append(data.index(b"\n", at) + 1)
        at = data.find(b"SI1 ", offsets[-1])
    return offsets


def _damage_issue(
    issue_registry: ir.IssueRegistry, entry: MockConfigEntry
) -> ir.IssueEntry | None:
    return issue_registry.async_get_issue(DOMAIN, f"outbox_damaged_{entry.entry_id}")


@pytest.mark.parametrize(
    ("record", "expected"),
    [(0, [1, 2, 3, 4]), (2, [0, 1, 3, 4])],
    ids=["first", "middle"],
)
async def test_damaged_record_loses_only_itself(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    issue_registry: ir.IssueRegistry,
    entity_registry: er.EntityRegistry,
    record: int,
    expected: list[int],
) -> None:
    """One byte of the first (or a middle) record rots: the 4 others arrive."""
    writer = await _setup_away(hass, init_integration, stack)
    await _spool_scores(hass, writer, range(5))
    await hass.config_entries.async_unload(init_integration.entry_id)
    (segment,) = _segments(hass, init_integration)
    original = segment.read_bytes()
    assert len(_payload_offsets(original)) == 5
    flip_byte(segment, _payload_offsets(original)[record] + 3)
    damaged = segment.read_bytes()

    writer = await _back(hass, init_integration, stack)
    assert _homes(stack, database) == expected
    assert writer.stats.outbox_damaged == 1
    assert writer.stats.outbox_damaged_bytes > 0
    assert writer.stats.points_written == 4
    # The damaged bytes are set aside as they were, and the user is told where.
    kept = list((outbox_dir(hass, init_integration.entry_id) / DAMAGED).iterdir())
    assert [p.read_bytes() for p in kept] == [damaged]
    issue = _damage_issue(issue_registry, init_integration)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["records"] == "1"
    assert issue.translation_placeholders["path"] == str(kept[0].parent)
    sensor = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{init_integration.entry_id}_outbox_damaged"
    )
    assert sensor is not None
    state = hass.states.get(sensor)
    assert state is not None
    assert state.state == "1"

    # Handled: the folder removed, the issue closes at the next setup.
    for path in kept:
        path.unlink()
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert _damage_issue(issue_registry, init_integration) is None


async def test_unreadable_entry_at_load(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A directory where a segment should be: new points get a new file."""
    writer = await _setup_away(hass, init_integration, stack)
    await _spool_scores(hass, writer, range(2))
    await hass.config_entries.async_unload(init_integration.entry_id)
    (first,) = _segments(hass, init_integration)
    blocker = first.with_name("outbox-00000001.lp")
    blocker.mkdir()
    (blocker / "x").write_text("not a segment")

    writer = await _setup_away(hass, init_integration, stack)
    await _spool_scores(hass, writer, range(2, 5))
    names = [p.name for p in _segments(hass, init_integration)]
    assert names == ["outbox-00000000.lp", "outbox-00000002.lp"]
    assert writer.stats.outbox_points == 5
    caplog.clear()

    stack.start_nginx()
    await _drain(writer)
    assert _homes(stack, database) == [0, 1, 2, 3, 4]
    assert writer.stats.outbox_damaged == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    kept = list((outbox_dir(hass, init_integration.entry_id) / DAMAGED).iterdir())
    assert [(p / "x").read_text() for p in kept] == ["not a segment"]


async def test_segment_replaced_by_garbage_while_running(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """Garbage in the head segment: set aside at once, live points go on."""
    writer = await _setup_away(hass, init_integration, stack)
    await _spool_scores(hass, writer, range(3))
    (segment,) = _segments(hass, init_integration)
    garbage = (bytes(range(256)) * 64)[: segment.stat().st_size]
    segment.write_bytes(garbage)
    # Spooled after the garbage, in the same file: these are kept.
    await _spool_scores(hass, writer, range(3, 5))

    stack.start_nginx()
    await _drain(writer)
    for home in range(5, 7):
        await score_by_action(hass, home, home)
    await _drain(writer)
    assert _homes(stack, database) == [3, 4, 5, 6]
    assert writer.stats.outbox_damaged == 3
    assert writer.stats.outbox_points == 0
    kept = list((outbox_dir(hass, init_integration.entry_id) / DAMAGED).iterdir())
    assert len(kept) == 1
    assert kept[0].read_bytes().startswith(garbage)


@pytest.mark.parametrize("undo_fails", [False, True], ids=["undone", "undo_fails"])
async def test_disk_full_in_the_middle_of_an_append(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    issue_registry: ir.IssueRegistry,
    undo_fails: bool,
) -> None:
    """ENOSPC half-way through a record: undone, counted, the next one is right."""
    writer = await _setup_away(hass, init_integration, stack)
    issue_id = f"outbox_unspooled_{init_integration.entry_id}"
    await _spool_scores(hass, writer, range(1))
    with fail_writes(outbox_module.os, 0.5, undo_fails=undo_fails, only="outbox-"):
        await _spool_scores(hass, writer, range(1, 2))
    told = issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    await _spool_scores(hass, writer, range(2, 3))
    # Undone, the file takes the next record; torn for good, a new one does.
    assert len(_segments(hass, init_integration)) == (2 if undo_fails else 1)

    stack.start_nginx()
    await _drain(writer)
    assert _homes(stack, database) == [0, 2]
    assert writer.stats.rejected == 0
    assert writer.stats.points_failed == 1
    assert writer.stats.outbox_unspooled == 1
    # Told while it lasted; closed once the outbox stored points again.
    assert told
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    # Nothing is left behind to send again after a restart.
    writer = await _back(hass, init_integration, stack)
    assert _homes(stack, database) == [0, 2]
    assert writer.stats.points_written == 0


async def test_unencodable_line_in_the_spool_path(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """A lone surrogate beside good points: it is set aside, they are kept."""
    writer = init_integration.runtime_data.writer
    writer._batcher.max_queue = 100
    # No size flush takes the queue away: the spill to disk does.
    writer.batch_size = 1000
    now = dt_util.utcnow()
    scores = [
        nfl_score(n, game_id="g1", time=START + timedelta(minutes=n))
        for n in range(110)
    ]
    assert writer.async_enqueue(scores[:100]) == 100
    # Past the checks at the door (whatever they are): straight into the queue.
    bad = checked_line(scores[0], now).replace("ATL", "AT\ud800")
    writer._batcher.queue.appendleft((retention_of(scores[0]).value, bad))
    # The queue is full: the oldest tenth (the bad line first) goes to disk.
    assert writer.async_enqueue(scores[100:]) == 10
    await hass.async_block_till_done()
    await _drain(writer)

    assert _homes(stack, database) == list(range(110))
    assert writer.stats.points_invalid == 1
    assert writer.stats.points_failed == 0
    quarantine = (
        outbox_dir(hass, init_integration.entry_id) / quarantine_module.REJECTED_FILE
    )
    assert "AT\\ud800" in quarantine.read_text(encoding="utf-8")


async def test_rejected_file_is_bounded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    stack,
    database: str,
) -> None:
    """Refused lines are kept up to a bound: the oldest groups go first."""
    with patch.object(quarantine_module, "REJECTED_MAX_BYTES", 4096):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        # Another writer made home_score a float in this shard first.
        http_request(
            f"{stack.influx_url}/write?db={database}&rp=sports_events_2y",
            "POST",
            f"nfl_scores,game_id=other home_score=1.5 {int(START.timestamp()) * 10**9}".encode(),
        )
        writer = mock_config_entry.runtime_data.writer
        for group in range(6):
            for n in range(10):
                await score_by_action(hass, group * 10 + n, group * 10 + n)
            await hass.services.async_call(DOMAIN, "flush", {}, blocking=True)
    quarantine = (
        outbox_dir(hass, mock_config_entry.entry_id) / quarantine_module.REJECTED_FILE
    )
    text = quarantine.read_text()
    assert writer.stats.rejected == 60
    assert len(text.encode()) <= 4096
    assert text.startswith("# ")
    kept = [line for line in text.splitlines() if not line.startswith("#")]
    assert 0 < len(kept) < 60
    assert writer.stats.rejected_dropped == 60 - len(kept)
    # The newest lines are the ones kept.
    assert "home_score=59i" in kept[-1]
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_any_exception_in_the_outbox_is_contained(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outbox that raises (a bug, a broken disk): counted, never raised into HA."""
    real_append = Outbox.append_lines
    calls = 0

    def append_once_broken(self: Outbox, retention: str, lines: list[str]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("broken outbox")
        return real_append(self, retention, lines)

    with patch.object(Outbox, "load", side_effect=RuntimeError("unlistable")):
        writer = await _setup_away(hass, init_integration, stack)
    assert "Cannot read the outbox" in caplog.text
    with patch.object(Outbox, "append_lines", append_once_broken):
        await _spool_scores(hass, writer, range(2))
    assert writer.stats.points_failed == 1
    assert writer.stats.outbox_unspooled == 1
    assert writer.stats.outbox_points == 1

    # The outbox cannot be read now: live points are written all the same.
    stack.start_nginx()
    with patch.object(Outbox, "peek", side_effect=RuntimeError("unreadable")):
        for home in range(2, 5):
            await score_by_action(hass, home, home)
        await writer.async_flush()
        await writer.async_flush()
    assert _homes(stack, database) == [2, 3, 4]
    told = {r.levelname for r in caplog.records if "unreadable" in r.getMessage()}
    assert "WARNING" in told
    assert "ERROR" not in told
    await _drain(writer)
    assert _homes(stack, database) == [1, 2, 3, 4]


async def test_damage_at_every_setup_is_bounded_and_counted(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    issue_registry: ir.IssueRegistry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A disk that keeps rotting: damaged/ stays bounded, the count goes on."""
    entry_id = init_integration.entry_id
    cap = 1500
    folder = outbox_dir(hass, entry_id) / DAMAGED
    sensor = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"{entry_id}_outbox_damaged"
    )
    assert sensor is not None
    order: list[str] = []
    sizes: dict[str, int] = {}
    with patch.object(damage_module, "DAMAGED_MAX_BYTES", cap):
        writer = await _setup_away(hass, init_integration, stack)
        for n in range(5):
            await _spool_scores(hass, writer, range(3 * n, 3 * n + 3))
            await hass.config_entries.async_unload(entry_id)
            # The first of the 3 records this setup spooled rots.
            newest = _segments(hass, init_integration)[-1]
            flip_byte(newest, _payload_offsets(newest.read_bytes())[0] + 3)
            gone = set(order) - {p.name for p in folder.glob("*")}
            caplog.clear()
            writer = await _setup_away(hass, init_integration, stack)

            kept = {p.name: p.stat().st_size for p in folder.iterdir()}
            (name,) = set(kept) - set(order)
            order.append(name)
            sizes[name] = kept[name]
            assert sum(kept.values()) <= cap
            assert set(kept) == set(order[len(order) - len(kept) :])
            dropped = sum(sizes[g] for g in set(order) - set(kept) - gone)
            warnings = [r for r in caplog.records if "grew past" in r.getMessage()]
            if dropped:
                (warning,) = warnings
                assert warning.levelname == "WARNING"
                assert str(folder) in warning.getMessage()
                assert f"dropped {dropped} bytes" in warning.getMessage()
            else:
                assert not warnings
            # The count is the total since the outbox was made.
            state = hass.states.get(sensor)
            assert state is not None
            assert state.state == str(n + 1)
            issue = _damage_issue(issue_registry, init_integration)
            assert issue is not None
            assert issue.translation_placeholders is not None
            assert issue.translation_placeholders["records"] == str(n + 1)
    assert order[0] not in kept
    assert 1 < len(kept) < len(order)
    damaged_bytes = writer.stats.outbox_damaged_bytes
    assert damaged_bytes > 0

    # A reload with no new damage shows the same totals.
    await hass.config_entries.async_reload(entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(sensor)
    assert state is not None
    assert state.state == "5"
    writer = init_integration.runtime_data.writer
    assert writer.stats.outbox_damaged_bytes == damaged_bytes
    # Every record the damage did not hit arrives.
    writer = await _back(hass, init_integration, stack)
    assert _homes(stack, database) == [h for h in range(15) if h % 3]
    assert writer.stats.outbox_damaged == 5
