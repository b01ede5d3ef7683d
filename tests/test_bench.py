"""The benchmark's own pieces, without timing anything: the floor app, batching, the report."""

import asyncio
import copy
import importlib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from app import migrate
from app.auth import service as auth_service
from app.db import create_engine, create_sessionmaker
from app.identifiers.containers import normalize_container
from bench import capture, fixtures, pairs, report, stages, statements
from bench.capture import recording
from bench.floor import create_app, metadata
from bench.load import pct
from bench.replay import replay
from bench.world import Draft
from tests.conftest import PG_ADMIN_DSN


async def test_floor_stores_bodies_and_answers_idle_polls(database_url: str) -> None:
    app = create_app(database_url)
    async with app.router.lifespan_context(app):
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://floor") as c:
                one = await c.post("/floor/records", json={"reference": "X-1", "items": [1]})
                assert one.status_code == 201
                many = await c.post("/floor/batch", json={"items": [{"a": 1}, {"b": 2}]})
                assert many.status_code == 200
                ids = [r["id"] for r in many.json()["results"]] + [one.json()["id"]]
                assert len(set(ids)) == 3
                first = await c.get("/floor/poll")
                assert first.status_code == 200
                tag = {"If-None-Match": first.headers["ETag"]}
                assert (await c.get("/floor/poll", headers=tag)).status_code == 304
                assert (
                    await c.get("/floor/poll", headers={"If-None-Match": 'W/"x"'})
                ).status_code == 200
        finally:
            async with app.state.engine.begin() as conn:
                await conn.run_sync(metadata.drop_all)


def _draft(kind: str, country: str, n: int) -> Draft:
    return Draft(kind, f"id-{n}", country, {"reference": f"R-{n}"}, [], [])


def test_batches_hold_one_kind_from_one_authority() -> None:
    drafts = [_draft("notification", "IN", i) for i in range(5)]
    drafts += [_draft("seizure", "IN", 10 + i) for i in range(3)]
    drafts += [_draft("notification", "CN", 20 + i) for i in range(2)]
    full = fixtures.group(drafts, 2)
    assert [len(g) for g in full] == [2, 2, 2, 2]
    assert all(len({(d.kind, d.country) for d in g}) == 1 for g in full)
    every = fixtures.group(drafts, 2, partial=True)
    assert sorted(d.id for g in every for d in g) == sorted(d.id for d in drafts)
    keys = fixtures.Keys({"IN": "a"}, {"IN": "k"})
    calls = fixtures.batches(full[:1], keys)
    assert calls[0].path == "/v1/notifications/batch"
    assert calls[0].records == 2
    assert calls[0].headers == {"Authorization": "Bearer k"}


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert pct(values, 50) == 50.0
    assert pct(values, 99) == 99.0
    assert pct([], 99) == 0.0


def _results() -> dict[str, Any]:
    ingest = {
        "records_per_s": 20.0,
        "p50_ms": 300.0,
        "p99_ms": 900.0,
        "floor_records_per_s": 200.0,
        "ratio_to_floor": 0.1,
        "floor_p50_ms": 30.0,
        "floor_p99_ms": 90.0,
        "peak_rss_mb": 150.0,
        "batch": {"records_per_s": 25.0, "p50_ms": 2000.0, "p99_ms": 2500.0},
        "floor_batch": {"records_per_s": 400.0, "p50_ms": 200.0, "p99_ms": 250.0},
        "batch_ratio_to_floor": 0.0625,
    }
    phase = {"mean_ms": 100.0, "p50_ms": 90.0, "p99_ms": 300.0, "peak_rss_mb": 120.0}
    return {
        "mode": "quick",
        "seconds": 200.0,
        "machine": {"nproc": "2"},
        "sizes": {
            "singles": 150,
            "concurrency": 8,
            "batches": 4,
            "batch_size": 50,
            "batch_concurrency": 2,
            "preload": 150,
            "probe": 50,
        },
        "ingest": {"sqlite": ingest, "postgresql": copy.deepcopy(ingest)},
        "growth": {
            "postgresql": {
                "small_n": 10_000,
                "large_n": 40_000,
                "ratio": 1.2,
                "p50_ratio": 1.1,
                "small": phase,
                "large": {**phase, "mean_ms": 120.0, "peak_rss_mb": 125.0},
            }
        },
        "feed": {
            "alerts": 10_000,
            "idle_poll_p50_ms": 5.0,
            "idle_poll_p99_ms": 30.0,
            "floor_poll_p50_ms": 3.0,
            "floor_poll_p99_ms": 10.0,
            "page_p50_ms": 20.0,
            "page_p99_ms": 50.0,
            "idle_poll_p99_to_floor": 3.0,
            "ingest_records_per_s": 40.0,
            "floor_ingest_records_per_s": 300.0,
        },
        "trace": {
            "seizures": 20,
            "p50_ms": 30.0,
            "p99_ms": 60.0,
            "matches_mean": 2.0,
            "matches_max": 5,
        },
        "bulk_import": {
            "records": 100,
            "seconds": 10.0,
            "records_per_s": 10.0,
            "projected_1m_minutes": 1666.7,
            "summary": "created 100",
        },
        "memory": {
            "peak_rss_mb": 150.0,
            "peak_rss_mb_small_store": 120.0,
            "peak_rss_mb_large_store": 125.0,
        },
    }


def test_headline_says_which_targets_are_met() -> None:
    head = report.headline(_results())
    assert head["ingest.sqlite.ratio_to_floor"] == {"value": 0.1, "met": False}
    assert head["growth.postgresql.ratio"] == {"value": 1.2, "met": True}
    assert head["bulk_import.projected_1m_minutes"]["met"] is False
    assert head["feed.idle_poll_p99_to_floor"] == {"value": 3.0, "met": False}
    assert head["memory.peak_rss_mb"]["met"] is True


def test_report_has_a_table_per_database_and_the_fixes() -> None:
    text = report.render(_results())
    assert "### sqlite" in text
    assert "### postgresql" in text
    assert "| single posts, records/s | 20.0 | 200 | 0.100 |" in text
    assert "Records stored per second meanwhile: service 40.0, floor 300." in text
    assert "Profiles and fixes, before and after" in text


async def test_captured_statements_replay_into_a_copy_of_the_store(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the replay speaks asyncpg; the bench replays on PostgreSQL")
    store = await fixtures.new_database("postgresql", PG_ADMIN_DSN, tmp_path)
    before = None
    try:
        await asyncio.to_thread(migrate.upgrade, store.url)
        before = await fixtures.copy_database(store)
        engine = create_engine(store.url, pool_size=1)
        with recording() as steps:
            async with create_sessionmaker(engine)() as session:
                now = datetime.now(UTC)
                authority, _ = await auth_service.create_authority(
                    session, country="DE", name="Replayed", roles=["reporter"], now=now
                )
                await session.commit()
        await engine.dispose()
        assert [k for k, _, _ in steps][-1] == "commit"
        conn = await asyncpg.connect(before.dsn)
        try:
            check = "SELECT name FROM authorities WHERE id = $1"
            assert await conn.fetchval(check, authority.id) is None
            seconds, cpu = await replay(before.url, steps)
            assert await conn.fetchval(check, authority.id) == "Replayed"
        finally:
            await conn.close()
        assert seconds > 0 and cpu >= 0
    finally:
        if before is not None:
            await before.drop()
        await store.drop()


def test_report_quotes_the_sql_floor_when_measured() -> None:
    r = _results()
    assert "The SQL floor of this per-record path" not in report.render(r)
    r["bulk_import"]["sql_floor"] = {
        "records": 100,
        "statements_per_record": 33.3,
        "import_seconds": 9.0,
        "replay_seconds": 2.0,
        "replay_client_cpu_s": 1.0,
        "replay_records_per_s": 50.0,
        "replay_projected_1m_minutes": 333.3,
    }
    text = report.render(r)
    assert "(33.3 a record)" in text
    assert "**50.0 records/s** (1,000,000 in 333.3 min" in text


def test_racing_pairs_share_a_container_and_nothing_with_other_pairs() -> None:
    first, second = pairs.bodies(7, 0), pairs.bodies(7, 1)
    for notification, seizure in (first, second):
        (box,) = notification["containers"]
        assert normalize_container(seizure["containers"][0]) == normalize_container(box) == box
        assert seizure["occurred_on"] > notification["dispatch_date"]
    assert first[0]["containers"] != second[0]["containers"]
    assert first[0]["importer"]["name"] != second[0]["importer"]["name"]


def test_report_shows_the_concurrency_figures_when_measured() -> None:
    r = _results()
    assert "concurrency.linked" not in report.headline(r)
    r["concurrency"] = {
        "pairs": 60,
        "in_flight": 16,
        "stored": 59,
        "linked": 52,
        "alerts": 52,
        "twin_alerts": 0,
        "errors_5xx": 1,
        "retried_503": 2,
        "statuses": {"201": 119, "500": 1},
        "sequential_linked": 3,
        "sequential_pairs": 3,
        "seconds": 5.0,
        "p50_ms": 500.0,
        "p99_ms": 3000.0,
    }
    head = report.headline(r)
    assert head["concurrency.linked"] == {"value": 52, "met": False}
    assert head["concurrency.errors_5xx"] == {"value": 1, "met": False}
    text = report.render(r)
    assert "| linked | **52** |" in text
    assert "final answers: 119 x 201, 1 x 500" in text


async def test_racing_clients_retry_503_and_count_what_is_left() -> None:
    answers = iter([503, 503, 201, 500, *[503] * (pairs.RETRIES + 1)])

    def answer(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        return httpx.Response(status, json={"id": "x"}, headers={"Retry-After": "0"})

    keys = fixtures.Keys({}, {pairs.EXPORTER: "k", pairs.SEIZER: "k"})
    tally = pairs.Tally()
    transport = httpx.MockTransport(answer)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
        assert await pairs.send(http, "/v1/seizures", {}, keys, tally) == "x"
        assert await pairs.send(http, "/v1/seizures", {}, keys, tally) is None
        assert await pairs.send(http, "/v1/notifications", {}, keys, tally) is None
    assert tally.statuses == {201: 1, 500: 1, 503: 1}
    assert tally.retried_503 == 2 + pairs.RETRIES


@pytest.mark.pure
def test_a_batch_of_insertmanyvalues_is_captured_as_one_statement() -> None:
    """SQLAlchemy sends an INSERT of many rows with RETURNING as one `VALUES (..), (..)`
    statement with one flat row of parameters, flagged executemany: the replay must send it
    once with that row, not each parameter as a row."""
    assert capture.kind_of(True, ["fp-1", "id-1", "fp-2", "id-2"]) == "one"
    assert capture.kind_of(True, [("fp-1", "id-1"), ("fp-2", "id-2")]) == "many"
    assert capture.kind_of(False, ("a", ["x", "y"])) == "one"


@pytest.mark.pure
def test_statements_are_tallied_by_verb_table_and_condition() -> None:
    """bench.statements groups a captured import's statements whatever their bound values or
    the length of their IN lists, per record."""
    steps = [
        ("begin", None, None),
        ("one", "SELECT parties.id FROM parties WHERE parties.id IN ($1::VARCHAR)", ("a",)),
        ("one", "SELECT parties.id FROM parties WHERE parties.id IN ($1::VARCHAR, $2)", ("a", "b")),
        ("many", "INSERT INTO record_items (kind, record_id) VALUES ($1, $2)", [("n", "1")] * 3),
        ("one", "UPDATE alert_fingerprints SET alert_id=$1 WHERE fingerprint = $2", ("x", "y")),
        ("commit", None, None),
    ]
    tally = statements.tally(steps, records=2)
    assert tally["statements_per_record"] == 2.0
    assert tally["by_kind"] == {
        "SELECT parties: parties.id IN (..)": 1.0,
        "INSERT record_items": 0.5,
        "UPDATE alert_fingerprints": 0.5,
    }


def test_every_stage_timed_is_where_bench_stages_looks_for_it() -> None:
    """A stage renamed or moved would go untimed without a word: each must resolve."""
    for stage in stages.STAGES:
        module, _, path = stage.partition(":")
        owner: Any = importlib.import_module(module)
        for part in path.split("."):
            owner = getattr(owner, part)
        assert callable(owner), stage


async def test_a_timed_stage_counts_its_calls_and_awaited_time() -> None:
    seconds: stages.Seconds = defaultdict(float)
    calls: Counter[str] = Counter()

    async def stage(pause: float) -> str:
        await asyncio.sleep(pause)
        return "done"

    timed = stages._timed("s", stage, seconds, calls)
    assert [await timed(0.01), await timed(0.02)] == ["done", "done"]
    assert calls["s"] == 2 and seconds["s"] > 0
