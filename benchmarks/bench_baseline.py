"""Near-duplicate stage: lineage's bulk passage pipeline vs plain datasketch, same corpus, same run.

Baseline ("the straightforward pipeline"): per article, word 3-gram shingles
→ ``datasketch.MinHash(num_perm=128).update_batch`` → ``MinHashLSH`` insert,
then one ``query`` per article; every LSH hit is a candidate pair (the
baseline does not verify).

lineage: ``lineage.match.near_duplicates`` on the same articles after
normalize+segment (not timed, they are other stages): every article
tokenised once, all passage shingles hashed at once, bulk numpy MinHash,
numpy LSH banding, exact Jaccard/containment of the candidate passage pairs.

Both are timed end to end over the same texts and scored on the planted
child→parent pairs (recall per kind, family precision, see bench_scan.py).
The ratio is baseline time / lineage time. With ``--repeat N`` each side runs
N times in turn and its fastest run counts (the usual guard against a shared
machine's noise; the first run of each also pays its warm-up). ``cpu_seconds``
lists each run's CPU time of the whole process tree (this process and its
finished forked workers): on a shared machine, where wall time measures the
neighbours too, that is the load-independent cost.

Example::

    python benchmarks/bench_baseline.py /tmp/bench10k --threshold 0.3
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_scan import emit, load_truth, peak_rss_mb, score_pairs

_TOKEN = re.compile(r"\w+")


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (forked workers) so far.

    On a shared machine wall time measures the neighbours too; the CPU time
    of the whole process tree is the load-independent cost.
    """
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def load_articles(folder: Path) -> list[dict[str, Any]]:
    """Articles of a corpus folder."""
    with open(folder / "articles.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def datasketch_pairs(articles: Sequence[dict[str, Any]], threshold: float, num_perm: int = 128
                     ) -> tuple[set[tuple[str, str]], float]:  # fmt: skip
    """The plain pipeline; returns (article pairs, seconds)."""
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sigs = {}
    for art in articles:
        toks = _TOKEN.findall(art["text"].lower())
        shingles = {" ".join(toks[i : i + 3]).encode() for i in range(max(len(toks) - 2, 1))}
        m = MinHash(num_perm=num_perm)
        m.update_batch(list(shingles))
        sigs[art["id"]] = m
        lsh.insert(art["id"], m)
    pairs = set()
    for aid, m in sigs.items():
        for other in lsh.query(m):
            if other != aid:
                pairs.add((min(aid, other), max(aid, other)))
    return pairs, time.perf_counter() - start


def prepare(articles: Sequence[dict[str, Any]], threshold: float, workers: int = 1
            ) -> tuple[Any, Any, Any]:  # fmt: skip
    """Settings, documents and passages: normalize and segment are other stages (not timed)."""
    from lineage.config import Settings
    from lineage.engine import LocalEngine
    from lineage.models import Article
    from lineage.pipeline import normalized, segmented

    s = Settings(lsh_threshold=threshold)
    engine = LocalEngine(workers)
    docs = normalized([Article(id=a["id"], text=a["text"]) for a in articles], engine)
    return s, docs, segmented(docs, s, engine)


def lineage_pairs(prepared: tuple[Any, Any, Any], workers: int = 1
                  ) -> tuple[set[tuple[str, str]], float]:  # fmt: skip
    """lineage's near-duplicate stage; returns (article pairs, seconds)."""
    from lineage.engine import LocalEngine
    from lineage.match import near_duplicates

    s, docs, passages = prepared
    start = time.perf_counter()
    found = near_duplicates(docs, passages, s, LocalEngine(workers))
    pairs = {(passages[i].article, passages[j].article) for i, j in found.tolist()}
    pairs = {(min(a, b), max(a, b)) for a, b in pairs}
    return pairs, time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """CLI."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="folder written by make_corpus.py")
    ap.add_argument("--threshold", type=float, default=0.3, help="LSH Jaccard threshold (both)")
    ap.add_argument("--workers", type=int, default=1, help="processes for lineage's chunks")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each side, alternating; the fastest counts")  # fmt: skip
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    articles = load_articles(args.corpus)
    truth = load_truth(args.corpus)
    mb = sum(len(a["text"].encode()) for a in articles) / 1e6
    prep = time.perf_counter()
    prepared = prepare(articles, args.threshold, args.workers)
    t_prep = time.perf_counter() - prep
    ours_times, base_times, ours_cpu, base_cpu = [], [], [], []
    for _ in range(max(1, args.repeat)):
        cpu = cpu_seconds()
        ours, t_ours = lineage_pairs(prepared, args.workers)
        ours_cpu.append(cpu_seconds() - cpu)
        ours_times.append(t_ours)
        rss_ours = peak_rss_mb()
        cpu = cpu_seconds()
        base, t_base = datasketch_pairs(articles, args.threshold)
        base_cpu.append(cpu_seconds() - cpu)
        base_times.append(t_base)
    t_ours, t_base = min(ours_times), min(base_times)
    out = {
        "corpus": str(args.corpus), "articles": len(articles), "mb": round(mb, 2),
        "threshold": args.threshold,
        "lineage": {"seconds": round(t_ours, 3), "mb_per_s": round(mb / t_ours, 2),
                    "prep_seconds_not_timed": round(t_prep, 2), "peak_rss_mb": round(rss_ours),
                    **score_pairs(ours, truth)},
        "datasketch": {"seconds": round(t_base, 3), "mb_per_s": round(mb / t_base, 2),
                       **score_pairs(base, truth)},
        "speedup": round(t_base / t_ours, 2),
        "runs": {"lineage": [round(t, 3) for t in ours_times],
                 "datasketch": [round(t, 3) for t in base_times]},
        "cpu_seconds": {"lineage": [round(t, 3) for t in ours_cpu],
                        "datasketch": [round(t, 3) for t in base_cpu]},
    }  # fmt: skip
    emit(out, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
