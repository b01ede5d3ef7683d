"""SPLIT_CONSIGNMENT's lanes (exporter entity, importer entity, substance) among the routes read
in date order (`app.ingest.routes`): the windows a set reads for its notifications before their
parties are resolved, and the marks that follow a merge of entities.
"""

import functools
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.gather import LIMIT
from app.alerts.rules import split_consignment
from app.alerts.rules.catalogue import RULES
from app.alerts.rules.split_consignment import Lane
from app.ingest.kept import kept as _kept
from app.ingest.routes import NEW, TABLE, WINDOW, Window
from app.kit.sql import dialect_insert
from app.matching.similarity import PartyKey
from app.notifications.models import KIND as NOTIFICATION
from app.records.facts import NotificationFacts
from app.records.models import RecordParty

_SPLIT = RULES[split_consignment.CODE].defaults
LANE_CAP = LIMIT  # a lane's notifications SPLIT_CONSIGNMENT reads at most


class Lanes(NamedTuple):
    """A notification's lanes before its parties are resolved: the names of its exporter and
    importer, its substances and the shipping dates SPLIT_CONSIGNMENT reads (`lane_windows`)."""

    exporter: PartyKey
    importer: PartyKey
    codes: tuple[str, ...]
    first: date
    last: date


def lanes_of(facts: NotificationFacts, exporter: PartyKey, importer: PartyKey) -> Lanes:
    """The lanes hint of a notification not written yet, with the rule's default settings."""
    first, last = split_consignment.span(facts.shipped_on, _SPLIT)
    codes = tuple(sorted({i.substance_code for i in facts.items}))
    return Lanes(exporter, importer, codes, first, last)


def lane_windows(
    hints: Iterable[Lanes], entities: Callable[[PartyKey], Iterable[str]]
) -> set[Window]:
    """The lane windows of these notifications, for every entity their names likely resolve
    to (`entities`; a name resolved otherwise reads its own when its rule runs)."""
    return {
        Window(
            NOTIFICATION, split_consignment.route(Lane(e, i, c)), h.first, h.last, LANE_CAP, False
        )
        for h in hints
        for e in entities(h.exporter)
        for i in entities(h.importer)
        for c in h.codes
    }


async def merged(session: AsyncSession, source: str, target: str) -> None:
    """An entity was folded into another: the lanes of the notifications naming it follow
    (before the records' parties are moved, which find them)."""
    params = {"source": source, "target": target, "pattern": f"lane:%{source}%"}
    await session.execute(_move_lanes(dialect_insert(session)), params)
    await session.execute(_DROP_LANES, params)
    marked: dict[tuple[str, str], tuple[tuple[date, str], ...]] = session.info.get(NEW, {})
    for (kind, route), entries in list(marked.items()):
        if route.startswith("lane:") and source in route:
            moved = (kind, route.replace(source, target))
            marked[moved] = (*marked.get(moved, ()), *entries)
            del marked[(kind, route)]
    kept = _kept(session)
    for stale in [e for e in kept if e[:2] == (WINDOW, NOTIFICATION)]:
        del kept[stale]


_NAMING = (
    select(RecordParty.record_id)
    .where(
        RecordParty.party_id == bindparam("source"),
        RecordParty.kind == NOTIFICATION,
        RecordParty.role.in_(("exporter", "importer")),
    )
    .scalar_subquery()
)
_LANES_OF = and_(
    TABLE.c.kind == NOTIFICATION,
    TABLE.c.record_id.in_(_NAMING),
    TABLE.c.route.like(bindparam("pattern")),
)
_MOVED = func.replace(TABLE.c.route, bindparam("source"), bindparam("target"))
_DROP_LANES = delete(TABLE).where(_LANES_OF)


@functools.cache
def _move_lanes(insert: Any) -> Any:
    """The lanes' marks under the new entity (a record naming both keeps one)."""
    moved = select(_MOVED, TABLE.c.kind, TABLE.c.day, TABLE.c.record_id).where(_LANES_OF)
    columns = ["route", "kind", "day", "record_id"]
    return insert(TABLE).from_select(columns, moved).on_conflict_do_nothing()
