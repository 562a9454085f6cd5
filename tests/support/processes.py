"""Run txng commands as real subprocesses and watch their JSON log lines."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


class TxngProcess:
    """A `txng …` subprocess whose stderr JSON log lines are collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str], *, module: str = "txng.cli"):
        self.lines: list[dict] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            try:
                self.lines.append(json.loads(line))
            except json.JSONDecodeError:
                self.lines.append({"message": line.rstrip()})

    def logged(self, message: str) -> bool:
        return any(entry.get("message") == message for entry in self.lines)

    def wait_logged(self, message: str, timeout: float = 20.0) -> None:
        """Wait until the process logs `message`; fail at once if it exits first."""
        def failure() -> str:
            return f"never logged {message!r}; log: {self.lines[-10:]}"

        wait_for(lambda: self.logged(message) or self.process.poll() is not None,
                 timeout=timeout, failure=failure)
        if not self.logged(message):
            raise AssertionError(failure())

    def wait(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(30)

    def kill(self) -> None:
        """SIGKILL the process if it still runs (a test's clean-up: nothing is left running)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)
