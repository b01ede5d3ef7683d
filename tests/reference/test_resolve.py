"""Check resolution of substance references."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.reference.substances import UnknownSubstance, canonical_salt, catalogue

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("ephedrine", "ephedrine"),
        ("acetic-anhydride", "acetic-anhydride"),
        ("90-82-4", "pseudoephedrine"),
        (" 90-82-4 ", "pseudoephedrine"),
        ("1609-66-1", "norfentanyl"),
        ("PMK glycidate", "pmk-glycidate"),
        ("PMK methyl glycidate", "pmk-glycidate"),
        ("BMK", "p-2-p"),
        ("P-2-P", "p-2-p"),
        ("P2P", "p-2-p"),
        ("1-phenyl-2-propanone", "p-2-p"),
        ("1 phenyl 2 propanone", "p-2-p"),
        ("PMK", "3-4-mdp-2-p"),
        ("3,4-MDP-2-P", "3-4-mdp-2-p"),
        ("34-mdp-2-p", "3-4-mdp-2-p"),
        ("BMK methyl glycidate", "bmk-methyl-glycidate"),
        ("BMK  ethyl   glycidate", "bmk-ethyl-glycidate"),
        ("PMK sec-butyl glycidate", "pmk-sec-butyl-glycidate"),
        ("phenylpropanolamine", "norephedrine"),
        ("sulfuric acid", "sulphuric-acid"),
        ("diethyl ether", "ethyl-ether"),
        ("MEK", "methyl-ethyl-ketone"),
        ("HCl", "hydrochloric-acid"),
        ("\N{GREEK SMALL LETTER ALPHA}-phenylacetoacetonitrile", "apaan"),
        ("EPHEDRINE", "ephedrine"),
        ("Pmk Glycidate", "pmk-glycidate"),
    ],
)
def test_resolve_without_salt(ref, code):
    resolved = catalogue().resolve(ref)
    assert resolved.substance.code == code
    assert resolved.salt is None


@pytest.mark.parametrize(
    ("ref", "code", "salt"),
    [
        ("pseudoephedrine hydrochloride", "pseudoephedrine", "hydrochloride"),
        ("Pseudoephedrine HCl", "pseudoephedrine", "hydrochloride"),
        ("ephedrine sulfate", "ephedrine", "sulphate"),
        ("ephedrine sulphate", "ephedrine", "sulphate"),
        ("PMK glycidate sodium salt", "pmk-glycidate", "sodium"),
        ("BMK glycidic acid (sodium salt)", "bmk-glycidic-acid", "sodium"),
        ("ergotamine tartrate", "ergotamine", "tartrate"),
        ("norephedrine hydrobromide", "norephedrine", "hydrobromide"),
        ("90-82-4 hydrochloride", "pseudoephedrine", "hydrochloride"),
        ("phenylacetic acid salt", "phenylacetic-acid", "salt"),
    ],
)
def test_resolve_with_salt(ref, code, salt):
    resolved = catalogue().resolve(ref)
    assert (resolved.substance.code, resolved.salt) == (code, salt)


def test_pseudoephedrine_hydrochloride_is_82_percent_base():
    resolved = catalogue().resolve("pseudoephedrine hydrochloride")
    factor = catalogue().salt_factor(resolved.substance, resolved.salt)
    assert factor == pytest.approx(Decimal("0.82"), abs=Decimal("0.005"))


def test_salt_factor():
    ephedrine = catalogue().get("ephedrine")
    assert catalogue().salt_factor(ephedrine, None) == 1
    assert catalogue().salt_factor(ephedrine, "sulfate") == ephedrine.salt_factors["sulphate"]
    assert catalogue().salt_factor(ephedrine, "HCl") == ephedrine.salt_factors["hydrochloride"]
    message = "unknown salt 'tartrate' for ephedrine; known: hydrochloride, sulphate"
    with pytest.raises(ValueError, match=message):
        catalogue().salt_factor(ephedrine, "tartrate")


@pytest.mark.parametrize(
    ("salt", "canonical"),
    [
        ("HCl", "hydrochloride"),
        ("Sulfate", "sulphate"),
        ("sodium salt", "sodium"),
        ("salt", "salt"),
    ],
)
def test_canonical_salt(salt, canonical):
    assert canonical_salt(salt) == canonical


def test_unknown_names_closest():
    with pytest.raises(UnknownSubstance) as caught:
        catalogue().resolve("ephedrin")
    assert caught.value.closest == ["ephedrine", "pseudoephedrine", "norephedrine"]
    assert str(caught.value) == (
        "unknown substance 'ephedrin'; closest: ephedrine, pseudoephedrine, norephedrine"
    )
    assert isinstance(caught.value, ValueError)


def test_fuzzy_match_is_never_accepted():
    with pytest.raises(UnknownSubstance) as caught:
        catalogue().resolve("acetic anhydrid")
    assert caught.value.closest[0] == "acetic-anhydride"


@pytest.mark.parametrize(
    "ref",
    [
        "ethyl methylphenylglycidate",
        "Strawberry aldehyde",
        "77-83-8",
        "ethyl methylphenyl glycidate",
    ],
)
def test_strawberry_aldehyde_is_rejected(ref):
    with pytest.raises(UnknownSubstance, match="not controlled") as caught:
        catalogue().resolve(ref)
    assert caught.value.closest == []


def test_unknown_cas_is_rejected():
    with pytest.raises(UnknownSubstance, match="no entry has this CAS RN"):
        catalogue().resolve("50-00-0")


@pytest.mark.parametrize("ref", ["sulphuric acid sodium salt", "hydrochloric acid salt"])
def test_excluded_salts_are_rejected(ref):
    with pytest.raises(UnknownSubstance, match=r"salts of .* are not controlled"):
        catalogue().resolve(ref)


@pytest.mark.parametrize("ref", ["", "   ", "sodium benzoate"])
def test_nonsense_is_unknown(ref):
    with pytest.raises(UnknownSubstance):
        catalogue().resolve(ref)


def test_get():
    assert catalogue().get("pmk-glycidate").cas == "13605-48-6"
    assert catalogue().get("PMK glycidate") is None
    assert catalogue() is catalogue()


NAMES = [
    (text, sub.code) for sub in catalogue().all() for text in (sub.code, sub.name, *sub.synonyms)
]
LONGEST = max(len(text) for text, _ in NAMES)
SPACE = st.text(alphabet=" \t\n", max_size=3)


def test_every_name_resolves_in_upper_and_lower_case():
    for text, code in NAMES:
        assert catalogue().resolve(f" {text.upper()} ").substance.code == code
        assert catalogue().resolve(f"{text.lower()}\t").substance.code == code


@given(
    st.sampled_from(NAMES),
    st.lists(st.booleans(), min_size=LONGEST, max_size=LONGEST),
    SPACE,
    SPACE,
)
def test_resolve_ignores_case_and_surrounding_space(name, upper, before, after):
    text, code = name
    cased = "".join(
        c.upper() if up else c.lower() for c, up in zip(text, upper[: len(text)], strict=True)
    )
    assert catalogue().resolve(before + cased + after).substance.code == code
