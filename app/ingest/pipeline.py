"""The write pipeline's entry: a set of drafts whose keys are locked at once, then each written in
order, one refused draft spoiling nothing else. A single post is a set of one.

Each draft still writes through its domain's per-record code for now (correlation and the rules
record by record); the set-based stages of DESIGN.md section 3 (one read per table, decisions in
memory, one write per table) take that code over stage by stage behind this entry.
"""

import copy
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError
from app.ingest.keys import Key
from app.ingest.locks import lock, lock_alone

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True, slots=True)
class Draft(Generic[T]):
    """A record's write, ready to run: the keys it could meet others on, and the write itself."""

    keys: frozenset[Key]
    write: Callable[[AsyncSession], Awaitable[T]]

    def then(self, after: Callable[[T], U]) -> "Draft[U]":
        """The same write, its result passed through `after`."""
        write = self.write

        async def written(session: AsyncSession) -> U:
            return after(await write(session))

        return Draft(self.keys, written)


def draft(keys: Iterable[Key], write: Callable[[AsyncSession], Awaitable[T]]) -> Draft[T]:
    """A draft of these keys and this write."""
    return Draft(frozenset(keys), write)


async def write_one(session: AsyncSession, one: Draft[T]) -> T:
    """Write a set of one: its refusal is the request's."""
    await lock(session, one.keys)
    return await one.write(session)


async def write_set(
    session: AsyncSession,
    drafts: Sequence[Draft[T] | Exception],
    *,
    alone: bool = False,
    refusals: tuple[type[Exception], ...] = (AppError,),
) -> list[T | Exception]:
    """Lock the keys of every draft at once (or run `alone` among writers), then write each in
    its own savepoint, in order; a draft refused before (an error in its place) or while it
    writes (one of `refusals`) gives its error in its place."""
    if alone:
        await lock_alone(session)
    else:
        await lock(session, {k for d in drafts if isinstance(d, Draft) for k in d.keys})
    out: list[T | Exception] = []
    for one in drafts:
        if not isinstance(one, Draft):
            out.append(one)
            continue
        try:
            out.append(await in_savepoint(session, partial(one.write, session)))
        except refusals as exc:
            out.append(exc)
    return out


async def in_savepoint(session: AsyncSession, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` in a savepoint; if it fails, undo its writes and what it queued for commit."""
    # Alerts queue their feed entries in session.info for the before-commit hook: a rolled-back
    # item must not leave entries for alerts or changes that the rollback undid.
    saved = {key: copy.copy(value) for key, value in session.info.items()}
    try:
        async with session.begin_nested():
            return await work()
    except BaseException:
        session.info.clear()
        session.info.update(saved)
        raise
