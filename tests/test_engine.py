"""Engines: any engine gives the same scan output, byte for byte."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from lineage.config import Settings
from lineage.engine import LocalEngine, chunked, make_engine
from lineage.errors import ConfigError

OUTPUTS = ["articles.jsonl", "passages.jsonl", "matches.jsonl", "clusters.jsonl",
           "stories.jsonl", "attributions.jsonl", "graph.json", "flags.jsonl"]  # fmt: skip


def _corpus(seeds_dir: Path) -> Path:
    first = sorted(seeds_dir.glob("*.txt"))[0].read_text(encoding="utf-8")
    (seeds_dir / "zz_copy.txt").write_text("Eine Übernahme. " + first, encoding="utf-8")
    return seeds_dir


def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small tasks in every stage, so each engine really splits and merges work."""
    import lineage.match as match
    import lineage.minhash as minhash

    monkeypatch.setattr(match, "_ARTICLES_PER_CHUNK", 2)
    monkeypatch.setattr(match, "_PAIRS_PER_CHUNK", 7)
    monkeypatch.setattr(match, "_CHARS_PER_CHUNK", 3000)  # shingle tasks (map_shared)
    monkeypatch.setattr(minhash, "_PARALLEL_MIN_ROWS", 2)  # LSH band and overlap tasks


def _run(corpus: Path, out: Path, settings: Settings) -> dict[str, bytes]:
    from lineage.pipeline import scan, write_run

    write_run(scan([corpus], settings), out, report=False)
    return {name: (out / name).read_bytes() for name in OUTPUTS}


def test_local_engine_keeps_order():
    assert LocalEngine().map(lambda c: c * 2, [3, 1, 2]) == [6, 2, 4]
    assert chunked(5, 2) == [(0, 2), (2, 4), (4, 5)]


def _scaled(shared: dict[str, int], chunk: tuple[int, int]) -> list[int]:
    return [shared["factor"] * x for x in range(*chunk)]


def test_map_shared_gives_each_chunk_the_shared_object():
    chunks = [(0, 3), (3, 4), (4, 8)]
    want = [[0, 10, 20], [30], [40, 50, 60, 70]]
    assert LocalEngine().map_shared(_scaled, {"factor": 10}, chunks) == want
    assert LocalEngine(2).map_shared(_scaled, {"factor": 10}, chunks) == want


def _pid_of(chunk: int) -> tuple[int, int]:
    import os

    return chunk, os.getpid()


@pytest.mark.parametrize("workers", [1, 2])
def test_map_iter_yields_in_chunk_order_from_one_pool(workers: int):
    got = list(LocalEngine(workers).map_iter(_pid_of, list(range(12))))
    assert [c for c, _ in got] == list(range(12))
    # every chunk ran in one pool: at most `workers` processes did them all
    assert len({pid for _, pid in got}) <= workers


def test_map_iter_closed_early_stops_its_pool():
    results = LocalEngine(2).map_iter(_pid_of, list(range(6)))
    assert next(results)[0] == 0
    results.close()  # no error; the pool is shut down (its workers exit on their own)
    with pytest.raises(StopIteration):
        next(results)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_an_error_in_any_chunk_is_raised(workers: int):
    # whichever process runs the failing chunk (this one or a worker), map raises it
    with pytest.raises(ZeroDivisionError):
        LocalEngine(workers).map(lambda c: 1 // c, [1, 2, 0, 3, 4, 5])


@pytest.mark.parametrize("workers", [2, 3])
def test_back_to_back_maps_keep_their_chunks(workers: int):
    # a map that raised leaves tasks behind in workers still winding down when
    # the next map starts: they must not take (and lose) the new map's chunks
    engine = LocalEngine(workers)
    for k in range(1, 16):
        with pytest.raises(ZeroDivisionError):
            engine.map(lambda c: 1 // c, [0, 1, 2, 3, 4, 5, 6, 7])
        assert engine.map(lambda c, k=k: c * k, list(range(9))) == [c * k for c in range(9)]


def _inverse(c: int) -> int:
    return 1 // c


class _Recorded(list):
    """A lazy chunk sequence that notes which process made each chunk."""

    def __init__(self, n: int) -> None:
        super().__init__(range(n))
        self.made_in: list[int] = []

    def __getitem__(self, i):  # type: ignore[override]
        import os

        self.made_in.append(os.getpid())
        return super().__getitem__(i)


def test_map_sent_sends_chunks_to_workers_forked_at_the_start():
    import os

    engine = LocalEngine(2)
    engine.start_workers()
    try:
        chunks = _Recorded(40)
        got = list(engine.map_sent(_pid_of, chunks))
        assert [c for c, _ in got] == list(range(40))  # in chunk order
        pids = {pid for _, pid in got}
        assert os.getpid() in pids and len(pids) == 2  # this process and its one worker
        # every chunk was made here, once (workers are sent it, they never read the sequence)
        assert chunks.made_in == [os.getpid()] * 40
        # the worker is the one forked at the start, not a new fork per map
        again = {pid for _, pid in engine.map_sent(_pid_of, list(range(40)))}
        assert again - {os.getpid()} <= pids - {os.getpid()}
        for where in range(6):  # an error in a chunk is raised here, whoever ran it
            chunks = [1] * 6
            chunks[where] = 0
            with pytest.raises(ZeroDivisionError):
                list(engine.map_sent(_inverse, chunks))
        assert list(engine.map_sent(abs, [-1, -2, -3])) == [1, 2, 3]  # the pool lives on
    finally:
        engine.close()
    assert engine._senders is None


def test_map_sent_without_started_workers_is_map_iter():
    for workers in (1, 2):
        got = list(LocalEngine(workers).map_sent(_pid_of, list(range(9))))
        assert [c for c, _ in got] == list(range(9))


def test_a_killed_sent_worker_is_an_error_not_a_hang():
    import os
    import signal
    from concurrent.futures.process import BrokenProcessPool

    engine = LocalEngine(2)
    engine.start_workers()
    try:
        assert engine._senders is not None
        for pid in list(engine._senders._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            list(engine.map_sent(_pid_of, list(range(20))))
    finally:
        engine.close()


def test_alongside_runs_in_another_process_and_returns_or_raises():
    import os

    here = os.getpid()
    assert LocalEngine().alongside(os.getpid).result() == here  # one worker: runs when asked
    assert LocalEngine(2).alongside(os.getpid).result() != here  # forked, result pickled back
    failing = LocalEngine(2).alongside(lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        failing.result()
    LocalEngine(2).alongside(os.getpid).close()  # stopped unasked: no error, no stray process


def test_unknown_engine():
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        make_engine("spark")


def test_chunking_does_not_change_output(seeds_dir, tmp_path, monkeypatch):
    corpus = _corpus(seeds_dir)
    whole = _run(corpus, tmp_path / "whole", Settings())
    _small_chunks(monkeypatch)
    assert _run(corpus, tmp_path / "chunked", Settings()) == whole
    assert b"near-verbatim" in whole["matches.jsonl"] or b'"verbatim"' in whole["matches.jsonl"]


def test_process_pool_gives_same_output(seeds_dir, tmp_path, monkeypatch):
    corpus = _corpus(seeds_dir)
    _small_chunks(monkeypatch)
    assert _run(corpus, tmp_path / "w2", Settings(workers=2)) == _run(
        corpus, tmp_path / "w1", Settings()
    )


@pytest.mark.dask
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dask_local_cluster_output_equals_local_engine(seeds_dir, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    corpus = _corpus(seeds_dir)
    _small_chunks(monkeypatch)
    local = _run(corpus, tmp_path / "local", Settings())
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:  # fmt: skip
        settings = Settings(engine="dask", scheduler=cluster.scheduler_address)
        remote = _run(corpus, tmp_path / "dask", settings)
        from lineage.engine import DaskEngine

        engine = DaskEngine(cluster.scheduler_address)
        try:
            shared = engine.map_shared(_scaled, {"factor": 3}, [(0, 2), (2, 3)])
            streamed = list(engine.map_iter(_pid_of, [2, 0, 1]))
        finally:
            engine.close()
    assert remote == local
    assert shared == [[0, 3], [6]]
    assert [c for c, _ in streamed] == [2, 0, 1]


def test_alongside_runs_at_the_asked_lower_priority() -> None:
    """``niceness`` lowers the child's priority only; the caller's stays as it was."""
    import os

    before = os.nice(0)
    pending = LocalEngine(2).alongside(functools.partial(os.nice, 0), niceness=3)
    assert pending.result() == min(19, before + 3)
    assert os.nice(0) == before
    # one worker: nothing runs early, and this process is not reniced
    assert LocalEngine(1).alongside(functools.partial(os.nice, 0), niceness=3).result() == before


def _total(items) -> int:
    return sum(sum(chunk) for chunk in items)


def _fail_on_three(items) -> int:
    for chunk in items:
        if 3 in chunk:
            raise ValueError("three")
    return 0


def _die(items) -> int:
    import os

    os._exit(7)


def test_early_process_consumes_what_it_is_fed() -> None:
    from lineage.engine import early_process

    fed = early_process(_total)
    assert fed is not None
    for chunk in ([1, 2], [3], [], [4, 5, 6]):
        fed.put(chunk)
    assert fed.result() == 21
    fed.close()  # a no-op once the result is in


def test_early_process_hands_back_its_exception_or_death() -> None:
    from lineage.engine import early_process

    fed = early_process(_fail_on_three)
    assert fed is not None
    fed.put([1, 2])
    fed.put([3])
    with pytest.raises(ValueError, match="three"):
        fed.result()
    dead = early_process(_die)
    assert dead is not None
    with pytest.raises(RuntimeError, match="ended with code 7"):
        dead.result()


def test_early_process_closed_before_its_result_stops() -> None:
    from lineage.engine import early_process

    fed = early_process(_total)
    assert fed is not None
    fed.put([1])
    fed.close()
    assert not fed._proc.is_alive()  # type: ignore[attr-defined]


def test_scan_with_workers_on_an_empty_batch_leaves_no_process(tmp_path) -> None:
    import multiprocessing as mp

    from lineage.config import Settings
    from lineage.errors import EmptyCorpusError
    from lineage.pipeline import scan

    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(EmptyCorpusError):
        scan([tmp_path], Settings(workers=2))
    assert not [p for p in mp.active_children() if p.is_alive()]
