"""A synthetic population of notifications and seizures shaped like real precursor trade.

Everything is drawn from one seeded stream, so the same seed gives the same store:

- about 80% notifications and 20% seizures, dates uniform over ten years;
- tens of thousands of firms whose popularity follows a Zipf law inside each country, and a
  global pool of forwarders and brokers that is even more concentrated: the biggest ones are
  named on thousands of records, far above the correlation fan-out cap;
- substances weighted like licit trade (solvents and acids first) for notifications and like
  seizure reports for seizures, with the destinations skewed per family (ephedrine to a few
  hubs, permanganate to the Andes, acetic anhydride to Turkey and Pakistan);
- containers reused a few times over the years, air waybills and bills of lading per shipment,
  invoice numbers per exporter with a few generic ones that many records share;
- a quarter of the seizures taken from a stored notification (same container or air waybill,
  consignee, substance, route, a date after dispatch), the others sharing only parties,
  containers and substance/country/quarter buckets by chance.

Records come out as API request bodies (what a client would post) plus what the bulk loader
needs to store them without the service: the resolved firms and the substance of each line.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from stdnum import iso6346

from bench.world import (
    AIRLINES,
    AS_OF,
    CARRIERS,
    DECLARED,
    FIRST_DAY,
    MATCHED_SHARE,
    MODUS,
    RESERVOIR,
    SEIZURE_SHARE,
    TRANSIT_HUBS,
    Body,
    Draft,
    Firm,
    Good,
    Weighted,
    World,
)


def _container(rng: random.Random) -> str:
    prefix = rng.choice(list(CARRIERS)) + f"{rng.randrange(10**6):06d}"
    return prefix + str(iso6346.calc_check_digit(prefix))


def _awb(rng: random.Random) -> str:
    serial = f"{rng.randrange(10**7):07d}"
    return f"{rng.choice(AIRLINES)}-{serial}{int(serial) % 7}"


def _day(rng: random.Random) -> date:
    return FIRST_DAY + timedelta(days=rng.randrange((AS_OF - FIRST_DAY).days))


def _party(firm: Firm, role: str | None = None, address: bool = True) -> Body:
    body: Body = {"name": firm.name, "country": firm.country}
    if address:
        body["address"] = firm.address
    return body | ({"role": role} if role else {})


def _item(good: Good, quantity: int, unit: str) -> Body:
    item: Body = {"substance": good.substance, "quantity": quantity, "unit": unit}
    if good.salt:
        item |= {"salt": good.salt, "form": "salt"}
    return item | (
        {"concentration_percent": float(good.concentration)} if good.concentration else {}
    )


@dataclass
class Stream:
    """The seeded stream of records; its state (containers, notifications) grows as it goes."""

    world: World
    seed: int
    rng: random.Random = field(init=False)
    containers: list[str] = field(default_factory=list)
    reservoir: list[Draft] = field(default_factory=list)
    notifications: int = 0
    numbers: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _reference(self, prefix: str) -> str:
        self.numbers[prefix] = n = self.numbers.get(prefix, 0) + 1
        return f"{prefix}-{n:07d}"

    def _container(self, reuse: float) -> str:
        if self.containers and self.rng.random() < reuse:
            return self.rng.choice(self.containers)
        number = _container(self.rng)
        self.containers.append(number)
        return number

    def _good(self, table: Weighted) -> tuple[Good, int, str]:
        good = self.world.by_code[table.draw(self.rng)]
        quantity = max(good.low, round(self.rng.randint(good.low, good.high) / 5) * 5)
        return good, quantity, self.rng.choice(good.units)

    def _importer(self, family: str, exporter: str) -> str:
        share, hubs = self.world.hubs.get(family, (0.0, None))
        while True:
            table = hubs if hubs and self.rng.random() < share else self.world.importers
            country = table.draw(self.rng)
            if country != exporter:
                return country

    def next(self) -> Draft:
        """Return the next record of the store."""
        if self.rng.random() < SEIZURE_SHARE:
            return self.seizure()
        return self.notification()

    def notification(self, *, container_reuse: float = 0.5, prefix: str = "N") -> Draft:
        """Draw a notification (sea shipments reuse a known container with `container_reuse`)."""
        rng, world = self.rng, self.world
        lines = [self._good(world.notified_goods)]
        lines += [
            self._good(world.notified_goods) for _ in range(rng.choices((0, 1, 2), (85, 12, 3))[0])
        ]
        family = lines[0][0].family
        share, sources = world.sources.get(family, (0.0, None))
        exp = (sources if sources and rng.random() < share else world.exporters).draw(rng)
        imp = self._importer(family, exp)
        exporter, importer = world.makers[exp].draw(rng), world.buyers[imp].draw(rng)
        notified = _day(rng)
        body: Body = {
            "reference": self._reference(f"{prefix}{exp}"),
            "notified_on": notified.isoformat(),
            "importing_country": imp,
            "exporter": _party(exporter),
            "importer": _party(importer),
            "items": [_item(*line) for line in lines],
        }
        parties = [(0, "exporter", exporter), (1, "importer", importer)]
        roll = rng.random()
        consignee = (
            importer
            if roll < 0.7
            else world.buyers[imp].draw(rng)
            if roll < 0.88
            else world.to_order[imp]
            if roll < 0.91
            else None
        )
        if consignee is not None:
            body["consignee"] = _party(consignee, address=False)
            parties.append((2, "consignee", consignee))
        others = []
        if rng.random() < 0.3:
            others.append(("forwarder", world.agents.draw(rng)))
            if rng.random() < 0.15:
                others.append(("broker", world.agents.draw(rng)))
        if others:
            body["other_parties"] = [_party(f, role, address=False) for role, f in others]
            parties += [(10 + i, role, f) for i, (role, f) in enumerate(others)]
        dispatch = notified + timedelta(days=rng.randint(16, 40))
        if rng.random() < 0.9:
            body["dispatch_date"] = dispatch.isoformat()
        ephedrines = family in ("ephedrine", "pseudoephedrine", "norephedrine")
        mode = rng.choices(("sea", "air", "road"), (55, 45, 0) if ephedrines else (82, 6, 12))[0]
        body["transport_mode"] = mode
        if mode == "sea":
            body["containers"] = list(
                dict.fromkeys(
                    self._container(container_reuse) for _ in range(rng.choice((1, 1, 2, 3)))
                )
            )
            carrier = CARRIERS[body["containers"][0][:4]]
            body["bill_of_lading"] = (
                "TBA" if rng.random() < 0.02 else f"{carrier}{rng.randrange(10**9):09d}"
            )
        elif mode == "air":
            body["air_waybill"] = _awb(rng)
        if rng.random() < 0.03:  # a generic number many exporters use
            body["invoice_number"] = f"INV{rng.randrange(1000):03d}"
        elif rng.random() < 0.9:
            body["invoice_number"] = (
                f"{exp}{exporter.id[:4].upper()}{notified.year}{rng.randrange(10**5):05d}"
            )
        if rng.random() < 0.3:
            hub = rng.choice(TRANSIT_HUBS)
            body["transit_countries"] = [hub] if hub not in (exp, imp) else []
        draft = Draft("notification", self._id(), exp, body, parties, lines)
        self.notifications += 1
        if len(self.reservoir) < RESERVOIR:
            self.reservoir.append(draft)
        elif (k := rng.randrange(self.notifications)) < RESERVOIR:
            self.reservoir[k] = draft
        return draft

    def seizure(self, *, matched: float = MATCHED_SHARE, prefix: str = "S") -> Draft:
        """Draw a seizure, taken from a stored notification with probability `matched`."""
        if self.reservoir and self.rng.random() < matched:
            return self._matched(self.rng.choice(self.reservoir), prefix)
        return self._unrelated(prefix)

    def _matched(self, n: Draft, prefix: str) -> Draft:
        rng, b = self.rng, n.body
        exp, imp = n.country, b["importing_country"]
        transit = b.get("transit_countries", [])
        where = transit[0] if transit and rng.random() < 0.4 else imp
        shipped = date.fromisoformat(str(b.get("dispatch_date", b["notified_on"])))
        when = min(shipped + timedelta(days=rng.randint(3, 60)), AS_OF)
        good, quantity, unit = n.items[0]
        seized = max(good.low // 10 or 1, round(quantity * rng.uniform(0.3, 0.9)))
        item = _item(good, seized, unit) | {"declared_as": rng.choice(DECLARED)}
        consignee = next((f for _, r, f in n.parties if r == "consignee"), n.parties[1][2])
        body: Body = {
            "reference": self._reference(f"{prefix}{where}"),
            "type": "seizure" if rng.random() < 0.7 else "stopped_shipment",
            "occurred_on": when.isoformat(),
            "country": where,
            "items": [item],
            "origin_country": exp,
            "destination_country": imp,
            "transit_countries": transit,
            "parties": [_party(consignee, "consignee", address=False)],
            "modus_operandi": [rng.choice(MODUS)],
        }
        if b.get("containers"):
            c = rng.choice(b["containers"])
            body["containers"] = [f"{c[:4]} {c[4:10]}-{c[10]}" if rng.random() < 0.5 else c]
            if b.get("bill_of_lading") and rng.random() < 0.5:
                body["bill_of_lading"] = b["bill_of_lading"]
        if b.get("air_waybill"):
            awb = b["air_waybill"]
            body["air_waybill"] = awb.replace("-", " ") if rng.random() < 0.5 else awb
        if b.get("invoice_number") and rng.random() < 0.2:
            body["invoice_number"] = b["invoice_number"]
        parties = [(0, "consignee", consignee)]
        return Draft("seizure", self._id(), where, body, parties, [(good, seized, unit)], n)

    def _unrelated(self, prefix: str) -> Draft:
        rng, world = self.rng, self.world
        kind = world.incidents.draw(rng)
        lines = [self._good(world.seized_goods)]
        if kind == "illicit_laboratory":
            lines += [self._good(world.seized_goods) for _ in range(rng.randint(1, 2))]
        family = lines[0][0].family
        table = world.seized_in.get(family, world.solvent_seizures)
        country = table.draw(rng)
        body: Body = {
            "reference": self._reference(f"{prefix}{country}"),
            "type": kind,
            "occurred_on": _day(rng).isoformat(),
            "country": country,
            "items": [_item(*line) for line in lines],
            "modus_operandi": [rng.choice(MODUS)],
        }
        if rng.random() < 0.7:
            origins = world.seized_from.get(family, world.exporters)
            origin = origins.draw(rng)
            body["origin_country"] = origin
        if kind in ("seizure", "stopped_shipment", "suspicious_order") and rng.random() < 0.6:
            dest = self._importer(family, country)
            body["destination_country"] = dest
        parties: list[tuple[int, str, Firm]] = []
        if rng.random() < 0.6:
            where = body.get("destination_country", country)
            parties.append((0, "consignee", world.buyers[where].draw(rng)))
            if rng.random() < 0.3:
                parties.append((1, "forwarder", world.agents.draw(rng)))
        body["parties"] = [_party(f, role, address=False) for _, role, f in parties]
        if kind in ("seizure", "stopped_shipment"):
            for item in body["items"]:
                item["declared_as"] = rng.choice(DECLARED)
            if rng.random() < 0.6:
                body["containers"] = [self._container(0.25)]
            elif rng.random() < 0.3:
                body["air_waybill"] = _awb(rng)
        return Draft("seizure", self._id(), country, body, parties, lines)
