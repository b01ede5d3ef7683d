"""Load the shipped substance reference and resolve substance references against it."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from rapidfuzz import fuzz, process, utils
from stdnum import casrn

TABLE_COUNTS = {"I": 43, "II": 8}
TABLES = frozenset({"I", "II", "surveillance"})
PROJECTS = frozenset({"prism", "cohesion"})
# Table II excludes the salts of these two acids from control (1988 Convention, Table II note).
SALTS_EXCLUDED = frozenset({"hydrochloric-acid", "sulphuric-acid"})

_FIELDS = frozenset(
    {
        *("code", "name", "synonyms", "table", "cas", "hs_code", "project", "drug", "family"),
        *("alr_tracked", "no_legitimate_use", "density_g_per_ml", "molar_mass", "salt_factors"),
        *("effective_from", "notes"),
    }
)
_SALT_ALIASES = {"hcl": "hydrochloride", "hbr": "hydrobromide", "sulfate": "sulphate"}
_SALT_WORDS = "sodium|hydrochloride|hcl|sulphate|sulfate|hydrobromide|hbr|tartrate|maleate"
_SALT_SUFFIX = re.compile(
    rf"^(?P<base>.+?)[\s,-]+(?:(?P<salt>{_SALT_WORDS})(?:[\s-]+salt)?|(?P<bare>salt))$",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"[()\[\]]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_,'\u2019()\[\]]+")
_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HS = re.compile(r"^[0-9]{6}$")


def normalise(text: str) -> str:
    """Return the lookup key of a name: case, spaces, hyphens, commas and brackets ignored."""
    folded = (
        unicodedata.normalize("NFKC", text)
        .casefold()
        .replace("\N{GREEK SMALL LETTER ALPHA}", "alpha")
    )
    return _SEPARATORS.sub("", folded)


def canonical_salt(salt: str) -> str:
    """Return the canonical spelling of a salt name ("HCl" -> "hydrochloride")."""
    words = " ".join(salt.casefold().split())
    if words != "salt":
        words = words.removesuffix(" salt")
    return _SALT_ALIASES.get(words, words)


@dataclass(frozen=True, slots=True)
class Substance:
    """A scheduled (or watched) chemical as shipped in the reference data."""

    code: str
    name: str
    synonyms: tuple[str, ...]
    table: str
    cas: str | None
    hs_code: str
    project: str | None
    drug: str
    family: str
    alr_tracked: bool
    no_legitimate_use: bool
    density_g_per_ml: Decimal | None
    molar_mass: Decimal | None
    salt_factors: Mapping[str, Decimal] = field(hash=False)
    effective_from: date
    notes: str | None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A substance reference resolved to its entry, with the salt it named, if any."""

    substance: Substance
    salt: str | None


class UnknownSubstance(ValueError):
    """Raised when a substance reference matches no entry."""

    def __init__(self, ref: str, closest: list[str], reason: str | None = None) -> None:
        self.ref = ref
        self.closest = closest
        self.reason = reason
        message = f"unknown substance {ref!r}"
        if reason:
            message += f": {reason}"
        if closest:
            message += f"; closest: {', '.join(closest)}"
        super().__init__(message)


class ReferenceDataError(ValueError):
    """Raised when the shipped reference data is inconsistent."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ReferenceDataError(f"substances.json: {message}")


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _parse(entry: Mapping[str, Any]) -> Substance:
    code = str(entry.get("code"))
    _check(set(entry) == _FIELDS, f"{code}: fields {sorted(set(entry) ^ _FIELDS)} differ")
    _check(bool(_CODE.match(code)), f"{code}: code is not a lower-case slug")
    _check(entry["table"] in TABLES, f"{code}: unknown table {entry['table']!r}")
    _check(entry["project"] is None or entry["project"] in PROJECTS, f"{code}: bad project")
    _check(bool(_HS.match(entry["hs_code"])), f"{code}: hs_code must be 6 digits")
    cas = entry["cas"]
    _check(cas is None or (casrn.is_valid(cas) and casrn.compact(cas) == cas), f"{code}: bad CAS")
    factors = {str(k): Decimal(str(v)) for k, v in entry["salt_factors"].items()}
    _check(all(0 < f <= 1 for f in factors.values()), f"{code}: salt factor out of (0, 1]")
    _check(all(canonical_salt(k) == k for k in factors), f"{code}: salt names not canonical")
    _check(not (factors and code in SALTS_EXCLUDED), f"{code}: its salts are not controlled")
    density = _decimal(entry["density_g_per_ml"])
    _check(density is None or density > 0, f"{code}: density must be positive")
    return Substance(
        code=code,
        name=str(entry["name"]),
        synonyms=tuple(str(s) for s in entry["synonyms"]),
        table=str(entry["table"]),
        cas=cas,
        hs_code=str(entry["hs_code"]),
        project=entry["project"],
        drug=str(entry["drug"]),
        family=str(entry["family"]),
        alr_tracked=bool(entry["alr_tracked"]),
        no_legitimate_use=bool(entry["no_legitimate_use"]),
        density_g_per_ml=density,
        molar_mass=_decimal(entry["molar_mass"]),
        salt_factors=MappingProxyType(factors),
        effective_from=date.fromisoformat(entry["effective_from"]),
        notes=entry["notes"],
    )


class Catalogue:
    """The substance reference: lookup by code, CAS RN or name, and salt-to-base factors."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version = date.fromisoformat(raw["version"])
        self._substances = tuple(_parse(entry) for entry in raw["substances"])
        self._by_code: dict[str, Substance] = {}
        self._by_cas: dict[str, Substance] = {}
        self._by_key: dict[str, Substance] = {}
        self._fuzzy: list[tuple[str, str]] = []
        for sub in self._substances:
            _check(sub.code not in self._by_code, f"duplicate code {sub.code}")
            _check(sub.effective_from <= self.version, f"{sub.code}: effective after version")
            self._by_code[sub.code] = sub
            if sub.cas is not None:
                _check(sub.cas not in self._by_cas, f"duplicate CAS {sub.cas}")
                self._by_cas[sub.cas] = sub
            for text in (sub.code, sub.name, *sub.synonyms):
                key = normalise(text)
                other = self._by_key.setdefault(key, sub)
                _check(other is sub, f"{text!r} names both {other.code} and {sub.code}")
                self._fuzzy.append((utils.default_process(text), sub.code))
        for table, count in TABLE_COUNTS.items():
            found = sum(s.table == table for s in self._substances)
            _check(found == count, f"Table {table} has {found} entries, expected {count}")
        self._not_controlled: dict[str, str] = {}
        for item in raw.get("not_controlled", []):
            reason = f"not controlled: {item['name']} (CAS {item['cas']}), {item['reason']}"
            for key in (item["cas"], *map(normalise, [item["name"], *item["synonyms"]])):
                _check(key not in self._by_key and key not in self._by_cas, f"{key!r} is listed")
                self._not_controlled[key] = reason

    def all(self) -> list[Substance]:
        """Return every substance in table order."""
        return list(self._substances)

    def get(self, code: str) -> Substance | None:
        """Return the substance with this code, if any."""
        return self._by_code.get(code)

    def resolve(self, ref: str) -> Resolved:
        """Resolve a code, CAS RN or name/synonym, with an optional trailing salt, to its entry."""
        text = " ".join(ref.split())
        found = self._lookup(text)
        if found is not None:
            return Resolved(found, None)
        match = _SALT_SUFFIX.match(" ".join(_BRACKETS.sub(" ", text).split()))
        base = self._lookup(match["base"]) if match else None
        if match and base is not None:
            if base.code in SALTS_EXCLUDED:
                raise UnknownSubstance(ref, [], f"salts of {base.name.lower()} are not controlled")
            return Resolved(base, canonical_salt(match["salt"] or match["bare"]))
        cas = self._cas(text)
        reason = self._not_controlled.get(cas or normalise(text))
        if reason is not None:
            # Suggesting the look-alike's controlled isomer would invite the very confusion.
            raise UnknownSubstance(ref, [], reason)
        if cas is not None:
            raise UnknownSubstance(ref, [], "no entry has this CAS RN")
        raise UnknownSubstance(ref, self.closest(text))

    def closest(self, ref: str, limit: int = 3) -> list[str]:
        """Return the codes of the substances whose names are most similar to ref."""
        query = utils.default_process(ref)
        if not query:
            return []
        choices = [text for text, _ in self._fuzzy]
        best: dict[str, float] = {}
        for _, score, index in process.extract(
            query, choices, scorer=fuzz.WRatio, processor=None, limit=None, score_cutoff=75
        ):
            code = self._fuzzy[index][1]
            best[code] = max(best.get(code, 0.0), score)
        order = {sub.code: i for i, sub in enumerate(self._substances)}
        return sorted(best, key=lambda code: (-best[code], order[code]))[:limit]

    @staticmethod
    def salt_factor(substance: Substance, salt: str | None) -> Decimal:
        """Return the mass fraction of base in the named salt of the substance (1 for none)."""
        if salt is None:
            return Decimal(1)
        factor = substance.salt_factors.get(canonical_salt(salt))
        if factor is None:
            known = ", ".join(substance.salt_factors) or "none"
            raise ValueError(f"unknown salt {salt!r} for {substance.code}; known: {known}")
        return factor

    def _lookup(self, text: str) -> Substance | None:
        cas = self._cas(text)
        if cas is not None:
            return self._by_cas.get(cas)
        return self._by_key.get(normalise(text))

    @staticmethod
    def _cas(text: str) -> str | None:
        return casrn.compact(text) if casrn.is_valid(text) else None


@cache
def catalogue() -> Catalogue:
    """Return the catalogue loaded from the packaged substances.json."""
    data = resources.files("app.reference").joinpath("substances.json").read_text("utf-8")
    return Catalogue(json.loads(data))
