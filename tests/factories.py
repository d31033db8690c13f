"""Builders shared by the tests: states, config directories."""

from __future__ import annotations

import copy
import json
from pathlib import Path
import sys
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import demo

FIXTURES = Path(__file__).parent / "fixtures"

# A stand-in for HA's frontend integration. HA treats ``frontend`` as
# critical (recovery mode, without custom integrations, when it fails) and
# the test venvs lack its package (home-assistant-frontend); a custom
# integration of the same name takes its place.
_FRONTEND_MANIFEST = {
    "domain": "frontend",
    "name": "Frontend stand-in",
    "codeowners": [],
    "dependencies": [],
    "documentation": "https://www.home-assistant.io/integrations/frontend",
    "requirements": [],
    "version": "0.0.0",
}
_FRONTEND_INIT = '''"""No web UI: set up so that HA starts without recovery mode."""


async def async_setup(hass, config):
    return True
'''


def core_only_config(config: Path, server: demo.Server, port: int) -> None:
    """A config directory a real ``hass`` boots from a test venv.

    The demo's headless config (the integration, no demo sensors) with HA's
    REST API and onboarding, and a stand-in for the frontend.
    """
    demo.write_config(
        config, server, port=port, headless=True, core_only=True, replay_games=False
    )
    stand_in = config / "custom_components" / "frontend"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "manifest.json").write_text(json.dumps(_FRONTEND_MANIFEST))
    (stand_in / "__init__.py").write_text(_FRONTEND_INIT)


def entry_id(config: Path) -> str:
    """The id of the Sports Influx entry in a config directory."""
    store = json.loads((config / ".storage" / "core.config_entries").read_text())
    (entry,) = [e for e in store["data"]["entries"] if e["domain"] == demo.DOMAIN]
    return str(entry["entry_id"])


def _fixture_state(name: str, entity_id: str) -> dict[str, Any]:
    sensors = json.loads((FIXTURES / name).read_text())
    (state,) = [s for s in sensors if s["entity_id"] == entity_id]
    return dict(state)


_NFL_IN = _fixture_state("teamtracker_nfl.json", "sensor.test_tt_nfl_test01")


def teamtracker_nfl_in(
    event_id: str, date: str, team_score: int, opponent_score: int
) -> dict[str, Any]:
    """A live NFL TeamTracker state (NO away at ATL) as ``{state, attributes}``."""
    attributes = copy.deepcopy(_NFL_IN["attributes"])
    attributes.update(
        event_id=event_id,
        date=date,
        team_score=str(team_score),
        opponent_score=str(opponent_score),
    )
    return {"state": "IN", "attributes": attributes}
