"""Quality, measured: precision and recall of seizure -> notification links on a labelled world.

The world (``tests/quality/generator.py``) is posted through the HTTP API in three phases:
notifications, then seizures, then the late notifications (posted after their seizures). The
links are read back with an admin key from ``GET /v1/notifications/{id}/links``; a pair is
predicted when its link says ``linked``. The test prints a table of true positives, false
positives and false negatives per case class, with examples (bodies, score and evidence, the
seizure's trace), and writes it to ``tests/quality/results.md`` when ``PA_WRITE_QUALITY=1``.
"""

import json
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from tests.conftest import KeyMaker, bearer
from tests.quality.generator import (
    COMPANIES,
    World,
    build_world,
    phases,
)

SEED = int(os.environ.get("PA_QUALITY_SEED", "2026"))  # another seed, another world
MIN_PRECISION = 0.98
MIN_RECALL = 0.95
ADMIN_COUNTRY, ADMIN_ROLES = "CH", "admin,viewer,investigator"
BATCH = 1000
RESULTS = Path(__file__).with_name("results.md")
EXAMPLES_PER_CLASS = 2

Pair = tuple[str, str]  # (seizure reference, notification reference)


async def _post(
    client: httpx.AsyncClient, keys: dict[str, str], path: str, records: list[tuple[str, Any]]
) -> dict[str, str]:
    """Post bodies in batches per reporting country; return reference -> id."""
    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for country, body in records:
        by_country[country].append(body)
    ids: dict[str, str] = {}
    for country in sorted(by_country):
        bodies = by_country[country]
        for start in range(0, len(bodies), BATCH):
            chunk = bodies[start : start + BATCH]
            response = await client.post(path, json={"items": chunk}, headers=bearer(keys[country]))
            assert response.status_code == 200, response.text
            for result in response.json()["results"]:
                body = chunk[result["index"]]
                assert result["status"] == 201, (result, body)
                ids[body["reference"]] = result["id"]
    return ids


async def _links(
    client: httpx.AsyncClient, key: str, notification_ids: dict[str, str]
) -> dict[Pair, dict[str, Any]]:
    """Every stored link (linked or not) from the notifications' side."""
    out: dict[Pair, dict[str, Any]] = {}
    for reference, nid in notification_ids.items():
        response = await client.get(f"/v1/notifications/{nid}/links", headers=bearer(key))
        assert response.status_code == 200, response.text
        page = response.json()
        assert not page["redacted"], "the admin sees every record"
        for item in page["items"]:
            out[(item["seizure"]["reference"], reference)] = item
    return out


# --- classification ----------------------------------------------------------------------------


def _receivers(world: World, seizure_ref: str) -> set[str]:
    s = world.seizure(seizure_ref)
    return {k for k in s.companies if COMPANIES[k].role == "importer"}


def fp_class(world: World, pair: Pair) -> str:
    """Name the case class of a false positive."""
    planted = world.lures.get(pair)
    if planted is not None:
        return planted
    s, n = world.seizure(pair[0]), world.notification(pair[1])
    if s.label is None:
        return f"{s.tags[0]} (not its lure)"
    shared = []
    if n.exporter in s.companies:
        shared.append("exporter")
    if _receivers(world, s.reference) & {n.importer, n.consignee}:
        shared.append("receiver")
    if n.goods.family == world.notification(s.label).goods.family:
        shared.append("family")
    days = (s.occurred_on - n.dispatch).days
    return f"unplanned: shares {'+'.join(shared) or 'nothing named'}; {days} d after dispatch"


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def _table(header: list[str], rows: Iterable[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


async def _example(
    client: httpx.AsyncClient,
    key: str,
    world: World,
    pair: Pair,
    links: dict[Pair, dict[str, Any]],
    seizure_ids: dict[str, str],
) -> list[str]:
    s, n = world.seizure(pair[0]), world.notification(pair[1])
    link = links.get(pair)
    lines = [
        f"- seizure `{s.reference}` ({', '.join(s.tags)}) / notification `{n.reference}` ({n.kind})"
    ]
    if link is None:
        lines.append("  - no stored link (score below the store threshold, or never a candidate)")
    else:
        evidence = ", ".join(f"{e['feature']} {e['weight']:+g}" for e in link["evidence"])
        lines.append(f"  - score {link['score']} linked={link['linked']}: {evidence}")
    lines.append(f"  - seizure: `{json.dumps(s.body, ensure_ascii=False)}`")
    lines.append(f"  - notification: `{json.dumps(n.body, ensure_ascii=False)}`")
    if s.label and s.label != n.reference:
        lines.append(f"  - its true notification: `{s.label}`")
    response = await client.get(
        f"/v1/seizures/{seizure_ids[s.reference]}/trace", headers=bearer(key)
    )
    assert response.status_code == 200, response.text
    for m in response.json()["matches"][:4]:
        evidence = ", ".join(f"{e['feature']} {e['weight']:+g}" for e in m["evidence"])
        lines.append(
            f"  - trace: `{m['notification']['reference']}` score {m['score']} "
            f"linked={m['linked']}: {evidence}"
        )
    return lines


def _report_tables(
    world: World, predicted: set[Pair], links: dict[Pair, dict[str, Any]]
) -> tuple[list[str], dict[str, list[Pair]], dict[str, list[Pair]]]:
    truth = world.truth
    tp, fp, fn = predicted & truth, predicted - truth, truth - predicted
    precision = len(tp) / len(predicted) if predicted else 1.0
    recall = len(tp) / len(truth)
    lines = [
        f"- records: {len(world.notifications)} notifications "
        f"({sum(n.kind != 'regular' for n in world.notifications)} decoys, "
        f"{sum(n.phase == 3 for n in world.notifications)} posted late), "
        f"{len(world.seizures)} seizures ({len(truth)} derived, "
        f"{sum(s.label is None for s in world.seizures)} unrelated)",
        f"- stored links: {len(links)}, linked: {len(predicted)}",
        f"- true positives {len(tp)}, false positives {len(fp)}, false negatives {len(fn)}",
        f"- **precision {precision:.3f}** (bar {MIN_PRECISION}), "
        f"**recall {recall:.3f}** (bar {MIN_RECALL})",
        "",
        "True pairs by tag (a pair has several tags):",
        "",
    ]
    by_tag: dict[str, Counter[str]] = defaultdict(Counter)
    fn_by_tag: dict[str, list[Pair]] = defaultdict(list)
    for pair in sorted(truth):
        for tag in world.seizure(pair[0]).tags:
            by_tag[tag]["pairs"] += 1
            by_tag[tag]["tp" if pair in tp else "fn"] += 1
            if pair in fn:
                fn_by_tag[tag].append(pair)
    lines += _table(
        ["tag", "pairs", "TP", "FN", "recall"],
        (
            [t, c["pairs"], c["tp"], c["fn"], _rate(c["tp"], c["pairs"])]
            for t, c in sorted(by_tag.items())
        ),
    )
    fp_by_class: dict[str, list[Pair]] = defaultdict(list)
    for pair in sorted(fp):
        fp_by_class[fp_class(world, pair)].append(pair)
    planted = Counter(world.lures.values())
    lines += ["", "Decoys and lures (planted pairs; linking one is a false positive):", ""]
    lines += _table(
        ["class", "planted", "FP"],
        ([k, planted[k], len(fp_by_class.get(k, []))] for k in sorted(planted)),
    )
    other = {k: v for k, v in fp_by_class.items() if k not in planted}
    if other:
        lines += ["", "Other false positives:", ""]
        lines += _table(["class", "FP"], ([k, len(v)] for k, v in sorted(other.items())))
    return lines, fp_by_class, fn_by_tag


async def test_link_quality(
    client: httpx.AsyncClient, make_key: KeyMaker, settings: Settings
) -> None:
    started = time.monotonic()
    world = build_world(SEED)
    plan = phases(world)
    countries = {country for _, records in plan for country, _ in records}
    keys = {c: await make_key(c, "reporter,viewer,investigator") for c in sorted(countries)}
    admin = await make_key(ADMIN_COUNTRY, ADMIN_ROLES, name="Quality admin")

    notification_ids: dict[str, str] = {}
    seizure_ids: dict[str, str] = {}
    for path, records in plan:
        ids = await _post(client, keys, path, records)
        (seizure_ids if "seizures" in path else notification_ids).update(ids)
    posted = time.monotonic()

    links = await _links(client, admin, notification_ids)
    predicted = {pair for pair, link in links.items() if link["linked"]}
    lines, fp_by_class, fn_by_tag = _report_tables(world, predicted, links)

    database = "postgresql" if "postgresql" in settings.database_url else "sqlite"
    lines.insert(0, f"### {database} (seed {SEED})")
    lines.insert(1, "")
    lines += ["", "Examples of false positives:", ""]
    for klass, pairs in sorted(fp_by_class.items()):
        lines.append(f"**{klass}**")
        for pair in pairs[:EXAMPLES_PER_CLASS]:
            lines += await _example(client, admin, world, pair, links, seizure_ids)
    missed = sorted({p for pairs in fn_by_tag.values() for p in pairs})
    lines += ["", "Examples of false negatives:", ""]
    for pair in missed[: 3 * EXAMPLES_PER_CLASS]:
        lines += await _example(client, admin, world, pair, links, seizure_ids)
    lines += [
        "",
        f"_posted in {posted - started:.1f} s, measured in {time.monotonic() - posted:.1f} s_",
    ]
    report = "\n".join(lines)
    print("\n" + report)
    if os.environ.get("PA_WRITE_QUALITY") == "1":
        _write_section(database, report)

    truth = world.truth
    tp = predicted & truth
    precision = len(tp) / len(predicted) if predicted else 1.0
    recall = len(tp) / len(truth)
    assert precision >= MIN_PRECISION and recall >= MIN_RECALL, (
        f"precision {precision:.3f} (bar {MIN_PRECISION}), recall {recall:.3f} "
        f"(bar {MIN_RECALL}); false positives by class: "
        f"{ {k: len(v) for k, v in fp_by_class.items()} }; missed: {len(truth - predicted)}"
    )


def _write_section(database: str, report: str) -> None:
    """Replace this database's section of results.md, keeping the others."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    sections = dict(re.findall(r"<!-- (\w+) -->\n(.*?)<!-- /\1 -->\n", text, re.S))
    sections[database] = report + "\n"
    head = (
        "# Link quality on the labelled world\n\n"
        "Written by `PA_WRITE_QUALITY=1 pytest tests/quality -s`. See `generator.py` for the "
        "case classes.\n\n"
    )
    body = "".join(f"<!-- {k} -->\n{v}<!-- /{k} -->\n" for k, v in sorted(sections.items()))
    RESULTS.write_text(head + body)
