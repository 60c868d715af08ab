"""``facts.hedges`` (one regex over the lower-cased text) against the former word-joining one."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import facts


def _reference(text: str) -> frozenset[str]:
    """``hedges`` as it was: the text's ``_WORD`` words joined by single spaces, then the
    hedge alternatives with single spaces between a phrase's words."""
    hs = facts._data()["hedges"]
    alts = [re.escape(h[:-1]) + r"\w*" if h.endswith("*") else re.escape(h) for h in hs]
    pattern = re.compile(r"(?<!\w)(" + "|".join(alts) + r")(?!\w)")
    low = " ".join(facts._WORD.findall(text.lower()))
    stems = {h[:-1]: h for h in hs if h.endswith("*")}
    found = set()
    for m in pattern.finditer(low):
        word = m.group(1)
        stem = next((st for st in stems if word.startswith(st)), None)
        found.add(stem if stem is not None and word not in hs else word)
    return frozenset(found)


_WORDS = [*(w for h in facts._data()["hedges"] for w in h.rstrip("*").split(" ")),
          "unbestätigte", "Mutmaßlicher", "UP", "To", "more", "than", "x", "ß", "İ", "_", "2",
          "Etwa-Angaben", "rund-", "-fast"]  # fmt: skip
_GAPS = st.sampled_from([" ", "  ", "\n", ", ", "-", " - ", "_", "", ".", "„", "“", "\u202f", "/"])


@st.composite
def _texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), max_size=12))
    return "".join(draw(_GAPS) + w for w in words) + draw(_GAPS)


@settings(max_examples=800, deadline=None)
@given(st.one_of(_texts(), st.text(max_size=60)))
def test_hedges_equal_the_word_joining_reference(text: str) -> None:
    assert facts.hedges(text) == _reference(text)


def test_hedge_phrases_over_any_separator() -> None:
    assert facts.hedges("Es waren, mehr\n als 10, berichten  zufolge.") == {
        "mehr als", "berichten zufolge"}  # fmt: skip
    assert facts.hedges("unbestätigten Berichten zufolge") == {"unbestätigt", "berichten zufolge"}
