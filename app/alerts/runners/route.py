"""Runner of ROUTE_RISK, evaluated from both sides as the incident rules are (runners/incidents.py).

Bounds: a seizure evaluates at most CANDIDATES notifications per substance group, the earliest
shipped after it through its country; the evidence loaded is at most EVIDENCE (or `count`, when
larger) seizures per transit country and group, the latest within the window. A route with
fewer records is evaluated exactly as without the bounds.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.rules import route_risk
from app.alerts.rules.base import Firing
from app.alerts.runners.base import Event, Registration
from app.alerts.runners.incidents import CANDIDATES, EVIDENCE, notification, seizure
from app.ingest import buckets as lookup
from app.ingest import facts


async def run_route_risk(
    session: AsyncSession, event: Event, params: dict[str, Any]
) -> list[Firing]:
    """Notification: count the seizures in each transit country before shipment. Seizure:
    evaluate the notifications transiting its country, shipped within the window after it."""
    window = timedelta(days=int(params["window_days"]))
    counted = route_risk.COUNTED_TYPES
    cap = max(EVIDENCE, int(params["count"]))  # never fewer than the rule needs to fire
    if event.trigger == "notification":
        n = await notification(session, event)
        if n is None or not n.transit_countries:
            return []
        ids: list[str] = []
        for country in sorted(set(n.transit_countries)):
            for family in sorted({i.family for i in n.items}):
                first = n.shipped_on - window
                ids += await lookup.seizures_in(
                    session, country, [family], first, n.shipped_on, counted, cap
                )
        before = await facts.seizures(session, ids)
        return route_risk.evaluate(n, list(before.values()), params)
    if event.trigger != "seizure":
        return []
    s = await seizure(session, event)
    if s is None or s.type not in counted:
        return []
    firings: list[Firing] = []
    for family in sorted(route_risk.families(s)):
        found = await lookup.notifications_through(
            session, s.country, [family], s.occurred_on, s.occurred_on + window, CANDIDATES
        )
        if not found:
            continue
        notifications = await facts.notifications(session, found)
        shipped = [n.shipped_on for n in notifications.values()] or [s.occurred_on]
        nearby = await lookup.seizures_in(
            session, s.country, [family], min(shipped) - window, max(shipped), counted, cap
        )
        seizures = list((await facts.seizures(session, nearby)).values())
        wanted = f"{s.country}:{family}"
        for n in notifications.values():
            fired = route_risk.evaluate(n, seizures, params)
            firings += [f for f in fired if f.key == f"{n.id}:{wanted}"]
    return firings


REGISTRATIONS: list[Registration] = [
    Registration(route_risk.CODE, frozenset({"notification", "seizure"}), run_route_risk),
]
