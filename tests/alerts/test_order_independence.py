"""The same records sent in different orders leave the same open alerts (rules use records' dates).

An alert whose cause goes away (a MISSING_ALR answered by an ALR set later) is closed, so the
open alerts are what any order agrees on."""

import random
import re

from sqlalchemy import select

from app.alerts.models import Alert
from app.parties.models import PartyAlias
from tests.conftest import bearer
from tests.payloads import notification, seizure

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REPORTERS = ("DE", "IN", "CN", "NG", "GH", "NL", "AE")


def _n(ref: str, **over):
    return ("notification", over.pop("by", "DE"), notification(reference=ref, **over))


def _split(i: int, day: int):
    return _n(
        f"IN-SPLIT-{i}",
        by="IN",
        importing_country="GH",
        transit_countries=[],
        containers=[],
        exporter={"name": "Mumbai Fine Chem Pvt Ltd", "country": "IN"},
        importer={"name": "Accra Health Ltd", "country": "GH"},
        consignee=None,
        items=[{"substance": "pseudoephedrine hydrochloride", "quantity": 90, "unit": "kg"}],
        notified_on=f"2026-02-{day:02d}",
        reply_due_date=None,
        dispatch_date=f"2026-03-{day:02d}",
        expected_arrival_date=None,
    )


LAGOS = {"name": "Lagos Pharma Ltd", "country": "NG"}
SCENARIO = [
    _n("DE-1", dispatch_date="2026-03-01", notified_on="2026-02-01", reply_due_date=None),
    _n(
        "DE-REFUSED",
        containers=[],
        importer=LAGOS,
        consignee=None,
        notified_on="2026-01-05",
        dispatch_date="2026-02-05",
        reply_due_date=None,
        items=[{"substance": "ephedrine", "quantity": 50, "unit": "kg"}],
    ),
    ("reply", "NG", ("DE-REFUSED", {"decision": "objection", "replied_on": "2026-01-10"})),
    (
        "arrival",
        "NG",
        (
            "DE-REFUSED",
            {
                "received_on": "2026-03-01",
                "items": [{"substance": "ephedrine", "quantity": 50, "unit": "kg"}],
            },
        ),
    ),
    _n(
        "CN-SHOP",
        by="CN",
        containers=[],
        importer={"name": "LAGOS PHARMA LIMITED", "country": "NG"},
        consignee=None,
        exporter={"name": "Shanghai Huaxin Chemical Co., Ltd.", "country": "CN"},
        notified_on="2026-04-01",
        dispatch_date="2026-05-01",
        reply_due_date=None,
        transit_countries=["AE"],
        items=[{"substance": "ephedrine", "quantity": 80, "unit": "kg"}],
    ),
    _n(
        "DE-PMK",
        containers=[],
        importing_country="TR",
        transit_countries=[],
        importer={"name": "Istanbul Kimya AS", "country": "TR"},
        consignee=None,
        items=[{"substance": "PMK glycidate", "quantity": 100, "unit": "kg"}],
        other_parties=[],
    ),
    *[_split(i, d) for i, d in enumerate((3, 10, 20))],
    ("seizure", "NL", seizure(reference="NL-1", occurred_on="2026-03-20")),
    (
        "seizure",
        "AE",
        seizure(
            reference="AE-1",
            country="AE",
            place=None,
            containers=[],
            parties=[],
            occurred_on="2026-02-01",
            origin_country=None,
            destination_country=None,
            transit_countries=[],
        ),
    ),
    (
        "seizure",
        "AE",
        seizure(
            reference="AE-2",
            country="AE",
            place=None,
            containers=[],
            parties=[],
            occurred_on="2026-03-01",
            origin_country=None,
            destination_country=None,
            transit_countries=[],
        ),
    ),
    ("alr", "NG", ("NG/ephedrine/2026", {"kg": 300})),
]


async def _play(client, keys, order):
    ids: dict[str, str] = {}
    pending = list(order)
    while pending:  # replies and arrivals wait until their notification exists
        kind, country, body = pending.pop(0)
        if kind in ("reply", "arrival") and body[0] not in ids:
            pending.append((kind, country, body))
            continue
        if kind == "notification":
            r = await client.post("/v1/notifications", json=body, headers=bearer(keys[country]))
            ids[body["reference"]] = r.json()["id"]
        elif kind == "seizure":
            r = await client.post("/v1/seizures", json=body, headers=bearer(keys[country]))
        elif kind == "alr":
            r = await client.put(f"/v1/alr/{body[0]}", json=body[1], headers=bearer(keys[country]))
        else:
            r = await client.post(
                f"/v1/notifications/{ids[body[0]]}/{kind}",
                json=body[1],
                headers=bearer(keys[country]),
            )
        assert r.status_code in (200, 201), r.text
    return ids


async def _fingerprints(app, ids):
    names = {v: k for k, v in ids.items()}
    async with app.state.sessionmaker() as session:
        aliases: dict[str, str] = {}
        for alias in (await session.scalars(select(PartyAlias))).all():
            aliases[alias.party_id] = min(
                aliases.get(alias.party_id, alias.normalized_name), alias.normalized_name
            )
        rows = (await session.scalars(select(Alert).where(Alert.status != "closed"))).all()
        references = {}
        for model in ("notifications", "seizures"):
            from app.models import Notification, Seizure

            cls = Notification if model == "notifications" else Seizure
            references |= {r.id: r.reference for r in (await session.scalars(select(cls))).all()}
    translate = names | references | aliases
    return sorted(UUID.sub(lambda m: translate.get(m.group(0), "?"), a.fingerprint) for a in rows)


async def test_any_order_gives_the_same_alerts(app, client, make_key):
    results = []
    for seed in (1, 2, 3):
        keys = {c: await make_key(c) for c in REPORTERS}
        order = list(SCENARIO)
        random.Random(seed).shuffle(order)
        ids = await _play(client, keys, order)
        results.append(await _fingerprints(app, ids))
        await app.state.reset()
    assert results[0] == results[1] == results[2]
    rules = {f.split(":")[0] for f in results[0]}
    assert {"SEIZURE_MATCHES_NOTIFICATION", "SUBSTANCE_MISMATCH"} <= rules
    assert "?" not in "".join(results[0])
