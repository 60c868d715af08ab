"""Fast helpers of ``lineage.tfidf`` against plain reference versions."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import lineage.tfidf as tf

_TOKENS = st.lists(st.text(alphabet="abcäß", min_size=1, max_size=3), max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TOKENS, max_size=6))
def test_merged_vocabularies_number_tokens_in_first_seen_order(chunks: list[list[str]]) -> None:
    merged, seen = tf._Merged(), {}  # type: ignore[var-annotated]
    expected = []
    for chunk in chunks:
        distinct = list(dict.fromkeys(chunk))  # a chunk's vocabulary, first-seen order
        local = np.array([distinct.index(t) for t in chunk], dtype=np.int64)
        merged.add((distinct, local, np.array([len(chunk)])))
        expected += [seen.setdefault(t, len(seen)) for t in chunk]
    tokens, ids, lengths = merged.tokens()
    assert tokens == list(seen)
    assert ids.tolist() == expected and ids.dtype == np.int32
    assert lengths.tolist() == [len(c) for c in chunks]


def _random_csr(rng: np.random.Generator, n_rows: int, n_cols: int) -> sp.csr_matrix:
    m = sp.random(n_rows, n_cols, density=0.3, format="csr", random_state=rng)
    m.data = rng.integers(1, 9, m.nnz).astype(np.int32)
    return m


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 40), st.booleans())
def test_keep_columns_equals_coo_selection(seed: int, n_rows: int, n_cols: int,
                                           reverse: bool) -> None:  # fmt: skip
    rng = np.random.default_rng(seed)
    m = _random_csr(rng, n_rows, n_cols)
    kept = np.flatnonzero(rng.random(n_cols) < 0.6)
    new_col = np.full(n_cols, -1, dtype=np.int32)
    new_col[kept] = np.arange(len(kept))[::-1] if reverse else np.arange(len(kept))
    got = tf._keep_columns(m, new_col, len(kept))
    coo = m.tocoo()
    keep = new_col[coo.col] >= 0
    want = sp.csr_matrix((coo.data[keep], (coo.row[keep], new_col[coo.col[keep]])),
                         shape=(n_rows, len(kept)))  # fmt: skip
    assert (got != want).nnz == 0 and got.dtype == want.dtype
    if not reverse:  # an increasing renaming keeps sorted rows sorted
        assert np.array_equal(got.indices, want.indices)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 50))
def test_sorted_rows_flags_rows_ascending_in_labels(seed: int, n_rows: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 5, n_rows)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = rng.integers(0, 6, int(indptr[-1])).astype(np.int32)
    m = sp.csr_matrix((np.ones(len(indices), np.float32), indices, indptr), shape=(n_rows, 6))
    labels = rng.permutation(6).astype(np.int32)
    want = [bool(np.all(np.diff(labels[indices[a:b]]) > 0)) for a, b in itertools.pairwise(indptr)]
    old, tf._COUNT_ROWS = tf._COUNT_ROWS, 2  # several blocks of rows
    try:
        assert tf._sorted_rows(m, labels).tolist() == want
    finally:
        tf._COUNT_ROWS = old


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 60))
def test_sort_rows_sorts_each_row_by_column(seed: int, n_rows: int, n_cols: int) -> None:
    m = _random_csr(np.random.default_rng(seed), n_rows, n_cols)
    m.has_sorted_indices = False
    labels, values = tf._sort_rows(m)
    want = m.copy()
    want.sort_indices()
    assert np.array_equal(labels, want.indices) and np.array_equal(values, want.data)
    assert labels.dtype == np.int32 and values.dtype == np.int32
