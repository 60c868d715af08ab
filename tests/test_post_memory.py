"""The stages after match in their lean forms give what they gave before.

Without forks (``pipeline.FORK_MAX_PASSAGES``) the scan and ``write_run`` write
the same bytes as with them; fact keys are shared strings equal to one per
occurrence; attribution evidence shared between edges is the same JSON.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lineage import pipeline
from lineage.config import Settings
from lineage.graph import _att_evidence, graph_and_flags
from lineage.models import Fact
from lineage.output import dumps

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "run.json"}


def test_scan_without_forks_writes_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Settings(workers=2)
    forked = pipeline.scan([SEEDS], s)
    assert pipeline._forks(s, forked.passages)
    pipeline.write_run(forked, tmp_path / "forked")
    monkeypatch.setattr(pipeline, "FORK_MAX_PASSAGES", 0)
    assert not pipeline._forks(s, forked.passages)
    here = pipeline.scan([SEEDS], s)
    pipeline.write_run(here, tmp_path / "here")
    assert here.counts == forked.counts
    assert _files(tmp_path / "here") == _files(tmp_path / "forked")
    assert dumps(here.graph) == dumps(forked.graph) and dumps(here.flags) == dumps(forked.flags)
    assert list(here.graph["links"]) == list(forked.graph["links"])


def test_one_worker_never_forks() -> None:
    assert not pipeline._forks(Settings(workers=1), [])


_facts = st.builds(
    Fact, st.sampled_from(["number", "name", "quote"]), st.text(max_size=6), st.just("")
)


@given(st.lists(_facts, max_size=6), st.lists(st.lists(st.integers(0, 5), max_size=5), max_size=8))
def test_fact_keys_equal_one_string_per_occurrence(pool: list[Fact], rows: list[list[int]]) -> None:
    """Passages that share fact objects (as the match stage's store gives them)."""
    facts = {f"a#p{i}": [pool[j] for j in row if j < len(pool)] for i, row in enumerate(rows)}
    pids = [*facts, "b#p0"]  # one without facts: left out
    got = pipeline._fact_keys(facts, pids)
    want = {pid: [f"{f.kind}:{f.key}" for f in facts[pid]] for pid in pids if pid in facts}
    assert got == want
    first: dict[int, str] = {}
    for pid, keys in got.items():  # the same fact object: the same string object
        for f, k in zip(facts[pid], keys, strict=True):
            assert first.setdefault(id(f), k) is k


def test_shared_attribution_evidence_is_each_records_evidence(seed_run: Any) -> None:
    graph, _ = graph_and_flags(
        seed_run.settings,
        seed_run.articles,
        seed_run.passages,
        seed_run.matches,
        seed_run.attributions,
    )
    by_key = {
        (r["article"], r.get("mention_start"), r.get("cue")): r for r in seed_run.attributions
    }
    seen = 0
    for lk in graph["links"]:
        for ev in lk["evidence"].get("attributions", []):
            rec = by_key[(ev["article"], ev["mention_start"], ev["cue"])]
            assert ev == _att_evidence(rec)
            seen += 1
    assert seen


def test_report_articles_are_article_records_without_blocks(seed_run: Any) -> None:
    run = dataclasses.replace(seed_run)
    for a in run.articles:
        rec = pipeline.article_record(run.docs[a.id], 3)
        del rec["blocks"]
        assert pipeline._report_article(run.docs[a.id].article, 3) == rec
