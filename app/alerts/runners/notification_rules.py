"""Rules over a notification and its own history: NO_LEGITIMATE_USE, SPLIT_CONSIGNMENT,
QUANTITY_SHORTFALL and ARRIVAL_AFTER_OBJECTION.

Each runner listens only to the events that can change its verdict, so that an unchanged fact is
not fired again (which would reopen a closed alert as a new one).
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.rules import (
    arrival_after_objection,
    no_legitimate_use,
    quantity_shortfall,
    split_consignment,
)
from app.alerts.rules.base import Firing
from app.alerts.runners.base import Event, Registration, Runner, Trigger
from app.ingest import facts, lanes, routes
from app.notifications.models import KIND as NOTIFICATION
from app.records.facts import NotificationFacts


async def _focus(session: AsyncSession, event: Event) -> NotificationFacts | None:
    if event.record_id is None:
        return None
    return (await facts.notifications(session, [event.record_id])).get(event.record_id)


def _on_notification(
    evaluate: Callable[[NotificationFacts, dict[str, Any]], list[Firing]],
) -> Runner:
    """Run a rule that needs nothing but the notification itself."""

    async def run(session: AsyncSession, event: Event, params: dict[str, Any]) -> list[Firing]:
        n = await _focus(session, event)
        return [] if n is None else evaluate(n, params)

    return run


async def run_split(session: AsyncSession, event: Event, params: dict[str, Any]) -> list[Firing]:
    """Read the notification's lanes in date order (`app.ingest.routes`), then evaluate the
    windows."""
    n = await _focus(session, event)
    if n is None:
        return []
    first, last = split_consignment.span(n.shipped_on, params)
    cap = lanes.LANE_CAP
    windows = [
        routes.Window(NOTIFICATION, split_consignment.route(lane), first, last, cap, False)
        for lane in split_consignment.lanes(n)
    ]
    found = await routes.read(session, windows)
    related = await facts.notifications(session, {i for w in windows for i in found[w]} - {n.id})
    return split_consignment.evaluate(n, list(related.values()), params)


def _registration(code: str, triggers: set[Trigger], run: Runner) -> Registration:
    return Registration(code, frozenset(triggers), run)


REGISTRATIONS: list[Registration] = [
    _registration(
        no_legitimate_use.CODE, {"notification"}, _on_notification(no_legitimate_use.evaluate)
    ),
    # every notification counts whatever its status (see the rule), so only creations matter
    _registration(split_consignment.CODE, {"notification"}, run_split),
    _registration(
        quantity_shortfall.CODE, {"arrival"}, _on_notification(quantity_shortfall.evaluate)
    ),
    _registration(
        arrival_after_objection.CODE,
        {"arrival", "reply"},
        _on_notification(arrival_after_objection.evaluate),
    ),
]
