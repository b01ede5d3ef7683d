"""Keys and candidates: ignored values, the per-key fan-out cap, idempotent re-scoring."""

import pytest

from app.correlation import service as correlation
from tests.conftest import bearer
from tests.payloads import notification, seizure

ONLY_CONTAINER = {
    "parties": [],
    "origin_country": None,
    "destination_country": None,
    "transit_countries": [],
    "country": "BR",
    "place": None,
    "items": [{"substance": "acetone", "quantity": 5, "unit": "kg"}],
}


@pytest.fixture
async def keys(make_key):
    return {c: await make_key(c) for c in ("DE", "NL", "BR")} | {
        "admin": await make_key("CH", roles="admin,viewer,investigator")
    }


async def _links(client, key, seizure_id):
    trace = (await client.get(f"/v1/seizures/{seizure_id}/trace", headers=bearer(key))).json()
    return [m["notification"]["reference"] for m in trace["matches"]]


async def test_ignored_values_are_admin_only_and_stop_correlation(client, keys):
    assert (
        await client.get("/v1/correlation/ignored", headers=bearer(keys["DE"]))
    ).status_code == 403
    defaults = (await client.get("/v1/correlation/ignored", headers=bearer(keys["admin"]))).json()
    assert {"key_type": "party_name", "value": "to order"} in defaults["items"]
    body = {"items": [*defaults["items"], {"key_type": "container", "value": "mscu 123456-6"}]}
    r = await client.put("/v1/correlation/ignored", json=body, headers=bearer(keys["admin"]))
    assert r.status_code == 200
    assert {"key_type": "container", "value": "MSCU1234566"} in r.json()["items"]
    bad = {"items": [{"key_type": "container", "value": "MSCU1234565"}]}
    r = await client.put("/v1/correlation/ignored", json=bad, headers=bearer(keys["admin"]))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.0"
    await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    s = await client.post(
        "/v1/seizures", json=seizure(**ONLY_CONTAINER), headers=bearer(keys["BR"])
    )
    assert await _links(client, keys["admin"], s.json()["id"]) == []


async def test_to_order_consignee_brings_no_candidates(client, keys):
    to_order = {"name": "TO ORDER", "country": "NG"}
    await client.post(
        "/v1/notifications",
        json=notification(consignee=to_order, containers=[]),
        headers=bearer(keys["DE"]),
    )
    body = seizure(
        **(ONLY_CONTAINER | {"containers": [], "parties": [{"role": "consignee", **to_order}]})
    )
    s = await client.post("/v1/seizures", json=body, headers=bearer(keys["BR"]))
    assert await _links(client, keys["admin"], s.json()["id"]) == []


async def test_a_key_shared_by_too_many_records_stops_fanning_out(client, keys, monkeypatch):
    monkeypatch.setattr(correlation, "KEY_CAP", 2)
    for i in range(3):
        await client.post(
            "/v1/notifications", json=notification(reference=f"DE-{i}"), headers=bearer(keys["DE"])
        )
    s = await client.post(
        "/v1/seizures", json=seizure(**ONLY_CONTAINER), headers=bearer(keys["BR"])
    )
    assert await _links(client, keys["admin"], s.json()["id"]) == []
    monkeypatch.setattr(correlation, "KEY_CAP", 3)
    again = await client.post(
        "/v1/seizures", json=seizure(reference="BR-2", **ONLY_CONTAINER), headers=bearer(keys["BR"])
    )
    assert sorted(await _links(client, keys["admin"], again.json()["id"])) == [
        "DE-0",
        "DE-1",
        "DE-2",
    ]


async def test_rescoring_is_idempotent(client, keys):
    await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    s = (await client.post("/v1/seizures", json=seizure(), headers=bearer(keys["NL"]))).json()
    before = (
        await client.get(f"/v1/seizures/{s['id']}/trace", headers=bearer(keys["admin"]))
    ).json()
    r = await client.patch(
        f"/v1/seizures/{s['id']}", json={"notes": s["notes"]}, headers=bearer(keys["NL"])
    )
    assert r.status_code == 200
    after = (
        await client.get(f"/v1/seizures/{s['id']}/trace", headers=bearer(keys["admin"]))
    ).json()
    assert after["matches"] == before["matches"]


async def test_contradictions_subtract(client, keys):
    await client.post(
        "/v1/notifications", json=notification(containers=[]), headers=bearer(keys["DE"])
    )
    fits = seizure(reference="NL-1", containers=[])
    early = seizure(
        reference="NL-2",
        containers=[],
        occurred_on="2026-06-01",
        items=[{"substance": "ephedrine", "quantity": 2000, "unit": "kg"}],
    )
    scores = {}
    for body in (fits, early):
        sid = (await client.post("/v1/seizures", json=body, headers=bearer(keys["NL"]))).json()[
            "id"
        ]
        trace = (
            await client.get(f"/v1/seizures/{sid}/trace", headers=bearer(keys["admin"]))
        ).json()
        scores[body["reference"]] = trace["matches"][0] if trace["matches"] else None
    assert scores["NL-1"]["linked"] is True
    early_match = scores["NL-2"]
    if early_match is not None:
        weights = {e["feature"]: e["weight"] for e in early_match["evidence"]}
        assert weights["date_outside_window"] < 0 and weights["quantity_exceeds"] < 0
        assert early_match["linked"] is False


async def test_related_seizures_share_parties_or_identifiers(client, keys):
    a = (
        await client.post(
            "/v1/seizures", json=seizure(reference="NL-1"), headers=bearer(keys["NL"])
        )
    ).json()
    b_body = seizure(reference="NL-2", containers=[], occurred_on="2027-03-01")
    b = (await client.post("/v1/seizures", json=b_body, headers=bearer(keys["NL"]))).json()
    c_body = seizure(**(ONLY_CONTAINER | {"reference": "BR-1"}))
    await client.post("/v1/seizures", json=c_body, headers=bearer(keys["BR"]))
    trace = (await client.get(f"/v1/seizures/{a['id']}/trace", headers=bearer(keys["NL"]))).json()
    related = {r["seizure"]["reference"]: r["via"] for r in trace["related_seizures"]}
    assert related == {"NL-2": ["party"]}
    redacted = [n for n in trace["graph"]["nodes"] if n["redacted"]]
    assert [(n["type"], n["country"]) for n in redacted] == [("seizure", "BR")]
    assert b["id"] in {n["id"] for n in trace["graph"]["nodes"]}
