"""The demo's Home Assistant: config directory, start, and the --once check.

Run by ``scripts/demo`` with the demo venv's Python (HA 2025.4.4 and its
frontend, every runtime requirement pre-installed: HA runs with
``UV_OFFLINE=1`` and installs nothing). Also imported by the E2E tests
(tests_e2e/conftest.py), which start the same Home Assistant.

    python scripts/demo.py run  --venv V --config DIR   # exec hass (frontend on :8123)
    python scripts/demo.py once --venv V                # replay to the end, check the DB

The InfluxDB server comes from INFLUX_HOST, INFLUX_TOKEN, INFLUX_DATABASE.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
import importlib.util
import json
import os
from pathlib import Path
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any
import urllib.parse
import uuid

sys.path.insert(0, str(Path(__file__).parent))

from influx_stack import http_request

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
DEMO_COMPONENT = ROOT / "demo" / "custom_components" / "sports_influx_demo"
DASHBOARDS = ROOT / "dashboards"
DOMAIN = "sports_influx"
ONCE_TIMEOUT = 180.0  # seconds for hass to replay and stop

# Errors HA logs on this machine that say nothing about the demo: HA
# preloads the camera helpers, which look for Debian's libturbojpeg; HA
# 2026.10 also sets up ffmpeg by default, which looks for its binary.
HARMLESS = ("[homeassistant.components.camera.img_util]", "[haffmpeg.core]")


def _load_module(name: str, path: Path) -> Any:
    """A pure module (no HA import), loaded by path."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


replay = _load_module("sports_influx_demo_replay", DEMO_COMPONENT / "replay.py")
# The integration's schema: where each measurement lands (1.x retention policy).
schema = _load_module(
    "sports_influx_schema", ROOT / "custom_components/sports_influx/schema.py"
)


def _from(server: Server, measurement: str) -> str:
    """``"db"."rp"."measurement"``: read where the integration wrote it."""
    policy = schema.V1_RETENTION_POLICIES[schema.MEASUREMENTS[measurement].retention]
    return f'"{server.database}"."{policy}"."{measurement}"'


@dataclass(frozen=True)
class Server:
    """Where the integration writes."""

    host: str
    token: str
    database: str


# -- the config directory ---------------------------------------------------


def write_config(
    config: Path,
    server: Server,
    *,
    port: int = 8123,
    headless: bool = False,
    interval: float = 5.0,
    polls: int = replay.DEFAULT_POLLS,
    loop: bool = True,
    stop_when_done: bool = False,
    flush_interval: int = 10,
    core_only: bool = False,
    replay_games: bool = True,
) -> None:
    """A config directory: configuration.yaml, the components, the entry.

    ``headless``: no frontend, recorder or dashboard (HA's backup integration,
    set up by default, still loads http: it gets ``port``, on loopback).
    ``core_only`` (headless, for a venv holding HA core without the packages
    of its optional parts, as the test venvs do): no MFA modules (pyotp is
    absent), the REST API and onboarding set up by name. ``replay_games``:
    the demo's sensors (off: the integration follows what others post).
    configuration.yaml and the entry are rewritten on every run; HA's own
    files (users, registries, database) are kept.
    """
    (config / ".storage").mkdir(parents=True, exist_ok=True)
    components = config / "custom_components"
    if components.is_symlink():  # scripts/develop used to link the whole folder
        components.unlink()
    components.mkdir(exist_ok=True)
    _link(components / DOMAIN, ROOT / "custom_components" / DOMAIN)
    _link(components / "sports_influx_demo", DEMO_COMPONENT)
    http_yaml = not _http_settings_in_storage()
    if not http_yaml:
        _write_http_store(config, port, loopback=headless)
    (config / "configuration.yaml").write_text(
        _configuration(
            port=port,
            http_yaml=http_yaml,
            headless=headless,
            interval=interval,
            polls=polls,
            loop=loop,
            stop_when_done=stop_when_done,
            core_only=core_only,
            replay_games=replay_games,
        )
    )
    if not headless:
        _link(config / "dashboards", DASHBOARDS)
    write_entry(config, server, {"batch_size": 100, "flush_interval": flush_interval})


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)


def _http_settings_in_storage() -> bool:
    """Whether this HA keeps its HTTP settings in ``.storage`` (2026.x).

    There, ``http:`` in YAML is migrated once as a trial the frontend asks
    to keep (a dialog over every page, and a restart 5 minutes later).
    """
    spec = importlib.util.find_spec("homeassistant")
    if spec is None or spec.origin is None:
        return False
    return (Path(spec.origin).parent / "components" / "http" / "config.py").exists()


def _write_http_store(config: Path, port: int, *, loopback: bool) -> None:
    """The HTTP settings as HA 2026.x stores them, confirmed (no trial)."""
    stable: dict[str, Any] = {
        "server_port": port,
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": "2026-01-01T00:00:00+00:00",
        "error": None,
        "error_message": None,
    }
    if loopback:
        stable["server_host"] = ["127.0.0.1"]
    store = {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    (config / ".storage" / "http").write_text(json.dumps(store, indent=2))


def _configuration(
    *,
    port: int,
    http_yaml: bool,
    headless: bool,
    interval: float,
    polls: int,
    loop: bool,
    stop_when_done: bool,
    core_only: bool = False,
    replay_games: bool = True,
) -> str:
    mfa = "  auth_mfa_modules: []\n" if core_only else ""
    head = f"""\
# Written by scripts/demo on every run: edits here are lost.
homeassistant:
{mfa}  name: Sports Influx demo
  country: US
  unit_system: us_customary
  time_zone: America/New_York
  latitude: 40.75
  longitude: -73.99
  elevation: 10
logger:
  default: warning
  logs:
    custom_components.sports_influx: info
    custom_components.sports_influx_demo: info
"""
    if replay_games:
        head += f"""\
sports_influx_demo:
  fixtures: {json.dumps(str(FIXTURES))}
  interval: {interval}
  polls: {polls}
  loop: {str(loop).lower()}
  stop_when_done: {str(stop_when_done).lower()}
"""
    if core_only:
        head += "api:\nonboarding:\n"
    if headless:
        if not http_yaml:
            return head
        return head + f"http:\n  server_host: 127.0.0.1\n  server_port: {port}\n"
    if http_yaml:
        head += f"http:\n  server_port: {port}\n"
    return (
        head
        + """\
frontend:
config:
history:
recorder:
  purge_keep_days: 2
  commit_interval: 1
  exclude:
    # ESPN payloads: far over the recorder's 16 kB attribute limit.
    entities: [sensor.nfl_standings, sensor.nfl_game_summary]
lovelace:
  mode: storage
  dashboards:
    sports-influx:
      mode: yaml
      filename: dashboards/sports_influx.yaml
      title: Sports Influx
      icon: mdi:database-arrow-up
      show_in_sidebar: true
"""
    )


def write_entry(config: Path, server: Server, options: Mapping[str, Any]) -> None:
    """The Sports Influx config entry, pointed at this run's server.

    Other entries are kept (HA migrates the store's format when it loads).
    """
    path = config / ".storage" / "core.config_entries"
    store: dict[str, Any] = {
        "version": 1,
        "minor_version": 1,
        "key": "core.config_entries",
        "data": {"entries": []},
    }
    if path.exists():
        store = json.loads(path.read_text())
    unique_id = f"{server.host}/{server.database}"
    old = [
        e
        for e in store["data"]["entries"]
        if e["domain"] == DOMAIN and e.get("unique_id") == unique_id
    ]
    # The same entry id across runs keeps the device and its entity ids.
    entry_id = old[0]["entry_id"] if old else uuid.uuid4().hex
    entries = [e for e in store["data"]["entries"] if e["domain"] != DOMAIN]
    entries.append(
        {
            "entry_id": entry_id,
            "version": 1,
            "minor_version": 1,
            "domain": DOMAIN,
            "title": f"{server.database} on {server.host}",
            "data": {
                "host": server.host,
                "token": server.token,
                "database": server.database,
                "verify_ssl": True,
            },
            "options": dict(options),
            "pref_disable_new_entities": False,
            "pref_disable_polling": False,
            "source": "user",
            "unique_id": unique_id,
            "disabled_by": None,
        }
    )
    store["data"]["entries"] = entries
    path.write_text(json.dumps(store, indent=2))


def free_port() -> int:
    """A free TCP port on loopback (for a second HA beside one on 8123)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hass_env() -> dict[str, str]:
    """HA's runtime installs fail at once: everything is pre-installed."""
    return dict(os.environ, UV_OFFLINE="1", PYTHONUNBUFFERED="1")


def hass_argv(venv: Path, config: Path) -> list[str]:
    """The command line of the demo's Home Assistant."""
    return [str(venv / "bin" / "hass"), "-c", str(config)]


def wait_http(url: str, timeout: float = 120.0, proc: Any = None) -> None:
    """Until HA's HTTP server answers (the onboarding API needs no login)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"hass exited with {proc.returncode}")
        try:
            if http_request(f"{url}/api/onboarding", timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"no answer from {url} in {timeout} s")


DEMO_USER = ("demo", "demo-demo")  # the E2E tests' throwaway owner


def _post(url: str, data: Mapping[str, Any], token: str | None = None) -> Any:
    """A JSON POST to HA; the answer's JSON."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    answer = http_request(url, "POST", json.dumps(data).encode(), headers, timeout=30)
    if answer.status != 200:
        raise RuntimeError(f"{url}: HTTP {answer.status} {answer.text}")
    return json.loads(answer.body or b"null")


def onboard(url: str) -> dict[str, Any]:
    """Onboarding through HA's API (as the frontend does); returns the tokens."""
    client_id = f"{url}/"
    tokens = create_owner(url)
    access = tokens["access_token"]
    _post(f"{url}/api/onboarding/core_config", {}, access)
    _post(f"{url}/api/onboarding/analytics", {}, access)
    _post(
        f"{url}/api/onboarding/integration",
        {"client_id": client_id, "redirect_uri": f"{client_id}?auth_callback=1"},
        access,
    )
    return tokens


def create_owner(url: str) -> dict[str, Any]:
    """Onboarding's first step, the owner; returns the owner's tokens."""
    client_id = f"{url}/"
    user = _post(
        f"{url}/api/onboarding/users",
        {
            "client_id": client_id,
            "name": "Demo",
            "username": DEMO_USER[0],
            "password": DEMO_USER[1],
            "language": "en",
        },
    )
    answer = http_request(
        f"{url}/auth/token",
        "POST",
        urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": user["auth_code"],
                "client_id": client_id,
            }
        ).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    if answer.status != 200:
        raise RuntimeError(f"/auth/token: HTTP {answer.status} {answer.text}")
    tokens: dict[str, Any] = json.loads(answer.body)
    return tokens


# -- --once: what the database must hold ------------------------------------


@dataclass(frozen=True)
class Final:
    """A game's last state as the fixture gives it."""

    league: str
    measurement: str
    away: str
    home: str
    score: str  # "24-26"; a shootout's goals in brackets: "3(2)-3(4)"
    status: str


def _score(goals: object, shootout: object) -> str:
    return f"{goals}" if shootout is None else f"{goals}({shootout})"


def expected(fixtures: Path = FIXTURES) -> tuple[Counter[str], list[Final]]:
    """Points per measurement and final scores, from the fixtures alone.

    Score points: one per frame whose status, score, period, possession or
    down differs from the previous frame (the README's dedupe rule; the
    replay is shorter than the one-minute heartbeat). Standings: one per
    team. Summary: one point per athlete of the box score, one per injury.
    """
    timeline = replay.load(fixtures)
    counts: Counter[str] = Counter()
    finals = []
    for game in timeline.games:
        keys = [replay.score_key(frame) for frame in game.frames]
        counts[game.measurement] += sum(
            1 for n, key in enumerate(keys) if n == 0 or key != keys[n - 1]
        )
        state, attributes = game.final
        team, other = (
            (
                attributes[f"{side}_abbr"],
                _score(
                    replay.score_points(attributes[f"{side}_score"]),
                    replay.shootout_goals(attributes[f"{side}_score"]),
                ),
            )
            for side in ("team", "opponent")
        )
        home, away = (
            (team, other) if attributes["team_homeaway"] == "home" else (other, team)
        )
        score = f"{away[1]}-{home[1]}"
        finals.append(
            Final(game.league, game.measurement, away[0], home[0], score, state)
        )
    counts["nfl_standings"] = sum(1 for _ in _standing_entries(timeline.standings))
    players = {
        (block["team"]["id"], athlete["athlete"]["id"])
        for block in timeline.summary["boxscore"]["players"]
        for group in block["statistics"]
        for athlete in group["athletes"]
    }
    counts["nfl_player_stats"] = len(players)
    counts["nfl_injuries"] = sum(
        len(team["injuries"]) for team in timeline.summary["injuries"]
    )
    return counts, finals


def _standing_entries(group: Mapping[str, Any]) -> Iterator[Any]:
    yield from group.get("standings", {}).get("entries", [])
    for child in group.get("children", []):
        yield from _standing_entries(child)


def select(server: Server, query: str) -> list[dict[str, Any]]:
    """Rows of an InfluxQL query (``/query``: 1.x, and 3.x's v1 API)."""
    params = urllib.parse.urlencode({"db": server.database, "q": query, "epoch": "ns"})
    answer = http_request(
        f"{server.host.rstrip('/')}/query?{params}",
        headers={"Authorization": f"Token {server.token}"},
        timeout=30,
    )
    if answer.status != 200:
        raise RuntimeError(f"{query}: HTTP {answer.status} {answer.text}")
    rows = []
    for result in json.loads(answer.body).get("results", []):
        if "error" in result:
            raise RuntimeError(f"{query}: {result['error']}")
        for series in result.get("series", []):
            rows.extend(
                dict(zip(series["columns"], v, strict=True)) for v in series["values"]
            )
    return rows


def check(server: Server) -> bool:
    """Print what the database holds beside what the fixtures say; all equal?"""
    want, finals = expected()
    ok = True
    print(f"{'measurement':<18} {'points':>7} {'expected':>9}")
    for measurement, count in sorted(want.items()):
        got = len(select(server, f"SELECT * FROM {_from(server, measurement)}"))  # noqa: S608 - InfluxQL, our names
        mark = "ok" if got == count else "MISMATCH"
        ok = ok and got == count
        print(f"{measurement:<18} {got:>7} {count:>9}  {mark}")
    print("\nlast point of each game (read back) vs the fixture:")
    for final in finals:
        teams = f"\"away_team\" = '{final.away}' AND \"home_team\" = '{final.home}'"
        query = f"SELECT * FROM {_from(server, final.measurement)} WHERE {teams}"  # noqa: S608
        rows = select(server, f"{query} ORDER BY time DESC LIMIT 1")
        shown = "nothing"
        if rows:
            away, home = (
                _score(rows[0][f"{side}_score"], rows[0].get(f"{side}_shootout"))
                for side in ("away", "home")
            )
            shown = f"{away}-{home} {rows[0]['status']}"
        want_final = f"{final.score} {final.status}"
        mark = "ok" if shown == want_final else f"MISMATCH (fixture {want_final})"
        ok = ok and shown == want_final
        print(
            f"  {final.league:<3} {final.away:>3} @ {final.home:<3} {shown:<15} {mark}"
        )
    return ok


def run_once(venv: Path, server: Server, interval: float) -> int:
    """Replay to the end in a headless HA, which stops itself; then check."""
    with tempfile.TemporaryDirectory(prefix="sports-influx-demo-") as tmp:
        config = Path(tmp)
        write_config(
            config,
            server,
            port=free_port(),
            headless=True,
            interval=interval,
            loop=False,
            stop_when_done=True,
            flush_interval=1,
        )
        log = config / "hass.out"
        began = time.monotonic()
        with log.open("w") as out:
            proc = subprocess.Popen(
                hass_argv(venv, config), env=hass_env(), stdout=out, stderr=out
            )
            try:
                rc = proc.wait(ONCE_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.terminate()
                proc.wait(30)
                rc = -1
        print(
            f"==> hass replayed {replay.DEFAULT_POLLS} polls and stopped "
            f"(exit {rc}) in {time.monotonic() - began:.1f} s"
        )
        errors = [
            line
            for line in log.read_text().splitlines()
            if " ERROR (" in line and not any(ok in line for ok in HARMLESS)
        ]
        if rc != 0 or errors:
            print(log.read_text()[-6000:])
            print(f"error: hass exit {rc}, {len(errors)} error lines")
            return 1
    ok = check(server)
    print("\nOK: the database holds what the fixtures say" if ok else "\nFAILED")
    return 0 if ok else 1


def _server_from_env() -> Server:
    return Server(
        os.environ["INFLUX_HOST"],
        os.environ.get("INFLUX_TOKEN", "demo"),
        os.environ.get("INFLUX_DATABASE", "sports"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run")
    run.add_argument("--venv", type=Path, required=True)
    run.add_argument("--config", type=Path, required=True)
    run.add_argument("--port", type=int, default=8123)
    run.add_argument("hass_args", nargs=argparse.REMAINDER)
    once = sub.add_parser("once")
    once.add_argument("--venv", type=Path, required=True)
    once.add_argument("--interval", type=float, default=0.05)
    args = parser.parse_args(argv)
    server = _server_from_env()
    if args.cmd == "once":
        return run_once(args.venv, server, args.interval)
    write_config(args.config.resolve(), server, port=args.port)
    print(
        f"==> Home Assistant on http://localhost:{args.port} "
        f"(InfluxDB: {server.host}, database {server.database}); Ctrl-C stops it"
    )
    sys.stdout.flush()
    argv_hass = hass_argv(args.venv, args.config.resolve()) + args.hass_args
    os.execve(argv_hass[0], argv_hass, hass_env())  # noqa: S606 - hass replaces us
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
