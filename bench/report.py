"""The benchmark's results as Markdown (bench/results.md) and as a short headline."""

from pathlib import Path
from typing import Any

FIXES = Path(__file__).with_name("fixes.md")  # the hand-written before/after log, appended

TARGETS = {
    "ratio_to_floor": 0.5,
    "growth_ratio": 1.5,
    "import_minutes_1m": 15.0,
    "idle_poll_to_floor": 2.0,
}


def headline(r: dict[str, Any]) -> dict[str, Any]:
    """The figures the issue sets targets for, and whether each is met."""
    g = r["growth"]["postgresql"]
    out: dict[str, Any] = {}
    for kind, i in r["ingest"].items():
        out[f"ingest.{kind}.ratio_to_floor"] = (i["ratio_to_floor"], i["ratio_to_floor"] >= 0.5)
    out["growth.postgresql.ratio"] = (g["ratio"], g["ratio"] <= TARGETS["growth_ratio"])
    minutes = r["bulk_import"]["projected_1m_minutes"]
    out["bulk_import.projected_1m_minutes"] = (minutes, minutes < TARGETS["import_minutes_1m"])
    poll = r["feed"]["idle_poll_p99_to_floor"]
    out["feed.idle_poll_p99_to_floor"] = (poll, poll <= TARGETS["idle_poll_to_floor"])
    c = r.get("concurrency")
    if c is not None:  # results from before it was measured have none
        out["concurrency.linked"] = (c["linked"], c["linked"] == c["pairs"])
        out["concurrency.errors_5xx"] = (c["errors_5xx"], c["errors_5xx"] == 0)
    out["memory.peak_rss_mb"] = (
        r["memory"]["peak_rss_mb"],
        r["memory"]["peak_rss_mb_large_store"] <= 1.5 * r["memory"]["peak_rss_mb_small_store"],
    )
    return {k: {"value": v, "met": met} for k, (v, met) in out.items()}


def _n(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _row(*cells: Any) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _ingest(kind: str, i: dict[str, Any]) -> list[str]:
    b, fb = i["batch"], i["floor_batch"]
    return [
        f"### {kind}",
        "",
        _row("", "service (correlation + rules)", "floor (one insert)", "service / floor"),
        _row("---", "---", "---", "---"),
        _row(
            "single posts, records/s",
            _n(i["records_per_s"]),
            _n(i["floor_records_per_s"]),
            f"{i['ratio_to_floor']:.3f}",
        ),
        _row("single posts, p50 ms", _n(i["p50_ms"]), _n(i["floor_p50_ms"]), ""),
        _row("single posts, p99 ms", _n(i["p99_ms"]), _n(i["floor_p99_ms"]), ""),
        _row(
            "batches, records/s",
            _n(b["records_per_s"]),
            _n(fb["records_per_s"]),
            f"{i['batch_ratio_to_floor']:.3f}",
        ),
        _row("batches, p50 ms per batch", _n(b["p50_ms"]), _n(fb["p50_ms"]), ""),
        _row("batches, p99 ms per batch", _n(b["p99_ms"]), _n(fb["p99_ms"]), ""),
        _row("server peak RSS, MB", _n(i["peak_rss_mb"]), "", ""),
        "",
    ]


def _sql_floor(q: dict[str, Any] | None) -> list[str]:
    """The import's own statements replayed with no Python between them (bench/replay.py)."""
    if q is None:  # results from before the replay was measured
        return []
    return [
        f"The SQL floor of this per-record path: the statements of an import of {q['records']:,} "
        f"more records ({q['statements_per_record']} a record), captured as it ran "
        f"({q['import_seconds']} s), replayed on one connection into a copy of the store as it "
        f"was before, with no Python work between them: {q['replay_seconds']} s, "
        f"**{_n(q['replay_records_per_s'])} records/s** (1,000,000 in "
        f"{q['replay_projected_1m_minutes']} min; the replaying client's CPU "
        f"{q['replay_client_cpu_s']} s). No rewrite of the Python around these statements can "
        "import faster than this.",
        "",
    ]


def _concurrency(c: dict[str, Any] | None) -> list[str]:
    """Records that link, posted at the same instant to two processes (bench/concurrency.py)."""
    if c is None:  # results from before it was measured
        return []
    statuses = ", ".join(f"{n} x {s}" for s, n in c["statuses"].items())
    return [
        "## Concurrency (PostgreSQL): a notification and its seizure at the same instant",
        "",
        f"{c['pairs']} pairs of a notification and its seizure (same container, substance and "
        "route, seized a few days after dispatch); the two requests of a pair released together, "
        "one to each of two `serve` processes on one database, alternating which process gets "
        f"which record and which is sent first; {c['in_flight']} pairs in flight. Posted one "
        f"after the other, {c['sequential_linked']} of {c['sequential_pairs']} control pairs "
        "link.",
        "",
        _row("pairs", "count"),
        _row("---", "---"),
        _row("raced", c["pairs"]),
        _row("both records stored", c["stored"]),
        _row("linked", f"**{c['linked']}**"),
        _row("with their SEIZURE_MATCHES_NOTIFICATION alert", c["alerts"]),
        _row("with more than one such alert", c["twin_alerts"]),
        "",
        f"Answers 5xx left after the clients' retries: **{c['errors_5xx']}** (503 answers "
        f"retried: {c['retried_503']}); final answers: {statuses}. {c['seconds']} s; p50 "
        f"{_n(c['p50_ms'])} ms, p99 {_n(c['p99_ms'])} ms per record, retries included.",
        "",
    ]


def render(r: dict[str, Any]) -> str:
    """The whole report."""
    s, g, f, t, b, m = (
        r["sizes"],
        r["growth"]["postgresql"],
        r["feed"],
        r["trace"],
        r["bulk_import"],
        r["memory"],
    )
    head = headline(r)
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `python -m bench` ({r['mode']} run, {r['seconds'] / 60:.0f} min). "
        "Do not edit by hand: re-run it. Every server is its own process (`precursor-alerts "
        "serve`, sweep off); the client is another process on the same 2-core machine.",
        "",
        "## Targets",
        "",
        _row("figure", "value", "target", "met"),
        _row("---", "---", "---", "---"),
    ]
    target_text = {
        "growth.postgresql.ratio": "≤ 1.5",
        "bulk_import.projected_1m_minutes": "< 15",
        "feed.idle_poll_p99_to_floor": "≤ 2",
        "concurrency.linked": f"= {r.get('concurrency', {}).get('pairs')} (every pair)",
        "concurrency.errors_5xx": "0",
        "memory.peak_rss_mb": "flat (large ≤ 1.5 x small)",
    }
    for key, v in head.items():
        target = target_text.get(key, "≥ 0.5")
        lines.append(_row(f"`{key}`", v["value"], target, "yes" if v["met"] else "**no**"))
    lines += [
        "",
        f"## Ingest beside the floor ({s['singles']:,} single posts with {s['concurrency']} in "
        f"flight, {s['batches']} batches of {s['batch_size']} with {s['batch_concurrency']} in "
        f"flight, after {s['preload']:,} records loaded through the batch API)",
        "",
        "The floor is a FastAPI endpoint under the same uvicorn settings that stores the same "
        "JSON body into one table of the same database and commits (bench/floor.py).",
        "",
    ]
    for kind, i in r["ingest"].items():
        lines += _ingest(kind, i)
    lines += _concurrency(r.get("concurrency"))
    lines += [
        "## Growth (PostgreSQL): per-record cost with the store filled in bulk",
        "",
        f"{s['probe']} new records (notifications and seizures drawn like the stored ones, "
        "sharing their containers, parties and notifications) posted one at a time to a fresh "
        "server process.",
        "",
        _row("", f"{g['small_n']:,} stored", f"{g['large_n']:,} stored", "ratio"),
        _row("---", "---", "---", "---"),
        _row(
            "mean ms per record", _n(g["small"]["mean_ms"]), _n(g["large"]["mean_ms"]), g["ratio"]
        ),
        _row("p50 ms", _n(g["small"]["p50_ms"]), _n(g["large"]["p50_ms"]), g["p50_ratio"]),
        _row("p99 ms", _n(g["small"]["p99_ms"]), _n(g["large"]["p99_ms"]), ""),
        _row("server peak RSS MB", m["peak_rss_mb_small_store"], m["peak_rss_mb_large_store"], ""),
        "",
        f"## Feed ({f['alerts']:,} alerts stored, records posted meanwhile)",
        "",
        _row("", "p50 ms", "p99 ms"),
        _row("---", "---", "---"),
        _row(
            "idle poll (304) of a dashboard with nothing new",
            _n(f["idle_poll_p50_ms"]),
            _n(f["idle_poll_p99_ms"]),
        ),
        _row("floor idle poll (304)", _n(f["floor_poll_p50_ms"]), _n(f["floor_poll_p99_ms"])),
        _row("page of 100 alerts from a random cursor", _n(f["page_p50_ms"]), _n(f["page_p99_ms"])),
        "",
        *(
            [
                f"Records stored per second meanwhile: service {_n(f['ingest_records_per_s'])}, "
                f"floor {_n(f['floor_ingest_records_per_s'])}.",
                "",
            ]
            if "ingest_records_per_s" in f
            else []
        ),
        f"## Trace ({t['seizures']} seizures with the most scored candidates, "
        f"at {g['large_n']:,} stored)",
        "",
        f"p50 {_n(t['p50_ms'])} ms, p99 {_n(t['p99_ms'])} ms; matches per trace: mean "
        f"{t['matches_mean']}, max {t['matches_max']}.",
        "",
        "## Bulk import (PostgreSQL)",
        "",
        f"`precursor-alerts import` of {b['records']:,} new records into the store of "
        f"{g['large_n']:,}: {b['seconds']} s, **{_n(b['records_per_s'])} records/s**; "
        f"1,000,000 records would take {b['projected_1m_minutes']} min. Its summary: "
        f"{b['summary']}",
        "",
        *_sql_floor(b.get("sql_floor")),
        "## Machine",
        "",
        _row("", ""),
        _row("---", "---"),
        *(_row(k, v) for k, v in r["machine"].items()),
        "",
    ]
    return "\n".join(lines) + "\n" + FIXES.read_text()
