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

import itertools
import re
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
    size = len(w)
    out: list[str] = []
    for n in range(min_n, max_n + 1):
        if size <= n:  # a word no longer than n is counted once, and no longer n-grams
            out.append(w)
            break
        out += [w[i : i + n] for i in range(size - n + 1)]
    return out


def _intern(items: list[str]) -> tuple[dict[str, int], np.ndarray]:
    """Ids in first-seen order and the id of every item, without a per-item Python loop."""
    ids = dict.fromkeys(items, 0)
    for k, key in enumerate(ids):
        ids[key] = k
    return ids, np.fromiter(map(ids.__getitem__, items), dtype=np.int64, count=len(items))


def _counts(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, dtype: Any) -> Any:
    """The count matrix as scikit-learn's ``_count_vocab`` returns it (sorted, intc data)."""
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.intc), (rows, cols)), shape=(n_rows, n_cols))
    m.sum_duplicates()
    x = sp.csr_array((m.data.astype(np.intc), m.indices.astype(np.int32),
                      m.indptr.astype(np.int32)), shape=(n_rows, n_cols), dtype=dtype)  # fmt: skip
    x.sort_indices()
    return _align_api_if_sparse(x)


class _FastVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` with a faster, identical count step for our two configurations.

    * ``char_wb``: n-grams never cross a word, so a text's counts are the sum of
      its words' counts: every distinct word is analysed once and the text × word
      count matrix is multiplied by the word × n-gram matrix.
    * ``word`` 1–2-grams: tokens are interned once for the whole batch and
      bigrams are pairs of token ids, so no n-gram string is built per
      occurrence (only one per distinct bigram, for the vocabulary).

    The vocabulary and count matrix are the ones scikit-learn builds (feature
    sorting, ``max_features`` and the IDF step are left to it), so the result
    is equal; any other configuration takes scikit-learn's own path.
    """

    def _count_vocab(self, raw_documents: Any, fixed_vocab: bool) -> Any:
        plain = (
            not fixed_vocab
            and self.preprocessor is None
            and self.lowercase
            and self.strip_accents is None
            and self.input == "content"
        )
        if plain and self.analyzer == "char_wb":
            return self._count_char_wb(raw_documents)
        if (
            plain
            and self.analyzer == "word"
            and self.tokenizer is None
            and self.stop_words is None
            and self.ngram_range[0] == 1
            and self.ngram_range[1] in (1, 2)
        ):
            return self._count_words(raw_documents)
        return super()._count_vocab(raw_documents, fixed_vocab)

    def _limit_features(self, X: Any, vocabulary: dict[str, int], high: Any = None,
                        low: Any = None, limit: Any = None) -> Any:  # fmt: skip
        """scikit-learn's pruning, minus the copy of the whole matrix when nothing is pruned.

        (``X[:, every column]`` copied all 7M entries of the 1k corpus's char
        matrix to give back the same matrix.)
        """
        if high is not None or low is not None or limit is not None:
            dfs = np.bincount(X.indices, minlength=X.shape[1])  # = _document_frequency (csr)
            keep_all = bool(
                (high is None or (dfs <= high).all())
                and (low is None or (dfs >= low).all())
                and (limit is None or len(dfs) <= limit)
            )
            if keep_all:
                return X
        return super()._limit_features(X, vocabulary, high, low, limit)

    def _count_char_wb(self, raw_documents: Any) -> Any:
        docs = [d.lower().split() for d in raw_documents]
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        words, word_ids = _intern(list(itertools.chain.from_iterable(docs)))
        texts = sp.csr_matrix((np.ones(len(word_ids), dtype=np.int64), word_ids,
                               np.r_[0, np.cumsum(lengths)]),
                              shape=(len(docs), len(words)))  # fmt: skip
        min_n, max_n = self.ngram_range
        per_word = [_wb_ngrams(w, min_n, max_n) for w in words]
        vocabulary, g_ids = _intern(list(itertools.chain.from_iterable(per_word)))
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        g_len = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
        grams = sp.csr_matrix((np.ones(len(g_ids), dtype=np.int64), g_ids,
                               np.r_[0, np.cumsum(g_len)]),
                              shape=(len(words), len(vocabulary)))  # fmt: skip
        return vocabulary, self._from_product(texts @ grams, len(docs), len(vocabulary))

    def _from_product(self, counts: Any, n_rows: int, n_cols: int) -> Any:
        counts = counts.tocsr()
        counts.sum_duplicates()
        x = sp.csr_array((counts.data.astype(np.intc), counts.indices.astype(np.int32),
                          counts.indptr.astype(np.int32)),
                         shape=(n_rows, n_cols), dtype=self.dtype)  # fmt: skip
        x.sort_indices()
        return _align_api_if_sparse(x)

    def _count_words(self, raw_documents: Any) -> Any:
        pattern = re.compile(self.token_pattern)
        if pattern.groups > 1:  # scikit-learn's own error message
            return super()._count_vocab(raw_documents, False)
        docs = [pattern.findall(d.lower()) for d in raw_documents]
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        tokens, tok_ids = _intern(list(itertools.chain.from_iterable(docs)))
        n_docs, n_tok = len(docs), len(tokens)
        row = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        pos = np.arange(len(tok_ids), dtype=np.int64)
        rows, cols, kinds, where = [row], [tok_ids], [np.zeros_like(row)], [pos]
        names = list(tokens)
        if self.ngram_range[1] == 2 and len(tok_ids) > 1:
            same = row[1:] == row[:-1]  # bigrams never cross documents
            code = tok_ids[:-1][same] * n_tok + tok_ids[1:][same]
            uniq, inverse = np.unique(code, return_inverse=True)
            names += [names[c // n_tok] + " " + names[c % n_tok] for c in uniq.tolist()]
            rows.append(row[1:][same])
            cols.append(n_tok + inverse.ravel())
            kinds.append(np.ones(len(code), dtype=np.int64))
            where.append(pos[:-1][same])
        row_all, col_all = np.concatenate(rows), np.concatenate(cols)
        # number features in the order scikit-learn meets them (per document:
        # unigrams, then bigrams), so even the index order within a row is its own
        order = np.lexsort((np.concatenate(where), np.concatenate(kinds), row_all))
        seen, first = np.unique(col_all[order], return_index=True)
        new_id = np.empty(len(names), dtype=np.int64)
        new_id[seen[np.argsort(first, kind="stable")]] = np.arange(len(seen))
        col_all = new_id[col_all]
        vocabulary = {name: int(k) for name, k in zip(names, new_id.tolist(), strict=True)}
        if not vocabulary:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        return vocabulary, _counts(row_all, col_all, n_docs, len(vocabulary), self.dtype)


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
        self.word_vectorizer_ = _FastVectorizer(
            ngram_range=self.ngram_range,
            min_df=self.min_df,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
            dtype=np.float32,
        )
        words = self.word_vectorizer_.fit_transform(texts)
        self.words_ = words.tocsr()
        if self.char_ngrams:
            self.char_vectorizer_ = _FastVectorizer(
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
