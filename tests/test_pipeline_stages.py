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


@pytest.mark.parametrize("workers", [1, 2])
def test_languages_found_in_normalize_equal_ingests(tmp_path, small_chunks, workers: int) -> None:
    """The scan detects languages in its normalize workers: the same as ingest, same order."""
    from lineage.ingest import read_articles

    texts = ["Die Soldaten sind nach Angaben des Generalstabs in der Region Kursk.",
             "The soldiers are in the Kursk region, according to the Joint Chiefs.",
             "Und die Nato sagt, dass es mehr werden.", "1 2 3",
             "Rutte said that the troops were there and that it was a dangerous step."]  # fmt: skip
    for k, text in enumerate(texts):
        (tmp_path / f"a{k}.txt").write_text(text, encoding="utf-8")
    want = read_articles([tmp_path]).articles
    got = read_articles([tmp_path], detect_language=False).articles
    assert all(a.language is None for a in got)
    docs = normalized(got, LocalEngine(workers), languages=("de", "en"))
    assert [a.language for a in got] == [a.language for a in want]
    assert {a.language for a in got} >= {"de", "en"}
    for a, b in zip(got, want, strict=True):
        normalized([b], LocalEngine(1))  # the title, as the scan would set it after ingest
        assert list(a.provenance.items()) == list(b.provenance.items())
        assert docs[a.id].article is a
