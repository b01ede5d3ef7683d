"""Health, readiness, metrics and request ids."""

from app import migrate
from app.config import Settings
from app.main import create_app
from tests.conftest import bearer


async def test_healthz_and_readyz(client):
    assert (await client.get("/healthz")).json()["status"] == "ok"
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["migration"] == migrate.head_revision()


async def test_readyz_fails_on_unmigrated_database(tmp_path):
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/empty.db"))
    import httpx

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.get("/readyz")
    assert r.status_code == 503


async def test_metrics_and_request_id(client, make_key):
    key = await make_key("DE")
    r = await client.get("/v1/substances", headers=bearer(key) | {"x-request-id": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
    assert len(r.headers.get("x-request-id", "")) > 0
    m = await client.get("/metrics")
    assert m.status_code == 200
    assert 'http_requests_total{method="GET",route="/v1/substances",status="200"} 1.0' in m.text


async def test_request_logs_are_json_with_the_request_id(settings, capsys):
    import json

    import httpx

    app = create_app(settings.model_copy(update={"log_level": "INFO", "log_json": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            await c.get("/healthz", headers={"x-request-id": "req-42"})
    out = capsys.readouterr().out.splitlines()
    lines = [json.loads(line) for line in out if line.startswith("{")]
    logged = [line for line in lines if line.get("event") == "request"]
    assert logged[-1]["request_id"] == "req-42"
    assert logged[-1]["status"] == 200 and logged[-1]["route"] == "/healthz"


async def test_start_up_objects_are_kept_out_of_full_collections(tmp_path):
    """GC_FREEZE (on by default): a full collection would walk everything start-up built."""
    import gc

    url = f"sqlite+aiosqlite:///{tmp_path}/gc.db"
    gc.unfreeze()
    try:
        quiet = create_app(Settings(database_url=url, gc_freeze=False, sweep_interval_seconds=0))
        async with quiet.router.lifespan_context(quiet):
            assert gc.get_freeze_count() == 0
        app = create_app(Settings(database_url=url, sweep_interval_seconds=0))
        async with app.router.lifespan_context(app):
            assert gc.get_freeze_count() > 100_000  # the app, SQLAlchemy, the catalogue ...
    finally:
        gc.unfreeze()


async def test_postgresql_connections_keep_prepared_statements_with_custom_plans(database_url):
    """asyncpg's default (100) is less than the shapes ingest runs: each miss re-prepares."""
    import pytest

    from app.db import create_engine

    if not database_url.startswith("postgresql"):
        pytest.skip("asyncpg's prepared statements")

    async def capacity_and_plans(url: str) -> tuple[int, str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                plans = (await conn.exec_driver_sql("SHOW plan_cache_mode")).scalar_one()
                raw = await conn.get_raw_connection()
                return int(raw.dbapi_connection._prepared_statement_cache.capacity), plans
        finally:
            await engine.dispose()

    # Kept prepared, statements are still planned with their values: generic plans were slower.
    assert await capacity_and_plans(database_url) == (1000, "force_custom_plan")
    url = f"{database_url}?prepared_statement_cache_size=5"
    assert await capacity_and_plans(url) == (5, "force_custom_plan")
