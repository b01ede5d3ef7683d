"""API keys: hashed storage, roles, revocation, rotation, and the command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.auth import service
from app.auth.models import ApiKey
from tests.conftest import bearer
from tests.payloads import notification


async def test_missing_and_unknown_keys_are_401(client):
    r = await client.get("/v1/notifications")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/notifications", headers=bearer("pa_nope"))).status_code == 401


async def test_keys_are_stored_hashed(app, make_key):
    key = await make_key("DE")
    async with app.state.sessionmaker() as session:
        stored = (await session.scalars(select(ApiKey))).all()
    assert [k.key_hash for k in stored] == [service.hash_key(key)]
    assert key not in {k.key_hash for k in stored}


async def test_roles(client, make_key):
    viewer = await make_key("DE", roles="viewer")
    reporter = await make_key("DE", roles="reporter")
    r = await client.post("/v1/notifications", json=notification(), headers=bearer(viewer))
    assert r.status_code == 403
    assert "reporter" in r.json()["detail"]
    assert (await client.get("/v1/notifications", headers=bearer(reporter))).status_code == 403
    r = await client.post("/v1/notifications", json=notification(), headers=bearer(reporter))
    assert r.status_code == 201


async def test_revoke_and_rotate(app, client, make_key, clock):
    key = await make_key("DE")
    async with app.state.sessionmaker() as session:
        authority = await service.authenticate(session, key)
        new_key = await service.rotate_key(session, authority, clock.now())
        await session.commit()
    assert (await client.get("/v1/notifications", headers=bearer(key))).status_code == 401
    assert (await client.get("/v1/notifications", headers=bearer(new_key))).status_code == 200
    async with app.state.sessionmaker() as session:
        authority = await service.authenticate(session, new_key)
        await service.revoke_authority(session, authority, clock.now())
        await session.commit()
    assert (await client.get("/v1/notifications", headers=bearer(new_key))).status_code == 401


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("precursor-alerts")
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, check=False)


async def test_cli_authority_commands(client, database_url):
    created = _cli(
        database_url,
        "authority",
        "create",
        "--country",
        "de",
        "--name",
        "Federal Opium Agency",
        "--roles",
        "reporter,viewer,investigator",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    out = json.loads(created.stdout.strip().splitlines()[-1])
    assert set(out) == {"id", "api_key"}
    r = await client.post("/v1/notifications", json=notification(), headers=bearer(out["api_key"]))
    assert r.status_code == 201 and r.json()["exporting_country"] == "DE"
    listed = json.loads(_cli(database_url, "authority", "list", "--json").stdout)
    assert [a["name"] for a in listed] == ["Federal Opium Agency"]
    rotated = _cli(database_url, "authority", "rotate", out["id"], "--json")
    new_key = json.loads(rotated.stdout.strip().splitlines()[-1])["api_key"]
    assert (
        await client.get("/v1/notifications", headers=bearer(out["api_key"]))
    ).status_code == 401
    assert (await client.get("/v1/notifications", headers=bearer(new_key))).status_code == 200
    assert _cli(database_url, "authority", "revoke", out["id"]).returncode == 0
    assert (await client.get("/v1/notifications", headers=bearer(new_key))).status_code == 401
    bad = _cli(
        database_url, "authority", "create", "--country", "XX", "--name", "n", "--roles", "viewer"
    )
    assert bad.returncode != 0 and "country" in bad.stderr.lower()
