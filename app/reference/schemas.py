"""Shapes of the substance and ALR endpoints."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from app.alerts.schemas import AlertOut
from app.kit.schemas import Strict


class SubstanceOut(BaseModel):
    """A controlled or watched substance."""

    code: str
    name: str
    synonyms: list[str]
    table: Literal["I", "II", "surveillance"]
    cas: str | None
    hs_code: str | None
    project: Literal["prism", "cohesion"] | None
    family: str = Field(description="Group of related precursors counted together.")
    alr_tracked: bool
    no_legitimate_use: bool
    density_g_per_ml: float | None
    salt_factors: dict[str, float] = Field(description="Fraction of base in each salt.")
    effective_from: date


class AlrIn(Strict):
    """An annual legitimate requirement in kilograms of base."""

    kg: Annotated[
        Decimal,
        Field(ge=0, le=Decimal("1e9"), max_digits=16, decimal_places=6),
        PlainSerializer(float, return_type=float, when_used="json"),
        WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1e9}),
    ]


class AlrOut(BaseModel):
    """An ALR in force for a year."""

    country: str
    substance: str
    year: int = Field(description="The year asked for (or the year it was set for).")
    set_for_year: int = Field(description="The year the value was set for.")
    kg: float
    updated_at: datetime
    alerts: list[AlertOut] = Field(
        default_factory=list, description="Alerts this request raised or updated."
    )
