"""The benchmark's memory figure counts forked children, and shared pages once."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_scan import pss_mb, tree_pids, tree_pss_mb

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(),
                                reason="needs Linux /proc")  # fmt: skip


def _hold(ready: object, done: object, mb: int) -> None:
    block = bytearray(mb * 2**20)  # private pages of the child
    block[::4096] = b"x" * len(block[::4096])
    ready.set()  # type: ignore[attr-defined]
    done.wait(30)  # type: ignore[attr-defined]


def test_tree_counts_a_forked_childs_own_pages() -> None:
    ctx = mp.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    before = tree_pss_mb()
    child = ctx.Process(target=_hold, args=(ready, done, 200))
    child.start()
    try:
        assert ready.wait(30)
        assert child.pid in tree_pids(os.getpid())
        assert pss_mb(child.pid) >= 190
        assert tree_pss_mb() - before >= 190  # the child's 200 MB are in the tree's figure
    finally:
        done.set()
        child.join()
    assert child.pid not in tree_pids(os.getpid())


def test_gone_process_counts_nothing() -> None:
    assert pss_mb(2**22 + 12345) == 0
