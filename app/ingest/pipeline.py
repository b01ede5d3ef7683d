"""The write pipeline's entry: a set of drafts whose keys are locked at once, then written in
order in one savepoint, one refused draft spoiling nothing else. A single post is a set of one.

The parties of a whole set are resolved against one pool of candidates read at once (three
statements a set instead of three a record); what the rules ask of the entities they will likely
resolve to (`entities.prefetch`: ignored names, the records naming each) and what correlation
will look up (`Draft.lookups`: who holds each key, the facts of the candidates) are read at once
too, and each domain reads what its drafts need for the whole set first (`Draft.reads`: which
references are stored already). What is read is kept for the transaction (`kept`, `facts`,
`named`) and kept current as the set writes: a record that the set's records all point at is
read once. A new record's children, correlation and rules run through `stages.created`, still
record by record; the set-based stages of DESIGN.md section 3 (one read per table, decisions in
memory, one write per table) take that code over stage by stage behind this entry.
"""

import copy
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation import service as correlation
from app.correlation.drafts import AnyLookup
from app.errors import AppError
from app.ingest import entities, lanes, replays, routes
from app.ingest.keys import Key
from app.ingest.locks import lock, lock_alone
from app.matching.similarity import PartyKey
from app.parties import service as parties

T = TypeVar("T")
U = TypeVar("U")


# A read for a whole set, run once with every draft that names it, before any is written.
SetRead = Callable[[AsyncSession, Sequence["Draft[Any]"]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Draft(Generic[T]):
    """A record's write, ready to run: the keys it could meet others on, and the write itself."""

    keys: frozenset[Key]
    write: Callable[[AsyncSession], Awaitable[T]]
    parties: tuple[PartyKey, ...] = ()  # the parties it names, resolved against the set's pool
    reads: tuple[SetRead, ...] = ()  # what its domain reads for the whole set first
    lookups: frozenset[AnyLookup] = frozenset()  # what its correlation and ROUTE_RISK look up
    row: replays.NewRow | None = None  # the record it inserts, if valid: inserted with the set's

    def then(self, after: Callable[[T], U]) -> "Draft[U]":
        """The same write, its result passed through `after`."""
        write = self.write

        async def written(session: AsyncSession) -> U:
            return after(await write(session))

        return Draft(self.keys, written, self.parties, self.reads, self.lookups, self.row)


def draft(
    keys: Iterable[Key],
    write: Callable[[AsyncSession], Awaitable[T]],
    parties: Iterable[PartyKey] = (),
    reads: Iterable[SetRead] = (),
    lookups: Iterable[AnyLookup] = (),
    row: replays.NewRow | None = None,
) -> Draft[T]:
    """A draft of these keys, this write, the parties it names, its domain's set reads, its
    correlation's lookups and the record it inserts."""
    return Draft(frozenset(keys), write, tuple(parties), tuple(reads), frozenset(lookups), row)


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
    """Lock the keys of every draft at once (or run `alone` among writers), read the candidates
    of all their parties at once, then write each in order; a draft refused before (an error in
    its place) or while it writes (one of `refusals`) gives its error in its place.

    The set is written in one savepoint; a draft refused while it writes undoes it, and the set
    is written again with each draft in a savepoint of its own, that one's error in its place
    (refusals are rare: a savepoint per draft would cost two statements a record)."""
    written = [d for d in drafts if isinstance(d, Draft)]
    if alone:
        await lock_alone(session)
    else:
        await lock(session, {k for d in written for k in d.keys})
    try:
        if len(written) > 1:
            pool = await parties.pool_for_set(session, [p for d in written for p in d.parties])
            likely = parties.likely(pool, [d.parties for d in written])
            await entities.prefetch(session, set().union(*likely))
            for read in dict.fromkeys(r for d in written for r in d.reads):
                await read(session, [d for d in written if read in d.reads])
            windows = [x for d in written for x in d.lookups if isinstance(x, routes.Window)]
            hinted = [x for d in written for x in d.lookups if isinstance(x, lanes.Lanes)]
            windows += lanes.lane_windows(hinted, parties.spellings(pool))
            await routes.read_for_set(session, windows)
            hints = (routes.Window, lanes.Lanes)
            keys = [{x for x in d.lookups if not isinstance(x, hints)} for d in written]
            await correlation.read_for_set(session, list(zip(keys, likely, strict=True)))
        try:
            return await in_savepoint(session, partial(_together, session, drafts, refusals))
        except _Refused as refused:
            at = refused.position
            again = [*drafts[:at], refused.error, *drafts[at + 1 :]]
            return await _each(session, again, refusals, apart=True)
    finally:
        parties.drop_set_pool(session)
        session.info.pop(replays.KNOWN, None)
        session.info.pop(replays.INSERTED, None)


class _Refused(Exception):
    """A draft of a set written together was refused."""

    def __init__(self, position: int, error: Exception) -> None:
        super().__init__(position, error)
        self.position, self.error = position, error


async def _together(
    session: AsyncSession,
    drafts: Sequence[Draft[T] | Exception],
    refusals: tuple[type[Exception], ...],
) -> list[T | Exception]:
    """Insert the set's new records in one statement a table, then write every draft."""
    rows = [d.row for d in drafts if isinstance(d, Draft) and d.row is not None]
    if len(rows) > 1:
        await replays.insert_set(session, rows)
    return await _each(session, drafts, refusals)


async def _each(
    session: AsyncSession,
    drafts: Sequence[Draft[T] | Exception],
    refusals: tuple[type[Exception], ...],
    *,
    apart: bool = False,
) -> list[T | Exception]:
    """Write every draft in order, an error in a draft's place kept there. Together, the first
    refused stops the set (`_Refused`); `apart`, each is written in its own savepoint and a
    refused one gives its error in its place."""
    out: list[T | Exception] = []
    for position, one in enumerate(drafts):
        if not isinstance(one, Draft):
            out.append(one)
            continue
        write = partial(one.write, session)
        try:
            out.append(await (in_savepoint(session, write) if apart else write()))
        except refusals as exc:
            if not apart:
                raise _Refused(position, exc) from exc
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
        parties.drop_set_pool(session)  # it may hold entities and spellings the rollback undid
        raise
