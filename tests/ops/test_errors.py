"""Every error is problem+json with the right status, and nothing is half-written."""

from tests.conftest import bearer
from tests.payloads import notification

PROBLEM = "application/problem+json"


async def test_malformed_json_is_400(client, make_key):
    key = await make_key("DE")
    r = await client.post(
        "/v1/notifications",
        content=b'{"reference": ',
        headers=bearer(key) | {"content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.headers["content-type"].startswith(PROBLEM)
    assert "JSON" in r.json()["detail"]


async def test_oversized_body_is_413(app, client, make_key):
    key = await make_key("DE")
    limit = app.state.settings.max_body_bytes
    r = await client.post(
        "/v1/notifications",
        content=b"[" + b" " * limit + b"]",
        headers=bearer(key) | {"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"].startswith(PROBLEM)

    async def chunks():
        yield b'{"items": ['
        for _ in range(limit // 1000 + 1):
            yield b" " * 1000

    streamed = await client.post(
        "/v1/notifications/batch",
        content=chunks(),
        headers=bearer(key) | {"content-type": "application/json"},
    )
    assert streamed.status_code == 413


async def test_422_lists_every_bad_field_and_stores_nothing(client, make_key):
    key = await make_key("DE")
    body = notification(
        importing_country="XX",
        containers=["MSCU1234565"],
        air_waybill="176-12345670",
        exit_point="DE-H1M",
        items=[{"substance": "ephedrin", "quantity": -1, "unit": "lb"}],
        surprise=True,
    )
    r = await client.post("/v1/notifications", json=body, headers=bearer(key))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert {
        "importing_country",
        "containers.0",
        "air_waybill",
        "exit_point",
        "items.0.substance",
        "items.0.quantity",
        "items.0.unit",
        "surprise",
    } <= set(fields)
    assert "check digit" in fields["containers.0"]
    assert "ephedrine" in fields["items.0.substance"]
    assert (await client.get("/v1/notifications", headers=bearer(key))).json()["items"] == []


async def test_cross_field_rules_name_the_field(client, make_key):
    key = await make_key("DE")
    solid_in_litres = notification(items=[{"substance": "ephedrine", "quantity": 5, "unit": "l"}])
    r = await client.post("/v1/notifications", json=solid_in_litres, headers=bearer(key))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "items.0.unit"
    to_self = notification(importing_country="DE")
    r = await client.post("/v1/notifications", json=to_self, headers=bearer(key))
    assert r.json()["errors"][0]["field"] == "importing_country"
    unknown_salt = notification(
        items=[{"substance": "ephedrine", "salt": "citrate", "quantity": 5, "unit": "kg"}]
    )
    r = await client.post("/v1/notifications", json=unknown_salt, headers=bearer(key))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "items.0.salt"
    assert (await client.get("/v1/notifications", headers=bearer(key))).json()["items"] == []


async def test_unknown_route_and_method(client):
    r = await client.get("/v1/nothing")
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    r = await client.delete("/v1/notifications")
    assert r.status_code == 405 and r.headers["content-type"].startswith(PROBLEM)
