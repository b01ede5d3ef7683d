"""The equivalence digest: one world, loaded every way and in several orders, stores one outcome.

The world of tests/ingest/world.py (about 50 records) is loaded three ways — single POSTs, the
batch endpoints in batches of 50, and the bulk `Importer` in one set of 1,000 lines — each in three
orders (shuffled by a seed, every reply and arrival after its notification). Each load ends with a
digest read through the HTTP API with an admin key:

- `records`: each notification's status (derived from its facts, DESIGN.md 2.1);
- `parties`: which spellings on which records resolve to one entity, as groups of
  "REFERENCE role: spelling" (never generated ids);
- `links`: (seizure reference, notification reference, linked, score to 3 places) from
  `GET /v1/notifications/{id}/links`;
- `alerts`: the open alerts — rule, severity and subjects by reference (a party by the first
  mention of its group) — read by following `GET /v1/alerts?include_monitor=true` to its end and
  keeping the latest state per alert id. Closed alerts are history that depends on the order (a
  MISSING_ALR or SEIZURE_CLUSTER raised, then answered), so only open ones are compared.

All nine digests must be equal, first as structures (the failure lists, per load, what is
missing and what is extra against the first load) and then as a sha256 of their canonical JSON.

Order dependences of the current design that the world is shaped to avoid (the digest itself
is not weakened for them; each would show as a difference here):
- an open alert's subjects only grow: a repeated firing merges them as a union
  (app/alerts/service.py `_fired_again`). So a notification counted in an ALR_EXCEEDED total and
  objected (or withdrawn) afterwards stays a subject, while an order in which the objection came
  first never lists it; and a seizure that joined a SEIZURE_CLUSTER stays in it after a later
  notification explains (links) it, if two others still hold the cluster open. The world objects
  to no ALR-counted notification and links none of its clustered seizures.
- correlation buckets (substance family, country, quarter) are dropped when they hold more than
  10 records, and give at most 20 weak candidates, taken in record-id order: past these bounds
  the weak links stored depend on the order (a bucket outgrows its cap before or after the other
  side looks it up: 11 notifications then a seizure store no weak link, the seizure first stores
  11) and on generated ids. `test_the_world_stays_within_the_correlation_caps` checks the world.
- incident rules read at most 20 refusals/incidents per party (README "Alerts"): no party here
  is named on 20 records.
- fuzzy party resolution can chain (A ~ B, B ~ C, A !~ C: B joins whichever came first): every
  spelling of an entity here normalises to the same name.
"""

import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest

from app.auth import service as auth_service
from app.bulk import Importer
from app.bulk_lines import Line, LineError, parse_line
from app.correlation.service import BUCKET_BUDGET, BUCKET_CAP
from app.kit.clock import Clock
from app.matching import keys as keyspace
from app.records.facts import ItemFacts, NotificationFacts, SeizureFacts, item_facts
from app.reference.substances import catalogue
from tests.alerts.api import alerts_now
from tests.conftest import bearer
from tests.ingest.world import ALRS, AUTHORITIES, Record, build, orders

SEEDS = (1, 2, 3)
BATCH = 50
IMPORT_SET = 1000
Auth = dict[str, tuple[str, str]]  # country (or "admin") -> (authority id, api key)
Digest = dict[str, Any]
# Rules the world is built to fire: a digest without one of them guards less than it claims.
EXPECTED_RULES = {
    "ALR_EXCEEDED",
    "ARRIVAL_AFTER_OBJECTION",
    "COMPANY_SHOPPING",
    "MISSING_ALR",
    "NO_LEGITIMATE_USE",
    "PARTY_IN_PRIOR_INCIDENT",
    "QUANTITY_SHORTFALL",
    "ROUTE_RISK",
    "SEIZURE_CLUSTER",
    "SEIZURE_MATCHES_NOTIFICATION",
    "SPLIT_CONSIGNMENT",
    "SUBSTANCE_MISMATCH",
}


# --- setting up and loading -------------------------------------------------------------------


async def setup(app: Any, client: httpx.AsyncClient, clock: Clock) -> Auth:
    """Create the authorities (and an admin) and set the world's ALRs."""
    auth: Auth = {}
    async with app.state.sessionmaker() as session:
        for country in AUTHORITIES:
            authority, key = await auth_service.create_authority(
                session,
                country=country,
                name=f"Authority {country}",
                roles=["reporter", "viewer", "investigator"],
                now=clock.now(),
            )
            auth[country] = (authority.id, key)
        authority, key = await auth_service.create_authority(
            session, country="FR", name="Admin", roles=["admin"], now=clock.now()
        )
        auth["admin"] = (authority.id, key)
        await session.commit()
    for country, substance, year, kg in ALRS:
        r = await client.put(
            f"/v1/alr/{country}/{substance}/{year}", json={"kg": kg}, headers=key_of(auth, country)
        )
        assert r.status_code == 200, r.text
    return auth


def key_of(auth: Auth, country: str) -> dict[str, str]:
    return bearer(auth[country][1])


def path_of(record: Record) -> str:
    return "/v1/notifications" if record.kind == "notification" else "/v1/seizures"


async def post_follow_up(
    client: httpx.AsyncClient, auth: Auth, ids: dict[str, str], record: Record
) -> None:
    """POST a reply or an arrival to its (stored) notification."""
    assert record.notification is not None
    nid = ids[record.notification]
    r = await client.post(
        f"/v1/notifications/{nid}/{record.kind}",
        json=record.body,
        headers=key_of(auth, record.authority),
    )
    assert r.status_code == 200, (record.key, r.text)


async def load_single(
    app: Any, client: httpx.AsyncClient, clock: Clock, auth: Auth, order: list[Record]
) -> None:
    """One POST per record."""
    ids: dict[str, str] = {}
    for record in order:
        if record.notification is not None:
            await post_follow_up(client, auth, ids, record)
            continue
        r = await client.post(
            path_of(record), json=record.body, headers=key_of(auth, record.authority)
        )
        assert r.status_code == 201, (record.key, r.text)
        ids[record.key] = r.json()["id"]


async def load_batches(
    app: Any, client: httpx.AsyncClient, clock: Clock, auth: Auth, order: list[Record]
) -> None:
    """Notifications and seizures gathered per (kind, authority) into batches of up to 50 in the
    order drawn, each batch sent when full or at the end (in the order of its first record), so
    that whole lanes share one set. A reply or arrival goes to its own endpoint as soon as its
    notification is stored: at once if it is, else right after that notification's batch."""
    ids: dict[str, str] = {}
    pending: dict[tuple[str, str], list[Record]] = {}
    waiting: dict[str, list[Record]] = defaultdict(list)  # by notification reference

    async def send(group: tuple[str, str]) -> None:
        records = pending.pop(group)
        r = await client.post(
            f"{path_of(records[0])}/batch",
            json={"items": [x.body for x in records]},
            headers=key_of(auth, group[1]),
        )
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert [x["status"] for x in results] == [201] * len(records), results
        ids.update((x.key, res["id"]) for x, res in zip(records, results, strict=True))
        follow_ups = [f for x in records for f in waiting.pop(x.key, [])]
        for follow_up in sorted(follow_ups, key=order.index):
            await post_follow_up(client, auth, ids, follow_up)

    for record in order:
        if record.notification is not None:
            if record.notification in ids:
                await post_follow_up(client, auth, ids, record)
            else:
                waiting[record.notification].append(record)
            continue
        group = (record.kind, record.authority)
        pending.setdefault(group, []).append(record)
        if len(pending[group]) == BATCH:
            await send(group)
    for group in list(pending):
        await send(group)
    assert not waiting


def line(record: Record) -> dict[str, Any]:
    """A bulk import line (authorities named by country through the authority map)."""
    out: dict[str, Any] = {"type": record.kind, "authority": record.authority, "body": record.body}
    if record.notification is not None:
        out |= {"reference": record.notification, "exporter_authority": record.exporter}
    return out


async def load_import(
    app: Any, client: httpx.AsyncClient, clock: Clock, auth: Auth, order: list[Record]
) -> None:
    """The bulk importer, in sets of 1,000 lines (the world is one set)."""
    authority_map = {c: a for c, (a, _) in auth.items() if c != "admin"}
    importer = Importer(app.state.sessionmaker, clock, authority_map, batch=IMPORT_SET)
    lines: list[Line | LineError] = [parse_line(json.dumps(line(r))) for r in order]
    for start in range(0, len(lines), IMPORT_SET):
        chunk = lines[start : start + IMPORT_SET]
        outcomes = await importer.store_batch(chunk)
        errors = [
            (r.key, o.errors)
            for r, o in zip(order[start:], outcomes, strict=False)
            if isinstance(o, LineError)
        ]
        assert errors == []
        assert all(created for created, _ in outcomes)  # type: ignore[misc]


Loader = Callable[[Any, httpx.AsyncClient, Clock, Auth, list[Record]], Awaitable[None]]
WAYS: dict[str, Loader] = {"single": load_single, "batch": load_batches, "import": load_import}


# --- the digest ---------------------------------------------------------------------------------


async def every(client: httpx.AsyncClient, admin: dict[str, str], path: str) -> list[Any]:
    """Every item of a list, following its cursors."""
    items: list[Any] = []
    params: dict[str, Any] = {"limit": 500}
    while True:
        r = await client.get(path, params=params, headers=admin)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        params["cursor"] = page["next_cursor"]


def mentions(record: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(role, party) of every party a stored notification or seizure names."""
    if "parties" in record:
        return [(p["role"], p) for p in record["parties"]]
    named = [(role, record[role]) for role in ("exporter", "importer", "consignee") if record[role]]
    return named + [(p["role"], p) for p in record["other_parties"]]


async def digest(client: httpx.AsyncClient, auth: Auth) -> Digest:
    """What the store says, by reference only."""
    admin = key_of(auth, "admin")
    notes = await every(client, admin, "/v1/notifications")
    seized = await every(client, admin, "/v1/seizures")
    ref = {r["id"]: r["reference"] for r in notes + seized}

    canonical: dict[str, str] = {}

    async def entity(party_id: str) -> str:
        """The live entity of a party id (merged ids follow)."""
        if party_id not in canonical:
            r = await client.get(f"/v1/parties/{party_id}", headers=admin)
            assert r.status_code == 200, r.text
            canonical[party_id] = r.json()["id"]
        return canonical[party_id]

    groups: dict[str, list[str]] = defaultdict(list)
    for record in notes + seized:
        for role, p in mentions(record):
            groups[await entity(p["party_id"])].append(f"{record['reference']} {role}: {p['name']}")
    label = {pid: min(group) for pid, group in groups.items()}

    links = []
    for n in notes:
        r = await client.get(f"/v1/notifications/{n['id']}/links", headers=admin)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["redacted"] == []
        links += [
            [i["seizure"]["reference"], n["reference"], i["linked"], round(i["score"], 3)]
            for i in page["items"]
        ]

    alerts = []
    for a in await alerts_now(client, admin):
        if a["status"] == "closed":
            continue
        subjects = a["subjects"]
        assert a.get("redacted_subjects") in (None, [])
        alerts.append(
            {
                "rule": a["rule"],
                "severity": a["severity"],
                "notifications": sorted(ref[i] for i in subjects["notifications"]),
                "seizures": sorted(ref[i] for i in subjects["seizures"]),
                "parties": sorted([label[await entity(i)] for i in subjects["parties"]]),
            }
        )

    return {
        "records": sorted([n["reference"], n["status"]] for n in notes)
        + sorted([s["reference"], s["type"]] for s in seized),
        "parties": sorted(sorted(g) for g in groups.values()),
        "links": sorted(links),
        "alerts": sorted(alerts, key=canonical_json),
    }


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def sha(d: Digest) -> str:
    return hashlib.sha256(canonical_json(d).encode()).hexdigest()


def differences(expected: Digest, got: Digest) -> list[str]:
    """Per section, the entries only one side has (a readable diff of two digests); a party
    group that changed is shown by the mentions it lost and gained."""
    lines = []
    for section in expected:
        want = Counter(canonical_json(x) for x in expected[section])
        have = Counter(canonical_json(x) for x in got[section])
        missing: list[Any] = [json.loads(x) for x in sorted((want - have).elements())]
        extra: list[Any] = [json.loads(x) for x in sorted((have - want).elements())]
        if section == "parties":
            for group in list(missing):
                overlap: list[str] = max(
                    extra, key=lambda other: len(set(group) & set(other)), default=[]
                )
                if set(group) & set(overlap):
                    missing.remove(group)
                    extra.remove(overlap)
                    lines.append(
                        f"  parties: the group of {min(group)!r} lost "
                        f"{sorted(set(group) - set(overlap))}, gained "
                        f"{sorted(set(overlap) - set(group))}"
                    )
        lines += [f"  {section}: missing {canonical_json(x)}" for x in missing]
        lines += [f"  {section}: extra   {canonical_json(x)}" for x in extra]
    return lines


def summary(d: Digest) -> str:
    rules = Counter(a["rule"] for a in d["alerts"])
    linked = sum(1 for *_, is_linked, _ in d["links"] if is_linked)
    return (
        f"{len(d['records'])} records, {len(d['parties'])} parties, {len(d['links'])} links "
        f"({linked} linked), {len(d['alerts'])} open alerts: "
        + ", ".join(f"{r} {n}" for r, n in sorted(rules.items()))
    )


# --- the tests ----------------------------------------------------------------------------------


async def test_every_way_and_order_stores_the_same_digest(
    app: Any, client: httpx.AsyncClient, clock: Clock
) -> None:
    world = build()
    digests: dict[str, Digest] = {}
    for way, load in WAYS.items():
        for seed in SEEDS:
            await app.state.reset()
            auth = await setup(app, client, clock)
            started = time.perf_counter()
            await load(app, client, clock, auth, orders(world, seed))
            digests[f"{way}/seed {seed}"] = await digest(client, auth)
            print(f"{way}/seed {seed}: {time.perf_counter() - started:.1f} s")

    (first, expected), *others = digests.items()
    print(summary(expected))
    assert {a["rule"] for a in expected["alerts"]} >= EXPECTED_RULES, summary(expected)
    report = []
    for name, got in others:
        if got != expected:
            report += [f"{name} differs from {first}:", *differences(expected, got)]
    assert report == [], "\n".join(report)
    assert {name: sha(d) for name, d in digests.items()} == dict.fromkeys(digests, sha(expected))


@pytest.mark.pure
def test_the_world_stays_within_the_correlation_caps() -> None:
    """No correlation bucket of the world holds more than BUCKET_CAP records of a kind, and no
    record finds more than BUCKET_BUDGET weak (bucket-only) candidates: past either bound, which
    weak links are stored depends on the order (a bucket grows past its cap before or after the
    other side looks it up) and on generated ids (the budget takes candidates in id order)."""
    cat = catalogue()

    def items(body: dict[str, Any]) -> tuple[ItemFacts, ...]:
        found = (cat.resolve(i["substance"]).substance for i in body["items"])
        return tuple(item_facts(s.code, 0, 0) for s in found)

    def day(value: str | None) -> date | None:
        return None if value is None else date.fromisoformat(value)

    notes, seized = [], []
    for r in build():
        b = r.body
        if r.kind == "notification":
            notes.append(
                NotificationFacts(
                    id=r.key,
                    reference=r.key,
                    exporting_country=r.authority,
                    importing_country=b["importing_country"],
                    transit_countries=tuple(b["transit_countries"]),
                    notified_on=date.fromisoformat(b["notified_on"]),
                    reply_due_date=date.fromisoformat(b["notified_on"]),  # not in the keys
                    dispatch_date=day(b["dispatch_date"]),
                    items=items(b),
                    parties=(),
                )
            )
        elif r.kind == "seizure":
            seized.append(
                SeizureFacts(
                    id=r.key,
                    reference=r.key,
                    type=b["type"],
                    reporting_country=r.authority,
                    country=b["country"],
                    place=None,
                    occurred_on=date.fromisoformat(b["occurred_on"]),
                    items=items(b),
                    parties=(),
                    origin_country=b["origin_country"],
                    destination_country=b["destination_country"],
                    transit_countries=tuple(b["transit_countries"]),
                )
            )
    stored = {
        "notification": {n.id: keyspace.notification_keys(n) for n in notes},
        "seizure": {s.id: keyspace.seizure_keys(s) for s in seized},
    }
    for kind, held in stored.items():
        buckets = Counter(k for keys in held.values() for k in keys if k[0] == keyspace.BUCKET)
        assert max(buckets.values()) <= BUCKET_CAP, (kind, buckets.most_common(3))
    lookups = [("notification", s.id, keyspace.seizure_lookups(s)) for s in seized] + [
        ("seizure", n.id, keyspace.notification_lookups(n)) for n in notes
    ]
    for kind, record, wanted in lookups:
        weak = {i for i, keys in stored[kind].items() if keys & wanted}
        assert len(weak) <= BUCKET_BUDGET, (record, sorted(weak))
