"""What a transaction keeps of what it read: the facts of records (`facts`) and of party
entities (`entities`), read once and kept until the transaction ends.

Correlation and every rule ask about the records and entities they look at; across a set those
are often the same (a busy lane's notifications and parties, the record just written). Kept
values hold until the transaction ends: other writers change what this one read only after it,
as the key locks order them. Within the transaction they change only through its own writes,
which drop or update them: a record object changed in the session (`before_flush`, and dirty
ones before each read), `forget` wherever items or parties of stored records are rewritten, and
the updates `facts.relinked` and `entities.mentioned` make. A savepoint's rollback restores what
was kept before it (`pipeline.in_savepoint`).
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.records import children
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure

KEPT = "kept_facts"


def kept(session: AsyncSession | Session) -> dict[tuple[str, ...], Any]:
    """The transaction's kept values, by (what, ...key)."""
    found: dict[tuple[str, ...], Any] = session.info.setdefault(KEPT, {})
    return found


def forget(session: AsyncSession) -> None:
    """Drop everything kept: items or parties of stored records were rewritten (an arrival, an
    amendment, a party merge) or the ignored list changed."""
    children.forget(session)
    session.info.pop(KEPT, None)


def kind_of(record: Notification | Seizure) -> str:
    """The record kind of a notification or seizure object."""
    return NOTIFICATION if isinstance(record, Notification) else SEIZURE


def drop_dirty(session: AsyncSession | Session) -> None:
    """Drop the kept facts and dates of records changed or deleted in the session."""
    found = session.info.get(KEPT)
    if found:
        for obj in (*session.dirty, *session.deleted):
            if isinstance(obj, Notification | Seizure):
                found.pop((kind_of(obj), obj.id), None)
                found.pop(("dates", kind_of(obj), obj.id), None)


@event.listens_for(Session, "before_flush")
def _changed(session: Session, *_: Any) -> None:
    # Changed records are read again after the flush too, when they are no longer dirty.
    drop_dirty(session)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction, *_: Any) -> None:
    if transaction.parent is None:
        session.info.pop(KEPT, None)
