"""REPLY_OVERDUE: the importing country has not answered a notification by its reply due date.

Silence is never consent: an exporter must not treat a missing reply as a no-objection. The sweep
evaluates this rule on the sweep's `as_of` date and the notification's own dates only, so a sweep
run for a past date over history loaded later gives the alert that a live sweep would have given.
"""

from datetime import date
from typing import Any

from app.alerts.rules.base import Evidence, Firing, Severity
from app.records.facts import NotificationFacts

CODE = "REPLY_OVERDUE"
SEVERITY: Severity = "medium"


def evaluate(notification: NotificationFacts, as_of: date, params: dict[str, Any]) -> list[Firing]:
    """Fire when `as_of` is past the reply due date and no reply was recorded (not withdrawn).

    The due date itself is still in time: a reply on the due date is not overdue.
    """
    del params
    n = notification
    if n.decision is not None or n.withdrawn or as_of <= n.reply_due_date:
        return []
    projects = {i.project for i in n.items if i.project}
    substances = ", ".join(sorted({i.substance_code for i in n.items})) or "no substance"
    evidence = [
        Evidence("reply_due_date", f"{n.reply_due_date} passed without a reply"),
        Evidence("importing_country", f"{n.importing_country} has not replied"),
    ]
    if n.dispatch_date is not None:
        evidence.append(Evidence("dispatch_date", f"dispatch planned for {n.dispatch_date}"))
    return [
        Firing(
            rule=CODE,
            key=n.id,
            severity=SEVERITY,
            title=f"No reply to notification {n.reference} by {n.reply_due_date}",
            summary=(
                f"{n.importing_country} has not replied to notification {n.reference} "
                f"({substances}, {n.exporting_country} to {n.importing_country}) "
                f"due by {n.reply_due_date}; silence is not consent"
            ),
            countries=n.countries,
            project=min(projects) if projects else None,
            notifications=(n.id,),
            parties=tuple(sorted(n.party_ids())),
            evidence=tuple(evidence),
        )
    ]
