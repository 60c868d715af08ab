"""Records: the run-length offset map behaves exactly like the full list."""

from __future__ import annotations

import pickle
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.models import Article, Document, OffsetMap

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
