"""Alignment: the stretches two matched passages share, for highlighting.

Word sequences of both passages are compared with ``difflib.SequenceMatcher``
(no auto-junk: passages are short); every common run of at least
``min_words`` words becomes an ``AlignedSpan`` with character offsets into
both *original* articles, so a reader sees the reuse where it stands.
"""

from __future__ import annotations

import difflib
import re

from lineage.models import AlignedSpan, Document, Passage

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(doc: Document, passage: Passage) -> tuple[list[str], list[tuple[int, int]]]:
    toks, spans = [], []
    for m in _WORD.finditer(doc.clean, passage.cstart, passage.cend):
        toks.append(m.group(0).lower())
        spans.append((m.start(), m.end()))
    return toks, spans


def align(
    doc_a: Document, pa: Passage, doc_b: Document, pb: Passage, min_words: int = 3
) -> list[AlignedSpan]:
    """Common word runs of ``pa`` and ``pb`` (original offsets), longest first.

    Example:
        See ``tests/test_align.py``: a sentence copied with one word changed
        gives two spans, one on each side of the change.
    """
    wa, sa = _words(doc_a, pa)
    wb, sb = _words(doc_b, pb)
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    out = []
    for block in matcher.get_matching_blocks():
        if block.size < min_words:
            continue
        a0, a1 = sa[block.a][0], sa[block.a + block.size - 1][1]
        b0, b1 = sb[block.b][0], sb[block.b + block.size - 1][1]
        oa = doc_a.to_original(a0, a1)
        ob = doc_b.to_original(b0, b1)
        out.append(AlignedSpan(oa[0], oa[1], ob[0], ob[1], block.size))
    out.sort(key=lambda s: (-s.words, s.a_start, s.b_start))
    return out
