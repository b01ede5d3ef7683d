"""The substance reference over HTTP: the list and lookups by code, CAS RN and synonym."""

from urllib.parse import quote

import pytest

from tests.conftest import bearer

PROBLEM = "application/problem+json"


async def test_list_has_tables_i_and_ii_in_an_items_envelope(client, make_key):
    key = await make_key("DE", roles="viewer")
    r = await client.get("/v1/substances", headers=bearer(key))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items", "next_cursor"}
    assert body["next_cursor"] is None
    items = body["items"]
    assert len(items) == 51
    assert sum(s["table"] == "I" for s in items) == 43
    assert sum(s["table"] == "II" for s in items) == 8
    assert len({s["code"] for s in items}) == 51
    by_code = {s["code"]: s for s in items}
    ephedrine = by_code["ephedrine"]
    assert ephedrine["cas"] == "299-42-3"
    assert ephedrine["alr_tracked"] is True
    assert ephedrine["project"] == "prism"
    assert ephedrine["salt_factors"]["hydrochloride"] == pytest.approx(0.82, abs=0.005)
    assert by_code["acetic-anhydride"]["density_g_per_ml"] == pytest.approx(1.08)
    assert by_code["acetic-anhydride"]["project"] == "cohesion"
    assert by_code["acetone"]["alr_tracked"] is False
    assert by_code["pmk-glycidate"]["no_legitimate_use"] is True
    assert {s["code"] for s in items if s["alr_tracked"]} == {
        "ephedrine",
        "pseudoephedrine",
        "p-2-p",
        "3-4-mdp-2-p",
    }
    for s in items:
        assert s["effective_from"]
        assert s["hs_code"]


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("ephedrine", "ephedrine"),
        ("acetic-anhydride", "acetic-anhydride"),
        ("299-42-3", "ephedrine"),
        ("108-24-7", "acetic-anhydride"),
        ("BMK", "p-2-p"),
        ("bmk", "p-2-p"),
        ("phenylacetone", "p-2-p"),
        ("PMK", "3-4-mdp-2-p"),
        ("3,4-MDP-2-P", "3-4-mdp-2-p"),
        ("acetic anhydride", "acetic-anhydride"),
        ("Diethyl Ether", "ethyl-ether"),
        ("pseudoephedrine hydrochloride", "pseudoephedrine"),
        ("KMnO4", "potassium-permanganate"),
    ],
)
async def test_get_by_code_cas_or_synonym(client, make_key, ref, code):
    key = await make_key("DE", roles="viewer")
    r = await client.get(f"/v1/substances/{quote(ref, safe='')}", headers=bearer(key))
    assert r.status_code == 200, r.text
    assert r.json()["code"] == code


@pytest.mark.parametrize("ref", ["unobtainium", "299-42-4", "sodium benzoate"])
async def test_unknown_substance_is_404_problem(client, make_key, ref):
    key = await make_key("DE", roles="viewer")
    r = await client.get(f"/v1/substances/{quote(ref, safe='')}", headers=bearer(key))
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["status"] == 404
    assert ref in r.json()["detail"]


async def test_a_near_miss_names_the_closest(client, make_key):
    key = await make_key("DE", roles="viewer")
    r = await client.get("/v1/substances/ephedrin", headers=bearer(key))
    assert r.status_code == 404
    assert "ephedrine" in r.json()["detail"]


async def test_substances_need_a_key(client):
    for path in ("/v1/substances", "/v1/substances/ephedrine"):
        r = await client.get(path)
        assert r.status_code == 401
        assert r.headers["content-type"].startswith(PROBLEM)
