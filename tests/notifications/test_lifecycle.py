"""Replies, arrivals, withdrawals, suspensions and the history of every change."""

import pytest

from tests.conftest import bearer
from tests.payloads import notification


@pytest.fixture
async def keys(make_key):
    return {c: await make_key(c) for c in ("DE", "NG", "AE", "FR")}


async def _post(client, keys, **over):
    r = await client.post(
        "/v1/notifications", json=notification(**over), headers=bearer(keys["DE"])
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_reply_by_importing_country_only(client, keys):
    nid = await _post(client, keys)
    body = {"decision": "objection", "reason": "importer unknown", "replied_on": "2026-11-10"}
    forbidden = await client.post(
        f"/v1/notifications/{nid}/reply", json=body, headers=bearer(keys["AE"])
    )
    assert forbidden.status_code == 403
    hidden = await client.post(
        f"/v1/notifications/{nid}/reply", json=body, headers=bearer(keys["FR"])
    )
    assert hidden.status_code == 404
    r = await client.post(f"/v1/notifications/{nid}/reply", json=body, headers=bearer(keys["NG"]))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "objection"
    assert r.json()["reply"] == {
        "decision": "objection",
        "reason": "importer unknown",
        "replied_on": "2026-11-10",
    }
    again = await client.post(
        f"/v1/notifications/{nid}/reply", json=body, headers=bearer(keys["NG"])
    )
    assert again.status_code == 200
    other = {"decision": "no_objection"}
    clash = await client.post(
        f"/v1/notifications/{nid}/reply", json=other, headers=bearer(keys["NG"])
    )
    assert clash.status_code == 409


async def test_reply_defaults_to_today(client, keys, clock):
    nid = await _post(client, keys)
    r = await client.post(
        f"/v1/notifications/{nid}/reply",
        json={"decision": "no_objection"},
        headers=bearer(keys["NG"]),
    )
    assert r.json()["reply"]["replied_on"] == clock.today().isoformat()
    assert r.json()["status"] == "no_objection"


async def test_defaults_notified_on_today_and_due_in_15_days(client, keys, clock):
    body = notification(reference="DE-X-1")
    del body["notified_on"], body["reply_due_date"]
    r = await client.post("/v1/notifications", json=body, headers=bearer(keys["DE"]))
    assert r.json()["notified_on"] == "2026-11-20"
    assert r.json()["reply_due_date"] == "2026-12-05"


async def test_arrival_converts_quantities(client, keys):
    nid = await _post(client, keys)
    arrival = {
        "received_on": "2027-01-12",
        "items": [{"substance": "ephedrine hydrochloride", "quantity": 490000, "unit": "g"}],
    }
    r = await client.post(
        f"/v1/notifications/{nid}/arrival", json=arrival, headers=bearer(keys["NG"])
    )
    assert r.status_code == 200, r.text
    n = r.json()
    assert n["status"] == "arrived"
    assert n["arrival"]["received_on"] == "2027-01-12"
    assert n["arrival"]["items"][0]["net_kg"] == 490
    assert n["arrival"]["items"][0]["salt"] == "hydrochloride"
    assert (
        await client.post(
            f"/v1/notifications/{nid}/arrival", json=arrival, headers=bearer(keys["NG"])
        )
    ).status_code == 200
    arrival["items"][0]["quantity"] = 1
    assert (
        await client.post(
            f"/v1/notifications/{nid}/arrival", json=arrival, headers=bearer(keys["NG"])
        )
    ).status_code == 409
    assert (
        await client.post(
            f"/v1/notifications/{nid}/arrival", json=arrival, headers=bearer(keys["DE"])
        )
    ).status_code == 403


async def test_withdraw_and_suspend_permissions_and_history(client, keys):
    nid = await _post(client, keys)
    assert (
        await client.post(f"/v1/notifications/{nid}/withdraw", headers=bearer(keys["NG"]))
    ).status_code == 403
    s = await client.post(
        f"/v1/notifications/{nid}/suspend", json={"reason": "checks"}, headers=bearer(keys["AE"])
    )
    assert s.status_code == 200 and s.json()["status"] == "suspended"
    w = await client.post(f"/v1/notifications/{nid}/withdraw", headers=bearer(keys["DE"]))
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
    assert (
        await client.post(f"/v1/notifications/{nid}/withdraw", headers=bearer(keys["DE"]))
    ).status_code == 200
    reply = await client.post(
        f"/v1/notifications/{nid}/reply",
        json={"decision": "no_objection"},
        headers=bearer(keys["NG"]),
    )
    assert reply.status_code == 409
    h = await client.get(f"/v1/notifications/{nid}/history", headers=bearer(keys["NG"]))
    events = h.json()["items"]
    assert [e["event"] for e in events] == ["created", "suspended", "withdrawn"]
    assert events[1]["country"] == "AE" and events[1]["note"] == "checks"
    page = await client.get(f"/v1/notifications/{nid}/history?limit=2", headers=bearer(keys["NG"]))
    rest = await client.get(
        f"/v1/notifications/{nid}/history?cursor={page.json()['next_cursor']}",
        headers=bearer(keys["NG"]),
    )
    assert [e["event"] for e in rest.json()["items"]] == ["withdrawn"]
    assert rest.json()["next_cursor"] is None


async def test_reply_and_arrival_cannot_predate_the_notification(client, keys):
    nid = await _post(client, keys)
    early = {"decision": "objection", "replied_on": "2026-10-01"}
    r = await client.post(f"/v1/notifications/{nid}/reply", json=early, headers=bearer(keys["NG"]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "replied_on"
    arrival = {
        "received_on": "2026-11-01",
        "items": [{"substance": "ephedrine", "quantity": 1, "unit": "kg"}],
    }
    r = await client.post(
        f"/v1/notifications/{nid}/arrival", json=arrival, headers=bearer(keys["NG"])
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received_on"
    history = (
        await client.get(f"/v1/notifications/{nid}/history", headers=bearer(keys["NG"]))
    ).json()
    assert [e["event"] for e in history["items"]] == ["created"]
