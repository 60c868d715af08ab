"""``facts.extract_spans`` (one scan per text, facts per span) against ``extract`` per span."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import facts
from lineage.segment import split_sentences

# words that make numbers, names, acronyms, quotes, dates and units, and every kind of cut
_WORDS = ["1.100", "26.", "November", "3,5", "Prozent", "%", "Millionen", "2024", "12 000",
          "Soldaten", "Mark", "Rutte", "NATO", "JCS", "von", "der", "Die", "Regierung",
          "NATO-Chef", "Kim", "Jong-un", "Militärexperten", '"', "„", "“", ".", "!", "?", ")",
          "'", "-", ",", ":", "\n", "\n\n", "\u202f", "5", "x", "sagte", "er", "am", "O'Neil",
          "Zug.", "Peter'", "Mark-", "Un", "5.", ".5", "1.", "000"]  # fmt: skip
_SPACE = st.sampled_from([" ", " ", " ", "\n", "  ", "\u202f", ""])


@st.composite
def _texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), max_size=40))
    return "".join(w + draw(_SPACE) for w in words)


@st.composite
def _text_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    text = draw(st.one_of(_texts(), st.text(max_size=150)))
    sents = split_sentences(text)
    # sentence windows, as segment makes passages, and arbitrary spans
    windows = [(sents[i][0], sents[min(i + k, len(sents) - 1)][1])
               for i in range(len(sents)) for k in (0, 1)]  # fmt: skip
    # cuts anywhere, and every place where cuts are likely to matter (where a run of
    # letters or digits, white space or other characters starts or ends): each as the
    # start of a span to the end and as the end of a span from the start
    kind = [c.isalnum() - c.isspace() for c in text]
    edges = [i for i in range(1, len(text)) if kind[i - 1] != kind[i]]
    cut = st.integers(0, len(text))
    spans = draw(st.lists(st.tuples(cut, cut).map(sorted).map(tuple), max_size=4))
    spans += [(i, len(text)) for i in edges] + [(0, i) for i in edges]
    return text, [s for s in windows + spans if s[1] > s[0]]  # type: ignore[misc]


@settings(max_examples=600, deadline=None)
@given(_text_and_spans())
def test_extract_spans_equals_extract_per_span(case: tuple[str, list[tuple[int, int]]]) -> None:
    text, spans = case
    assert facts.extract_spans(text, spans) == [facts.extract(text[a:b]) for a, b in spans]


def test_extract_spans_on_windows() -> None:
    text = (
        'Laut NATO sind 1.100 Soldaten tot. Am 26. November sagte Mark Rutte: "Wir sehen '
        'das mit Sorge, sehr große Sorge." Die Regierung meldete 3,5 Prozent.\n\nKim Jong-un '
        "schwieg. Es waren 12 000 Soldaten"
    )
    sents = split_sentences(text)
    spans = [(sents[i][0], sents[i + 1][1]) for i in range(len(sents) - 1)]
    got = facts.extract_spans(text, spans)
    assert got == [facts.extract(text[a:b]) for a, b in spans]
    assert {f.key for f in got[0]} >= {"1100", "nato"}
    assert facts.extract_spans(text, []) == []


def _reference_name(found: str) -> facts.Fact | None:
    """``_name`` before its word verdicts were cached."""
    stop = facts._data()["not_names"]
    parts = found.split()
    while parts and (
        parts[0] in stop or facts._INNER_CAP.search(parts[0]) or facts._noun_like(parts[0])
    ):
        parts = parts[1:]
    caps = [p for p in parts if p[:1].isupper()]
    if len(caps) < 2 or any(p in stop for p in caps) or any(facts._noun_like(p) for p in caps):
        return None
    name = " ".join(parts)
    return facts.Fact("name", name.lower(), name)


@given(st.one_of(_texts(), st.text(max_size=120)))
def test_names_equal_the_reference(text: str) -> None:
    for m in facts._CAP.finditer(text):
        assert facts._name(m.group(0)) == _reference_name(m.group(0))
