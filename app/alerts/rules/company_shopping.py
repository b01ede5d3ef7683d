"""COMPANY_SHOPPING: a refused importer turns to another exporter.

A notification N to an importer or consignee fires when that entity (resolved party id), within
`window_days` before N's notification date, was

- the importer or consignee of another notification M that drew an objection (dated by M's
  `replied_on`, or M's `notified_on` when no reply date is stored), or
- the importer or consignee named in a stopped shipment (`occurred_on`),

and that refusal came from a different exporter than N's (a stopped shipment that names no
exporter counts as different). All dates are the records' own, bounds inclusive.

Key: `<N.id>:<party_id>` — one alert per notification and refused entity, whatever the number
of refusals (each is an evidence line), so the same records in any order give the same alert.

Bounds (applied by runners/incidents.py, the same for every store size): at most the 20 latest
refusals per entity within the window are evidence lines, and a refusal stored after the
notifications it concerns is evaluated against the 20 earliest of them per entity.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import NotificationFacts, SeizureFacts

CODE = "COMPANY_SHOPPING"
ROLES = ("importer", "consignee")
STOPPED = "stopped_shipment"
WEIGHT = 3.0


def refusal_date(m: NotificationFacts) -> date:
    """Return the date an objection counts from."""
    return m.replied_on or m.notified_on


def seizure_party_ids(s: SeizureFacts, *roles: str) -> set[str]:
    """Return the entity ids of an incident's parties in these roles."""
    return {p.party_id for p in s.parties if p.role in roles}


def clip(text: str, size: int = 300) -> str:
    """Keep a title within its column."""
    return text if len(text) <= size else text[: size - 1] + "\u2026"


def _name(parties: Sequence[Any], party_id: str | None, default: str = "unknown") -> str:
    return next((p.name for p in parties if p.party_id == party_id), default)


def evaluate(
    notification: NotificationFacts,
    objections: Sequence[NotificationFacts],
    stopped: Sequence[SeizureFacts],
    params: dict[str, Any],
) -> list[Firing]:
    """Fire once per importer/consignee of the notification refused within the window."""
    n = notification
    last = n.notified_on
    first = last - timedelta(days=int(params["window_days"]))
    targets = n.party_ids(*ROLES)
    exporter = n.exporter_id
    found: dict[str, dict[str, tuple[date, str, NotificationFacts | SeizureFacts]]] = defaultdict(
        dict
    )
    for m in objections:
        if m.id == n.id or m.decision != "objection" or not first <= refusal_date(m) <= last:
            continue
        if exporter is not None and m.exporter_id == exporter:
            continue
        for party_id in m.party_ids(*ROLES) & targets:
            found[party_id][m.id] = (refusal_date(m), m.reference, m)
    for s in stopped:
        if s.type != STOPPED or not first <= s.occurred_on <= last:
            continue
        if exporter is not None and exporter in seizure_party_ids(s, "exporter"):
            continue
        for party_id in seizure_party_ids(s, *ROLES) & targets:
            found[party_id][s.id] = (s.occurred_on, s.reference, s)
    return [_firing(n, party_id, found[party_id], params) for party_id in sorted(found)]


def _firing(
    n: NotificationFacts,
    party_id: str,
    refusals: dict[str, tuple[date, str, NotificationFacts | SeizureFacts]],
    params: dict[str, Any],
) -> Firing:
    name = _name(n.parties, party_id)
    roles = "/".join(sorted({p.role for p in n.parties if p.party_id == party_id}))
    exporter = _name(n.parties, n.exporter_id)
    evidence = []
    countries = set(n.countries)
    notifications, seizures = [n.id], []
    for when, _, record in sorted(refusals.values(), key=lambda r: (r[0], r[1], r[2].id)):
        countries |= record.countries
        if isinstance(record, NotificationFacts):
            notifications.append(record.id)
            other = _name(record.parties, record.exporter_id)
            detail = (
                f"objection by {record.importing_country} on {when} to notification "
                f"{record.reference} from exporter {other} ({record.exporting_country})"
            )
            evidence.append(Evidence("objection", detail, WEIGHT))
        else:
            seizures.append(record.id)
            exporters = sorted({p.name for p in record.parties if p.role == "exporter"})
            detail = f"stopped shipment {record.reference} in {record.country} on {when}" + (
                f" from exporter {', '.join(exporters)}" if exporters else ""
            )
            evidence.append(Evidence("stopped_shipment", detail, WEIGHT))
    evidence.append(
        Evidence("other_exporter", f"now notified by exporter {exporter} ({n.exporting_country})")
    )
    projects = {i.project for i in n.items if i.project}
    kinds = sorted({e.feature for e in evidence[:-1]})
    what = " and ".join(
        "refused" if k == "objection" else "named in a stopped shipment" for k in kinds
    )
    window = int(params["window_days"])
    return Firing(
        rule=CODE,
        key=f"{n.id}:{party_id}",
        severity="high",
        title=clip(
            f"{name} ({roles}) {what} within {window} days, "
            f"notified by another exporter in {n.reference}"
        ),
        summary=(
            f"{name}, {roles} on notification {n.reference} of {n.notified_on} from exporter "
            f"{exporter}, was {what} in the previous {window} days "
            f"({len(refusals)} record(s), other exporters)"
        ),
        countries=frozenset(countries),
        project=min(projects) if projects else None,
        notifications=tuple(notifications),
        seizures=tuple(seizures),
        parties=(party_id,),
        evidence=tuple(evidence),
    )
