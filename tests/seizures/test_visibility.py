"""Who sees a seizure: every country it names, the reporting country, and admin."""

import pytest

from tests.conftest import bearer
from tests.seizures.helpers import assert_problem, create, list_all, minimal

ROUTE = {
    "country": "BE",
    "origin_country": "DE",
    "transit_countries": ["AE", "TR"],
    "destination_country": "NG",
    "parties": [
        {"role": "consignee", "name": "Accra Chemicals Ltd", "country": "GH"},
        {"role": "broker", "name": "Mumbai Trading Pvt Ltd", "country": "IN"},
        {"role": "carrier", "name": "Unknown Carrier"},
    ],
}
SEEING = ["NL", "BE", "DE", "AE", "TR", "NG", "GH", "IN"]


async def test_every_named_country_sees_it_and_no_other(client, make_key):
    reporter = await make_key("NL")
    s = await create(client, reporter, minimal("NL-VIS-1", **ROUTE))
    other = await create(client, reporter, minimal("NL-VIS-2"))
    for country in SEEING:
        key = reporter if country == "NL" else await make_key(country)
        got = await client.get(f"/v1/seizures/{s['id']}", headers=bearer(key))
        assert got.status_code == 200, (country, got.text)
        assert got.json()["id"] == s["id"]
        listed = [i["id"] for i in await list_all(client, key)]
        assert s["id"] in listed, country
        if country != "NL":
            assert other["id"] not in listed, country
            assert_problem(
                await client.get(f"/v1/seizures/{other['id']}", headers=bearer(key)), 404
            )
            history = await client.get(f"/v1/seizures/{s['id']}/history", headers=bearer(key))
            assert history.status_code == 200


async def test_another_country_gets_404_and_an_empty_list(client, make_key):
    reporter = await make_key("NL")
    s = await create(client, reporter, minimal("NL-VIS-1", **ROUTE))
    outsider = await make_key("FR")
    assert_problem(await client.get(f"/v1/seizures/{s['id']}", headers=bearer(outsider)), 404)
    assert_problem(
        await client.get(f"/v1/seizures/{s['id']}/history", headers=bearer(outsider)), 404
    )
    assert await list_all(client, outsider) == []
    # Filtering on a country the record names does not widen what the outsider sees.
    assert await list_all(client, outsider, country="DE") == []
    # An unknown id is the same 404 as an invisible one.
    missing = await client.get("/v1/seizures/no-such-id", headers=bearer(outsider))
    assert (
        assert_problem(missing, 404)["title"]
        == assert_problem(
            await client.get(f"/v1/seizures/{s['id']}", headers=bearer(outsider)), 404
        )["title"]
    )


async def test_admin_sees_everything(client, make_key):
    nl = await make_key("NL")
    de = await make_key("DE")
    a = await create(client, nl, minimal("NL-1"))
    b = await create(client, de, minimal("DE-1", type_="theft"))
    admin = await make_key("CH", roles="admin")
    assert {i["id"] for i in await list_all(client, admin)} == {a["id"], b["id"]}
    for s in (a, b):
        got = await client.get(f"/v1/seizures/{s['id']}", headers=bearer(admin))
        assert got.status_code == 200
    assert [i["id"] for i in await list_all(client, admin, type="theft")] == [b["id"]]
    assert [i["id"] for i in await list_all(client, admin, country="NL")] == [a["id"]]


async def test_a_country_sees_what_it_reported_elsewhere(client, make_key):
    nl = await make_key("NL")
    s = await create(client, nl, minimal("NL-ABROAD", country="BE", origin_country="DE"))
    assert [i["id"] for i in await list_all(client, nl)] == [s["id"]]
    assert [i["id"] for i in await list_all(client, await make_key("BE"))] == [s["id"]]
    assert await list_all(client, await make_key("FR")) == []


@pytest.mark.parametrize("seizure_id", ["nul%00id", "%00", "x" * 64])
async def test_odd_ids_are_a_client_error(client, make_key, seizure_id):
    key = await make_key("NL")
    for path in (f"/v1/seizures/{seizure_id}", f"/v1/seizures/{seizure_id}/history"):
        r = await client.get(path, headers=bearer(key))
        assert r.status_code in (404, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.patch(f"/v1/seizures/{seizure_id}", json={"notes": "x"}, headers=bearer(key))
    assert r.status_code in (404, 422), r.text


@pytest.mark.parametrize("party", ["\x00", "a\x00b"])
async def test_odd_party_filter_is_a_client_error_or_empty(client, make_key, party):
    key = await make_key("NL")
    r = await client.get("/v1/seizures", params={"party": party}, headers=bearer(key))
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert r.json()["items"] == []
