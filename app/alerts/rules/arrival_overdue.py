"""ARRIVAL_OVERDUE: a notified consignment was never confirmed as arrived.

The deadline is `expected_arrival_date + grace_days`; without an expected arrival date it is the
shipping date (dispatch date, else the notification date) `+ no_eta_days`. The rule is evaluated
on the sweep's `as_of` date and the notification's own dates only; the deadline day itself is still
in time. Withdrawn notifications and those the importing country objected to are not expected to
arrive.
"""

from datetime import date, timedelta
from typing import Any

from app.alerts.rules.base import Evidence, Firing, Severity
from app.records.facts import NotificationFacts

CODE = "ARRIVAL_OVERDUE"
SEVERITY: Severity = "high"


def deadline(notification: NotificationFacts, params: dict[str, Any]) -> date:
    """Return the last day on which the arrival is still in time."""
    n = notification
    if n.expected_arrival_date is not None:
        return n.expected_arrival_date + timedelta(days=int(params["grace_days"]))
    return n.shipped_on + timedelta(days=int(params["no_eta_days"]))


def evaluate(notification: NotificationFacts, as_of: date, params: dict[str, Any]) -> list[Firing]:
    """Fire when `as_of` is past the arrival deadline and no arrival was recorded."""
    n = notification
    if n.received_on is not None or n.withdrawn or n.decision == "objection":
        return []
    due = deadline(n, params)
    if as_of <= due:
        return []
    if n.expected_arrival_date is not None:
        basis = Evidence(
            "expected_arrival_date",
            f"expected {n.expected_arrival_date}; {int(params['grace_days'])} days' grace "
            f"ended {due}",
        )
    else:
        shipped = "dispatched" if n.dispatch_date is not None else "notified (no dispatch date)"
        basis = Evidence(
            "dispatch_date",
            f"{shipped} {n.shipped_on}, no expected arrival date; "
            f"{int(params['no_eta_days'])} days ended {due}",
        )
    projects = {i.project for i in n.items if i.project}
    kg = sum(i.base_mg for i in n.items) / 1e6
    substances = ", ".join(sorted({i.substance_code for i in n.items})) or "no substance"
    return [
        Firing(
            rule=CODE,
            key=n.id,
            severity=SEVERITY,
            title=f"No arrival confirmed for notification {n.reference} by {due}",
            summary=(
                f"{kg:g} kg {substances} notified from {n.exporting_country} to "
                f"{n.importing_country} ({n.reference}) has no confirmed arrival; "
                f"due by {due}"
            ),
            countries=n.countries,
            project=min(projects) if projects else None,
            notifications=(n.id,),
            parties=tuple(sorted(n.party_ids())),
            evidence=(basis, Evidence("received_on", "no arrival reported")),
        )
    ]
