"""The floor: the least a request can do on this stack, to compare the service with.

One FastAPI app, served by uvicorn with the settings `precursor-alerts serve` uses, on the same
database through the same engine factory (so SQLite gets the same pragmas and transactions):

- `POST /floor/records` stores the JSON body as it came into one table and commits;
- `POST /floor/batch` stores each of `items` in one transaction;
- `GET /floor/poll` reads the newest number of a feed table by its index and answers 304 when
  the ETag matches: an idle dashboard poll (the feed gets nothing new while records are stored).

    DATABASE_URL=... python -m uvicorn bench.floor:create_app --factory --port 8001
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Request, Response
from sqlalchemy import JSON, BigInteger, Column, DateTime, Integer, MetaData, Table, func, select

from app.config import get_settings
from app.db import create_engine, create_sessionmaker

metadata = MetaData()
floor = Table(
    "bench_floor",
    metadata,
    # SQLite numbers rows itself only for INTEGER PRIMARY KEY.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("body", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
# What the idle poll reads: a feed that has nothing new while records are being stored.
feed = Table("bench_floor_feed", metadata, Column("seq", BigInteger, primary_key=True))


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the floor app on DATABASE_URL (or this URL), creating its tables if needed."""
    settings = get_settings()
    url = database_url or settings.database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(url, pool_size=settings.db_pool_size)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="bench floor", lifespan=lifespan)

    @app.post("/floor/records", status_code=201)
    async def store(request: Request, body: Annotated[dict[str, Any], Body()]) -> dict[str, int]:
        async with request.app.state.sessionmaker() as session:
            result = await session.execute(
                floor.insert().returning(floor.c.id),
                {"body": body, "created_at": datetime.now(UTC)},
            )
            new_id = result.scalar_one()
            await session.commit()
        return {"id": new_id}

    @app.post("/floor/batch")
    async def store_batch(
        request: Request, items: Annotated[list[dict[str, Any]], Body(embed=True)]
    ) -> dict[str, list[dict[str, int]]]:
        now = datetime.now(UTC)
        async with request.app.state.sessionmaker() as session:
            ids = [
                (
                    await session.execute(
                        floor.insert().returning(floor.c.id), {"body": b, "created_at": now}
                    )
                ).scalar_one()
                for b in items
            ]
            await session.commit()
        return {"results": [{"id": i} for i in ids]}

    @app.get("/floor/poll")
    async def poll(
        request: Request, if_none_match: Annotated[str | None, Header()] = None
    ) -> Response:
        async with request.app.state.sessionmaker() as session:
            newest = await session.scalar(select(func.max(feed.c.seq)))
            await session.commit()
        etag = f'W/"{newest or 0}"'
        if if_none_match == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(content=f'{{"newest": {newest or 0}}}', headers={"ETag": etag})

    return app
