"""Which references of a set are stored already, read for the whole set in one statement a kind,
so that each record of the set need not look its own up (`stored`)."""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.records import repository

KNOWN = "known_references"  # on session.info: {(model, authority id, reference): record | None}
M = TypeVar("M")


async def read(session: AsyncSession, model: type[Any], pairs: list[tuple[str, str]]) -> None:
    """Read which of these (authority id, reference) pairs are stored, and as what."""
    rows = await repository.by_references(session, model, pairs)
    known = session.info.setdefault(KNOWN, {})
    for pair in pairs:
        known[(model, *pair)] = rows.get(pair)


async def stored(
    session: AsyncSession,
    model: type[M],
    authority_id: str,
    reference: str,
    find: Callable[[], Awaitable[M | None]],
) -> M | None:
    """The record stored under a reference before the set, as the set's read found it; `find`
    when the set did not read it. One stored by the set itself is met by the insert's conflict."""
    known: dict[tuple[Any, str, str], Any] = session.info.get(KNOWN, {})
    key = (model, authority_id, reference)
    if key in known:
        found: M | None = known[key]
        return found
    return await find()
