"""TF-IDF cosine between passages: finds rewrites that share few exact words.

Two feature spaces are combined: word 1–2-grams and character 3–5-grams within
word boundaries. The character n-grams make "nordkoreanische Soldaten" and
"nordkoreanischen Soldaten" similar, which matters for German inflection.
Each space is L2-normalized and the two are averaged, so the cosine stays in
[0, 1]. The vectors are exactly scikit-learn's ``TfidfVectorizer`` ones
(``sublinear_tf``, smooth IDF, alphabetical feature order, at most 200,000
character n-grams by corpus frequency); ``tests/test_tfidf.py`` checks that.

How the model is built, and why this way
----------------------------------------
TF-IDF is not incremental in its weights: a feature's IDF needs its document
frequency over the whole batch, and the character vocabulary is cut to the
most frequent n-grams of the whole batch. But a passage's vector depends only
on *its own* counts, the IDF and its own L2 norm. So the work splits into

1. one pass over the batch that learns the vocabularies and document
   frequencies (the only global state), and
2. vectors built on demand, block by block, for the passages a block of
   candidate pairs needs. A vector built this way equals the row of the
   whole matrix bit for bit, so nothing depends on how blocks are cut.

The character matrix is what does not fit in memory (≈ 580 entries a passage,
~0.7 GB for 145k passages, ~7 GB at 100,000 articles), but it factorizes:
``char_wb`` n-grams never cross a word, so a passage's n-gram counts are its
word counts times a word × n-gram table. Only those two small tables are kept
(≈ 40 entries a passage plus ~30 per distinct word); document frequencies are
summed over chunks of passages (in parallel on an ``engine``), and character
rows are rebuilt with one sparse product when a block needs them. The word
1–2-gram rows are small (≈ 70 entries a passage) and kept.

Bit for bit also means: every row keeps scikit-learn's order of entries
(features in first-seen order, labelled alphabetically), since a norm or a
dot product summed in another order can differ in the last float32 bit; and
pairs are multiplied ``_PAIR_CHUNK`` at a time as before (scipy's summation
order depends on whether a whole chunk has sorted rows).

Up to ``_BLOCK_ROWS`` passages (the 10k-article benchmark) the cosine builds
all vectors once. Beyond, pairs are cut into blocks in their given order and a
passage's vector is rebuilt for every block that needs it: memory stays
bounded, time grows with how scattered the pairs are (a next step would be to
build each block of rows once and keep it on disk between pair tiles).

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
from sklearn.preprocessing import normalize

from lineage.engine import Engine, chunked

_SCALE = np.float32(np.sqrt(0.5))  # averages the two L2-normalized spaces
_TOKEN = re.compile(r"(?u)\b\w+\b")
_CHAR_RANGE = (3, 5)
_CHAR_MAX_FEATURES = 200_000
_DF_CHUNK = 20_000  # passages per document-frequency chunk
_TEXT_CHUNK = 20_000  # passages per tokenizing chunk
_PAIR_CHUNK = 8192  # pairs per scipy product (as the whole-matrix computation did)
_ROW_CHUNK = 20_000  # passages whose vectors are built in one step
_BLOCK_ROWS = 150_000  # passages whose vectors are built at once for the cosine


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


def _intern(items: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct items in first-seen order and the id of every item."""
    ids = dict.fromkeys(items, 0)
    for k, key in enumerate(ids):
        ids[key] = k
    return list(ids), np.fromiter(map(ids.__getitem__, items), dtype=np.int64, count=len(items))


def _csr(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int], data: Any = None) -> Any:
    """Canonical (sorted, summed) int32-count CSR matrix of the given entries."""
    if data is None:
        data = np.ones(len(rows), dtype=np.int32)
    m = sp.csr_matrix((data, (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smooth IDF, computed in float32 as scikit-learn does (same operations, same bits)."""
    d = df.astype(np.float32) + np.float32(1.0)
    idf = np.full_like(d, fill_value=n_docs + 1, dtype=np.float32)
    idf /= d
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def _tfidf(counts: Any, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF × IDF, L2-normalized rows (scikit-learn's transform, in place)."""
    x = sp.csr_matrix(
        (counts.data.astype(np.float32), counts.indices.astype(np.int32), counts.indptr),
        shape=counts.shape,
    )
    np.log(x.data, x.data)
    x.data += 1.0
    x.data *= idf[x.indices]
    return normalize(x, norm="l2", copy=False)


def _keep_columns(m: Any, new_col: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """``m`` with column ``c`` renamed ``new_col[c]`` (``-1`` drops it), rows re-sorted."""
    m = m.tocoo()
    cols = new_col[m.col]
    keep = cols >= 0
    return _csr(m.row[keep], cols[keep], (m.shape[0], n_cols), m.data[keep])


_Tokens = tuple[list[str], np.ndarray, np.ndarray]  # distinct, id of each, count per text


def _tokenize(texts: Sequence[str], split: Any) -> _Tokens:
    """Tokens of every text (``split(text.lower())``), interned in first-seen order."""
    docs = [split(t.lower()) for t in texts]
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    distinct, ids = _intern(list(itertools.chain.from_iterable(docs)))
    return distinct, ids, lengths


def _tokenize_chunk(texts: Sequence[str]) -> tuple[_Tokens, _Tokens]:
    return _tokenize(texts, _TOKEN.findall), _tokenize(texts, str.split)


def _merge_tokens(parts: Sequence[_Tokens]) -> _Tokens:
    """Per-chunk vocabularies merged in first-seen order (the order of one pass)."""
    ids: dict[str, int] = {}
    out_ids = []
    for distinct, local, _ in parts:
        for tok in distinct:
            ids.setdefault(tok, len(ids))
        out_ids.append(np.fromiter(map(ids.__getitem__, distinct), np.int64, len(distinct))[local])
    lengths = [p[2] for p in parts]
    return (list(ids), np.concatenate(out_ids) if out_ids else np.zeros(0, np.int64),
            np.concatenate(lengths) if lengths else np.zeros(0, np.int64))  # fmt: skip


def _word_counts(toks: _Tokens, ngram_range: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Word n-gram counts: columns numbered in first-seen order, and each one's label.

    scikit-learn numbers features in the order it meets them (per document:
    unigrams, then bigrams), sorts each row by that number, and only then
    relabels columns alphabetically without re-sorting rows. Rows keep that
    order here too, because sums over a row (its norm, dot products) depend
    on it in the last bit. Tokens are interned once; an n-gram is a tuple of
    token ids. Since tokens are ``\\w+`` (every character sorts after the
    joining space), the alphabetical order of ``"a b"`` strings is the order of
    token-rank tuples, a shorter tuple first, so no n-gram string is built.
    """
    tokens, tok_ids, lengths = toks
    rank = np.empty(len(tokens), dtype=np.int64)
    rank[sorted(range(len(tokens)), key=tokens.__getitem__)] = np.arange(len(tokens))
    n_docs = len(lengths)
    row = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    tok = rank[tok_ids] + 1  # 0 = "no token here" (sorts first)
    doc_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
    min_n, max_n = ngram_range
    rows, keys, scan = [], [], []
    for n in range(min_n, max_n + 1):
        start = np.arange(max(0, len(tok) - n + 1))
        start = start[row[start] == row[start + n - 1]]  # n-grams never cross documents
        key = np.zeros((len(start), max_n), dtype=np.int64)
        for k in range(n):
            key[:, k] = tok[start + k]
        rows.append(row[start])
        keys.append(key)
        # scikit-learn's scan order: document, then n, then position
        scan.append((row[start] * (max_n - min_n + 1) + n - min_n) * (len(tok) + 1)
                    + start - doc_start[start])  # fmt: skip
    row_all = np.concatenate(rows)
    if len(row_all) == 0:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    all_keys = np.concatenate(keys)
    order = np.argsort(np.concatenate(scan), kind="stable")
    base = len(tokens) + 1
    if base**max_n < 2**62:  # one integer key per n-gram: same (lexicographic) order
        flat = all_keys[order] @ (base ** np.arange(max_n - 1, -1, -1, dtype=np.int64))
        _, first, label = np.unique(flat, return_index=True, return_inverse=True)
    else:  # pragma: no cover - long n-grams over a huge vocabulary
        _, first, label = np.unique(all_keys[order], axis=0, return_index=True,
                                    return_inverse=True)  # fmt: skip
    labels = np.argsort(first)  # first-seen number -> label (alphabetical)
    number = np.empty(len(labels), dtype=np.int64)
    number[labels] = np.arange(len(labels))
    return _csr(row_all[order], number[label.ravel()], (n_docs, len(labels))), labels


def _gram_stats(task: tuple[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Document and term frequency of every n-gram over one chunk of passages."""
    words, grams = task
    counts = words @ grams
    n = grams.shape[1]
    return (np.bincount(counts.indices, minlength=n),
            np.bincount(counts.indices, weights=counts.data, minlength=n))  # fmt: skip


class _Chars:
    """Character ``char_wb`` n-grams, factorized as passage × word and word × n-gram counts."""

    def __init__(self, toks: _Tokens, min_df: int, engine: Engine | None) -> None:
        words, word_ids, lengths = toks
        n_docs = len(lengths)
        doc_words = _csr(np.repeat(np.arange(n_docs), lengths), word_ids, (n_docs, len(words)))
        per_word = [_wb_ngrams(w, *_CHAR_RANGE) for w in words]
        grams, gram_ids = _intern(list(itertools.chain.from_iterable(per_word)))
        if not grams:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        g_len = np.fromiter(map(len, per_word), dtype=np.int64, count=len(per_word))
        word_grams = _csr(np.repeat(np.arange(len(words)), g_len), gram_ids,
                          (len(words), len(grams)))  # fmt: skip
        tasks = [(doc_words[lo:hi], word_grams) for lo, hi in chunked(n_docs, _DF_CHUNK)]
        parts = engine.map(_gram_stats, tasks) if engine is not None else map(_gram_stats, tasks)
        df = np.zeros(len(grams), dtype=np.int64)
        tf = np.zeros(len(grams), dtype=np.float64)
        for d, f in parts:
            df += d
            tf += f
        order = np.array(sorted(range(len(grams)), key=grams.__getitem__), dtype=np.int64)
        kept = np.sort(order[self._select(df[order], tf[order], min_df)])  # first-seen order
        alpha = np.empty(len(grams), dtype=np.int64)
        alpha[order] = np.arange(len(grams))
        new_col = np.full(len(grams), -1, dtype=np.int64)
        new_col[kept] = np.arange(len(kept))
        self.n_cols = len(kept)
        self.labels = np.argsort(np.argsort(alpha[kept])).astype(np.int32)  # alphabetical ids
        self.word_grams = _keep_columns(word_grams, new_col, self.n_cols)
        self.doc_words = doc_words
        self.idf = _idf(df[kept], n_docs)

    @staticmethod
    def _select(df: np.ndarray, tf: np.ndarray, min_df: int) -> np.ndarray:
        """Positions (alphabetical) of the n-grams scikit-learn keeps (``_limit_features``)."""
        mask = df >= min_df
        if mask.sum() > _CHAR_MAX_FEATURES:
            if tf.max() >= 2**24:  # pragma: no cover - not exact in float32 any more
                raise ValueError("character n-gram counts too large for float32 frequencies")
            tfs = tf.astype(np.float32)  # scikit-learn sums float32 counts (exact below 2**24)
            top = (-tfs[mask]).argsort()[:_CHAR_MAX_FEATURES]
            new_mask = np.zeros(len(df), dtype=bool)
            new_mask[np.flatnonzero(mask)[top]] = True
            mask = new_mask
        if not mask.any():
            raise ValueError("After pruning, no terms remain. Try a lower min_df.")
        return np.flatnonzero(mask)

    def rows(self, which: np.ndarray) -> sp.csr_matrix:
        """TF-IDF rows of the passages ``which``, equal to rows of the whole matrix."""
        counts = self.doc_words[which] @ self.word_grams
        counts.sort_indices()
        out = _tfidf(counts, self.idf)
        out.indices = self.labels[out.indices]  # rows stay in first-seen order (see _word_counts)
        out.has_sorted_indices = False
        return out


def _hstack_rows(a: Any, b: Any, offset: int) -> sp.csr_matrix:
    """``[a | b]`` row by row, both scaled by ``_SCALE`` (= scipy's hstack, one pass)."""
    na, nb = np.diff(a.indptr), np.diff(b.indptr)
    indptr = a.indptr.astype(np.int64) + b.indptr
    nnz = int(indptr[-1])
    indices = np.empty(nnz, dtype=np.int32)
    data = np.empty(nnz, dtype=np.float32)
    pos_a = np.arange(a.nnz, dtype=np.int64) + np.repeat(b.indptr[:-1], na)
    pos_b = np.arange(b.nnz, dtype=np.int64) + np.repeat(a.indptr[1:], nb)
    indices[pos_a] = a.indices
    indices[pos_b] = b.indices + offset
    data[pos_a] = a.data * _SCALE
    data[pos_b] = b.data * _SCALE
    out = sp.csr_matrix((data, indices, indptr), shape=(a.shape[0], a.shape[1] + b.shape[1]))
    out.has_sorted_indices = False
    return out


def _rows_task(task: tuple[Any, _Chars | None, np.ndarray]) -> sp.csr_matrix:
    """Combined rows of some passages: word vectors, then character vectors (scaled)."""
    words_, chars, which = task
    words = words_[which]
    if chars is None:
        return words
    return _hstack_rows(words, chars.rows(which), words_.shape[1])


def _chunk_dots(task: tuple[Any, np.ndarray, np.ndarray]) -> np.ndarray:
    """Dot products of row pairs, ``_PAIR_CHUNK`` pairs per scipy product (bounded memory).

    The products of each pair are summed in scipy's order, so a pair's value
    depends on the rows only, except when *every* row of a chunk happens to be
    sorted by column (scipy then merges instead); callers keep the chunks of
    the whole list so even that case gives the same bits.
    """
    m, a, b = task
    out = np.empty(len(a), dtype=m.dtype)
    for lo in range(0, len(a), _PAIR_CHUNK):
        x, y = m[a[lo : lo + _PAIR_CHUNK]], m[b[lo : lo + _PAIR_CHUNK]]
        out[lo : lo + len(x.indptr) - 1] = np.asarray(x.multiply(y).sum(axis=1)).ravel()
    return out


class PassageScorer:
    """TF-IDF model over a batch of passages (scikit-learn style).

    Args:
        ngram_range: Word n-gram range.
        char_ngrams: Also use character 3–5-grams.
        min_df: Minimum document frequency of a feature.
        engine: Where chunked work (document frequencies, pair cosines) runs;
            ``None`` runs it here. Results do not depend on it.

    Example:
        >>> s = PassageScorer().fit(["Rutte warnt vor Russland", "Rutte warnte vor Russland",
        ...                          "Das Wetter ist schön"])
        >>> s.cosine([(0, 1)])[0] > s.cosine([(0, 2)])[0]
        True
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        char_ngrams: bool = True,
        min_df: int = 1,
        engine: Engine | None = None,
    ) -> None:
        self.ngram_range = ngram_range
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.engine = engine

    def fit(self, texts: Sequence[str]) -> PassageScorer:
        """Learn vocabularies and IDF weights; keep the word vectors and character tables."""
        chunks = [texts[lo:hi] for lo, hi in chunked(len(texts), _TEXT_CHUNK)]
        parts = (
            self.engine.map(_tokenize_chunk, chunks)
            if self.engine
            else map(_tokenize_chunk, chunks)
        )
        word_parts, space_parts = zip(*parts, strict=True) if chunks else ((), ())
        counts, labels = _word_counts(_merge_tokens(word_parts), self.ngram_range)
        df = np.bincount(counts.indices, minlength=len(labels))
        kept = np.flatnonzero(df >= self.min_df)
        if len(kept) == 0:
            raise ValueError("After pruning, no terms remain. Try a lower min_df.")
        if len(kept) < len(labels):
            new_col = np.full(len(labels), -1, dtype=np.int64)
            new_col[kept] = np.arange(len(kept))
            counts = _keep_columns(counts, new_col, len(kept))
            labels = np.argsort(np.argsort(labels[kept]))
        self.n_docs_ = len(texts)
        words = _tfidf(counts, _idf(df[kept], len(texts)))
        words.indices = labels[words.indices].astype(np.int32)
        words.has_sorted_indices = False
        self.words_ = words
        spaces = _merge_tokens(space_parts)
        self.chars_ = _Chars(spaces, self.min_df, self.engine) if self.char_ngrams else None
        self.n_features_ = self.words_.shape[1] + (self.chars_.n_cols if self.chars_ else 0)
        self._matrix: sp.csr_matrix | None = None
        return self

    def rows(self, which: np.ndarray) -> sp.csr_matrix:
        """Vectors of the passages ``which``: rows of ``matrix_``, built on demand.

        Built ``_ROW_CHUNK`` passages at a time, so temporaries stay small.
        """
        which = np.asarray(which, dtype=np.int64)
        tasks = [(self.words_, self.chars_, which[lo:hi]) for lo, hi in
                 chunked(len(which), _ROW_CHUNK)]  # fmt: skip
        parts = (self.engine.map(_rows_task, tasks) if self.engine is not None and len(tasks) > 1
                 else [_rows_task(t) for t in tasks])  # fmt: skip
        del tasks
        if len(parts) < 2:
            return parts[0] if parts else _rows_task((self.words_, self.chars_, which))
        offsets = np.cumsum([0] + [p.nnz for p in parts[:-1]])
        indptr = np.concatenate(
            [np.zeros(1, np.int64)]
            + [p.indptr[1:] + o for p, o in zip(parts, offsets, strict=True)]
        )
        data = np.concatenate([p.data for p in parts])
        indices = np.concatenate([p.indices for p in parts])
        del parts
        out = sp.csr_matrix((data, indices, indptr), shape=(len(which), self.n_features_))
        out.has_sorted_indices = False
        return out

    @property
    def matrix_(self) -> sp.csr_matrix:
        """The whole passage × feature matrix (built on first use; small batches only)."""
        if self._matrix is None:
            self._matrix = self.rows(np.arange(self.n_docs_))
        return self._matrix

    def cosine(self, pairs: Sequence[tuple[int, int]] | np.ndarray) -> np.ndarray:
        """Cosine similarity for each ``(i, j)`` pair of fitted passages.

        Pairs are taken in blocks that need at most ``_BLOCK_ROWS`` distinct
        passages, whose vectors are built together, so memory stays bounded
        however large the batch; the blocks' pairs run on the engine.
        """
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        out = np.empty(len(arr), dtype=np.float32)
        if len(arr) == 0:
            return out
        for lo, hi in self._blocks(arr):
            if self._matrix is not None:
                m, a, b = self._matrix, arr[lo:hi, 0], arr[lo:hi, 1]
            else:
                need, local = np.unique(arr[lo:hi], return_inverse=True)
                local = local.reshape(-1, 2)
                m, a, b = self.rows(need), local[:, 0], local[:, 1]
            out[lo:hi] = self._dots(m, a, b)
            del m
        return np.clip(out, 0.0, 1.0).astype(np.float32)

    def _blocks(self, arr: np.ndarray) -> list[tuple[int, int]]:
        """Ranges of pairs (whole ``_PAIR_CHUNK`` chunks) needing at most ``_BLOCK_ROWS`` rows."""
        chunks = chunked(len(arr), _PAIR_CHUNK)
        if self._matrix is not None or self.n_docs_ <= _BLOCK_ROWS or not chunks:
            return [(0, len(arr))]
        seen = np.zeros(self.n_docs_, dtype=bool)
        out, start, n_rows = [], 0, 0
        for lo, hi in chunks:
            new = np.unique(arr[lo:hi])
            new = new[~seen[new]]
            if n_rows and n_rows + len(new) > _BLOCK_ROWS:
                out.append((start, lo))
                seen[:] = False
                start, new = lo, np.unique(arr[lo:hi])
                n_rows = 0
            seen[new] = True
            n_rows += len(new)
        out.append((start, len(arr)))
        return out

    def _dots(self, m: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Dot products of row pairs, split over the engine at ``_PAIR_CHUNK`` boundaries."""
        parts = self.engine.workers if self.engine is not None else 1
        n_chunks = -(-len(a) // _PAIR_CHUNK)
        if parts < 2 or n_chunks < 2:
            return _chunk_dots((m, a, b))
        step = -(-n_chunks // (2 * parts)) * _PAIR_CHUNK  # two tasks a worker evens out load
        tasks = [(m, a[lo:hi], b[lo:hi]) for lo, hi in chunked(len(a), step)]
        assert self.engine is not None
        return np.concatenate(self.engine.map(_chunk_dots, tasks))

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
        n = self.n_docs_
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
        w = self.words_  # (``w > 0`` would sort its rows in place: see ``_word_counts``)
        binary = sp.csr_matrix((np.ones(w.nnz, dtype=np.int32), w.indices, w.indptr),
                               shape=w.shape).tocsc()  # fmt: skip
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
