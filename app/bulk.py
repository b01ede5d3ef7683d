"""Bulk import of records from newline-delimited JSON, through the same services as the API.

Each line is one record::

    {"type": "notification", "authority": "<id>", "body": {...POST /v1/notifications body...}}
    {"type": "seizure", "authority": "<id>", "body": {...POST /v1/seizures body...}}
    {"type": "reply", "authority": "<importer id>", "reference": "DE-2026-000123",
     "exporter_authority": "<exporter id>", "body": {...reply body...}}
    {"type": "arrival", ...same as reply..., "body": {...arrival body...}}

Every line is validated with the API's models and stored through the record services, so it
raises exactly the alerts the API would. Lines are grouped into transactions of `batch` lines,
as POST /v1/notifications/batch groups its items: each line runs in its own savepoint, so a bad
line rolls back only itself, and the transaction is committed with `app.db.commit` (so alert feed
numbers are assigned). Re-running a file is safe: stored records come back as replays. A
checkpoint file `FILE.progress` records how many lines are committed, so a restart skips them
(and redoes at most one uncommitted batch, as replays); it is removed when the whole file is done.
"""

import asyncio
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tqdm import tqdm

from app.alerts.models import Alert
from app.auth import service as auth_service
from app.auth.schemas import Principal
from app.bulk_lines import (
    Line,
    LineError,
    app_errors,
    parse_line,
    progress_path,
    read_checkpoint,
    write_checkpoint,
)
from app.db import unit_of_work
from app.errors import AppError
from app.ingest import pipeline
from app.ingest.pipeline import Draft, write_set
from app.kit.clock import Clock
from app.kit.retry import retrying
from app.notifications import repository as notifications_repository
from app.notifications import service as notifications
from app.notifications.schemas import ArrivalIn, NotificationCreate, ReplyIn
from app.seizures import service as seizures
from app.seizures.schemas import SeizureCreate

__all__ = [
    "DEFAULT_BATCH",
    "Importer",
    "Line",
    "LineError",
    "Stored",
    "Summary",
    "import_file",
    "progress_path",
]

# The commit is already a small share of a line's cost at 100, and a batch is what an
# interruption redoes; keep in step with the CLI's --batch default.
DEFAULT_BATCH = 100
Stored = tuple[bool, list[Alert]]


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


class Importer:
    """Store the lines of one file through the record services."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        authority_map: dict[str, str] | None = None,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.authority_map = authority_map or {}
        self.batch = batch
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

    async def store_batch(self, lines: list[Line | LineError]) -> list[Stored | LineError]:
        """Store valid lines in one transaction, each in its own savepoint; errors pass through.
        The transaction is run again, whole, when the database asks for it (`app.kit.retry`)."""
        errors: list[Stored | LineError] = [e for e in lines if isinstance(e, LineError)]
        if len(errors) == len(lines):
            return errors
        return await retrying(partial(self._store_all, lines))

    async def _store_all(self, lines: list[Line | LineError]) -> list[Stored | LineError]:
        async with unit_of_work(self.sessionmaker) as session:
            drafts = [await self._draft(session, line) for line in lines]
            # Hundreds of records' keys: the transaction runs alone among writers instead.
            outcomes = await write_set(session, drafts, alone=True, refusals=(AppError, LineError))
        return [self._outcome(o) for o in outcomes]

    async def _draft(
        self, session: AsyncSession, line: Line | LineError
    ) -> Draft[Stored] | LineError:
        """The line's draft, as the API's would be; a line naming an unusable authority is
        refused before the set is written."""
        if isinstance(line, LineError):
            return line
        try:
            principal = await self._principal(session, line.record["authority"], "authority")
        except LineError as exc:
            return exc
        body = line.body
        if isinstance(body, NotificationCreate):
            return notifications.draft(principal, body, self.clock).then(_stored)
        if isinstance(body, SeizureCreate):
            return seizures.draft(principal, body, self.clock).then(_stored)
        return pipeline.draft((), partial(self._follow_up, principal, line))

    @staticmethod
    def _outcome(outcome: Stored | Exception) -> Stored | LineError:
        if isinstance(outcome, AppError):
            return LineError(app_errors(outcome))
        assert not isinstance(outcome, Exception) or isinstance(outcome, LineError)
        return outcome

    async def _follow_up(self, principal: Principal, line: Line, session: AsyncSession) -> Stored:
        """A reply or an arrival, to the notification the line names."""
        record, body = line.record, line.body
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


def _stored(outcome: tuple[object, bool, list[Alert]]) -> Stored:
    """A create's outcome as the import counts it: a replay raised nothing new."""
    _, created, raised = outcome
    return created, raised if created else []


def import_file(
    path: Path,
    importer: Importer,
    runner: asyncio.Runner,
    report: Callable[[str], None] | None = None,
) -> Summary:
    """Stream `path`, storing it batch by batch; resume after the checkpoint, remove it when done.

    File I/O and parsing stay synchronous here; each batch's database work runs on `runner`.
    """
    checkpoint = progress_path(path)
    done, failed_before = read_checkpoint(checkpoint)
    summary = Summary(failed=failed_before, skipped=done)
    pending: list[tuple[int, Line | LineError]] = []
    with (
        path.open("rb") as lines,
        tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
        ) as bar,
    ):
        say = report or (lambda text: bar.write(text, file=sys.stderr))

        def flush(through: int) -> None:
            outcomes = runner.run(importer.store_batch([line for _, line in pending]))
            _tally(summary, [n for n, _ in pending], outcomes, say)
            pending.clear()
            # Only after the commit: a restart then redoes at most this batch's lines.
            write_checkpoint(checkpoint, through, summary.failed)

        number = done
        for number, line in enumerate(lines, start=1):
            bar.update(len(line))
            if number <= done:
                continue
            raw = line.decode("utf-8", errors="replace").strip()
            if raw:
                try:
                    pending.append((number, parse_line(raw)))
                except LineError as exc:
                    pending.append((number, exc))
            if len(pending) >= importer.batch:
                flush(number)
        if pending:
            flush(number)
    checkpoint.unlink(missing_ok=True)
    return summary


def _tally(
    summary: Summary,
    numbers: list[int],
    outcomes: list[Stored | LineError],
    say: Callable[[str], None],
) -> None:
    for number, outcome in zip(numbers, outcomes, strict=True):
        if isinstance(outcome, LineError):
            summary.failed += 1
            for f, m in outcome.errors:
                say(f"line {number}: {f}: {m}")
            continue
        created, raised = outcome
        if created:
            summary.created += 1
        else:
            summary.replayed += 1
        summary.alerts.update(a.rule for a in raised)
