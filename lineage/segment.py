"""Sentences and passages.

Sentence ends are ``.``, ``!``, ``?`` (and ``…``) followed by white space, or a
paragraph break. A period is *not* an end after a known abbreviation (German
or English: "z. B.", "Dr.", "u. a.", "Mr.", "e.g."), inside a number ("1.100"),
or after an ordinal day followed by a month or a lower-case word
("26. November", "am 3. Oktober"). Abbreviations are data
(``lineage/data/abbreviations.toml``).

Passages are windows of ``passage_sentences`` consecutive sentences of the
similarity blocks, stepping one sentence at a time, so a reused sentence is
found whether it is reused alone or with its neighbour. A sentence shorter than
``min_passage_words`` is merged into the next one (headlines, "Doch das ist
noch nicht alles!").
"""

from __future__ import annotations

import re
import tomllib
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from functools import cache
from importlib.resources import files
from typing import overload

import numpy as np

from lineage.models import Document, Passage, Sentence

# One leading character class (``[.!?…]`` before the rest of the run), so that
# the regex engine skips to candidate characters instead of trying every position.
_END = re.compile(r"[.!?…][.!?…]*[\"'“”„»«)\]]*(?:(?=\s)|$)")
_NEXT_WORD = re.compile(r"\s*(\S+)")
_WORD = re.compile(r"\w+", re.UNICODE)
_LINE = re.compile(r"[^\n]+")
_OTHER_SPACE = re.compile(r"[^\S ]")  # white space but a plain space


@cache
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    data = tomllib.loads(files("lineage").joinpath("data/abbreviations.toml").read_text("utf-8"))
    abbrevs = {a.lower() for lang in data["abbreviations"].values() for a in lang}
    months = {m.lower() for lang in data["months"].values() for m in lang}
    return frozenset(abbrevs), frozenset(months)


def _is_boundary(text: str, end: int, dot: str, word: str) -> bool:
    """Decide whether the punctuation ending ``word`` at ``end`` ends a sentence.

    Runs for every period of the corpus: the common case (no abbreviation, no
    initial, no day number) reads only the next word's first character, in place.
    """
    if dot[0] != ".":
        return True
    abbrevs, months = _abbreviations()
    low = word.lower()
    bare = low.rstrip(".")
    if low in abbrevs or bare + "." in abbrevs:
        return False
    if len(bare) == 1 and bare.isalpha():
        return False  # initials: "J. Smith", "z. B."
    if bare.isdigit() and len(bare) <= 2:
        nxt = _NEXT_WORD.match(text, end)  # in place: slicing the rest is quadratic
        following = nxt.group(1) if nxt else ""
        head = following.strip("\"'„“”»«(").lower()
        if head.rstrip(",.") in months or following[:1].islower():
            return False
    j, n = end, len(text)
    while j < n and text[j].isspace():  # the next word's first character (``_NEXT_WORD``)
        j += 1
    return not (j < n and text[j].islower() and not dot.endswith(("!", "?")))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` as ``(start, end)`` offsets into ``text``.

    Paragraph breaks (a newline) always end a sentence. Leading and trailing
    white space is not part of a sentence.

    Example:
        >>> t = "Laut JCS sind 1.100 tot. Am 26. November kam es zu Kämpfen."
        >>> [t[a:b] for a, b in split_sentences(t)]
        ['Laut JCS sind 1.100 tot.', 'Am 26. November kam es zu Kämpfen.']
    """
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text, start, stop):
        seg_start, le = line.span()
        for m in _END.finditer(text, seg_start, le):
            e = m.end()
            dot = m.group(0)
            if dot[0] == ".":  # only a period can be something else than an end
                # the word it ends: back to the last white space (a plain space, nearly always)
                i = max(text.rfind(" ", seg_start, e) + 1, seg_start)
                if _OTHER_SPACE.search(text, i, e):
                    i = e
                    while i > seg_start and not text[i - 1].isspace():
                        i -= 1
                if not _is_boundary(text, e, dot, text[i:e]):
                    continue
            _add_trimmed(spans, text, seg_start, e)
            seg_start = e
        _add_trimmed(spans, text, seg_start, le)
    return spans


def _add_trimmed(spans: list[tuple[int, int]], text: str, a: int, b: int) -> None:
    """Append ``(a, b)`` without its leading and trailing white space, unless nothing is left.

    (``text[a:b].strip()``'s span, found without copying the text.)
    """
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if a < b:
        spans.append((a, b))


def sentence_spans(doc: Document) -> array[int]:
    """Sentence spans of every block of ``doc`` but teasers, flattened ``start, end, ...``.

    Kept on the document (``Document.sentences``): segment reads the body's,
    attribution all of them, so each text is split once (the scan does it in
    the normalize stage's workers).
    """
    if doc.sentences is None:
        flat = array("i")
        for b in sorted(doc.blocks, key=lambda b: b.start):  # disjoint spans: text order
            if b.kind != "teaser":
                for s, e in split_sentences(doc.clean, b.start, b.end):
                    flat.append(s)
                    flat.append(e)
        doc.sentences = flat
    return doc.sentences


def block_sentences(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """``split_sentences(doc.clean, start, end)`` for a block of ``doc`` (not a teaser)."""
    flat = sentence_spans(doc)
    starts = flat[0::2]
    lo, hi = bisect_left(starts, start), bisect_left(starts, end)
    return list(zip(flat[2 * lo : 2 * hi : 2], flat[2 * lo + 1 : 2 * hi : 2], strict=True))


def sentences(doc: Document) -> list[Sentence]:
    """Sentences of the similarity blocks of ``doc`` (spans of ``doc.clean``)."""
    out: list[Sentence] = []
    for a, b in doc.body_spans():
        out.extend(Sentence(s, e) for s, e in block_sentences(doc, a, b))
    return out


def word_count(text: str) -> int:
    """Number of word tokens."""
    return len(_WORD.findall(text))


@cache
def _enough_words(n: int) -> re.Pattern[str]:
    """Matches (from a span's start) where the span has at least ``n`` words (``\\w+`` runs)."""
    return re.compile(r"(?:\W*+\w++){" + str(max(n, 0)) + "}")


def windows(doc: Document, size: int = 2, min_words: int = 8, step: int = 1
            ) -> list[tuple[int, int]]:  # fmt: skip
    """Spans of ``doc.clean`` covered by each passage (see ``passages``), in reading order."""
    clean = doc.clean
    enough = _enough_words(min_words).match  # word_count(span) >= min_words, stopping there
    units: list[tuple[int, int]] = []
    pending = -1  # start of the short sentences waiting for the next one
    last = -1
    for a, b in doc.body_spans():
        for s, e in block_sentences(doc, a, b):
            if pending >= 0:
                s = pending
            last = e
            if enough(clean, s, e) is None:
                pending = s
                continue
            units.append((s, e))
            pending = -1
    if pending >= 0:
        if units and enough(clean, pending, last) is None:
            units[-1] = (units[-1][0], last)
        else:
            units.append((pending, last))
    if not units:
        return []
    if len(units) <= size:
        return [(units[0][0], units[-1][1])]
    starts = list(range(0, len(units) - size + 1, step))
    if starts[-1] != len(units) - size:
        starts.append(len(units) - size)  # the tail is always covered
    return [(units[i][0], units[i + size - 1][1]) for i in starts]


def passages(doc: Document, size: int = 2, min_words: int = 8, step: int = 1) -> list[Passage]:
    """Overlapping windows of ``size`` sentences over ``doc``'s similarity blocks.

    Args:
        doc: A normalized document.
        size: Sentences per window; 1 gives one passage per sentence.
        min_words: Sentences shorter than this are merged into the next one.

    Returns:
        Passages in reading order, ids ``"<article>#p<index>"``.
    """
    spans = windows(doc, size, min_words, step)
    return from_windows(doc, [(c, e, *doc.to_original(c, e)) for c, e in spans])


def from_windows(doc: Document, spans: Sequence[tuple[int, int, int, int]]) -> list[Passage]:
    """Passages of ``doc`` from ``(cstart, cend, start, end)`` spans, in order.

    They share ``doc.clean`` (``Passage.clean``) instead of each holding its text,
    and an offset equal to its normalized one is that same integer object (in
    most texts normalizing changes nothing: 100,000 articles, ~80 MB of ints).
    """
    aid = doc.article.id
    clean = doc.clean
    out = []
    for index, (cstart, cend, start, end) in enumerate(spans):
        same_start = cstart if start == cstart else start
        same_end = cend if end == cend else end
        # fields in order: id, article, index, start, end, cstart, cend, text, clean
        out.append(Passage(f"{aid}#p{index}", aid, index, same_start, same_end, cstart, cend,
                           None, clean))  # fmt: skip
    return out


class PassageTexts(Sequence[str]):
    """The texts of ``passages`` as a read-only sequence, each sliced when it is read.

    For consumers that want a list of texts (TF-IDF, shingling): a list of
    1.45 M texts (100,000 articles) held ~0.9 GB that the passages no longer do.
    """

    __slots__ = ("_passages",)

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._passages = passages

    @property
    def passages(self) -> Sequence[Passage]:
        """The passages whose texts these are (the TF-IDF fit tokenizes them as windows)."""
        return self._passages

    def __len__(self) -> int:
        return len(self._passages)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return list(map(_text, self._passages[i]))
        return self._passages[i].text

    def __iter__(self) -> Iterator[str]:
        return map(_text, self._passages)


def _text(p: Passage) -> str:
    """``p.text``, sliced here when it is a slice (half the cost of the property)."""
    c = p.clean
    return p.text if c is None else c[p.cstart : p.cend]


def text_ids(texts: Sequence[str]) -> np.ndarray:
    """Per text, the number of its distinct text, numbered in order of first sight.

    Equal to ``first.setdefault(t, len(first))`` over ``texts`` with a dict
    ``first``, without holding the texts (``texts`` may slice each on reading,
    ``PassageTexts``): texts are grouped by ``hash`` and each copy is compared
    with the first text of its group; a group whose hash two different texts
    share (a collision) is split by the texts themselves.
    """
    n = len(texts)
    hashes = np.fromiter(map(hash, texts), np.int64, n)
    first = np.unique(hashes, return_index=True, return_inverse=True)
    rep = first[1][first[2].ravel()]  # the first text with the same hash (a stable sort)
    copies = np.flatnonzero(rep != np.arange(n)).tolist()
    heads = rep[copies].tolist()
    clash = {hashes[i] for i, h in zip(copies, heads, strict=True) if texts[i] != texts[h]}
    if clash:  # rare: the groups of a shared hash are numbered by their texts
        firsts: dict[str, int] = {}
        for i in np.flatnonzero(np.isin(hashes, list(clash))).tolist():
            rep[i] = firsts.setdefault(texts[i], i)
    return np.unique(rep, return_inverse=True)[1].ravel().astype(np.int64)
