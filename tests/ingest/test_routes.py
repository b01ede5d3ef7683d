"""Windows of routes (app.ingest.routes): ROUTE_RISK's and SPLIT_CONSIGNMENT's lanes choose the
same records as the SQL they replaced, read once a transaction, the set's own records merged as
written; the migration fills the marks of records stored before it as the service writes them,
and a merge of entities moves the lanes."""

import asyncio
import json
import random
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import Integer, and_, bindparam, select
from sqlalchemy.orm import aliased

from app import migrate
from app.auth import service as auth_service
from app.bulk import Importer
from app.bulk_lines import parse_line
from app.correlation.models import CorrelationKey, RouteMark
from app.ingest import routes
from app.kit.clock import Clock
from app.notifications.models import SHIPPED_ON, Notification
from app.records.models import RecordCountry, RecordItem, RecordParty
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


def _named_as(role: str) -> tuple[Any, Any]:
    party = aliased(RecordParty)
    on = and_(
        party.kind == "notification",
        party.record_id == Notification.id,
        party.role == role,
        party.party_id == bindparam(f"{role}_id"),
    )
    return party, on


_LANE = (
    select(Notification.id, SHIPPED_ON)
    .join(*_named_as("exporter"))
    .join(*_named_as("importer"))
    .join(
        RecordItem,
        and_(
            RecordItem.kind == "notification",
            RecordItem.record_id == Notification.id,
            RecordItem.substance_code == bindparam("code"),
        ),
    )
    .where(SHIPPED_ON.between(bindparam("first"), bindparam("last")))
    .distinct()
    .order_by(SHIPPED_ON, Notification.id)
    .limit(bindparam("cap", type_=Integer))
)
IMPORTERS = ["Lagos Pharma Ltd", "Kano Chemicals Ltd", "Abuja Drugs Plc"]


def quarters(first: date, last: date) -> list[str]:
    """The calendar quarters (`2026Q4`) the days first..last touch."""
    out, year, quarter = [], first.year, (first.month - 1) // 3 + 1
    while (year, quarter) <= (last.year, (last.month - 1) // 3 + 1):
        out.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def day(rng: random.Random) -> date:
    return date(2026, 1, 1) + timedelta(days=rng.randrange(0, 400))


async def _world(client: httpx.AsyncClient, make_key: Any, rng: random.Random) -> None:
    """Incidents of every type in three countries, notifications through them."""
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
            importer={"name": rng.choice(IMPORTERS), "country": "NG"},
        )
        r = await client.post("/v1/notifications", json=body, headers=bearer(keys["DE"]))
        assert r.status_code == 201, r.text


async def _lanes(session: Any) -> set[tuple[str, str, str]]:
    """Every (exporter, importer, substance) of the stored notifications."""
    e, i = aliased(RecordParty), aliased(RecordParty)
    rows = await session.execute(
        select(e.party_id, i.party_id, RecordItem.substance_code)
        .join(i, and_(i.record_id == e.record_id, i.kind == e.kind, i.role == "importer"))
        .join(RecordItem, and_(RecordItem.record_id == e.record_id, RecordItem.kind == e.kind))
        .where(e.kind == "notification", e.role == "exporter")
        .distinct()
    )
    return {(a, b, c) for a, b, c in rows}


async def test_the_windows_choose_what_the_sql_chose(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    rng = random.Random(15)
    await _world(client, make_key, rng)
    families = ["ephedrine", "acetic-anhydride"]
    counted = ["seizure", "stopped_shipment"]
    async with app.state.sessionmaker() as session:
        for _ in range(60):
            country, family = rng.choice(["NL", "AE", "BE"]), rng.choice(families)
            first = day(rng)
            last = first + timedelta(days=rng.randrange(0, 200))
            cap = rng.choice([1, 3, 20])
            values = [f"{family}:{country}:{q}" for q in quarters(first, last)]
            common = {"values": values, "country": country, "first": first, "last": last}
            route = f"{family}:{country}"
            latest = routes.Window("seizure", route, first, last, cap, True)
            earliest = routes.Window("notification", route, first, last, cap, False)
            found = await routes.read(session, [latest, earliest])
            sql = await session.execute(_SEIZURES_IN, {**common, "types": counted, "cap": cap})
            assert found[latest] == [r[0] for r in sql]
            sql = await session.execute(_THROUGH, {**common, "cap": cap})
            assert found[earliest] == [r[0] for r in sql]
        lanes = await _lanes(session)
        assert len(lanes) >= 4
        for exporter, importer, code in sorted(lanes) * 5:
            first = day(rng)
            last = first + timedelta(days=rng.randrange(0, 300))
            cap = rng.choice([1, 2, 500])
            lane = f"lane:{exporter}:{importer}:{code}"
            window = routes.Window("notification", lane, first, last, cap, False)
            params = {"exporter_id": exporter, "importer_id": importer, "code": code}
            sql = await session.execute(_LANE, {**params, "first": first, "last": last, "cap": cap})
            assert (await routes.read(session, [window]))[window] == [r[0] for r in sql]


def _marks(app: Any) -> Any:
    async def read() -> set[tuple[Any, ...]]:
        async with app.state.sessionmaker() as session:
            rows = await session.execute(select(RouteMark))
            return {(m.route, m.kind, m.day, m.record_id) for (m,) in rows}

    return read()


async def test_the_migration_marks_what_the_service_marked(
    app: Any, client: httpx.AsyncClient, make_key: Any, database_url: str
) -> None:
    await _world(client, make_key, random.Random(16))
    # An importer named without an identifier, then merged into the entity that holds it: the
    # lane of the first notification moves to that entity.
    de, lei = await make_key("DE"), "5493001KJTIIGC8Y1R12"
    importers = [
        {"name": "Orion Chemicals Ltd", "country": "NG"},
        {"name": "OCL Industries", "country": "NG", "identifiers": {"lei": lei}},
        {"name": "Orion Chemicals Limited", "country": "NG", "identifiers": {"lei": lei}},
    ]
    ids = []
    for i, importer in enumerate(importers):
        body = notification(f"DE-M-{i}", importer=importer, consignee=None)
        r = await client.post("/v1/notifications", json=body, headers=bearer(de))
        assert r.status_code == 201, r.text
        ids.append(r.json()["importer"]["party_id"])
    twin, holder, _ = ids
    assert twin != holder == ids[2]
    written = await _marks(app)
    assert not [m for m in written if twin in m[0]]
    assert len([m for m in written if m[0].startswith("lane:") and holder in m[0]]) == 3
    assert {kind for _, kind, _, _ in written} == {"seizure", "notification"}
    await app.state.engine.dispose()  # no pooled connection holds the table
    await asyncio.to_thread(migrate.downgrade, database_url, "0008")
    await asyncio.to_thread(migrate.upgrade, database_url)
    assert await _marks(app) == written


async def test_a_set_counts_the_seizures_it_files_after_the_first_lookup(
    app: Any, client: httpx.AsyncClient, clock: Clock, make_key: Any
) -> None:
    """One import set: a notification through AE (its window of AE's incidents, empty), two
    ephedrine seizures in AE, then another notification through AE. The seizures' marks were
    merged as they were written, so the last notification sees both (ROUTE_RISK counts two),
    and the windows were read once for the set, not written out early to be read back."""
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
    # Seizures in AE, notifications through AE (for the set, at once), the notifications' lane
    # (known once their parties are resolved: read by the first, kept for the second).
    assert seen["route windows"] <= 3, seen
    assert seen["insert route_marks"] == 1, seen  # the set's marks together, at its end

    admin = bearer(await make_key("FR", "admin"))
    route = await alerts_now(client, admin, rule="ROUTE_RISK")
    assert len(route) == 2  # both notifications: the first one updated by the seizures
    assert {len(a["subjects"]["seizures"]) for a in route} == {2}


async def _route_alerts(client: httpx.AsyncClient, make_key: Any, order: str) -> dict[str, Any]:
    """25 ephedrine seizures in AE five days apart; N1 through AE shipped after the first 11,
    N2 after all. `early`: the notifications first, the seizures latest first; else the
    seizures in date order, then the notifications. The seizures each alert lists, by
    notification."""
    de, ae = await make_key("DE"), await make_key("AE")
    start = date(2026, 1, 1)
    seized = [
        incident(f"AE-R-{k:02}", (start + timedelta(days=5 * k)).isoformat(), country="AE")
        for k in range(25)
    ]
    pens = [
        notification(
            f"DE-R-{name}",
            notified_on=(shipped - timedelta(days=10)).isoformat(),
            reply_due_date=(shipped + timedelta(days=5)).isoformat(),
            dispatch_date=shipped.isoformat(),
            expected_arrival_date=None,
            containers=[],
            bill_of_lading=None,
            invoice_number=None,
            transit_countries=["AE"],
        )
        for name, shipped in (("N1", start + timedelta(days=50)), ("N2", date(2026, 5, 2)))
    ]
    posts = [("/v1/notifications", de, b) for b in pens]
    incidents = [("/v1/seizures", ae, b) for b in seized]
    for path, key, body in posts + incidents[::-1] if order == "early" else incidents + posts:
        r = await client.post(path, json=body, headers=bearer(key))
        assert r.status_code == 201, r.text
    admin = bearer(await make_key("FR", "admin"))
    out = {}
    for a in await alerts_now(client, admin, rule="ROUTE_RISK"):
        (n_id,) = a["subjects"]["notifications"]
        n = (await client.get(f"/v1/notifications/{n_id}", headers=admin)).json()
        out[n["reference"]] = sorted(e["detail"].split()[1] for e in a["evidence"])
    return out


async def test_an_incident_counts_each_notification_as_it_counts_itself(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """Seizures stored after the notifications (latest first) leave the alerts that the
    notifications raise on their own when stored after them: each lists the latest 20 of its
    own window (N1 all 11 before it, N2 the 20 latest of 25), whatever the other's window."""
    early = await _route_alerts(client, make_key, "early")
    await app.state.reset()
    late = await _route_alerts(client, make_key, "late")
    assert late["DE-R-N1"] == [f"AE-R-{k:02}" for k in range(11)]
    assert late["DE-R-N2"] == [f"AE-R-{k:02}" for k in range(5, 25)]
    assert early == late


async def test_a_set_reads_the_lanes_of_known_parties_at_once(
    app: Any, client: httpx.AsyncClient, clock: Clock, make_key: Any
) -> None:
    """Three lanes whose parties are stored; an import set of a notification on each reads
    the three lanes (and the notifications' incident windows) before it writes, in at most two
    statements, not one lane a record; and each lane's three notifications are found."""
    de = await make_key("DE")
    ids: dict[str, str] = {}
    async with app.state.sessionmaker() as session:
        authority, _ = await auth_service.create_authority(
            session, country="DE", name="A DE", roles=["reporter"], now=clock.now()
        )
        ids["DE"] = authority.id
        await session.commit()

    def pen(reference: str, importer: str) -> dict[str, Any]:
        shipped = date(2026, 12, 1) + timedelta(days=int(reference.rsplit("-", 1)[1]))
        body = notification(
            reference,
            containers=[],
            bill_of_lading=None,
            invoice_number=None,
            items=ANHYDRIDE,
            dispatch_date=shipped.isoformat(),
            expected_arrival_date=None,
        )
        return {**body, "importer": {"name": importer, "country": "NG"}, "consignee": None}

    for i, importer in enumerate(IMPORTERS * 2):
        r = await client.post(
            "/v1/notifications", json=pen(f"DE-L-{i}", importer), headers=bearer(de)
        )
        assert r.status_code == 201, r.text
    lines = [
        {"type": "notification", "authority": "DE", "body": pen(f"DE-L-{i + 6}", importer)}
        for i, importer in enumerate(IMPORTERS)
    ]
    importer = Importer(app.state.sessionmaker, clock, ids, batch=10)
    with statements(app) as seen:
        outcomes = await importer.store_batch([parse_line(json.dumps(x)) for x in lines])
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert seen["route windows"] <= 2, seen
    assert seen["insert record_items"] == 1, seen  # nothing read the set's items back early
    admin = bearer(await make_key("FR", "admin"))
    split = await alerts_now(client, admin, rule="SPLIT_CONSIGNMENT")
    assert sorted(len(a["subjects"]["notifications"]) for a in split) == [3, 3, 3]
