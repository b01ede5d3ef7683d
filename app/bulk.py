"""Bulk import of records from newline-delimited JSON, through the same services as the API.

Each line is one record::

    {"type": "notification", "authority": "<id>", "body": {...POST /v1/notifications body...}}
    {"type": "seizure", "authority": "<id>", "body": {...POST /v1/seizures body...}}
    {"type": "reply", "authority": "<importer id>", "reference": "DE-2026-000123",
     "exporter_authority": "<exporter id>", "body": {...reply body...}}
    {"type": "arrival", ...same as reply..., "body": {...arrival body...}}

Every line is validated with the API's models and stored in its own transaction, committed with
`app.db.commit` (so alert feed numbers are assigned), and so raises exactly the alerts the API
would. Re-running a file is safe: stored records come back as replays. A checkpoint file
`FILE.progress` records how many lines are done, so a restart skips them; it is removed when the
whole file is done.
"""

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from app.alerts.models import Alert
from app.auth import service as auth_service
from app.auth.schemas import Principal
from app.db import commit
from app.errors import AppError, validation_errors
from app.kit.clock import Clock
from app.notifications import repository as notifications_repository
from app.notifications import service as notifications
from app.notifications.schemas import ArrivalIn, NotificationCreate, ReplyIn
from app.seizures import service as seizures
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


@dataclass
class Summary:
    """What an import did."""

    created: int = 0
    replayed: int = 0
    failed: int = 0
    skipped: int = 0
    alerts: Counter[str] = field(default_factory=Counter)

    def text(self) -> str:
        """One line for people."""
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.alerts.items()))
        raised = sum(self.alerts.values())
        line = (
            f"created {self.created}, replayed {self.replayed}, failed {self.failed}; "
            f"alerts raised {raised}"
        )
        if rules:
            line += f" ({rules})"
        if self.skipped:
            line += f"; {self.skipped} lines skipped from a previous run"
        return line


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


class Importer:
    """Store the lines of one file through the record services."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        authority_map: dict[str, str] | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.authority_map = authority_map or {}
        self._principals: dict[str, Principal] = {}

    async def _principal(self, session: AsyncSession, name: str, key: str) -> Principal:
        authority_id = self.authority_map.get(name, name)
        cached = self._principals.get(authority_id)
        if cached is not None:
            return cached
        authority = await auth_service.get_authority(session, authority_id)
        if authority is None:
            raise LineError([(key, f"no authority {name!r}")])
        if authority.revoked_at is not None:
            raise LineError([(key, f"authority {name!r} is revoked")])
        principal = Principal(authority.id, authority.country, authority.name, authority.role_set)
        if not principal.has("reporter"):
            raise LineError([(key, f"authority {name!r} lacks the reporter role")])
        self._principals[authority_id] = principal
        return principal

    async def store(self, raw: str) -> tuple[bool, list[Alert]]:
        """Store one line in its own transaction; return (created, alerts raised)."""
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
            raise LineError(
                [(_body_field(f), m) for f, m in validation_errors(exc.errors())]
            ) from None
        async with self.sessionmaker() as session:
            try:
                result = await self._apply(session, kind, record, body)
                await commit(session)
            except AppError as exc:
                await session.rollback()
                raise LineError(_app_errors(exc)) from None
            except BaseException:
                await session.rollback()
                raise
        return result

    async def _apply(
        self, session: AsyncSession, kind: str, record: dict[str, Any], body: BaseModel
    ) -> tuple[bool, list[Alert]]:
        principal = await self._principal(session, record["authority"], "authority")
        if isinstance(body, NotificationCreate):
            _, created, raised = await notifications.create(session, principal, body, self.clock)
            return created, raised if created else []
        if isinstance(body, SeizureCreate):
            _, created, raised = await seizures.create(session, principal, body, self.clock)
            return created, raised if created else []
        exporter = await self._principal(
            session, record["exporter_authority"], "exporter_authority"
        )
        n = await notifications_repository.get_by_reference(
            session, exporter.authority_id, record["reference"]
        )
        if n is None:
            raise LineError(
                [("reference", f"no notification {record['reference']!r} of that exporter")]
            )
        if isinstance(body, ReplyIn):
            created = n.decision is None
            raised = await notifications.reply(session, principal, n, body, self.clock)
        else:
            assert isinstance(body, ArrivalIn)
            created = n.received_on is None
            raised = await notifications.arrival(session, principal, n, body, self.clock)
        return created, raised


def _body_field(path: str) -> str:
    return f"body.{path}" if path else "body"


def _app_errors(exc: AppError) -> list[tuple[str, str]]:
    problem = exc.problem()
    if problem.differing_fields:
        message = f"differs from the stored record ({problem.detail})"
        return [(_body_field(f), message) for f in problem.differing_fields]
    if problem.errors:
        return [(_body_field(e.field), e.message) for e in problem.errors]
    return [("body", problem.detail or problem.title)]


def import_file(
    path: Path,
    importer: Importer,
    runner: asyncio.Runner,
    report: Callable[[str], None] | None = None,
) -> Summary:
    """Stream `path`, storing each line; resume after the checkpoint and remove it when done.

    File I/O stays synchronous here; each line's database work runs on `runner`'s event loop.
    """
    checkpoint = progress_path(path)
    done, failed_before = read_checkpoint(checkpoint)
    summary = Summary(failed=failed_before, skipped=done)
    size = path.stat().st_size
    with (
        path.open("rb") as lines,
        tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
        ) as bar,
    ):
        say = report or (lambda text: bar.write(text, file=sys.stderr))
        for number, line in enumerate(lines, start=1):
            bar.update(len(line))
            if number <= done:
                continue
            raw = line.decode("utf-8", errors="replace").strip()
            if raw:
                try:
                    created, raised = runner.run(importer.store(raw))
                except LineError as exc:
                    summary.failed += 1
                    for f, m in exc.errors:
                        say(f"line {number}: {f}: {m}")
                else:
                    if created:
                        summary.created += 1
                    else:
                        summary.replayed += 1
                    summary.alerts.update(a.rule for a in raised)
            write_checkpoint(checkpoint, number, summary.failed)
    checkpoint.unlink(missing_ok=True)
    return summary
