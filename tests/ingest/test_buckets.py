"""ROUTE_RISK's look-ups from kept bucket lists (app.ingest.buckets): the same records as the
indexed SQL they replaced, read once a transaction, the set's own records added as written."""

import json
import random
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import Integer, and_, bindparam, select

from app.auth import service as auth_service
from app.bulk import Importer
from app.bulk_lines import parse_line
from app.correlation.models import CorrelationKey
from app.ingest import buckets
from app.kit.clock import Clock
from app.notifications.models import SHIPPED_ON, Notification
from app.records.models import RecordCountry
from app.seizures.models import Seizure
from tests.alerts.api import alerts_now
from tests.alerts.test_rules_incidents import incident
from tests.conftest import bearer
from tests.ingest.test_pipeline import statements
from tests.payloads import notification, seizure

ANHYDRIDE = [{"substance": "acetic anhydride", "quantity": 100, "unit": "l"}]

# The look-ups as they were written in SQL: the oracle.
_SEIZURES_IN = (
    select(Seizure.id, Seizure.occurred_on)
    .join(CorrelationKey, CorrelationKey.record_id == Seizure.id)
    .where(
        CorrelationKey.key_type == "bucket",
        CorrelationKey.value.in_(bindparam("values", expanding=True)),
        CorrelationKey.kind == "seizure",
        Seizure.country == bindparam("country"),
        Seizure.type.in_(bindparam("types", expanding=True)),
        Seizure.occurred_on >= bindparam("first"),
        Seizure.occurred_on <= bindparam("last"),
    )
    .distinct()
    .order_by(Seizure.occurred_on.desc(), Seizure.id.desc())
    .limit(bindparam("cap", type_=Integer))
)
_THROUGH = (
    select(Notification.id, SHIPPED_ON)
    .join(CorrelationKey, CorrelationKey.record_id == Notification.id)
    .join(
        RecordCountry,
        and_(
            RecordCountry.kind == "notification",
            RecordCountry.record_id == Notification.id,
            RecordCountry.country == bindparam("country"),
            RecordCountry.role == "transit",
        ),
    )
    .where(
        CorrelationKey.key_type == "bucket",
        CorrelationKey.value.in_(bindparam("values", expanding=True)),
        CorrelationKey.kind == "notification",
        SHIPPED_ON.between(bindparam("first"), bindparam("last")),
    )
    .distinct()
    .order_by(SHIPPED_ON, Notification.id)
    .limit(bindparam("cap", type_=Integer))
)


def day(rng: random.Random) -> date:
    return date(2026, 1, 1) + timedelta(days=rng.randrange(0, 400))


async def test_the_lookups_choose_what_the_sql_chose(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    rng = random.Random(15)
    keys = {c: await make_key(c) for c in ("DE", "NL", "AE", "BE")}
    for i in range(40):
        country = rng.choice(["NL", "AE", "BE"])
        body = seizure(
            f"{country}-B-{i}",
            country=country,
            occurred_on=day(rng).isoformat(),
            type=rng.choice(["seizure", "stopped_shipment", "theft"]),
            transit_countries=rng.sample(["AE", "BE", "NL"], rng.randrange(0, 2)),
            items=rng.choice([ANHYDRIDE, seizure()["items"]]),
        )
        r = await client.post("/v1/seizures", json=body, headers=bearer(keys[country]))
        assert r.status_code == 201, r.text
    for i in range(25):
        notified = day(rng)
        dispatch = rng.choice([None, notified + timedelta(days=rng.randrange(0, 60))])
        body = notification(
            f"DE-B-{i}",
            notified_on=notified.isoformat(),
            reply_due_date=(notified + timedelta(days=15)).isoformat(),
            dispatch_date=dispatch.isoformat() if dispatch else None,
            expected_arrival_date=None,
            transit_countries=rng.sample(["AE", "BE", "NL"], rng.randrange(0, 3)),
            items=rng.choice([ANHYDRIDE, notification()["items"]]),
        )
        r = await client.post("/v1/notifications", json=body, headers=bearer(keys["DE"]))
        assert r.status_code == 201, r.text

    families = ["ephedrine", "acetic-anhydride"]
    async with app.state.sessionmaker() as session:
        for _ in range(60):
            country, family = rng.choice(["NL", "AE", "BE"]), [rng.choice(families)]
            first = day(rng)
            last = first + timedelta(days=rng.randrange(0, 200))
            cap = rng.choice([1, 3, 20])
            values = buckets.buckets(family, country, first, last)
            common = {"values": values, "country": country, "first": first, "last": last}
            types = sorted(rng.sample(["seizure", "stopped_shipment", "theft"], 2))
            sql = await session.execute(_SEIZURES_IN, {**common, "types": types, "cap": cap})
            assert await buckets.seizures_in(session, country, family, first, last, types, cap) == [
                r[0] for r in sql
            ]
            sql = await session.execute(_THROUGH, {**common, "cap": cap})
            assert await buckets.notifications_through(
                session, country, family, first, last, cap
            ) == [r[0] for r in sql]


async def test_a_set_counts_the_seizures_it_files_after_the_first_lookup(
    app: Any, client: httpx.AsyncClient, clock: Clock, make_key: Any
) -> None:
    """One import set: a notification through AE (its look-up keeps AE's bucket lists, empty),
    two ephedrine seizures in AE, then another notification through AE. The seizures were
    added to the kept lists as they were written, so the last notification sees both (ROUTE_RISK
    counts two), and the lists were read once for the set."""
    ids: dict[str, str] = {}
    async with app.state.sessionmaker() as session:
        for country in ("DE", "AE"):
            authority, _ = await auth_service.create_authority(
                session, country=country, name=f"A {country}", roles=["reporter"], now=clock.now()
            )
            ids[country] = authority.id
        await session.commit()

    def pen(reference: str) -> dict[str, Any]:
        return notification(reference, containers=[], bill_of_lading=None, invoice_number=None)

    lines = [
        {"type": "notification", "authority": "DE", "body": pen("DE-ROUTE-1")},
        {
            "type": "seizure",
            "authority": "AE",
            "body": incident("AE-ROUTE-1", "2026-10-01", country="AE"),
        },
        {
            "type": "seizure",
            "authority": "AE",
            "body": incident("AE-ROUTE-2", "2026-10-02", country="AE"),
        },
        {"type": "notification", "authority": "DE", "body": pen("DE-ROUTE-2")},
    ]
    importer = Importer(app.state.sessionmaker, clock, ids, batch=10)
    with statements(app) as seen:
        outcomes = await importer.store_batch([parse_line(json.dumps(x)) for x in lines])
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert seen["bucket lists"] <= 2, seen  # seizures in AE, notifications through AE: once

    admin = bearer(await make_key("FR", "admin"))
    route = await alerts_now(client, admin, rule="ROUTE_RISK")
    assert len(route) == 2  # both notifications: the first one updated by the seizures
    assert {len(a["subjects"]["seizures"]) for a in route} == {2}
