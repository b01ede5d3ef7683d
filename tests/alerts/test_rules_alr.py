"""ALR_EXCEEDED and MISSING_ALR, through the HTTP API, from both sides."""

import pytest

from tests.alerts.api import latest_alerts, notify, of_rule, put_alr
from tests.conftest import bearer
from tests.payloads import notification


@pytest.fixture
async def keys(make_key):
    out = {c: await make_key(c) for c in ("DE", "IN", "NG")}
    out["admin"] = await make_key("CH", roles="admin,viewer,investigator")
    return out


def _base(substance: str, kg: float) -> list[dict]:
    return [{"substance": substance, "quantity": kg, "unit": "kg"}]


async def _notify(client, key, ref, items, **over):
    return await notify(client, key, ref, items=items, **over)


async def test_total_above_the_alr_fires_once_and_is_updated(client, keys):
    await put_alr(client, keys["NG"], "NG/ephedrine/2026", 700)
    first = await _notify(client, keys["DE"], "DE-1", _base("ephedrine", 400))
    assert of_rule(first, "ALR_EXCEEDED") == []
    second = await _notify(client, keys["IN"], "IN-1", _base("ephedrine", 350))
    [alert] = of_rule(second, "ALR_EXCEEDED")
    assert alert["severity"] == "high" and alert["project"] == "prism"
    assert {"NG", "DE", "IN"} <= set(alert["countries"])
    assert sorted(alert["subjects"]["notifications"]) == sorted([first["id"], second["id"]])
    assert alert["score"] == pytest.approx(750 / 700, rel=1e-3)
    features = {e["feature"]: e for e in alert["evidence"]}
    assert "750 kg" in features["notified_total"]["detail"]
    assert "700 kg" in features["alr"]["detail"]
    third = await _notify(client, keys["DE"], "DE-2", _base("ephedrine", 10))
    [again] = of_rule(third, "ALR_EXCEEDED")
    assert again["id"] == alert["id"] and again["occurrences"] == 2
    assert third["id"] in again["subjects"]["notifications"]
    assert len(await latest_alerts(client, keys["admin"], "ALR_EXCEEDED")) == 1


async def test_exactly_the_alr_does_not_fire(client, keys):
    await put_alr(client, keys["NG"], "NG/ephedrine/2026", 400)
    await _notify(client, keys["DE"], "DE-1", _base("ephedrine", 250))
    last = await _notify(client, keys["DE"], "DE-2", _base("ephedrine", 150))
    assert of_rule(last, "ALR_EXCEEDED") == []
    assert await latest_alerts(client, keys["admin"], "ALR_EXCEEDED") == []


async def test_a_salt_counts_for_its_base_and_substances_are_apart(client, keys):
    await put_alr(client, keys["NG"], "NG/pseudoephedrine/2026", 82)
    await put_alr(client, keys["NG"], "NG/ephedrine/2026", 82)
    salt = [{"substance": "pseudoephedrine hydrochloride", "quantity": 100, "unit": "kg"}]
    under = await _notify(client, keys["DE"], "DE-1", salt)  # 81.92 kg of base
    assert of_rule(under, "ALR_EXCEEDED") == []
    other = await _notify(client, keys["DE"], "DE-2", _base("ephedrine", 50))
    assert of_rule(other, "ALR_EXCEEDED") == []  # ephedrine has its own ALR
    over = await _notify(client, keys["DE"], "DE-3", _base("pseudoephedrine", 1))
    [alert] = of_rule(over, "ALR_EXCEEDED")
    assert "pseudoephedrine" in alert["title"]
    assert sorted(alert["subjects"]["notifications"]) == sorted([under["id"], over["id"]])


async def test_alr_set_after_the_notifications_still_fires(client, keys):
    a = await _notify(client, keys["DE"], "DE-1", _base("ephedrine", 300))
    b = await _notify(client, keys["IN"], "IN-1", _base("ephedrine", 300))
    assert of_rule(a, "ALR_EXCEEDED") == of_rule(b, "ALR_EXCEEDED") == []
    put = await put_alr(client, keys["NG"], "NG/ephedrine/2026", 500)
    [alert] = of_rule(put, "ALR_EXCEEDED")
    assert sorted(alert["subjects"]["notifications"]) == sorted([a["id"], b["id"]])
    assert {"NG", "DE", "IN"} <= set(alert["countries"])


async def test_an_alr_stays_valid_for_later_years_until_replaced(client, keys):
    old = await _notify(
        client, keys["DE"], "DE-2025", _base("ephedrine", 300), notified_on="2025-06-01"
    )
    new = await _notify(client, keys["DE"], "DE-2026", _base("ephedrine", 300))
    put = await put_alr(client, keys["NG"], "NG/ephedrine/2025", 250)
    fired = {a["title"]: a for a in of_rule(put, "ALR_EXCEEDED")}
    assert sorted(a["subjects"]["notifications"][0] for a in fired.values()) == sorted(
        [old["id"], new["id"]]
    )
    assert len(fired) == 2  # one alert per year: 2025, and 2026 under the 2025 ALR
    replaced = await put_alr(client, keys["NG"], "NG/ephedrine/2026", 1000)
    assert of_rule(replaced, "ALR_EXCEEDED") == []
    unchanged = await put_alr(client, keys["NG"], "NG/ephedrine/2027", 1)
    assert of_rule(unchanged, "ALR_EXCEEDED") == []  # no notification in 2027


async def test_objected_and_withdrawn_notifications_do_not_count(client, keys):
    refused = await _notify(client, keys["DE"], "DE-1", _base("ephedrine", 300))
    r = await client.post(
        f"/v1/notifications/{refused['id']}/reply",
        json={"decision": "objection", "replied_on": "2026-11-05"},
        headers=bearer(keys["NG"]),
    )
    assert r.status_code == 200, r.text
    gone = await _notify(client, keys["DE"], "DE-2", _base("ephedrine", 300))
    r = await client.post(
        f"/v1/notifications/{gone['id']}/withdraw", json={}, headers=bearer(keys["DE"])
    )
    assert r.status_code == 200, r.text
    await _notify(client, keys["IN"], "IN-1", _base("ephedrine", 300))
    put = await put_alr(client, keys["NG"], "NG/ephedrine/2026", 400)
    assert of_rule(put, "ALR_EXCEEDED") == []


async def test_an_objection_updates_the_alert_but_never_withdraws_it(client, keys):
    await put_alr(client, keys["NG"], "NG/ephedrine/2026", 500)
    a = await _notify(client, keys["DE"], "DE-1", _base("ephedrine", 300))
    b = await _notify(client, keys["DE"], "DE-2", _base("ephedrine", 300))
    c = await _notify(client, keys["DE"], "DE-3", _base("ephedrine", 300))
    [alert] = of_rule(c, "ALR_EXCEEDED")
    assert alert["occurrences"] == 2 and "900 kg" in alert["summary"]
    r = await client.post(
        f"/v1/notifications/{a['id']}/reply",
        json={"decision": "objection"},
        headers=bearer(keys["NG"]),
    )
    [updated] = of_rule(r.json(), "ALR_EXCEEDED")
    assert updated["id"] == alert["id"] and "600 kg" in updated["summary"]
    r = await client.post(
        f"/v1/notifications/{b['id']}/withdraw", json={}, headers=bearer(keys["DE"])
    )
    assert of_rule(r.json(), "ALR_EXCEEDED") == []  # 300 kg left: below, nothing fires
    [still] = await latest_alerts(client, keys["admin"], "ALR_EXCEEDED")
    assert still["id"] == alert["id"] and still["status"] == "open"
    no_objection = await client.post(
        f"/v1/notifications/{c['id']}/reply",
        json={"decision": "no_objection"},
        headers=bearer(keys["NG"]),
    )
    assert of_rule(no_objection.json(), "ALR_EXCEEDED") == []


async def test_missing_alr_fires_per_tracked_substance(client, keys):
    items = [*_base("ephedrine", 10), *_base("pseudoephedrine", 10), *_base("acetone", 10)]
    n = await _notify(client, keys["DE"], "DE-1", items)
    missing = of_rule(n, "MISSING_ALR")
    assert sorted(a["title"].rsplit(" ", 1)[-1] for a in missing) == [
        "ephedrine",
        "pseudoephedrine",
    ]
    assert all(a["severity"] == "medium" and a["project"] == "prism" for a in missing)
    assert all(a["subjects"]["notifications"] == [n["id"]] for a in missing)
    assert {"DE", "NG"} <= set(missing[0]["countries"])


async def test_no_missing_alr_when_one_is_in_force(client, keys):
    await put_alr(client, keys["NG"], "NG/ephedrine/2025", 1000)  # still valid in 2026
    n = await _notify(client, keys["DE"], "DE-1", _base("ephedrine", 10))
    assert of_rule(n, "MISSING_ALR") == []
    later = await put_alr(client, keys["NG"], "NG/pseudoephedrine/2027", 5)
    assert of_rule(later, "MISSING_ALR") == []
    p = await _notify(client, keys["DE"], "DE-2", _base("pseudoephedrine", 10))
    assert len(of_rule(p, "MISSING_ALR")) == 1  # an ALR for 2027 is not in force in 2026
    other = await _notify(client, keys["DE"], "DE-3", _base("acetone", 10))
    assert of_rule(other, "MISSING_ALR") == []


async def test_an_alr_set_later_closes_the_missing_alr_alert(client, make_key):
    de, ng = await make_key("DE"), await make_key("NG")
    admin = await make_key("CH", roles="admin,viewer,investigator")
    r = await client.post(
        "/v1/notifications", json=notification(reference="MA-1"), headers=bearer(de)
    )
    (missing,) = [a for a in r.json()["alerts"] if a["rule"] == "MISSING_ALR"]
    put = await client.put("/v1/alr/NG/ephedrine/2025", json={"kg": 10000}, headers=bearer(ng))
    (closed,) = [a for a in put.json()["alerts"] if a["rule"] == "MISSING_ALR"]
    assert closed["id"] == missing["id"]
    assert (closed["status"], closed["resolution"]) == ("closed", "legitimate")
    feed = (await client.get("/v1/alerts?rule=MISSING_ALR", headers=bearer(admin))).json()
    assert [i["change"] for i in feed["items"]] == ["created", "resolved"]
