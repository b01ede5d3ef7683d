"""Shapes of the party endpoints."""

from pydantic import BaseModel, Field


class PartyIdentifiers(BaseModel):
    """Registry identifiers known for an entity."""

    lei: str | None = None
    vat: str | None = None
    eori: str | None = None


class PartySummary(BaseModel):
    """A resolved party entity."""

    id: str
    name: str = Field(description="The name as first seen.")
    country: str | None
    identifiers: PartyIdentifiers


class PartyHit(BaseModel):
    """A search result with its similarity to the query."""

    party: PartySummary
    score: float = Field(ge=0, le=1)


class PartyRecord(BaseModel):
    """A visible record that names the party."""

    kind: str = Field(description="notification or seizure.")
    id: str
    reference: str
    role: str
    country: str = Field(description="Exporting country, or the reporting country of a seizure.")


class PartyDetail(PartySummary):
    """An entity with the spellings seen and the visible records naming it."""

    aliases: list[str]
    records: list[PartyRecord]
