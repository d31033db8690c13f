#!/usr/bin/env bash
# Print (last line of stdout) the absolute path of a working Python >= 3.14.2.
#
# Used by the "newest Home Assistant" CI leg: HA 2026.x needs Python 3.14, the
# machines ship older ones. If none is on PATH, we take Debian's own build from
# unstable (or testing), unpack it with its libraries (glibc included) into a
# private root under the cache and point the binary at that root with patchelf.
# Nothing is installed system-wide and /etc/apt is never touched.
#
# Exit codes: 0 = path printed; 3 = no Python >= 3.14.2 obtainable (callers
# skip the leg, loudly); anything else = a real error.
#
# Cache: ${SPORTS_INFLUX_CACHE:-$HOME/.cache/sports_influx}/python314/
#   apt-<suite>/    private apt state (package lists; .debs only while building)
#   root/           unpacked Debian packages; root/usr/bin/python3.14 is the result
#   root/.complete  written only after the interpreter passed verification
set -euo pipefail

MIN_VERSION=3.14.2
CACHE_DIR="${SPORTS_INFLUX_CACHE:-$HOME/.cache/sports_influx}/python314"
ROOT="$CACHE_DIR/root"
PY="$ROOT/usr/bin/python3.14"

log() { echo "python314.sh: $*" >&2; }

# Does "$1" run, report >= MIN_VERSION and have the stdlib modules the test
# suite and pip need (the ones Debian builds against external libraries)?
# Quiet unless $2 is "loud" (then the failure's traceback shows on our own
# stderr: inherited, never reopened by path, which would truncate a log file
# that stderr is redirected to).
works() {
    if [[ "${2:-}" == loud ]]; then
        check_interpreter "$1"
    else
        check_interpreter "$1" 2>/dev/null
    fi
}

check_interpreter() {
    "$1" - "$MIN_VERSION" >/dev/null <<'EOF'
import sys
want = tuple(int(x) for x in sys.argv[1].split("."))
assert sys.version_info[:3] >= want, sys.version
import ssl, sqlite3, ctypes, lzma, bz2, zlib, readline, uuid, _decimal, hashlib, venv
import _ctypes, _uuid, _sqlite3, _ssl, _hashlib, pyexpat, _curses, zoneinfo
ssl.create_default_context()          # loads the CA store
hashlib.sha256(b"").hexdigest()
sqlite3.connect(":memory:").execute("select 1")
EOF
}

# 1. An interpreter that is already there.
if command -v python3.14 >/dev/null 2>&1; then
    candidate="$(command -v python3.14)"
    if works "$candidate"; then
        echo "$candidate"
        exit 0
    fi
    log "ignoring $candidate: too old or incomplete"
fi
# Fast path: the cached one (the marker is only written after verification).
if [[ -f "$ROOT/.complete" ]] && works "$PY"; then
    echo "$PY"
    exit 0
fi

# 2. Build the private root from Debian packages, one builder at a time; a
# concurrent run that waited finds the finished root and leaves here.
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock"
flock 9
if [[ -f "$ROOT/.complete" ]] && works "$PY"; then
    echo "$PY"
    exit 0
fi

arch="$(dpkg --print-architecture)"
case "$arch" in
    amd64) triplet=x86_64-linux-gnu ;;
    arm64) triplet=aarch64-linux-gnu ;;
    *) log "unsupported architecture $arch"; echo "SKIPPED: no Python >= $MIN_VERSION" >&2; exit 3 ;;
esac

# What to unpack: Debian's python3.14 packages (the -dev one for building C
# extensions) plus libstdc++6, which wheels' C++ extensions load; the
# libraries they all need are added by resolve_packages below.
SEED_PACKAGES=(
    python3.14 python3.14-minimal libpython3.14-minimal libpython3.14-stdlib
    libpython3.14 libpython3.14-dev libstdc++6
)

# apt against a private state dir and sources file. The host's apt.conf.d is
# still read (proxy settings etc.), but its sources, pins and dpkg status not.
# Downloads run as root: the private dirs aren't owned by the _apt sandbox user.
apt_private() {
    local dir="$1"; shift
    local tool="$1"; shift
    "$tool" \
        -o Dir::State="$dir/state" \
        -o Dir::State::status="$dir/state/status" \
        -o Dir::Cache="$dir/cache" \
        -o Dir::Etc::SourceList="$dir/sources.list" \
        -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::Etc::Preferences=/dev/null \
        -o Dir::Etc::PreferencesParts=/dev/null \
        -o APT::Sandbox::User=root \
        -q "$@"
}

# Sets $suite_dir to a private apt state for suite $1 with fresh lists and
# returns 0 if its python3.14 is >= MIN_VERSION.
prepare_suite() {
    local suite="$1"
    suite_dir="$CACHE_DIR/apt-$suite"
    mkdir -p "$suite_dir/state/lists/partial" "$suite_dir/cache/archives/partial"
    : > "$suite_dir/state/status"   # empty: we install nothing, only download
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
        > "$suite_dir/sources.list"
    log "apt-get update ($suite)"
    if ! apt_private "$suite_dir" apt-get update >&2; then
        log "apt-get update ($suite) failed"
        return 1
    fi
    local version
    version="$(apt_private "$suite_dir" apt-cache policy python3.14 | sed -n 's/^ *Candidate: //p')"
    log "$suite has python3.14 ${version:-none}"
    [[ -n "$version" && "$version" != "(none)" ]] || return 1
    dpkg --compare-versions "$version" ge "$MIN_VERSION"
}

# The library closure of the seeds, read from the suite's own metadata so a
# renamed library (new soname, t64 rename) is followed without editing this
# file. glibc comes along: Debian's build needs a newer one than the host's.
# Only lib* packages are followed; the rest (tzdata, media-types, netbase,
# gcc-N-base) is data the host has. -dev/-extra ones are not needed to run.
resolve_packages() {
    local -A seen=()
    local todo=("$@") next dep
    while ((${#todo[@]})); do     # breadth first: one apt-cache run per level
        next=()
        for dep in "${todo[@]}"; do seen[$dep]=1; done
        while read -r dep; do
            case "$dep" in
                *-dev | *-common | *-bin | *-data | *-extra) ;;
                lib* | zlib1g) [[ -n "${seen[$dep]:-}" ]] || next+=("$dep") ;;
            esac
        done < <(apt_private "$suite_dir" apt-cache depends --no-recommends --no-suggests \
                    --no-conflicts --no-breaks --no-replaces --no-enhances "${todo[@]}" |
                 sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: \([a-z0-9][^ ]*\)$/\2/p' | sort -u)
        todo=("${next[@]}")
    done
    printf '%s\n' "${!seen[@]}" | sort
}

if ! command -v patchelf >/dev/null 2>&1; then
    log "installing patchelf"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q patchelf >&2
fi

suite_dir=""
found=""
for suite in unstable testing; do
    if prepare_suite "$suite"; then found="$suite"; break; fi
done
if [[ -z "$found" ]]; then
    echo "SKIPPED: no Python >= $MIN_VERSION" >&2
    exit 3
fi

debs="$suite_dir/debs"
rm -rf "$debs" && mkdir -p "$debs"
mapfile -t packages < <(resolve_packages "${SEED_PACKAGES[@]}")
log "downloading from $found: ${packages[*]}"
(cd "$debs" && apt_private "$suite_dir" apt-get download "${packages[@]}" >&2)

# Unpack in place: the paths patched into the binary are absolute, so the root
# cannot be built elsewhere and moved. The marker comes last.
rm -rf "$ROOT" && mkdir -p "$ROOT"
for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$ROOT"
done

# The dynamic loader and library dirs of the private root. RPATH (not RUNPATH,
# not LD_LIBRARY_PATH): the executable's RPATH also serves the extension
# modules it dlopens, and child processes (gcc, git, ...) don't inherit it.
loader=""
libdirs=""
for dir in "$ROOT/usr/lib/$triplet" "$ROOT/lib/$triplet"; do
    [[ -d "$dir" ]] || continue
    libdirs="${libdirs:+$libdirs:}$dir"
    for f in "$dir"/ld-linux*.so.*; do
        if [[ -e "$f" && -z "$loader" ]]; then loader="$f"; fi
    done
done
[[ -n "$loader" ]] || { log "no dynamic loader in $ROOT"; exit 1; }
patchelf --set-interpreter "$loader" "$PY"
patchelf --force-rpath --set-rpath "$libdirs" "$PY"

# Debian's pyconfig.h only redirects to the multiarch one via <triplet/...>,
# which the compiler would look up under the host's /usr/include.
cp "$ROOT/usr/include/$triplet/python3.14/pyconfig.h" "$ROOT/usr/include/python3.14/pyconfig.h"

# Every lib-dynload module must load: this catches a library missing from the
# resolved packages, which the import list in works() might not cover.
"$PY" - <<'EOF' >&2
import importlib, pathlib, sys, sysconfig
dynload = pathlib.Path(sysconfig.get_path("platstdlib")) / "lib-dynload"
bad = []
for so in sorted(dynload.glob("*.so")):
    name = so.name.split(".")[0]
    try:
        importlib.import_module(name)
    except Exception as e:  # report all, then fail
        bad.append(f"{name}: {e}")
if bad:
    sys.exit("lib-dynload modules that do not load:\n  " + "\n  ".join(bad))
EOF
if ! works "$PY" loud; then
    log "$PY does not pass the checks"
    exit 1
fi
touch "$ROOT/.complete"
rm -rf "$debs"   # the unpacked root is all we keep
log "ready: $("$PY" --version)"
echo "$PY"
