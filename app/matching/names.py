"""Normalise company names so that spellings of one company compare equal."""

import re

from unidecode import unidecode

# Legal forms and honorifics, matched as whole token sequences after punctuation is removed.
_LEGAL_FORMS = [
    "private limited company",
    "public limited company",
    "private limited",
    "pvt ltd",
    "pvt",
    "limited liability company",
    "limited",
    "ltd",
    "co ltd",
    "company limited",
    "company",
    "co",
    "corporation",
    "corp",
    "incorporated",
    "inc",
    "llc",
    "llp",
    "plc",
    "gmbh",
    "ag",
    "kg",
    "ohg",
    "se",
    "sa",
    "s a",
    "sa de cv",
    "s a de c v",
    "de cv",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "aps",
    "kft",
    "sp z o o",
    "spzoo",
    "zao",
    "ooo",
    "oao",
    "pao",
    "jsc",
    "pjsc",
    "fze",
    "fzco",
    "fzc",
    "fz llc",
    "pty ltd",
    "pty",
    "bhd",
    "sdn bhd",
    "tbk",
    "pt",
    "cv",
    "kk",
    "jv",
    "ms",
    "m s",
    "the",
]
_FORMS = sorted({tuple(f.split()) for f in _LEGAL_FORMS}, key=len, reverse=True)


def _strip_forms(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for form in _FORMS:
            if tuple(tokens[i : i + len(form)]) == form:
                i += len(form)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def name_tokens(name: str) -> list[str]:
    """Split a name into lower-case ASCII tokens without legal forms."""
    text = unidecode(name).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    tokens = text.split()
    stripped = _strip_forms(tokens)
    return stripped or tokens


def normalize_name(name: str) -> str:
    """Return the comparison form of a party name."""
    return " ".join(name_tokens(name))
