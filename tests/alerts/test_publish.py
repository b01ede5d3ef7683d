"""Many alert changes in one transaction: the firings are locked and the changes numbered in
sets, and the outcome is what one firing at a time gave (§2.4). Runs on SQLite and PostgreSQL."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.alerts import feed, service
from app.alerts.models import Alert, AlertChange, AlertCountry, AlertFingerprint, FeedCounter
from app.alerts.rules.base import Evidence, Firing
from app.db import commit
from app.errors import Conflict
from app.ingest.pipeline import in_savepoint
from app.kit.clock import Clock
from tests.conftest import bearer

CLUSTER = "SEIZURE_CLUSTER"
MODES = {CLUSTER: "active"}


@pytest.fixture
def settings(settings: Any) -> Any:
    """No background sweep: the changes in the feed are the test's own."""
    return settings.model_copy(update={"sweep_interval_seconds": 0})


def _firing(i: int, countries: set[str], summary: str = "") -> Firing:
    return Firing(
        rule=CLUSTER,
        key=f"k{i:03d}",
        severity="medium",
        title="Seizures share a container",
        summary=summary or f"firing {i}",
        countries=frozenset(countries),
        seizures=(f"s{i}",),
        evidence=(Evidence("container", f"firing {i}", 2.0),),
    )


async def _apply(app: Any, clock: Clock, *batches: list[Firing]) -> None:
    """Apply the batches in one unit of work."""
    async with app.state.sessionmaker() as session:
        for firings in batches:
            await service.apply(session, firings, MODES, clock.now())
        await commit(session)


async def test_changes_numbered_in_chunks_are_gap_free_and_reach_every_country(
    app: Any, client: httpx.AsyncClient, make_key: Any, clock: Clock, monkeypatch: Any
) -> None:
    monkeypatch.setattr(feed, "_PUBLISH_CHUNK", 7)  # 20 alerts: three numbering statements
    first = [_firing(i, {"NL"}) for i in range(20)]
    # The same transaction fires five of them again, one with a country it gains, and one
    # firing twice within a batch: each alert is one change, numbered once.
    again = [_firing(i, {"NL", "DE"}, "again") for i in range(5)] + [_firing(5, {"NL"}, "again")]
    await _apply(app, clock, first, [*again, _firing(5, {"NL", "BE"}, "twice")])
    # A later transaction: the fired-again alerts gain a country after they were stored.
    await _apply(app, clock, [_firing(i, {"NL", "FR"}, "later") for i in (0, 1, 9)])

    async with app.state.sessionmaker() as session:
        alerts = {a.fingerprint: a for a in await session.scalars(select(Alert))}
        changes = list(await session.scalars(select(AlertChange).order_by(AlertChange.seq)))
        seen = {(r.alert_id, r.country) for r in await session.scalars(select(AlertCountry))}
        rows = {r.fingerprint: r.alert_id for r in await session.scalars(select(AlertFingerprint))}
        counter = await session.scalar(select(FeedCounter.value))
    assert len(alerts) == 20 and rows == {fp: a.id for fp, a in alerts.items()}
    seqs = [c.seq for c in changes]
    assert seqs == list(range(counter - 22, counter + 1))  # 20 created + 3 fired again later
    assert [c.change for c in changes] == ["created"] * 20 + ["fired_again"] * 3
    for a in alerts.values():
        assert {c for i, c in seen if i == a.id} == set(a.countries)
        mine = [c for c in changes if c.alert_id == a.id]
        assert a.seq == mine[-1].seq
        assert mine[-1].snapshot == feed.alert_out(a).model_dump(mode="json")
    by_key = {a.fingerprint.split(":")[-1]: a for a in alerts.values()}
    assert by_key["k000"].countries == ["DE", "FR", "NL"] and by_key["k000"].occurrences == 3
    assert by_key["k005"].countries == ["BE", "NL"] and by_key["k005"].summary == "twice"
    assert by_key["k009"].countries == ["FR", "NL"] and by_key["k019"].countries == ["NL"]

    # A country an alert gained later sees it in its feed.
    r = await client.get("/v1/alerts", headers=bearer(await make_key("FR")))
    assert r.status_code == 200
    assert {i["id"] for i in r.json()["items"]} == {by_key[k].id for k in ("k000", "k001", "k009")}


async def test_a_rolled_back_savepoint_leaves_publish_a_readable_alert(
    app: Any, client: httpx.AsyncClient, make_key: Any, clock: Clock
) -> None:
    """A batch item that fires an alert again and then fails rolls its savepoint back, which
    expires the alert in the session; the commit must still number the earlier change."""

    async def fire_and_fail() -> None:
        await service.apply(session, [_firing(0, {"NL", "DE"}, "again")], MODES, clock.now())
        raise Conflict("this item fails after its rules ran")

    async with app.state.sessionmaker() as session:
        (alert,) = await service.apply(session, [_firing(0, {"NL"})], MODES, clock.now())
        with pytest.raises(Conflict):
            await in_savepoint(session, fire_and_fail)
        await commit(session)
    r = await client.get("/v1/alerts", headers=bearer(await make_key("NL")))
    (item,) = r.json()["items"]
    assert (item["id"], item["change"], item["summary"]) == (alert.id, "created", "firing 0")
