"""Speed pass 9 of the attribution stage: each shortcut equals the plain code it replaced.

The shortcuts skip token loops when a sentence lacks the tokens the loop looks for
(negation, opening quotes, brackets), find token spans only up to the asked token, and
read the noun phrase after a reporting verb only when the prefield has no subject. The
golden files (``test_attribution.py``) guard the whole parser; these pin each piece.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.attribution import AttributionParser, _containing, _containing_memo
from lineage.cue_rules import CueRules
from lineage.cues import (
    CLAUSE_END,
    QUOTES,
    TOKEN,
    Lexicon,
    Sentence,
    in_quote,
    is_participle,
    negated,
    reports_speech,
)
from lineage.gazetteer import _provisional_id, provisional_id
from lineage.phrases import PhraseReader


@pytest.fixture(scope="module")
def parser() -> AttributionParser:
    return AttributionParser()


# ---------------------------------------------------------------- the plain versions


def _plain_in_quote(t: Sentence, v: int) -> bool:
    depth = 0
    for k in range(v):
        w = t.words[k]
        if w in ("„", "»"):
            depth += 1
        elif w in ("“", "«", '"', "”") and depth:
            depth -= 1
    return depth > 0


def _plain_negated(t: Sentence, v: int, lang: Lexicon) -> bool:
    neg = lang.p["negation"]
    k = v - 1
    while k >= 0 and t.words[k] not in CLAUSE_END:
        if t.low[k] in neg:
            return True
        k -= 1
    k = v + 1
    while k < t.n and t.words[k] not in CLAUSE_END and t.low[k] not in ("dass", "that"):
        if t.low[k] in neg:
            return True
        k += 1
    return False


def _plain_reports_speech(t: Sentence, lang: Lexicon) -> bool:
    return bool(
        t.lowset & lang.p["speech_markers"]
        or any(q in t.lowset for q in QUOTES)
        or t.lowset & lang.p["konjunktiv"]
    )


def _plain_is_verb(t: Sentence, v: int, lang: Lexicon) -> bool:
    """``PhraseReader._is_verb`` as it was: the clause end always scanned."""
    w = t.low[v]
    if not t.words[v].isalpha() or (v > 0 and t.words[v][0].isupper()) or len(w) < 3:
        return False
    lemma = lang.forms.get(w)
    if lemma is None:
        return False
    end, depth = v + 1, 0
    while end < t.n and t.low[end] not in ("dass", "that"):
        w = t.words[end]
        depth += (w == "(") - (w == ")")
        if depth <= 0 and w in CLAUSE_END and w not in "()":
            break
        end += 1
    part = t.low[end - 1] if end - 1 > v and t.low[end - 1] in lang.particles else None
    if lemma in lang.separable:
        if part is not None:
            return part in lang.separable[lemma]
    elif part is not None and lemma in lang.verbs:
        return False
    if lemma in lang.needs_next:
        return v + 1 < t.n and t.low[v + 1] in lang.needs_next[lemma]
    return lemma in lang.verbs


def _plain_spans(t: Sentence) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(t.text, t.start, t.end)]


class _EagerSubject(CueRules):
    """``CueRules._subject`` as it was: the NP after the verb always read first."""

    def _subject(self, t: Sentence, v: int, lang: Lexicon, found) -> None:  # type: ignore[no-untyped-def]
        j = v + 1
        while j < t.n and t.low[j] in lang.skip and j - v <= 6:
            if t.low[j] in lang.p["skip_with_noun"]:
                np = self._np(t, j + 1, lang)
                j = np[0] if np else j + 1
            else:
                j += 1
        if t.words[-1] == "?":
            return
        after = self._np(t, j, lang, pron=True, appos=True) if v > 0 and j < t.n else None
        if after and is_participle(t.low[v], lang):
            after = None
        if after and t.low[v] in ("told", "tell", "tells"):
            after = None
        if after and t.low[j] in lang.det and t.low[j] not in lang.subj_det:
            after = None
        if after and t.low[j] in lang.pron:
            found.append(("reporting_verb_pronoun", v, v + 1, j, after[1], lang))
            return
        pre = self._prefield(t, v, lang)
        if pre == "passive":
            return
        if pre:
            found.append(("reporting_verb", v, v + 1, *pre, lang))
        elif after and self._inverted_ok(t, v, lang):
            quoted = t.words[v - 1] in QUOTES or (
                v > 1 and t.words[v - 1] == "," and t.words[v - 2] in QUOTES
            )
            fam = "reporting_verb_quote" if quoted else "reporting_verb_after"
            found.append((fam, v, v + 1, j, after[1], lang))
        elif not after:
            inv = self._aux_subject(t, v, lang)
            if inv:
                found.append(("reporting_verb_aux", v, v + 1, *inv, lang))
        if not pre and v > 1 and t.low[v - 1] in ("und", "and"):
            shared = self._shared_subject(t, v, lang)
            if shared:
                found.append(("reporting_verb", v, v + 1, *shared, lang))


# ---------------------------------------------------------------- properties

_TOKENS = st.sampled_from(
    ["Die", "Polizei", "sagte", "teilte", "mit", "an", "nicht", "kein", "not", "said", "er",
     "Sprecher", "Müller", "hat", "gesagt", "betonte", "erklärte", "told", "the", "police",
     "dass", "that", "(", ")", ",", ".", ":", "„", "“", "»", "«", '"', "”", "sei", "und",
     "der", "Regierung", "berichtet", "wie", "so", "laut", "NATO", "dpa", "?"]
)  # fmt: skip


def _sentence(tokens: list[str]) -> Sentence:
    text = " ".join(tokens)
    return Sentence(text, 0, len(text))


@given(st.lists(_TOKENS, min_size=1, max_size=24))
@settings(max_examples=400, deadline=None)
def test_token_tests_equal_the_plain_loops(parser: AttributionParser, tokens) -> None:  # type: ignore[no-untyped-def]
    _assert_token_tests_plain(parser, _sentence(tokens))


def _assert_token_tests_plain(parser: AttributionParser, t: Sentence) -> None:
    """Every token test of ``t`` answers as its plain loop, in every language, at every token."""
    for lang in parser.langs:
        assert reports_speech(t, lang) == _plain_reports_speech(t, lang)
        for v in range(t.n):
            assert in_quote(t, v) == _plain_in_quote(t, v)
            assert negated(t, v, lang) == _plain_negated(t, v, lang)
            assert parser._is_verb(t, v, lang) == _plain_is_verb(t, v, lang)


@given(st.lists(_TOKENS, min_size=1, max_size=24), st.lists(st.integers(-30, 30), max_size=8))
@settings(max_examples=300, deadline=None)
def test_spans_asked_in_any_order(tokens, asks) -> None:  # type: ignore[no-untyped-def]
    text = "  " + "\n ".join(tokens) + " "
    t = Sentence(text, 1, len(text))
    plain = _plain_spans(t)
    for k in asks:
        if -t.n <= k < t.n:
            assert t.span(k) == plain[k]
        else:
            with pytest.raises(IndexError):
                t.span(k)
    assert [t.span(k) for k in range(t.n)] == plain


@given(st.lists(_TOKENS, min_size=2, max_size=24))
@settings(max_examples=400, deadline=None)
def test_subject_equals_the_eager_reading(parser: AttributionParser, tokens) -> None:  # type: ignore[no-untyped-def]
    eager = _EagerSubject(parser.gazetteer, parser.langs)
    t = _sentence(tokens)
    for lang in parser.langs:
        for v in range(t.n):
            got: list[object] = []
            want: list[object] = []
            parser._subject(t, v, lang, got)
            eager._subject(t, v, lang, want)
            assert got == want


def _corpus_sentences() -> list[Sentence]:
    from tests.test_attribution_fast import SEEDS, WRITTEN

    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + WRITTEN
    out = []
    for text in texts:
        for m in re.finditer(r"[^.!?\n]+[.!?]?", text):
            out.append(Sentence(text, m.start(), m.end()))
    return out


def test_corpus_sentences_equal_the_plain_code(parser: AttributionParser) -> None:
    """The same equalities on the sentences of seeds/ and the written test texts."""
    eager = _EagerSubject(parser.gazetteer, parser.langs)
    sentences = _corpus_sentences()
    assert sentences
    for t in sentences:
        assert [t.span(k) for k in reversed(range(t.n))][::-1] == _plain_spans(t)
        _assert_token_tests_plain(parser, t)
        for lang in parser.langs:
            for v in range(t.n):
                if t.low[v] in lang.form_set:
                    got: list[object] = []
                    want: list[object] = []
                    parser._subject(t, v, lang, got)
                    eager._subject(t, v, lang, want)
                    assert got == want


def test_token_pattern_order_does_not_matter() -> None:
    """The punctuation branch first: the same tokens as the word branch first."""
    old = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
    texts = ["Laut dpa: „Es ist 10.000 km weit“ – so Müller-Lüdenscheidt's Büro.", "a.b. c'd ’e"]
    for text in texts:
        assert TOKEN.findall(text) == old.findall(text)


def test_phrase_reader_unchanged_api(parser: AttributionParser) -> None:
    assert isinstance(parser, PhraseReader)


_WORDS = st.sampled_from(
    ["polizeiangaben", "angaben", "laut", "sagte", "berichtet", "bericht", "zeitung",
     "mitteilung", "x", "ab", "according", "spokesman", "sprecherin", "informationen"]
)  # fmt: skip


@given(st.lists(st.sets(_WORDS, max_size=6), max_size=8), st.integers(1, 8))
@settings(max_examples=200, deadline=None)
def test_containing_memo_equals_the_search(parser: AttributionParser, articles, limit) -> None:  # type: ignore[no-untyped-def]
    """The per-word memo (cleared when over ``limit``) gives the plain search's words."""
    memos: list[dict[str, bool]] = [{} for _ in parser.langs]
    for words in articles:
        for li, needles in enumerate(parser._trigger_words):
            got = _containing_memo(words, needles, memos[li], limit=limit)
            assert got == _containing(words, needles)


def test_provisional_id_of_string_and_words() -> None:
    for name in ["Der Sprecher Hans Müller", "dem Weser-Kurier", "die", "İstanbul Haber"]:
        want = _provisional_id.__wrapped__(name)  # the uncached function
        assert provisional_id(name.split()) == want
        assert provisional_id(name) == want
        assert provisional_id(name) == want  # from the cache
