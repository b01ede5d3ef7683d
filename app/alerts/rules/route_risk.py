"""ROUTE_RISK: a notification transits a country where its substance group keeps being seized.

A notification N fires for each transit country T and substance group (family) F it holds when at
least `count` seizures or stopped shipments holding F occurred in T (the incident's `country`)
within `window_days` before N's shipping date (dispatch date, else notification date), bounds
inclusive. Illicit laboratories, thefts and suspicious orders are not interdictions on a route
and do not count.

Key: `<N.id>:<T>:<F>`; the seizures are evidence lines, and a later seizure that joins the count
updates the alert.

Bounds (applied by runners/route.py, the same for every store size): at most the 20 (or
`count`) latest seizures per transit country and group within the window are counted and listed,
and a seizure stored after the notifications it concerns is evaluated against the 20 earliest.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import NotificationFacts, SeizureFacts

CODE = "ROUTE_RISK"
CANDIDATES = 20  # notifications an incident is evaluated against, the earliest after it
EVIDENCE = 20  # incidents counted and listed per transit country and group, the latest
COUNTED_TYPES = frozenset({"seizure", "stopped_shipment"})


def families(s: SeizureFacts) -> set[str]:
    """Return the substance groups an incident holds."""
    return {i.family for i in s.items}


def route(family: str, country: str) -> str:
    """A route's name: a substance group in a country."""
    return f"{family}:{country}"


def marks(record: NotificationFacts | SeizureFacts) -> set[tuple[str, date]]:
    """Where a record stands on the routes the rule looks through, dated: a notification in
    each transit country on its shipping date, a counted incident in its country on its date."""
    if isinstance(record, NotificationFacts):
        countries = set(record.transit_countries)
        groups = {i.family for i in record.items}
        return {(route(f, c), record.shipped_on) for f in groups for c in countries}
    if record.type not in COUNTED_TYPES:
        return set()
    return {(route(f, record.country), record.occurred_on) for f in families(record)}


def evaluate(
    notification: NotificationFacts, seizures: Sequence[SeizureFacts], params: dict[str, Any]
) -> list[Firing]:
    """Fire once per (transit country, substance group) with enough recent seizures."""
    n = notification
    count = int(params["count"])
    window = int(params["window_days"])
    last = n.shipped_on
    first = last - timedelta(days=window)
    relevant = {
        s.id: s for s in seizures if s.type in COUNTED_TYPES and first <= s.occurred_on <= last
    }
    firings = []
    for country in sorted(set(n.transit_countries)):
        for family in sorted({i.family for i in n.items}):
            hits = sorted(
                (s for s in relevant.values() if s.country == country and family in families(s)),
                key=lambda s: (s.occurred_on, s.reference, s.id),
            )
            if len(hits) >= count:
                firings.append(_firing(n, country, family, hits, window))
    return firings


def _firing(
    n: NotificationFacts, country: str, family: str, hits: list[SeizureFacts], window: int
) -> Firing:
    items = [i for i in n.items if i.family == family]
    substances = ", ".join(sorted({i.substance_code for i in items}))
    projects = {i.project for i in items if i.project}
    evidence = []
    for s in hits:
        kg = sum(i.base_mg for i in s.items if i.family == family) / 1e6
        held = ", ".join(sorted({i.substance_code for i in s.items if i.family == family}))
        detail = (
            f"{s.type.replace('_', ' ')} {s.reference} in {country} on {s.occurred_on}: "
            f"{kg:g} kg {held}"
        )
        evidence.append(Evidence("seizure_in_transit_country", detail, 1.0))
    title = f"Notification {n.reference} transits {country}, where {family} was seized"
    summary = (
        f"{len(hits)} seizures of the {family} group in {country} in the {window} days "
        f"before shipment on {n.shipped_on}; notification {n.reference} ({substances}) "
        f"from {n.exporting_country} to {n.importing_country} transits {country}"
    )
    return Firing(
        rule=CODE,
        key=f"{n.id}:{country}:{family}",
        severity="medium",
        title=title[:300],
        summary=summary,
        countries=n.countries,
        project=min(projects) if projects else None,
        notifications=(n.id,),
        seizures=tuple(s.id for s in hits),
        evidence=tuple(evidence),
    )
