"""The fit's window path (passages tokenized inside their document's text) equals the texts path.

``PassageScorer.fit`` given passages that slice their document's text
tokenizes each stretch of a document once and takes every passage's tokens as
a window of it; given only texts, it tokenizes every passage apart. Both must
give the same tokens, hence the same fitted arrays, whatever the texts: cut
tokens, copies, the Greek final sigma, characters that lower to two.
"""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reference_tfidf import SEEDS

import lineage.tfidf as tf
from lineage.config import Settings
from lineage.engine import LocalEngine
from lineage.models import Passage
from lineage.pipeline import ingest, normalized, segmented
from lineage.segment import PassageTexts
from lineage.tfidf import PassageScorer


def _fitted(scorer: PassageScorer) -> dict[str, np.ndarray]:
    """Every array the fit keeps."""
    out = {"text_ids": scorer.text_ids_, "word_labels": scorer.word_labels_,
           "words_sorted": scorer._words_sorted,
           "shape": np.array([scorer.n_docs_, scorer.n_distinct_, scorer.n_features_])}  # fmt: skip
    mats: dict[str, sp.csr_matrix] = {"words": scorer.words_}
    if scorer.chars_ is not None:
        c = scorer.chars_
        out |= {"labels": c.labels, "idf": c.idf, "rev_idf": c.rev_idf,
                "n_cols": np.array(c.n_cols)}  # fmt: skip
        mats |= {"rev_grams": c.rev_grams, "doc_words": c.doc_words}
    for name, m in mats.items():
        out |= {f"{name}.data": m.data, f"{name}.indices": m.indices,
                f"{name}.indptr": m.indptr, f"{name}.shape": np.array(m.shape)}  # fmt: skip
    return out


def _assert_same_fit(got: PassageScorer, want: PassageScorer) -> None:
    a, b = _fitted(got), _fitted(want)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert np.array_equal(a[k], b[k]), k


def _same_tokens(got: tf._Tokens, want: tf._Tokens) -> None:
    assert got[0] == want[0]
    assert np.array_equal(got[1], want[1]) and np.array_equal(got[2], want[2])
    assert got[2].dtype == want[2].dtype


_PIECE = st.sampled_from(["Σ", "ΑΣ", "σ", "ς", "İ", "iİ", "a", "ä", "bc", "_", "1", "٣", ".",
                          "-", "'", "\u0301", "😀", "𝔸", "\u200b", "ΟΔΟΣ", "Wort"])  # fmt: skip
_SPACE = st.sampled_from([" ", " ", "  ", "\n", "\n\n", "\t", "\xa0", "\u3000", "\x1c"])
_WORD = st.lists(_PIECE, min_size=1, max_size=4).map("".join)
_SENTENCE = st.lists(_WORD, min_size=0, max_size=5).flatmap(
    lambda ws: st.lists(_SPACE, min_size=len(ws), max_size=len(ws)).map(
        lambda sp_: "".join(w + s for w, s in zip(ws, sp_, strict=True)).rstrip()))  # fmt: skip


@st.composite
def _documents(draw: st.DrawFn) -> tuple[list[str], list[Passage]]:
    """Documents of sentences, and passages over them: windows, copies, cut bounds, own texts."""
    n_docs = draw(st.integers(1, 4))
    docs: list[str] = []
    passages: list[Passage] = []
    for d in range(n_docs):
        if docs and draw(st.booleans()):
            clean = docs[draw(st.integers(0, len(docs) - 1))]  # a copy (often the same object)
            if draw(st.booleans()):
                clean = "".join(list(clean))  # equal, another object
        else:
            sents = draw(st.lists(_SENTENCE, min_size=1, max_size=6))
            # sentences mostly apart; sometimes glued (a window bound then cuts a token)
            gaps = draw(st.lists(st.sampled_from([" ", " ", "\n", ""]), min_size=len(sents),
                                 max_size=len(sents)))  # fmt: skip
            clean = "".join(s + g for s, g in zip(sents, gaps, strict=True))
        docs.append(clean)
        # sentence-like bounds: at spaces mostly, anywhere sometimes
        cuts = sorted({0, len(clean), *draw(st.lists(st.integers(0, len(clean)), max_size=5))})
        spans = [(cuts[k], cuts[min(k + 2, len(cuts) - 1)]) for k in range(len(cuts) - 1)]
        spans += draw(st.lists(st.tuples(st.integers(0, len(clean)), st.integers(0, len(clean)))
                               .map(sorted).map(tuple), max_size=3))  # fmt: skip
        for k, (a, b) in enumerate(spans):
            own = draw(st.integers(0, 9)) == 0  # a passage that keeps its own text
            passages.append(Passage(f"d{d}#p{k}", f"d{d}", k, a, b, a, b,
                                    clean[a:b] if own else None,
                                    None if own else clean))  # fmt: skip
    order = draw(st.permutations(range(len(passages))))
    return docs, [passages[k] for k in order]


_OWN = [Passage(f"d{k}#p0", f"d{k}", 0, 0, len(t), 0, len(t), t) for k, t in
        enumerate([" Σ Σ ", "     ", " "])]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(_documents(), st.integers(1, 9))
@example((["x"], _OWN), 2)  # passages with their own texts, one after the other
def test_window_tokens_equal_tokens_of_each_text(
    data: tuple[list[str], list[Passage]], chunk: int
) -> None:
    _, passages = data
    texts = PassageTexts(passages)
    _, heads, _ = tf._distinct(texts)
    spans = tf.chunked(len(heads), chunk)
    longest = tf._longest_windows(passages, heads, spans)
    for lo, hi in spans:
        span = tf._Span(texts, heads, lo, hi, passages)
        units, _ = span.windows(np.zeros(hi - lo, dtype=bool))
        assert sum(map(len, units)) + len(units) <= longest  # the hash powers made before
        got = tf._tokenize_span(span)
        want = tf._tokenize_chunk([texts[i] for i in heads[lo:hi].tolist()])
        for g, w in zip(got, want, strict=True):
            _same_tokens(g, w)


@settings(max_examples=60, deadline=None)
@given(_documents())
def test_fit_with_passages_equals_fit_of_texts(data: tuple[list[str], list[Passage]]) -> None:
    _, passages = data
    texts = [p.text for p in passages]
    try:
        want = PassageScorer().fit(texts)
    except ValueError:  # no word at all
        with pytest.raises(ValueError):
            PassageScorer().fit(PassageTexts(passages))
        return
    _assert_same_fit(PassageScorer().fit(PassageTexts(passages)), want)
    _assert_same_fit(PassageScorer().fit(texts, passages=passages), want)


@pytest.fixture(scope="module")
def seed_passages() -> list[Passage]:
    """The seed articles' passages as a scan makes them, with every article once more (copies)."""
    s = Settings()
    docs = normalized(ingest([SEEDS], s).articles)
    passages = segmented(docs, s)
    return passages + passages[::3]


@pytest.mark.parametrize("engine", [None, LocalEngine(2)])
def test_seed_passages_fit_as_their_texts(
    seed_passages: list[Passage], engine: LocalEngine | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = PassageScorer().fit([p.text for p in seed_passages])
    monkeypatch.setattr(tf, "_TEXT_CHUNK", 37)  # many chunks: documents cut between them
    got = PassageScorer(engine=engine).fit(PassageTexts(seed_passages))
    _assert_same_fit(got, want)
    assert np.array_equal(got.cosine([(0, 1), (2, 5)]), want.cosine([(0, 1), (2, 5)]))


def test_span_of_passages_pickles_with_their_documents(seed_passages: list[Passage]) -> None:
    texts = PassageTexts(seed_passages)
    _, heads, _ = tf._distinct(texts)
    span = tf._Span(texts, heads, 5, 60, seed_passages)
    back = pickle.loads(pickle.dumps(span))
    assert back.texts() == span.texts()
    assert back.passages is not None and len(back.passages) == 55  # not the whole sequence
    for g, w in zip(tf._tokenize_span(back), tf._tokenize_span(span), strict=True):
        _same_tokens(g, w)


def test_lowering_keeps_whitespace_classes() -> None:
    # what window bounds rely on: a cut is seen in the lowered text as in the original one,
    # and whitespace ends the final sigma's context as the joining space does
    for c in range(sys.maxunicode + 1):
        if 0xD800 <= c < 0xE000:
            continue
        ch = chr(c)
        low = ch.lower()
        assert all(x.isspace() for x in low) if ch.isspace() else not any(map(str.isspace, low))
        if ch.isspace():
            for a, b in (("ΑΣ", "Α"), ("Α", "Σ"), ("ΑΣ.", ".Α"), ("Α'", "Σ")):
                assert (a + ch + b).lower() == a.lower() + low + b.lower()
