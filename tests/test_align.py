"""Alignment: the difflib-free common runs equal difflib's blocks."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.align import align, common_runs
from lineage.models import Article
from lineage.normalize import normalize
from lineage.segment import passages


def _difflib(a: list[str], b: list[str], min_words: int) -> list[tuple[int, int, int]]:
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sorted((m.a, m.b, m.size) for m in blocks if m.size >= min_words)


_WORDS = st.lists(st.sampled_from(["der", "die", "das", "und", "x", "y"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(_WORDS, _WORDS, st.integers(min_value=1, max_value=5))
def test_common_runs_equal_difflib_on_repetitive_words(a, b, min_words) -> None:
    assert sorted(common_runs(a, b, min_words)) == _difflib(a, b, min_words)


@settings(max_examples=200, deadline=None)
@given(_WORDS, st.data())
def test_common_runs_equal_difflib_on_edited_copies(a, data) -> None:
    b = list(a)
    for _ in range(data.draw(st.integers(min_value=0, max_value=4))):
        if not b:
            break
        k = data.draw(st.integers(min_value=0, max_value=len(b) - 1))
        op = data.draw(st.sampled_from(["drop", "swap", "insert"]))
        if op == "drop":
            del b[k]
        elif op == "swap":
            b[k] = "neu"
        else:
            b.insert(k, "neu")
    for min_words in (3, 4):
        assert sorted(common_runs(a, b, min_words)) == _difflib(a, b, min_words)


def test_one_changed_word_gives_two_spans() -> None:
    a_text = "Die Regierung hat am Montag in Berlin neue Regeln für den Handel beschlossen."
    b_text = "Die Regierung hat am Dienstag in Berlin neue Regeln für den Handel beschlossen."
    da, db = normalize(Article(id="a", text=a_text)), normalize(Article(id="b", text=b_text))
    (pa,), (pb,) = passages(da, 1, 3), passages(db, 1, 3)
    spans = align(da, pa, db, pb, min_words=3)
    assert [a_text[s.a_start : s.a_end] for s in spans] == [
        "in Berlin neue Regeln für den Handel beschlossen",
        "Die Regierung hat am",
    ]
    assert [b_text[s.b_start : s.b_end] for s in spans][1] == "Die Regierung hat am"


def test_shared_aligner_equals_fresh_alignment_per_pair() -> None:
    """Words cached per text and runs per text pair give what a fresh aligner gives."""
    from lineage.align import Aligner

    base = (
        "Die Regierung hat am Montag in Berlin neue Regeln für den Handel beschlossen. "
        "Der Handel begrüßte die Regeln, die Opposition kritisierte sie scharf. "
        "Die neuen Regeln gelten ab dem ersten März für alle Händler im Land."
    )
    texts = {
        "a": base,
        "b": "Vorspann zum Thema Handel. " + base,  # same sentences at other offsets
        "c": base.replace("Montag", "Dienstag").replace("scharf", "heftig"),
        "d": "Ganz anders: " + base.replace("Berlin", "Bonn"),
    }
    docs = {k: normalize(Article(id=k, text=v)) for k, v in texts.items()}
    ps = [p for k in sorted(docs) for p in passages(docs[k], 2, 3)]
    shared = Aligner(docs)
    for pa in ps:
        for pb in ps:
            if pa.article != pb.article:
                for w in (3, 4):
                    want = align(docs[pa.article], pa, docs[pb.article], pb, w)
                    assert shared.align(pa, pb, w) == want
    assert len(shared._by_text) < len(shared._by_id)  # copies were tokenized once
