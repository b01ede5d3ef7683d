"""Declarative base, column types, engine factory and the request-scoped session."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from app.kit import deferred
from app.kit.reads_first import ReadsFirst

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM model; constraint names are deterministic for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both databases (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    """Tell whether a database URL points at SQLite."""
    return url.startswith("sqlite")


STATEMENT_CACHE = "prepared_statement_cache_size"


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """Build an async engine; SQLite gets WAL, foreign keys and real transactions."""
    if not is_sqlite(url):
        # asyncpg keeps 100 prepared statements per connection; the correlation look-ups alone
        # come in a shape per key count, so ingest re-prepared ~1.3 statements a record (a round
        # trip each). Kept prepared, a statement gets PostgreSQL's generic plan after five runs,
        # which reads a busy party's or a common key's rows the slow way: plan each run with its
        # own values instead (bench/fixes.md). A cache size in the URL wins.
        args: dict[str, Any] = {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
        if STATEMENT_CACHE not in make_url(url).query:
            args[STATEMENT_CACHE] = 1000
        return create_async_engine(
            url, pool_size=pool_size, max_overflow=pool_size, echo=echo, connect_args=args
        )
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, issue BEGIN so SAVEPOINTs work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking;
        # readers (READ_ONLY sessions) take none: WAL lets them run beside the writer.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


READ_ONLY = "precursor_read_only"


def read_only(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (pool, events) for sessions that only read: on SQLite they begin
    DEFERRED and never take the write lock; on PostgreSQL they run in autocommit, which spares
    a read its BEGIN and COMMIT round trips and changes nothing under READ COMMITTED, where each
    statement takes its own snapshot anyway."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**{READ_ONLY: True}, isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{READ_ONLY: True})


READING = "precursor_reading"  # on a connection's info while a read transaction is open
GIVE_WAY = "reads_first"  # on a session's info: the gate its statements give way at
GAVE_WAY_S = "gave_way_s"  # ... and the seconds they have waited there so far


def count_reads(read_engine: AsyncEngine, gate: ReadsFirst) -> None:
    """Tell the gate when a transaction of this (read-only) engine begins and ends; the pool's
    check-in and invalidation close the count too, so a lost connection cannot leave it open."""

    def begin(conn: Any) -> None:
        if not conn.info.get(READING):
            conn.info[READING] = True
            gate.enter()

    def end(conn: Any) -> None:
        if conn.info.pop(READING, False):
            gate.leave()

    def released(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        if record.info.pop(READING, False):
            gate.leave()

    sync = read_engine.sync_engine
    for name, listener in (("begin", begin), ("commit", end), ("rollback", end)):
        event.listen(sync, name, listener)
    for name in ("checkin", "invalidate"):
        event.listen(sync.pool, name, released)


class GivingWaySession(AsyncSession):
    """A session whose statements first give way to reads in flight, if it carries a gate, and
    write the deferred rows of the tables they touch (`app.kit.deferred`)."""

    writes_deferred = True  # `deferred.WRITES_DEFERRED`: it writes them before reads and commit

    async def give_way(self) -> None:
        """Wait while reads are in flight, within what is left of this session's budget."""
        gate: ReadsFirst | None = self.info.get(GIVE_WAY)
        if gate is not None and gate.readers:
            spent = self.info.get(GAVE_WAY_S, 0.0)
            self.info[GAVE_WAY_S] = spent + await gate.give_way(spent)

    async def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        await self.give_way()
        await deferred.write_before(self, statement)
        return await super().execute(statement, *args, **kwargs)

    async def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        await self.give_way()
        await deferred.write_before(self, statement)
        return await super().scalar(statement, *args, **kwargs)

    async def get(self, entity: Any, *args: Any, **kwargs: Any) -> Any:
        await self.give_way()
        await deferred.flush_before(self, frozenset({entity.__table__.name}))
        return await super().get(entity, *args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        await self.give_way()
        await super().flush(*args, **kwargs)

    async def commit(self) -> None:
        await self.give_way()
        await deferred.write_all(self)
        await super().commit()

    async def rollback(self) -> None:
        deferred.drop(self)  # also when nothing began a transaction to end
        await super().rollback()


async def pause(session: AsyncSession) -> None:
    """Let the event loop serve other requests in the middle of a long computation of this
    session's request (reads in flight first, if the session gives way to them)."""
    if isinstance(session, GivingWaySession):
        await session.give_way()
    await asyncio.sleep(0)


def create_sessionmaker(
    engine: AsyncEngine, gate: ReadsFirst | None = None
) -> async_sessionmaker[AsyncSession]:
    """Build the session factory used per request; with a gate, its sessions' statements give
    way to reads in flight (`ReadsFirst`)."""
    return async_sessionmaker(
        engine,
        class_=GivingWaySession,
        expire_on_commit=False,
        autoflush=False,
        info={GIVE_WAY: gate} if gate is not None else None,
    )


BeforeCommit = Callable[[AsyncSession], Awaitable[None]]


def before_commit(session: AsyncSession, hook: BeforeCommit) -> None:
    """Run `hook` once, just before this session's next commit (e.g. to take a feed number)."""
    hooks: list[BeforeCommit] = session.info.setdefault("before_commit", [])
    if hook not in hooks:
        hooks.append(hook)


async def commit(session: AsyncSession) -> None:
    """Write the deferred rows, run the before-commit hooks, then commit."""
    # Rows first: the feed's hook locks the counter row until COMMIT, and every writer that
    # raised an alert waits for that lock; nothing else belongs between the two.
    await deferred.write_all(session)
    for hook in session.info.pop("before_commit", []):
        await hook(session)
    await session.commit()


@contextlib.asynccontextmanager
async def unit_of_work(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A session that commits once (hooks first) when its block succeeds and rolls back,
    dropping the queued hooks, when it raises."""
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            session.info.pop("before_commit", None)
            await session.rollback()
            raise
        else:
            await commit(session)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield the request's session; commit once on success, roll back on error.

    Reads get a read-only session. On SQLite, writes queue in order on the app's write gate:
    left to SQLite's busy handler, a writer can lose the lock again and again until it times out.
    """
    state = request.app.state
    if request.method in READ_METHODS:
        async with state.read_sessionmaker() as session:
            yield session
            await session.commit()
        return
    gate: asyncio.Lock | None = state.write_gate
    async with gate or contextlib.nullcontext(), unit_of_work(state.sessionmaker) as session:
        yield session


# Function scope: the commit happens before the response is sent, so a failed commit is an error.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
