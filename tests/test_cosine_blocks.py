"""Cosine blocks: pairs regrouped by locality give the whole-matrix cosines bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_tfidf import reference_cosine, seed_windows
from sklearn.feature_extraction.text import TfidfVectorizer

import lineage.tfidf as tf
from lineage.engine import LocalEngine
from lineage.tfidf import PassageScorer

_WORDS = dict(ngram_range=(1, 1), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", dtype=np.float32)


def _texts() -> list[str]:
    """Sorted letter texts first (their rows are sorted in scikit-learn's labels), then seeds."""
    rng = np.random.default_rng(5)
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = [" ".join(letters)]  # letters first seen in alphabetical order
    out += [" ".join(sorted(rng.choice(list(letters), size=rng.integers(3, 12)))) for _ in
            range(120)]  # fmt: skip
    return out + seed_windows()


def _reference(texts: list[str]) -> sp.csr_matrix:
    words = TfidfVectorizer(**_WORDS).fit_transform(texts)  # type: ignore[arg-type]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                            dtype=np.float32).fit_transform(texts)  # fmt: skip
    return (sp.hstack([words, chars]).tocsr() * np.float32(np.sqrt(0.5))).tocsr()


@pytest.mark.parametrize("engine", [None, LocalEngine(2)])
@pytest.mark.parametrize("seed", [0, 1])
def test_regrouped_blocks_equal_whole_matrix(
    engine: LocalEngine | None, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tf, "_PAIR_CHUNK", 16)
    monkeypatch.setattr(tf, "_FREE_PAIRS", 5)
    monkeypatch.setattr(tf, "_BLOCK_ROWS", 30)
    monkeypatch.setattr(tf, "_ROW_CHUNK", 7)
    monkeypatch.setattr(tf, "_SORT_ROWS", 3)
    texts = _texts()
    rng = np.random.default_rng(seed)
    n_letters = 121
    # chunks of letter pairs only (may be summed forward), mixed chunks, and a short last chunk
    letter = rng.integers(0, n_letters, size=(16 * 6, 2))
    mixed = rng.integers(0, len(texts), size=(16 * 20, 2))
    pairs = np.vstack([letter[:48], mixed, letter[48:], rng.integers(0, n_letters, size=(9, 2))])
    scorer = PassageScorer(ngram_range=(1, 1), engine=engine).fit(texts)
    blocks = scorer._blocks(scorer.text_ids_[pairs])
    assert {check for _, check in blocks} == {True, False}  # both kinds of block
    assert np.array_equal(np.sort(np.concatenate([at for at, _ in blocks])), np.arange(len(pairs)))
    assert np.array_equal(scorer.cosine(pairs), reference_cosine(_reference(texts), pairs))


def test_locality_order_keeps_blocks_small() -> None:
    # pairs along a path, shuffled: in locality order a run of pairs needs few passages
    rng = np.random.default_rng(3)
    n = 2000
    path = rng.permutation(n)
    arr = np.stack([path[:-1], path[1:]], axis=1)[rng.permutation(n - 1)]
    order = tf._locality_order(arr, n)
    assert np.array_equal(np.sort(order), np.arange(n - 1))  # a permutation of the pairs
    ordered = arr[order]
    runs = [len(np.unique(ordered[lo : lo + 100])) for lo in range(0, n - 1, 100)]
    assert max(runs) <= 110  # vs ~190 distinct passages per 100 pairs in random order


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 60), st.integers(1, 7))
def test_sort_rows_in_place_per_block(seed: int, n_rows: int, n_cols: int, block: int) -> None:
    rng = np.random.default_rng(seed)
    dense = rng.integers(0, 4, (n_rows, n_cols)) * (rng.random((n_rows, n_cols)) < 0.4)
    m = sp.csr_matrix(dense.astype(np.int32))
    order = [rng.permutation(np.arange(a, b)) for a, b in zip(m.indptr, m.indptr[1:], strict=False)]
    if m.nnz:  # rows shuffled: unsorted, as a sparse product leaves them
        shuffled = np.concatenate(order)
        m = sp.csr_matrix((m.data[shuffled], m.indices[shuffled], m.indptr), shape=m.shape)
    m.has_sorted_indices = False
    want = m.copy()
    want.sort_indices()
    tf._SORT_ROWS, old = block, tf._SORT_ROWS
    try:
        labels, values = tf._sort_rows(m)
    finally:
        tf._SORT_ROWS = old
    assert labels is m.indices and values is m.data  # in place
    assert np.array_equal(labels, want.indices) and np.array_equal(values, want.data)
    assert labels.dtype == np.int32 and values.dtype == np.int32
