"""The demo data set loads through the public API and hangs together."""

from typing import Any

import httpx
import pytest

from app.demo import DEMO_AUTHORITIES, create_demo_authorities, demo_plan, load_demo
from tests.conftest import NOW, bearer


async def _all(client: httpx.AsyncClient, key: str, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 500} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=params, headers=bearer(key))
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


@pytest.mark.pure
def test_plan_is_deterministic() -> None:
    plan = demo_plan(seed=3, notifications=40)
    assert plan == demo_plan(seed=3, notifications=40)
    assert plan != demo_plan(seed=4, notifications=40)
    refs = [body["reference"] for _, body in plan.notifications + plan.seizures]
    assert len(refs) == len(set(refs))


async def test_demo_loads_and_hangs_together(app: Any, client: httpx.AsyncClient) -> None:
    async with app.state.sessionmaker() as session:
        keys = await create_demo_authorities(session, NOW)
        await session.commit()
    assert set(keys) == {*DEMO_AUTHORITIES, "admin"}

    counts = await load_demo(client, keys, notifications=60)

    notifications = await _all(client, keys["admin"], "/v1/notifications")
    seizures = await _all(client, keys["admin"], "/v1/seizures")
    assert counts["notifications"] == len(notifications) == 60
    assert counts["seizures"] == len(seizures) > 0
    assert counts["replies"] == sum(n["reply"] is not None for n in notifications) > 0
    assert counts["arrivals"] == sum(n["arrival"] is not None for n in notifications) > 0
    assert counts["withdrawals"] == sum(n["status"] == "withdrawn" for n in notifications)
    assert counts["suspensions"] == sum(n["status"] == "suspended" for n in notifications)

    for country in ("NG", "GH", "MX", "TR", "ZA", "MY", "AE"):
        seen = await _all(client, keys[country], "/v1/notifications")
        for n in seen:
            assert country in {n["exporting_country"], n["importing_country"]} | set(
                n["transit_countries"]
            )
        if country == "NG":
            assert seen
            assert await _all(client, keys[country], "/v1/seizures")

    assert len({s["type"] for s in seizures}) >= 3
    notified = {c for n in notifications for c in n["containers"]}
    assert any(notified & set(s["containers"]) for s in seizures)

    again = await load_demo(client, keys, notifications=60)  # a re-run changes nothing
    assert again == counts
    assert len(await _all(client, keys["admin"], "/v1/notifications")) == 60
