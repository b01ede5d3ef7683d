"""What a rule returns: a firing, keyed so the same fact always yields the same fingerprint."""

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason the rule fired."""

    feature: str
    detail: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule's verdict on one fact; `key` identifies the fact within the rule."""

    rule: str
    key: str
    severity: Severity
    title: str
    summary: str
    countries: frozenset[str]
    project: str | None = None
    notifications: tuple[str, ...] = ()
    seizures: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    score: float | None = None
    evidence: tuple[Evidence, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Return the alert identity: rule and key."""
        return f"{self.rule}:{self.key}"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule's code, description and default parameters."""

    code: str
    fires_when: str
    defaults: dict[str, Any] = field(default_factory=dict)
