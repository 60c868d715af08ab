"""Records: the run-length offset map behaves exactly like the full list."""

from __future__ import annotations

import pickle
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.models import Article, Block, Document, OffsetMap

steps = st.lists(st.integers(0, 3), max_size=200)


@given(steps, st.integers(0, 50))
def test_offset_map_equals_list(deltas: list[int], first: int) -> None:
    offsets, pos = [], first
    for d in deltas:
        pos += d
        offsets.append(pos)
    m = OffsetMap(array("i", offsets))
    assert len(m) == len(offsets)
    assert [m[i] for i in range(len(m))] == offsets
    assert list(m) == offsets and m == offsets
    if offsets:
        assert m[-1] == offsets[-1]
        assert m[1:4] == offsets[1:4]
    assert pickle.loads(pickle.dumps(m)) == m
    assert OffsetMap(offsets) == m  # any sequence, not only array("i")


def test_offset_map_out_of_range_and_document_conversion() -> None:
    m = OffsetMap([0, 1, 2, 5, 6])
    with pytest.raises(IndexError):
        m[5]
    art = Article(id="a", text="ab  cd")
    doc = Document(article=art, clean="ab cd", offsets=[0, 1, 2, 4, 5, 6], blocks=[])
    assert isinstance(doc.offsets, OffsetMap)
    assert doc.to_original(3, 5) == (4, 6)
    assert doc.to_original(2, 2) == (2, 2)


def test_record_matches_asdict_in_json() -> None:
    import dataclasses
    import json

    from lineage.models import AlignedSpan, Match

    m = Match(id="m1", a="x#p1", b="y#p2", article_a="x", article_b="y", kind="rewritten",
              jaccard=0.1, cosine=0.5, containment_ab=0.2, containment_ba=0.3,
              shared_facts=["number:1100"],
              changed_facts=[{"kind": "number", "a": "10", "b": "12"}],
              spans=[AlignedSpan(1, 5, 2, 6, 1)], score=0.5)  # fmt: skip
    assert json.dumps(m.to_dict(), sort_keys=True) == json.dumps(dataclasses.asdict(m),
                                                                 sort_keys=True)  # fmt: skip
    d = m.to_dict()
    d["spans"][0]["words"] = 99  # a copy: the record is not changed
    assert m.spans[0].words == 1


@given(st.text(max_size=12), st.integers(-(2**40), 2**40), st.integers(-(2**40), 2**40))
def test_block_pickles_as_an_equal_block(kind: str, start: int, end: int) -> None:
    """Blocks cross process boundaries (normalize workers): the short pickle keeps them equal."""
    block = Block(kind, start, end)
    back = pickle.loads(pickle.dumps([block, block], protocol=pickle.HIGHEST_PROTOCOL))
    assert back == [block, block] and hash(back[0]) == hash(block)
    with pytest.raises(AttributeError):
        back[0].start = 1  # type: ignore[misc]  # still frozen
