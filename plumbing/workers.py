"""Supervised workers: every long-running loop of a txng process runs as one.

A worker calls its `step` (one unit of work) again and again in a thread of its own. An
expected, transient error (the database is down) backs off and retries; any other exception
is a crash: logged with its traceback, counted, and the worker restarts after a backoff. Past
`max_crashes` crashes within `crash_window_s` the worker is dead and its group reports the
process as failed, so the process exits non-zero and systemd or compose restart it. A step that
runs longer than `stuck_after_s` without a heartbeat makes the worker stuck. Dead and stuck
workers make the process unhealthy.
"""

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from plumbing.crashes import CrashWindow

log = logging.getLogger(__name__)

Step = Callable[[], bool]
"""One unit of work: True if it did something (call again at once), False if idle."""

EXIT_WORKER_FAILED = 70  # sysexits.h EX_SOFTWARE: an internal error the process cannot mend


class WorkerState(StrEnum):
    """Where a worker is in its life."""

    NEW = "new"
    RUNNING = "running"
    IDLE = "idle"
    BACKING_OFF = "backing_off"
    STOPPED = "stopped"
    DEAD = "dead"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: `initial_s`, doubling up to `max_s`."""

    initial_s: float = 0.25
    max_s: float = 30.0
    jitter: float = 0.2

    def delay(self, attempt: int) -> float:
        """The wait before retry number `attempt` (1 for the first)."""
        base: float = min(self.initial_s * 2.0 ** max(attempt - 1, 0), self.max_s)
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)


@dataclass(frozen=True)
class WorkerHealth:
    """A snapshot of one worker, for readiness checks and metrics."""

    name: str
    state: WorkerState
    steps: int
    crashes: int
    retries: int
    restarts: int
    last_error: str | None
    last_error_at: datetime | None
    seconds_since_beat: float
    stuck: bool

    @property
    def healthy(self) -> bool:
        """Neither dead nor stuck (a worker backing off from a transient error is healthy)."""
        return self.state is not WorkerState.DEAD and not self.stuck

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "state": self.state.value,
            "healthy": self.healthy,
            "stuck": self.stuck,
            "steps": self.steps,
            "crashes": self.crashes,
            "retries": self.retries,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "seconds_since_beat": round(self.seconds_since_beat, 3),
        }


class SupervisedWorker:
    """A thread that runs `step` until stopped, surviving and reporting whatever it raises."""

    def __init__(
        self,
        name: str,
        step: Step,
        *,
        idle_wait_s: float = 0.5,
        backoff: Backoff | None = None,
        transient: tuple[type[Exception], ...] = (),
        stuck_after_s: float | None = 300.0,
        max_crashes: int = 5,
        crash_window_s: float = 300.0,
        on_restart: Callable[[], None] | None = None,
        on_dead: Callable[["SupervisedWorker"], None] | None = None,
    ):
        self.name = name
        self._step = step
        self._idle_wait_s = idle_wait_s
        self._backoff = backoff or Backoff()
        self._transient = transient
        self._stuck_after_s = stuck_after_s
        self._crash_window = CrashWindow(max_crashes, crash_window_s)
        self._on_restart = on_restart
        self.on_dead = on_dead
        self._wake = threading.Event()
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = WorkerState.NEW
        self._beat = time.monotonic()
        self._in_step = False
        self._steps = self._crashes = self._retries = self._restarts = 0
        self._last_error: str | None = None
        self._last_error_at: datetime | None = None

    def start(self) -> None:
        """Start the worker's thread."""
        self._beat = time.monotonic()
        self._thread = threading.Thread(target=self._main, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Finish the step in hand, then stop; True if the thread ended within `timeout`."""
        self.stopping.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def wake(self) -> None:
        """Cut an idle wait short (new work was committed)."""
        self._wake.set()

    def beat(self) -> None:
        """Tell the supervisor a long step is still making progress."""
        self._beat = time.monotonic()

    def health(self) -> WorkerHealth:
        """A snapshot of this worker's state."""
        since = time.monotonic() - self._beat
        limit = self._stuck_after_s
        stuck = self._in_step and limit is not None and since > limit
        return WorkerHealth(
            name=self.name,
            state=self._state,
            steps=self._steps,
            crashes=self._crashes,
            retries=self._retries,
            restarts=self._restarts,
            last_error=self._last_error,
            last_error_at=self._last_error_at,
            seconds_since_beat=since,
            stuck=stuck,
        )

    def _main(self) -> None:
        try:
            self._loop()
        except BaseException:  # the supervisor itself failed: never silently
            self._state = WorkerState.DEAD
            log.critical("worker %s: its supervisor failed", self.name, exc_info=True)
            if self.on_dead:
                self.on_dead(self)
            raise
        if self._state is not WorkerState.DEAD:
            self._state = WorkerState.STOPPED

    def _loop(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            did_work, error = self._one_step()
            if error is None:
                failures = 0
                self._steps += 1
                if did_work:
                    self._state = WorkerState.RUNNING
                else:
                    self._pause(self._idle_wait_s, state=WorkerState.IDLE)
                continue
            failures += 1
            if isinstance(error, self._transient):
                self._retries += 1
                self._note_error(error)
                log.warning("worker %s: %s; retrying", self.name, self._last_error)
            elif self._crashed(error):
                self._restart()
            else:
                return
            self._pause(self._backoff.delay(failures))

    def _one_step(self) -> tuple[bool, Exception | None]:
        self._beat = time.monotonic()
        self._in_step = True
        try:
            return self._step(), None
        except Exception as err:  # noqa: BLE001 (the supervisor: the loop handles every failure)
            return False, err
        finally:
            self._in_step = False

    def _crashed(self, err: Exception) -> bool:
        """Record a crash; False (and the worker dead) past the limit."""
        self._crashes += 1
        self._note_error(err)
        crashes = self._crash_window.record()
        log.error("worker %s crashed: %s", self.name, self._last_error, exc_info=err)
        if not self._crash_window.too_many(crashes):
            return True
        self._state = WorkerState.DEAD
        log.critical(
            "worker %s crashed %d times within %.0f s; giving up",
            self.name, crashes, self._crash_window.window_s,
        )
        if self.on_dead:
            self.on_dead(self)
        return False

    def _restart(self) -> None:
        if self.stopping.is_set():
            return
        self._restarts += 1
        if self._on_restart is None:
            return
        try:
            self._on_restart()
        except Exception as err:  # a failed reset is one more crash, handled next round
            self._note_error(err)
            log.error("worker %s: restart hook failed", self.name, exc_info=err)

    def _note_error(self, err: BaseException) -> None:
        self._last_error = f"{type(err).__name__}: {err}"[:500]
        self._last_error_at = datetime.now(UTC)

    def _pause(self, seconds: float, *, state: WorkerState = WorkerState.BACKING_OFF) -> None:
        self._state = state
        self._wake.wait(seconds)
        self._wake.clear()


class Workers:
    """The supervised workers of one process: start, stop, health, and failure of the whole."""

    def __init__(self) -> None:
        self._workers: list[SupervisedWorker] = []
        self.failed = threading.Event()
        self.failure: str | None = None

    def add(self, worker: SupervisedWorker) -> SupervisedWorker:
        """Take `worker` into the group: its death fails the process."""
        worker.on_dead = self._dead
        self._workers.append(worker)
        return worker

    def __iter__(self) -> Iterator[SupervisedWorker]:
        """The workers, in the order they were added."""
        return iter(list(self._workers))

    def start(self) -> None:
        """Start every worker."""
        for worker in self._workers:
            worker.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask every worker to stop, then wait for each (up to `timeout` in all)."""
        for worker in self._workers:
            worker.stopping.set()
            worker.wake()
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            if not worker.stop(max(deadline - time.monotonic(), 0.1)):
                log.error("worker %s did not stop within %.0f s", worker.name, timeout)

    def health(self) -> list[WorkerHealth]:
        """Every worker's snapshot."""
        return [worker.health() for worker in self._workers]

    def healthy(self) -> bool:
        """No worker is dead or stuck."""
        return all(health.healthy for health in self.health())

    def run_until(self, stopping: threading.Event, *, poll_s: float = 0.5) -> int:
        """Block until `stopping` is set (exit code 0) or a worker died (EXIT_WORKER_FAILED)."""
        while not stopping.wait(poll_s):
            if self.failed.is_set():
                log.critical("stopping the process: %s", self.failure)
                return EXIT_WORKER_FAILED
        return 0

    def _dead(self, worker: SupervisedWorker) -> None:
        self.failure = f"worker {worker.name} is dead ({worker.health().last_error})"
        self.failed.set()
