"""SPLIT_CONSIGNMENT: >= count notifications on one lane with dispatch dates within a window.

A lane is (exporter entity, importer entity, substance code), with the resolved party ids of the
roles `exporter` and `importer`. Dates are `shipped_on` (dispatch date, else notification date).

Order independence. Alerts are only ever created or updated, never withdrawn, so the set of
fingerprints a lane ends with is the union of what every intermediate state fired. It is the same
whatever order the records arrive in only if the keys that fire can never disappear when a record
is added. Windows are therefore anchored on dispatch dates: the window of date `a` holds the lane's
notifications shipped in [a, a + window_days]; it qualifies when it holds >= count. Adding a record
never shrinks a window, so a qualifying anchor stays qualifying. Keying by the first notification of
a cluster would not have that property (a late record dispatched earlier changes the first, and the
old alert would stay as a twin), so the key is the lane plus the calendar year of the qualifying
anchors: one alert per lane and year, updated as further notifications join its windows.

Every notification counts, whatever its status: a split is about how consignments were notified,
and a withdrawn or refused part is still part of the pattern. This also keeps the verdict a function
of the set of notifications alone (a withdrawal that arrives early or late changes nothing).
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.alerts.rules.base import Evidence, Firing
from app.records.facts import NotificationFacts

CODE = "SPLIT_CONSIGNMENT"


@dataclass(frozen=True, slots=True)
class Lane:
    """One exporter, one importer, one substance."""

    exporter_id: str
    importer_id: str
    substance_code: str


def lanes(notification: NotificationFacts) -> list[Lane]:
    """Return the lanes a notification travels."""
    codes = sorted({i.substance_code for i in notification.items})
    return [
        Lane(exporter, importer, code)
        for exporter in sorted(notification.party_ids("exporter"))
        for importer in sorted(notification.party_ids("importer"))
        for code in codes
    ]


def route(lane: Lane) -> str:
    """A lane's name among the routes read in date order (`app.ingest.routes`)."""
    return f"lane:{lane.exporter_id}:{lane.importer_id}:{lane.substance_code}"


def marks(notification: NotificationFacts) -> set[tuple[str, date]]:
    """Where a notification stands on its lanes: on its shipping date."""
    return {(route(lane), notification.shipped_on) for lane in lanes(notification)}


def on_lane(notification: NotificationFacts, lane: Lane) -> bool:
    """Tell whether a notification travels a lane."""
    return (
        lane.exporter_id in notification.party_ids("exporter")
        and lane.importer_id in notification.party_ids("importer")
        and any(i.substance_code == lane.substance_code for i in notification.items)
    )


def span(shipped_on: date, params: dict[str, Any]) -> tuple[date, date]:
    """Return the dispatch dates whose lane notifications `evaluate` needs for this date:
    every year with an anchor whose window may hold it, and the windows of those anchors."""
    window = timedelta(days=int(params["window_days"]))
    return date((shipped_on - window).year, 1, 1), date(shipped_on.year, 12, 31) + window


def _kg(n: NotificationFacts, code: str) -> float:
    return sum(i.base_mg for i in n.items if i.substance_code == code) / 1e6


def _year(
    lane: Lane,
    ordered: list[NotificationFacts],
    year: int,
    focus: NotificationFacts,
    count: int,
    window_days: int,
) -> Firing | None:
    dates = [n.shipped_on for n in ordered]
    windows: list[list[NotificationFacts]] = []
    for anchor in sorted({d for d in dates if d.year == year}):
        start = bisect_right(dates, anchor - timedelta(days=1))
        end = bisect_right(dates, anchor + timedelta(days=window_days))
        if end - start >= count:
            windows.append(ordered[start:end])
    if not any(n.id == focus.id for w in windows for n in w):
        return None  # nothing about this year changed with the focus
    seen: dict[str, NotificationFacts] = {}
    for w in windows:
        seen.update((n.id, n) for n in w)
    cluster = sorted(seen.values(), key=lambda n: (n.shipped_on, n.id))
    largest = max(windows, key=len)  # the earliest of the largest
    first = cluster[0]
    exporter = next(p.name for p in first.parties if p.party_id == lane.exporter_id)
    importer = next(p.name for p in first.parties if p.party_id == lane.importer_id)
    code = lane.substance_code
    total = sum(_kg(n, code) for n in cluster)
    projects = {i.project for n in cluster for i in n.items if i.substance_code == code}
    evidence = [
        Evidence(
            "window",
            f"{len(largest)} notifications dispatched within {window_days} days "
            f"({largest[0].shipped_on} to {largest[-1].shipped_on}); threshold {count}",
            float(len(largest)),
        ),
        Evidence("lane", f"{exporter} -> {importer}, {code}", 1.0),
    ]
    evidence += [
        Evidence(
            "notification",
            f"{n.reference}: dispatched {n.shipped_on}, {_kg(n, code):g} kg base "
            f"to {n.importing_country}",
            round(_kg(n, code), 3),
        )
        for n in cluster
    ]
    return Firing(
        rule=CODE,
        key=f"{lane.exporter_id}:{lane.importer_id}:{code}:{year}",
        severity="medium",
        title=(
            f"Split consignment: {len(cluster)} notifications of {code} from {exporter} "
            f"to {importer} ({year})"
        ),
        summary=(
            f"{len(cluster)} notifications ({total:g} kg base {code}) from {exporter} to "
            f"{importer}, up to {len(largest)} dispatched within {window_days} days"
        ),
        countries=frozenset().union(*(n.countries for n in cluster)),
        project=min((p for p in projects if p), default=None),
        notifications=tuple(n.id for n in cluster),
        parties=(lane.exporter_id, lane.importer_id),
        score=round(len(largest) / count, 4),
        evidence=tuple(evidence),
    )


def evaluate(
    focus: NotificationFacts, related: list[NotificationFacts], params: dict[str, Any]
) -> list[Firing]:
    """Fire for each lane of `focus` and year whose qualifying windows hold `focus`.

    `related` must hold the lane's notifications dispatched within `span(focus.shipped_on)`
    (others are ignored)."""
    count, window_days = int(params["count"]), int(params["window_days"])
    pool = {n.id: n for n in related}
    pool[focus.id] = focus
    first_year = (focus.shipped_on - timedelta(days=window_days)).year
    firings = []
    for lane in lanes(focus):
        ordered = sorted(
            (n for n in pool.values() if on_lane(n, lane)), key=lambda n: (n.shipped_on, n.id)
        )
        for year in range(first_year, focus.shipped_on.year + 1):
            firing = _year(lane, ordered, year, focus, count, window_days)
            if firing is not None:
                firings.append(firing)
    return firings
