"""The command line as a user runs it: serve, demo."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.config import Settings
from app.main import create_app

EXE = str(Path(sys.executable).with_name("precursor-alerts"))


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db",
        "LOG_LEVEL": "WARNING",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_migrates_and_answers(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [EXE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert r.status_code == 200
        assert r.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/v1/notifications").status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _keys(output: str) -> dict[str, str]:
    return {
        parts[0]: parts[1]
        for line in output.splitlines()
        if len(parts := line.split()) == 2 and parts[1].startswith("pa_")
    }


def test_demo_loads_once_and_prints_fresh_keys(tmp_path):
    first = subprocess.run(
        [EXE, "demo", "--notifications", "30"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "demo data loaded: 30 notifications" in first.stdout
    keys = _keys(first.stdout)
    assert {"DE", "NG", "IN", "admin"} <= set(keys)
    second = subprocess.run(
        [EXE, "demo", "--notifications", "30"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "demo data loaded" not in second.stdout
    fresh = _keys(second.stdout)
    assert set(fresh) == set(keys) and fresh["NG"] != keys["NG"]

    async def count(key: str) -> tuple[int, int]:
        app = create_app(Settings(database_url=_env(tmp_path)["DATABASE_URL"], log_level="WARNING"))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                r = await c.get(
                    "/v1/notifications?limit=500", headers={"Authorization": f"Bearer {key}"}
                )
                return r.status_code, len(r.json().get("items", []))

    assert asyncio.run(count(keys["admin"]))[0] == 401
    status, seen = asyncio.run(count(fresh["admin"]))
    assert status == 200 and seen == 30
