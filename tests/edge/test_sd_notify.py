"""systemd notifications: READY once the outbox is open, WATCHDOG pings, STOPPING at the end."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edge import sd_notify
from tests.edge.helpers import ROOT, device_config, probe, write_config
from tests.support.waiting import wait_for


def _listen(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.5)
    return sock


def _received(sock: socket.socket, until: float) -> list[str]:
    seen = []
    while time.monotonic() < until:
        try:
            seen.append(sock.recv(4096).decode())
        except TimeoutError:
            continue
    return seen


def test_notify_sends_to_the_socket_and_is_silent_without_one(tmp_path, monkeypatch):
    sock = _listen(tmp_path / "notify")
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert sd_notify.notify("READY=1") is False
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
    assert sd_notify.notify("READY=1") is True
    assert sock.recv(100) == b"READY=1"
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "missing"))
    assert sd_notify.notify("WATCHDOG=1") is False  # logged, never raised


def test_abstract_socket_addresses(monkeypatch):
    name = f"txng-test-{os.getpid()}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
    assert sd_notify.notify("STATUS=ok")
    assert sock.recv(100) == b"STATUS=ok"


@pytest.mark.parametrize(
    ("usec", "pid", "expected"),
    [
        ("60000000", None, 30.0),
        ("60000000", "self", 30.0),
        ("60000000", "1", None),
        ("", None, None),
        ("0", None, None),
        ("x", None, None),
    ],
)
def test_watchdog_interval_is_half_of_watchdog_sec(monkeypatch, usec, pid, expected):
    monkeypatch.setenv("WATCHDOG_USEC", usec)
    if pid is None:
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
    else:
        monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()) if pid == "self" else pid)
    assert sd_notify.watchdog_interval_s() == expected


def test_the_agent_says_ready_feeds_the_watchdog_and_says_stopping(mqtt_url, tmp_path):
    sock = _listen(tmp_path / "notify")
    config = write_config(
        tmp_path / "device.yaml",
        device_config(mqtt_url=mqtt_url, outbox=tmp_path / "outbox.sqlite", readers=[probe()]),
    )
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(tmp_path / "notify"),
        "WATCHDOG_USEC": "400000",  # WatchdogSec=0.4 s: a ping every 0.2 s
        "TXNG_LOG_LEVEL": "WARNING",
    }
    env.pop("WATCHDOG_PID", None)
    agent = subprocess.Popen(
        [sys.executable, "-m", "txng.cli", "edge", "run", str(config)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: list[str] = []

    def pinged_five_times() -> bool:
        seen.extend(_received(sock, time.monotonic() + 0.5))
        return seen.count("WATCHDOG=1") >= 5

    try:
        wait_for(pinged_five_times, timeout=30, interval=0)  # a loaded machine starts Python slowly
    finally:
        agent.send_signal(signal.SIGTERM)
        assert agent.wait(timeout=20) == 0
    seen += _received(sock, time.monotonic() + 0.6)
    assert seen[0] == "READY=1"
    assert seen.count("WATCHDOG=1") >= 5
    assert seen[-1] == "STOPPING=1"
