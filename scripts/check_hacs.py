"""The repository checked as HACS and hassfest check it, offline.

HACS's validators (hacs/integration, ``custom_components/hacs/validate/``),
the ones that read the repository's files:

- ``hacsjson.py``: ``hacs.json`` exists and passes
  ``HACS_MANIFEST_JSON_SCHEMA`` (``utils/validate.py``: ``name`` required,
  only the known keys); ``zip_release`` needs ``filename``.
- ``integration_manifest.py``: ``manifest.json`` passes
  ``INTEGRATION_MANIFEST_JSON_SCHEMA`` (``codeowners`` a list,
  ``documentation`` and ``issue_tracker`` URLs, ``domain``, ``name``,
  ``version`` a valid version).
- ``brands.py``: ``custom_components/<domain>/brand/icon.png`` in the tree
  (else the domain must be in Home Assistant's brands list).
- ``information.py``: a README (or info) file.
- ``license.py``: a license GitHub identifies, here one of the popular OSI
  licences HACS accepts without a look-up (read from ``LICENSE``).
- ``repositories/integration.py``: the integration is the one folder under
  ``custom_components/``.

The checks that need GitHub (archived, description, issues, topics) are not
made here.

hassfest's (home-assistant/core ``script/hassfest``), which no package on
PyPI ships (neither the ``homeassistant`` wheel nor its sdist has
``script/``), as far as they are read from files:

- ``manifest.py``: keys sorted ``domain``, ``name``, then alphabetically;
  a custom integration has a ``version``; ``quality_scale`` a known tier.
- ``quality_scale.py``: every rule in ``quality_scale.yaml``, ``done``,
  ``todo`` or ``exempt`` (with a ``comment``); the manifest's tier only if
  every rule of it and of the tiers below is done or exempt; the rules of
  ``integration-owner`` (``codeowners`` not empty) held against the manifest.
- ``quality_scale_validation/runtime_data.py``: ``async_setup_entry`` sets
  ``entry.runtime_data``; with ``strict-typing`` done, the entry argument of
  the setup/unload/diagnostics/platform functions and of
  ``async_get_options_flow`` is annotated with a ``...ConfigEntry`` alias,
  not the bare ``ConfigEntry``.
- ``brand/`` images: PNGs of the sizes Home Assistant's brands rules ask for.

Run with the test venv's Python (voluptuous, awesomeversion, PyYAML and
Home Assistant's URL validator are there). Exit 1 on any failure.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
import json
from pathlib import Path
import re
import struct
import sys
from typing import Any

from awesomeversion import AwesomeVersion
import voluptuous as vol
from voluptuous.humanize import humanize_error
import yaml

from homeassistant.const import Platform
from homeassistant.helpers.config_validation import url as url_validator

ROOT = Path(__file__).resolve().parent.parent

HACS_MANIFEST_JSON_SCHEMA = vol.Schema(
    {
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(str, [str]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): str,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): str,
        vol.Optional("persistent_directory"): str,
        vol.Optional("render_readme"): bool,
        vol.Optional("zip_release"): bool,
        vol.Required("name"): str,
    },
    extra=vol.PREVENT_EXTRA,
)

INTEGRATION_MANIFEST_JSON_SCHEMA = vol.Schema(
    {
        vol.Required("codeowners"): list,
        vol.Required("documentation"): url_validator,
        vol.Required("domain"): str,
        vol.Required("issue_tracker"): url_validator,
        vol.Required("name"): str,
        vol.Required("version"): vol.Coerce(AwesomeVersion),
    },
    extra=vol.ALLOW_EXTRA,
)

# HACS accepts these SPDX ids without fetching the SPDX list; each is
# recognised here by phrases of its text.
LICENSES = {
    "Apache-2.0": ("Apache License", "Version 2.0"),
    "MIT": ("Permission is hereby granted, free of charge",),
    "GPL-3.0": ("GNU GENERAL PUBLIC LICENSE", "Version 3"),
    "BSD-3-Clause": ("Redistribution and use in source and binary forms",),
    "MPL-2.0": ("Mozilla Public License Version 2.0",),
}

# hassfest's quality scale rules by tier (script/hassfest/quality_scale.py).
TIERS: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow",
        "config-flow-test-coverage",
        "dependency-transparency",
        "docs-actions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery",
        "discovery-update-info",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}
# Newer hassfest knows these too; optional here (HA 2025.4's does not).
NEWER_RULES = ("docs-conditions", "docs-triggers")

# Home Assistant's brand image rules: exact icon sizes, the logo's shortest
# side within a range.
ICONS = {
    "icon.png": 256,
    "icon@2x.png": 512,
    "dark_icon.png": 256,
    "dark_icon@2x.png": 512,
}
LOGOS = {
    "logo.png": (128, 256),
    "logo@2x.png": (256, 512),
    "dark_logo.png": (128, 256),
    "dark_logo@2x.png": (256, 512),
}


class CheckError(Exception):
    """One check failed; the message says why."""


def _json(path: Path) -> Any:
    if not path.is_file():
        raise CheckError(f"no {path.relative_to(ROOT)}")
    try:
        return json.loads(path.read_text())
    except ValueError as err:
        raise CheckError(f"{path.relative_to(ROOT)} is not JSON: {err}") from err


def _validate(schema: vol.Schema, data: Any) -> None:
    try:
        schema(data)
    except vol.Invalid as err:
        raise CheckError(humanize_error(data, err)) from err


def integration_dir() -> Path:
    """The one folder under custom_components/ (HACS takes the first)."""
    folders = [
        p
        for p in (ROOT / "custom_components").iterdir()
        if p.is_dir() and p.name != "__pycache__"
    ]
    if len(folders) != 1:
        raise CheckError(f"custom_components/ holds {len(folders)} folders, not 1")
    return folders[0]


def check_hacs_json() -> None:
    data = _json(ROOT / "hacs.json")
    _validate(HACS_MANIFEST_JSON_SCHEMA, data)
    if data.get("zip_release") and not data.get("filename"):
        raise CheckError("zip_release is True, but filename is not set")
    if "homeassistant" in data and not AwesomeVersion(data["homeassistant"]).valid:
        raise CheckError(f"homeassistant {data['homeassistant']!r} is not a version")


def check_manifest() -> None:
    folder = integration_dir()
    manifest = _json(folder / "manifest.json")
    _validate(INTEGRATION_MANIFEST_JSON_SCHEMA, manifest)
    if not AwesomeVersion(manifest["version"]).valid:
        raise CheckError(f"version {manifest['version']!r} is not a version")
    if manifest["domain"] != folder.name:
        raise CheckError(f"domain {manifest['domain']!r} is not the folder's name")
    keys = list(manifest)
    expected = [
        "domain",
        "name",
        *sorted(k for k in keys if k not in ("domain", "name")),
    ]
    if keys != expected:
        raise CheckError(f"keys not sorted (domain, name, then a-z): {keys}")
    if not all(
        isinstance(c, str) and c.startswith("@") for c in manifest["codeowners"]
    ):
        raise CheckError("codeowners must be GitHub handles (@name)")
    tier = manifest.get("quality_scale")
    if tier is not None and tier not in (*TIERS, "internal", "legacy", "custom"):
        raise CheckError(f"quality_scale {tier!r} is not a tier")


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise CheckError(f"{path.relative_to(ROOT)} is not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def check_brand() -> None:
    brand = integration_dir() / "brand"
    if not (brand / "icon.png").is_file():
        raise CheckError(f"no {(brand / 'icon.png').relative_to(ROOT)}")
    for name, side in ICONS.items():
        if (brand / name).is_file() and _png_size(brand / name) != (side, side):
            raise CheckError(
                f"brand/{name} is {_png_size(brand / name)}, not {side}x{side}"
            )
    for name, (low, high) in LOGOS.items():
        if (brand / name).is_file() and not low <= min(_png_size(brand / name)) <= high:
            raise CheckError(f"brand/{name}: shortest side not in {low}-{high} px")


def check_license() -> None:
    path = ROOT / "LICENSE"
    if not path.is_file():
        raise CheckError("no LICENSE")
    text = path.read_text()
    if not any(all(p in text for p in phrases) for phrases in LICENSES.values()):
        raise CheckError("LICENSE is none of the licences HACS accepts unasked")


def check_readme() -> None:
    names = {p.name.lower() for p in ROOT.iterdir() if p.is_file()}
    if not names & {"readme", "readme.md", "info", "info.md"}:
        raise CheckError("no README or info file")


def check_quality_scale() -> None:
    folder = integration_dir()
    manifest = _json(folder / "manifest.json")
    path = folder / "quality_scale.yaml"
    rules: dict[str, Any] = yaml.safe_load(path.read_text())["rules"]
    known = {r for rs in TIERS.values() for r in rs}
    if unknown := set(rules) - known - set(NEWER_RULES):
        raise CheckError(f"unknown rules: {sorted(unknown)}")
    if missing := known - set(rules):
        raise CheckError(f"rules missing: {sorted(missing)}")
    status: dict[str, str] = {}
    for name, value in rules.items():
        rule = {"status": value} if isinstance(value, str) else value
        if rule.get("status") not in ("done", "todo", "exempt"):
            raise CheckError(f"{name}: status {rule.get('status')!r}")
        if rule["status"] == "exempt" and not rule.get("comment"):
            raise CheckError(f"{name}: exempt without a comment")
        status[name] = rule["status"]
    if status["integration-owner"] == "done" and not manifest["codeowners"]:
        raise CheckError("integration-owner is done, but codeowners is empty")
    met = None
    for tier, names in TIERS.items():
        if any(status[n] == "todo" for n in names):
            break
        met = tier
    claimed = manifest.get("quality_scale")
    order = list(TIERS)
    if claimed in TIERS and (met is None or order.index(claimed) > order.index(met)):
        open_rules = [
            n
            for t in order[: order.index(claimed) + 1]
            for n in TIERS[t]
            if status[n] == "todo"
        ]
        raise CheckError(f"manifest claims {claimed}; rules still todo: {open_rules}")


# Module -> function -> 1-based position of its config entry argument.
TYPED_ENTRY_FUNCTIONS: dict[str, dict[str, int]] = {
    "__init__": {
        "async_migrate_entry": 2,
        "async_remove_config_entry_device": 2,
        "async_remove_entry": 2,
        "async_setup_entry": 2,
        "async_unload_entry": 2,
    },
    "diagnostics": {
        "async_get_config_entry_diagnostics": 2,
        "async_get_device_diagnostics": 2,
    },
    **{platform.value: {"async_setup_entry": 2} for platform in Platform},
}
TYPED_ENTRY = re.compile(r"^[A-Za-z]+ConfigEntry$")


def _typed(function: ast.FunctionDef | ast.AsyncFunctionDef, position: int) -> bool:
    args = function.args.args
    if len(args) < position:
        return False
    annotation = args[position - 1].annotation
    return isinstance(annotation, ast.Name) and bool(TYPED_ENTRY.match(annotation.id))


def check_runtime_data() -> None:
    folder = integration_dir()
    rules = yaml.safe_load((folder / "quality_scale.yaml").read_text())["rules"]
    init = ast.parse((folder / "__init__.py").read_text())
    setup = next(
        (
            f
            for f in init.body
            if isinstance(f, ast.AsyncFunctionDef) and f.name == "async_setup_entry"
        ),
        None,
    )
    if setup is None or len(setup.args.args) != 2:
        raise CheckError("no async_setup_entry(hass, entry) in __init__.py")
    entry = setup.args.args[1].arg
    if not any(
        isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id == entry
        and n.attr == "runtime_data"
        and isinstance(n.ctx, ast.Store)
        for n in ast.walk(setup)
    ):
        raise CheckError("async_setup_entry does not set entry.runtime_data")
    strict = rules.get("strict-typing")
    if (strict if isinstance(strict, str) else strict.get("status")) != "done":
        return
    untyped = []
    for module, functions in TYPED_ENTRY_FUNCTIONS.items():
        path = folder / f"{module}.py"
        if not path.exists():
            continue
        untyped += [
            f"{module}.{node.name}"
            for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.AsyncFunctionDef)
            and node.name in functions
            and not _typed(node, functions[node.name])
        ]
    for node in ast.parse((folder / "config_flow.py").read_text()).body:
        if isinstance(node, ast.ClassDef):
            untyped += [
                f"config_flow.{node.name}.{f.name}"
                for f in node.body
                if isinstance(f, ast.FunctionDef)
                and f.name == "async_get_options_flow"
                and not _typed(f, 1)
            ]
    if untyped:
        raise CheckError(f"strict-typing: the bare ConfigEntry in {untyped}")


CHECKS: dict[str, Callable[[], None]] = {
    "hacs.json (hacsjson)": check_hacs_json,
    "one integration under custom_components/": integration_dir,
    "manifest.json (integration_manifest, hassfest manifest)": check_manifest,
    "brand/icon.png and the other brand images (brands)": check_brand,
    "LICENSE (license)": check_license,
    "README (information)": check_readme,
    "quality_scale.yaml against the manifest (hassfest quality_scale)": check_quality_scale,
    "runtime data and the typed entry (hassfest runtime_data)": check_runtime_data,
}


def main() -> int:
    failed = 0
    for name, check in CHECKS.items():
        try:
            check()
        except CheckError as err:
            failed += 1
            print(f"FAILED  {name}: {err}")
        else:
            print(f"ok      {name}")
    print(
        f"check_hacs: {failed} of {len(CHECKS)} checks failed"
        if failed
        else f"check_hacs: all {len(CHECKS)} checks passed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
