"""`txng demo` as a newcomer runs it: embedded services, data end to end, nothing left behind."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("pgserver", reason="the demo extra is not installed")
pytest.importorskip("amqtt", reason="the demo extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
PACKING = "hy-longan/packing-1"
COLD_ROOM = "hy-longan/cold-room-1"


class Demo:
    """`txng demo` in a session of its own, its stdout collected line by line."""

    def __init__(self, *args: str):
        script = Path(sys.executable).with_name("txng")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "txng.cli"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TXNG_")}
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [*command, "demo", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its session id is its pid: every descendant carries it
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        raise AssertionError(f"no line matching {pattern!r}; output:\n{self.output}")

    def wait(self, timeout: float) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError(f"the demo did not stop in {timeout} s:\n{self.output}") from None
        self._reader.join(5)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def summary(self) -> dict:
        found = [line for line in self.lines if line.startswith("summary ")]
        assert found, f"no summary line:\n{self.output}"
        return json.loads(found[-1].removeprefix("summary "))


def leftovers(session_id: int, marker: str) -> dict[int, str]:
    """Processes still in the demo's session, or whose command line names its directory."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        sid = int(stat.rsplit(")", 1)[1].split()[3])  # state ppid pgrp session
        if sid == session_id or marker in cmdline:
            found[int(entry.name)] = cmdline
    return found


def check_nothing_left(demo: Demo, run_dir: str) -> None:
    deadline = time.monotonic() + 5
    while (left := leftovers(demo.process.pid, run_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:  # do not let a failure leak into the next test
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left behind: {left}"
    assert not Path(run_dir).exists(), f"{run_dir} was not removed"


@pytest.mark.timeout(90)
def test_demo_moves_data_end_to_end_and_leaves_nothing() -> None:
    demo = Demo("--duration", "20")
    web = demo.wait_for(r"web UI\s+(\S+)\s+\(log in as (\S+) / (\S+)\)", 45)
    with httpx.Client(base_url=web.group(1), timeout=10) as browser:
        login = {"username": web.group(2), "password": web.group(3)}
        assert browser.post("/login", data=login).status_code == 303  # to the dashboard
        assert browser.get("/api/me").json()["role"] == "admin"
    code = demo.wait(75)
    assert code == 0, demo.output
    run_dir = demo.wait_for(r"data in (\S+)/pgdata", 0).group(1)
    summary = demo.summary()
    devices = summary["devices"]
    assert devices[PACKING]["events"] > 0, summary
    assert devices[COLD_ROOM]["readings"] > 0, summary
    for name in (PACKING, COLD_ROOM):
        assert devices[name]["events"] + devices[name]["readings"] > 0, summary
    assert summary["items_stored"] >= sum(
        d["events"] + d["readings"] + d["status"] for d in devices.values()
    )
    assert summary["dead_letters"] == 0, summary
    check_nothing_left(demo, run_dir)


@pytest.mark.timeout(60)
def test_demo_stops_cleanly_on_sigint() -> None:
    demo = Demo()
    run_dir = demo.wait_for(r"data in (\S+)/pgdata", 30).group(1)
    demo.wait_for(r"received \d+ msgs", 30)  # running, with the first progress line out
    demo.process.send_signal(signal.SIGINT)
    assert demo.wait(30) == 0, demo.output
    assert demo.summary()["items_stored"] > 0
    check_nothing_left(demo, run_dir)
