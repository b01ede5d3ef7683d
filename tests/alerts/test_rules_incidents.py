"""COMPANY_SHOPPING, PARTY_IN_PRIOR_INCIDENT, ROUTE_RISK and SEIZURE_CLUSTER over HTTP.

Each rule: a firing case, near misses, and the same records sent in another order giving the
same fingerprints (the rules reason on the records' own dates, not on arrival order).
"""

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.alerts.models import Alert
from tests.conftest import bearer
from tests.payloads import notification, seizure

LAGOS = {"name": "Lagos Pharma Ltd", "address": "Apapa", "country": "NG"}
OTHER_EXPORTER = {"name": "Chimie Lyonnaise SA", "address": "Quai 3", "country": "FR"}


@pytest.fixture
async def keys(make_key):
    out = {c: await make_key(c) for c in ("DE", "FR", "NG", "NL", "AE", "BE")}
    out["admin"] = await make_key("CH", roles="admin,viewer,investigator")
    return out


def pen(reference: str, notified_on: str, **over: Any) -> dict[str, Any]:
    """A notification with dates shifted around `notified_on` and no shared identifiers."""
    day = date.fromisoformat(notified_on)
    body = notification(
        reference,
        notified_on=notified_on,
        reply_due_date=(day + timedelta(days=15)).isoformat(),
        dispatch_date=(day + timedelta(days=29)).isoformat(),
        expected_arrival_date=(day + timedelta(days=69)).isoformat(),
        containers=[],
        bill_of_lading=None,
        invoice_number=None,
    )
    body.update(over)
    return body


def incident(reference: str, occurred_on: str, **over: Any) -> dict[str, Any]:
    """An incident with no parties and no identifiers unless given."""
    body = seizure(
        reference,
        occurred_on=occurred_on,
        parties=[],
        containers=[],
        origin_country=None,
        destination_country=None,
        transit_countries=[],
    )
    body.update(over)
    return body


async def post_pen(client, key: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/v1/notifications", json=body, headers=bearer(key))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def post_incident(client, key: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/v1/seizures", json=body, headers=bearer(key))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def reply(client, key: str, nid: str, decision: str, replied_on: str) -> dict[str, Any]:
    r = await client.post(
        f"/v1/notifications/{nid}/reply",
        json={"decision": decision, "replied_on": replied_on},
        headers=bearer(key),
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def raised(record: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [a for a in record["alerts"] if a["rule"] == rule]


async def feed(client, admin: str, rule: str) -> list[dict[str, Any]]:
    """The current state of each alert of a rule, from the admin's feed."""
    r = await client.get(f"/v1/alerts?rule={rule}&limit=500", headers=bearer(admin))
    assert r.status_code == 200, r.text
    latest: dict[str, dict[str, Any]] = {}
    for item in r.json()["items"]:
        latest[item["id"]] = item
    return list(latest.values())


async def fingerprints(app, rule: str) -> list[str]:
    async with app.state.sessionmaker() as session:
        stmt = select(Alert.fingerprint).where(Alert.rule == rule)
        return sorted((await session.scalars(stmt)).all())


# COMPANY_SHOPPING ---------------------------------------------------------------------------

SHOPPING = "COMPANY_SHOPPING"


@pytest.mark.parametrize("order", ["objection_first", "later_notification_first"])
async def test_company_shopping_after_an_objection_in_any_order(app, client, keys, order):
    refused = pen("DE-2026-0001", "2026-03-02")
    later = pen("FR-2026-0002", "2026-11-02", exporter=OTHER_EXPORTER)
    if order == "objection_first":
        m = await post_pen(client, keys["DE"], refused)
        answered = await reply(client, keys["NG"], m["id"], "objection", "2026-03-10")
        assert raised(answered, SHOPPING) == []
        n = await post_pen(client, keys["FR"], later)
        alerts = raised(n, SHOPPING)
    else:
        n = await post_pen(client, keys["FR"], later)
        assert raised(n, SHOPPING) == []
        m = await post_pen(client, keys["DE"], refused)
        answered = await reply(client, keys["NG"], m["id"], "objection", "2026-03-10")
        alerts = raised(answered, SHOPPING)
    importer = n["importer"]["party_id"]
    assert m["importer"]["party_id"] == importer
    assert await fingerprints(app, SHOPPING) == [f"{SHOPPING}:{n['id']}:{importer}"]
    [alert] = alerts
    assert alert["severity"] == "high"
    assert alert["subjects"]["notifications"] == sorted([n["id"], m["id"]])
    assert alert["subjects"]["parties"] == [importer]
    assert {"FR", "NG", "DE"} <= set(alert["countries"])
    assert [e["feature"] for e in alert["evidence"]] == ["objection", "other_exporter"]
    assert "DE-2026-0001" in alert["evidence"][0]["detail"]
    assert [a["id"] for a in await feed(client, keys["admin"], SHOPPING)] == [alert["id"]]


@pytest.mark.parametrize(
    ("miss", "exporter", "notified_on", "decision", "replied_on"),
    [
        # An objection 400 days before the later notification is outside the window.
        ("too_old", OTHER_EXPORTER, "2025-09-20", "objection", "2025-09-28"),
        # A refusal of the same exporter is not shopping around.
        ("same_exporter", None, "2026-05-04", "objection", "2026-05-10"),
        # No objection, no refusal.
        ("no_objection", OTHER_EXPORTER, "2026-06-01", "no_objection", "2026-06-05"),
    ],
)
async def test_company_shopping_near_misses(
    app, client, keys, miss, exporter, notified_on, decision, replied_on
):
    over = {"exporter": exporter} if exporter else {}
    country = "FR" if exporter else "DE"
    m = await post_pen(client, keys[country], pen(f"{country}-M-{miss}", notified_on, **over))
    answered = await reply(client, keys["NG"], m["id"], decision, replied_on)
    assert raised(answered, SHOPPING) == []
    n = await post_pen(client, keys["DE"], pen("DE-2026-0005", "2026-11-02"))
    assert raised(n, SHOPPING) == []
    assert await fingerprints(app, SHOPPING) == []


@pytest.mark.parametrize("order", ["stopped_first", "notification_first"])
async def test_company_shopping_after_a_stopped_shipment_in_any_order(app, client, keys, order):
    stopped = incident(
        "NL-2026-STOP-1",
        "2026-06-01",
        type="stopped_shipment",
        parties=[
            {"role": "exporter", "name": "Chemwerk Hamburg GmbH", "country": "DE"},
            {"role": "consignee", "name": "LAGOS PHARMA LIMITED", "country": "NG"},
        ],
    )
    later = pen("FR-2026-0006", "2026-11-02", exporter=OTHER_EXPORTER)
    if order == "stopped_first":
        s = await post_incident(client, keys["NL"], stopped)
        n = await post_pen(client, keys["FR"], later)
        alerts = raised(n, SHOPPING)
    else:
        n = await post_pen(client, keys["FR"], later)
        s = await post_incident(client, keys["NL"], stopped)
        alerts = raised(s, SHOPPING)
    importer = n["importer"]["party_id"]
    assert await fingerprints(app, SHOPPING) == [f"{SHOPPING}:{n['id']}:{importer}"]
    [alert] = alerts
    assert alert["subjects"]["seizures"] == [s["id"]]
    assert alert["evidence"][0]["feature"] == "stopped_shipment"
    assert {"NL", "FR", "NG"} <= set(alert["countries"])


async def test_stopped_shipment_of_the_same_exporter_or_too_old_is_no_shopping(app, client, keys):
    parties = [
        {"role": "exporter", "name": "Chimie Lyonnaise SA", "country": "FR"},
        {"role": "importer", "name": "Lagos Pharma Ltd", "country": "NG"},
    ]
    await post_incident(
        client,
        keys["NL"],
        incident("NL-2026-STOP-2", "2026-06-01", type="stopped_shipment", parties=parties),
    )
    await post_incident(
        client,
        keys["NL"],
        incident(
            "NL-2025-STOP-3",
            "2025-10-01",
            type="stopped_shipment",
            parties=[{"role": "consignee", "name": "Lagos Pharma Ltd", "country": "NG"}],
        ),
    )
    # A seizure (not a stopped shipment) naming the importer is another rule's business.
    await post_incident(
        client,
        keys["NL"],
        incident(
            "NL-2026-SEIZ-4",
            "2026-07-01",
            parties=[{"role": "consignee", "name": "Lagos Pharma Ltd", "country": "NG"}],
        ),
    )
    n = await post_pen(
        client, keys["FR"], pen("FR-2026-0007", "2026-11-02", exporter=OTHER_EXPORTER)
    )
    assert raised(n, SHOPPING) == []
    assert await fingerprints(app, SHOPPING) == []


# PARTY_IN_PRIOR_INCIDENT --------------------------------------------------------------------

PRIOR = "PARTY_IN_PRIOR_INCIDENT"


@pytest.mark.parametrize("order", ["incident_first", "notification_first"])
async def test_party_in_prior_incident_in_any_order(app, client, keys, order):
    earlier = incident(
        "NL-2025-0010",
        "2025-02-01",
        parties=[{"role": "consignee", "name": "LAGOS PHARMA LIMITED", "country": "NG"}],
    )
    body = pen("DE-2026-0010", "2026-11-02")
    if order == "incident_first":
        s = await post_incident(client, keys["NL"], earlier)
        n = await post_pen(client, keys["DE"], body)
        alerts = raised(n, PRIOR)
    else:
        n = await post_pen(client, keys["DE"], body)
        s = await post_incident(client, keys["NL"], earlier)
        alerts = raised(s, PRIOR)
    party = n["importer"]["party_id"]
    assert s["parties"][0]["party_id"] == party
    assert await fingerprints(app, PRIOR) == [f"{PRIOR}:{n['id']}:{party}"]
    [alert] = alerts
    assert alert["severity"] == "high"
    assert alert["subjects"] == {
        "notifications": [n["id"]],
        "seizures": [s["id"]],
        "parties": [party],
    }
    assert "NL-2025-0010" in alert["evidence"][0]["detail"]
    assert {"DE", "NG", "NL"} <= set(alert["countries"])


async def test_prior_illicit_laboratory_is_critical_and_later_incidents_update(app, client, keys):
    n = await post_pen(client, keys["DE"], pen("DE-2026-0011", "2026-11-02"))
    lab = incident(
        "NL-2024-LAB",
        "2024-03-01",
        type="illicit_laboratory",
        parties=[{"role": "other", "name": "Gulf Chem Trading FZE", "country": "AE"}],
    )
    seized = incident(
        "AE-2025-0012",
        "2025-06-01",
        country="AE",
        parties=[{"role": "broker", "name": "GULF CHEM TRADING F.Z.E.", "country": "AE"}],
    )
    first = raised(await post_incident(client, keys["NL"], lab), PRIOR)
    second = raised(await post_incident(client, keys["AE"], seized), PRIOR)
    broker = n["other_parties"][0]["party_id"]
    assert await fingerprints(app, PRIOR) == [f"{PRIOR}:{n['id']}:{broker}"]
    assert first[0]["id"] == second[0]["id"]
    assert second[0]["severity"] == "critical" and second[0]["occurrences"] == 2
    assert [e["feature"] for e in second[0]["evidence"]] == ["illicit_laboratory", "seizure"]


async def test_incident_four_years_before_or_after_the_notification_does_not_fire(
    app, client, keys
):
    parties = [{"role": "importer", "name": "Lagos Pharma Ltd", "country": "NG"}]
    await post_incident(client, keys["NL"], incident("NL-2022-0013", "2022-10-01", parties=parties))
    n = await post_pen(client, keys["DE"], pen("DE-2026-0013", "2026-11-02"))
    assert raised(n, PRIOR) == []
    later = await post_incident(
        client, keys["NL"], incident("NL-2026-0014", "2026-11-10", parties=parties)
    )
    assert raised(later, PRIOR) == []
    assert await fingerprints(app, PRIOR) == []


# ROUTE_RISK ---------------------------------------------------------------------------------

ROUTE = "ROUTE_RISK"


@pytest.mark.parametrize("order", ["seizures_first", "notification_first", "in_between"])
async def test_route_risk_in_any_order(app, client, keys, order):
    body = pen("DE-2026-0020", "2026-11-02", dispatch_date="2026-12-01")
    one = incident("AE-2026-0021", "2026-08-01", country="AE")
    two = incident("AE-2026-0022", "2026-10-15", country="AE")
    steps = {
        "seizures_first": [("AE", one), ("AE", two), ("DE", body)],
        "notification_first": [("DE", body), ("AE", one), ("AE", two)],
        "in_between": [("AE", one), ("DE", body), ("AE", two)],
    }[order]
    posted = []
    for country, payload in steps:
        post = post_pen if country == "DE" else post_incident
        posted.append(await post(client, keys[country], payload))
    n = next(p for p in posted if p["reference"] == "DE-2026-0020")
    assert await fingerprints(app, ROUTE) == [f"{ROUTE}:{n['id']}:AE:ephedrine"]
    [alert] = raised(posted[-1], ROUTE)
    assert alert["severity"] == "medium" and alert["project"] == "prism"
    assert alert["subjects"]["notifications"] == [n["id"]]
    assert len(alert["subjects"]["seizures"]) == 2
    assert [e["feature"] for e in alert["evidence"]] == ["seizure_in_transit_country"] * 2
    assert [a["id"] for a in await feed(client, keys["admin"], ROUTE)] == [alert["id"]]


async def test_route_risk_near_misses(app, client, keys):
    # One ephedrine seizure in the transit country within 180 days before dispatch ...
    await post_incident(client, keys["AE"], incident("AE-2026-0030", "2026-10-01", country="AE"))
    # ... one 195 days before, one of another substance group, one in another country,
    # and an illicit laboratory (not an interdiction on the route).
    await post_incident(client, keys["AE"], incident("AE-2026-0031", "2026-05-20", country="AE"))
    other_family = incident(
        "AE-2026-0032",
        "2026-10-05",
        country="AE",
        items=[{"substance": "acetic anhydride", "quantity": 100, "unit": "l"}],
    )
    await post_incident(client, keys["AE"], other_family)
    await post_incident(client, keys["NL"], incident("NL-2026-0033", "2026-10-10"))
    lab = incident("AE-2026-0034", "2026-09-10", country="AE", type="illicit_laboratory")
    await post_incident(client, keys["AE"], lab)
    n = await post_pen(client, keys["DE"], pen("DE-2026-0030", "2026-11-02"))
    assert raised(n, ROUTE) == []
    # A later seizure after dispatch does not count either.
    after = await post_incident(
        client, keys["AE"], incident("AE-2026-0035", "2026-12-05", country="AE")
    )
    assert raised(after, ROUTE) == []
    assert await fingerprints(app, ROUTE) == []


# SEIZURE_CLUSTER ----------------------------------------------------------------------------

CLUSTER = "SEIZURE_CLUSTER"


@pytest.mark.parametrize("reverse", [False, True])
async def test_unlinked_seizures_sharing_a_container_cluster_and_grow(app, client, keys, reverse):
    bodies = [
        ("NL", incident("NL-2026-0040", "2026-09-01", containers=["TGHU1234567"])),
        ("FR", incident("FR-2026-0041", "2026-10-01", country="FR", containers=["tghu 123456-7"])),
    ]
    if reverse:
        bodies.reverse()
    first = await post_incident(client, keys[bodies[0][0]], bodies[0][1])
    assert raised(first, CLUSTER) == []
    second = await post_incident(client, keys[bodies[1][0]], bodies[1][1])
    [alert] = raised(second, CLUSTER)
    assert await fingerprints(app, CLUSTER) == [f"{CLUSTER}:container:TGHU1234567"]
    assert alert["severity"] == "high"
    assert alert["subjects"]["seizures"] == sorted([first["id"], second["id"]])
    assert {"NL", "FR"} <= set(alert["countries"])
    third = await post_incident(
        client,
        keys["BE"],
        incident("BE-2026-0042", "2026-11-01", country="BE", containers=["TGHU1234567"]),
    )
    [grown] = raised(third, CLUSTER)
    assert grown["id"] == alert["id"] and grown["occurrences"] == 2
    assert len(grown["subjects"]["seizures"]) == 3 and len(grown["evidence"]) == 3
    assert await fingerprints(app, CLUSTER) == [f"{CLUSTER}:container:TGHU1234567"]


async def test_unlinked_seizures_sharing_a_party_cluster(app, client, keys):
    shadow = [{"role": "consignee", "name": "Shadow Trading LLC", "country": "AE"}]
    one = await post_incident(
        client, keys["NL"], incident("NL-2026-0050", "2026-09-01", parties=shadow)
    )
    two = await post_incident(
        client,
        keys["FR"],
        incident("FR-2026-0051", "2026-10-01", country="FR", parties=shadow),
    )
    party = one["parties"][0]["party_id"]
    assert two["parties"][0]["party_id"] == party
    assert await fingerprints(app, CLUSTER) == [f"{CLUSTER}:party:{party}"]
    [alert] = raised(two, CLUSTER)
    assert alert["subjects"]["parties"] == [party]
    assert "Shadow Trading LLC" in alert["title"]


async def test_seizures_linked_to_a_notification_or_sharing_nothing_do_not_cluster(
    app, client, keys
):
    await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    one = await post_incident(client, keys["NL"], seizure("NL-2026-0060"))
    two = await post_incident(client, keys["NL"], seizure("NL-2026-0061", occurred_on="2026-12-22"))
    for s in (one, two):
        assert [a["rule"] for a in s["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION"]
        assert raised(s, CLUSTER) == []
    await post_incident(client, keys["NL"], incident("NL-2026-0062", "2026-09-01"))
    await post_incident(client, keys["FR"], incident("FR-2026-0063", "2026-09-02", country="FR"))
    assert await fingerprints(app, CLUSTER) == []


@pytest.mark.parametrize("order", ["seizures_first", "notification_first"])
async def test_a_notification_explaining_clustered_seizures_resolves_the_cluster(
    app, client, keys, order
):
    async def post_seizures():
        one = await post_incident(client, keys["NL"], seizure("NL-2026-0064"))
        two = await post_incident(
            client, keys["NL"], seizure("NL-2026-0065", occurred_on="2026-12-22")
        )
        return one, two

    if order == "seizures_first":
        one, two = await post_seizures()
        clustered = raised(two, CLUSTER)
        party = one["parties"][0]["party_id"]
        assert sorted(a["title"].split(" share ")[1] for a in clustered) == sorted(
            ["container MSCU1234566", "party LAGOS PHARMA LIMITED"]
        )
        r = await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
        assert r.status_code == 201, r.text
        resolved = raised(r.json(), CLUSTER)
        assert sorted(a["id"] for a in resolved) == sorted(a["id"] for a in clustered)
        assert {(a["status"], a["resolution"]) for a in resolved} == {("closed", "legitimate")}
        assert await fingerprints(app, CLUSTER) == sorted(
            [f"{CLUSTER}:container:MSCU1234566", f"{CLUSTER}:party:{party}"]
        )
    else:
        await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
        await post_seizures()
    open_ = [a for a in await feed(client, keys["admin"], CLUSTER) if a["status"] != "closed"]
    assert open_ == []


# Ignored values -----------------------------------------------------------------------------


async def test_parties_with_ignored_names_start_none_of_these_rules(app, client, keys):
    to_order = [{"role": "consignee", "name": "TO ORDER", "country": "NG"}]
    for ref, day in (("NL-2026-0070", "2026-02-01"), ("NL-2026-0071", "2026-03-01")):
        body = incident(ref, day, type="stopped_shipment", parties=to_order)
        assert raised(await post_incident(client, keys["NL"], body), CLUSTER) == []
    n = await post_pen(
        client,
        keys["FR"],
        pen(
            "FR-2026-0072",
            "2026-11-02",
            exporter=OTHER_EXPORTER,
            consignee={"name": "TO ORDER", "country": "NG"},
        ),
    )
    assert {a["rule"] for a in n["alerts"]}.isdisjoint({SHOPPING, PRIOR})
    for rule in (SHOPPING, PRIOR, CLUSTER):
        assert await fingerprints(app, rule) == []


async def test_a_party_named_by_too_many_records_stops_fanning_out(app, client, keys, monkeypatch):
    from app.ingest import entities

    monkeypatch.setattr(entities, "MENTIONS_CAP", 1)
    for ref in ("DE-2026-0020", "DE-2026-0021"):
        await post_pen(client, keys["DE"], pen(ref, "2026-11-02"))
    earlier = incident(
        "NL-2025-0020",
        "2025-02-01",
        parties=[{"role": "consignee", "name": "LAGOS PHARMA LIMITED", "country": "NG"}],
    )
    assert raised(await post_incident(client, keys["NL"], earlier), PRIOR) == []
    monkeypatch.setattr(entities, "MENTIONS_CAP", 4)  # 2 notifications x (importer, consignee)
    again = incident("NL-2025-0021", "2025-02-02", parties=earlier["parties"])
    assert len(raised(await post_incident(client, keys["NL"], again), PRIOR)) == 2
