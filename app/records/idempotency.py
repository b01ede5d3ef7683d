"""Safe retries: replays of the same body, races on one reference, and batches of many."""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import AppError, Conflict, FieldError, InvalidInput, validation_errors
from app.ingest import replays
from app.ingest.pipeline import Draft, write_set
from app.kit.sql import insert_ignoring
from app.records.schemas import BatchResult


class Replayable(Protocol):
    """A record created from a request body that clients may retry."""

    reference: str
    request: dict[str, Any]


class Body(Protocol):
    """A create request's body: its reference, and the canonical JSON a replay compares."""

    reference: str

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


R = TypeVar("R", bound=Replayable)
T = TypeVar("T")


def differing_fields(stored: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Name the top-level fields whose values differ between two request bodies."""
    return sorted(k for k in stored.keys() | new.keys() if stored.get(k) != new.get(k))


def check_replay(existing: R, canonical: dict[str, Any]) -> R:
    """Return the stored record for an identical replay; 409 names the fields that differ."""
    differing = differing_fields(existing.request, canonical)
    if differing:
        raise Conflict(
            f"reference {existing.reference!r} is already used with other values",
            differing_fields=differing,
        )
    return existing


async def insert_once(
    session: AsyncSession, record: R, find: Callable[[], Awaitable[R | None]]
) -> tuple[R, bool]:
    """Insert a new record; if a concurrent request stored its reference first, replay that.

    One INSERT ... ON CONFLICT DO NOTHING rather than a flush in a savepoint (three statements):
    the loser of a race learns it from the empty RETURNING, and then reads the winner's row.
    A record that its set inserted already (`replays.insert_set`) is only taken as stored.
    """
    state = inspect(record)
    table = cast(Table, state.mapper.local_table)
    given = {key: value for key, value in state.dict.items() if key in table.c}
    filled = replays.inserted(session, type(record), given["id"])
    if filled is None:
        # Only what the insert filled in comes back: not the body's JSON again, decoded for nothing.
        wanted = [c.key for c in table.c if c.key not in given]
        wanted = wanted or [c.key for c in table.primary_key.columns]
        stmt = insert_ignoring(session, table, *wanted)
        stored = (await session.execute(stmt, given)).first()
        if stored is None:
            existing = await find()
            if existing is None:
                raise Conflict(f"reference {record.reference!r} could not be stored; retry")
            return check_replay(existing, record.request), False
        filled = cast(Mapping[str, Any], stored._mapping)
    for key, value in filled.items():  # the column defaults the insert applied
        if key not in given:
            set_committed_value(record, key, value)
    # The row is written: the session holds the object as stored, and will not insert it again.
    make_transient_to_detached(record)
    if (left := session.identity_map.get(state.key)) is not None:
        session.expunge(left)  # this draft's object from an attempt that a savepoint undid
    session.add(record)
    return record, True


async def stored_or_inserted(
    session: AsyncSession,
    model: type[R],
    authority_id: str,
    body: Body,
    new: dict[str, Any] | InvalidInput,
    find: Callable[[], Awaitable[R | None]],
) -> tuple[R, bool]:
    """The record stored under the body's reference (an identical replay; 409 otherwise), or
    the new one (`model(**new)`) inserted. A body refused before it was written (`new` is the
    refusal) is refused only if its reference is not a replay's."""
    existing = await replays.stored(session, model, authority_id, body.reference, find)
    if isinstance(new, InvalidInput):
        if existing is None:
            raise new
        return check_replay(existing, body.model_dump(mode="json")), False
    if existing is not None:
        return check_replay(existing, new["request"]), False
    return await insert_once(session, model(**new), find)


Created = tuple[str, bool, list[Any]]  # a batch item's record id, whether new, its alerts


async def run_batch(
    session: AsyncSession,
    raw_items: Sequence[Any],
    adapter: TypeAdapter[Any],
    draft: Callable[[Any], Draft[Created]],
) -> list[BatchResult]:
    """Validate every item, then write the valid ones as one set (`app.ingest.pipeline`): their
    keys locked at once, so one bad item spoils nothing else."""
    drafts: list[Draft[Created] | Exception] = []
    for raw in raw_items:
        try:
            drafts.append(draft(adapter.validate_python(raw)))
        except ValidationError as exc:
            drafts.append(InvalidInput(validation_errors(exc.errors())))
    outcomes = await write_set(session, drafts)
    return [_result(index, outcome) for index, outcome in enumerate(outcomes)]


def _result(index: int, outcome: Created | Exception) -> BatchResult:
    if not isinstance(outcome, Exception):
        record_id, created, raised = outcome
        return BatchResult(index=index, status=201 if created else 200, id=record_id, alerts=raised)
    assert isinstance(outcome, AppError)  # the pipeline's only refusal
    problem = outcome.problem()
    errors = problem.errors or [FieldError(field="body", message=problem.detail or "")]
    if problem.differing_fields:
        errors = [
            FieldError(field=f, message="differs from the stored record")
            for f in problem.differing_fields
        ]
    return BatchResult(index=index, status=outcome.status, errors=errors)
