"""Runners of the time-based rules that only the sweep finds: REPLY_OVERDUE, ARRIVAL_OVERDUE.

Candidates come from indexed range queries over the notifications' own dates, compared with the
sweep's `as_of` date (never the wall clock), and are read in keyset pages of `PAGE` rows so memory
stays flat however many are overdue. A notification that already has an alert for the rule (open or
closed) is no candidate: the fact was raised once, and closing that alert does not make the next
sweep open a new one a minute later.

The reply (REPLY_OVERDUE) or the arrival (ARRIVAL_OVERDUE) that ends the condition closes the open
alert with resolution `cleared`, the history entry saying when it came.

Indexes that keep these queries flat (partial, so they hold only the still-open notifications):

- REPLY_OVERDUE:
  ``notifications (reply_due_date, id) WHERE decision IS NULL AND withdrawn_at IS NULL``
- ARRIVAL_OVERDUE with an expected date:
  ``notifications (expected_arrival_date, id) WHERE received_on IS NULL AND withdrawn_at IS NULL``
- ARRIVAL_OVERDUE without one: ``notifications (dispatch_date, notified_on, id)
  WHERE received_on IS NULL AND expected_arrival_date IS NULL AND withdrawn_at IS NULL``
"""

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, exists, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts.models import AlertFingerprint
from app.alerts.rules import arrival_overdue, reply_overdue
from app.alerts.rules.base import Firing
from app.alerts.runners.base import Event, Registration, Resolver, Trigger
from app.ingest import facts
from app.notifications.models import Notification
from app.records.facts import NotificationFacts

PAGE = 500
TRIGGERS: frozenset[Trigger] = frozenset({"sweep"})
N = Notification


@dataclass(frozen=True, slots=True)
class Candidates:
    """One indexed query for candidates: its conditions and its keyset order (no NULLs)."""

    where: tuple[ColumnElement[bool], ...]
    order: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class SweepRule:
    """A rule the sweep evaluates over notifications: where to look, and the pure verdict."""

    code: str
    candidates: Callable[[date, dict[str, Any]], list[Candidates]]
    evaluate: Callable[[NotificationFacts, date, dict[str, Any]], list[Firing]]
    cleared_on: Trigger  # the event that ends the condition: its open alert is closed `cleared`


def _not_alerted(code: str) -> ColumnElement[bool]:
    """No alert of this rule was ever raised for the notification (a primary-key probe)."""
    fingerprint = literal(f"{code}:", String) + N.id
    return ~exists().where(AlertFingerprint.fingerprint == fingerprint)


def _reply(as_of: date, params: dict[str, Any]) -> list[Candidates]:
    del params
    return [
        Candidates(
            (
                N.decision.is_(None),
                N.withdrawn_at.is_(None),
                N.reply_due_date < as_of,
                _not_alerted(reply_overdue.CODE),
            ),
            (N.reply_due_date, N.id),
        )
    ]


def _arrival(as_of: date, params: dict[str, Any]) -> list[Candidates]:
    eta_cutoff = as_of - timedelta(days=int(params["grace_days"]))
    no_eta_cutoff = as_of - timedelta(days=int(params["no_eta_days"]))
    common = (
        N.received_on.is_(None),
        N.withdrawn_at.is_(None),
        or_(N.decision.is_(None), N.decision != "objection"),
        _not_alerted(arrival_overdue.CODE),
    )
    no_eta = (*common, N.expected_arrival_date.is_(None))
    return [
        Candidates(
            (*common, N.expected_arrival_date < eta_cutoff), (N.expected_arrival_date, N.id)
        ),
        Candidates(
            (*no_eta, N.dispatch_date < no_eta_cutoff), (N.dispatch_date, N.notified_on, N.id)
        ),
        # Neither date: the notification date stands in for dispatch, as for the other rules.
        Candidates(
            (*no_eta, N.dispatch_date.is_(None), N.notified_on < no_eta_cutoff),
            (N.notified_on, N.id),
        ),
    ]


RULES: dict[str, SweepRule] = {
    rule.code: rule
    for rule in (
        SweepRule(reply_overdue.CODE, _reply, reply_overdue.evaluate, "reply"),
        SweepRule(arrival_overdue.CODE, _arrival, arrival_overdue.evaluate, "arrival"),
    )
}


async def candidate_pages(
    session: AsyncSession, query: Candidates, size: int | None = None
) -> AsyncIterator[list[str]]:
    """Yield the ids of matching notifications, `size` (default `PAGE`) at a time, in the
    query's index order; each page resumes after the last row of the previous one."""
    size = size or PAGE
    last: Sequence[Any] | None = None
    while True:
        stmt = select(*query.order).where(*query.where)
        if last is not None:
            after = tuple_(*(literal(v, c.type) for c, v in zip(query.order, last, strict=True)))
            stmt = stmt.where(tuple_(*query.order) > after)
        rows = (await session.execute(stmt.order_by(*query.order).limit(size))).all()
        if not rows:
            return
        yield [row[-1] for row in rows]
        if len(rows) < size:
            return
        last = tuple(rows[-1])


async def firing_pages(
    session: AsyncSession,
    code: str,
    as_of: date,
    params: dict[str, Any],
    size: int | None = None,
) -> AsyncIterator[list[Firing]]:
    """Yield the firings of one sweep rule, one page of candidates at a time."""
    rule = RULES[code]
    for query in rule.candidates(as_of, params):
        async for ids in candidate_pages(session, query, size):
            # Row locks, which a reply or an arrival waits for (notifications.locks.lock_stored):
            # one committed since the page was read shows in the facts; one that waits clears
            # what the sweep raises. Row locks take no room in PostgreSQL's shared lock table.
            await session.execute(_SHARE, {"ids": ids})
            found = await facts.notifications(session, ids, fresh=True)
            firings = [f for i in ids if i in found for f in rule.evaluate(found[i], as_of, params)]
            if firings:
                yield firings


def _runner(code: str) -> Any:
    async def run(session: AsyncSession, event: Event, params: dict[str, Any]) -> list[Firing]:
        """Collect every firing at once; the sweep job pages with `firing_pages` instead."""
        if event.as_of is None:
            return []
        return [f async for page in firing_pages(session, code, event.as_of, params) for f in page]

    return run


_SHARE = (
    select(N.id)
    .where(N.id.in_(bindparam("ids", expanding=True)))
    .order_by(N.id)
    .with_for_update(read=True)
)


def _resolver(rule: SweepRule) -> Resolver:
    async def cleared(
        session: AsyncSession, event: Event, params: dict[str, Any]
    ) -> tuple[list[str], str]:
        """The rule's alert on the notification the reply or arrival came for."""
        del params
        n = await session.get(N, event.record_id) if event.record_id else None
        if n is None:
            return [], ""
        came = n.replied_on if rule.cleared_on == "reply" else n.received_on
        return [f"{rule.code}:{n.id}"], f"the {rule.cleared_on} came on {came}"

    return cleared


REGISTRATIONS = [
    Registration(
        code,
        TRIGGERS,
        _runner(code),
        resolves_on=frozenset({rule.cleared_on}),
        resolve=_resolver(rule),
        resolution="cleared",
    )
    for code, rule in RULES.items()
]
