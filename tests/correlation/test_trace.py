"""Seizures traced back to notifications, from both sides, with redaction."""

import pytest

from tests.conftest import bearer
from tests.payloads import notification, seizure


@pytest.fixture
async def keys(make_key):
    return {c: await make_key(c) for c in ("DE", "NG", "NL", "AE", "FR")}


async def test_seizure_after_notification_is_linked_with_evidence(client, keys):
    n = (
        await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    ).json()
    s = (await client.post("/v1/seizures", json=seizure(), headers=bearer(keys["NL"]))).json()
    r = await client.get(f"/v1/seizures/{s['id']}/trace", headers=bearer(keys["NL"]))
    assert r.status_code == 200, r.text
    t = r.json()
    # NL is not on the notification's route: the match shows only as a redacted node
    assert t["matches"] == []
    assert t["source"] == {
        "exporting_country": "DE",
        "exporter": None,
        "exit_point": None,
        "notification_id": None,
        "redacted": True,
    }
    redacted = [node for node in t["graph"]["nodes"] if node["redacted"]]
    assert redacted and redacted[0]["country"] == "DE" and n["id"] not in str(redacted)
    # DE sees the seizure now (linked) and its trace shows the match with evidence
    t = (await client.get(f"/v1/seizures/{s['id']}/trace", headers=bearer(keys["DE"]))).json()
    match = t["matches"][0]
    assert match["notification"]["id"] == n["id"]
    assert match["linked"] is True and match["score"] >= 0.9
    features = {e["feature"] for e in match["evidence"]}
    assert {"container", "consignee", "substance", "origin", "destination"} <= features
    assert t["source"]["exporter"]["name"] == "Chemwerk Hamburg GmbH"
    assert t["source"]["exit_point"] == "DEHAM"
    fr = await client.get(f"/v1/seizures/{s['id']}/trace", headers=bearer(keys["FR"]))
    assert fr.status_code == 404


async def test_late_notification_links_on_arrival(client, keys):
    body = seizure(origin_country=None, transit_countries=[])
    s = (await client.post("/v1/seizures", json=body, headers=bearer(keys["NL"]))).json()
    assert (
        await client.get(f"/v1/seizures/{s['id']}", headers=bearer(keys["DE"]))
    ).status_code == 404
    n = (
        await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    ).json()
    links = (
        await client.get(f"/v1/notifications/{n['id']}/links", headers=bearer(keys["DE"]))
    ).json()
    assert [x["seizure"]["id"] for x in links["items"]] == [s["id"]]
    assert links["items"][0]["linked"] is True
    assert (
        await client.get(f"/v1/seizures/{s['id']}", headers=bearer(keys["DE"]))
    ).status_code == 200


async def test_unrelated_seizure_is_not_linked(client, keys):
    await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    other = seizure(
        reference="NL-2",
        containers=[],
        parties=[{"role": "consignee", "name": "Accra Chem Ltd", "country": "GH"}],
        origin_country="IN",
        destination_country="GH",
        transit_countries=[],
        items=[{"substance": "acetic anhydride", "quantity": 100, "unit": "l"}],
    )
    s = (await client.post("/v1/seizures", json=other, headers=bearer(keys["NL"]))).json()
    t = (await client.get(f"/v1/seizures/{s['id']}/trace", headers=bearer(keys["NL"]))).json()
    assert t["source"] is None
    assert all(not e.get("score") or e["score"] < 0.7 for e in t["graph"]["edges"])
