"""The per-article stages on an engine give what the plain per-article calls give."""

from __future__ import annotations

import pickle

import pytest

from lineage import pipeline
from lineage.config import Settings
from lineage.engine import LocalEngine
from lineage.normalize import normalize
from lineage.pipeline import attribution_records, normalized, segmented
from lineage.segment import passages as make_passages


@pytest.fixture()
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several chunks even on the few seed articles."""
    monkeypatch.setattr(pipeline, "ARTICLES_PER_CHUNK", 2)


@pytest.mark.parametrize("workers", [1, 2])
def test_stages_on_an_engine_equal_plain_calls(seed_run, small_chunks, workers: int) -> None:
    s = Settings()
    fresh = [pickle.loads(pickle.dumps(a)) for a in seed_run.articles]
    for a in fresh:  # as read: titles found in the text are set by the stage
        if a.provenance.get("title") == "text":
            a.title = None
            del a.provenance["title"]
    seen: list[tuple[str, int]] = []

    def progress(items, label):
        seen.append((label, len(items)))
        return items

    engine = LocalEngine(workers)
    docs = normalized(fresh, engine, progress)
    assert [a.title for a in fresh] == [a.title for a in seed_run.articles]
    assert all(docs[a.id].article is a for a in fresh)
    for a in fresh:
        ref = normalize(a)
        assert (docs[a.id].clean, list(docs[a.id].offsets), docs[a.id].blocks) == (
            ref.clean, list(ref.offsets), ref.blocks)  # fmt: skip
    passages = segmented(docs, s, engine, progress)
    plain = [p for a in sorted(docs) for p in make_passages(docs[a], s.passage_sentences,
             s.min_passage_words, s.passage_step)]  # fmt: skip
    assert passages == plain == seed_run.passages
    assert attribution_records(docs, s, progress, engine) == attribution_records(docs, s)
    assert attribution_records(docs, s) == seed_run.attributions
    n_chunks = (len(fresh) + 1) // 2
    assert seen == [("normalize", n_chunks), ("segment", n_chunks), ("attributions", n_chunks)]


def test_run_result_survives_pickling(seed_run) -> None:
    """Timings are a dict subclass; unpickling sets its items before any attribute."""
    back = pickle.loads(pickle.dumps(seed_run))
    assert back.timings == seed_run.timings
    back.timings["extra"] = 1.0


def test_scan_runs_without_cyclic_gc_and_restores_it(seeds_dir, tmp_path):
    import gc

    from lineage.pipeline import scan, write_run

    during: list[bool] = []
    result = scan([seeds_dir], Settings(), on_stage=lambda *_: during.append(gc.isenabled()))
    assert during and not any(during)  # paused in every stage
    assert gc.isenabled()  # and on again for the caller
    write_run(result, tmp_path / "out", report=False)
    assert gc.isenabled()
