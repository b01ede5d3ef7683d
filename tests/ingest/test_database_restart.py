"""PostgreSQL restarted while clients post: no 500, every record once, ready again by itself.

The database is a cluster of the test's own (tests/pgcluster.py), on another port, so that it can
be stopped under the app; a fast stop ends every session (a restart, a failover), an immediate
one is a crash.
"""

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from app import migrate
from app.auth import service as auth_service
from app.config import Settings
from app.kit.clock import Clock
from app.main import create_app
from tests.conftest import NOW, bearer
from tests.payloads import notification
from tests.pgcluster import Cluster, StopMode, pg_cluster_fixture  # noqa: F401

CLIENTS, EACH = 4, 8


async def _key(application: Any, country: str) -> str:
    async with application.state.sessionmaker() as session:
        _, key = await auth_service.create_authority(
            session, country=country, name=country, roles=["reporter", "viewer"], now=NOW
        )
        await session.commit()
    return key


async def _post_until_stored(client: httpx.AsyncClient, key: str, body: Any) -> list[int]:
    """Post as a client that retries does: again after a 503's Retry-After (shortened here)."""
    statuses = []
    for _ in range(20):
        r = await client.post("/v1/notifications", json=body, headers=bearer(key))
        statuses.append(r.status_code)
        if r.status_code != 503:
            return statuses
        assert r.headers["Retry-After"].isdigit()
        await asyncio.sleep(0.2)
    return statuses


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_posts_survive_a_database_restart(pg_cluster: Cluster, mode: StopMode) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_cluster.url)
    settings = Settings(
        database_url=pg_cluster.url, log_json=True, log_level="CRITICAL", db_pool_size=CLIENTS
    )
    application = create_app(settings, Clock(fixed=NOW))
    async with application.router.lifespan_context(application):
        key = await _key(application, "DE")
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            in_flow = asyncio.Event()

            async def one_client(c: int) -> list[tuple[str, list[int]]]:
                out = []
                for i in range(EACH):
                    body = notification(f"DE-RESTART-{c}-{i}", containers=[])
                    out.append((body["reference"], await _post_until_stored(client, key, body)))
                    if i == 1:
                        in_flow.set()  # some stored, most still to come
                return out

            async def restart() -> None:
                await in_flow.wait()
                await asyncio.to_thread(pg_cluster.restart, mode)

            *posted, _ = await asyncio.gather(*(one_client(c) for c in range(CLIENTS)), restart())
            answers = [(ref, statuses) for client_posts in posted for ref, statuses in client_posts]
            seen = Counter(s for _, statuses in answers for s in statuses)
            assert {s for s in seen if s >= 500} <= {503}, seen
            # A post whose commit was cut off may have been stored: its retry is then a replay.
            assert all(statuses[-1] in (200, 201) for _, statuses in answers), answers
            stored = await client.get(
                "/v1/notifications", params={"limit": 500}, headers=bearer(key)
            )
            refs = Counter(n["reference"] for n in stored.json()["items"])
            assert refs == Counter(ref for ref, _ in answers)
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
    retried = application.state.metrics.registry.get_sample_value(
        "db_retries_total", {"where": "http", "reason": "connection"}
    )
    assert retried, "the restart came after the posts: nothing was tested"


async def test_an_outage_longer_than_the_retries_answers_503_then_recovers(
    pg_cluster: Cluster,
) -> None:
    await asyncio.to_thread(migrate.upgrade, pg_cluster.url)
    settings = Settings(database_url=pg_cluster.url, log_json=True, log_level="CRITICAL")
    application = create_app(settings, Clock(fixed=NOW))
    async with application.router.lifespan_context(application):
        key = await _key(application, "DE")
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.to_thread(pg_cluster.stop)
            body = notification("DE-OUTAGE-1", containers=[])
            down = await client.post("/v1/notifications", json=body, headers=bearer(key))
            assert down.status_code == 503, down.text
            assert down.headers["content-type"] == "application/problem+json"
            assert down.headers["Retry-After"] == "2"
            assert (await client.get("/readyz")).status_code == 503
            await asyncio.to_thread(pg_cluster.start)
            up = await client.post("/v1/notifications", json=body, headers=bearer(key))
            assert up.status_code == 201, up.text
            assert (await client.get("/readyz")).status_code == 200
