"""The sweep: REPLY_OVERDUE and ARRIVAL_OVERDUE on the records' dates, paging, one sweep at a time,
the background task, and `precursor-alerts sweep --as-of` as an operator runs it."""

import asyncio
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app import migrate
from app.alerts import sweep
from app.alerts.models import Alert
from app.alerts.rules import arrival_overdue, reply_overdue
from app.alerts.runners import sweep as sweep_runners
from app.auth import service as auth_service
from app.config import Settings
from app.ingest import kept
from app.kit.clock import Clock
from app.main import create_app
from app.records.facts import NotificationFacts
from tests.conftest import NOW, bearer
from tests.payloads import notification

EXE = str(Path(sys.executable).with_name("precursor-alerts"))
REPLY, ARRIVAL = "REPLY_OVERDUE", "ARRIVAL_OVERDUE"


@pytest.fixture
async def keys(make_key):
    keys = {c: await make_key(c) for c in ("DE", "NG")}
    keys["admin"] = await make_key("CH", "admin")
    return keys


async def _post(client, keys, reference="DE-2026-000123", **over):
    r = await client.post(
        "/v1/notifications", json=notification(reference, **over), headers=bearer(keys["DE"])
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _sweep(app, clock, as_of: str) -> int:
    return await sweep.run_sweep(app.state.sessionmaker, date.fromisoformat(as_of), clock.now())


async def _alerts(client, keys, rule):
    r = await client.get(
        f"/v1/alerts?rule={rule}&include_monitor=true&limit=500", headers=bearer(keys["admin"])
    )
    assert r.status_code == 200
    return r.json()["items"]


async def _count(app, rule=None) -> int:
    async with app.state.sessionmaker() as session:
        stmt = select(func.count()).select_from(Alert)
        if rule:
            stmt = stmt.where(Alert.rule == rule)
        return int(await session.scalar(stmt) or 0)


# --- REPLY_OVERDUE -------------------------------------------------------------------------------


async def test_reply_overdue_fires_the_day_after_the_due_date_and_only_once(
    app, client, keys, clock
):
    nid = await _post(client, keys)  # reply due 2026-11-17
    assert await _sweep(app, clock, "2026-11-17") == 0  # the due date itself is still in time
    assert await _alerts(client, keys, REPLY) == []
    assert await _sweep(app, clock, "2026-11-18") == 1
    [alert] = await _alerts(client, keys, REPLY)
    assert alert["change"] == "created" and alert["severity"] == "medium"
    assert alert["mode"] == "active" and alert["project"] == "prism"
    assert alert["subjects"]["notifications"] == [nid]
    assert set(alert["countries"]) == {"DE", "NG", "AE"}
    assert any(e["feature"] == "reply_due_date" for e in alert["evidence"])
    assert "2026-11-17" in alert["title"]
    # Later sweeps find the fact already raised: no twin, no update.
    assert await _sweep(app, clock, "2026-11-19") == 0
    assert await _sweep(app, clock, "2027-02-09") == 0  # ARRIVAL_OVERDUE is not due yet either
    assert [a["id"] for a in await _alerts(client, keys, REPLY)] == [alert["id"]]
    # The importing country sees it in its default feed.
    feed = (await client.get(f"/v1/alerts?rule={REPLY}", headers=bearer(keys["NG"]))).json()
    assert [i["id"] for i in feed["items"]] == [alert["id"]]


async def test_reply_in_time_or_withdrawal_means_no_reply_overdue(app, client, keys, clock):
    replied = await _post(client, keys, "DE-REPLIED")
    r = await client.post(
        f"/v1/notifications/{replied}/reply",
        json={"decision": "no_objection", "replied_on": "2026-11-10"},
        headers=bearer(keys["NG"]),
    )
    assert r.status_code == 200, r.text
    withdrawn = await _post(client, keys, "DE-WITHDRAWN")
    r = await client.post(
        f"/v1/notifications/{withdrawn}/withdraw", json={}, headers=bearer(keys["DE"])
    )
    assert r.status_code == 200, r.text
    overdue = await _post(client, keys, "DE-SILENT")
    assert await _sweep(app, clock, "2026-11-25") == 1
    [alert] = await _alerts(client, keys, REPLY)
    assert alert["subjects"]["notifications"] == [overdue]


async def test_closed_reply_overdue_is_not_reopened_by_the_next_sweep(app, client, keys, clock):
    await _post(client, keys)
    await _sweep(app, clock, "2026-11-18")
    [alert] = await _alerts(client, keys, REPLY)
    url = f"/v1/alerts/{alert['id']}"
    etag = (await client.get(url, headers=bearer(keys["DE"]))).headers["ETag"]
    closed = await client.patch(
        url,
        json={"status": "closed", "resolution": "legitimate", "note": "NG replied by phone"},
        headers=bearer(keys["DE"]) | {"If-Match": etag},
    )
    assert closed.status_code == 200
    assert await _sweep(app, clock, "2026-11-19") == 0
    assert await _count(app, REPLY) == 1


async def test_a_late_reply_clears_the_open_reply_overdue(app, client, keys, clock):
    nid = await _post(client, keys)
    await _sweep(app, clock, "2026-11-18")
    [raised] = await _alerts(client, keys, REPLY)
    r = await client.post(
        f"/v1/notifications/{nid}/reply",
        json={"decision": "objection", "replied_on": "2026-11-19"},
        headers=bearer(keys["NG"]),
    )
    assert r.status_code == 200, r.text
    [cleared] = [a for a in r.json()["alerts"] if a["rule"] == REPLY]
    assert (cleared["id"], cleared["status"], cleared["resolution"]) == (
        raised["id"],
        "closed",
        "cleared",
    )
    history = (await client.get(f"/v1/alerts/{raised['id']}", headers=bearer(keys["DE"]))).json()[
        "history"
    ]
    assert history[-1]["change"] == "resolved"
    assert "the reply came on 2026-11-19" in history[-1]["note"]
    # The late reply stays in the notification's history; the next sweep raises nothing again.
    events = await client.get(f"/v1/notifications/{nid}/history", headers=bearer(keys["DE"]))
    assert [e["event"] for e in events.json()["items"]] == ["created", "replied"]
    assert await _sweep(app, clock, "2026-11-20") == 0
    assert await _count(app, REPLY) == 1


async def test_cleared_is_the_service_s_own_resolution(app, client, keys, clock):
    await _post(client, keys)
    await _sweep(app, clock, "2026-11-18")
    [alert] = await _alerts(client, keys, REPLY)
    url = f"/v1/alerts/{alert['id']}"
    etag = (await client.get(url, headers=bearer(keys["DE"]))).headers["ETag"]
    r = await client.patch(
        url,
        json={"status": "closed", "resolution": "cleared"},
        headers=bearer(keys["DE"]) | {"If-Match": etag},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "resolution"


# --- ARRIVAL_OVERDUE -----------------------------------------------------------------------------


async def test_arrival_overdue_with_expected_date_after_the_grace(app, client, keys, clock):
    nid = await _post(client, keys)  # expected 2027-01-10, grace 30 days: due by 2027-02-09
    await _post(client, keys, "DE-ARRIVED")
    arrived = (await client.get("/v1/notifications?limit=10", headers=bearer(keys["DE"]))).json()
    arrived_id = next(i["id"] for i in arrived["items"] if i["reference"] == "DE-ARRIVED")
    r = await client.post(
        f"/v1/notifications/{arrived_id}/arrival",
        json={
            "received_on": "2027-01-12",
            "items": [{"substance": "ephedrine", "quantity": 490, "unit": "kg"}],
        },
        headers=bearer(keys["NG"]),
    )
    assert r.status_code == 200, r.text
    objected = await _post(client, keys, "DE-OBJECTED")
    r = await client.post(
        f"/v1/notifications/{objected}/reply",
        json={"decision": "objection", "replied_on": "2026-11-10"},
        headers=bearer(keys["NG"]),
    )
    assert r.status_code == 200, r.text
    await _sweep(app, clock, "2027-02-09")  # within the grace: only REPLY_OVERDUE
    assert await _alerts(client, keys, ARRIVAL) == []
    assert await _sweep(app, clock, "2027-02-10") == 1
    [alert] = await _alerts(client, keys, ARRIVAL)
    assert alert["subjects"]["notifications"] == [nid]
    assert alert["severity"] == "high"
    assert "2027-02-09" in alert["title"]
    [basis] = [e for e in alert["evidence"] if e["feature"] == "expected_arrival_date"]
    assert "2027-01-10" in basis["detail"]


async def test_arrival_overdue_without_expected_date_from_dispatch(app, client, keys, clock):
    # Dispatched 2026-12-01, no expected arrival: due by dispatch + 60 days = 2027-01-30.
    dispatched = await _post(client, keys, "DE-NO-ETA", expected_arrival_date=None)
    # Neither date: the notification date (2026-11-02) + 60 days = 2027-01-01.
    undated = await _post(
        client, keys, "DE-NO-DATES", expected_arrival_date=None, dispatch_date=None
    )
    await _sweep(app, clock, "2027-01-01")
    assert await _alerts(client, keys, ARRIVAL) == []
    await _sweep(app, clock, "2027-01-02")
    [first] = await _alerts(client, keys, ARRIVAL)
    assert first["subjects"]["notifications"] == [undated]
    await _sweep(app, clock, "2027-01-30")
    assert len(await _alerts(client, keys, ARRIVAL)) == 1
    await _sweep(app, clock, "2027-01-31")
    alerts = await _alerts(client, keys, ARRIVAL)
    assert [a["subjects"]["notifications"] for a in alerts] == [[undated], [dispatched]]
    assert any(e["feature"] == "dispatch_date" for e in alerts[1]["evidence"])


async def test_a_late_arrival_clears_the_open_arrival_overdue(app, client, keys, clock):
    nid = await _post(client, keys)
    await _sweep(app, clock, "2027-02-10")
    [raised] = await _alerts(client, keys, ARRIVAL)
    r = await client.post(
        f"/v1/notifications/{nid}/arrival",
        json={
            "received_on": "2027-02-11",
            "items": [{"substance": "ephedrine", "quantity": 409.6, "unit": "kg"}],
        },
        headers=bearer(keys["NG"]),
    )
    assert r.status_code == 200, r.text
    [cleared] = [a for a in r.json()["alerts"] if a["rule"] == ARRIVAL]
    assert (cleared["id"], cleared["resolution"]) == (raised["id"], "cleared")
    created, resolved = await _alerts(client, keys, ARRIVAL)  # the feed: one change each
    assert created["id"] == resolved["id"] == raised["id"]
    assert resolved["status"] == "closed" and resolved["change"] == "resolved"
    # The reply never came: its alert stays open.
    assert [a["status"] for a in await _alerts(client, keys, REPLY)] == ["open"]


@pytest.mark.pure
def test_pure_rules_reason_on_the_records_dates_and_as_of():
    n = NotificationFacts(
        id="n1",
        reference="R",
        status="pending",
        exporting_country="DE",
        importing_country="NG",
        transit_countries=(),
        notified_on=date(2026, 11, 2),
        reply_due_date=date(2026, 11, 17),
        dispatch_date=date(2026, 12, 1),
        expected_arrival_date=None,
        decision=None,
        replied_on=None,
        received_on=None,
        withdrawn=False,
        suspended=False,
        items=(),
        arrival_items=(),
        parties=(),
    )
    params = {"grace_days": 30, "no_eta_days": 60}
    assert reply_overdue.evaluate(n, date(2026, 11, 17), {}) == []
    [firing] = reply_overdue.evaluate(n, date(2026, 11, 18), {})
    assert firing.fingerprint == "REPLY_OVERDUE:n1"
    assert arrival_overdue.deadline(n, params) == date(2027, 1, 30)
    assert arrival_overdue.evaluate(n, date(2027, 1, 30), params) == []
    [firing] = arrival_overdue.evaluate(n, date(2027, 1, 31), params)
    assert firing.fingerprint == "ARRIVAL_OVERDUE:n1"
    # The same sweep date gives the same verdicts whatever happened in between.
    assert arrival_overdue.evaluate(n, date(2027, 1, 31), params) == [firing]


# --- paging, concurrency, the background task ----------------------------------------------------


async def test_sweep_pages_through_many_candidates(app, client, keys, clock, monkeypatch):
    monkeypatch.setattr(sweep_runners, "PAGE", 3)
    ids = set()
    for i in range(8):  # equal due dates: the keyset resumes on (reply_due_date, id)
        due = "2026-11-17" if i % 2 else "2026-11-16"
        ids.add(await _post(client, keys, f"DE-PAGE-{i}", reply_due_date=due))
    pages, held = sweep_runners.firing_pages, []

    async def counted(session, *args, **kwargs):
        async for page in pages(session, *args, **kwargs):
            held.append(len(session.info.get(kept.KEPT, {})))  # what the transaction keeps
            yield page

    monkeypatch.setattr(sweep_runners, "firing_pages", counted)
    assert await _sweep(app, clock, "2026-11-18") == 8
    assert len(held) >= 3 and max(held) <= 3  # a page's facts, dropped with its objects
    alerts = await _alerts(client, keys, REPLY)
    assert {a["subjects"]["notifications"][0] for a in alerts} == ids
    feed = (await client.get("/v1/alerts?limit=500", headers=bearer(keys["admin"]))).json()
    seqs = [i for i in feed["items"] if i["rule"] == REPLY]
    assert len(seqs) == 8  # every alert reached the feed: numbered at commit


async def test_two_concurrent_sweeps_run_one_at_a_time(app, client, keys, clock, monkeypatch):
    for i in range(6):
        await _post(client, keys, f"DE-RACE-{i}")
    pages = sweep_runners.firing_pages

    async def slow_pages(*args, **kwargs):
        async for page in pages(*args, **kwargs):
            await asyncio.sleep(0.2)  # keep the first sweep's transaction open a while
            yield page

    monkeypatch.setattr(sweep_runners, "firing_pages", slow_pages)
    as_of = date(2027, 6, 1)  # both rules fire for every notification
    results = await asyncio.gather(
        sweep.try_sweep(app.state.sessionmaker, as_of, clock.now()),
        sweep.try_sweep(app.state.sessionmaker, as_of, clock.now()),
    )
    async with app.state.sessionmaker() as session:
        stmt = select(Alert.fingerprint).where(Alert.rule.in_([REPLY, ARRIVAL]))
        fingerprints = (await session.scalars(stmt)).all()
    assert len(fingerprints) == 12
    assert max(Counter(fingerprints).values()) == 1  # no twin alerts
    if app.state.settings.database_url.startswith("postgresql"):
        # The advisory lock turned the second sweep away (None) while the first one ran.
        assert sorted(results, key=str) == [12, None]
    else:
        # SQLite: BEGIN IMMEDIATE queued the second behind the first, which left it nothing.
        assert sorted(results) == [0, 12]
    # run_sweep reports a skipped sweep as 0 alerts raised.
    again = await asyncio.gather(
        sweep.run_sweep(app.state.sessionmaker, as_of, clock.now()),
        sweep.run_sweep(app.state.sessionmaker, as_of, clock.now()),
    )
    assert again == [0, 0]


async def test_sweep_is_skipped_while_another_transaction_holds_the_lock(app, client, keys, clock):
    if not app.state.settings.database_url.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's; SQLite serialises writers instead")
    await _post(client, keys)
    as_of = date(2026, 11, 18)
    async with app.state.sessionmaker() as holder:
        await holder.execute(select(func.pg_advisory_xact_lock(sweep.SWEEP_LOCK)))
        assert await sweep.try_sweep(app.state.sessionmaker, as_of, clock.now()) is None
        assert await sweep.run_sweep(app.state.sessionmaker, as_of, clock.now()) == 0
        await holder.rollback()  # ends the transaction: the lock is released
    assert await sweep.try_sweep(app.state.sessionmaker, as_of, clock.now()) == 1


async def test_disabled_sweep_rule_raises_nothing(app, client, keys, clock):
    await _post(client, keys)
    r = await client.put(
        f"/v1/rules/{REPLY}", json={"enabled": False}, headers=bearer(keys["admin"])
    )
    assert r.status_code == 200
    assert await _sweep(app, clock, "2027-06-01") == 1  # ARRIVAL_OVERDUE only
    assert await _count(app, REPLY) == 0


async def test_serve_sweeps_in_the_background_and_stops_on_shutdown(app, settings, keys, clock):
    sweeping = create_app(settings.model_copy(update={"sweep_interval_seconds": 0.05}), clock)
    clock.fixed = NOW.replace(year=2027, month=6)  # everything posted is overdue by then
    async with sweeping.router.lifespan_context(sweeping):
        transport = httpx.ASGITransport(app=sweeping)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            await _post(c, keys)
            for _ in range(200):
                if await _count(app, REPLY) and await _count(app, ARRIVAL):
                    break
                await asyncio.sleep(0.05)
            assert await _count(app, REPLY) == 1 and await _count(app, ARRIVAL) == 1
            metrics = (await c.get("/metrics")).text
        task = sweeping.state.sweeper
        assert not task.done()
    assert task.done()
    assert 'alert_sweeps_total{outcome="ran"}' in metrics
    count = next(
        line
        for line in metrics.splitlines()
        if line.startswith("alert_sweep_duration_seconds_count")
    )
    assert float(count.split()[-1]) >= 1


async def test_an_interval_of_zero_disables_the_background_sweep(app):
    no_sweeper = create_app(app.state.settings.model_copy(update={"sweep_interval_seconds": 0}))
    async with no_sweeper.router.lifespan_context(no_sweeper):
        assert no_sweeper.state.sweeper is None


# --- the command line ----------------------------------------------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/sweep.db",
        "LOG_LEVEL": "WARNING",
    }


async def _seed_overdue(url: str) -> None:
    app = create_app(
        Settings(database_url=url, log_level="WARNING", sweep_interval_seconds=0),
        Clock(fixed=NOW),
    )
    async with app.router.lifespan_context(app):
        async with app.state.sessionmaker() as session:
            _, key = await auth_service.create_authority(
                session, country="DE", name="DE", roles=["reporter", "viewer"], now=NOW
            )
            await session.commit()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.post("/v1/notifications", json=notification(), headers=bearer(key))
            assert r.status_code == 201, r.text


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, "sweep", *args], env=_env(tmp_path), capture_output=True, text=True, check=False
    )


def test_sweep_command_with_as_of(tmp_path):
    url = _env(tmp_path)["DATABASE_URL"]
    migrate.upgrade(url)
    asyncio.run(_seed_overdue(url))
    on_due_date = _cli(tmp_path, "--as-of", "2026-11-17")
    assert on_due_date.returncode == 0, on_due_date.stderr
    assert on_due_date.stdout.strip() == "sweep as of 2026-11-17: 0 alerts raised or updated"
    after = _cli(tmp_path, "--as-of", "2026-11-18")
    assert after.stdout.strip() == "sweep as of 2026-11-18: 1 alerts raised or updated"
    today = _cli(tmp_path)
    assert today.returncode == 0
    assert today.stdout.startswith(f"sweep as of {datetime.now(UTC).date()}: ")
    bad = _cli(tmp_path, "--as-of", "2026-13-01")
    assert bad.returncode == 2 and "--as-of" in bad.stderr
