"""Authentication and role dependencies."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service
from app.auth.schemas import Principal, Role
from app.db import SessionDep
from app.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="API key issued to an authority.")


async def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Authenticate the bearer key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <api key>'")
    authority = await service.authenticate(session, credentials.credentials)
    if authority is None:
        raise Unauthorized("the API key is unknown or revoked")
    principal = Principal(authority.id, authority.country, authority.name, authority.role_set)
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Build a dependency that demands a role."""

    async def dependency(principal: PrincipalDep) -> Principal:
        if not principal.has(role):
            raise Forbidden(f"this action needs the '{role}' role")
        return principal

    return dependency


Reporter = Annotated[Principal, Depends(require("reporter"))]
Viewer = Annotated[Principal, Depends(require("viewer"))]
Investigator = Annotated[Principal, Depends(require("investigator"))]
Admin = Annotated[Principal, Depends(require("admin"))]
