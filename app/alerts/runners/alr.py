"""Rules over annual legitimate requirements: ALR_EXCEEDED and MISSING_ALR.

ALR_EXCEEDED is evaluated from both sides: when a notification is created (its year's total
grows), when a counted one is refused or withdrawn (the total shrinks; an alert already raised is
updated when still above, never withdrawn), and when an ALR is set (for that year and the later
years it stays valid for, until the next year that has its own ALR). The totals are read from
`alr_totals`, which the notification service keeps up to date (app/alerts/alr_totals.py), so an
evaluation reads one row per exporting country instead of every notification of the year.
"""

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import gather
from app.alerts import gather_notifications as lookups
from app.alerts.rules import alr_exceeded, missing_alr
from app.alerts.rules.base import Firing
from app.alerts.runners.base import Event, Registration
from app.ingest import facts
from app.notifications.models import KIND as NOTIFICATION
from app.records.facts import NotificationFacts

Group = tuple[str, str, int]  # importing country, substance code, year


async def _exceeded(
    session: AsyncSession, groups: set[Group], params: dict[str, Any]
) -> list[Firing]:
    firings: list[Firing] = []
    for country, code, year in sorted(groups):
        requirement = (await lookups.requirements_in_force(session, country, [code], year)).get(
            code
        )
        if requirement is None:
            continue
        total = await lookups.year_total(session, country, code, year, alr_exceeded.EVIDENCE_LINES)
        firings += alr_exceeded.evaluate(total, requirement, params)
    return firings


def _groups(n: NotificationFacts) -> set[Group]:
    return {
        (n.importing_country, i.substance_code, n.notified_on.year)
        for i in n.items
        if i.alr_tracked
    }


async def _notification_changed(session: AsyncSession, event: Event) -> NotificationFacts | None:
    """Return the notification when this event may change the totals it counts towards."""
    assert event.record_id is not None
    n = (await facts.notifications(session, [event.record_id])).get(event.record_id)
    if n is None or not _groups(n):
        return None
    if event.trigger == "reply" and n.decision != "objection":
        return None  # a no-objection changes nothing: the notification counted already
    if event.trigger == "status":
        # withdraw and suspend share the trigger; only a withdrawal takes it out of the total
        latest = await lookups.latest_event(session, NOTIFICATION, n.id)
        if latest != "withdrawn" or n.decision == "objection":
            return None
    return n


async def _years_of_alr(session: AsyncSession, event: Event) -> set[Group]:
    """Return the years a newly set ALR is in force for that have notifications."""
    country, code, year = event.country, event.substance_code, event.year
    if country is None or code is None or year is None:
        return set()
    replaced = await lookups.next_requirement_year(session, country, code, year)
    last = await lookups.last_notified(session, country, code, date(year, 1, 1))
    if last is None:
        return set()
    until = last.year if replaced is None else min(last.year, replaced - 1)
    return {(country, code, y) for y in range(year, until + 1)}


async def run_exceeded(session: AsyncSession, event: Event, params: dict[str, Any]) -> list[Firing]:
    """Re-total the (country, substance, year) groups the event touches."""
    if event.trigger == "alr":
        return await _exceeded(session, await _years_of_alr(session, event), params)
    if event.record_id is None:
        return []
    n = await _notification_changed(session, event)
    return [] if n is None else await _exceeded(session, _groups(n), params)


async def run_missing(session: AsyncSession, event: Event, params: dict[str, Any]) -> list[Firing]:
    """Check a new notification's ALR-tracked substances against the ALRs in force."""
    if event.record_id is None:
        return []
    n = (await facts.notifications(session, [event.record_id])).get(event.record_id)
    if n is None:
        return []
    codes = {i.substance_code for i in n.items if i.alr_tracked}
    if not codes:
        return []
    on_file = await lookups.requirements_in_force(
        session, n.importing_country, codes, n.notified_on.year
    )
    return missing_alr.evaluate(n, frozenset(on_file), params)


async def resolve_missing(
    session: AsyncSession, event: Event, _params: dict[str, Any]
) -> tuple[list[str], str]:
    """Name the MISSING_ALR alerts that a newly set ALR answers (its year until replaced)."""
    country, code, year = event.country, event.substance_code, event.year
    if country is None or code is None or year is None:
        return [], ""
    replaced = await lookups.next_requirement_year(session, country, code, year)
    last = date(replaced - 1, 12, 31) if replaced is not None else date(9999, 12, 31)
    ids = await gather.notifications_to(session, country, [code], date(year, 1, 1), last)
    reason = f"an ALR of {country} for {code} is now on file from {year}"
    return [f"{missing_alr.CODE}:{i}:{code}" for i in ids], reason


REGISTRATIONS: list[Registration] = [
    Registration(
        alr_exceeded.CODE, frozenset({"notification", "reply", "status", "alr"}), run_exceeded
    ),
    Registration(
        missing_alr.CODE,
        frozenset({"notification"}),
        run_missing,
        resolves_on=frozenset({"alr"}),
        resolve=resolve_missing,
    ),
]
