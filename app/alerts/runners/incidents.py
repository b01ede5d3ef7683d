"""Runners of the incident rules: COMPANY_SHOPPING, PARTY_IN_PRIOR_INCIDENT and SEIZURE_CLUSTER
(ROUTE_RISK, the same way, in runners/route.py).

Each rule is evaluated from both sides. The notification side evaluates the new notification
against what came before it. The other side (a reply, a seizure) finds — by indexed lookups on the
records' own dates — the notifications it may concern, then evaluates each of them exactly as the
notification side would, with facts loaded for the union of their windows, and keeps only the
firings about what the event brought (its parties, its country and substance group). So the same
records sent in any order give the same fingerprints. SEIZURE_CLUSTER is keyed by the shared
value itself; a notification that links clustered seizures afterwards resolves the cluster alert
when too few unlinked seizures remain.

Parties whose normalised name is on the ignored list ("TO ORDER", hub forwarders) never start
these rules, as they never correlate.

Bounds, so that the cost of an event does not grow with the store: the other side evaluates at
most CANDIDATES notifications per party entity (or per transit country and substance group), the
earliest after the event; the evidence loaded is at most EVIDENCE incidents or refusals per party
entity (per transit country and group for ROUTE_RISK), the latest within the window. A party
named by fewer records than that is evaluated exactly as without the bounds; for a busier one
the alerts list the latest EVIDENCE records, and a record stored late raises alerts on the first
CANDIDATES notifications after it only (those stored after it evaluate themselves).
"""

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.alerts import gather
from app.alerts import gather_incidents as lookup
from app.alerts.rules import company_shopping, party_in_prior_incident, seizure_cluster
from app.alerts.rules.base import Firing
from app.alerts.runners.base import Event, Registration
from app.correlation.service import SHARED_CAP
from app.ingest import entities, facts
from app.notifications.models import KIND as NOTIFICATION
from app.records.facts import NotificationFacts, SeizureFacts
from app.seizures.models import KIND as SEIZURE

# A value shared by more seizures than this is too common to cluster on (correlation's set
# read looks as far).
CLUSTER_CAP = SHARED_CAP
CANDIDATES = 20  # notifications the other side of an event evaluates, per party (see above)
EVIDENCE = 20  # incidents or refusals loaded as evidence, per party (see above)


async def _kept(session: AsyncSession, party_ids: Iterable[str]) -> set[str]:
    """Drop the entities whose name is on the ignored list."""
    wanted = set(party_ids)
    return wanted - await entities.ignored(session, wanted)


async def notification(session: AsyncSession, event: Event) -> NotificationFacts | None:
    if event.record_id is None:
        return None
    return (await facts.notifications(session, [event.record_id])).get(event.record_id)


async def seizure(session: AsyncSession, event: Event) -> SeizureFacts | None:
    if event.record_id is None:
        return None
    return (await facts.seizures(session, [event.record_id])).get(event.record_id)


def _about(firings: Iterable[Firing], party_ids: set[str]) -> list[Firing]:
    """Keep the firings about one of these parties."""
    return [f for f in firings if set(f.parties) & party_ids]


# COMPANY_SHOPPING ---------------------------------------------------------------------------


async def _shopping(
    session: AsyncSession,
    candidates: Iterable[NotificationFacts],
    targets: set[str],
    first_refusal: date,
    last_refusal: date,
    params: dict[str, Any],
) -> list[Firing]:
    """Evaluate candidates against the refusals of these targets dated in the range."""
    roles = company_shopping.ROLES
    objections = await facts.notifications(
        session,
        await lookup.objections_naming(
            session, targets, roles, first_refusal, last_refusal, EVIDENCE
        ),
    )
    stopped = await facts.seizures(
        session,
        await lookup.seizures_naming(
            session,
            targets,
            roles,
            first_refusal,
            last_refusal,
            {company_shopping.STOPPED},
            EVIDENCE,
        ),
    )
    firings: list[Firing] = []
    for n in candidates:
        found = company_shopping.evaluate(
            n, list(objections.values()), list(stopped.values()), params
        )
        firings += _about(found, targets)
    return firings


async def run_company_shopping(
    session: AsyncSession, event: Event, params: dict[str, Any]
) -> list[Firing]:
    """Notification: evaluate it. Reply (objection) or stopped shipment: evaluate the later
    notifications naming the refused importer/consignee within the window."""
    window = timedelta(days=int(params["window_days"]))
    roles = company_shopping.ROLES
    if event.trigger == "notification":
        n = await notification(session, event)
        if n is None:
            return []
        targets = await _kept(session, n.party_ids(*roles))
        if not targets:
            return []
        return await _shopping(session, [n], targets, n.notified_on - window, n.notified_on, params)
    if event.trigger == "reply":
        m = await notification(session, event)
        if m is None or m.decision != "objection":
            return []
        targets = await _kept(session, m.party_ids(*roles))
        when = company_shopping.refusal_date(m)
    elif event.trigger == "seizure":
        s = await seizure(session, event)
        if s is None or s.type != company_shopping.STOPPED:
            return []
        targets = await _kept(session, company_shopping.seizure_party_ids(s, *roles))
        when = s.occurred_on
    else:
        return []
    if not targets:
        return []
    later = await facts.notifications(
        session,
        await lookup.notifications_naming(session, targets, roles, when, when + window, CANDIDATES),
    )
    if not later:
        return []
    # The refusals that the candidates' own windows cover, so that EVIDENCE applies to them.
    dates = [n.notified_on for n in later.values()]
    first, last = min(dates) - window, max(dates)
    return await _shopping(session, later.values(), targets, first, last, params)


# PARTY_IN_PRIOR_INCIDENT --------------------------------------------------------------------


async def run_party_in_prior_incident(
    session: AsyncSession, event: Event, params: dict[str, Any]
) -> list[Firing]:
    """Notification: evaluate it. Seizure: evaluate the notifications naming its parties dated
    within the window after it."""
    window = timedelta(days=int(params["window_days"]))
    if event.trigger == "notification":
        n = await notification(session, event)
        if n is None:
            return []
        targets = await _kept(session, n.party_ids())
        candidates = [n]
        first, last = n.notified_on - window, n.notified_on
    elif event.trigger == "seizure":
        s = await seizure(session, event)
        if s is None:
            return []
        targets = await _kept(session, {p.party_id for p in s.parties})
        ids = await lookup.notifications_naming(
            session, targets, None, s.occurred_on, s.occurred_on + window, CANDIDATES
        )
        candidates = list((await facts.notifications(session, ids)).values())
        dates = [n.notified_on for n in candidates] or [s.occurred_on]
        first, last = min(dates) - window, max(dates)
    else:
        return []
    if not targets or not candidates:
        return []
    incidents = list(
        (
            await facts.seizures(
                session,
                await lookup.seizures_naming(session, targets, None, first, last, None, EVIDENCE),
            )
        ).values()
    )
    firings: list[Firing] = []
    for n in candidates:
        firings += _about(party_in_prior_incident.evaluate(n, incidents, params), targets)
    return firings


# SEIZURE_CLUSTER ----------------------------------------------------------------------------

Clusters = dict[tuple[str, str], list[SeizureFacts]]


async def _affected(session: AsyncSession, event: Event) -> list[str]:
    """The seizures whose clusters an event may change: a stored or amended seizure, or the
    seizures a new notification is linked to (they leave their clusters)."""
    if event.record_id is None:
        return []
    if event.trigger == "seizure":
        return [event.record_id]
    if event.trigger == "notification":
        found = await facts.links(session, NOTIFICATION, event.record_id)
        return sorted({link.seizure_id for link in found if link.linked})
    return []


async def _clusters(session: AsyncSession, seizure_ids: list[str]) -> tuple[Clusters, set[str]]:
    """The unlinked seizures sharing each stored party/identifier key of these seizures, and
    which of the seizures sharing them are linked."""
    # The rule's runner and its resolver ask the same in one dispatch.
    return await gather.memo(
        session, ("clusters", *seizure_ids), lambda: _load_clusters(session, seizure_ids)
    )


async def _load_clusters(
    session: AsyncSession, seizure_ids: list[str]
) -> tuple[Clusters, set[str]]:
    keys = await lookup.keys_of(session, SEIZURE, seizure_ids, seizure_cluster.KEY_TYPES)
    shared = await lookup.sharing(session, SEIZURE, keys, CLUSTER_CAP)
    ids = {i for members in shared.values() for i in members}
    linked = await lookup.linked_seizures(session, ids)
    found = await facts.seizures(session, ids - linked)
    return {k: [found[i] for i in members if i in found] for k, members in shared.items()}, linked


async def run_seizure_cluster(
    session: AsyncSession, event: Event, params: dict[str, Any]
) -> list[Firing]:
    """Seizure: the clusters of its stored keys (a linked seizure joins none). Notification: the
    clusters its newly linked seizures leave, when they still hold `count` seizures (the alert
    is updated without them)."""
    affected = await _affected(session, event)
    if not affected:
        return []
    clusters, linked = await _clusters(session, affected)
    return seizure_cluster.evaluate(clusters, linked, params)


async def resolve_seizure_cluster(
    session: AsyncSession, event: Event, params: dict[str, Any]
) -> tuple[list[str], str]:
    """Name the cluster alerts left with fewer than `count` unlinked seizures: a notification
    (or an amendment) explained them, so the same records in any order leave no open cluster."""
    affected = await _affected(session, event)
    if not affected:
        return [], ""
    clusters, linked = await _clusters(session, affected)
    still = {f.fingerprint for f in seizure_cluster.evaluate(clusters, linked, params)}
    gone = [f"{seizure_cluster.CODE}:{t}:{v}" for t, v in sorted(clusters)]
    return [f for f in gone if f not in still], "its seizures are now linked to notifications"


REGISTRATIONS: list[Registration] = [
    Registration(
        company_shopping.CODE,
        frozenset({"notification", "reply", "seizure"}),
        run_company_shopping,
    ),
    Registration(
        party_in_prior_incident.CODE,
        frozenset({"notification", "seizure"}),
        run_party_in_prior_incident,
    ),
    Registration(
        seizure_cluster.CODE,
        frozenset({"seizure", "notification"}),
        run_seizure_cluster,
        resolves_on=frozenset({"seizure", "notification"}),
        resolve=resolve_seizure_cluster,
    ),
]
