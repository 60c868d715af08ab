"""TF-IDF cosine between passages: finds rewrites that share few exact words.

Two feature spaces are combined: word 1–2-grams and character 3–5-grams within
word boundaries. The character n-grams make "nordkoreanische Soldaten" and
"nordkoreanischen Soldaten" similar, which matters for German inflection.
Each space is L2-normalized and the two are averaged, so the cosine stays in
[0, 1]. The vectors are exactly scikit-learn's ``TfidfVectorizer`` ones
(``sublinear_tf``, smooth IDF, alphabetical feature order, at most 200,000
character n-grams by corpus frequency), and so are the cosines, bit for bit;
``tests/test_tfidf.py`` checks both.

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

Tokens are found in numpy, not with ``re``: the texts of a chunk are lowered
and encoded once, word characters (``re``'s ``\\w``: ``str.isalnum`` or
``_``) and whitespace (``str.isspace``, as ``str.split``) come from a table,
and every token run gets a 64-bit polynomial hash. Runs are grouped by that
hash and every grouping is checked against the characters (a collision falls
back to the whole hash, then to interning strings), so the vocabulary is
exact. Word n-grams are interned as integer keys (an n-gram is its
(n-1)-gram's id and one more token id); character n-grams of the distinct
words as code points packed into integers in alphabetical order. Word
vectors and character tables are two independent tasks on the engine.

The character matrix is what does not fit in memory (≈ 580 entries a passage,
~0.7 GB for 145k passages, ~7 GB at 100,000 articles), but it factorizes:
``char_wb`` n-grams never cross a word, so a passage's n-gram counts are its
word counts times a word × n-gram table. Only those two tables are kept;
document frequencies are summed over chunks of passages (in parallel on an
``engine``), and character rows are rebuilt with one sparse product when a
block of pairs needs them. The word 1–2-gram rows are small (≈ 70 entries a
passage) and kept.

Bit for bit also means summing in scikit-learn's and scipy's order: a row's
entries are in first-seen feature order (labelled alphabetically), and the
old whole-matrix cosine (``m[a].multiply(m[b]).sum(axis=1)``) summed the
products of a pair in the *reverse* of the first row's order (scipy's
unsorted-rows path). The cosine rows here are stored reversed, with columns
renamed so that this order is ascending: scipy then takes its fast merging
path and produces the same products in the same order, hence the same sums.
Only a chunk of ``_PAIR_CHUNK`` pairs whose rows were *all* sorted in the old
labels took scipy's merge there too, in forward order; such a chunk (tiny
texts only) is detected and summed forward.

Candidate pairs come from two sources (see ``PassageScorer.candidates``):

* exhaustive nearest neighbours when the batch is small (at most
  ``exhaustive_max`` passages): every passage against every other;
* shared rare terms otherwise: passages that share at least ``min_shared``
  terms whose document frequency is at most ``max_df`` — cheap blocking that
  still finds paraphrases, since rewrites keep names and figures. TF-IDF then
  only verifies and scores (it does not scale as a candidate generator).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee
from sklearn.preprocessing import normalize

from lineage.engine import Engine, chunked
from lineage.minhash import hash_powers
from lineage.models import Passage
from lineage.segment import PassageTexts, text_ids

_SCALE = np.float32(np.sqrt(0.5))  # averages the two L2-normalized spaces
_CHAR_RANGE = (3, 5)
_CHAR_MAX_FEATURES = 200_000
_DF_CHUNK = 20_000  # passages per rare-term candidate chunk
_GRAM_DF_ROWS = 5000  # passages whose character n-gram counts one chunk builds (~25 MB)
_GRAM_DF_TASKS = 4  # character df tasks per worker (each returns one array of all n-grams)
_TEXT_CHUNK = 8_000  # texts per tokenizing chunk (sets the cached hash powers: ~32 MB;
# twice as many passages tokenized as windows of their documents: about the same text)
_PAIR_CHUNK = 8192  # pairs per scipy product (the old whole-matrix computation's chunks)
_FREE_PAIRS = 2048  # pairs per product where no chunk can be summed forward (smaller copies)
_SLICE = _TEXT_CHUNK * 128  # elements per slice of a whole-length array (bounded temporaries)
_COUNT_ROWS = 4096  # texts whose token counts are sorted at once (bounded temporaries)
_ROW_CHUNK = 50_000  # passages whose character rows are built in one step (a whole block)
_SORT_ROWS = 2048  # rows whose character counts are sorted and weighted at once (~8 MB)
_BLOCK_ROWS = 12_500  # distinct passages whose vectors one cosine task builds (~60 MB)
_SEP = " "  # joins a chunk's texts: whitespace, not a word character, not cased
_HASH_LEN = np.uint64(0xD6E8FEB86659FD93)


_WORD, _SPACE = np.uint8(1), np.uint8(2)


@functools.cache
def _char_table() -> np.ndarray:
    """Class of every BMP code point: ``_WORD`` (``re``'s ``\\w``) or ``_SPACE`` (``str.split``'s).

    ``re``'s ``\\w`` is ``str.isalnum`` or ``_``; ``str.split`` splits on
    ``str.isspace``. Built once; ``fit`` builds it before forking workers.
    """
    plane = "".join(map(chr, range(0x10000)))
    word = np.fromiter(map(str.isalnum, plane), dtype=bool, count=0x10000)
    word[ord("_")] = True
    space = np.fromiter(map(str.isspace, plane), dtype=bool, count=0x10000)
    return word.astype(np.uint8) * _WORD | space.astype(np.uint8) * _SPACE


def _char_classes(cp: np.ndarray) -> np.ndarray:
    """Classes of code points (beyond the BMP: ``isalnum``, never whitespace)."""
    cls = _char_table()[np.minimum(cp, 0xFFFF)]
    big = np.flatnonzero(cp > 0xFFFF)
    if len(big):  # rare: emoji, historic scripts
        uniq, inv = np.unique(cp[big], return_inverse=True)
        ok = np.fromiter((chr(c).isalnum() for c in uniq.tolist()), dtype=bool, count=len(uniq))
        cls[big] = ok[inv.ravel()].astype(np.uint8) * _WORD
    return cls


def _first_seen(
    cols: list[np.ndarray], bound: int | None = None, *, consume: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys (rows of ``cols``, most significant first), numbered in first-seen order.

    Returns the number of every key (int32 below 2**31 keys), the position of
    each distinct key's first occurrence (ascending) and each distinct key's
    rank in sorted order. With one column of 64-bit keys in ``[0, bound)``, key
    and position are packed into one integer and sorted (several times faster
    than an argsort); ``consume`` packs them in the caller's array (its keys
    are lost), which saves a copy of the largest array, and takes it out of
    ``cols`` so that it is freed once sorted if the caller holds it no more
    (``_first_seen([keys], ...)`` after ``del keys``). Beside the sort, only
    the sorted order (one int32 per key), one flag per key and the result are
    held: the numbers are given out per slice of the sorted keys.
    """
    n = len(cols[0])
    count_type = np.int32 if n < 2**31 else np.int64
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty.astype(count_type), empty, empty
    pos_bits = max(1, int(n - 1).bit_length())
    if len(cols) == 1 and bound is not None and int(bound - 1).bit_length() + pos_bits <= 63:
        key = cols.pop() if consume else cols[0]
        if consume and key.dtype in (np.int64, np.uint64):
            packed = key.view(np.int64)
            packed <<= pos_bits
        else:
            packed = key.astype(np.int64) << pos_bits
        del key
        for lo, hi in chunked(n, _SLICE):  # no whole-length temporary
            packed[lo:hi] |= np.arange(lo, hi, dtype=np.int64)
        packed.sort()
        order = np.empty(n, dtype=count_type)
        np.bitwise_and(packed, (1 << pos_bits) - 1, out=order, casting="unsafe")
        packed >>= pos_bits
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(packed[1:], packed[:-1], out=new[1:])
        del packed  # the largest temporary goes before the ids are built
        starts = np.flatnonzero(new)
        first = order[starts]  # a key's occurrences are sorted by position
    else:
        order = np.argsort(cols[0]) if len(cols) == 1 else np.lexsort(cols[::-1])
        new = np.zeros(n, dtype=bool)
        new[0] = True
        for c in cols:
            s = c[order]
            new[1:] |= s[1:] != s[:-1]
        starts = np.flatnonzero(new)
        first = np.minimum.reduceat(order, starts)
    del starts
    by_first = np.argsort(first)  # first occurrences are distinct: sorted keys by first-seen
    number = np.empty(len(first), dtype=count_type)  # first-seen number of each sorted key
    number[by_first] = np.arange(len(first), dtype=count_type)
    ids = np.empty(n, dtype=count_type)
    seen = 0
    for lo, hi in chunked(n, _SLICE):  # sorted position -> its key's rank -> number
        rank = np.cumsum(new[lo:hi], dtype=np.int64)
        rank += seen - 1
        seen = int(rank[-1]) + 1
        ids[order[lo:hi]] = number[rank]
    return ids, first[by_first].astype(np.int64), by_first


def _intern(items: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct items in first-seen order and the id of every item."""
    ids = dict.fromkeys(items, 0)
    for k, key in enumerate(ids):
        ids[key] = k
    return list(ids), np.fromiter(map(ids.__getitem__, items), dtype=np.int64, count=len(items))


def _run_hashes(prefix: np.ndarray, inv: np.ndarray, starts: np.ndarray,
                ends: np.ndarray) -> np.ndarray:  # fmt: skip
    """Polynomial hash (mod 2**64) of every run of code points, wherever it stands."""
    return (prefix[ends] - prefix[starts]) * inv[starts] + (ends - starts).astype(
        np.uint64) * _HASH_LEN  # fmt: skip


def _mix(h: np.ndarray) -> np.ndarray:
    """SplitMix64-style finish: the top bits depend on every character (kept after a cut)."""
    h = (h ^ (h >> np.uint64(31))) * np.uint64(0xBF58476D1CE4E5B9)
    return h ^ (h >> np.uint64(29))


def _same_runs(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray, ids: np.ndarray,
               first: np.ndarray) -> bool:  # fmt: skip
    """Whether every run has the same code points as the first run with its id.

    Every character of a run is compared with the one at its place in its
    id's first run: their distance, set at each run's start and taken back at
    its end, is summed along the text (runs never touch), so one gather
    compares the whole text.
    """
    rep = first[ids]
    lens = ends - starts
    if not np.array_equal(lens, lens[rep]):
        return False
    shift = np.zeros(len(cp) + 1, dtype=np.int64)
    delta = starts[rep] - starts
    shift[starts] = delta
    shift[ends] = -delta
    del delta
    np.cumsum(shift, out=shift)
    at = shift[:-1]
    at += np.arange(len(cp), dtype=np.int64)
    return np.array_equal(cp[at], cp)


_Tokens = tuple[list[str], np.ndarray, np.ndarray]  # distinct, id of each, count per text


class _Runs(NamedTuple):
    """Token runs of a lowered text: each one's id (first-seen order), start and end,
    and the first run of every id."""

    ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    first: np.ndarray

    def strings(self, low: str, which: np.ndarray | None = None) -> list[str]:
        """Tokens ``which`` (ids; every one by default) as strings, cut from their first runs."""
        at = self.first if which is None else self.first[which]
        return [low[s:e] for s, e in zip(self.starts[at].tolist(), self.ends[at].tolist(),
                                         strict=True)]  # fmt: skip


def _runs(low: str, cp: np.ndarray, mask: np.ndarray, prefix: np.ndarray,
          inv: np.ndarray) -> _Runs:  # fmt: skip
    """Maximal runs of ``mask`` characters as tokens, interned in first-seen order.

    Runs are grouped by their hash cut to the bits left beside a position in
    one packed sort, then by the whole hash, then by their strings: each
    grouping is checked against the characters before it is used. Strings
    are cut only for the tokens a caller keeps (``_Runs.strings``).
    """
    edges = np.diff(mask.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    hashes = _run_hashes(prefix, inv, starts, ends)
    bits = 63 - max(1, int(len(starts) - 1).bit_length())
    ids, first, _ = _first_seen([_mix(hashes) >> np.uint64(64 - bits)], bound=1 << bits,
                                consume=True)  # fmt: skip
    same = _same_runs(cp, starts, ends, ids, first)
    if not same:
        ids, first, _ = _first_seen([hashes])
        same = _same_runs(cp, starts, ends, ids, first)
    if not same:  # a hash collision: intern the strings themselves
        ids = _intern([low[s:e] for s, e in zip(starts.tolist(), ends.tolist(),
                                                strict=True)])[1]  # fmt: skip
        first = _first_positions(ids)
    return _Runs(ids, starts, ends, first)


class _Lowered:
    """Texts joined by ``_SEP`` and lowered as one string, with their code points and classes.

    Lowering is per character except for the Greek final sigma, whose context
    the joining space ends as a text's end does.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        joined = _SEP.join(texts)
        self.low = joined.lower()
        self.expanded = len(self.low) != len(joined)  # a character that lowers to two (İ)
        if not self.expanded:
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        else:
            lengths = np.fromiter((len(t.lower()) for t in texts), np.int64, len(texts))
        del joined
        self.cp = np.frombuffer(self.low.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.bounds = np.concatenate([[0], np.cumsum(lengths + 1)])  # every text's start, end
        self.cls = _char_classes(self.cp)

    def tokens(self) -> tuple[_Runs, _Runs]:
        """Word runs (``\\w+``) and whitespace-free runs."""
        cp = self.cp
        powers, inv = hash_powers(len(cp) + 1)
        prefix = np.zeros(len(cp) + 1, dtype=np.uint64)
        np.cumsum(cp * powers[: len(cp)], out=prefix[1:])
        return (_runs(self.low, cp, (self.cls & _WORD) > 0, prefix, inv),
                _runs(self.low, cp, (self.cls & _SPACE) == 0, prefix, inv))  # fmt: skip


def _tokenize_chunk(texts: Sequence[str]) -> tuple[_Tokens, _Tokens]:
    """Word tokens (``\\w+``) and whitespace-separated tokens of lower-cased texts."""
    low = _Lowered(texts)
    words, spaces = low.tokens()
    return ((words.strings(low.low), words.ids, np.diff(np.searchsorted(words.starts, low.bounds))),
            (spaces.strings(low.low), spaces.ids,
             np.diff(np.searchsorted(spaces.starts, low.bounds))))  # fmt: skip


def _cut_tokens(cls: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Whether each position ``at`` of a joined text falls inside a whitespace-free run.

    Lowering keeps every character's whitespace class (a space lowers to
    itself, anything else to no whitespace), so a cut found in the lowered
    text is a cut of the original one. Both ends count as whitespace.
    """
    solid = np.concatenate([[False], (cls & _SPACE) == 0, [False]])
    return solid[at] & solid[at + 1]  # the characters before and at ``at``


def _window_tokens(low: str, runs: _Runs, at: np.ndarray) -> _Tokens:
    """Tokens of windows ``[at[k, 0], at[k, 1])`` of a joined text, renumbered in first-seen order.

    A window's tokens are the runs starting inside it (no run crosses its
    bounds); runs no window holds are dropped. Equal to tokenizing each
    window's text apart (``_tokenize_chunk``), windows in order.
    """
    lo, hi = np.searchsorted(runs.starts, at[:, 0]), np.searchsorted(runs.starts, at[:, 1])
    counts = hi - lo
    total = int(counts.sum())
    pos = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    pos += np.arange(total, dtype=np.int64)
    seq = runs.ids[pos]
    del pos
    n_ids = len(runs.first)
    first = np.full(n_ids, total, dtype=np.int64)
    np.minimum.at(first, seq, np.arange(total, dtype=np.int64))
    used = np.flatnonzero(first < total)
    order = used[np.argsort(first[used])]  # tokens in first-seen order over the windows
    number = np.empty(n_ids, dtype=np.int32)
    number[order] = np.arange(len(order), dtype=np.int32)
    return runs.strings(low, order), number[seq], counts.astype(np.int64)


class _Merged:
    """Per-chunk vocabularies merged in first-seen order (the order of one pass), as they come.

    Each chunk's ids are renamed to the merged numbering (int32) when the chunk
    is added, so its strings and int64 ids are dropped then: holding every
    chunk's tokens until all were in cost ~1.3 GB at 100,000 articles.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.parts: list[np.ndarray] = []
        self.lengths: list[np.ndarray] = []

    def add(self, part: _Tokens) -> None:
        distinct, local, lengths = part
        ids = self.ids
        known = len(ids)
        # one pass in C: a new token gets a provisional number (its position + ``known``),
        # made dense below; a chunk's distinct tokens are distinct, so new ones ascend
        renamed = np.fromiter(map(ids.setdefault, distinct, itertools.count(known)), np.int64,
                              len(distinct))  # fmt: skip
        new = renamed >= known
        n_new = int(np.count_nonzero(new))
        if n_new:
            renamed[new] = np.arange(known, known + n_new)
            fresh = itertools.compress(distinct, new.tolist())
            ids.update(zip(fresh, range(known, known + n_new), strict=True))
        self.parts.append(renamed.astype(np.int32)[local])
        self.lengths.append(lengths)

    def tokens(self) -> _Tokens:
        """Distinct tokens, the id of each token, tokens per text (the parts are dropped)."""
        out = (list(self.ids), np.concatenate(self.parts) if self.parts else np.zeros(0, np.int32),
               np.concatenate(self.lengths) if self.lengths else np.zeros(0, np.int64))  # fmt: skip
        self.ids, self.parts, self.lengths = {}, [], []
        return out


def _text_numbers(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct-text number of every text (first-seen order) and each one's first position.

    ``segment.text_ids`` numbers them without keeping any text alive (``texts``
    may build its strings on access).
    """
    ids = text_ids(texts).astype(np.int32)
    return ids, np.flatnonzero(np.diff(np.maximum.accumulate(ids), prepend=-1) > 0)


def _distinct(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_text_numbers``, and each distinct text's length."""
    ids, heads = _text_numbers(texts)
    sizes = np.fromiter((len(texts[i]) for i in heads.tolist()), np.int64, len(heads))
    return ids, heads, sizes


def _longest_windows(passages: Sequence[Passage], heads: np.ndarray,
                     spans: list[tuple[int, int]]) -> int:  # fmt: skip
    """The longest text a span of passages ``heads`` is tokenized in (``_Span.windows``), at most.

    A document's stretches are no longer than what each passage adds to the
    one before it (its characters outside it), plus two characters and a
    separator a passage; a passage that keeps its own text adds it whole.
    The hash powers are made for it before workers fork; a span with a cut
    token (tokenized again, the passage alone) may need more, made in its worker.
    """
    picked = list(map(passages.__getitem__, heads.tolist()))
    n = len(picked)
    doc = np.fromiter(map(id, map(attrgetter("clean"), picked)), np.uint64, n)
    start = np.fromiter(map(attrgetter("cstart"), picked), np.int64, n)
    end = np.fromiter(map(attrgetter("cend"), picked), np.int64, n)
    own = np.flatnonzero(doc == id(None))
    del picked
    size = end - start
    size[own] = np.fromiter((len(passages[i].text) for i in heads[own].tolist()), np.int64,
                            len(own))  # fmt: skip
    added = size.copy()
    same = np.flatnonzero((doc[1:] == doc[:-1]) & (doc[1:] != id(None))) + 1
    added[same] -= np.clip(np.minimum(end[same], end[same - 1])
                           - np.maximum(start[same], start[same - 1]), 0, None)  # fmt: skip
    return max((int(added[lo + 1 : hi].sum()) + int(size[lo]) + 3 * (hi - lo) for lo, hi in spans),
               default=0)  # fmt: skip


class _Span:
    """Distinct texts ``lo:hi`` of a fit, read from the caller's sequence only when tokenized.

    With the ``passages`` whose texts the sequence holds, a passage that is a
    slice of its document's text is tokenized as a window of that text
    (``windows``): windows of two sentences stepping by one cover the text
    twice, and each part of it is tokenized once. A forked worker inherits the
    sequence; pickled (Dask), a span is just its texts, or its passages (each
    document's text once).
    """

    def __init__(self, texts: Sequence[str], heads: np.ndarray, lo: int, hi: int,
                 passages: Sequence[Passage] | None = None) -> None:  # fmt: skip
        self.source, self.heads, self.lo, self.hi = texts, heads, lo, hi
        self.passages = passages

    def texts(self) -> list[str]:
        return [self.source[i] for i in self.heads[self.lo : self.hi].tolist()]

    def __reduce__(self) -> tuple[Any, ...]:
        n = self.hi - self.lo
        if self.passages is None:
            return _Span, (self.texts(), np.arange(n), 0, n)
        mine = [self.passages[i] for i in self.heads[self.lo : self.hi].tolist()]
        return _Span, (PassageTexts(mine), np.arange(n), 0, n, mine)

    def windows(self, alone: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Texts to tokenize, and each passage's ``(text, start, end)`` in them.

        Every maximal stretch of a document that its passages here cover
        (overlapping or touching) is one text, with one character more on each
        side: a window's bounds then have the characters around them, so a
        bound that cuts a token is seen (``_cut_tokens``). Passages ``alone``,
        and passages that keep their own text, are texts of their own.
        """
        heads = self.heads[self.lo : self.hi].tolist()
        assert self.passages is not None
        picked = list(map(self.passages.__getitem__, heads))
        n = len(picked)
        cleans = [p.clean for p in picked]
        start = np.fromiter((p.cstart for p in picked), np.int64, n)
        end = np.fromiter((p.cend for p in picked), np.int64, n)
        alone = alone | np.fromiter((c is None for c in cleans), bool, n)
        own = np.flatnonzero(alone)
        units = [self.source[heads[k]] for k in own.tolist()]
        where = np.zeros((n, 3), dtype=np.int64)
        where[own, 0] = np.arange(len(own))
        where[own, 2] = np.fromiter(map(len, units), np.int64, len(units))
        shared = np.flatnonzero(~alone)
        if len(shared) == 0:
            return units, where
        # passages of one document text (the same object) by start; a stretch ends where the
        # next passage starts after every one before it has ended
        doc = np.unique(np.fromiter((id(cleans[k]) for k in shared.tolist()), np.uint64,
                                    len(shared)), return_inverse=True)[1].ravel()  # fmt: skip
        order = np.lexsort((start[shared], doc))
        k, doc = shared[order], doc[order]
        s, e = start[k], end[k]
        reach = np.maximum.accumulate(e + doc * (int(e.max()) + 1))  # resets per document
        reach -= doc * (int(e.max()) + 1)
        new = np.ones(len(k), dtype=bool)
        new[1:] = (doc[1:] != doc[:-1]) | (s[1:] > reach[:-1])
        heads_at = np.flatnonzero(new)
        lo = np.maximum(s[heads_at] - 1, 0)
        hi = np.maximum.reduceat(e, heads_at) + 1
        stretch = np.cumsum(new) - 1
        where[k, 0] = len(units) + stretch
        where[k, 1] = s - lo[stretch]
        where[k, 2] = e - lo[stretch]
        units.extend(cleans[j][a:b] for j, a, b in zip(k[heads_at].tolist(), lo.tolist(),
                                                          hi.tolist(), strict=True))  # fmt: skip
        return units, where


def _window_bounds(low: _Lowered, units: list[str], where: np.ndarray) -> np.ndarray:
    """Each window's ``[start, end)`` in the lowered joined text of ``units``."""
    at = where[:, 1:].copy()
    if low.expanded:  # a character lowers to two: offsets in those texts move
        lengths = np.diff(low.bounds) - 1
        for u in np.flatnonzero(lengths != np.fromiter(map(len, units), np.int64)).tolist():
            rows = np.flatnonzero(where[:, 0] == u)
            grown = np.cumsum([0, *(len(c.lower()) for c in units[u])])
            at[rows] = grown[at[rows]]
    at += low.bounds[where[:, 0], None]
    return at


def _tokenize_span(span: _Span) -> tuple[_Tokens, _Tokens]:
    """``_tokenize_chunk`` of a span's texts (through windows of document texts when it can).

    A passage whose bound cuts a token (no whitespace on either side) has a
    partial token the document text does not: it is tokenized alone, and the
    span's texts again (rare: sentences end before whitespace).
    """
    if span.passages is None:
        return _tokenize_chunk(span.texts())
    alone = np.zeros(span.hi - span.lo, dtype=bool)
    while True:
        units, where = span.windows(alone)
        low = _Lowered(units)
        at = _window_bounds(low, units, where)
        cut = _cut_tokens(low.cls, at).any(axis=1)
        if not cut.any():
            break
        alone |= cut
    del units, where
    words, spaces = low.tokens()
    return _window_tokens(low.low, words, at), _window_tokens(low.low, spaces, at)


def _merge_tokens(parts: Sequence[_Tokens]) -> _Tokens:
    """Per-chunk vocabularies merged in first-seen order (the order of one pass)."""
    merged = _Merged()
    for part in parts:
        merged.add(part)
    return merged.tokens()


def _counts_of_keys(key: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """int32 count matrix of entries given as ``row * shape[1] + col`` keys (sorted in place).

    Each row comes out sorted by column (one numpy sort).
    """
    key.sort()
    new = np.empty(len(key), dtype=bool)
    new[:1] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    data = np.empty(len(starts), dtype=np.int32)
    np.subtract(starts[1:], starts[:-1], out=data[:-1], casting="unsafe")
    data[-1:] = len(key) - starts[-1:]
    del starts
    key = key[new]  # the caller's array is dropped here when it passed a temporary
    del new
    indptr = np.searchsorted(key, np.arange(shape[0] + 1, dtype=np.int64) * shape[1])
    key %= shape[1]
    return sp.csr_matrix((data, key.astype(np.int32), indptr), shape=shape)


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
        (
            counts.data.astype(np.float32, copy=False),  # float32 counts: in place
            counts.indices.astype(np.int32, copy=False),
            counts.indptr,
        ),
        shape=counts.shape,
    )
    np.log(x.data, x.data)
    x.data += 1.0
    for lo, hi in chunked(x.nnz, _SLICE):  # no whole-length gather
        x.data[lo:hi] *= idf[x.indices[lo:hi]]
    return normalize(x, norm="l2", copy=False)


def _keep_columns(m: Any, new_col: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """``m`` with column ``c`` renamed ``new_col[c]`` (``-1`` drops it), entries in their order.

    ``new_col`` is one-to-one on the kept columns, so no entries merge: the
    kept ones are selected in place (a COO round trip and its sort held ~50
    bytes an entry; the character n-gram table is the largest table of ``fit``).
    """
    cols = new_col.astype(np.int32, copy=False)[m.indices]
    keep = cols >= 0
    kept_before = np.zeros(m.nnz + 1, dtype=np.int64 if m.nnz >= 2**31 else np.int32)
    np.cumsum(keep, out=kept_before[1:])
    indptr = kept_before[m.indptr]
    del kept_before
    return sp.csr_matrix((m.data[keep], cols[keep], indptr), shape=(m.shape[0], n_cols))


def _sort_rows(m: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sorts every row of an int count matrix by column, in place; its indices and values.

    Per block of ``_SORT_ROWS`` rows, one numpy sort of (row, column, count)
    packed into int64 keys, written back over the block: the temporaries are a
    block's (~8 MB), where keys for a whole 25,000-row chunk held twice its
    counts. scipy's per-row sort is the fallback when they do not fit.
    """
    n_cols = m.shape[1]
    if n_cols < 2**22 and (m.nnz == 0 or int(m.data.max()) < 2**20):
        indptr, indices, data = m.indptr, m.indices, m.data
        for lo, hi in chunked(m.shape[0], _SORT_ROWS):
            at, to = indptr[lo], indptr[hi]
            key = np.repeat(np.arange(hi - lo, dtype=np.int64) << 42, np.diff(indptr[lo : hi + 1]))
            part = indices[at:to].astype(np.int64)
            part <<= 20
            key |= part
            np.copyto(part, data[at:to])
            key |= part
            del part
            key.sort()
            np.bitwise_and(key, 2**20 - 1, out=data[at:to], casting="unsafe")
            key >>= 20
            np.bitwise_and(key, 2**22 - 1, out=indices[at:to], casting="unsafe")
        m.has_sorted_indices = True
        return indices, data
    m.sort_indices()  # pragma: no cover - huge counts
    return m.indices, m.data  # pragma: no cover


def _sublinear_tf(counts: np.ndarray) -> np.ndarray:
    """``1 + log(count)`` in float32, as ``_tfidf`` computes it, through a table of counts."""
    table = np.arange(1, int(counts.max(initial=1)) + 1, dtype=np.float32)
    np.log(table, out=table)
    table += 1.0
    return table[counts - 1]


def _reverse_rows(m: Any, n_cols: int) -> sp.csr_matrix:
    """``m`` with every row's entries in reverse order and column ``c`` renamed ``n_cols-1-c``."""
    lengths = np.diff(m.indptr)
    src = np.repeat(m.indptr[:-1] + m.indptr[1:] - 1, lengths) - np.arange(m.nnz)
    return sp.csr_matrix((m.data[src], (n_cols - 1 - m.indices[src]).astype(np.int32),
                          m.indptr), shape=(m.shape[0], n_cols))  # fmt: skip


def _word_counts(toks: _Tokens, ngram_range: tuple[int, int]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Word n-gram counts: columns numbered in first-seen order, and each one's label.

    scikit-learn numbers features in the order it meets them (per document:
    unigrams, then bigrams), sorts each row by that number, and only then
    relabels columns alphabetically without re-sorting rows. Rows keep that
    order here too, because sums over a row (its norm, dot products) depend
    on it in the last bit. An n-gram is interned as an integer: its first
    (n-1) tokens' n-gram id times the vocabulary size plus its last token.
    Since tokens are ``\\w+`` (every character sorts after the joining
    space), the alphabetical order of ``"a b"`` strings is the order of
    token-rank tuples, a shorter tuple first, so no n-gram string is built.

    Memory: one id per token position and n (``-1``: no n-gram starts there)
    and the counts are what is held; every whole-length temporary is built
    in place or in slices (at 100,000 articles the old arrays, positions and
    rows of every occurrence, were ~2 GB at this function's peak).
    """
    tokens, tok_ids, lengths = toks
    n_docs, n_tok, vocab = len(lengths), len(tok_ids), len(tokens)
    min_n, max_n = ngram_range
    # positions, n-gram ids, feature numbers: int32 where they fit (half the memory)
    idx = np.int32 if n_tok * max(1, max_n - min_n + 1) < 2**31 else np.int64
    tok_at = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(lengths, out=tok_at[1:])
    ids = tok_ids  # id of the (n-1)-gram starting at each position (-1: none)
    grams: list[np.ndarray] = []  # per n in range: id of the n-gram at each position, or -1
    firsts: list[np.ndarray] = []  # per n in range: start of every n-gram's first occurrence
    n_prev = vocab  # distinct (n-1)-grams
    for n in range(1, max_n + 1):
        if n == 1:  # token ids are numbered in first-seen order already
            gram, first = tok_ids, _first_positions(tok_ids)
        else:
            start = _gram_starts(ids, tok_at, n, idx)
            keys = ids[start].astype(np.int64)
            keys *= vocab
            keys += tok_ids[start + (n - 1)]
            cols = [keys]
            del keys  # ``_first_seen`` frees it once sorted
            local, first, _ = _first_seen(cols, bound=n_prev * vocab, consume=True)
            del _
            first = start[first]
            gram = np.full(n_tok, -1, dtype=idx)
            gram[start] = local
            del start, local
        n_prev = len(first)
        if n >= min_n:
            grams.append(gram)
            firsts.append(first)
        ids = gram
    del ids, gram
    n_feat = sum(len(f) for f in firsts)
    if n_feat == 0:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    offsets = np.cumsum([0] + [len(f) for f in firsts]).tolist()
    # scikit-learn's scan order: document, then n, then position in the document
    width = int(lengths.max(initial=0)) + 1
    scan = np.empty(n_feat, dtype=np.int64)
    for k, first in enumerate(firsts):
        row = np.searchsorted(tok_at, first, side="right") - 1
        key = scan[offsets[k] : offsets[k + 1]]
        np.multiply(row, max_n - min_n + 1, out=key)
        key += k
        key *= width
        key += first
        key -= tok_at[row]
        del row, key
    number = _ranks(scan, n_docs * (max_n - min_n + 1) * width, idx)  # column of each n-gram
    del scan
    # alphabetical labels: token-rank tuples, padded with 0 (a shorter tuple sorts first)
    rank = np.empty(vocab, dtype=np.int64)
    rank[sorted(range(vocab), key=tokens.__getitem__)] = np.arange(1, vocab + 1)
    alpha: np.ndarray
    if (vocab + 1) ** max_n < 2**63:  # one integer per tuple, same order
        packed = np.zeros(n_feat, dtype=np.int64)
        for k, first in enumerate(firsts):
            key = packed[offsets[k] : offsets[k + 1]]
            for j in range(max_n):
                key *= vocab + 1
                if j < min_n + k:
                    key += rank[tok_ids[first + j]]
            del key
        alpha = _ranks(packed, (vocab + 1) ** max_n, idx)
        del packed
    else:  # pragma: no cover - long n-grams over a huge vocabulary
        cols = []
        for j in range(max_n):
            col = np.zeros(n_feat, dtype=np.int64)
            for k, first in enumerate(firsts):
                if j < min_n + k:
                    col[offsets[k] : offsets[k + 1]] = rank[tok_ids[first + j]]
            cols.append(col)
        alpha = np.empty(n_feat, dtype=idx)
        alpha[np.lexsort(cols[::-1])] = np.arange(n_feat, dtype=idx)
        del cols
    del rank, firsts
    labels = np.empty(n_feat, dtype=idx)
    labels[number] = alpha  # by column
    del alpha
    counts = _gram_counts(grams, offsets, number, lengths, n_feat)
    return counts, labels


def _first_positions(ids: np.ndarray) -> np.ndarray:
    """Position of each id's first occurrence, for ids numbered in first-seen order.

    Where the running maximum grows; computed per slice (no whole-length temporary).
    """
    out: list[np.ndarray] = []
    top = -1
    for lo, hi in chunked(len(ids), _SLICE):
        run = np.maximum.accumulate(ids[lo:hi])
        np.maximum(run, top, out=run)
        grows = np.empty(len(run), dtype=bool)
        grows[0] = run[0] > top
        np.greater(run[1:], run[:-1], out=grows[1:])
        out.append(np.flatnonzero(grows) + lo)
        top = int(run[-1])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _gram_starts(ids: np.ndarray, tok_at: np.ndarray, n: int, idx: type) -> np.ndarray:
    """Positions (``idx``) where an n-gram starts: its (n-1)-gram does and its end is in the text.

    The (n-1)-gram at ``p`` lies in one text, so the n-gram does unless
    ``p + n - 2`` is its text's last token.
    """
    m = max(0, len(ids) - n + 1)
    ok = ids[:m] >= 0
    cut = tok_at[1:] - (n - 1)  # p + n - 2 == a text's last token
    ok[cut[(cut >= 0) & (cut < m)]] = False
    out: np.ndarray = np.empty(int(np.count_nonzero(ok)), dtype=idx)
    at = 0
    for lo, hi in chunked(m, _SLICE):
        found = np.flatnonzero(ok[lo:hi])
        out[at : at + len(found)] = found + lo
        at += len(found)
    return out


def _ranks(keys: np.ndarray, bound: int, dtype: type) -> np.ndarray:
    """Position of each of the distinct ``keys`` (in ``[0, bound)``) in sorted order.

    Key and index are packed into one integer and sorted in ``keys``'s place
    (consumed) when they fit in 63 bits; an argsort otherwise.
    """
    n = len(keys)
    out: np.ndarray = np.empty(n, dtype=dtype)
    bits = max(1, int(n - 1).bit_length())
    if int(bound - 1).bit_length() + bits > 63:  # pragma: no cover - huge batches
        out[np.argsort(keys)] = np.arange(n, dtype=dtype)
        return out
    keys <<= bits
    for lo, hi in chunked(n, _SLICE):
        keys[lo:hi] |= np.arange(lo, hi, dtype=np.int64)
    keys.sort()
    for lo, hi in chunked(n, _SLICE):
        out[keys[lo:hi] & ((1 << bits) - 1)] = np.arange(lo, hi, dtype=dtype)
    return out


def _gram_counts(grams: list[np.ndarray], offsets: list[int], number: np.ndarray | None,
                 lengths: np.ndarray, n_feat: int) -> sp.csr_matrix:  # fmt: skip
    """Count matrix (rows: texts) of every n-gram occurrence, built per block of rows.

    ``grams`` holds per n the id of the n-gram starting at each token position
    (``-1``: none); ``number[id + offsets[n]]`` is its column (``None``: the
    id). A block's occurrences are slices of ``grams``, and its rows are made
    per block too: one int64 key per occurrence of the whole batch (and its
    sort temporaries) was the largest transient of ``fit`` (~2 GB at 100,000
    articles).
    """
    tok_at = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=tok_at[1:])
    # at most one entry per occurrence; pages past the entries are never touched
    # (not resident) and are given back by the shrinking ``resize``
    total = sum(len(g) - _n_negative(g) for g in grams)
    data, indices = np.empty(total, dtype=np.int32), np.empty(total, dtype=np.int32)
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    nnz = 0
    for lo, hi in chunked(len(lengths), _COUNT_ROWS):
        a, b = int(tok_at[lo]), int(tok_at[hi])
        rows = np.repeat(np.arange(hi - lo, dtype=np.int64), lengths[lo:hi])
        keys = []
        for gram, o in zip(grams, offsets, strict=False):
            ids, at = gram[a:b], rows
            if ids.min(initial=0) < 0:
                keep = ids >= 0
                ids, at = ids[keep], at[keep]
            key = at * n_feat
            key += ids if number is None else number[ids + o] if o else number[ids]
            keys.append(key)
        part = _counts_of_keys(np.concatenate(keys), (hi - lo, n_feat))
        del keys
        data[nnz : nnz + part.nnz] = part.data
        indices[nnz : nnz + part.nnz] = part.indices
        indptr[lo + 1 : hi + 1] = part.indptr[1:] + nnz
        nnz += part.nnz
    data.resize(nnz, refcheck=False)
    indices.resize(nnz, refcheck=False)
    return sp.csr_matrix((data, indices, indptr), shape=(len(lengths), n_feat))


def _n_negative(a: np.ndarray) -> int:
    """How many entries of ``a`` are negative (counted per slice)."""
    return sum(int(np.count_nonzero(a[lo:hi] < 0)) for lo, hi in chunked(len(a), _SLICE))


def _gram_table(words: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """scikit-learn's ``char_wb`` n-gram counts of every word, and each n-gram's alphabetical rank.

    N-grams are numbered in first-seen order over the words in order (per
    word: all 3-grams, all 4-grams, all 5-grams, as scikit-learn scans).
    A padded word no longer than n is one n-gram and has no longer ones, so
    a word of padded length ``s`` has ``max(0, s - n + 1)`` n-grams of size n.
    Each n-gram is its code points' ranks in the alphabet of the batch packed
    into integers, zero-padded: integer order is then alphabetical order.
    """
    min_n, max_n = _CHAR_RANGE
    sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
    cp = np.frombuffer((" " + "  ".join(words) + " ").encode("utf-32-le", "surrogatepass"),
                       dtype=np.uint32)  # fmt: skip
    word_at = np.cumsum(sizes) - sizes
    ns = np.arange(min_n, max_n + 1)
    per = np.maximum(0, sizes[:, None] - ns[None, :] + 1).ravel()  # per word, per n
    total = int(per.sum())
    # per n-gram arrays in the narrowest types: they are the stage's largest (x 20 n-grams a word)
    pos = np.int32 if max(total, len(cp)) < 2**31 else np.int64
    size = np.repeat(np.tile(ns.astype(np.int8), len(words)), per)
    # an n-gram's start: its number, less its (word, n) block's first, plus its word's start
    start: np.ndarray = np.arange(total, dtype=pos)
    start -= np.repeat((np.cumsum(per) - per - np.repeat(word_at, len(ns))).astype(pos), per)
    alphabet, inverse = np.unique(cp, return_inverse=True)
    code = inverse.ravel().astype(np.int32) + 1  # at most 0x110000 code points
    del inverse
    bits = len(alphabet).bit_length()
    groups = [range(max_n)] if max_n * bits <= 63 else [range(3), range(3, max_n)]
    keys = []
    for group in groups:
        key = np.zeros(total, dtype=np.int64)
        for k in group:
            at = start + k
            np.minimum(at, len(cp) - 1, out=at)
            part = code[at]
            del at
            part[size <= k] = 0
            key <<= bits if len(groups) == 1 else 21
            key |= part
            del part
        keys.append(key)
    del start, size, key
    bound = 1 << (max_n * bits) if len(groups) == 1 else None
    ids, first, alpha = _first_seen(keys, bound, consume=True)
    del keys
    # n-grams come word by word: rows are consecutive runs (no row array, no COO copy)
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(per.reshape(len(words), len(ns)).sum(axis=1), out=indptr[1:])
    table = sp.csr_matrix((np.ones(total, dtype=np.int32), ids, indptr),
                          shape=(len(words), len(first)))  # fmt: skip
    table.sum_duplicates()
    return table, alpha


def _doc_freq(counts: Any, copies: np.ndarray) -> np.ndarray:
    """Document frequency of every column over rows that stand for ``copies`` passages each."""
    df = np.zeros(counts.shape[1], dtype=np.int64)
    # bincount casts its input to int64 and makes a whole count array per call
    for lo, hi in chunked(counts.nnz, max(_SLICE, counts.shape[1])):
        df += np.bincount(counts.indices[lo:hi], minlength=counts.shape[1])
    dup = np.flatnonzero(copies > 1)
    for lo, hi in chunked(len(dup), 4 * _COUNT_ROWS):  # few rows: weighted counts of just those
        sub = counts[dup[lo:hi]]
        extra = np.repeat((copies[dup[lo:hi]] - 1).astype(np.float64), np.diff(sub.indptr))
        df += np.bincount(sub.indices, weights=extra, minlength=counts.shape[1]).astype(np.int64)
    return df


def _gram_stats(shared: tuple[Any, Any, np.ndarray], span: tuple[int, int]) -> np.ndarray:
    """Document frequency of every n-gram over distinct texts ``lo:hi`` (with copies).

    Summed over blocks of ``_GRAM_DF_ROWS`` texts (each product is built
    apart); one array a task, int32 (a frequency is at most the passages):
    the map's results are all held until it ends, and one int64 array per
    block was ~1.3 GB of the parent's peak at 100,000 articles.
    """
    words, grams, copies = shared
    df = np.zeros(grams.shape[1], dtype=np.int64)
    for lo, hi in chunked(span[1] - span[0], _GRAM_DF_ROWS):
        lo, hi = lo + span[0], hi + span[0]
        df += _doc_freq(words[lo:hi].astype(bool) @ grams, copies[lo:hi])
    return df.astype(np.int32 if int(copies.sum()) < 2**31 else np.int64)


_CharTables = tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]  # passage×word, word×n-gram, alpha


def _char_tables(toks: _Tokens) -> _CharTables:
    """Passage × word counts and each word's n-grams (see ``_gram_table``)."""
    words, word_ids, lengths = toks
    del toks  # the caller hands its only reference: the token ids go once counted
    doc_words = _gram_counts([word_ids], [0], None, lengths, len(words))
    del word_ids
    top = int(doc_words.data.max(initial=0))  # a word's count in a passage: kept narrow,
    for small in (np.uint8, np.uint16):  # products with the int32 n-gram table stay int32
        if top <= np.iinfo(small).max:
            doc_words.data = doc_words.data.astype(small)
            break
    word_grams, alpha = _gram_table(words)
    if word_grams.shape[1] == 0:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    return doc_words, word_grams, alpha


def _word_vectors(
    toks: _Tokens, ngram_range: tuple[int, int], min_df: int, copies: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Word n-gram TF-IDF rows of the distinct texts (first-seen numbering) and labels."""
    counts, labels = _word_counts(toks, ngram_range)
    del toks  # the caller hands its only reference
    n_docs = int(copies.sum())
    df = _doc_freq(counts, copies)
    kept = np.flatnonzero(df >= min_df)
    if len(kept) == 0:
        raise ValueError("After pruning, no terms remain. Try a lower min_df.")
    if len(kept) < len(labels):
        new_col = np.full(len(labels), -1, dtype=np.int32)
        new_col[kept] = np.arange(len(kept))
        counts = _keep_columns(counts, new_col, len(kept))
        labels = np.argsort(np.argsort(labels[kept]))
    as_float = counts.data.view(np.float32)  # the counts become TF-IDF values in place
    for lo, hi in chunked(counts.nnz, _SLICE):
        as_float[lo:hi] = counts.data[lo:hi]
    counts.data = as_float
    return _tfidf(counts, _idf(df[kept], n_docs)), labels.astype(np.int32)


def _fit_part(task: tuple[str, list[_Tokens], tuple[int, int], int, np.ndarray]) -> Any:
    """One of the two independent halves of ``fit`` (words; character tables).

    The tokens come in a list that is emptied here, so they are freed as soon
    as they are used (the task itself lives until the whole map is done).
    """
    kind, holder, ngram_range, min_df, copies = task
    if kind == "words":  # which rows are sorted in label order too: done here, in parallel
        vectors, labels = _word_vectors(holder.pop(), ngram_range, min_df, copies)
        return vectors, labels, _sorted_rows(vectors, labels)
    return _char_tables(holder.pop())


class _Chars:
    """Character ``char_wb`` n-grams, factorized as passage × word and word × n-gram counts."""

    def __init__(
        self, tables: _CharTables, min_df: int, engine: Engine | None, copies: np.ndarray
    ) -> None:
        doc_words, word_grams, alpha = tables
        n_docs = int(copies.sum())
        n_grams = word_grams.shape[1]
        # the passage x n-gram counts are made a block of rows at a time (~580 entries a
        # passage); a few tasks a worker (balanced as they are claimed) of whole blocks each
        n_tasks = _GRAM_DF_TASKS * (engine.workers if engine is not None else 1)
        blocks = -(-doc_words.shape[0] // (_GRAM_DF_ROWS * n_tasks))
        spans = chunked(doc_words.shape[0], max(1, blocks) * _GRAM_DF_ROWS)
        # boolean products (and = *, or = +): only which n-grams a passage has counts, and
        # one byte per entry is ~20 % less work than int32 counts
        has_gram = sp.csr_matrix((word_grams.data.astype(bool), word_grams.indices,
                                  word_grams.indptr), shape=word_grams.shape)  # fmt: skip
        shared = (doc_words, has_gram, copies)
        df = np.zeros(n_grams, dtype=np.int64)
        for d in (engine.map_shared(_gram_stats, shared, spans) if engine is not None
                  else (_gram_stats(shared, span) for span in spans)):  # fmt: skip
            df += d
        del shared, has_gram
        # term frequency: each word's corpus count through the word × n-gram table (exact)
        word_tf = doc_words.T @ copies.astype(np.int64)
        tf = (word_grams.T @ word_tf).astype(np.float64)
        order = np.empty(n_grams, dtype=np.int64)
        order[alpha] = np.arange(n_grams)  # n-grams in alphabetical order
        kept = np.sort(order[self._select(df[order], tf[order], min_df)])  # first-seen order
        self.n_cols = len(kept)
        rev_col = np.full(n_grams, -1, dtype=np.int32)  # first-seen c renamed n_cols - 1 - c
        rev_col[kept] = np.arange(self.n_cols - 1, -1, -1)
        self.labels = np.argsort(np.argsort(alpha[kept])).astype(np.int32)  # alphabetical ids
        # one table, in reversed numbering (what the cosines read); fs_rows renames back.
        # Its rows descend (renaming reverses them): products are integer sums, exact in any
        # order, and their rows are sorted afterwards
        self.rev_grams = _keep_columns(word_grams, rev_col, self.n_cols)
        self.doc_words = doc_words
        self.idf = _idf(df[kept], n_docs)
        self.rev_idf = np.ascontiguousarray(self.idf[::-1])

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

    def fs_rows(self, which: np.ndarray) -> sp.csr_matrix:
        """TF-IDF rows of the passages ``which`` in first-seen numbering (rows sorted)."""
        counts = self.doc_words[which] @ self.rev_grams  # integer counts: exact in any order
        counts.indices = (self.n_cols - 1 - counts.indices).astype(np.int32)
        counts.has_sorted_indices = False
        counts.sort_indices()
        return _tfidf(counts, self.idf)

    def cosine_rows(self, which: np.ndarray) -> sp.csr_matrix:
        """Scaled TF-IDF rows of ``which`` in reversed numbering, ascending (``_cosine_parts``).

        Values equal ``fs_rows``'s: the same float32 operations on every entry,
        and each norm summed in first-seen order (the reverse of this one).
        Built over the product's own arrays, a block of ``_SORT_ROWS`` rows at a
        time (each value replaces its count), so the rows' only transients are
        a block's.
        """
        counts = self.doc_words[which] @ self.rev_grams  # int32 counts: exact in any order
        indptr, shape = counts.indptr, counts.shape
        labels, values = _sort_rows(counts)
        del counts
        data = values.view(np.float32)
        for lo, hi in chunked(shape[0], _SORT_ROWS):
            at, to = int(indptr[lo]), int(indptr[hi])
            block = _sublinear_tf(values[at:to])
            block *= self.rev_idf[labels[at:to]]
            rev = (np.ascontiguousarray(block[::-1]), np.ascontiguousarray(labels[at:to][::-1]),
                   to - indptr[lo : hi + 1][::-1])  # fmt: skip
            back = sp.csr_matrix(rev, shape=(hi - lo, shape[1]))
            normalize(back, norm="l2", copy=False)
            np.multiply(back.data[::-1], _SCALE, out=data[at:to])
        return sp.csr_matrix((data, labels, indptr), shape=shape)

    def rows(self, which: np.ndarray) -> sp.csr_matrix:
        """TF-IDF rows of the passages ``which``, equal to rows of the whole matrix."""
        out = self.fs_rows(which)
        out.indices = self.labels[out.indices]  # rows stay in first-seen order (see _word_counts)
        out.has_sorted_indices = False
        return out

    def sorted_in_labels(self, m: Any) -> bool:
        """Whether the character entries (``< n_cols``) of reversed rows ``m`` descend in label."""
        inside = m.indices < self.n_cols
        lab = np.where(inside, self.labels[np.where(inside, self.n_cols - 1 - m.indices, 0)], -1)
        same_row = np.ones(max(0, m.nnz - 1), dtype=bool)
        ends = m.indptr[1:-1] - 1
        same_row[ends[(ends >= 0) & (ends < len(same_row))]] = False
        bad = same_row & inside[1:] & inside[:-1] & (lab[1:] >= lab[:-1])
        return not bad.any()


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


def _sorted_rows(m: Any, labels: np.ndarray) -> np.ndarray:
    """Per row of ``m``: whether its entries' ``labels`` strictly ascend along the row."""
    ok = np.ones(m.shape[0], dtype=bool)
    for lo, hi in chunked(m.shape[0], 4 * _COUNT_ROWS):  # bounded temporaries (~half the
        ptr = m.indptr[lo : hi + 1] - m.indptr[lo]  # entries descend: one int64 each)
        lab = labels[m.indices[m.indptr[lo] : m.indptr[hi]]]
        bad = np.flatnonzero(lab[1:] <= lab[:-1]) + 1  # entries not above the one before
        row = np.searchsorted(ptr, bad, side="right") - 1
        bad = bad[bad != ptr[row]]  # a row's first entry starts afresh
        ok[lo + np.searchsorted(ptr, bad, side="right") - 1] = False
    return ok


_Model = tuple[sp.csr_matrix, np.ndarray, "_Chars | None"]  # word rows, words sorted, chars


def _cosine_parts(model: _Model, which: np.ndarray) -> list[sp.csr_matrix]:
    """Vectors of ``which`` per space (characters, then words), rows reversed and renamed to ascend.

    Columns: characters ``n_c - 1 - c``, words ``n_w - 1 - w`` (``c``, ``w``
    first-seen numbers). Side by side (words offset by ``n_c``) the parts are
    the combined rows, whose ascending order is the old row order (words, then
    characters, first-seen) reversed. They are kept apart: stacking them
    copied every vector of a block once more.
    """
    words, _, chars = model  # words: first-seen rows (fit's ``words_``)
    if chars is None:
        return [_reverse_rows(words[which], words.shape[1])]
    rows = [chars.cosine_rows(which[lo:hi]) for lo, hi in chunked(len(which), _ROW_CHUNK)]
    return [rows[0] if len(rows) == 1 else _stack_rows(rows), _scaled_reversed(words[which])]


def _stack_rows(parts: list[sp.csr_matrix]) -> sp.csr_matrix:
    """``sp.vstack(parts)``, each part dropped once copied (``parts`` is emptied).

    scipy's vstack holds every part and the result at once (twice a block's
    vectors); filling an ``np.empty`` result part by part holds the result and
    one part.
    """
    n_rows = sum(p.shape[0] for p in parts)
    nnz = sum(p.nnz for p in parts)
    data = np.empty(nnz, dtype=parts[0].dtype)
    indices = np.empty(nnz, dtype=np.int32)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    n_cols, at, row = parts[0].shape[1], 0, 0
    while parts:
        p = parts.pop(0)
        data[at : at + p.nnz] = p.data
        indices[at : at + p.nnz] = p.indices
        indptr[row + 1 : row + 1 + p.shape[0]] = p.indptr[1:] + at
        at, row = at + p.nnz, row + p.shape[0]
        del p
    return sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))


def _scaled_reversed(words: Any) -> sp.csr_matrix:
    """Word rows reversed and renamed (``_reverse_rows``), scaled by ``_SCALE``.

    Built per block rather than kept beside ``words_``: a second copy of the
    word rows was ~30 % of the fitted model.
    """
    rev = _reverse_rows(words, words.shape[1])
    rev.data *= _SCALE
    return rev


def _cosine_block(shared: tuple[_Model, np.ndarray], block: tuple[np.ndarray, bool]) -> np.ndarray:
    """Cosines of the pairs ``shared[1][block[0]]``, ``_PAIR_CHUNK`` pairs per scipy product.

    ``block[1]``: the pairs are whole ``_PAIR_CHUNK`` chunks of the caller's list,
    in order, some of which may have every row sorted in the old labels (checked
    per chunk). Otherwise no chunk can be (``PassageScorer._blocks``), and the
    pairs may come in any order: a pair's sum depends only on its two rows.
    """
    (model, arr), (at, check) = shared, block
    _, words_sorted, chars = model
    need, local = np.unique(arr[at], return_inverse=True)
    local = local.reshape(-1, 2)
    parts = _cosine_parts(model, need)
    out = np.empty(len(local), dtype=np.float32)
    step = _PAIR_CHUNK if check else _FREE_PAIRS
    for lo in range(0, len(local), step):
        a, b = local[lo : lo + step, 0], local[lo : lo + step, 1]
        xs, ys = [m[a] for m in parts], [m[b] for m in parts]
        if (
            check
            and words_sorted[need[a]].all()
            and words_sorted[need[b]].all()
            and (chars is None or (chars.sorted_in_labels(xs[0]) and chars.sorted_in_labels(ys[0])))
        ):
            # every row sorted in the old labels: scipy merged there, in forward order (the
            # combined rows reversed: words reversed, then characters reversed)
            xs = [_reverse_rows(x, x.shape[1]) for x in xs[::-1]]
            ys = [_reverse_rows(y, y.shape[1]) for y in ys[::-1]]
        # the products of the combined rows are each part's products side by side, in the
        # same order, so the row sums are the same float32 sums (each row's own: scipy's
        # merge and row sums work row by row, whichever rows share a product)
        prods = [x.multiply(y) for x, y in zip(xs, ys, strict=True)]
        prod = prods[0] if len(prods) == 1 else sp.hstack(prods, format="csr")
        out[lo : lo + len(a)] = np.asarray(prod.sum(axis=1)).ravel()
    return out


def _locality_order(arr: np.ndarray, n: int) -> np.ndarray:
    """Positions of the pairs ``arr`` ordered so that nearby pairs share passages.

    Passages are numbered by reverse Cuthill-McKee over the graph the pairs make
    (its bandwidth is small: reuse links a passage to few others), and pairs
    sorted by their lower, then higher number. A run of consecutive pairs then
    needs few distinct passages, so small cosine blocks rebuild few vectors
    (30k dense corpus, blocks of 50k passages: 281k vectors built for 269k
    distinct, where the caller's order needed 461k).
    """
    rows = np.concatenate([arr[:, 0], arr[:, 1]])
    cols = np.concatenate([arr[:, 1], arr[:, 0]])
    graph = sp.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n, n))
    place = np.empty(n, dtype=np.int64)
    place[reverse_cuthill_mckee(graph, symmetric_mode=True)] = np.arange(n)
    del graph, rows, cols
    x, y = place[arr[:, 0]], place[arr[:, 1]]
    return np.lexsort((np.maximum(x, y), np.minimum(x, y)))


class PassageScorer:
    """TF-IDF model over a batch of passages (scikit-learn style).

    Args:
        ngram_range: Word n-gram range.
        char_ngrams: Also use character 3–5-grams.
        min_df: Minimum document frequency of a feature.
        engine: Where chunked work (tokens, document frequencies, pair cosines)
            runs; ``None`` runs it here. Results do not depend on it.

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

    def fit(self, texts: Sequence[str], *, passages: Sequence[Passage] | None = None
            ) -> PassageScorer:  # fmt: skip
        """Learn vocabularies and IDF weights; keep the word vectors and character tables.

        ``passages``: the passages whose texts ``texts`` are (read from a
        ``PassageTexts`` when not given). Passages that share their document's
        text are tokenized as windows of it: the same tokens, each part of the
        text tokenized once where overlapping windows tokenized it twice.
        """
        if passages is None and isinstance(texts, PassageTexts):
            passages = texts.passages
        # copies are common: each distinct text is fitted once
        if passages is None:
            self.text_ids_, heads, sizes = _distinct(texts)
            spans = chunked(len(heads), _TEXT_CHUNK)
            longest = max((int(sizes[lo:hi].sum()) + hi - lo for lo, hi in spans), default=0)
            del sizes
        else:  # windows overlap: twice the passages in about the same text
            self.text_ids_, heads = _text_numbers(texts)
            spans = chunked(len(heads), 2 * _TEXT_CHUNK)
            longest = _longest_windows(passages, heads, spans)
        copies = np.bincount(self.text_ids_, minlength=len(heads))
        _char_table()  # built here once: forked workers inherit it
        hash_powers(longest + 1)
        chunks = [_Span(texts, heads, lo, hi, passages) for lo, hi in spans]
        words, spaces = _Merged(), _Merged()
        # each chunk's tokens go once merged (a forked map holds no finished result)
        for w, s in (self.engine.map_iter(_tokenize_span, chunks) if self.engine
                     else map(_tokenize_span, chunks)):  # fmt: skip
            words.add(w)
            if self.char_ngrams:
                spaces.add(s)
            del w, s
        del chunks
        jobs = [("words", [words.tokens()], self.ngram_range, self.min_df, copies)]
        if self.char_ngrams:
            jobs.append(("chars", [spaces.tokens()], self.ngram_range, self.min_df, copies))
        del words, spaces
        done = self.engine.map(_fit_part, jobs) if self.engine else [_fit_part(j) for j in jobs]
        del jobs
        self.n_docs_ = len(texts)
        self.n_distinct_ = len(heads)
        # rows: distinct texts; first-seen numbering
        self.words_, self.word_labels_, self._words_sorted = done[0]
        self.chars_ = (_Chars(done[1], self.min_df, self.engine, copies)
                       if self.char_ngrams else None)  # fmt: skip
        self.n_features_ = self.words_.shape[1] + (self.chars_.n_cols if self.chars_ else 0)
        self._matrix: sp.csr_matrix | None = None
        return self

    def rows(self, which: np.ndarray) -> sp.csr_matrix:
        """Vectors of the passages ``which``: rows of ``matrix_`` (scikit-learn's layout)."""
        which = self.text_ids_[np.asarray(which, dtype=np.int64)]
        words = self.words_[which]
        words.indices = self.word_labels_[words.indices]
        words.has_sorted_indices = False
        if self.chars_ is None:
            return words
        return _hstack_rows(words, self.chars_.rows(which), self.words_.shape[1])

    @property
    def matrix_(self) -> sp.csr_matrix:
        """The whole passage × feature matrix (built on first use; small batches only)."""
        if self._matrix is None:
            self._matrix = self.rows(np.arange(self.n_docs_))
        return self._matrix

    def cosine(self, pairs: Sequence[tuple[int, int]] | np.ndarray) -> np.ndarray:
        """Cosine similarity for each ``(i, j)`` pair of fitted passages.

        Pairs are taken in blocks that need at most ``_BLOCK_ROWS`` distinct
        passages, whose vectors a block builds itself (on the engine), so
        memory stays bounded however large the batch; pairs that share
        passages go to the same block (``_locality_order``), so few vectors
        are built twice.
        """
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        arr = self.text_ids_[arr].astype(np.int64)  # copies share one vector
        if len(arr) == 0:
            return np.empty(0, dtype=np.float32)
        model: _Model = (self.words_, self._words_sorted, self.chars_)
        blocks = self._blocks(arr)
        parts = (self.engine.map_shared(_cosine_block, (model, arr), blocks)
                 if self.engine is not None and len(blocks) > 1
                 else [_cosine_block((model, arr), b) for b in blocks])  # fmt: skip
        out = np.empty(len(arr), dtype=np.float32)
        for (at, _), part in zip(blocks, parts, strict=True):
            out[at] = part
        return np.clip(out, 0.0, 1.0).astype(np.float32)

    def _blocks(self, arr: np.ndarray) -> list[tuple[np.ndarray, bool]]:
        """Blocks of pair positions needing at most ``_BLOCK_ROWS`` passages; see ``_cosine_block``.

        A ``_PAIR_CHUNK`` chunk of the caller's list whose passages all have sorted
        word rows may have had every row sorted in the old labels (summed forward):
        such chunks stay whole and in order (tiny texts only). Every other pair is
        free: those are taken in ``_locality_order``. With a parallel engine, each
        kind is split into at least one block per worker.
        """
        chunks = chunked(len(arr), _PAIR_CHUNK)
        sorted_pairs = self._words_sorted[arr].all(axis=1)
        whole = np.logical_and.reduceat(sorted_pairs, [lo for lo, _ in chunks])
        del sorted_pairs
        in_whole = np.repeat(whole, [hi - lo for lo, hi in chunks])
        kept = np.flatnonzero(in_whole)  # whole chunks, in the caller's order
        free = np.flatnonzero(~in_whole)
        del in_whole
        if len(free):
            free = free[_locality_order(arr[free], self.n_distinct_)]
        return [(at, True) for at in self._packed(arr, kept)] + [
            (at, False) for at in self._packed(arr, free)
        ]

    def _packed(self, arr: np.ndarray, at: np.ndarray) -> list[np.ndarray]:
        """``at`` in runs of whole ``_PAIR_CHUNK`` chunks needing at most ``_BLOCK_ROWS`` rows.

        With a parallel engine, at least one run per worker.
        """
        if len(at) == 0:
            return []
        chunks = chunked(len(at), _PAIR_CHUNK)
        workers = self.engine.workers if self.engine is not None else 1
        step = -(-len(chunks) // max(1, workers))
        seen = np.zeros(self.n_distinct_, dtype=bool)
        out: list[np.ndarray] = []
        for part in (chunks[k : k + step] for k in range(0, len(chunks), step)):
            seen[:] = False
            start, n_rows = part[0][0], 0
            for lo, hi in part:
                new = np.unique(arr[at[lo:hi]])
                new = new[~seen[new]]
                if n_rows and n_rows + len(new) > _BLOCK_ROWS:
                    out.append(at[start:lo])
                    seen[:] = False
                    start, new = lo, np.unique(arr[at[lo:hi]])
                    n_rows = 0
                seen[new] = True
                n_rows += len(new)
            out.append(at[start : part[-1][1]])
        return out

    def candidates(
        self,
        groups: np.ndarray,
        *,
        min_cosine: float = 0.35,
        top_k: int = 5,
        exhaustive_max: int = 6000,
        max_df: int = 20,
        min_shared: int = 3,
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
        """Pairs sharing ``min_shared`` word features of document frequency 2..``max_df``."""
        w = self.words_  # rows: distinct texts
        df = _doc_freq(w, np.bincount(self.text_ids_, minlength=w.shape[0]))
        keep = np.flatnonzero((df >= 2) & (df <= max_df))
        # scipy's column selection builds just the result (an int64 column and a mask over
        # every word entry were ~0.7 GB at 100,000 articles); row order is kept
        m = w[:, keep]
        longest = int(np.diff(m.indptr).max(initial=0))  # shared terms of a pair: at most this
        m.data = np.ones(m.nnz, dtype=np.int16 if longest < 2**15 else np.int32)
        m = m[self.text_ids_]
        spans = chunked(m.shape[0], _DF_CHUNK)
        shared = (m, m.T.tocsr(), groups, min_shared)  # the transpose made once, not per block
        parts = (self.engine.map_shared(_shared_terms, shared, spans) if self.engine is not None
                 else [_shared_terms(shared, span) for span in spans])  # fmt: skip
        return _unique_pairs(parts)


def _shared_terms(shared: tuple[Any, Any, np.ndarray, int], span: tuple[int, int]) -> np.ndarray:
    """Pairs ``(i, j)``, ``lo <= i < hi``, ``i < j``, of rows of ``m`` sharing ``min_shared`` terms.

    Rows ``lo:hi`` against all rows through ``m``'s transpose ``mt`` (made once:
    slicing ``m[lo:]`` and converting its transpose per block cost O(blocks x
    nnz), 33 s at 100k articles), so the product of a block of rows is all that
    is held at once; pairs below the diagonal are dropped.
    """
    m, mt, groups, min_shared = shared
    lo, hi = span
    prod = m[lo:hi] @ mt
    at = np.flatnonzero(prod.data >= min_shared)  # few: most pairs share one term
    row = np.searchsorted(prod.indptr, at, side="right") - 1 + lo
    col = prod.indices[at].astype(np.int64)
    del prod, at
    ok = (row < col) & (groups[row] != groups[col])
    return np.stack([row[ok], col[ok]], axis=1)


def _unique_pairs(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.empty((0, 2), dtype=np.int64)
    arr = np.concatenate(parts).astype(np.int64)
    lo, hi = arr.min(axis=1), arr.max(axis=1)
    n = int(hi.max()) + 1
    key = np.sort(lo * n + hi)  # one integer per pair: same order as rows sorted
    key = key[np.concatenate([[True], key[1:] != key[:-1]])]
    return np.stack([key // n, key % n], axis=1)
