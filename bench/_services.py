"""What a benchmark needs when no URLs are given: its own Mosquitto and a throwaway database."""

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import psycopg2

REPO = Path(__file__).resolve().parents[1]
MOSQUITTO_TEMPLATE = REPO / "deploy" / "mosquitto" / "dev.conf.in"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    """A TCP port that is free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(host: str, port: int, timeout: float = 10.0) -> None:
    """Wait until something accepts connections on host:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{host}:{port} did not open within {timeout}s")


class Mosquitto:
    """A private mosquitto with the project's dev config on a free port (a context manager)."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="txng-bench-mosquitto-")
        self.port = free_port()
        config = MOSQUITTO_TEMPLATE.read_text()
        config = config.replace("@PORT@", str(self.port)).replace("@DATA@", f"{self._dir.name}/")
        self._config = Path(self._dir.name) / "mosquitto.conf"
        self._config.write_text(config)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The broker's mqtt:// URL."""
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> "Mosquitto":
        self._process = subprocess.Popen(
            ["mosquitto", "-c", str(self._config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port("127.0.0.1", self.port)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._dir.cleanup()


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class ThrowawayDatabase:
    """A fresh database on the server of an admin-capable URL, dropped on exit."""

    def __init__(self, admin_url: str, prefix: str = "txng_bench"):
        self.admin_url = admin_url
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.url = _with_database(admin_url, self.name)

    def _admin(self, *statements: tuple[str, tuple[object, ...]]) -> None:
        conn = psycopg2.connect(self.admin_url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)
        finally:
            conn.close()

    def __enter__(self) -> "ThrowawayDatabase":
        self._admin((f'CREATE DATABASE "{self.name}"', ()))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._admin(
            (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (self.name,),
            ),
            (f'DROP DATABASE IF EXISTS "{self.name}"', ()),
        )


_TICK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def cpu_seconds(pids: Iterable[int], *, children: bool = False) -> float:
    """User + system CPU seconds the processes used so far (and their reaped children's).

    Processes that are gone count 0.
    """
    total = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])
        if children:
            total += int(fields[13]) + int(fields[14])
    return total / _TICK


def _all_stats() -> list[tuple[int, list[str]]]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found.append((int(entry), _stat_fields(int(entry))))
            except (OSError, IndexError):
                continue
    return found


def session_pids(session: int) -> list[int]:
    """Every process in a session (a child started with start_new_session and its children)."""
    return [pid for pid, fields in _all_stats() if fields[3] == str(session)]


def child_pids(parent: int) -> list[int]:
    """The live children of a process."""
    return [pid for pid, fields in _all_stats() if fields[1] == str(parent)]


def parent_pid(pid: int) -> int | None:
    """The parent of a process on this machine, or None when there is no such process here."""
    try:
        return int(_stat_fields(pid)[1])
    except (OSError, IndexError, ValueError):
        return None


def machine_busy_seconds() -> float:
    """CPU seconds all processors of the machine spent busy since boot (not idle or iowait)."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / _TICK


class CpuMeter:
    """CPU seconds used since it was made: named sessions and processes, PostgreSQL, machine.

    `sessions` name processes started with start_new_session (each counted with its children),
    `processes` plain ones. `postgres_backends` counts the benchmark database's backends alive
    at the end (a backend opened meanwhile counts from its start); `postgres_server` every
    process of the server, other databases' work included (0 when it is not on this machine).
    """

    def __init__(
        self,
        database_url: str,
        *,
        sessions: Mapping[str, Sequence[int]],
        processes: Mapping[str, Sequence[int]],
    ):
        self._database_url = database_url
        self._sessions = sessions
        self._processes = processes
        with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            (backend,) = cur.fetchone()
        conn.close()
        local = urlsplit(database_url).hostname in (None, "", "localhost", "127.0.0.1", "::1")
        self._postmaster = parent_pid(backend) if local else None
        self._start = self._sample()
        self._backends_start = self._backends()

    def _sample(self) -> dict[str, float]:
        server = 0.0
        if self._postmaster:
            server = cpu_seconds([self._postmaster], children=True)
            server += cpu_seconds(child_pids(self._postmaster))
        used = {
            name: sum(cpu_seconds(session_pids(pid)) for pid in pids)
            for name, pids in self._sessions.items()
        }
        used |= {name: cpu_seconds(pids) for name, pids in self._processes.items()}
        return used | {"postgres_server": server, "machine": machine_busy_seconds()}

    def _backends(self) -> dict[int, float]:
        """CPU seconds of each backend of the benchmark database so far."""
        with psycopg2.connect(self._database_url) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            pids = [int(pid) for (pid,) in cur.fetchall()]
        conn.close()
        return {pid: cpu_seconds([pid]) for pid in pids}

    def used(self) -> dict[str, float]:
        """CPU seconds used since the meter was made, by part."""
        end = self._sample()
        backends = sum(
            seconds - self._backends_start.get(pid, 0.0)
            for pid, seconds in self._backends().items()
        )
        used = {key: round(end[key] - self._start[key], 2) for key in end}
        return used | {"postgres_backends": round(backends, 2)}


def register_devices(database_url: str, devices: Iterable[tuple[str, str]]) -> None:
    """Approve the devices as `txng devices add` does (a pending device's data is held apart)."""
    from cloud.db.devices_store import approve_device
    from cloud.db.pool import Database

    database = Database(database_url, max_connections=1, application_name="txng-bench")
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            for site, device in sorted(devices):
                approve_device(cur, site=site, device=device)
    finally:
        database.close()


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of `values` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextlib.contextmanager
def given_or_throwaway_database(prefix: str) -> Iterator[str]:
    """TXNG_DATABASE_URL when set, else a throwaway database on the local server."""
    given = os.environ.get("TXNG_DATABASE_URL")
    if given:
        yield given
        return
    with ThrowawayDatabase(DEFAULT_ADMIN_URL, prefix) as throwaway:
        yield throwaway.url
