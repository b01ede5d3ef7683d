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


SETTINGS = "rule_settings"
_STORED = select(RuleSetting)


async def settings(session: AsyncSession) -> dict[str, tuple[bool, str, dict[str, Any]]]:
    """Return each rule's (enabled, mode, params); rules never edited use their defaults.

    Read once per session (each record of a batch dispatches): only `forget_settings` after a
    change lets the session read them again.
    """
    cached: dict[str, tuple[bool, str, dict[str, Any]]] | None = session.info.get(SETTINGS)
    if cached is not None:
        return cached
    stored = {r.code: r for r in (await session.scalars(_STORED)).all()}
    out = {}
    for code, spec in RULES.items():
        row = stored.get(code)
        params = {**spec.defaults, **(row.params if row else {})}
        out[code] = (row.enabled if row else True, row.mode if row else "active", params)
    session.info[SETTINGS] = out
    return out


def forget_settings(session: AsyncSession) -> None:
    """Drop the session's copy of the rule settings (they were just changed)."""
    session.info.pop(SETTINGS, None)


async def dispatch(session: AsyncSession, event: Event, now: datetime) -> list[Alert]:
    """Run the rules listening to the event; return the alerts raised or updated."""
    current = await settings(session)
    firings = []
    modes = {}
    # Facts are shared by the runners and the resolvers: applying firings writes only alerts.
    gather.remember_facts(session)
    try:
        for code, registration in REGISTRY.items():
            enabled, mode, params = current[code]
            if enabled and event.trigger in registration.triggers:
                firings += await registration.run(session, event, params)
                modes[code] = mode
        changed = await service.apply(session, firings, modes, now)
        for code, registration in REGISTRY.items():
            enabled, _, params = current[code]
            if enabled and registration.resolve and event.trigger in registration.resolves_on:
                fingerprints, reason = await registration.resolve(session, event, params)
                changed += await service.resolve(
                    session, fingerprints, reason, now, registration.resolution
                )
    finally:
        gather.forget_facts(session)
    return changed
