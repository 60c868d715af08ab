"""The records that flow between stages.

Every record is a small slotted dataclass with ``to_dict()`` producing the
JSON object written to the run folder. Offsets are character offsets into the
*original* article text (``Article.text``), so a match can always be shown
where it stands.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, overload

import numpy as np


def _plain(value: Any) -> Any:
    """JSON-ready copy of a field value (records, lists, tuples and dicts inside)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def record(obj: Any) -> dict[str, Any]:
    """``dataclasses.asdict`` without its deep copies and recursion machinery (5x faster)."""
    return {name: _plain(getattr(obj, name)) for name in _field_names(type(obj))}


def shallow_record(obj: Any) -> dict[str, Any]:
    """``record(obj)`` one level deep: nested values are the object's own (not copied).

    Gives the same JSON as ``record`` when an encoder comes back for the records
    inside (``json.dumps(default=...)``), without copying every list.
    """
    return {name: getattr(obj, name) for name in _field_names(type(obj))}


@dataclass(slots=True)
class Article:
    """One input article as read, before any cleanup.

    ``provenance`` says where each metadata value came from: ``"jsonl"``,
    ``"html"``, ``"metadata"``, ``"text"`` (inferred from the text), ``"url"``
    (outlet inferred from the URL) or ``"filename"``.
    """

    id: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    path: str = ""
    line: int | None = None
    sha256: str = ""
    encoding: str = "utf-8"
    provenance: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``articles.jsonl``."""
        return record(self)


@dataclass(frozen=True, slots=True)
class Block:
    """A region of an article: body paragraph, headline, reference list, teaser..."""

    kind: str
    start: int
    end: int

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a constructor call: the normalize workers send every block back
        (60k blocks at 10k articles: pickling 0.15 -> 0.04 s, unpickling 0.18 -> 0.10 s
        against the default for frozen slotted dataclasses)."""
        return (Block, (self.kind, self.start, self.end))

    def to_dict(self) -> dict[str, Any]:
        """JSON object."""
        return record(self)


class OffsetMap(Sequence[int]):
    """Clean-text position -> original position, stored as runs.

    Normalization mostly copies characters one for one, so the map is a few
    runs of consecutive positions; storing the run starts instead of one
    integer per character keeps documents small (an int per character was 4
    bytes per character of text, 0.8 GB at 100,000 articles) and cheap to send
    to worker processes. Indexing gives exactly what the full list would.
    """

    __slots__ = ("_length", "_origin", "_starts")

    def __init__(self, offsets: Sequence[int]) -> None:
        arr = (np.frombuffer(offsets, dtype=np.int32) if isinstance(offsets, array)
               and offsets.typecode == "i" else np.asarray(offsets, dtype=np.int64))  # fmt: skip
        runs = np.flatnonzero(np.r_[True, np.diff(arr) != 1]) if len(arr) else arr[:0]
        self._starts = array("i", runs.astype(np.int32).tobytes())
        self._origin = array("i", arr[runs].astype(np.int32).tobytes())
        self._length = len(arr)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._length))]
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("offset index out of range")
        k = bisect_right(self._starts, i) - 1
        return self._origin[k] + (i - self._starts[k])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash((self._length, bytes(self._starts), bytes(self._origin)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (OffsetMap.from_runs, (self._length, self._starts, self._origin))

    @classmethod
    def from_runs(cls, length: int, starts: array[int], origin: array[int]) -> OffsetMap:
        """The map whose run ``k`` begins at clean position ``starts[k]`` = ``origin[k]``.

        Runs are maximal stretches where the original offset grows by one per
        character; a normalizer that tracks them needs no list per character.
        """
        m = cls.__new__(cls)
        m._length, m._starts, m._origin = length, starts, origin
        return m


@dataclass(slots=True)
class Document:
    """An article after normalization.

    ``clean`` is the normalized text; ``offsets[i]`` is the position in the
    original text of ``clean[i]`` (with one extra entry for the end), so any
    span of ``clean`` maps back to the original. ``blocks`` are spans of
    ``clean``: ``body`` blocks take part in similarity; ``references``,
    ``teaser`` and ``boilerplate`` do not (references still feed attribution).
    """

    article: Article
    clean: str
    offsets: Sequence[int]
    blocks: list[Block]
    # sentence spans of every block but teasers, flattened ``start, end, ...`` in text
    # order: made once (``segment.sentence_spans``) for segment and attribution to share
    sentences: array[int] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.offsets, OffsetMap):
            self.offsets = OffsetMap(self.offsets)

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        """Pickles made before documents kept their sentences (default slot state)."""
        self.sentences = None
        for name, value in state[1].items():
            setattr(self, name, value)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of ``clean`` to the original text."""
        if end <= start:
            pos = self.offsets[start]
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1

    def body_spans(self) -> list[tuple[int, int]]:
        """Spans of ``clean`` that count for similarity."""
        return [(b.start, b.end) for b in self.blocks if b.kind in ("body", "title")]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence, as a span of ``Document.clean``."""

    start: int
    end: int


@dataclass(slots=True, init=False)
class Passage:
    """A unit of comparison: one sentence or a short window of sentences.

    ``start``/``end`` point into the original text; ``cstart``/``cend`` into the
    normalized text; ``text`` is the normalized passage text.

    A passage made by ``segment`` keeps no copy of its text: ``clean`` is its
    document's normalized text (one string shared by all its passages) and
    ``text`` is sliced from it, ``clean[cstart:cend]``, when read. Windows of two
    sentences stepping one at a time held the corpus text twice over (100,000
    articles: 1.45 M copies, ~0.9 GB, mostly two bytes a character). A passage
    given its ``text`` keeps that text as is (``clean`` is then ``None``).
    Pickling sends ``clean`` once per pickle however many passages share it.
    """

    id: str
    article: str
    index: int
    start: int
    end: int
    cstart: int
    cend: int
    text: str  # a property over this slot, set after the class (see ``_own_text``)
    clean: str | None = field(default=None, repr=False, compare=False)

    def __init__(self, id: str, article: str, index: int, start: int, end: int, cstart: int,
                 cend: int, text: str | None = None, clean: str | None = None) -> None:  # fmt: skip
        if text is None and clean is None:
            raise TypeError("Passage needs its text or its document's clean text")
        self.id = id
        self.article = article
        self.index = index
        self.start = start
        self.end = end
        self.cstart = cstart
        self.cend = cend
        _set_own_text(self, text)
        self.clean = clean if text is None else None

    def __reduce__(self) -> tuple[Any, ...]:
        own = _own_text(self)
        return (Passage, (self.id, self.article, self.index, self.start, self.end, self.cstart,
                          self.cend, own, self.clean if own is None else None))  # fmt: skip

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        """Pickles made before passages shared their document's text (default slot state)."""
        for name, value in state[1].items():
            setattr(self, name, value)
        self.clean = None

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``passages.jsonl`` (without normalized offsets)."""
        return {
            "id": self.id,
            "article": self.article,
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


# ``text`` is a property over the slot ``dataclass`` made for the field: the slot
# holds a passage's own text, or ``None`` for a slice of ``clean``. Being a field
# keeps ``dataclasses.fields``/``replace``, ``==`` and ``repr`` as they were.
_TEXT_SLOT: Any = Passage.__dict__["text"]
_own_text = _TEXT_SLOT.__get__
_set_own_text = _TEXT_SLOT.__set__


def _passage_text(p: Passage) -> str:
    own = _own_text(p)
    return p.clean[p.cstart : p.cend] if own is None else own  # type: ignore[index]


setattr(Passage, "text", property(_passage_text, _set_own_text, doc="The normalized text."))  # noqa: B010


@dataclass(frozen=True, slots=True)
class Fact:
    """A checkable detail that survives rewriting: a number, a name, a quote.

    ``key`` is the normalized value used for comparison ("1100", "mark rutte");
    ``kind`` is ``number``, ``name`` or ``quote``; ``unit`` is the noun a number
    counts ("soldaten"), if any, so "10.000 Soldaten" and "11.000 Soldaten" can
    be recognised as the same fact told differently.
    """

    kind: str
    key: str
    text: str
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON object."""
        return record(self)


@dataclass(frozen=True, slots=True)
class AlignedSpan:
    """A stretch of text shared by both passages (original-text offsets)."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    words: int

    def to_dict(self) -> dict[str, Any]:
        """JSON object."""
        return record(self)


class AlignedSpans(Sequence[AlignedSpan]):
    """A match's aligned spans, packed as five int32 per span in one ``bytes``.

    A list of ``AlignedSpan`` costs about 360 bytes per match (an object and an
    int per offset); the matching stage keeps every match (0.87 M at 100,000
    articles), so they are kept packed (about 100 bytes). Indexing and iterating
    give ``AlignedSpan``s; equal to a list of the same spans; ``to_dict`` gives
    the JSON list a list of ``AlignedSpan`` gives.
    """

    __slots__ = ("_packed",)
    _WIDTH = 5

    def __init__(self, spans: Iterable[AlignedSpan | tuple[int, int, int, int, int]] = ()) -> None:
        flat = array("i")
        for sp in spans:
            flat.extend(sp if isinstance(sp, tuple) else
                        (sp.a_start, sp.a_end, sp.b_start, sp.b_end, sp.words))  # fmt: skip
        self._packed = flat.tobytes()

    @classmethod
    def packed(cls, data: bytes) -> AlignedSpans:
        """From ``bytes`` as ``AlignedSpans`` keeps them (pickling)."""
        out = cls.__new__(cls)
        out._packed = data
        return out

    def _ints(self) -> list[int]:
        return array("i", self._packed).tolist()

    def __len__(self) -> int:
        return len(self._packed) // (4 * self._WIDTH)

    @overload
    def __getitem__(self, k: int) -> AlignedSpan: ...
    @overload
    def __getitem__(self, k: slice) -> list[AlignedSpan]: ...
    def __getitem__(self, k: int | slice) -> AlignedSpan | list[AlignedSpan]:
        spans = list(self)
        return spans[k]

    def __iter__(self) -> Iterator[AlignedSpan]:
        v, w = self._ints(), self._WIDTH
        return (AlignedSpan(*v[k : k + w]) for k in range(0, len(v), w))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AlignedSpans):
            return self._packed == other._packed
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which do not hash

    def __repr__(self) -> str:
        return f"AlignedSpans({list(self)!r})"

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return AlignedSpans.packed, (self._packed,)

    def to_dict(self) -> list[dict[str, int]]:
        """JSON list: one object per span, as ``AlignedSpan.to_dict``."""
        names = _field_names(AlignedSpan)
        v, w = self._ints(), self._WIDTH
        return [dict(zip(names, v[k : k + w], strict=True)) for k in range(0, len(v), w)]


@dataclass(slots=True)
class Match:
    """Two passages of different articles that tell the same thing.

    ``kind`` is ``verbatim``, ``near-verbatim`` or ``rewritten``.
    ``containment_ab`` is the share of a's shingles found in b.
    ``changed_facts`` lists facts with the same unit but different values, and
    hedges present on one side only.
    """

    id: str
    a: str
    b: str
    article_a: str
    article_b: str
    kind: str
    jaccard: float
    cosine: float
    containment_ab: float
    containment_ba: float
    shared_facts: list[str]
    changed_facts: list[dict[str, Any]]
    spans: Sequence[AlignedSpan]  # the match stage gives ``AlignedSpans`` (packed)
    score: float

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``matches.jsonl``."""
        return record(self)


@dataclass(slots=True)
class Cluster:
    """Passages across articles that tell the same thing."""

    id: str
    story: str
    passages: list[str]
    articles: list[str]
    facts: list[str]
    label: str

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``clusters.jsonl``."""
        return record(self)


@dataclass(slots=True)
class Story:
    """Articles that share clusters: one story told by several articles."""

    id: str
    articles: list[str]
    clusters: list[str]
    label: str

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``stories.jsonl``."""
        return record(self)


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that was not processed, and why."""

    path: str
    reason: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``rejected.jsonl``."""
        return record(self)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"
