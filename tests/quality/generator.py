"""A labelled world for measuring seizure -> notification links: generated from a seed.

``build_world(seed)`` returns every request body of the evaluation set, the label of each
seizure (the reference of the notification it truly comes from, or ``None``), and the decoys and
lures planted next to it. The same seed gives the same bodies (``random.Random(seed)`` only).

The world
---------
- **Companies**: 40 exporters in 7 countries (DE NL BE GB IN CN US) and 60 importers in 8
  (NG GH MX TR ZA MY KE BR), written by hand below so that many share generic words ("... Pharma
  Ltd", "... Chemicals", "Fine Chemicals", "Shree ...") and several share a city or region word
  while being DIFFERENT companies: "Lagos Pharma Ltd" / "Lagos Chemicals Ltd" / "Lagos Trading Co.
  Ltd", "Tema Pharmaceuticals" / "Tema Chemicals", "Farmaceutica del Pacifico" / "Quimica del
  Pacifico", "Anadolu Ilac Sanayi" / "Anadolu Kimya Sanayi", "Shijiazhuang Huaxin Pharmaceutical" /
  "Shijiazhuang Huaxia Chemical" (two words differ) ... Two companies of one country never differ
  only by a legal form, by an extra generic word, or by one of the typos made below.
- **Regular notifications** (~195): a goods line from the catalogue (salts such as ephedrine
  hydrochloride, pseudoephedrine sulphate, ergometrine maleate; litres for liquids such as acetone,
  toluene, acetic anhydride, 33 % hydrochloric acid), dispatched over 2025-2026; sea with 1-3
  ISO 6346 containers and a bill of lading, air with an IATA air waybill (small quantities of the
  ephedrines, ergometrine, 4-piperidone), road (EU -> TR, US -> MX, CN -> MY) with only an invoice
  number; transit hubs on half the routes; a forwarder or broker on a quarter of them.
  A consignee never receives two regular consignments of one substance family within
  ``LANE_GAP_DAYS`` (so a seizure naming the consignee is never ambiguous by construction; the
  repeats that exist are the planted decoys below, which are distinguishable).

Seizures that truly come from a notification (label = its reference), ~60 %
---------------------------------------------------------------------------
Typed the way another authority would type them. Every derived seizure is tagged with what was
done to it; the test reports recall per tag:

- ``scene:in_transit`` (seized in a transit country), ``scene:at_import`` (importing country, at
  arrival), ``scene:diverted_after_import`` (a laboratory, theft or seizure in the importing
  country 60-200 days after dispatch; no transport documents any more, the importer is named);
  the date is 1-200 days after dispatch (``date:over_90_days`` when more than 90), never after
  ``AS_OF``; origin = exporting country, destination = importing country (``route:no_destination``
  when the reporter left it out), the notification's transit countries half of the time.
- ``ids:container`` / ``ids:bill_of_lading`` / ``ids:air_waybill`` / ``ids:invoice``: the
  identifiers carried, spelled differently ("MSCU 123456-6", "mscu1234566", "176 1234 5675",
  "medu-123456789", "inv 2025 12345"); ``ids:none`` when there is none at all (only parties,
  substance, route and dates).
- Party names (the consignee always, ``exporter_named`` for half, the notified forwarder
  sometimes): ``name:exact``, ``name:case``, ``name:punctuation`` (dots, commas, ``&``/``and``,
  accents), ``name:legal_form`` (another spelling of the form or none: "Ltd"/"Limited",
  "Co., Ltd."/"Company Limited", "Pvt. Ltd."/"Private Limited", "(Pty) Ltd"/"(Proprietary)
  Limited", "GmbH & Co. KG"/"GmbH", "A.S."/"AS" ...), ``name:ms_prefix`` ("M/s.", "Messrs"),
  ``name:typo_name_word`` / ``name:typo_generic_word``: one typo in a long word, never in its
  first two letters nor its last (a missing or doubled letter in a word of 7+ letters, a changed
  or swapped letter in a word of 9+: "Shijiazhaung", "Pharmaceuticls", "Hyderabaad",
  "Induustries"). ``name:`` tags describe every named party of the seizure.
- Substance spelled by code, name, synonym or CAS RN with the salt kept ("Ephedrine HCl",
  "299-42-3" + salt); quantity at most the notified one (``quantity:partial_below_half`` below
  50 %; ``quantity:litres_weighed_as_kg``, ``quantity:tonnes`` for other units).
- ``split``: a few consignments were seized in two parts (two seizures, one label each).
- ``late``: ~20 % of the notifications with a true seizure are posted AFTER their seizures
  (correlation has to work from the notification side too).

Decoy notifications (planted next to a true pair; linking them is a false positive)
----------------------------------------------------------------------------------
- ``decoy:out_of_window_earlier`` / ``decoy:out_of_window_later``: same exporter, same
  importer and consignee, same substance, dispatched 13-23 months earlier or later: the seizure
  falls more than 365 days after its dispatch, or before it.
- ``decoy:small_quantity``: same exporter, importer, substance, dispatched within weeks, but
  notifying at most a quarter of what was seized (a 400 kg seizure does not come from 50 kg).
- ``decoy:sibling_same_place``: same exporter and substance, dispatched within weeks, to a
  different importer of the same city or region ("Lagos Chemicals Ltd" when the seizure names
  "LAGOS PHARMA LIMITED"); ``decoy:sibling_generic_word``: same, to an importer sharing only
  generic words ("Lagos Pharma Ltd" when the seizure names "Zenith Pharma Ltd", "Quimica Santos"
  for "Minas Quimica Industrial").
- ``decoy:container_reuse``: another exporter and importer, same substance, dispatched 2-3.5
  years before the seizure in the very container the seizure names (containers are reused).
Decoys of late pairs are posted late too, half of the time.

Unrelated seizures (label ``None``), ~40 %
------------------------------------------
- ``unrelated:city_word`` (lure: a notification): same substance, route and a date 3-60 days
  after that notification's dispatch, but the consignee is a stranger sharing the notified
  consignee's city word ("Lagos Freight Services Ltd"), with a container of its own or none.
- ``unrelated:generic_word`` (lure): same, the stranger shares only generic words ("Unity
  Pharma Ltd").
- ``unrelated:same_lane_strangers`` (lure): same substance and route, a container of its own,
  exporter and consignee both strangers.
- ``unrelated:illicit_laboratory``, ``unrelated:theft``, ``unrelated:suspicious_order``,
  ``unrelated:glycidate_seizure``: incidents with local strangers or no party at all.
The lures are recorded so that a false positive on them is reported under its class.

``tests/quality/test_generator.py`` checks that the labels are honest: for every seizure, every
notification but its label is ruled out by the date window, the substance family, the quantity
or a different receiving company named on the seizure.
"""

import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from stdnum import iso6346

Body = dict[str, Any]

AS_OF = date(2026, 11, 20)  # the tests' frozen clock: nothing happens after it
FIRST_NOTIFIED = date(2025, 1, 2)
LAST_NOTIFIED = date(2026, 10, 10)
WINDOW_DAYS = 365  # DESIGN 2.5: a seizure links to a consignment dispatched within 365 days
LANE_GAP_DAYS = 420
MAX_DAYS_AFTER_DISPATCH = 200

# --- companies ---------------------------------------------------------------------------------

LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "ltd": ("Ltd", "Ltd.", "Limited", "LTD."),
    "pvt_ltd": ("Pvt. Ltd.", "Pvt Ltd", "Private Limited", "Pvt. Limited", "P. Ltd."),
    "co_ltd": ("Co., Ltd.", "Co. Ltd.", "Co Ltd", "Company Limited", "Co.,Ltd."),
    "gmbh": ("GmbH", "G.m.b.H.", "GMBH"),
    "gmbh_kg": ("GmbH & Co. KG", "GmbH & Co KG", "GmbH"),
    "bv": ("B.V.", "BV", "B V"),
    "nv": ("NV", "N.V."),
    "sa": ("S.A.", "SA"),
    "plc": ("plc", "PLC", "Public Limited Company"),
    "llc": ("LLC", "L.L.C."),
    "inc": ("Inc.", "Inc", "Incorporated"),
    "corp": ("Corp.", "Corporation", "Corp"),
    "sa_cv": ("S.A. de C.V.", "SA de CV", "S.A. DE C.V."),
    "as": ("A.Ş.", "A.S.", "AŞ"),
    "ltd_sti": ("Ltd. Şti.", "Ltd Sti", "Limited Şirketi"),
    "pty": ("(Pty) Ltd", "(Pty) Ltd.", "Pty Ltd", "(Proprietary) Limited"),
    "sdn_bhd": ("Sdn. Bhd.", "Sdn Bhd", "SDN BHD", "Sendirian Berhad"),
    "ltda": ("Ltda.", "Ltda", "LTDA"),
}

# country | name without legal form | legal form | city or region word shared with other firms
_EXPORTERS = """
DE|Chemwerk Hamburg|gmbh|Hamburg
DE|Hamburg Solvents|gmbh|Hamburg
DE|Rheinische Feinchemie|gmbh_kg|
DE|Albrecht Pharma|gmbh|
DE|Ludwigshafen Chemie Handels|gmbh|Ludwigshafen
DE|Brandt Pharmazeutika|gmbh|
NL|Rotterdam Solvents|bv|Rotterdam
NL|Rotterdam Fine Chemicals|bv|Rotterdam
NL|Botlek Chemical Trading|bv|Botlek
NL|Van der Berg Pharma|bv|
NL|Delta Pharmaceuticals|bv|
BE|Antwerp Chemical Trading|nv|Antwerp
BE|Antwerp Pharma|nv|Antwerp
BE|Ghent Organics|bv|Ghent
BE|Lemaire Chimie|sa|
GB|Thames Fine Chemicals|ltd|Thames
GB|Thames Pharma|ltd|Thames
GB|Mersey Chemicals|ltd|Mersey
GB|Pennine Laboratories|ltd|Pennine
GB|Blackwood Pharmaceuticals|plc|
IN|Hyderabad Fine Chemicals|pvt_ltd|Hyderabad
IN|Hyderabad Pharma|pvt_ltd|Hyderabad
IN|Vapi Organics|ltd|Vapi
IN|Sainath Pharmaceuticals|pvt_ltd|
IN|Mumbai Chemicals|pvt_ltd|Mumbai
IN|Ankleshwar Intermediates|pvt_ltd|Ankleshwar
IN|Shree Ganesh Chemicals|pvt_ltd|
IN|Shree Balaji Pharma|pvt_ltd|
CN|Shijiazhuang Huaxin Pharmaceutical|co_ltd|Shijiazhuang
CN|Shijiazhuang Huaxia Chemical|co_ltd|Shijiazhuang
CN|Wuhan Yuancheng Technology|co_ltd|Wuhan
CN|Hebei Jiheng Chemical|co_ltd|Hebei
CN|Zhejiang Jiuzhou Pharmaceutical|co_ltd|Zhejiang
CN|Shanghai Sunway Chemical Trading|co_ltd|Shanghai
CN|Changzhou Kaida Chemical|co_ltd|Changzhou
CN|Hubei Xinjing New Material|co_ltd|Hubei
US|Gulf Coast Solvents|llc|
US|Garden State Pharma Ingredients|inc|
US|Lone Star Chemical|corp|
US|Midwest Fine Chemicals|inc|
"""

_IMPORTERS = """
NG|Lagos Pharma|ltd|Lagos
NG|Lagos Chemicals|ltd|Lagos
NG|Lagos Trading|co_ltd|Lagos
NG|Ikeja Drug Manufacturing|co_ltd|Ikeja
NG|Onitsha Medicals Nigeria|ltd|Onitsha
NG|Kano Pharmaceuticals|ltd|Kano
NG|Zenith Pharma|ltd|
NG|Apapa Chemical Industries|ltd|Apapa
NG|Sahel Healthcare|ltd|
GH|Tema Pharmaceuticals|ltd|Tema
GH|Tema Chemicals|ltd|Tema
GH|Kumasi Healthcare Products|ltd|Kumasi
GH|Accra Laboratories|ltd|Accra
GH|Volta Pharma|ltd|Volta
GH|Kwahu Chemical Supplies|ltd|Kwahu
GH|Ashanti Drug Distributors|ltd|Ashanti
MX|Farmacéutica del Pacífico|sa_cv|Pacífico
MX|Química del Pacífico|sa_cv|Pacífico
MX|Química Industrial del Bajío|sa_cv|Bajío
MX|Laboratorios Culiacán|sa_cv|Culiacán
MX|Solventes de Jalisco|sa_cv|Jalisco
MX|Distribuidora Química Sinaloa|sa_cv|Sinaloa
MX|Farmacéutica Monterrey|sa_cv|Monterrey
MX|Industrias Químicas Veracruz|sa_cv|Veracruz
TR|Anadolu İlaç Sanayi|as|Anadolu
TR|Anadolu Kimya Sanayi|as|Anadolu
TR|Marmara Kimya|ltd_sti|Marmara
TR|Ege Farma|ltd_sti|Ege
TR|İstanbul Solvent Ticaret|as|İstanbul
TR|Bosphorus Chemicals|as|Bosphorus
TR|Kocaeli İlaç Hammaddeleri|as|Kocaeli
ZA|Durban Pharmaceutical Manufacturers|pty|Durban
ZA|Durban Chemicals|pty|Durban
ZA|Cape Chem Distributors|pty|Cape
ZA|Gauteng Laboratories|pty|Gauteng
ZA|Highveld Pharma|pty|Highveld
ZA|Karoo Chemical Trading|pty|Karoo
ZA|Umhlanga Healthcare|pty|Umhlanga
MY|Klang Pharma|sdn_bhd|Klang
MY|Klang Chemicals|sdn_bhd|Klang
MY|Penang Chemical Supplies|sdn_bhd|Penang
MY|Selangor Healthcare|sdn_bhd|Selangor
MY|Johor Fine Chemicals|sdn_bhd|Johor
MY|Borneo Pharmaceuticals|sdn_bhd|Borneo
MY|Melaka Laboratories|sdn_bhd|Melaka
KE|Mombasa Pharma|ltd|Mombasa
KE|Mombasa Chemicals|ltd|Mombasa
KE|Nairobi Pharmaceuticals|ltd|Nairobi
KE|Rift Valley Chemical Industries|ltd|Rift Valley
KE|Kilimani Healthcare|ltd|Kilimani
KE|Athi River Laboratories|ltd|Athi River
KE|Savannah Drug Distributors|ltd|
BR|Farmacêutica Santos|ltda|Santos
BR|Química Santos|ltda|Santos
BR|Paulista Solventes|ltda|Paulista
BR|Laboratório Campinas|ltda|Campinas
BR|Minas Química Industrial|ltda|Minas
BR|Amazônia Farma|ltda|Amazônia
BR|Recife Produtos Químicos|ltda|Recife
BR|Paraná Farmacêutica|ltda|Paraná
"""

# Business words that many companies share (for tagging typos and building strangers' names).
GENERIC_WORDS = frozenset(
    [
        "pharma",
        "pharmaceutical",
        "pharmaceuticals",
        "pharmazeutika",
        "farma",
        "farmacéutica",
        "farmacêutica",
        "ilaç",
        "chemical",
        "chemicals",
        "chemie",
        "chem",
        "chimie",
        "química",
        "químicas",
        "kimya",
        "fine",
        "trading",
        "handels",
        "ticaret",
        "laboratories",
        "laboratorios",
        "laboratório",
        "healthcare",
        "products",
        "produtos",
        "industries",
        "industrial",
        "industrias",
        "sanayi",
        "distributors",
        "distribuidora",
        "drug",
        "manufacturing",
        "manufacturers",
        "supplies",
        "medicals",
        "organics",
        "solvents",
        "solventes",
        "solvent",
        "technology",
        "material",
        "new",
        "intermediates",
        "ingredients",
        "hammaddeleri",
    ]
)

# Strangers: names of companies that are not in the world (unrelated seizures).
_CITY_PHRASES = (
    "Freight Services",
    "General Merchants",
    "Agro Inputs",
    "Import Export",
    "Wellness Supplies",
    "Cosmetics",
)
_STRANGER_WORDS = ("Unity", "Crown", "Sunrise", "Evergreen", "Northstar", "Heritage", "Victory")
_STRANGER_EXPORTERS = (
    "Orion Bulk Chemicals",
    "Silverline Industrial Solvents",
    "Greenfield Agro Chemicals",
    "Kestrel Pharma Ingredients",
)
_LOCAL_STRANGERS = (
    "Citywide Pharmacy",
    "Goldleaf Cosmetics",
    "Riverside Paints",
    "Harbour View Warehousing",
    "Starlight Agro Dealers",
)
_FORWARDERS = (
    ("broker", "Gulf Chem Trading FZE", "AE"),
    ("forwarder", "Blue Anchor Logistics Ltd", "GB"),
    ("forwarder", "Nhava Sheva Cargo Movers Pvt Ltd", "IN"),
    ("broker", "Pacific Chem (HK) Ltd", "HK"),
    ("forwarder", "Rhein Cargo Spedition GmbH", "DE"),
)
_MS_COUNTRIES = frozenset({"IN", "NG", "GH", "KE", "LK", "AE", "MY", "ZA"})


@dataclass(frozen=True, slots=True)
class Company:
    """A legal entity of the world."""

    key: str
    country: str
    stem: str
    form: str
    place: str
    role: str

    def spelling(self, index: int = 0) -> str:
        """The name with one of the spellings of its legal form."""
        forms = LEGAL_FORMS[self.form]
        return f"{self.stem} {forms[index % len(forms)]}"

    @property
    def name(self) -> str:
        """The usual spelling."""
        return self.spelling(0)


def _companies() -> dict[str, Company]:
    out: dict[str, Company] = {}
    for role, table in (("exporter", _EXPORTERS), ("importer", _IMPORTERS)):
        counter: Counter[str] = Counter()
        for line in table.strip().splitlines():
            country, stem, form, place = line.split("|")
            counter[country] += 1
            key = f"{role[:3]}-{country}-{counter[country]:02d}"
            out[key] = Company(key, country, stem, form, place, role)
    return out


COMPANIES = _companies()


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only, one space between words (for checks)."""
    ascii_text = unicodedata.normalize("NFKD", text.replace("İ", "I").replace("\u0131", "i"))
    ascii_text = "".join(c for c in ascii_text if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


# --- places and transport ----------------------------------------------------------------------

# country: (sea ports, airport, road border post or None)
PLACES: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "DE": (("DEHAM", "DEBRV"), "DEFRA", None),
    "NL": (("NLRTM",), "NLAMS", None),
    "BE": (("BEANR",), "BEBRU", None),
    "GB": (("GBFXT", "GBSOU"), "GBLHR", None),
    "IN": (("INNSA", "INMUN", "INMAA"), "INBOM", None),
    "CN": (("CNSHA", "CNNGB", "CNTXG"), "CNPVG", "CNPXG"),
    "US": (("USHOU", "USNYC"), "USJFK", "USLRD"),
    "NG": (("NGAPP", "NGTIN"), "NGLOS", None),
    "GH": (("GHTEM",), "GHACC", None),
    "MX": (("MXZLO", "MXVER", "MXLZC"), "MXMEX", "MXNLD"),
    "TR": (("TRMER", "TRAMB"), "TRIST", "TRKPK"),
    "ZA": (("ZADUR",), "ZAJNB", None),
    "MY": (("MYPKG", "MYTPP"), "MYKUL", "MYBKH"),
    "KE": (("KEMBA",), "KENBO", None),
    "BR": (("BRSSZ", "BRPNG"), "BRGRU", None),
    "AE": (("AEJEA",), "AEDXB", None),
    "SG": (("SGSIN",), "SGSIN", None),
    "LK": (("LKCMB",), "LKCMB", None),
    "MA": (("MAPTM",), "MACMN", None),
    "ES": (("ESALG", "ESVLC"), "ESMAD", None),
    "PA": (("PAMIT",), "PAPTY", None),
    "EG": (("EGPSD",), "EGCAI", None),
    "GR": (("GRPIR",), "GRATH", None),
    "MT": (("MTMAR",), "MTMLA", None),
    "QA": (("QAHMD",), "QADOH", None),
    "ET": ((), "ETADD", None),
    "AT": ((), "ATVIE", "ATNIK"),
    "HU": ((), "HUBUD", "HUNAG"),
    "RO": (("ROCND",), "ROOTP", "RONDL"),
    "BG": (("BGVAR",), "BGSOF", "BGKAP"),
    "LA": ((), "LAVTE", "LABOT"),
    "TH": (("THLCH",), "THBKK", "THNKH"),
}
_REGIONS = {
    "IN": "asia",
    "CN": "asia",
    "DE": "eu",
    "NL": "eu",
    "BE": "eu",
    "GB": "eu",
    "US": "us",
    "NG": "west_africa",
    "GH": "west_africa",
    "KE": "east_africa",
    "ZA": "east_africa",
    "MX": "latam",
    "BR": "latam",
    "TR": "tr",
    "MY": "my",
}
_SEA_HUBS: dict[tuple[str, str], tuple[str, ...]] = {
    ("asia", "west_africa"): ("AE", "LK", "MA", "SG"),
    ("asia", "east_africa"): ("AE", "LK", "SG"),
    ("asia", "latam"): ("SG", "PA"),
    ("asia", "tr"): ("AE", "EG"),
    ("asia", "my"): ("SG", "LK"),
    ("eu", "west_africa"): ("ES", "MA"),
    ("eu", "east_africa"): ("ES", "EG", "AE"),
    ("eu", "latam"): ("ES", "PA"),
    ("eu", "tr"): ("GR", "MT"),
    ("eu", "my"): ("AE", "LK", "SG"),
    ("us", "west_africa"): ("ES", "MA"),
    ("us", "east_africa"): ("ES", "EG"),
    ("us", "latam"): ("PA",),
    ("us", "tr"): ("ES", "GR"),
    ("us", "my"): ("PA", "SG"),
}
_ROAD_LANES: dict[tuple[str, str], tuple[str, ...]] = {
    ("DE", "TR"): ("AT", "HU", "RO", "BG"),
    ("NL", "TR"): ("DE", "AT", "HU", "RO", "BG"),
    ("BE", "TR"): ("DE", "AT", "HU", "RO", "BG"),
    ("US", "MX"): (),
    ("CN", "MY"): ("LA", "TH"),
}
CARRIERS = {
    "MSCU": "MEDU",
    "MAEU": "MAEU",
    "CMAU": "CMDU",
    "HLXU": "HLCU",
    "COSU": "COSU",
    "ONEU": "ONEY",
    "EGHU": "EGLV",
}
AIRLINES = {"176": "AE", "157": "QA", "071": "ET", "235": "TR", "020": "DE", "074": "NL"}
_EXPORT_WEIGHTS = {"IN": 20, "CN": 20, "DE": 14, "NL": 11, "BE": 9, "GB": 12, "US": 10}
_DECLARED = ("sodium benzoate", "vitamin C powder", "lactose", "paint thinner", "fertiliser")


# --- goods -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Goods:
    """A line a legitimate exporter ships, and how a seizing authority writes it down."""

    weight: int
    family: str  # the catalogue's family
    substance: str  # as the exporter writes it
    salt: str | None
    units: tuple[str, ...]
    low: int
    high: int
    concentration: float
    density: float | None  # g/ml, to weigh litres
    seized_as: tuple[tuple[str, str | None], ...]  # (substance, salt)
    end_use: str
    may_fly: bool = False


# weight | family | substance | salt | units | low | high | % | density g/ml | as seized (";"
# between spellings, "+salt" for a separate salt field) | end use | may fly
_GOODS_TABLE = """
12|ephedrine|ephedrine|hydrochloride|kg|25|1000|99.5||Ephedrine HCl;ephedrine hydrochloride;\
299-42-3+hydrochloride;EPHEDRINE+HCl|cough and cold syrups|y
8|pseudoephedrine|pseudoephedrine|sulphate|kg|50|2000|99||pseudoephedrine sulfate;\
90-82-4+sulphate|decongestant tablets|y
8|pseudoephedrine|pseudoephedrine hydrochloride||kg|50|2000|99||pseudoephedrine HCl;\
PSEUDOEPHEDRINE HYDROCHLORIDE|decongestant tablets|y
3|norephedrine|phenylpropanolamine|hydrochloride|kg|25|400|99||norephedrine HCl;\
Phenylpropanolamine hydrochloride|veterinary urinary continence tablets|y
2|ergometrine|ergometrine|maleate|g|50|2000|98||ergometrine maleate;ERGONOVINE+maleate|\
obstetric injections|y
10|acetic-anhydride|acetic anhydride||l kg|2000|24000|99|1.08|acetic anhydride;Ac2O;108-24-7|\
manufacture of paracetamol|
8|potassium-permanganate|potassium permanganate||kg|500|10000|99||KMnO4;\
POTASSIUM PERMANGANATE;7722-64-7|water treatment|
3|p-2-p|P-2-P||l|50|800|98|1.01|phenylacetone;BMK;1-phenyl-2-propanone|\
synthesis of pharmaceutical intermediates|
4|p-2-p|phenylacetic acid||kg|200|5000|99||phenylacetic acid;103-82-2|penicillin G manufacture|
3|3-4-mdp-2-p|safrole||l|100|2000|90|1.10|safrole;94-59-7|fragrance manufacture|
3|3-4-mdp-2-p|piperonal||kg|100|3000|99||heliotropine;piperonal|fragrance and flavour|
12|acetone|acetone||l|5000|40000|99.5|0.79|acetone;propanone;67-64-1|\
solvent for coatings and adhesives|
10|toluene|toluene||l|10000|40000|99.8|0.87|toluene;methylbenzene;108-88-3|\
paint and thinner production|
6|methyl-ethyl-ketone|methyl ethyl ketone||l|5000|30000|99.5|0.81|MEK;2-butanone;78-93-3|\
printing inks|
3|ethyl-ether|ethyl ether||l|200|5000|99|0.71|diethyl ether;ethyl ether|laboratory solvent|
5|hydrochloric-acid|hydrochloric acid||l|5000|30000|33|1.16|hydrochloric acid;muriatic acid;\
7647-01-0|steel pickling|
5|sulphuric-acid|sulphuric acid||l|5000|30000|96|1.84|sulfuric acid;7664-93-9|\
battery manufacture|
3|anthranilic-acid|anthranilic acid||kg|200|3000|99||2-aminobenzoic acid;anthranilic acid|\
dye intermediates|
2|piperidine|piperidine||l|100|2000|99|0.86|piperidine;110-89-4|\
rubber vulcanisation accelerators|
2|fentanyl|4-piperidone|hydrochloride|kg|25|500|98||4-piperidone HCl;\
4-piperidone hydrochloride|synthesis of active pharmaceutical ingredients|y
"""


def _goods() -> tuple[Goods, ...]:
    out = []
    for line in _GOODS_TABLE.strip().splitlines():
        weight, family, substance, salt, units, low, high, pct, density, seized, use, fly = (
            line.split("|")
        )
        spellings = tuple(
            (s.split("+")[0], s.split("+")[1] if "+" in s else None) for s in seized.split(";")
        )
        out.append(
            Goods(
                int(weight),
                family,
                substance,
                salt or None,
                tuple(units.split()),
                int(low),
                int(high),
                float(pct),
                float(density) if density else None,
                spellings,
                use,
                fly == "y",
            )
        )
    return tuple(out)


GOODS = _goods()

# Incidents with no notification behind them: (kind, substances, units).
_LAB_SUBSTANCES = (
    ("P-2-P", "l"),
    ("safrole", "l"),
    ("acetone", "l"),
    ("toluene", "l"),
    ("hydrochloric acid", "l"),
    ("BMK methyl glycidate", "kg"),
)
_GLYCIDATES = ("PMK glycidate", "BMK methyl glycidate", "PMK ethyl glycidate", "APAA")


# --- the world ---------------------------------------------------------------------------------


@dataclass(slots=True)
class NotificationCase:
    """A notification body with who posts it, when, and what it is in the evaluation."""

    reference: str
    country: str  # the exporting country: its authority posts it
    body: Body
    kind: str  # "regular" or a "decoy:..." class
    exporter: str
    importer: str
    consignee: str
    goods: Goods
    phase: int = 1  # 1: before the seizures, 3: after them (late)

    @property
    def dispatch(self) -> date:
        """The dispatch date."""
        return date.fromisoformat(self.body["dispatch_date"])

    @property
    def arrival(self) -> date:
        """The expected arrival date."""
        return date.fromisoformat(self.body["expected_arrival_date"])


@dataclass(slots=True)
class SeizureCase:
    """A seizure body with who posts it and its label."""

    reference: str
    country: str  # the reporting country
    body: Body
    label: str | None  # the notification it truly comes from
    tags: tuple[str, ...]
    companies: tuple[str, ...] = ()  # world companies it names
    phase: int = 2

    @property
    def occurred_on(self) -> date:
        """The seizure date."""
        return date.fromisoformat(self.body["occurred_on"])


@dataclass
class World:
    """The labelled evaluation set."""

    seed: int
    notifications: list[NotificationCase]
    seizures: list[SeizureCase]
    # (seizure reference, notification reference) -> the class of the planted decoy or lure
    lures: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def truth(self) -> set[tuple[str, str]]:
        """The true (seizure, notification) pairs."""
        return {(s.reference, s.label) for s in self.seizures if s.label is not None}

    def notification(self, reference: str) -> NotificationCase:
        """Find a notification by reference."""
        return next(n for n in self.notifications if n.reference == reference)

    def seizure(self, reference: str) -> SeizureCase:
        """Find a seizure by reference."""
        return next(s for s in self.seizures if s.reference == reference)


def _check_digit_awb(serial7: str) -> str:
    return str(int(serial7) % 7)


class _Builder:
    """Everything random goes through one `random.Random(seed)`, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.exporters: dict[str, list[Company]] = defaultdict(list)
        self.importers: dict[str, list[Company]] = defaultdict(list)
        for c in COMPANIES.values():
            (self.exporters if c.role == "exporter" else self.importers)[c.country].append(c)
        self.lanes: dict[tuple[str, str], list[date]] = defaultdict(list)
        self.used: set[str] = set()
        self.refs: Counter[str] = Counter()
        self.notifications: list[NotificationCase] = []
        self.seizures: list[SeizureCase] = []
        self.lures: dict[tuple[str, str], str] = {}

    # -- identifiers ---------------------------------------------------------------------------

    def _fresh(self, make: Any) -> str:
        while True:
            value: str = make()
            if value not in self.used:
                self.used.add(value)
                return value

    def container(self, owner: str | None = None) -> str:
        def make() -> str:
            prefix = (owner or self.rng.choice(list(CARRIERS))) + f"{self.rng.randrange(10**6):06d}"
            return prefix + str(iso6346.calc_check_digit(prefix))

        return self._fresh(make)

    def bill_of_lading(self, owner: str) -> str:
        return self._fresh(lambda: CARRIERS[owner] + f"{self.rng.randrange(10**9):09d}")

    def air_waybill(self, prefix: str) -> str:
        def make() -> str:
            serial = f"{self.rng.randrange(10**7):07d}"
            return f"{prefix}-{serial}{_check_digit_awb(serial)}"

        return self._fresh(make)

    def invoice(self, exporter: Company, year: int) -> str:
        styles = (
            lambda: f"INV/{year}/{self.rng.randint(1000, 99999)}",
            lambda: f"{exporter.country}-{year}-{self.rng.randint(10000, 99999)}",
            lambda: f"EXP {year % 100:02d}-{self.rng.randint(100, 9999):04d}",
        )
        style = styles[int(exporter.key[-2:]) % len(styles)]
        return self._fresh(style)

    def reference(self, prefix: str, year: int) -> str:
        self.refs[f"{prefix}-{year}"] += 1
        return f"{prefix}-{year}-{self.refs[f'{prefix}-{year}']:05d}"

    # -- notifications --------------------------------------------------------------------------

    def lane_free(
        self, company: Company, goods: Goods, dispatch: date, but: date | None = None
    ) -> bool:
        """Whether `company` receives no other `goods` family within LANE_GAP_DAYS of dispatch."""
        gap = timedelta(days=LANE_GAP_DAYS)
        dates = self.lanes[(company.key, goods.family)]
        return all(abs(d - dispatch) >= gap for d in dates if d != but)

    def pick_goods(self) -> Goods:
        return self.rng.choices(GOODS, weights=[g.weight for g in GOODS])[0]

    def quantity(self, goods: Goods) -> int:
        step = 25 if goods.high <= 5000 else 500
        return max(goods.low, round(self.rng.randint(goods.low, goods.high) / step) * step)

    def notification(
        self,
        *,
        kind: str,
        exporter: Company,
        importer: Company,
        consignee: Company,
        goods: Goods,
        quantity: float,
        dispatch: date,
        unit: str | None = None,
        containers: Sequence[str] = (),
        mode: str | None = None,
    ) -> NotificationCase:
        rng = self.rng
        exp, imp = exporter.country, importer.country
        notified = dispatch - timedelta(days=rng.randint(12, 40))
        unit = unit or rng.choice(goods.units)
        item: Body = {"substance": goods.substance, "quantity": quantity, "unit": unit}
        if goods.salt:
            item |= {"form": "salt", "salt": goods.salt}
        item["concentration_percent"] = goods.concentration
        if mode is None:
            small = goods.may_fly and quantity * (0.001 if unit == "g" else 1) <= 1000
            if (exp, imp) in _ROAD_LANES and rng.random() < 0.8:
                mode = "road"
            elif small and rng.random() < 0.7:
                mode = "air"
            else:
                mode = "sea"
        body: Body = {
            "reference": self.reference(f"{exp}-PEN", notified.year),
            "notified_on": notified.isoformat(),
            "importing_country": imp,
            "exporter": {
                "name": exporter.spelling(0 if rng.random() < 0.7 else 1),
                "address": f"{exporter.place or exporter.stem.split()[0]} industrial area",
                "country": exp,
            },
            "importer": {
                "name": importer.spelling(0 if rng.random() < 0.7 else 1),
                "address": f"{importer.place or importer.stem.split()[0]}",
                "country": imp,
            },
            "consignee": {"name": consignee.spelling(0), "country": imp},
            "items": [item],
            "transport_mode": mode,
            "invoice_number": self.invoice(exporter, notified.year),
            "import_permit": f"{imp}-IP-{rng.randint(1000, 99999)}",
            "end_use": goods.end_use,
        }
        if rng.random() < 0.25:
            role, name, country = rng.choice(_FORWARDERS)
            body["other_parties"] = [{"role": role, "name": name, "country": country}]
        if mode == "air":
            prefix = rng.choice(list(AIRLINES))
            transit = [AIRLINES[prefix]]
            body["air_waybill"] = self.air_waybill(prefix)
            body |= {"exit_point": PLACES[exp][1], "entry_point": PLACES[imp][1]}
            days = rng.randint(2, 6)
        elif mode == "road":
            transit = list(_ROAD_LANES[(exp, imp)])
            body |= {"exit_point": PLACES[exp][2], "entry_point": PLACES[imp][2]}
            days = rng.randint(5, 14)
        else:
            owner = rng.choice(list(CARRIERS))
            hubs = _SEA_HUBS[(_REGIONS[exp], _REGIONS[imp])]
            transit = [rng.choice(hubs)] if rng.random() < 0.5 else []
            count = 1 if containers else rng.randint(1, 3)  # a reused one travels with one more
            body["containers"] = [*containers, *(self.container(owner) for _ in range(count))]
            body["bill_of_lading"] = self.bill_of_lading(owner)
            body |= {"exit_point": rng.choice(PLACES[exp][0]), "entry_point": PLACES[imp][0][0]}
            days = rng.randint(18, 45)
        body["transit_countries"] = [c for c in transit if c not in (exp, imp)]
        body["dispatch_date"] = dispatch.isoformat()
        body["expected_arrival_date"] = (dispatch + timedelta(days=days)).isoformat()
        case = NotificationCase(
            body["reference"], exp, body, kind, exporter.key, importer.key, consignee.key, goods
        )
        for receiver in {importer.key, consignee.key}:
            self.lanes[(receiver, goods.family)].append(dispatch)
        self.notifications.append(case)
        return case

    def regular(self, notified: date) -> NotificationCase:
        rng = self.rng
        for _ in range(200):
            exp = rng.choices(list(_EXPORT_WEIGHTS), weights=list(_EXPORT_WEIGHTS.values()))[0]
            exporter = rng.choice(self.exporters[exp])
            imp = rng.choice(sorted(self.importers))
            importer = rng.choice(self.importers[imp])
            consignee = importer if rng.random() < 0.8 else rng.choice(self.importers[imp])
            goods = self.pick_goods()
            dispatch = notified + timedelta(days=rng.randint(12, 40))
            if self.lane_free(consignee, goods, dispatch) and self.lane_free(
                importer, goods, dispatch
            ):
                return self.notification(
                    kind="regular",
                    exporter=exporter,
                    importer=importer,
                    consignee=consignee,
                    goods=goods,
                    quantity=self.quantity(goods),
                    dispatch=dispatch,
                )
        raise RuntimeError("no free lane")  # pragma: no cover - the world is large enough

    # -- names as another authority types them ------------------------------------------------

    def typo(self, word: str) -> str | None:
        rng = self.rng
        n = len(word)
        if n < 7 or not word.isalpha():
            return None
        ops = ["drop", "double"] + (["swap", "change"] if n >= 9 else [])
        op = rng.choice(ops)
        i = rng.randrange(2, n - 2)
        if op == "drop":
            return word[:i] + word[i + 1 :]
        if op == "double":
            return word[:i] + word[i] + word[i:]
        if op == "swap":
            if word[i] == word[i + 1]:
                return word[:i] + word[i + 1 :]
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        letters = [c for c in "aeiourstnlh" if c != word[i].lower()]
        new = rng.choice(letters)
        return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]

    def retype(self, company: Company, authority: str) -> tuple[str, list[str]]:
        """Spell a company's name the way a seizing authority might; return the tags applied."""
        rng = self.rng
        tags: list[str] = []
        words = company.stem.split()
        if rng.random() < 0.3:
            long_words = [i for i, w in enumerate(words) if len(w) >= 7 and w.isalpha()]
            if long_words:
                i = rng.choice(long_words)
                typo = self.typo(words[i])
                if typo is not None:
                    generic = fold(words[i]) in {fold(w) for w in GENERIC_WORDS}
                    tags.append("typo_generic_word" if generic else "typo_name_word")
                    words[i] = typo
        forms = LEGAL_FORMS[company.form]
        form = forms[0]
        if rng.random() < 0.5:
            tags.append("legal_form")
            form = "" if rng.random() < 0.25 else rng.choice(forms[1:])
        name = " ".join([*words, form]).strip()
        if rng.random() < 0.35:
            folded = name.replace("&", "and").replace(".", "").replace(",", "")
            folded = unicodedata.normalize("NFKD", folded.replace("İ", "I"))
            folded = "".join(c for c in folded if not unicodedata.combining(c))
            if folded != name:
                tags.append("punctuation")
                name = folded
        if rng.random() < (0.4 if authority in _MS_COUNTRIES else 0.05):
            tags.append("ms_prefix")
            name = rng.choice(("M/s. ", "M/S ", "Messrs. ", "M/s ")) + name
        if rng.random() < 0.5:
            tags.append("case")
            name = rng.choice((name.upper(), name.upper(), name.lower(), name.title()))
        return name, tags or ["exact"]

    # -- seizures derived from a notification ---------------------------------------------------

    def seizure_reference(self, country: str, kind: str, day: date) -> str:
        code = {"seizure": "SZ", "stopped_shipment": "ST", "illicit_laboratory": "LAB"}
        return self.reference(f"{country}-{code.get(kind, 'INC')}", day.year)

    def seized_item(self, n: NotificationCase, fraction: float) -> tuple[Body, list[str]]:
        rng, goods = self.rng, n.goods
        notified = n.body["items"][0]
        tags = []
        amount = notified["quantity"] * fraction
        unit = notified["unit"]
        if unit == "l" and goods.density and rng.random() < 0.4:
            amount, unit = amount * goods.density, "kg"
            tags.append("quantity:litres_weighed_as_kg")
        elif unit == "kg" and amount >= 2000 and rng.random() < 0.3:
            amount, unit = amount / 1000, "t"
            tags.append("quantity:tonnes")
        digits = 0 if amount >= 20 else 2
        amount = int(amount * 10**digits) / 10**digits  # never above what was notified
        substance, salt = rng.choice(goods.seized_as)
        item: Body = {"substance": substance, "quantity": amount, "unit": unit}
        if salt:
            item["salt"] = salt
        if goods.concentration < 97:
            item["concentration_percent"] = goods.concentration
        if fraction < 0.5:
            tags.append("quantity:partial_below_half")
        return item, tags

    def derive(self, n: NotificationCase, fraction: float | None = None) -> SeizureCase:
        rng, body = self.rng, n.body
        exp, imp = n.country, body["importing_country"]
        transit = list(body["transit_countries"])
        travel = (n.arrival - n.dispatch).days
        tags: list[str] = []
        can_divert = n.dispatch + timedelta(days=travel + 60) <= AS_OF
        roll = rng.random()
        if transit and roll < 0.45:
            scene, country = "in_transit", rng.choice(transit[-2:])
            day = n.dispatch + timedelta(days=rng.randint(1, max(1, travel - 1)))
        elif can_divert and roll > 0.85:
            scene, country = "diverted_after_import", imp
            day = n.dispatch + timedelta(days=rng.randint(travel + 60, MAX_DAYS_AFTER_DISPATCH))
        else:
            scene, country = "at_import", imp
            day = n.arrival + timedelta(days=rng.randint(0, 12))
        day = min(day, AS_OF)
        if (day - n.dispatch).days > 90:
            tags.append("date:over_90_days")
        tags.append(f"scene:{scene}")
        if fraction is None:
            r = rng.random()
            fraction = rng.uniform(0.85, 1.0) if r < 0.55 else rng.uniform(0.5, 0.85)
            if r > 0.85:
                fraction = rng.uniform(0.1, 0.5)
        item, item_tags = self.seized_item(n, fraction)
        tags += item_tags
        diverted = scene == "diverted_after_import"
        if diverted:
            kind = rng.choice(("illicit_laboratory", "theft", "seizure"))
        else:
            kind = "seizure" if rng.random() < 0.7 else "stopped_shipment"
            item["declared_as"] = rng.choice(_DECLARED)
        seizure: Body = {
            "reference": self.seizure_reference(country, kind, day),
            "type": kind,
            "occurred_on": day.isoformat(),
            "country": country,
            "items": [item],
            "origin_country": exp,
        }
        if rng.random() < 0.9:
            seizure["destination_country"] = imp
        else:
            tags.append("route:no_destination")
        if transit and rng.random() < 0.5:
            seizure["transit_countries"] = transit
        place = self.place(country, body["transport_mode"])
        if place:
            seizure["place"] = place
        # parties
        names: list[str] = []
        named = []
        receiver = COMPANIES[n.importer if diverted else n.consignee]
        name, how = self.retype(receiver, country)
        role = "importer" if diverted else rng.choice(("consignee", "consignee", "importer"))
        seizure["parties"] = [{"role": role, "name": name, "country": receiver.country}]
        names += how
        named.append(receiver.key)
        if rng.random() < 0.5:
            exporter = COMPANIES[n.exporter]
            name, how = self.retype(exporter, country)
            seizure["parties"].append({"role": "exporter", "name": name, "country": exp})
            names += how
            named.append(exporter.key)
            tags.append("exporter_named")
        if body.get("other_parties") and rng.random() < 0.4:
            agent = dict(body["other_parties"][0])
            agent["name"] = agent["name"].upper() if rng.random() < 0.5 else agent["name"]
            seizure["parties"].append(agent)
            tags.append("forwarder_named")
        tags += sorted({f"name:{t}" for t in names})
        # identifiers
        ids = [] if diverted else self.identifiers(n, seizure)
        tags += [f"ids:{i}" for i in ids] or ["ids:none"]
        if diverted:
            seizure["modus_operandi"] = ["diverted_from_licit_trade"]
        else:
            seizure["modus_operandi"] = rng.choice(
                (["mislabelled", "falsified_documents"], ["concealed"], ["mislabelled"])
            )
        case = SeizureCase(
            seizure["reference"], country, seizure, n.reference, tuple(tags), tuple(named)
        )
        self.seizures.append(case)
        return case

    def place(self, country: str, mode: str) -> str | None:
        sea, air, road = PLACES.get(country, ((), None, None))
        if mode == "air":
            return air
        if mode == "road":
            return road
        return sea[0] if sea else None

    def identifiers(self, n: NotificationCase, seizure: Body) -> list[str]:
        rng, body, mode = self.rng, n.body, n.body["transport_mode"]
        found: list[str] = []
        r = rng.random()
        if mode == "sea":
            if r < 0.5:
                c = rng.choice(body["containers"])
                seizure["containers"] = [spell_container(rng, c)]
                found.append("container")
                if rng.random() < 0.5:
                    seizure["bill_of_lading"] = spell_document(rng, body["bill_of_lading"])
                    found.append("bill_of_lading")
            elif r < 0.65:
                seizure["bill_of_lading"] = spell_document(rng, body["bill_of_lading"])
                found.append("bill_of_lading")
            elif r < 0.72:
                seizure["invoice_number"] = spell_document(rng, body["invoice_number"])
                found.append("invoice")
        elif mode == "air" and r < 0.7:
            seizure["air_waybill"] = spell_awb(rng, body["air_waybill"])
            found.append("air_waybill")
        elif mode == "road" and r < 0.6:
            seizure["invoice_number"] = spell_document(rng, body["invoice_number"])
            found.append("invoice")
        if found and "invoice" not in found and rng.random() < 0.15:
            seizure["invoice_number"] = spell_document(rng, body["invoice_number"])
            found.append("invoice")
        return found

    # -- decoys -----------------------------------------------------------------------------------

    def _copy_lane(
        self, n: NotificationCase, kind: str, dispatch: date, quantity: float, **over: Any
    ) -> NotificationCase:
        return self.notification(
            kind=kind,
            exporter=over.get("exporter", COMPANIES[n.exporter]),
            importer=over.get("importer", COMPANIES[n.importer]),
            consignee=over.get("consignee", COMPANIES[n.consignee]),
            goods=n.goods,
            quantity=quantity,
            unit=n.body["items"][0]["unit"],
            dispatch=dispatch,
            containers=over.get("containers", ()),
            mode=over.get("mode"),
        )

    def decoy_out_of_window(
        self, n: NotificationCase, s: SeizureCase, direction: str
    ) -> NotificationCase | None:
        room = (AS_OF - n.dispatch).days  # a later one must be notified by AS_OF
        if direction == "later" and room < 400:
            return None
        longest = 700 if direction == "earlier" else min(700, room)
        shift = timedelta(days=self.rng.randint(400, longest))
        dispatch = n.dispatch - shift if direction == "earlier" else n.dispatch + shift
        receivers = {COMPANIES[n.importer], COMPANIES[n.consignee]}
        if not all(self.lane_free(c, n.goods, dispatch, but=n.dispatch) for c in receivers):
            return None
        kind = f"decoy:out_of_window_{direction}"
        return self._copy_lane(n, kind, dispatch, self.quantity(n.goods))

    def decoy_out_of_window_earlier(
        self, n: NotificationCase, s: SeizureCase
    ) -> NotificationCase | None:
        return self.decoy_out_of_window(n, s, "earlier")

    def decoy_out_of_window_later(
        self, n: NotificationCase, s: SeizureCase
    ) -> NotificationCase | None:
        return self.decoy_out_of_window(n, s, "later")

    def decoy_small_quantity(self, n: NotificationCase, s: SeizureCase) -> NotificationCase | None:
        rng = self.rng
        if "split" in s.tags:  # the other part could come from a small consignment
            return None
        seized = n.body["items"][0]["quantity"] * seized_fraction(n, s)
        if seized < 20:
            return None
        latest = s.occurred_on - timedelta(days=1)
        dispatch = min(n.dispatch + timedelta(days=rng.randint(-40, 40)), latest)
        if (s.occurred_on - dispatch).days > 120:
            return None
        quantity = max(1, int(seized * rng.uniform(0.05, 0.22)))
        return self._copy_lane(n, "decoy:small_quantity", dispatch, quantity)

    def decoy_sibling(self, n: NotificationCase, s: SeizureCase) -> NotificationCase | None:
        rng = self.rng
        consignee = COMPANIES[n.consignee]
        country = self.importers[consignee.country]
        same_place = [
            c for c in country if c.place and c.place == consignee.place and c.key != consignee.key
        ]
        generic = [
            c
            for c in country
            if c.key not in (consignee.key, n.importer)
            and c.place != consignee.place
            and shares_generic_word(c, consignee)
        ]
        options = [("decoy:sibling_same_place", c) for c in same_place] or [
            ("decoy:sibling_generic_word", c) for c in generic
        ]
        rng.shuffle(options)
        latest = s.occurred_on - timedelta(days=1)
        for kind, sibling in options:
            dispatch = min(n.dispatch + timedelta(days=rng.randint(-30, 30)), latest)
            if (s.occurred_on - dispatch).days > 120:
                continue
            if not self.lane_free(sibling, n.goods, dispatch):
                continue
            quantity = max(self.quantity(n.goods), n.body["items"][0]["quantity"])
            return self._copy_lane(n, kind, dispatch, quantity, importer=sibling, consignee=sibling)
        return None

    def decoy_container_reuse(self, n: NotificationCase, s: SeizureCase) -> NotificationCase | None:
        rng = self.rng
        if not s.body.get("containers"):
            return None
        container = normal_container(s.body["containers"][0])
        exporter = rng.choice(
            [c for c in self.exporters[n.country] if c.key != n.exporter]
            or [c for cs in self.exporters.values() for c in cs if c.key != n.exporter]
        )
        dispatch = s.occurred_on - timedelta(days=rng.randint(760, 1280))
        for _ in range(30):
            imp = rng.choice(sorted(self.importers))
            importer = rng.choice(self.importers[imp])
            if importer.key in (n.importer, n.consignee):
                continue
            if self.lane_free(importer, n.goods, dispatch):
                return self._copy_lane(
                    n,
                    "decoy:container_reuse",
                    dispatch,
                    self.quantity(n.goods),
                    exporter=exporter,
                    importer=importer,
                    consignee=importer,
                    containers=[container],
                    mode="sea",
                )
        return None

    # -- unrelated seizures -----------------------------------------------------------------------

    def stranger_seizure(
        self,
        lure: NotificationCase,
        klass: str,
        parties: list[Body],
        *,
        container: bool,
    ) -> SeizureCase:
        rng, body = self.rng, lure.body
        imp = body["importing_country"]
        transit = list(body["transit_countries"])
        country = rng.choice(transit) if transit and rng.random() < 0.4 else imp
        day = min(lure.dispatch + timedelta(days=rng.randint(3, 60)), AS_OF)
        kind = "seizure" if rng.random() < 0.7 else "stopped_shipment"
        item, _ = self.seized_item(lure, rng.uniform(0.3, 1.0))
        item["declared_as"] = rng.choice(_DECLARED)
        seizure: Body = {
            "reference": self.seizure_reference(country, kind, day),
            "type": kind,
            "occurred_on": day.isoformat(),
            "country": country,
            "items": [item],
            "origin_country": lure.country,
            "destination_country": imp,
            "parties": parties,
            "modus_operandi": ["mislabelled"],
        }
        place = self.place(country, "sea")
        if place:
            seizure["place"] = place
        if container:
            seizure["containers"] = [spell_container(rng, self.container())]
        case = SeizureCase(seizure["reference"], country, seizure, None, (klass,))
        self.seizures.append(case)
        self.lures[(case.reference, lure.reference)] = klass
        return case

    def unrelated_city_word(self, lure: NotificationCase) -> SeizureCase | None:
        consignee = COMPANIES[lure.consignee]
        if not consignee.place:
            return None
        taken = {fold(c.stem) for c in self.importers[consignee.country]}
        phrases = [p for p in _CITY_PHRASES if fold(f"{consignee.place} {p}") not in taken]
        stem = f"{consignee.place} {self.rng.choice(phrases)}"
        name = f"{stem} {LEGAL_FORMS[consignee.form][0]}"
        party = {"role": "consignee", "name": name, "country": consignee.country}
        return self.stranger_seizure(
            lure, "unrelated:city_word", [party], container=self.rng.random() < 0.5
        )

    def unrelated_generic_word(self, lure: NotificationCase) -> SeizureCase | None:
        consignee = COMPANIES[lure.consignee]
        generic = [w for w in consignee.stem.split() if fold(w) in {fold(g) for g in GENERIC_WORDS}]
        if not generic:
            return None
        stem = f"{self.rng.choice(_STRANGER_WORDS)} {' '.join(generic)}"
        name = f"{stem} {LEGAL_FORMS[consignee.form][0]}"
        party = {"role": "consignee", "name": name, "country": consignee.country}
        return self.stranger_seizure(
            lure, "unrelated:generic_word", [party], container=self.rng.random() < 0.5
        )

    def unrelated_same_lane(self, lure: NotificationCase) -> SeizureCase:
        rng = self.rng
        imp = lure.body["importing_country"]
        parties = [
            {"role": "exporter", "name": rng.choice(_STRANGER_EXPORTERS), "country": lure.country},
            {
                "role": "consignee",
                "name": f"{rng.choice(_STRANGER_WORDS)} {rng.choice(_CITY_PHRASES)} Ltd",
                "country": imp,
            },
        ]
        return self.stranger_seizure(lure, "unrelated:same_lane_strangers", parties, container=True)

    def unrelated_incident(self, k: int) -> SeizureCase:
        rng = self.rng
        kind = ("illicit_laboratory", "theft", "suspicious_order", "glycidate_seizure")[k % 4]
        day = FIRST_NOTIFIED + timedelta(days=rng.randrange((AS_OF - FIRST_NOTIFIED).days))
        importers = sorted(self.importers)
        body: Body = {"occurred_on": day.isoformat()}
        if kind == "illicit_laboratory":
            country = rng.choice([*importers, "NL", "BE"])
            chosen = rng.sample(_LAB_SUBSTANCES, 3)
            body["items"] = [
                {"substance": s, "quantity": rng.randint(2, 80) * 5, "unit": u} for s, u in chosen
            ]
            body |= {"type": kind, "modus_operandi": ["other"]}
            if rng.random() < 0.5:
                name = rng.choice(_LOCAL_STRANGERS)
                body["parties"] = [{"role": "other", "name": name, "country": country}]
        elif kind == "theft":
            country = rng.choice(importers)
            substance = rng.choice(("ephedrine hydrochloride", "pseudoephedrine HCl", "KMnO4"))
            body["items"] = [{"substance": substance, "quantity": rng.randint(5, 60), "unit": "kg"}]
            name = rng.choice(_LOCAL_STRANGERS)
            body |= {"type": kind, "modus_operandi": ["other"]}
            body["parties"] = [{"role": "other", "name": name, "country": country}]
        elif kind == "suspicious_order":
            country = rng.choice(("GB", "DE", "NL", "US", "IN"))
            substance = rng.choice(("ephedrine", "acetic anhydride", "P-2-P", "piperonal"))
            unit = "l" if substance in ("acetic anhydride", "P-2-P") else "kg"
            body["items"] = [
                {"substance": substance, "quantity": rng.randint(10, 400) * 5, "unit": unit}
            ]
            dest = rng.choice(importers)
            name = f"{rng.choice(_STRANGER_WORDS)} {rng.choice(_CITY_PHRASES)} Ltd"
            body |= {"type": kind, "destination_country": dest, "modus_operandi": ["other"]}
            body["parties"] = [{"role": "importer", "name": name, "country": dest}]
        else:
            country = rng.choice(("NL", "BE", "DE", "GB"))
            body["items"] = [
                {
                    "substance": rng.choice(_GLYCIDATES),
                    "quantity": rng.randint(20, 400) * 5,
                    "unit": "kg",
                    "declared_as": rng.choice(_DECLARED),
                }
            ]
            body |= {"type": "seizure", "origin_country": "CN", "destination_country": country}
            body |= {"modus_operandi": ["mislabelled", "concealed"]}
            body["containers"] = [spell_container(rng, self.container())]
            name = f"{rng.choice(_STRANGER_WORDS)} Import Export B.V."
            body["parties"] = [{"role": "consignee", "name": name, "country": country}]
        body["country"] = country
        body = {"reference": self.seizure_reference(country, body["type"], day), **body}
        case = SeizureCase(body["reference"], country, body, None, (f"unrelated:{kind}",))
        self.seizures.append(case)
        return case


# --- spelling identifiers the way other forms do ----------------------------------------------


def spell_container(rng: random.Random, c: str) -> str:
    """Write an ISO 6346 number as customs forms do."""
    return rng.choice(
        (f"{c[:4]} {c[4:10]}-{c[10]}", c.lower(), f"{c[:4]}-{c[4:]}", f"{c[:4]} {c[4:]}", c)
    )


def normal_container(c: str) -> str:
    """Undo `spell_container`."""
    return c.replace(" ", "").replace("-", "").upper()


def spell_awb(rng: random.Random, awb: str) -> str:
    """Write an air waybill as forms do."""
    digits = awb.replace("-", "")
    return rng.choice(
        (
            f"{digits[:3]} {digits[3:7]} {digits[7:]}",
            digits,
            f"{digits[:3]}-{digits[3:7]} {digits[7:]}",
            f"{digits[:3]} {digits[3:]}",
        )
    )


def spell_document(rng: random.Random, number: str) -> str:
    """Write a bill of lading or invoice number with other separators and case."""
    compact = "".join(c for c in number if c.isalnum())
    spaced = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return rng.choice((compact.lower(), spaced, number.replace("/", "-"), number.lower(), compact))


def shares_generic_word(a: Company, b: Company) -> bool:
    """Whether two companies share a generic business word (and nothing else distinctive)."""
    generic = {fold(g) for g in GENERIC_WORDS}
    wa, wb = set(fold(a.stem).split()), set(fold(b.stem).split())
    return bool(wa & wb & generic) and not (wa & wb) - generic


def seized_fraction(n: NotificationCase, s: SeizureCase) -> float:
    """The seized share of the notified net quantity (units converted)."""
    notified, seized = n.body["items"][0], s.body["items"][0]
    factor = {"kg": 1.0, "t": 1000.0, "g": 0.001, "l": 1.0}
    density = n.goods.density or 1.0
    n_kg = (
        notified["quantity"]
        * factor[notified["unit"]]
        * (density if notified["unit"] == "l" else 1)
    )
    s_kg = seized["quantity"] * factor[seized["unit"]] * (density if seized["unit"] == "l" else 1)
    return float(s_kg / n_kg)


# --- the world ---------------------------------------------------------------------------------

REGULAR = 195
TRUE_NOTIFICATIONS = 68
SPLITS = 4
MODE_QUOTAS = {"air": 9, "road": 6}  # at least so many true pairs by air and by road
LATE_SHARE = 0.2
DECOY_TARGETS = {
    "out_of_window_earlier": 10,
    "out_of_window_later": 6,
    "small_quantity": 10,
    "sibling": 14,
    "container_reuse": 10,
}
UNRELATED = {"city_word": 12, "generic_word": 10, "same_lane": 8, "incidents": 18}


def build_world(seed: int = 2026) -> World:
    """Generate the evaluation world; the same seed gives the same world."""
    b = _Builder(seed)
    rng = b.rng
    span = (LAST_NOTIFIED - FIRST_NOTIFIED).days
    for day in sorted(rng.randrange(span) for _ in range(REGULAR)):
        b.regular(FIRST_NOTIFIED + timedelta(days=day))
    regular = list(b.notifications)

    eligible = [n for n in regular if n.dispatch <= AS_OF - timedelta(days=30)]
    by_mode = {m: [n for n in eligible if n.body["transport_mode"] == m] for m in MODE_QUOTAS}
    chosen = [n for m, quota in MODE_QUOTAS.items() for n in rng.sample(by_mode[m], quota)]
    rest = [n for n in eligible if n not in chosen]
    chosen = sorted(
        chosen + rng.sample(rest, TRUE_NOTIFICATIONS - len(chosen)), key=lambda n: n.reference
    )
    late = {n.reference for n in rng.sample(chosen, round(LATE_SHARE * len(chosen)))}
    splits = {n.reference for n in rng.sample(chosen, SPLITS)}
    pairs: list[tuple[NotificationCase, SeizureCase]] = []
    for n in chosen:
        if n.reference in late:
            n.phase = 3
        if n.reference in splits:
            first = rng.uniform(0.3, 0.6)
            for part in (first, rng.uniform(0.1, 0.95 - first)):
                s = b.derive(n, part)
                s.tags = (*s.tags, "split")
                pairs.append((n, s))
        else:
            pairs.append((n, b.derive(n)))
    for n, s in pairs:
        if n.phase == 3:
            s.tags = (*s.tags, "late")

    makers = {
        "out_of_window_earlier": b.decoy_out_of_window_earlier,
        "out_of_window_later": b.decoy_out_of_window_later,
        "small_quantity": b.decoy_small_quantity,
        "sibling": b.decoy_sibling,
        "container_reuse": b.decoy_container_reuse,
    }
    made: Counter[str] = Counter()
    order = list(pairs)
    rng.shuffle(order)
    for n, s in order:
        wanted = [k for k in makers if made[k] < DECOY_TARGETS[k]]
        rng.shuffle(wanted)
        got = 0
        for k in wanted:
            if got == 2 or rng.random() < 0.35:
                continue
            decoy = makers[k](n, s)
            if decoy is None:
                continue
            made[k] += 1
            got += 1
            decoy.phase = 3 if n.phase == 3 and rng.random() < 0.5 else 1
            for _, sibling in (p for p in pairs if p[0] is n):  # both parts of a split
                b.lures[(sibling.reference, decoy.reference)] = decoy.kind
                sibling.tags = (*sibling.tags, f"has_{decoy.kind}")

    lures = list(regular)
    rng.shuffle(lures)
    pool = iter(lures)
    for count, maker in (
        (UNRELATED["city_word"], b.unrelated_city_word),
        (UNRELATED["generic_word"], b.unrelated_generic_word),
    ):
        done = 0
        while done < count:
            lure = next(pool)
            if lure.dispatch > AS_OF - timedelta(days=5):
                continue
            if maker(lure) is not None:
                done += 1
    for _ in range(UNRELATED["same_lane"]):
        lure = next(pool)
        while lure.dispatch > AS_OF - timedelta(days=5):
            lure = next(pool)
        b.unrelated_same_lane(lure)
    for number in range(UNRELATED["incidents"]):
        b.unrelated_incident(number)

    return World(seed, b.notifications, b.seizures, b.lures)


def phases(world: World) -> list[tuple[str, list[tuple[str, Body]]]]:
    """The posting plan: (path, [(country, body)]) in order; late notifications come last."""
    first = [(n.country, n.body) for n in world.notifications if n.phase == 1]
    seizures = [(s.country, s.body) for s in world.seizures]
    last = [(n.country, n.body) for n in world.notifications if n.phase == 3]
    return [
        ("/v1/notifications/batch", first),
        ("/v1/seizures/batch", seizures),
        ("/v1/notifications/batch", last),
    ]
