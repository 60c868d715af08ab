"""The memoized article vocabulary gives the trigger what the full word set gave.

``Vocabulary.words`` keeps only the words the parser asks about (cue words, verb
forms, line gates, words containing a trigger) and memoizes each white-space piece;
these tests compare it, and the sentences the trigger marks with it, against the
plain full word set (``article_words``), also across articles (the memo is shared)
and with a memo small enough to be cleared on the way.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.attribution import AttributionParser, Vocabulary, article_words
from lineage.cues import QUOTES, Lexicon, Sentence
from lineage.phrases import clause_starts
from lineage.segment import split_sentences
from tests.test_attribution_fast import _SEP, SEEDS, WRITTEN, _vocabulary, words_of


@pytest.fixture(scope="module")
def parser() -> AttributionParser:
    return AttributionParser()


def _lower(text: str) -> str:
    low = text.lower()
    return (
        low
        if len(low) == len(text)
        else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    )


def _wanted(p: AttributionParser, words: set[str]) -> set[str]:
    """The plain definition: listed words and words containing any trigger."""
    triggers = [t for ts in p._trigger_words for t in ts]
    return {w for w in words if w in p._vocab.keep or any(t in w for t in triggers)}


def _check(p: AttributionParser, vocab: Vocabulary, text: str) -> None:
    low = _lower(text)
    full = article_words(low)
    assert full == words_of(low)
    got = vocab.words(low)
    assert got == _wanted(p, full)
    sentences = split_sentences(text)
    assert p._fired(text, low, got, sentences) == p._fired(text, low, full, sentences)


def _texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))] + WRITTEN


def test_vocabulary_on_seeds_and_written_texts(parser: AttributionParser) -> None:
    for limit in (1 << 20, 50):  # shared memo; a tiny one is cleared between articles
        vocab = Vocabulary(parser._vocab.keep, parser._vocab.triggers, limit=limit)
        for text in _texts() * 2:
            _check(parser, vocab, text)


_WORDS = st.sampled_from(
    [*_vocabulary(), "Bericht", "(laut", "laut)", "x.laut/sagte", "studie:", "„Gesetz“", ""]
)


@given(st.lists(st.lists(st.tuples(_WORDS, _SEP), max_size=20), min_size=1, max_size=4))
@settings(max_examples=200, deadline=None)
def test_vocabulary_property(parser: AttributionParser, articles) -> None:  # type: ignore[no-untyped-def]
    vocab = Vocabulary(parser._vocab.keep, parser._vocab.triggers, limit=30)
    for parts in articles:
        _check(parser, vocab, "".join(w + s for w, s in parts))


def test_parse_equals_parse_with_a_fresh_memo(parser: AttributionParser) -> None:
    """Records do not depend on what the memo saw before."""
    texts = _texts()
    warm = [[a.to_dict() for a in parser.parse(str(i), t)] for i, t in enumerate(texts)]
    for i, t in enumerate(texts):
        cold = AttributionParser()
        assert [a.to_dict() for a in cold.parse(str(i), t)] == warm[i]


# ---------------------------------------------------------------- clause starts


def _plain_starts(t: Sentence, v: int, lang: Lexicon) -> list[int]:
    """``clause_starts`` without the pre-check on the token (as it was)."""
    return [0] + [
        k + 1
        for k in range(v)
        if t.words[k] in (":", ";", "–")
        or (t.low[k] in ("und", "and") and k + 1 < v and t.low[k + 1] in lang.subj_det)
        or (t.words[k] == "," and k > 0 and t.words[k - 1] in QUOTES)
        or (t.low[k] in lang.p["conjunctions"] and k > 0 and t.words[k - 1] == ",")
        or (t.low[k] in lang.p["subordinators"] and k > 0 and t.words[k - 1] == ",")
        or (t.words[k] == "," and lang.p["comma_starts"])
    ]


_TOKENS = st.sampled_from(
    ["Die", "Polizei", "sagte", ",", ":", ";", "–", "„", "“", "und", "Und", "and", "der",
     "die", "aber", "weil", "dass", "während", "as", "but", "the", "said", "."]
)  # fmt: skip


@given(st.lists(_TOKENS, min_size=1, max_size=20))
@settings(max_examples=300, deadline=None)
def test_clause_starts_equal_the_plain_test(parser: AttributionParser, tokens) -> None:  # type: ignore[no-untyped-def]
    t = Sentence(" ".join(tokens), 0, len(" ".join(tokens)))
    for lang in parser.langs:
        for v in range(t.n):
            assert clause_starts(t, v, lang) == _plain_starts(t, v, lang)


def test_konjunktiv_and_language_tables(parser: AttributionParser) -> None:
    """The pre-computed tables hold what the loops computed inline."""
    for bits, langs in enumerate(parser._by_bits):
        assert langs == [lg for li, lg in enumerate(parser.langs) if bits >> li & 1]
    for lang in parser.langs:
        if not lang.p["konjunktiv"]:
            assert lang.p["konjunktiv_rx"].pattern == "(?!)"
