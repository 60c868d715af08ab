"""The cue lexicon: the precomputed verb-form table and the sentence tokens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.attribution import AttributionParser
from lineage.cues import (
    TOKEN,
    Sentence,
    _forms_key,
    _known_lemmas,
    _shipped_forms,
    build_verb_forms,
    cue_data,
    is_participle,
    lemma_of,
    verb_language,
    verb_regex,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
LANGS = sorted(cue_data()["lang"])


@pytest.fixture(scope="module")
def parser() -> AttributionParser:
    return AttributionParser()


def seed_words() -> set[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return {w.lower() for w in TOKEN.findall(text)}


@pytest.mark.parametrize("name", LANGS)
def test_shipped_verb_forms_match_cues_toml(name):
    """Edit a verb, stem or ending in cues.toml and this fails: run `python -m lineage.cues`."""
    assert _shipped_forms()["lang"][name]["key"] == _forms_key(name, cue_data()["lang"][name])


@pytest.mark.parametrize("name", LANGS)
def test_verb_language_is_what_the_verb_regex_matches(name):
    lang = cue_data()["lang"][name]
    rx = verb_regex(lang)
    forms = verb_language(lang)
    assert all(rx.fullmatch(w) for w in forms)
    pats = lang["patterns"]
    # words near the language: real words, forms cut or extended by a letter or a part
    probes = seed_words() | {w[:-1] for w in forms} | {w + "e" for w in forms}
    probes |= {p + w for w in list(forms)[:500] for p in pats.get("verb_prefixes", ())[:3]}
    for w in probes:
        assert (rx.fullmatch(w) is not None) == (w in forms), w


@pytest.mark.slow
@pytest.mark.parametrize("name", LANGS)
def test_verb_form_table_is_what_simplemma_says(name):
    """The table equals lemmatizing every form again (loads simplemma's dictionary)."""
    lang = cue_data()["lang"][name]
    table = _shipped_forms()["lang"][name]
    assert build_verb_forms(name, lang) == table
    # and the parser's old path (regex, simplemma, listed lemma) on real words
    known = _known_lemmas(lang)
    rx = verb_regex(lang)
    for w in seed_words():
        lemma = (lemma_of(w, name) if name != "en" else w) if rx.fullmatch(w) else None
        assert table["forms"].get(w) == (lemma if lemma in known else None), w


@pytest.mark.slow
def test_is_participle_is_the_simplemma_rule(parser):
    words = seed_words() | {w for lang in parser.langs for w in lang.forms}
    words |= {w[:-1] for w in words if w.startswith("ge") and w.endswith("te")}
    for lang in parser.langs:
        for w in words:
            old = w.startswith("ge") and not lemma_of(w, lang.name).startswith("ge")
            assert is_participle(w, lang) == (old and w.endswith(("t", "en"))), w


def test_lexicons_compare_by_identity(parser):
    de, en = parser.langs
    assert de != en and de == de and parser.langs.index(en) == 1


_CASE_TRICKY = [*"ΣσςΟΔİIıiẞßǅǄ'’.-„“ aA\n\t", "ΟΔΟΣ", "Σ'Σ", "ǅemal"]


@given(st.lists(st.sampled_from(_CASE_TRICKY), max_size=30).map("".join))
@settings(max_examples=300, deadline=None)
def test_sentence_tokens_lower_as_each_token_would(text):
    t = Sentence(text, 0, len(text))
    assert t.words == TOKEN.findall(text)
    assert t.low == [w.lower() for w in t.words]
    assert t.lowset == frozenset(t.low)
    assert [t.span(k) for k in range(t.n)] == [m.span() for m in re.finditer(TOKEN, text)]


def test_a_stale_form_table_is_rebuilt_with_a_warning():
    import copy

    from lineage.cues import Lexicon, verb_forms

    en = copy.deepcopy(cue_data()["lang"]["en"])
    en["reporting_verbs"].append("declared")
    en["patterns"]["verb_stems"].append("declar")
    with pytest.warns(UserWarning, match="does not match"):
        forms, _ = verb_forms("en", en)
    assert forms["declared"] == "declared" and forms["said"] == "said"
    with pytest.warns(UserWarning):
        lex = Lexicon.from_toml("en", en)
    assert "declared" in lex.form_set
