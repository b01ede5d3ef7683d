"""Servers under test, each in its own process, started as a user would start them."""

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _status_kb(pid: int, field_name: str) -> int:
    """Read one memory figure (kB) of a live process from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


@dataclass
class Server:
    """A server process on a free port; `peak_rss_mb` is read just before it stops."""

    name: str
    command: list[str]
    database_url: str
    log: Path
    port: int = field(default_factory=free_port)
    peak_rss_mb: float = 0.0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180) -> "Server":
        """Start the process and wait until it answers."""
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LOG_LEVEL": "WARNING",
            # The sweep would run at a random moment of a measurement; the bench measures ingest.
            "SWEEP_INTERVAL_SECONDS": "0",
        }
        command = [*self.command, "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        probe = "/healthz" if self.name == "app" else "/floor/poll"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} server exited; see {self.log}")
            try:
                if httpx.get(self.url + probe, timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} server did not answer in {timeout} s; see {self.log}")

    def rss_mb(self) -> float:
        """Resident memory now."""
        assert self.process is not None
        return _status_kb(self.process.pid, "VmRSS") / 1024

    def stop(self) -> None:
        """Read the peak resident memory, then stop the process."""
        if self.process is None or self.process.poll() is not None:
            return
        self.peak_rss_mb = _status_kb(self.process.pid, "VmHWM") / 1024
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "Server":
        running = self.process is not None and self.process.poll() is None
        return self if running else self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def app_server(database_url: str, log: Path) -> Server:
    """The service as users run it: `precursor-alerts serve` (it migrates first)."""
    return Server("app", [str(BIN / "precursor-alerts"), "serve"], database_url, log)


def floor_server(database_url: str, log: Path) -> Server:
    """The floor app under the same uvicorn settings as `serve` (one process, no access log)."""
    command = [sys.executable, "-m", "uvicorn", "bench.floor:create_app", "--factory"]
    return Server("floor", [*command, "--no-access-log"], database_url, log)
