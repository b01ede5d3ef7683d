"""Safe retries: replays of the same body, races on one reference, and batches of many."""

import copy
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, Protocol, TypeVar

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError, Conflict, FieldError, validation_errors
from app.records.schemas import BatchResult


class Replayable(Protocol):
    """A record created from a request body that clients may retry."""

    reference: str
    request: dict[str, Any]


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
    """Insert a new record; if a concurrent request stored its reference first, replay that."""
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        existing = await find()
        if existing is None:
            raise
        return check_replay(existing, record.request), False
    return record, True


async def in_savepoint(session: AsyncSession, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` in a savepoint; if it fails, undo its writes and what it queued for commit."""
    # Alerts queue their feed entries in session.info for the before-commit hook: a rolled-back
    # item must not leave entries for alerts or changes that the rollback undid.
    saved = {key: copy.copy(value) for key, value in session.info.items()}
    try:
        async with session.begin_nested():
            return await work()
    except BaseException:
        session.info.clear()
        session.info.update(saved)
        raise


async def run_batch(
    session: AsyncSession,
    raw_items: Sequence[Any],
    adapter: TypeAdapter[Any],
    create: Callable[[Any], Awaitable[tuple[str, bool, list[Any]]]],
) -> list[BatchResult]:
    """Validate and store each item in its own savepoint, so one bad item spoils nothing else."""
    results = []
    for index, raw in enumerate(raw_items):
        try:
            body = adapter.validate_python(raw)
        except ValidationError as exc:
            errors = [FieldError(field=f, message=m) for f, m in validation_errors(exc.errors())]
            results.append(BatchResult(index=index, status=422, errors=errors))
            continue
        try:
            record_id, created, raised = await in_savepoint(session, partial(create, body))
        except AppError as exc:
            problem = exc.problem()
            errors = problem.errors or [FieldError(field="body", message=problem.detail or "")]
            if problem.differing_fields:
                errors = [
                    FieldError(field=f, message="differs from the stored record")
                    for f in problem.differing_fields
                ]
            results.append(BatchResult(index=index, status=exc.status, errors=errors))
            continue
        status = 201 if created else 200
        results.append(BatchResult(index=index, status=status, id=record_id, alerts=raised))
    return results
