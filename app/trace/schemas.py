"""Shape of GET /v1/seizures/{id}/trace."""

from typing import Literal

from pydantic import BaseModel, Field

from app.correlation.schemas import EvidenceOut
from app.notifications.schemas import NotificationOut
from app.records.schemas import PartyOut
from app.seizures.schemas import SeizureOut

NodeType = Literal["seizure", "notification", "party", "country"]


class Match(BaseModel):
    """A notified consignment the seizure may have come from."""

    notification: NotificationOut
    score: float = Field(ge=0, le=1)
    linked: bool = Field(description="True above the link threshold.")
    evidence: list[EvidenceOut]


class Source(BaseModel):
    """Where the best linked consignment came from."""

    exporting_country: str
    exporter: PartyOut | None = Field(description="Null when the caller may not see the record.")
    exit_point: str | None
    notification_id: str | None = Field(description="Null when the caller may not see it.")
    redacted: bool = False


class Related(BaseModel):
    """Another seizure sharing a party or an identifier."""

    seizure: SeizureOut
    via: list[str] = Field(description="party, container, air_waybill, bill_of_lading, invoice.")


class Node(BaseModel):
    """A node of the trace graph; redacted nodes carry only their type and country."""

    id: str
    type: NodeType
    label: str
    country: str | None = None
    redacted: bool = False


class Edge(BaseModel):
    """An edge of the trace graph."""

    source: str
    target: str
    type: str = Field(description="match, related, or the party's role.")
    score: float | None = None


class Graph(BaseModel):
    """Nodes and edges around the seizure."""

    nodes: list[Node]
    edges: list[Edge]


class Trace(BaseModel):
    """A seizure traced back: ranked matches, the source, related seizures and a graph."""

    seizure: SeizureOut
    matches: list[Match]
    source: Source | None
    related_seizures: list[Related]
    graph: Graph
