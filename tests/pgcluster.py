"""A throwaway PostgreSQL cluster on its own port, for tests that stop or restart the database.

Use the `pg_cluster` fixture by importing its function into a test module (or a conftest.py);
the function has another name so the test parameter `pg_cluster` does not trip ruff's F811:

    from tests.pgcluster import Cluster, pg_cluster_fixture  # noqa: F401

    async def test_x(pg_cluster: Cluster) -> None: ...

or for the whole suite with `pytest_plugins = ["tests.pgcluster"]` in tests/conftest.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import asyncpg  # type: ignore[import-untyped]
import pytest

StopMode = Literal["smart", "fast", "immediate"]

BINDIR_ENV = "PA_TEST_PG_BINDIR"
OS_USER = "postgres"
DB_USER = "postgres"
DB_NAME = "test"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    # fsync off is safe here: commits still reach the OS page cache, which survives a
    # server crash (mode="immediate"). synchronous_commit must stay on, or they would not.
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "50",
    "max_wal_senders": "0",
    "wal_level": "minimal",
    "logging_collector": "off",
}


def find_bindir() -> Path | None:
    """Return the newest PostgreSQL server bin directory holding initdb and pg_ctl."""
    override = os.environ.get(BINDIR_ENV)
    candidates = [override] if override else glob.glob("/usr/lib/postgresql/*/bin")

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.name
        return tuple(int(p) for p in part.split(".") if p.isdigit()) or (0,)

    for path in sorted(candidates, key=version, reverse=True):
        bindir = Path(path)
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def unavailable_reason() -> str | None:
    """Say why a cluster cannot be started here, or None if it can."""
    if find_bindir() is None:
        where = os.environ.get(BINDIR_ENV) or "/usr/lib/postgresql/*/bin"
        return f"PostgreSQL server binaries (initdb, pg_ctl) not found in {where}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root but there is no {OS_USER!r} OS user to run PostgreSQL as"
        if not (shutil.which("runuser") or shutil.which("su")):
            return "running as root but neither runuser nor su is available"
    return None


def free_port() -> int:
    """Pick a currently free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Cluster:
    """A private PostgreSQL cluster in a temp dir, listening on 127.0.0.1:<port>."""

    def __init__(self, *, port: int | None = None, timeout: float = 30.0) -> None:
        """Prepare (but do not create) a cluster; `timeout` bounds each start and stop."""
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError(unavailable_reason())
        self.bindir = bindir
        self.port = port or free_port()
        self.timeout = timeout
        self.root: Path | None = None
        self.running = False

    @property
    def dsn(self) -> str:
        """A plain libpq/asyncpg DSN for database `test`."""
        return f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    @property
    def url(self) -> str:
        """A SQLAlchemy URL (asyncpg driver) for database `test`."""
        return f"postgresql+asyncpg://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    @property
    def datadir(self) -> Path:
        """The cluster's data directory."""
        return self._root / "data"

    @property
    def logfile(self) -> Path:
        """The server log written by pg_ctl."""
        return self._root / "server.log"

    @property
    def _root(self) -> Path:
        """The temp dir, or an error if the cluster was never initialised."""
        if self.root is None:
            raise RuntimeError("cluster not initialised; call start() first")
        return self.root

    def start(self) -> None:
        """Initialise the cluster on first use, start it and wait until it accepts connections."""
        if self.running:
            return
        first = self.root is None
        if first:
            self._init()
        self._pg_ctl("start", "-l", str(self.logfile))
        self.running = True
        self._wait_ready("postgres" if first else DB_NAME)
        if first:
            self._query("postgres", f'CREATE DATABASE "{DB_NAME}"')

    def stop(self, mode: StopMode = "fast") -> None:
        """Stop the server; mode="immediate" skips the shutdown checkpoint, like a crash."""
        if not self.running:
            return
        self._pg_ctl("stop", "-m", mode)
        self.running = False

    def restart(self, mode: StopMode = "fast") -> None:
        """Stop the server with `mode`, then start it again on the same port."""
        self.stop(mode)
        self.start()

    def crash_restart(self) -> None:
        """Stop the server with mode="immediate" (crash recovery on start), then start it."""
        self.restart("immediate")

    def close(self) -> None:
        """Stop the server if it runs and remove the temp dir."""
        try:
            if self.root is not None and (self.datadir / "postmaster.pid").exists():
                self.running = True
                self.stop("immediate")
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None
            self.running = False

    def __enter__(self) -> Self:
        """Start the cluster."""
        try:
            self.start()
        except BaseException:
            with contextlib.suppress(Exception):  # keep the start error, not a cleanup one
                self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the cluster and remove its files."""
        self.close()

    def _init(self) -> None:
        """Create the temp dir, run initdb and write the server settings."""
        base = "/tmp" if os.path.isdir("/tmp") else None  # short socket path, world-traversable
        self.root = Path(tempfile.mkdtemp(prefix="pgcluster-", dir=base))
        socket_dir = self.root / "sock"
        socket_dir.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam(OS_USER)
            for path in (self.root, socket_dir):
                os.chown(path, user.pw_uid, user.pw_gid)
        self._run(
            [
                str(self.bindir / "initdb"),
                *("-D", str(self.datadir)),
                *("-A", "trust", "-U", DB_USER, "-E", "UTF8"),
                "--no-locale",
                "--no-sync",
                "--no-instructions",
            ]
        )
        settings = {
            **SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": f"'{socket_dir}'",
        }
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n# tests/pgcluster.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _pg_ctl(self, *args: str) -> None:
        """Run pg_ctl against this cluster, waiting at most `timeout` seconds."""
        pg_ctl = str(self.bindir / "pg_ctl")
        self._run([pg_ctl, "-D", str(self.datadir), "-w", "-t", str(int(self.timeout)), *args])

    def _run(self, cmd: Sequence[str]) -> None:
        """Run a server command as the postgres OS user when root, raising with the log on error."""
        if os.geteuid() == 0:
            if shutil.which("runuser"):
                cmd = ["runuser", "-u", OS_USER, "--", *cmd]
            else:
                cmd = ["su", OS_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        result = subprocess.run(
            cmd,
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=self.timeout + 10,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{shlex.join(cmd)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{self._log_tail()}"
            )

    def _log_tail(self, lines: int = 20) -> str:
        """The last lines of the server log, for error messages."""
        if self.root is None or not self.logfile.exists():
            return ""
        tail = self.logfile.read_text(errors="replace").splitlines()[-lines:]
        return "--- server log ---\n" + "\n".join(tail)

    def _wait_ready(self, database: str) -> None:
        """Poll until a TCP connection to `database` succeeds, or raise after `timeout`."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._query(database, "SELECT 1")
                return
            except (OSError, asyncpg.PostgresError) as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready: {exc!r}\n{self._log_tail()}") from exc
                time.sleep(0.05)

    def _query(self, database: str, sql: str) -> None:
        """Run one statement over TCP in a worker thread (safe to call from a running loop)."""

        async def go() -> None:
            dsn = f"postgresql://{DB_USER}@127.0.0.1:{self.port}/{database}"
            conn = await asyncpg.connect(dsn, timeout=5)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, go()).result()


@pytest.fixture(name="pg_cluster")
def pg_cluster_fixture() -> Iterator[Cluster]:
    """A started throwaway cluster, removed after the test; skips if PostgreSQL is missing."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with Cluster() as cluster:
        yield cluster
