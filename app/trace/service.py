"""Assemble a trace, showing records the caller may not see only as redacted nodes."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.schemas import Principal
from app.correlation import repository as correlation_repository
from app.correlation import service as correlation
from app.correlation.models import Link
from app.correlation.schemas import EvidenceOut
from app.notifications import views as notification_views
from app.notifications.models import KIND as NOTIFICATION
from app.notifications.models import Notification
from app.notifications.schemas import NotificationOut
from app.records import repository as records
from app.seizures import service as seizure_service
from app.seizures.models import KIND as SEIZURE
from app.seizures.models import Seizure
from app.seizures.schemas import SeizureOut
from app.trace.schemas import Edge, Graph, Match, Node, Related, Source, Trace

MAX_MATCHES = 20
MAX_RELATED = 50


class _GraphBuilder:
    """Collect nodes once each, numbering redacted ones so their ids open nothing."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self._redacted = 0

    def record(self, node_id: str, kind: str, label: str, country: str) -> str:
        self.nodes.setdefault(node_id, Node(id=node_id, type=kind, label=label, country=country))
        return node_id

    def redacted(self, kind: str, country: str) -> str:
        self._redacted += 1
        node_id = f"redacted-{self._redacted}"
        label = f"{kind} reported by {country}"
        self.nodes[node_id] = Node(
            id=node_id, type=kind, label=label, country=country, redacted=True
        )
        return node_id

    def parties(self, record_node: str, parties: Sequence["_PartyLike"]) -> None:
        for p in parties:
            node = Node(id=p.party_id, type="party", label=p.name, country=p.country)
            self.nodes.setdefault(p.party_id, node)
            self.edges.append(Edge(source=record_node, target=p.party_id, type=p.role))

    def graph(self) -> Graph:
        return Graph(nodes=list(self.nodes.values()), edges=self.edges)


class _PartyLike(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def party_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def country(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class _Role:
    """A main party of a notification with the role it plays."""

    role: str
    party_id: str
    name: str
    country: str | None


def _notification_parties(n: NotificationOut) -> list[_PartyLike]:
    main = [("exporter", n.exporter), ("importer", n.importer), ("consignee", n.consignee)]
    roles: list[_PartyLike] = [_Role(r, p.party_id, p.name, p.country) for r, p in main if p]
    return [*roles, *n.other_parties]


async def trace(session: AsyncSession, principal: Principal, seizure: Seizure) -> Trace:
    """Trace a visible seizure back to the consignments it most likely came from."""
    seizure_out = (await seizure_service.render(session, [seizure]))[0]
    graph = _GraphBuilder()
    root = graph.record(
        seizure.id, "seizure", f"{seizure.type} {seizure.reference}", seizure.country
    )
    graph.parties(root, seizure_out.parties)

    links = list(await correlation_repository.links_of_seizure(session, seizure.id))[:MAX_MATCHES]
    matches, source = await _matches(session, principal, links, graph, root)

    related = await _related(session, principal, seizure, graph, root)
    return Trace(
        seizure=seizure_out,
        matches=matches,
        source=source,
        related_seizures=related,
        graph=graph.graph(),
    )


async def _matches(
    session: AsyncSession, principal: Principal, links: list[Link], graph: _GraphBuilder, root: str
) -> tuple[list[Match], Source | None]:
    ids = [link.notification_id for link in links]
    countries = await records.countries_of_many(session, NOTIFICATION, ids)
    rows = {n.id: n for n in [await session.get(Notification, i) for i in ids] if n is not None}
    visible = [i for i in ids if principal.can_see(countries[i])]
    rendered = {
        n.id: n for n in await notification_views.render(session, [rows[i] for i in visible])
    }
    matches: list[Match] = []
    source: Source | None = None
    for link in links:
        n = rows[link.notification_id]
        if n.id in rendered:
            out = rendered[n.id]
            node = graph.record(
                n.id, "notification", f"notification {n.reference}", n.exporting_country
            )
            graph.parties(node, _notification_parties(out))
            matches.append(
                Match(
                    notification=out,
                    score=link.score,
                    linked=link.linked,
                    evidence=[EvidenceOut(**e) for e in link.evidence],
                )
            )
            if source is None and link.linked:
                source = Source(
                    exporting_country=n.exporting_country,
                    exporter=out.exporter,
                    exit_point=n.exit_point,
                    notification_id=n.id,
                )
        else:
            node = graph.redacted("notification", n.exporting_country)
            if source is None and link.linked:
                source = Source(
                    exporting_country=n.exporting_country,
                    exporter=None,
                    exit_point=None,
                    notification_id=None,
                    redacted=True,
                )
        graph.edges.append(Edge(source=root, target=node, type="match", score=link.score))
    return matches, source


async def _related(
    session: AsyncSession, principal: Principal, seizure: Seizure, graph: _GraphBuilder, root: str
) -> list[Related]:
    seen = (await correlation.seizures_seen(session, [seizure.id]))[seizure.id]
    found = await correlation.related_seizures(session, seen)
    ids = sorted(found)[:MAX_RELATED]
    countries = await records.countries_of_many(session, SEIZURE, ids)
    rows = {s.id: s for s in [await session.get(Seizure, i) for i in ids] if s is not None}
    visible = [rows[i] for i in ids if principal.can_see(countries[i])]
    rendered: dict[str, SeizureOut] = {
        s.id: s for s in await seizure_service.render(session, visible)
    }
    related = []
    for i in ids:
        via = sorted(found[i])
        if i in rendered:
            s = rendered[i]
            node = graph.record(i, "seizure", f"{s.type} {s.reference}", s.country)
            graph.parties(node, s.parties)
            related.append(Related(seizure=s, via=via))
        else:
            node = graph.redacted("seizure", rows[i].reporting_country)
        graph.edges.append(Edge(source=root, target=node, type="related:" + ",".join(via)))
    return related
