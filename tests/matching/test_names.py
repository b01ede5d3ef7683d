# ruff: noqa: RUF001  (Cyrillic names on purpose)
import string
import subprocess
import sys

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.matching.names import (
    GENERIC_WORDS,
    LEGAL_FORM_TOKENS,
    STOP_WORDS,
    distinctive_tokens,
    is_generic,
    name_tokens,
    normalize_name,
)

pytestmark = pytest.mark.pure

PROPERTY = settings(max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("Acme Chemical Co., Ltd.", ["acme", "chemical"]),
        ("Acme Chemical Co.,Ltd.", ["acme", "chemical"]),
        ("ACME CHEMICAL COMPANY LIMITED", ["acme", "chemical"]),
        ("Acme Chemicals Corp.", ["acme", "chemical"]),
        ("Lagos Pharmaceuticals Ltd", ["lagos", "pharma"]),
        ("Lagos Pharm. Limited", ["lagos", "pharma"]),
        ("Karachi Intl. Traders", ["karachi", "international", "trading"]),
        ("Sasol Chemical Industries (Pty) Ltd", ["sasol", "chemical", "industry"]),
        ("M/s. Sunrise Pharmaceuticals Pvt. Ltd.", ["sunrise", "pharma"]),
        ("M/S GUJARAT ORGANICS PRIVATE LIMITED", ["gujarat", "organic"]),
        ("Messrs. Kaveri Drugs (P) Ltd", ["kaveri", "drug"]),
        ("The Dow Chemical Company", ["dow", "chemical"]),
        ("Chemwerk Hamburg GmbH & Co. KG", ["chemwerk", "hamburg"]),
        ("Chemwerk Hamburg G.m.b.H.", ["chemwerk", "hamburg"]),
        ("Química Fina del Norte, S.A. de C.V.", ["chemical", "fina", "del", "norte"]),
        ("Quimica Fina del Norte S. de R.L. de C.V.", ["chemical", "fina", "del", "norte"]),
        ("Vita Pharma S.p.A.", ["vita", "pharma"]),
        ("Atlas Sintesis S.A.S.", ["atlas", "sintesis"]),
        ("Van Dijk Chemicals B.V.", ["van", "dijk", "chemical"]),
        ("Nordic Synthesis AB (publ)", ["nordic", "synthesis"]),
        ("Polchem Sp. z o.o.", ["polchem"]),
        ("Dunai Vegyi Kft.", ["dunai", "vegyi"]),
        ("Gulf Star Trading F.Z.E.", ["gulf", "star", "trading"]),
        ("Gulf Star Trading FZ-LLC", ["gulf", "star", "trading"]),
        ("Al Noor Chemicals DMCC", ["al", "noor", "chemical"]),
        ("Lion Bridge Pte. Ltd.", ["lion", "bridge"]),
        ("Kota Kimia Sdn. Bhd.", ["kota", "chemical"]),
        ("PT Kimia Farma Tbk", ["chemical", "pharma"]),
        ("PT Indofarma Global Medika", ["indofarma", "global", "medika"]),
        ("Tokyo Kasei Kogyo K.K.", ["tokyo", "kasei", "kogyo"]),
        ("Tokyo Kasei Kogyo Kabushiki Kaisha", ["tokyo", "kasei", "kogyo"]),
        (
            "Anatolia Kimya Sanayi ve Ticaret A.Ş.",
            ["anatolia", "chemical", "industry", "ve", "trading"],
        ),
        ("Siam Chemicals Public Company Limited", ["siam", "chemical"]),
        ("Cong ty TNHH Hoa chat Viet Tien", ["hoa", "chat", "viet", "tien"]),
        # Russian: legal form before the quoted name, in Cyrillic, Latin or spelled out
        ("ООО «Ромашка»", ["romashka"]),
        ("ООО «Химпром»", ["khimprom"]),
        ('OOO "Khimprom"', ["khimprom"]),
        ("Khimprom LLC", ["khimprom"]),
        ("LLC «Khimprom»", ["khimprom"]),
        ("АО «Химпром»", ["khimprom"]),
        ("Romashka, OOO", ["romashka"]),
        ("Общество с ограниченной ответственностью «Ромашка»", ["romashka"]),
        ("Закрытое акционерное общество «Ромашка»", ["romashka"]),
        # Chinese: unidecode spells each character; 有限公司 = Co., Ltd.; 化工 = chemical industry
        ("深圳华信化工有限公司", ["shen", "zhen", "hua", "xin", "chemical"]),
        ("Shenzhen Huaxin Chemical Youxian Gongsi", ["shenzhen", "huaxin", "chemical"]),
        ("Hua Ao You Xian Gong Si", ["hua", "ao"]),
        # German umlauts: ü, ue and u read alike
        ("Müller Chemie GmbH", ["muller", "chemical"]),
        ("Mueller Chemie", ["muller", "chemical"]),
        ("Höchst Pharma", ["hochst", "pharma"]),
        ("Israel Chemicals Ltd", ["israel", "chemical"]),
        # initials and punctuation
        ("A.B.C. Chemicals", ["abc", "chemical"]),
        ("A. B. C. Chemicals", ["abc", "chemical"]),
        ("O'Brien & Sons", ["obrien", "and", "son"]),
        ("Smith & Co. Trading", ["smith", "and", "trading"]),
        # legal words only in the middle stay; nothing left means nothing stripped
        ("Agro AG Chemicals", ["agro", "ag", "chemical"]),
        ("Limited", ["limited"]),
        ("PT Chemicals", ["pt", "chemical"]),
        ("TO ORDER", ["to", "order"]),
        ("", []),
        ("!!! ---", []),
    ],
)
def test_name_tokens(raw, tokens):
    assert name_tokens(raw) == tokens
    assert normalize_name(raw) == " ".join(tokens)


@pytest.mark.parametrize(
    "form",
    [
        "Ltd",
        "Limited",
        "Pvt. Ltd.",
        "Private Limited",
        "Co.",
        "Co. Ltd.",
        "Co., Ltd.",
        "Company Limited",
        "Corp",
        "Corporation",
        "Inc",
        "Incorporated",
        "LLC",
        "L.L.C.",
        "LLP",
        "PLC",
        "GmbH",
        "GmbH & Co. KG",
        "AG",
        "KG",
        "SE",
        "S.A.",
        "S.A. de C.V.",
        "SA de CV",
        "S.A.S.",
        "SARL",
        "S.R.L.",
        "S.p.A.",
        "B.V.",
        "N.V.",
        "Oy",
        "AB",
        "A/S",
        "ApS",
        "Kft",
        "Sp. z o.o.",
        "FZE",
        "FZCO",
        "FZC",
        "FZ-LLC",
        "DMCC",
        "(Pty) Ltd",
        "Pty Ltd",
        "Sdn Bhd",
        "Bhd",
        "Tbk",
        "K.K.",
        "Kabushiki Kaisha",
        "JSC",
        "PJSC",
        "OJSC",
        "CJSC",
        "Ltda",
        "S.L.",
        "S.A.C.",
        "S.R.L. de C.V.",
        "Pte Ltd",
        "Pte",
        "Limited Liability Company",
        "Joint Stock Company",
        "Youxian Gongsi",
        "You Xian Gong Si",
        "有限公司",
        "OOO",
        "ООО",
    ],
)
def test_trailing_legal_forms_are_removed(form):
    assert name_tokens(f"Zorbex Quantum {form}") == ["zorbex", "quantum"]
    assert name_tokens(f"Zorbex Quantum, {form.upper()}") == ["zorbex", "quantum"]


@pytest.mark.parametrize(
    "form",
    [
        "PT",
        "CV",
        "OOO",
        "ZAO",
        "OAO",
        "PAO",
        "TOO",
        "AO",
        "JSC",
        "LLC",
        "M/s.",
        "M/S",
        "Messrs",
        "Messrs.",
        "ООО",
        "ЗАО",
        "ТОО",
        "Cong ty TNHH",
    ],
)
def test_leading_forms_and_honorifics_are_removed(form):
    assert name_tokens(f"{form} Zorbex Quantum") == ["zorbex", "quantum"]
    assert name_tokens(f"{form} «Zorbex Quantum»") == ["zorbex", "quantum"]


def test_generic_words_cover_the_usual_suspects():
    for word in (
        "pharma",
        "pharmaceutical",
        "pharmaceuticals",
        "chemical",
        "chemicals",
        "chem",
        "trading",
        "industries",
        "international",
        "intl",
        "group",
        "holdings",
        "impex",
        "enterprises",
        "global",
        "laboratories",
        "labs",
        "healthcare",
        "sciences",
        "biotech",
        "solutions",
        "logistics",
        "shipping",
        "general",
        "manufacturing",
        "and",
        "the",
        "of",
    ):
        assert word in GENERIC_WORDS, word
        assert is_generic(word)


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        (["chemicals", "chemical", "chem", "chemie", "quimica"], "chemical"),
        (["pharmaceuticals", "pharmaceutical", "pharma", "pharm", "farma"], "pharma"),
        (["intl", "international"], "international"),
        (["industries", "industry", "industrie"], "industry"),
        (["laboratories", "laboratory", "labs", "lab"], "laboratory"),
    ],
)
def test_generic_variants_agree(variants, canonical):
    for variant in variants:
        assert name_tokens(f"Zorbex {variant}") == ["zorbex", canonical]


def test_distinctive_tokens():
    assert distinctive_tokens(["apex", "orion", "pharma"]) == ["apex", "orion"]
    assert distinctive_tokens(["lagos", "pharma", "trading", "and", "x"]) == ["lagos"]
    assert distinctive_tokens(["acme", "3", "chemical"]) == ["acme", "3"]
    # nothing distinctive: all tokens
    assert distinctive_tokens(["global", "pharma", "trading"]) == ["global", "pharma", "trading"]
    assert distinctive_tokens([]) == []


def test_pure_module_imports():
    code = (
        "import sys, app.matching.names, app.matching.similarity;"
        "bad = [m for m in ('fastapi', 'sqlalchemy', 'pydantic') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- properties --------------------------------------------------------------------------------

NAME_PIECES = st.sampled_from(
    [
        "Acme",
        "Ltd.",
        "Co.,",
        "S.A.",
        "de",
        "C.V.",
        "GmbH",
        "&",
        "M/s.",
        "OOO",
        "«Химпром»",
        "深圳",
        "化工",
        "有限公司",
        "Müller",
        "Mueller",
        "Pharmaceuticals",
        "Hua",
        "Gong",
        "A.",
        "B.",
        "co",
        "op",
        "the",
        "PT",
        "ueae",
        "Ⰰ",
        "'",
        "-",
        "ⅷ",
        "ß",
        "İ",
    ]
)
NAMES = st.one_of(
    st.text(max_size=40),
    st.lists(NAME_PIECES, max_size=8).map(" ".join),
    st.lists(st.one_of(NAME_PIECES, st.text(max_size=6)), max_size=6).map("".join),
)


@PROPERTY
@given(NAMES)
def test_normalize_name_is_idempotent(name):
    once = normalize_name(name)
    assert normalize_name(once) == once
    assert name_tokens(once) == name_tokens(name)


WORDS = st.text(string.ascii_lowercase, min_size=3, max_size=10).filter(
    lambda w: w not in LEGAL_FORM_TOKENS and w not in STOP_WORDS and w not in {"messrs", "co"}
)
SUFFIXES = [
    "",
    "Ltd",
    "Ltd.",
    "Limited",
    "Co., Ltd.",
    "Co.,Ltd.",
    "Company Limited",
    "Corp.",
    "Inc.",
    "LLC",
    "GmbH",
    "GmbH & Co. KG",
    "AG",
    "S.A.",
    "S.A. de C.V.",
    "SA de CV",
    "S.A.S.",
    "SARL",
    "S.R.L.",
    "S.p.A.",
    "B.V.",
    "N.V.",
    "Oy",
    "AB",
    "A/S",
    "ApS",
    "Kft.",
    "Sp. z o.o.",
    "FZE",
    "FZCO",
    "FZ-LLC",
    "DMCC",
    "(Pty) Ltd",
    "Pty Ltd",
    "Pvt. Ltd.",
    "Private Limited",
    "Sdn. Bhd.",
    "Tbk",
    "K.K.",
    "Kabushiki Kaisha",
    "JSC",
    "PJSC",
    "Ltda.",
    "S.L.",
    "S.A.C.",
    "Pte. Ltd.",
    "Limited Liability Company",
    "Youxian Gongsi",
    "OOO",
]
PREFIXES = ["", "M/s.", "M/S", "Messrs.", "The", "PT", "CV", "OOO", "ZAO", "AO", "JSC", "LLC"]
SEPARATORS = [" ", "  ", " - ", ", ", ". ", " / ", "-"]
CASES = [str, str.upper, str.lower, str.title, str.swapcase]


@st.composite
def name_variants(draw):
    words = draw(st.lists(WORDS, min_size=1, max_size=4))
    assume(any(not is_generic(w) for w in words))
    separator = draw(st.sampled_from(SEPARATORS))
    body = separator.join(words)
    prefix = draw(st.sampled_from(PREFIXES))
    suffix = draw(st.sampled_from(SUFFIXES))
    case = draw(st.sampled_from(CASES))
    end = draw(st.sampled_from(["", ".", ",", " ,"]))
    quote = draw(st.sampled_from([("", ""), ("«", "»"), ('"', '"')]))
    variant = f"{prefix} {quote[0]}{body}{quote[1]}{end} {suffix}".strip()
    return " ".join(words), case(variant)


@PROPERTY
@given(name_variants())
def test_case_punctuation_and_legal_form_variants_give_the_same_tokens(pair):
    plain, variant = pair
    assert name_tokens(variant) == name_tokens(plain)
