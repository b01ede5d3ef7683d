"""HTTP helpers shared by the alert tests: post or put expecting success, read alerts."""

from typing import Any

import httpx

from tests.conftest import bearer
from tests.payloads import notification


async def post(client: httpx.AsyncClient, key: str, path: str, body: Any, status: int = 200) -> Any:
    """Post a JSON body as this key's authority; fail the test on another status."""
    r = await client.post(path, json=body, headers=bearer(key))
    assert r.status_code == status, r.text
    return r.json()


async def notify(client: httpx.AsyncClient, key: str, ref: str, **over: Any) -> Any:
    """Post a notification (no containers unless given) and return the stored record."""
    over.setdefault("containers", [])
    body = notification(reference=ref, **over)
    return await post(client, key, "/v1/notifications", body, 201)


async def put_alr(client: httpx.AsyncClient, key: str, path: str, kg: float) -> Any:
    """Set an annual legitimate requirement (`path` is country/substance/year)."""
    r = await client.put(f"/v1/alr/{path}", json={"kg": kg}, headers=bearer(key))
    assert r.status_code == 200, r.text
    return r.json()


def of_rule(record: Any, rule: str) -> list[Any]:
    """The alerts of one rule in a record's response."""
    return [a for a in record["alerts"] if a["rule"] == rule]


async def alerts_now(
    client: httpx.AsyncClient, headers: dict[str, str], **filters: Any
) -> list[Any]:
    """The latest state of every alert the caller sees (monitor mode too): its feed followed to
    the end."""
    latest: dict[str, Any] = {}
    params: dict[str, Any] = {"limit": 500, "include_monitor": True, **filters}
    while True:
        r = await client.get("/v1/alerts", params=params, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        if not page["items"]:
            return list(latest.values())
        latest |= {a["id"]: a for a in page["items"]}
        params["cursor"] = page["next_cursor"]


async def latest_alerts(client: httpx.AsyncClient, admin_key: str, rule: str) -> list[Any]:
    """The feed's latest state of each alert of a rule."""
    r = await client.get(f"/v1/alerts?rule={rule}", headers=bearer(admin_key))
    assert r.status_code == 200, r.text
    return list({i["id"]: i for i in r.json()["items"]}.values())
