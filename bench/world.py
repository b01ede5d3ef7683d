"""The synthetic world the benchmarks draw records from: countries, trade tables, firms, goods.

Fixed by the seed: the same seed gives the same firms, goods and laws (see bench.population for
the records drawn from it).
"""

import bisect
import itertools
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

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
