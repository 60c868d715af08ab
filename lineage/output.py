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
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

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
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=default or _packed
    )


def _packed(obj: Any) -> Any:
    """The default ``default``: packed links (:class:`PackedLinks`) as the list they are."""
    if isinstance(obj, PackedLinks):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


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
            data: bytes = orjson.dumps(obj, default=default or _packed, option=_ORJSON_SORTED)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
        else:
            if not floats or not _float_spelled_apart(data):
                return data
    return dumps(obj, default).encode("utf-8")


def dumps_kept(obj: Any) -> bytes:
    """``dumps_bytes(obj)`` as a bytes object of its own size, to be kept.

    orjson 3.8's result holds on to its whole output buffer (~4 KB each at 100k
    small objects, measured): a copy costs one ``memcpy`` and lets that go.
    """
    data = dumps_bytes(obj)
    return bytes(memoryview(data)) if orjson is not None else data


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
        packed = isinstance(value, PackedLinks)  # a list whose lines are made
        if (isinstance(value, list) or packed) and len(value):
            yield (head + "[\n").encode("utf-8")
            lines = value.json_lines() if packed else map(dumps_bytes, value)
            for i, line in enumerate(lines):
                yield (b",\n    " if i else b"    ") + line
            yield b"\n  ]"
        elif packed:
            yield (head + "[]").encode("utf-8")
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
            yield (head + text.replace("\n", "\n  ")).encode("utf-8")
    yield b"\n}"


LINK_KINDS = (
    "cites",
    "shares_content",
    "derives_from",
    "publishes",
    "outlet_cites",
    "outlet_shares_content",
    "outlet_derives_from",
)
"""Edge kinds the graph has; :attr:`PackedLinks.kinds` holds each link's position here + 1."""


class PackedLinks(Sequence[dict[str, Any]]):
    """A graph's links as ``graph.json`` spells them, compressed, plus the columns reports rank by.

    The node-link dict's links were most of what a scan held after its graph was
    built (100,000 articles: ~0.9 GB of dicts; the same JSON lines compressed are
    a tenth of that). It is still the sequence of link dicts (each decoded when
    read: ``list(links)`` gives the plain list); :meth:`json_lines` gives the
    lines ``output.write_json`` writes, and the columns (``sources``,
    ``targets``: positions in ``ids``; ``kinds``; ``confidences``) let a reader
    choose links without decoding them all (:meth:`select`).
    """

    BLOCK = 2048
    """Links per compressed block (the unit of decoding)."""

    def __init__(self) -> None:
        self.block = self.BLOCK  # this one's, whatever BLOCK is later
        self.ids: list[str] = []  # node ids the links name (their own strings, shared)
        self.sources = array("i")
        self.targets = array("i")
        self.kinds = bytearray()  # LINK_KINDS position + 1; 0 for another kind
        self.confidences = array("d")  # float(confidence or 0), as the report ranks them
        self._blocks: list[bytes] = []
        self._pending: list[bytes] = []
        self._index: dict[str, int] = {}
        self._cache: tuple[int, list[bytes]] = (-1, [])

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_cache"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _cache=(-1, []))

    @classmethod
    def of(cls, links: Iterable[dict[str, Any]]) -> PackedLinks:
        """``links`` (dicts) packed."""
        out = cls()
        for lk in links:
            out.add(lk)
        out.finish()
        return out

    def add(self, link: dict[str, Any], line: bytes | None = None) -> None:
        """Append one link (``line``: its canonical JSON, if the caller has it)."""
        self.add_line(
            dumps_kept(link) if line is None else line,
            link["source"],
            link["target"],
            link.get("kind"),
            float(link.get("confidence") or 0),
        )

    def add_line(self, line: bytes, source: str, target: str, kind: Any, confidence: float) -> None:
        """Append one link by its canonical JSON and columns (``confidence``: or 0)."""
        self._pending.append(line)
        self.sources.append(self._id(source))
        self.targets.append(self._id(target))
        self.kinds.append(LINK_KINDS.index(kind) + 1 if kind in LINK_KINDS else 0)
        self.confidences.append(confidence)
        if len(self._pending) >= self.block:
            self.finish()

    def _id(self, node: str) -> int:
        i = self._index.get(node)
        if i is None:
            i = self._index[node] = len(self.ids)
            self.ids.append(node)
        return i

    def finish(self) -> None:
        """Compress the links added since the last block (zlib's fastest level: a pass
        costs little). Called as each block fills and once after the last link."""
        if self._pending:
            self._blocks.append(zlib.compress(b"\n".join(self._pending), 1))
            self._pending = []

    def _block(self, b: int) -> list[bytes]:
        """The lines of block ``b`` (the last one decompressed is kept)."""
        if b == len(self._blocks):  # the block being filled
            return self._pending
        if self._cache[0] != b:
            self._cache = (b, zlib.decompress(self._blocks[b]).split(b"\n"))
        return self._cache[1]

    def __len__(self) -> int:
        return len(self.kinds)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return self.select(range(len(self))[i])
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("link index out of range")
        line: bytes = self._block(i // self.block)[i % self.block]
        return loads(line)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for line in self.json_lines():
            yield loads(line)

    def json_lines(self) -> Iterator[bytes]:
        """Each link's canonical JSON (``output.dumps_bytes``), in order, one block at a time."""
        for b in range(len(self._blocks) + 1):
            yield from self._block(b)

    def select(self, indices: Iterable[int]) -> list[dict[str, Any]]:
        """The links at ``indices`` (in that order), decoding only their blocks."""
        return [self[i] for i in indices]

    def of_kind(self, *kinds: str) -> Iterator[dict[str, Any]]:
        """The links of ``kinds``, in order (only they are decoded)."""
        codes = {LINK_KINDS.index(k) + 1 for k in kinds if k in LINK_KINDS}
        for i, code in enumerate(self.kinds):
            if code in codes:
                yield self[i]

    def only(self, *kinds: str) -> Iterable[dict[str, Any]]:
        """:meth:`of_kind` as a view that can be iterated more than once."""
        return _KindView(self, kinds)

    def kind(self, i: int) -> str | None:
        """The kind of link ``i`` if it is one of :data:`LINK_KINDS` (else ``None``)."""
        code = self.kinds[i]
        return LINK_KINDS[code - 1] if code else None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedLinks):
            return list(self.json_lines()) == list(other.json_lines())
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<PackedLinks: {len(self)} links>"


class _KindView:
    """The links of some kinds of a :class:`PackedLinks` (``PackedLinks.only``)."""

    def __init__(self, links: PackedLinks, kinds: tuple[str, ...]) -> None:
        self.links, self.kinds = links, kinds

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.links.of_kind(*self.kinds)


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
