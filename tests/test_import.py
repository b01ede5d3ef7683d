"""`precursor-alerts import FILE` as a user runs it: counts, same alerts as the API, resume."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.alerts.models import Alert
from app.config import Settings
from app.db import create_engine
from app.main import create_app
from app.notifications.models import Notification
from app.seizures.models import Seizure
from tests import payloads

EXE = str(Path(sys.executable).with_name("precursor-alerts"))


def _url(db: Path) -> str:
    return f"sqlite+aiosqlite:///{db}"


def _run(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": _url(db), "LOG_LEVEL": "WARNING"}
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, check=check)


def _setup(db: Path) -> dict[str, dict[str, str]]:
    """Migrate and create the exporting, importing and seizing authorities."""
    _run(db, "migrate")
    made = {}
    for country, roles in (("DE", "reporter"), ("NG", "reporter"), ("NL", "reporter")):
        out = _run(
            db,
            "authority",
            "create",
            "--country",
            country,
            "--name",
            country,
            "--roles",
            roles,
            "--json",
        )
        made[country] = json.loads(out.stdout.strip().splitlines()[-1])
    return made


def _records() -> list[dict[str, Any]]:
    """3 notifications, a reply, an arrival and a seizure matching the first notification."""
    n1 = payloads.notification("DE-2026-000001")
    n2 = payloads.notification(
        "DE-2026-000002", containers=["CSQU3054383"], bill_of_lading="MEDU99990001"
    )
    n3 = payloads.notification(
        "DE-2026-000003", containers=[], bill_of_lading="MEDU99990002", invoice_number="INV-3"
    )
    return [
        {"type": "notification", "authority": "DE", "body": n1},
        {"type": "notification", "authority": "DE", "body": n2},
        {"type": "notification", "authority": "DE", "body": n3},
        {
            "type": "reply",
            "authority": "NG",
            "reference": "DE-2026-000002",
            "exporter_authority": "DE",
            "body": {"decision": "no_objection", "replied_on": "2026-11-05"},
        },
        {
            "type": "arrival",
            "authority": "NG",
            "reference": "DE-2026-000002",
            "exporter_authority": "DE",
            "body": {
                "received_on": "2027-01-09",
                "items": [{"substance": "ephedrine", "quantity": 400, "unit": "kg"}],
            },
        },
        {"type": "seizure", "authority": "NL", "body": payloads.seizure()},
    ]


def _write(path: Path, lines: list[Any]) -> None:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))


def _map(auth: dict[str, dict[str, str]]) -> str:
    return json.dumps({c: a["id"] for c, a in auth.items()})


def _state(db: Path) -> tuple[int, int, list[str]]:
    async def query() -> tuple[int, int, list[str]]:
        engine = create_engine(_url(db))
        try:
            async with engine.connect() as conn:
                notes = (await conn.execute(select(func.count()).select_from(Notification))).one()
                seized = (await conn.execute(select(func.count()).select_from(Seizure))).one()
                rules = (await conn.execute(select(Alert.rule))).scalars().all()
                return int(notes[0]), int(seized[0]), sorted(rules)
        finally:
            await engine.dispose()

    return asyncio.run(query())


def _post_through_api(db: Path, auth: dict[str, dict[str, str]]) -> None:
    async def post() -> None:
        app = create_app(Settings(database_url=_url(db), log_level="WARNING"))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                ids: dict[str, str] = {}
                for rec in _records():
                    headers = {"Authorization": f"Bearer {auth[rec['authority']]['api_key']}"}
                    if rec["type"] in ("notification", "seizure"):
                        r = await c.post(f"/v1/{rec['type']}s", json=rec["body"], headers=headers)
                        ids[rec["body"]["reference"]] = r.json()["id"]
                    else:
                        n_id = ids[rec["reference"]]
                        url = f"/v1/notifications/{n_id}/{rec['type']}"
                        r = await c.post(url, json=rec["body"], headers=headers)
                    assert r.status_code in (200, 201), r.text

    asyncio.run(post())


def test_import_matches_api_and_is_idempotent(tmp_path):
    imported, posted = tmp_path / "imported.db", tmp_path / "posted.db"
    auth = _setup(imported)
    file = tmp_path / "records.ndjson"
    _write(file, _records())

    first = _run(imported, "import", str(file), "--authority-map", _map(auth))
    assert "created 6, replayed 0, failed 0" in first.stdout, first.stdout + first.stderr
    assert not (tmp_path / "records.ndjson.progress").exists()
    notes, seized, rules = _state(imported)
    assert (notes, seized) == (3, 1)
    assert rules, "the matching seizure raises alerts"

    _post_through_api(posted, _setup(posted))
    assert _state(posted)[2] == rules

    again = _run(imported, "import", str(file), "--authority-map", _map(auth))
    assert "created 0, replayed 6, failed 0; alerts raised 0" in again.stdout, again.stdout
    assert _state(imported) == (notes, seized, rules)


def test_resume_after_interruption_and_bad_line(tmp_path):
    db = tmp_path / "cli.db"
    auth = _setup(db)
    records = _records()
    # Authority ids straight in the file, no map needed.
    for rec in records:
        rec["authority"] = auth[rec["authority"]]["id"]
        if "exporter_authority" in rec:
            rec["exporter_authority"] = auth["DE"]["id"]
    file = tmp_path / "records.ndjson"
    bad = {
        "type": "notification",
        "authority": auth["DE"]["id"],
        "body": payloads.notification("DE-2026-000009", containers=["MSCU1234567"]),
    }
    _write(file, [*records[:3], bad, *records[3:]])

    # An earlier run stored the first two lines and then died before checkpointing line 2.
    _write(tmp_path / "head.ndjson", records[:2])
    _run(db, "import", str(tmp_path / "head.ndjson"))
    (tmp_path / "records.ndjson.progress").write_text("1\n")

    result = _run(db, "import", str(file), check=False)
    assert result.returncode == 1
    assert "line 4: body.containers.0:" in result.stderr, result.stderr
    assert "created 4, replayed 1, failed 1" in result.stdout, result.stdout
    assert "1 lines skipped" in result.stdout
    assert not (tmp_path / "records.ndjson.progress").exists()
    notes, seized, rules = _state(db)
    assert (notes, seized) == (3, 1) and rules

    # A full re-run: nothing new, the bad line still reported.
    rerun = _run(db, "import", str(file), check=False)
    assert rerun.returncode == 1 and "line 4: body.containers.0:" in rerun.stderr
    assert "created 0, replayed 6, failed 1" in rerun.stdout, rerun.stdout
    assert _state(db) == (notes, seized, rules)
