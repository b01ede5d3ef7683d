"""The items and parties of the records created in this session, kept in memory.

Correlation, the rules and the response each read a new record's children; the creating
request has just built them, so they are not read back. Anything that rewrites items or parties
afterwards (an arrival, an amendment, a party merge) calls `forget`.
"""

from collections.abc import Iterable, MutableMapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.records.models import RecordItem, RecordParty

KEPT = "created_children"


def keep(
    session: AsyncSession,
    kind: str,
    record_id: str,
    items: Sequence[RecordItem],
    parties: Sequence[RecordParty],
) -> None:
    """Remember a record's children as just written (items and parties in position order)."""
    session.info.setdefault(KEPT, {})[(kind, record_id)] = (list(items), list(parties))


def forget(session: AsyncSession) -> None:
    """Drop every kept record: items or parties were rewritten."""
    session.info.pop(KEPT, None)


def fill(
    session: AsyncSession,
    kind: str,
    record_ids: Iterable[str],
    items: MutableMapping[str, list[Any]],
    parties: MutableMapping[str, list[Any]],
) -> list[str]:
    """Put the kept children of these records into `items` and `parties`; return the ids whose
    children must be read."""
    kept: dict[tuple[str, str], tuple[list[Any], list[Any]]] = session.info.get(KEPT) or {}
    missing = []
    for record_id in record_ids:
        if (entry := kept.get((kind, record_id))) is not None:
            items[record_id], parties[record_id] = list(entry[0]), list(entry[1])
        else:
            missing.append(record_id)
    return missing
