"""One error hierarchy, rendered as RFC 9457 problem+json."""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One invalid field and the rule it broke."""

    field: str = Field(description="Dotted path of the field, e.g. items.0.quantity.")
    message: str = Field(description="The rule the value broke.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(default="about:blank", description="URI identifying the problem type.")
    title: str = Field(description="Short summary of the problem type.")
    status: int = Field(description="HTTP status code.")
    detail: str | None = Field(default=None, description="Explanation of this occurrence.")
    errors: list[FieldError] | None = Field(default=None, description="Invalid fields.")
    differing_fields: list[str] | None = Field(
        default=None, description="On 409 for a reused reference: the fields that differ."
    )


class AppError(Exception):
    """Base of every error the API reports on purpose."""

    status = 500
    title = "Internal error"
    slug = "internal"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra = extra

    def problem(self) -> Problem:
        """Render this error as a problem document."""
        return Problem(
            type=f"/problems/{self.slug}",
            title=self.title,
            status=self.status,
            detail=self.detail,
            **self.extra,
        )


class InternalError(AppError):
    """An unexpected failure; nothing was stored."""


class BadRequest(AppError):
    status, title, slug = 400, "Malformed request", "malformed-request"


class Unauthorized(AppError):
    status, title, slug = 401, "Missing or invalid API key", "unauthorized"


class Forbidden(AppError):
    status, title, slug = 403, "Not allowed for this key", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(AppError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(AppError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class PayloadTooLarge(AppError):
    status, title, slug = 413, "Request body too large", "payload-too-large"


class Unavailable(AppError):
    status, title, slug = 503, "Service unavailable", "unavailable"


class InvalidInput(AppError):
    """A 422 with one entry per bad field."""

    status, title, slug = 422, "Invalid input", "invalid-input"

    def __init__(self, errors: Sequence[tuple[str, str]], detail: str | None = None) -> None:
        fields = [FieldError(field=f, message=m) for f, m in errors]
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in fields))
        self.extra = {"errors": fields}


def field_path(loc: Sequence[int | str]) -> str:
    """Turn a pydantic error location into a dotted field path without the 'body' prefix."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(errors: Sequence[Any]) -> list[tuple[str, str]]:
    """Flatten pydantic errors into (field, message) pairs."""
    pairs = []
    for err in errors:
        message = str(err.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        pairs.append((field_path(err.get("loc", ())), message))
    return pairs


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    """Serialise a problem with its media type."""
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(exc.problem())


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        first = next(e for e in errors if e.get("type") == "json_invalid")
        detail = f"body is not valid JSON: {first.get('ctx', {}).get('error', 'parse error')}"
        return problem_response(BadRequest(detail).problem())
    return problem_response(InvalidInput(validation_errors(errors)).problem())


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    known = {e.status: e for e in AppError.__subclasses__()}.get(exc.status_code)
    problem = Problem(
        type=f"/problems/{known.slug}" if known else "about:blank",
        title=known.title if known else HTTPStatus(exc.status_code).phrase,
        status=exc.status_code,
        detail=str(exc.detail) if exc.detail else None,
    )
    return problem_response(problem, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as problem+json."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Document problem+json answers for a route's OpenAPI entry."""
    titles = {
        400: "Malformed JSON or request",
        401: "Missing or invalid API key",
        403: "Role or country not allowed",
        404: "Not found or not visible to the caller",
        409: "Conflicting state or reused reference",
        412: "Stale If-Match",
        413: "Request body too large",
        428: "If-Match required",
        422: "Invalid field values",
        503: "Database unavailable: retry after Retry-After seconds",
    }
    # `model` puts Problem in the components (FastAPI also lists it under application/json); the
    # answers are problem+json, so that entry carries the schema that clients and checks validate.
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        s: {
            "model": Problem,
            "description": titles[s],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for s in statuses
    }
