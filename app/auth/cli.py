"""`precursor-alerts authority`: create, list, revoke and rotate the keys of authorities."""

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import service as auth_service
from app.auth.models import Authority
from app.kit.clock import utcnow
from app.kit.command import in_session

authority_cli = typer.Typer(help="Manage authorities and their API keys.")
T = TypeVar("T")


@authority_cli.command("create")
def authority_create(
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country code.")],
    name: Annotated[str, typer.Option(help="Name of the authority.")],
    roles: Annotated[
        str, typer.Option(help="Comma-separated: reporter,viewer,investigator,admin.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON as the last line.")] = False,
) -> None:
    """Create an authority and print its first API key (shown once)."""

    async def work(session: AsyncSession) -> tuple[str, str]:
        authority, key = await auth_service.create_authority(
            session, country=country, name=name, roles=roles.split(","), now=utcnow()
        )
        return authority.id, key

    try:
        authority_id, key = in_session(work)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if not as_json:
        typer.echo(f"authority {authority_id} created; API key (shown once):")
    typer.echo(json.dumps({"id": authority_id, "api_key": key}) if as_json else key)


@authority_cli.command("list")
def authority_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List authorities."""
    rows = in_session(auth_service.list_authorities)
    data = [
        {
            "id": a.id,
            "country": a.country,
            "name": a.name,
            "roles": a.roles.split(","),
            "revoked": a.revoked_at is not None,
        }
        for a in rows
    ]
    if as_json:
        typer.echo(json.dumps(data))
        return
    for a in data:
        state = "revoked" if a["revoked"] else "active"
        roles = ",".join(a["roles"])  # type: ignore[arg-type]
        typer.echo(f"{a['id']}  {a['country']}  {state:7}  {roles}  {a['name']}")


def _existing(
    session_work: Callable[[AsyncSession, Authority], Awaitable[T]], authority_id: str
) -> T:
    async def work(session: AsyncSession) -> T:
        authority = await auth_service.get_authority(session, authority_id)
        if authority is None:
            raise typer.BadParameter(f"no authority {authority_id}")
        return await session_work(session, authority)

    return in_session(work)


@authority_cli.command("revoke")
def authority_revoke(authority_id: Annotated[str, typer.Argument(help="Authority id.")]) -> None:
    """Revoke an authority and all its keys."""
    _existing(lambda s, a: auth_service.revoke_authority(s, a, utcnow()), authority_id)
    typer.echo(f"authority {authority_id} revoked")


@authority_cli.command("rotate")
def authority_rotate(
    authority_id: Annotated[str, typer.Argument(help="Authority id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON as the last line.")] = False,
) -> None:
    """Revoke the authority's keys and print a new one."""
    key = _existing(lambda s, a: auth_service.rotate_key(s, a, utcnow()), authority_id)
    typer.echo(json.dumps({"id": authority_id, "api_key": key}) if as_json else key)
