"""Build the FastAPI application."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from app import migrate
from app.alerts.router import router as alerts_router
from app.alerts.sweep import sweep_forever
from app.config import Settings, get_settings
from app.correlation.router import router as correlation_router
from app.db import count_reads, create_engine, create_sessionmaker, is_sqlite, read_only
from app.errors import InternalError, install_error_handlers, problem_response
from app.kit import collector
from app.kit.clock import Clock
from app.kit.reads_first import ReadsFirst
from app.kit.retry import RetryMiddleware
from app.notifications.router import router as notifications_router
from app.observability import Metrics, RequestContextMiddleware, configure_logging
from app.ops import router as ops_router
from app.parties.router import router as parties_router
from app.reference.router import router as reference_router
from app.rules.router import router as rules_router
from app.seizures.router import router as seizures_router
from app.trace.router import router as trace_router

DESCRIPTION = """
Pre-export notifications, seizures and incidents for the national authorities that control
precursor chemicals (Tables I and II of the 1988 UN Convention). Every request authenticates
with `Authorization: Bearer <api key>`; errors are RFC 9457 `application/problem+json`.
"""


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """Create the app; the engine is built in the lifespan from these settings."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.database_url, pool_size=settings.db_pool_size, echo=settings.sql_echo
        )
        app.state.engine = engine
        gate = None
        if settings.reads_first_ms:
            gate = ReadsFirst(settings.reads_first_ms / 1000, app.state.metrics.writes_gave_way.inc)
        app.state.reads_first = gate
        app.state.sessionmaker = create_sessionmaker(engine, gate)
        reader = read_only(engine)
        if gate is not None:
            count_reads(reader, gate)
        app.state.read_sessionmaker = create_sessionmaker(reader)
        app.state.write_gate = asyncio.Lock() if is_sqlite(settings.database_url) else None
        sweeper = None
        if settings.sweep_interval_seconds > 0:
            sweeper = asyncio.create_task(
                sweep_forever(
                    app.state.sessionmaker,
                    app.state.clock,
                    settings.sweep_interval_seconds,
                    app.state.metrics,
                ),
                name="sweep",
            )
        app.state.sweeper = sweeper
        if settings.gc_freeze:
            collector.freeze_start_up()
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            await engine.dispose()

    app = FastAPI(
        title="Precursor Alerts",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or Clock()
    app.state.metrics = Metrics()
    app.state.migration_head = migrate.head_revision()
    install_error_handlers(app)
    app.add_exception_handler(Exception, _unhandled)
    # Inside the request context: a request run again is still one request, with one id.
    app.add_middleware(RetryMiddleware, on_retry=app.state.metrics.retried("http"))
    app.add_middleware(
        RequestContextMiddleware,
        metrics=app.state.metrics,
        max_body_bytes=settings.max_body_bytes,
    )
    for router in (
        ops_router,
        reference_router,
        notifications_router,
        seizures_router,
        trace_router,
        correlation_router,
        parties_router,
        alerts_router,
        rules_router,
    ):
        app.include_router(router)
    return app


async def _unhandled(_request: Request, exc: Exception) -> JSONResponse:
    structlog.get_logger("app").exception("unhandled error", error=repr(exc))
    return problem_response(InternalError().problem())
