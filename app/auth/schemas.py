"""Roles and the authenticated principal."""

from dataclasses import dataclass
from typing import Literal

Role = Literal["reporter", "viewer", "investigator", "admin"]
ROLES: tuple[Role, ...] = ("reporter", "viewer", "investigator", "admin")


@dataclass(frozen=True, slots=True)
class Principal:
    """The authority behind a request's API key."""

    authority_id: str
    country: str
    name: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        """Tell whether the principal administers the service and sees everything."""
        return "admin" in self.roles

    def has(self, role: Role) -> bool:
        """Tell whether the principal holds a role; investigators are also viewers."""
        if self.is_admin or role in self.roles:
            return True
        return role == "viewer" and "investigator" in self.roles

    def can_see(self, countries: set[str] | frozenset[str]) -> bool:
        """Tell whether a record concerning these countries is visible."""
        return self.is_admin or self.country in countries
