"""A real Home Assistant started by the demo tooling, and Chromium for it.

Session: the local InfluxDB stack, the demo's config directory (replay at a
2 s poll), ``hass`` on a free port, onboarding through HA's onboarding API.
Pages: the owner's tokens injected into ``localStorage.hassTokens`` (no login
form), every request off loopback refused (the brands icon host, and anything
else: there is no network), the raw-translation-key check after each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import json
import os
from pathlib import Path
import subprocess
import sys
import time
from typing import Any
import urllib.parse

from playwright.sync_api import BrowserContext, Page, Route
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import influx_stack

import demo

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright cannot download one here
# Where the screenshots go: scripts/test names a temporary folder unless asked
# to refresh docs/ (SPORTS_INFLUX_REFRESH_DOCS=1); run alone, into docs/.
DOCS = Path(os.environ.get("E2E_SCREENSHOTS") or ROOT / "docs")
RAW_KEY = "component.sports_influx"


@dataclass
class HomeAssistant:
    """The running instance."""

    url: str
    config: Path
    tokens: dict[str, Any]
    server: demo.Server
    log: Path

    def api(self, path: str, method: str = "GET") -> Any:
        """A REST API call as the owner."""
        answer = influx_stack.http_request(
            self.url + path,
            method,
            headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
        )
        assert answer.status == 200, answer.text
        return json.loads(answer.body)


@pytest.fixture(scope="session")
def ha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    """The demo's Home Assistant against the local stack, onboarded."""
    stack = influx_stack.start(tmp_path_factory.mktemp("influx"))
    config = tmp_path_factory.mktemp("config")
    port = demo.free_port()
    server = demo.Server(stack.url, "e2e", "sports")
    demo.write_config(config, server, port=port, interval=2, flush_interval=2)
    log = config / "hass.out"
    out = log.open("w")
    venv = Path(sys.executable).parent.parent
    proc = subprocess.Popen(
        demo.hass_argv(venv, config), env=demo.hass_env(), stdout=out, stderr=out
    )
    try:
        url = f"http://127.0.0.1:{port}"
        demo.wait_http(url, proc=proc)
        tokens = demo.onboard(url)
        yield HomeAssistant(url, config, tokens, server, log)
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()
        stack.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
) -> dict[str, Any]:
    """Debian's Chromium, headless, quiet on the network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], ha: HomeAssistant
) -> dict[str, Any]:
    """A desktop-sized window on the instance."""
    return {
        **browser_context_args,
        "base_url": ha.url,
        "viewport": {"width": 1280, "height": 860},
        "locale": "en-US",
        "timezone_id": "America/New_York",
    }


@pytest.fixture
def page(context: BrowserContext, ha: HomeAssistant) -> Iterator[Page]:
    """A logged-in page; fails the test if it shows a raw translation key."""
    local = urllib.parse.urlsplit(ha.url).netloc

    def only_local(route: Route) -> None:
        if urllib.parse.urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:  # brands.home-assistant.io icons, and nothing else is reachable
            route.abort()

    context.route("**/*", only_local)
    stored = {
        **ha.tokens,
        "hassUrl": ha.url,
        "clientId": f"{ha.url}/",
        "expires": int(time.time() * 1000) + ha.tokens["expires_in"] * 1000,
    }
    context.add_init_script(
        f"window.localStorage.setItem('hassTokens', {json.dumps(json.dumps(stored))});"
    )
    page = context.new_page()
    yield page
    assert_no_raw_keys(page)


def assert_no_raw_keys(page: Page) -> None:
    """No untranslated ``component.sports_influx...`` key anywhere on screen.

    Playwright's text engine pierces HA's (open) shadow roots.
    """
    shown = page.get_by_text(RAW_KEY)
    assert shown.count() == 0, (
        f"raw translation key on {page.url}: {shown.all_inner_texts()}"
    )


def screenshot(page: Page, name: str) -> None:
    """Into docs/, once the page stopped loading (late icons, descriptions)."""
    page.wait_for_load_state("networkidle")
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=DOCS / name)
