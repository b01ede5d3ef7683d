"""SEIZURE_MATCHES_NOTIFICATION: a seizure traced back to a notified consignment."""

from datetime import timedelta
from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import LinkFacts, NotificationFacts, SeizureFacts

CODE = "SEIZURE_MATCHES_NOTIFICATION"


def evaluate(
    seizure: SeizureFacts, notification: NotificationFacts, link: LinkFacts, params: dict[str, Any]
) -> list[Firing]:
    """Fire for a linked pair within the window; critical after an objection or an arrival."""
    if not link.linked:
        return []
    if seizure.occurred_on > notification.shipped_on + timedelta(days=int(params["window_days"])):
        return []
    diverted_after_import = notification.received_on is not None
    critical = notification.decision == "objection" or diverted_after_import
    reason = (
        "after an objection"
        if notification.decision == "objection"
        else "after arrival (diversion after import)"
        if diverted_after_import
        else None
    )
    kg = sum(i.base_mg for i in seizure.items) / 1e6
    substances = ", ".join(sorted({i.substance_code for i in seizure.items}))
    strong = [e for e in link.evidence if e[2] > 0]
    summary = (
        f"{kg:g} kg {substances} seized in {seizure.country} on {seizure.occurred_on}; "
        + ", ".join(f"{f} ({d})" for f, d, _ in strong[:4])
        + (f"; {reason}" if reason else "")
    )
    projects = {i.project for i in notification.items if i.project}
    return [
        Firing(
            rule=CODE,
            key=f"{seizure.id}:{notification.id}",
            severity="critical" if critical else "high",
            title=f"Seizure {seizure.reference} matches notification {notification.reference}",
            summary=summary,
            countries=seizure.countries | notification.countries,
            project=min(projects) if projects else None,
            notifications=(notification.id,),
            seizures=(seizure.id,),
            parties=tuple(sorted({p.party_id for p in seizure.parties})),
            score=link.score,
            evidence=tuple(Evidence(f, d, w) for f, d, w in link.evidence),
        )
    ]
