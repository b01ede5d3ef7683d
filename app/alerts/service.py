"""Turn firings into alerts without twins, and publish every change in commit order."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import (
    Alert,
    AlertChange,
    AlertCountry,
    AlertFingerprint,
    FeedCounter,
    RecordAlert,
)
from app.alerts.rules.base import SEVERITIES, Firing
from app.alerts.schemas import AlertOut
from app.auth.schemas import Principal
from app.db import before_commit, dialect_insert

RAISED = "alerts_raised"
PENDING = "alerts_pending"


def alert_out(alert: Alert) -> AlertOut:
    """Render an alert."""
    return AlertOut.model_validate(
        {c: getattr(alert, c) for c in AlertOut.model_fields if hasattr(alert, c)}
    )


def _evidence(firing: Firing) -> list[dict[str, Any]]:
    return [{"feature": e.feature, "detail": e.detail, "weight": e.weight} for e in firing.evidence]


def _subjects(firing: Firing) -> dict[str, list[str]]:
    return {
        "notifications": sorted(firing.notifications),
        "seizures": sorted(firing.seizures),
        "parties": sorted(firing.parties),
    }


def _merge(old: dict[str, list[str]], new: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: sorted(set(old.get(k, [])) | set(new.get(k, []))) for k in new}


async def _lock_fingerprint(session: AsyncSession, fingerprint: str) -> AlertFingerprint:
    """Create the fingerprint row if needed and lock it until commit."""
    insert = dialect_insert(session)
    await session.execute(
        insert(AlertFingerprint)
        .values(fingerprint=fingerprint, alert_id=None)
        .on_conflict_do_nothing(index_elements=["fingerprint"])
    )
    stmt = (
        select(AlertFingerprint)
        .where(AlertFingerprint.fingerprint == fingerprint)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one()


async def lock_alert(session: AsyncSession, alert: Alert) -> Alert:
    """Take the alert's fingerprint lock until commit, as a firing does, and re-read the alert.

    Triage must check its If-Match and write under the same lock as the firings: otherwise two
    requests holding one ETag both win (a lost update, even a closed alert reopened), and a
    triage and a firing each write a snapshot the other's change is missing from."""
    await _lock_fingerprint(session, alert.fingerprint)
    await session.refresh(alert)
    return alert


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
    raised: list[str] = session.info.setdefault(RAISED, [])
    if alert.id not in raised:
        raised.append(alert.id)
    before_commit(session, publish)


async def publish(session: AsyncSession) -> None:
    """Number the queued changes; the counter row stays locked until commit, so numbers
    become visible in order and a poller never skips a change that commits late."""
    pending: dict[str, tuple[str, str | None, str | None]] = session.info.pop(PENDING, {})
    for alert_id, (change, authority_id, note) in pending.items():
        seq = (
            await session.execute(
                update(FeedCounter)
                .where(FeedCounter.id == 1)
                .values(value=FeedCounter.value + 1)
                .returning(FeedCounter.value)
            )
        ).scalar_one()
        alert = await session.get(Alert, alert_id)
        assert alert is not None
        alert.seq = seq
        await _sync_countries(session, alert)
        session.add(
            AlertChange(
                seq=seq,
                alert_id=alert.id,
                change=change,
                rule=alert.rule,
                severity=alert.severity,
                project=alert.project,
                status=alert.status,
                mode=alert.mode,
                at=alert.updated_at,
                authority_id=authority_id,
                note=note,
                snapshot=alert_out(alert).model_dump(mode="json"),
            )
        )
    await session.flush()


async def _sync_countries(session: AsyncSession, alert: Alert) -> None:
    have = set(
        (
            await session.scalars(
                select(AlertCountry.country).where(AlertCountry.alert_id == alert.id)
            )
        ).all()
    )
    session.add_all(AlertCountry(alert_id=alert.id, country=c) for c in set(alert.countries) - have)


def take_raised(session: AsyncSession) -> list[str]:
    """Return and forget the alerts raised or updated so far in this unit of work."""
    raised: list[str] = session.info.pop(RAISED, [])
    return raised


async def apply(
    session: AsyncSession, firings: Sequence[Firing], modes: dict[str, str], now: datetime
) -> list[Alert]:
    """Create or update the alert of each firing; rules missing from `modes` are disabled."""
    changed = []
    for firing in sorted(firings, key=lambda f: f.fingerprint):
        mode = modes.get(firing.rule)
        if mode is None:
            continue
        alert = await _upsert(session, firing, mode, now)
        if alert is not None:
            changed.append(alert)
    return changed


async def _upsert(session: AsyncSession, firing: Firing, mode: str, now: datetime) -> Alert | None:
    row = await _lock_fingerprint(session, firing.fingerprint)
    current = await _read_locked(session, row.alert_id) if row.alert_id else None
    if current is not None and current.status != "closed":
        return _fired_again(session, current, firing, now)
    if current is not None and current.resolution == "false_positive":
        return None
    alert = Alert(
        id=str(uuid.uuid4()),
        fingerprint=firing.fingerprint,
        rule=firing.rule,
        severity=firing.severity,
        project=firing.project,
        mode=mode,
        status="open",
        resolution=None,
        assignee=None,
        title=firing.title,
        summary=firing.summary,
        countries=sorted(firing.countries),
        subjects=_subjects(firing),
        score=firing.score,
        evidence=_evidence(firing),
        occurrences=1,
        previous_alert_id=current.id if current else None,
        version=1,
        seq=0,
        first_seen_at=now,
        last_seen_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(alert)
    await session.flush()
    row.alert_id = alert.id
    note_change(session, alert, "created")
    return alert


async def _read_locked(session: AsyncSession, alert_id: str) -> Alert | None:
    """Read the alert whose fingerprint this transaction just locked. A copy that the session
    loaded before the lock (a replay lists the alerts its record raised) may be stale: read it
    again, unless this transaction changed it already (then it holds the lock since)."""
    cached = session.identity_map.get(session.identity_key(Alert, alert_id))
    fresh = cached is None or cached not in session.dirty
    return await session.get(Alert, alert_id, populate_existing=fresh)


def _fired_again(
    session: AsyncSession, alert: Alert, firing: Firing, now: datetime
) -> Alert | None:
    """Fold a repeated firing into the open alert; an identical one changes nothing."""
    evidence = _evidence(firing)
    subjects = _merge(alert.subjects, _subjects(firing))
    severity = max(alert.severity, firing.severity, key=SEVERITIES.index)
    countries = sorted(set(alert.countries) | firing.countries)
    new = (evidence, subjects, severity, countries, firing.score, firing.summary)
    old = (
        alert.evidence,
        alert.subjects,
        alert.severity,
        alert.countries,
        alert.score,
        alert.summary,
    )
    if new == old:
        return None
    alert.evidence, alert.subjects, alert.severity, alert.countries = (
        evidence,
        subjects,
        severity,
        countries,
    )
    alert.score, alert.summary, alert.title = firing.score, firing.summary, firing.title
    alert.occurrences += 1
    alert.last_seen_at = alert.updated_at = now
    alert.version += 1
    note_change(session, alert, "fired_again")
    return alert


async def remember(
    session: AsyncSession, kind: str, record_id: str, alerts: Sequence[Alert]
) -> None:
    """Keep which alerts a record's creation raised, so a replay can answer with them."""
    session.add_all(RecordAlert(kind=kind, record_id=record_id, alert_id=a.id) for a in alerts)
    await session.flush()


async def raised_by(session: AsyncSession, kind: str, record_id: str) -> list[Alert]:
    """Return the alerts a record's creation raised, as they are now."""
    stmt = (
        select(Alert)
        .join(RecordAlert, RecordAlert.alert_id == Alert.id)
        .where(RecordAlert.kind == kind, RecordAlert.record_id == record_id)
        .order_by(Alert.created_at, Alert.id)
    )
    return list((await session.scalars(stmt)).all())


def visible_out(alerts: Sequence[Alert], principal: Principal) -> list[AlertOut]:
    """Render the alerts a caller may see."""
    return [alert_out(a) for a in alerts if principal.can_see(frozenset(a.countries))]


async def resolve(
    session: AsyncSession, fingerprints: Sequence[str], reason: str, now: datetime
) -> list[Alert]:
    """Close the open alerts of these fingerprints as legitimate: their cause went away."""
    if not fingerprints:
        return []
    stmt = select(Alert).where(Alert.fingerprint.in_(list(fingerprints)), Alert.status != "closed")
    closed = []
    for alert in (await session.scalars(stmt.order_by(Alert.fingerprint))).all():
        await lock_alert(session, alert)  # in fingerprint order, like firings and triage
        if alert.status == "closed":
            continue
        alert.status, alert.resolution = "closed", "legitimate"
        alert.updated_at, alert.version = now, alert.version + 1
        note_change(session, alert, "resolved", note=reason)
        closed.append(alert)
    return closed
