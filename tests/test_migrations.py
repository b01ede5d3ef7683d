"""Migrations run up, down and up again, and the models do not drift from them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from app import migrate
from app.models import Base


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()


def test_upgrade_downgrade_upgrade_and_no_drift(database_url):
    import asyncio

    migrate.downgrade(database_url, "base")
    migrate.upgrade(database_url)
    assert asyncio.run(_diff(database_url)) == []
