"""Turn firings into alerts without twins (`app.alerts.feed` numbers their changes)."""

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.feed import alert_out, note_change
from app.alerts.models import Alert, AlertFingerprint, RecordAlert
from app.alerts.repository import ALERTS_BY_ID
from app.alerts.rules.base import SEVERITIES, Firing
from app.alerts.schemas import AlertOut
from app.auth.schemas import Principal
from app.ingest.kept import kept
from app.kit import deferred
from app.kit.sql import insert_ignoring


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


_CREATED = "created_alert"  # kept (`app.ingest.kept`): an alert this transaction created, by id
_LOCK = (
    select(AlertFingerprint)
    .where(AlertFingerprint.fingerprint.in_(bindparam("fingerprints", expanding=True)))
    .order_by(AlertFingerprint.fingerprint)
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def _read_locked(session: AsyncSession, alert_ids: Collection[str]) -> None:
    """Read the alerts whose fingerprints this transaction just locked. A copy that the session
    loaded before the lock (a replay lists the alerts its record raised) may be stale: read it
    again, unless this transaction created or changed it already (then it holds the lock)."""
    stale = []
    created = kept(session)
    for alert_id in alert_ids:
        if (_CREATED, alert_id) in created:
            continue
        cached = session.identity_map.get(session.identity_key(Alert, alert_id))
        if cached is None or cached not in session.dirty:
            stale.append(alert_id)
    if stale:
        await session.execute(ALERTS_BY_ID, {"ids": stale})


async def lock_alert(session: AsyncSession, alert: Alert) -> Alert:
    """Take the alert's fingerprint lock until commit, as a firing does, and re-read the alert.

    Triage must check its If-Match and write under the same lock as the firings: otherwise two
    requests holding one ETag both win (a lost update, even a closed alert reopened), and a
    triage and a firing each write a snapshot the other's change is missing from."""
    await _claim(session, [alert.fingerprint])  # stored with the alert: it is locked, not claimed
    await session.refresh(alert)
    return alert


async def _claim(
    session: AsyncSession, fingerprints: Iterable[str]
) -> tuple[dict[str, str], dict[str, AlertFingerprint]]:
    """Claim the fingerprints never seen, each for the id of the alert about to be created (the
    insert holds the new row's lock until commit), then lock the rows of the others until commit,
    in fingerprint order as every writer does, so that two writers never wait for each other in
    a circle."""
    ordered = sorted(set(fingerprints))
    ids = {f: str(uuid.uuid4()) for f in ordered}
    rows = [{"fingerprint": f, "alert_id": ids[f]} for f in ordered]
    claim = insert_ignoring(session, AlertFingerprint.__table__, "fingerprint")
    claimed = set((await session.scalars(claim, rows)).all())
    known = [f for f in ordered if f not in claimed]
    locked: Iterable[AlertFingerprint] = (
        await session.scalars(_LOCK, {"fingerprints": known}) if known else []
    )
    return {f: ids[f] for f in claimed}, {row.fingerprint: row for row in locked}


async def apply(
    session: AsyncSession, firings: Sequence[Firing], modes: dict[str, str], now: datetime
) -> list[Alert]:
    """Create or update the alert of each firing; rules missing from `modes` are disabled."""
    firings = sorted((f for f in firings if f.rule in modes), key=lambda f: f.fingerprint)
    if not firings:
        return []
    claimed, rows = await _claim(session, (f.fingerprint for f in firings))
    await _read_locked(session, [r.alert_id for r in rows.values() if r.alert_id])
    changed: list[Alert] = []
    created: dict[str, Alert] = {}
    for firing in firings:
        row = rows.get(firing.fingerprint)
        current = created.get(firing.fingerprint)
        if current is None and row is not None and row.alert_id:
            # One this transaction created is where it left it, maybe not written yet.
            current = kept(session).get((_CREATED, row.alert_id))
            current = current or await session.get(Alert, row.alert_id)
        if current is not None and current.status != "closed":
            alert = _fired_again(session, current, firing, now)
        elif current is not None and current.resolution == "false_positive":
            alert = None
        else:
            alert_id = claimed.get(firing.fingerprint) or str(uuid.uuid4())
            alert = _created(alert_id, firing, modes[firing.rule], now, current)
            session.add(alert)
            created[firing.fingerprint] = kept(session)[(_CREATED, alert.id)] = alert
            if row is not None:
                row.alert_id = alert.id
            note_change(session, alert, "created")
        if alert is not None:
            changed.append(alert)
    return changed  # written with the set's others, before anything reads them (`deferred`)


def _created(
    alert_id: str, firing: Firing, mode: str, now: datetime, previous: Alert | None
) -> Alert:
    return Alert(
        id=alert_id,
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
        previous_alert_id=previous.id if previous else None,
        version=1,
        seq=0,
        first_seen_at=now,
        last_seen_at=now,
        created_at=now,
        updated_at=now,
    )


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
    """Keep which alerts a record's creation raised, so a replay can answer with them: written
    with the set's other rows (`deferred`), before any read of them and before the commit."""
    rows = [{"kind": kind, "record_id": record_id, "alert_id": a.id} for a in alerts]
    await deferred.insert_later(session, _RECORD_ALERTS, rows)


_RECORD_ALERTS = cast(Table, RecordAlert.__table__)
_RAISED_BY = (
    select(Alert)
    .where(
        Alert.id.in_(
            select(RecordAlert.alert_id).where(
                RecordAlert.kind == bindparam("kind"),
                RecordAlert.record_id == bindparam("record_id"),
            )
        )
    )
    .order_by(Alert.created_at, Alert.id)
)


async def raised_by(session: AsyncSession, kind: str, record_id: str) -> list[Alert]:
    """Return the alerts a record's creation raised, as they are now."""
    params = {"kind": kind, "record_id": record_id}
    return list((await session.scalars(_RAISED_BY, params)).all())


def visible_out(alerts: Sequence[Alert], principal: Principal) -> list[AlertOut]:
    """Render the alerts of an ingest response that the caller may see; alerts of rules in
    monitor mode are stored but left out (DESIGN.md 2.3), as from the default feed."""
    return [
        alert_out(a)
        for a in alerts
        if a.mode != "monitor" and principal.can_see(frozenset(a.countries))
    ]


_OPEN = (
    select(Alert.id, Alert.fingerprint)
    .where(
        Alert.fingerprint.in_(bindparam("fingerprints", expanding=True)), Alert.status != "closed"
    )
    .execution_options(**{deferred.STORED_ONLY: True})
)


async def resolve(
    session: AsyncSession,
    fingerprints: Sequence[str],
    reason: str,
    now: datetime,
    resolution: str = "legitimate",
) -> list[Alert]:
    """Close the open alerts of these fingerprints: their cause went away (`legitimate`), or
    the condition they reported ended (`cleared`)."""
    if not fingerprints:
        return []
    # Mostly none is open: the alerts this transaction created are looked at where they are,
    # so that the read need not write them first (they go in with the set's others).
    wanted = set(fingerprints)
    found = [
        (a.id, a.fingerprint)
        for a in session.new
        if isinstance(a, Alert) and a.fingerprint in wanted and a.status != "closed"
    ]
    found += (await session.execute(_OPEN, {"fingerprints": sorted(wanted)})).all()
    if not found:
        return []
    await _claim(session, (fp for _, fp in found))  # stored with their alerts: locked
    # Read again under the lock, as triage does: what is closed by now stays as it is.
    alerts = await session.scalars(
        ALERTS_BY_ID.order_by(Alert.fingerprint), {"ids": [i for i, _ in found]}
    )
    closed = []
    for alert in alerts.all():
        if alert.status == "closed":
            continue
        alert.status, alert.resolution = "closed", resolution
        alert.updated_at, alert.version = now, alert.version + 1
        note_change(session, alert, "resolved", note=reason)
        closed.append(alert)
    return closed
