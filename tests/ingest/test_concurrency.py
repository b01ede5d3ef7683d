"""Writes that could meet are serialised (DESIGN.md §3, "Concurrency contract").

Two app instances with their own engines and pools stand for two `serve` processes on one
PostgreSQL database; on SQLite (one process) the same loads run through one app. Requests are
released together by a barrier, so their transactions overlap as far as the locks let them.
"""

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from stdnum import iso6346

from app.alerts.models import Alert
from app.config import Settings
from app.db import is_sqlite
from app.ingest import locks
from tests.alerts.api import alerts_now
from tests.conftest import bearer
from tests.payloads import notification, seizure

MATCH = "SEIZURE_MATCHES_NOTIFICATION"
PAIRS = 16
PARALLEL = 16


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Pools large enough that every request in flight holds its own connection."""
    return settings.model_copy(update={"db_pool_size": PARALLEL})


@pytest.fixture
async def clients(
    client: httpx.AsyncClient, other_app: Any, settings: Settings
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """One client per server process: two on PostgreSQL, one on SQLite (one process there)."""
    if is_sqlite(settings.database_url):
        yield [client, client]
        return
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as second:
        yield [client, second]


@pytest.fixture
async def keys(make_key: Any) -> dict[str, str]:
    out = {c: await make_key(c) for c in ("DE", "NG", "NL", "AE")}
    out["admin"] = await make_key("FR", roles="admin")
    return out


def container(n: int) -> str:
    """A valid ISO 6346 container number of its own."""
    serial = f"PAXU{n:06d}"
    return serial + iso6346.calc_check_digit(serial)


def firm(rng: random.Random) -> str:
    """A made-up firm name no other draw resembles."""
    return "".join(rng.choice("BCDFGHKLMNPRSTVZ") + rng.choice("AEIOU") for _ in range(4))


def pair(i: int, rng: random.Random, substance: str = "acetic anhydride") -> tuple[Any, Any]:
    """A notification and a seizure of its consignment: its own container and parties, so
    pairs meet only their own halves (a substance without ALR, no transit)."""
    importer = f"{firm(rng)} Industries Ltd"
    items = [{"substance": substance, "quantity": 500, "unit": "kg"}]
    n = notification(
        f"DE-PAIR-{i:04d}",
        exporter={"name": f"{firm(rng)} Chemie GmbH", "country": "DE"},
        importer={"name": importer, "country": "NG"},
        consignee={"name": importer, "country": "NG"},
        other_parties=[],
        items=items,
        transit_countries=[],
        containers=[container(i)],
        bill_of_lading=None,
        invoice_number=None,
    )
    s = seizure(
        f"NL-PAIR-{i:04d}",
        items=[{**items[0], "quantity": 480}],
        transit_countries=[],
        parties=[{"role": "consignee", "name": importer.upper(), "country": "NG"}],
        containers=[container(i)],
    )
    return n, s


async def together(*calls: Any) -> list[Any]:
    """Start every call at once: each waits at a barrier until all have been scheduled."""
    barrier = asyncio.Barrier(len(calls))

    async def released(call: Any) -> Any:
        await barrier.wait()
        return await call()

    return await asyncio.gather(*(released(c) for c in calls))


def no_server_error(responses: list[httpx.Response]) -> None:
    bad = [(r.request.url.path, r.status_code, r.text[:200]) for r in responses]
    assert [b for b in bad if b[1] >= 500] == []


async def matches(client: httpx.AsyncClient, admin: str) -> Counter[str]:
    """How many alerts of SEIZURE_MATCHES_NOTIFICATION each (seizure, notification) has."""
    return Counter(
        f"{a['subjects']['seizures'][0]}:{a['subjects']['notifications'][0]}"
        for a in await alerts_now(client, bearer(admin), rule=MATCH)
    )


async def linked(client: httpx.AsyncClient, key: str, nid: str) -> set[str]:
    r = await client.get(f"/v1/notifications/{nid}/links", headers=bearer(key))
    assert r.status_code == 200, r.text
    return {i["seizure"]["id"] for i in r.json()["items"] if i["linked"]}


async def test_a_seizure_and_its_notification_posted_at_once_are_linked(
    clients: list[httpx.AsyncClient], keys: dict[str, str]
) -> None:
    rng = random.Random(14)
    drafts = [pair(i, rng) for i in range(PAIRS)]

    def post(i: int, which: str) -> Any:
        n, s = drafts[i]
        # Alternate which process takes which half, and which half is scheduled first.
        side = (i + (which == "s")) % 2
        path, body, key = (
            ("/v1/notifications", n, keys["DE"])
            if which == "n"
            else ("/v1/seizures", s, keys["NL"])
        )
        return lambda: clients[side].post(path, json=body, headers=bearer(key))

    calls = [post(i, w) for i in range(PAIRS) for w in (("n", "s") if i % 2 else ("s", "n"))]
    responses = await together(*calls)
    no_server_error(responses)
    assert [r.status_code for r in responses] == [201] * len(calls)
    ids = {r.json()["reference"]: r.json()["id"] for r in responses}
    expected = Counter(f"{ids[f'NL-PAIR-{i:04d}']}:{ids[f'DE-PAIR-{i:04d}']}" for i in range(PAIRS))
    for i in range(PAIRS):
        nid, sid = ids[f"DE-PAIR-{i:04d}"], ids[f"NL-PAIR-{i:04d}"]
        assert await linked(clients[i % 2], keys["DE"], nid) == {sid}, i
    assert await matches(clients[0], keys["admin"]) == expected


BUSY = 10  # consignments of the same busy importer and exporter, to one ALR-tracked total


def busy(i: int) -> tuple[Any, Any]:
    """The i-th consignment of one busy lane (shared parties, ephedrine to NG) and its seizure."""
    n = notification(f"DE-BUSY-{i:04d}", containers=[container(1000 + i)], bill_of_lading=None)
    s = seizure(f"NL-BUSY-{i:04d}", containers=[container(1000 + i)])
    return n, s


async def world(client: httpx.AsyncClient, make_key: Any) -> dict[str, str]:
    """The authorities, and an ALR the busy lane exceeds."""
    out = {c: await make_key(c) for c in ("DE", "NG", "NL")}
    out["admin"] = await make_key("FR", roles="admin")
    r = await client.put("/v1/alr/NG/ephedrine/2026", json={"kg": 1500}, headers=bearer(out["NG"]))
    assert r.status_code == 200, r.text
    return out


async def outcome(client: httpx.AsyncClient, keys: dict[str, str], ids: dict[str, str]) -> Any:
    """What the store says, by reference: links, and the open alerts' rules and subjects (an
    alert raised and closed again on the way, a cluster of seizures before their notifications
    came, is history that depends on the order)."""
    ref = {v: k for k, v in ids.items()}
    links = set()
    for n_ref in (r for r in ids if r.startswith("DE-")):
        r = await client.get(f"/v1/notifications/{ids[n_ref]}/links", headers=bearer(keys["DE"]))
        assert r.status_code == 200, r.text
        links |= {(n_ref, ref[i["seizure"]["id"]], i["linked"]) for i in r.json()["items"]}
    latest = await alerts_now(client, bearer(keys["admin"]))
    alerts = Counter(
        (
            a["rule"],
            tuple(sorted(ref[i] for i in a["subjects"]["notifications"])),
            tuple(sorted(ref[i] for i in a["subjects"]["seizures"])),
        )
        for a in latest
        if a["status"] != "closed"
    )
    return links, alerts


async def post_batches(
    clients: list[httpx.AsyncClient], keys: dict[str, str], batches: list[tuple[str, list[Any]]]
) -> dict[str, str]:
    """Post the batches all at once, alternating processes; every reference created once."""

    def call(i: int, path: str, items: list[Any]) -> Any:
        key = keys["DE"] if "notifications" in path else keys["NL"]
        body = {"items": items}
        return lambda: clients[i % 2].post(f"{path}/batch", json=body, headers=bearer(key))

    responses = await together(*(call(i, p, items) for i, (p, items) in enumerate(batches)))
    no_server_error(responses)
    results = [
        (items[r["index"]]["reference"], r)
        for (_, items), resp in zip(batches, responses, strict=True)
        for r in resp.json()["results"]
    ]
    assert {r["status"] for _, r in results} <= {200, 201}, results
    created = Counter(ref for ref, r in results if r["status"] == 201)
    assert set(created.values()) == {1}
    assert len(created) == len({ref for ref, _ in results})
    return {ref: r["id"] for ref, r in results}


@pytest.mark.parametrize("small", [locks.SMALL, 45])
async def test_overlapping_batches_in_opposite_orders_store_what_one_at_a_time_stores(
    app: Any,
    clients: list[httpx.AsyncClient],
    make_key: Any,
    small: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With 45, a batch of ten notifications (58 keys) runs alone beside the others' key locks.
    monkeypatch.setattr(locks, "SMALL", small)
    drafts = [busy(i) for i in range(BUSY)]
    notes, seized = [n for n, _ in drafts], [s for _, s in drafts]
    N, S = "/v1/notifications", "/v1/seizures"

    # One at a time: what the store must hold whatever the order and overlap.
    keys = await world(clients[0], make_key)
    ids = await post_batches(clients, keys, [(N, notes)])
    ids |= await post_batches(clients, keys, [(S, seized)])
    expected = await outcome(clients[0], keys, ids)
    assert any(rule == "ALR_EXCEEDED" for rule, *_ in expected[1])
    assert any(rule == MATCH for rule, *_ in expected[1])
    await app.state.reset()

    # The same records in overlapping batches, in opposite orders, all at once.
    keys = await world(clients[0], make_key)
    small = [notes[i : i + 2] for i in range(0, BUSY, 2)] + [
        seized[i : i + 2] for i in range(1, BUSY, 2)
    ]
    batches = [
        (N, notes),
        (S, seized[::-1]),
        (N, notes[::-1]),
        (S, seized),
        *((N if "importing_country" in b[0] else S, b[::-1]) for b in small),
    ]
    random.Random(15).shuffle(batches)
    ids = await post_batches(clients, keys, batches)
    assert await outcome(clients[0], keys, ids) == expected
    async with app.state.sessionmaker() as session:
        twins = await session.execute(
            select(Alert.fingerprint).group_by(Alert.fingerprint).having(func.count() > 1)
        )
        assert twins.all() == []
