"""The records that flow between stages.

Every record is a small slotted dataclass with ``to_dict()`` producing the
JSON object written to the run folder. Offsets are character offsets into the
*original* article text (``Article.text``), so a match can always be shown
where it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


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
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Block:
    """A region of an article: body paragraph, headline, reference list, teaser..."""

    kind: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """JSON object."""
        return asdict(self)


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


@dataclass(slots=True)
class Passage:
    """A unit of comparison: one sentence or a short window of sentences.

    ``start``/``end`` point into the original text; ``cstart``/``cend`` into the
    normalized text; ``text`` is the normalized passage text.
    """

    id: str
    article: str
    index: int
    start: int
    end: int
    cstart: int
    cend: int
    text: str

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
        return asdict(self)


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
        return asdict(self)


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
    spans: list[AlignedSpan]
    score: float

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``matches.jsonl``."""
        d = asdict(self)
        return _clean(d)


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
        return asdict(self)


@dataclass(slots=True)
class Story:
    """Articles that share clusters: one story told by several articles."""

    id: str
    articles: list[str]
    clusters: list[str]
    label: str

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``stories.jsonl``."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that was not processed, and why."""

    path: str
    reason: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``rejected.jsonl``."""
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"
