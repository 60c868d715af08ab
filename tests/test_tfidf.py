"""TF-IDF stage: vectors, cosines and candidates equal scikit-learn's whole-matrix path.

The reference is built with plain ``TfidfVectorizer`` and scipy, as the stage
did before it built vectors on demand; the comparisons are exact (same bits,
same order of entries in each row).
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Sequence
from typing import Any

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


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Windows of two sentences (step one) over the seed articles, as passages overlap."""
    return seed_windows()


def _reference(texts: list[str], min_df: int = 1, max_features: int = 200_000) -> sp.csr_matrix:
    words = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=min_df,
        sublinear_tf=True,
        token_pattern=r"(?u)\b\w+\b",
        dtype=np.float32,
    ).fit_transform(texts)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=min_df,
                            sublinear_tf=True, dtype=np.float32,
                            max_features=max_features).fit_transform(texts)  # fmt: skip
    return (sp.hstack([words, chars]).tocsr() * np.float32(np.sqrt(0.5))).tocsr()


def _same(x: sp.csr_matrix, y: sp.csr_matrix) -> None:
    assert x.shape == y.shape
    assert np.array_equal(x.indptr, y.indptr)
    assert np.array_equal(x.indices, y.indices)  # same entries in the same order
    assert np.array_equal(x.data, y.data)  # bit for bit


def _pairs(n: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = rng.integers(0, n, size=(k, 2))
    p = p[p[:, 0] != p[:, 1]]
    return np.vstack([p, [[0, 1], [1, 2], [2, 0]]])


def test_vectors_equal_scikit_learn(texts: list[str]) -> None:
    assert len(texts) > 100
    _same(PassageScorer().fit(texts).matrix_, _reference(texts))


def test_character_limit_and_min_df_equal_scikit_learn(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a small limit: many n-grams tie on frequency at the cut, as scikit-learn breaks ties
    monkeypatch.setattr(tf, "_CHAR_MAX_FEATURES", 500)
    _same(PassageScorer().fit(texts).matrix_, _reference(texts, max_features=500))
    _same(PassageScorer(min_df=2).fit(texts).matrix_, _reference(texts, min_df=2, max_features=500))


def test_words_only(texts: list[str]) -> None:
    ref = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                          dtype=np.float32).fit_transform(texts)  # fmt: skip
    scorer = PassageScorer(char_ngrams=False).fit(texts)
    _same(scorer.matrix_, ref)
    pairs = _pairs(len(texts), 2000)
    assert np.array_equal(scorer.cosine(pairs), reference_cosine(ref, pairs))


@pytest.mark.parametrize("engine", [None, LocalEngine(2)])
def test_cosine_in_blocks_equals_whole_matrix(
    texts: list[str], engine: LocalEngine | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs = _pairs(len(texts), 3000)
    ref = reference_cosine(_reference(texts), pairs)
    assert np.array_equal(PassageScorer(engine=engine).fit(texts).cosine(pairs), ref)
    # tiny blocks and chunks: vectors rebuilt per block, pairs split over the engine
    monkeypatch.setattr(tf, "_PAIR_CHUNK", 16)
    monkeypatch.setattr(tf, "_BLOCK_ROWS", 40)
    monkeypatch.setattr(tf, "_ROW_CHUNK", 7)
    monkeypatch.setattr(tf, "_DF_CHUNK", 50)
    monkeypatch.setattr(tf, "_TEXT_CHUNK", 45)
    monkeypatch.setattr(tf, "_GRAM_DF_ROWS", 30)
    monkeypatch.setattr(tf, "_COUNT_ROWS", 20)
    ref = reference_cosine(_reference(texts), pairs)
    scorer = PassageScorer(engine=engine).fit(texts)
    assert len(scorer._blocks(pairs)) > 1
    assert np.array_equal(scorer.cosine(pairs), ref)
    assert scorer.cosine(np.empty((0, 2), dtype=np.int64)).shape == (0,)


def test_candidates_equal_whole_matrix(texts: list[str]) -> None:
    groups = np.arange(len(texts)) // 7
    scorer = PassageScorer().fit(texts)
    # rare shared terms: from the word vectors only
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                            dtype=np.float32).fit_transform(texts)  # fmt: skip
    binary = (words > 0).astype(np.int32).tocsc()
    df = np.diff(binary.indptr)
    rare = binary[:, np.flatnonzero((df >= 2) & (df <= 20))].tocsr()
    shared = (rare @ rare.T).tocoo()
    for min_shared in (2, 3):
        mask = (shared.row < shared.col) & (shared.data >= min_shared)
        mask &= groups[shared.row] != groups[shared.col]
        expected = np.unique(np.stack([shared.row[mask], shared.col[mask]], axis=1), axis=0)
        got = scorer.candidates(groups, exhaustive_max=0, min_shared=min_shared)
        assert len(got) and np.array_equal(got, expected)
    # the word vectors are not re-sorted by it (their row order matters for the cosines)
    _same(scorer.matrix_, _reference(texts))
    near = scorer.candidates(groups, min_cosine=0.2, top_k=3)
    assert len(near) and (groups[near[:, 0]] != groups[near[:, 1]]).all()


@pytest.fixture(scope="module")
def copied(texts: list[str]) -> list[str]:
    """The seed windows with many exact copies (as wire copies give), in shuffled order."""
    rng = np.random.default_rng(3)
    extra = [texts[k] for k in rng.integers(0, len(texts), size=len(texts) // 2)]
    out = texts + extra + texts[:40]
    return [out[k] for k in rng.permutation(len(out))]


@pytest.mark.parametrize("engine", [None, LocalEngine(2)])
def test_copies_are_fitted_once_with_the_same_results(
    copied: list[str], engine: LocalEngine | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each distinct text is fitted once; document frequencies still count every copy."""
    monkeypatch.setattr(tf, "_DF_CHUNK", 90)  # several chunks, copies across them
    monkeypatch.setattr(tf, "_GRAM_DF_ROWS", 70)
    monkeypatch.setattr(tf, "_COUNT_ROWS", 60)
    scorer = PassageScorer(engine=engine).fit(copied)
    assert scorer.n_distinct_ < len(copied) == scorer.n_docs_
    ref = _reference(copied)
    _same(scorer.matrix_, ref)
    rng = np.random.default_rng(4)
    pairs = _pairs(len(copied), 2000, seed=5)
    first = {t: k for k, t in reversed(list(enumerate(copied)))}
    same = [(first[t], k) for k, t in enumerate(copied) if first[t] != k][:50]
    pairs = np.vstack([pairs, same, rng.permutation(same)])  # copies against each other
    assert np.array_equal(scorer.cosine(pairs), reference_cosine(ref, pairs))
    groups = np.arange(len(copied)) // 5
    binary = (ref[:, : scorer.words_.shape[1]] > 0).astype(np.int32).tocsc()
    df = np.diff(binary.indptr)
    rare = binary[:, np.flatnonzero((df >= 2) & (df <= 20))].tocsr()
    shared = (rare @ rare.T).tocoo()
    mask = (shared.row < shared.col) & (shared.data >= 3)
    mask &= groups[shared.row] != groups[shared.col]
    expected = np.unique(np.stack([shared.row[mask], shared.col[mask]], axis=1), axis=0)
    got = scorer.candidates(groups, exhaustive_max=0, min_shared=3)
    assert len(got) and np.array_equal(got, expected)


def test_order_of_alphabet_is_order_of_token_tuples() -> None:
    texts = ["ab c", "a z", "a", "ab", "a b c", "ä ab_1 a9"]
    ref = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                          dtype=np.float32).fit_transform(texts)  # fmt: skip
    _same(PassageScorer(char_ngrams=False).fit(texts).matrix_, ref)


def test_empty_vocabulary_raises() -> None:
    with pytest.raises(ValueError):
        PassageScorer().fit(["!!", "?"])


_TEXT = st.text(
    alphabet=st.sampled_from([*"aäbΣσςİiI_1٣ \t\n\x1c\u3000.-'", "😀", "𝔸", "\u0301"]),
    max_size=40,
)


def _reference_tokens(texts: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    words = [re.findall(r"(?u)\b\w+\b", t.lower()) for t in texts]
    return words, [t.lower().split() for t in texts]


def _unpack(toks: tf._Tokens) -> list[list[str]]:
    distinct, ids, counts = toks
    flat = [distinct[i] for i in ids.tolist()]
    ends = np.cumsum(counts).tolist()
    return [flat[lo:hi] for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=6))
def test_tokens_equal_re_and_split(texts: list[str]) -> None:
    words, spaces = tf._tokenize_chunk(texts)
    assert (_unpack(words), _unpack(spaces)) == _reference_tokens(texts)
    assert words[0] == list(dict.fromkeys(w for ws in _unpack(words) for w in ws))  # first seen


def test_character_classes_are_re_and_isspace() -> None:
    cp = np.arange(0x110000, dtype=np.uint32)
    cls = tf._char_classes(cp)
    word = np.array([re.fullmatch(r"\w", chr(c)) is not None for c in range(0x110000)])
    space = np.array([chr(c).isspace() for c in range(0x110000)])
    assert np.array_equal((cls & tf._WORD) > 0, word)
    assert np.array_equal((cls & tf._SPACE) > 0, space)


def test_hash_collisions_fall_back_to_strings(
    texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = tf._tokenize_chunk(texts[:50])
    # the cut hashes all collide: the check must notice and group by whole hashes
    monkeypatch.setattr(tf, "_mix", np.zeros_like)
    got = tf._tokenize_chunk(texts[:50])
    for a, b in zip(got, expected, strict=True):
        assert a[0] == b[0] and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
    # every token of one length collides: the check must notice and intern strings
    monkeypatch.setattr(tf, "_run_hashes", lambda prefix, inv, s, e: (e - s).astype(np.uint64))
    got = tf._tokenize_chunk(texts[:50])
    for a, b in zip(got, expected, strict=True):
        assert a[0] == b[0] and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])


def test_wide_alphabet_equals_scikit_learn() -> None:
    # more than 4095 distinct characters: n-grams no longer pack into one integer key
    rng = np.random.default_rng(3)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 5000)]
    texts = [" ".join("".join(rng.choice(chars, size=rng.integers(1, 7))) for _ in range(12))
             for _ in range(400)]  # fmt: skip
    texts += ["abc abd", "abd abc"]
    _same(PassageScorer().fit(texts).matrix_, _reference(texts))


def test_chunk_of_sorted_rows_is_summed_as_scipy_merges() -> None:
    # single letters in alphabetical order: every row is sorted in scikit-learn's labels,
    # so scipy took its merging path (forward order) for these chunks
    rng = np.random.default_rng(5)
    letters = "abcdefghijklmnopqrstuvwxyz"
    texts = [" ".join(sorted(rng.choice(list(letters), size=rng.integers(3, 12)))) for _ in
             range(300)]  # fmt: skip
    texts[0] = " ".join(letters)  # first seen in alphabetical order
    kwargs = dict(ngram_range=(1, 1), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b",
                  dtype=np.float32)  # fmt: skip
    ref = sp.hstack([TfidfVectorizer(**kwargs).fit_transform(texts),  # type: ignore[arg-type]
                     TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                     dtype=np.float32).fit_transform(texts)]).tocsr()  # fmt: skip
    ref = (ref * np.float32(np.sqrt(0.5))).tocsr()
    scorer = PassageScorer(ngram_range=(1, 1)).fit(texts)
    assert scorer._words_sorted.all()
    _same(scorer.matrix_, ref)
    pairs = _pairs(len(texts), 5000)
    assert np.array_equal(scorer.cosine(pairs), reference_cosine(ref, pairs))


class _SameHash(str):
    """A text whose hash every other one shares (a collision on every lookup)."""

    def __hash__(self) -> int:
        return 7


class _Lazy(Sequence[str]):
    """Texts built on every access (as passages slicing their document's text)."""

    def __init__(self, texts: list[str], kind: type = str) -> None:
        self.joined, self.kind = "\x00".join(texts), kind
        ends = np.cumsum([len(t) + 1 for t in texts])
        self.bounds = list(zip([0, *ends[:-1].tolist()], (ends - 1).tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.bounds)

    def __getitem__(self, k: Any) -> Any:
        lo, hi = self.bounds[k]
        return self.kind(self.joined[lo:hi])


@pytest.mark.parametrize("kind", [str, _SameHash])
def test_distinct_texts_of_a_lazy_sequence(copied: list[str], kind: type) -> None:
    ids, heads, sizes = tf._distinct(_Lazy(copied, kind))
    first = dict.fromkeys(copied)
    number = {t: k for k, t in enumerate(first)}
    assert ids.tolist() == [number[t] for t in copied]
    assert [copied[k] for k in heads.tolist()] == list(first)
    assert sizes.tolist() == [len(t) for t in first]


@pytest.mark.parametrize("engine", [None, LocalEngine(2)])
def test_lazy_texts_fit_as_a_list(
    copied: list[str], engine: LocalEngine | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tf, "_TEXT_CHUNK", 100)  # several tokenizing chunks
    got = PassageScorer(engine=engine).fit(_Lazy(copied))
    _same(got.matrix_, _reference(copied))
    assert np.array_equal(got.text_ids_, PassageScorer().fit(copied).text_ids_)


def test_span_pickles_as_its_texts(copied: list[str]) -> None:
    _, heads, _ = tf._distinct(copied)
    span = tf._Span(_Lazy(copied), heads, 3, 40)
    back = pickle.loads(pickle.dumps(span))
    assert back.texts() == span.texts() == [copied[k] for k in heads[3:40].tolist()]
    assert isinstance(back.source, list)  # not the whole sequence
