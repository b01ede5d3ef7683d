"""PARTY_IN_PRIOR_INCIDENT: a party of a notification was named in an earlier incident.

A notification N fires for each of its parties (any role, resolved party id) named in a seizure
or other incident (any type, any role) that occurred within `window_days` (3 years) before N's
notification date, bounds inclusive — the records' own dates, never the time they were received.

Key: `<N.id>:<party_id>` — one alert per notification and party; every incident is an evidence
line. Severity is critical when one of the incidents was an illicit laboratory (the party is
tied to manufacture, not only to trafficking), high otherwise.

Bounds (applied by runners/incidents.py, the same for every store size): at most the 20 latest
incidents per party within the window are evidence lines, and an incident stored after the
notifications it concerns is evaluated against the 20 earliest of them per party; a party named in
more records than PARTY_CAP is too common to fire at all.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from app.alerts.rules.base import Evidence, Firing, Severity
from app.records.facts import NotificationFacts, SeizureFacts

CODE = "PARTY_IN_PRIOR_INCIDENT"
CRITICAL_TYPES = frozenset({"illicit_laboratory"})
WEIGHTS = {
    "illicit_laboratory": 4.0,
    "seizure": 3.0,
    "stopped_shipment": 3.0,
    "theft": 2.0,
    "suspicious_order": 1.5,
}


def clip(text: str, size: int = 300) -> str:
    """Keep a title within its column."""
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def evaluate(
    notification: NotificationFacts, incidents: Sequence[SeizureFacts], params: dict[str, Any]
) -> list[Firing]:
    """Fire once per party of the notification named in an incident within the window."""
    n = notification
    last = n.notified_on
    first = last - timedelta(days=int(params["window_days"]))
    own = n.party_ids()
    found: dict[str, dict[str, SeizureFacts]] = defaultdict(dict)
    for s in incidents:
        if not first <= s.occurred_on <= last:
            continue
        for party_id in {p.party_id for p in s.parties} & own:
            found[party_id][s.id] = s
    return [_firing(n, party_id, list(found[party_id].values())) for party_id in sorted(found)]


def _firing(n: NotificationFacts, party_id: str, incidents: list[SeizureFacts]) -> Firing:
    incidents.sort(key=lambda s: (s.occurred_on, s.reference, s.id))
    name = next(p.name for p in n.parties if p.party_id == party_id)
    roles = "/".join(sorted({p.role for p in n.parties if p.party_id == party_id}))
    evidence = []
    countries = set(n.countries)
    for s in incidents:
        countries |= s.countries
        as_ = "/".join(sorted({p.role for p in s.parties if p.party_id == party_id}))
        substances = ", ".join(sorted({i.substance_code for i in s.items}))
        detail = (
            f"{s.type.replace('_', ' ')} {s.reference} in {s.country} on {s.occurred_on} "
            f"({substances}); named as {as_}"
        )
        evidence.append(Evidence(s.type, detail, WEIGHTS.get(s.type, 1.0)))
    severity: Severity = "critical" if any(s.type in CRITICAL_TYPES for s in incidents) else "high"
    projects = {i.project for i in n.items if i.project}
    latest = incidents[-1]
    return Firing(
        rule=CODE,
        key=f"{n.id}:{party_id}",
        severity=severity,
        title=clip(
            f"{name} ({roles} on notification {n.reference}) was named in "
            f"{len(incidents)} earlier incident(s)"
        ),
        summary=(
            f"{name}, {roles} on notification {n.reference} of {n.notified_on}, was named in "
            f"{len(incidents)} incident(s), latest {latest.type.replace('_', ' ')} "
            f"{latest.reference} in {latest.country} on {latest.occurred_on}"
        ),
        countries=frozenset(countries),
        project=min(projects) if projects else None,
        notifications=(n.id,),
        seizures=tuple(s.id for s in incidents),
        parties=(party_id,),
        evidence=tuple(evidence),
    )
