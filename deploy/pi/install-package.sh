#!/usr/bin/env bash
# Install txng[edge] into a virtual environment from a source we can name, never by a bare name
# from a public package index (txng is not published there: whoever registers the name would
# own every Pi that asked for it).
#
#   deploy/pi/install-package.sh PREFIX                         # the wheel built from this checkout
#   deploy/pi/install-package.sh PREFIX --wheel F [--sha256 H]  # a wheel file (its hash checked)
#   deploy/pi/install-package.sh PREFIX --requirements F        # a hash-locked requirements file
#   ... --dry-run                                               # print the actions only
#   ... --check                                                 # check the source, then stop
#
# By default the wheel is built (pip wheel --no-deps) from a clean copy of this checkout's
# package sources, so that nothing stale in a build/ directory ends up in it. txng's
# dependencies come from pip's configured index by their names and version ranges; to pin
# every one of them to a hash, use --requirements (pip's --require-hashes mode).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHECKOUT="$(cd "$HERE/../.." && pwd)"
SOURCES=(pyproject.toml README.md plumbing contract edge cloud txng)
PREFIX=""
WHEEL=""
SHA256=""
REQUIREMENTS=""
DRY_RUN=0
CHECK=0

usage() {
    cat >&2 <<USAGE
usage: $0 PREFIX [--wheel FILE [--sha256 HEX]] [--requirements FILE] [--dry-run]
  PREFIX               the virtual environment (made if missing)
  --wheel FILE         install this txng wheel (with the edge extra) instead of building one
  --sha256 HEX         the wheel's expected SHA-256; the install stops if it differs
  --requirements FILE  a requirements file with a --hash for every line (txng and all its
                       dependencies, e.g. from pip-compile --generate-hashes)
  --dry-run            print every action without doing it
  --check              only check the source (files readable, hash, checkout), change nothing
USAGE
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --wheel) WHEEL="${2:?}"; shift ;;
        --sha256) SHA256="${2:?}"; shift ;;
        --requirements) REQUIREMENTS="${2:?}"; shift ;;
        --dry-run) DRY_RUN=1 ;;
        --check) CHECK=1 ;;
        -h|--help) usage ;;
        -*) echo "install-package.sh: unknown option: $1" >&2; usage ;;
        *) if [ -z "$PREFIX" ]; then PREFIX="$1"; else echo "install-package.sh: one PREFIX" >&2; usage; fi ;;
    esac
    shift
done
[ -n "$PREFIX" ] || usage
if [ -n "$WHEEL" ] && [ -n "$REQUIREMENTS" ]; then
    echo "install-package.sh: --wheel or --requirements, not both" >&2; exit 2
fi
if [ -n "$SHA256" ] && [ -z "$WHEEL" ]; then
    echo "install-package.sh: --sha256 goes with --wheel" >&2; exit 2
fi

run() {
    printf '+ %s\n' "$*"
    if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}
note() { printf '# %s\n' "$*"; }

if [ -n "$REQUIREMENTS" ]; then
    [ -r "$REQUIREMENTS" ] || { echo "install-package.sh: cannot read $REQUIREMENTS" >&2; exit 1; }
    if grep -Eq '^[[:space:]]*[^#[:space:]-]' "$REQUIREMENTS" \
        && ! grep -q -- '--hash=' "$REQUIREMENTS"; then
        echo "install-package.sh: $REQUIREMENTS has no --hash: pin every line with its hash" >&2
        exit 1
    fi
elif [ -n "$WHEEL" ]; then
    [ -r "$WHEEL" ] || { echo "install-package.sh: cannot read $WHEEL" >&2; exit 1; }
    case "$(basename "$WHEEL")" in
        txng-*.whl) ;;
        *) echo "install-package.sh: $WHEEL is not a txng wheel (txng-VERSION-….whl)" >&2; exit 1 ;;
    esac
    if [ -n "$SHA256" ]; then
        actual="$(sha256sum "$WHEEL" | cut -d' ' -f1)"
        if [ "$actual" != "$SHA256" ]; then
            echo "install-package.sh: $WHEEL has SHA-256 $actual, expected $SHA256" >&2
            exit 1
        fi
        note "$WHEEL: SHA-256 $actual as expected"
    fi
else
    grep -q '^name = "txng"$' "$CHECKOUT/pyproject.toml" 2>/dev/null || {
        echo "install-package.sh: $CHECKOUT is not a txng checkout: use --wheel or --requirements" >&2
        exit 1
    }
fi

if [ "$CHECK" = 1 ]; then exit 0; fi

if [ ! -x "$PREFIX/bin/python" ]; then run python3 -m venv "$PREFIX"; fi
PIP=("$PREFIX/bin/python" -m pip --disable-pip-version-check)

if [ -n "$REQUIREMENTS" ]; then
    note "txng and its dependencies as pinned, each checked against its hash"
    run "${PIP[@]}" install --require-hashes -r "$REQUIREMENTS"
    exit 0
fi
if [ -z "$WHEEL" ]; then
    note "build the wheel from $CHECKOUT (a clean copy of its package sources)"
    build="$(mktemp -d)"
    trap 'rm -rf "$build"' EXIT
    mkdir -p "$build/src" "$build/dist"
    run tar -C "$CHECKOUT" --exclude=__pycache__ -cf "$build/src.tar" "${SOURCES[@]}"
    run tar -C "$build/src" -xf "$build/src.tar"
    run "${PIP[@]}" wheel --no-deps --wheel-dir "$build/dist" "$build/src"
    if [ "$DRY_RUN" = 1 ]; then
        WHEEL="$build/dist/txng-VERSION-py3-none-any.whl"
    else
        WHEEL="$(find "$build/dist" -name 'txng-*.whl' | head -1)"
        [ -n "$WHEEL" ] || { echo "install-package.sh: no wheel was built" >&2; exit 1; }
        note "built $(basename "$WHEEL"), SHA-256 $(sha256sum "$WHEEL" | cut -d' ' -f1)"
    fi
fi
note "install the wheel file (pip never looks txng up on an index for a file), then exactly it"
run "${PIP[@]}" install "${WHEEL}[edge]"
run "${PIP[@]}" install --force-reinstall --no-deps "$WHEEL"
