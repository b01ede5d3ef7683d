"""Party resolution through the API: spellings, decoys, identifiers, merges, search."""

from tests.conftest import bearer
from tests.payloads import notification


async def _importer_id(client, key, reference, importer, **over):
    body = notification(reference=reference, importer=importer, consignee=None, **over)
    r = await client.post("/v1/notifications", json=body, headers=bearer(key))
    assert r.status_code == 201, r.text
    return r.json()["importer"]["party_id"], r.json()["id"]


async def test_spellings_of_one_company_resolve_to_one_party(client, make_key):
    de = await make_key("DE")
    ids = {
        (await _importer_id(client, de, f"R-{i}", {"name": name, "country": "NG"}))[0]
        for i, name in enumerate(
            [
                "ACME CHEMICAL COMPANY LIMITED",
                "Acme Chemical Co., Ltd.",
                "M/s. Acme Chemicals Ltd",
                "acme chemical co ltd",
            ]
        )
    }
    assert len(ids) == 1


async def test_companies_sharing_generic_words_stay_apart(client, make_key):
    de = await make_key("DE")
    a, _ = await _importer_id(client, de, "R-1", {"name": "Apex Orion Pharma Ltd", "country": "NG"})
    b, _ = await _importer_id(
        client, de, "R-2", {"name": "Zenith Lotus Pharma Ltd", "country": "NG"}
    )
    c, _ = await _importer_id(client, de, "R-3", {"name": "Acme Chemical Ltd", "country": "GH"})
    d, _ = await _importer_id(client, de, "R-4", {"name": "Acme Chemical Ltd", "country": "NG"})
    assert len({a, b, c, d}) == 4


async def test_identifier_match_merges_a_name_only_twin(client, make_key):
    de = await make_key("DE")
    lei = "5493001KJTIIGC8Y1R12"
    twin, first = await _importer_id(
        client, de, "R-1", {"name": "Orion Chemicals Ltd", "country": "NG"}
    )
    holder, _ = await _importer_id(
        client, de, "R-2", {"name": "OCL Industries", "country": "NG", "identifiers": {"lei": lei}}
    )
    assert twin != holder
    third, _ = await _importer_id(
        client,
        de,
        "R-3",
        {"name": "Orion Chemicals Limited", "country": "NG", "identifiers": {"lei": lei}},
    )
    assert third == holder
    moved = (await client.get(f"/v1/notifications/{first}", headers=bearer(de))).json()
    assert moved["importer"]["party_id"] == holder
    detail = (await client.get(f"/v1/parties/{twin}", headers=bearer(de))).json()
    assert detail["id"] == holder
    assert detail["identifiers"]["lei"] == lei
    assert {"Orion Chemicals Ltd", "OCL Industries"} <= set(detail["aliases"])
    assert sorted(r["reference"] for r in detail["records"]) == ["R-1", "R-2", "R-3"]


async def test_search_ranks_fuzzy_matches_and_hides_invisible_records(client, make_key):
    de, ng, fr = [await make_key(c) for c in ("DE", "NG", "FR")]
    lagos, _ = await _importer_id(client, de, "R-1", {"name": "Lagos Pharma Ltd", "country": "NG"})
    await _importer_id(client, de, "R-2", {"name": "Lagos Chemicals Ltd", "country": "NG"})
    r = await client.get(
        "/v1/parties", params={"q": "LAGOS PHARMAH LIMITED", "country": "NG"}, headers=bearer(ng)
    )
    assert r.status_code == 200, r.text
    hits = r.json()["items"]
    assert hits[0]["party"]["id"] == lagos
    assert hits[0]["score"] >= 0.9
    assert all(h["score"] < hits[0]["score"] for h in hits[1:])
    hidden = await client.get("/v1/parties", params={"q": "Lagos Pharma"}, headers=bearer(fr))
    assert hidden.json()["items"] == []
    assert (await client.get(f"/v1/parties/{lagos}", headers=bearer(fr))).status_code == 404
    detail = (await client.get(f"/v1/parties/{lagos}", headers=bearer(ng))).json()
    assert [(r["reference"], r["role"], r["country"]) for r in detail["records"]] == [
        ("R-1", "importer", "DE")
    ]


async def test_party_endpoints_need_the_investigator_role(client, make_key):
    viewer = await make_key("NG", roles="viewer")
    r = await client.get("/v1/parties", params={"q": "acme"}, headers=bearer(viewer))
    assert r.status_code == 403


async def test_a_name_match_gains_the_identifiers_it_lacked(client, make_key):
    """The entity a spelling resolves to by name takes the identifier the party gives, in a
    batch as alone (the set's candidates are plain values until one is changed)."""
    de = await make_key("DE")
    lei = "5493001KJTIIGC8Y1R12"
    first, _ = await _importer_id(
        client, de, "R-1", {"name": "Orion Chemicals Ltd", "country": "NG"}
    )
    bodies = [
        notification(
            reference=f"R-{i}",
            importer={"name": "Orion Chemicals Limited", "country": "NG", "identifiers": ids},
            consignee=None,
        )
        for i, ids in ((2, {"lei": lei}), (3, None))
    ]
    r = await client.post("/v1/notifications/batch", json={"items": bodies}, headers=bearer(de))
    assert [x["status"] for x in r.json()["results"]] == [201, 201], r.text
    detail = (await client.get(f"/v1/parties/{first}", headers=bearer(de))).json()
    assert detail["id"] == first
    assert detail["identifiers"]["lei"] == lei
    assert sorted(r["reference"] for r in detail["records"]) == ["R-1", "R-2", "R-3"]
