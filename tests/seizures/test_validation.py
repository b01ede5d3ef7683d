"""Invalid seizures: 422 problem+json naming each field, and nothing stored."""

from typing import Any

import pytest

from tests.conftest import bearer
from tests.payloads import seizure
from tests.seizures.helpers import NOTHING, assert_problem, error_fields, post, stored_rows


def _with_item(**item: Any) -> dict[str, Any]:
    body = seizure()
    body["items"][0].update(item)
    return body


def _without(field: str) -> dict[str, Any]:
    body = seizure()
    del body[field]
    return body


CASES = {
    "unknown substance": (_with_item(substance="ephedrin"), "items.0.substance"),
    "bad container check digit": (seizure(containers=["MSCU1234565"]), "containers.0"),
    "second container bad": (
        seizure(containers=["MSCU1234566", "CSQU3054384"]),
        "containers.1",
    ),
    "bad air waybill check digit": (seizure(air_waybill="176-12345674"), "air_waybill"),
    "air waybill too short": (seizure(air_waybill="176-1234567"), "air_waybill"),
    "malformed locode": (seizure(place="NLRT1"), "place"),
    "locode of no country": (seizure(place="XXRTM"), "place"),
    "unknown type": (seizure(type="confiscation"), "type"),
    "unknown extra field": (seizure(colour="red"), "colour"),
    "unknown item field": (_with_item(purity=90), "items.0.purity"),
    "unknown party field": (
        seizure(parties=[{"role": "consignee", "name": "X", "nickname": "Y"}]),
        "parties.0.nickname",
    ),
    "unknown party role": (seizure(parties=[{"role": "smuggler", "name": "X"}]), "parties.0.role"),
    "alpha-3 country": (seizure(country="NLD"), "country"),
    "non-ISO origin": (seizure(origin_country="UK"), "origin_country"),
    "bad transit country": (seizure(transit_countries=["AE", "QQ"]), "transit_countries.1"),
    "unknown unit": (_with_item(unit="lb"), "items.0.unit"),
    "zero quantity": (_with_item(quantity=0), "items.0.quantity"),
    "negative quantity": (_with_item(quantity=-5), "items.0.quantity"),
    "concentration over 100": (
        _with_item(concentration_percent=120),
        "items.0.concentration_percent",
    ),
    "unknown modus operandi": (seizure(modus_operandi=["bribery"]), "modus_operandi.0"),
    "no items": (seizure(items=[]), "items"),
    "missing items": (_without("items"), "items"),
    "missing reference": (_without("reference"), "reference"),
    "missing type": (_without("type"), "type"),
    "missing occurred_on": (_without("occurred_on"), "occurred_on"),
    "bad date": (seizure(occurred_on="2026-13-01"), "occurred_on"),
    "blank reference": (seizure(reference="  "), "reference"),
    # Checked once the substance is known, in the service rather than the schema.
    "litres of a solid": (_with_item(unit="l"), "items.0.unit"),
    "salt differs from the name": (
        _with_item(substance="pseudoephedrine hydrochloride", salt="sulphate"),
        "items.0.salt",
    ),
    "unknown salt": (_with_item(salt="citrate"), "items.0.salt"),
    "salt with form base": (_with_item(salt="hydrochloride", form="base"), "items.0.form"),
}


@pytest.mark.parametrize(("body", "field"), list(CASES.values()), ids=list(CASES))
async def test_invalid_field_is_422_naming_it_and_nothing_is_stored(
    client, make_key, app, body, field
):
    key = await make_key("NL")
    r = await post(client, key, body)
    assert field in error_fields(r), r.json()
    assert await stored_rows(app) == NOTHING
    listed = await client.get("/v1/seizures", headers=bearer(key))
    assert listed.json()["items"] == []
    # The reference stays free: the corrected body is a new record.
    fixed = await post(client, key, seizure())
    assert fixed.status_code == 201, fixed.text


async def test_unknown_substance_names_the_closest(client, make_key):
    key = await make_key("NL")
    r = await post(client, key, _with_item(substance="ephedrin"))
    (error,) = assert_problem(r, 422)["errors"]
    assert error["field"] == "items.0.substance"
    assert "ephedrin" in error["message"]
    assert "closest" in error["message"]
    assert "ephedrine" in error["message"]
    r = await post(client, key, _with_item(substance="acetic anhydrid"))
    assert "acetic-anhydride" in assert_problem(r, 422)["errors"][0]["message"]


async def test_every_bad_field_is_named_at_once(client, make_key):
    key = await make_key("NL")
    body = seizure(containers=["MSCU1234565"], air_waybill="176-12345674", place="NLRT1")
    fields = error_fields(await post(client, key, body))
    assert {"containers.0", "air_waybill", "place"} <= set(fields)


async def test_malformed_json_is_400_problem(client, make_key, app):
    key = await make_key("NL")
    r = await client.post(
        "/v1/seizures",
        content=b'{"reference": "NL-1", ',
        headers={**bearer(key), "Content-Type": "application/json"},
    )
    assert_problem(r, 400)
    assert await stored_rows(app) == NOTHING


def _nul_party(**party: Any) -> dict[str, Any]:
    return seizure(parties=[{"role": "consignee", "name": "Lagos Pharma Ltd", **party}])


NUL_CASES = {
    "reference": (seizure(reference="NL\x00X"), "reference"),
    "notes": (seizure(notes="a\x00b"), "notes"),
    "declared_as": (_with_item(declared_as="benzoate\x00"), "items.0.declared_as"),
    "party name": (_nul_party(name="Lagos\x00Pharma"), "parties.0.name"),
    "party address": (_nul_party(address="Apapa\x00"), "parties.0.address"),
}


@pytest.mark.parametrize(("body", "field"), list(NUL_CASES.values()), ids=list(NUL_CASES))
async def test_nul_in_text_is_422(client, make_key, app, body, field):
    key = await make_key("NL")
    r = await post(client, key, body)
    assert field in error_fields(r), r.json()
    assert await stored_rows(app) == NOTHING
