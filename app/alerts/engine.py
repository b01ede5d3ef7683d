"""Dispatch an event to the rules that listen to it and turn their firings into alerts."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import gather, service
from app.alerts.models import Alert, RuleSetting
from app.alerts.rules.catalogue import RULES
from app.alerts.runners import alr, incidents, links, notification_rules, route, sweep
from app.alerts.runners.base import Event, Registration

REGISTRY: dict[str, Registration] = {
    r.code: r
    for module in (links, alr, notification_rules, incidents, route, sweep)
    for r in module.REGISTRATIONS
}


async def settings(session: AsyncSession) -> dict[str, tuple[bool, str, dict[str, Any]]]:
    """Return each rule's (enabled, mode, params); rules never edited use their defaults."""
    stored = {r.code: r for r in (await session.scalars(select(RuleSetting))).all()}
    out = {}
    for code, spec in RULES.items():
        row = stored.get(code)
        params = {**spec.defaults, **(row.params if row else {})}
        out[code] = (row.enabled if row else True, row.mode if row else "active", params)
    return out


async def dispatch(session: AsyncSession, event: Event, now: datetime) -> list[Alert]:
    """Run the rules listening to the event; return the alerts raised or updated."""
    current = await settings(session)
    firings = []
    modes = {}
    gather.remember_facts(session)
    try:
        for code, registration in REGISTRY.items():
            enabled, mode, params = current[code]
            if enabled and event.trigger in registration.triggers:
                firings += await registration.run(session, event, params)
                modes[code] = mode
    finally:
        gather.forget_facts(session)
    changed = await service.apply(session, firings, modes, now)
    for code, registration in REGISTRY.items():
        if current[code][0] and registration.resolve and event.trigger in registration.resolves_on:
            fingerprints, reason = await registration.resolve(session, event)
            changed += await service.resolve(session, fingerprints, reason, now)
    return changed
