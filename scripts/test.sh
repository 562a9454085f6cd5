#!/usr/bin/env bash
# The test command: virtual environment, services, lint (ruff), types (mypy), tests (pytest).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[all,demo]' 2>&1 | grep -v '^WARNING: Location' || true
# pyzbar (the camera's alternative decoder) loads the zbar shared library from the system.
if ! ldconfig -p 2>/dev/null | grep -q 'libzbar\.so\.0'; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzbar0; } \
            >/dev/null || echo "test.sh: could not install libzbar0; pyzbar tests skip" >&2
    else
        echo "test.sh: please install libzbar0; pyzbar tests skip" >&2
    fi
fi
# The browser tests drive Debian's Chromium through Playwright (never `playwright install`).
if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
            >/dev/null || echo "test.sh: could not install chromium; browser tests skip" >&2
    else
        echo "test.sh: please install chromium; browser tests skip" >&2
    fi
fi
# Cold-chain reports and label sheets embed DejaVu Sans from Debian's fonts-dejavu-core.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -z "${TXNG_REPORT_FONT_DIR:-}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core; } \
            >/dev/null || echo "test.sh: could not install fonts-dejavu-core; report tests fail" >&2
    else
        echo "test.sh: please install fonts-dejavu-core (cold-chain report fonts)" >&2
    fi
fi
bash scripts/services.sh
export TXNG_TEST_MQTT_URL="${TXNG_TEST_MQTT_URL:-mqtt://127.0.0.1:${TXNG_TEST_MQTT_PORT:-18831}}"
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== import layers"; .venv/bin/lint-imports --no-cache
echo "== pytest"; .venv/bin/pytest "$@"
