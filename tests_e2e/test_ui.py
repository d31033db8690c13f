"""The integration as a user meets it: config flow, device, options, dashboard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
import json
import re
import time

from fakes.influxdb3 import FakeInfluxDB3
from playwright.sync_api import Locator, Page, expect
import pytest

from .conftest import HomeAssistant, assert_no_raw_keys, screenshot

TIMEOUT = 20_000  # ms; the first load of the frontend is the slowest


@pytest.fixture
def influxdb3() -> Iterator[FakeInfluxDB3]:
    """An InfluxDB 3 that checks tokens (the local 1.x stack has no auth)."""
    with FakeInfluxDB3() as server:
        yield server


def test_add_integration(
    page: Page, ha: HomeAssistant, influxdb3: FakeInfluxDB3
) -> None:
    """Add integration -> Sports Influx: translated form, invalid_auth, entry."""
    page.goto("/config/dashboard")
    _devices_and_services(page).click(timeout=TIMEOUT)
    page.get_by_role("button", name="Add integration").click(timeout=TIMEOUT)
    search = "Search for a brand name"  # a label up to 2025.x, a placeholder in 2026
    page.get_by_label(search).or_(page.get_by_placeholder(search)).first.fill(
        "Sports Influx"
    )
    page.locator("lit-virtualizer").get_by_text("Sports Influx", exact=True).click()
    dialog = page.locator("dialog-data-entry-flow")
    expect(dialog.get_by_text("Connect to InfluxDB")).to_be_visible(timeout=TIMEOUT)
    for text in (
        "Sports scores, standings, injuries and player statistics",
        "URL",
        "Token",
        "Database",
        "Verify the SSL certificate",
        "An API token allowed to write to the database",
    ):
        expect(dialog.get_by_text(text).first).to_be_visible()
    _field(dialog, "URL").fill(influxdb3.url)
    _field(dialog, "Token").fill("apiv3_wrong-token")
    _field(dialog, "Database").fill("e2e")
    screenshot(page, "config_dialog.png")

    dialog.get_by_role("button", name="Submit").click()
    error = dialog.locator("ha-alert", has_text="The server refused this token.")
    expect(error).to_be_visible(timeout=TIMEOUT)
    # ha-form puts a field's error right above that field.
    expect(error.locator("xpath=following-sibling::*[1]")).to_contain_text("Token")
    screenshot(page, "config_error.png")
    assert_no_raw_keys(page)

    _field(dialog, "Token").fill(influxdb3.token)
    dialog.get_by_role("button", name="Submit").click()
    # The created step: "Success" up to 2025.x, "Name and assign" in 2026.
    done = dialog.get_by_text("Success").or_(dialog.get_by_text("Name and assign"))
    expect(done.first).to_be_visible(timeout=TIMEOUT)
    entries = ha.api("/api/config/config_entries/entry?domain=sports_influx")
    added = [e for e in entries if e["title"] == f"e2e on {influxdb3.url}"]
    assert len(added) == 1
    assert added[0]["state"] == "loaded"
    assert "e2e" in influxdb3.databases
    # The fake server goes away with this test: so does its entry.
    ha.api(f"/api/config/config_entries/entry/{added[0]['entry_id']}", "DELETE")


def _field(dialog: Locator, label: str) -> Locator:
    """A form field's input by its label. HA 2026.10's frontend draws the
    label inside the field's own shadow DOM, where no <label> points at it."""
    shown = dialog.page.get_by_text(re.compile(rf"^{re.escape(label)}\*?$"))
    in_shadow = dialog.locator("ha-input").filter(has=shown).locator("input")
    return dialog.get_by_label(label).or_(in_shadow).first


def _devices_and_services(page: Page) -> Locator:
    """Its entry in Settings: a menu item in HA 2025.4's frontend, a link
    (named with its description too) in 2026.10's."""
    name = "Devices & services"
    entry = page.get_by_role("menuitem", name=name).or_(
        page.get_by_role("link", name=name)
    )
    return entry.first


def _open_entry(page: Page, ha: HomeAssistant) -> None:
    """Settings -> Devices & services -> Sports Influx (the demo's entry)."""
    page.goto("/config/dashboard")
    _devices_and_services(page).click(timeout=TIMEOUT)
    page.locator("ha-integration-card[data-domain=sports_influx]").click(
        timeout=TIMEOUT
    )
    expect(page.get_by_text(f"sports on {ha.server.host}")).to_be_visible(
        timeout=TIMEOUT
    )


def test_device_page_shows_live_statistics(page: Page, ha: HomeAssistant) -> None:
    """The service device lists the diagnostic sensors with values that move."""
    _open_entry(page, ha)
    page.get_by_text("1 service", exact=False).first.click()
    page.get_by_text("Sports Influx sports", exact=True).first.click(timeout=TIMEOUT)
    diagnostic = page.locator(
        "ha-card", has=page.get_by_role("heading", name="Diagnostic")
    )
    expect(diagnostic).to_be_visible(timeout=TIMEOUT)
    for name in ("Points written", "Queue depth", "Success rate", "Batches written"):
        expect(diagnostic.get_by_text(name, exact=True)).to_be_visible()
    # Live: the row shows the count the writer reaches while we watch.
    entity = "sensor.sports_influx_sports_points_written"
    first = int(ha.api(f"/api/states/{entity}")["state"])
    _wait_for(lambda: int(ha.api(f"/api/states/{entity}")["state"]) > first)
    now = ha.api(f"/api/states/{entity}")["state"]
    row = diagnostic.locator("hui-simple-entity-row, hui-generic-entity-row").filter(
        has_text="Points written"
    )
    expect(row.first).to_contain_text(now, timeout=TIMEOUT)
    screenshot(page, "device_page.png")


def test_dashboard_renders_statistics(page: Page, ha: HomeAssistant) -> None:
    """The repo's dashboard: statistics, the history graph, the games."""
    page.goto("/sports-influx/sports-influx")
    expect(page.get_by_text("Writer statistics")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Points written and queue depth")).to_be_visible()
    expect(page.get_by_text("Followed games")).to_be_visible()
    for name in ("Points written", "Success rate", "Queue depth"):
        expect(page.get_by_text(name).first).to_be_visible()
    expect(
        page.locator("hui-markdown-card").get_by_text("NO \u2013 ATL")
    ).to_be_visible()
    written = ha.api("/api/states/sensor.sports_influx_sports_points_written")
    assert int(written["state"]) > 0
    # The graph has a line to draw: the recorder holds several values.
    entity = "sensor.sports_influx_sports_points_written"

    def recorded() -> bool:
        history = ha.api(f"/api/history/period?filter_entity_id={entity}")
        return len({s["state"] for s in history[0]}) >= 3 if history else False

    _wait_for(recorded)
    page.reload()
    expect(page.locator("hui-history-graph-card state-history-charts")).to_be_visible(
        timeout=TIMEOUT
    )
    # echarts draws the lines in with a ~1 s animation; nothing marks its end.
    page.wait_for_timeout(1500)
    screenshot(page, "dashboard.png")


def test_options_dialog_saves(page: Page, ha: HomeAssistant) -> None:
    """Configure -> the options form, translated; Submit saves the options."""
    _open_entry(page, ha)
    page.get_by_role("button", name="Configure").first.click(timeout=TIMEOUT)
    dialog = page.locator("dialog-data-entry-flow")
    expect(dialog.get_by_text("Followed sensors").first).to_be_visible(timeout=TIMEOUT)
    expect(dialog.get_by_text("Outbox size limit").first).to_be_visible()
    _field(dialog, "Flush interval").fill("7")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.get_by_text("Options successfully saved")).to_be_visible(
        timeout=TIMEOUT
    )

    def saved() -> bool:
        store = json.loads((ha.config / ".storage" / "core.config_entries").read_text())
        return any(
            e["domain"] == "sports_influx"
            and e["data"]["host"] == ha.server.host
            and e["options"].get("flush_interval") == 7
            for e in store["data"]["entries"]
        )

    _wait_for(saved)


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    # The replay pauses 24 s between loops: a live value may wait that long.
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)
