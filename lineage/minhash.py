"""MinHash signatures and LSH candidates, computed in bulk with numpy.

The signatures are exactly datasketch's (``scheme="affine32"``): for every
shingle hash ``h`` the value ``a * fmix32(h) + b (mod 2**32)`` is minimised per
permutation, with ``(a, b)`` drawn as ``datasketch.MinHash`` draws them for
the same ``seed``. Only the per-object Python loop is replaced by array
operations over the whole corpus, so ``Signer.minhash()`` hands back a
``datasketch.LeanMinHash`` that compares with any MinHash made with
``Signer.hashfunc``.

Shingles are word ``shingle_size``-grams. Tokenising is vectorised too: a
text is turned into an array of code points, a lookup table marks the word
characters (exactly the ``\\w`` of Python's ``re``), and every token's hash
is a polynomial over its code points read off prefix sums. That runs at
several times the speed of ``re.findall`` plus a per-token hash call, which
were the floor of this stage.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param

from lineage.engine import Engine

_TOKEN = re.compile(r"\w+", re.UNICODE)
_U32 = np.uint32
_LOW = 0 if sys.byteorder == "little" else 1  # the low half of a uint64 viewed as two uint32
_MAX32 = np.uint32(0xFFFFFFFF)
_BLOCK = 1 << 17  # padded set values per block when permuting: the block stays in cache


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 finalizer on uint32 arrays (datasketch's pre-mix); ``h`` is left as it is."""
    h = h ^ (h >> _U32(16))  # a new array: the rest works in place
    h *= _U32(0x85EBCA6B)
    h ^= h >> _U32(13)
    h *= _U32(0xC2B2AE35)
    h ^= h >> _U32(16)
    return h


_SEP = "\n"  # joins texts for one tokenising pass; not a word character
_HASH_P = (0x9E3779B97F4A7C15 | 1) & 0xFFFFFFFFFFFFFFFF  # odd: invertible modulo 2**64
_HASH_P_INV = pow(_HASH_P, -1, 2**64)
_POWERS: list[np.ndarray] = [np.ones(1, np.uint64), np.ones(1, np.uint64)]  # P**i, P**-i


@functools.cache
def _word_table() -> np.ndarray:
    """Word characters of the Basic Multilingual Plane, as ``re``'s ``\\w`` sees them."""
    table = np.zeros(0x10000, dtype=bool)
    plane = "".join(map(chr, range(0x10000)))
    for m in _TOKEN.finditer(plane):  # runs of word characters: ask re itself
        table[m.start() : m.end()] = True
    return table


def word_mask(cp: np.ndarray) -> np.ndarray:
    """Which code points ``cp`` (uint32) are word characters, as ``re``'s ``\\w`` decides."""
    mask = _word_table().take(cp, mode="clip")  # beyond the plane: U+FFFF, not a character
    big = np.flatnonzero(cp > 0xFFFF)
    if len(big):  # rare: emoji, historic scripts
        uniq, inv = np.unique(cp[big], return_inverse=True)
        ok = np.array([chr(int(c)).isalnum() for c in uniq.tolist()], dtype=bool)
        mask[big] = ok[inv.ravel()]
    return mask


def hash_powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**i`` and ``P**-i`` modulo 2**64 for ``i < n`` (cached, grown by doubling).

    The powers of the polynomial word hash (shared with ``lineage.tfidf``'s tokens).
    """
    if len(_POWERS[0]) < n:
        size = max(n, 2 * len(_POWERS[0]))
        grown = []
        for base in (_HASH_P, _HASH_P_INV):
            arr = np.full(size, base, dtype=np.uint64)
            arr[0] = 1
            grown.append(np.cumprod(arr, out=arr))  # wraps modulo 2**64, as intended
        _POWERS[:] = grown
    return _POWERS[0][:n], _POWERS[1][:n]


def _mix64to32(h: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer, high 32 bits: spreads the polynomial hash over all bits."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return (h >> np.uint64(32)).astype(_U32)


def tokenize(lowered: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every ``\\w+`` token of ``lowered``: (starts, ends, 32-bit hashes, word mask).

    Offsets are in code points (``str`` indices). A token's hash depends only
    on its characters, not on where it stands.
    """
    cp = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mask = word_mask(cp)
    starts, ends, hashes = _hash_tokens(cp, mask)
    return starts, ends, hashes, mask


def _hash_tokens(cp: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts, ends and 32-bit hashes of the runs of ``mask`` (the tokens) in code points ``cp``.

    The hash is a polynomial over the token's code points, read off prefix sums.
    """
    # where the mask changes: a token's start, then its end, alternately (``flatnonzero`` of
    # a bool array: of the int8 ``diff`` it took five times as long)
    padded = np.zeros(len(mask) + 2, dtype=bool)
    padded[1:-1] = mask
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    pw, inv = hash_powers(len(cp))
    with np.errstate(over="ignore"):
        prefix = np.empty(len(cp) + 1, dtype=np.uint64)
        prefix[0] = 0
        np.multiply(cp, pw, out=prefix[1:])  # widened to 64 bits by the output
        np.cumsum(prefix[1:], out=prefix[1:])
        raw = (prefix[ends] - prefix[starts]) * inv[starts]
        raw += (ends - starts).astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93)
    return starts, ends, _mix64to32(raw)


_SPECIAL = np.uint32(0xFFFFFFFF)  # in ``_fold_table``: ask ``str.lower`` (not a code point)
_PIECE = 1 << 17  # characters tokenised at once by ``tokenize_texts``: the arrays stay in cache


@functools.cache
def _fold_table() -> np.ndarray:
    """Per BMP code point: its lower-case form if that is a word character, else 0.

    ``tokenize`` of lower-cased text reads only the code points of word
    characters, so this one lookup both lower-cases and marks the words.
    ``_SPECIAL`` where ``str.lower`` is not one character for one regardless
    of context (U+0130 becomes two, U+03A3 depends on its neighbours) and at
    U+FFFF, which ``take(mode="clip")`` gives for code points beyond the plane.
    """
    low = [chr(c).lower() for c in range(0x10000)]
    one = np.array([len(x) == 1 for x in low])
    cp = np.array([ord(x) if len(x) == 1 else 0 for x in low], dtype=np.uint32)
    table = np.where(word_mask(cp), cp, np.uint32(0)).astype(np.uint32)
    table[~one] = _SPECIAL
    table[[0x3A3, 0xFFFF]] = _SPECIAL
    return table


def tokenize_texts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """``tokenize(_SEP.join(t.lower() for t in texts))`` without the lower-cased copies.

    Returns (starts, ends, hashes, changed): offsets are into ``_SEP.join(texts)``,
    ``changed`` lists the texts whose length changes when lower-cased (U+0130);
    they have no tokens here. Code points are lower-cased by a table
    (``str.lower`` cost more than the rest of tokenising) and texts are taken
    about ``_PIECE`` characters at a time, so the arrays stay in cache.
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + len(_SEP)
    ends_at = np.cumsum(lengths)  # where each text's separator ends in the joined string
    total = int(ends_at[-1]) if len(texts) else 0
    cuts = np.unique(np.r_[0, np.searchsorted(ends_at, np.arange(_PIECE, total, _PIECE)) + 1,
                           len(texts)]).tolist()  # fmt: skip
    table = _fold_table()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    changed: list[int] = []
    for lo, hi in itertools.pairwise(cuts):
        base = int(ends_at[lo - 1]) if lo else 0
        cp = np.frombuffer(_SEP.join(texts[lo:hi]).encode("utf-32-le", "surrogatepass"),
                           dtype=np.uint32)  # fmt: skip
        folded = table.take(cp, mode="clip")
        if len(folded) and folded.max() == _SPECIAL:
            changed += _fold_special(texts, lo, ends_at[lo:hi] - base, folded)
        starts, ends, hashes = _hash_tokens(folded, folded != 0)
        parts.append((starts + base, ends + base, hashes))
    if not parts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=_U32), changed
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]), changed)  # fmt: skip


def _fold_special(texts: Sequence[str], lo: int, ends_at: np.ndarray, folded: np.ndarray
                  ) -> list[int]:  # fmt: skip
    """Redo the texts of ``folded`` (texts ``lo...``, ending before ``ends_at``) that hold a
    ``_SPECIAL`` code point with ``str.lower``; returns those whose length changes (left empty).
    """
    changed = []
    where = np.flatnonzero(folded == _SPECIAL)
    for k in np.unique(np.searchsorted(ends_at, where, side="right")).tolist():
        end = int(ends_at[k]) - len(_SEP)
        start = end - len(texts[lo + k])
        low = texts[lo + k].lower()
        if len(low) != end - start:
            folded[start:end] = 0
            changed.append(lo + k)
            continue
        cp = np.frombuffer(low.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        folded[start:end] = np.where(word_mask(cp), cp, np.uint32(0))
    return changed


def token_hashes(toks: Sequence[str]) -> np.ndarray:
    """32-bit hashes of already-split, lower-cased tokens (as ``tokenize`` hashes them)."""
    if not toks:
        return np.empty(0, dtype=_U32)
    return tokenize(" ".join(toks))[2]


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits, any script)."""
    return _TOKEN.findall(text.lower())


class Signer:
    """Turns text into shingle hashes and MinHash signatures.

    Args:
        num_perm: Number of permutations (signature length).
        seed: Seed of the permutations, as in ``datasketch.MinHash``.
        shingle_size: Words per shingle.

    Example:
        >>> s = Signer(num_perm=64)
        >>> sig = s.signatures([s.shingles("a b c d e f"), s.shingles("a b c d e g")])
        >>> round(float((sig[0] == sig[1]).mean()), 1) > 0.3
        True
    """

    def __init__(self, *, num_perm: int = 128, seed: int = 1, shingle_size: int = 3) -> None:
        if num_perm < 1 or shingle_size < 1:
            raise ValueError("num_perm and shingle_size must be positive")
        self.num_perm = num_perm
        self.seed = seed
        self.shingle_size = shingle_size
        self.scheme = "affine32"
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        self._a = np.asarray(a, dtype=_U32)
        self._b = np.asarray(b, dtype=_U32)

    def shingles(self, text: str) -> np.ndarray:
        """Sorted unique 32-bit hashes of the word ``shingle_size``-grams of ``text``.

        A text shorter than one shingle is one shingle of all its words.
        """
        return self.passage_shingles([text], [[(0, len(text))]])[0]

    @staticmethod
    def hashfunc(data: bytes) -> int:
        """The hash to give ``datasketch.MinHash(hashfunc=...)`` for shingle bytes.

        Shingle hashes are passed to datasketch as 4 little-endian bytes.
        """
        return int.from_bytes(data[:4], "little")

    def signatures(self, shingle_sets: Sequence[np.ndarray]) -> np.ndarray:
        """MinHash signatures, one row per shingle set (uint32, ``num_perm`` columns).

        An empty set gets the all-max signature, as an empty ``MinHash`` has.
        """
        n = len(shingle_sets)
        if n == 0:
            return np.full((0, self.num_perm), _MAX32, dtype=_U32)
        lengths = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=n)
        if lengths.sum() == 0:
            return np.full((n, self.num_perm), _MAX32, dtype=_U32)
        flat = np.concatenate([np.asarray(s, dtype=_U32) for s in shingle_sets])
        return self.signatures_flat(flat, np.r_[0, np.cumsum(lengths)])

    def signatures_flat(self, values: np.ndarray, offsets: np.ndarray, *,
                        by_permutation: bool = False, perms: int | None = None
                        ) -> np.ndarray:  # fmt: skip
        """``signatures`` for sets given flat: set ``i`` is ``values[offsets[i]:offsets[i+1]]``.

        Sets are taken in order of size, in blocks of about ``_BLOCK`` values
        laid out as a ``(width, sets)`` matrix: column ``j`` holds one set,
        padded to the block's width by repeating its last value (which leaves
        its minimum unchanged). Per permutation a block costs a contiguous
        multiply-add and a minimum down the columns; no per-set
        ``minimum.reduceat`` (whose cost per set, ~30 ns, was half of it).
        ``by_permutation`` returns the ``(num_perm, n)`` matrix as computed (no
        transposing copy). ``perms`` computes only the first ``perms`` permutations
        (an LSH reads only its bands' columns): ``perms`` rows or columns.
        """
        n = len(offsets) - 1
        num_perm = self.num_perm if perms is None else max(0, min(perms, self.num_perm))
        if n <= 0 or len(values) == 0:
            out = np.full((num_perm, max(n, 0)), _MAX32, dtype=_U32)
            return out if by_permutation else out.T.copy()
        offsets = np.asarray(offsets, dtype=np.int64)
        flat = fmix32(np.asarray(values, dtype=_U32))
        sizes = np.diff(offsets)
        packed = (sizes.astype(np.uint64) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
        packed.sort()  # a stable order by size, much faster than a stable argsort
        order = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
        by_size = np.empty((num_perm, n), dtype=_U32)
        empty = int(np.searchsorted(sizes[order], 0, side="right"))  # empty sets come first
        by_size[:, :empty] = _MAX32
        a, b = self._a, self._b
        for lo, hi in _size_blocks(sizes[order], empty):
            sets = order[lo:hi]
            width = int(sizes[sets[-1]])
            col = np.minimum(np.arange(width)[:, None], sizes[sets][None, :] - 1)
            block = flat[offsets[sets][None, :] + col]  # (width, sets)
            tmp = np.empty_like(block)
            for p in range(num_perm):
                np.multiply(block, a[p], out=tmp)
                tmp += b[p]
                np.minimum.reduce(tmp, axis=0, out=by_size[p, lo:hi])
        back = np.empty(n, dtype=np.int64)
        back[order] = np.arange(n)
        out = np.take(by_size, back, axis=1)
        return out if by_permutation else out.T.copy()

    def passage_shingles(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shingle sets of many spans of many texts, tokenising each text once.

        Equal to ``[self.shingles(text[s:e]) for text, sp in zip(texts, spans)
        for s, e in sp]``, returned flat: ``(values, offsets)`` with set ``i`` =
        ``values[offsets[i]:offsets[i+1]]`` (sorted, unique). All texts are
        lower-cased and tokenised in one vectorised pass, every span is a range
        of its text's tokens, and all shingle hashes of the batch are computed
        at once. A span whose boundary cuts a word (or a text whose length
        changes when lower-cased) is tokenised on its own, as ``shingles`` would.
        """
        counts = [len(one) for one in spans]
        flat = np.array([c for one in spans for s, e in one for c in (s, e)], dtype=np.int64)
        flat = flat.reshape(-1, 2)
        return self.passage_shingles_flat(texts, flat[:, 0], flat[:, 1], counts)

    def passage_shingles_flat(self, texts: Sequence[str], starts: np.ndarray, ends: np.ndarray,
                              counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """``passage_shingles`` with the spans flat: text ``i`` owns the next ``counts[i]`` spans.

        Span ``j`` is ``texts[owner][starts[j]:ends[j]]`` (no tuples to make and unpack).
        """
        n_sets = len(starts)
        per_text = np.asarray(counts, dtype=np.int64)
        first_set = np.r_[0, np.cumsum(per_text)].astype(np.int64)
        t0 = np.zeros(n_sets, dtype=np.int64)
        t1 = np.zeros(n_sets, dtype=np.int64)
        tok_starts, tok_ends, th, alone_texts = tokenize_texts(texts)
        is_whole = np.ones(len(texts), dtype=bool)  # texts tokenised whole
        is_whole[alone_texts] = False  # their length changes when lower-cased
        owner = np.repeat(np.arange(len(texts)), per_text)
        set_idx = np.flatnonzero(is_whole[owner])
        if len(set_idx):
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            base = np.r_[0, np.cumsum(lengths + len(_SEP))[:-1]]  # where each text starts, joined
            bounds = np.stack([starts[set_idx], ends[set_idx]], axis=1).astype(np.int64)
            text_len = lengths[owner[set_idx]]
            g = bounds + base[owner[set_idx]][:, None]
            # a boundary cuts a word if it falls inside a token: the first token ending after it
            after = np.searchsorted(tok_ends, g, side="right")
            cut = (bounds > 0) & (bounds < text_len[:, None]) & (after < len(tok_starts))
            cut[cut] = tok_starts[after[cut]] < g[cut]
            t0[set_idx] = np.searchsorted(tok_starts, g[:, 0], side="left")
            t1[set_idx] = np.maximum(after[:, 1], t0[set_idx])
            # a span boundary cuts a word: that text's spans are tokenised alone
            alone_texts = sorted(alone_texts + np.unique(owner[set_idx][cut.any(axis=1)]).tolist())
        alone = [(j, texts[i][int(starts[j]) : int(ends[j])].lower()) for i in alone_texts
                 for j in range(int(first_set[i]), int(first_set[i + 1]))]  # fmt: skip
        if alone:
            alone_base = np.r_[0, np.cumsum([len(t) + 1 for _, t in alone])].astype(np.int64)
            s2, e2, th2, _ = tokenize(_SEP.join(t for _, t in alone))
            idx = np.array([j for j, _ in alone], dtype=np.int64)
            t0[idx] = np.searchsorted(s2, alone_base[:-1], side="left") + len(th)
            t1[idx] = np.searchsorted(e2, alone_base[1:] - 1, side="right") + len(th)
            th = np.concatenate([th, th2])
        return self._shingle_ranges(th, t0, t1)

    def _shingle_ranges(self, th: np.ndarray, t0: np.ndarray, t1: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Flat sorted unique shingle sets of the token ranges ``[t0[i], t1[i])`` of ``th``."""
        k = self.shingle_size
        n_sets = len(t0)
        length = t1 - t0
        m = np.where(length >= k, length - k + 1, 0)
        n_win = max(len(th) - k + 1, 0)
        rolled = th[:n_win].copy()
        for j in range(1, k):
            rolled *= _U32(0x01000193)
            rolled ^= th[j : j + n_win]
            rolled = fmix32(rolled)
        total = int(m.sum())
        idx = np.repeat(t0 - (np.cumsum(m) - m), m) + np.arange(total, dtype=np.int64)
        parts_v = [rolled[idx]]
        parts_o = [np.repeat(np.arange(n_sets, dtype=np.uint64), m)]
        counts = m.copy()  # shingles per set, before repeated ones are dropped
        for i in np.flatnonzero((length > 0) & (length < k)).tolist():
            arr = self._short_shingle(th[t0[i] : t1[i]])
            parts_v.append(arr)
            parts_o.append(np.full(len(arr), i, dtype=np.uint64))
            counts[i] = len(arr)
        key = np.concatenate(parts_o) if len(parts_o) > 1 else parts_o[0]
        key <<= np.uint64(32)
        key |= np.concatenate(parts_v) if len(parts_v) > 1 else parts_v[0]
        key.sort()
        keep = np.empty(len(key), dtype=bool)
        keep[:1] = True
        np.not_equal(key[1:], key[:-1], out=keep[1:])
        values = key.view(_U32)[_LOW::2][keep]  # the low halves: the hashes
        gone = key[np.flatnonzero(~keep)] >> np.uint64(32)  # repeated shingles, by set
        counts -= np.bincount(gone.astype(np.int64), minlength=n_sets)
        return values, np.r_[0, np.cumsum(counts)].astype(np.int64)

    @staticmethod
    def _short_shingle(th: np.ndarray) -> np.ndarray:
        h = th[:1].copy()
        for j in range(1, len(th)):
            h = fmix32(h * _U32(0x01000193) ^ th[j : j + 1])
        return h

    def minhash(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` for one signature row."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=self.scheme)


def _size_blocks(sorted_sizes: np.ndarray, lo: int) -> list[tuple[int, int]]:
    """Ranges of sets (sorted by size, from ``lo``) of about ``_BLOCK`` padded values each."""
    n = len(sorted_sizes)
    blocks = []
    while lo < n:
        guess = min(n, lo + max(1, _BLOCK // max(1, int(sorted_sizes[lo])))) - 1
        hi = min(n, lo + max(1, _BLOCK // max(1, int(sorted_sizes[guess]))))
        blocks.append((lo, hi))
        lo = hi
    return blocks


def window_signatures(unit_sigs: np.ndarray, windows: Sequence[Sequence[int]]) -> np.ndarray:
    """Signatures of windows of units: the element-wise minimum of their rows."""
    out = np.empty((len(windows), unit_sigs.shape[1]), dtype=unit_sigs.dtype)
    for i, rows in enumerate(windows):
        out[i] = unit_sigs[list(rows)].min(axis=0)
    return out


_C1 = np.uint64(0x9E3779B97F4A7C15)
_C2 = np.uint64(0xBF58476D1CE4E5B9)


def band_keys(signatures: np.ndarray, bands: int, rows: int, *, only: int | None = None
              ) -> np.ndarray:  # fmt: skip
    """64-bit key per (signature, band): shape ``(n, bands)`` (or ``(n, 1)`` with ``only``).

    Equal band values give equal keys (different values collide with
    probability about 2⁻⁶⁴); the band number is mixed in, so the same values in
    different bands give different keys. Returned as int64 (SQLite's integer).
    """
    which = list(range(bands)) if only is None else [only]
    sig = np.asarray(signatures, dtype=np.uint32)
    if only is None:
        sig = sig[:, : bands * rows].reshape(len(sig), bands, rows)
    else:
        sig = sig[:, only * rows : (only + 1) * rows].reshape(len(sig), 1, rows)
    h = np.broadcast_to((np.array(which, dtype=np.uint64) + np.uint64(1)) * _C1, sig.shape[:2])
    with np.errstate(over="ignore"):
        for r in range(rows):
            h = (h ^ sig[:, :, r].astype(np.uint64)) * _C2
            h ^= h >> np.uint64(31)
    return np.ascontiguousarray(h).view(np.int64)


@functools.cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) that datasketch's MinHashLSH would pick for ``threshold``."""
    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    return int(bands), int(rows)


def lsh_candidates(
    signatures: np.ndarray,
    groups: np.ndarray,
    threshold: float,
    *,
    max_bucket: int = 200,
    engine: Engine | None = None,
) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``, from banded signatures (numpy LSH).

    Rows in the same ``groups`` value (the same article) are never paired. A
    bucket with more than ``max_bucket`` rows (text shared by very many
    passages) links each row to the bucket's first row only, so a widely
    copied passage costs k pairs instead of k²; the rest of that family is
    still found through the shared representative. Groups of bands run as
    separate tasks on ``engine`` (any engine gives the same pairs).

    Returns:
        An ``(n, 2)`` int64 array of unique pairs, sorted.
    """
    n, num_perm = signatures.shape
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    bands, _ = lsh_params(threshold, num_perm)
    per_task = -(-bands // _tasks(engine, n, _BAND_TASKS))
    shared = _Bands(signatures, groups, threshold, max_bucket)
    band_ranges = [(lo, min(bands, lo + per_task)) for lo in range(0, bands, per_task)]
    if engine is None:
        parts = [_band_pairs(shared, r) for r in band_ranges]
    else:  # the signature matrix goes to each worker once, not once per task
        parts = engine.map_shared(_band_pairs, shared, band_ranges)
    found = [p for p in parts if len(p)]
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return _unpacked(_unique_keys(np.concatenate(found)))


_BAND_TASKS = 4  # band groups per LSH run: enough to keep two to four workers busy
_PARALLEL_MIN_ROWS = 50_000  # fewer signatures (or pairs) than this run in one task


def _tasks(engine: Engine | None, rows: int, most: int) -> int:
    """How many tasks to split ``rows`` of work into on ``engine``.

    Small batches run in one task: a forked process shares this one's warm heap, and the
    copy-on-write faults (1k corpus: ~27k in this process) cost what the split saves.
    """
    if engine is None or engine.workers < 2 or rows < _PARALLEL_MIN_ROWS:
        return 1
    return most


@dataclass(frozen=True, slots=True)
class _Bands:
    """What every LSH task reads (shared with the workers once)."""

    signatures: np.ndarray
    groups: np.ndarray
    threshold: float
    max_bucket: int


def _band_pairs(task: _Bands, bands: tuple[int, int]) -> np.ndarray:
    """Unique candidate pairs from bands ``lo..hi-1`` (one engine task), sorted, ``_packed``.

    Rows whose keys agree in all these bands (copies of one text: a quarter
    of the passages of a dense corpus) fall into the same bucket in every
    band, so they are bucketed once, as one *class* (``_Classes``): their
    pairs among themselves are made once instead of once per band, and pairs
    of classes are expanded to rows only after they are made unique. Bucket
    sizes count rows, so the ``max_bucket`` rule is unchanged.

    Bands are bucketed a few at a time, about ``_KEYS_PER_STEP`` keys per
    step (many bands of a small corpus at once: per-band fixed costs weighed).
    A key mixes in its band, so equal keys mean the same band and values
    (different ones collide with probability about 2⁻⁶⁴, as within a band).
    """
    n, num_perm = task.signatures.shape
    _, rows = lsh_params(task.threshold, num_perm)
    fp = np.zeros(n, dtype=np.uint64)  # all the task's keys of a row, mixed
    keys = []  # each band's keys, made once
    with np.errstate(over="ignore"):
        for b in range(*bands):
            keys.append(_band_key(task.signatures[:, b * rows : (b + 1) * rows], b))
            fp ^= keys[-1]
            fp *= _C2
            fp ^= fp >> np.uint64(29)
    found = _class_pairs(task, bands, _Classes.of(fp), keys)
    if found is None:  # two rows with equal mixed keys but unequal keys (about 2⁻⁶⁴ a pair)
        found = _class_pairs(task, bands, _Classes.of(np.arange(n, dtype=np.uint64)), keys)
    assert found is not None
    return found


def _class_pairs(task: _Bands, bands: tuple[int, int], cls: _Classes, band_keys: list[np.ndarray]
                 ) -> np.ndarray | None:  # fmt: skip
    """``_band_pairs`` with rows taken as ``cls``; ``None`` if a class's rows have unequal keys.

    ``band_keys[k]`` holds every row's key in band ``bands[0] + k``.
    """
    reps, counts = cls.reps, cls.counts
    n_cls = len(reps)
    # the non-first rows of classes of two or more: their keys are checked against the first's
    dup = np.flatnonzero(np.repeat(counts, counts) > 1)
    dup = dup[cls.order[dup] != np.repeat(reps, counts)[dup]]
    dup_rows, dup_reps = cls.order[dup], np.repeat(reps, counts)[dup]
    shared_big = np.zeros(n_cls, dtype=np.int64)  # bands where a class shares a big bucket
    class_pairs: list[np.ndarray] = []
    row_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    step = max(1, _KEYS_PER_STEP // n_cls)
    for lo in range(bands[0], bands[1], step):
        hi = min(bands[1], lo + step)
        parts = []
        for band in range(lo, hi):
            every = band_keys[band - bands[0]]
            if not np.array_equal(every.take(dup_rows), every.take(dup_reps)):
                return None
            parts.append(every.take(reps))
        keys = np.concatenate(parts)
        bins = 1 << max(10, min(22, int(np.ceil(np.log2(len(keys)))) + 1))  # <= 32 MB of counts
        # keys that share their low bits with another key: a superset of the
        # buckets with two or more classes (all of them in a corpus without reuse)
        low = (keys & np.uint64(bins - 1)).view(np.int64)
        maybe = np.flatnonzero(np.bincount(low, minlength=bins)[low] > 1)
        if len(maybe) < 2:
            continue
        local, sorted_keys = _grouped(keys[maybe])  # a bucket's members in any order
        order = maybe[local] % n_cls  # classes
        bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
        sizes, starts = np.diff(bounds), bounds[:-1]
        cum = np.r_[0, np.cumsum(counts[order])]
        size_rows = cum[bounds[1:]] - cum[starts]  # rows in the bucket
        small = (sizes > 1) & (size_rows <= task.max_bucket)
        a, b = _all_pairs(order, starts[small], sizes[small])
        class_pairs.append(np.minimum(a, b) * np.int64(n_cls) + np.maximum(a, b))
        big = (sizes > 1) & (size_rows > task.max_bucket)
        if big.any():  # each member row with the bucket's first (smallest) row only
            in_big = order[ranges(starts[big], sizes[big])]
            np.add.at(shared_big, in_big, 1)
            members = cls.rows_of(in_big)
            member_sizes = np.add.reduceat(counts[in_big], np.cumsum(sizes[big]) - sizes[big])
            first = np.minimum.reduceat(members, np.cumsum(member_sizes) - member_sizes)
            rep = np.repeat(first, member_sizes)
            other = members != rep
            row_pairs.append((rep[other], members[other]))
    # A class's own pairs: all of them if in some band its bucket is small (alone, or
    # shared but small); with more than ``max_bucket`` rows, alone in a band, each row
    # with its first row. (Shared big buckets were linked above.)
    some_band = shared_big < bands[1] - bands[0]  # not in a shared big bucket in every band
    alone_big = np.flatnonzero(some_band & (counts > task.max_bucket))
    if len(alone_big):
        members = cls.rows_of(alone_big)
        rep = np.repeat(reps[alone_big], counts[alone_big])
        row_pairs.append((rep[members != rep], members[members != rep]))
    both = np.concatenate(class_pairs) if class_pairs else np.empty(0, np.int64)
    both.sort()
    both = both[np.r_[True, both[1:] != both[:-1]]] if len(both) else both
    row_pairs.append(cls.expand(both // n_cls, both % n_cls))
    with_self = np.flatnonzero(some_band & (counts > 1) & (counts <= task.max_bucket))
    row_pairs.append(_all_pairs(cls.order, cls.first[with_self], counts[with_self]))
    a = np.concatenate([p[0] for p in row_pairs])
    b = np.concatenate([p[1] for p in row_pairs])
    keep = task.groups[a] != task.groups[b]
    if not keep.any():
        return np.empty(0, dtype=np.uint64)
    a, b = a[keep], b[keep]
    return _unique_keys(_packed(np.minimum(a, b), np.maximum(a, b)))


@dataclass(frozen=True, slots=True)
class _Classes:
    """Rows with equal fingerprints, as classes (``_band_pairs``).

    Class ``c`` holds rows ``order[first[c] : first[c] + counts[c]]`` (in any
    order); ``reps[c]`` is its smallest row.
    """

    reps: np.ndarray
    counts: np.ndarray
    order: np.ndarray
    first: np.ndarray

    @classmethod
    def of(cls, fingerprints: np.ndarray) -> _Classes:
        """Classes of the rows with equal ``fingerprints`` (uint64)."""
        order, fp = _grouped(fingerprints)
        first = np.flatnonzero(np.r_[True, fp[1:] != fp[:-1]]) if len(fp) else order
        counts = np.diff(np.r_[first, len(fp)])
        reps = np.minimum.reduceat(order, first) if len(order) else order
        return cls(reps, counts, order, first)

    def rows_of(self, classes: np.ndarray) -> np.ndarray:
        """The rows of ``classes``, class after class."""
        return self.order[ranges(self.first[classes], self.counts[classes])]

    def expand(self, ca: np.ndarray, cb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (row of ``ca[k]``, row of ``cb[k]``) pair, for each ``k``."""
        na, nb = self.counts[ca], self.counts[cb]
        if len(ca) == 0 or (na.max() == 1 and nb.max() == 1):
            return self.reps[ca], self.reps[cb]
        per = na * nb
        k = ranges(np.zeros(len(per), dtype=np.int64), per)
        nb_r = np.repeat(nb, per)
        a = self.order[np.repeat(self.first[ca], per) + k // nb_r]
        b = self.order[np.repeat(self.first[cb], per) + k % nb_r]
        return a, b


def _grouped(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions that bring equal ``keys`` (uint64 hashes) together, and the keys so ordered.

    ``np.sort`` of the keys with each one's position in its low bits takes a
    third of the time of ``np.argsort``. Keys that agree in their high bits
    but differ (rare: they might interleave) are ordered by ``np.argsort``.
    """
    bits = max(1, (len(keys) - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    packed = (keys & ~low) | np.arange(len(keys), dtype=np.uint64)
    packed.sort()
    pos = (packed & low).astype(np.int64)
    ordered = keys[pos]
    if not np.array_equal(ordered[1:] != ordered[:-1], (packed[1:] ^ packed[:-1]) > low):
        pos = np.argsort(keys)
        ordered = keys[pos]
    return pos, ordered


_KEYS_PER_STEP = 150_000  # band keys bucketed at once (several bands of a small corpus)


def ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """``np.r_[starts[0]:starts[0]+sizes[0], starts[1]:...]`` without a Python loop."""
    first = np.cumsum(sizes) - sizes
    return np.arange(int(sizes.sum())) - np.repeat(first - starts, sizes)


def _all_pairs(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Every pair of members of each bucket ``order[starts[k]:starts[k]+sizes[k]]``.

    All buckets at once: member ``k`` of a bucket of size ``s`` pairs with the
    ``s - 1 - k`` members after it.
    """
    if len(sizes) == 0:
        empty = np.empty(0, dtype=order.dtype)
        return empty, empty
    pos = ranges(starts, sizes)
    after = np.repeat(starts + sizes - 1, sizes) - pos  # members after this one
    a_pos = np.repeat(pos, after)
    b_pos = a_pos + 1 + ranges(np.zeros(len(after), dtype=np.int64), after)
    return order[a_pos], order[b_pos]


def _band_key(columns: np.ndarray, band: int, take: np.ndarray | None = None) -> np.ndarray:
    """``band_keys(...)[:, band]`` from the band's ``rows`` signature columns (of rows ``take``)."""
    columns = np.asfortranarray(columns)  # each column contiguous (no copy for column order)
    with np.errstate(over="ignore"):
        h = np.full(len(columns) if take is None else len(take),
                    (np.uint64(band) + np.uint64(1)) * _C1, dtype=np.uint64)  # fmt: skip
        for r in range(columns.shape[1]):
            h ^= columns[:, r] if take is None else columns[:, r].take(take)
            h *= _C2
            h ^= h >> np.uint64(31)
    return h


def set_overlaps(values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, *,
                 engine: Engine | None = None, chunk: int = 160_000) -> np.ndarray:  # fmt: skip
    """Size of the intersection of flat sets ``pairs[:, 0]`` and ``pairs[:, 1]``.

    Set ``i`` is ``values[offsets[i]:offsets[i+1]]``, sorted and unique (as
    ``Signer.passage_shingles`` returns them). Each block of pairs (run on
    ``engine``) makes the sets it reads rows of a sparse 0/1 matrix whose
    columns are the 32-bit hash values themselves, so no renumbering sort of
    all values is needed; the element-wise product of two row blocks merges
    their sorted indices. Rows are built per block, from the shared flat
    arrays: a matrix of all sets held an int64 copy of every value (100k
    articles: ~0.5 GB).
    """
    if len(pairs) == 0 or len(values) == 0:
        return np.zeros(len(pairs), dtype=np.float64)
    size = min(chunk, -(-len(pairs) // _tasks(engine, len(pairs), _BAND_TASKS)))
    blocks = [pairs[lo : lo + size] for lo in range(0, len(pairs), size)]
    shared = (values, np.asarray(offsets, dtype=np.int64))
    if engine is None:
        return np.concatenate([_overlap_block(shared, b) for b in blocks])
    return np.concatenate(engine.map_shared(_overlap_block, shared, blocks))


def _overlap_block(shared: tuple[np.ndarray, np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """Intersection sizes: the entries per row of the element-wise product (zeros are not kept)."""
    values, offsets = shared
    need, local = np.unique(pairs, return_inverse=True)
    local = local.reshape(-1, 2)
    starts, ends = offsets[need], offsets[need + 1]
    indptr = np.r_[0, np.cumsum(ends - starts)]
    # positions in ``values`` of every needed row's entries, row after row
    at = np.arange(indptr[-1], dtype=np.int64) + np.repeat(starts - indptr[:-1], ends - starts)
    data = np.ones(len(at), dtype=np.int8)  # 1 * 1 is 1: no overflow, a quarter the bytes
    sets = sp.csr_matrix((data, values[at].astype(np.int64), indptr), shape=(len(need), 1 << 32))
    sets.has_sorted_indices = True
    inter = sets[local[:, 0]].multiply(sets[local[:, 1]])
    return np.diff(inter.indptr).astype(np.float64)


def _unique_rows(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique rows of an ``(n, 2)`` array of non-negative int64 (fast path)."""
    if len(pairs) == 0:
        return pairs.reshape(0, 2)
    return _unpacked(_unique_keys(_packed(pairs[:, 0], pairs[:, 1])))


def _packed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairs ``(a, b)`` of rows (below 2**32) as ``a << 32 | b``: they sort as the pairs do.

    An LSH task sends its pairs so (half the bytes through the worker's pipe).
    """
    return a.astype(np.uint64) << np.uint64(32) | b.astype(np.uint64)


def _unique_keys(keys: np.ndarray) -> np.ndarray:
    """Sorted unique ``keys`` (sorted in place)."""
    keys.sort()
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def _unpacked(keys: np.ndarray) -> np.ndarray:
    """``_packed`` keys back to an ``(n, 2)`` int64 array of pairs."""
    return np.stack([(keys >> np.uint64(32)).astype(np.int64),
                     (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)], axis=1)  # fmt: skip


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted unique hash arrays."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def containment(a: np.ndarray, b: np.ndarray) -> float:
    """Share of ``a``'s shingles that are also in ``b``."""
    if len(a) == 0:
        return 0.0
    return len(np.intersect1d(a, b, assume_unique=True)) / len(a)
