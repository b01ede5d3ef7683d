"""SEIZURE_CLUSTER: seizures that no notification explains share a party or an identifier.

For each shared value — a resolved party, a container, an air waybill, a bill of lading or an
invoice number — the seizures/incidents holding it that are not linked (above the link threshold)
to any notification form a cluster; `count` or more fire.

Key: `<key_type>:<value>` (e.g. `party:<party_id>`, `container:MSCU1234566`): the shared value
itself, so the cluster has the same identity whichever seizure arrived first, and a seizure that
joins later updates the alert (its subjects and evidence grow) instead of opening another.
When a notification later explains members (links them) so that fewer than `count` unlinked
seizures remain, the runner resolves the alert (closed as legitimate): the same records sent in
any order leave the same open alerts.
"""

from collections.abc import Mapping, Sequence, Set
from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import SeizureFacts

CODE = "SEIZURE_CLUSTER"
PARTY = "party"
KEY_TYPES = (PARTY, "container", "air_waybill", "bill_of_lading", "invoice")
WEIGHTS = {PARTY: 2.0, "container": 4.0, "air_waybill": 4.0, "bill_of_lading": 3.0, "invoice": 2.0}
LABELS = {
    PARTY: "party",
    "container": "container",
    "air_waybill": "air waybill",
    "bill_of_lading": "bill of lading",
    "invoice": "invoice",
}


def holds(s: SeizureFacts, key_type: str, value: str) -> bool:
    """Tell whether an incident carries the value."""
    if key_type == PARTY:
        return any(p.party_id == value for p in s.parties)
    return (key_type, value) in s.identifiers


def evaluate(
    shared: Mapping[tuple[str, str], Sequence[SeizureFacts]],
    linked: Set[str],
    params: dict[str, Any],
) -> list[Firing]:
    """Fire once per shared value held by at least `count` unlinked seizures."""
    count = int(params["count"])
    firings = []
    for (key_type, value), members in sorted(shared.items()):
        if key_type not in KEY_TYPES:
            continue
        cluster = sorted(
            {s.id: s for s in members if s.id not in linked and holds(s, key_type, value)}.values(),
            key=lambda s: (s.occurred_on, s.reference, s.id),
        )
        if len(cluster) >= max(count, 2):
            firings.append(_firing(key_type, value, cluster))
    return firings


def _firing(key_type: str, value: str, cluster: list[SeizureFacts]) -> Firing:
    if key_type == PARTY:
        names = sorted({p.name for s in cluster for p in s.parties if p.party_id == value})
        shown = names[0] if names else value
    else:
        shown = value
    label = LABELS[key_type]
    evidence = []
    for s in cluster:
        roles = sorted({p.role for p in s.parties if p.party_id == value})
        how = f" as {'/'.join(roles)}" if roles else ""
        substances = ", ".join(sorted({i.substance_code for i in s.items}))
        detail = (
            f"{s.type.replace('_', ' ')} {s.reference} in {s.country} on {s.occurred_on} "
            f"({substances}){how}"
        )
        evidence.append(Evidence(key_type, detail, WEIGHTS[key_type]))
    projects = {i.project for s in cluster for i in s.items if i.project}
    countries = frozenset(c for s in cluster for c in s.countries)
    first, last = cluster[0].occurred_on, cluster[-1].occurred_on
    title = f"{len(cluster)} seizures not linked to any notification share {label} {shown}"
    summary = (
        f"{len(cluster)} incidents between {first} and {last} in "
        f"{', '.join(sorted({s.country for s in cluster}))} share {label} {shown} and match "
        "no notification: " + ", ".join(s.reference for s in cluster)
    )
    return Firing(
        rule=CODE,
        key=f"{key_type}:{value}",
        severity="high",
        title=title[:300],
        summary=summary,
        countries=countries,
        project=min(projects) if projects else None,
        seizures=tuple(s.id for s in cluster),
        parties=(value,) if key_type == PARTY else (),
        evidence=tuple(evidence),
    )
