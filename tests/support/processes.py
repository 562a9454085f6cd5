"""Run txng commands as real subprocesses and watch their JSON log lines."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

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
        deadline = time.monotonic() + timeout
        while not self.logged(message):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never logged {message!r}; log: {self.lines[-10:]}")
            time.sleep(0.05)

    def wait(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(30)
