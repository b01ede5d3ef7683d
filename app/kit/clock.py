"""An injectable clock, so tests can pin 'today' and 'now'."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass
class Clock:
    """Source of the current time; tests set `fixed` to freeze it."""

    fixed: datetime | None = field(default=None)

    def now(self) -> datetime:
        """Return the current UTC time."""
        return self.fixed or utcnow()

    def today(self) -> date:
        """Return the current UTC date."""
        return self.now().date()
