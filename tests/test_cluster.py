from __future__ import annotations

from lineage.cluster import cluster_passages
from lineage.models import Match, Passage


def _p(pid: str, art: str, start: int) -> Passage:
    return Passage(pid, art, 0, start, start + 10, start, start + 10, pid)


def _m(a: Passage, b: Passage, score: float = 0.8) -> Match:
    return Match(
        f"{a.id}-{b.id}",
        a.id,
        b.id,
        a.article,
        b.article,
        "rewritten",
        0.1,
        score,
        0.1,
        0.1,
        [],
        [],
        [],
        score,
    )


def test_chain_does_not_merge_without_cohesion() -> None:
    a, b, c = _p("a", "A", 0), _p("b", "B", 0), _p("c", "C", 0)
    groups = cluster_passages([a, b, c], [_m(a, b, 0.9), _m(b, c, 0.8)])
    assert groups == [["a", "b"]]


def test_triangle_is_one_cluster() -> None:
    a, b, c = _p("a", "A", 0), _p("b", "B", 0), _p("c", "C", 0)
    groups = cluster_passages([a, b, c], [_m(a, b), _m(b, c), _m(a, c)])
    assert groups == [["a", "b", "c"]]


def test_seed_stories(seed_run) -> None:
    assert len(seed_run.stories) == 1
    assert all(len(c.articles) >= 2 for c in seed_run.clusters)
