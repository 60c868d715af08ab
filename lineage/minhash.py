"""MinHash signatures and LSH candidates, computed in bulk with numpy.

The signatures are exactly datasketch's (``scheme="affine32"``): for every
shingle hash ``h`` the value ``a * fmix32(h) + b (mod 2**32)`` is minimised per
permutation, with ``(a, b)`` drawn as ``datasketch.MinHash`` draws them for
the same ``seed``. Only the per-object Python loop is replaced by array
operations over the whole corpus, so ``Signer.minhash()`` hands back a
``datasketch.LeanMinHash`` that compares with any MinHash made with
``Signer.hashfunc``.

Shingles are word n-grams of one sentence; a passage's shingle set is the
union of its sentences' sets, so a passage signature is the element-wise
minimum of its sentences' signatures (MinHash of a union).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param

_TOKEN = re.compile(r"\w+", re.UNICODE)
_U32 = np.uint32
_MAX32 = np.uint32(0xFFFFFFFF)
_TOKEN_HASHES: dict[str, int] = {}  # token -> 32-bit blake2b, shared by all Signers
_CHUNK = 2048  # shingles per block when permuting: 1 MB of products stays in cache


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 finalizer on uint32 arrays (datasketch's pre-mix)."""
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


def _isword(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


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
        self._token_cache: dict[str, int] = {}

    def _token_hashes(self, toks: Sequence[str]) -> np.ndarray:
        cache = _TOKEN_HASHES
        if len(cache) > 2_000_000:
            cache.clear()
        for t in set(toks).difference(cache):
            cache[t] = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=4).digest(), "little")
        return np.fromiter(map(cache.__getitem__, toks), dtype=_U32, count=len(toks))

    def shingles(self, text: str) -> np.ndarray:
        """Sorted unique 32-bit hashes of the word ``shingle_size``-grams of ``text``.

        A text shorter than one shingle is one shingle of all its words.
        """
        th = self._token_hashes(tokens(text))
        k = self.shingle_size
        if len(th) == 0:
            return np.empty(0, dtype=_U32)
        if len(th) < k:
            k = len(th)
        n = len(th) - k + 1
        h = th[:n].copy()
        for j in range(1, k):
            h = fmix32(h * _U32(0x01000193) ^ th[j : j + n])
        return np.unique(h)

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

    def signatures_flat(self, values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """``signatures`` for sets given flat: set ``i`` is ``values[offsets[i]:offsets[i+1]]``."""
        n = len(offsets) - 1
        out = np.full((n, self.num_perm), _MAX32, dtype=_U32)
        if n <= 0 or len(values) == 0:
            return out
        flat = fmix32(np.asarray(values, dtype=_U32))
        owner = np.repeat(np.arange(n), np.diff(offsets))
        for lo in range(0, len(flat), _CHUNK):
            hv = flat[lo : lo + _CHUNK]
            own = owner[lo : lo + _CHUNK]
            phv = hv[:, None] * self._a[None, :] + self._b[None, :]
            starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
            mins = np.minimum.reduceat(phv, starts, axis=0)
            rows = own[starts]
            out[rows] = np.minimum(out[rows], mins)
        return out

    def passage_shingles(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shingle sets of many spans of many texts, tokenising each text once.

        Equal to ``[self.shingles(text[s:e]) for text, sp in zip(texts, spans)
        for s, e in sp]``, returned flat: ``(values, offsets)`` with set ``i`` =
        ``values[offsets[i]:offsets[i+1]]`` (sorted, unique). Each text is cut at
        its span boundaries, the pieces are tokenised once, and every span is a
        range of its text's tokens; all shingle hashes of the corpus are then
        computed in one vectorized pass.
        """
        k = self.shingle_size
        toks: list[str] = []
        ranges: list[tuple[int, int]] = []
        extra: dict[int, np.ndarray] = {}
        for text, sp in zip(texts, spans, strict=True):
            cuts = sorted({c for s, e in sp for c in (s, e)})
            if any(0 < c < len(text) and _isword(text[c - 1]) and _isword(text[c]) for c in cuts):
                for s, e in sp:  # a span boundary cuts a word: tokenise spans one by one
                    extra[len(ranges)] = self.shingles(text[s:e])
                    ranges.append((0, 0))
                continue
            pos: dict[int, int] = {}
            for a, b in itertools.pairwise(cuts):
                pos[a] = len(toks)
                toks.extend(_TOKEN.findall(text[a:b].lower()))
            if cuts:
                pos[cuts[-1]] = len(toks)
            ranges.extend((pos[s], pos[e]) for s, e in sp)
        n_sets = len(ranges)
        th = self._token_hashes(toks)
        t0 = np.fromiter((r[0] for r in ranges), dtype=np.int64, count=n_sets)
        t1 = np.fromiter((r[1] for r in ranges), dtype=np.int64, count=n_sets)
        length = t1 - t0
        m = np.where(length >= k, length - k + 1, 0)
        n_win = max(len(th) - k + 1, 0)
        rolled = th[:n_win].copy()
        for j in range(1, k):
            rolled = fmix32(rolled * _U32(0x01000193) ^ th[j : j + n_win])
        total = int(m.sum())
        idx = np.repeat(t0 - (np.cumsum(m) - m), m) + np.arange(total, dtype=np.int64)
        parts_v = [rolled[idx]]
        parts_o = [np.repeat(np.arange(n_sets, dtype=np.uint64), m)]
        for i in np.flatnonzero((length > 0) & (length < k)).tolist():
            extra[i] = self._short_shingle(th[t0[i] : t1[i]])
        for i, arr in extra.items():
            parts_v.append(arr)
            parts_o.append(np.full(len(arr), i, dtype=np.uint64))
        key = (np.concatenate(parts_o) << np.uint64(32)) | np.concatenate(parts_v).astype(np.uint64)
        key.sort()
        key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
        values = (key & np.uint64(0xFFFFFFFF)).astype(_U32)
        counts = np.bincount((key >> np.uint64(32)).astype(np.int64), minlength=n_sets)
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
    sig = np.asarray(signatures, dtype=np.uint32)[:, : bands * rows].astype(np.uint64)
    sig = sig.reshape(len(sig), bands, rows)[:, which, :]
    h = np.broadcast_to((np.array(which, dtype=np.uint64) + np.uint64(1)) * _C1, sig.shape[:2])
    with np.errstate(over="ignore"):
        for r in range(rows):
            h = (h ^ sig[:, :, r]) * _C2
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
) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``, from banded signatures (numpy LSH).

    Rows in the same ``groups`` value (the same article) are never paired. A
    bucket with more than ``max_bucket`` rows (text shared by very many
    passages) links each row to the bucket's first row only, so a widely
    copied passage costs k pairs instead of k²; the rest of that family is
    still found through the shared representative.

    Returns:
        An ``(n, 2)`` int64 array of unique pairs, sorted.
    """
    n, num_perm = signatures.shape
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    bands, rows = lsh_params(threshold, num_perm)
    pairs: list[np.ndarray] = []
    all_keys = band_keys(signatures, bands, rows)
    for band in range(bands):
        keys = all_keys[:, band]
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
        sizes = np.diff(bounds)
        starts = bounds[:-1]
        for size in np.unique(sizes[sizes > 1]).tolist():
            first = starts[sizes == size]
            members = order[first[:, None] + np.arange(size)[None, :]]  # (buckets, size)
            if size > max_bucket:
                a = np.repeat(members[:, 0], size - 1)
                b = members[:, 1:].ravel()
            else:
                ii, jj = np.triu_indices(size, k=1)
                a, b = members[:, ii].ravel(), members[:, jj].ravel()
            keep = groups[a] != groups[b]
            if keep.any():
                lo = np.minimum(a[keep], b[keep])
                hi = np.maximum(a[keep], b[keep])
                pairs.append(np.stack([lo, hi], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return _unique_rows(np.concatenate(pairs).astype(np.int64))


def _unique_rows(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique rows of an ``(n, 2)`` array of non-negative int64 (fast path)."""
    if len(pairs) == 0:
        return pairs.reshape(0, 2)
    key = pairs[:, 0].astype(np.uint64) << np.uint64(32) | pairs[:, 1].astype(np.uint64)
    key.sort()
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return np.stack(
        [(key >> np.uint64(32)).astype(np.int64), (key & np.uint64(0xFFFFFFFF)).astype(np.int64)],
        axis=1,
    )


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
