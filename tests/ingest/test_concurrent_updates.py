"""Changes of stored records that could meet are serialised too: one notification's reply and
withdrawal, a reply during the sweep, an ALR set twice at once (DESIGN.md §3)."""

from datetime import date
from typing import Any

import httpx
import pytest

from app.alerts import sweep
from app.kit.clock import Clock
from tests.alerts.api import alerts_now
from tests.conftest import bearer
from tests.ingest.test_concurrency import clients, keys, settings, together
from tests.payloads import notification

__all__ = ["clients", "keys", "settings"]  # fixtures shared with the record tests


async def pending(client: httpx.AsyncClient, key: str, n: int) -> list[str]:
    """Notifications waiting for a reply, each on its own lane."""
    ids = []
    for i in range(n):
        body = notification(
            f"DE-WAIT-{i:03d}",
            containers=[],
            bill_of_lading=None,
            invoice_number=f"INV-WAIT-{i}",
            exporter={"name": f"Exporter {i:03d} Quimica", "country": "DE"},
            importer={"name": f"Importer {i:03d} Farma", "country": "NG"},
            consignee=None,
            other_parties=[],
            transit_countries=[],
        )
        r = await client.post("/v1/notifications", json=body, headers=bearer(key))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


async def test_a_reply_and_a_withdrawal_at_once_both_count(
    clients: list[httpx.AsyncClient], keys: dict[str, str]
) -> None:
    ids = await pending(clients[0], keys["DE"], 8)

    def reply(i: int, nid: str) -> Any:
        path, body = f"/v1/notifications/{nid}/reply", {"decision": "objection"}
        return lambda: clients[i % 2].post(path, json=body, headers=bearer(keys["NG"]))

    def withdraw(i: int, nid: str) -> Any:
        path = f"/v1/notifications/{nid}/withdraw"
        return lambda: clients[(i + 1) % 2].post(path, json={}, headers=bearer(keys["DE"]))

    # Which is scheduled first, and through which process, alternates.
    calls = [c for i, n in enumerate(ids) for c in (reply(i, n), withdraw(i, n))[:: (-1) ** i]]
    answers = await together(*calls)
    answers = [a for i in range(len(ids)) for a in answers[2 * i : 2 * i + 2][:: (-1) ** i]]
    for nid, replied, withdrew in zip(ids, answers[::2], answers[1::2], strict=True):
        # Either order is right (a reply after the withdrawal is refused); a lost update is not.
        assert withdrew.status_code == 200, withdrew.text
        assert replied.status_code in (200, 409), replied.text
        r = await clients[0].get(f"/v1/notifications/{nid}", headers=bearer(keys["DE"]))
        stored = r.json()
        assert stored["status"] == "withdrawn"
        assert (stored["reply"] is not None) == (replied.status_code == 200)
        history = await clients[0].get(
            f"/v1/notifications/{nid}/history", headers=bearer(keys["DE"])
        )
        events = sorted(e["event"] for e in history.json()["items"])
        assert events == sorted(
            ["created", "withdrawn"] + ["replied"] * (replied.status_code == 200)
        )


@pytest.mark.parametrize("year", [2026])
async def test_one_alr_set_at_once_from_both_processes(
    clients: list[httpx.AsyncClient], keys: dict[str, str], year: int
) -> None:
    path = f"/v1/alr/NG/ephedrine/{year}"

    def put(i: int) -> Any:
        body = {"kg": 1000 + i}
        return lambda: clients[i % 2].put(path, json=body, headers=bearer(keys["NG"]))

    answers = await together(*(put(i) for i in range(8)))
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    listed = await clients[0].get("/v1/alr", params={"country": "NG"}, headers=bearer(keys["NG"]))
    assert [a["year"] for a in listed.json()["items"]] == [year]


async def test_a_reply_during_the_sweep_leaves_no_overdue_alert_open(
    app: Any, clients: list[httpx.AsyncClient], keys: dict[str, str], clock: Clock
) -> None:
    ids = await pending(clients[0], keys["DE"], 12)  # each due 2026-11-17

    def reply(i: int, nid: str) -> Any:
        path, body = f"/v1/notifications/{nid}/reply", {"decision": "no_objection"}
        return lambda: clients[i % 2].post(path, json=body, headers=bearer(keys["NG"]))

    def sweep_now() -> Any:
        return sweep.run_sweep(app.state.sessionmaker, date(2026, 11, 20), clock.now())

    calls = [reply(i, nid) for i, nid in enumerate(ids)]
    answers = await together(*calls[:6], sweep_now, *calls[6:])
    replies = answers[:6] + answers[7:]
    assert [r.status_code for r in replies] == [200] * len(ids)
    # Each reply came either before the sweep read its notification (nothing raised) or after
    # the sweep committed (raised, then cleared): none is left open.
    overdue = await alerts_now(clients[0], bearer(keys["admin"]), rule="REPLY_OVERDUE")
    assert [a["subjects"]["notifications"] for a in overdue if a["status"] != "closed"] == []
    assert {a["resolution"] for a in overdue} <= {"cleared"}
