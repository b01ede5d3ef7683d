"""MISSING_ALR: a notification of an ALR-tracked substance to a country with no ALR on file.

"On file" means in force for the year of `notified_on`: set for that year or an earlier one. An
ALR set later does not withdraw the alert (rules never un-fire); it is evaluated when the
notification is created.
"""

from collections.abc import Set
from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import NotificationFacts

CODE = "MISSING_ALR"


def evaluate(
    notification: NotificationFacts, alr_on_file: Set[str], params: dict[str, Any]
) -> list[Firing]:
    """Fire once per ALR-tracked substance of the notification with no ALR in force."""
    del params
    n = notification
    year = n.notified_on.year
    base_mg: dict[str, int] = {}
    projects: dict[str, str | None] = {}
    for item in n.items:
        if item.alr_tracked and item.substance_code not in alr_on_file:
            base_mg[item.substance_code] = base_mg.get(item.substance_code, 0) + item.base_mg
            projects[item.substance_code] = item.project
    return [
        Firing(
            rule=CODE,
            key=f"{n.id}:{code}",
            severity="medium",
            title=f"Notification {n.reference}: {n.importing_country} has no ALR for {code}",
            summary=(
                f"{mg / 1e6:g} kg base {code} notified to {n.importing_country} on "
                f"{n.notified_on}; no annual legitimate requirement is on file for {year}"
            ),
            countries=n.countries,
            project=projects[code],
            notifications=(n.id,),
            evidence=(
                Evidence("substance", f"{code} is ALR-tracked; {mg / 1e6:g} kg base notified"),
                Evidence("alr", f"no ALR of {n.importing_country} for {code} in force in {year}"),
            ),
        )
        for code, mg in sorted(base_mg.items())
    ]
