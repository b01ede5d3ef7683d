"""Which references of a set are stored already, read for the whole set in one statement a kind,
so that each record of the set need not look its own up (`stored`)."""

from collections.abc import Awaitable, Callable, Sequence
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


def reader(model: type[Any], kind: str) -> Callable[[AsyncSession, Sequence[Any]], Awaitable[None]]:
    """The set read of one kind of record (a `Draft.reads`): which references its drafts lock
    (`keys.reference`) are stored already, in one statement for the set."""

    async def read_set(session: AsyncSession, drafts: Sequence[Any]) -> None:
        pairs = [(k[2], k[3]) for d in drafts for k in d.keys if k[:2] == ("reference", kind)]
        await read(session, model, pairs)

    return read_set


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
