"""Rules over links: SEIZURE_MATCHES_NOTIFICATION and SUBSTANCE_MISMATCH."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.rules import seizure_matches_notification, substance_mismatch
from app.alerts.rules.base import Firing
from app.alerts.runners.base import Event, Registration, Trigger
from app.ingest import facts
from app.notifications.models import KIND as NOTIFICATION
from app.seizures.models import KIND as SEIZURE

TRIGGERS: frozenset[Trigger] = frozenset({"notification", "seizure", "reply", "arrival", "status"})


def _runner(module: Any) -> Any:
    async def run(session: AsyncSession, event: Event, params: dict[str, Any]) -> list[Firing]:
        if event.record_id is None:
            return []
        kind = SEIZURE if event.trigger == "seizure" else NOTIFICATION
        found = [link for link in await facts.links(session, kind, event.record_id) if link.linked]
        seizures = await facts.seizures(session, {link.seizure_id for link in found})
        notifications = await facts.notifications(session, {link.notification_id for link in found})
        firings: list[Firing] = []
        for link in found:
            s, n = seizures.get(link.seizure_id), notifications.get(link.notification_id)
            if s is not None and n is not None:
                firings += module.evaluate(s, n, link, params)
        return firings

    return run


REGISTRATIONS = [
    Registration(
        seizure_matches_notification.CODE, TRIGGERS, _runner(seizure_matches_notification)
    ),
    Registration(substance_mismatch.CODE, TRIGGERS, _runner(substance_mismatch)),
]
