"""Windows of routes: the records on a route dated within a window, the latest or the earliest
few, read from `route_marks` in date order by its key, so that a window costs the same however
many records the route holds. ROUTE_RISK's routes are a substance group in a country,
SPLIT_CONSIGNMENT's its lanes (exporter entity, importer entity, substance: `app.ingest.lanes`).

What is read is kept for the transaction (`kept`); a set's windows are read at once from its
drafts (`lookups`). The marks the transaction writes go with the set's other deferred rows and
are kept beside (`NEW`, not dropped by `kept.forget`), merged into every window it reads: they
are not written out early to be read back.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Date,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    event,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.alerts.rules import route_risk, split_consignment
from app.alerts.rules.catalogue import RULES
from app.correlation.models import RouteMark
from app.ingest import facts
from app.ingest.kept import kept as _kept
from app.kit import deferred
from app.kit.sql import in_chunks, is_postgresql, union_of, unnested
from app.notifications.models import KIND as NOTIFICATION
from app.records.facts import NotificationFacts, SeizureFacts
from app.seizures.models import KIND as SEIZURE

WINDOW = "route_window"  # kept: (WINDOW, *window) -> the stored (day, id) it holds, in order
NEW = "route_marks_new"  # session.info: (kind, route) -> the (day, id) the transaction marked
CHUNK = 100  # windows per UNION (SQLite)
# The window a draft's look-ups are read for in advance: a rule set to another reads its own.
_DAYS = timedelta(days=int(RULES[route_risk.CODE].defaults["window_days"]))
_COUNT = int(RULES[route_risk.CODE].defaults["count"])


class Window(NamedTuple):
    """The `cap` latest (`newest`) or earliest records of a kind on a route in [first, last]."""

    kind: str
    route: str
    first: date
    last: date
    cap: int
    newest: bool


def seizures_before(route: str, last: date, days: timedelta, cap: int) -> Window:
    """The incidents a notification shipped on `last` counts on a route: the latest."""
    return Window(SEIZURE, route, last - days, last, cap, True)


def notifications_after(route: str, first: date, days: timedelta, cap: int) -> Window:
    """The notifications an incident on `first` may concern on its route: the earliest."""
    return Window(NOTIFICATION, route, first, first + days, cap, False)


def evidence_cap(count: int) -> int:
    """Incidents read per window: never fewer than the rule needs to fire."""
    return max(route_risk.EVIDENCE, count)


def lookups(facts: NotificationFacts | SeizureFacts) -> set[Window]:
    """The windows ROUTE_RISK will read for a record not written yet (`runners/route.py`), with
    the rule's default settings: a notification's incidents before it ships, an incident's
    notifications after it (the incidents before those depend on what they are)."""
    if isinstance(facts, NotificationFacts):
        cap = evidence_cap(_COUNT)
        return {seizures_before(r, day, _DAYS, cap) for r, day in route_risk.marks(facts)}
    cap = route_risk.CANDIDATES
    return {notifications_after(r, day, _DAYS, cap) for r, day in route_risk.marks(facts)}


async def read_for_set(session: AsyncSession, windows: Iterable[Window]) -> None:
    """Read a set's windows at once, and then those its incidents' notifications count (known
    once those are): an incident evaluates each as the notification counts itself."""
    windows = list(windows)
    after = [w for w in windows if w.kind == NOTIFICATION]
    found = await read(session, windows)
    ids = {i for w in after for i in found[w]}
    shipped = {n.id: n.shipped_on for n in (await facts.notifications(session, ids)).values()}
    cap = evidence_cap(_COUNT)
    counted = {
        seizures_before(w.route, shipped[i], _DAYS, cap)
        for w in after
        if not w.route.startswith("lane:")
        for i in found[w]
        if i in shipped
    }
    found |= await read(session, counted)
    # The facts the rules will read of what the windows hold, for the set at once.
    await facts.seizures(
        session, {i for w in (*windows, *counted) if w.kind == SEIZURE for i in found[w]}
    )


def _key(w: Window) -> tuple[str, ...]:
    return (WINDOW, *(str(v) for v in w))


async def read(session: AsyncSession, windows: Iterable[Window]) -> dict[Window, list[str]]:
    """The ids in each window, stored or marked by this transaction, in the window's order;
    the windows not kept yet read at once."""
    kept = _kept(session)
    wanted = list(dict.fromkeys(windows))
    missing = [w for w in wanted if _key(w) not in kept]
    if missing:
        await _read(session, kept, missing)
    marked: dict[tuple[str, str], tuple[tuple[date, str], ...]] = session.info.get(NEW, {})
    out = {}
    for w in wanted:
        own = [(d, i) for d, i in marked.get((w.kind, w.route), ()) if w.first <= d <= w.last]
        both = sorted({*kept[_key(w)], *own}, reverse=w.newest)[: w.cap]
        out[w] = [i for _, i in both]
    return out


async def mark(
    session: AsyncSession, facts: NotificationFacts | SeizureFacts, *, new: bool
) -> None:
    """Mark a record on its routes (a stored one's marks replaced: an amended incident)."""
    kind = NOTIFICATION if isinstance(facts, NotificationFacts) else SEIZURE
    marked: dict[tuple[str, str], tuple[tuple[date, str], ...]] = session.info.setdefault(NEW, {})
    if not new:
        await session.execute(_DELETE, {"kind": kind, "id": facts.id})
        kept = _kept(session)
        for stale in [e for e in kept if e[:2] == (WINDOW, kind)]:
            del kept[stale]
        for at, entries in list(marked.items()):
            marked[at] = tuple(e for e in entries if e[1] != facts.id)
    found = sorted(marks_of(facts))
    rows = [{"route": r, "kind": kind, "day": d, "record_id": facts.id} for r, d in found]
    await deferred.insert_later(session, TABLE, rows)
    for r, d in found:
        marked[(kind, r)] = (*marked.get((kind, r), ()), (d, facts.id))  # savepoints copy


def marks_of(facts: NotificationFacts | SeizureFacts) -> set[tuple[str, date]]:
    """Where a record stands on every route a rule reads in date order."""
    lanes = split_consignment.marks(facts) if isinstance(facts, NotificationFacts) else set()
    return route_risk.marks(facts) | lanes


TABLE = cast(Table, RouteMark.__table__)
_DELETE = delete(TABLE).where(
    TABLE.c.kind == bindparam("kind"), TABLE.c.record_id == bindparam("id")
)
_MERGED = {deferred.MERGES_PENDING: True}  # the transaction's own marks are merged in memory


def _ordered(newest: bool) -> tuple[Any, Any]:
    if newest:
        return RouteMark.day.desc(), RouteMark.record_id.desc()
    return RouteMark.day, RouteMark.record_id


_W = unnested("w", route=String(), first=Date(), last=Date(), cap=Integer())


def _window_pg(newest: bool) -> Any:
    """PostgreSQL: every window of a kind and order in one statement."""
    hits = (
        select(RouteMark.day, RouteMark.record_id)
        .where(
            RouteMark.route == _W.c.route,
            RouteMark.kind == bindparam("kind"),
            RouteMark.day.between(_W.c.first, _W.c.last),
        )
        .order_by(*_ordered(newest))
        .limit(_W.c.cap)
        .lateral("hit")
    )
    columns = (_W.c.route, _W.c.first, _W.c.last, _W.c.cap, hits.c.day, hits.c.record_id)
    return select(*columns).select_from(_W.join(hits, true())).execution_options(**_MERGED)


_WINDOWS_PG = {newest: _window_pg(newest) for newest in (True, False)}


def _window_part(newest: bool, i: int) -> Any:
    return (
        select(
            bindparam(f"r{i}", type_=String()).label("route"),
            bindparam(f"f{i}", type_=Date()).label("first"),
            bindparam(f"l{i}", type_=Date()).label("last"),
            bindparam(f"c{i}", type_=Integer()).label("cap"),
            RouteMark.day,
            RouteMark.record_id,
        )
        .where(
            RouteMark.route == bindparam(f"r{i}"),
            RouteMark.kind == bindparam("kind"),
            RouteMark.day.between(bindparam(f"f{i}"), bindparam(f"l{i}")),
        )
        .order_by(*_ordered(newest))
        .limit(bindparam(f"c{i}"))
    )


@functools.cache
def _windows_sqlite(newest: bool, n: int) -> Any:
    parts = [_window_part(newest, i) for i in range(n)]
    return union_of(parts).execution_options(**_MERGED)


def _bind(i: int, w: Window) -> dict[str, Any]:
    return {f"r{i}": w.route, f"f{i}": w.first, f"l{i}": w.last, f"c{i}": w.cap}


async def _read(session: AsyncSession, kept: dict[Any, Any], windows: list[Window]) -> None:
    """Read these windows, one statement per kind and order (PostgreSQL) or per CHUNK."""
    groups: dict[tuple[str, bool], list[Window]] = defaultdict(list)
    for w in windows:
        groups[(w.kind, w.newest)].append(w)
    for (kind, newest), group in sorted(groups.items()):
        found: dict[tuple[str, date, date, int], list[tuple[date, str]]] = defaultdict(list)
        if is_postgresql(session):
            params = {
                "kind": kind,
                "route": [w.route for w in group],
                "first": [w.first for w in group],
                "last": [w.last for w in group],
                "cap": [w.cap for w in group],
            }
            rows = list(await session.execute(_WINDOWS_PG[newest], params))
        else:

            def statement(n: int, newest: bool = newest) -> Any:
                return _windows_sqlite(newest, n)

            rows = await in_chunks(session, statement, group, _bind, {"kind": kind}, CHUNK)
        for route, first, last, cap, day, record_id in rows:
            found[(route, first, last, cap)].append((day, record_id))
        for w in group:
            entries = found[(w.route, w.first, w.last, w.cap)]
            kept[_key(w)] = tuple(dict.fromkeys(entries))


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    if transaction.parent is None:
        session.info.pop(NEW, None)
