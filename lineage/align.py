"""Alignment: the stretches two matched passages share, for highlighting.

Word sequences of both passages are compared with ``difflib.SequenceMatcher``
(no auto-junk: passages are short); every common run of at least
``min_words`` words becomes an ``AlignedSpan`` with character offsets into
both *original* articles, so a reader sees the reuse where it stands.
``Aligner`` tokenizes each passage once, however many pairs it takes part in.
"""

from __future__ import annotations

import difflib
import itertools
import re

from lineage.models import AlignedSpan, Document, Passage

_GAPS = re.compile(r"(\W+)", re.UNICODE)


class Aligner:
    """Aligns passages of a batch of documents, caching each passage's words.

    Args:
        docs: Normalized documents by article id.
    """

    def __init__(self, docs: dict[str, Document]) -> None:
        self.docs = docs
        self._words: dict[str, tuple[list[str], list[int], list[int]]] = {}

    def words(self, passage: Passage) -> tuple[list[str], list[int], list[int]]:
        """Lower-cased words of ``passage`` and their start and end offsets (normalized text).

        Found by one ``re.split`` on non-word runs plus running lengths: no
        ``re.Match`` per word (kept per passage, those made the cyclic garbage
        collector rescan hundreds of thousands of objects: 3x slower).
        """
        cached = self._words.get(passage.id)
        if cached is None:
            seg = self.docs[passage.article].clean[passage.cstart : passage.cend]
            pieces = _GAPS.split(seg)  # word, gap, word, ..., word ('' at an end: no word)
            ends = list(itertools.accumulate(map(len, pieces), initial=passage.cstart))[1:]
            runs, run_ends = pieces[0::2], ends[0::2]
            lo = 1 if runs and not runs[0] else 0
            hi = len(runs) - 1 if len(runs) > lo and not runs[-1] else len(runs)
            runs, run_ends = runs[lo:hi], run_ends[lo:hi]
            # one lower() of the joined words (same as per word: words hold no spaces)
            words = " ".join(runs).lower().split(" ") if runs else []
            starts = [e - len(r) for e, r in zip(run_ends, runs, strict=True)]
            cached = (words, starts, run_ends)
            self._words[passage.id] = cached
        return cached

    def align(self, pa: Passage, pb: Passage, min_words: int = 3) -> list[AlignedSpan]:
        """Common word runs of ``pa`` and ``pb`` (original offsets), longest first."""
        wa, sa, ea = self.words(pa)
        wb, sb, eb = self.words(pb)
        doc_a, doc_b = self.docs[pa.article], self.docs[pb.article]
        if wa == wb:  # a verbatim copy: one span, no need for difflib
            blocks = [difflib.Match(0, 0, len(wa))] if wa else []
        else:
            blocks = difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_matching_blocks()
        out = []
        for block in blocks:
            if block.size < min_words:
                continue
            oa = doc_a.to_original(sa[block.a], ea[block.a + block.size - 1])
            ob = doc_b.to_original(sb[block.b], eb[block.b + block.size - 1])
            out.append(AlignedSpan(oa[0], oa[1], ob[0], ob[1], block.size))
        out.sort(key=lambda s: (-s.words, s.a_start, s.b_start))
        return out


def align(
    doc_a: Document, pa: Passage, doc_b: Document, pb: Passage, min_words: int = 3
) -> list[AlignedSpan]:
    """Common word runs of ``pa`` and ``pb`` (original offsets), longest first.

    Example:
        A sentence copied with one word changed gives two spans, one on each
        side of the change (see ``tests/test_align.py``).
    """
    return Aligner({pa.article: doc_a, pb.article: doc_b}).align(pa, pb, min_words)
