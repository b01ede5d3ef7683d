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

import bisect
import itertools
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from stdnum import iso6346

from app.reference.substances import catalogue

Body = dict[str, Any]
AS_OF = date(2026, 11, 20)
FIRST_DAY = AS_OF - timedelta(days=3652)
SEIZURE_SHARE = 0.2
MATCHED_SHARE = 0.25
RESERVOIR = 20_000

# Share of notifications posted by each exporting country.
EXPORTERS = {
    "IN": 20, "CN": 22, "DE": 10, "NL": 5, "BE": 5, "GB": 4, "US": 8, "FR": 3, "IT": 3,
    "ES": 2, "CH": 3, "JP": 2, "KR": 3, "SG": 2, "TR": 2, "ZA": 1, "BR": 1, "MX": 1, "AE": 1,
    "PL": 1, "CZ": 1, "HU": 1, "TW": 1, "TH": 1, "MY": 1,
}  # fmt: skip
# Importing countries, most active first; weight 1 / rank^0.8.
IMPORTERS = [
    "US", "MX", "BR", "IN", "CN", "DE", "NG", "TR", "EG", "PK", "ID", "VN", "TH", "MY", "PH",
    "BD", "ZA", "GH", "KE", "AE", "SA", "RU", "UA", "PL", "NL", "BE", "FR", "IT", "ES", "GB",
    "CO", "PE", "AR", "CL", "EC", "GT", "AU", "JP", "KR", "CA", "LK", "KZ", "UZ", "ET", "TZ",
    "UG", "CI", "SN", "CM", "DZ", "MA", "TN", "JO", "LB", "IR", "NP", "MM", "BO", "VE", "DO",
]  # fmt: skip
TRANSIT_HUBS = [
    "AE", "SG", "MY", "LK", "ES", "MA", "PA", "BE", "NL", "TR", "MT", "EG", "OM",
]  # fmt: skip
# Destinations that pull a family's trade (chosen with probability `share`, else the base law).
HUBS: dict[str, tuple[float, dict[str, int]]] = {
    "ephedrine": (0.7, {"NG": 14, "GH": 6, "AE": 8, "ZA": 5, "KE": 4, "MY": 4, "BD": 3, "PK": 3}),
    "pseudoephedrine": (0.7, {"NG": 10, "GH": 5, "AE": 8, "MX": 3, "KE": 4, "MY": 5, "PH": 4}),
    "norephedrine": (0.5, {"NG": 5, "AE": 5, "IN": 3}),
    "acetic-anhydride": (0.5, {"TR": 6, "PK": 5, "IN": 4, "CN": 4, "IR": 3, "EG": 3}),
    "potassium-permanganate": (0.5, {"CO": 8, "PE": 5, "EC": 4, "BO": 2, "MX": 4}),
}
# Exporting countries that dominate a family's trade (chosen with probability `share`).
SOURCES: dict[str, tuple[float, dict[str, int]]] = {
    "ephedrine": (0.8, {"IN": 40, "CN": 30, "DE": 15, "CH": 5}),
    "pseudoephedrine": (0.8, {"IN": 40, "CN": 35, "DE": 10, "CH": 5}),
    "acetic-anhydride": (0.6, {"CN": 20, "IN": 15, "DE": 10, "KR": 10, "US": 5}),
    "potassium-permanganate": (0.6, {"CN": 30, "IN": 20, "US": 5}),
}
_SOLVENT_SEIZURES = {"CO": 20, "MX": 15, "PE": 10, "NL": 8, "BO": 5, "EC": 5, "BE": 4, "MM": 4}
# Where each family is seized (reporting country).
SEIZED_IN: dict[str, dict[str, int]] = {
    "ephedrine": {"MX": 10, "NG": 12, "IN": 12, "ZA": 5, "AE": 4, "MM": 6, "GH": 4, "KE": 3},
    "pseudoephedrine": {"MX": 8, "NG": 8, "IN": 10, "MM": 6, "US": 3, "MY": 3},
    "norephedrine": {"IN": 5, "MX": 3, "US": 2},
    "acetic-anhydride": {"TR": 15, "AF": 10, "PK": 10, "IR": 10, "IN": 5, "NL": 3, "UZ": 3},
    "potassium-permanganate": {"CO": 25, "PE": 12, "EC": 8, "BO": 6, "MX": 5, "VE": 3},
    "p-2-p": {"NL": 20, "BE": 12, "MX": 15, "DE": 5, "PL": 5, "US": 5, "CN": 4, "LT": 3},
    "3-4-mdp-2-p": {"NL": 25, "BE": 15, "DE": 6, "AU": 5, "CN": 4, "MY": 3, "KH": 3},
    "fentanyl": {"US": 30, "MX": 35, "CA": 10, "CN": 5, "IN": 3},
}
SEIZED_FROM: dict[str, dict[str, int]] = {
    "ephedrine": {"IN": 40, "CN": 40, "DE": 5},
    "pseudoephedrine": {"IN": 40, "CN": 40},
    "p-2-p": {"CN": 80, "IN": 5},
    "3-4-mdp-2-p": {"CN": 80, "IN": 5},
    "fentanyl": {"CN": 70, "IN": 20},
    "acetic-anhydride": {"CN": 20, "IN": 15, "KR": 10, "DE": 5, "TR": 5},
    "potassium-permanganate": {"CN": 30, "IN": 20},
}
FORWARDER_COUNTRIES = {
    "AE": 20, "SG": 12, "HK": 12, "NL": 10, "BE": 6, "DE": 8, "GB": 6, "TR": 4, "PA": 3,
    "US": 8, "CN": 6, "IN": 6, "MY": 3,
}  # fmt: skip
INCIDENTS = {
    "seizure": 60,
    "stopped_shipment": 15,
    "illicit_laboratory": 12,
    "suspicious_order": 8,
    "theft": 5,
}
MODUS = ["mislabelled", "concealed", "falsified_documents", "diverted_from_licit_trade", "other"]
DECLARED = ["sodium benzoate", "vitamin C powder", "lactose", "paint thinner", "fertiliser"]
CARRIERS = {
    "MSCU": "MEDU", "MAEU": "MAEU", "CMAU": "CMDU", "HLXU": "HLCU", "COSU": "COSU",
    "OOLU": "OOLU", "ONEU": "ONEY", "YMLU": "YMLU", "HDMU": "HDMU", "ZIMU": "ZIMU",
    "EGHU": "EGLV", "TGHU": "MEDU", "TCNU": "MAEU", "SEGU": "HLCU", "GESU": "CMDU",
}  # fmt: skip
AIRLINES = ("176", "157", "071", "235", "020", "074", "618", "180", "125", "014")
TO_ORDER = "TO ORDER"
# (notified weight, seized weight, substance as written, salt, units, min, max, concentration)
_GOODS: list[tuple[float, float, str, str | None, str, int, int, str | None]] = [
    (16, 6, "acetone", None, "l", 2000, 40000, "99.5"),
    (13, 3, "toluene", None, "l", 5000, 40000, "99.8"),
    (8, 2, "methyl-ethyl-ketone", None, "l", 2000, 30000, "99.5"),
    (10, 4, "sulphuric-acid", None, "kg l", 5000, 50000, "98"),
    (10, 4, "hydrochloric-acid", None, "l", 2000, 30000, "33"),
    (3, 1, "ethyl-ether", None, "l", 200, 5000, "99"),
    (8, 9, "acetic-anhydride", None, "kg l", 1000, 24000, "99"),
    (6, 6, "potassium-permanganate", None, "kg", 500, 20000, "99"),
    (7, 10, "ephedrine", "hydrochloride", "kg", 25, 1000, "99.5"),
    (8, 7, "pseudoephedrine", "hydrochloride", "kg", 50, 2000, "99"),
    (1, 1, "norephedrine", "hydrochloride", "kg", 10, 500, "99"),
    (1, 0, "anthranilic-acid", None, "kg", 100, 5000, "99"),
    (1.5, 0, "piperidine", None, "l", 50, 2000, "99"),
    (1.5, 2, "phenylacetic-acid", None, "kg", 100, 5000, "99"),
    (1, 2, "piperonal", None, "kg", 50, 2000, "99"),
    (0.5, 2, "safrole", None, "l", 50, 1000, "90"),
    (0.3, 2, "4-piperidone", "hydrochloride", "kg", 5, 200, "98"),
    (0.2, 3, "1-boc-4-piperidone", None, "kg", 5, 200, "98"),
    (0.2, 0, "ergometrine", "maleate", "kg", 1, 20, "99"),
    (0, 9, "pmk-glycidate", None, "kg", 50, 3000, "98"),
    (0, 7, "bmk-methyl-glycidate", None, "kg", 50, 3000, "98"),
    (0, 4, "p-2-p", None, "l", 20, 1000, "98"),
    (0, 4, "4-ap", None, "kg", 5, 300, "98"),
    (0, 2, "anpp", None, "kg", 5, 100, "98"),
    (0, 2, "npp", None, "kg", 5, 100, "98"),
]
_LEGAL_FORMS = {
    "IN": ["Pvt Ltd", "Private Limited", "Ltd"], "CN": ["Co., Ltd.", "Co Ltd"],
    "DE": ["GmbH", "GmbH & Co. KG", "AG"], "NL": ["B.V."], "BE": ["NV", "BV"],
    "GB": ["Ltd", "Limited"], "US": ["Inc.", "LLC", "Corp."], "FR": ["SAS", "SA"],
    "IT": ["S.p.A.", "S.r.l."], "ES": ["S.L.", "S.A."], "CH": ["AG", "SA"], "JP": ["K.K."],
    "MX": ["S.A. de C.V."], "BR": ["Ltda."], "TR": ["A.S.", "Ltd. Sti."], "NG": ["Ltd", "Nig. Ltd"],
    "MY": ["Sdn Bhd"], "ZA": ["(Pty) Ltd"], "AE": ["FZE", "LLC", "FZCO"], "ID": ["PT"],
}  # fmt: skip
_BUSINESS = [
    "Chemicals", "Pharma", "Pharmaceuticals", "Industries", "Trading", "Laboratories",
    "Organics", "Solvents", "Healthcare", "Drugs", "Fine Chemicals", "Enterprises",
]  # fmt: skip
_LOGISTICS = ["Logistics", "Shipping", "Freight", "Cargo", "Forwarding", "Global Logistics"]
_SYLLABLES = [
    "ka", "ra", "vo", "tex", "lin", "sol", "mar", "zen", "qua", "tor", "vel", "ni",
    "ar", "bo", "lu", "mex", "dor", "fin", "gal", "hor", "is", "jun", "kel", "nor",
    "os", "pra", "ri", "sen", "tal", "ur", "vin", "wel", "xan", "yor", "zor", "ben",
    "cas", "del",
]  # fmt: skip
_STREETS = ["Industrial Area", "Harbour Road", "Chemical Park", "Free Zone", "Plot", "Phase II"]


@dataclass(frozen=True, slots=True)
class Firm:
    """A company of the synthetic world, with its entity id in the store."""

    id: str
    name: str
    country: str
    address: str


@dataclass(frozen=True, slots=True)
class Good:
    """A substance as traded: how it is written, its catalogue entry and usual quantities."""

    substance: str
    code: str
    family: str
    salt: str | None
    units: tuple[str, ...]
    low: int
    high: int
    concentration: str | None
    density: Decimal | None
    salt_factor: Decimal


@dataclass(slots=True)
class Draft:
    """A record to store: its API body and what the bulk loader needs besides."""

    kind: str  # "notification" or "seizure"
    id: str
    country: str  # the posting authority's country
    body: Body
    parties: list[tuple[int, str, Firm]]  # (position, role, firm)
    items: list[tuple[Good, int, str]]  # (good, quantity, unit)
    matched: "Draft | None" = None  # the notification a seizure was taken from


class Zipf:
    """Draw from a list with probability proportional to 1 / rank^s."""

    def __init__(self, values: Sequence[Any], s: float) -> None:
        self.values = list(values)
        self.cum = list(itertools.accumulate(1 / (k + 1) ** s for k in range(len(self.values))))

    def draw(self, rng: random.Random) -> Any:
        """Return one value."""
        return self.values[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


class Weighted:
    """Draw keys of a weight table."""

    def __init__(self, table: Mapping[str, float]) -> None:
        self.keys = list(table)
        self.cum = list(itertools.accumulate(table.values()))

    def draw(self, rng: random.Random) -> str:
        """Return one key."""
        return self.keys[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def _goods() -> tuple[list[tuple[float, float, Good]], dict[str, Good]]:
    cat = catalogue()
    out = []
    for notified, seized, text, salt, units, low, high, conc in _GOODS:
        substance = cat.resolve(text).substance
        good = Good(
            text,
            substance.code,
            substance.family,
            salt,
            tuple(units.split()),
            low,
            high,
            conc,
            substance.density_g_per_ml,
            cat.salt_factor(substance, salt),
        )
        out.append((notified, seized, good))
    return out, {g.code: g for _, _, g in out}


class World:
    """The firms, goods and laws of the synthetic trade; fixed by the seed."""

    def __init__(self, seed: int, firms: int = 40_000) -> None:
        rng = random.Random(seed)
        self.countries = sorted(
            {*EXPORTERS, *IMPORTERS, *TRANSIT_HUBS, *FORWARDER_COUNTRIES}
            | {c for table in SEIZED_IN.values() for c in table}
            | set(_SOLVENT_SEIZURES)
        )
        goods, self.by_code = _goods()
        self.notified_goods = Weighted({g.code: w for w, _, g in goods if w})
        self.seized_goods = Weighted({g.code: w for _, w, g in goods if w})
        self.exporters = Weighted(dict(EXPORTERS))
        self.importers = Weighted({c: 1 / (k + 1) ** 0.8 for k, c in enumerate(IMPORTERS)})
        self.hubs = {f: (share, Weighted(t)) for f, (share, t) in HUBS.items()}
        self.sources = {f: (share, Weighted(t)) for f, (share, t) in SOURCES.items()}
        self.seized_in = {f: Weighted(t) for f, t in SEIZED_IN.items()}
        self.seized_from = {f: Weighted(t) for f, t in SEIZED_FROM.items()}
        self.solvent_seizures = Weighted(dict(_SOLVENT_SEIZURES))
        self.incidents = Weighted(dict(INCIDENTS))
        # Manufacturers in exporting countries, importers and distributors everywhere,
        # forwarders and brokers in a global pool; sizes follow each country's trade.
        export_total = sum(EXPORTERS.values())
        import_weight = {c: 1 / (k + 1) ** 0.8 for k, c in enumerate(IMPORTERS)}
        import_total = sum(import_weight.values())
        n_makers, n_buyers, n_agents = int(firms * 0.2), int(firms * 0.72), int(firms * 0.08)
        sizes = {
            c: (
                max(30, round(n_makers * EXPORTERS.get(c, 0.3) / export_total)),
                max(50, round(n_buyers * import_weight.get(c, 0.02) / import_total)),
            )
            for c in self.countries
        }
        stems = self._stems(rng, sum(a + b for a, b in sizes.values()) + n_agents + 2000)
        self._seconds = [stems.pop() for _ in range(2000)]  # second words, shared among firms
        self.makers: dict[str, Zipf] = {}
        self.buyers: dict[str, Zipf] = {}
        self.firms: list[Firm] = []
        for country, (makers, buyers) in sizes.items():
            self.makers[country] = Zipf(self._firms(rng, stems, country, makers, _BUSINESS), 1.05)
            self.buyers[country] = Zipf(self._firms(rng, stems, country, buyers, _BUSINESS), 1.05)
        agents = Weighted(dict(FORWARDER_COUNTRIES))
        self.agents = Zipf(
            [self._firm(rng, stems, agents.draw(rng), _LOGISTICS) for _ in range(n_agents)], 1.2
        )
        self.to_order = {c: self._firm(rng, stems, c, [], TO_ORDER) for c in self.countries}

    @staticmethod
    def _stems(rng: random.Random, n: int) -> list[str]:
        seen: set[str] = set()
        while len(seen) < n:
            parts = rng.sample(_SYLLABLES, rng.choice((2, 3)))
            seen.add("".join(parts).capitalize())
        out = sorted(seen)
        rng.shuffle(out)
        return out

    def _firm(
        self,
        rng: random.Random,
        stems: list[str],
        country: str,
        words: Sequence[str],
        name: str | None = None,
    ) -> Firm:
        if name is None:
            # Two distinctive words, so a name is not one typo away from another firm's.
            first, second = stems.pop(), rng.choice(self._seconds)
            form = rng.choice(_LEGAL_FORMS.get(country, ["Ltd"]))
            name = f"{first} {second} {rng.choice(words)} {form}"
        address = f"{rng.choice(_STREETS)} {rng.randint(1, 400)}"
        firm = Firm(str(uuid.UUID(int=rng.getrandbits(128), version=4)), name, country, address)
        self.firms.append(firm)
        return firm

    def _firms(
        self, rng: random.Random, stems: list[str], country: str, n: int, words: Sequence[str]
    ) -> list[Firm]:
        return [self._firm(rng, stems, country, words) for _ in range(n)]


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
