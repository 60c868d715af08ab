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
