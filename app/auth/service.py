"""Create, list, revoke and rotate authorities and their keys; authenticate a key."""

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey, Authority
from app.auth.schemas import ROLES
from app.identifiers import normalize_country

KEY_PREFIX = "pa_"


def hash_key(key: str) -> str:
    """Digest a key; keys are 256-bit random, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _check_roles(roles: Iterable[str]) -> str:
    wanted = [r.strip() for r in roles if r.strip()]
    unknown = sorted(set(wanted) - set(ROLES))
    if unknown or not wanted:
        raise ValueError(f"roles must be among {', '.join(ROLES)}; got {', '.join(unknown) or '-'}")
    return ",".join(r for r in ROLES if r in wanted)


async def _issue_key(session: AsyncSession, authority: Authority, now: datetime) -> str:
    key = _new_key()
    session.add(
        ApiKey(
            id=str(uuid.uuid4()),
            authority_id=authority.id,
            prefix=key[:10],
            key_hash=hash_key(key),
            created_at=now,
        )
    )
    await session.flush()
    return key


async def create_authority(
    session: AsyncSession, *, country: str, name: str, roles: Iterable[str], now: datetime
) -> tuple[Authority, str]:
    """Create an authority with one API key; return it and the key in clear."""
    authority = Authority(
        id=str(uuid.uuid4()),
        country=normalize_country(country),
        name=name.strip(),
        roles=_check_roles(roles),
        created_at=now,
    )
    session.add(authority)
    await session.flush()
    return authority, await _issue_key(session, authority, now)


async def list_authorities(session: AsyncSession) -> list[Authority]:
    """List every authority, oldest first."""
    result = await session.scalars(select(Authority).order_by(Authority.created_at, Authority.id))
    return list(result)


async def get_authority(session: AsyncSession, authority_id: str) -> Authority | None:
    """Get an authority by id."""
    return await session.get(Authority, authority_id)


async def _revoke_keys(session: AsyncSession, authority_id: str, now: datetime) -> None:
    await session.execute(
        update(ApiKey)
        .where(ApiKey.authority_id == authority_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_authority(session: AsyncSession, authority: Authority, now: datetime) -> None:
    """Revoke an authority and every key it holds."""
    authority.revoked_at = now
    await _revoke_keys(session, authority.id, now)
    await session.flush()


async def rotate_key(session: AsyncSession, authority: Authority, now: datetime) -> str:
    """Revoke the authority's keys and issue a new one."""
    await _revoke_keys(session, authority.id, now)
    return await _issue_key(session, authority, now)


# Every request runs it: built once (building costs more than running it on an idle poll).
_HOLDER = (
    select(Authority)
    .join(ApiKey, ApiKey.authority_id == Authority.id)
    .where(
        ApiKey.key_hash == bindparam("key_hash"),
        ApiKey.revoked_at.is_(None),
        Authority.revoked_at.is_(None),
    )
)


async def authenticate(session: AsyncSession, key: str) -> Authority | None:
    """Return the live authority holding this key, or None."""
    return (await session.scalars(_HOLDER, {"key_hash": hash_key(key)})).first()
