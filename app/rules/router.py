"""HTTP routes of /v1/rules: the rule catalogue with each rule's switch, mode and parameters."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.alerts.schemas import RuleIn, RuleOut
from app.auth.dependencies import Admin
from app.db import SessionDep
from app.errors import problem_responses
from app.kit.dependencies import ClockDep, Cursor, Limit
from app.records import pages
from app.records.schemas import EventOut, Page
from app.rules import service
from app.rules.service import KIND

router = APIRouter(prefix="/v1/rules", tags=["rules"])
RuleCode = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9_]{1,64}$", description="Rule code, e.g. REPLY_OVERDUE."),
]
_READ = problem_responses(401, 403, 404, 422)


@router.get("", summary="List the rules and their settings", responses=problem_responses(401, 403))
async def list_rules(principal: Admin, session: SessionDep) -> Page[RuleOut]:
    """Every rule code of the contract with whether it is enabled, its mode and parameters.

    `mode` is `active` or `monitor`: alerts of a rule in monitor mode are stored but left out of
    the default alert feed (`GET /v1/alerts?include_monitor=true` lists them). A disabled rule
    raises no alert at all. `updated_at` is null for a rule never changed.
    """
    del principal
    return Page(items=await service.list_rules(session), next_cursor=None)


@router.get("/{code}", summary="Get a rule's settings", responses=_READ)
async def get_rule(code: RuleCode, principal: Admin, session: SessionDep) -> RuleOut:
    """One rule's settings; 404 for a code that is not a rule."""
    del principal
    return await service.get_rule(session, code)


@router.put(
    "/{code}",
    summary="Change a rule's settings",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
async def put_rule(
    code: RuleCode, body: RuleIn, principal: Admin, session: SessionDep, clock: ClockDep
) -> RuleOut:
    """Switch a rule on or off, set its mode, or change parameters; what is not sent is kept.

    Only the rule's own parameters are accepted, as positive numbers (whole numbers for counts
    and days); anything else is a 422 naming `params.<name>`. The change takes effect for the
    next record or sweep and is recorded in the rule's history.
    """
    return await service.update_rule(session, principal, code, body, clock.now())


@router.get("/{code}/history", summary="History of a rule's settings", responses=_READ)
async def rule_history(
    code: RuleCode,
    principal: Admin,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[EventOut]:
    """Every change of the rule's settings, oldest first, with the settings before and after
    (`data.old`, `data.new`) and the country of the admin who made it."""
    del principal
    await service.get_rule(session, code)
    return await pages.history_page(session, KIND, code, cursor, limit)
