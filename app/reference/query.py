"""Query parameters that name substances."""

from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from app.reference.substances import catalogue


def _to_code(value: str | None) -> str | None:
    return None if value is None else catalogue().resolve(value).substance.code


SubstanceFilter = Annotated[
    str | None,
    Query(max_length=200, description="Substance code, CAS RN, name or synonym."),
    AfterValidator(_to_code),
]
