# Shared by the scripts: where things live, and the Python 3.13 interpreter.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export SPORTS_INFLUX_CACHE="${SPORTS_INFLUX_CACHE:-$HOME/.cache/sports_influx}"
mkdir -p "$SPORTS_INFLUX_CACHE"

# The minimum supported HA (2025.4.4) runs on Python 3.13.0: pyenv's, or the system's.
find_python313() {
  local candidate
  for candidate in "$(command -v python3.13 2>/dev/null || true)" \
      "$HOME"/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "error: no Python 3.13 found (pyenv install 3.13.0, or apt-get install python3.13)" >&2
  return 1
}

# Debian packages the stack, the newest-HA leg and the browser tests need;
# installed once, as root.
ensure_apt_packages() {
  local missing=()
  command -v influxd >/dev/null || missing+=(influxdb)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v patchelf >/dev/null || missing+=(patchelf)
  # The E2E tests drive Debian's Chromium (Playwright cannot download one here).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> apt-get install ${missing[*]}"
  # Keep the packages' own services from starting: the tests start theirs by PID.
  local had_policy=1
  [ -e /usr/sbin/policy-rc.d ] || { had_policy=0; printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  [ $had_policy -eq 1 ] || rm -f /usr/sbin/policy-rc.d
}
