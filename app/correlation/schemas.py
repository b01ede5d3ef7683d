"""Shapes of the correlation endpoints."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app import identifiers as ids
from app.kit.schemas import Strict
from app.kit.types import ShortText
from app.seizures.schemas import SeizureOut

IgnoredType = Literal["container", "air_waybill", "bill_of_lading", "invoice", "party_name"]
_NORMALISERS = {
    "container": ids.normalize_container,
    "air_waybill": ids.normalize_awb,
    "bill_of_lading": ids.normalize_document_number,
    "invoice": ids.normalize_document_number,
}


class IgnoredValueIn(Strict):
    """A value that must not bring correlation candidates."""

    key_type: IgnoredType
    value: ShortText

    @model_validator(mode="after")
    def _normalised(self) -> "IgnoredValueIn":
        normalise = _NORMALISERS.get(self.key_type)
        self.value = normalise(self.value) if normalise else " ".join(self.value.split())
        return self


class IgnoredValues(Strict):
    """The whole list of ignored values (PUT replaces it)."""

    items: list[IgnoredValueIn] = Field(max_length=10000)


class IgnoredPage(BaseModel):
    """The list of ignored values."""

    items: list[IgnoredValueIn]
    next_cursor: str | None = None


class EvidenceOut(BaseModel):
    """One feature's contribution to a match score."""

    feature: str
    detail: str
    weight: float


class SeizureLink(BaseModel):
    """A seizure scored against a notification."""

    seizure: SeizureOut
    score: float = Field(ge=0, le=1)
    linked: bool = Field(description="True above the link threshold.")
    evidence: list[EvidenceOut]


class RedactedLink(BaseModel):
    """A match with a record the caller may not see: who to ask, nothing more."""

    country: str = Field(description="Reporting country of the record.")
    score: float
    linked: bool


class NotificationLinks(BaseModel):
    """Seizures linked or scored against a notification, best first."""

    items: list[SeizureLink]
    redacted: list[RedactedLink] = Field(
        default_factory=list, description="Matches with records the caller may not see."
    )
    next_cursor: str | None = None
