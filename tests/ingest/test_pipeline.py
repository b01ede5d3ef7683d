"""The pipeline's set stages read once for a whole set what each record used to read for itself."""

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event, text
from stdnum import iso6346

from app.auth import service as auth_service
from app.bulk import Importer
from app.bulk_lines import parse_line
from app.kit.clock import Clock
from tests.alerts.api import alerts_now
from tests.conftest import bearer
from tests.payloads import notification, seizure

SET = 12


@contextmanager
def statements(app: Any) -> Iterator[Counter[str]]:
    """Count the statements the app sends, by the table they read first (the candidates of
    parties by `party_blocks` wherever it stands: PostgreSQL reads it in a LATERAL join)."""
    seen: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        flat = " ".join(sql.split())
        by_key = "correlation_keys.value = " in flat and "correlation_keys.key_type" in flat
        if by_key:
            kind = "notification" if "notification" in str(params) else "seizure"
            seen[f"{kind} keys looked up"] += 1
        if "FROM correlation_keys WHERE" in flat and "correlation_keys.record_id IN" in flat:
            seen["keys of records"] += 1
        if flat.startswith("SAVEPOINT"):
            seen["savepoint"] += 1
        if written := re.match(r"(INSERT INTO|UPDATE) (\w+)", flat):
            seen[f"{written.group(1).split()[0].lower()} {written.group(2)}"] += 1
        if flat.startswith("SELECT") and (table := re.search(r"FROM (\w+)", flat)):
            by_pairs = "(notifications.authority_id, notifications.reference) IN" in flat
            blocks = "FROM party_blocks" in flat
            naming = re.match(
                r"SELECT (anon_\d+|e|hits)\.party_id, (anon_\d+|hit|hits)\.record_id, \S+\.role",
                flat,
            )
            lane = "coalesce(notifications.dispatch_date" in flat
            links_of = re.match(r"SELECT links\.\S+ .*FROM links WHERE links\.\w+_id = ", flat)
            name = "party_blocks" if blocks else table.group(1)
            name = "records naming parties" if naming else "links of a record" if links_of else name
            name = "lane look-ups" if lane else name
            if "route_marks.route = " in flat:
                name = "route windows"
            name = "ignored parties" if "parties.normalized_name IN" in flat else name
            seen["notifications by references" if by_pairs else name] += 1

    sync = app.state.engine.sync_engine
    event.listen(sync, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(sync, "before_cursor_execute", count)


def drafts(n: int) -> list[dict[str, Any]]:
    return [
        notification(
            f"DE-SET-{i:03d}",
            exporter={"name": f"Exportwerk {chr(65 + i)}{chr(75 + i)} GmbH", "country": "DE"},
            importer={"name": f"Importadora {chr(66 + i)}{chr(80 + i)} Ltd", "country": "NG"},
            consignee=None,
            other_parties=[],
            containers=[],
            bill_of_lading=None,
            invoice_number=None,
        )
        for i in range(n)
    ]


async def test_a_batch_reads_its_parties_and_stored_references_once(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    key = await make_key("DE")
    bodies = drafts(SET)
    stored = await client.post(
        "/v1/notifications/batch", json={"items": bodies[:2]}, headers=bearer(key)
    )
    assert [r["status"] for r in stored.json()["results"]] == [201, 201]

    with statements(app) as seen:
        r = await client.post(
            "/v1/notifications/batch", json={"items": bodies}, headers=bearer(key)
        )
    assert [x["status"] for x in r.json()["results"]] == [200, 200] + [201] * (SET - 2)
    assert seen["notifications by references"] == 1  # not one look-up per record
    assert seen["party_blocks"] == 1  # the candidates of every party of the set
    assert seen["party_aliases"] <= 1
    assert seen["insert record_events"] == 1  # the set's history entries, at its commit
    assert seen["savepoint"] == 1  # the set's, none a record: no draft was refused

    # The records resolved against the set's pool exactly as one at a time: both parties of each
    # record are entities of their own, and a replay names the entities of the first post.
    listed = await client.get("/v1/notifications", params={"limit": 100}, headers=bearer(key))
    exporters = {n["reference"]: n["exporter"]["party_id"] for n in listed.json()["items"]}
    assert len(set(exporters.values())) == SET


async def test_a_batch_writes_its_records_and_their_children_in_one_statement_a_table(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """The records of a set are inserted together (`replays.insert_set`), and so are their
    items, parties, countries and correlation keys (app.kit.deferred), not one statement a
    record; each record still has its own.
    (No transit country: ROUTE_RISK's look-up through a transit country reads the keys, which
    writes those deferred first.)"""
    key = await make_key("DE")
    containers = [f"MSCU{i:06d}" for i in range(SET)]
    bodies = [
        {**body, "containers": [c + iso6346.calc_check_digit(c)], "transit_countries": []}
        for c, body in zip(containers, drafts(SET), strict=True)
    ]
    with statements(app) as seen:
        r = await client.post(
            "/v1/notifications/batch", json={"items": bodies}, headers=bearer(key)
        )
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201] * SET
    tables = ("notifications", "record_items", "record_parties", "record_countries")
    for table in (*tables, "correlation_keys"):
        assert seen[f"insert {table}"] == 1, (table, seen)

    importer = await make_key("NG")  # sees them through their countries only
    for body, result in zip(bodies, results, strict=True):
        got = (
            await client.get(f"/v1/notifications/{result['id']}", headers=bearer(importer))
        ).json()
        assert (got["exporter"]["name"], got["containers"]) == (
            body["exporter"]["name"],
            body["containers"],
        )
        assert [i["base_kg"] > 0 for i in got["items"]] == [True]
    nl = await make_key("NL")
    found = seizure("NL-SET-CHILDREN", containers=bodies[5]["containers"], parties=[])
    assert (await client.post("/v1/seizures", json=found, headers=bearer(nl))).status_code == 201
    links = await client.get(f"/v1/notifications/{results[5]['id']}/links", headers=bearer(key))
    assert [x["linked"] for x in links.json()["items"]] == [True]  # through its container key


async def test_a_batch_reads_the_facts_of_a_stored_record_once(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """Seizures of one batch that all point at one stored notification: its facts (items and
    parties) are read once for the set, not by each seizure's correlation and rules again, and
    the records naming its consignee are counted once per kind (the set adds its own)."""
    de, nl = await make_key("DE"), await make_key("NL")
    r = await client.post("/v1/notifications", json=notification("DE-FACTS-1"), headers=bearer(de))
    assert r.status_code == 201, r.text
    notification_id = r.json()["id"]
    bodies = [seizure(f"NL-FACTS-{i:03d}") for i in range(SET)]

    with statements(app) as seen:
        r = await client.post("/v1/seizures/batch", json={"items": bodies}, headers=bearer(nl))
    assert [x["status"] for x in r.json()["results"]] == [201] * SET
    assert seen["record_items"] == 1  # the notification's items; the seizures' own are kept
    # Its parties; the incident rules choose the records naming a party from the records naming
    # it (read once per kind for the set, the set's own added as written), not by a look-up each.
    assert seen["record_parties"] <= 1
    assert 1 <= seen["records naming parties"] <= 2
    assert seen["links of a record"] == 0  # each new seizure's links are those it just stored
    # A new alert's fingerprint is claimed for its id as it is inserted: no update follows.
    assert seen["insert alerts"] >= 1
    assert seen["update alert_fingerprints"] == 0
    assert seen["insert record_alerts"] == 1  # which record raised which alert, at commit

    # Every seizure was scored against the notification read once, and linked to it.
    links = await client.get(f"/v1/notifications/{notification_id}/links", headers=bearer(de))
    assert links.status_code == 200, links.text
    assert sum(1 for x in links.json()["items"] if x["linked"]) == SET


async def test_a_batch_looks_up_its_correlation_keys_at_once(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """Seizures of one batch, each in a container of its own: what their correlation looks up
    (containers, buckets, the keys of their parties' entities) is read for the set at once, not
    by each seizure; the one seized in the notified container is still linked to it."""
    de, nl = await make_key("DE"), await make_key("NL")
    r = await client.post("/v1/notifications", json=notification("DE-KEYS-1"), headers=bearer(de))
    assert r.status_code == 201, r.text
    notification_id = r.json()["id"]
    containers = [f"TGHU{i:06d}" for i in range(SET - 1)]
    containers = [c + iso6346.calc_check_digit(c) for c in containers] + ["MSCU1234566"]
    bodies = [seizure(f"NL-KEYS-{i:03d}", containers=[c]) for i, c in enumerate(containers)]

    with statements(app) as seen:
        r = await client.post("/v1/seizures/batch", json={"items": bodies}, headers=bearer(nl))
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201] * SET
    # Once for the set; once more for an entity matched by similarity (not spelled as stored).
    assert 1 <= seen["notification keys looked up"] <= 2

    links = await client.get(f"/v1/notifications/{notification_id}/links", headers=bearer(de))
    linked = {x["seizure"]["id"] for x in links.json()["items"] if x["linked"]}
    assert results[-1]["id"] in linked


async def test_a_batch_clusters_its_seizures_on_what_it_read_at_once(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """Unlinked seizures of one batch, two in each container, cluster in pairs: the seizures
    holding each of their keys were read for the set at once, and each seizure's own keys are
    those it just wrote, not read back."""
    nl = await make_key("NL")
    containers = [f"TGHU{i // 2:06d}" for i in range(SET)]
    bodies = [
        seizure(f"NL-CLUSTER-{i:03d}", containers=[c + iso6346.calc_check_digit(c)], parties=[])
        for i, c in enumerate(containers)
    ]

    with statements(app) as seen:
        r = await client.post("/v1/seizures/batch", json={"items": bodies}, headers=bearer(nl))
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201] * SET
    assert seen["seizure keys looked up"] == 1
    assert seen["keys of records"] == 0
    assert seen["insert seizures"] == 1  # the set's seizures, at once

    for first, second in zip(results[::2], results[1::2], strict=True):
        [cluster] = [a for a in second["alerts"] if a["rule"] == "SEIZURE_CLUSTER"]
        assert cluster["subjects"]["seizures"] == sorted([first["id"], second["id"]])


async def test_a_batch_reads_the_records_of_its_parties_entities_at_once(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """Seizures of other goods, each naming the importer of another stored notification as
    spelled there: the notifications they meet only through those entities are read for the
    set at once, not one by each seizure's correlation."""
    de, nl = await make_key("DE"), await make_key("NL")
    stored = drafts(4)
    r = await client.post("/v1/notifications/batch", json={"items": stored}, headers=bearer(de))
    assert [x["status"] for x in r.json()["results"]] == [201] * 4
    anhydride = [{"substance": "acetic anhydride", "quantity": 100, "unit": "kg"}]
    bodies = [
        seizure(
            f"NL-ENTITY-{i:03d}",
            items=anhydride,
            containers=[],
            parties=[{"role": "consignee", **body["importer"]}],
        )
        for i, body in enumerate(stored)
    ]

    with statements(app) as seen:
        r = await client.post("/v1/seizures/batch", json={"items": bodies}, headers=bearer(nl))
    assert [x["status"] for x in r.json()["results"]] == [201] * 4
    assert seen["record_items"] <= 1  # the four notifications' items, in one statement


async def test_a_record_linked_later_in_the_set_is_judged_on_its_new_links(
    app: Any, client: httpx.AsyncClient, clock: Clock, make_key: Any
) -> None:
    """One import set: a notification (its links kept: none), a seizure that links to it, then
    Nigeria's objection. The reply's rules read the notification's links again (the seizure's
    link dropped what was kept), so the match turns critical (seized after an objection)."""
    ids: dict[str, str] = {}
    async with app.state.sessionmaker() as session:
        for country in ("DE", "NL", "NG"):
            roles = ["reporter", "viewer", "investigator"]
            authority, _ = await auth_service.create_authority(
                session, country=country, name=f"A {country}", roles=roles, now=clock.now()
            )
            ids[country] = authority.id
        await session.commit()
    objection = {"decision": "objection", "reason": "end user unknown", "replied_on": "2026-11-10"}
    lines = [
        {"type": "notification", "authority": "DE", "body": notification("DE-SET-LINK")},
        {"type": "seizure", "authority": "NL", "body": seizure("NL-SET-LINK")},
        {
            "type": "reply",
            "authority": "NG",
            "reference": "DE-SET-LINK",
            "exporter_authority": "DE",
            "body": objection,
        },
    ]
    importer = Importer(app.state.sessionmaker, clock, ids, batch=10)
    outcomes = await importer.store_batch([parse_line(json.dumps(x)) for x in lines])
    assert all(isinstance(o, tuple) for o in outcomes), outcomes

    admin = bearer(await make_key("FR", "admin"))
    matches = await alerts_now(client, admin, rule="SEIZURE_MATCHES_NOTIFICATION")
    assert [a["severity"] for a in matches] == ["critical"]


async def test_a_refused_item_leaves_no_history_entry(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """History entries wait for the commit; one of an item refused while it was written goes
    with the item's savepoint."""
    key = await make_key("DE")
    bodies = drafts(3)
    bodies[1]["importing_country"] = "DE"  # refused when written: the exporter's own country
    r = await client.post("/v1/notifications/batch", json={"items": bodies}, headers=bearer(key))
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201, 422, 201], results
    # Written again one by one: the first is stored once, under the reference it gave.
    listed = await client.get("/v1/notifications", params={"limit": 100}, headers=bearer(key))
    assert sorted(n["id"] for n in listed.json()["items"]) == sorted(
        x["id"] for x in (results[0], results[2])
    )
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(text("SELECT record_id, event FROM record_events"))).all()
    assert sorted(rows) == sorted((x["id"], "created") for x in (results[0], results[2]))
    history = await client.get(f"/v1/notifications/{results[0]['id']}/history", headers=bearer(key))
    assert [e["event"] for e in history.json()["items"]] == ["created"]


async def test_a_batch_asks_about_its_known_parties_at_once(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """A batch naming parties stored before (each spelled as stored): how many records name
    each, and whether it carries an ignored name, are read for the whole set at once, not by
    each record's incident rules."""
    key = await make_key("DE")
    stored = drafts(SET)
    r = await client.post("/v1/notifications/batch", json={"items": stored}, headers=bearer(key))
    assert [x["status"] for x in r.json()["results"]] == [201] * SET
    again = [{**body, "reference": f"DE-AGAIN-{i:03d}"} for i, body in enumerate(stored)]

    with statements(app) as seen:
        r = await client.post("/v1/notifications/batch", json={"items": again}, headers=bearer(key))
    assert [x["status"] for x in r.json()["results"]] == [201] * SET
    assert seen["records naming parties"] <= 2  # per kind, for every party of the set
    assert seen["lane look-ups"] == 0  # each lane's notifications come from those lists
    assert seen["annual_requirements"] <= 1  # Nigeria's ephedrine ALRs, kept for the set
    assert seen["ignored parties"] == 1  # which of them carry an ignored name

    # The counts the rules saw were right: the same entities as the first batch's.
    listed = await client.get("/v1/notifications", params={"limit": 100}, headers=bearer(key))
    exporters = Counter(n["exporter"]["party_id"] for n in listed.json()["items"])
    assert sorted(exporters.values()) == [2] * SET


async def test_a_replay_in_the_same_batch_answers_with_the_alerts_raised(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """Which alerts a record's creation raised is written at commit; a replay of it later in
    the same batch answers with them all the same."""
    key = await make_key("DE")
    body = notification("DE-TWICE-1")
    r = await client.post(
        "/v1/notifications/batch", json={"items": [body, body]}, headers=bearer(key)
    )
    first, replay = r.json()["results"]
    assert (first["status"], replay["status"]) == (201, 200)
    raised = {a["rule"] for a in first["alerts"]}
    assert raised  # MISSING_ALR at least: Nigeria has no ephedrine ALR here
    assert [a["id"] for a in replay["alerts"]] == [a["id"] for a in first["alerts"]]

    again = await client.post("/v1/notifications", json=body, headers=bearer(key))
    assert again.status_code == 200
    assert {a["id"] for a in again.json()["alerts"]} == {a["id"] for a in first["alerts"]}


async def test_an_alert_fired_again_in_its_set_is_taken_from_the_set(
    app: Any, client: httpx.AsyncClient, make_key: Any
) -> None:
    """Four seizures in one container: the second raises the cluster alert and the next two
    fire it again. The alert the set created is taken where the set holds it, not read back,
    and it is written once, with the set's others."""
    nl = await make_key("NL")
    container = "TGHU777777" + iso6346.calc_check_digit("TGHU777777")
    bodies = [seizure(f"NL-AGAIN-{i}", containers=[container], parties=[]) for i in range(4)]
    with statements(app) as seen:
        r = await client.post("/v1/seizures/batch", json={"items": bodies}, headers=bearer(nl))
    results = r.json()["results"]
    assert [x["status"] for x in results] == [201] * 4
    clusters = [[a for a in x["alerts"] if a["rule"] == "SEIZURE_CLUSTER"] for x in results]
    assert [len(c) for c in clusters] == [0, 1, 1, 1]
    assert len({c[0]["id"] for c in clusters[1:]}) == 1
    assert len(clusters[3][0]["subjects"]["seizures"]) == 4
    # One read of alerts: whether an open cluster alert stands for the first seizure's key
    # (its resolver's); none to read back the alert the set created.
    assert seen["alerts"] == 1
    assert seen["insert alerts"] == 1
