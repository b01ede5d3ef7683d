"""Pages of records and of a record's history: their cursors."""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.kit.dependencies import ID_PATTERN
from app.kit.pagination import decode_cursor, encode_cursor
from app.records import statements
from app.records.schemas import EventOut, Page


async def history(
    session: AsyncSession, kind: str, record_id: str, *, after: int, limit: int
) -> list[EventOut]:
    """List a record's changes in order, after an event id."""
    params = {"kind": kind, "record_id": record_id, "after": after, "limit": limit}
    rows = await session.scalars(statements.HISTORY, params)
    return [
        EventOut(id=str(r.id), event=r.event, at=r.at, country=r.country, note=r.note, data=r.data)
        for r in rows
    ]


def parse_time(value: object) -> datetime:
    """Read a timestamp back out of a cursor."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput([("cursor", "not a cursor returned by this list")])
    return parsed


async def history_page(
    session: AsyncSession, kind: str, record_id: str, cursor: str | None, limit: int
) -> Page[EventOut]:
    """Return one page of a record's history."""
    after = 0
    if cursor is not None:
        (raw,) = decode_cursor(cursor, 1)
        if not isinstance(raw, int):
            raise InvalidInput([("cursor", "not a cursor returned by this list")])
        after = raw
    events = await history(session, kind, record_id, after=after, limit=limit)
    next_cursor = encode_cursor(int(events[-1].id)) if len(events) == limit else None
    return Page(items=events, next_cursor=next_cursor)


def after_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """Decode a record list's cursor into its (created_at, id) sort key."""
    if cursor is None:
        return None
    at, last_id = decode_cursor(cursor, 2)
    if not isinstance(last_id, str) or not re.fullmatch(ID_PATTERN, last_id):
        raise InvalidInput([("cursor", "not a cursor returned by this list")])
    return parse_time(at), last_id


def next_cursor(rows: Sequence[Any], limit: int) -> str | None:
    """Return the cursor after a full page, or None when the page was the last for now."""
    if len(rows) < limit:
        return None
    return encode_cursor(rows[-1].created_at.isoformat(), rows[-1].id)
