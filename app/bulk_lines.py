"""Lines of a bulk import file: parsing and validation with the API's models, and checkpoints."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from app.errors import AppError, validation_errors
from app.notifications.schemas import ArrivalIn, NotificationCreate, ReplyIn
from app.seizures.schemas import SeizureCreate

TYPES = ("notification", "seizure", "reply", "arrival")
_MODELS: dict[str, type[BaseModel]] = {
    "notification": NotificationCreate,
    "seizure": SeizureCreate,
    "reply": ReplyIn,
    "arrival": ArrivalIn,
}


class LineError(Exception):
    """One line could not be stored; carries (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


@dataclass(frozen=True)
class Line:
    """A line that passed validation: its type, the raw record and the validated body."""

    kind: str
    record: dict[str, Any]
    body: BaseModel


def parse_line(raw: str) -> Line:
    """Parse and validate one line without touching the database; raise LineError if bad."""
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LineError([("line", f"not JSON: {exc.msg}")]) from None
    if not isinstance(record, dict):
        raise LineError([("line", "must be a JSON object")])
    kind = record.get("type")
    if kind not in TYPES:
        raise LineError([("type", f"must be one of {', '.join(TYPES)}")])
    errors = [
        (key, "is required")
        for key in ("authority", "body")
        + (("reference", "exporter_authority") if kind in ("reply", "arrival") else ())
        if key not in record
    ]
    errors += [
        (key, "must be a string")
        for key in ("authority", "reference", "exporter_authority")
        if key in record and not isinstance(record[key], str)
    ]
    if errors:
        raise LineError(errors)
    try:
        body = _MODELS[kind].model_validate(record["body"])
    except ValidationError as exc:
        raise LineError([(body_field(f), m) for f, m in validation_errors(exc.errors())]) from None
    return Line(kind, record, body)


def body_field(path: str) -> str:
    """Name a field of the body the way error lines show it."""
    return f"body.{path}" if path else "body"


def app_errors(exc: AppError) -> list[tuple[str, str]]:
    """Turn a service's error into (field, message) pairs."""
    problem = exc.problem()
    if problem.differing_fields:
        message = f"differs from the stored record ({problem.detail})"
        return [(body_field(f), message) for f in problem.differing_fields]
    if problem.errors:
        return [(body_field(e.field), e.message) for e in problem.errors]
    return [("body", problem.detail or problem.title)]


def progress_path(path: Path) -> Path:
    """The checkpoint file next to the imported file."""
    return path.with_name(path.name + ".progress")


def read_checkpoint(path: Path) -> tuple[int, int]:
    """Return (lines done, lines failed) from a checkpoint; a bare integer is also accepted."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return 0, 0
    if not text:
        return 0, 0
    data = json.loads(text)
    if isinstance(data, int):
        return data, 0
    return int(data.get("lines", 0)), int(data.get("failed", 0))


def write_checkpoint(path: Path, lines: int, failed: int) -> None:
    """Write the checkpoint atomically (a crash leaves the old or the new one, never half)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"lines": lines, "failed": failed}) + "\n")
    os.replace(tmp, path)
