"""Texts that live on are written as copies: the same bytes, no UTF-8 form kept in them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from lineage.models import Passage
from lineage.output import dumps_bytes, unshared
from lineage.pipeline import _passage_record


@given(st.text())
def test_unshared_is_an_equal_string(text: str) -> None:
    copy = unshared(text)
    assert copy == text and type(copy) is str
    assert text.isascii() or copy is not text


@given(st.text(), st.text(min_size=1), st.integers(0, 10**6), st.integers(0, 10**6))
def test_passage_record_is_to_dict(text: str, art: str, index: int, start: int) -> None:
    p = Passage(f"{art}#p{index}", art, index, start, start + len(text), 0, len(text), text)
    assert _passage_record(p) == p.to_dict()
    assert dumps_bytes(_passage_record(p), floats=False) == dumps_bytes(p.to_dict())
