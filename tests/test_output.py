from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.output import atomic_write_text, dumps, read_jsonl, table, write_jsonl


def test_interrupted_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "matches.jsonl"
    target.write_text("old\n")

    def boom(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["matches.jsonl"]


@given(st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=20) | st.integers()),
                max_size=5))  # fmt: skip
def test_jsonl_round_trip_keeps_unicode(tmp_path_factory, records) -> None:
    path = tmp_path_factory.mktemp("j") / "x.jsonl"
    write_jsonl(path, records)
    assert read_jsonl(path) == records


def test_dumps_is_canonical() -> None:
    assert dumps({"b": 1, "a": "Südkorea"}) == '{"a":"Südkorea","b":1}'


def test_table_truncates_and_aligns() -> None:
    text = table([{"a": "x" * 80, "b": None}], ["a", "b"], max_width=10)
    assert text.splitlines()[2] == "xxxxxxxxx…"
    assert text.splitlines()[0] == "a           b"
