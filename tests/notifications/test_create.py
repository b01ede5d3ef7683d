"""Creating notifications: normalisation, idempotent replay, conflicts, visibility."""

import pytest

from tests.conftest import bearer
from tests.payloads import notification


async def test_create_returns_normalised_record(client, make_key):
    key = await make_key("DE")
    body = notification(containers=["mscu 123456-6"], exit_point="de-ham")
    r = await client.post("/v1/notifications", json=body, headers=bearer(key))
    assert r.status_code == 201, r.text
    n = r.json()
    assert n["status"] == "pending"
    assert n["exporting_country"] == "DE"
    assert n["containers"] == ["MSCU1234566"]
    assert n["exit_point"] == "DEHAM"
    assert n["bill_of_lading"] == "MEDU12345678"
    assert n["invoice_number"] == "INV202688"
    item = n["items"][0]
    assert item["substance_code"] == "ephedrine"
    assert item["net_kg"] == 500
    assert item["base_kg"] == pytest.approx(500 * 0.995 * 0.8197, rel=2e-3)
    assert n["exporter"]["party_id"]
    assert n["importer"]["party_id"] == n["consignee"]["party_id"]
    assert n["other_parties"][0]["role"] == "broker"
    # No ALR of Nigeria for ephedrine is on file: the notification says so itself.
    assert [a["rule"] for a in n["alerts"]] == ["MISSING_ALR"]


async def test_replay_is_200_and_conflict_names_fields(client, make_key):
    key = await make_key("DE")
    first = await client.post("/v1/notifications", json=notification(), headers=bearer(key))
    again = await client.post("/v1/notifications", json=notification(), headers=bearer(key))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    changed = notification(importing_country="GH", end_use="other")
    clash = await client.post("/v1/notifications", json=changed, headers=bearer(key))
    assert clash.status_code == 409
    assert clash.headers["content-type"].startswith("application/problem+json")
    assert clash.json()["differing_fields"] == ["end_use", "importing_country"]
    listed = await client.get("/v1/notifications", headers=bearer(key))
    assert len(listed.json()["items"]) == 1
