"""Quantities: conversion to integer milligrams of net and base substance."""

from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

UNITS = ("kg", "g", "mg", "t", "l", "ml", "units")

_MASS_MG = {"t": Decimal(10**9), "kg": Decimal(10**6), "g": Decimal(10**3), "mg": Decimal(1)}
_VOLUME_ML = {"l": Decimal(1000), "ml": Decimal(1)}
# Enough digits that products of realistic inputs are exact before the single final rounding.
_EXACT = Context(prec=100, rounding=ROUND_HALF_EVEN)
# Stored as SQL BIGINT, so one value must fit in a signed 64-bit integer (about 9.2 million t).
MAX_MG = 2**63 - 1
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


def _round(value: Decimal) -> int:
    with localcontext(_EXACT):
        if abs(value) > MAX_MG:
            raise ValueError("mass is too large: at most about 9.2 million tonnes")
        return int(value.quantize(_ONE, rounding=ROUND_HALF_EVEN))


def _require_positive(value: Decimal, what: str) -> None:
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number")
    if value <= 0:
        raise ValueError(f"{what} must be greater than zero")


def net_mg(
    quantity: Decimal,
    unit: str,
    *,
    density_g_per_ml: Decimal | None = None,
    mg_per_unit: Decimal | None = None,
) -> int:
    """Convert a quantity in one of UNITS to net milligrams, rounded half-even."""
    _require_positive(quantity, "quantity")
    with localcontext(_EXACT):
        if unit in _MASS_MG:
            mg = quantity * _MASS_MG[unit]
        elif unit in _VOLUME_ML:
            if density_g_per_ml is None:
                raise ValueError(f"unit {unit!r} needs a liquid substance with a known density")
            _require_positive(density_g_per_ml, "density")
            mg = quantity * _VOLUME_ML[unit] * density_g_per_ml * 1000
        elif unit == "units":
            if mg_per_unit is None:
                raise ValueError("unit 'units' needs the milligrams of substance per unit")
            _require_positive(mg_per_unit, "milligrams per unit")
            mg = quantity * mg_per_unit
        else:
            raise ValueError(f"unknown unit {unit!r}: use one of {', '.join(UNITS)}")
    result = _round(mg)
    if result == 0:
        raise ValueError("quantity is too small: it rounds to 0 mg")
    return result


def base_mg(
    net: int, *, salt_factor: Decimal = _ONE, concentration_percent: Decimal = _HUNDRED
) -> int:
    """Convert net milligrams to milligrams of base substance, rounded half-even."""
    if net < 0:
        raise ValueError("net mass must not be negative")
    if not (salt_factor.is_finite() and 0 < salt_factor <= 1):
        raise ValueError("salt factor must be greater than 0 and at most 1")
    if not (concentration_percent.is_finite() and 0 < concentration_percent <= _HUNDRED):
        raise ValueError("concentration must be greater than 0 and at most 100 percent")
    with localcontext(_EXACT):
        return _round(Decimal(net) * salt_factor * concentration_percent / _HUNDRED)


def mg_to_kg(mg: int) -> Decimal:
    """Convert milligrams to exact kilograms without trailing zeros or exponent."""
    with localcontext(_EXACT):
        kg = Decimal(mg).scaleb(-6).normalize()
        return kg.quantize(_ONE) if kg == kg.to_integral_value() else kg


def kg_to_mg(kg: Decimal) -> int:
    """Convert kilograms to milligrams, rounded half-even."""
    if not kg.is_finite():
        raise ValueError("mass must be a finite number")
    with localcontext(_EXACT):
        return _round(kg.scaleb(6))
