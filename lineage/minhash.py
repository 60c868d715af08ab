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

import hashlib
import re
from collections.abc import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash
from datasketch.lsh import _optimal_param

_TOKEN = re.compile(r"\w+", re.UNICODE)
_U32 = np.uint32
_MAX32 = np.uint32(0xFFFFFFFF)
_CHUNK = 1 << 15  # shingles per block when permuting: bounds memory to ~16 MB


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 finalizer on uint32 arrays (datasketch's pre-mix)."""
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


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
        cache = self._token_cache
        out = np.empty(len(toks), dtype=_U32)
        for i, t in enumerate(toks):
            h = cache.get(t)
            if h is None:
                h = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=4).digest(), "little")
                cache[t] = h
            out[i] = h
        return out

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
        out = np.full((n, self.num_perm), _MAX32, dtype=_U32)
        if n == 0:
            return out
        lengths = np.fromiter((len(s) for s in shingle_sets), dtype=np.int64, count=n)
        if lengths.sum() == 0:
            return out
        flat = fmix32(np.concatenate([np.asarray(s, dtype=_U32) for s in shingle_sets]))
        owner = np.repeat(np.arange(n), lengths)
        for lo in range(0, len(flat), _CHUNK):
            hv = flat[lo : lo + _CHUNK]
            own = owner[lo : lo + _CHUNK]
            phv = hv[:, None] * self._a[None, :] + self._b[None, :]
            starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
            mins = np.minimum.reduceat(phv, starts, axis=0)
            rows = own[starts]
            out[rows] = np.minimum(out[rows], mins)
        return out

    def minhash(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch ``LeanMinHash`` for one signature row."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme=self.scheme)


def window_signatures(unit_sigs: np.ndarray, windows: Sequence[Sequence[int]]) -> np.ndarray:
    """Signatures of windows of units: the element-wise minimum of their rows."""
    out = np.empty((len(windows), unit_sigs.shape[1]), dtype=unit_sigs.dtype)
    for i, rows in enumerate(windows):
        out[i] = unit_sigs[list(rows)].min(axis=0)
    return out


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
    for band in range(bands):
        block = np.ascontiguousarray(signatures[:, band * rows : (band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
        sizes = np.diff(bounds)
        for start, size in zip(bounds[:-1][sizes > 1], sizes[sizes > 1], strict=True):
            members = order[start : start + size]
            if size > max_bucket:
                a = np.full(size - 1, members[0])
                b = members[1:]
            else:
                ii, jj = np.triu_indices(size, k=1)
                a, b = members[ii], members[jj]
            keep = groups[a] != groups[b]
            if keep.any():
                lo = np.minimum(a[keep], b[keep])
                hi = np.maximum(a[keep], b[keep])
                pairs.append(np.stack([lo, hi], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(pairs).astype(np.int64), axis=0)


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
