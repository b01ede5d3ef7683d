"""Shapes of the alert API."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.kit.schemas import Strict
from app.kit.types import Label, Reason

Status = Literal["open", "acknowledged", "investigating", "closed"]
TriageResolution = Literal["confirmed_diversion", "false_positive", "legitimate", "duplicate"]
# `cleared` is the service's own: the condition ended (the overdue reply or arrival came).
Resolution = Literal[TriageResolution, "cleared"]
Severity = Literal["low", "medium", "high", "critical"]
Mode = Literal["active", "monitor"]


class EvidenceItem(BaseModel):
    """One reason an alert fired, with its weight."""

    feature: str
    detail: str
    weight: float


class Subjects(BaseModel):
    """The records and parties an alert is about."""

    notifications: list[str] = Field(default_factory=list)
    seizures: list[str] = Field(default_factory=list)
    parties: list[str] = Field(default_factory=list)


class AlertOut(BaseModel):
    """An alert as §2.4 of the contract describes it."""

    id: str
    rule: str
    severity: Severity
    project: Literal["prism", "cohesion"] | None
    mode: Mode
    status: Status
    resolution: Resolution | None
    assignee: str | None
    title: str
    summary: str
    countries: list[str]
    subjects: Subjects
    score: float | None
    evidence: list[EvidenceItem]
    occurrences: int
    previous_alert_id: str | None = Field(description="The closed alert this one reopens.")
    first_seen_at: datetime
    last_seen_at: datetime
    created_at: datetime
    updated_at: datetime


class FeedItem(AlertOut):
    """An alert as it was right after one change."""

    change: str = Field(description="created, fired_again, updated (triage) or resolved.")
    changed_at: datetime


class Feed(BaseModel):
    """A page of the change feed; always carries a cursor to resume from."""

    items: list[FeedItem]
    next_cursor: str


class HistoryEntry(BaseModel):
    """One change of an alert."""

    change: str
    at: datetime
    status: Status
    note: str | None
    by_authority: str | None


class AlertDetail(AlertOut):
    """An alert with its history."""

    history: list[HistoryEntry]


class AlertPatch(Strict):
    """A triage step; send the alert's ETag in If-Match."""

    status: Literal["acknowledged", "investigating", "closed"] | None = None
    resolution: TriageResolution | None = Field(
        default=None, description="`cleared` is set by the service alone, when the condition ends."
    )
    assignee: Label | None = None
    note: Reason | None = None


class RuleOut(BaseModel):
    """A rule's settings."""

    code: str
    fires_when: str
    enabled: bool
    mode: Mode
    params: dict[str, Any]
    updated_at: datetime | None


class RuleIn(Strict):
    """New settings for a rule; parameters not given keep their values."""

    enabled: bool | None = None
    mode: Mode | None = None
    params: dict[str, int | float] | None = None
