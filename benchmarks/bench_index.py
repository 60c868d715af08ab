"""Archive benchmark: time ``index add`` of a corpus and ``index query`` of single articles.

Adds every article but ``--holdout`` planted children to a fresh archive,
then queries each held-out child alone (as a newsroom would, one new
article at a time) and reports add throughput, archive size, query latency
(median / max) and whether the planted parent is among the answer's parents
or related articles.

Example::

    python benchmarks/bench_index.py /tmp/bench10k --db /tmp/bench10k.db --holdout 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_scan import emit, load_truth, peak_rss_mb


def main(argv: Sequence[str] | None = None) -> int:
    """CLI."""
    from lineage.config import Settings
    from lineage.index import add_articles, query_articles
    from lineage.ingest import read_articles

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--db", type=Path, required=True, help="archive file (deleted first)")
    ap.add_argument("--holdout", type=int, default=20, help="children queried one by one")
    ap.add_argument("--attributions", action="store_true", help="also store attributions")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    for suffix in ("", "-wal", "-shm"):
        Path(str(args.db) + suffix).unlink(missing_ok=True)
    s = Settings()
    truth = load_truth(args.corpus)
    parents: dict[str, set[str]] = {}
    for t in truth:
        parents.setdefault(t["child"], set()).add(t["parent"])
    articles = read_articles([args.corpus / "articles.jsonl"]).articles
    held_ids = sorted(parents)[: args.holdout]
    held = [a for a in articles if a.id in set(held_ids)]
    rest = [a for a in articles if a.id not in set(held_ids)]
    start = time.perf_counter()
    stats = add_articles(rest, args.db, s, attributions=args.attributions)
    t_add = time.perf_counter() - start
    latencies, found = [], 0
    for art in held:
        t0 = time.perf_counter()
        ans = query_articles([art], args.db, s)[0]
        latencies.append(time.perf_counter() - t0)
        got = {r.article for r in ans.parents + ans.related}
        found += bool(parents[art.id] & got)
    size = sum(Path(str(args.db) + x).stat().st_size for x in ("", "-wal")
               if Path(str(args.db) + x).exists())  # fmt: skip
    out = {
        "corpus": str(args.corpus), "archived": stats.added,
        "add_seconds": round(t_add, 1), "add_articles_per_s": round(stats.added / t_add, 1),
        "db_mb": round(size / 1e6, 1), "queries": len(held),
        "query_median_s": round(statistics.median(latencies), 3) if latencies else None,
        "query_max_s": round(max(latencies), 3) if latencies else None,
        "parent_found": found, "peak_rss_mb": round(peak_rss_mb()),
    }  # fmt: skip
    emit(out, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
