"""The scorer's shortcuts (length bound, pruned merge windows, kept scores) change no score:
each is checked against the plain computation it stands in for."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from app.matching import similarity
from app.matching.names import name_tokens, normalize_name
from app.matching.similarity import TOKEN_CUTOFF, _Side, token_similarity

pytestmark = pytest.mark.pure

PROPERTY = settings(max_examples=500, deadline=None)
# Few letters, so tokens often come close; digits and a non-ASCII digit for the digit rule.
TOKEN = st.text(alphabet="abcdeh1²", min_size=1, max_size=14)
TOKENS = st.lists(TOKEN, min_size=1, max_size=6)


def plain_token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 4:
        return 0.0
    if any(c.isdigit() for c in a) or any(c.isdigit() for c in b):
        return 0.0
    return fuzz.ratio(a, b, score_cutoff=TOKEN_CUTOFF * 100) / 100


def plain_merge_tokens(short: _Side, split: _Side) -> float:
    """Every window of 2-4 unpaired neighbours tried, none skipped."""
    matched = 0.0
    for j, token in enumerate(short.tokens):
        if short.used[j]:
            continue
        best = None
        for start in range(len(split.tokens)):
            for size in range(2, 5):
                window = range(start, start + size)
                if window.stop > len(split.tokens) or any(split.used[k] for k in window):
                    break
                sim = plain_token_similarity("".join(split.tokens[k] for k in window), token)
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


@PROPERTY
@given(TOKEN, TOKEN)
def test_the_length_bound_changes_no_token_score(a, b):
    assert token_similarity(a, b) == plain_token_similarity(a, b)


def test_the_length_bound_is_exact_at_its_edge():
    # 11 of 25 letters in common: ratio 88.0, exactly the cutoff, still a score.
    assert token_similarity("abcdefghijk", "abcdefghijkxyz") == pytest.approx(0.88)
    assert token_similarity("abcdefghij", "abcdefghijxyz") == 0.0  # 20/23: below


@PROPERTY
@given(TOKENS, TOKENS, st.lists(st.booleans(), max_size=6), st.lists(st.booleans(), max_size=6))
def test_pruned_windows_pair_as_every_window_does(short, split, used_short, used_split):
    def sides() -> tuple[_Side, _Side]:
        a, b = _Side.of(short), _Side.of(split)
        a.used = [u for u, _ in zip(used_short + [False] * 6, a.tokens, strict=False)]
        b.used = [u for u, _ in zip(used_split + [False] * 6, b.tokens, strict=False)]
        return a, b

    fast, plain = sides(), sides()
    assert similarity._merge_tokens(*fast) == plain_merge_tokens(*plain)
    assert (fast[0].used, fast[1].used) == (plain[0].used, plain[1].used)


def test_kept_scores_are_the_computed_ones():
    similarity._score.cache_clear()
    pair = (("acme", "chemical"), ("acme", "chemicals", "orion"))
    first = similarity._score(*pair)
    assert similarity._score.cache_info().misses == 1
    assert similarity._score(*pair) == first
    assert similarity._score.cache_info().hits == 1
    assert first == similarity._score.__wrapped__(*pair)


@PROPERTY
@given(st.text(alphabet="abcdeh", min_size=4, max_size=14), st.data())
def test_pruned_windows_still_join_a_word_split_in_pieces(word, data):
    cuts = sorted(data.draw(st.sets(st.integers(1, len(word) - 1), min_size=1, max_size=3)))
    pieces = [word[i:j] for i, j in zip([0, *cuts], [*cuts, len(word)], strict=True)]
    extra = data.draw(st.lists(TOKEN, max_size=2))
    fast = (_Side.of([word]), _Side.of(extra + pieces))
    plain = (_Side.of([word]), _Side.of(extra + pieces))
    assert similarity._merge_tokens(*fast) == plain_merge_tokens(*plain)
    assert fast[0].used == plain[0].used


def test_a_word_in_three_short_pieces_is_joined():
    short, split = _Side.of(["abcdefgh"]), _Side.of(["ab", "cd", "efgh"])
    assert similarity._merge_tokens(short, split) > 0
    assert split.used == [True, True, True]


@PROPERTY
@given(st.text(min_size=1, max_size=60))
def test_a_stored_normalised_name_gives_back_its_tokens(name):
    # Party resolution scores candidates on the tokens of their stored normalised names.
    assert tuple(normalize_name(name).split()) == tuple(name_tokens(name))
