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

The tables (legal forms, generic words and their variants, stop words, pinyin phrases) are data:
``name_rules.json`` next to this module, read once at import.

Changing these rules (code or data) changes ``normalize_name`` output: stored normalised names
(and the ignored-values list, which holds normalised names) must then be recomputed.
"""

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from rapidfuzz import fuzz, process
from unidecode import unidecode

MISSPELT_MIN_LENGTH = 6
MISSPELT_CUTOFF = 88


@cache
def _rules() -> dict[str, Any]:
    """The packaged tables: legal forms, generic words and pinyin phrases (``name_rules.json``)."""
    text = resources.files("app.matching").joinpath("name_rules.json").read_text("utf-8")
    rules: dict[str, Any] = json.loads(text)
    return rules


def _words(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"name_rules.json: expected a list of strings, got {value!r}")
    return value


# --- legal forms (name_rules.json "legal_forms") -----------------------------------------------
# Written as they read after steps 1-4 (single letters joined, umlauts folded).
# - "leading_only": forms that precede the name (Indonesian, Russian and CIS, Vietnamese, Arabic).
#   Only stripped at the start: at the end they may be a word of the name ("Hua Ao" 华澳, "Me Too").
# - "leading": forms that may precede or follow the name (Indonesian, Russian, Japanese, Korean,
#   English translations of Russian forms). They are stripped at either end.
# - "honorifics": stripped at the start whenever something remains.
# - "trailing": forms stripped at the end of a name, grouped by jurisdiction (the leading forms
#   are added to these).
_FORMS = _rules()["legal_forms"]
_LEADING_ONLY_FORMS = _words(_FORMS["leading_only"])
_LEADING_FORMS = _words(_FORMS["leading"])
_HONORIFICS = _words(_FORMS["honorifics"])
_TRAILING_FORMS = [form for group in _FORMS["trailing"].values() for form in _words(group)]


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

# --- generic words (name_rules.json "generic_words") -------------------------------------------
_GENERIC = _rules()["generic_words"]

# canonical generic word -> its variants (the canonical word itself is implied)
_CANONICAL: dict[str, tuple[str, ...]] = {
    canonical: tuple(_words(variants)) for canonical, variants in _GENERIC["canonical"].items()
}

# Words that carry no weight at all.
STOP_WORDS: frozenset[str] = frozenset(_words(_GENERIC["stop_words"]))

# Other generic words that are not variants of a canonical one.
_OTHER_GENERIC = set(_words(_GENERIC["other"]))

_VARIANT_TO_CANONICAL: dict[str, str] = {
    variant: canonical for canonical, variants in _CANONICAL.items() for variant in variants
}
_VARIANT_TO_CANONICAL.update({canonical: canonical for canonical in _CANONICAL})

#: Generic business words that carry little weight in a name (canonical forms and variants).
GENERIC_WORDS: frozenset[str] = frozenset(
    set(_VARIANT_TO_CANONICAL) | _OTHER_GENERIC | STOP_WORDS | {"co"}
)

# Chinese pinyin phrases (as unidecode spells Han characters, and joined) for generic words
# (name_rules.json "pinyin_phrases"). 公司 / 有限公司 are legal forms above.
_PINYIN_PHRASES: dict[tuple[str, ...], str] = {
    tuple(spelling.split()): entry["word"]
    for entry in _rules()["pinyin_phrases"]
    for spelling in _words(entry["pinyin"])
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


@lru_cache(maxsize=65_536)
def is_generic(token: str) -> bool:
    """Whether a token is a generic business word (in any spelling the canonicaliser knows).

    Cached: scoring asks it of every token of both names of each pair it scores."""
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
    return canonical or _misspelt_generic(token) or token


@cache
def _long_variants() -> list[str]:
    return [v for v in _VARIANT_TO_CANONICAL if len(v) >= MISSPELT_MIN_LENGTH]


# Bounded: every distinct token of every name ever resolved passes through here.
@lru_cache(maxsize=65_536)
def _misspelt_generic(token: str) -> str | None:
    """Read a one-typo spelling of a long generic word ("chemiacls") as that word.

    Otherwise the typo would count as a distinctive word and split one company in two.
    """
    if len(token) < MISSPELT_MIN_LENGTH or not token.isalpha():
        return None
    found = process.extractOne(
        token, _long_variants(), scorer=fuzz.ratio, score_cutoff=MISSPELT_CUTOFF
    )
    return None if found is None else _VARIANT_TO_CANONICAL[found[0]]


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
    return list(_name_tokens(name))


@lru_cache(maxsize=16_384)
def _name_tokens(name: str) -> tuple[str, ...]:
    """Cached: each record's names are read again by blocking, scoring and the ignored list."""
    tokens = _tokens_once(name)
    # Re-reading the joined result must give the same tokens (idempotence); it always does for
    # ASCII, the loop only guards odd Unicode that lower-cases into something unidecode knows.
    for _ in range(5):
        again = _tokens_once(" ".join(tokens))
        if again == tokens:
            break
        tokens = again
    return tuple(tokens)


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
