"""ALR_EXCEEDED: base kg notified to a country in a calendar year exceeds its ALR.

The year is that of each notification's `notified_on`. Notifications that were withdrawn or
refused (objection) do not count; suspended ones do (§2.5 excludes only those two). Quantities are
base mass (a salt such as pseudoephedrine hydrochloride counts for its base content) and are
grouped by substance code, as the ALR table is. One alert per country + substance + year, fired
again with the new total whenever the total is re-evaluated above the ALR.

Bound: the total, the count and the exporting countries cover every counted notification, but
only the EVIDENCE_LINES largest (ties: the latest) are listed, as evidence lines and as the alert's
notifications; the others are summed up in one line. So a firing costs the same however many
notifications a year holds.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.alerts.rules.base import Evidence, Firing

CODE = "ALR_EXCEEDED"
EVIDENCE_LINES = 20  # the largest notifications are listed one by one, the rest summed up


@dataclass(frozen=True, slots=True)
class Counted:
    """A notification that counts towards a year's total, with its base mass of the substance."""

    notification_id: str
    reference: str
    exporting_country: str
    notified_on: date
    base_mg: int


@dataclass(frozen=True, slots=True)
class YearTotal:
    """What was notified to a country for one substance in one calendar year."""

    country: str
    substance_code: str
    project: str | None
    year: int
    total_mg: int
    count: int
    exporting_countries: frozenset[str]
    counted: tuple[Counted, ...]  # the largest only; `total_mg` and `count` cover all


@dataclass(frozen=True, slots=True)
class Requirement:
    """The ALR in force for a year: the value set for that year or the latest earlier one."""

    set_for_year: int
    mg: int


def _kg(mg: int) -> str:
    return f"{mg / 1e6:,.3f}".rstrip("0").rstrip(".")


def evaluate(
    total: YearTotal, requirement: Requirement | None, params: dict[str, Any]
) -> list[Firing]:
    """Fire when the year's notified base mass is strictly above the ALR in force."""
    del params
    if requirement is None or total.total_mg <= requirement.mg:
        return []
    excess = total.total_mg - requirement.mg
    percent = f" ({excess / requirement.mg:.0%} over)" if requirement.mg else ""
    set_for = (
        "" if requirement.set_for_year == total.year else f", set for {requirement.set_for_year}"
    )
    largest = sorted(total.counted, key=lambda c: (-c.base_mg, c.notified_on, c.notification_id))
    evidence = [
        Evidence(
            "notified_total",
            f"{_kg(total.total_mg)} kg base {total.substance_code} notified to {total.country} "
            f"in {total.year} ({total.count} notifications, not withdrawn, not objected)",
            round(total.total_mg / 1e6, 3),
        ),
        Evidence(
            "alr",
            f"ALR {_kg(requirement.mg)} kg in force for {total.year}{set_for}",
            round(requirement.mg / 1e6, 3),
        ),
        Evidence("excess", f"{_kg(excess)} kg above the ALR{percent}", round(excess / 1e6, 3)),
    ]
    evidence += [
        Evidence(
            "notification",
            f"{c.reference} from {c.exporting_country} on {c.notified_on}: {_kg(c.base_mg)} kg",
            round(c.base_mg / 1e6, 3),
        )
        for c in largest[:EVIDENCE_LINES]
    ]
    others = total.count - min(total.count, EVIDENCE_LINES)
    if others:
        listed = sum(c.base_mg for c in largest[:EVIDENCE_LINES])
        evidence.append(
            Evidence(
                "other_notifications",
                f"{others} more notifications: {_kg(total.total_mg - listed)} kg",
                round((total.total_mg - listed) / 1e6, 3),
            )
        )
    return [
        Firing(
            rule=CODE,
            key=f"{total.country}:{total.substance_code}:{total.year}",
            severity="high",
            title=(
                f"{total.substance_code} notified to {total.country} in {total.year} "
                "exceeds its annual legitimate requirement"
            ),
            summary=(
                f"{_kg(total.total_mg)} kg base notified in {total.count} notifications against "
                f"an ALR of {_kg(requirement.mg)} kg: {_kg(excess)} kg above{percent}"
            ),
            countries=frozenset({total.country, *total.exporting_countries}),
            project=total.project,
            notifications=tuple(sorted(c.notification_id for c in total.counted)),
            score=round(total.total_mg / requirement.mg, 4) if requirement.mg else None,
            evidence=tuple(evidence),
        )
    ]
