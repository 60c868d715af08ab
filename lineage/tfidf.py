"""TF-IDF cosine between passages: finds rewrites that share few exact words.

Two feature spaces are combined: word 1–2-grams and character 3–5-grams within
word boundaries. The character n-grams make "nordkoreanische Soldaten" and
"nordkoreanischen Soldaten" similar, which matters for German inflection.
Each space is L2-normalized and the two are averaged, so the cosine stays in
[0, 1].

Candidate pairs come from two sources (see ``PassageScorer.candidates``):

* exhaustive nearest neighbours when the batch is small (at most
  ``exhaustive_max`` passages): every passage against every other;
* shared rare terms otherwise: passages that share at least ``min_shared``
  terms whose document frequency is at most ``max_df`` — cheap blocking that
  still finds paraphrases, since rewrites keep names and figures. TF-IDF then
  only verifies and scores (it does not scale as a candidate generator).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import (
    TfidfVectorizer,
    _align_api_if_sparse,  # type: ignore[attr-defined]
)

_PAIR_CHUNK = 8192


def _wb_ngrams(word: str, min_n: int, max_n: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one (lower-cased) word."""
    w = " " + word + " "
    out = []
    for n in range(min_n, max_n + 1):
        offset = 0
        out.append(w[offset : offset + n])
        while offset + n < len(w):
            offset += 1
            out.append(w[offset : offset + n])
        if offset == 0:  # a word shorter than n is counted once
            break
    return out


class _CharWBVectorizer(TfidfVectorizer):
    """``TfidfVectorizer(analyzer="char_wb")`` with a faster, identical count step.

    ``char_wb`` n-grams never cross a word, so a text's counts are the sum of
    its words' counts: every distinct word is analysed once and the text × word
    count matrix is multiplied by the word × n-gram matrix. The vocabulary and
    count matrix are the ones scikit-learn builds (feature sorting,
    ``max_features`` and the IDF step are left to it), so the result is equal.
    """

    def _count_vocab(self, raw_documents: Any, fixed_vocab: bool) -> Any:
        if (
            fixed_vocab
            or self.analyzer != "char_wb"
            or self.preprocessor is not None
            or not self.lowercase
            or self.strip_accents is not None
            or self.input != "content"
        ):
            return super()._count_vocab(raw_documents, fixed_vocab)  # fmt: skip
        words: dict[str, int] = {}
        indptr = [0]
        word_ids: list[int] = []
        for doc in raw_documents:
            word_ids.extend(words.setdefault(w, len(words)) for w in doc.lower().split())
            indptr.append(len(word_ids))
        texts = sp.csr_matrix((np.ones(len(word_ids), dtype=np.int64), word_ids, indptr),
                              shape=(len(indptr) - 1, len(words)))  # fmt: skip
        vocabulary: dict[str, int] = {}
        g_ids: list[int] = []
        g_ptr = [0]
        min_n, max_n = self.ngram_range
        for w in words:
            g_ids.extend(vocabulary.setdefault(g, len(vocabulary))
                         for g in _wb_ngrams(w, min_n, max_n))  # fmt: skip
            g_ptr.append(len(g_ids))
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        grams = sp.csr_matrix((np.ones(len(g_ids), dtype=np.int64), g_ids, g_ptr),
                              shape=(len(words), len(vocabulary)))  # fmt: skip
        counts = (texts @ grams).tocsr()
        counts.sum_duplicates()
        x = sp.csr_array((counts.data.astype(np.intc), counts.indices.astype(np.int32),
                          counts.indptr.astype(np.int32)),
                         shape=(len(indptr) - 1, len(vocabulary)), dtype=self.dtype)  # fmt: skip
        x.sort_indices()
        return vocabulary, _align_api_if_sparse(x)


class PassageScorer:
    """TF-IDF model over a batch of passages (scikit-learn style).

    Args:
        ngram_range: Word n-gram range.
        char_ngrams: Also use character 3–5-grams.
        min_df: Minimum document frequency of a feature.

    Example:
        >>> s = PassageScorer().fit(["Rutte warnt vor Russland", "Rutte warnte vor Russland",
        ...                          "Das Wetter ist schön"])
        >>> s.cosine([(0, 1)])[0] > s.cosine([(0, 2)])[0]
        True
    """

    def __init__(
        self, *, ngram_range: tuple[int, int] = (1, 2), char_ngrams: bool = True, min_df: int = 1
    ) -> None:
        self.ngram_range = ngram_range
        self.char_ngrams = char_ngrams
        self.min_df = min_df

    def fit(self, texts: Sequence[str]) -> PassageScorer:
        """Learn vocabularies and IDF weights; keep the passage vectors."""
        self.word_vectorizer_ = TfidfVectorizer(
            ngram_range=self.ngram_range,
            min_df=self.min_df,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
            dtype=np.float32,
        )
        words = self.word_vectorizer_.fit_transform(texts)
        self.words_ = words.tocsr()
        if self.char_ngrams:
            self.char_vectorizer_ = _CharWBVectorizer(
                analyzer="char_wb",
                ngram_range=(3, 5),
                min_df=self.min_df,
                sublinear_tf=True,
                dtype=np.float32,
                max_features=200_000,
            )
            chars = self.char_vectorizer_.fit_transform(texts)
            self.matrix_ = (sp.hstack([words, chars]).tocsr() * np.float32(np.sqrt(0.5))).tocsr()
        else:
            self.matrix_ = self.words_
        return self

    def cosine(self, pairs: Sequence[tuple[int, int]] | np.ndarray) -> np.ndarray:
        """Cosine similarity for each ``(i, j)`` pair of fitted passages."""
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if len(arr) == 0:
            return np.empty(0, dtype=np.float32)
        m = self.matrix_
        out = np.empty(len(arr), dtype=m.dtype)
        for lo in range(0, len(arr), _PAIR_CHUNK):  # bounded memory: two row blocks at a time
            a, b = arr[lo : lo + _PAIR_CHUNK, 0], arr[lo : lo + _PAIR_CHUNK, 1]
            out[lo : lo + len(a)] = np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel()
        return np.clip(out, 0.0, 1.0).astype(np.float32)

    def candidates(
        self,
        groups: np.ndarray,
        *,
        min_cosine: float = 0.35,
        top_k: int = 5,
        exhaustive_max: int = 6000,
        max_df: int = 20,
        min_shared: int = 2,
    ) -> np.ndarray:
        """Pairs ``(i, j)``, ``i < j``, of passages of different groups worth scoring."""
        n = self.matrix_.shape[0]
        if n < 2:
            return np.empty((0, 2), dtype=np.int64)
        if n <= exhaustive_max:
            return self._nearest(groups, min_cosine, top_k)
        return self._rare_terms(groups, max_df, min_shared)

    def _nearest(self, groups: np.ndarray, min_cosine: float, top_k: int) -> np.ndarray:
        m = self.matrix_
        found: list[np.ndarray] = []
        step = 512
        for lo in range(0, m.shape[0], step):
            sims = (m[lo : lo + step] @ m.T).toarray()
            rows = np.arange(lo, min(lo + step, m.shape[0]))
            sims[groups[rows][:, None] == groups[None, :]] = 0.0
            k = min(top_k, sims.shape[1])
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            vals = np.take_along_axis(sims, top, axis=1)
            ii, kk = np.nonzero(vals >= min_cosine)
            if len(ii):
                found.append(np.stack([rows[ii], top[ii, kk]], axis=1))
        return _unique_pairs(found)

    def _rare_terms(self, groups: np.ndarray, max_df: int, min_shared: int) -> np.ndarray:
        binary = (self.words_ > 0).astype(np.int32).tocsc()
        df = np.diff(binary.indptr)
        keep = np.flatnonzero((df >= 2) & (df <= max_df))
        rare = binary[:, keep].tocsr()
        shared = (rare @ rare.T).tocoo()
        mask = (shared.row < shared.col) & (shared.data >= min_shared)
        mask &= groups[shared.row] != groups[shared.col]
        return _unique_pairs([np.stack([shared.row[mask], shared.col[mask]], axis=1)])


def _unique_pairs(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.empty((0, 2), dtype=np.int64)
    arr = np.concatenate(parts).astype(np.int64)
    arr = np.stack([arr.min(axis=1), arr.max(axis=1)], axis=1)
    return np.unique(arr, axis=0)
