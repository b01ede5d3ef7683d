"""What follows the insert of a new record, the same for every kind: its items, parties and
countries, its history entry, then correlation and the rules. The domain builds the record and
says what is its own (`NewRecord`); these stages run the rest, where the set-based stages of
DESIGN.md section 3 take over from the record-by-record ones.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import engine
from app.alerts import service as alerts
from app.alerts.models import Alert
from app.alerts.runners.base import Event, Trigger
from app.auth.schemas import Principal
from app.correlation import service as correlation
from app.notifications.models import KIND as NOTIFICATION
from app.records import children
from app.records import repository as record_repository
from app.records import service as records
from app.records.models import RecordItem, RecordParty
from app.records.schemas import PartyIn
from app.seizures.models import KIND as SEIZURE

_CORRELATE = {
    NOTIFICATION: correlation.correlate_notification,
    SEIZURE: correlation.correlate_seizure,
}


@dataclass(frozen=True, slots=True)
class NewRecord:
    """A record just inserted, and what is its own: the rows of its children, and what it
    counts towards before the rules run (a notification's ALR totals)."""

    kind: str
    id: str
    items: Sequence[RecordItem]
    parties: Sequence[tuple[int, str, PartyIn]]  # position, role, as given
    countries: Callable[[Sequence[RecordParty]], Iterable[tuple[str, str]]]  # of its parties
    counted: Callable[[AsyncSession], Awaitable[None]] | None = None


async def created(
    session: AsyncSession, record: NewRecord, principal: Principal, now: datetime
) -> list[Alert]:
    """Store a new record's children and history, correlate it and run the rules on it;
    return the alerts it raised."""
    kind, record_id = record.kind, record.id
    await record_repository.add_items(session, record.items)
    stored = await records.store_parties(session, kind, record_id, record.parties, now)
    children.keep(session, kind, record_id, record.items, stored)
    await records.set_countries(session, kind, record_id, record.countries(stored), new=True)
    await records.add_event(session, kind, record_id, "created", principal=principal, at=now)
    if record.counted is not None:
        await record.counted(session)
    await _CORRELATE[kind](session, record_id, now, new=True)
    trigger: Trigger = "notification" if kind == NOTIFICATION else "seizure"
    raised = await engine.dispatch(session, Event(trigger, record_id), now)
    await alerts.remember(session, kind, record_id, raised)
    return raised
