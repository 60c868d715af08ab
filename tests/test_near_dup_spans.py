"""Near-duplicate stage, sixth pass: spans read in the tasks, leading permutations only."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_near_dup import TEXTS as NEAR_DUP_TEXTS

from lineage import match
from lineage.config import Settings
from lineage.minhash import Signer, lsh_candidates, lsh_params, set_overlaps
from lineage.models import Article, Passage
from lineage.normalize import normalize
from lineage.segment import passages

TEXTS = NEAR_DUP_TEXTS[:2]  # two unrelated articles (the third splices them)


def _corpus() -> tuple[dict, list[Passage]]:
    docs = {}
    for i, text in enumerate(TEXTS * 3):
        art = Article(id=f"d{i:02d}", text=text)
        docs[art.id] = normalize(art)
    return docs, [p for k in sorted(docs) for p in passages(docs[k], 2, 5)]


def _own(p: Passage, **change: object) -> Passage:
    """``p`` holding its text itself (no shared clean text), fields changed."""
    fields = {f.name: getattr(p, f.name) for f in dataclasses.fields(p)} | {"clean": None}
    fields["text"] = p.text
    return Passage(**(fields | change))  # type: ignore[arg-type]


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(-3, 3), st.integers(-3, 400)),
                max_size=6))  # fmt: skip
def test_shared_clean_or_own_text_or_odd_spans_shingle_as_the_passage_text(
    edits: list[tuple[int, int, int]],
) -> None:
    """Passages sharing their article's clean text skip the text check; any other passage
    (own text, a span moved or reaching past the text) is shingled from its own text."""
    docs, ps = _corpus()
    for which, kind, shift in edits:
        k = which * 3 % len(ps)
        p = ps[k]
        if kind == 0:
            ps[k] = _own(p)
        elif kind > 0:  # shares the clean text, span moved: its text is the moved span
            ps[k] = Passage(p.id, p.article, p.index, p.start, p.end, max(0, p.cstart + shift),
                            p.cend + shift, None, docs[p.article].clean)  # fmt: skip
        else:  # its own text, at offsets that no longer match it
            ps[k] = _own(p, cstart=p.cstart + shift, cend=p.cend + shift)
    values, offsets = match.shingle_table(docs, ps, Settings())
    signer = Signer()
    for k, p in enumerate(ps):
        assert np.array_equal(values[offsets[k] : offsets[k + 1]], signer.shingles(p.text))


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 140))
def test_leading_permutations_equal_the_full_signatures(perms: int) -> None:
    docs, ps = _corpus()
    values, offsets = match.shingle_table(docs, ps, Settings())
    signer = Signer()
    full = signer.signatures_flat(values, offsets)
    part = signer.signatures_flat(values, offsets, perms=perms)
    assert part.shape == (len(ps), min(perms, 128))
    assert np.array_equal(part, full[:, :perms])


def test_near_duplicates_equal_the_full_signatures_lsh() -> None:
    """``near_duplicates`` signs only the LSH's columns: the same pairs as all 128."""
    docs, ps = _corpus()
    s = Settings()
    values, offsets, sigs = match.shingles_and_signatures(docs, ps, s)
    assert lsh_params(s.lsh_threshold, s.num_perm)[0] * lsh_params(s.lsh_threshold,
                                                                   s.num_perm)[1] < 128  # fmt: skip
    ids = sorted(docs)
    groups = np.array([ids.index(p.article) for p in ps])
    pairs = lsh_candidates(sigs, groups, s.lsh_threshold)
    inter = set_overlaps(values, offsets, pairs)
    la, lb = np.diff(offsets)[pairs[:, 0]], np.diff(offsets)[pairs[:, 1]]
    keep = (inter / (la + lb - inter) >= s.near_verbatim_min_jaccard) | (
        inter / np.minimum(la, lb) >= s.near_verbatim_min_containment)  # fmt: skip
    got = match.near_duplicates(docs, ps, s)
    assert len(got) > 3 and np.array_equal(got, pairs[keep])


@settings(deadline=None, max_examples=40)
@given(st.lists(st.lists(st.integers(0, 30), max_size=12), min_size=1, max_size=10),
       st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=20))  # fmt: skip
def test_set_overlaps_equal_intersect1d(sets: list[list[int]], raw: list[tuple[int, int]]) -> None:
    flat = [np.unique(np.array(x, dtype=np.uint32)) for x in sets]
    values = np.concatenate(flat)
    offsets = np.r_[0, np.cumsum([len(x) for x in flat])].astype(np.int64)
    n = len(sets)
    pairs = np.array([(a % n, b % n) for a, b in raw], dtype=np.int64).reshape(-1, 2)
    want = [len(np.intersect1d(flat[a], flat[b])) for a, b in pairs.tolist()]
    got = set_overlaps(values, offsets, pairs)
    assert got.dtype == np.float64 and got.tolist() == [float(w) for w in want]


def test_shared_signature_columns_equal_returned_ones(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Forked tasks writing into shared columns give the signatures tasks send back."""
    import pickle

    import pytest

    from lineage.engine import LocalEngine

    docs, ps = _corpus()
    s = Settings()
    monkeypatch.setattr(match, "_CHARS_PER_CHUNK", 400)
    shared = match.shingles_and_signatures(docs, ps, s, LocalEngine(2))
    monkeypatch.setattr(match._SharedColumns, "usable", staticmethod(lambda engine: False))
    sent = match.shingles_and_signatures(docs, ps, s, LocalEngine(2))
    assert all(np.array_equal(a, b) for a, b in zip(shared, sent, strict=True))
    with pytest.raises(TypeError):
        pickle.dumps(match._SharedColumns(2, 3))
