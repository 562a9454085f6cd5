"""A throwaway PostgreSQL server from pgserver's binaries, run unprivileged when we are root."""

import contextlib
import ctypes
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from txng.embedded.base import EmbeddedServiceError, free_port
from txng.settings import load_demo_settings

log = logging.getLogger(__name__)

PG_USER_ENV = "TXNG_DEMO_PG_USER"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a child before exec: ask the kernel for SIGINT when the parent (demo) dies."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT, 0, 0, 0)


def _pginstall() -> Path:
    """Where the pgserver package keeps its PostgreSQL build (without importing pgserver)."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedServiceError(
            "pgserver is not installed: run `pip install -e '.[demo]'` (or scripts/demo.sh), "
            "or set TXNG_DATABASE_URL to a PostgreSQL server"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


def _reachable_by(path: Path, account: pwd.struct_passwd) -> bool:
    """Whether `account` may traverse every directory from / down to `path`."""
    for directory in [path, *path.parents]:
        info = directory.stat()
        if info.st_uid == account.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid == account.pw_gid:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


def _open_up(tree: Path) -> None:
    """Give everyone read access (and traversal where the owner has it) below `tree`."""
    for root, dirs, files in os.walk(tree):
        for name in [*dirs, *files]:
            entry = Path(root) / name
            if entry.is_symlink():
                continue
            mode = entry.stat().st_mode
            extra = stat.S_IRGRP | stat.S_IROTH
            if mode & stat.S_IXUSR:
                extra |= stat.S_IXGRP | stat.S_IXOTH
            entry.chmod(mode | extra)


class EmbeddedPostgres:
    """A throwaway PostgreSQL server in `run_dir`, a child process listening on 127.0.0.1.

    PostgreSQL refuses to run as root. When the demo runs as root, the server runs as an
    unprivileged account (`nobody`, or TXNG_DEMO_PG_USER) that owns only the data directory;
    if that account cannot reach `run_dir` (a private TMPDIR), another directory is made for it,
    and if it cannot reach pgserver's binaries, they are copied there.
    The server runs in its own process group (a terminal's Ctrl-C reaches the demo, which stops
    the server after the ingester), and the kernel stops it should the demo die.
    """

    def __init__(self, run_dir: Path, *, database: str = "txng"):
        self.run_dir = run_dir
        self.data_dir = run_dir / "pgdata"
        self.log_path = run_dir / "postgres.log"
        self.database = database
        self.port = 0
        self._account: pwd.struct_passwd | None = None
        self._bin = _pginstall() / "bin"
        self._process: subprocess.Popen[bytes] | None = None
        self._own_dir = False  # a directory made here (not `run_dir`), removed by stop()

    @property
    def url(self) -> str:
        """The connection URL of the demo database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def describe(self) -> str:
        """Which account runs the server and where its data is."""
        who = self._account.pw_name if self._account is not None else "this user"
        return f"runs as {who}, data in {self.data_dir}"

    def start(self, timeout_s: float = 60.0) -> str:
        """Initialise the data directory, start the server, create the database; return its URL."""
        self._account = self._service_account()
        self._prepare_directories()
        self._initdb()
        self.port = free_port()
        with self.log_path.open("ab") as server_log:
            self._process = subprocess.Popen(
                [
                    *(str(self._bin / "postgres"), "-D", str(self.data_dir)),
                    *("-h", "127.0.0.1", "-p", str(self.port), "-k", str(self.data_dir)),
                    *("-c", "fsync=off", "-c", "logging_collector=off"),  # a throwaway database
                ],
                stdin=subprocess.DEVNULL,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                env=self._child_env(),
                process_group=0,
                preexec_fn=_die_with_parent,  # runs before any thread of ours starts
                **self._drop_privileges(),
            )
        self._wait_ready(timeout_s)
        self._create_database()
        log.info("embedded PostgreSQL running", extra={"port": self.port, "pid": self.pid})
        return self.url

    def stop(self, timeout_s: float = 20.0) -> None:
        """Fast shutdown (SIGINT), escalating to SIGQUIT and SIGKILL; wait for the exit."""
        process, self._process = self._process, None
        if process is None:
            self._remove_own_dir()
            return
        steps = ((signal.SIGINT, timeout_s), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0))
        for sig, wait_s in steps:
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(wait_s)
        log.info("embedded PostgreSQL stopped", extra={"returncode": process.returncode})
        self._remove_own_dir()

    def _remove_own_dir(self) -> None:
        if self._own_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self._own_dir = False

    def _service_account(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        name = load_demo_settings().demo_pg_user or "nobody"
        try:
            account = pwd.getpwnam(name)
        except KeyError as err:
            raise EmbeddedServiceError(
                f"PostgreSQL cannot run as root and there is no account {name!r} to run it as: "
                f"set {PG_USER_ENV} to an unprivileged account"
            ) from err
        if account.pw_uid == 0:
            raise EmbeddedServiceError(f"{PG_USER_ENV}: {name!r} is root; name another account")
        return account

    def _prepare_directories(self) -> None:
        if self._account is not None and not _reachable_by(self.run_dir, self._account):
            self._move_to(self._reachable_dir(self._account))
        self.data_dir.mkdir(mode=0o700)
        if self._account is None:
            return
        os.chown(self.data_dir, self._account.pw_uid, self._account.pw_gid)
        if not self._runs_as_account():
            self._bin = self._copy_binaries()

    @staticmethod
    def _reachable_dir(account: pwd.struct_passwd) -> Path:
        """A new directory of ours that `account` can reach (when TMPDIR is private)."""
        for base in (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")):
            if base.is_dir() and _reachable_by(base, account):
                made = Path(tempfile.mkdtemp(prefix="txng-demo-pg-", dir=base))
                made.chmod(0o711)
                return made
        raise EmbeddedServiceError(
            f"no directory that account {account.pw_name!r} can reach for the database; "
            f"set TMPDIR to one, or {PG_USER_ENV} to another account"
        )

    def _move_to(self, directory: Path) -> None:
        log.info("the data directory goes to %s, which the server's account can reach", directory)
        self.run_dir = directory
        self.data_dir = directory / "pgdata"
        self.log_path = directory / "postgres.log"
        self._own_dir = True

    def _copy_binaries(self) -> Path:
        """Copy pgserver's build (and the wheel's bundled libraries) where the account can read."""
        assert self._account is not None
        log.info("copying PostgreSQL binaries where %s can run them", self._account.pw_name)
        install = self._bin.parent  # …/site-packages/pgserver/pginstall
        copy_root = self.run_dir / "pg"
        copy = copy_root / install.parent.name / install.name
        shutil.copytree(install, copy, symlinks=True)
        libs = install.parent.parent / f"{install.parent.name}.libs"  # binaries' RPATH
        if libs.is_dir():
            shutil.copytree(libs, copy_root / libs.name, symlinks=True)
        _open_up(copy_root)
        return copy / "bin"

    def _runs_as_account(self) -> bool:
        """Whether the service account can execute pgserver's binaries where they are."""
        try:
            result = subprocess.run(
                [str(self._bin / "postgres"), "--version"],
                capture_output=True,
                cwd=self.run_dir,
                env=self._child_env(),
                timeout=30,
                check=False,
                **self._drop_privileges(),
            )
        except OSError:
            return False
        return result.returncode == 0

    def _drop_privileges(self) -> dict[str, Any]:
        if self._account is None:
            return {}
        return {"user": self._account.pw_uid, "group": self._account.pw_gid, "extra_groups": []}

    def _child_env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}

    def _initdb(self) -> None:
        command = [
            *(str(self._bin / "initdb"), "-D", str(self.data_dir), "-U", "postgres"),
            *("--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"),
        ]
        result = subprocess.run(
            command,
            capture_output=True,
            cwd=self.data_dir,
            env=self._child_env(),
            timeout=120,
            check=False,
            start_new_session=True,
            **self._drop_privileges(),
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).decode(errors="replace").strip()
            raise EmbeddedServiceError(f"initdb failed: {detail}")

    def _wait_ready(self, timeout_s: float) -> None:
        import psycopg2

        deadline = time.monotonic() + timeout_s
        admin = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                raise EmbeddedServiceError(
                    f"PostgreSQL exited with {self._process.returncode}:\n{self._log_tail()}"
                )
            try:
                psycopg2.connect(admin, connect_timeout=2).close()
                return
            except psycopg2.OperationalError as err:
                if time.monotonic() > deadline:
                    self.stop()
                    raise EmbeddedServiceError(
                        f"PostgreSQL did not accept connections: {err}"
                    ) from err
            time.sleep(0.1)

    def _create_database(self) -> None:
        import psycopg2

        conn = psycopg2.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            conn.close()

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"
