"""ARRIVAL_AFTER_OBJECTION: an arrival is reported on a notification that had an objection.

Both orders fire: the arrival reported after the objection, and an objection posted after the
arrival was recorded (the goods arrived although the importing country refused them).
"""

from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import NotificationFacts

CODE = "ARRIVAL_AFTER_OBJECTION"


def evaluate(notification: NotificationFacts, params: dict[str, Any]) -> list[Firing]:
    """Fire when the notification was objected to and has arrived, whatever came first."""
    del params
    n = notification
    if n.decision != "objection" or n.received_on is None:
        return []
    evidence = [
        Evidence("objection", f"{n.importing_country} objected on {n.replied_on}", 1.0),
        Evidence("arrival", f"arrival received on {n.received_on}", 1.0),
    ]
    if n.replied_on is not None and n.replied_on > n.received_on:
        evidence.append(
            Evidence("order", "the objection is dated after the arrival was received", 0.5)
        )
    kg = sum(i.base_mg for i in n.arrival_items) / 1e6
    substances = ", ".join(sorted({i.substance_code for i in n.arrival_items})) or "goods"
    projects = {i.project for i in (*n.items, *n.arrival_items) if i.project}
    return [
        Firing(
            rule=CODE,
            key=n.id,
            severity="critical",
            title=f"Notification {n.reference} arrived although {n.importing_country} objected",
            summary=(
                f"{kg:g} kg base {substances} received in {n.importing_country} on "
                f"{n.received_on}; objection of {n.replied_on}"
            ),
            countries=n.countries,
            project=min(projects) if projects else None,
            notifications=(n.id,),
            evidence=tuple(evidence),
        )
    ]
