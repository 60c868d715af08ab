"""Passages that share their document's text, the lazy text list, first-seen text ids and
the facts-by-passage view: each equals the plain form it replaced."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage.match import _fact_pieces, _facts_chunk, _PassageFacts
from lineage.models import Article, Fact, Passage
from lineage.normalize import normalize
from lineage.segment import PassageTexts, passages, text_ids

TEXTS = {
    "a": "Laut NATO sind 1.100 Soldaten tot. Am 26. November sagte Mark Rutte: „Wir sehen das "
    "mit großer Sorge.“ Die Regierung meldete 3,5 Prozent.\n\nKim Jong-un schwieg dazu am "
    "Montag lange. Es waren zuletzt rund 12.000 Soldaten in der Region Kursk.",
    "b": "Laut NATO sind 1.100 Soldaten tot. Am 26. November sagte Mark Rutte: „Wir sehen das "
    "mit großer Sorge.“ Pjöngjang hat nach Angaben aus Washington 11.000 Soldaten entsandt.",
    "c": "Kurz.",
}


def _docs_and_passages() -> tuple[dict, list[Passage]]:
    docs = {k: normalize(Article(id=k, text=v)) for k, v in TEXTS.items()}
    return docs, [p for k in sorted(docs) for p in passages(docs[k], 2, 5)]


def _own(p: Passage) -> Passage:
    """The same passage holding a copy of its text (as every passage did before)."""
    return Passage(p.id, p.article, p.index, p.start, p.end, p.cstart, p.cend, p.text)


def test_segment_passages_share_the_clean_text_and_read_as_before() -> None:
    docs, ps = _docs_and_passages()
    for p in ps:
        doc = docs[p.article]
        assert p.clean is doc.clean
        assert p.text == doc.clean[p.cstart : p.cend]
        own = _own(p)
        assert own.clean is None
        assert own == p and repr(own) == repr(p) and own.to_dict() == p.to_dict()


def test_dataclass_behaviour_is_kept() -> None:
    _, ps = _docs_and_passages()
    p = ps[1]
    assert [f.name for f in dataclasses.fields(Passage)][:8] == [
        "id", "article", "index", "start", "end", "cstart", "cend", "text"]  # fmt: skip
    changed = dataclasses.replace(p, text="Ein anderer Text.")
    assert changed.text == "Ein anderer Text." and changed.clean is None
    moved = dataclasses.replace(p, index=9)
    assert moved.text == p.text and moved.index == 9
    assert Passage(p.id, p.article, p.index, 0, 0, 0, 0, text="x") != p
    assert copy.deepcopy(p) == p and copy.copy(p) == p
    p2 = copy.copy(p)
    p2.text = "gesetzt"
    assert p2.text == "gesetzt" and p.text != "gesetzt"
    with pytest.raises(TypeError):
        Passage("x#p0", "x", 0, 0, 0, 0, 0)


def test_pickle_sends_each_clean_text_once_and_keeps_it_shared() -> None:
    docs, ps = _docs_and_passages()
    back_docs, back = pickle.loads(pickle.dumps((docs, ps), protocol=5))
    assert back == ps
    for p in back:
        assert p.clean is back_docs[p.article].clean
    one = pickle.dumps(ps[0], protocol=5)
    assert pickle.loads(one) == ps[0]
    own = [_own(p) for p in ps]
    assert pickle.loads(pickle.dumps(own)) == ps
    assert all(q.clean is None for q in pickle.loads(pickle.dumps(own)))


def test_pickles_of_the_former_slot_state_still_load() -> None:
    _, ps = _docs_and_passages()
    p = ps[0]
    names = ("id", "article", "index", "start", "end", "cstart", "cend", "text")
    state = (None, {n: getattr(p, n) for n in names})
    q = Passage.__new__(Passage)
    q.__setstate__(state)
    assert q == p and q.clean is None


def test_passage_texts_is_the_list_of_texts() -> None:
    _, ps = _docs_and_passages()
    ps = [*ps, _own(ps[0]), dataclasses.replace(ps[1], text="anders")]
    texts = PassageTexts(ps)
    plain = [p.text for p in ps]
    assert len(texts) == len(plain) and list(texts) == plain
    assert texts[3] == plain[3] and texts[-1] == plain[-1]
    assert texts[1:4] == plain[1:4] and texts[::2] == plain[::2]


def _first_seen(texts: list[str]) -> list[int]:
    first: dict[str, int] = {}
    return [first.setdefault(t, len(first)) for t in texts]


@given(st.lists(st.sampled_from(["", "a", "b", "ab", "ä „x“", "a b", "b"]), max_size=40))
def test_text_ids_equal_first_seen_numbering(texts: list[str]) -> None:
    assert text_ids(texts).tolist() == _first_seen(texts)


class _Clash(str):
    """A text whose hash collides with others' (``text_ids`` must still tell them apart)."""

    def __hash__(self) -> int:
        return len(self) % 2


@given(st.lists(st.text(alphabet="ab„", max_size=4), max_size=40))
def test_text_ids_split_hash_collisions(texts: list[str]) -> None:
    assert text_ids([_Clash(t) for t in texts]).tolist() == _first_seen(texts)


def test_fact_pieces_of_shared_passages_equal_those_of_own_texts() -> None:
    docs, ps = _docs_and_passages()
    own = [_own(p) for p in ps]
    assert _fact_pieces(docs, ps) == _fact_pieces(docs, own)
    assert _facts_chunk(_fact_pieces(docs, ps)) == _facts_chunk(_fact_pieces(docs, own))


def test_passage_facts_view_equals_the_dict_by_id() -> None:
    _, ps = _docs_and_passages()
    odd = Passage("odd", "b", 0, 0, 0, 0, 0, text="Es waren 7.000 Soldaten.")
    late = dataclasses.replace(ps[0], id="a#p99")
    ps = [*ps, odd, late]
    lists = [[Fact("number", str(k), str(k))] if k % 2 else [] for k in range(len(ps))]
    view = _PassageFacts(ps, lists)
    plain = {p.id: lists[k] for k, p in enumerate(ps)}
    assert dict(view) == plain and len(view) == len(plain) and list(view) == list(plain)
    for pid, fl in plain.items():
        assert pid in view and view[pid] == fl
    view["a#p0"].append(Fact("name", "x", "X"))  # the caller's own copy
    assert view["a#p0"] == plain["a#p0"]
    for missing in ("a#p77", "zz#p0", "a#px", "", "a"):
        assert missing not in view
        with pytest.raises(KeyError):
            view[missing]
    assert 3 not in view
    uid = text_ids(PassageTexts(ps))
    assert uid.tolist() == _first_seen([p.text for p in ps])
    assert isinstance(uid, np.ndarray)
