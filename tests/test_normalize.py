from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.models import Article
from lineage.normalize import is_hard_wrapped, normalize

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _doc(name: str):
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return normalize(Article(id=name, text=path.read_text("utf-8")))


def _kinds(doc) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for b in doc.blocks:
        out.setdefault(b.kind, []).append(doc.clean[b.start : b.end])
    return out


def test_hard_wrapped_seed_is_rejoined_and_dehyphenated() -> None:
    doc = _doc("004")
    assert "Seoul warnt vor zusätzlicher Truppenentsendung." in doc.clean
    assert "im Ukraine-Krieg getötet" in doc.clean  # compound hyphen kept
    assert "Trup-" not in doc.clean and "\n" not in doc.clean.split("\n\n")[2]
    heads = _kinds(doc)["heading"]
    assert "Nordkorea verstärkt seine militärische Präsenz" in heads
    assert _kinds(doc)["title"] == [
        "Nordkorea verstärkt Truppen für Russlands Krieg – 1.100 Soldaten gefallen!"
    ]


def test_reference_block_and_teaser_are_separated() -> None:
    refs = _kinds(_doc("001"))["references"]
    assert refs[:2] == ["Referenz 1", "www.merkur.de"] and "jacobin.de" in refs
    teaser = _kinds(_doc("002"))["teaser"]
    assert teaser[0] == "Das könnte Sie auch interessieren:"
    assert any("Hisbollah" in t for t in teaser)
    body = " ".join(_kinds(_doc("002"))["body"])
    assert "Hisbollah" not in body


def test_dateline_is_its_own_block() -> None:
    assert _kinds(_doc("003"))["dateline"] == ["Veröffentlicht: 28. Oktober 2024"]


def test_hyphen_before_conjunction_is_kept() -> None:
    lines = ["Die Rivalität zwischen Nord- und Südkorea wächst weiter und weiter."] * 2
    text = "\n".join(
        ["Ein langer Satz über die Lage im Norden und im Süden der Halbinsel, Nord-"]
        + ["und Südkorea stehen sich gegenüber, das ist seit Jahrzehnten so und bleibt."]
        + lines * 3
    )
    doc = normalize(Article(id="x", text=text))
    assert "Nord- und Südkorea stehen" in doc.clean


def test_is_hard_wrapped() -> None:
    assert is_hard_wrapped([58, 60, 61, 55, 59, 60, 12, 57])
    assert not is_hard_wrapped([300, 40, 500, 420, 60, 380, 290])


_TEXT = st.lists(
    st.sampled_from([*list("abcÄöüß -–„“\"'.,!?\n\xa0\tﬁ"), "Krie-\ng", "1.100"]),
    max_size=300,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_offsets_always_point_into_the_original(text: str) -> None:
    doc = normalize(Article(id="p", text=text))
    assert len(doc.offsets) == len(doc.clean) + 1
    assert all(0 <= o <= len(text) for o in doc.offsets)
    for i, ch in enumerate(doc.clean):
        orig = text[doc.offsets[i]] if doc.offsets[i] < len(text) else ""
        if ch.isalnum():
            assert ch.lower() in orig.lower() or orig in "\ufb01", (ch, orig)
    for b in doc.blocks:
        s, e = doc.to_original(b.start, b.end)
        assert 0 <= s <= e <= len(text)


@settings(max_examples=60, deadline=None)
@given(_TEXT)
def test_normalize_is_idempotent_on_clean_text(text: str) -> None:
    once = normalize(Article(id="p", text=text)).clean
    twice = normalize(Article(id="p", text=once)).clean
    assert twice.split() == once.split()


# Lines that exercise every offset path: NFKC changes (ligature, circled digit,
# full-width letters), quotes and deleted characters, tabs, carriage returns,
# double and ideographic spaces, line-end hyphens; some lines long enough to
# count as hard-wrapped.
_PIECES = ["Die", "Trup-", "pen", "Ukraine-", "Krieg", "und", "„Zitat“", "ﬁnal", "①", "Ｆull",
           "so\u00adft", "\u200bzero", "\ufeff", "a\tb", "x\r", "  ", "\u3000", "–", "Nord-",
           "oder", "Süd.", "ende.", "www.x.de", "…", "Straße", "İstanbul", "e\u0301"]  # fmt: skip
_LINE = st.lists(st.sampled_from(_PIECES), max_size=14).map(" ".join)
_DOC = st.lists(st.one_of(_LINE, st.just("")), min_size=1, max_size=14).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_DOC, st.text(max_size=200)))
def test_runs_equal_the_per_character_reference(text: str) -> None:
    from reference_normalize import normalize as reference

    art = Article(id="x", text=text)
    got, want = normalize(art), reference(art)
    assert (got.clean, got.blocks) == (want.clean, want.blocks)
    assert list(got.offsets) == list(want.offsets)
    assert got.offsets.__reduce__() == want.offsets.__reduce__()  # the same runs stored


def test_unchanged_text_is_kept_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean text equal to the article's text is the same string (memory at scale)."""
    from lineage import pipeline
    from lineage.engine import LocalEngine
    from lineage.pipeline import normalized

    monkeypatch.setattr(pipeline, "ARTICLES_PER_CHUNK", 1)  # chunks in the worker too

    plain = Article(id="p", text="Ein schlichter Absatz ohne Umbruch.\n\nUnd ein zweiter Absatz.")
    wrapped = Article(id="w", text="Der Ukraine-\nKrieg geht weiter,\nsagte er am\nMontag dort.")
    assert normalize(plain).clean is plain.text
    assert normalize(wrapped).clean != wrapped.text
    for workers in (1, 2):
        docs = normalized([plain, wrapped, Article(id="z", text="Noch ein Text.")],
                          LocalEngine(workers))  # fmt: skip
        assert docs["p"].clean is docs["p"].article.text
        assert docs["w"].clean == normalize(wrapped).clean
