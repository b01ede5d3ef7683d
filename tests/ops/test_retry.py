"""A transaction the database asked to run again is run again, whole; past the retries, 503."""

from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.types import Receive, Scope, Send

from app.kit import retry
from app.kit.retry import CONFLICT, CONNECTION, RetryMiddleware, reason, retrying

pytestmark = pytest.mark.pure


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def db_error(sqlstate: str, cls: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return cls("SELECT 1", {}, DriverError(sqlstate))


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "DELAYS", (0.0,) * 4)


def test_reasons() -> None:
    assert reason(db_error("40P01")) == CONFLICT
    assert reason(db_error("40001")) == CONFLICT
    assert reason(db_error("57P01")) == CONNECTION
    assert reason(db_error("08006")) == CONNECTION
    assert reason(ConnectionRefusedError()) == CONNECTION
    assert reason(OSError("Multiple exceptions: [Errno 111] Connect call failed")) == CONNECTION
    assert reason(TimeoutError()) == CONNECTION
    assert reason(FileNotFoundError("demo_data.json")) is None
    assert reason(db_error("23505", IntegrityError)) is None
    assert reason(ValueError("no")) is None
    failed_rollback = RuntimeError("rollback failed")
    failed_rollback.__context__ = db_error("40P01")  # raised while handling the deadlock
    assert reason(failed_rollback) == CONFLICT


async def test_retrying_runs_the_work_again_until_it_passes_or_gives_up() -> None:
    calls: list[str] = []

    async def flaky() -> str:
        calls.append("x")
        if len(calls) < 3:
            raise db_error("40P01")
        return "done"

    seen: list[str] = []
    assert await retrying(flaky, seen.append) == "done"
    assert seen == [CONFLICT, CONFLICT]

    async def broken() -> None:
        raise db_error("40001")

    with pytest.raises(DBAPIError):
        await retrying(broken)

    async def invalid() -> None:
        calls.append("invalid")
        raise db_error("23505", IntegrityError)

    with pytest.raises(IntegrityError):
        await retrying(invalid)
    assert calls.count("invalid") == 1


def echo_app(failures: int, exc: Exception, *, after_start: bool = False) -> Any:
    """An app that fails `failures` times, then answers 200 with the body it read."""
    state = {"calls": 0}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        state["calls"] += 1
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if after_start:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        if state["calls"] <= failures:
            raise exc
        if not after_start:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    app.state = state  # type: ignore[attr-defined]
    return app


async def post(app: Any, content: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=RetryMiddleware(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post("/", content=content)


async def test_the_request_is_run_again_with_its_body() -> None:
    app = echo_app(2, db_error("40P01"))
    r = await post(app, b'{"reference": "DE-1"}')
    assert (r.status_code, r.content, app.state["calls"]) == (200, b'{"reference": "DE-1"}', 3)


async def test_an_outage_past_the_retries_answers_503_with_retry_after() -> None:
    app = echo_app(99, ConnectionRefusedError())
    r = await post(app, b"{}")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["Retry-After"] == str(retry.RETRY_AFTER_S)
    assert r.json()["type"] == "/problems/unavailable"
    assert app.state["calls"] == len(retry.DELAYS) + 1


async def test_other_errors_and_answers_already_begun_are_not_run_again() -> None:
    with pytest.raises(IntegrityError):
        await post(echo_app(1, db_error("23505", IntegrityError)), b"{}")
    begun = echo_app(1, db_error("40P01"), after_start=True)
    with pytest.raises(DBAPIError):
        await post(begun, b"{}")
    assert begun.state["calls"] == 1
