"""The facts block of the match stage: per-article extraction equals extraction per passage."""

from __future__ import annotations

import dataclasses

from lineage import facts as factlib
from lineage.match import _fact_pieces, _FactKeys, _facts_chunk, _TextFacts, blocking_keys
from lineage.models import Article, Fact
from lineage.normalize import normalize
from lineage.segment import passages

TEXTS = {
    "a": 'Laut NATO sind 1.100 Soldaten tot. Am 26. November sagte Mark Rutte: "Wir sehen das '
    'mit großer Sorge, sehr großer Sorge." Die Regierung meldete 3,5 Prozent.\n\nKim Jong-un '
    "schwieg dazu am Montag lange. Es waren zuletzt rund 12.000 Soldaten in der Region Kursk",
    "b": "Pjöngjang hat nach Angaben aus Washington inzwischen rund 11.000 Soldaten entsandt. "
    "Das meldete die Agentur Yonhap am Dienstag unter Berufung auf Joint Chiefs of Staff (JCS).",
    "c": "Kurz.",
}


def _reference(fs: list[Fact]) -> tuple[list[str], list[str], list[str], bool, list[str]]:
    """``_TextFacts.of`` before fact keys were memoized."""
    keys = sorted({f"{f.kind}:{f.key}" for f in fs})
    strong = sorted({f"{f.kind}:{f.key}" for f in fs if factlib.is_strong(f)})
    names = sorted({f"{f.kind}:{f.key}" for f in fs if f.kind == "name"})
    unit = any(f.kind == "number" and f.unit for f in fs)
    return keys, strong, names, unit, sorted(blocking_keys(fs))


def test_facts_chunk_equals_extract_per_passage() -> None:
    docs = {k: normalize(Article(id=k, text=v)) for k, v in TEXTS.items()}
    ps = [p for k in sorted(docs) for p in passages(docs[k], 2, 5)]
    # a passage whose text is not its span of the clean text is extracted on its own
    odd = dataclasses.replace(ps[1], text="Es waren 7.000 Soldaten, sagte Mark Rutte.")
    ps = [*ps, odd, ps[0]]
    got = _facts_chunk(_fact_pieces(docs, ps))
    assert len(got) == len(ps)
    for p, tf in zip(ps, got, strict=True):
        fs = factlib.extract(p.text)
        assert tf.facts == fs
        assert (tf.keys, tf.strong, tf.names, tf.unit, tf.blocking) == _reference(fs)
    assert any(tf.blocking for tf in got) and any(tf.names for tf in got)


def test_text_facts_of_without_memo() -> None:
    fs = factlib.extract("Laut NATO sind 1.100 Soldaten und 45 Prozent von Mark Rutte gezählt.")
    tf = _TextFacts.of(fs)
    assert (tf.keys, tf.strong, tf.names, tf.unit, tf.blocking) == _reference(fs)
    assert _FactKeys.of([fs, fs]).all.shape[0] == 2
