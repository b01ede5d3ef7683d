"""Request and response shapes shared by notifications and seizures."""

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.alerts.schemas import AlertOut
from app.errors import FieldError
from app.kit.schemas import Strict
from app.kit.types import (
    Address,
    CountryCode,
    Eori,
    Lei,
    Percent,
    Quantity,
    SaltName,
    ShortText,
    Vat,
)
from app.reference.substances import catalogue

Form = Literal["base", "salt", "preparation", "mixture"]
Unit = Literal["kg", "g", "mg", "t", "l", "ml"]
T = TypeVar("T")
PartyRole = Literal["exporter", "importer", "consignee", "broker", "forwarder", "carrier", "other"]


class Identifiers(Strict):
    """Registry identifiers of a party."""

    lei: Lei | None = Field(default=None, description="ISO 17442 Legal Entity Identifier.")
    vat: Vat | None = Field(default=None, description="VAT number with country prefix.")
    eori: Eori | None = Field(default=None, description="EORI number.")


class PartyIn(Strict):
    """A party as the reporting authority names it."""

    name: ShortText = Field(description="Company or person name as written on the documents.")
    address: Address | None = None
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    identifiers: Identifiers | None = None


class RolePartyIn(PartyIn):
    """A party with its role in the consignment."""

    role: PartyRole


class PartyOut(PartyIn):
    """A party as stored, with the entity it resolved to."""

    model_config = ConfigDict(extra="ignore")

    party_id: str = Field(description="Resolved party entity id.")


class RolePartyOut(PartyOut):
    """A stored party with its role."""

    role: PartyRole


class ItemIn(Strict):
    """One substance line."""

    substance: ShortText = Field(description="Substance code, CAS RN, name or synonym.")
    form: Form | None = Field(
        default=None, description="base (default), salt, preparation, mixture."
    )
    salt: SaltName | None = None
    quantity: Quantity = Field(description="Amount in `unit`.")
    unit: Unit
    concentration_percent: Percent | None = Field(default=None, description="Default 100.")
    dosage_units: int | None = Field(default=None, gt=0, le=10**12, description="Preparations.")
    mg_per_unit: Quantity | None = Field(default=None, description="Substance per dosage unit.")

    @field_validator("substance")
    @classmethod
    def _known_substance(cls, value: str) -> str:
        catalogue().resolve(value)
        return value.strip()

    @model_validator(mode="after")
    def _dosage_pair(self) -> "ItemIn":
        if (self.dosage_units is None) != (self.mg_per_unit is None):
            raise ValueError("dosage_units and mg_per_unit go together")
        return self


class ItemOut(BaseModel):
    """A stored substance line with its normalised masses."""

    substance: str
    substance_code: str = Field(description="Resolved substance code.")
    form: Form
    salt: str | None
    quantity: float
    unit: Unit
    concentration_percent: float
    dosage_units: int | None = None
    mg_per_unit: float | None = None
    net_kg: float = Field(description="Net mass in kilograms (litres converted by density).")
    base_kg: float = Field(description="Kilograms of base substance (salt factor x concentration).")


class EventOut(BaseModel):
    """One change in a record's history."""

    id: str
    event: str = Field(description="created, replied, arrived, withdrawn, suspended, updated ...")
    at: datetime
    country: str | None = Field(description="Country of the authority that made the change.")
    note: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class Page(BaseModel, Generic[T]):
    """A page of a list; `next_cursor` is null when there is nothing more for now."""

    items: list[T]
    next_cursor: str | None = Field(description="Opaque; pass as `cursor` for the next page.")


class BatchResult(BaseModel):
    """The outcome of one batch item."""

    index: int
    status: int = Field(description="201 created, 200 replayed, 409 conflict, 422 invalid.")
    id: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    alerts: list[AlertOut] = Field(default_factory=list)


class BatchOut(BaseModel):
    """One result per batch item, in order."""

    results: list[BatchResult]
