#!/usr/bin/env bash
# The demo command: virtual environment, txng with its demo extras, then `txng demo` (args passed on).
# With no TXNG_DATABASE_URL / TXNG_MQTT_URL it runs an embedded PostgreSQL and MQTT broker.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[all,demo]' 2>&1 | grep -v '^WARNING: Location' || true
exec .venv/bin/txng demo "$@"
