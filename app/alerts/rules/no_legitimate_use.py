"""NO_LEGITIMATE_USE: a notification of a substance that has no known legitimate use."""

from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import NotificationFacts

CODE = "NO_LEGITIMATE_USE"


def evaluate(notification: NotificationFacts, params: dict[str, Any]) -> list[Firing]:
    """Fire once per notification naming any designer precursor."""
    del params
    n = notification
    flagged = [i for i in n.items if i.no_legitimate_use]
    if not flagged:
        return []
    codes = sorted({i.substance_code for i in flagged})
    projects = {i.project for i in flagged if i.project}
    return [
        Firing(
            rule=CODE,
            key=n.id,
            severity="critical",
            title=f"Notification {n.reference} names {', '.join(codes)}, with no legitimate use",
            summary=(
                f"{n.exporting_country} notified {', '.join(codes)} to {n.importing_country} on "
                f"{n.notified_on}: a designer precursor with no known legitimate use"
            ),
            countries=n.countries,
            project=min(projects) if projects else None,
            notifications=(n.id,),
            evidence=tuple(
                Evidence(
                    "no_legitimate_use",
                    f"{i.substance_code}: {i.base_mg / 1e6:g} kg base notified",
                    round(i.base_mg / 1e6, 3),
                )
                for i in flagged
            ),
        )
    ]
