"""Creating seizures: the five types, normalised values, defaults, idempotency, auth."""

import asyncio

import pytest

from tests.conftest import bearer
from tests.payloads import seizure
from tests.seizures.helpers import (
    NOTHING,
    assert_problem,
    create,
    list_all,
    minimal,
    post,
    stored_rows,
)

TYPES = ["seizure", "stopped_shipment", "illicit_laboratory", "suspicious_order", "theft"]


@pytest.mark.parametrize("type_", TYPES)
async def test_each_type_is_created_from_a_minimal_body(client, make_key, type_):
    key = await make_key("NL")
    r = await post(client, key, minimal(f"NL-{type_}", type_))
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["id"]
    assert s["type"] == type_
    assert s["reference"] == f"NL-{type_}"
    assert s["reporting_country"] == "NL"
    assert s["country"] == "NL", "country defaults to the reporting country"
    assert s["occurred_on"] == "2026-12-20"
    assert s["place"] is None
    assert s["origin_country"] is None
    assert s["destination_country"] is None
    assert s["transit_countries"] == []
    assert s["parties"] == []
    assert s["containers"] == []
    assert s["modus_operandi"] == []
    assert s["alerts"] == []
    (item,) = s["items"]
    assert item["substance_code"] == "ephedrine"
    assert item["form"] == "base"
    assert (item["net_kg"], item["base_kg"]) == (10, 10)
    got = await client.get(f"/v1/seizures/{s['id']}", headers=bearer(key))
    assert got.status_code == 200
    assert got.json()["type"] == type_


async def test_full_body_is_normalised(client, make_key):
    key = await make_key("NL")
    body = seizure(
        place="nl-rtm",
        origin_country="de",
        transit_countries=["ae"],
        containers=["mscu 123456-6", "MSCU1234566", "csqu3054383"],
        air_waybill="176 1234 5675",
        bill_of_lading="medu-1234 5678",
        invoice_number="inv/2026-88",
    )
    s = await create(client, key, body)
    assert s["country"] == "NL"
    assert s["place"] == "NLRTM"
    assert s["origin_country"] == "DE"
    assert s["transit_countries"] == ["AE"]
    assert s["destination_country"] == "NG"
    assert s["containers"] == ["MSCU1234566", "CSQU3054383"], "canonical and deduplicated"
    assert s["air_waybill"] == "176-12345675"
    assert s["bill_of_lading"] == "MEDU12345678"
    assert s["invoice_number"] == "INV202688"
    assert s["modus_operandi"] == ["mislabelled", "falsified_documents"]
    assert s["notes"] == "found during a risk-based check"
    (item,) = s["items"]
    assert item["declared_as"] == "sodium benzoate"
    assert (item["substance_code"], item["net_kg"], item["base_kg"]) == ("ephedrine", 480, 480)
    (party,) = s["parties"]
    assert party["role"] == "consignee"
    assert party["country"] == "NG"
    assert party["party_id"]


async def test_items_are_resolved_and_converted(client, make_key):
    key = await make_key("NL")
    items = [
        {"substance": "acetic anhydride", "quantity": 100, "unit": "l"},
        {"substance": "pseudoephedrine hydrochloride", "quantity": 25, "unit": "kg"},
        {"substance": "BMK", "quantity": 500, "unit": "ml"},
        {"substance": "299-42-3", "quantity": 2500, "unit": "g", "concentration_percent": 40},
        {"substance": "Potassium Permanganate", "quantity": 1.5, "unit": "t"},
    ]
    s = await create(client, key, minimal("NL-ITEMS", items=items))
    got = [(i["substance_code"], i["net_kg"], i["base_kg"]) for i in s["items"]]
    assert [g[0] for g in got] == [
        "acetic-anhydride",
        "pseudoephedrine",
        "p-2-p",
        "ephedrine",
        "potassium-permanganate",
    ]
    # Acetic anhydride: 100 l at 1.08 g/ml.
    assert got[0][1:] == (pytest.approx(108), pytest.approx(108))
    # Pseudoephedrine hydrochloride is about 82 % base.
    assert got[1][1] == pytest.approx(25)
    assert got[1][2] == pytest.approx(0.82 * 25, rel=5e-3)
    assert s["items"][1]["form"] == "salt"
    assert s["items"][1]["salt"] == "hydrochloride"
    assert s["items"][1]["substance"] == "pseudoephedrine hydrochloride", "kept as given"
    # P-2-P: 0.5 l at 1.01 g/ml.
    assert got[2][1:] == (pytest.approx(0.505), pytest.approx(0.505))
    # 2.5 kg at 40 %.
    assert got[3][1:] == (pytest.approx(2.5), pytest.approx(1.0))
    assert got[4][1:] == (pytest.approx(1500), pytest.approx(1500))
    # The same values come back on a later read.
    again = await client.get(f"/v1/seizures/{s['id']}", headers=bearer(key))
    assert again.json()["items"] == s["items"]


async def test_country_may_differ_from_the_reporting_country(client, make_key):
    key = await make_key("NL")
    s = await create(client, key, minimal("NL-ABROAD", country="be"))
    assert (s["reporting_country"], s["country"]) == ("NL", "BE")


async def test_identical_replay_answers_200_with_the_same_record(client, make_key, app):
    key = await make_key("NL")
    first = await post(client, key, seizure())
    again = await post(client, key, seizure())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["items"] == first.json()["items"]
    # The same values written differently are the same body.
    respelled = seizure(containers=["mscu1234566"], place="nlrtm")
    respelled["items"][0]["quantity"] = 480.0
    third = await post(client, key, respelled)
    assert third.status_code == 200, third.text
    assert third.json()["id"] == first.json()["id"]
    assert len(await list_all(client, key)) == 1
    assert (await stored_rows(app))["events"] == 1


async def test_same_reference_with_another_body_is_409_naming_fields(client, make_key):
    key = await make_key("NL")
    first = await create(client, key, seizure())
    changed = seizure(occurred_on="2026-12-21", notes="other")
    clash = await post(client, key, changed)
    problem = assert_problem(clash, 409)
    assert problem["differing_fields"] == ["notes", "occurred_on"]
    changed_type = await post(client, key, seizure(type="theft"))
    assert assert_problem(changed_type, 409)["differing_fields"] == ["type"]
    stored = await client.get(f"/v1/seizures/{first['id']}", headers=bearer(key))
    assert stored.json()["occurred_on"] == "2026-12-20"
    assert stored.json()["type"] == "seizure"
    assert len(await list_all(client, key)) == 1


async def test_reference_is_unique_per_authority(client, make_key):
    fiod = await make_key("NL", name="FIOD")
    customs = await make_key("NL", name="Dutch Customs")
    german = await make_key("DE")
    a = await post(client, fiod, seizure())
    b = await post(client, customs, seizure(notes="their own case"))
    c = await post(client, german, seizure())
    assert (a.status_code, b.status_code, c.status_code) == (201, 201, 201)
    assert len({a.json()["id"], b.json()["id"], c.json()["id"]}) == 3
    assert c.json()["reporting_country"] == "DE"
    assert c.json()["country"] == "NL"


async def test_no_key_is_401_problem(client, app):
    r = await client.post("/v1/seizures", json=seizure())
    assert_problem(r, 401)
    r = await client.post("/v1/seizures", json=seizure(), headers=bearer("not-a-key"))
    assert_problem(r, 401)
    assert_problem(await client.get("/v1/seizures"), 401)
    assert_problem(await client.get("/v1/seizures/whatever"), 401)
    assert await stored_rows(app) == NOTHING


async def test_viewer_cannot_report(client, make_key, app):
    viewer = await make_key("NL", roles="viewer")
    investigator = await make_key("NL", roles="investigator")
    assert_problem(await post(client, viewer, seizure()), 403)
    assert_problem(await post(client, investigator, seizure()), 403)
    assert await stored_rows(app) == NOTHING
    # ...but both may read.
    assert (await client.get("/v1/seizures", headers=bearer(viewer))).status_code == 200
    assert (await client.get("/v1/seizures", headers=bearer(investigator))).status_code == 200


async def test_reporter_without_viewer_role_cannot_list(client, make_key):
    reporter = await make_key("NL", roles="reporter")
    assert (await post(client, reporter, seizure())).status_code == 201
    assert_problem(await client.get("/v1/seizures", headers=bearer(reporter)), 403)


async def test_concurrent_identical_posts_store_one_record(client, make_key, app):
    key = await make_key("NL")
    answers = await asyncio.gather(*(post(client, key, seizure()) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 201], [r.text for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert (await stored_rows(app))["seizures"] == 1
    assert (await stored_rows(app))["events"] == 1
