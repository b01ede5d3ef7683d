"""QUANTITY_SHORTFALL: the arrived quantity is below the notified one by more than a tolerance.

Compared per substance code in base mass (a salt counts for its base content). A notified
substance missing from the arrival counts as fully short. Substances that arrived but were not
notified are left to other rules. Severity is medium, high beyond `high_percent` (default 10).
"""

from decimal import Decimal
from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import NotificationFacts

CODE = "QUANTITY_SHORTFALL"
HIGH_PERCENT = 10


def evaluate(notification: NotificationFacts, params: dict[str, Any]) -> list[Firing]:
    """Fire when any notified substance arrived short by more than `tolerance_percent`."""
    n = notification
    if n.received_on is None:
        return []
    tolerance = Decimal(str(params["tolerance_percent"]))
    high = Decimal(str(params.get("high_percent", HIGH_PERCENT)))
    notified: dict[str, int] = {}
    arrived: dict[str, int] = {}
    projects: dict[str, str | None] = {}
    for item in n.items:
        notified[item.substance_code] = notified.get(item.substance_code, 0) + item.base_mg
        projects[item.substance_code] = item.project
    for item in n.arrival_items:
        arrived[item.substance_code] = arrived.get(item.substance_code, 0) + item.base_mg
    short: list[tuple[str, int, int, Decimal]] = []
    for code, want in sorted(notified.items()):
        got = arrived.get(code, 0)
        if want > 0 and (want - got) * 100 > tolerance * want:
            short.append((code, want, got, Decimal(want - got) * 100 / want))
    if not short:
        return []
    worst = max(p for *_, p in short)
    evidence = tuple(
        Evidence(
            "shortfall",
            f"{code}: {want / 1e6:g} kg base notified, {got / 1e6:g} kg arrived "
            f"({(want - got) / 1e6:g} kg short, {percent:.1f} %; tolerance {tolerance} %)",
            round(float(percent) / 100, 4),
        )
        for code, want, got, percent in short
    )
    codes = [code for code, *_ in short]
    found = {p for c in codes if (p := projects[c])}
    return [
        Firing(
            rule=CODE,
            key=n.id,
            severity="high" if worst > high else "medium",
            title=f"Notification {n.reference} arrived short: {', '.join(codes)}",
            summary=f"received in {n.importing_country} on {n.received_on}; "
            + "; ".join(e.detail for e in evidence),
            countries=n.countries,
            project=min(found) if found else None,
            notifications=(n.id,),
            score=round(float(worst) / 100, 4),
            evidence=evidence,
        )
    ]
