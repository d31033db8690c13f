"""What importing the integration loads: nothing of influxdb3-python.

influxdb3-python imports pyarrow, numpy and its gRPC Flight client with its
package; the integration imports it when the write client is built, in the
executor. A fresh interpreter shows what the import alone brings in.
"""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("__init__", "config_flow", "diagnostics", "sensor", "services")
HEAVY = ("influxdb_client_3", "pyarrow", "numpy")


def test_importing_the_integration_loads_no_influxdb3_python() -> None:
    imports = "; ".join(
        f"import custom_components.sports_influx.{m}".replace(".__init__", "")
        for m in MODULES
    )
    code = f"{imports}; import sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_influxdb3_python_is_used_by_the_write_client_only() -> None:
    """One module of the client knows the library: its changes touch one file."""
    package = ROOT / "custom_components" / "sports_influx" / "influx"
    users = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "influxdb_client_3" in path.read_text(encoding="utf-8")
    )
    assert users == ["write_client.py"]
