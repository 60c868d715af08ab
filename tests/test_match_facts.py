"""The facts block of the match stage: per-article extraction equals extraction per passage."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import facts as factlib
from lineage.match import (
    _fact_pieces,
    _FactKeys,
    _FactLists,
    _facts_chunk,
    _FactStore,
    _key_ids,
    _posting_pairs,
    blocking_keys,
)
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
    """Keys of a text's facts as the match stage once made them, set by set."""
    keys = sorted({f"{f.kind}:{f.key}" for f in fs})
    strong = sorted({f"{f.kind}:{f.key}" for f in fs if factlib.is_strong(f)})
    names = sorted({f"{f.kind}:{f.key}" for f in fs if f.kind == "name"})
    unit = any(f.kind == "number" and f.unit for f in fs)
    return keys, strong, names, unit, sorted(blocking_keys(fs))


def _rows(m: object) -> list[frozenset[int]]:
    """Column numbers of each row of a sparse 0/1 matrix."""
    csr = m.tocsr()  # type: ignore[attr-defined]
    return [frozenset(csr.indices[csr.indptr[i] : csr.indptr[i + 1]].tolist())
            for i in range(csr.shape[0])]  # fmt: skip


def _check_keys(store: _FactStore, fact_lists: list[list[Fact]]) -> None:
    """``_FactKeys.of_store`` and ``_FactStore.blocking`` hold the reference key sets: equal
    rows where the sets are equal, and as many shared columns as shared keys."""
    keys = _FactKeys.of_store(store)
    ref = [_reference(fs) for fs in fact_lists]
    for m, which in ((keys.all, 0), (keys.strong, 1), (keys.names, 2)):
        rows = _rows(m)
        assert [len(r) for r in rows] == [len(x[which]) for x in ref]
        for i in range(len(ref)):
            for j in range(len(ref)):
                common = set(ref[i][which]) & set(ref[j][which])
                assert len(rows[i] & rows[j]) == len(common)
    assert keys.units.tolist() == [x[3] for x in ref]
    uid = np.arange(len(fact_lists))
    got = _posting_pairs(*store.blocking(uid), uid, 50)
    want = _posting_pairs(*_key_ids([x[4] for x in ref], uid), uid, 50)
    assert got.tolist() == want.tolist()
    for k in (2, 3):
        got = _posting_pairs(*store.blocking(uid), uid, 50, k)
        assert (
            got.tolist() == _posting_pairs(*_key_ids([x[4] for x in ref], uid), uid, 50, k).tolist()
        )


def test_facts_chunk_equals_extract_per_passage() -> None:
    docs = {k: normalize(Article(id=k, text=v)) for k, v in TEXTS.items()}
    ps = [p for k in sorted(docs) for p in passages(docs[k], 2, 5)]
    # a passage whose text is not its span of the clean text is extracted on its own
    odd = dataclasses.replace(ps[1], text="Es waren 7.000 Soldaten, sagte Mark Rutte.")
    ps = [*ps, odd, ps[0]]
    pieces = _fact_pieces(docs, ps)
    half = len(pieces) // 2  # two chunks: their facts are merged
    store = _FactStore.of_chunks([_facts_chunk(pieces[:half]), _facts_chunk(pieces[half:])])
    assert len(store) == len(ps)
    want = [factlib.extract(p.text) for p in ps]
    assert [store.of_text(u) for u in range(len(ps))] == want
    lists = _FactLists(store, np.arange(len(ps)))
    assert len(lists) == len(ps) and [lists[i] for i in range(len(ps))] == want
    again = pickle.loads(pickle.dumps(lists))
    assert [again[i] for i in range(len(ps))] == want
    assert len({id(f) for fs in lists for f in fs}) == len({f for fs in want for f in fs})
    _check_keys(store, want)
    assert any(x[4] for x in map(_reference, want)) and any(x[2] for x in map(_reference, want))


_SENTENCES = [
    *TEXTS.values(),
    "Rund 12.000 Soldaten, 11.000 Soldaten und 1.100 Soldaten, sagte Mark Rutte.",
    "Etwa 45 Prozent, 3,5 Prozent und 60 Prozent der NATO.",
    "Es waren 7.000 Soldaten und 7000 Soldaten.",
    "",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_SENTENCES), max_size=8))
def test_fact_store_of_lists_equals_reference_keys(texts: list[str]) -> None:
    fact_lists = [factlib.extract(t) for t in texts]
    store = _FactStore.of_lists(fact_lists)
    assert [store.of_text(u) for u in range(len(texts))] == fact_lists
    _check_keys(store, fact_lists)


def test_fact_keys_of_lists() -> None:
    fs = factlib.extract("Laut NATO sind 1.100 Soldaten und 45 Prozent von Mark Rutte gezählt.")
    assert _FactKeys.of([fs, fs]).all.shape[0] == 2
    _check_keys(_FactStore.of_lists([fs, fs, []]), [fs, fs, []])
