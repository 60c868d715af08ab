"""Near-duplicate stage: passage texts are checked against their spans; all engines agree."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lineage import match
from lineage.config import Settings
from lineage.engine import LocalEngine
from lineage.minhash import Signer
from lineage.models import Article
from lineage.normalize import normalize
from lineage.segment import passages

TEXTS = [
    "Die Stadtwerke erhöhen zum 1. März die Preise für Fernwärme um 14 Prozent. Betroffen "
    "sind rund 12.000 Haushalte im Stadtgebiet, sagte ein Sprecher am Montag. Der "
    "Mieterbund kritisierte die Erhöhung scharf und kündigte eine Prüfung an.",
    "Im Tierpark ist ein Elefant geboren worden, teilte der Zoo am Dienstag mit. Das "
    "Jungtier wiegt rund 100 Kilogramm und ist wohlauf. Besucher können es ab Samstag sehen.",
    "Die Stadtwerke erhöhen zum 1. März die Preise für Fernwärme um 14 Prozent. Betroffen "
    "sind rund 12.000 Haushalte, sagte ein Sprecher am Montag. Der Mieterbund kündigte eine "
    "Prüfung an. Im Tierpark ist ein Elefant geboren worden, teilte der Zoo am Dienstag mit.",
]


def _corpus() -> tuple[dict, list]:
    docs = {}
    for i, text in enumerate(TEXTS * 3):
        art = Article(id=f"d{i:02d}", text=text)
        docs[art.id] = normalize(art)
    return docs, [p for k in sorted(docs) for p in passages(docs[k], 2, 5)]


def test_passage_of_same_length_but_other_text_is_shingled_from_its_text() -> None:
    docs, ps = _corpus()
    swapped = ps[1].text.replace("e", "x")  # same length, not the span of the article text
    assert len(swapped) == len(ps[1].text) and swapped != ps[1].text
    ps[1] = dataclasses.replace(ps[1], text=swapped)
    values, offsets = match.shingle_table(docs, ps, Settings())
    signer = Signer()
    for k, p in enumerate(ps):
        assert np.array_equal(values[offsets[k] : offsets[k + 1]], signer.shingles(p.text))


@pytest.mark.parametrize("workers", [2, 3])
def test_near_duplicates_same_on_every_engine(monkeypatch, workers: int) -> None:
    """Split tasks (this process and a forked one, or a pool) give the one-process pairs."""
    import lineage.minhash as mh

    docs, ps = _corpus()
    s = Settings()
    want = match.near_duplicates(docs, ps, s)
    assert len(want) > 3
    monkeypatch.setattr(match, "_CHARS_PER_CHUNK", 400)
    monkeypatch.setattr(mh, "_PARALLEL_MIN_ROWS", 4)
    got = match.near_duplicates(docs, ps, s, LocalEngine(workers))
    assert np.array_equal(got, want)
