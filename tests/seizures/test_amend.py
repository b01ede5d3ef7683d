"""Amending seizures: who may, what changes, and the history it leaves."""

import pytest

from tests.conftest import bearer
from tests.payloads import seizure
from tests.seizures.helpers import assert_problem, create, error_fields, list_all, minimal


async def _patch(client, key, seizure_id, body):
    return await client.patch(f"/v1/seizures/{seizure_id}", json=body, headers=bearer(key))


async def _sees(client, key, seizure_id):
    r = await client.get(f"/v1/seizures/{seizure_id}", headers=bearer(key))
    assert r.status_code in (200, 404), r.text
    in_list = seizure_id in [i["id"] for i in await list_all(client, key)]
    assert in_list == (r.status_code == 200)
    return r.status_code == 200


async def test_reporting_country_amends_and_history_names_the_fields(client, make_key, clock):
    nl = await make_key("NL")
    ng = await make_key("NG")
    india = await make_key("IN")
    s = await create(client, nl, seizure())
    assert await _sees(client, ng, s["id"])
    assert not await _sees(client, india, s["id"])

    patch = {
        "notes": "laboratory analysis confirmed",
        "containers": ["csqu 305438-3"],
        "items": [{"substance": "acetic anhydride", "quantity": 50, "unit": "l"}],
        "parties": [{"role": "broker", "name": "Mumbai Trading Pvt Ltd", "country": "IN"}],
        "destination_country": None,
    }
    r = await _patch(client, nl, s["id"], patch)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["id"] == s["id"]
    assert a["notes"] == "laboratory analysis confirmed"
    assert a["containers"] == ["CSQU3054383"]
    (item,) = a["items"]
    assert item["substance_code"] == "acetic-anhydride"
    assert (item["net_kg"], item["base_kg"]) == (pytest.approx(54), pytest.approx(54))
    (party,) = a["parties"]
    assert (party["role"], party["country"]) == ("broker", "IN")
    assert party["party_id"]
    assert a["destination_country"] is None
    # Untouched fields stay.
    for field in ("reference", "type", "occurred_on", "country", "place", "origin_country"):
        assert a[field] == s[field]
    assert a["transit_countries"] == ["AE"]
    assert a["modus_operandi"] == s["modus_operandi"]
    assert a["created_at"] == s["created_at"]
    # The amended record is what later reads return.
    got = (await client.get(f"/v1/seizures/{s['id']}", headers=bearer(nl))).json()
    assert {k: v for k, v in got.items() if k != "alerts"} == {
        k: v for k, v in a.items() if k != "alerts"
    }
    # Nigeria was named only as destination and consignee country; India now is named.
    assert not await _sees(client, ng, s["id"])
    assert await _sees(client, india, s["id"])
    assert await _sees(client, await make_key("DE"), s["id"]), "origin is still named"
    # Filters follow the amendment.
    assert [i["id"] for i in await list_all(client, nl, substance="acetic anhydride")] == [s["id"]]
    assert await list_all(client, nl, substance="ephedrine") == []
    assert [i["id"] for i in await list_all(client, nl, party=party["party_id"])] == [s["id"]]
    assert await list_all(client, nl, party=s["parties"][0]["party_id"]) == []

    r = await client.get(f"/v1/seizures/{s['id']}/history", headers=bearer(india))
    assert r.status_code == 200
    events = r.json()["items"]
    assert [e["event"] for e in events] == ["created", "amended"]
    assert all(e["country"] == "NL" for e in events)
    assert events[1]["data"]["fields"] == [
        "containers",
        "destination_country",
        "items",
        "notes",
        "parties",
    ]
    assert r.json()["next_cursor"] is None


async def test_amending_countries_without_parties_keeps_parties(client, make_key):
    nl = await make_key("NL")
    gh = await make_key("GH")
    tr = await make_key("TR")
    s = await create(client, nl, seizure())
    r = await _patch(
        client, nl, s["id"], {"destination_country": "GH", "transit_countries": ["TR"]}
    )
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["parties"] == s["parties"]
    assert (a["destination_country"], a["transit_countries"]) == ("GH", ["TR"])
    assert await _sees(client, gh, s["id"])
    assert await _sees(client, tr, s["id"])
    assert not await _sees(client, await make_key("AE"), s["id"]), "no longer a transit country"
    assert await _sees(client, await make_key("NG"), s["id"]), "still the consignee's country"


async def test_amending_the_country_moves_visibility(client, make_key):
    nl = await make_key("NL")
    s = await create(client, nl, seizure())
    r = await _patch(client, nl, s["id"], {"country": "be", "place": "BEANR"})
    assert r.status_code == 200, r.text
    assert (r.json()["country"], r.json()["place"]) == ("BE", "BEANR")
    assert await _sees(client, await make_key("BE"), s["id"])
    assert await _sees(client, nl, s["id"]), "the reporting country always sees it"


async def test_another_country_that_sees_it_gets_403(client, make_key, app):
    nl = await make_key("NL")
    de = await make_key("DE")
    s = await create(client, nl, seizure())
    assert_problem(await _patch(client, de, s["id"], {"notes": "ours now"}), 403)
    # Another authority of the reporting country may amend (same country).
    customs = await make_key("NL", name="Dutch Customs")
    assert (await _patch(client, customs, s["id"], {"notes": "customs"})).status_code == 200
    got = (await client.get(f"/v1/seizures/{s['id']}", headers=bearer(de))).json()
    assert got["notes"] == "customs"


async def test_amend_refusals(client, make_key):
    nl = await make_key("NL")
    s = await create(client, nl, seizure())
    outsider = await make_key("FR")
    assert_problem(await _patch(client, outsider, s["id"], {"notes": "x"}), 404)
    assert_problem(await _patch(client, nl, "no-such-id", {"notes": "x"}), 404)
    viewer = await make_key("NL", roles="viewer")
    assert_problem(await _patch(client, viewer, s["id"], {"notes": "x"}), 403)
    r = await client.patch(f"/v1/seizures/{s['id']}", json={"notes": "x"})
    assert_problem(r, 401)
    got = (await client.get(f"/v1/seizures/{s['id']}", headers=bearer(nl))).json()
    assert got["notes"] == s["notes"]
    history = (await client.get(f"/v1/seizures/{s['id']}/history", headers=bearer(nl))).json()
    assert [e["event"] for e in history["items"]] == ["created"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"containers": ["MSCU1234565"]}, "containers.0"),
        ({"air_waybill": "176-12345674"}, "air_waybill"),
        ({"place": "NLRT1"}, "place"),
        ({"items": [{"substance": "ephedrin", "quantity": 1, "unit": "kg"}]}, "items.0.substance"),
        ({"items": [{"substance": "ephedrine", "quantity": 1, "unit": "l"}]}, "items.0.unit"),
        ({"items": []}, "items"),
        ({"type": "theft"}, "type"),
        ({"reference": "NL-OTHER"}, "reference"),
        ({"colour": "red"}, "colour"),
        ({"occurred_on": None}, "occurred_on"),
        ({"country": None}, "country"),
        ({"items": None}, "items"),
        ({"transit_countries": None}, "transit_countries"),
        ({"parties": None}, "parties"),
        ({"containers": None}, "containers"),
        ({"modus_operandi": None}, "modus_operandi"),
    ],
)
async def test_invalid_amendment_is_422_and_changes_nothing(client, make_key, patch, field):
    nl = await make_key("NL")
    s = await create(client, nl, seizure())
    r = await _patch(client, nl, s["id"], patch)
    assert field in error_fields(r), r.json()
    got = (await client.get(f"/v1/seizures/{s['id']}", headers=bearer(nl))).json()
    assert {k: v for k, v in got.items() if k != "alerts"} == {
        k: v for k, v in s.items() if k != "alerts"
    }
    history = (await client.get(f"/v1/seizures/{s['id']}/history", headers=bearer(nl))).json()
    assert [e["event"] for e in history["items"]] == ["created"]


async def test_optional_fields_can_be_cleared_with_null(client, make_key):
    nl = await make_key("NL")
    s = await create(client, nl, seizure(air_waybill="176-12345675"))
    clear = {"place": None, "origin_country": None, "air_waybill": None, "notes": None}
    r = await _patch(client, nl, s["id"], clear)
    assert r.status_code == 200, r.text
    assert all(r.json()[f] is None for f in clear)
    r = await _patch(client, nl, s["id"], {"containers": [], "parties": [], "modus_operandi": []})
    assert r.status_code == 200, r.text
    assert (r.json()["containers"], r.json()["parties"], r.json()["modus_operandi"]) == ([], [], [])


async def test_history_pages(client, make_key):
    nl = await make_key("NL")
    s = await create(client, nl, seizure())
    for i in range(3):
        assert (await _patch(client, nl, s["id"], {"notes": f"note {i}"})).status_code == 200
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"/v1/seizures/{s['id']}/history", params=params, headers=bearer(nl))
        assert r.status_code == 200, r.text
        seen += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert [e["event"] for e in seen] == ["created", "amended", "amended", "amended"]
    assert len({e["id"] for e in seen}) == 4
    r = await client.get(
        f"/v1/seizures/{s['id']}/history", params={"cursor": "garbage!!"}, headers=bearer(nl)
    )
    assert error_fields(r) == ["cursor"]


async def test_an_empty_patch_changes_nothing(client, make_key):
    nl = await make_key("NL")
    s = await create(client, nl, minimal("NL-EMPTY"))
    r = await client.patch(f"/v1/seizures/{s['id']}", json={}, headers=bearer(nl))
    assert r.status_code == 200
    assert r.json()["updated_at"] == s["updated_at"]
    history = (await client.get(f"/v1/seizures/{s['id']}/history", headers=bearer(nl))).json()
    assert [e["event"] for e in history["items"]] == ["created"]
