"""Run a whole transaction again when the database says so: a deadlock or a serialisation failure
it still reports, or a connection lost before the transaction ended (a restart, a failover).

Whole means from the start: the request (its body replayed), or the import batch, in a new
transaction on a connection the pool checks out afresh (SQLAlchemy drops the pooled connections
opened before a disconnect). A transaction whose COMMIT was cut off may have committed: its replay
is then a replay, which every write answers without a second copy (references, If-Match).
"""

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import structlog
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Unavailable, problem_response

T = TypeVar("T")

CONFLICT, CONNECTION = "conflict", "connection"
_CONFLICTS = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
# admin_shutdown, crash_shutdown, cannot_connect_now; class 08 is connection_exception.
_GONE = frozenset({"57P01", "57P02", "57P03"})
DELAYS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)  # at most ~4 s before giving up
RETRY_AFTER_S = 2

log = structlog.get_logger("retry")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _unreachable(error: BaseException) -> bool:
    """The driver could not reach the server at all: refused, reset, timed out, or asyncpg's
    plain OSError for every address it tried ("Multiple exceptions: ..."); a missing file or a
    denied permission is no outage."""
    return isinstance(error, ConnectionError | TimeoutError) or type(error) is OSError


def reason(exc: BaseException) -> str | None:
    """Why the transaction that raised `exc` may be run again (None: it may not)."""
    for error in _chain(exc):
        if isinstance(error, DBAPIError):
            state = getattr(error.orig, "sqlstate", None) or ""
            if state in _CONFLICTS:
                return CONFLICT
            if error.connection_invalidated or state in _GONE or state.startswith("08"):
                return CONNECTION
        elif _unreachable(error):
            return CONNECTION
    return None


def delays() -> Iterator[float]:
    """The pauses before each new attempt: growing, with full jitter so that the writers that
    met do not meet again at the same instant."""
    for delay in DELAYS:
        yield random.uniform(delay / 2, delay)


async def retrying(
    work: Callable[[], Awaitable[T]],
    on_retry: Callable[[str], None] | None = None,
    still: Callable[[], bool] = lambda: True,
) -> T:
    """Run `work` (a whole transaction); again after a pause while the database says so and
    `still` allows it."""
    pauses = delays()
    while True:
        try:
            return await work()
        except Exception as exc:
            why = reason(exc)
            pause = next(pauses, None)
            if why is None or pause is None or not still():
                raise
        if on_retry is not None:
            on_retry(why)
        await asyncio.sleep(pause)


class RetryMiddleware:
    """Run a request again, whole, while the database asks for it and nothing has been answered
    yet; past the last attempt, 503 with Retry-After instead of a 500."""

    def __init__(self, app: ASGIApp, *, on_retry: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.on_retry = on_retry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body: list[Message] = []  # the request's messages as read, replayed to later attempts
        started = False

        def replay() -> Receive:
            queue = list(body)

            async def receive_again() -> Message:
                if queue:
                    return queue.pop(0)
                message = await receive()
                body.append(message)
                return message

            return receive_again

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def attempt() -> None:
            await self.app(scope, replay(), watched)

        try:
            await retrying(attempt, self.on_retry, still=lambda: not started)
        except Exception as exc:
            why = None if started else reason(exc)
            if why is None:
                raise
            log.warning("database unavailable", reason=why, error=repr(exc))
            problem = Unavailable("the database is unavailable; retry shortly").problem()
            headers = {"Retry-After": str(RETRY_AFTER_S)}
            await problem_response(problem, headers=headers)(scope, receive, send)
