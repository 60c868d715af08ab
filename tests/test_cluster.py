from __future__ import annotations

import itertools
import random

import pytest

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


def _reference_groups(passages: list[Passage], matches: list[Match], min_cohesion: float
                      ) -> list[list[str]]:  # fmt: skip
    """The first, plain implementation: every member pair tested on each merge."""
    by_id = {p.id: p for p in passages}
    links = {(min(m.a, m.b), max(m.a, m.b)) for m in matches}
    involved = sorted({pid for pair in links for pid in pair})
    per_article: dict[str, list[Passage]] = {}
    for pid in involved:
        per_article.setdefault(by_id[pid].article, []).append(by_id[pid])
    for group in per_article.values():
        group.sort(key=lambda p: p.index)
        for x, y in itertools.pairwise(group):
            if y.cstart < x.cend:
                links.add((x.id, y.id))
    member = {pid: i for i, pid in enumerate(involved)}
    clusters = {i: {pid} for i, pid in enumerate(involved)}
    score = {(min(m.a, m.b), max(m.a, m.b)): m.score for m in matches}
    for a, b in sorted(links, key=lambda ab: (-score.get(ab, 0.0), ab)):
        ca, cb = member[a], member[b]
        if ca == cb:
            continue
        A, B = clusters[ca], clusters[cb]
        between = sum(1 for x in A for y in B if (min(x, y), max(x, y)) in links)
        if between / (len(A) * len(B)) < min_cohesion:
            continue
        keep, drop = (ca, cb) if ca < cb else (cb, ca)
        clusters[keep] |= clusters.pop(drop)
        for pid in clusters[keep]:
            member[pid] = keep
    groups = [sorted(c) for c in clusters.values()]
    groups = [g for g in groups if len({by_id[p].article for p in g}) >= 2]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


@pytest.mark.parametrize("seed", range(12))
def test_clusters_equal_the_plain_implementation(seed: int) -> None:
    rng = random.Random(seed)
    passages = [
        Passage(f"{art}#p{i}", art, i, 0, 0, 40 * i, 40 * i + rng.choice((40, 60)), "")
        for art in "ABC"
        for i in range(30)  # "p10" sorts before "p9": window links out of id order
    ]
    matches = []
    for _ in range(rng.randint(40, 200)):
        a, b = rng.sample(passages, 2)
        if a.article != b.article:
            matches.append(_m(a, b, round(rng.random(), 2)))
    for cohesion in (0.3, 0.6, 1.0):
        assert cluster_passages(passages, matches, cohesion) == _reference_groups(
            passages, matches, cohesion
        )


def test_window_link_cohesion_follows_id_order() -> None:
    """Overlapping windows merge clusters only when their ids are in order (long-standing)."""
    b, c = _p("B#p0", "B", 0), _p("C#p0", "C", 0)
    for first, second, merged in (("A#p1", "A#p2", True), ("A#p9", "A#p10", False)):
        x = Passage(first, "A", 1, 0, 60, 0, 60, "")
        y = Passage(second, "A", 2, 40, 100, 40, 100, "")
        groups = cluster_passages([x, y, b, c], [_m(x, b, 0.9), _m(y, c, 0.8)], 0.2)
        assert (len(groups) == 1) == merged


@pytest.mark.parametrize("seed", range(3))
def test_clusters_in_small_steps_equal_the_plain_implementation(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links turned into ints a few at a time (``LINKS_PER_STEP``) give the same clusters."""
    from lineage import cluster

    monkeypatch.setattr(cluster, "LINKS_PER_STEP", 7)
    test_clusters_equal_the_plain_implementation(seed)
