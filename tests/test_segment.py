from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.models import Article
from lineage.normalize import normalize
from lineage.segment import passages, split_sentences, windows


def _sents(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_numbers_dates_and_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Laut JCS sind rund 1.100 Soldaten tot. Am 26. November kam es z. B. zu "
        "Kämpfen, sagte Dr. Kim. Mr. Smith disagreed! Is it true? Yes."
    )
    assert _sents(text) == [
        "Laut JCS sind rund 1.100 Soldaten tot.",
        "Am 26. November kam es z. B. zu Kämpfen, sagte Dr. Kim.",
        "Mr. Smith disagreed!",
        "Is it true?",
        "Yes.",
    ]


def test_quote_closing_after_period_stays_with_sentence() -> None:
    text = 'Er sagte: "Wir schätzen 1.100 Tote." Danach schwieg er.'
    assert _sents(text) == ['Er sagte: "Wir schätzen 1.100 Tote."', "Danach schwieg er."]


def test_paragraph_break_ends_sentence() -> None:
    assert _sents("Überschrift ohne Punkt\n\nDer Text beginnt.") == [
        "Überschrift ohne Punkt",
        "Der Text beginnt.",
    ]


def test_passages_are_overlapping_windows_with_original_offsets() -> None:
    text = (
        "Erster Satz hat genug Wörter für eine Passage hier. Zweiter Satz hat ebenfalls "
        "genug Wörter für eine Passage. Dritter Satz hat auch genug Wörter für eine Passage."
    )
    doc = normalize(Article(id="a", text=text))
    ps = passages(doc, size=2, min_words=5)
    assert [p.id for p in ps] == ["a#p0", "a#p1"]
    assert ps[0].text.startswith("Erster") and ps[1].text.startswith("Zweiter")
    for p in ps:
        assert text[p.start : p.end] == p.text


def test_short_sentences_merge_into_the_next() -> None:
    text = "Doch das ist nicht alles! Nordkorea produziert Drohnen, die an Russland gehen."
    doc = normalize(Article(id="a", text=text))
    ps = passages(doc, size=1, min_words=8)
    assert len(ps) == 1 and ps[0].text.startswith("Doch")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*list('ab .!?\n1"'), "z. B.", "26. Mai", "Dr."]), max_size=120).map(
        "".join
    )
)
def test_sentence_spans_are_ordered_non_empty_and_inside(text: str) -> None:
    spans = split_sentences(text)
    prev = 0
    for a, b in spans:
        assert prev <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        prev = b


_WORDS = ["Der", "z.", "B.", "Dr.", "26.", "November", "am", "3.", "oktober", "1.100", "tot.",
          "Ja!", "Nein?", "Ende…", '"Zitat."', "(so.)", "e.g.", "Mr.", "J.", "Smith", "x.", "\n",
          "\n\n", "\t", "\u3000", "  ", "wir", "Sie", "u. a.", "12.", "Mai,", "...",
          "'ok.'", "a\tz.", "b\u3000Dr.", "c\x0bJ.", "d\u2009e.g."]  # fmt: skip
_TEXT = st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_TEXT, st.text(alphabet=".!?… \n\t\"'aAz1", max_size=60)), st.data())
def test_split_sentences_equals_the_reference(text: str, data: st.DataObject) -> None:
    from reference_segment import split_sentences as reference

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert split_sentences(text) == reference(text)
    assert split_sentences(text, start, end) == reference(text, start, end)


@settings(max_examples=100, deadline=None)
@given(_TEXT, st.integers(1, 3), st.integers(0, 9), st.integers(1, 2))
def test_windows_equal_the_reference(text: str, size: int, min_words: int, step: int) -> None:
    from reference_segment import windows as reference

    doc = normalize(Article(id="a", text=text))
    assert windows(doc, size, min_words, step) == reference(doc, size, min_words, step)


_PARAS = st.lists(st.one_of(_TEXT, st.sampled_from([
    "Quellen:\nhttps://www.merkur.de/politik/a.html\nhttps://www.sueddeutsche.de/b",
    "Lesen Sie auch: Die Lage in Kursk.", "Von Anna Muster", "Mehr zum Thema"])),
    min_size=1, max_size=6).map("\n\n".join)  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(_PARAS)
def test_kept_sentences_are_each_blocks_split(text: str) -> None:
    """The sentences made once per document equal splitting each block (teasers: none)."""
    from lineage.segment import block_sentences, sentence_spans

    doc = normalize(Article(id="a", text=text))
    assert doc.sentences is None
    flat = sentence_spans(doc)
    assert doc.sentences is flat  # made once, kept on the document
    expect = []
    for b in doc.blocks:
        got = block_sentences(doc, b.start, b.end)
        if b.kind != "teaser":
            assert got == split_sentences(doc.clean, b.start, b.end)
            expect += got
    assert list(zip(flat[0::2], flat[1::2], strict=True)) == expect
