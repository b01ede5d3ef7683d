"""Annual legitimate requirements over HTTP: who may set them and which value is in force."""

from datetime import timedelta

import pytest

from tests.conftest import bearer

PROBLEM = "application/problem+json"


async def _put(client, key, path, kg):
    return await client.put(f"/v1/alr/{path}", json={"kg": kg}, headers=bearer(key))


async def _in_force(client, key, **params):
    r = await client.get("/v1/alr", params=params, headers=bearer(key))
    assert r.status_code == 200, r.text
    assert r.json()["next_cursor"] is None
    return r.json()["items"]


def _problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    return r.json()


async def test_country_reporter_sets_its_alr(client, make_key, clock):
    ng = await make_key("NG")
    r = await _put(client, ng, "NG/ephedrine/2026", 1200)
    assert r.status_code == 200, r.text
    alr = r.json()
    assert (alr["country"], alr["substance"], alr["year"], alr["set_for_year"]) == (
        "NG",
        "ephedrine",
        2026,
        2026,
    )
    assert alr["kg"] == 1200
    assert alr["updated_at"].startswith(clock.now().date().isoformat())
    (listed,) = await _in_force(client, ng, country="NG", year=2026)
    assert (listed["substance"], listed["kg"]) == ("ephedrine", 1200)


async def test_only_that_countrys_reporter_or_admin_sets_it(client, make_key):
    de = await make_key("DE")
    _problem(await _put(client, de, "NG/ephedrine/2026", 5000), 403)
    ng_viewer = await make_key("NG", roles="viewer,investigator")
    _problem(await _put(client, ng_viewer, "NG/ephedrine/2026", 5000), 403)
    r = await client.put("/v1/alr/NG/ephedrine/2026", json={"kg": 5000})
    _problem(r, 401)
    ng = await make_key("NG")
    assert await _in_force(client, ng, country="NG") == []
    admin = await make_key("CH", roles="admin")
    r = await _put(client, admin, "NG/ephedrine/2026", 900)
    assert r.status_code == 200, r.text
    assert [(a["country"], a["kg"]) for a in await _in_force(client, ng, country="NG")] == [
        ("NG", 900)
    ]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("NG/acetone/2026", {"kg": 10}, "substance"),
        ("NG/unobtainium/2026", {"kg": 10}, "substance"),
        ("NG/ephedrine/2026", {"kg": -1}, "kg"),
        ("NG/ephedrine/2026", {"kg": "lots"}, "kg"),
        ("NG/ephedrine/2026", {}, "kg"),
        ("NG/ephedrine/2026", {"kg": 10, "unit": "t"}, "unit"),
        ("NG/ephedrine/1800", {"kg": 10}, "year"),
        ("NGA/ephedrine/2026", {"kg": 10}, "country"),
    ],
)
async def test_invalid_alr_is_422_naming_the_field(client, make_key, path, body, field):
    admin = await make_key("CH", roles="admin")
    r = await client.put(f"/v1/alr/{path}", json=body, headers=bearer(admin))
    assert field in [e["field"] for e in _problem(r, 422)["errors"]]
    assert await _in_force(client, admin) == []


async def test_non_alr_substance_names_it(client, make_key):
    ng = await make_key("NG")
    problem = _problem(await _put(client, ng, "NG/acetone/2026", 10), 422)
    (error,) = problem["errors"]
    assert error["field"] == "substance"
    assert "acetone" in error["message"]


async def test_value_stays_in_force_until_replaced(client, make_key, clock):
    ng = await make_key("NG")
    assert (await _put(client, ng, "NG/ephedrine/2026", 1200)).status_code == 200
    assert (await _put(client, ng, "NG/pseudoephedrine/2026", 300)).status_code == 200
    assert await _in_force(client, ng, country="NG", year=2025) == []

    (e2028,) = [
        a
        for a in await _in_force(client, ng, country="NG", year=2028)
        if a["substance"] == "ephedrine"
    ]
    assert (e2028["year"], e2028["set_for_year"], e2028["kg"]) == (2028, 2026, 1200)

    clock.fixed += timedelta(days=1)
    assert (await _put(client, ng, "NG/ephedrine/2027", 1500)).status_code == 200

    def by_substance(items):
        return {a["substance"]: (a["set_for_year"], a["kg"]) for a in items}

    assert by_substance(await _in_force(client, ng, country="NG", year=2028)) == {
        "ephedrine": (2027, 1500),
        "pseudoephedrine": (2026, 300),
    }
    assert by_substance(await _in_force(client, ng, country="NG", year=2027)) == {
        "ephedrine": (2027, 1500),
        "pseudoephedrine": (2026, 300),
    }
    assert by_substance(await _in_force(client, ng, country="NG", year=2026)) == {
        "ephedrine": (2026, 1200),
        "pseudoephedrine": (2026, 300),
    }
    for a in await _in_force(client, ng, country="NG", year=2026):
        assert a["year"] == 2026
    # Without a year, every value set is listed.
    everything = await _in_force(client, ng, country="NG")
    assert sorted((a["substance"], a["year"], a["kg"]) for a in everything) == [
        ("ephedrine", 2026, 1200),
        ("ephedrine", 2027, 1500),
        ("pseudoephedrine", 2026, 300),
    ]


async def test_putting_again_replaces_the_value(client, make_key):
    ng = await make_key("NG")
    assert (await _put(client, ng, "NG/ephedrine/2026", 1200)).status_code == 200
    r = await _put(client, ng, "NG/ephedrine/2026", 1100.5)
    assert r.status_code == 200, r.text
    assert r.json()["kg"] == 1100.5
    assert [(a["year"], a["kg"]) for a in await _in_force(client, ng, country="NG")] == [
        (2026, 1100.5)
    ]
    r = await _put(client, ng, "NG/ephedrine/2026", 0)
    assert r.status_code == 200, r.text
    assert r.json()["kg"] == 0


async def test_countries_are_kept_apart(client, make_key):
    ng = await make_key("NG")
    gh = await make_key("GH")
    assert (await _put(client, ng, "NG/ephedrine/2026", 1200)).status_code == 200
    assert (await _put(client, gh, "GH/ephedrine/2027", 80)).status_code == 200
    assert [a["country"] for a in await _in_force(client, ng, country="GH", year=2028)] == ["GH"]
    assert [a["kg"] for a in await _in_force(client, ng, country="NG", year=2028)] == [1200]
    assert await _in_force(client, ng, country="GH", year=2026) == []
    both = await _in_force(client, ng, year=2028)
    assert sorted((a["country"], a["set_for_year"]) for a in both) == [("GH", 2027), ("NG", 2026)]


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("PSE", "pseudoephedrine"),
        ("90-82-4", "pseudoephedrine"),
        ("BMK", "p-2-p"),
        ("PMK", "3-4-mdp-2-p"),
    ],
)
async def test_substance_by_synonym_is_stored_under_its_code(client, make_key, ref, code):
    ng = await make_key("NG")
    r = await _put(client, ng, f"NG/{ref}/2026", 250)
    assert r.status_code == 200, r.text
    assert r.json()["substance"] == code
    (listed,) = await _in_force(client, ng, country="NG", year=2026)
    assert listed["substance"] == code
    # Setting it again by its code replaces the same value.
    assert (await _put(client, ng, f"NG/{code}/2026", 260)).status_code == 200
    assert [a["kg"] for a in await _in_force(client, ng, country="NG", year=2026)] == [260]


async def test_a_salt_is_refused_because_alrs_are_in_base(client, make_key):
    ng = await make_key("NG")
    r = await _put(client, ng, "NG/pseudoephedrine%20hydrochloride/2026", 250)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "substance"
    assert "base" in r.json()["errors"][0]["message"]


async def test_reading_alr_needs_the_viewer_role(client, make_key):
    reporter_only = await make_key("NG", roles="reporter")
    r = await client.get("/v1/alr", headers=bearer(reporter_only))
    _problem(r, 403)
    _problem(await client.get("/v1/alr"), 401)
    viewer = await make_key("DE", roles="viewer")
    _problem(await client.get("/v1/alr", params={"year": 1800}, headers=bearer(viewer)), 422)
    _problem(await client.get("/v1/alr", params={"country": "NGA"}, headers=bearer(viewer)), 422)
