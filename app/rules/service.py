"""Read and change rule settings; every change is kept in the rule's history."""

import math
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import engine
from app.alerts.models import RuleSetting
from app.alerts.rules.catalogue import RULES
from app.alerts.schemas import RuleIn, RuleOut
from app.auth.schemas import Principal
from app.errors import InvalidInput, NotFound
from app.kit.sql import dialect_insert
from app.records import service as records

KIND = "rule"  # rule-setting changes live in the record history under this kind, keyed by code


def limit_of(name: str) -> float:
    """Return the largest value a parameter may take (keeps date arithmetic in range)."""
    if name.endswith("_days"):
        return 36500
    if name.endswith("_percent"):
        return 100
    if name == "count":
        return 10000
    return 1_000_000


def check_params(code: str, given: dict[str, int | float]) -> dict[str, int | float]:
    """Validate new parameter values for a rule; a 422 names each bad `params.<name>`."""
    defaults = RULES[code].defaults
    known = ", ".join(sorted(defaults)) or "none"
    errors: list[tuple[str, str]] = []
    out: dict[str, int | float] = {}
    for name, value in given.items():
        where = f"params.{name}"
        if name not in defaults:
            errors.append((where, f"{code} has no parameter {name!r} (its parameters: {known})"))
        elif isinstance(value, bool) or not math.isfinite(value) or value <= 0:
            errors.append((where, "must be a positive number"))
        elif value > limit_of(name):
            errors.append((where, f"must be at most {limit_of(name):g}"))
        elif isinstance(defaults[name], int) and value != int(value):
            errors.append((where, "must be a whole number"))
        else:
            out[name] = int(value) if isinstance(defaults[name], int) else value
    if errors:
        raise InvalidInput(errors)
    return out


def _known(code: str) -> str:
    if code not in RULES:
        raise NotFound(f"no rule {code!r}; the rules are listed at /v1/rules")
    return code


def _state(enabled: bool, mode: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"enabled": enabled, "mode": mode, "params": dict(sorted(params.items()))}


async def list_rules(session: AsyncSession) -> list[RuleOut]:
    """Return every rule of the catalogue with its current settings."""
    current = await engine.settings(session)
    rows = {r.code: r for r in (await session.scalars(select(RuleSetting))).all()}
    out = []
    for code, spec in RULES.items():
        enabled, mode, params = current[code]
        row = rows.get(code)
        out.append(
            RuleOut(
                code=code,
                fires_when=spec.fires_when,
                enabled=enabled,
                mode=mode,
                params=params,
                updated_at=row.updated_at if row else None,
            )
        )
    return out


async def get_rule(session: AsyncSession, code: str) -> RuleOut:
    """Return one rule's settings; 404 for a code that is not in the catalogue."""
    _known(code)
    return next(r for r in await list_rules(session) if r.code == code)


async def _locked_row(session: AsyncSession, code: str, now: datetime) -> tuple[RuleSetting, bool]:
    """Create the rule's row with the defaults if needed and lock it until commit, so
    concurrent changes apply one after the other and each history entry's `old` is right."""
    insert = dialect_insert(session)
    created = await session.scalar(
        insert(RuleSetting)
        .values(code=code, enabled=True, mode="active", params={}, updated_at=now)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(RuleSetting.code)
    )
    stmt = (
        select(RuleSetting)
        .where(RuleSetting.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one(), created is not None


async def update_rule(
    session: AsyncSession, principal: Principal, code: str, body: RuleIn, now: datetime
) -> RuleOut:
    """Apply new settings; fields not given keep their values. A change is recorded in the
    rule's history as {old, new}; a request that changes nothing records nothing."""
    _known(code)
    given = check_params(code, body.params or {})
    row, created = await _locked_row(session, code, now)
    engine.forget_settings(session)  # this session reads the new settings from here on
    defaults = RULES[code].defaults
    old = _state(row.enabled, row.mode, {**defaults, **row.params})
    enabled = row.enabled if body.enabled is None else body.enabled
    mode = row.mode if body.mode is None else body.mode
    overrides = {**row.params, **given}
    new = _state(enabled, mode, {**defaults, **overrides})
    if new == old:
        if created:  # leave no trace of a request that changed nothing
            await session.execute(delete(RuleSetting).where(RuleSetting.code == code))
        return await get_rule(session, code)
    row.enabled, row.mode, row.params, row.updated_at = enabled, mode, overrides, now
    await session.flush()
    await records.add_event(
        session,
        KIND,
        code,
        "updated",
        principal=principal,
        at=now,
        data={"old": old, "new": new},
    )
    return await get_rule(session, code)
