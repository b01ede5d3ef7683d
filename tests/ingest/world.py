"""A small seeded world of precursor trade, and the orders to load it in.

The world (`build`) is one year (2026) of notifications, seizures, replies and arrivals between a
few authorities, drawn from `WORLD_SEED` so that it is the same on every run:

- a busy lane, Chemwerk Hamburg (DE) -> Lagos Pharma (NG), of ephedrine hydrochloride through the
  UAE with a broker, seven consignments that exceed Nigeria's ephedrine ALR (ALR_EXCEEDED); two
  arrive short (QUANTITY_SHORTFALL, high and medium); one is seized in Rotterdam declared as sodium
  benzoate (SEIZURE_MATCHES_NOTIFICATION, SUBSTANCE_MISMATCH) and one in Lagos after it arrived
  (critical match); Lagos Pharma is then a party of the lane's later notifications
  (PARTY_IN_PRIOR_INCIDENT); the first is notified in December 2025, a year without an ALR
  (MISSING_ALR);
- refusals: Nigeria objects to Kano Drugs' norephedrine from Rhein Feinchemie (which arrives
  anyway: ARRIVAL_AFTER_OBJECTION), and Shanghai Huaxin then notifies Kano Drugs ephedrine
  (COMPANY_SHOPPING); Ghana objects to Tema's acetic anhydride from Hyderabad and Chemwerk then
  notifies Tema; a stopped shipment names Abuja Medichem, which Chemwerk then notifies
  (COMPANY_SHOPPING and PARTY_IN_PRIOR_INCIDENT);
- a split: four pseudoephedrine consignments Mumbai Fine Chem (IN) -> Accra Health (GH) within a
  month by air (SPLIT_CONSIGNMENT), one seized in Dubai by its air waybill holding ephedrine
  (SUBSTANCE_MISMATCH);
- an illicit laboratory in Ghana naming Kumasi Pharmacare, later notified ephedrine from China
  (PARTY_IN_PRIOR_INCIDENT critical; MISSING_ALR, Ghana has no ephedrine ALR);
- two unexplained ephedrine seizures in the UAE naming one trading company (SEIZURE_CLUSTER; no
  notification explains either, see test_equivalence.py) that, with the Dubai one, make the UAE
  a risky transit for ephedrine (ROUTE_RISK);
- PMK glycidate from China (NO_LEGITIMATE_USE), a suspicious order, an unrelated seizure, and
  filler trade in solvents and acids.

Parties are written in several spellings that normalise to one name (case, punctuation, legal
forms: "Lagos Pharma Ltd" / "LAGOS PHARMA LIMITED" / "Lagos Pharma Ltd."), so each entity is the
same whatever the order its spellings arrive in. Two spellings that only *fuzzily* match can chain
(A ~ B and B ~ C but not A ~ C): which entity B joins then depends on the order, a known property
of incremental resolution that this world does not exercise.

Records are plain data (`Record`); `orders` shuffles them with a seed, keeping each reply and
arrival after its notification. The ways of loading and the digest live in test_equivalence.py.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from stdnum import iso6346

from app.identifiers.awb import awb_check_digit

WORLD_SEED = 2026
AUTHORITIES = ("DE", "NL", "NG", "GH", "IN", "CN", "AE")
# ALRs set before any record (country, substance, year, kg of base).
ALRS = (("NG", "ephedrine", 2026, 1500), ("GH", "pseudoephedrine", 2026, 2000))


@dataclass(frozen=True)
class Record:
    """One line of the world: a notification or seizure, or a reply or arrival to a notification.

    `authority` is the country of the authority that sends it; a reply or arrival names its
    notification by `notification` (reference) and `exporter` (the notifying country)."""

    kind: str
    authority: str
    body: dict[str, Any]
    notification: str | None = None
    exporter: str | None = None

    @property
    def key(self) -> str:
        """A name unique in the world."""
        if self.kind in ("notification", "seizure"):
            return str(self.body["reference"])
        return f"{self.notification}#{self.kind}"


def container(owner: str, serial: int) -> str:
    """A valid ISO 6346 container number."""
    number = f"{owner}{serial:06d}"
    return number + iso6346.calc_check_digit(number)


def awb(prefix: str, serial: int) -> str:
    """A valid IATA air waybill ('176-12345675')."""
    seven = f"{serial:07d}"
    return f"{prefix}-{seven}{awb_check_digit(seven)}"


def party(name: str, country: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "country": country, **extra}


# Spellings of one entity each: they all normalise to the same name.
CHEMWERK = ("Chemwerk Hamburg GmbH", "CHEMWERK HAMBURG GMBH", "Chemwerk Hamburg G.m.b.H.")
LAGOS = ("Lagos Pharma Ltd", "LAGOS PHARMA LIMITED", "Lagos Pharma Ltd.")
GULF = ("Gulf Chem Trading FZE", "GULF CHEM TRADING F.Z.E.")
KANO = ("Kano Drugs Nigeria Ltd", "KANO DRUGS NIGERIA LIMITED")
HUAXIN = ("Shanghai Huaxin Chemical Co., Ltd.", "SHANGHAI HUAXIN CHEMICAL CO LTD")
MUMBAI = (
    "Mumbai Fine Chem Pvt Ltd",
    "MUMBAI FINE CHEM PVT. LTD.",
    "M/s. Mumbai Fine Chem Private Limited",
)
ACCRA = ("Accra Health Ltd", "ACCRA HEALTH LIMITED")
ABUJA = ("Abuja Medichem Ltd", "ABUJA MEDICHEM LIMITED")
FALCON = ("Desert Falcon General Trading LLC", "DESERT FALCON GENERAL TRADING L.L.C.")
TEMA = ("Tema Industrial Chemicals Ltd", "TEMA INDUSTRIAL CHEMICALS LIMITED")
KUMASI = ("Kumasi Pharmacare Ltd", "KUMASI PHARMACARE LIMITED")
MAAS = ("Maas Solvents B.V.", "MAAS SOLVENTS BV")
GUJARAT = ("Gujarat Solvex Pvt Ltd", "GUJARAT SOLVEX PRIVATE LIMITED")
# The exporter's VAT number, given on some of its records only (no merge: it is one entity).
CHEMWERK_VAT = {"vat": "DE123456788"}


@dataclass
class World:
    """The records of the world, in their natural (dated) order."""

    rng: random.Random
    records: list[Record] = field(default_factory=list)

    def spell(self, names: tuple[str, ...]) -> str:
        return self.rng.choice(names)

    def notification(
        self,
        by: str,
        reference: str,
        *,
        notified_on: date,
        dispatch: date,
        importing_country: str,
        exporter: dict[str, Any],
        importer: dict[str, Any],
        items: list[dict[str, Any]],
        transport_mode: str = "sea",
        transit: tuple[str, ...] = (),
        consignee: dict[str, Any] | None = None,
        other_parties: list[dict[str, Any]] | None = None,
        containers: list[str] | None = None,
        bill_of_lading: str | None = None,
        air_waybill: str | None = None,
        exit_point: str | None = None,
        entry_point: str | None = None,
    ) -> None:
        body = {
            "reference": reference,
            "notified_on": notified_on.isoformat(),
            "importing_country": importing_country,
            "exporter": exporter,
            "importer": importer,
            "consignee": consignee,
            "other_parties": other_parties or [],
            "items": items,
            "exit_point": exit_point,
            "entry_point": entry_point,
            "transit_countries": list(transit),
            "transport_mode": transport_mode,
            "dispatch_date": dispatch.isoformat(),
            "expected_arrival_date": (dispatch + timedelta(days=40)).isoformat(),
            "reply_due_date": (notified_on + timedelta(days=15)).isoformat(),
            "containers": containers or [],
            "bill_of_lading": bill_of_lading,
            "air_waybill": air_waybill,
            "invoice_number": None,
            "import_permit": None,
            "end_use": "manufacture of medicines",
        }
        self.records.append(Record("notification", by, body))

    def seizure(
        self,
        by: str,
        reference: str,
        *,
        occurred_on: date,
        items: list[dict[str, Any]],
        parties: list[dict[str, Any]],
        type: str = "seizure",
        place: str | None = None,
        origin: str | None = None,
        destination: str | None = None,
        transit: tuple[str, ...] = (),
        containers: list[str] | None = None,
        bill_of_lading: str | None = None,
        air_waybill: str | None = None,
    ) -> None:
        body = {
            "reference": reference,
            "type": type,
            "occurred_on": occurred_on.isoformat(),
            "country": by,
            "place": place,
            "items": items,
            "origin_country": origin,
            "transit_countries": list(transit),
            "destination_country": destination,
            "parties": parties,
            "containers": containers or [],
            "bill_of_lading": bill_of_lading,
            "air_waybill": air_waybill,
            "modus_operandi": [],
        }
        self.records.append(Record("seizure", by, body))

    def reply(self, by: str, exporter: str, reference: str, decision: str, on: date) -> None:
        body = {"decision": decision, "replied_on": on.isoformat(), "reason": None}
        self.records.append(Record("reply", by, body, reference, exporter))

    def arrival(
        self, by: str, exporter: str, reference: str, on: date, items: list[dict[str, Any]]
    ) -> None:
        body = {"received_on": on.isoformat(), "items": items}
        self.records.append(Record("arrival", by, body, reference, exporter))


def _kg(substance: str, quantity: float, **extra: Any) -> dict[str, Any]:
    return {"substance": substance, "quantity": quantity, "unit": "kg", **extra}


def _ephedrine_hcl(quantity: float) -> dict[str, Any]:
    return _kg("ephedrine", quantity, form="salt", salt="hydrochloride")


def build(seed: int = WORLD_SEED) -> list[Record]:
    """The world's records (about 50), the same for a seed."""
    w = World(random.Random(seed))
    rng = w.rng
    d = date

    # The busy lane DE -> NG of ephedrine hydrochloride through the UAE. Dispatches at least
    # 40 days apart: no split on this lane. 7 x >= 300 kg salt (82 % base) exceed the 1500 kg ALR.
    lane: list[tuple[str, int]] = []
    dispatches = [(1, 20), (3, 5), (4, 25), (6, 10), (7, 25), (9, 5), (10, 20)]
    for i, dispatch in enumerate((d(2026, m, day) for m, day in dispatches), start=1):
        ref, qty = f"DE-L-{i:02d}", rng.choice((300, 350, 400))
        lane.append((ref, qty))
        exporter = party(
            w.spell(CHEMWERK), "DE", **({"identifiers": CHEMWERK_VAT} if i % 2 else {})
        )
        w.notification(
            "DE",
            ref,
            notified_on=dispatch - timedelta(days=rng.randint(20, 30)),
            dispatch=dispatch,
            importing_country="NG",
            exporter=exporter,
            importer=party(w.spell(LAGOS), "NG"),
            consignee=party(w.spell(LAGOS), "NG"),
            other_parties=[{"role": "broker", **party(w.spell(GULF), "AE")}],
            items=[_ephedrine_hcl(qty)],
            transit=("AE",),
            containers=[container("MSCU", 100 + i)],
            bill_of_lading=f"MEDU{7000 + i}",
            exit_point="DEHAM",
            entry_point="NGLOS",
        )
    (l1, q1), (l2, q2), _, (l4, q4), (_, q5), _, _ = lane
    w.reply("NG", "DE", l1, "no_objection", d(2026, 1, 5))
    w.arrival("NG", "DE", l1, d(2026, 2, 25), [_ephedrine_hcl(q1)])
    w.reply("NG", "DE", l2, "no_objection", d(2026, 2, 16))
    w.arrival("NG", "DE", l2, d(2026, 4, 12), [_ephedrine_hcl(q2 * 0.85)])  # 15 % short: high
    w.reply("NG", "DE", l4, "no_objection", d(2026, 5, 25))
    w.arrival("NG", "DE", l4, d(2026, 7, 20), [_ephedrine_hcl(q4 * 0.95)])  # 5 % short: medium
    # The first consignment, arrived, is seized in Lagos: diversion after import (critical).
    w.seizure(
        "NG",
        "NG-NDLEA-01",
        occurred_on=d(2026, 4, 15),
        place="NGLOS",
        items=[_kg("ephedrine", 100)],
        parties=[{"role": "consignee", **party(w.spell(LAGOS), "NG")}],
        origin="DE",
        destination="NG",
        containers=[container("MSCU", 101)],
    )
    # The fifth is seized in Rotterdam, declared as sodium benzoate.
    w.seizure(
        "NL",
        "NL-FIOD-01",
        occurred_on=d(2026, 8, 2),
        place="NLRTM",
        items=[_kg("ephedrine", q5 * 0.8, declared_as="sodium benzoate")],
        parties=[{"role": "consignee", **party(w.spell(LAGOS), "NG")}],
        origin="DE",
        destination="NG",
        transit=("AE",),
        containers=[container("MSCU", 105)],
    )

    # A refusal, an arrival all the same, and the importer turning to another exporter.
    # The refused consignment is norephedrine, not ephedrine, on purpose: an objection takes a
    # notification out of the ALR total, but an ALR_EXCEEDED alert that already counted it keeps
    # it among its subjects (a repeated firing merges subjects as a union, app/alerts/service.py
    # `_fired_again`), while an order where the objection comes first never lists it. That is an
    # order dependence of the current design (reported with the digest, tests/ingest/
    # test_equivalence.py), kept out of this world so that the digest guards everything else.
    w.notification(
        "DE",
        "DE-K-01",
        notified_on=d(2026, 2, 10),
        dispatch=d(2026, 3, 15),
        importing_country="NG",
        exporter=party("Rhein Feinchemie AG", "DE"),
        importer=party(w.spell(KANO), "NG"),
        items=[_kg("norephedrine", 150)],
        containers=[container("HLXU", 201)],
    )
    w.reply("NG", "DE", "DE-K-01", "objection", d(2026, 2, 20))
    w.arrival("NG", "DE", "DE-K-01", d(2026, 4, 10), [_kg("norephedrine", 150)])
    w.notification(
        "CN",
        "CN-K-02",
        notified_on=d(2026, 5, 5),
        dispatch=d(2026, 6, 1),
        importing_country="NG",
        exporter=party(w.spell(HUAXIN), "CN"),
        importer=party(w.spell(KANO), "NG"),
        items=[_kg("ephedrine", 200)],
        containers=[container("TGHU", 202)],
    )

    # Ghana refuses Tema's acetic anhydride from India; Chemwerk notifies Tema later.
    w.notification(
        "IN",
        "IN-T-01",
        notified_on=d(2026, 3, 1),
        dispatch=d(2026, 4, 1),
        importing_country="GH",
        exporter=party("Hyderabad Synthetics Pvt Ltd", "IN"),
        importer=party(w.spell(TEMA), "GH"),
        items=[_kg("acetic anhydride", 4000)],
        bill_of_lading="MAEU5550001",
    )
    w.reply("GH", "IN", "IN-T-01", "objection", d(2026, 3, 12))
    w.notification(
        "DE",
        "DE-T-02",
        notified_on=d(2026, 8, 1),
        dispatch=d(2026, 9, 1),
        importing_country="GH",
        exporter=party(w.spell(CHEMWERK), "DE"),
        importer=party(w.spell(TEMA), "GH"),
        items=[_kg("acetic anhydride", 3000)],
        containers=[container("MSCU", 301)],
    )

    # A stopped shipment names Abuja Medichem; Chemwerk then notifies it.
    w.seizure(
        "NL",
        "NL-STOP-01",
        type="stopped_shipment",
        occurred_on=d(2026, 4, 2),
        place="NLRTM",
        items=[_kg("potassium permanganate", 2000)],
        parties=[
            {"role": "exporter", **party(w.spell(MAAS), "NL")},
            {"role": "importer", **party(w.spell(ABUJA), "NG")},
        ],
        origin="NL",
        destination="NG",
    )
    w.notification(
        "DE",
        "DE-A-01",
        notified_on=d(2026, 6, 15),
        dispatch=d(2026, 7, 15),
        importing_country="NG",
        exporter=party(w.spell(CHEMWERK), "DE", identifiers=CHEMWERK_VAT),
        importer=party(w.spell(ABUJA), "NG"),
        items=[_kg("potassium permanganate", 1500)],
        containers=[container("MSCU", 401)],
    )

    # A split: four pseudoephedrine consignments by air within a month; the third is seized in
    # Dubai by its air waybill, holding ephedrine.
    for i, day in enumerate((3, 12, 21, 30), start=1):
        w.notification(
            "IN",
            f"IN-S-{i:02d}",
            notified_on=d(2026, 4, day),
            dispatch=d(2026, 5, day),
            importing_country="GH",
            exporter=party(w.spell(MUMBAI), "IN"),
            importer=party(w.spell(ACCRA), "GH"),
            consignee=party(w.spell(ACCRA), "GH"),
            items=[
                _kg("pseudoephedrine", rng.choice((80, 90, 95)), form="salt", salt="hydrochloride")
            ],
            transport_mode="air",
            air_waybill=awb("098", 5000000 + 17 * i),
        )
    w.reply("GH", "IN", "IN-S-01", "no_objection", d(2026, 4, 10))
    w.arrival(
        "GH",
        "IN",
        "IN-S-01",
        d(2026, 5, 6),
        [_kg("pseudoephedrine", 100, form="salt", salt="hydrochloride")],  # more than notified
    )
    w.seizure(
        "AE",
        "AE-DXB-01",
        occurred_on=d(2026, 5, 22),
        place="AEDXB",
        items=[_kg("ephedrine", 85)],
        parties=[{"role": "consignee", **party(w.spell(ACCRA), "GH")}],
        origin="IN",
        destination="GH",
        air_waybill=awb("098", 5000000 + 17 * 3),
    )

    # Two unexplained ephedrine seizures in the UAE share a trading company.
    for i, when in enumerate((d(2026, 4, 5), d(2026, 5, 20)), start=1):
        w.seizure(
            "AE",
            f"AE-JEA-{i:02d}",
            occurred_on=when,
            place="AEJEA",
            items=[_kg("ephedrine", 40 + 20 * i)],
            parties=[{"role": "consignee", **party(w.spell(FALCON), "AE")}],
        )

    # An illicit laboratory names Kumasi Pharmacare, which is notified ephedrine later.
    w.seizure(
        "GH",
        "GH-LAB-01",
        type="illicit_laboratory",
        occurred_on=d(2026, 6, 20),
        items=[_kg("ephedrine", 5)],
        parties=[{"role": "other", **party(w.spell(KUMASI), "GH")}],
    )
    w.notification(
        "IN",
        "IN-KU-01",
        notified_on=d(2026, 5, 2),
        dispatch=d(2026, 6, 2),
        importing_country="GH",
        exporter=party("Hyderabad Synthetics Pvt Ltd", "IN"),
        importer=party(w.spell(KUMASI), "GH"),
        items=[_kg("pseudoephedrine", 60)],
        transport_mode="air",
        air_waybill=awb("098", 6000001),
    )
    w.notification(
        "CN",
        "CN-KU-02",
        notified_on=d(2026, 9, 1),
        dispatch=d(2026, 10, 1),
        importing_country="GH",
        exporter=party("Jiangsu Tianrun Pharmaceutical Co Ltd", "CN"),
        importer=party(w.spell(KUMASI), "GH"),
        items=[_kg("ephedrine", 100)],
        containers=[container("TGHU", 502)],
    )
    w.notification(
        "DE",
        "DE-AC-01",
        notified_on=d(2026, 9, 10),
        dispatch=d(2026, 10, 5),
        importing_country="GH",
        exporter=party(w.spell(CHEMWERK), "DE"),
        importer=party(w.spell(ACCRA), "GH"),
        items=[_kg("ephedrine", 50)],
        containers=[container("MSCU", 601)],
    )

    # A designer precursor, and Lagos Pharma's pseudoephedrine from India (no Nigerian ALR).
    w.notification(
        "CN",
        "CN-PMK-01",
        notified_on=d(2026, 7, 1),
        dispatch=d(2026, 8, 1),
        importing_country="NL",
        exporter=party(w.spell(HUAXIN), "CN"),
        importer=party("Delft Fijnchemie B.V.", "NL"),
        items=[_kg("PMK glycidate", 100)],
        containers=[container("TGHU", 701)],
    )
    w.notification(
        "IN",
        "IN-LP-01",
        notified_on=d(2026, 10, 1),
        dispatch=d(2026, 10, 25),
        importing_country="NG",
        exporter=party(w.spell(MUMBAI), "IN"),
        importer=party(w.spell(LAGOS), "NG"),
        items=[_kg("pseudoephedrine", 120)],
        transport_mode="air",
        air_waybill=awb("098", 6000002),
    )

    # A suspicious order names an exporter that notifies later; acetic anhydride from China to
    # Enugu is seized in Nigeria by its bill of lading; an unrelated toluene seizure.
    w.seizure(
        "IN",
        "IN-NCB-01",
        type="suspicious_order",
        occurred_on=d(2026, 7, 1),
        items=[_kg("toluene", 500)],
        parties=[{"role": "exporter", **party(w.spell(GUJARAT), "IN")}],
    )
    w.notification(
        "IN",
        "IN-F-01",
        notified_on=d(2026, 9, 15),
        dispatch=d(2026, 10, 10),
        importing_country="NG",
        exporter=party(w.spell(GUJARAT), "IN"),
        importer=party("Port Harcourt Paints Ltd", "NG"),
        items=[_kg("toluene", 8000)],
        bill_of_lading="MAEU5550002",
    )
    w.reply("NG", "IN", "IN-F-01", "no_objection", d(2026, 9, 25))
    w.notification(
        "CN",
        "CN-F-02",
        notified_on=d(2026, 9, 1),
        dispatch=d(2026, 10, 1),
        importing_country="NG",
        exporter=party(w.spell(HUAXIN), "CN"),
        importer=party("Enugu Labs Ltd", "NG"),
        items=[_kg("acetic anhydride", 1000)],
        bill_of_lading="COSU8880001",
    )
    w.seizure(
        "NG",
        "NG-NDLEA-02",
        occurred_on=d(2026, 10, 28),
        place="NGAPP",
        items=[_kg("acetic anhydride", 900)],
        parties=[{"role": "consignee", **party("ENUGU LABS LIMITED", "NG")}],
        origin="CN",
        destination="NG",
        bill_of_lading="COSU 888-0001",
    )
    w.seizure(
        "NL",
        "NL-FIOD-02",
        occurred_on=d(2026, 3, 10),
        place="NLRTM",
        items=[_kg("toluene", 200)],
        parties=[{"role": "consignee", **party("Noord Handel B.V.", "NL")}],
    )

    # Filler trade in solvents and acids.
    w.notification(
        "CN",
        "CN-F-03",
        notified_on=d(2026, 2, 1),
        dispatch=d(2026, 3, 1),
        importing_country="GH",
        exporter=party("Jiangsu Tianrun Pharmaceutical Co Ltd", "CN"),
        importer=party("Takoradi Coatings Ltd", "GH"),
        items=[_kg("acetone", 5000)],
        containers=[container("TGHU", 801)],
    )
    w.notification(
        "DE",
        "DE-F-04",
        notified_on=d(2026, 5, 10),
        dispatch=d(2026, 6, 5),
        importing_country="IN",
        exporter=party("Rhein Feinchemie AG", "DE"),
        importer=party("Pune Biotech Pvt Ltd", "IN"),
        items=[_kg("hydrochloric acid", 2000)],
        containers=[container("HLXU", 802)],
    )
    w.reply("IN", "DE", "DE-F-04", "no_objection", d(2026, 5, 20))
    w.arrival("IN", "DE", "DE-F-04", d(2026, 7, 10), [_kg("hydrochloric acid", 2000)])
    w.notification(
        "NL",
        "NL-F-05",
        notified_on=d(2026, 6, 1),
        dispatch=d(2026, 7, 1),
        importing_country="NG",
        exporter=party(w.spell(MAAS), "NL"),
        importer=party("Onitsha Chemical Stores Ltd", "NG"),
        items=[_kg("sulphuric acid", 10000)],
        containers=[container("CMAU", 803)],
    )
    w.notification(
        "NL",
        "NL-F-06",
        notified_on=d(2026, 8, 20),
        dispatch=d(2026, 9, 20),
        importing_country="DE",
        exporter=party(w.spell(MAAS), "NL"),
        importer=party("Leipzig Lacke GmbH", "DE"),
        items=[_kg("methyl ethyl ketone", 3000)],
        transport_mode="road",
    )
    w.notification(
        "CN",
        "CN-F-07",
        notified_on=d(2026, 3, 20),
        dispatch=d(2026, 4, 20),
        importing_country="IN",
        exporter=party(w.spell(HUAXIN), "CN"),
        importer=party("Pune Biotech Pvt Ltd", "IN"),
        items=[_kg("acetic anhydride", 500)],
        containers=[container("TGHU", 804)],
    )
    return w.records


def orders(records: list[Record], seed: int) -> list[Record]:
    """The records shuffled by a seed; a reply or arrival drawn before its notification is moved
    to a random place after it."""
    rng = random.Random(seed)
    order = list(records)
    rng.shuffle(order)
    for record in [r for r in order if r.notification is not None]:
        here = order.index(record)
        parent = next(i for i, r in enumerate(order) if r.key == record.notification)
        if here < parent:
            order.pop(here)
            order.insert(rng.randint(parent, len(order)), record)
    return order
