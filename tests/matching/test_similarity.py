# ruff: noqa: RUF001  (Cyrillic names on purpose)
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.matching.names import LEGAL_FORM_TOKENS, is_generic
from app.matching.similarity import (
    MATCH_THRESHOLD,
    PartyKey,
    blocking_keys,
    name_similarity,
    party_key,
    same_party,
    token_similarity,
)

pytestmark = pytest.mark.pure

PROPERTY = settings(max_examples=300, deadline=None)


def sim(a: str, b: str) -> float:
    return name_similarity(party_key(a), party_key(b))


# --- the examples of the brief ----------------------------------------------------------------


def test_sharing_only_generic_words_scores_low():
    assert sim("Apex Orion Pharma Ltd", "Zenith Lotus Pharma Ltd") < 0.5


def test_legal_form_variants_score_one():
    assert sim("ACME CHEMICAL COMPANY LIMITED", "Acme Chemical Co., Ltd.") == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Lagos Pharma Ltd", "Lagos Pharmah Limited"),
        ("Shenzhen Huaxin Chemical", "Shenzen Hua Xin Chemicals Co Ltd"),
        ("Guangzhuo Baiyunshan Pharma", "Guangzhou Baiyunshan Pharma"),
    ],
)
def test_typos_score_high(a, b):
    assert sim(a, b) >= 0.9


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Orion Apex Pharma Ltd", "Apex Orion Pharma Limited"),
        ("Viet Tien Hoa Chat Co., Ltd.", "Cong ty TNHH Hoa chat Viet Tien"),
        ("Romashka Khimprom OOO", "OOO Khimprom Romashka"),
    ],
)
def test_word_order_does_not_matter(a, b):
    assert sim(a, b) >= 0.95


def test_one_changed_letter_in_a_short_distinctive_token_is_another_company():
    # Decision: "Acme" and "Acne" are different names (so are Huaxin 华信 and Huaxia 华夏).
    # A substitution costs 2 in Indel distance, so it is only forgiven in tokens of 9+ letters.
    assert sim("Acme Chemical", "Acne Chemical") < MATCH_THRESHOLD
    assert sim("Shenzhen Huaxin Chemical", "Shenzhen Huaxia Chemical") < MATCH_THRESHOLD
    # ... whereas a missing or extra letter is a typo
    assert sim("Acme Chemical", "Acmee Chemical") >= MATCH_THRESHOLD


def test_same_city_different_business_is_not_a_match():
    assert sim("Lagos Pharma", "Lagos Chemicals") < MATCH_THRESHOLD
    assert sim("Lagos Pharma Ltd", "Lagos Chemicals Ltd") < 0.7


def test_every_distinctive_token_of_the_shorter_name_must_be_matched():
    assert sim("Lagos Pharma", "Lagos Abuja Pharma") < MATCH_THRESHOLD
    assert sim("Acme Orion Chemical", "Acme Chemical") < MATCH_THRESHOLD


def test_token_similarity():
    assert token_similarity("acme", "acme") == 1.0
    assert token_similarity("acme", "acne") == 0.0
    assert token_similarity("shenzen", "shenzhen") > 0.9
    assert token_similarity("abc", "abcd") == 0.0  # short tokens must be equal
    assert token_similarity("plant1", "plant2") == 0.0  # digits must be equal


# --- labelled pairs ----------------------------------------------------------------------------

SAME = [
    ("ACME CHEMICAL COMPANY LIMITED", "Acme Chemical Co., Ltd."),
    ("Lagos Pharma Ltd", "LAGOS PHARMA LIMITED"),
    ("Lagos Pharma Ltd", "Lagos Pharmah Limited"),
    ("Shenzhen Huaxin Chemical", "Shenzen Hua Xin Chemicals Co Ltd"),
    ("深圳华信化工有限公司", "Shenzhen Huaxin Chemical Co., Ltd."),
    ("Chemwerk Hamburg GmbH", "CHEMWERK HAMBURG G.m.b.H."),
    ("Chemwerk Hamburg GmbH & Co. KG", "Chemwerk Hamburg"),
    ("Müller Chemie GmbH", "Mueller Chemie"),
    ("Müller Chemie", "MULLER CHEMIE GMBH"),
    ("Höchst Pharma", "Hoechst Pharma"),
    ("ООО «Химпром»", "Khimprom LLC"),
    ("ООО «Ромашка»", "Romashka, OOO"),
    ("АО «Химпром»", "JSC Khimprom"),
    ("Общество с ограниченной ответственностью «Ромашка»", "LLC Romashka"),
    ("Química Fina del Norte, S.A. de C.V.", "QUIMICA FINA DEL NORTE SA DE CV"),
    ("Laboratorios Andinos S. de R.L. de C.V.", "Laboratorios Andinos"),
    ("Gulf Star Trading FZE", "Gulf Star Trading F.Z.E."),
    ("Al Noor Chemicals FZCO", "Al-Noor Chemicals"),
    ("Van Dijk Chemicals B.V.", "Van Dijk Chemical BV"),
    ("Sasol Chemical Industries (Pty) Ltd", "Sasol Chemical Industries Pty Limited"),
    ("M/s. Sunrise Pharmaceuticals Pvt. Ltd.", "Sunrise Pharma Private Limited"),
    ("M/S GUJARAT ORGANICS LIMITED", "Gujarat Organics Ltd"),
    ("Messrs Kaveri Drugs Pvt Ltd", "Kaveri Drugs (P) Ltd"),
    ("PT Kimia Farma Tbk", "Kimia Farma"),
    ("PT Indofarma Global Medika", "Indofarma Global Medika, PT"),
    ("Orion Apex Pharma Ltd", "Apex Orion Pharma Limited"),
    ("Zhejiang Jiuzhou Pharmaceutical Co., Ltd.", "ZHEJIANG JIUZHOU PHARMA CO LTD"),
    ("Nordic Synthesis AB (publ)", "Nordic Synthesis Aktiebolag"),
    ("Polchem Sp. z o.o.", "POLCHEM SP ZOO"),
    ("Karachi Intl Traders", "Karachi International Trading"),
    ("Rotterdam Chemie Handel B.V.", "Rotterdam Chemie Handels BV"),
    (
        "Guangzhou Baiyunshan Pharmaceutical Holdings Co., Ltd.",
        "Guangzhou Baiyun Shan Pharmaceutical Holdings",
    ),
    ("Guangzhuo Baiyunshan Pharma", "Guangzhou Baiyunshan Pharma"),
    ("Siam Chemicals Public Company Limited", "Siam Chemical PCL"),
    ("Anatolia Kimya Sanayi ve Ticaret A.Ş.", "ANATOLIA KIMYA SANAYI VE TICARET AS"),
    ("Mumbai Fine Chem Pvt Ltd", "Mumbai Fine Chemicals Private Limited"),
    ("A.B.C. Chemicals Sdn. Bhd.", "ABC Chemicals Sdn Bhd"),
    ("Tokyo Kasei Kogyo K.K.", "Tokyo Kasei Kogyo Kabushiki Kaisha"),
    ("Lion Bridge Pte. Ltd.", "Lionbridge Pte Ltd"),
    ("Vita Pharma S.p.A.", "VITA PHARMA SPA"),
    ("Cong ty TNHH Hoa chat Viet Tien", "Viet Tien Hoa Chat Co., Ltd."),
    ("Acme Orion Chemical", "Acme Orion Chemical Industries"),
    ("Chemwerk Hamburg", "Chemwerk Hamburg Trading GmbH"),
]

DIFFERENT = [
    # only generic words in common
    ("Apex Orion Pharma Ltd", "Zenith Lotus Pharma Ltd"),
    ("Lagos Pharma Ltd", "Abuja Pharma Ltd"),
    ("Gulf Star Trading FZE", "Gulf Sun Trading FZE"),
    ("Global Pharma Trading FZE", "Global Chemical Trading FZE"),
    ("Pacific Chemicals Ltd", "Pacific Pharmaceuticals Ltd"),
    # shared city (or other distinctive word), different business word
    ("Lagos Pharma Ltd", "Lagos Chemicals Ltd"),
    ("Hamburg Chemie Handel GmbH", "Hamburg Chemie Logistik GmbH"),
    ("Shenzhen Huaxin Chemical", "Shenzhen Huaxin Pharmaceutical"),
    ("China National Pharmaceutical Group", "China National Chemical Group"),
    ("Mumbai Fine Chemicals Pvt Ltd", "Mumbai Organics Pvt Ltd"),
    # one distinctive word differs or is extra
    ("Acme Chemical Co., Ltd.", "Acne Chemical Co., Ltd."),
    ("Shenzhen Huaxin Chemical", "Shenzhen Huaxia Chemical"),
    ("Novachem Trading LLC", "Novochem Trading LLC"),
    ("Sunrise Pharmaceuticals", "Sunshine Pharmaceuticals"),
    ("ABC Chemicals", "ABD Chemicals"),
    ("Müller Chemie GmbH", "Möller Chemie GmbH"),
    ("ООО «Химпром»", "ООО «Химпромторг»"),
    ("Acme Chemical Plant 1", "Acme Chemical Plant 2"),
    ("Acme Chemical GmbH", "Acme Orion Chemical GmbH"),
    ("Lagos Pharma", "Lagos Abuja Pharma"),
    ("Apex Orion Pharma", "Apex Pharma"),
    ("Tianjin Pharma", "Tianjin Zhongxin Pharma"),
    ("Delta Chemicals", "Delta Chemicals Nigeria"),
    # one distinctive word and an extra business word: ambiguous, kept apart (conservative)
    ("Lagos Pharma", "Lagos Pharma Industries"),
    ("Acme Pharma", "Acme Pharmaceutical Trading Industries"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_labelled_same(a, b):
    for country in ("NG", None):
        decision, score, reason = same_party(party_key(a, country), party_key(b, country))
        assert decision, (score, party_key(a).tokens, party_key(b).tokens)
        assert reason == "name"


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_labelled_different(a, b):
    decision, score, reason = same_party(party_key(a, "NG"), party_key(b, "NG"))
    assert not decision, (score, party_key(a).tokens, party_key(b).tokens)
    assert reason == "name_below_threshold"


def test_the_threshold_separates_the_labelled_pairs_with_a_margin():
    # The pairs nearest to the threshold are the "extra business word" ones: "Chemwerk Hamburg"
    # vs "Chemwerk Hamburg Trading" (two distinctive tokens, about 0.92) and "Lagos Pharma" vs
    # "Lagos Pharma Industries" (one distinctive token, about 0.88). Everything else is >= 0.95
    # or <= 0.8.
    lowest_same = min(sim(a, b) for a, b in SAME)
    highest_different = max(sim(a, b) for a, b in DIFFERENT)
    assert lowest_same >= MATCH_THRESHOLD + 0.01
    assert highest_different <= MATCH_THRESHOLD - 0.01
    rest_same = [sim(a, b) for a, b in SAME[:-2]]
    rest_different = [sim(a, b) for a, b in DIFFERENT[:-2]]
    assert min(rest_same) >= 0.95
    assert max(rest_different) <= 0.8
    assert len(SAME) + len(DIFFERENT) >= 40


@pytest.mark.parametrize(("a", "b"), SAME)
def test_true_matches_share_a_blocking_key(a, b):
    assert set(blocking_keys(party_key(a, "NG"))) & set(blocking_keys(party_key(b, "NG")))


# --- identifiers and countries -----------------------------------------------------------------

LEI_1 = "529900T8BM49AURSDO55"
LEI_2 = "5493001KJTIIGC8Y1R12"


def test_same_name_in_another_country_is_another_entity():
    assert same_party(
        party_key("Acme Chemical Ltd", "DE"), party_key("Acme Chemical Ltd", "NG")
    ) == (
        False,
        0.0,
        "country_mismatch",
    )


def test_missing_country_lets_the_name_decide():
    decision, score, reason = same_party(
        party_key("Lagos Pharma Ltd", "NG"), party_key("LAGOS PHARMA LIMITED")
    )
    assert (decision, score, reason) == (True, 1.0, "name")


def test_equal_lei_decides_whatever_the_names_and_countries():
    a = party_key("Acme Chemical Ltd", "DE", lei=LEI_1)
    b = party_key("ACME Holdings Europe B.V.", "NL", lei=LEI_1.lower())
    assert same_party(a, b) == (True, 1.0, "lei")


def test_different_leis_are_different_entities():
    a = party_key("Acme Chemical Ltd", "DE", lei=LEI_1, vat="DE136695976")
    b = party_key("Acme Chemical Ltd", "DE", lei=LEI_2, vat="DE136695976")
    assert same_party(a, b) == (False, 0.0, "lei_conflict")


def test_vat_and_eori():
    a = party_key("Chemwerk Hamburg GmbH", "DE", vat="DE 136 695 976")
    assert same_party(a, party_key("CW Hamburg", "DE", vat="de136695976")) == (True, 1.0, "vat")
    assert same_party(a, party_key("Chemwerk Hamburg", "DE", vat="DE999999999")) == (
        False,
        0.0,
        "vat_conflict",
    )
    # a VAT number of another member state does not contradict: the name decides
    assert same_party(a, party_key("Chemwerk Hamburg", "DE", vat="NL123456789B01"))[2] == "name"
    b = party_key("Chemwerk Hamburg GmbH", "DE", eori="DE1234567")
    assert same_party(b, party_key("Chemwerk", "DE", eori="DE1234567")) == (True, 1.0, "eori")
    assert same_party(b, party_key("Chemwerk Hamburg", "DE", eori="DE7654321"))[0] is False


def test_party_key_cleans_its_fields():
    key = party_key("Acme Ltd", " ng ", lei=" ", vat="de-136 695 976", eori=None)
    assert key == PartyKey("Acme Ltd", ("acme",), "NG", None, "DE136695976", None)


# --- blocking keys -----------------------------------------------------------------------------


def test_blocking_keys_example():
    keys = blocking_keys(party_key("Lagos Pharma Ltd", "NG"))
    assert "NG:lagos" in keys
    assert "NG:p4:lago" in keys
    assert not any("pharma" in k for k in keys)  # generic words give no keys


def test_blocking_keys_without_country_and_with_identifiers():
    keys = blocking_keys(party_key("Acme Chemical", lei=LEI_1))
    assert keys[0] == f"lei:{LEI_1}"
    assert "*:acme" in keys


def test_blocking_keys_use_the_longest_distinctive_tokens():
    keys = blocking_keys(party_key("Al Zenith Orion Baiyunshan Trading", "AE"), max_keys=2)
    token_keys = [k for k in keys if k.count(":") == 1]
    assert token_keys == ["AE:baiyunshan", "AE:zenith"]


def test_split_and_joined_spellings_share_a_key():
    a = set(blocking_keys(party_key("深圳华信化工有限公司", "CN")))
    b = set(blocking_keys(party_key("Shenzhen Huaxin Chemical Co Ltd", "CN")))
    assert "CN:j:shenzhen" in a & b


def test_a_typo_in_one_token_is_found_through_the_other():
    a = set(blocking_keys(party_key("Baiyunshan Zorbex Pharma", "CN")))
    b = set(blocking_keys(party_key("Byaiunshan Zorbex Pharma", "CN")))
    assert "CN:zorbex" in a & b


def test_blocking_keys_are_short():
    name = "Supercalifragilisticexpialidociousandevenlongerthanthat " * 3
    keys = blocking_keys(party_key(name, "NG", lei="X" * 80, vat="DE" + "1" * 70, eori="E" * 90))
    assert keys
    assert all(len(k) <= 60 for k in keys)


# --- properties --------------------------------------------------------------------------------

VOCABULARY = [
    "Acme",
    "Acne",
    "Orion",
    "Lagos",
    "Lagoss",
    "Shenzhen",
    "Shen Zhen",
    "Huaxin",
    "Hua Xin",
    "Pharma",
    "Pharmaceuticals",
    "Chemicals",
    "Trading",
    "Industries",
    "Ltd",
    "GmbH",
    "OOO",
    "PT",
    "Химпром",
    "华信",
    "1",
    "2",
]
NAMES = st.one_of(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=5).map(" ".join),
    st.text(max_size=30),
)
KEYS = st.builds(
    party_key,
    NAMES,
    st.sampled_from([None, "NG", "DE"]),
    st.sampled_from([None, LEI_1, LEI_2]),
    st.sampled_from([None, "DE136695976", "DE999999999", "NL123456789B01"]),
    st.sampled_from([None, "DE1234567"]),
)


@PROPERTY
@given(KEYS, KEYS)
def test_same_party_is_symmetric(a, b):
    assert same_party(a, b) == same_party(b, a)
    score = name_similarity(a, b)
    assert score == name_similarity(b, a)
    assert 0.0 <= score <= 1.0


@PROPERTY
@given(st.text(min_size=1, max_size=40).filter(lambda s: any(c.isalnum() for c in s)), KEYS)
def test_a_name_always_matches_itself(name, other):
    key = party_key(name, other.country, other.lei, other.vat, other.eori)
    assert name_similarity(key, key) == 1.0
    decision, score, _ = same_party(key, key)
    assert decision
    assert score == 1.0


# is_generic also reads misspelt business words ("eporting" is "export"): a name of one such word
# and one distinctive word has a single distinctive token, which a typo at both ends escapes.
WORD = st.text(string.ascii_lowercase, min_size=5, max_size=10).filter(
    lambda w: w not in LEGAL_FORM_TOKENS and not is_generic(w)
)


@PROPERTY
@given(st.lists(WORD, min_size=2, max_size=3, unique=True), st.data())
def test_a_typo_in_one_word_still_shares_a_blocking_key(words, data):
    index = data.draw(st.integers(0, len(words) - 1))
    word = words[index]
    position = data.draw(st.integers(0, len(word) - 1))
    letter = data.draw(st.sampled_from(string.ascii_lowercase))
    typo = word[:position] + letter + word[position + 1 :]
    assume(typo not in LEGAL_FORM_TOKENS and not is_generic(typo))
    changed = [*words[:index], typo, *words[index + 1 :]]
    a = party_key(" ".join(words), "NG")
    b = party_key(" ".join(changed), "NG")
    assume(len(a.tokens) == len(words) and len(b.tokens) == len(words))
    assert set(blocking_keys(a)) & set(blocking_keys(b))
