"""Listing with cursors and filters, visibility by country, batches."""

from tests.conftest import bearer
from tests.payloads import notification


async def test_visibility_by_route(client, make_key):
    de, ng, ae, fr = [await make_key(c) for c in ("DE", "NG", "AE", "FR")]
    admin = await make_key("CH", roles="admin")
    r = await client.post("/v1/notifications", json=notification(), headers=bearer(de))
    nid = r.json()["id"]
    for key in (de, ng, ae, admin):
        assert (
            await client.get(f"/v1/notifications/{nid}", headers=bearer(key))
        ).status_code == 200
        assert (
            len((await client.get("/v1/notifications", headers=bearer(key))).json()["items"]) == 1
        )
    hidden = await client.get(f"/v1/notifications/{nid}", headers=bearer(fr))
    assert hidden.status_code == 404
    assert hidden.json()["status"] == 404
    assert (await client.get("/v1/notifications", headers=bearer(fr))).json()["items"] == []


async def test_cursor_visits_each_once_and_filters(client, make_key):
    de = await make_key("DE")
    ids = []
    for i in range(5):
        body = notification(reference=f"DE-{i}", importing_country="GH" if i % 2 else "NG")
        if i == 4:
            body["items"][0] = {"substance": "BMK", "quantity": 20, "unit": "l"}
        ids.append(
            (await client.post("/v1/notifications", json=body, headers=bearer(de))).json()["id"]
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/notifications", params=params, headers=bearer(de))).json()
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)  # each exactly once (ties in created_at order by id)
    gh = (await client.get("/v1/notifications?country=GH", headers=bearer(de))).json()["items"]
    assert {n["reference"] for n in gh} == {"DE-1", "DE-3"}
    p2p = (await client.get("/v1/notifications?substance=P-2-P", headers=bearer(de))).json()[
        "items"
    ]
    assert [n["reference"] for n in p2p] == ["DE-4"]
    assert p2p[0]["items"][0]["net_kg"] == 20.2  # 20 l x 1.01 kg/l
    party = p2p[0]["importer"]["party_id"]
    by_party = (await client.get(f"/v1/notifications?party={party}", headers=bearer(de))).json()[
        "items"
    ]
    assert len(by_party) == 5
    pending = (await client.get("/v1/notifications?status=pending", headers=bearer(de))).json()[
        "items"
    ]
    assert len(pending) == 5
    bad = await client.get("/v1/notifications?cursor=nonsense", headers=bearer(de))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    unknown = await client.get("/v1/notifications?substance=ephedrin", headers=bearer(de))
    assert unknown.status_code == 422 and "ephedrine" in unknown.json()["errors"][0]["message"]


async def test_batch_one_result_per_item(client, make_key):
    de = await make_key("DE")
    bad = notification(reference="B-2", containers=["MSCU1234565"])
    items = [
        notification(reference="B-1"),
        bad,
        notification(reference="B-3"),
        notification(reference="B-1", end_use="x"),
    ]
    r = await client.post("/v1/notifications/batch", json={"items": items}, headers=bearer(de))
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201, 422, 201, 409]
    assert results[1]["errors"][0]["field"] == "containers.0"
    assert results[3]["errors"][0]["field"] == "end_use"
    again = await client.post(
        "/v1/notifications/batch", json={"items": items[:1]}, headers=bearer(de)
    )
    replayed = again.json()["results"][0]
    assert (replayed["index"], replayed["status"], replayed["id"]) == (0, 200, results[0]["id"])
    assert replayed["alerts"] == results[0]["alerts"]
    listed = (await client.get("/v1/notifications", headers=bearer(de))).json()["items"]
    assert sorted(n["reference"] for n in listed) == ["B-1", "B-3"]


async def test_batch_limit(client, make_key):
    de = await make_key("DE")
    r = await client.post(
        "/v1/notifications/batch", json={"items": [{}] * 1001}, headers=bearer(de)
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "items"


async def test_batch_item_that_is_not_an_object_fails_alone(client, make_key):
    de = await make_key("DE")
    items = [notification(reference="C-1"), 5, None]
    r = await client.post("/v1/notifications/batch", json={"items": items}, headers=bearer(de))
    assert [x["status"] for x in r.json()["results"]] == [201, 422, 422]
