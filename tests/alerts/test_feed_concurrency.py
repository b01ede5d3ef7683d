"""Alert identity and the gap-free feed under many concurrent writers (§2.4, §3).

These tests need real parallel transactions, so they run on PostgreSQL only: SQLite takes the
write lock at BEGIN (BEGIN IMMEDIATE), so its writers never overlap and there is nothing to race.
Two app instances with their own engines stand for two server processes sharing one database.
"""

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from app.alerts import feed, service
from app.alerts.models import Alert, AlertChange, AlertFingerprint, FeedCounter
from app.alerts.router import _item
from app.alerts.rules.base import Evidence, Firing
from app.config import Settings
from app.db import before_commit, commit, is_sqlite
from app.kit.clock import Clock
from app.kit.pagination import decode_cursor
from tests.conftest import bearer
from tests.payloads import notification, seizure

MATCH = "SEIZURE_MATCHES_NOTIFICATION"
MISMATCH = "SUBSTANCE_MISMATCH"
CLUSTER = "SEIZURE_CLUSTER"  # the rule of the firings made up below
PARALLEL = 20
SEIZURES = 12  # each POST is CPU-bound in the one test process; 12 keep the test quick


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A pool per engine large enough that every parallel request holds its own connection;
    no background sweep, so the transactions in flight are the test's own."""
    return settings.model_copy(update={"db_pool_size": PARALLEL // 2, "sweep_interval_seconds": 0})


@pytest.fixture
def postgresql(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no concurrent transactions")


@pytest.fixture
async def clients(client: httpx.AsyncClient, other_app: Any) -> AsyncIterator[list[Any]]:
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
        yield [client, other]


@pytest.fixture
async def keys(make_key: Any) -> dict[str, str]:
    out = {c: await make_key(c) for c in ("DE", "NG", "NL", "AE")}
    out["admin"] = await make_key("FR", roles="admin")
    return out


def _ok(responses: list[httpx.Response]) -> None:
    """No 5xx: a deadlock or a unique violation would surface as a 500 problem."""
    bad = [(r.request.method, r.request.url.path, r.status_code, r.text) for r in responses]
    assert [b for b in bad if b[2] >= 500] == []


async def _all_alerts(client: httpx.AsyncClient, admin: str) -> list[dict[str, Any]]:
    """The latest state of every alert, read by following the admin's feed to its end."""
    latest: dict[str, dict[str, Any]] = {}
    params: dict[str, Any] = {"limit": 500, "include_monitor": True}
    while True:
        r = await client.get("/v1/alerts", params=params, headers=bearer(admin))
        assert r.status_code == 200, r.text
        page = r.json()
        for item in page["items"]:
            latest[item["id"]] = item
        if not page["items"]:
            return list(latest.values())
        params["cursor"] = page["next_cursor"]


async def _assert_identity(app: Any, client: httpx.AsyncClient, admin: str) -> list[Alert]:
    """At most one open alert per fingerprint, the fingerprint row points to the newest alert,
    occurrences count the firings, and the feed's last word on each alert is its current state."""
    async with app.state.sessionmaker() as session:
        alerts = list((await session.scalars(select(Alert))).all())
        rows = {
            r.fingerprint: r.alert_id
            for r in (await session.scalars(select(AlertFingerprint))).all()
        }
        changes = list((await session.scalars(select(AlertChange).order_by(AlertChange.seq))).all())
    open_per_fingerprint = Counter(a.fingerprint for a in alerts if a.status != "closed")
    assert [fp for fp, n in open_per_fingerprint.items() if n > 1] == []
    by_fingerprint: dict[str, list[Alert]] = {}
    for a in alerts:
        by_fingerprint.setdefault(a.fingerprint, []).append(a)
    for fp, group in by_fingerprint.items():
        # a reopened alert points to the closed one: one chain, no branches
        newest = [a for a in group if a.id not in {b.previous_alert_id for b in group}]
        assert len(newest) == 1, fp
        assert rows[fp] == newest[0].id
        assert sum(a.status != "closed" for a in group) <= 1
    firings = Counter(c.alert_id for c in changes if c.change in ("created", "fired_again"))
    last = {c.alert_id: c for c in changes}
    for a in alerts:
        if a.rule in (MATCH, MISMATCH, CLUSTER):  # the rules this file fires, once per request
            assert a.occurrences == firings[a.id], a.fingerprint
        assert a.seq == last[a.id].seq
        assert last[a.id].snapshot == feed.alert_out(a).model_dump(mode="json")
    assert len(changes) == len({c.seq for c in changes})
    via_api = await _all_alerts(client, admin)
    assert sorted(a["id"] for a in via_api) == sorted(a.id for a in alerts)
    return alerts


async def test_no_twin_alerts_from_concurrent_requests_on_two_processes(
    postgresql: None, app: Any, clients: list[httpx.AsyncClient], keys: dict[str, str]
) -> None:
    client = clients[0]
    n = await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    assert n.status_code == 201
    nid = n.json()["id"]

    # 1. Twelve seizures of the same consignment arrive at once through both processes.
    posted = await asyncio.gather(
        *(
            clients[i % 2].post(
                "/v1/seizures", json=seizure(f"NL-FIOD-2026-{i:03d}"), headers=bearer(keys["NL"])
            )
            for i in range(SEIZURES)
        )
    )
    _ok(posted)
    assert [r.status_code for r in posted] == [201] * SEIZURES
    seizure_ids = [r.json()["id"] for r in posted]
    alerts = await _assert_identity(app, client, keys["admin"])
    assert _rules(alerts) == {MATCH: SEIZURES, MISMATCH: SEIZURES}
    assert {a.fingerprint for a in alerts if a.rule in (MATCH, MISMATCH)} == {
        f"{rule}:{sid}:{nid}" for rule in (MATCH, MISMATCH) for sid in seizure_ids
    }

    # 2. Close every match alert, then make every fingerprint fire again from many transactions
    # at once: the objection, the suspensions and the arrival fire all of them from the
    # notification's side, while an amendment of each seizure fires its two from the other side.
    # Closed match alerts must reopen exactly once; open mismatch alerts must be updated in place.
    # Triage runs at the same time on the mismatch alerts.
    matches = {a.id: a for a in alerts if a.rule == MATCH}
    for alert_id in matches:
        url = f"/v1/alerts/{alert_id}"
        etag = (await client.get(url, headers=bearer(keys["DE"]))).headers["ETag"]
        closed = await client.patch(
            url,
            json={"status": "closed", "resolution": "confirmed_diversion"},
            headers=bearer(keys["DE"]) | {"If-Match": etag},
        )
        assert closed.status_code == 200
    mismatches = [a for a in alerts if a.rule == MISMATCH]
    etags = {
        a.id: (await client.get(f"/v1/alerts/{a.id}", headers=bearer(keys["NL"]))).headers["ETag"]
        for a in mismatches
    }
    Call = tuple[str, str, dict[str, Any], str]
    on_notification: list[Call] = [
        ("post", f"/v1/notifications/{nid}/reply", {"decision": "objection"}, "NG"),
        ("post", f"/v1/notifications/{nid}/suspend", {"reason": "seized in NL"}, "DE"),
        ("post", f"/v1/notifications/{nid}/suspend", {"reason": "seized in NL"}, "AE"),
        ("post", f"/v1/notifications/{nid}/arrival", {"items": [_arrived()]}, "NG"),
    ]
    on_seizures: list[Call] = [
        ("patch", f"/v1/seizures/{sid}", {"items": [_seized(f"benzoate lot {i}")]}, "NL")
        for i, sid in enumerate(seizure_ids)
    ]
    triage: list[Call] = [
        ("patch", f"/v1/alerts/{a.id}", {"status": "acknowledged"}, "NL") for a in mismatches[:6]
    ]
    calls = on_notification + on_seizures + triage
    random.Random(7).shuffle(calls)

    async def call(i: int, method: str, url: str, body: dict[str, Any], who: str) -> Any:
        headers = bearer(keys[who])
        if url.startswith("/v1/alerts/"):
            headers |= {"If-Match": etags[url.rsplit("/", 1)[1]]}
        return await clients[i % 2].request(method, url, json=body, headers=headers)

    fired = await asyncio.gather(*(call(i, *c) for i, c in enumerate(calls)))
    _ok(fired)
    # Triage may lose to a firing that changed the alert first (412): never a silent overwrite.
    triaged = [r for r in fired if r.request.url.path.startswith("/v1/alerts/")]
    assert len(triaged) == len(triage) and {r.status_code for r in triaged} <= {200, 412}
    assert [r.status_code for r in fired if r not in triaged] == [200] * (len(calls) - len(triage))

    alerts = await _assert_identity(app, client, keys["admin"])
    reopened = [a for a in alerts if a.rule == MATCH and a.status != "closed"]
    assert sorted(str(a.previous_alert_id) for a in reopened) == sorted(matches)
    assert all(a.severity == "critical" for a in reopened)
    assert _rules(alerts) == {MATCH: 2 * SEIZURES, MISMATCH: SEIZURES}
    assert all(a.occurrences >= 2 for a in alerts if a.rule == MISMATCH)  # updated in place


def _rules(alerts: list[Alert]) -> Counter[str]:
    """Alerts per rule of the two rules this file drives (other rules may fire as well)."""
    return Counter(a.rule for a in alerts if a.rule in (MATCH, MISMATCH))


def _seized(declared_as: str) -> dict[str, Any]:
    return {"substance": "ephedrine", "quantity": 480, "unit": "kg", "declared_as": declared_as}


def _arrived() -> dict[str, Any]:
    item = dict(notification()["items"][0])
    item["quantity"] = 20
    return item


def _firing(i: int, key: str = "race") -> Firing:
    return Firing(
        rule=CLUSTER,
        key=key,
        severity="medium",
        title="Seizures share a container",
        summary=f"firing {i}",
        countries=frozenset({"NL", "BE"}),
        seizures=(f"s{i}",),
        evidence=(Evidence("container", f"firing {i}", 2.0),),
    )


async def _fire_at_once(apps: list[Any], clock: Clock, key: str = "race") -> None:
    """PARALLEL transactions, spread over both engines, fire one fingerprint at the same instant:
    each first takes its connection and opens its transaction, then all go together."""
    ready, go = 0, asyncio.Event()

    async def one(i: int) -> None:
        nonlocal ready
        async with apps[i % 2].state.sessionmaker() as session:
            await session.execute(select(1))
            ready += 1
            if ready == PARALLEL:
                go.set()
            await asyncio.wait_for(go.wait(), 10)
            await service.apply(session, [_firing(i, key)], {CLUSTER: "active"}, clock.now())
            await commit(session)

    await asyncio.gather(*(one(i) for i in range(PARALLEL)))


async def test_one_fingerprint_fired_by_many_transactions_at_once_makes_one_alert(
    postgresql: None,
    app: Any,
    other_app: Any,
    client: httpx.AsyncClient,
    keys: dict[str, str],
    clock: Clock,
) -> None:
    apps = [app, other_app]
    await _fire_at_once(apps, clock)
    (alert,) = await _assert_identity(app, client, keys["admin"])
    assert alert.occurrences == PARALLEL and alert.status == "open"

    # After a close, the concurrent firings reopen it exactly once, as a new alert.
    url = f"/v1/alerts/{alert.id}"
    etag = (await client.get(url, headers=bearer(keys["NL"]))).headers["ETag"]
    closed = await client.patch(
        url,
        json={"status": "closed", "resolution": "duplicate"},
        headers=bearer(keys["NL"]) | {"If-Match": etag},
    )
    assert closed.status_code == 200
    await _fire_at_once(apps, clock)
    alerts = await _assert_identity(app, client, keys["admin"])
    (new,) = [a for a in alerts if a.id != alert.id]
    assert new.previous_alert_id == alert.id and new.occurrences == PARALLEL

    # Closed as a false positive: no firing, however many at once, opens it again.
    etag = (await client.get(f"/v1/alerts/{new.id}", headers=bearer(keys["NL"]))).headers["ETag"]
    closed = await client.patch(
        f"/v1/alerts/{new.id}",
        json={"status": "closed", "resolution": "false_positive"},
        headers=bearer(keys["NL"]) | {"If-Match": etag},
    )
    assert closed.status_code == 200
    await _fire_at_once(apps, clock)
    assert len(await _assert_identity(app, client, keys["admin"])) == 2


@contextlib.asynccontextmanager
async def _feed_number_held(app: Any, waiting: int) -> AsyncIterator[None]:
    """Hold the feed counter, as a slow writer does between taking its number and committing,
    until `waiting` transactions of the block wait on a lock; then let them all go at once."""
    async with app.state.sessionmaker() as blocker:
        await blocker.execute(select(FeedCounter).where(FeedCounter.id == 1).with_for_update())
        yield
        stmt = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        for _ in range(400):
            async with app.state.sessionmaker() as watcher:
                if await watcher.scalar(stmt) >= waiting:
                    break
            await asyncio.sleep(0.025)
        else:
            pytest.fail(f"fewer than {waiting} transactions ever waited")
        await blocker.rollback()


async def _one_alert(app: Any, clock: Clock) -> Alert:
    async with app.state.sessionmaker() as session:
        (alert,) = await service.apply(session, [_firing(0)], {CLUSTER: "active"}, clock.now())
        await commit(session)
    return alert


async def test_concurrent_triage_with_one_etag_lets_exactly_one_win(
    postgresql: None, app: Any, clients: list[httpx.AsyncClient], keys: dict[str, str], clock: Clock
) -> None:
    alert = await _one_alert(app, clock)
    url = f"/v1/alerts/{alert.id}"
    etag = (await clients[0].get(url, headers=bearer(keys["NL"]))).headers["ETag"]
    bodies = [{"status": "closed", "resolution": "false_positive"}] + [
        {"status": "investigating", "assignee": f"officer {i}"} for i in range(PARALLEL - 1)
    ]
    async with _feed_number_held(app, PARALLEL):  # all twenty are in flight together
        tasks = [
            asyncio.create_task(
                clients[i % 2].patch(url, json=b, headers=bearer(keys["NL"]) | {"If-Match": etag})
            )
            for i, b in enumerate(bodies)
        ]
    answers = await asyncio.gather(*tasks)
    _ok(answers)
    assert sorted(r.status_code for r in answers) == [200] + [412] * (PARALLEL - 1)
    (winner,) = [r for r in answers if r.status_code == 200]
    got = await clients[0].get(url, headers=bearer(keys["NL"]))
    final = got.json()
    assert got.headers["ETag"] == winner.headers["ETag"] == 'W/"v2"'
    assert (final["status"], final["assignee"]) == (
        winner.json()["status"],
        winner.json()["assignee"],
    )
    assert [h["change"] for h in final["history"]] == ["created", "updated"]
    await _assert_identity(app, clients[0], keys["admin"])


async def test_triage_racing_firings_is_serialised_with_them(
    postgresql: None,
    app: Any,
    other_app: Any,
    clients: list[httpx.AsyncClient],
    keys: dict[str, str],
    clock: Clock,
) -> None:
    """A triage and firings of one alert in flight together: each change bumps the version once,
    the triage wins only if no firing came first (else 412), and every snapshot is the whole
    alert as committed, never one that lacks the other transaction's change."""
    alert = await _one_alert(app, clock)
    url = f"/v1/alerts/{alert.id}"
    etag = (await clients[0].get(url, headers=bearer(keys["NL"]))).headers["ETag"]
    firings = PARALLEL // 2

    async def fire(i: int) -> None:
        async with [app, other_app][i % 2].state.sessionmaker() as session:
            await service.apply(session, [_firing(i)], {CLUSTER: "active"}, clock.now())
            await commit(session)

    async with _feed_number_held(app, firings + 1):
        patch = asyncio.create_task(
            clients[1].patch(
                url,
                json={"status": "investigating", "assignee": "K. Weber"},
                headers=bearer(keys["NL"]) | {"If-Match": etag},
            )
        )
        fired = [asyncio.create_task(fire(i)) for i in range(1, firings + 1)]
    await asyncio.gather(*fired)
    answer = await patch
    assert answer.status_code in (200, 412), answer.text
    got = await clients[0].get(url, headers=bearer(keys["NL"]))
    history = got.json()["history"]
    assert [h["change"] for h in history].count("fired_again") == firings
    assert got.headers["ETag"] == f'W/"v{len(history)}"'  # one version per change
    assert got.json()["occurrences"] == firings + 1
    if answer.status_code == 200:
        assert (got.json()["status"], got.json()["assignee"]) == ("investigating", "K. Weber")
    assert len(await _assert_identity(app, clients[0], keys["admin"])) == 1


async def test_a_firing_reads_the_alert_under_its_lock_even_if_read_before(
    postgresql: None, app: Any, client: httpx.AsyncClient, keys: dict[str, str], clock: Clock
) -> None:
    """A transaction that read the alert earlier (a replay in a batch lists the alerts its record
    raised) and fires it later must fold its firing into the alert as committed meanwhile."""
    alert = await _one_alert(app, clock)
    async with app.state.sessionmaker() as early:
        read = await early.get(Alert, alert.id)  # read now, without the lock
        assert read is not None and read.occurrences == 1
        async with app.state.sessionmaker() as other:  # meanwhile another request fires it
            await service.apply(other, [_firing(1)], {CLUSTER: "active"}, clock.now())
            await commit(other)
        await service.apply(early, [_firing(2)], {CLUSTER: "active"}, clock.now())
        await commit(early)
    (alert,) = await _assert_identity(app, client, keys["admin"])
    assert alert.occurrences == 3 and alert.version == 3


async def test_poller_sees_every_change_once_in_order_while_writers_commit_out_of_order(
    postgresql: None,
    app: Any,
    other_app: Any,
    clients: list[httpx.AsyncClient],
    keys: dict[str, str],
    clock: Clock,
) -> None:
    """Why this would catch a skip: a slow writer takes its feed number and then waits 0.15 s
    before committing, while fast writers keep committing and pollers read every few ms. If the
    number were handed out without holding the counter row until commit (a SEQUENCE, or a counter
    bumped in its own short transaction), a fast writer would commit number n+1 while n is still
    invisible; a poller reads n+1, its next_cursor moves past n, and when n commits no later page
    returns it. The collected list would then miss that row of alert_changes and the equality
    with the table at the end fails (a missed row, not a timing assertion)."""
    client = clients[0]
    n = await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    assert n.status_code == 201
    done = asyncio.Event()
    answers: list[httpx.Response] = []
    rng = random.Random(11)

    async def post_seizures(w: int) -> None:  # each creates two alerts in one quick transaction
        for i in range(8):
            body = seizure(f"NL-W{w}-{i:03d}")
            answers.append(
                await clients[w % 2].post("/v1/seizures", json=body, headers=bearer(keys["NL"]))
            )

    async def triage() -> None:  # updates of existing alerts
        for _ in range(12):
            await asyncio.sleep(0.02)
            ids = [a["id"] for a in await _all_alerts(client, keys["admin"])]
            if not ids:
                continue
            url = f"/v1/alerts/{rng.choice(ids)}"
            got = await client.get(url, headers=bearer(keys["admin"]))
            if got.json()["status"] == "closed":
                continue
            answers.append(
                await clients[1].patch(
                    url,
                    json={"assignee": f"officer {rng.randrange(1000)}"},
                    headers=bearer(keys["admin"]) | {"If-Match": got.headers["ETag"]},
                )
            )

    async def slow_writer(w: int) -> None:  # takes its number, then dawdles before commit
        async def dawdle(_session: Any) -> None:
            await asyncio.sleep(0.15)

        for i in range(5):
            async with [app, other_app][w].state.sessionmaker() as session:
                firing = _firing(i, key=f"slow-{w}")
                await service.apply(session, [firing], {CLUSTER: "active"}, clock.now())
                before_commit(session, dawdle)  # runs after `publish`, which took the number
                await commit(session)
            await asyncio.sleep(0.01)

    async def poll(wait: int) -> list[tuple[dict[str, Any], int, bool]]:
        seen: list[tuple[dict[str, Any], int, bool]] = []  # item, page cursor, last on page
        params: dict[str, Any] = {"wait": wait, "include_monitor": True}
        while True:
            finished = done.is_set()
            params["limit"] = rng.choice([1, 2, 3])
            r = await client.get("/v1/alerts", params=params, headers=bearer(keys["admin"]))
            assert r.status_code == 200, r.text
            page = r.json()
            (after,) = decode_cursor(page["next_cursor"], 1)
            for j, item in enumerate(page["items"]):
                seen.append((item, after, j == len(page["items"]) - 1))
            params["cursor"] = page["next_cursor"]
            if not page["items"]:
                if finished:
                    return seen
                await asyncio.sleep(0.005)

    pollers = [asyncio.create_task(poll(0)), asyncio.create_task(poll(1))]
    await asyncio.gather(
        post_seizures(0), post_seizures(1), triage(), slow_writer(0), slow_writer(1)
    )
    done.set()
    seen_by = await asyncio.gather(*pollers)
    _ok(answers)

    async with app.state.sessionmaker() as session:
        committed = list(
            (await session.scalars(select(AlertChange).order_by(AlertChange.seq))).all()
        )
        count = await session.scalar(select(func.count()).select_from(AlertChange))
    assert {r.status_code for r in answers if r.request.method == "PATCH"} <= {200, 412}
    patched = sum(r.status_code == 200 for r in answers if r.request.method == "PATCH")
    assert count == len(committed) >= 2 * 16 + 2 * 5 + patched  # (other rules may add more)
    expected = [_item(c).model_dump(mode="json") for c in committed]
    for seen in seen_by:
        assert len(seen) == count
        assert [item for item, _, _ in seen] == expected  # every change, once, in seq order
        # the cursor of each page is the seq of its last item: seqs strictly increase
        cursors = [after for _, after, last in seen if last]
        assert cursors == sorted(set(cursors))
        for (_, after, last), change in zip(seen, committed, strict=True):
            if last:
                assert after == change.seq
