"""The outbox: its files on their own, then nothing lost on the real stack.

First the files alone: order, restart, segments, tears, checksums, the
bound, failed writes. Then outages, restarts, torn files and refused lines
with HA and the server: the server is cut by stopping nginx (or influxd) by
PID; HA's timers are driven with the frozen clock and
``async_fire_time_changed``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from influx_stack import http_request
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sports_influx import outbox as outbox_module, outbox_dir
from custom_components.sports_influx.const import (
    CONF_BATCH_SIZE,
    CONF_FLUSH_INTERVAL,
    CONF_OUTBOX_MAX_MB,
    DOMAIN,
)
from custom_components.sports_influx.outbox import (
    DAMAGED_DIR,
    Outbox,
    OutboxRecord,
    _scan,
)
from custom_components.sports_influx.quarantine import REJECTED_FILE
from custom_components.sports_influx.reader import Deduper, StateReader
from custom_components.sports_influx.records import NflScore
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from .conftest import select_from
from .factories import (
    OUTAGE_START,
    drain,
    entry_for,
    fail_writes,
    fixture_sensor,
    flip_byte,
    nfl_score,
    outbox_lines,
    score_by_action,
    setup,
)

START = OUTAGE_START
ENTITY = "sensor.falcons"


def test_oldest_first_and_deleted_when_sent(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    assert outbox.load() == []
    assert outbox.peek() is None
    outbox.append("events", outbox_lines(0, 3))
    outbox.append("standings", outbox_lines(3, 2))
    outbox.append("events", [])  # nothing to keep
    assert (outbox.points, outbox.size > 0) == (5, True)
    assert drain(outbox) == [
        OutboxRecord("events", tuple(outbox_lines(0, 3))),
        OutboxRecord("standings", tuple(outbox_lines(3, 2))),
    ]
    assert (outbox.points, outbox.size) == (0, 0)
    assert list(tmp_path.iterdir()) == []


def test_restart_keeps_everything_not_sent(tmp_path: Path) -> None:
    first = Outbox(tmp_path, max_bytes=10**6)
    first.load()
    for n in range(4):
        first.append("events", outbox_lines(n * 10, 10))
    assert first.peek() == OutboxRecord("events", tuple(outbox_lines(0, 10)))
    first.ack()
    # A new run (HA restarted) sees the three batches left, in order.
    second = Outbox(tmp_path, max_bytes=10**6)
    assert second.load() == []
    second.append("stats", outbox_lines(100, 1))
    records = drain(second)
    # The sent batch is marked in place: not sent again; then the new batch.
    assert [r.lines[0] for r in records] == [
        outbox_lines(10, 1)[0],
        outbox_lines(20, 1)[0],
        outbox_lines(30, 1)[0],
        outbox_lines(100, 1)[0],
    ]


def test_segments_roll_over(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6, segment_bytes=4096)
    outbox.load()
    for n in range(40):
        outbox.append("events", outbox_lines(n * 5, 5))
    files = sorted(tmp_path.iterdir())
    assert len(files) >= 3
    assert all(f.stat().st_size <= 4096 for f in files)
    assert sum(len(r.lines) for r in drain(outbox)) == 200


@pytest.mark.parametrize("cut", [1, 10, 60, -1])
def test_torn_record_keeps_what_precedes(
    tmp_path: Path, cut: int, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(0, 3))
    outbox.append("events", outbox_lines(3, 3))
    (segment,) = tmp_path.iterdir()
    data = segment.read_bytes()
    first_end = data.index(b"SI1", 1)
    # Power cut in the middle of writing the second record.
    segment.write_bytes(data[: first_end + cut] if cut > 0 else data[:-1])
    again = Outbox(tmp_path, max_bytes=10**6)
    assert again.load() == [str(segment)]
    assert str(segment) in caplog.text
    again.append("events", outbox_lines(6, 1))  # goes to a new file, after the tear
    assert [len(r.lines) for r in drain(again)] == [3, 1]


def test_corrupt_checksum_and_garbage(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(0, 2))
    outbox.append("events", outbox_lines(2, 2))
    (segment,) = tmp_path.iterdir()
    data = bytearray(segment.read_bytes())
    data[-5] ^= 0x01  # a flipped bit in the second payload
    segment.write_bytes(bytes(data))
    (tmp_path / "outbox-99999999.lp").write_bytes(b"not an outbox\n")
    again = Outbox(tmp_path, max_bytes=10**6)
    assert len(again.load()) == 2
    assert [r.lines for r in drain(again)] == [tuple(outbox_lines(0, 2))]
    # Both damaged files are kept aside, as they were.
    assert [p.name for p in tmp_path.iterdir()] == ["damaged"]
    assert sorted(p.read_bytes() for p in (tmp_path / "damaged").iterdir()) == sorted(
        [bytes(data), b"not an outbox\n"]
    )
    assert again.damage.records == 2


def test_bound_drops_oldest_and_counts(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=64 * 1024)
    outbox.load()
    dropped = sum(outbox.append("events", outbox_lines(n * 10, 10)) for n in range(200))
    assert outbox.size <= 64 * 1024
    assert dropped == outbox.dropped > 0
    assert outbox.points + dropped == 2000
    records = drain(outbox)
    # What is left is the newest, still in order.
    kept = [line for r in records for line in r.lines]
    assert kept == outbox_lines(2000 - len(kept), len(kept))


@pytest.mark.parametrize("undo_fails", [False, True])
def test_failed_append_is_undone(tmp_path: Path, undo_fails: bool) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(0, 2))
    with (
        fail_writes(outbox_module.os, 0.5, undo_fails=undo_fails),
        pytest.raises(OSError, match="No space"),
    ):
        outbox.append("events", outbox_lines(2, 2))
    outbox.append("events", outbox_lines(4, 2))
    assert len(list(tmp_path.glob("outbox-*"))) == (2 if undo_fails else 1)
    assert [r.lines for r in drain(outbox)] == [
        tuple(outbox_lines(0, 2)),
        tuple(outbox_lines(4, 2)),
    ]
    # A failure on a new file leaves nothing indexed in it.
    with fail_writes(outbox_module.os, 0.0, where="fsync"):
        assert outbox.append_lines("events", outbox_lines(6, 1)).error is not None
    assert outbox.peek() is None


def test_damage_kept_in_place_when_it_cannot_be_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(0, 2))
    outbox.append("events", outbox_lines(2, 2))
    (segment,) = tmp_path.glob("outbox-*")
    flip_byte(segment, 5)
    again = Outbox(tmp_path, max_bytes=10**6)
    with patch.object(outbox_module, "aside_path", side_effect=OSError("read-only")):
        assert again.load() == [str(segment)]
    assert "cannot be set aside" in caplog.text
    assert [r.lines for r in drain(again)] == [tuple(outbox_lines(2, 2))]
    assert again.damage.records == 1


def test_damage_copied_aside_without_hard_links(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(0, 2))
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
    assert outbox.damage.records == 1
    assert outbox.damage.kept()
    outbox.append("events", outbox_lines(0, 1))
    assert [p.name for p in tmp_path.glob("*outbox-*")] == ["outbox-00000008.lp"]


def test_a_segment_gone_while_running(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6, segment_bytes=4096)
    outbox.load()
    for n in range(30):
        outbox.append("events", outbox_lines(n * 5, 5))
    first = sorted(tmp_path.glob("outbox-*"))[0]
    first.unlink()
    records = drain(outbox)
    assert records
    assert outbox.damage.records > 0
    assert outbox.damage.records + len(records) == 30
    # An index that stays wrong after a rescan: the segment is given up.
    outbox.append("events", outbox_lines(200, 1))
    with patch.object(outbox_module, "_read_record", return_value=None):
        assert outbox.peek() is None
    assert outbox.damage.records + len(records) == 31


def test_sent_mark_that_fails_means_sent_again(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", outbox_lines(0, 1))
    outbox.append("events", outbox_lines(1, 1))
    outbox.peek()
    with patch.object(outbox_module.os, "pwrite", side_effect=OSError("read-only")):
        outbox.ack()
    again = Outbox(tmp_path, max_bytes=10**6)
    again.load()
    assert [r.lines[0] for r in drain(again)] == [
        *outbox_lines(0, 1),
        *outbox_lines(1, 1),
    ]


def test_a_line_holding_a_newline_is_not_taken_for_damage(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=10**6)
    outbox.load()
    outbox.append("events", ["m v=1i 1\nm v=2i 2", "m v=3i 3"])
    assert outbox.points == 3
    again = Outbox(tmp_path, max_bytes=10**6)
    assert again.load() == []
    assert [r.lines for r in drain(again)] == [("m v=1i 1", "m v=2i 2", "m v=3i 3")]
    assert again.damage.records == 0


def test_ack_of_a_batch_the_bound_dropped_meanwhile(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path, max_bytes=32 * 1024)
    outbox.load()
    for n in range(40):
        outbox.append("events", outbox_lines(n * 10, 10))
    record = outbox.peek()
    assert record is not None
    # While it is being written, new batches push the oldest out.
    while outbox.dropped < 10:
        outbox.append("events", outbox_lines(1000, 10))
    oldest = outbox.peek()
    outbox.ack(record)
    assert outbox.peek() == oldest


@pytest.fixture
def at_start(freezer: FrozenDateTimeFactory) -> FrozenDateTimeFactory:
    """The clock at kick-off before the entry is set up (its timers follow)."""
    freezer.move_to(START)
    return freezer


def game_polls(minutes: int) -> list[tuple[datetime, str, dict[str, Any]]]:
    """TeamTracker polls every 5 s; a score every 2 minutes, clock every poll."""
    base = fixture_sensor("teamtracker_nfl.json", "sensor.test_tt_nfl_test01")
    polls = []
    for n in range(minutes * 12):
        when = START + timedelta(seconds=5 * n)
        attributes = dict(base["attributes"])
        attributes["clock"] = f"{14 - (n // 12) % 15}:{59 - (n * 5) % 60:02d} - 2nd"
        attributes["last_update"] = when.isoformat()
        attributes["team_score"] = str(3 * (n // 24))
        attributes["opponent_score"] = str(7 * (n // 36))
        polls.append((when, "IN", attributes))
    return polls


def expected_points(
    polls: list[tuple[datetime, str, dict[str, Any]]],
) -> list[NflScore]:
    """What the integration's own reader keeps of these polls (pure)."""
    reader = StateReader(Deduper(), lambda *_: None)
    out = []
    for when, state, attributes in polls:
        for record in reader.read(
            State(ENTITY, state, attributes, last_changed=when, last_updated=when)
        ):
            assert isinstance(record, NflScore)
            out.append(record)
    return out


async def tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, when: datetime
) -> None:
    """Move the clock, fire HA's timers, let the writer's jobs finish."""
    freezer.move_to(when)
    async_fire_time_changed(hass, when)
    await hass.async_block_till_done()


def score_rows(stack, database: str) -> list[tuple[int, int, int]]:  # type: ignore[no-untyped-def]
    return [
        (r["time"], r["home_score"], r["away_score"])
        for r in select_from(stack, database, "nfl_scores")
    ]


def as_rows(records: list[NflScore]) -> list[tuple[int, int, int]]:
    return [
        (int(r.time.timestamp() * 10**6) * 1000, r.home_score, r.away_score)  # type: ignore[union-attr]
        for r in records
    ]


@pytest.mark.parametrize(
    "entry_options", [{CONF_BATCH_SIZE: 20, CONF_FLUSH_INTERVAL: 10}]
)
async def test_outage_of_ten_minutes(
    hass: HomeAssistant,
    at_start: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A game goes on while the server is away; every point arrives once."""
    polls = game_polls(minutes=16)
    writer = init_integration.runtime_data.writer
    for n, (when, state, attributes) in enumerate(polls):
        if n == 12 * 3:
            stack.stop_nginx()
        if n == 12 * 13:
            stack.start_nginx()
        await tick(hass, at_start, when)
        hass.states.async_set(ENTITY, state, attributes)
        await hass.async_block_till_done()
        if n == 12 * 13 - 1:
            # Down for 10 minutes: everything waits on disk, nothing lost.
            assert writer.stats.outbox_points > 0
            assert writer.stats.points_failed == 0
    end = polls[-1][0]
    for k in range(1, 13):
        await tick(hass, at_start, end + timedelta(seconds=10 * k))
    await writer.async_flush()

    expected = expected_points(polls)
    assert score_rows(stack, database) == as_rows(expected)
    assert writer.stats.outbox_points == 0
    assert writer.stats.points_failed == 0
    assert writer.stats.points_written >= len(expected)  # replays may repeat
    assert caplog.text.count("is unavailable") == 1
    assert caplog.text.count("answers again") == 1
    assert not list(outbox_dir(hass, init_integration.entry_id).glob("outbox-*"))


@pytest.mark.parametrize("how", ["unload", "stop"])
async def test_restart_while_the_server_is_down(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    how: str,
) -> None:
    """Queued points survive an unload (or HA stopping) and a new setup."""
    stack.stop_influxd()
    for minute in range(30):
        await score_by_action(hass, minute, minute)
    if how == "stop":
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
        await hass.async_block_till_done()
    await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert list(outbox_dir(hass, init_integration.entry_id).glob("outbox-*"))

    stack.start_influxd()
    assert select_from(stack, database, "nfl_scores") == []
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    assert [r[1] for r in score_rows(stack, database)] == list(range(30))
    assert writer.stats.outbox_points == 0


async def test_torn_outbox_file(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A file cut in the middle of a record: what precedes it replays."""
    stack.stop_nginx()
    for minute in range(3):
        await score_by_action(hass, minute, minute)
        # The server is away: the flush says the points were not written.
        with pytest.raises(HomeAssistantError):
            await hass.services.async_call(DOMAIN, "flush", {}, blocking=True)
    await hass.config_entries.async_unload(init_integration.entry_id)
    (segment,) = outbox_dir(hass, init_integration.entry_id).glob("outbox-*")
    entries = _scan(segment.read_bytes()).entries
    assert len(entries) >= 2
    data = segment.read_bytes()
    segment.write_bytes(data[: data.rindex(b"SI1") + 20])  # tear the last record
    kept = 3 - entries[-1].points

    stack.start_nginx()
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await init_integration.runtime_data.writer.async_flush()
    assert [r[1] for r in score_rows(stack, database)] == list(range(kept))
    assert str(segment) in caplog.text
    assert "damaged" in caplog.text


async def test_type_conflict_is_quarantined(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    issue_registry: ir.IssueRegistry,
) -> None:
    """1.x partial write: the refused line is kept aside, the rest written."""
    # Another writer made home_score a float in this shard first.
    http_request(
        f"{stack.influx_url}/write?db={database}&rp=sports_events_2y",
        "POST",
        f"nfl_scores,game_id=other home_score=1.5 {int(START.timestamp()) * 10**9}".encode(),
    )
    for minute in range(3):
        await score_by_action(hass, minute, minute)
    await hass.services.async_call(DOMAIN, "flush", {}, blocking=True)
    writer = init_integration.runtime_data.writer
    assert writer.stats.rejected == 3
    assert writer.stats.points_failed == 3
    quarantine = outbox_dir(hass, init_integration.entry_id) / REJECTED_FILE
    text = quarantine.read_text()
    assert text.startswith("# ")
    assert "field type conflict" in text
    assert (
        len([line for line in text.splitlines() if line.startswith("nfl_scores")]) == 3
    )
    issue = issue_registry.async_get_issue(
        DOMAIN, f"points_rejected_{init_integration.entry_id}"
    )
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["measurement"] == "nfl_scores"
    assert issue.translation_placeholders["field"] == "home_score"

    # Handled by the user: the issue goes at the next setup.
    quarantine.unlink()
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"points_rejected_{init_integration.entry_id}"
        )
        is None
    )


@pytest.mark.parametrize(
    "entry_options",
    [{CONF_BATCH_SIZE: 10, CONF_FLUSH_INTERVAL: 10, CONF_OUTBOX_MAX_MB: 1}],
)
async def test_outbox_bound(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Past its bound the outbox drops its oldest points, counted and told."""
    writer = init_integration.runtime_data.writer
    stack.stop_nginx()
    long_text = "x" * 2000
    writer.async_enqueue(
        nfl_score(
            n,
            game_id=f"g{n}",
            time_remaining=long_text,
            time=START + timedelta(seconds=n),
        )
        for n in range(700)
    )
    # Unloading with the server away puts all 700 (1.4 MB) on disk.
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert writer.stats.dropped > 0
    assert writer.stats.outbox_bytes <= 1024 * 1024
    assert writer.stats.outbox_points + writer.stats.dropped == 700
    assert writer.stats.points_failed == writer.stats.dropped
    issue_id = f"outbox_full_{init_integration.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    stack.start_nginx()
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    writer = init_integration.runtime_data.writer
    while writer.stats.outbox_points:
        await writer.async_flush()
    rows = select_from(stack, database, "nfl_scores", "home_score")
    # The newest are kept, all of them.
    assert [r["home_score"] for r in rows] == list(range(700 - len(rows), 700))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_token_refused_while_writing(
    hass: HomeAssistant, fake_v3, config_dir: Path
) -> None:
    """401 while writing: writing stops, points wait on disk, reauth starts.

    v3-write-lp.md / openapi: a request without a valid token gets 401.
    """
    entry = entry_for(fake_v3.url, fake_v3.token, "sports")
    await setup(hass, entry)
    writer = entry.runtime_data.writer
    good_token = fake_v3.token
    fake_v3.token = "apiv3_rotated"
    await score_by_action(hass, 1, 0)
    await writer.async_flush()
    assert writer.stats.outbox_points == 1
    assert writer.stats.points_failed == 0
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    # More scores wait too; nothing is sent while the token is refused.
    await score_by_action(hass, 2, 1)
    await writer.async_flush()
    assert fake_v3.rows("sports", "nfl_scores") == []

    # The user enters the new token: the entry reloads and the outbox drains.
    fake_v3.token = good_token
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"token": good_token}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    await entry.runtime_data.writer.async_flush()
    assert sorted(r["home_score"] for r in fake_v3.rows("sports", "nfl_scores")) == [
        1,
        2,
    ]


async def test_memory_bounded_during_outage(
    hass: HomeAssistant, stack, database: str, tmp_path: Path
) -> None:
    """Past the in-memory cap points go straight to the outbox, none lost."""
    from custom_components.sports_influx.influx import InfluxClient
    from custom_components.sports_influx.outbox import Outbox
    from custom_components.sports_influx.writer import SportsInfluxWriter
    from homeassistant.helpers.aiohttp_client import async_get_clientsession

    client = InfluxClient(async_get_clientsession(hass), stack.url, "", database)
    await client.async_validate()
    await client.async_prepare_destinations()
    writer = SportsInfluxWriter(
        hass,
        client,
        batch_size=50,
        flush_interval=10,
        outbox=Outbox(tmp_path / "outbox", max_bytes=50 * 1024 * 1024),
        max_queue=200,
    )
    stack.stop_nginx()
    deepest = 0
    for n in range(2000):
        writer.async_enqueue(
            [nfl_score(n, game_id=f"g{n % 7}", time=START + timedelta(seconds=n))]
        )
        deepest = max(deepest, len(writer._batcher.queue))
        if n % 100 == 0:
            await hass.async_block_till_done()
    await hass.async_block_till_done()
    assert deepest <= 200
    # On disk, or in memory: the queue and the batch waiting for its retry.
    assert writer.pending() <= 200 + 50
    assert writer.stats.outbox_points + writer.pending() == 2000
    assert writer.stats.points_failed == 0

    stack.start_nginx()
    await writer.async_flush()
    while writer.stats.outbox_points or writer.pending():
        await writer.async_flush()
    assert len(select_from(stack, database, "nfl_scores", "home_score")) == 2000
    await writer.async_close(1)


async def test_start_while_the_server_is_down(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    stack,
    database: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """HA restarts while InfluxDB is away: the sensors are followed anyway.

    The server seen at the last start is remembered; scores wait in the
    outbox and reach the database once it answers.
    """
    entry_id = init_integration.entry_id
    await hass.config_entries.async_unload(entry_id)
    stack.stop_nginx()
    assert await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    assert "starting with the server last seen (InfluxDB 1.6.7" in caplog.text
    for minute in range(3):
        await score_by_action(hass, minute, minute)
    writer = init_integration.runtime_data.writer
    await writer.async_flush()
    # The first failure goes to disk at once: the server is known to be away.
    assert writer.stats.retries == 0
    assert writer.stats.outbox_points == 3

    stack.start_nginx()
    await writer.async_flush()
    assert [r[1] for r in score_rows(stack, database)] == [0, 1, 2]
    assert writer.stats.outbox_points == 0
