"""Alert identity, lifecycle and the feed, driven by the seizure-matches-notification rule."""

import pytest

from tests.conftest import bearer
from tests.payloads import notification, seizure


@pytest.fixture
async def keys(make_key):
    return {c: await make_key(c) for c in ("DE", "NG", "NL", "FR")}


async def _match(client, keys):
    await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    r = await client.post("/v1/seizures", json=seizure(), headers=bearer(keys["NL"]))
    assert r.status_code == 201
    return r.json()


async def test_ingest_response_lists_the_alert_and_replay_repeats_it(client, keys):
    s = await _match(client, keys)
    rules = sorted(a["rule"] for a in s["alerts"])
    assert rules == ["SEIZURE_MATCHES_NOTIFICATION", "SUBSTANCE_MISMATCH"]
    match = next(a for a in s["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION")
    assert match["severity"] == "high" and match["status"] == "open" and match["occurrences"] == 1
    assert {"DE", "NG", "NL", "AE"} <= set(match["countries"])
    assert any(e["feature"] == "container" for e in match["evidence"])
    again = await client.post("/v1/seizures", json=seizure(), headers=bearer(keys["NL"]))
    assert again.status_code == 200
    assert sorted(a["id"] for a in again.json()["alerts"]) == sorted(a["id"] for a in s["alerts"])


async def test_objection_makes_the_match_critical_without_a_twin(client, keys):
    s = await _match(client, keys)
    match = next(a for a in s["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION")
    nid = match["subjects"]["notifications"][0]
    r = await client.post(
        f"/v1/notifications/{nid}/reply", json={"decision": "objection"}, headers=bearer(keys["NG"])
    )
    updated = next(a for a in r.json()["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION")
    assert updated["id"] == match["id"]
    assert updated["severity"] == "critical" and updated["occurrences"] == 2
    feed = (
        await client.get("/v1/alerts?rule=SEIZURE_MATCHES_NOTIFICATION", headers=bearer(keys["DE"]))
    ).json()
    assert [(i["id"], i["change"]) for i in feed["items"]] == [
        (match["id"], "created"),
        (match["id"], "fired_again"),
    ]


async def test_feed_cursor_etag_and_visibility(client, keys):
    await _match(client, keys)
    first = await client.get("/v1/alerts", headers=bearer(keys["NL"]))
    assert first.status_code == 200 and len(first.json()["items"]) == 2
    cursor = first.json()["next_cursor"]
    idle = await client.get(f"/v1/alerts?cursor={cursor}", headers=bearer(keys["NL"]))
    assert idle.json() == {"items": [], "next_cursor": cursor}
    cached = await client.get(
        f"/v1/alerts?cursor={cursor}",
        headers=bearer(keys["NL"]) | {"If-None-Match": idle.headers["ETag"]},
    )
    assert cached.status_code == 304
    assert (await client.get("/v1/alerts", headers=bearer(keys["FR"]))).json()["items"] == []
    only_high = (
        await client.get("/v1/alerts?severity=critical", headers=bearer(keys["NL"]))
    ).json()
    assert only_high["items"] == []
    bad = await client.get("/v1/alerts?cursor=zzz", headers=bearer(keys["NL"]))
    assert bad.status_code == 422


async def test_feed_filters_combine(client, keys):
    s = await _match(client, keys)
    match = next(a for a in s["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION")
    other = "cohesion" if match["project"] == "prism" else "prism"

    async def ids(query):
        r = await client.get(f"/v1/alerts?{query}", headers=bearer(keys["NL"]))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    rule = "rule=SEIZURE_MATCHES_NOTIFICATION"
    assert await ids(f"{rule}&severity=high&status=open") == [match["id"]]
    assert await ids(f"{rule}&project={match['project']}&country=DE") == [match["id"]]
    assert await ids(f"{rule}&project={other}") == []
    assert await ids(f"{rule}&status=closed") == []
    assert await ids(f"{rule}&country=FR") == []  # FR may not see it
    assert len(await ids("country=NL")) == 2


async def test_patch_needs_a_fresh_etag_and_close_reopens_as_new_alert(client, keys, clock):
    s = await _match(client, keys)
    match = next(a for a in s["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION")
    url = f"/v1/alerts/{match['id']}"
    got = await client.get(url, headers=bearer(keys["DE"]))
    etag = got.headers["ETag"]
    assert (
        await client.patch(url, json={"status": "acknowledged"}, headers=bearer(keys["DE"]))
    ).status_code == 428
    ok = await client.patch(
        url,
        json={"status": "investigating", "assignee": "K. Weber", "note": "calling NL"},
        headers=bearer(keys["DE"]) | {"If-Match": etag},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "investigating"
    assert [h["change"] for h in ok.json()["history"]] == ["created", "updated"]
    stale = await client.patch(
        url, json={"status": "acknowledged"}, headers=bearer(keys["DE"]) | {"If-Match": etag}
    )
    assert stale.status_code == 412
    no_resolution = await client.patch(
        url,
        json={"status": "closed"},
        headers=bearer(keys["DE"]) | {"If-Match": ok.headers["ETag"]},
    )
    assert no_resolution.status_code == 422
    closed = await client.patch(
        url,
        json={"status": "closed", "resolution": "confirmed_diversion"},
        headers=bearer(keys["DE"]) | {"If-Match": ok.headers["ETag"]},
    )
    assert closed.json()["status"] == "closed"
    nid = match["subjects"]["notifications"][0]
    r = await client.post(
        f"/v1/notifications/{nid}/reply", json={"decision": "objection"}, headers=bearer(keys["NG"])
    )
    reopened = next(a for a in r.json()["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION")
    assert reopened["id"] != match["id"] and reopened["previous_alert_id"] == match["id"]
    assert (await client.get(url, headers=bearer(keys["FR"]))).status_code == 404


async def test_false_positive_is_not_reopened(client, keys):
    s = await _match(client, keys)
    match = next(a for a in s["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION")
    url = f"/v1/alerts/{match['id']}"
    etag = (await client.get(url, headers=bearer(keys["DE"]))).headers["ETag"]
    await client.patch(
        url,
        json={"status": "closed", "resolution": "false_positive"},
        headers=bearer(keys["DE"]) | {"If-Match": etag},
    )
    nid = match["subjects"]["notifications"][0]
    r = await client.post(
        f"/v1/notifications/{nid}/reply", json={"decision": "objection"}, headers=bearer(keys["NG"])
    )
    assert [a for a in r.json()["alerts"] if a["rule"] == "SEIZURE_MATCHES_NOTIFICATION"] == []


async def test_near_misses_raise_neither_match_nor_mismatch(client, keys):
    await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    late = seizure(reference="NL-LATE", occurred_on="2028-01-15")  # > 365 days after dispatch
    r = await client.post("/v1/seizures", json=late, headers=bearer(keys["NL"]))
    assert [a["rule"] for a in r.json()["alerts"]] == []
    honest = seizure(
        reference="NL-HONEST",
        items=[
            {
                "substance": "ephedrine",
                "quantity": 480,
                "unit": "kg",
                "declared_as": "Ephedrine HCl",
            }
        ],
    )
    r = await client.post("/v1/seizures", json=honest, headers=bearer(keys["NL"]))
    assert [a["rule"] for a in r.json()["alerts"]] == ["SEIZURE_MATCHES_NOTIFICATION"]
