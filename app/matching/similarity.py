"""Decide whether two party records name the same company.

Pure code: no web, database or schema imports.

How a pair is scored (``name_similarity``)
------------------------------------------
Both names are reduced to canonical tokens (:func:`app.matching.names.name_tokens`). Each token
gets a weight: a distinctive token 1, a generic business word (``pharma``, ``chemical``,
``trading`` ...) ``GENERIC_WEIGHT`` = 0.3, a stop word (``and``, ``of``, ``de`` ...) 0. A name
made only of generic words ("Global Trading") weighs all of them 1.

1. **Alignment.** Tokens of the two names are paired, best pairs first, by
   :func:`token_similarity`: equal tokens score 1; otherwise rapidfuzz ``fuzz.ratio`` (Indel
   distance) if it is at least ``TOKEN_CUTOFF`` = 0.88, else 0. Tokens shorter than 4 characters
   or containing digits must be equal. In Indel distance a substitution costs 2, so 0.88 allows
   one missing or extra letter in any token of 4+ letters (``Shenzen`` ~ ``Shenzhen``,
   ``Pharmah`` ~ ``Pharma``) but a changed letter only in tokens of 9+ letters
   (``Guangzhuo`` ~ ``Guangzhou``). *Decision:* a single changed letter in a shorter distinctive
   token is a different name: ``Acme``/``Acne``, ``Huaxin``/``Huaxia`` (华信/华夏),
   ``Novachem``/``Novochem`` are different companies. Tokens left unpaired are then joined with
   their unpaired neighbours (2 to 4 of them) and compared with the other side's unpaired
   tokens, so ``Hua Xin`` pairs with ``Huaxin`` and ``Shen Zhen`` with ``Shenzhen``.
2. **Weighted Dice score.** ``aligned = Σ sim * (weights of the paired tokens) / Σ all weights``:
   every unpaired token lowers the score by its weight, on either side. When *both* names have
   unpaired generic words (``Lagos Pharma`` vs ``Lagos Chemicals``) the business words
   contradict each other, and those words count twice.
3. **Full-name view.** ``score = 0.9 * aligned + 0.1 * token_sort_ratio`` over the whole canonical
   names (without stop words). ``token_set_ratio`` is not used: it scores 1 whenever one name's
   tokens are a subset of the other's ("Acme" vs "Acme Orion"), which is exactly the decoy to
   reject.
4. **Gate.** Every distinctive token of the name with fewer distinctive tokens must be paired;
   otherwise the score is capped at ``GATE_CAP`` = 0.7, below any sensible threshold.

Place names: a city is a distinctive token that many companies share, and no list of places can
be complete. A name like "Lagos Pharma" rests on one distinctive token, so its generic words
decide: a conflicting business word ("Lagos Chemicals") scores about 0.6, an extra one
("Lagos Pharma Industries") about 0.88 — not a match: with one distinctive token an extra business
word may well be another company — and "Lagos Pharma" vs "Lagos Abuja Pharma" about 0.73 (an
unpaired distinctive word weighs fully). With two distinctive tokens an extra business word
still matches ("Acme Orion Chemical Industries" vs "Acme Orion Chemical": about 0.93).

Threshold
---------
``MATCH_THRESHOLD`` = 0.9, chosen from the labelled pairs in ``tests/matching``: true variants
(legal forms, case, punctuation, transliteration, one-letter typos, split syllables, word order)
score 0.93-1.0; the hardest decoys (shared city and business word, conflicting business word,
one distinctive word changed) score at most about 0.85.

Identifiers and countries come first (``same_party``): an equal LEI, VAT or EORI decides a match;
different identifiers of the same kind decide a non-match; different countries too, because a
subsidiary in another country is another legal entity.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from app.matching.names import STOP_WORDS, distinctive_tokens, is_generic, name_tokens

MATCH_THRESHOLD = 0.9
GENERIC_WEIGHT = 0.3
TOKEN_CUTOFF = 0.88
GATE_CAP = 0.7
FULL_NAME_SHARE = 0.1
MAX_KEY_LENGTH = 60

_MIN_FUZZY_LENGTH = 4
_MAX_MERGE = 4
_JOINED_KEY_LENGTH = 8
_AFFIX_LENGTH = 4
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_CUTOFF_PERCENT = round(TOKEN_CUTOFF * 100)
# Scores and token checks are pure functions of the tokens, and busy parties are scored against
# the same spellings record after record: ~45 % of the pairs in a bulk import had been seen.
_KEPT = 65_536


@dataclass(frozen=True)
class PartyKey:
    """What party resolution compares: the raw name, its canonical tokens, country, identifiers."""

    name: str
    tokens: tuple[str, ...]
    country: str | None
    lei: str | None
    vat: str | None
    eori: str | None


def _clean_identifier(value: str | None) -> str | None:
    if value is None:
        return None
    return _NOT_ALNUM.sub("", value).upper() or None


def party_key(
    name: str,
    country: str | None = None,
    lei: str | None = None,
    vat: str | None = None,
    eori: str | None = None,
) -> PartyKey:
    """Build the comparison key of a party: canonical name tokens, upper-case country and ids.

    Identifiers are only upper-cased and stripped of separators here; validate them with
    ``app.identifiers`` before. An empty value counts as missing.
    """
    return key_of_tokens(name, tuple(name_tokens(name)), country, lei, vat, eori)


def key_of_tokens(
    name: str,
    tokens: tuple[str, ...],
    country: str | None = None,
    lei: str | None = None,
    vat: str | None = None,
    eori: str | None = None,
) -> PartyKey:
    """``party_key`` for a name whose canonical tokens are known (a stored normalised name)."""
    return PartyKey(
        name=name,
        tokens=tokens,
        country=(country or "").strip().upper() or None,
        lei=_clean_identifier(lei),
        vat=_clean_identifier(vat),
        eori=_clean_identifier(eori),
    )


def token_similarity(a: str, b: str) -> float:
    """Similarity of two tokens in [0, 1]; 0 below ``TOKEN_CUTOFF`` (see the module docstring)."""
    if a == b:
        return 1.0
    short, total = min(len(a), len(b)), len(a) + len(b)
    if short < _MIN_FUZZY_LENGTH or _beyond_reach(short, total):
        return 0.0
    if _has_digit(a) or _has_digit(b):
        return 0.0
    return fuzz.ratio(a, b, score_cutoff=TOKEN_CUTOFF * 100) / 100


def _beyond_reach(short: int, total: int) -> bool:
    """Whether lengths alone keep two tokens below the cutoff: ``fuzz.ratio`` is at most
    200 * short / total (all of the shorter token in common). Integers: exact at the edge."""
    return 200 * short < _CUTOFF_PERCENT * total


@lru_cache(maxsize=_KEPT)
def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)


def _weights(tokens: Sequence[str]) -> list[float]:
    generic = [is_generic(t) for t in tokens]
    if all(generic):
        return [1.0] * len(tokens)
    return [GENERIC_WEIGHT if g else 1.0 for g in generic]


@dataclass
class _Side:
    tokens: list[str]
    weights: list[float]
    used: list[bool]

    @classmethod
    def of(cls, tokens: Sequence[str]) -> "_Side":
        kept = [t for t in tokens if t not in STOP_WORDS] or list(tokens)
        return cls(kept, _weights(kept), [False] * len(kept))

    def distinctive(self) -> list[int]:
        return [i for i, w in enumerate(self.weights) if w == 1.0]

    def unmatched(self, indices: Sequence[int]) -> list[int]:
        return [i for i in indices if not self.used[i]]


def _pair_tokens(a: _Side, b: _Side) -> float:
    """Greedy best-first one-to-one pairing; returns the matched weight."""
    pairs = []
    for i, ta in enumerate(a.tokens):
        for j, tb in enumerate(b.tokens):
            sim = token_similarity(ta, tb)
            if sim > 0:
                pairs.append((-sim, -(a.weights[i] + b.weights[j]), i, j, sim))
    matched = 0.0
    for _, _, i, j, sim in sorted(pairs):
        if not a.used[i] and not b.used[j]:
            a.used[i] = b.used[j] = True
            matched += sim * (a.weights[i] + b.weights[j])
    return matched


def _merge_tokens(short: _Side, split: _Side) -> float:
    """Pair an unpaired token of ``short`` with 2-4 adjacent unpaired tokens of ``split``."""
    matched = 0.0
    for j, token in enumerate(short.tokens):
        if short.used[j]:
            continue
        best: tuple[float, int, int] | None = None
        for start in range(len(split.tokens)):
            if split.used[start]:
                continue
            joined = split.tokens[start]
            for size in range(2, _MAX_MERGE + 1):
                end = start + size - 1
                if end >= len(split.tokens) or split.used[end]:
                    break
                joined += split.tokens[end]
                if _beyond_reach(len(token), len(token) + len(joined)):
                    break  # the window outgrew the token: longer ones fall further short
                sim = token_similarity(joined, token)
                if sim > 0 and (best is None or sim > best[0]):
                    best = (sim, start, size)
        if best is not None:
            sim, start, size = best
            window = range(start, start + size)
            short.used[j] = True
            for k in window:
                split.used[k] = True
            matched += sim * (short.weights[j] + sum(split.weights[k] for k in window))
    return matched


@lru_cache(maxsize=_KEPT)
def _score(tokens_a: tuple[str, ...], tokens_b: tuple[str, ...]) -> float:
    a, b = _Side.of(tokens_a), _Side.of(tokens_b)
    matched = _pair_tokens(a, b)
    matched += _merge_tokens(a, b)
    matched += _merge_tokens(b, a)

    total = sum(a.weights) + sum(b.weights)
    conflict_a = [w for w, used in zip(a.weights, a.used, strict=True) if w < 1 and not used]
    conflict_b = [w for w, used in zip(b.weights, b.used, strict=True) if w < 1 and not used]
    if conflict_a and conflict_b:
        total += sum(conflict_a) + sum(conflict_b)
    aligned = matched / total if total else 0.0

    full = fuzz.token_sort_ratio(" ".join(a.tokens), " ".join(b.tokens)) / 100
    score = (1 - FULL_NAME_SHARE) * aligned + FULL_NAME_SHARE * full

    dist_a, dist_b = a.distinctive(), b.distinctive()
    shorter = [a] if len(dist_a) < len(dist_b) else [b] if len(dist_b) < len(dist_a) else [a, b]
    if any(side.unmatched(side.distinctive()) for side in shorter):
        score = min(score, GATE_CAP)
    return max(0.0, min(1.0, score))


def name_similarity(a: PartyKey, b: PartyKey) -> float:
    """Similarity of two party names in [0, 1], symmetric (see the module docstring).

    Equal canonical tokens score 1.0; a name without any letter or digit scores 0.0.
    """
    if not a.tokens or not b.tokens:
        return 0.0
    if a.tokens == b.tokens:
        return 1.0
    first, second = sorted((a.tokens, b.tokens))  # same arithmetic whatever the argument order
    return _score(first, second)


def _identifier_decision(a: PartyKey, b: PartyKey) -> tuple[bool, float, str] | None:
    if a.lei and b.lei:
        return (True, 1.0, "lei") if a.lei == b.lei else (False, 0.0, "lei_conflict")
    for field in ("vat", "eori"):
        x, y = getattr(a, field), getattr(b, field)
        if x and y:
            if x == y:
                return True, 1.0, field
            # One legal entity may hold a number in several countries (VAT registrations in
            # several EU member states, GB and EU EORI): only numbers of one country conflict.
            if x[:2] == y[:2]:
                return False, 0.0, f"{field}_conflict"
    return None


def same_party(
    a: PartyKey, b: PartyKey, threshold: float = MATCH_THRESHOLD
) -> tuple[bool, float, str]:
    """Decide whether two keys are the same legal entity: ``(decision, score, reason)``.

    In order:
    - both LEIs given: equal → ``(True, 1.0, "lei")``, different → ``(False, 0.0, "lei_conflict")``;
    - both VATs (then both EORIs) given: equal → ``(True, 1.0, "vat")``; different numbers of the
      same country prefix → ``(False, 0.0, "vat_conflict")``; of different countries → no decision;
    - both countries given and different → ``(False, 0.0, "country_mismatch")``: a company in DE
      and one in NG are different legal entities even under one name;
    - otherwise the name decides: ``(score >= threshold, score, "name")``, or reason
      ``"name_below_threshold"`` when it does not match.
    The decision is symmetric and a key always matches itself (if its name has a letter or digit).
    """
    decided = _identifier_decision(a, b)
    if decided is not None:
        return decided
    if a.country and b.country and a.country != b.country:
        return False, 0.0, "country_mismatch"
    score = name_similarity(a, b)
    if score >= threshold:
        return True, score, "name"
    return False, score, "name_below_threshold"


def blocking_keys(key: PartyKey, max_keys: int = 3) -> list[str]:
    """Keys under which a party is indexed and looked up; candidates are then scored.

    For the country scope ``CC`` (``*`` when the country is unknown) and the ``max_keys`` longest
    distinctive tokens (the longest are usually the rarest; word order does not matter):

    - ``CC:token`` — the token itself (``NG:lagos``);
    - ``CC:p4:xxxx`` — its first 4 letters (``NG:p4:lago``);

    and once per name:

    - ``CC:j:xxxxxxxx`` — the first 8 letters of all distinctive tokens joined in order, so that
      split and joined spellings meet (``Shen Zhen Hua Xin`` and ``Shenzhen Huaxin`` both give
      ``CN:j:shenzhen``);
    - ``CC:s4:xxxx`` — the last 4 letters of the longest token;
    - ``lei:…``, ``vat:…``, ``eori:…`` — identifiers, not country-scoped.

    Why a typo is still found: a typo changes the full-token key of one token only. The name's
    other distinctive tokens keep their keys; and a one-token name still shares the prefix key
    (typo after the 4th letter), the suffix key (typo before the last 4) or the joined key. Only
    a one-token name with typos at both ends, or a 4-letter token with any typo (which would not
    score as a match anyway), escapes all keys.

    Generic words give no keys unless the name has nothing else. Keys are at most 60 characters.
    Keys are country-scoped, so a record without country only meets other records without
    country; to let it meet parties of every country, index ``party_key(name)`` (no country)
    as well, or look up every country's scope — and cap the fan-out of each key.
    """
    keys: list[str] = []
    for field in ("lei", "vat", "eori"):
        value = getattr(key, field)
        if value:
            keys.append(f"{field}:{value}")
    scope = key.country or "*"
    tokens = [t for t in distinctive_tokens(list(key.tokens)) if t not in STOP_WORDS]
    if tokens and max_keys > 0:
        chosen = sorted(dict.fromkeys(tokens), key=lambda t: (-len(t), t))[:max_keys]
        for token in chosen:
            keys.append(f"{scope}:{token}")
            keys.append(f"{scope}:p4:{token[:_AFFIX_LENGTH]}")
        keys.append(f"{scope}:j:{''.join(tokens)[:_JOINED_KEY_LENGTH]}")
        if len(chosen[0]) > _AFFIX_LENGTH:
            keys.append(f"{scope}:s4:{chosen[0][-_AFFIX_LENGTH:]}")
    return list(dict.fromkeys(k[:MAX_KEY_LENGTH] for k in keys))
