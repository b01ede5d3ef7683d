"""How dashboards follow the feed: ETag/304 on idle polls, `wait` long-polls, and Server-Sent
Events resumable with Last-Event-ID (§2.4). Runs on SQLite and PostgreSQL.

httpx's ASGITransport hands back a response only when it is complete, so every stream here is
ended by the server: by `max_events`, or by `timeout` when fewer events are expected.
"""

import asyncio
import json
from typing import Any

import httpx
import pytest

from app.kit.pagination import decode_cursor
from tests.conftest import bearer
from tests.payloads import notification, seizure

MATCH = "SEIZURE_MATCHES_NOTIFICATION"


@pytest.fixture
def settings(settings: Any) -> Any:
    """No background sweep: the changes in the feed are the test's own."""
    return settings.model_copy(update={"sweep_interval_seconds": 0})


@pytest.fixture
async def keys(make_key: Any) -> dict[str, str]:
    return {c: await make_key(c) for c in ("DE", "NG", "NL", "FR")}


async def _match(client: httpx.AsyncClient, keys: dict[str, str]) -> dict[str, Any]:
    """A notification and a seizure that match: a match and a substance-mismatch alert."""
    n = await client.post("/v1/notifications", json=notification(), headers=bearer(keys["DE"]))
    assert n.status_code == 201
    s = await client.post("/v1/seizures", json=seizure(), headers=bearer(keys["NL"]))
    assert s.status_code == 201
    return next(a for a in s.json()["alerts"] if a["rule"] == MATCH)


async def _object(client: httpx.AsyncClient, keys: dict[str, str], match: dict[str, Any]) -> None:
    """The importing country objects: the match alert is updated (critical)."""
    nid = match["subjects"]["notifications"][0]
    r = await client.post(
        f"/v1/notifications/{nid}/reply", json={"decision": "objection"}, headers=bearer(keys["NG"])
    )
    assert r.status_code == 200


async def _feed(client: httpx.AsyncClient, key: str, **params: Any) -> list[tuple[int, Any]]:
    """Every change visible to a key as (seq, item), one per page so each cursor names its seq."""
    out: list[tuple[int, Any]] = []
    query: dict[str, Any] = {"limit": 1, **params}
    while True:
        page = (await client.get("/v1/alerts", params=query, headers=bearer(key))).json()
        if not page["items"]:
            return out
        (seq,) = decode_cursor(page["next_cursor"], 1)
        out.append((seq, page["items"][0]))
        query["cursor"] = page["next_cursor"]


def _events(body: str) -> list[dict[str, str]]:
    """Parse a text/event-stream body into its events (comments and retry hints left out)."""
    events = []
    for block in body.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        if "event" in fields:
            events.append(fields)
    return events


async def _stream(
    client: httpx.AsyncClient, key: str, headers: dict[str, str] | None = None, **params: Any
) -> tuple[httpx.Response, list[dict[str, str]]]:
    r = await client.get("/v1/alerts/stream", params=params, headers=bearer(key) | (headers or {}))
    assert r.status_code == 200, r.text
    return r, _events(r.text)


# --- polling: ETag / If-None-Match and wait ---------------------------------------------------


async def test_idle_poll_answers_304_until_something_changes(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    match = await _match(client, keys)
    nl = bearer(keys["NL"])
    first = await client.get("/v1/alerts", headers=nl)
    assert first.status_code == 200 and len(first.json()["items"]) >= 2
    cursor = first.json()["next_cursor"]

    idle = await client.get("/v1/alerts", params={"cursor": cursor}, headers=nl)
    assert idle.json() == {"items": [], "next_cursor": cursor}
    etag = idle.headers["ETag"]
    for _ in range(2):  # polling again and again with the ETag costs a 304 each time
        cached = await client.get(
            "/v1/alerts", params={"cursor": cursor}, headers=nl | {"If-None-Match": etag}
        )
        assert cached.status_code == 304 and cached.content == b""
        assert cached.headers["ETag"] == etag
    # the same cursor and ETag from another authority or with another filter is another page
    other = await client.get(
        "/v1/alerts",
        params={"cursor": cursor},
        headers=bearer(keys["DE"]) | {"If-None-Match": etag},
    )
    assert other.status_code == 200
    filtered = await client.get(
        "/v1/alerts", params={"cursor": cursor, "rule": MATCH}, headers=nl | {"If-None-Match": etag}
    )
    assert filtered.status_code == 200

    await _object(client, keys, match)
    changed = await client.get(
        "/v1/alerts", params={"cursor": cursor}, headers=nl | {"If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    items = changed.json()["items"]
    assert [(i["id"], i["change"], i["severity"]) for i in items if i["rule"] == MATCH] == [
        (match["id"], "fired_again", "critical")
    ]
    assert changed.json()["next_cursor"] != cursor


async def test_wait_long_polls_until_a_change_commits(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    match = await _match(client, keys)
    nl = bearer(keys["NL"])
    cursor = (await client.get("/v1/alerts", headers=nl)).json()["next_cursor"]

    poll = asyncio.create_task(
        client.get("/v1/alerts", params={"cursor": cursor, "wait": 5}, headers=nl)
    )
    await asyncio.sleep(0.3)
    assert not poll.done()  # idle: it is waiting, not answering an empty page
    await _object(client, keys, match)  # another task commits a change
    r = await poll
    assert r.status_code == 200
    assert (match["id"], "fired_again") in [(i["id"], i["change"]) for i in r.json()["items"]]
    assert r.json()["next_cursor"] != cursor

    # an idle wait that runs out answers an empty page with the same cursor, and a 304 with its ETag
    cursor = r.json()["next_cursor"]
    idle = await client.get("/v1/alerts", params={"cursor": cursor, "wait": 1}, headers=nl)
    assert idle.json() == {"items": [], "next_cursor": cursor}
    again = await client.get(
        "/v1/alerts",
        params={"cursor": cursor, "wait": 1},
        headers=nl | {"If-None-Match": idle.headers["ETag"]},
    )
    assert again.status_code == 304
    # the change is invisible to a country it does not concern: FR's wait runs out empty
    fr = await client.get("/v1/alerts", params={"wait": 1}, headers=bearer(keys["FR"]))
    assert fr.json()["items"] == []


async def test_wait_is_bounded(client: httpx.AsyncClient, keys: dict[str, str]) -> None:
    r = await client.get("/v1/alerts", params={"wait": 31}, headers=bearer(keys["NL"]))
    assert r.status_code == 422


# --- Server-Sent Events ------------------------------------------------------------------------


async def test_stream_serves_the_feed_as_events_and_resumes_after_last_event_id(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    match = await _match(client, keys)
    await _object(client, keys, match)
    url = f"/v1/alerts/{match['id']}"
    etag = (await client.get(url, headers=bearer(keys["NL"]))).headers["ETag"]
    acked = await client.patch(
        url, json={"status": "acknowledged"}, headers=bearer(keys["NL"]) | {"If-Match": etag}
    )
    assert acked.status_code == 200
    feed = await _feed(client, keys["NL"])
    assert len(feed) >= 4  # created x2, fired_again, updated (other rules may add more)

    r, events = await _stream(client, keys["NL"], max_events=len(feed), timeout=5)
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-cache"
    assert r.text.startswith("retry: ")
    assert [e["event"] for e in events] == ["alert"] * len(feed)
    assert [int(e["id"]) for e in events] == [seq for seq, _ in feed]
    assert [json.loads(e["data"]) for e in events] == [item for _, item in feed]

    # reconnecting with the id of event k yields exactly the events after k, whichever k
    for k in (0, 2, len(feed) - 1):
        last = events[k]["id"]
        _, rest = await _stream(client, keys["NL"], {"Last-Event-ID": last}, timeout=1)
        assert [e["id"] for e in rest] == [e["id"] for e in events[k + 1 :]]
        assert [e["data"] for e in rest] == [e["data"] for e in events[k + 1 :]]
    # Last-Event-ID wins over a cursor; the cursor alone resumes the same way
    cursor = await client.get("/v1/alerts", params={"limit": 2}, headers=bearer(keys["NL"]))
    _, by_cursor = await _stream(
        client, keys["NL"], max_events=len(feed) - 2, timeout=5, cursor=cursor.json()["next_cursor"]
    )
    assert [e["id"] for e in by_cursor] == [e["id"] for e in events[2:]]
    _, both = await _stream(
        client,
        keys["NL"],
        {"Last-Event-ID": events[-2]["id"]},
        timeout=1,
        cursor=cursor.json()["next_cursor"],
    )
    assert [e["id"] for e in both] == [events[-1]["id"]]


async def test_stream_delivers_a_change_committed_while_it_is_open(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    match = await _match(client, keys)
    before = await _feed(client, keys["NL"])
    last = {"Last-Event-ID": str(before[-1][0])}
    stream = asyncio.create_task(_stream(client, keys["NL"], last, max_events=1, timeout=5))
    await asyncio.sleep(0.3)
    assert not stream.done()
    await _object(client, keys, match)
    _, events = await asyncio.wait_for(stream, 10)
    (event,) = events
    data = json.loads(event["data"])
    assert (data["id"], data["change"], data["severity"]) == (
        match["id"],
        "fired_again",
        "critical",
    )
    assert int(event["id"]) > before[-1][0]


async def test_stream_shows_only_what_the_caller_may_see(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    await _match(client, keys)
    r, events = await _stream(client, keys["FR"], timeout=1)  # FR is not concerned
    assert events == [] and r.text.startswith("retry: ")
    feed = await _feed(client, keys["NL"], rule=MATCH)
    _, only_match = await _stream(client, keys["NL"], timeout=1, rule=MATCH)
    assert [int(e["id"]) for e in only_match] == [seq for seq, _ in feed]
    assert {json.loads(e["data"])["rule"] for e in only_match} == {MATCH}
    bad = await client.get(
        "/v1/alerts/stream", headers=bearer(keys["NL"]) | {"Last-Event-ID": "not-a-number"}
    )
    assert bad.status_code == 422
