"""Number alert changes for the feed in commit order, and render alerts as the feed shows them."""

from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import Alert, AlertChange, AlertCountry, FeedCounter
from app.alerts.repository import ALERTS_BY_ID
from app.alerts.schemas import AlertOut
from app.db import before_commit
from app.kit.sql import is_loaded

RAISED = "alerts_raised"
PENDING = "alerts_pending"
HELD = "alerts_held"


def alert_out(alert: Alert) -> AlertOut:
    """Render an alert."""
    return AlertOut.model_validate(
        {c: getattr(alert, c) for c in AlertOut.model_fields if hasattr(alert, c)}
    )


def note_change(
    session: AsyncSession,
    alert: Alert,
    change: str,
    *,
    authority_id: str | None = None,
    note: str | None = None,
) -> None:
    """Queue an alert change; it gets its feed number just before commit."""
    pending: dict[str, tuple[str, str | None, str | None]] = session.info.setdefault(PENDING, {})
    pending.setdefault(alert.id, (change, authority_id, note))
    session.info.setdefault(HELD, {})[alert.id] = alert  # the session keeps clean objects weakly
    raised: list[str] = session.info.setdefault(RAISED, [])
    if alert.id not in raised:
        raised.append(alert.id)
    before_commit(session, publish)


_BUMP = (
    update(FeedCounter)
    .where(FeedCounter.id == 1)
    .values(value=FeedCounter.value + bindparam("n"))
    .returning(FeedCounter.value)
)
_COUNTRIES = select(AlertCountry.alert_id, AlertCountry.country).where(
    AlertCountry.alert_id.in_(bindparam("ids", expanding=True))
)
_INSERT_COUNTRIES = insert(cast(Table, AlertCountry.__table__))
_INSERT_CHANGES = insert(cast(Table, AlertChange.__table__))
_PUBLISH_CHUNK = 500  # alerts numbered per statement (a sweep may queue thousands)


async def publish(session: AsyncSession) -> None:
    """Number the queued changes; the counter row stays locked until commit, so numbers
    become visible in order and a poller never skips a change that commits late."""
    pending: dict[str, tuple[str, str | None, str | None]] = session.info.pop(PENDING, {})
    queued = list(pending.items())
    for start in range(0, len(queued), _PUBLISH_CHUNK):
        await _publish(session, queued[start : start + _PUBLISH_CHUNK])
    session.info.pop(HELD, None)


async def _publish(
    session: AsyncSession, queued: list[tuple[str, tuple[str, str | None, str | None]]]
) -> None:
    last = (await session.execute(_BUMP, {"n": len(queued)})).scalar_one()
    ids = [alert_id for alert_id, _ in queued]
    held: dict[str, Alert] = session.info.get(HELD, {})
    alerts = {i: held[i] for i in ids if i in held and is_loaded(held[i])}
    if missing := [i for i in ids if i not in alerts]:  # a sweep forgets its pages' objects
        alerts |= {a.id: a for a in await session.scalars(ALERTS_BY_ID, {"ids": missing})}
    countries = await _gained(session, [alerts[i] for i, (c, _, _) in queued if c != "created"])
    changes = []
    for seq, (alert_id, (change, authority_id, note)) in enumerate(queued, last - len(queued) + 1):
        alert = alerts[alert_id]
        alert.seq = seq
        if change == "created":
            countries += [
                {"alert_id": alert.id, "country": c} for c in dict.fromkeys(alert.countries)
            ]
        changes.append(
            {
                "seq": seq,
                "alert_id": alert.id,
                "change": change,
                "rule": alert.rule,
                "severity": alert.severity,
                "project": alert.project,
                "status": alert.status,
                "mode": alert.mode,
                "at": alert.updated_at,
                "authority_id": authority_id,
                "note": note,
                "snapshot": alert_out(alert).model_dump(mode="json"),
            }
        )
    await session.flush()  # the alerts (their seq too) first: the rows below point at them
    # Core rows, not ORM objects: nothing reads them back from the session.
    if countries:
        await session.execute(_INSERT_COUNTRIES, countries)
    await session.execute(_INSERT_CHANGES, changes)


async def _gained(session: AsyncSession, alerts: list[Alert]) -> list[dict[str, str]]:
    """The rows that let the countries an alert gained since it was stored see it."""
    if not alerts:
        return []
    rows = await session.execute(_COUNTRIES, {"ids": [a.id for a in alerts]})
    have = {(alert_id, country) for alert_id, country in rows}
    return [
        {"alert_id": a.id, "country": c}
        for a in alerts
        for c in sorted(set(a.countries))
        if (a.id, c) not in have
    ]


def take_raised(session: AsyncSession) -> list[str]:
    """Return and forget the alerts raised or updated so far in this unit of work."""
    session.info.pop(HELD, None)  # a sweep lets go of its pages' objects
    raised: list[str] = session.info.pop(RAISED, [])
    return raised
