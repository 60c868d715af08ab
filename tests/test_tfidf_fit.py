"""The fit's sliced, bounded-memory helpers against plain references and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_tfidf import seed_windows
from sklearn.feature_extraction.text import TfidfVectorizer

import lineage.tfidf as tf
from lineage.engine import LocalEngine
from lineage.tfidf import PassageScorer


def _words_reference(texts: list[str], ngram_range: tuple[int, int]) -> sp.csr_matrix:
    return TfidfVectorizer(ngram_range=ngram_range, sublinear_tf=True,
                           token_pattern=r"(?u)\b\w+\b",
                           dtype=np.float32).fit_transform(texts)  # fmt: skip


def _same(x: sp.csr_matrix, y: sp.csr_matrix) -> None:
    assert x.shape == y.shape
    assert np.array_equal(x.indptr, y.indptr)
    assert np.array_equal(x.indices, y.indices)  # same entries in the same order
    assert np.array_equal(x.data, y.data)  # bit for bit


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 3), (2, 3), (3, 3)])
def test_word_ngram_ranges_equal_scikit_learn(ngram_range: tuple[int, int]) -> None:
    texts = [*seed_windows()[:150], "", "eins", "a b", "a b c d"]
    scorer = PassageScorer(ngram_range=ngram_range, char_ngrams=False).fit(texts)
    _same(scorer.matrix_, _words_reference(texts, ngram_range))


def test_small_slices_and_blocks_give_the_same_model(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = seed_windows()
    want = PassageScorer().fit(texts).matrix_
    # every whole-length array in many slices and every count in many blocks of rows
    monkeypatch.setattr(tf, "_SLICE", 7)
    monkeypatch.setattr(tf, "_COUNT_ROWS", 3)
    monkeypatch.setattr(tf, "_GRAM_DF_ROWS", 5)
    _same(PassageScorer().fit(texts).matrix_, want)
    _same(PassageScorer(engine=LocalEngine(2)).fit(texts).matrix_, want)


def test_huge_vocabulary_long_ngrams_equal_scikit_learn() -> None:
    # (vocabulary + 1) ** 5 >= 2**63: the alphabetical order comes from a lexsort
    rng = np.random.default_rng(7)
    vocab = [f"w{k}" for k in range(7000)]
    texts = [" ".join(rng.choice(vocab, size=rng.integers(1, 30))) for _ in range(600)]
    texts += [" ".join(vocab[k : k + 40]) for k in range(0, 7000, 40)]
    scorer = PassageScorer(ngram_range=(1, 5), char_ngrams=False).fit(texts)
    _same(scorer.matrix_, _words_reference(texts, (1, 5)))


def _first_seen_reference(keys: list[int]) -> tuple[list[int], list[int], list[int]]:
    number: dict[int, int] = {}
    first: list[int] = []
    ids = []
    for pos, k in enumerate(keys):
        if k not in number:
            number[k] = len(number)
            first.append(pos)
        ids.append(number[k])
    by_sorted = sorted(number)  # distinct keys in sorted order
    rank_of = {k: r for r, k in enumerate(by_sorted)}
    by_first = [rank_of[k] for k in number]  # each first-seen key's rank in sorted order
    return ids, first, by_first


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=60), st.booleans(), st.integers(1, 9))
def test_first_seen_equals_dict_numbering(keys: list[int], packed: bool, step: int) -> None:
    old = tf._SLICE
    tf._SLICE = step  # several slices of the sorted keys
    try:
        arr = np.array(keys, dtype=np.int64)
        cols = [arr.copy()]
        ids, first, by_first = (tf._first_seen(cols, bound=64, consume=True) if packed
                                else tf._first_seen([arr]))  # fmt: skip
    finally:
        tf._SLICE = old
    want = _first_seen_reference(keys)
    assert (ids.tolist(), first.tolist(), by_first.tolist()) == want
    assert ids.dtype == np.int32 and first.dtype == np.int64 and by_first.dtype == np.int64
    if packed:
        assert cols == []  # taken out: freed once sorted


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 2**40), max_size=50, unique=True), st.booleans())
def test_ranks_are_positions_in_sorted_order(keys: list[int], huge_bound: bool) -> None:
    arr = np.array(keys, dtype=np.int64)
    got = tf._ranks(arr.copy(), 2**62 if huge_bound else 2**41, np.int32)
    assert got.tolist() == np.argsort(np.argsort(arr)).tolist() and got.dtype == np.int32


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 12), max_size=60), st.integers(1, 9))
def test_first_positions_of_first_seen_ids(raw: list[int], step: int) -> None:
    ids = np.array(tf._first_seen([np.array(raw, dtype=np.int64)])[0] if raw else [], np.int32)
    old = tf._SLICE
    tf._SLICE = step
    try:
        got = tf._first_positions(ids)
    finally:
        tf._SLICE = old
    assert got.tolist() == [raw.index(k) for k in dict.fromkeys(raw)]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 5), max_size=12), st.integers(2, 4), st.integers(1, 9))
def test_gram_starts_stay_inside_texts(lengths: list[int], n: int, step: int) -> None:
    tok_at = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    ids = np.full(int(tok_at[-1]), -1, dtype=np.int32)  # where an (n-1)-gram starts: 0
    for a, b in zip(tok_at[:-1].tolist(), tok_at[1:].tolist(), strict=True):
        ids[a : max(a, b - n + 2)] = 0
    old = tf._SLICE
    tf._SLICE = step
    try:
        got = tf._gram_starts(ids, tok_at, n, np.int32)
    finally:
        tf._SLICE = old
    want = [p for a, b in zip(tok_at[:-1].tolist(), tok_at[1:].tolist(), strict=True)
            for p in range(a, b - n + 1)]  # fmt: skip
    assert got.tolist() == want and got.dtype == np.int32
