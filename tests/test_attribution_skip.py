"""Speed paths of the attribution parser against their plain forms.

``parse`` goes from one marked sentence to the next while nothing is carried (a
Konjunktiv I sentence carries the previous source); the plain loop visited every
sentence. ``ends_with`` tests one tuple instead of each noun.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import attribution as attr
from lineage.attribution import AttributionParser, Sentence, _dedupe, _inside
from lineage.gazetteer import ArticleSources, ends_with


class PlainLoopParser(AttributionParser):
    """``parse`` as it was: every sentence visited."""

    def parse(self, article_id, text, *, sentences=None, blocks=()):  # type: ignore[no-untyped-def]
        if sentences is None:
            sentences = attr.split_sentences(text)
        skip = [(s, e) for kind, s, e in blocks if kind in ("teaser", "references")]
        refs = [(s, e) for kind, s, e in blocks if kind == "references"]
        state = ArticleSources(self.gazetteer, article_id, text)
        low = text.lower()
        if len(low) != len(text):
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        words = set(map(str.strip, set(low.split()), itertools.repeat(attr._PUNCT)))
        words.update(*[attr._URL_PARTS.split(w) for w in words if "." in w or "/" in w])
        fired = self._fired(text, low, words, sentences)
        for idx, (s, e) in enumerate(sentences):
            if skip and _inside(s, skip):
                continue
            if idx in fired:
                self._sentence(state, s, e, fired[idx], low, sentences, idx)
            elif state.prev and any(lg.p["konjunktiv_rx"].search(low, s, e) for lg in self.langs):
                carried = self._carry(state, Sentence(text, s, e), s, e)
                state.out.extend(carried)
                state.prev = carried
            else:
                state.prev = []
        teasers = [(s, e) for kind, s, e in blocks if kind == "teaser"]
        self._line_patterns(state, refs, teasers, words)
        return _dedupe(state.out)


SENTENCES = [
    "Laut NATO sind 1.100 Soldaten tot.",
    "Die Lage sei ernst.",
    "Es gebe keine Hoffnung.",
    "Der Himmel ist blau.",
    "Das teilte das Verteidigungsministerium am Montag mit.",
    "Er habe nichts gewusst, sagte der Sprecher.",
    "Medienberichten zufolge ist der Vertrag unterschrieben.",
    "Sie werde weiter verhandeln.",
    "According to the Pentagon, 300 troops were deployed.",
    "Quelle: dpa",
    "Wie die Polizei berichtet, kam es zu Zusammenstößen.",
]


@pytest.fixture(scope="module")
def parsers() -> tuple[AttributionParser, AttributionParser]:
    return AttributionParser(), PlainLoopParser()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(SENTENCES), max_size=14),
    st.lists(st.sampled_from([" ", "\n\n"]), min_size=14, max_size=14),
    st.integers(0, 3),
)
def test_skipping_equals_the_plain_loop(parsers, picked, gaps, skipped) -> None:  # type: ignore[no-untyped-def]
    fast, plain = parsers
    text = "".join(s + g for s, g in zip(picked, gaps, strict=False))
    sents = attr.split_sentences(text)
    # some sentences in a references block: skipped, and they do not end a carry
    blocks = [("references", *sents[skipped])] if skipped < len(sents) else []
    for kw in ({}, {"sentences": sents, "blocks": blocks}):
        assert fast.parse("a", text, **kw) == plain.parse("a", text, **kw)


def test_carry_over_skipped_sentences(parsers) -> None:  # type: ignore[no-untyped-def]
    fast, plain = parsers
    text = " ".join(SENTENCES[:4] + SENTENCES[:3])
    got = fast.parse("a", text)
    assert got == plain.parse("a", text)
    assert [a.cue_family for a in got].count("konjunktiv_carry") == 4


@given(st.text(alphabet="abcdefghinrstuämeg", max_size=20))
def test_ends_with_equals_any_noun(word: str) -> None:
    nouns = frozenset({"angaben", "berichten", "kreise", "quellen", "informationen", "en"})
    assert ends_with(word, nouns) == any(len(n) >= 6 and word.endswith(n) for n in nouns)
