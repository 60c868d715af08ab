"""The sentence splitter and windows that ``lineage.segment`` replaced: the test oracle.

Walks back over each word character by character and counts every sentence's
words; ``test_segment`` checks that the faster ``lineage.segment`` agrees.
"""

from __future__ import annotations

import re

from lineage.models import Document, Sentence
from lineage.segment import _abbreviations

_END = re.compile(r"[.!?…]+[\"'“”„»«)\]]*(?=\s)|[.!?…]+[\"'“”„»«)\]]*$")
_NEXT_WORD = re.compile(r"\s*(\S+)")
_WORD = re.compile(r"\w+")


def _sentences(doc: Document) -> list[Sentence]:
    out: list[Sentence] = []
    for a, b in doc.body_spans():
        out.extend(Sentence(s, e) for s, e in split_sentences(doc.clean, a, b))
    return out


def _is_boundary(text: str, end: int, dot: str, word: str) -> bool:
    if dot[0] != ".":
        return True
    abbrevs, months = _abbreviations()
    bare = word.rstrip(".").lower()
    if word.lower() in abbrevs or bare + "." in abbrevs:
        return False
    if len(bare) == 1 and bare.isalpha():
        return False  # initials: "J. Smith", "z. B."
    nxt = _NEXT_WORD.match(text, end)  # in place: slicing the rest of the text is quadratic
    following = nxt.group(1) if nxt else ""
    if bare.isdigit() and len(bare) <= 2:
        head = following.strip("\"'„“”»«(").lower()
        if head.rstrip(",.") in months or (following[:1].islower()):
            return False
    return not (following[:1].islower() and not dot.endswith(("!", "?")))


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
    pos = start
    for line in re.finditer(r"[^\n]+", text[start:stop]):
        ls, le = start + line.start(), start + line.end()
        seg_start = ls
        for m in _END.finditer(text, ls, le):
            i = m.end()
            while i > seg_start and not text[i - 1].isspace():
                i -= 1  # back to the start of the word the punctuation ends
            word = text[i : m.end()]
            if _is_boundary(text, m.end(), m.group(0), word):
                spans.append((seg_start, m.end()))
                seg_start = m.end()
        spans.append((seg_start, le))
        pos = le
    del pos
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def word_count(text: str) -> int:
    """Number of word tokens."""
    return len(_WORD.findall(text))


def windows(doc: Document, size: int = 2, min_words: int = 8, step: int = 1
            ) -> list[tuple[int, int]]:  # fmt: skip
    """Spans of ``doc.clean`` covered by each passage (see ``passages``), in reading order."""
    units: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for s in _sentences(doc):
        span = (pending[0], s.end) if pending else (s.start, s.end)
        if word_count(doc.clean[span[0] : span[1]]) < min_words:
            pending = span
            continue
        units.append(span)
        pending = None
    if pending is not None:
        if units and word_count(doc.clean[pending[0] : pending[1]]) < min_words:
            units[-1] = (units[-1][0], pending[1])
        else:
            units.append(pending)
    if not units:
        return []
    if len(units) <= size:
        return [(units[0][0], units[-1][1])]
    starts = list(range(0, len(units) - size + 1, step))
    if starts[-1] != len(units) - size:
        starts.append(len(units) - size)  # the tail is always covered
    return [(units[i][0], units[i + size - 1][1]) for i in starts]
