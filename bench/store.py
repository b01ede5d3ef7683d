"""Store drafts in bulk with COPY: the rows the services would write, keys computed by the app.

The correlation keys are not guessed: each draft becomes the facts (`app.records.facts`) the
correlation service would see for it (ignored values removed the same way), and
`app.matching.keys.notification_keys/seizure_keys` produce the keys. Seizures taken from a
notification also get the link the service would store (`score_pair`), so the links table is not
empty; weaker chance links between unrelated records are not computed in bulk.
"""

import json
import sys
from collections import defaultdict
from collections.abc import Set as AbstractSet
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any

from app.correlation.service import LINKED_ROLE
from app.identifiers import base_mg, net_mg, normalize_awb, normalize_container
from app.ingest import routes
from app.matching import keys as keyspace
from app.matching.keys import Key
from app.matching.names import normalize_name
from app.matching.scoring import STORE_THRESHOLD, score_pair
from app.notifications.schemas import NotificationCreate
from app.records.facts import ItemFacts, NotificationFacts, PartyFacts, SeizureFacts, item_facts
from app.seizures.schemas import SeizureCreate
from bench.world import Draft, Firm, Good

Row = tuple[Any, ...]
COLUMNS: dict[str, tuple[str, ...]] = {
    "parties": ("id", "name", "normalized_name", "country", "lei", "vat", "eori", "created_at"),
    "notifications": (
        "id", "authority_id", "reference", "status", "exporting_country", "importing_country",
        "transit_countries", "notified_on", "reply_due_date", "dispatch_date",
        "expected_arrival_date", "exit_point", "entry_point", "transport_mode", "containers",
        "bill_of_lading", "air_waybill", "invoice_number", "import_permit", "end_use", "decision",
        "decision_reason", "replied_on", "received_on", "suspended_at", "withdrawn_at", "request",
        "version", "created_at", "updated_at",
    ),
    "seizures": (
        "id", "authority_id", "reference", "type", "reporting_country", "occurred_on", "country",
        "place", "origin_country", "destination_country", "transit_countries", "containers",
        "bill_of_lading", "air_waybill", "invoice_number", "modus_operandi", "notes", "request",
        "version", "created_at", "updated_at",
    ),
    "record_items": (
        "kind", "record_id", "position", "substance", "substance_code", "form", "salt",
        "quantity", "unit", "concentration_percent", "dosage_units", "mg_per_unit",
        "declared_as", "net_mg", "base_mg",
    ),
    "record_parties": (
        "kind", "record_id", "position", "role", "name", "address", "country", "lei", "vat",
        "eori", "party_id",
    ),
    "record_countries": ("kind", "record_id", "country", "role"),
    "correlation_keys": ("kind", "record_id", "key_type", "value"),
    "route_marks": ("route", "kind", "day", "record_id"),
    "links": (
        "seizure_id", "notification_id", "score", "linked", "evidence", "created_at", "updated_at",
    ),
}  # fmt: skip
# Parents first, so foreign keys hold row by row.
ORDER = tuple(COLUMNS)[1:]
_HUNDRED = Decimal(100)


def _decimal_text(value: str) -> str:
    """The text the API stores for a decimal it received (canonical: 500, 99.5)."""
    d = Decimal(value).normalize()
    return str(d.quantize(Decimal(1)) if d == d.to_integral() else d)


def _defaults(model: Any) -> dict[str, Any]:
    out = {}
    for name, f in model.model_fields.items():
        if not f.is_required():
            out[name] = f.default_factory() if f.default_factory else f.default
    return out


def _at(day: Any, seconds: int) -> datetime:
    return datetime.combine(day, clock_time(8), UTC) + timedelta(seconds=seconds)


class Loader:
    """Turn drafts into table rows; party names and ignored values fixed at construction."""

    def __init__(
        self, firms: list[Firm], authorities: dict[str, str], ignored: AbstractSet[Key]
    ) -> None:
        self.authorities = authorities
        self.ignored = ignored
        self.normalized = {f.id: normalize_name(f.name)[:200] for f in firms}
        self._n_defaults = _defaults(NotificationCreate)
        self._s_defaults = _defaults(SeizureCreate)
        self._items: dict[tuple[str, int, str], tuple[int, int]] = {}

    def party_rows(self, firms: list[Firm], now: datetime) -> list[Row]:
        """Rows of the party entities."""
        return [
            (f.id, f.name, self.normalized[f.id], f.country, None, None, None, now) for f in firms
        ]

    # Views, exactly as app.correlation.service loads them (ignored values dropped).

    def _masses(self, good: Good, quantity: int, unit: str) -> tuple[int, int]:
        cached = self._items.get((good.code, quantity, unit))
        if cached is None:
            net = net_mg(Decimal(quantity), unit, density_g_per_ml=good.density)
            conc = Decimal(good.concentration) if good.concentration else _HUNDRED
            cached = net, base_mg(net, salt_factor=good.salt_factor, concentration_percent=conc)
            self._items[(good.code, quantity, unit)] = cached
        return cached

    def _item_facts(self, d: Draft) -> tuple[ItemFacts, ...]:
        return tuple(item_facts(g.code, *self._masses(g, q, u)) for g, q, u in d.items)

    def _party_facts(self, d: Draft) -> tuple[PartyFacts, ...]:
        return tuple(
            PartyFacts(role, f.id, f.name, f.country)
            for _, role, f in d.parties
            if ("party_name", self.normalized[f.id]) not in self.ignored
        )

    def _identifiers(self, d: Draft) -> frozenset[tuple[str, str]]:
        awb, bol, invoice = self._documents(d)
        found = {("container", c) for c in self._containers(d)}
        found |= {
            (t, v)
            for t, v in (("air_waybill", awb), ("bill_of_lading", bol), ("invoice", invoice))
            if v
        }
        return frozenset(found) - self.ignored

    def _containers(self, d: Draft) -> list[str]:
        return list(dict.fromkeys(normalize_container(c) for c in d.body.get("containers", [])))

    def _documents(self, d: Draft) -> tuple[str | None, str | None, str | None]:
        awb = d.body.get("air_waybill")
        return (
            normalize_awb(awb) if awb else None,
            d.body.get("bill_of_lading"),
            d.body.get("invoice_number"),
        )

    def notification_facts(self, d: Draft) -> NotificationFacts:
        """The facts the correlation service would see for a stored notification."""
        b = d.body
        notified_on = datetime.fromisoformat(b["notified_on"]).date()
        return NotificationFacts(
            id=d.id,
            reference=b["reference"],
            exporting_country=d.country,
            importing_country=b["importing_country"],
            transit_countries=tuple(b.get("transit_countries", [])),
            notified_on=notified_on,
            reply_due_date=notified_on,  # not what the app stores; correlation ignores it
            dispatch_date=datetime.fromisoformat(b["dispatch_date"]).date()
            if "dispatch_date" in b
            else None,
            items=self._item_facts(d),
            parties=self._party_facts(d),
            identifiers=self._identifiers(d),
        )

    def seizure_facts(self, d: Draft) -> SeizureFacts:
        """The facts the correlation service would see for a stored seizure."""
        b = d.body
        return SeizureFacts(
            id=d.id,
            reference=b["reference"],
            type=b["type"],
            reporting_country=d.country,
            country=b["country"],
            place=b.get("place"),
            occurred_on=datetime.fromisoformat(b["occurred_on"]).date(),
            origin_country=b.get("origin_country"),
            destination_country=b.get("destination_country"),
            transit_countries=tuple(b.get("transit_countries", [])),
            items=self._item_facts(d),
            parties=self._party_facts(d),
            identifiers=self._identifiers(d),
        )

    def keys(self, d: Draft) -> set[Key]:
        """The correlation keys the app stores for a draft."""
        if d.kind == "notification":
            return keyspace.notification_keys(self.notification_facts(d))
        return keyspace.seizure_keys(self.seizure_facts(d))

    # Rows.

    def rows(self, drafts: list[Draft]) -> dict[str, list[Row]]:
        """Rows of every table for a batch of drafts."""
        out: dict[str, list[Row]] = defaultdict(list)
        for d in drafts:
            if d.kind == "notification":
                self._notification(d, out)
            else:
                self._seizure(d, out)
        return out

    def _children(self, d: Draft, out: dict[str, list[Row]], keys: set[Key]) -> None:
        for position, ((good, quantity, unit), item) in enumerate(
            zip(d.items, d.body["items"], strict=True)
        ):
            net, base = self._masses(good, quantity, unit)
            conc = _decimal_text(good.concentration) if good.concentration else "100"
            form = "salt" if good.salt else "base"
            out["record_items"].append(
                (d.kind, d.id, position, good.substance, good.code, form, good.salt,
                 str(quantity), unit, conc, None, None, item.get("declared_as"), net, base)
            )  # fmt: skip
        for position, role, f in d.parties:
            address = f.address if position < 2 and d.kind == "notification" else None
            out["record_parties"].append(
                (d.kind, d.id, position, role, f.name, address, f.country, None, None, None, f.id)
            )
        out["correlation_keys"] += [(d.kind, d.id, t, v) for t, v in sorted(keys)]

    def _notification(self, d: Draft, out: dict[str, list[Row]]) -> None:
        b = d.body
        view = self.notification_facts(d)
        h = int(d.id[:8], 16)
        notified = view.notified_on
        roll = h % 100
        status = "arrived"
        decision: str | None = "no_objection"
        replied: date | None = notified + timedelta(days=2 + h % 12)
        received: date | None = view.shipped_on + timedelta(30)
        if roll >= 80:
            status, received = "no_objection", None
        if roll >= 88:
            status, decision = "objection", "objection"
        if roll >= 93:
            status, decision, replied = "pending", None, None
        created = _at(notified, h % 36000)
        request = json.dumps(self._n_defaults | b, separators=(",", ":"))
        containers = self._containers(d)
        out["notifications"].append(
            (d.id, self.authorities[d.country], b["reference"], status, d.country,
             b["importing_country"], json.dumps(b.get("transit_countries", [])), notified,
             notified + timedelta(days=15), view.dispatch_date, None, None, None,
             b.get("transport_mode"), json.dumps(containers), b.get("bill_of_lading"),
             self._documents(d)[0], b.get("invoice_number"), None, None, decision,
             "end user unknown" if decision == "objection" else None, replied, received, None,
             None, request, 1, created, created)
        )  # fmt: skip
        pairs = {(d.country, "exporting"), (b["importing_country"], "importing")}
        pairs |= {(c, "transit") for c in b.get("transit_countries", [])}
        out["record_countries"] += [("notification", d.id, c, r) for c, r in sorted(pairs)]
        self._children(d, out, keyspace.notification_keys(view))
        out["route_marks"] += [(r, d.kind, day, d.id) for r, day in sorted(routes.marks_of(view))]

    def _seizure(self, d: Draft, out: dict[str, list[Row]]) -> None:
        b = d.body
        view = self.seizure_facts(d)
        created = _at(view.occurred_on + timedelta(days=2), int(d.id[:8], 16) % 36000)
        request = json.dumps(self._s_defaults | b, separators=(",", ":"))
        out["seizures"].append(
            (d.id, self.authorities[d.country], b["reference"], b["type"], d.country,
             view.occurred_on, b["country"], None, view.origin_country,
             view.destination_country, json.dumps(b.get("transit_countries", [])),
             json.dumps(self._containers(d)), b.get("bill_of_lading"), self._documents(d)[0],
             b.get("invoice_number"), json.dumps(b.get("modus_operandi", [])), None, request, 1,
             created, created)
        )  # fmt: skip
        pairs = {(d.country, "reporting"), (b["country"], "occurred")}
        pairs |= {(c, "origin") for c in [view.origin_country] if c}
        pairs |= {(c, "destination") for c in [view.destination_country] if c}
        pairs |= {(c, "transit") for c in view.transit_countries}
        pairs |= {(f.country, "party") for _, _, f in d.parties}
        if d.matched is not None:
            n = self.notification_facts(d.matched)
            scored = score_pair(view, n)
            if scored.score >= STORE_THRESHOLD:
                evidence = [
                    {"feature": e.feature, "detail": e.detail, "weight": e.weight}
                    for e in scored.evidence
                ]
                out["links"].append(
                    (
                        d.id,
                        n.id,
                        scored.score,
                        scored.linked,
                        json.dumps(evidence),
                        created,
                        created,
                    )
                )
                if scored.linked:
                    route = {n.exporting_country, n.importing_country, *n.transit_countries}
                    pairs |= {(c, LINKED_ROLE) for c in route}
        out["record_countries"] += [("seizure", d.id, c, r) for c, r in sorted(pairs)]
        self._children(d, out, keyspace.seizure_keys(view))
        out["route_marks"] += [(r, d.kind, day, d.id) for r, day in sorted(routes.marks_of(view))]


def log(message: str) -> None:
    """Print a progress line with the time."""
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)
