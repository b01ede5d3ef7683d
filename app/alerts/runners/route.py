"""Runner of ROUTE_RISK, evaluated from both sides as the incident rules are (runners/incidents.py).

Bounds: an incident evaluates at most CANDIDATES notifications per substance group, the earliest
shipped after it through its country, each against what it would count itself: at most EVIDENCE
(or `count`, when larger) incidents of its transit country and group, the latest in its window.
A route with fewer records is evaluated exactly as without the bounds, and the records of a busy
one read cost the same as of a quiet one (`app.ingest.routes`).
"""

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.rules import route_risk
from app.alerts.rules.base import Firing
from app.alerts.runners.base import Event, Registration
from app.alerts.runners.incidents import notification, seizure
from app.ingest import facts, routes


async def run_route_risk(
    session: AsyncSession, event: Event, params: dict[str, Any]
) -> list[Firing]:
    """Notification: count the incidents in each transit country before shipment. Incident:
    evaluate the notifications transiting its country, shipped within the window after it."""
    days = timedelta(days=int(params["window_days"]))
    cap = routes.evidence_cap(int(params["count"]))
    if event.trigger == "notification":
        n = await notification(session, event)
        if n is None:
            return []
        windows = [routes.seizures_before(r, d, days, cap) for r, d in route_risk.marks(n)]
        found = await routes.read(session, windows)
        before = await facts.seizures(session, [i for w in windows for i in found[w]])
        return route_risk.evaluate(n, list(before.values()), params)
    if event.trigger != "seizure":
        return []
    s = await seizure(session, event)
    if s is None or s.type not in route_risk.COUNTED_TYPES:
        return []
    firings: list[Firing] = []
    for family in sorted(route_risk.families(s)):
        route = route_risk.route(family, s.country)
        after = routes.notifications_after(route, s.occurred_on, days, route_risk.CANDIDATES)
        through = await facts.notifications(session, (await routes.read(session, [after]))[after])
        # Each notification counted as it counts itself: the incidents of its own window.
        counted = {
            n.id: routes.seizures_before(route, n.shipped_on, days, cap) for n in through.values()
        }
        found = await routes.read(session, counted.values())
        held = await facts.seizures(session, [i for w in counted.values() for i in found[w]])
        for n in through.values():
            fired = route_risk.evaluate(
                n, [held[i] for i in found[counted[n.id]] if i in held], params
            )
            firings += [f for f in fired if f.key == f"{n.id}:{s.country}:{family}"]
    return firings


REGISTRATIONS: list[Registration] = [
    Registration(route_risk.CODE, frozenset({"notification", "seizure"}), run_route_risk),
]
