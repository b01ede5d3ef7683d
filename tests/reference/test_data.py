"""Check the shipped substance reference data."""

import copy
import json
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest
from stdnum import casrn

from app.reference.substances import Catalogue, ReferenceDataError, catalogue

pytestmark = pytest.mark.pure

DENSITIES = {
    "acetic-anhydride": "1.08",
    "acetone": "0.79",
    "ethyl-ether": "0.71",
    "methyl-ethyl-ketone": "0.81",
    "toluene": "0.87",
    "piperidine": "0.86",
    "p-2-p": "1.01",
    "safrole": "1.10",
    "isosafrole": "1.12",
    "3-4-mdp-2-p": "1.20",
    "sulphuric-acid": "1.84",
    "hydrochloric-acid": "1.18",
}
ALKYLS = ["ethyl", "propyl", "isopropyl", "butyl", "isobutyl", "sec-butyl", "tert-butyl"]
BMK = ["bmk-glycidic-acid", "bmk-methyl-glycidate", *(f"bmk-{a}-glycidate" for a in ALKYLS)]
PMK = ["pmk-glycidic-acid", "pmk-glycidate", *(f"pmk-{a}-glycidate" for a in ALKYLS)]
FENTANYL = [
    "npp",
    "anpp",
    "4-ap",
    "1-boc-4-ap",
    "norfentanyl",
    "4-piperidone",
    "1-boc-4-piperidone",
]
COHESION = {
    "acetic-anhydride",
    "potassium-permanganate",
    "acetone",
    "ethyl-ether",
    "hydrochloric-acid",
    "methyl-ethyl-ketone",
    "sulphuric-acid",
    "toluene",
}
NO_PROJECT = {
    "anthranilic-acid",
    "n-acetylanthranilic-acid",
    "ergometrine",
    "ergotamine",
    "lysergic-acid",
    "piperidine",
}


def raw() -> dict:
    text = resources.files("app.reference").joinpath("substances.json").read_text("utf-8")
    return json.loads(text)


def test_counts_per_table():
    subs = catalogue().all()
    assert sum(s.table == "I" for s in subs) == 43
    assert sum(s.table == "II" for s in subs) == 8
    assert [s.table for s in subs] == ["I"] * 43 + ["II"] * 8


def test_glycidic_entries_are_complete():
    codes = {s.code for s in catalogue().all()}
    assert len(BMK) == 9
    assert len(PMK) == 9
    assert set(BMK) | set(PMK) <= codes


def test_codes_are_slugs_and_hs_codes_six_digits():
    for sub in catalogue().all():
        assert sub.code == sub.code.lower()
        assert set(sub.code) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
        assert len(sub.hs_code) == 6
        assert sub.hs_code.isdigit()


def test_cas_numbers_pass_check_digit():
    cas = [s.cas for s in catalogue().all() if s.cas is not None]
    assert len(cas) == 51 - 14  # 7 BMK and 7 PMK esters have no retrieved CAS RN
    assert all(casrn.validate(c) == c for c in cas)
    assert len(set(cas)) == len(cas)
    assert catalogue().get("norfentanyl").cas == "1609-66-1"


def test_alr_tracked_is_exactly_four():
    tracked = {s.code for s in catalogue().all() if s.alr_tracked}
    assert tracked == {"ephedrine", "pseudoephedrine", "p-2-p", "3-4-mdp-2-p"}


def test_no_legitimate_use_flags_designer_precursors():
    flagged = {s.code for s in catalogue().all() if s.no_legitimate_use}
    assert flagged == {*BMK, *PMK, "apaa", "mapa", "apaan"}
    assert "no legitimate use" in (catalogue().get("apaan").notes or "")


def test_densities_as_listed():
    densities = {s.code: s.density_g_per_ml for s in catalogue().all() if s.density_g_per_ml}
    assert densities == {code: Decimal(value) for code, value in DENSITIES.items()}


def test_projects():
    by_project = {s.code: s.project for s in catalogue().all()}
    assert {c for c, p in by_project.items() if p == "cohesion"} == COHESION
    assert {c for c, p in by_project.items() if p is None} == NO_PROJECT
    table_one = {s.code for s in catalogue().all() if s.table == "I"}
    prism = {c for c, p in by_project.items() if p == "prism"}
    assert prism == table_one - COHESION - NO_PROJECT


def test_families_group_related_precursors():
    family = {s.code: s.family for s in catalogue().all()}
    p2p = {"p-2-p", "phenylacetic-acid", "apaan", "apaa", "mapa", *BMK}
    pmk = {"3-4-mdp-2-p", "safrole", "isosafrole", "piperonal", *PMK}
    assert {c for c, f in family.items() if f == "p-2-p"} == p2p
    assert {c for c, f in family.items() if f == "3-4-mdp-2-p"} == pmk
    assert {c for c, f in family.items() if f == "fentanyl"} == set(FENTANYL)
    rest = set(family) - p2p - pmk - set(FENTANYL)
    assert all(family[c] == c for c in rest)


def test_salt_factors_in_unit_interval():
    for sub in catalogue().all():
        for factor in sub.salt_factors.values():
            assert Decimal(0) < factor <= Decimal(1)
    assert catalogue().get("hydrochloric-acid").salt_factors == {}
    assert catalogue().get("sulphuric-acid").salt_factors == {}


def test_salt_factors_match_molar_masses():
    ephedrine = catalogue().get("ephedrine")
    assert ephedrine.molar_mass == Decimal("165.23")
    assert ephedrine.salt_factors["hydrochloride"] == Decimal("0.8192")
    assert round(ephedrine.salt_factors["hydrochloride"], 2) == Decimal("0.82")
    sulphate = 2 * Decimal("165.23") / Decimal("428.54")
    assert abs(ephedrine.salt_factors["sulphate"] - sulphate) < Decimal("0.0001")


def test_effective_dates():
    subs = {s.code: s for s in catalogue().all()}
    assert catalogue().version == date(2024, 12, 3)
    for code in [*BMK, *PMK[2:], "4-piperidone", "1-boc-4-piperidone"]:
        assert subs[code].effective_from == date(2024, 12, 3)
    assert all(s.effective_from <= catalogue().version for s in subs.values())


def test_loader_rejects_duplicate_synonym():
    data = raw()
    data["substances"][3]["synonyms"].append("Ephedrine")
    with pytest.raises(ReferenceDataError, match="names both"):
        Catalogue(data)


def test_loader_rejects_bad_cas():
    data = copy.deepcopy(raw())
    data["substances"][39]["cas"] = "1609-66-5"
    with pytest.raises(ReferenceDataError, match="bad CAS"):
        Catalogue(data)


def test_loader_rejects_missing_entry():
    data = raw()
    del data["substances"][0]
    with pytest.raises(ReferenceDataError, match="Table I has 42"):
        Catalogue(data)
