#!/usr/bin/env bash
# Install (if missing) and start the services txng's tests and demo need on a Debian machine:
# PostgreSQL (unless TXNG_TEST_DATABASE_URL is given) and a Mosquitto broker with txng's own config.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run"
MQTT_PORT="${TXNG_TEST_MQTT_PORT:-18831}"
mkdir -p "$RUN_DIR/mosquitto"

apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        if [ ! -f "$RUN_DIR/.apt-updated" ]; then apt-get update -qq && touch "$RUN_DIR/.apt-updated"; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "services.sh: please install: $*" >&2; return 1
    fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# PostgreSQL
if [ -z "${TXNG_TEST_DATABASE_URL:-}" ]; then
    if ! port_open 5432; then
        command -v pg_ctlcluster >/dev/null || apt_install postgresql
        if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then pg_createcluster 15 main >/dev/null; fi
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
        for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
    fi
    port_open 5432 || { echo "services.sh: PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
fi

# Mosquitto, with txng's config (own port, unlimited queue, persistence)
command -v mosquitto >/dev/null || apt_install mosquitto
if ! port_open "$MQTT_PORT"; then
    sed -e "s|@PORT@|$MQTT_PORT|" -e "s|@DATA@|$RUN_DIR/mosquitto/|" \
        "$ROOT/deploy/mosquitto/dev.conf.in" > "$RUN_DIR/mosquitto/mosquitto.conf"
    mosquitto -d -c "$RUN_DIR/mosquitto/mosquitto.conf"
    for _ in $(seq 1 30); do port_open "$MQTT_PORT" && break; sleep 0.2; done
    port_open "$MQTT_PORT" || { echo "services.sh: Mosquitto did not start on $MQTT_PORT" >&2; exit 1; }
fi
