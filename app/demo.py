"""Load a realistic synthetic data set through the public HTTP API."""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum import iso6346

from app.auth.schemas import ROLES
from app.auth.service import create_authority, list_authorities, rotate_key

Body = dict[str, Any]
# The data set's "today" (the tests' frozen clock): later replies and arrivals are not known yet.
AS_OF = date(2026, 11, 20)
FIRST_DAY = date(2025, 1, 2)
CHUNK = 200

DEMO_AUTHORITIES: dict[str, str] = {
    "DE": "Bundesopiumstelle (BfArM)",
    "NL": "Douane - Centrale Dienst voor In- en Uitvoer (CDIU)",
    "BE": "FAGG/AFMPS - Cel Precursoren",
    "GB": "Home Office Drugs and Firearms Licensing Unit",
    "US": "DEA Diversion Control Division",
    "IN": "Narcotics Control Bureau",
    "CN": "National Narcotics Control Commission - Precursor Office",
    "AE": "Ministry of Health and Prevention - Drug Control Department",
    "NG": "National Agency for Food and Drug Administration and Control (NAFDAC)",
    "GH": "Food and Drugs Authority Ghana",
    "MX": "COFEPRIS - Comision de Autorizacion Sanitaria",
    "TR": "Turkish Medicines and Medical Devices Agency (TITCK)",
    "ZA": "South African Health Products Regulatory Authority (SAHPRA)",
    "MY": "Pharmaceutical Services Programme, Ministry of Health Malaysia",
}
ADMIN_COUNTRY, ADMIN_NAME = "AT", "Demo administrator"

# Country, spellings of a firm (the usual one first, ";" between), address.
_FIRM_TABLE = """
IN|Hyderabad Fine Chemicals Pvt Ltd;HYDERABAD FINE CHEMICALS PRIVATE LIMITED|Jeedimetla, Hyderabad
IN|Vapi Organics Ltd;Vapi Organics Limited|GIDC Phase II, Vapi
CN|Shijiazhuang Huaxin Pharmaceutical Co., Ltd.;SHIJIAZHUANG HUAXIN PHARMACEUTICAL CO LTD|Hebei
CN|Wuhan Yuancheng Technology Trading Co., Ltd.;Wuhan Yuancheng Tech Trading|Hankou, Wuhan
DE|Chemwerk Hamburg GmbH|Hafenstr. 1, Hamburg
DE|Rheinische Feinchemie GmbH & Co. KG;Rheinische Feinchemie GmbH|Leverkusen
NL|Rotterdam Solvents B.V.;Rotterdam Solvents BV|Botlek, Rotterdam
BE|Antwerp Chemical Trading NV;ANTWERP CHEMICAL TRADING N.V.|Haven 1000, Antwerpen
GB|Thames Fine Chemicals Ltd;Thames Fine Chemicals Limited|Purfleet, Essex
US|Gulf Coast Solvents LLC|Pasadena, Texas
US|Garden State Pharma Ingredients Inc.|Newark, New Jersey
NG|Lagos Pharma Ltd;LAGOS PHARMA LIMITED;Lagos Pharma Limited|Apapa, Lagos
NG|Ikeja Drug Manufacturing Co. Ltd;IKEJA DRUG MANUFACTURING CO LTD|Ikeja, Lagos
NG|Onitsha Medicals Nigeria Ltd;ONITSHA MEDICALS NIG. LTD|Onitsha, Anambra
GH|Tema Pharmaceuticals Ltd;TEMA PHARMACEUTICALS LIMITED|Community 1, Tema
GH|Kumasi Healthcare Products Ltd|Adum, Kumasi
MX|Farmacéutica del Pacífico S.A. de C.V.;FARMACEUTICA DEL PACIFICO SA DE CV|Culiacán, Sinaloa
MX|Química Industrial del Bajío S.A. de C.V.;Quimica Industrial del Bajio|León, Guanajuato
TR|Anadolu İlaç Sanayi A.Ş.;ANADOLU ILAC SANAYI AS|Gebze, Kocaeli
TR|Marmara Kimya Ltd. Şti.;Marmara Kimya Ltd Sti|Tuzla, İstanbul
ZA|Durban Pharmaceutical Manufacturers (Pty) Ltd;Durban Pharmaceutical Manufacturers|Durban
ZA|Cape Chem Distributors (Pty) Ltd|Epping, Cape Town
MY|Klang Pharma Sdn Bhd;KLANG PHARMA SDN. BHD.|Port Klang, Selangor
MY|Penang Chemical Supplies Sdn. Bhd.|Bayan Lepas, Penang
AE|Jebel Ali Chemicals FZE;JEBEL ALI CHEMICALS F.Z.E.|Jebel Ali Free Zone, Dubai
AE|Sharjah Chemical Distribution LLC|Industrial Area 6, Sharjah
"""
# Country: sea ports: airport (UN/LOCODEs).
_PLACE_TABLE = """IN:INNSA,INMAA:INBOM CN:CNSHA,CNNGB,CNTXG:CNPVG DE:DEHAM,DEBRV:DEFRA
NL:NLRTM:NLAMS BE:BEANR:BEBRU GB:GBFXT,GBSOU:GBLHR US:USHOU,USNYC:USJFK NG:NGAPP,NGTIN:NGLOS
GH:GHTEM:GHACC MX:MXZLO,MXLZC,MXVER:MXMEX TR:TRMER,TRAMB:TRIST ZA:ZADUR:ZAJNB MY:MYPKG,MYTPP:MYKUL
AE:AEJEA:AEDXB"""
_PLACES = {p[:2]: (p[3:].split(":")[0].split(","), p[-5:]) for p in _PLACE_TABLE.split()}
_EXPORT_WEIGHTS = {"IN": 22, "CN": 22, "DE": 14, "NL": 10, "BE": 8, "GB": 10, "US": 10}
# (weight, substance as written, salt, units, min, max, concentration %, end use)
_GOODS = [
    (14, "ephedrine", "hydrochloride", "kg", 25, 1000, 99.5, "cough and cold syrups"),
    (14, "pseudoephedrine hydrochloride", None, "kg", 50, 2000, 99, "decongestant tablets"),
    (12, "acetic anhydride", None, "kg l", 2000, 24000, 99, "manufacture of paracetamol"),
    (10, "potassium permanganate", None, "kg", 500, 10000, 99, "water treatment"),
    (4, "P-2-P", None, "kg l", 50, 800, 98, "synthesis of pharmaceutical intermediates"),
    (5, "safrole", None, "kg l", 100, 2000, 90, "fragrance manufacture"),
    (16, "acetone", None, "l", 5000, 40000, 99.5, "solvent for coatings and adhesives"),
    (14, "toluene", None, "l", 10000, 40000, 99.8, "paint and thinner production"),
    (2, "PMK glycidate", None, "kg", 100, 600, 98, "research and development"),
]
_CARRIERS = {"MSCU": "MEDU", "MAEU": "MAEU", "CMAU": "CMDU", "HLXU": "HLCU", "COSU": "COSU"}
_AIRLINES = {"176": "AE", "157": "QA", "071": "ET", "235": "TR", "020": "DE", "074": "NL"}
_AGENTS = [
    ("broker", "Gulf Chem Trading FZE", "AE"),
    ("forwarder", "Blue Anchor Logistics Ltd", "GB"),
    ("forwarder", "Nhava Sheva Cargo Movers Pvt Ltd", "IN"),
    ("broker", "Pacific Chem (HK) Ltd", "HK"),
]
_OBJECTIONS = [
    "importer not registered",
    "quantity above the annual requirement",
    "end user unknown",
]
_DECLARED = ["sodium benzoate", "vitamin C powder", "lactose", "paint thinner", "fertiliser"]
_STRANGERS = ["Sunrise Trading Enterprises", "Global Wellness Supplies", "Nova Agro Inputs Ltd"]
_LIQUIDS = {"acetone", "toluene", "P-2-P", "safrole", "acetic anhydride", "hydrochloric acid"}
# Incidents unrelated to any notification: type|reporting countries|substances|origin|modus.
_INCIDENT_TABLE = """
seizure|NL BE DE GB|PMK glycidate;BMK methyl glycidate|CN|mislabelled concealed
stopped_shipment|IN CN|pseudoephedrine hydrochloride;ephedrine||falsified_documents
illicit_laboratory|MX NL BE NG ZA MY|P-2-P;safrole;acetone;toluene;hydrochloric acid||
suspicious_order|GB DE NL US IN|ephedrine;pseudoephedrine hydrochloride;acetic anhydride||
theft|ZA IN NG GH|ephedrine;pseudoephedrine hydrochloride;potassium permanganate||other
"""
_INCIDENTS = [line.split("|") for line in _INCIDENT_TABLE.strip().splitlines()]
_Firm = tuple[tuple[str, ...], str]


def _firms() -> dict[str, list[_Firm]]:
    firms: dict[str, list[_Firm]] = defaultdict(list)
    for line in _FIRM_TABLE.strip().splitlines():
        country, names, address = line.split("|")
        firms[country].append((tuple(names.split(";")), address))
    return firms


_FIRMS = _firms()
_IMPORTERS = [c for c in _FIRMS if c not in _EXPORT_WEIGHTS]
_SPELLINGS = {n: names for firms in _FIRMS.values() for names, _ in firms for n in names}


class DemoLoadError(RuntimeError):
    """The API refused a demo record: a bug in the generator or in the API."""


@dataclass
class DemoPlan:
    """Every request body of the demo, in posting order, with the country that posts it."""

    notifications: list[tuple[str, Body]]
    # (notification index, acting country, body)
    replies: list[tuple[int, str, Body]] = field(default_factory=list)
    arrivals: list[tuple[int, str, Body]] = field(default_factory=list)
    withdrawals: list[tuple[int, str, Body]] = field(default_factory=list)
    suspensions: list[tuple[int, str, Body]] = field(default_factory=list)
    seizures: list[tuple[str, Body]] = field(default_factory=list)


async def create_demo_authorities(session: AsyncSession, now: datetime) -> dict[str, str]:
    """Create the demo authorities and an admin; return API keys by country (caller commits)."""
    keys = {}
    for country, name in [*DEMO_AUTHORITIES.items(), (ADMIN_COUNTRY, ADMIN_NAME)]:
        admin = country == ADMIN_COUNTRY
        roles = ROLES if admin else ("reporter", "viewer", "investigator")
        _, key = await create_authority(session, country=country, name=name, roles=roles, now=now)
        keys["admin" if admin else country] = key
    return keys


async def rotate_demo_keys(session: AsyncSession, now: datetime) -> dict[str, str]:
    """Issue fresh keys to the demo authorities already stored; empty when there are none."""
    wanted = {(c, n) for c, n in [*DEMO_AUTHORITIES.items(), (ADMIN_COUNTRY, ADMIN_NAME)]}
    keys = {}
    for authority in await list_authorities(session):
        if (authority.country, authority.name) in wanted and authority.revoked_at is None:
            admin = authority.country == ADMIN_COUNTRY and authority.name == ADMIN_NAME
            keys["admin" if admin else authority.country] = await rotate_key(
                session, authority, now
            )
    return keys


def _spelling(rng: random.Random, spellings: tuple[str, ...], avoid: str | None = None) -> str:
    if avoid is not None:
        others = [s for s in spellings if s != avoid]
        return rng.choice(others) if others else avoid.upper()
    return spellings[0] if rng.random() < 0.6 else rng.choice(spellings)


def _container(rng: random.Random, owner: str | None = None) -> str:
    prefix = (owner or rng.choice(list(_CARRIERS))) + f"{rng.randrange(10**6):06d}"
    return prefix + str(iso6346.calc_check_digit(prefix))


def _day(body: Body, name: str) -> date:
    return date.fromisoformat(body[name])


def _notification(rng: random.Random, notified: date, seq: Counter[str]) -> tuple[str, Body]:
    exp = rng.choices(list(_EXPORT_WEIGHTS), weights=list(_EXPORT_WEIGHTS.values()))[0]
    imp = rng.choice(_IMPORTERS)
    (e_names, e_addr), (i_names, i_addr) = rng.choice(_FIRMS[exp]), rng.choice(_FIRMS[imp])
    _, substance, salt, units, low, high, conc, end_use = rng.choices(
        _GOODS, weights=[g[0] for g in _GOODS]
    )[0]
    quantity = max(low, round(rng.randint(low, high) / 25) * 25)
    item: Body = {"substance": substance, "quantity": quantity, "unit": rng.choice(units.split())}
    item |= {"concentration_percent": conc} | ({"salt": salt} if salt else {})
    air = "ephedrine" in substance and quantity <= 500 and rng.random() < 0.7
    dispatch = notified + timedelta(days=rng.randint(16, 40))
    arrival = dispatch + timedelta(days=rng.randint(2, 5) if air else rng.randint(20, 45))
    seq[f"{exp}-{notified.year}"] += 1
    body: Body = {
        "reference": f"{exp}-{notified.year}-{seq[f'{exp}-{notified.year}'] + 100:06d}",
        "notified_on": notified.isoformat(),
        "importing_country": imp,
        "exporter": {"name": _spelling(rng, e_names), "address": e_addr, "country": exp},
        "importer": {"name": _spelling(rng, i_names), "address": i_addr, "country": imp},
        "consignee": {"name": _spelling(rng, i_names), "country": imp},
        "items": [item],
        "transport_mode": "air" if air else "sea",
        "dispatch_date": dispatch.isoformat(),
        "expected_arrival_date": arrival.isoformat(),
        "invoice_number": f"INV/{notified.year}/{rng.randint(1000, 99999)}",
        "import_permit": f"{imp}-IP-{rng.randint(1000, 9999)}",
        "end_use": end_use,
    }
    if rng.random() < 0.25:
        role, name, country = rng.choice(_AGENTS)
        body["other_parties"] = [{"role": role, "name": name, "country": country}]
    if air:
        prefix, serial = rng.choice(list(_AIRLINES)), f"{rng.randrange(10**7):07d}"
        hubs = [_AIRLINES[prefix]]
        body["air_waybill"] = f"{prefix}-{serial}{int(serial) % 7}"
        body |= {"exit_point": _PLACES[exp][1], "entry_point": _PLACES[imp][1]}
    else:
        owner = rng.choice(list(_CARRIERS))
        asia = "SG MY LK AE" if exp in ("IN", "CN") else "PA ES" if imp == "MX" else "MA ES AE"
        hubs = [rng.choice(asia.split())] if rng.random() < 0.4 else []
        body["containers"] = [_container(rng, owner) for _ in range(rng.randint(1, 3))]
        body["bill_of_lading"] = _CARRIERS[owner] + f"{rng.randrange(10**9):09d}"
        body["exit_point"] = rng.choice(_PLACES[exp][0])
        body["entry_point"] = rng.choice(_PLACES[imp][0])
    body["transit_countries"] = [h for h in hubs if h not in (exp, imp)]
    return exp, body


def _received(rng: random.Random, item: Body) -> Body:
    if rng.random() < 0.12:  # a shortfall on arrival
        return item | {"quantity": round(item["quantity"] * rng.uniform(0.6, 0.97), 1)}
    return dict(item)


def _matched(rng: random.Random, exp: str, b: Body, arrived: Body | None) -> tuple[str, Body]:
    imp, item = b["importing_country"], b["items"][0]
    seized: Body = {"substance": item["substance"], "unit": item["unit"]}
    seized["quantity"] = max(1, round(item["quantity"] * rng.uniform(0.3, 0.9)))
    name = _spelling(rng, _SPELLINGS[b["consignee"]["name"]], avoid=b["consignee"]["name"])
    body: Body = {"origin_country": exp, "destination_country": imp, "country": imp}
    body["parties"] = [{"role": "consignee", "name": name, "country": imp}]
    if arrived is not None:  # diverted after a licit import
        later = _day(arrived, "received_on") + timedelta(days=rng.randint(10, 90))
        body |= {"type": rng.choice(["theft", "illicit_laboratory"]), "items": [seized]}
        body |= {"occurred_on": min(later, AS_OF).isoformat()}
        return imp, body | {"modus_operandi": ["diverted_from_licit_trade"]}
    dispatch, arrival = _day(b, "dispatch_date"), _day(b, "expected_arrival_date")
    transit = [c for c in b["transit_countries"] if c in DEMO_AUTHORITIES]
    where = transit[0] if transit and rng.random() < 0.6 else imp
    when = dispatch + (arrival - dispatch) // 2
    if where == imp:
        when = arrival + timedelta(days=rng.randint(0, 3))
    air = b["transport_mode"] == "air"
    body |= {"type": "seizure" if rng.random() < 0.7 else "stopped_shipment", "country": where}
    body |= {"occurred_on": min(when, AS_OF).isoformat()}
    body["transit_countries"] = b["transit_countries"]
    body["place"] = _PLACES[where][1] if air else _PLACES[where][0][0]
    body["items"] = [seized | {"declared_as": rng.choice(_DECLARED)}]
    body["modus_operandi"] = rng.choice(
        [["mislabelled", "falsified_documents"], ["diverted_from_licit_trade"], ["concealed"]]
    )
    if air:
        body["air_waybill"] = b["air_waybill"].replace("-", " ")
    else:
        c = rng.choice(b["containers"])
        body["containers"] = [f"{c[:4]} {c[4:10]}-{c[10]}"]  # spelled as on a customs form
        body["bill_of_lading"] = b["bill_of_lading"] if rng.random() < 0.5 else None
    return where, body


def _unrelated(rng: random.Random, k: int) -> tuple[str, Body]:
    kind, countries, substances, origin, modus = _INCIDENTS[k % len(_INCIDENTS)]
    country = rng.choice(countries.split())
    chosen = rng.sample(substances.split(";"), 3 if kind == "illicit_laboratory" else 1)
    items = [{"substance": s, "quantity": rng.randint(2, 80) * 5} for s in chosen]
    for item in items:
        item["unit"] = "l" if item["substance"] in _LIQUIDS else "kg"
    when = FIRST_DAY + timedelta(days=rng.randrange((AS_OF - FIRST_DAY).days))
    body: Body = {"type": kind, "occurred_on": when.isoformat(), "country": country, "items": items}
    body["modus_operandi"] = modus.split()
    dest = rng.choice([c for c in _IMPORTERS if c != country])
    home = kind in ("theft", "illicit_laboratory")  # the party is local: a victim or a tenant
    where = country if home else dest
    role = "other" if home else "importer" if kind == "suspicious_order" else "consignee"
    odds = {"theft": 0.7, "illicit_laboratory": 0}.get(kind, 0.3)
    known = where in _FIRMS and rng.random() < odds  # a known firm, spelled its own way
    name = rng.choice(_FIRMS[where])[0][-1].upper() if known else rng.choice(_STRANGERS)
    body["parties"] = [{"role": role, "name": name, "country": where}]
    if kind in ("seizure", "stopped_shipment"):
        body |= {"origin_country": origin or country, "destination_country": dest}
        body |= {"place": _PLACES[country][0][0], "containers": [_container(rng)]}
        for item in items:
            item["declared_as"] = rng.choice(_DECLARED)
    return country, body


def demo_plan(*, seed: int = 7, notifications: int = 300, seizures: int = 40) -> DemoPlan:
    """Build every request body of the demo; the same seed gives the same bodies."""
    rng = random.Random(seed)
    seq: Counter[str] = Counter()
    days = sorted(rng.randrange((AS_OF - FIRST_DAY).days - 10) for _ in range(notifications))
    plan = DemoPlan([_notification(rng, FIRST_DAY + timedelta(days=d), seq) for d in days])
    arrivals: dict[int, tuple[int, str, Body]] = {}
    settled: set[int] = set()  # objected, withdrawn or suspended: not seized as a consignment
    for i, (exp, body) in enumerate(plan.notifications):
        imp = body["importing_country"]
        replied = _day(body, "notified_on") + timedelta(days=rng.randint(2, 14))
        if replied > AS_OF or rng.random() < 0.06:  # not answered yet, or silence
            if rng.random() < 0.15:
                plan.withdrawals.append((i, exp, {"reason": "order cancelled by the importer"}))
                settled.add(i)
            continue
        reply: Body = {"decision": "no_objection", "replied_on": replied.isoformat()}
        if rng.random() < 0.12:
            reply |= {"decision": "objection", "reason": rng.choice(_OBJECTIONS)}
            plan.replies.append((i, imp, reply))
            settled.add(i)
            if rng.random() < 0.5:
                plan.withdrawals.append((i, exp, {"reason": "export authorisation revoked"}))
            continue
        plan.replies.append((i, imp, reply))
        arrived = _day(body, "expected_arrival_date")
        if rng.random() < 0.04:
            route = [imp, *body["transit_countries"]]
            who = rng.choice([c for c in route if c in DEMO_AUTHORITIES])
            plan.suspensions.append((i, who, {"reason": "consignee under verification"}))
            settled.add(i)
        elif arrived <= AS_OF and rng.random() < 0.9:
            items = [_received(rng, item) for item in body["items"]]
            arrivals[i] = (i, imp, {"received_on": arrived.isoformat(), "items": items})
    eligible = [
        i
        for i, (_, body) in enumerate(plan.notifications)
        if i not in settled and _day(body, "dispatch_date") + timedelta(days=5) <= AS_OF
    ]
    incidents = []
    for i in sorted(rng.sample(eligible, min(len(eligible), round(seizures * 0.35)))):
        keep = i in arrivals and rng.random() < 0.3
        incidents.append(_matched(rng, *plan.notifications[i], arrivals[i][2] if keep else None))
        if not keep:
            arrivals.pop(i, None)  # intercepted on the way
    incidents += [_unrelated(rng, k) for k in range(seizures - len(incidents))]
    plan.arrivals = [arrivals[i] for i in sorted(arrivals)]
    numbers: Counter[str] = Counter()
    for country, body in sorted(incidents, key=lambda incident: str(incident[1]["occurred_on"])):
        numbers[country] += 1
        ref = f"{country}-INC-{body['occurred_on'][:4]}-{numbers[country]:04d}"
        plan.seizures.append((country, {"reference": ref} | body))
    return plan


async def _post(client: httpx.AsyncClient, key: str, path: str, body: Body) -> Body:
    response = await client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    if response.status_code not in (200, 201):
        raise DemoLoadError(f"POST {path} -> {response.status_code}: {response.text}\n{body}")
    result: Body = response.json()
    return result


async def _post_batches(
    client: httpx.AsyncClient, keys: dict[str, str], path: str, records: list[tuple[str, Body]]
) -> list[str]:
    ids: dict[int, str] = {}
    for country in sorted({country for country, _ in records}):
        indexes = [i for i, (c, _) in enumerate(records) if c == country]
        for start in range(0, len(indexes), CHUNK):
            chunk = indexes[start : start + CHUNK]
            batch = {"items": [records[i][1] for i in chunk]}
            results = (await _post(client, keys[country], path, batch))["results"]
            failed = [(r, batch["items"][r["index"]]) for r in results if r["status"] > 201]
            if failed:
                raise DemoLoadError(f"{path}: {len(failed)} refused, first: {failed[0]}")
            ids |= {chunk[r["index"]]: r["id"] for r in results}
    return [ids[i] for i in range(len(records))]


async def load_demo(
    client: httpx.AsyncClient,
    keys: dict[str, str],
    *,
    seed: int = 7,
    notifications: int = 300,
    seizures: int = 40,
) -> dict[str, int]:
    """Post the demo data set with each country's key; return how many records of each kind."""
    plan = demo_plan(seed=seed, notifications=notifications, seizures=seizures)
    ids = await _post_batches(client, keys, "/v1/notifications/batch", plan.notifications)
    for action, steps in [
        ("reply", plan.replies),
        ("arrival", plan.arrivals),
        ("withdraw", plan.withdrawals),
        ("suspend", plan.suspensions),
    ]:
        for i, country, body in steps:
            await _post(client, keys[country], f"/v1/notifications/{ids[i]}/{action}", body)
    await _post_batches(client, keys, "/v1/seizures/batch", plan.seizures)
    return {f.name: len(getattr(plan, f.name)) for f in fields(plan)}
