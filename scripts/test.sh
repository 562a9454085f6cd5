#!/usr/bin/env bash
# The test command: virtual environment, services, lint (ruff), types (mypy), tests (pytest).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[all,demo]' 2>&1 | grep -v '^WARNING: Location' || true
bash scripts/services.sh
export TXNG_TEST_MQTT_URL="${TXNG_TEST_MQTT_URL:-mqtt://127.0.0.1:${TXNG_TEST_MQTT_PORT:-18831}}"
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest"; .venv/bin/pytest "$@"
