import threading

from plumbing.workers import (
    EXIT_WORKER_FAILED,
    Backoff,
    SupervisedWorker,
    Workers,
    WorkerState,
)
from tests.support.waiting import wait_for

FAST = Backoff(initial_s=0.01, max_s=0.02)


class Flaky(Exception):
    pass


def test_a_crashing_step_is_counted_restarted_and_reported() -> None:
    calls: list[int] = []
    restarted = threading.Event()

    def step() -> bool:
        calls.append(1)
        if len(calls) <= 2:
            raise RecursionError("maximum recursion depth exceeded")
        return False

    worker = SupervisedWorker(
        "crashy", step, backoff=FAST, idle_wait_s=0.01, on_restart=restarted.set
    )
    worker.start()
    try:
        wait_for(lambda: worker.health().steps >= 3)
        health = worker.health()
        assert health.crashes == 2
        assert health.restarts == 2
        assert health.last_error == "RecursionError: maximum recursion depth exceeded"
        assert health.last_error_at is not None
        assert health.healthy
        assert restarted.is_set()
    finally:
        assert worker.stop(5)
    assert worker.health().state is WorkerState.STOPPED


def test_transient_errors_back_off_without_counting_as_crashes() -> None:
    failures = iter([Flaky("database down")] * 3)

    def step() -> bool:
        error = next(failures, None)
        if error is not None:
            raise error
        return False

    worker = SupervisedWorker("db", step, backoff=FAST, transient=(Flaky,), idle_wait_s=0.01)
    worker.start()
    try:
        wait_for(lambda: worker.health().steps >= 1)
        health = worker.health()
        assert (health.retries, health.crashes, health.restarts) == (3, 0, 0)
        assert health.last_error == "Flaky: database down"
    finally:
        worker.stop(5)


def test_past_the_crash_limit_the_worker_dies_and_the_process_fails() -> None:
    def step() -> bool:
        raise ValueError("poison")

    workers = Workers()
    worker = workers.add(SupervisedWorker("doomed", step, backoff=FAST, max_crashes=3))
    workers.start()
    try:
        code = workers.run_until(threading.Event(), poll_s=0.01)
        assert code == EXIT_WORKER_FAILED
        health = worker.health()
        assert health.state is WorkerState.DEAD
        assert health.crashes == 4
        assert not health.healthy
        assert not workers.healthy()
        assert workers.failure == "worker doomed is dead (ValueError: poison)"
    finally:
        workers.stop(5)


def test_crashes_spread_beyond_the_window_never_kill() -> None:
    count = [0]

    def step() -> bool:
        count[0] += 1
        if count[0] % 2:
            raise ValueError("now and then")
        return True

    worker = SupervisedWorker("spread", step, backoff=FAST, max_crashes=1, crash_window_s=0.001)
    worker.start()
    try:
        wait_for(lambda: worker.health().crashes >= 5)
        assert worker.health().state is not WorkerState.DEAD
    finally:
        worker.stop(5)


def test_a_step_that_hangs_makes_the_worker_stuck_and_unhealthy() -> None:
    release = threading.Event()

    def step() -> bool:
        release.wait(10)
        return False

    workers = Workers()
    worker = workers.add(SupervisedWorker("hang", step, stuck_after_s=0.05, idle_wait_s=0.01))
    workers.start()
    try:
        wait_for(lambda: worker.health().stuck)
        assert not workers.healthy()
        release.set()
        wait_for(lambda: worker.health().steps >= 1)
        assert workers.healthy()
    finally:
        release.set()
        workers.stop(5)


def test_a_long_step_that_beats_is_not_stuck() -> None:
    done = threading.Event()
    seen_stuck: list[bool] = []

    def step() -> bool:
        if done.is_set():
            return False
        for _ in range(20):
            worker.beat()
            seen_stuck.append(worker.health().stuck)
            threading.Event().wait(0.01)
        done.set()
        return True

    worker = SupervisedWorker("beats", step, stuck_after_s=0.05, idle_wait_s=0.01)
    worker.start()
    try:
        wait_for(done.is_set)
        assert seen_stuck and not any(seen_stuck)
    finally:
        worker.stop(5)


def test_run_until_returns_zero_when_asked_to_stop_and_wake_cuts_idle_short() -> None:
    woken = threading.Event()
    calls = [0]

    def step() -> bool:
        calls[0] += 1
        if calls[0] == 2:
            woken.set()
        return False

    workers = Workers()
    worker = workers.add(SupervisedWorker("idle", step, idle_wait_s=60))
    workers.start()
    wait_for(lambda: worker.health().state is WorkerState.IDLE)
    worker.wake()
    assert woken.wait(5)
    stopping = threading.Event()
    stopping.set()
    assert workers.run_until(stopping) == 0
    workers.stop(5)
    assert [h.state for h in workers.health()] == [WorkerState.STOPPED]


def test_backoff_doubles_up_to_its_ceiling() -> None:
    backoff = Backoff(initial_s=1.0, max_s=4.0, jitter=0.0)
    assert [backoff.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 4.0, 4.0]
