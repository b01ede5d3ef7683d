"""The events that trigger rules, and what a runner is."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.rules.base import Firing

Trigger = Literal["notification", "seizure", "reply", "arrival", "status", "alr", "sweep"]


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: a record stored or changed, an ALR set, a sweep."""

    trigger: Trigger
    record_id: str | None = None
    as_of: date | None = None
    country: str | None = None
    substance_code: str | None = None
    year: int | None = None


Runner = Callable[[AsyncSession, Event, dict[str, Any]], Awaitable[list[Firing]]]
# Fingerprints of open alerts that the event showed to be no longer true, with the reason.
Resolver = Callable[[AsyncSession, Event, dict[str, Any]], Awaitable[tuple[list[str], str]]]


@dataclass(frozen=True, slots=True)
class Registration:
    """A rule's runner and the triggers it listens to."""

    code: str
    triggers: frozenset[Trigger]
    run: Runner
    resolves_on: frozenset[Trigger] = frozenset()
    resolve: Resolver | None = None
    resolution: str = "legitimate"  # what the alerts its resolver closes are closed as
