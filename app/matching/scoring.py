"""Weighted-evidence scoring of a (seizure, notification) pair, in the Fellegi-Sunter spirit.

Each feature adds its log-odds weight when it agrees and subtracts when it contradicts; the sum,
shifted by a prior for a random pair, goes through a logistic curve to a score in [0, 1].
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from app.records.facts import NotificationFacts, SeizureFacts

PRIOR = -8.0
LINK_THRESHOLD = 0.7
STORE_THRESHOLD = 0.2
WINDOW_DAYS = 365
EARLY_TOLERANCE_DAYS = 30

WEIGHTS = {
    "container": 9.0,
    "air_waybill": 9.0,
    "bill_of_lading": 7.0,
    "invoice": 5.0,
    "consignee": 4.0,
    "exporter": 3.0,
    "other_party": 1.5,
    "substance": 2.0,
    "substance_family": 1.0,
    "substance_differs": -3.0,
    "origin": 1.0,
    "destination": 1.0,
    "on_route": 1.0,
    "origin_contradicts": -1.5,
    "date_close": 1.5,
    "date_window": 0.5,
    # Outside the window the pair cannot be the source, whatever else agrees.
    "date_outside_window": -20.0,
    "quantity_close": 1.5,
    "quantity_within": 0.3,
    "quantity_exceeds": -4.0,
    "quantity_impossible": -10.0,
    "receiver_differs": -5.0,
}
RECEIVING_ROLES = {"importer", "consignee"}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One feature's contribution to a score."""

    feature: str
    detail: str
    weight: float


@dataclass(frozen=True, slots=True)
class Score:
    """A pair's score in [0, 1] with its evidence."""

    score: float
    evidence: tuple[Evidence, ...]

    @property
    def linked(self) -> bool:
        """Tell whether the pair is above the link threshold."""
        return self.score >= LINK_THRESHOLD


def _identifiers(s: SeizureFacts, n: NotificationFacts) -> list[Evidence]:
    shared = sorted(s.identifiers & n.identifiers)
    out = [Evidence(t, f"{v} on both", WEIGHTS[t]) for t, v in shared if t == "container"][:1]
    out += [
        Evidence(f, f"{v} on both", WEIGHTS[f])
        for f in ("air_waybill", "bill_of_lading", "invoice")
        for t, v in shared
        if t == f
    ]
    return out


def _parties(s: SeizureFacts, n: NotificationFacts) -> list[Evidence]:
    notified = {p.party_id: p.role for p in n.parties}
    out: dict[str, Evidence] = {}
    for p in s.parties:
        role = notified.get(p.party_id)
        if role is None:
            continue
        if role in RECEIVING_ROLES and (p.role in RECEIVING_ROLES or p.role == "other"):
            feature = "consignee"
        elif role == "exporter" and p.role in {"exporter", "other"}:
            feature = "exporter"
        else:
            feature = "other_party"
        out.setdefault(
            feature, Evidence(feature, f"{p.role} is the notified {role}", WEIGHTS[feature])
        )
    receivers = {pid for pid, role in notified.items() if role in RECEIVING_ROLES}
    named = {p.party_id for p in s.parties if p.role in RECEIVING_ROLES}
    if named and receivers and not named & receivers:
        detail = "the seizure names another importer or consignee"
        out["receiver_differs"] = Evidence("receiver_differs", detail, WEIGHTS["receiver_differs"])
    return list(out.values())


def _substance(s: SeizureFacts, n: NotificationFacts) -> list[Evidence]:
    codes = {i.substance_code for i in n.items}
    families = {i.family for i in n.items}
    seized = {i.substance_code for i in s.items}
    if seized & codes:
        return [Evidence("substance", ", ".join(sorted(seized & codes)), WEIGHTS["substance"])]
    if {i.family for i in s.items} & families:
        shared = ", ".join(sorted({i.family for i in s.items} & families))
        return [Evidence("substance_family", f"same family: {shared}", WEIGHTS["substance_family"])]
    detail = f"seized {', '.join(sorted(seized))}; notified {', '.join(sorted(codes))}"
    return [Evidence("substance_differs", detail, WEIGHTS["substance_differs"])]


def _route(s: SeizureFacts, n: NotificationFacts) -> list[Evidence]:
    route = {n.exporting_country, n.importing_country, *n.transit_countries}
    out = []
    if s.origin_country == n.exporting_country:
        out.append(Evidence("origin", f"stated origin {s.origin_country}", WEIGHTS["origin"]))
    elif s.origin_country and s.origin_country not in route:
        detail = f"stated origin {s.origin_country}, notified from {n.exporting_country}"
        out.append(Evidence("origin_contradicts", detail, WEIGHTS["origin_contradicts"]))
    if s.destination_country == n.importing_country:
        detail = f"destination {s.destination_country}"
        out.append(Evidence("destination", detail, WEIGHTS["destination"]))
    if s.country in route:
        out.append(
            Evidence("on_route", f"seized in {s.country}, on the route", WEIGHTS["on_route"])
        )
    return out


def _dates(s: SeizureFacts, n: NotificationFacts) -> list[Evidence]:
    shipped = n.shipped_on
    days = (s.occurred_on - shipped).days
    if s.occurred_on < shipped - timedelta(days=EARLY_TOLERANCE_DAYS):
        detail = f"seized {-days} days before dispatch"
        return [Evidence("date_outside_window", detail, WEIGHTS["date_outside_window"])]
    if days > WINDOW_DAYS:
        detail = f"seized {days} days after dispatch"
        return [Evidence("date_outside_window", detail, WEIGHTS["date_outside_window"])]
    if days <= 90:
        return [Evidence("date_close", f"seized {days} days after dispatch", WEIGHTS["date_close"])]
    return [Evidence("date_window", f"seized {days} days after dispatch", WEIGHTS["date_window"])]


def _quantity(s: SeizureFacts, n: NotificationFacts) -> list[Evidence]:
    families = {i.family for i in s.items}
    seized = sum(i.base_mg for i in s.items if i.family in families)
    notified = sum(i.base_mg for i in n.items if i.family in families)
    if not seized or not notified:
        return []
    ratio = seized / notified
    detail = f"seized {ratio:.0%} of the notified base mass"
    if ratio > 3:
        return [Evidence("quantity_impossible", detail, WEIGHTS["quantity_impossible"])]
    if ratio > 1.5:
        return [Evidence("quantity_exceeds", detail, WEIGHTS["quantity_exceeds"])]
    if 0.5 <= ratio <= 1.05:
        return [Evidence("quantity_close", detail, WEIGHTS["quantity_close"])]
    return [Evidence("quantity_within", detail, WEIGHTS["quantity_within"])] if ratio < 0.5 else []


def score_pair(s: SeizureFacts, n: NotificationFacts) -> Score:
    """Score how likely a seizure came from a notified consignment, with the evidence."""
    evidence = [
        *_identifiers(s, n),
        *_parties(s, n),
        *_substance(s, n),
        *_route(s, n),
        *_dates(s, n),
        *_quantity(s, n),
    ]
    total = PRIOR + sum(e.weight for e in evidence)
    return Score(round(1 / (1 + math.exp(-total)), 4), tuple(evidence))
