"""Batches of seizures: one result per item, each stored on its own."""

from tests.conftest import bearer
from tests.payloads import seizure
from tests.seizures.helpers import (
    NOTHING,
    assert_problem,
    error_fields,
    list_all,
    minimal,
    stored_rows,
)


async def _batch(client, key, items):
    return await client.post("/v1/seizures/batch", json={"items": items}, headers=bearer(key))


async def test_one_bad_item_spoils_nothing_else_and_replays_are_200(client, make_key):
    key = await make_key("NL")
    items = [
        seizure("NL-B-1"),
        seizure("NL-B-2", containers=["MSCU1234565"]),
        minimal("NL-B-3", "theft"),
    ]
    r = await _batch(client, key, items)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] for x in results] == [0, 1, 2]
    assert [x["status"] for x in results] == [201, 422, 201]
    assert results[1]["id"] is None
    assert [e["field"] for e in results[1]["errors"]] == ["containers.0"]
    assert results[0]["errors"] == results[2]["errors"] == []
    stored = {x["id"] for x in results if x["id"]}
    assert len(stored) == 2
    assert {s["id"] for s in await list_all(client, key)} == stored
    for x, body in zip(results[::2], items[::2], strict=True):
        got = await client.get(f"/v1/seizures/{x['id']}", headers=bearer(key))
        assert got.status_code == 200
        assert got.json()["reference"] == body["reference"]
        history = await client.get(f"/v1/seizures/{x['id']}/history", headers=bearer(key))
        assert [e["event"] for e in history.json()["items"]] == ["created"]

    again = (await _batch(client, key, items)).json()["results"]
    assert [x["status"] for x in again] == [200, 422, 200]
    assert [x["id"] for x in again] == [x["id"] for x in results]
    assert len(await list_all(client, key)) == 2

    # The corrected item is then created; the others replay.
    items[1] = seizure("NL-B-2")
    fixed = (await _batch(client, key, items)).json()["results"]
    assert [x["status"] for x in fixed] == [200, 201, 200]
    assert len(await list_all(client, key)) == 3


async def test_batch_reports_conflicts_and_service_errors_per_item(client, make_key):
    key = await make_key("NL")
    litres_of_solid = seizure("NL-C-3")
    litres_of_solid["items"][0]["unit"] = "l"
    items = [
        seizure("NL-C-1"),
        seizure("NL-C-1"),  # the same again in one batch: a replay
        seizure("NL-C-1", notes="changed"),  # the same reference, another body
        litres_of_solid,
        seizure("NL-C-4", items=[{"substance": "unobtainium", "quantity": 1, "unit": "kg"}]),
        {"reference": "NL-C-5", "type": "seizure"},
        seizure("NL-C-6", colour="red"),
        minimal("NL-C-7"),
    ]
    r = await _batch(client, key, items)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201, 200, 409, 422, 422, 422, 422, 201]
    assert results[1]["id"] == results[0]["id"]
    assert [e["field"] for e in results[2]["errors"]] == ["notes"]
    assert [e["field"] for e in results[3]["errors"]] == ["items.0.unit"]
    assert [e["field"] for e in results[4]["errors"]] == ["items.0.substance"]
    assert sorted(e["field"] for e in results[5]["errors"]) == ["items", "occurred_on"]
    assert [e["field"] for e in results[6]["errors"]] == ["colour"]
    assert {s["reference"] for s in await list_all(client, key)} == {"NL-C-1", "NL-C-7"}
    (stored,) = [s for s in await list_all(client, key) if s["reference"] == "NL-C-1"]
    assert stored["notes"] == seizure()["notes"]


async def test_batch_needs_the_reporter_role(client, make_key, app):
    viewer = await make_key("NL", roles="viewer")
    assert_problem(await _batch(client, viewer, [seizure()]), 403)
    r = await client.post("/v1/seizures/batch", json={"items": [seizure()]})
    assert_problem(r, 401)
    assert await stored_rows(app) == NOTHING


async def test_batch_of_more_than_1000_is_refused_whole(client, make_key, app):
    """The app answers 422 naming `items` (the schema caps the list at 1000), not 413."""
    key = await make_key("NL")
    items = [minimal(f"NL-{i}") for i in range(1001)]
    r = await _batch(client, key, items)
    assert error_fields(r) == ["items"]
    assert await stored_rows(app) == NOTHING


async def test_malformed_batch_is_refused_whole(client, make_key, app):
    key = await make_key("NL")
    r = await client.post("/v1/seizures/batch", json=[seizure()], headers=bearer(key))
    assert error_fields(r) == ["body"]
    r = await client.post("/v1/seizures/batch", json={"records": []}, headers=bearer(key))
    assert "items" in error_fields(r)
    assert await stored_rows(app) == NOTHING


async def test_an_item_that_is_not_an_object_is_one_bad_item(client, make_key):
    key = await make_key("NL")
    r = await _batch(client, key, [None, seizure(), "NL-X", 7])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == [422, 201, 422, 422]
    assert all(x["errors"] for x in results if x["status"] == 422)
    assert len(await list_all(client, key)) == 1


async def test_empty_batch_has_no_results(client, make_key):
    key = await make_key("NL")
    r = await _batch(client, key, [])
    assert r.status_code == 200, r.text
    assert r.json()["results"] == []
