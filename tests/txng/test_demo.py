"""`txng demo` as a newcomer runs it: embedded services, data end to end, nothing left behind."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.waiting import wait_for

pytest.importorskip("pgserver", reason="the demo extra is not installed")
pytest.importorskip("amqtt", reason="the demo extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
STORY_S = "12"  # the story's real duration in these tests (the demo's default is 20 s)
NOISE = re.compile(r"WARNING|ERROR|Traceback|Warning:|Invalid protocol|not delivered")


class Demo:
    """`txng demo` in a session of its own, its stdout collected line by line."""

    def __init__(self, *args: str):
        script = Path(sys.executable).with_name("txng")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "txng.cli"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TXNG_")}
        env["TXNG_DEMO_STORY_S"] = STORY_S
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

    def wait_line(self, pattern: str, timeout: float) -> re.Match[str]:
        """The first output line matching `pattern`, waiting for it while the demo runs."""

        def match() -> re.Match[str] | None:
            return next(filter(None, (re.search(pattern, line) for line in list(self.lines))), None)

        wait_for(lambda: match() or self.process.poll() is not None, timeout=timeout,
                 failure=lambda: f"no line matching {pattern!r}; output:\n{self.output}")
        found = match()
        if found is None:
            raise AssertionError(f"no line matching {pattern!r}; output:\n{self.output}")
        return found

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
        assert self.lines, "no output"
        last = json.loads(self.lines[-1])  # the last line is one JSON object
        assert set(last) == {"summary"}, self.output
        return last["summary"]


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
    with contextlib.suppress(AssertionError):  # (asserted below, after the clean-up)
        wait_for(lambda: not leftovers(demo.process.pid, run_dir), timeout=5, interval=0.2)
    left = leftovers(demo.process.pid, run_dir)
    for pid in left:  # do not let a failure leak into the next test
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left behind: {left}"
    assert not Path(run_dir).exists(), f"{run_dir} was not removed"


@pytest.fixture
def run_demo() -> Iterator[Callable[..., Demo]]:
    """Start `txng demo` with these arguments; its whole session is killed after the test."""
    started: list[Demo] = []

    def start(*args: str) -> Demo:
        started.append(Demo(*args))
        return started[-1]

    yield start
    for one in started:
        if one.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(one.process.pid, signal.SIGKILL)
            one.process.wait()


@pytest.mark.timeout(240)
def test_demo_tells_the_story_end_to_end_and_leaves_nothing(run_demo: Callable[..., Demo]) -> None:
    demo = run_demo("--duration", "0")
    web = demo.wait_line(r"web UI\s+(\S+)\s+\(log in as (\S+) / (\S+)\)", 90)
    with httpx.Client(base_url=web.group(1), timeout=10) as browser:
        login = {"username": web.group(2), "password": web.group(3)}
        origin = {"Origin": str(browser.base_url).rstrip("/")}  # as a browser's form sends it
        assert browser.post("/login", data=login, headers=origin).status_code == 303
        assert browser.get("/api/me").json()["role"] == "admin"
    code = demo.wait(180)
    assert code == 0, demo.output
    run_dir = demo.wait_line(r"data in (\S+)/pgdata", 0).group(1)
    summary = demo.summary()
    assert summary["story"] == "told", demo.output
    for count in ("batches", "events_stored", "readings_stored", "alerts_raised"):
        assert summary[count] > 0, summary
    assert summary["batches"] == 3  # fresh longan, dried longan made from it, honey
    assert summary["consumer_pages_ok"] == summary["consumer_pages"] == summary["batches"]
    # every scan became a stage event; the batches' certificates became certification events
    stages = summary["portal_stages"]
    assert summary["portal_events_accepted"] == summary["events_stored"] + stages["CHUNG_NHAN"]
    assert set(stages) == {
        "SU_KIEN_VUNG_TRONG",
        "CHE_BIEN",
        "KHO_TONG",
        "VAN_CHUYEN",
        "DAI_LY",
        "CUA_HANG",
        "CHUNG_NHAN",
    }, stages
    records = summary["portal_records_accepted"]
    assert all(records[kind] > 0 for kind in ("growing_area", "location", "image")), records
    assert summary["dead_letters"] == 0, summary
    assert all(device["published"] > 0 for device in summary["devices"].values()), summary
    demo.wait_line(r"consumer page\s+http\S+/01/08936012345018/10/LN2026-08-01", 0)
    demo.wait_line(r"batch page\s+http\S+/ui/batches/\d+", 0)
    demo.wait_line(r"^    █{20,}", 0)  # the consumer page's QR code
    noise = [line for line in demo.lines if NOISE.search(line)]
    assert not noise, "the console shows more than the demo's own lines:\n" + "\n".join(noise)
    check_nothing_left(demo, run_dir)


@pytest.mark.timeout(120)
def test_demo_stops_cleanly_on_sigint(run_demo: Callable[..., Demo]) -> None:
    demo = run_demo()
    run_dir = demo.wait_line(r"data in (\S+)/pgdata", 60).group(1)
    demo.wait_line(r"20 Jul 06:00  harvest", 60)  # the story has begun
    demo.process.send_signal(signal.SIGINT)
    assert demo.wait(60) == 0, demo.output
    summary = demo.summary()
    assert summary["story"] == "cut short" and summary["items_stored"] > 0, summary
    check_nothing_left(demo, run_dir)
