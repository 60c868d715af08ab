"""JSONL files are read line by line: the same records, checks and checksums as whole."""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import ingest
from lineage.errors import InputError
from lineage.ingest import IngestResult, decode, read_articles, read_jsonl, split_lines


def _whole_file(path: Path, result: IngestResult, text_key: str, id_key: str) -> list[object]:
    """What ingest did before: all bytes read and decoded, then ``StringIO`` lines."""
    data = path.read_bytes()
    result.inputs.append({"path": str(path), "sha256": hashlib.sha256(data).hexdigest()})
    text, _ = decode(data, path)
    return list(read_jsonl(io.StringIO(text), str(path), text_key, id_key))


def _both(path: Path, strict: bool = False) -> tuple[object, object]:
    """``read_articles`` streamed and whole-file: the results, or the error raised."""
    out = []
    for reader in (ingest._read_jsonl_path, _whole_file):
        with mock.patch.object(ingest, "_read_jsonl_path", reader):
            try:
                out.append(read_articles([path], strict=strict))
            except InputError as err:
                out.append((err.path, err.reason, err.line))
    return out[0], out[1]


_TEXTS = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_LINE = st.one_of(
    st.builds(lambda i, t: json.dumps({"id": str(i), "text": t}), st.integers(0, 30), _TEXTS),
    st.builds(lambda t: json.dumps({"id": "x", "text": t}, ensure_ascii=False), _TEXTS),
    st.sampled_from(["", " ", "\t", "{broken", "[1, 2]", '{"id": "y"}', "\u2028", "\u00a0",
                     '{"id": "z", "text": "a\rb"}', '{"id": "w",\r "text": "c"}', "\x01\x02"]),
)  # fmt: skip
_ENDS = st.sampled_from([b"\n", b"\r\n", b"\r\n\n", b"\n\n"])


@st.composite
def _jsonl_bytes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.tuples(_LINE, _ENDS), max_size=8))
    data = b"".join(line.encode("utf-8") + end for line, end in lines)
    if draw(st.booleans()):
        data = data.rstrip(b"\n")  # no final line end
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data  # BOM
    extra = draw(st.sampled_from([b"", b"", b"\xe4\n", b"\x00", b"\x07" * 20, b"\xc3"]))
    at = draw(st.integers(0, len(data)))
    return data[:at] + extra + data[at:]


@settings(max_examples=300, deadline=None)
@given(_jsonl_bytes())
def test_streamed_jsonl_equals_whole_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.jsonl"
        path.write_bytes(data)
        streamed, whole = _both(path)
        assert streamed == whole
        streamed, whole = _both(path, strict=True)
        assert streamed == whole


def test_checks_see_the_head_of_a_long_file(tmp_path: Path) -> None:
    """Control characters past the first 8192 characters do not reject the file."""
    path = tmp_path / "feed.jsonl"
    line = json.dumps({"id": "1", "text": "ä€" * 9000}, ensure_ascii=False) + "\n"
    path.write_text(line + json.dumps({"id": "2", "text": "\x07" * 5000}) + "\n", "utf-8")
    streamed, whole = _both(path)
    assert streamed == whole and len(whole.articles) == 2  # type: ignore[attr-defined]
    path.write_bytes(b" " * 40_000 + b"\x07" * 100 + line.encode())
    streamed, whole = _both(path)
    assert streamed == whole and not whole.articles  # type: ignore[attr-defined]


@given(st.text(st.sampled_from("ab\n\r\u2028 "), max_size=30))
def test_split_lines_is_stringio(text: str) -> None:
    assert list(split_lines(text)) == list(io.StringIO(text))
