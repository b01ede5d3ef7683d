"""Liveness, readiness and metrics endpoints."""

from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.alerts.models import Alert
from app.errors import problem_responses
from app.observability import Metrics

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    """Status of the process or its dependencies."""

    status: str
    database: str | None = None
    migration: str | None = None
    expected_migration: str | None = None


async def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


EngineDep = Annotated[AsyncEngine, Depends(_engine)]


@router.get("/healthz", summary="Liveness")
async def healthz() -> Health:
    """Answer as long as the process serves requests."""
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness",
    responses={503: {"model": Health, "description": "Database unreachable or not migrated"}},
)
async def readyz(request: Request, engine: EngineDep, response: Response) -> Health:
    """Check that the database answers and its schema is at the migration head."""
    expected: str = request.app.state.migration_head
    try:
        async with engine.connect() as conn:
            current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception as exc:  # any driver error means not ready
        response.status_code = 503
        return Health(
            status="unavailable", database=type(exc).__name__, expected_migration=expected
        )
    ready = current == expected
    response.status_code = 200 if ready else 503
    return Health(
        status="ok" if ready else "migration pending",
        database="ok",
        migration=current,
        expected_migration=expected,
    )


async def alert_counts(session: AsyncSession) -> list[tuple[str, str, int]]:
    """Count the stored alerts by rule and severity."""
    stmt = select(Alert.rule, Alert.severity, func.count()).group_by(Alert.rule, Alert.severity)
    return [(rule, severity, int(n)) for rule, severity, n in (await session.execute(stmt)).all()]


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **problem_responses()},
)
async def metrics(request: Request) -> Response:
    """Expose the app's metrics in the Prometheus text format.

    `alerts_raised` is counted in the database at each scrape, so it is the same on every process
    of a deployment; when the database does not answer it is left out rather than stale.
    """
    app_metrics: Metrics = request.app.state.metrics
    try:
        async with request.app.state.read_sessionmaker() as session:
            counts = await alert_counts(session)
    except Exception as exc:  # a scrape still reports the process metrics
        structlog.get_logger("metrics").warning("alert counts unavailable", error=repr(exc))
        counts = []
    app_metrics.set_alert_counts(counts)
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
