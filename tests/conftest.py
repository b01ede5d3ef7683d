"""Fixtures: a migrated SQLite and PostgreSQL database per run, an app and client per test."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import delete, insert, select

from app import migrate
from app.auth import service as auth_service
from app.config import Settings
from app.kit.clock import Clock
from app.main import create_app
from app.models import Base

PG_ADMIN_DSN = os.environ.get("PA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
DATABASES = os.environ.get("PA_TEST_DATABASES", "sqlite,postgresql").split(",")
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Tables the migrations seed: restored after each test instead of left empty.
SEEDED = [Base.metadata.tables[t] for t in ("ignored_values", "feed_counter")]


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """Create a PostgreSQL database for this run and drop it afterwards."""
    name = f"pa_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database URL, once per database kind."""
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("db")) / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
    migrate.upgrade(url)
    return url


@pytest.fixture
def clock() -> Clock:
    """A frozen clock; tests move it by setting `clock.fixed`."""
    return Clock(fixed=NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings pointing at the test database."""
    return Settings(
        database_url=database_url,
        log_json=True,
        log_level="WARNING",
        db_pool_size=5,
        sweep_interval_seconds=0,  # tests sweep explicitly, on their own dates
        gc_freeze=False,  # a full collection per app start-up would slow the suite
    )


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> AsyncIterator[object]:
    """The app with its lifespan running; every table is emptied afterwards."""
    application = create_app(settings, clock)
    async with application.router.lifespan_context(application):
        async with application.state.sessionmaker() as session:
            seeded = {t: (await session.execute(select(t))).mappings().all() for t in SEEDED}
        application.state.reset = lambda: _reset(application, seeded)
        yield application
        await _reset(application, seeded)


async def _reset(application: Any, seeded: dict[Any, Any]) -> None:
    """Empty every table, then put back what the migrations seeded."""
    async with application.state.sessionmaker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        for table, rows in seeded.items():
            if rows:
                await session.execute(insert(table), [dict(r) for r in rows])
        await session.commit()


@pytest.fixture
async def other_app(app: object, settings: Settings, clock: Clock) -> AsyncIterator[object]:
    """A second server process: its own engine and pool on the same database."""
    application = create_app(settings, clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app over ASGI."""
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


KeyMaker = Callable[..., Awaitable[str]]


@pytest.fixture
def make_key(app: object, clock: Clock) -> KeyMaker:
    """Create an authority and return its API key."""

    async def make(
        country: str, roles: str = "reporter,viewer,investigator", name: str | None = None
    ) -> str:
        async with app.state.sessionmaker() as session:  # type: ignore[attr-defined]
            _, key = await auth_service.create_authority(
                session,
                country=country,
                name=name or f"Authority {country}",
                roles=roles.split(","),
                now=clock.now(),
            )
            await session.commit()
        return key

    return make


def bearer(key: str) -> dict[str, str]:
    """Build the Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}
