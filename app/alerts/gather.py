"""Lookups the rules share within one dispatch (`memo`), links, and related records found
through indexed lookups; the facts of records come from `app.ingest.facts`."""

import functools
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.correlation.models import Link
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.records.facts import LinkFacts
from app.records.models import RecordItem

F = TypeVar("F")
LIMIT = 500  # no rule needs more related records than this to decide
FACTS = "rule_facts"


def remember_facts(session: AsyncSession) -> None:
    """Let the rules of one dispatch share the facts they load (nothing is written meanwhile)."""
    session.info[FACTS] = {}


def forget_facts(session: AsyncSession) -> None:
    """End the sharing started by `remember_facts`."""
    session.info.pop(FACTS, None)


async def memo(session: AsyncSession, key: tuple[str, ...], load: Callable[[], Awaitable[F]]) -> F:
    """Compute a lookup once per dispatch (the ignored list, how busy a party is ...)."""
    cache: dict[tuple[str, ...], Any] | None = session.info.get(FACTS)
    if cache is None:
        return await load()
    if key not in cache:
        cache[key] = await load()
    found: F = cache[key]
    return found


def _link(row: Link) -> LinkFacts:
    evidence = tuple((e["feature"], e["detail"], float(e["weight"])) for e in row.evidence)
    return LinkFacts(row.seizure_id, row.notification_id, row.score, row.linked, evidence)


@functools.cache
def _links_stmt(by_seizure: bool, by_notification: bool) -> Select[Link]:
    stmt = select(Link)
    if by_seizure:
        stmt = stmt.where(Link.seizure_id == bindparam("seizure_id"))
    if by_notification:
        stmt = stmt.where(Link.notification_id == bindparam("notification_id"))
    return stmt.limit(LIMIT)


async def links(
    session: AsyncSession, *, seizure_id: str | None = None, notification_id: str | None = None
) -> list[LinkFacts]:
    """Return the stored links of a seizure or of a notification."""

    async def load() -> list[LinkFacts]:
        stmt = _links_stmt(seizure_id is not None, notification_id is not None)
        params = {"seizure_id": seizure_id, "notification_id": notification_id}
        return [_link(r) for r in (await session.scalars(stmt, params)).all()]

    # The link rules and SEIZURE_CLUSTER all start from the event's links.
    return await memo(session, ("links", seizure_id or "", notification_id or ""), load)


_NOTIFICATIONS_TO = (
    select(Notification.id)
    .join(
        RecordItem,
        and_(RecordItem.kind == NOTIFICATION, RecordItem.record_id == Notification.id),
    )
    .where(
        Notification.importing_country == bindparam("country"),
        RecordItem.substance_code.in_(bindparam("codes", expanding=True)),
        Notification.notified_on >= bindparam("first"),
        Notification.notified_on <= bindparam("last"),
    )
    .distinct()
    .limit(LIMIT)
)


async def notifications_to(
    session: AsyncSession,
    importing_country: str,
    substance_codes: Iterable[str],
    first: date,
    last: date,
) -> list[str]:
    """Return notifications to a country holding these substances, notified in [first, last]."""
    params = {
        "country": importing_country,
        "codes": list(substance_codes),
        "first": first,
        "last": last,
    }
    return list((await session.scalars(_NOTIFICATIONS_TO, params)).all())
