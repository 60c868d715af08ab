"""The fast writers give the bytes of the reference ones (the standard library's encoder)."""

from __future__ import annotations

import json
import math
import random
import struct
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import output
from lineage.models import record
from lineage.output import dumps, dumps_bytes, pretty, write_json, write_jsonl

FINITE = st.floats(allow_nan=False, allow_infinity=False)
SCALARS = st.none() | st.booleans() | st.integers() | FINITE | st.text()
JSONISH = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4)
    ),
    max_leaves=12,
)


def _reference_pretty(obj: Any) -> str:
    """``output.pretty`` as it was written first (one whole string)."""
    if not isinstance(obj, dict):
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2)
    parts = []
    for key in sorted(obj):
        value, name = obj[key], json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value:
            body = ",\n".join("    " + dumps(x) for x in value)
            parts.append(f"  {name}: [\n{body}\n  ]")
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
            parts.append(f"  {name}: " + text.replace("\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


@given(JSONISH)
@settings(max_examples=400, deadline=None)
def test_dumps_bytes_equals_dumps(obj: Any) -> None:
    assert dumps_bytes(obj) == dumps(obj).encode("utf-8")


def test_dumps_bytes_equals_dumps_on_every_float_spelling() -> None:
    rng = random.Random(7)
    values = [1e-05, 5e-05, 2.5e-07, 1e-4, 1e16, 1e22, 5e-324, -0.0, 0.1, 1.7976931348623157e308]
    for i in range(20_000):
        if i % 2:
            v = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        else:
            v = rng.random() * 10.0 ** rng.randint(-30, 30)
        if math.isfinite(v):
            values.append(v)
    for v in values:
        assert dumps_bytes({"x": [v]}) == dumps({"x": [v]}).encode("utf-8"), v


@pytest.mark.parametrize(
    "obj",
    [
        {"big": 2**70, "neg": -(2**64)},  # orjson refuses: the standard library writes them
        {"text": "0.00001 e-7 Südkorea \u2028 \x00 \U0001f600"},  # looks like a float: re-encoded
        {"b": 1, "a": {"d": [1.5, None, True], "c": ()}},
    ],
)
def test_dumps_bytes_falls_back_where_orjson_differs(obj: Any) -> None:
    assert dumps_bytes(obj) == dumps(obj).encode("utf-8")


def test_dumps_bytes_without_orjson(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "orjson", None)
    assert dumps_bytes({"b": 1e-05, "a": "ü"}) == '{"a":"ü","b":1e-05}'.encode()


@given(st.dictionaries(st.text(max_size=4), JSONISH, max_size=4))
@settings(max_examples=200, deadline=None)
def test_pretty_equals_the_reference(obj: dict[str, Any]) -> None:
    assert pretty(obj) == _reference_pretty(obj)


def test_streamed_files_equal_one_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "CHUNK_BYTES", 64)  # many pieces
    graph = {"nodes": [{"id": f"n{i}", "w": i / 7} for i in range(50)], "directed": True}
    write_json(tmp_path / "g.json", graph)
    assert (tmp_path / "g.json").read_text(encoding="utf-8") == _reference_pretty(graph) + "\n"
    rows = [{"i": i, "t": "ü" * i} for i in range(100)]
    write_jsonl(tmp_path / "r.jsonl", iter(rows))
    expected = "".join(dumps(r) + "\n" for r in rows)
    assert (tmp_path / "r.jsonl").read_text(encoding="utf-8") == expected


def test_records_written_shallow_equal_to_dict(seed_run: Any, tmp_path: Path) -> None:
    """``write_run`` hands records to the encoder one level at a time: same lines."""
    from lineage.pipeline import _shallow_record

    for recs in (seed_run.matches, seed_run.clusters, seed_run.stories):
        assert recs
        write_jsonl(tmp_path / "x.jsonl", recs, default=_shallow_record)
        expected = "".join(dumps(record(r)) + "\n" for r in recs)
        assert (tmp_path / "x.jsonl").read_text(encoding="utf-8") == expected
