"""``split_sentences`` decides most periods in place: the same spans as the reference."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.segment import split_sentences

# words before and after a period: lower/upper case (also non-ASCII, İ lowers to two
# characters), day numbers and months, initials, abbreviations, runs like ".!" and ".?",
# quotes, and white space that is no plain space (no-break, thin, U+001C, line separator)
_PIECES = ["Der", "der", "émile", "Émile", "İst", "ıst", "ß", "ẞ", "z.", "B.", "Dr.", "dr.",
           "26.", "3.", "123.", "November", "november", "„mai", "(Mai", "Mai,", "J.", "j.",
           "x.", "tot.", "tot.!", "tot.?", "so.)", '"Zitat."', "Ende…", "u. a.", "1.100",
           "\u00a0", "\u2009", "\x1c", "\u2028", "\n", "\t", " ", "  ", ".", "..", "!",
           "?"]  # fmt: skip
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=50).map("".join) | st.lists(
    st.sampled_from(_PIECES), max_size=50
).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.data())
def test_split_sentences_equals_the_reference_on_hard_words(text: str, data: st.DataObject) -> None:
    from reference_segment import split_sentences as reference

    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert split_sentences(text) == reference(text)
    assert split_sentences(text, start, end) == reference(text, start, end)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_split_sentences_equals_the_reference_on_any_text(text: str) -> None:
    from reference_segment import split_sentences as reference

    assert split_sentences(text) == reference(text)
