from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage import facts


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.100", 1100.0),
        ("1,100", 1100.0),
        ("600.000", 600000.0),
        ("600 000", 600000.0),
        ("1,5", 1.5),
        ("12", 12.0),
        ("3.5", 3.5),
    ],
)
def test_parse_number_across_conventions(raw: str, value: float) -> None:
    assert facts.parse_number(raw) == value


def test_numbers_have_units_and_skip_years_and_dates() -> None:
    found = facts.numbers(
        "Am 26. November 2024 meldete die JCS rund 1.100 nordkoreanische "
        "Soldaten und 1,5 Millionen Schuss Munition."
    )
    assert [(f.key, f.unit) for f in found] == [("1100", "soldaten"), ("1500000", "schuss")]


def test_names_drop_titles_and_keep_people() -> None:
    keys = {
        f.key
        for f in facts.names(
            "Laut NATO-Generalsekretär Mark Rutte und dem "
            "Militärexperten Seth Jones warnte Kim Jong-un."
        )
    }
    assert {"mark rutte", "seth jones", "kim jong-un", "nato"} <= keys


def test_drift_and_hedges_are_changed_facts() -> None:
    a = "Nordkorea soll etwa 10.000 Soldaten nach Russland geschickt haben."
    b = "Nordkorea hat 12.000 Soldaten nach Russland geschickt."
    changed = facts.changed(a, b, facts.extract(a), facts.extract(b))
    assert {"kind": "number", "fact": "soldaten", "a": "10.000", "b": "12.000"} in changed
    hedges = {c["fact"] for c in changed if c["kind"] == "hedge"}
    assert {"soll", "etwa"} <= hedges


def test_different_magnitudes_are_different_facts() -> None:
    a, b = "1.100 Soldaten gefallen.", "600.000 Soldaten verloren."
    assert facts.drifted_numbers(facts.extract(a), facts.extract(b)) == []


@given(st.integers(min_value=1000, max_value=999_999_999))
def test_thousands_separators_round_trip(n: int) -> None:
    de = f"{n:,}".replace(",", ".")
    en = f"{n:,}"
    assert facts.parse_number(de) == facts.parse_number(en) == float(n)


@given(st.text(max_size=300))
def test_extract_never_crashes(text: str) -> None:
    for f in facts.extract(text):
        assert f.kind in {"number", "name", "quote"}


# The plain forms of the patterns (leading look-behind / \b); facts.py starts each
# with its first character's class instead, which must find the same matches.
_REFERENCE = {
    "_NUMBER": r"(?<![\w.,])(\d{1,3}(?:[.,\u202f ]\d{3})+|\d+(?:[.,]\d+)?)(?![\w]|[.,]\d)"
    r"(?:\s*(%|Prozent|percent))?",
    "_CAP": r"\b[A-ZÄÖÜ][\w'-]*(?:\s+(?:of|von|de|der|al|bin)?\s*[A-ZÄÖÜ][\w'-]*){1,3}",
    "_ACRONYM": r"\b[A-ZÄÖÜ]{2,6}\b",
}
_TRICKY = st.text(alphabet="0123456789.,\u202f %-'aAZÄöÜßé_\nvonder Prozent", max_size=80)


@given(st.one_of(_TRICKY, st.text(max_size=120)))
def test_patterns_find_what_their_plain_forms_find(text: str) -> None:
    import re

    for name, plain in _REFERENCE.items():
        fast = getattr(facts, name)
        got = [(m.span(), m.groups()) for m in fast.finditer(text)]
        assert got == [(m.span(), m.groups()) for m in re.finditer(plain, text)], name


def test_patterns_on_numbers_and_names() -> None:
    text = "x1.100 ,5 5,5 1.100.000 26. Mai 3,5% 12 000 Soldaten AB-Zug ÄÖÜ. Mark Rutte, NATO-Chef"
    assert [f.key for f in facts.numbers(text)] == ["5.5", "1100000", "3.5", "12000"]
    assert {f.key for f in facts.names(text)} >= {"mark rutte", "nato", "ab", "äöü"}


def _reference_numbers(text: str) -> list[facts.Fact]:
    """``numbers`` before its facts were cached: every check read in ``text`` itself."""
    out = []
    for m in facts._NUMBER.finditer(text):
        raw = m.group(1)
        value = facts.parse_number(raw)
        if value is None:
            continue
        nxt = facts._DATE_DOT.match(text[m.end(1) : m.end(1) + 15])
        if nxt and nxt.group(1).lower() in facts._MONTHS:
            continue
        if raw.isdigit() and 1900 <= value <= 2100:
            continue
        unit, mult = facts._unit_after(text[: m.end() + 60], m.end())
        if m.group(2):
            unit = "%"
        value *= mult
        if value < 2 and not unit:
            continue
        out.append(facts.Fact("number", facts._number_key(value), m.group(0), unit))
    return out


_NUMBER_WORDS = ["1.100", "26.", "November", "3,5", "Prozent", "%", "Millionen", "Mio.", "2024",
                 "12 000", "Soldaten", "tote", "am", "x", "1,5", "percent", "Schuss", "\n",
                 "."]  # fmt: skip


@given(st.one_of(st.lists(st.sampled_from(_NUMBER_WORDS), max_size=30).map(" ".join),
                 _TRICKY, st.text(max_size=120)))  # fmt: skip
def test_numbers_equal_the_reference(text: str) -> None:
    assert facts.numbers(text) == _reference_numbers(text)
