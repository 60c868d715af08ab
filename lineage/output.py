"""Writing results: atomic files, canonical JSON, tables for the terminal.

Every file is written to a temporary file in the same folder and renamed into
place, so an interrupted run never leaves a half-written file. JSON is UTF-8
with non-ASCII kept, keys sorted, compact separators: the same results give
the same bytes.

:func:`dumps` (the standard library's encoder) defines those bytes;
:func:`dumps_bytes` gives the same bytes several times faster with orjson
where it is installed, and falls back to :func:`dumps` for anything orjson
would spell differently. Big files are streamed to disk in pieces, never held
whole as one string.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

orjson: Any
try:
    import orjson
except ImportError:  # pragma: no cover - orjson is optional: the same bytes, slower
    orjson = None

Default = Callable[[Any], Any]
"""Turns an object JSON does not know (a record) into one it does, as ``json.dumps(default=)``."""

CHUNK_BYTES = 1 << 22
"""Bytes gathered before each write to the file (big files never exist as one string)."""

# Floats orjson spells unlike Python's repr: 1e-05 as 0.00001, 2.5e-07 as 2.5e-7 (Python
# pads the exponent). A line with such a pattern (or the same characters inside a string,
# rarely) is encoded again by the standard library. Other finite floats, strings (non-ASCII
# kept, the same escapes), integers and key order (code-point order = UTF-8 byte order)
# come out the same: tests/test_output.py checks it on random values.
_SHORT_EXPONENT = re.compile(rb"\de-\d(?!\d)")
_ORJSON_SORTED = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS) if orjson else 0


def dumps(obj: Any, default: Default | None = None) -> str:
    """Canonical compact JSON (sorted keys, UTF-8 kept)."""
    return json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=default
    )


def dumps_bytes(obj: Any, default: Default | None = None, *, floats: bool = True) -> bytes:
    """``dumps(obj).encode()``, by orjson when it gives the same bytes.

    orjson refuses what it cannot encode as the standard library would (integers
    beyond 64 bits, non-string keys, lone surrogates, numpy scalars); those go
    to :func:`dumps`. ``floats=False`` is the caller's word that ``obj`` holds
    no float (passages, articles): the output is then not searched for orjson's
    float spellings, which costs as much as encoding a long text. One difference
    is left: a NaN or infinite float becomes ``null`` (valid JSON) instead of
    ``NaN``; lineage writes none.
    """
    if orjson is not None:
        try:
            data: bytes = orjson.dumps(obj, default=default, option=_ORJSON_SORTED)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
        else:
            if not floats or not _float_spelled_apart(data):
                return data
    return dumps(obj, default).encode("utf-8")


def unshared(text: str) -> str:
    """A copy of ``text`` to encode when ``text`` itself lives on after it is written.

    CPython keeps the UTF-8 form that orjson asks of a non-ASCII string inside the
    string, until the string dies. Article and passage texts live on to the end of
    the scan: their UTF-8 forms were ~0.7 GB at 100,000 articles. A copy (one
    ``memcpy``) dies with its line, UTF-8 form and all. (Escaping the text with the
    standard library instead took 2.5 times orjson's time.)
    """
    if text.isascii():  # an ASCII string is its own UTF-8
        return text
    return "".join((text, ""))  # a new string: ``text + ""`` would be ``text`` itself


def _float_spelled_apart(data: bytes) -> bool:
    """True if orjson's ``data`` may hold a float that Python spells differently."""
    return b"0.0000" in data or (b"e-" in data and _SHORT_EXPONENT.search(data) is not None)


def loads(line: str | bytes) -> Any:
    """``json.loads`` of a run file, by orjson where it parses (NaN: the standard library).

    For lineage's own files only: orjson reads an integer beyond 64 bits as a
    float, and lineage writes none (ids are strings, offsets and counts small).
    """
    if orjson is not None:
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
    return json.loads(line)


def atomic_write_bytes(path: str | Path, chunks: Iterable[bytes]) -> Path:
    """Write the ``chunks`` to ``path`` via a temporary file and ``os.replace``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``."""
    return atomic_write_bytes(path, [text.encode("utf-8")])


def _batched(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Lines joined into pieces of about ``CHUNK_BYTES`` (fewer, larger writes)."""
    buf: list[bytes] = []
    size = 0
    for line in lines:
        buf.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


def jsonl_lines(
    records: Iterable[Any], default: Default | None = None, *, floats: bool = True
) -> Iterator[bytes]:
    """Each record as one canonical JSON line (bytes, with its newline)."""
    for r in records:
        yield dumps_bytes(r, default, floats=floats) + b"\n"


def write_jsonl(
    path: str | Path,
    records: Iterable[Any],
    default: Default | None = None,
    *,
    floats: bool = True,
) -> Path:
    """Write records as JSONL (one canonical JSON object per line), atomically.

    ``default`` turns objects JSON does not know into dicts (as ``json.dumps``'s);
    ``floats=False`` says the records hold no float (see :func:`dumps_bytes`).
    Records are encoded and written as they come: a generator is never held whole.
    """
    return atomic_write_bytes(path, _batched(jsonl_lines(records, default, floats=floats)))


def pretty(obj: Any) -> str:
    """Readable canonical JSON that stays fast for big documents.

    A top-level list value gets one compact element per line (a graph's
    nodes and links: Python's indenting encoder is pure Python, ten times
    slower than the compact C one, and a node split over twenty lines helps
    nobody); other values are indented as usual. Sorted keys, UTF-8 kept.
    """
    return b"".join(_pretty_pieces(obj)).decode("utf-8")


def _pretty_pieces(obj: Any) -> Iterator[bytes]:
    """``pretty(obj)`` in pieces, one per element of a top-level list."""
    if not isinstance(obj, dict):
        yield json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")
        return
    if not obj:
        yield b"{}"
        return
    yield b"{\n"
    for n, key in enumerate(sorted(obj)):
        value, name = obj[key], json.dumps(key, ensure_ascii=False)
        head = ("" if n == 0 else ",\n") + f"  {name}: "
        if isinstance(value, list) and value:
            yield (head + "[\n").encode("utf-8")
            for i, x in enumerate(value):
                yield (b",\n    " if i else b"    ") + dumps_bytes(x)
            yield b"\n  ]"
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
            yield (head + text.replace("\n", "\n  ")).encode("utf-8")
    yield b"\n}"


def write_json(path: str | Path, obj: Any) -> Path:
    """Write one JSON document (``pretty``), atomically, streamed in pieces."""
    return atomic_write_bytes(path, _batched(itertools.chain(_pretty_pieces(obj), [b"\n"])))


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSONL file written by lineage (missing file: empty list)."""
    p = Path(path)
    if not p.exists():
        return []
    with p.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], max_width: int = 60) -> str:
    """A plain-text table for the terminal."""

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    body = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join([line, sep, *body]) + "\n"
