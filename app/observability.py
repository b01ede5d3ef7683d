"""Structured logs with a request id, Prometheus metrics, and the body-size guard."""

import logging
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge, problem_response


def configure_logging(level: str, json_logs: bool) -> None:
    """Configure structlog to write one JSON object per line to stdout."""
    renderer: Any = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )


class Metrics:
    """The app's Prometheus collectors, in a registry of its own so tests can build many apps."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=self.registry,
        )
        self.feed_polls = Counter(
            "alert_feed_polls_total", "Polls of the alert feed", registry=self.registry
        )
        self.sweep_seconds = Histogram(
            "alert_sweep_duration_seconds",
            "Duration of the time-based rule sweep",
            registry=self.registry,
        )
        self.sweeps = Counter(
            "alert_sweeps_total",
            "Sweeps this process started, by outcome: ran, skipped (another sweep held the lock), "
            "failed",
            ["outcome"],
            registry=self.registry,
        )
        self.db_retries = Counter(
            "db_retries_total",
            "Transactions run again because the database asked for it, by where (http, import, "
            "sweep) and reason (conflict: a deadlock or serialisation failure; connection: lost)",
            ["where", "reason"],
            registry=self.registry,
        )
        self.writes_gave_way = Counter(
            "writes_gave_way_seconds_total",
            "Seconds writes waited for reads in flight before their statements (READS_FIRST_MS)",
            registry=self.registry,
        )
        self.alerts = Gauge(
            "alerts_raised",
            "Alerts stored, by rule and severity; counted in the database at each scrape, so every "
            "process reports the same figure",
            ["rule", "severity"],
            registry=self.registry,
        )

    def retried(self, where: str) -> Callable[[str], None]:
        """Count a retry of a transaction run from `where`, by its reason."""
        return lambda reason: self.db_retries.labels(where, reason).inc()

    def set_alert_counts(self, counts: Iterable[tuple[str, str, int]]) -> None:
        """Replace the alert gauge's series with (rule, severity, count) rows."""
        self.alerts.clear()
        for rule, severity, count in counts:
            self.alerts.labels(rule, severity).set(count)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContextMiddleware:
    """Give every request an id, log it, count it, and refuse oversized bodies with 413."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.log = structlog.get_logger("http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode()[:64] or uuid.uuid4().hex
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(scope, receive, send, request_id)
            return
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # FastAPI re-raises HTTPException from body reading; other errors become 400.
                    raise HTTPException(413, f"the body exceeds {self.max_body_bytes} bytes")
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(elapsed)
            self.log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route,
                status=status,
                ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        response = problem_response(
            PayloadTooLarge(f"the body exceeds {self.max_body_bytes} bytes").problem(),
            headers={"x-request-id": request_id},
        )
        await response(scope, receive, send)
