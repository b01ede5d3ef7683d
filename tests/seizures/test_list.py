"""Listing seizures: filters, cursor pagination and bad parameters."""

import base64
import json
from datetime import timedelta

import pytest

from tests.conftest import bearer
from tests.seizures.helpers import assert_problem, create, error_fields, list_all, minimal


def _cursor(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


async def _five(client, key, clock):
    """Five records; the clock moves between some of them and stands still between others."""
    broker = {"role": "broker", "name": "Gulf Chem Trading Ltd", "country": "AE"}
    bodies = [
        minimal("NL-1", "seizure", origin_country="DE", parties=[broker]),
        minimal(
            "NL-2",
            "theft",
            items=[{"substance": "phenylacetone", "quantity": 5, "unit": "l"}],
        ),
        minimal(
            "NL-3",
            "illicit_laboratory",
            items=[
                {"substance": "acetone", "quantity": 200, "unit": "l"},
                {"substance": "P2P", "quantity": 20, "unit": "kg"},
            ],
            parties=[dict(broker, name="GULF CHEM TRADING LIMITED")],
        ),
        minimal("NL-4", "stopped_shipment", destination_country="DE"),
        minimal("NL-5", "suspicious_order", country="BE"),
    ]
    created = []
    for i, body in enumerate(bodies):
        if i in (2, 4):
            clock.fixed += timedelta(seconds=1)
        created.append(await create(client, key, body))
    return created


async def test_filters(client, make_key, clock):
    key = await make_key("NL")
    s1, s2, s3, s4, s5 = await _five(client, key, clock)

    async def ids(**params):
        return [i["id"] for i in await list_all(client, key, **params)]

    assert await ids(type="theft") == [s2["id"]]
    assert await ids(type="illicit_laboratory") == [s3["id"]]
    # A synonym of P-2-P finds records that named it by other names.
    assert sorted(await ids(substance="BMK")) == sorted([s2["id"], s3["id"]])
    assert sorted(await ids(substance="p-2-p")) == sorted([s2["id"], s3["id"]])
    assert await ids(substance="67-64-1") == [s3["id"]]
    assert await ids(substance="pseudoephedrine") == []
    assert sorted(await ids(country="DE")) == sorted([s1["id"], s4["id"]])
    assert await ids(country="be") == [s5["id"]]
    assert len(await ids(country="NL")) == 5, "the reporting country is named in all"
    party_id = s1["parties"][0]["party_id"]
    assert s3["parties"][0]["party_id"] == party_id, "the same company, spelt otherwise"
    assert sorted(await ids(party=party_id)) == sorted([s1["id"], s3["id"]])
    assert await ids(party="no-such-party") == []
    # Filters combine.
    assert await ids(substance="BMK", type="theft") == [s2["id"]]
    assert await ids(country="DE", type="seizure") == [s1["id"]]
    assert await ids(party=party_id, substance="acetone") == [s3["id"]]


async def test_cursor_visits_each_record_once(client, make_key, clock):
    key = await make_key("NL")
    created = await _five(client, key, clock)
    seen, sizes, cursor = [], [], None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/seizures", params=params, headers=bearer(key))
        assert r.status_code == 200, r.text
        page = r.json()
        sizes.append(len(page["items"]))
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sizes == [2, 2, 1]
    assert sorted(seen) == sorted(s["id"] for s in created)
    assert len(set(seen)) == 5
    # Records come in the order they were stored.
    stored_at = {s["id"]: s["created_at"] for s in created}
    assert [stored_at[i] for i in seen] == sorted(stored_at[i] for i in seen)
    # A record stored later is found from the last cursor of a full page.
    r = await client.get("/v1/seizures", params={"limit": 5}, headers=bearer(key))
    last = r.json()["next_cursor"]
    assert last is not None
    clock.fixed += timedelta(seconds=1)
    later = await create(client, key, minimal("NL-6"))
    r = await client.get("/v1/seizures", params={"cursor": last}, headers=bearer(key))
    assert [i["id"] for i in r.json()["items"]] == [later["id"]]
    assert r.json()["next_cursor"] is None


async def test_cursor_pages_respect_filters(client, make_key, clock):
    key = await make_key("NL")
    s1, _, s3, s4, _ = await _five(client, key, clock)
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 1, "country": "DE", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/seizures", params=params, headers=bearer(key))).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted([s1["id"], s4["id"]])
    assert s3["id"] not in seen


async def test_party_filter_matches_dotted_legal_forms(client, make_key):
    key = await make_key("NL")
    plain = {"role": "broker", "name": "Gulf Chem Trading FZE", "country": "AE"}
    a = await create(client, key, minimal("NL-1", parties=[plain]))
    b = await create(
        client, key, minimal("NL-2", parties=[dict(plain, name="Gulf Chem Trading F.Z.E.")])
    )
    assert a["parties"][0]["party_id"] == b["parties"][0]["party_id"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "bm90LWpzb24",  # base64 of "not-json"
        _cursor("x"),  # wrong arity
        _cursor("not-a-time", "some-id"),
        _cursor(12, "some-id"),
        _cursor({"a": 1}, "some-id"),
    ],
)
async def test_garbage_cursor_is_422_naming_cursor(client, make_key, cursor):
    key = await make_key("NL")
    r = await client.get("/v1/seizures", params={"cursor": cursor}, headers=bearer(key))
    assert error_fields(r) == ["cursor"]


@pytest.mark.parametrize("at", ["2026-11-20T09:30:00", "2026-11-20"])
async def test_cursor_with_a_naive_time_is_422(client, make_key, at):
    key = await make_key("NL")
    r = await client.get(
        "/v1/seizures", params={"cursor": _cursor(at, "some-id")}, headers=bearer(key)
    )
    assert error_fields(r) == ["cursor"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"type": "confiscation"}, "type"),
        ({"country": "NLD"}, "country"),
        ({"substance": "unobtainium"}, "substance"),
    ],
)
async def test_bad_list_parameters_are_422(client, make_key, params, field):
    key = await make_key("NL")
    r = await client.get("/v1/seizures", params=params, headers=bearer(key))
    assert error_fields(r) == [field]


async def test_unknown_substance_filter_names_the_closest(client, make_key):
    key = await make_key("NL")
    r = await client.get("/v1/seizures", params={"substance": "ephedrin"}, headers=bearer(key))
    (error,) = assert_problem(r, 422)["errors"]
    assert "ephedrine" in error["message"]
