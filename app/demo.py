"""Load a realistic synthetic data set through the public HTTP API."""

import json
import random
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
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


@cache
def _data() -> dict[str, Any]:
    """The data set's tables (authorities, firms, places, goods ...), from demo_data.json."""
    data: dict[str, Any] = json.loads(
        resources.files("app").joinpath("demo_data.json").read_text("utf-8")
    )
    return data


_D = _data()
DEMO_AUTHORITIES: dict[str, str] = dict(_D["authorities"])
ADMIN_COUNTRY, ADMIN_NAME = "AT", "Demo administrator"
_Firm = tuple[tuple[str, ...], str]  # spellings (the usual one first), address
_FIRMS: dict[str, list[_Firm]] = {
    c: [(tuple(f["names"]), f["address"]) for f in firms] for c, firms in _D["firms"].items()
}
_PLACES = {c: (p["sea_ports"], p["airport"]) for c, p in _D["places"].items()}  # UN/LOCODEs
_EXPORT_WEIGHTS: dict[str, int] = _D["export_weights"]
# (weight, substance as written, salt, units, min, max, concentration %, end use)
_GOODS = [tuple(row) for row in _D["goods"]["rows"]]
_CARRIERS: dict[str, str] = _D["carriers"]  # container owner prefix -> bill of lading prefix
_AIRLINES: dict[str, str] = _D["airlines"]  # air waybill prefix -> the airline's hub country
_AGENTS = [(a["role"], a["name"], a["country"]) for a in _D["agents"]]
_OBJECTIONS, _DECLARED, _STRANGERS = _D["objections"], _D["declared_as"], _D["strangers"]
_LIQUIDS = set(_D["liquids"])
_INCIDENTS = _D["incidents"]  # unrelated to any notification
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
    item: Body = {"substance": substance, "quantity": quantity, "unit": rng.choice(units)}
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
    incident = _INCIDENTS[k % len(_INCIDENTS)]
    kind, origin, substances = incident["type"], incident["origin"], incident["substances"]
    country = rng.choice(incident["countries"])
    chosen = rng.sample(substances, 3 if kind == "illicit_laboratory" else 1)
    items = [{"substance": s, "quantity": rng.randint(2, 80) * 5} for s in chosen]
    for item in items:
        item["unit"] = "l" if item["substance"] in _LIQUIDS else "kg"
    when = FIRST_DAY + timedelta(days=rng.randrange((AS_OF - FIRST_DAY).days))
    body: Body = {"type": kind, "occurred_on": when.isoformat(), "country": country, "items": items}
    body["modus_operandi"] = list(incident["modus_operandi"])
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
