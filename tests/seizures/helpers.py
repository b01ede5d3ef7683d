"""Shared helpers of the seizure API tests."""

from typing import Any

import httpx
from sqlalchemy import func, select

from app.records.models import RecordCountry, RecordEvent, RecordItem, RecordParty
from app.seizures.models import Seizure
from tests.conftest import bearer

PROBLEM = "application/problem+json"


def minimal(reference: str, type_: str = "seizure", **over: Any) -> dict[str, Any]:
    """A body with only the required fields."""
    body: dict[str, Any] = {
        "reference": reference,
        "type": type_,
        "occurred_on": "2026-12-20",
        "items": [{"substance": "ephedrine", "quantity": 10, "unit": "kg"}],
    }
    body.update(over)
    return body


async def post(client: httpx.AsyncClient, key: str, body: dict[str, Any]) -> httpx.Response:
    """POST one seizure."""
    return await client.post("/v1/seizures", json=body, headers=bearer(key))


async def create(client: httpx.AsyncClient, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST one seizure that must be new; return the stored record."""
    r = await post(client, key, body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def list_all(client: httpx.AsyncClient, key: str, **params: Any) -> list[dict[str, Any]]:
    """List every visible seizure matching the filters, following cursors."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        r = await client.get("/v1/seizures", params=query, headers=bearer(key))
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ran out")


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    """Check a problem+json answer and return its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = r.json()
    assert problem["status"] == status
    assert problem["title"]
    return problem


def error_fields(r: httpx.Response) -> list[str]:
    """The field paths a 422 names."""
    problem = assert_problem(r, 422)
    return [e["field"] for e in problem["errors"]]


async def stored_rows(app: Any) -> dict[str, int]:
    """Count the rows of every table a seizure writes to."""
    counts = {}
    async with app.state.sessionmaker() as session:
        for model in (Seizure, RecordItem, RecordParty, RecordCountry):
            counts[model.__tablename__] = await session.scalar(
                select(func.count()).select_from(model)
            )
        counts["events"] = await session.scalar(
            select(func.count()).select_from(RecordEvent).where(RecordEvent.kind == "seizure")
        )
    return counts


NOTHING = {
    "seizures": 0,
    "record_items": 0,
    "record_parties": 0,
    "record_countries": 0,
    "events": 0,
}
