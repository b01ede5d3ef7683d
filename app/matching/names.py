"""Normalise company names so that spellings of one company compare equal.

Pure code: no web, database or schema imports.

The comparison form of a name is a list of lower-case ASCII tokens built in this order:

1. transliterate with ``unidecode`` (Cyrillic, Greek, Chinese, Arabic ... all go through it; a
   script it does not know falls back to the lower-cased Unicode words), lower-case;
2. a leading ``M/s`` becomes ``messrs``; ``&`` becomes ``and``; apostrophes vanish
   (``O'Brien`` → ``obrien``, the Russian soft sign ``'`` inside a word); every other run of
   punctuation separates tokens (so ``Co.,Ltd.`` → ``co ltd`` and ``«Ромашка»`` → ``romashka``);
3. runs of single letters are joined: ``A.B.C.`` → ``abc``, ``S. A.`` → ``sa``, ``Sp. z o.o.`` →
   ``sp zoo``, ``M/S`` → ``ms``;
4. German umlaut spellings are folded: ``ae``/``oe``/``ue`` after a consonant (not ``g``/``q``) and
   before another letter become ``a``/``o``/``u``, so ``Müller`` (``unidecode`` gives ``muller``),
   ``Mueller`` and ``Muller`` all read ``muller``. Word endings ``-el``, ``-els``, ``-es`` are kept
   (``Samuel``, ``Israel``, ``values``). The folded token is a comparison key, not display text
   (``Maersk`` reads ``marsk``);
5. honorifics (``messrs``, ``the``) and legal forms are removed as whole token sequences at the
   END of the name, repeatedly (``GmbH & Co. KG``, ``Co., Ltd.``, ``S.A. de C.V.``, ``(Pty) Ltd``,
   ``youxian gongsi`` ...), and at the START for the forms that precede names (``PT``, ``CV``,
   ``OOO``, ``ZAO``, ``AO``, ``TOO``, ``JSC``, ``LLC``, ``Cong ty TNHH``, spelled-out Russian
   forms). ``AO``, ``TOO``, ``TOV``, ``UD``, ``Cong ty`` are only removed at the start.
   A leading form is only removed when a distinctive (non-generic) word remains, so that
   ``PT Chemicals`` is not reduced to ``chemical``. Legal forms in the middle of a name stay;
   a removal that would leave nothing is not made;
6. generic business words are canonicalised (``chemicals``/``chem``/``chemie`` → ``chemical``,
   ``pharmaceuticals``/``pharm``/``farma`` → ``pharma``, ``intl`` → ``international``, plural →
   singular), and a few Chinese pinyin phrases become their English generic word
   (``hua gong`` → ``chemical``, ``zhi yao`` → ``pharma``);
7. a stand-alone ``co`` is dropped wherever it is (``Smith & Co. Trading``), except in ``co op``.

Steps 3-7 are repeated until nothing changes, so ``normalize_name`` is idempotent.

Changing these rules changes ``normalize_name`` output: stored normalised names (and the
ignored-values list, which holds normalised names) must then be recomputed.
"""

import re
from collections.abc import Iterable, Sequence

from unidecode import unidecode

# --- legal forms -------------------------------------------------------------------------------
# Written as they read after steps 1-4 (single letters joined, umlauts folded).

# Forms that precede the name (Indonesian, Russian and CIS, Vietnamese, Arabic). Only stripped at
# the start: at the end they may be a word of the name ("Hua Ao" 华澳, "Me Too").
_LEADING_ONLY_FORMS = [
    "ud",
    "ao",
    "too",
    "tov",
    "pat",
    "prat",
    "chp",
    "cong ty tnhh",
    "cong ty co phan",
    "cong ty cp",
    "cong ty",
    "ctcp",
    "tnhh",
    "sharikat",
    "sharika",
]

# Forms that may precede or follow the name (Indonesian, Russian, Japanese, Korean, English
# translations of Russian forms). They are stripped at either end.
_LEADING_FORMS = [
    "pt",
    "cv",
    "ooo",
    "zao",
    "oao",
    "pao",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "llc",
    "limited liability company",
    "limited liability partnership",
    "joint stock company",
    "closed joint stock company",
    "open joint stock company",
    "public joint stock company",
    "closed joint stock",
    "open joint stock",
    "obshchestvo s ogranichennoi otvetstvennostiu",
    "obshchestvo s ogranichennoi otvetstvennostyu",
    "tovarishchestvo s ogranichennoi otvetstvennostiu",
    "tovarystvo z obmezhenoiu vidpovidalnistiu",
    "aktsionernoe obshchestvo",
    "zakrytoe aktsionernoe obshchestvo",
    "otkrytoe aktsionernoe obshchestvo",
    "publichnoe aktsionernoe obshchestvo",
    "zhu shi hui she",
    "you xian hui she",
    "kabushiki kaisha",
    "kabushiki gaisha",
    "jusighoesa",
    "jusik hoesa",
    "chusik hoesa",
]

# Honorifics: stripped at the start whenever something remains.
_HONORIFICS = ["messrs", "messers", "the"]

# Forms stripped at the end of a name (the leading forms are added to these).
_TRAILING_FORMS = [
    # English and common-law jurisdictions
    "ltd",
    "limited",
    "co ltd",
    "co limited",
    "company ltd",
    "company limited",
    "co",
    "company",
    "and co",
    "and company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lp",
    "plc",
    "pllc",
    "pvt",
    "pvt ltd",
    "pvt limited",
    "p ltd",
    "p limited",
    "private",
    "private ltd",
    "private limited",
    "opc private limited",
    "opc pvt ltd",
    "opc",
    "private limited company",
    "public limited company",
    "public company limited",
    "public co ltd",
    "pcl",
    "limited partnership",
    "general partnership",
    "pty",
    "pty ltd",
    "pty limited",
    "proprietary limited",
    "pl",
    "cc",
    "pte",
    "pte ltd",
    "sdn bhd",
    "sendirian berhad",
    "bhd",
    "berhad",
    "tbk",
    "persero",
    "persero tbk",
    # Gulf and free zones
    "fze",
    "fzco",
    "fzc",
    "fz llc",
    "fzllc",
    "fz co",
    "dmcc",
    "wll",
    "psc",
    "saog",
    "saoc",
    "ksc",
    "kscc",
    "bsc",
    "qsc",
    "qpsc",
    "est",
    "establishment",
    # German-speaking
    "gmbh",
    "mbh",
    "gesellschaft mit beschrankter haftung",
    "ag",
    "aktiengesellschaft",
    "kg",
    "kgaa",
    "ohg",
    "gbr",
    "ek",
    "ug",
    "ug haftungsbeschrankt",
    "gmbh and co kg",
    "gmbh and co ohg",
    "gmbh and co kgaa",
    "gmbh co kg",
    "ag and co kg",
    "se and co kg",
    "se",
    # French, Spanish, Portuguese, Italian, Latin America
    "sa",
    "sas",
    "sasu",
    "sarl",
    "eurl",
    "snc",
    "sca",
    "societe anonyme",
    "et cie",
    "cie",
    "sl",
    "slu",
    "sau",
    "sa de cv",
    "sab de cv",
    "sapi de cv",
    "sa cv",
    "s de rl",
    "s de rl de cv",
    "srl de cv",
    "sc",
    "sac",
    "saa",
    "srl",
    "srls",
    "spa",
    "sapa",
    "eirl",
    "eireli",
    "ltda",
    "ltda me",
    "ltda epp",
    "cia ltda",
    "y cia ltda",
    "and cia ltda",
    "y cia",
    "and cia",
    "cia",
    "ca",
    "sociedad anonima",
    "sociedad limitada",
    "sociedad anonima de capital variable",
    # Benelux, Nordic, Baltic
    "bv",
    "nv",
    "vof",
    "bvba",
    "cvba",
    "sprl",
    "ab",
    "ab publ",
    "publ",
    "aktiebolag",
    "aktiebolaget",
    "oy",
    "oyj",
    "as",
    "asa",
    "aps",
    "hf",
    "ehf",
    "uab",
    "sia",
    # Central and Eastern Europe, Turkey, Greece
    "sp zoo",
    "spzoo",
    "sp j",
    "sp k",
    "sro",
    "spol sro",
    "kft",
    "zrt",
    "nyrt",
    "bt",
    "kkt",
    "ood",
    "eood",
    "ad",
    "ead",
    "doo",
    "dd",
    "ltd sti",
    "sti",
    "anonim sirketi",
    "limited sirketi",
    "ae",
    "epe",
    "ike",
    # Japan, Korea, China
    "kk",
    "yk",
    "gk",
    "yugen kaisha",
    "godo kaisha",
    "you xian gong si",
    "youxian gongsi",
    "youxiangongsi",
    "you xian ze ren gong si",
    "youxian zeren gongsi",
    "gu fen you xian gong si",
    "gufen youxian gongsi",
    "fen gong si",
    "gong si",
    "gongsi",
    # a dangling "and" left by "& Co" variants
    "and",
]


def _as_tuples(forms: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(form.split()) for form in forms)


_LEADING = _as_tuples([*_LEADING_FORMS, *_LEADING_ONLY_FORMS])
_TRAILING = _as_tuples([*_TRAILING_FORMS, *_LEADING_FORMS])
_HONORIFIC = _as_tuples(_HONORIFICS)
_MAX_FORM_LEN = max(len(f) for f in _LEADING | _TRAILING | _HONORIFIC)

#: Every token that occurs in some legal form or honorific (used by tests to avoid them).
LEGAL_FORM_TOKENS: frozenset[str] = frozenset(
    token for form in _LEADING | _TRAILING | _HONORIFIC for token in form
)

# --- generic words -----------------------------------------------------------------------------

# canonical generic word -> its variants (the canonical word itself is implied)
_CANONICAL: dict[str, tuple[str, ...]] = {
    "pharma": (
        "pharmaceutical",
        "pharmaceuticals",
        "pharmaceutic",
        "pharmaceutics",
        "pharmaceutica",
        "pharmaceutique",
        "pharmaceutiques",
        "pharmazeutische",
        "pharmazeutika",
        "pharm",
        "pharmas",
        "farma",
        "farmaceutica",
        "farmaceuticas",
        "farmaceutico",
        "farmaceuticos",
        "farmaceutici",
        "ilac",
    ),
    "chemical": (
        "chemicals",
        "chem",
        "chems",
        "chemie",
        "chemia",
        "chemische",
        "chemistry",
        "chimie",
        "chimique",
        "chimiques",
        "chimica",
        "chimiche",
        "quimica",
        "quimicas",
        "quimico",
        "quimicos",
        "kimya",
        "kimia",
    ),
    "international": ("intl", "internacional", "internationale", "internazionale"),
    "industry": (
        "industries",
        "industrial",
        "industrie",
        "industria",
        "industrias",
        "industriale",
        "industriali",
        "industriel",
        "industrielle",
        "sanayi",
    ),
    "trading": ("trade", "trader", "traders", "tradings", "handel", "handels", "ticaret"),
    "laboratory": (
        "laboratories",
        "lab",
        "labs",
        "laboratorio",
        "laboratorios",
        "laboratoire",
        "laboratoires",
        "laboratorium",
    ),
    "technology": (
        "technologies",
        "tech",
        "techno",
        "technik",
        "technologie",
        "tecnologia",
        "tecnologias",
    ),
    "enterprise": ("enterprises",),
    "holding": ("holdings",),
    "product": ("products", "produits", "productos", "produkte"),
    "solution": ("solutions",),
    "service": ("services", "servicios"),
    "science": ("sciences",),
    "import": ("imports", "importer", "importers", "importing", "imp"),
    "export": ("exports", "exporter", "exporters", "exporting", "exp"),
    "impex": ("exim", "imex"),
    "group": ("groups", "gruppe", "grupo", "groupe", "gruppo"),
    "logistics": ("logistic", "logistik", "logistica", "logistique"),
    "biotech": ("biotechnology", "biotechnologies"),
    "manufacturing": ("manufacturer", "manufacturers", "mfg"),
    "distribution": ("distributor", "distributors", "distribuidora"),
    "supply": ("supplies", "supplier", "suppliers"),
    "material": ("materials",),
    "drug": ("drugs",),
    "medical": ("medicals",),
    "agency": ("agencies",),
    "resource": ("resources",),
    "system": ("systems",),
    "development": ("developments",),
    "investment": ("investments",),
    "venture": ("ventures",),
    "partner": ("partners",),
    "associate": ("associates",),
    "brother": ("brothers", "bros"),
    "son": ("sons",),
    "specialty": ("specialties", "speciality", "specialities"),
    "commodity": ("commodities",),
    "ingredient": ("ingredients",),
    "cosmetic": ("cosmetics",),
    "food": ("foods",),
    "pharmacy": ("pharmacies",),
    "petrochemical": ("petrochemicals",),
    "organic": ("organics",),
    "works": ("werk", "werke"),
}

# Words that carry no weight at all.
STOP_WORDS: frozenset[str] = frozenset(
    {
        "and",
        "of",
        "the",
        "for",
        "und",
        "et",
        "y",
        "e",
        "ve",
        "de",
        "del",
        "la",
        "los",
        "las",
        "el",
        "le",
        "les",
        "des",
        "du",
        "da",
        "do",
        "dos",
        "das",
        "di",
        "della",
        "der",
        "die",
        "fur",
    }
)

# Other generic words that are not variants of a canonical one.
_OTHER_GENERIC = {
    "general",
    "global",
    "world",
    "worldwide",
    "universal",
    "national",
    "overseas",
    "united",
    "asia",
    "asian",
    "africa",
    "african",
    "europe",
    "european",
    "euro",
    "america",
    "american",
    "pacific",
    "orient",
    "oriental",
    "gulf",
    "shipping",
    "healthcare",
    "health",
    "life",
    "bio",
    "fine",
    "commercial",
    "commerce",
    "company",
    "corporation",
    "corp",
    "limited",
    "ltd",
    "inc",
    "new",
    "house",
    "factory",
    "fabrik",
    "plant",
    "branch",
    "office",
    "agro",
    "consulting",
    "marketing",
    "sales",
    "supplies",
    "societe",
    "compagnie",
    "compania",
    "torgovyi",
    "dom",
}

_VARIANT_TO_CANONICAL: dict[str, str] = {
    variant: canonical for canonical, variants in _CANONICAL.items() for variant in variants
}
_VARIANT_TO_CANONICAL.update({canonical: canonical for canonical in _CANONICAL})

#: Generic business words that carry little weight in a name (canonical forms and variants).
GENERIC_WORDS: frozenset[str] = frozenset(
    set(_VARIANT_TO_CANONICAL) | _OTHER_GENERIC | STOP_WORDS | {"co"}
)

# Chinese pinyin phrases (as unidecode spells Han characters, and joined) for generic words.
# 公司 / 有限公司 are legal forms above.
_PINYIN_PHRASES: dict[tuple[str, ...], str] = {
    ("hua", "gong"): "chemical",  # 化工
    ("huagong",): "chemical",
    ("hua", "xue"): "chemical",  # 化学
    ("huaxue",): "chemical",
    ("zhi", "yao"): "pharma",  # 制药
    ("zhiyao",): "pharma",
    ("yi", "yao"): "pharma",  # 医药
    ("yiyao",): "pharma",
    ("ke", "ji"): "technology",  # 科技
    ("keji",): "technology",
    ("mao", "yi"): "trading",  # 贸易
    ("maoyi",): "trading",
    ("jin", "chu", "kou"): "impex",  # 进出口
    ("jinchukou",): "impex",
    ("ji", "tuan"): "group",  # 集团
    ("jituan",): "group",
    ("sheng", "wu"): "biotech",  # 生物
    ("shengwu",): "biotech",
    ("wu", "liu"): "logistics",  # 物流
    ("wuliu",): "logistics",
    ("gong", "ye"): "industry",  # 工业
    ("gongye",): "industry",
    ("shi", "ye"): "industry",  # 实业
    ("shiye",): "industry",
}
_MAX_PHRASE_LEN = max(len(p) for p in _PINYIN_PHRASES)

# --- the pipeline ------------------------------------------------------------------------------

_MS_PREFIX = re.compile(r"^[^a-z0-9]*m\s*[/\\]\s*s(?![a-z0-9])")
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bc\u02b9]")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_UNICODE_WORDS = re.compile(r"[^\W_]+")
_UMLAUT = re.compile(r"(?<=[bcdfhjklmnprstvwxz])([aou])e(?=[a-z])(?!ls?$)(?!s$)")


def _collapse_initials(tokens: Sequence[str]) -> list[str]:
    """Join runs of two or more single letters: ``a b c`` -> ``abc``."""
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        if run:
            out.append("".join(run))
            run = []
        if token:
            out.append(token)
    return out


def _fold_umlauts(token: str) -> str:
    while True:
        folded = _UMLAUT.sub(r"\1", token)
        if folded == token:
            return token
        token = folded


def is_generic(token: str) -> bool:
    """Whether a token is a generic business word (in any spelling the canonicaliser knows)."""
    return token in GENERIC_WORDS or _canonical_token(token) in GENERIC_WORDS


def _has_distinctive(tokens: Sequence[str]) -> bool:
    return any(not is_generic(t) and (len(t) >= 2 or t.isdigit()) for t in tokens)


def _strip_forms(original: list[str]) -> list[str]:
    """Remove honorifics and legal forms at the start and legal forms at the end, repeatedly.

    If that would leave nothing ("Limited", "Co., Ltd."), the tokens are kept as they are.
    """
    tokens = original
    changed = True
    while changed:
        changed = False
        for size in range(min(_MAX_FORM_LEN, len(tokens) - 1), 0, -1):
            head, rest = tuple(tokens[:size]), tokens[size:]
            if head in _HONORIFIC or (head in _LEADING and _has_distinctive(rest)):
                tokens, changed = rest, True
                break
        for size in range(min(_MAX_FORM_LEN, len(tokens)), 0, -1):
            if tuple(tokens[-size:]) in _TRAILING:
                tokens, changed = tokens[:-size], True
                break
    return tokens or original


def _canonical_token(token: str) -> str:
    canonical = _VARIANT_TO_CANONICAL.get(token)
    if canonical is not None:
        return canonical
    if len(token) > 4 and token.endswith("ies"):
        canonical = _VARIANT_TO_CANONICAL.get(token[:-3] + "y")
    elif len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        canonical = _VARIANT_TO_CANONICAL.get(token[:-1])
    return canonical or token


def _canonicalise(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_MAX_PHRASE_LEN, len(tokens) - i), 0, -1):
            phrase = _PINYIN_PHRASES.get(tuple(tokens[i : i + size]))
            if phrase is not None:
                out.append(phrase)
                i += size
                break
        else:
            out.append(_canonical_token(tokens[i]))
            i += 1
    return out


def _drop_co(tokens: list[str]) -> list[str]:
    kept = [
        t
        for i, t in enumerate(tokens)
        if t != "co" or tokens[i + 1 : i + 2] in (["op"], ["operative"], ["operatives"])
    ]
    return kept or tokens


def _step(tokens: list[str]) -> list[str]:
    tokens = _collapse_initials(tokens)
    tokens = [_fold_umlauts(t) for t in tokens]
    tokens = _strip_forms(tokens)
    tokens = _canonicalise(tokens)
    return _drop_co(tokens)


def _raw_tokens(name: str) -> list[str]:
    text = unidecode(name).lower()
    text = _MS_PREFIX.sub("messrs ", text)
    text = text.replace("&", " and ")
    text = _APOSTROPHES.sub("", text)
    tokens = _SEPARATORS.sub(" ", text).split()
    if tokens:
        return tokens
    # A script unidecode does not know: keep its words as they are.
    return _UNICODE_WORDS.findall(_APOSTROPHES.sub("", name.lower()))


def _tokens_once(name: str) -> list[str]:
    tokens = _raw_tokens(name)
    for _ in range(20):
        stepped = _step(tokens)
        if stepped == tokens:
            break
        tokens = stepped
    return tokens


def name_tokens(name: str) -> list[str]:
    """Split a name into canonical lower-case ASCII tokens without honorifics and legal forms.

    ``"Acme Chemical Co., Ltd."`` and ``"ACME CHEMICALS COMPANY LIMITED"`` both give
    ``["acme", "chemical"]``; OOO «Khimprom» in Cyrillic gives ``["khimprom"]``. If removing
    legal forms would leave nothing, they are kept (``"Limited"`` gives ``["limited"]``).
    """
    tokens = _tokens_once(name)
    # Re-reading the joined result must give the same tokens (idempotence); it always does for
    # ASCII, the loop only guards odd Unicode that lower-cases into something unidecode knows.
    for _ in range(5):
        again = _tokens_once(" ".join(tokens))
        if again == tokens:
            break
        tokens = again
    return tokens


def normalize_name(name: str) -> str:
    """Return the comparison form of a party name: its canonical tokens joined by spaces."""
    return " ".join(name_tokens(name))


def distinctive_tokens(tokens: Sequence[str]) -> list[str]:
    """The tokens that identify a company: not generic words, at least 2 characters or digits.

    Order is kept. A name made only of generic words ("Global Trading") has no distinctive token:
    then all its tokens are returned.
    """
    found = [t for t in tokens if not is_generic(t) and (len(t) >= 2 or t.isdigit())]
    return found if found else list(tokens)
