"""What the TF-IDF tests share: seed passages and the old whole-matrix cosine."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

import lineage.tfidf as tf

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_windows() -> list[str]:
    """Windows of two sentences (step one) over the seed articles, as passages overlap."""
    out: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        sents = [s for s in re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8")) if s]
        out += [" ".join(sents[k : k + 2]) for k in range(max(1, len(sents) - 1))]
    return out


def reference_cosine(m: sp.csr_matrix, pairs: np.ndarray) -> np.ndarray:
    """The old whole-matrix computation: chunks of ``_PAIR_CHUNK`` pairs in the caller's order."""
    out = np.empty(len(pairs), dtype=np.float32)
    for lo in range(0, len(pairs), tf._PAIR_CHUNK):
        a, b = pairs[lo : lo + tf._PAIR_CHUNK, 0], pairs[lo : lo + tf._PAIR_CHUNK, 1]
        out[lo : lo + len(a)] = np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel()
    return np.clip(out, 0.0, 1.0)
