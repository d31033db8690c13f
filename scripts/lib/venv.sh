# shellcheck shell=bash
# Cached virtualenvs, keyed by the requirements file's content.
# Source this file, then:  venv="$(ensure_venv PYTHON REQFILE NAME)"
#
# The venv lives at
#   ${SPORTS_INFLUX_CACHE:-$HOME/.cache/sports_influx}/venv-NAME-<sha256(REQFILE)[:12]>
# so editing the requirements file gives a new venv and old ones stay usable.
# The marker .complete (holding the interpreter's real path) is written only
# after a successful install: a venv without it, half-built by a run that was
# killed, or made by another interpreter, is rebuilt. A warm call reads the
# marker and returns; it installs nothing.

ensure_venv() {
    local python="$1" reqfile="$2" name="$3"
    local cache="${SPORTS_INFLUX_CACHE:-$HOME/.cache/sports_influx}"
    local hash real venv
    [[ -f "$reqfile" ]] || { echo "ensure_venv: no file $reqfile" >&2; return 1; }
    hash="$(sha256sum "$reqfile" | cut -c1-12)"
    real="$(readlink -f "$(command -v "$python")")"
    venv="$cache/venv-$name-$hash"

    if [[ -f "$venv/.complete" && "$(cat "$venv/.complete")" == "$real" ]]; then
        echo "$venv"
        return 0
    fi

    # Errors are checked by hand: this must not rely on the caller's set -e.
    mkdir -p "$cache" || return 1
    local lock
    exec {lock}>"$venv.lock" || return 1
    flock "$lock"   # one builder per venv; a waiting caller then finds it done
    _ensure_venv_build "$python" "$reqfile" "$venv" "$real"
    local rc=$?
    exec {lock}>&-
    [[ $rc -eq 0 ]] || return "$rc"
    echo "$venv"
}

_ensure_venv_build() {
    local python="$1" reqfile="$2" venv="$3" real="$4"
    if [[ -f "$venv/.complete" && "$(cat "$venv/.complete")" == "$real" ]]; then
        return 0
    fi
    rm -rf "$venv" || return 1
    if "$python" -c 'import ensurepip' >/dev/null 2>&1; then
        "$python" -m venv "$venv" >&2 || return 1
    else
        # Debian ships ensurepip separately (python3.X-venv): bootstrap pip
        # from its wheel, fetched by whichever pip the host has.
        "$python" -m venv --without-pip "$venv" >&2 || return 1
        local wheels whl
        wheels="$(mktemp -d)" || return 1
        python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" pip >&2 \
            || { rm -rf "$wheels"; return 1; }
        whl="$(echo "$wheels"/pip-*.whl)"
        "$venv/bin/python" "$whl/pip" install --quiet --no-deps "$whl" >&2 \
            || { rm -rf "$wheels"; return 1; }
        rm -rf "$wheels"
    fi
    "$venv/bin/python" -m pip install --disable-pip-version-check -r "$reqfile" >&2 || return 1
    echo "$real" > "$venv/.complete"
}
