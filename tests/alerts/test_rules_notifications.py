"""NO_LEGITIMATE_USE, SPLIT_CONSIGNMENT, QUANTITY_SHORTFALL and ARRIVAL_AFTER_OBJECTION."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.alerts.models import Alert
from app.alerts.rules import split_consignment
from app.records.facts import ItemFacts, NotificationFacts, PartyFacts
from tests.alerts.api import latest_alerts, notify, of_rule, post

EPHEDRINE_HCL = {
    "substance": "ephedrine",
    "form": "salt",
    "salt": "hydrochloride",
    "quantity": 500,
    "unit": "kg",
    "concentration_percent": 99.5,
}


@pytest.fixture
async def keys(make_key):
    out = {c: await make_key(c) for c in ("DE", "NG", "GH")}
    out["admin"] = await make_key("CH", roles="admin,viewer,investigator")
    return out


# NO_LEGITIMATE_USE


async def test_a_designer_precursor_is_critical(client, keys):
    items = [{"substance": "PMK glycidate", "quantity": 100, "unit": "kg"}, EPHEDRINE_HCL]
    n = await notify(client, keys["DE"], "DE-PMK", items=items)
    [alert] = of_rule(n, "NO_LEGITIMATE_USE")
    assert alert["severity"] == "critical" and alert["project"] == "prism"
    assert alert["subjects"]["notifications"] == [n["id"]]
    assert [e["feature"] for e in alert["evidence"]] == ["no_legitimate_use"]
    assert "pmk-glycidate" in alert["evidence"][0]["detail"]


async def test_an_ordinary_precursor_is_not_flagged(client, keys):
    n = await notify(client, keys["DE"], "DE-1")
    assert of_rule(n, "NO_LEGITIMATE_USE") == []
    assert await latest_alerts(client, keys["admin"], "NO_LEGITIMATE_USE") == []


# SPLIT_CONSIGNMENT

ANHYDRIDE = [{"substance": "acetic anhydride", "quantity": 900, "unit": "kg"}]


async def _split(client, keys, ref, dispatch, **over):
    over.setdefault("items", ANHYDRIDE)
    return await notify(
        client, keys["DE"], ref, dispatch_date=dispatch, expected_arrival_date=None, **over
    )


async def _fingerprints(app, rule):
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(Alert).where(Alert.rule == rule))).all()
        return sorted(a.fingerprint for a in rows)


async def test_three_dispatches_within_the_window_are_a_split(app, client, keys):
    dates = ("2026-12-01", "2026-12-15", "2026-12-31")
    posted = [await _split(client, keys, f"DE-S{i}", d) for i, d in enumerate(dates)]
    assert of_rule(posted[1], "SPLIT_CONSIGNMENT") == []
    [alert] = of_rule(posted[2], "SPLIT_CONSIGNMENT")
    assert alert["project"] == "cohesion"
    assert sorted(alert["subjects"]["notifications"]) == sorted(n["id"] for n in posted)
    exporter, importer = posted[0]["exporter"]["party_id"], posted[0]["importer"]["party_id"]
    assert sorted(alert["subjects"]["parties"]) == sorted([exporter, importer])
    assert any(e["feature"] == "window" for e in alert["evidence"])
    assert await _fingerprints(app, "SPLIT_CONSIGNMENT") == [
        f"SPLIT_CONSIGNMENT:{exporter}:{importer}:acetic-anhydride:2026"
    ]


async def test_two_dispatches_or_a_wider_spread_are_no_split(client, keys):
    await _split(client, keys, "DE-S1", "2026-12-01")
    await _split(client, keys, "DE-S2", "2026-12-10")
    spread = await _split(client, keys, "DE-S3", "2027-01-01")  # 31 days after the first
    assert of_rule(spread, "SPLIT_CONSIGNMENT") == []
    other_lane = await _split(
        client,
        keys,
        "DE-S4",
        "2026-12-05",
        importing_country="GH",
        importer={"name": "Accra Health Ltd", "country": "GH"},
        consignee=None,
    )
    assert of_rule(other_lane, "SPLIT_CONSIGNMENT") == []
    other_substance = await _split(
        client,
        keys,
        "DE-S5",
        "2026-12-05",
        items=[{"substance": "potassium permanganate", "quantity": 900, "unit": "kg"}],
    )
    assert of_rule(other_substance, "SPLIT_CONSIGNMENT") == []
    assert await latest_alerts(client, keys["admin"], "SPLIT_CONSIGNMENT") == []


DISPATCHES = ("2026-03-05", "2026-03-12", "2026-03-20", "2026-04-01")


@pytest.mark.parametrize(
    "order",
    [(0, 1, 2, 3), (1, 2, 3, 0), (3, 2, 1, 0), (2, 0, 3, 1)],
    ids=["in-order", "earliest-last", "reversed", "mixed"],
)
async def test_a_split_posted_in_any_order_has_one_fingerprint(app, client, keys, order):
    posted = {}
    for i in order:
        posted[i] = await _split(client, keys, f"DE-S{i}", DISPATCHES[i], notified_on="2026-02-20")
    exporter, importer = posted[0]["exporter"]["party_id"], posted[0]["importer"]["party_id"]
    assert await _fingerprints(app, "SPLIT_CONSIGNMENT") == [
        f"SPLIT_CONSIGNMENT:{exporter}:{importer}:acetic-anhydride:2026"
    ]
    [alert] = await latest_alerts(client, keys["admin"], "SPLIT_CONSIGNMENT")
    assert sorted(alert["subjects"]["notifications"]) == sorted(n["id"] for n in posted.values())
    window = next(e for e in alert["evidence"] if e["feature"] == "window")
    assert window["detail"].startswith("4 notifications dispatched within 30 days")


# QUANTITY_SHORTFALL


async def _arrive(client, keys, nid, quantity, **over):
    item = {**EPHEDRINE_HCL, "quantity": quantity}
    body = {"received_on": "2026-11-19", "items": [item], **over}
    return await post(client, keys["NG"], f"/v1/notifications/{nid}/arrival", body)


@pytest.mark.parametrize(
    ("quantity", "severity"), [(485, "medium"), (400, "high"), (492.5, None), (490, None)]
)
async def test_shortfall_beyond_the_tolerance(client, keys, quantity, severity):
    n = await notify(client, keys["DE"], "DE-1")
    arrived = await _arrive(client, keys, n["id"], quantity)
    fired = of_rule(arrived, "QUANTITY_SHORTFALL")
    if severity is None:  # 1.5 % short, and exactly 2 %: within the tolerance
        assert fired == []
    else:
        [alert] = fired
        assert alert["severity"] == severity
        assert alert["subjects"]["notifications"] == [n["id"]]
        assert alert["score"] == pytest.approx(1 - quantity / 500, abs=1e-3)
        assert alert["evidence"][0]["feature"] == "shortfall"


async def test_a_notified_substance_missing_from_the_arrival_is_short(client, keys):
    items = [EPHEDRINE_HCL, {"substance": "acetone", "quantity": 100, "unit": "kg"}]
    n = await notify(client, keys["DE"], "DE-1", items=items)
    arrived = await post(
        client,
        keys["NG"],
        f"/v1/notifications/{n['id']}/arrival",
        {"received_on": "2026-11-19", "items": [EPHEDRINE_HCL]},
    )
    [alert] = of_rule(arrived, "QUANTITY_SHORTFALL")
    assert alert["severity"] == "high" and "acetone" in alert["title"]
    assert alert["project"] == "cohesion"


# ARRIVAL_AFTER_OBJECTION


async def test_arrival_after_an_objection_is_critical(client, keys):
    n = await notify(client, keys["DE"], "DE-1")
    url = f"/v1/notifications/{n['id']}"
    reply = await post(
        client, keys["NG"], f"{url}/reply", {"decision": "objection", "replied_on": "2026-11-10"}
    )
    assert of_rule(reply, "ARRIVAL_AFTER_OBJECTION") == []
    arrived = await _arrive(client, keys, n["id"], 500)
    [alert] = of_rule(arrived, "ARRIVAL_AFTER_OBJECTION")
    assert alert["severity"] == "critical" and alert["project"] == "prism"
    assert {"DE", "NG"} <= set(alert["countries"])
    assert {e["feature"] for e in alert["evidence"]} == {"objection", "arrival"}


async def test_an_objection_posted_after_the_arrival_still_fires(client, keys):
    n = await notify(client, keys["DE"], "DE-1")
    arrived = await _arrive(client, keys, n["id"], 500)
    assert of_rule(arrived, "ARRIVAL_AFTER_OBJECTION") == []
    reply = await post(
        client,
        keys["NG"],
        f"/v1/notifications/{n['id']}/reply",
        {"decision": "objection", "replied_on": "2026-11-20"},
    )
    [alert] = of_rule(reply, "ARRIVAL_AFTER_OBJECTION")
    assert alert["severity"] == "critical"
    assert "order" in {e["feature"] for e in alert["evidence"]}


async def test_arrival_after_no_objection_is_fine(client, keys):
    n = await notify(client, keys["DE"], "DE-1")
    await post(
        client,
        keys["NG"],
        f"/v1/notifications/{n['id']}/reply",
        {"decision": "no_objection", "replied_on": "2026-11-10"},
    )
    arrived = await _arrive(client, keys, n["id"], 500)
    assert of_rule(arrived, "ARRIVAL_AFTER_OBJECTION") == []
    assert await latest_alerts(client, keys["admin"], "ARRIVAL_AFTER_OBJECTION") == []


# SPLIT_CONSIGNMENT, pure: the keys that ever fire do not depend on the arrival order


def _facts(i: int, shipped, code: str = "acetic-anhydride") -> NotificationFacts:
    item = ItemFacts(code, code, "cohesion", False, False, 900_000_000, 900_000_000)
    return NotificationFacts(
        id=f"n{i:03d}",
        reference=f"R-{i}",
        status="pending",
        exporting_country="DE",
        importing_country="NG",
        transit_countries=(),
        notified_on=shipped - timedelta(days=20),
        reply_due_date=shipped,
        dispatch_date=shipped,
        expected_arrival_date=None,
        decision=None,
        replied_on=None,
        received_on=None,
        withdrawn=False,
        suspended=False,
        items=(item,),
        arrival_items=(),
        parties=(PartyFacts("exporter", "E", "Chemwerk"), PartyFacts("importer", "I", "Lagos")),
    )


def _replay(records: list[NotificationFacts]) -> set[str]:
    params = {"count": 3, "window_days": 30}
    keys: set[str] = set()
    stored: list[NotificationFacts] = []
    for n in records:
        first, last = split_consignment.span(n.shipped_on, params)
        related = [s for s in stored if first <= s.shipped_on <= last]
        keys |= {f.fingerprint for f in split_consignment.evaluate(n, related, params)}
        stored.append(n)
    return keys


@pytest.mark.pure
@pytest.mark.parametrize("seed", range(40))
def test_split_keys_are_the_same_in_any_arrival_order(seed):
    rng = random.Random(seed)
    start = date(2026, 10, 1)
    records = [
        _facts(i, start + timedelta(days=rng.randrange(150))) for i in range(rng.randrange(3, 12))
    ]
    expected = _replay(sorted(records, key=lambda n: (n.shipped_on, n.id)))
    for _ in range(5):
        rng.shuffle(records)
        assert _replay(records) == expected
