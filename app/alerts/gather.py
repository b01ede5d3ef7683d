"""Lookups the rules share within one dispatch (`memo`), and the notifications to a country found
through an indexed lookup; the facts of records and their links come from `app.ingest.facts`."""

from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
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
    """Compute a lookup once per dispatch (the ALRs in force, a seizure's clusters ...)."""
    cache: dict[tuple[str, ...], Any] | None = session.info.get(FACTS)
    if cache is None:
        return await load()
    if key not in cache:
        cache[key] = await load()
    found: F = cache[key]
    return found


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
