"""``facts.found_in_pieces`` (spans of many texts at once, each match's fact once) against
``extract`` per span and against the per-span loop it replaced."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import facts
from lineage.models import Fact
from lineage.segment import split_sentences
from tests.test_facts_spans import _text_and_spans, _texts


def _reference_found(text: str, spans: Sequence[tuple[int, int]]) -> list[list[Fact]]:
    """``facts.found_in_spans`` as it was: one loop per span with bisects (session 8)."""
    if not spans:
        return []
    lo = min(a for a, _ in spans)
    sub = text[lo : max(b for _, b in spans)]
    n = len(sub)
    num_at, num_end, num_fact, num_parts = [], [], [], []
    for m in facts._NUMBER.finditer(sub):
        raw, whole, end1 = m.group(1), m.group(0), m.end(1)
        num_at.append(m.start())
        num_end.append(m.end())
        num_fact.append(facts._number_in(raw, whole, sub[end1 : m.end() + 60]))
        num_parts.append((raw, whole, end1))
    name_at, name_fact = [], []
    for m in facts._CAP.finditer(sub):
        f = facts._name(m.group(0))
        if f is not None:
            name_at.append(m.start())
            name_fact.append(f)
    acr_at = [m.start() for m in facts._ACRONYM.finditer(sub)]
    acr_fact = [facts._acronym(m.group(0)) for m in facts._ACRONYM.finditer(sub)]
    out = []
    for a, b in spans:
        a -= lo
        b -= lo
        if not facts._clean_cut(sub, a, b):
            out.append(facts.extract(sub[a:b]))
            continue
        i, j = bisect_left(num_at, a), bisect_left(num_at, b)
        found = []
        for k in range(i, j):
            if num_end[k] + 60 <= b or b == n:
                f = num_fact[k]
            else:
                raw, whole, end1 = num_parts[k]
                f = facts._number_in(raw, whole, sub[end1:b])
            if f is not None:
                found.append(f)
        found += name_fact[bisect_left(name_at, a) : bisect_left(name_at, b)]
        found += acr_fact[bisect_left(acr_at, a) : bisect_left(acr_at, b)]
        if sub.find('"', a, b) >= 0:
            found += facts._quotes_in(sub, a, b)
        out.append(found)
    return out


def _per_span(found: list[Fact], occ: np.ndarray, sizes: np.ndarray) -> list[list[Fact]]:
    at, ends = occ.tolist(), np.cumsum(sizes).tolist()
    return [[found[o] for o in at[e - k : e]] for e, k in zip(ends, sizes.tolist(), strict=True)]


def _check(pieces: list[tuple[str, list[tuple[int, int]]]]) -> None:
    found, occ, sizes = facts.found_in_pieces(pieces)
    assert len(sizes) == sum(len(spans) for _, spans in pieces) and sizes.sum() == len(occ)
    assert all(f is not None for f in found) and (len(occ) == 0 or occ.max() < len(found))
    got = _per_span(found, occ, sizes)
    want = [fs for text, spans in pieces for fs in _reference_found(text, spans)]
    assert got == want
    assert [facts._unique(fs) for fs in got] == [
        facts.extract(text[a:b]) for text, spans in pieces for a, b in spans
    ]


@st.composite
def _windows(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    """A text of the facts' words with numbers near sentence ends, and its 2-sentence
    windows as segment makes passages (the spans need not start at 0)."""
    text = draw(_texts())
    if draw(st.booleans()):  # a number whose 60 characters of context cross a window's end
        text += draw(st.sampled_from(["Es waren 12.000. ", "Rund 26. November. ", "Nur 1,5 "]))
        text += draw(_texts())
    sents = split_sentences(text)
    spans = [(sents[i][0], sents[min(i + 1, len(sents) - 1)][1]) for i in range(len(sents))]
    skip = draw(st.integers(0, 2))
    return text, spans[skip:]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_windows(), _text_and_spans()), max_size=5))
def test_found_in_pieces_equals_extract_per_span(
    pieces: list[tuple[str, list[tuple[int, int]]]],
) -> None:
    _check(pieces)


def test_found_in_pieces_on_news_like_pieces() -> None:
    text = (
        'Laut NATO sind 1.100 Soldaten tot. Am 26. November sagte Mark Rutte: "Wir sehen '
        'das mit Sorge, sehr große Sorge." Die Regierung meldete 3,5 Prozent.\n\nKim Jong-un '
        "schwieg. Es waren 12 000 Soldaten. Rund 45 Prozent der JCS-Mitglieder in 1,5 Millionen"
    )
    sents = split_sentences(text)
    windows = [(sents[i][0], sents[i + 1][1]) for i in range(len(sents) - 1)]
    odd = [(3, 40), (0, len(text)), (5, 5)]  # cuts inside words, the whole text, empty
    _check([(text, windows), ("", []), (text, odd), ("Nichts.", [(0, 7)]), (text, windows[2:])])
    # pieces whose texts would run into each other when joined: a name, a number, an
    # acronym, a number's unit, each split between two pieces, and texts holding the
    # character that keeps the joined pieces apart
    edges = ["Laut Mark", "Rutte sagte 12", ".000 Soldaten. NA", "TO meldete 45", " Prozent",
             "Es waren 7\x00000 Soldaten, sagte Mark\x00Rutte.", "\x00", "5 Mio",
             ". Euro"]  # fmt: skip
    _check([(t, [(0, len(t))]) for t in edges])
    _check([(t, [(0, len(t)), (1, len(t))]) for t in edges if len(t) > 1])
    found, occ, sizes = facts.found_in_pieces([("Nichts.", [])])
    assert found == [] and len(occ) == len(sizes) == 0


def _reference_unit_after(text: str, end: int) -> tuple[str, float]:
    """``facts._unit_after`` as it was: every word of the 60 characters, then the first four."""
    words = facts._WORD.findall(text, end, end + 60)[:4]
    mult = 1.0
    table = facts._data()["multipliers"]
    if words and words[0].lower().rstrip(".") in table:
        mult = float(table[words[0].lower().rstrip(".")])
        words = words[1:]
    for w in words[:3]:
        if w[:1].isupper():
            return w.lower(), mult
    return (words[0].lower() if words and words[0].isalpha() else ""), mult


_UNIT_WORDS = ["Millionen", "Mio.", "tausend", "m", "bn", "Soldaten", "soldaten", "Prozent", "der",
               "NATO-Staaten", "x_y", "5", "-", "über", "Äpfel", "ß", "1.000", "İ"]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(_UNIT_WORDS), max_size=7),
    st.lists(st.sampled_from([" ", ". ", ", ", "\n", "  ", "„", "-", "", "%"]), min_size=7,
             max_size=7),
    st.integers(0, 4),
)  # fmt: skip
def test_unit_after_equals_the_reference(words: list[str], gaps: list[str], end: int) -> None:
    text = "".join(g + w for g, w in zip(gaps, words, strict=False))
    for cut in (len(text), max(0, len(text) - 3)):
        assert facts._unit_after(text[:cut], end) == _reference_unit_after(text[:cut], end)


@given(st.text(max_size=80), st.integers(0, 80))
def test_unit_after_on_any_text(text: str, end: int) -> None:
    assert facts._unit_after(text, end) == _reference_unit_after(text, end)


def _reference_parse_number(raw: str) -> float | None:
    """``facts.parse_number`` as it was (digits alone tested last)."""
    s = raw.replace("\u202f", " ")
    if facts._THOUSANDS.fullmatch(s):
        return float(facts._SEPARATORS.sub("", s))
    if facts._DECIMAL.fullmatch(s):
        return float(s.replace(",", "."))
    if s.isdigit():
        return float(s)
    return None


@given(st.text(alphabet="0123456789.,  \u202f٣x", max_size=12))
def test_parse_number_equals_the_reference(raw: str) -> None:
    assert facts.parse_number(raw) == _reference_parse_number(raw)
