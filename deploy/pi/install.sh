#!/usr/bin/env bash
# Install the txng edge agent on Raspberry Pi OS (Bookworm) as a systemd service.
#
#   sudo deploy/pi/install.sh --config device.yaml [--password-file pw] [--ca-file ca.crt]
#   deploy/pi/install.sh --dry-run ...     # print every action, change nothing
#
# What it does: a system user `txng` (groups dialout, video, and gpio/input where present),
# a virtual environment in /opt/txng with txng[edge] (the wheel built from this checkout, or
# --wheel FILE, or a hash-locked --requirements FILE: never a name looked up on a public
# index; see install-package.sh), the device config in /etc/txng/, the
# outbox in /var/lib/txng (kept across reboots and reinstalls), the unit txng-edge.service
# (Restart=always, watchdog) and bounded persistent journald logs. Safe to run again: it
# upgrades the package and keeps the outbox.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX=/opt/txng
CONFIG_DIR=/etc/txng
STATE_DIR=/var/lib/txng
UNIT=/etc/systemd/system/txng-edge.service
JOURNALD=/etc/systemd/journald.conf.d/txng.conf
USER_NAME=txng
PACKAGE_SOURCE=()
DRY_RUN=0
CONFIG=""
PASSWORD_FILE=""
CA_FILE=""
START=1

usage() {
    cat >&2 <<USAGE
usage: $0 [--dry-run] [--config FILE] [--password-file FILE] [--ca-file FILE]
          [--wheel FILE [--sha256 HEX] | --requirements FILE] [--no-start]
  --config FILE         the device's YAML config (installed as $CONFIG_DIR/device.yaml)
  --password-file FILE  its broker password, from \`txng devices add\` ($CONFIG_DIR/mqtt-password)
  --ca-file FILE        the broker's CA certificate ($CONFIG_DIR/ca.crt)
  --wheel FILE          install this txng wheel (default: the wheel built from this checkout)
  --sha256 HEX          the wheel's expected SHA-256 (checked before anything is installed)
  --requirements FILE   install from a requirements file with a --hash on every line
  --no-start            install and enable, but do not (re)start the service
  --dry-run             print every action without doing it
USAGE
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --config) CONFIG="${2:?}"; shift ;;
        --password-file) PASSWORD_FILE="${2:?}"; shift ;;
        --ca-file) CA_FILE="${2:?}"; shift ;;
        --wheel|--sha256|--requirements) PACKAGE_SOURCE+=("$1" "${2:?}"); shift ;;
        --package)
            echo "install.sh: --package is gone: a name is looked up on an index, which anyone" \
                "may publish to; use --wheel FILE or --requirements FILE (with hashes)" >&2
            exit 2 ;;
        --no-start) START=0 ;;
        -h|--help) usage ;;
        *) echo "unknown option: $1" >&2; usage ;;
    esac
    shift
done

# Every change goes through `run`: printed, and executed unless --dry-run.
run() {
    printf '+ %s\n' "$*"
    if [ "$DRY_RUN" = 0 ]; then "$@"; fi
}

note() { printf '# %s\n' "$*"; }

if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root (sudo), or with --dry-run to see the plan" >&2
    exit 1
fi
for file in "$CONFIG" "$PASSWORD_FILE" "$CA_FILE"; do
    if [ -n "$file" ] && [ ! -r "$file" ]; then echo "install.sh: cannot read $file" >&2; exit 1; fi
done
# The package source is checked before anything changes (a wrong hash stops here).
bash "$HERE/install-package.sh" "$PREFIX" "${PACKAGE_SOURCE[@]}" --check
if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091
    . /etc/os-release
    if [ "${VERSION_CODENAME:-}" != bookworm ]; then
        note "warning: made for Raspberry Pi OS Bookworm, this is ${PRETTY_NAME:-unknown}"
    fi
fi

note "1. system packages: Python venv, zbar (barcodes), sqlite3 (outbox inspection)"
run apt-get update -q
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv libzbar0 sqlite3

note "2. system user $USER_NAME with the device groups that exist here"
if ! getent passwd "$USER_NAME" >/dev/null; then
    run useradd --system --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin \
        --user-group "$USER_NAME"
fi
for group in dialout video gpio input; do
    if getent group "$group" >/dev/null; then
        run usermod -a -G "$group" "$USER_NAME"
    else
        note "no group $group here: skipped"
    fi
done

note "3. directories: config $CONFIG_DIR (root:$USER_NAME 0750), outbox $STATE_DIR ($USER_NAME 0750)"
run install -d -m 0750 -o root -g "$USER_NAME" "$CONFIG_DIR"
run install -d -m 0750 -o "$USER_NAME" -g "$USER_NAME" "$STATE_DIR"

note "4. virtual environment $PREFIX with txng[edge] (install-package.sh)"
package_args=("$PREFIX" "${PACKAGE_SOURCE[@]}")
if [ "$DRY_RUN" = 1 ]; then package_args+=(--dry-run); fi
bash "$HERE/install-package.sh" "${package_args[@]}"

note "5. device config and secrets"
if [ -n "$CONFIG" ]; then
    run install -m 0640 -o root -g "$USER_NAME" "$CONFIG" "$CONFIG_DIR/device.yaml"
elif [ ! -f "$CONFIG_DIR/device.yaml" ]; then
    note "no --config and no $CONFIG_DIR/device.yaml yet: write one before the service starts"
fi
if [ -n "$PASSWORD_FILE" ]; then
    run install -m 0640 -o root -g "$USER_NAME" "$PASSWORD_FILE" "$CONFIG_DIR/mqtt-password"
fi
if [ -n "$CA_FILE" ]; then
    run install -m 0644 -o root -g root "$CA_FILE" "$CONFIG_DIR/ca.crt"
fi
if [ -f "$CONFIG_DIR/device.yaml" ] || [ -n "$CONFIG" ]; then
    run runuser -u "$USER_NAME" -- env TXNG_EDGE_STATE_DIR="$STATE_DIR" "$PREFIX/bin/python" -c \
        "from edge.config import load_config; load_config('$CONFIG_DIR/device.yaml')"
fi

note "6. logs: the journal, persistent and bounded ($JOURNALD)"
run install -d -m 0755 "$(dirname "$JOURNALD")"
run install -m 0644 "$HERE/journald-txng.conf" "$JOURNALD"
run systemctl restart systemd-journald

note "7. systemd unit $UNIT (Restart=always, WatchdogSec, outbox in $STATE_DIR)"
run install -m 0644 "$HERE/txng-edge.service" "$UNIT"
run systemctl daemon-reload
run systemctl enable txng-edge.service
if [ "$START" = 1 ] && { [ -f "$CONFIG_DIR/device.yaml" ] || [ -n "$CONFIG" ]; }; then
    run systemctl restart txng-edge.service
else
    note "not started: systemctl start txng-edge.service once $CONFIG_DIR/device.yaml is in place"
fi
note "done: journalctl -u txng-edge -f shows the agent's log"
