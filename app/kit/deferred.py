"""Rows written later, together: a set's child rows (items, parties, countries, keys, which
record raised which alert) go in as one multi-row INSERT a table instead of one a record, and
the ORM's new and changed objects (alerts, links) in one flush instead of one a record.

A row deferred here is written before any statement of the session that touches its table (a
read, a delete, an update), and the rest before commit (`GivingWaySession`), so nothing ever
reads the table without it: the same guarantee as the ORM's autoflush, for Core rows; and
the ORM's changes are flushed before a statement that touches one of their tables
(`flush_before`, the autoflush the sessions are created without, by table). A
savepoint's rollback restores the rows deferred before it (`pipeline.in_savepoint` copies
session.info, and `Pending` copies its lists), and the end of a transaction drops what is left.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, TextClause, event, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.util import find_tables

PENDING = "deferred_rows"  # on session.info: a `Pending`
WRITES_DEFERRED = "writes_deferred"  # a session class's flag: it calls the two writers below
NO_TABLE = "touches_no_table"  # execution option of a text statement that reads no table
# Execution option of a read whose caller adds the session's new objects itself: the ORM's
# changes are not flushed for it (deferred rows are still written).
STORED_ONLY = "reads_stored_only"
# Execution option of a read whose caller merges the transaction's unwritten rows of its table
# itself: nothing is written for it, neither the ORM's changes nor deferred rows.
MERGES_PENDING = "merges_pending"
_ALL = frozenset({"*"})


class Pending(dict[str, list[dict[str, Any]]]):
    """Rows not written yet, by table name; a copy (a savepoint's) copies the lists too."""

    def __copy__(self) -> "Pending":
        return Pending({name: list(rows) for name, rows in self.items()})


_TABLES: dict[str, Table] = {}
_TOUCHED: dict[int, tuple[object, frozenset[str]]] = {}  # by id, the statement held
_TOUCHED_MAX = 2048


async def insert_later(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Write these rows of `table` before the next statement that touches it, or at commit;
    at once in a session that does not write deferred rows (`WRITES_DEFERRED`)."""
    if not rows:
        return
    if not getattr(session, WRITES_DEFERRED, False):
        await session.execute(insert(table), rows)
    else:
        _TABLES.setdefault(table.name, table)
        pending: Pending = session.info.setdefault(PENDING, Pending())
        pending.setdefault(table.name, []).extend(rows)


async def write_before(session: AsyncSession, statement: object) -> None:
    """Write what the session holds unwritten of the tables `statement` touches (of every
    table, for SQL text that does not say it touches none): the ORM's changes, then the
    deferred rows."""
    options = _options(statement)
    if options.get(MERGES_PENDING):
        return
    touched = _touched(statement)
    if not options.get(STORED_ONLY):
        await flush_before(session, touched)
    pending: Pending | None = session.info.get(PENDING)
    if not pending:
        return
    for name in [n for n in pending if n in touched or touched is _ALL]:
        await _write(session, pending, name)


async def flush_before(session: AsyncSession, tables: frozenset[str]) -> None:
    """Flush the ORM's changes if any is to one of these tables: the autoflush the sessions do
    without (it would write each record's alerts and links as it goes, not the set's at once)."""
    sync = session.sync_session
    # The session's own bookkeeping of what is new, deleted or changed: small collections, not
    # its `dirty` property, which walks every object it holds.
    states = [*sync._new, *sync._deleted, *sync.identity_map._modified]
    if states and (tables is _ALL or any(_table_of(s) in tables for s in states)):
        await session.flush()


def _table_of(state: Any) -> str:
    return str(state.mapper.local_table.name)


async def write_all(session: AsyncSession) -> None:
    """Write every deferred row (the transaction commits)."""
    pending: Pending | None = session.info.get(PENDING)
    while pending:
        await _write(session, pending, next(iter(pending)))


def drop(session: AsyncSession | Session) -> None:
    """Forget every deferred row (the transaction rolls back)."""
    session.info.pop(PENDING, None)


async def _write(session: AsyncSession, pending: Pending, name: str) -> None:
    rows = pending.pop(name)  # first: the insert itself passes through `write_before`
    table = _TABLES[name]
    # The ORM's new rows that these point at go first (a record's alerts, a new entity).
    await flush_before(session, _REFERRED[name] if name in _REFERRED else _referred(table))
    await session.execute(insert(table), rows)


_REFERRED: dict[str, frozenset[str]] = {}


def _referred(table: Table) -> frozenset[str]:
    names = _REFERRED[table.name] = frozenset(fk.column.table.name for fk in table.foreign_keys)
    return names


def _options(statement: object) -> Mapping[str, Any]:
    options: Callable[[], Mapping[str, Any]] | None = getattr(
        statement, "get_execution_options", None
    )
    return options() if options is not None else {}


def _touched(statement: object) -> frozenset[str]:
    """The tables a statement reads or writes, found once per statement object."""
    held = _TOUCHED.get(id(statement))
    if held is not None and held[0] is statement:
        return held[1]
    if isinstance(statement, TextClause):
        names = frozenset() if statement.get_execution_options().get(NO_TABLE) else _ALL
    else:
        found = find_tables(
            statement,  # type: ignore[arg-type]
            check_columns=True,
            include_aliases=True,
            include_joins=True,
            include_selects=True,
            include_crud=True,
        )
        names = frozenset(t.name for t in found if isinstance(t, Table))
    if len(_TOUCHED) >= _TOUCHED_MAX:  # statements built per call would pile up
        _TOUCHED.clear()
    _TOUCHED[id(statement)] = (statement, names)
    return names


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    # Committed, they were written; rolled back, they are void.
    if transaction.parent is None:
        drop(session)
