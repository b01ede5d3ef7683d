"""What the benchmark sets up around the servers: databases, authorities and keys, request
bodies from the synthetic population, and alerts in bulk."""

import asyncio
import json
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from app.auth import service as auth_service
from app.db import create_engine, create_sessionmaker
from bench.load import Call
from bench.pg import admin, asyncpg_dsn, sqlalchemy_url
from bench.world import Draft

ROLES = ("reporter", "viewer", "investigator")
IDLE_COUNTRY = "IS"  # no record of the population names Iceland: its dashboard sits idle


@dataclass
class Database:
    """A database made for one part of the run and dropped after it."""

    url: str
    admin_url: str | None = None  # PostgreSQL: where to drop it from
    name: str = ""
    path: Path | None = None  # SQLite: the file

    @property
    def dsn(self) -> str:
        """asyncpg DSN (PostgreSQL only)."""
        return asyncpg_dsn(self.url)

    async def drop(self) -> None:
        """Remove the database."""
        if self.admin_url is not None:
            await admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                await asyncio.to_thread(Path(str(self.path) + suffix).unlink, missing_ok=True)


async def new_database(kind: str, admin_url: str, workdir: Path) -> Database:
    """Create an empty database of this kind (`sqlite` or `postgresql`)."""
    name = f"pa_bench_{uuid.uuid4().hex[:10]}"
    if kind == "sqlite":
        path = workdir / f"{name}.db"
        return Database(f"sqlite+aiosqlite:///{path}", name=name, path=path)
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    return Database(sqlalchemy_url(admin_url, name), admin_url, name)


async def copy_database(db: Database) -> Database:
    """A PostgreSQL copy of `db` (which nobody may be connected to)."""
    assert db.admin_url is not None, "PostgreSQL only"
    name = f"pa_bench_{uuid.uuid4().hex[:10]}"
    await admin(db.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{db.name}"')
    return Database(sqlalchemy_url(db.admin_url, name), db.admin_url, name)


@dataclass
class Keys:
    """One authority per country with every role a client of the bench needs."""

    ids: dict[str, str]
    keys: dict[str, str]

    def headers(self, country: str) -> dict[str, str]:
        """The Authorization header of that country's authority."""
        return {"Authorization": f"Bearer {self.keys[country]}"}


async def authorities(url: str, countries: list[str]) -> Keys:
    """Create the authorities and their API keys (what `precursor-alerts authority create` does)."""
    engine = create_engine(url, pool_size=1)
    ids, keys = {}, {}
    try:
        async with create_sessionmaker(engine)() as session:
            now = datetime.now(UTC)
            for country in sorted({*countries, IDLE_COUNTRY}):
                authority, key = await auth_service.create_authority(
                    session, country=country, name=f"Bench {country}", roles=ROLES, now=now
                )
                ids[country], keys[country] = authority.id, key
            await session.commit()
    finally:
        await engine.dispose()
    return Keys(ids, keys)


def path_of(draft: Draft) -> str:
    """The endpoint a record is posted to."""
    return "/v1/notifications" if draft.kind == "notification" else "/v1/seizures"


def singles(drafts: list[Draft], keys: Keys) -> list[Call]:
    """One POST per record, as its reporting authority."""
    return [Call("POST", path_of(d), d.body, keys.headers(d.country)) for d in drafts]


def floor_singles(drafts: list[Draft]) -> list[Call]:
    """The same bodies, to the floor."""
    return [Call("POST", "/floor/records", d.body) for d in drafts]


def group(drafts: list[Draft], size: int, partial: bool = False) -> list[list[Draft]]:
    """Batches of records of one kind from one authority (a batch has one poster); the last,
    partial batch of each only when asked."""
    open_: dict[tuple[str, str], list[Draft]] = defaultdict(list)
    out = []
    for d in drafts:
        batch = open_[d.kind, d.country]
        batch.append(d)
        if len(batch) == size:
            out.append(list(batch))
            batch.clear()
    return out + [b for b in open_.values() if b] if partial else out


def batches(groups: list[list[Draft]], keys: Keys) -> list[Call]:
    """One batch POST per group."""
    return [
        Call(
            "POST",
            path_of(g[0]) + "/batch",
            {"items": [d.body for d in g]},
            keys.headers(g[0].country),
            records=len(g),
        )
        for g in groups
    ]


def floor_batches(groups: list[list[Draft]]) -> list[Call]:
    """The same batches, to the floor."""
    return [
        Call("POST", "/floor/batch", {"items": [d.body for d in g]}, records=len(g)) for g in groups
    ]


def ndjson(drafts: list[Draft], path: Path) -> None:
    """Write records as `precursor-alerts import` reads them (authority named by country)."""
    with path.open("w") as out:
        for d in drafts:
            out.write(json.dumps({"type": d.kind, "authority": d.country, "body": d.body}) + "\n")


async def clone_alerts(dsn: str, target: int) -> int:
    """Copy the stored active alerts (with their change and countries) until about `target`
    exist, numbered after the feed counter as the service would; every tenth copy is also
    visible to IDLE_COUNTRY. PostgreSQL only. Return the alerts stored."""
    conn = await asyncpg.connect(dsn)
    try:
        have = await conn.fetchval("SELECT count(*) FROM alerts WHERE mode = 'active'")
        if not have:
            raise RuntimeError("no alert to copy: the probe raised none")
        copies = max(0, math.ceil((target - have) / have))
        columns = [
            r["column_name"]
            for r in await conn.fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'alerts' ORDER BY ordinal_position"
            )
        ]
        given = {
            "id": "c.new_id",
            "fingerprint": "a.fingerprint || ':copy' || c.g",
            "seq": "f.base + c.n",
        }
        select = ", ".join(given.get(col, f"a.{col}") for col in columns)
        async with conn.transaction():
            base = await conn.fetchval("SELECT value FROM feed_counter FOR UPDATE")
            await conn.execute(
                "CREATE TEMP TABLE clone ON COMMIT DROP AS "
                "SELECT a.id AS old_id, a.seq AS old_seq, md5(a.id || ':' || g)::uuid::text AS "
                "new_id, g, row_number() OVER (ORDER BY g, a.seq) AS n "
                "FROM alerts a CROSS JOIN generate_series(1, $1) g WHERE a.mode = 'active'",
                copies,
            )
            frm = (
                "FROM clone c JOIN alerts a ON a.id = c.old_id "
                "CROSS JOIN (SELECT $1::bigint AS base) f"
            )
            await conn.execute(
                f"INSERT INTO alerts ({', '.join(columns)}) SELECT {select} {frm}", base
            )
            await conn.execute(
                "INSERT INTO alert_changes (seq, alert_id, change, rule, severity, project, "
                "status, mode, at, authority_id, note, snapshot) "
                "SELECT f.base + c.n, c.new_id, 'created', a.rule, a.severity, a.project, "
                "a.status, a.mode, a.updated_at, NULL, NULL, "
                "jsonb_set(ch.snapshot::jsonb, '{id}', to_jsonb(c.new_id))::json "
                f"{frm} JOIN alert_changes ch ON ch.seq = c.old_seq",
                base,
            )
            await conn.execute(
                "INSERT INTO alert_countries (alert_id, country) "
                "SELECT c.new_id, ac.country FROM clone c "
                "JOIN alert_countries ac ON ac.alert_id = c.old_id "
                "UNION ALL SELECT c.new_id, $1 FROM clone c WHERE c.n % 10 = 0",
                IDLE_COUNTRY,
            )
            added = await conn.fetchval("SELECT count(*) FROM clone")
            await conn.execute("UPDATE feed_counter SET value = $1", base + added)
        await conn.execute("ANALYZE alerts, alert_changes, alert_countries")
        total: int = await conn.fetchval("SELECT count(*) FROM alerts")
        return total
    finally:
        await conn.close()
