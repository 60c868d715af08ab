"""The report's lean reading gives what parsing whole files gives (same report bytes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import report
from lineage.output import write_json, write_jsonl
from lineage.pipeline import write_run

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False)
)
VALUES = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=4), kids, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=5), VALUES, max_size=5))
@settings(max_examples=150, deadline=None)
def test_pretty_file_read_line_by_line_equals_json_loads(
    tmp_path_factory: Any, obj: dict[str, Any]
) -> None:
    path = tmp_path_factory.mktemp("g") / "graph.json"
    write_json(path, obj)
    assert report._read_json(path) == json.loads(path.read_text(encoding="utf-8"))


def test_other_json_layouts_are_parsed_whole(tmp_path: Path) -> None:
    path = tmp_path / "graph.json"
    for text in ('{"a": [1,\n 2], "b": {"c": 1}}', "{\n}", '{\n  "a": 1,\n  "b": [\n    1\n  ]\n}'):
        path.write_text(text, encoding="utf-8")
        assert report._read_json(path) == json.loads(text)


def test_passages_filtered_by_article_with_any_key_order(tmp_path: Path) -> None:
    rows = [
        {"article": "a", "end": 5, "id": "a#p0", "index": 0, "start": 0, "text": 'x ,"text": y'},
        {"text": "first", "id": "b#p0", "article": "b", "start": 1, "end": 2, "index": 0},
        {"article": 'c"q', "end": 3, "id": 'c"q#p0', "index": 0, "start": 2, "text": "z"},
        {"article": "d", "end": 9, "id": "d#p0", "index": 0, "start": 4, "text": "w"},
    ]
    write_jsonl(tmp_path / "passages.jsonl", rows)
    run = report.RunData(tmp_path, [], [], [], {}, [], None, {})
    lean = [{k: r[k] for k in report.PASSAGE_KEYS} for r in rows]
    assert list(run.iter_passages()) == lean
    assert list(run.iter_passages({"b", 'c"q'})) == lean[1:3]


def test_report_of_write_run_equals_report_of_the_folder(seed_run: Any, tmp_path: Path) -> None:
    """write_run hands the report what it wrote; `lineage report` parses it: same bytes."""
    out = tmp_path / "run"
    write_run(seed_run, out)
    again = tmp_path / "again"
    shutil.copytree(out, again)
    (again / "report.html").unlink()
    (again / "report.md").unlink()
    report.write_report(again)
    for name in ("report.html", "report.md"):
        assert (out / name).read_bytes() == (again / name).read_bytes()


def test_matches_filtered_by_article_with_any_key_order(tmp_path: Path) -> None:
    rows = [
        {"a": "a#p0", "article_a": "a", "article_b": "b", "b": "b#p0", "id": "m1", "kind": "x"},
        {"id": "m2", "kind": "y", "b": "c#p0", "a": "a#p1", "article_b": "c", "article_a": "a"},
        {"a": 'q"#p0', "article_a": 'q"', "article_b": "b", "b": "b#p1", "id": "m3"},
        {"a": "a#p2", "article_a": "a", "article_b": "d", "b": "d#p0", "id": "m4", "score": 1},
    ]
    write_jsonl(tmp_path / "matches.jsonl", rows)
    run = report.RunData(tmp_path, [], [], [], {}, [], None, {})
    assert [m["id"] for m in run.iter_matches()] == ["m1", "m2", "m3", "m4"]
    assert [m["id"] for m in run.iter_matches({"a", "b", 'q"'})] == ["m1", "m3"]
    assert [m["id"] for m in run.iter_matches({"a", "c", "d"})] == ["m2", "m4"]
    assert next(run.iter_matches(lean=False)) == rows[0]
