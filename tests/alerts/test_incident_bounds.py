"""The bounds of the incident rules: a busy party costs the same as an ordinary one, and never
crowds the other parties of a record out of their alerts."""

import pytest

from app.alerts.runners import incidents
from tests.alerts.test_rules_incidents import (
    PRIOR,
    fingerprints,
    incident,
    pen,
    post_incident,
    post_pen,
    raised,
)


@pytest.fixture
async def keys(make_key):
    return {c: await make_key(c) for c in ("DE", "NL")}


CONSIGNEE = [{"role": "consignee", "name": "LAGOS PHARMA LIMITED", "country": "NG"}]


async def test_a_late_incident_evaluates_the_earliest_notifications_of_a_party(
    app, client, keys, monkeypatch
):
    monkeypatch.setattr(incidents, "CANDIDATES", 2)
    made = [
        await post_pen(client, keys["DE"], pen(f"DE-2026-00{i}", f"2026-0{i}-02"))
        for i in range(1, 4)
    ]
    s = await post_incident(
        client, keys["NL"], incident("NL-2025-0001", "2025-02-01", parties=CONSIGNEE)
    )
    party = s["parties"][0]["party_id"]
    assert sorted(a["subjects"]["notifications"][0] for a in raised(s, PRIOR)) == sorted(
        n["id"] for n in made[:2]
    )
    assert await fingerprints(app, PRIOR) == sorted(f"{PRIOR}:{n['id']}:{party}" for n in made[:2])


async def test_a_notification_lists_the_latest_incidents_of_a_party(client, keys, monkeypatch):
    monkeypatch.setattr(incidents, "EVIDENCE", 2)
    for month in (1, 2, 3):
        body = incident(f"NL-2025-000{month}", f"2025-0{month}-01", parties=CONSIGNEE)
        await post_incident(client, keys["NL"], body)
    n = await post_pen(client, keys["DE"], pen("DE-2026-0001", "2026-11-02"))
    [alert] = raised(n, PRIOR)
    details = " ".join(e["detail"] for e in alert["evidence"])
    assert "NL-2025-0002" in details and "NL-2025-0003" in details
    assert "NL-2025-0001" not in details


async def test_a_busy_party_does_not_crowd_out_another(client, keys, monkeypatch):
    monkeypatch.setattr(incidents, "EVIDENCE", 1)
    for month in (1, 2):
        body = incident(f"NL-2025-000{month}", f"2025-0{month}-01", parties=CONSIGNEE)
        await post_incident(client, keys["NL"], body)
    exporter = [{"role": "exporter", "name": "Chemwerk Hamburg GmbH", "country": "DE"}]
    await post_incident(
        client, keys["NL"], incident("NL-2024-0001", "2024-01-01", parties=exporter)
    )
    n = await post_pen(client, keys["DE"], pen("DE-2026-0001", "2026-11-02"))
    assert len(raised(n, PRIOR)) == 2  # the importer and the exporter, one incident each
