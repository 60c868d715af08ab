"""Compact match records: packed aligned spans and matches built in the parent."""

from __future__ import annotations

import json
import pickle

from hypothesis import given
from hypothesis import strategies as st

from lineage.models import AlignedSpan, AlignedSpans, Match

_INT = st.integers(min_value=0, max_value=2**31 - 1)
_SPANS = st.lists(st.tuples(_INT, _INT, _INT, _INT, _INT), max_size=6)


@given(_SPANS)
def test_aligned_spans_act_as_the_list_of_spans(rows: list[tuple[int, int, int, int, int]]) -> None:
    spans = [AlignedSpan(*r) for r in rows]
    packed = AlignedSpans(rows)
    assert AlignedSpans(spans) == packed == spans and spans == packed
    assert list(packed) == spans and len(packed) == len(spans)
    assert [packed[k] for k in range(len(spans))] == spans and packed[1:] == spans[1:]
    assert packed.to_dict() == [s.to_dict() for s in spans]
    assert pickle.loads(pickle.dumps(packed)) == packed
    assert packed != [*spans, AlignedSpan(0, 0, 0, 0, 0)]


def test_match_with_packed_spans_writes_the_same_json() -> None:
    from lineage.pipeline import _shallow_record

    def match(spans: object) -> Match:
        return Match(id="m1", a="x#p1", b="y#p2", article_a="x", article_b="y", kind="rewritten",
                     jaccard=0.1, cosine=0.8, containment_ab=0.2, containment_ba=0.3,
                     shared_facts=["number:1100"], changed_facts=[], spans=spans,  # type: ignore[arg-type]
                     score=0.8)  # fmt: skip

    rows = [(1, 5, 2, 6, 4), (10, 30, 40, 60, 7)]
    plain, packed = match([AlignedSpan(*r) for r in rows]), match(AlignedSpans(rows))
    assert plain == packed
    want = json.dumps(plain.to_dict())
    assert json.dumps(packed.to_dict()) == want
    assert json.dumps(packed, default=_shallow_record) == want
    assert json.dumps(plain, default=_shallow_record) == want


def test_found_matches_are_sorted_rounded_and_share_objects() -> None:
    from lineage.config import Settings
    from lineage.match import find_matches
    from lineage.models import Article
    from lineage.normalize import normalize
    from lineage.segment import passages
    from tests.test_match import COPY, LIGHT, ORIGINAL, REWRITE, UNRELATED

    texts = {"d": REWRITE, "a": ORIGINAL, "c": LIGHT, "b": COPY, "e": UNRELATED}
    s = Settings()
    docs = {k: normalize(Article(id=k, text=v)) for k, v in texts.items()}
    ps = [p for k in sorted(docs)[::-1] for p in passages(docs[k], s.passage_sentences,
                                                            s.min_passage_words)]  # fmt: skip
    result = find_matches(docs, ps, s)
    ms = result.matches
    assert len(ms) >= 3 and result.signatures is None
    assert ms == sorted(ms, key=lambda m: (m.article_a, m.article_b, m.a, m.b))
    ids = {id(p.id) for p in ps}
    for m in ms:
        assert id(m.a) in ids and id(m.b) in ids
        assert isinstance(m.spans, AlignedSpans) and all(sp.words >= 3 for sp in m.spans)
        for v in (m.jaccard, m.cosine, m.containment_ab, m.containment_ba):
            assert v == round(v, 4)
        assert m.score == round(max(m.jaccard, m.cosine), 4)


def boilerplate_shingles(shingles, outlets, min_articles, min_share):  # type: ignore[no-untyped-def]
    """The former ``match.boilerplate_shingles``: per outlet, a ``np.unique`` per article."""
    from collections import defaultdict

    import numpy as np

    by_outlet = defaultdict(list)
    for i, outlet in enumerate(outlets):
        if outlet:
            by_outlet[outlet].append(i)
    out = {}
    for outlet, idx in by_outlet.items():
        if len(idx) < min_articles:
            continue
        per_article = np.concatenate([np.unique(shingles[i]) for i in idx])
        values, counts = np.unique(per_article, return_counts=True)
        need = max(min_articles, int(np.ceil(min_share * len(idx))))
        common = values[counts >= need]
        if len(common):
            out[outlet] = common
    return out


def _drop_boilerplate_reference(values, offsets, groups, outlets, art_outlets, s):  # type: ignore[no-untyped-def]
    """The former ``_drop_boilerplate`` (an owner, article and order per shingle)."""
    import numpy as np

    n = len(offsets) - 1
    owner = np.repeat(np.arange(n), np.diff(offsets))
    art_owner = groups[owner]
    order = np.argsort(art_owner, kind="stable")
    art_sizes = np.bincount(art_owner, minlength=len(art_outlets))
    per_article = np.split(values[order], np.cumsum(art_sizes)[:-1])
    boiler = boilerplate_shingles(per_article, art_outlets, s.boilerplate_min_articles,
                                  s.boilerplate_min_share)  # fmt: skip
    if not boiler:
        return values, offsets, 0, set()
    drop = np.zeros(len(values), dtype=bool)
    outlet_arr = np.array([o or "" for o in outlets], dtype=object)
    for outlet, common in boiler.items():
        drop |= (outlet_arr == outlet)[owner] & np.isin(values, common)
    before = np.diff(offsets)
    after = np.bincount(owner[~drop], minlength=n)
    boiler_passages = {int(i) for i in np.flatnonzero(after < 0.5 * before)
                       if outlets[int(i)] in boiler}  # fmt: skip
    return (values[~drop], np.r_[0, np.cumsum(after)].astype(np.int64), int(drop.sum()),
            boiler_passages)  # fmt: skip


@given(st.integers(0, 2**32 - 1), st.booleans())
def test_drop_boilerplate_equals_reference(seed: int, grouped: bool) -> None:
    import numpy as np

    from lineage.config import Settings
    from lineage.match import _drop_boilerplate

    rng = np.random.default_rng(seed)
    arts = int(rng.integers(1, 12))
    art_outlets = [rng.choice(["a.de", "b.de", "c.de", None]) for _ in range(arts)]
    groups = np.sort(rng.integers(0, arts, int(rng.integers(0, 40))))
    if not grouped:
        groups = rng.permutation(groups)
    sizes = rng.integers(0, 12, len(groups))
    values = rng.integers(0, int(rng.integers(5, 60)), int(sizes.sum())).astype(np.uint32)
    offsets = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    outlets = [art_outlets[g] for g in groups.tolist()]
    s = Settings(boilerplate_min_articles=int(rng.integers(1, 4)),
                 boilerplate_min_share=float(rng.uniform(0.1, 0.9)))  # fmt: skip
    got = _drop_boilerplate(values, offsets, groups, outlets, art_outlets, s)
    want = _drop_boilerplate_reference(values, offsets, groups, outlets, art_outlets, s)
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert got[2:] == want[2:]


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "ab", "c"]), st.text("p#019", max_size=4)),
                max_size=40))  # fmt: skip
def test_passage_rank_is_the_order_by_article_then_id(keys: list[tuple[str, str]]) -> None:
    import numpy as np

    from lineage.match import _passage_rank
    from lineage.models import Passage

    ps = [Passage(id=f"{i}{a}", article=a, index=k, start=0, end=1, cstart=0, cend=1, text="x")
          for k, (a, i) in enumerate(keys)]  # ids need not start with the article's  # fmt: skip
    arts = sorted({p.article for p in ps})
    groups = np.array([arts.index(p.article) for p in ps], dtype=np.int64)
    want = np.empty(len(ps), dtype=np.int64)
    want[sorted(range(len(ps)), key=lambda k: (ps[k].article, ps[k].id))] = np.arange(len(ps))
    assert np.array_equal(_passage_rank(ps, groups), want)
