"""Statement helpers the repositories share: unions of capped parts run in chunks (SQLite) or
arrays of keys unnested (PostgreSQL), objects by primary key from the session or the database,
an object inserted on its own, the dialect's INSERT ... ON CONFLICT DO NOTHING."""

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import (
    CompoundSelect,
    FromClause,
    Select,
    bindparam,
    func,
    insert,
    inspect,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

Row = TypeVarTuple("Row")
T = TypeVar("T")


def union_of(parts: Sequence[Select[*Row]]) -> Select[*Row] | CompoundSelect[*Row]:
    """One statement reading every part, each keeping its own LIMIT."""
    return parts[0] if len(parts) == 1 else union_all(*[p.subquery().select() for p in parts])


async def in_chunks(
    session: AsyncSession,
    statement: Callable[[int], Any],
    items: Sequence[T],
    bind: Callable[[int, T], dict[str, Any]],
    shared: dict[str, Any],
    size: int,
) -> list[Any]:
    """The rows of `statement(n)` (built per number of parts, each part binding its own
    parameters through `bind(i, item)`) over the items, `size` parts per statement."""
    rows: list[Any] = []
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        params = dict(shared)
        for i, item in enumerate(chunk):
            params |= bind(i, item)
        rows += (await session.execute(statement(len(chunk)), params)).all()
    return rows


def unnested(name: str, **columns: TypeEngine[Any]) -> TableValuedAlias:
    """PostgreSQL rows from parallel array parameters, one parameter per column:
    ``unnest($1, $2, ...) AS name(col, ...)``. A look-up joined LATERAL to it reads any number
    of keys in one statement of one shape, planned in a tenth of a union of capped parts."""
    arrays = [bindparam(column, type_=postgresql.ARRAY(kind)) for column, kind in columns.items()]
    return func.unnest(*arrays).table_valued(*columns).render_derived(name=name)


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session's database is PostgreSQL (arrays, LATERAL)."""
    return session.get_bind().dialect.name == "postgresql"


def is_loaded(obj: object) -> bool:
    """Whether an object the session holds can be read without a load (a savepoint rolled back
    expires what it changed, and a lazy load cannot run under asyncio)."""
    return not inspect(obj).expired_attributes


async def by_ids(
    session: AsyncSession, model: type[Any], stmt: Select[Any], ids: Sequence[str]
) -> list[Any]:
    """The records of these primary keys, read alike by attribute: the objects the session
    holds (as this transaction changed them), and for the rest the rows of `stmt`, which
    selects the columns wanted under their attribute names and takes the ids as the expanding
    "ids" (rows, not objects: no ORM state to build, no unused column to decode)."""
    held: list[Any] = []
    missing = []
    for i in ids:
        obj = session.identity_map.get(session.identity_key(model, i))
        if obj is not None and is_loaded(obj):
            held.append(obj)
        else:
            missing.append(i)
    if missing:
        held += (await session.execute(stmt, {"ids": missing})).all()
    return held


async def add_stored(session: AsyncSession, obj: object) -> None:
    """Insert a new object's row in one Core statement and hold it in the session as stored:
    a flush would write every other pending object with it (a set's alerts and links, which
    wait to be written together). Every column must be given: nothing is read back."""
    state = inspect(obj)
    table = state.mapper.local_table
    await session.execute(insert(table), {k: v for k, v in state.dict.items() if k in table.c})
    make_transient_to_detached(obj)
    session.add(obj)


def dialect_insert(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT, which has ON CONFLICT on both databases."""
    return postgresql.insert if is_postgresql(session) else sqlite.insert


@functools.cache
def _ignoring(insert: Callable[..., Any], table: FromClause, returning: tuple[str, ...]) -> Any:
    stmt = insert(table).on_conflict_do_nothing()
    return stmt.returning(*(table.c[name] for name in returning)) if returning else stmt


def insert_ignoring(session: AsyncSession, table: FromClause, *returning: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING [RETURNING these columns] for the session's database,
    built once per table: the conflict stands in for a look-up of what is already stored."""
    return _ignoring(dialect_insert(session), table, returning)
