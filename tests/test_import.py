"""`precursor-alerts import FILE` as a user runs it: counts, same alerts as the API, resume."""

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app import migrate
from app.alerts.models import Alert
from app.auth import service as auth_service
from app.auth.models import Authority
from app.bulk import Importer, LineError, Stored, import_file, progress_path
from app.config import Settings
from app.db import commit, create_engine, create_sessionmaker
from app.errors import InvalidInput
from app.ingest.pipeline import in_savepoint
from app.kit.clock import Clock
from app.main import create_app
from app.notifications.models import Notification
from app.seizures.models import Seizure
from tests import payloads
from tests.conftest import DATABASES, _pg_admin, _pg_url

EXE = str(Path(sys.executable).with_name("precursor-alerts"))
MakeDb = Callable[[str], str]


@pytest.fixture(params=DATABASES)
def make_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeDb]:
    """Make fresh empty databases of each kind; the PostgreSQL ones are dropped afterwards."""
    made: list[str] = []

    def make(name: str) -> str:
        if request.param == "sqlite":
            return f"sqlite+aiosqlite:///{tmp_path / name}.db"
        made.append(f"pa_import_{uuid.uuid4().hex[:12]}")
        asyncio.run(_pg_admin(f'CREATE DATABASE "{made[-1]}"'))
        return _pg_url(made[-1])

    yield make
    for name in made:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _run(db: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db, "LOG_LEVEL": "WARNING"}
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, check=check)


def _setup(db: str) -> dict[str, dict[str, str]]:
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


def _state(db: str) -> tuple[int, int, list[str]]:
    async def query() -> tuple[int, int, list[str]]:
        engine = create_engine(db)
        try:
            async with engine.connect() as conn:
                notes = (await conn.execute(select(func.count()).select_from(Notification))).one()
                seized = (await conn.execute(select(func.count()).select_from(Seizure))).one()
                rules = (await conn.execute(select(Alert.rule))).scalars().all()
                return int(notes[0]), int(seized[0]), sorted(rules)
        finally:
            await engine.dispose()

    return asyncio.run(query())


def _post_through_api(db: str, auth: dict[str, dict[str, str]]) -> None:
    async def post() -> None:
        app = create_app(Settings(database_url=db, log_level="WARNING"))
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


@pytest.mark.parametrize("batch", ["1", "100"])
def test_import_matches_api_and_is_idempotent(tmp_path, make_db, batch):
    imported, posted = make_db("imported"), make_db("posted")
    auth = _setup(imported)
    file = tmp_path / "records.ndjson"
    _write(file, _records())

    # Batch 100 (the default) stores all six lines in one transaction, each in a savepoint.
    first = _run(imported, "import", str(file), "--batch", batch, "--authority-map", _map(auth))
    assert "created 6, replayed 0, failed 0" in first.stdout, first.stdout + first.stderr
    assert not (tmp_path / "records.ndjson.progress").exists()
    notes, seized, rules = _state(imported)
    assert (notes, seized) == (3, 1)
    assert rules, "the matching seizure raises alerts"

    _post_through_api(posted, _setup(posted))
    assert _state(posted)[2] == rules

    again = _run(imported, "import", str(file), "--batch", batch, "--authority-map", _map(auth))
    assert "created 0, replayed 6, failed 0; alerts raised 0" in again.stdout, again.stdout
    assert _state(imported) == (notes, seized, rules)


def test_resume_after_interruption_and_bad_line(tmp_path, make_db):
    db = make_db("cli")
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


def test_bad_lines_in_a_batch_roll_back_only_themselves(tmp_path, make_db):
    db = make_db("batch")
    auth = _setup(db)
    n1, n2, n3, reply, arrival, seizure = _records()
    changed = {**n1, "body": {**n1["body"], "invoice_number": "INV-OTHER"}}
    by_exporter = {**reply, "authority": "DE"}
    file = tmp_path / "records.ndjson"
    _write(file, [n1, "{not json", n2, by_exporter, n3, changed, reply, arrival, seizure])

    result = _run(db, "import", str(file), "--authority-map", _map(auth), check=False)
    assert result.returncode == 1
    assert "created 6, replayed 0, failed 3" in result.stdout, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 4", "line 6"], errors
    assert "line 4: body: only the importing country replies" in result.stderr
    assert "line 6: body.invoice_number: differs from the stored record" in result.stderr
    notes, seized, rules = _state(db)
    assert (notes, seized) == (3, 1) and rules


class _Cut(Exception):
    """Stands for a crash in the middle of a batch."""


class _CutAfter(Importer):
    """Crash when asked to store the `after`+1-th line."""

    def __init__(self, *args: Any, after: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left = after

    async def _draft(self, session: Any, line: Any) -> Any:
        drafted = await super()._draft(session, line)
        if isinstance(drafted, LineError):
            return drafted

        async def write(s: Any) -> Stored:
            if self.left == 0:
                raise _Cut
            self.left -= 1
            return await drafted.write(s)

        return dataclasses.replace(drafted, write=write)


def test_interrupted_batch_is_redone_without_loss_or_duplicates(tmp_path, make_db):
    db, clean = make_db("cut"), make_db("clean")
    auth = _setup(db)
    file = tmp_path / "records.ndjson"
    _write(file, _records())

    async def dispose(engine: Any) -> None:
        await engine.dispose()

    # Batches of 2: lines 1-2 commit, then the crash hits line 4 after line 3 was stored.
    engine = create_engine(db)
    importer = _CutAfter(
        create_sessionmaker(engine), Clock(), json.loads(_map(auth)), batch=2, after=3
    )
    with asyncio.Runner() as runner:
        try:
            with pytest.raises(_Cut):
                import_file(file, importer, runner, report=lambda _: None)
        finally:
            runner.run(dispose(engine))
    assert json.loads(progress_path(file).read_text()) == {"lines": 2, "failed": 0}
    assert _state(db)[:2] == (2, 0), "line 3 was rolled back with its batch"

    resumed = _run(db, "import", str(file), "--batch", "2", "--authority-map", _map(auth))
    assert "created 4, replayed 0, failed 0" in resumed.stdout, resumed.stdout
    assert "2 lines skipped" in resumed.stdout
    assert not progress_path(file).exists()

    _run(clean, "import", str(file), "--authority-map", _map(_setup(clean)))
    assert _state(db) == _state(clean)


def test_a_failed_savepoint_leaves_nothing_queued_for_commit(make_db):
    db = make_db("savepoint")
    migrate.upgrade(db)

    async def scenario() -> tuple[list[str], dict[str, Any]]:
        engine = create_engine(db)
        try:
            async with create_sessionmaker(engine)() as session:

                async def store(name: str, fail: bool) -> None:
                    await auth_service.create_authority(
                        session, country="DE", name=name, roles=["reporter"], now=Clock().now()
                    )
                    session.info.setdefault("queued", []).append(name)
                    if fail:
                        raise InvalidInput([("name", "refused")])

                await in_savepoint(session, lambda: store("kept", False))
                with pytest.raises(InvalidInput):
                    await in_savepoint(session, lambda: store("dropped", True))
                info = dict(session.info)
                await commit(session)
            async with create_sessionmaker(engine)() as session:
                names = list(await session.scalars(select(Authority.name)))
            return names, info
        finally:
            await engine.dispose()

    names, info = asyncio.run(scenario())
    assert names == ["kept"]
    assert info["queued"] == ["kept"]
