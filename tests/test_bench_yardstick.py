"""The benchmark's yardstick: the plain datasketch pipeline timed on the corpus's texts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_scan import yardstick

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_yardstick_times_the_corpus_texts(tmp_path: Path) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert texts
    with open(tmp_path / "articles.jsonl", "w", encoding="utf-8") as f:
        for k, text in enumerate(texts):
            f.write(json.dumps({"id": f"a{k}", "text": text}, ensure_ascii=False) + "\n")
    got = yardstick(tmp_path)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    assert got["seconds"] > 0 and got["mb_per_s"] > 0
    # MB/s of the texts themselves (not of the JSON lines), both rounded as reported
    assert abs(got["mb_per_s"] - mb / got["seconds"]) <= 0.001 + 0.05 * got["mb_per_s"]
