from decimal import Decimal
from functools import cache

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.identifiers import UNITS, base_mg, kg_to_mg, mg_to_kg, net_mg

pytestmark = pytest.mark.pure

PROPERTY = settings(max_examples=200, deadline=None)


@cache
def registry():
    return pint.UnitRegistry(non_int_type=Decimal)


def decimals(low: str, high: str, places: int = 6):
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False
    )


def test_units():
    assert UNITS == ("kg", "g", "mg", "t", "l", "ml", "units")


@pytest.mark.parametrize(
    ("quantity", "unit", "kwargs", "expected"),
    [
        ("500", "kg", {}, 500_000_000),
        ("1.5", "g", {}, 1_500),
        ("3", "mg", {}, 3),
        ("2.5", "mg", {}, 2),
        ("3.5", "mg", {}, 4),
        ("0.000000001", "t", {}, 1),
        ("0.000001", "t", {}, 1_000),
        ("1.5", "l", {"density_g_per_ml": Decimal("1.08")}, 1_620_000),
        ("2.5", "ml", {"density_g_per_ml": Decimal("0.8")}, 2_000),
        ("1000", "units", {"mg_per_unit": Decimal("60")}, 60_000),
        ("3", "units", {"mg_per_unit": Decimal("0.5")}, 2),
    ],
)
def test_net_mg_examples(quantity, unit, kwargs, expected):
    assert net_mg(Decimal(quantity), unit, **kwargs) == expected


@pytest.mark.parametrize(
    ("quantity", "unit", "kwargs", "message"),
    [
        ("1", "l", {}, "unit 'l' needs a liquid substance with a known density"),
        ("1", "ml", {}, "unit 'ml' needs a liquid substance with a known density"),
        ("1", "units", {}, "unit 'units' needs the milligrams of substance per unit"),
        ("0", "kg", {}, "quantity must be greater than zero"),
        ("-1", "kg", {}, "quantity must be greater than zero"),
        ("NaN", "kg", {}, "quantity must be a finite number"),
        ("Infinity", "kg", {}, "quantity must be a finite number"),
        ("1", "lb", {}, "unknown unit 'lb': use one of kg, g, mg, t, l, ml, units"),
        ("1", "KG", {}, "unknown unit 'KG'"),
        ("1", "l", {"density_g_per_ml": Decimal(0)}, "density must be greater than zero"),
        ("1", "units", {"mg_per_unit": Decimal(-1)}, "milligrams per unit must be greater"),
        ("0.4", "mg", {}, "quantity is too small: it rounds to 0 mg"),
        ("1E+200", "kg", {}, "mass is too large"),
    ],
)
def test_net_mg_invalid(quantity, unit, kwargs, message):
    with pytest.raises(ValueError, match=message):
        net_mg(Decimal(quantity), unit, **kwargs)


@PROPERTY
@given(
    st.sampled_from(["kg", "g", "mg", "t"]).flatmap(
        lambda unit: st.tuples(st.just(unit), decimals("1" if unit == "mg" else "0.001", "1000000"))
    )
)
def test_mass_agrees_with_pint(unit_and_quantity):
    unit, quantity = unit_and_quantity
    expected = registry().Quantity(quantity, unit).to("mg").magnitude
    assert abs(net_mg(quantity, unit) - expected) <= 1


@PROPERTY
@given(
    st.sampled_from(["l", "ml"]),
    decimals("0.01", "100000", places=4),
    decimals("0.5", "2.5", places=4),
)
def test_volume_agrees_with_pint(unit, quantity, density):
    ureg = registry()
    expected = (ureg.Quantity(quantity, unit) * ureg.Quantity(density, "g/ml")).to("mg").magnitude
    assert abs(net_mg(quantity, unit, density_g_per_ml=density) - expected) <= 1


@pytest.mark.parametrize(
    ("net", "kwargs", "expected"),
    [
        (1_000, {}, 1_000),
        (1_000, {"salt_factor": Decimal("0.82")}, 820),
        (1_000, {"concentration_percent": Decimal("50")}, 500),
        (1_000, {"salt_factor": Decimal("0.82"), "concentration_percent": Decimal("99.5")}, 816),
        (5, {"concentration_percent": Decimal("50")}, 2),
        (7, {"concentration_percent": Decimal("50")}, 4),
        (0, {}, 0),
    ],
)
def test_base_mg_examples(net, kwargs, expected):
    assert base_mg(net, **kwargs) == expected


@pytest.mark.parametrize(
    ("net", "kwargs", "message"),
    [
        (-1, {}, "net mass must not be negative"),
        (1, {"salt_factor": Decimal(0)}, "salt factor must be greater than 0 and at most 1"),
        (1, {"salt_factor": Decimal("1.01")}, "salt factor must be greater than 0 and at most 1"),
        (1, {"salt_factor": Decimal("NaN")}, "salt factor"),
        (1, {"concentration_percent": Decimal(0)}, "concentration must be greater than 0"),
        (1, {"concentration_percent": Decimal("100.1")}, "at most 100 percent"),
    ],
)
def test_base_mg_invalid(net, kwargs, message):
    with pytest.raises(ValueError, match=message):
        base_mg(net, **kwargs)


NETS = st.integers(min_value=0, max_value=10**15)
SALT_FACTORS = decimals("0.0001", "1", places=4)
CONCENTRATIONS = decimals("0.01", "100", places=2)


@PROPERTY
@given(NETS, NETS, SALT_FACTORS, CONCENTRATIONS)
def test_base_mg_is_monotonic_in_net_and_at_most_net(a, b, salt, concentration):
    low, high = sorted((a, b))
    base_low = base_mg(low, salt_factor=salt, concentration_percent=concentration)
    base_high = base_mg(high, salt_factor=salt, concentration_percent=concentration)
    assert 0 <= base_low <= base_high <= high
    assert base_low <= low


@PROPERTY
@given(NETS, SALT_FACTORS, SALT_FACTORS, CONCENTRATIONS, CONCENTRATIONS)
def test_base_mg_is_monotonic_in_factors(net, salt_a, salt_b, conc_a, conc_b):
    salt_low, salt_high = sorted((salt_a, salt_b))
    conc_low, conc_high = sorted((conc_a, conc_b))
    low = base_mg(net, salt_factor=salt_low, concentration_percent=conc_low)
    high = base_mg(net, salt_factor=salt_high, concentration_percent=conc_high)
    assert low <= high <= net


@pytest.mark.parametrize(
    ("mg", "expected"),
    [
        (500_000_000, "500"),
        (1_000_000, "1"),
        (1_230_000, "1.23"),
        (1, "0.000001"),
        (0, "0"),
    ],
)
def test_mg_to_kg(mg, expected):
    kg = mg_to_kg(mg)
    assert kg == Decimal(expected)
    assert str(kg) == expected


@pytest.mark.parametrize(
    ("kg", "expected"),
    [("500", 500_000_000), ("1.23", 1_230_000), ("0.0000005", 0), ("0.0000015", 2)],
)
def test_kg_to_mg(kg, expected):
    assert kg_to_mg(Decimal(kg)) == expected


def test_kg_to_mg_rejects_non_finite():
    with pytest.raises(ValueError, match="mass must be a finite number"):
        kg_to_mg(Decimal("NaN"))


@PROPERTY
@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_mg_kg_round_trip_is_exact(mg):
    kg = mg_to_kg(mg)
    assert kg_to_mg(kg) == mg
    assert kg * 10**6 == mg
    assert "E" not in str(kg)
