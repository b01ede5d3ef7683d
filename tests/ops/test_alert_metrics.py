"""/metrics: alerts by rule and severity (counted in the database), feed polls, sweep duration."""

import asyncio
import contextlib
import re
import time
from collections import Counter

import httpx

from app.alerts import sweep
from app.main import create_app
from tests.conftest import bearer
from tests.payloads import notification, seizure


def _samples(text: str, name: str) -> dict[str, float]:
    """Return {labels: value} of one metric in the Prometheus text format."""
    out = {}
    for line in text.splitlines():
        m = re.fullmatch(rf"{name}(\{{.*\}})? (\S+)", line)
        if m:
            out[m.group(1) or ""] = float(m.group(2))
    return out


def _alerts(labels: dict[str, float]) -> dict[tuple[str, str], float]:
    out = {}
    for key, value in labels.items():
        found = dict(re.findall(r'(\w+)="([^"]*)"', key))
        out[(found["rule"], found["severity"])] = value
    return out


async def test_alerts_by_rule_and_severity_come_from_the_database(app, client, make_key, settings):
    de, nl, admin = await make_key("DE"), await make_key("NL"), await make_key("CH", "admin")
    empty = (await client.get("/metrics")).text
    assert "# TYPE alerts_raised gauge" in empty
    assert _samples(empty, "alerts_raised") == {}
    await client.post("/v1/notifications", json=notification(), headers=bearer(de))
    await client.post("/v1/seizures", json=seizure(), headers=bearer(nl))
    await client.post("/v1/seizures", json=seizure("NL-2"), headers=bearer(nl))
    counts = _alerts(_samples((await client.get("/metrics")).text, "alerts_raised"))
    assert counts[("SEIZURE_MATCHES_NOTIFICATION", "high")] == 2
    feed = await client.get("/v1/alerts?include_monitor=true&limit=500", headers=bearer(admin))
    latest = {i["id"]: (i["rule"], i["severity"]) for i in feed.json()["items"]}
    assert counts == dict(Counter(latest.values()))
    # Another process on the same database, which served none of those requests, says the same.
    other = create_app(settings.model_copy(update={"sweep_interval_seconds": 0}))
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://o") as c:
            elsewhere = _alerts(_samples((await c.get("/metrics")).text, "alerts_raised"))
    assert elsewhere == counts


async def test_sweep_alerts_feed_polls_and_sweep_duration(app, client, make_key, clock):
    de = await make_key("DE")
    await client.post("/v1/notifications", json=notification(), headers=bearer(de))
    for _ in range(3):
        assert (await client.get("/v1/alerts", headers=bearer(de))).status_code == 200
    before = (await client.get("/metrics")).text
    assert _samples(before, "alert_feed_polls_total") == {"": 3.0}
    assert _samples(before, "alert_sweep_duration_seconds_count") == {"": 0.0}
    clock.fixed = clock.fixed.replace(month=12, day=1)  # the reply was due 2026-11-17
    # Sweeps half a second apart: the task is cancelled while it sleeps after its first sweep,
    # not in the middle of a transaction (on SQLite a cancelled one can hold the write lock
    # past the test, and the next fixture's writes find the database locked).
    task = asyncio.create_task(
        sweep.sweep_forever(app.state.sessionmaker, clock, 0.5, app.state.metrics)
    )
    try:
        registry = app.state.metrics.registry
        deadline = time.monotonic() + 30  # generous: the machine may be busy
        while time.monotonic() < deadline:
            if registry.get_sample_value("alert_sweeps_total", {"outcome": "ran"}):
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    after = (await client.get("/metrics")).text
    assert "ran" in str(_samples(after, "alert_sweeps_total")), after
    assert _samples(after, "alert_sweep_duration_seconds_count")[""] >= 1
    assert _samples(after, "alert_sweeps_total")['{outcome="ran"}'] >= 1
    counts = _alerts(_samples(after, "alerts_raised"))
    assert counts[("REPLY_OVERDUE", "medium")] == 1
    assert ("ARRIVAL_OVERDUE", "high") not in counts  # expected 2027-01-10: not overdue yet
