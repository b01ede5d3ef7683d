"""Running a command line's work in one committed session, as a request's."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.db import commit, create_engine, create_sessionmaker

T = TypeVar("T")


def in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed session on the configured database."""

    async def run() -> T:
        engine = create_engine(get_settings().database_url)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                await commit(session)  # with its before-commit hooks, as a request's
                return result
        finally:
            await engine.dispose()

    return asyncio.run(run())
