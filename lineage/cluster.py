"""Clusters of passages that tell the same thing, and stories of articles.

Passages are joined by their matches; overlapping windows of one article
(which share a sentence) count as linked too. Clusters grow by average
linkage: two clusters merge only when the links between them make up at least
``min_cohesion`` of all possible member pairs. That guards against chaining:
A~B and B~C do not pull C into A's cluster unless C also resembles A.

A story is a connected group of articles that share at least one cluster.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence

import networkx as nx
import numpy as np

from lineage.models import Cluster, Match, Passage, Story


def cluster_passages(
    passages: Sequence[Passage],
    matches: Sequence[Match],
    min_cohesion: float = 0.6,
    by_id: dict[str, Passage] | None = None,
) -> list[list[str]]:
    """Groups of passage ids (each with passages of at least two articles).

    ``by_id`` (the ``passages`` by id) spares building it again.
    """
    if by_id is None:
        by_id = {p.id: p for p in passages}
    involved = sorted({pid for m in matches for pid in (m.a, m.b)})
    num = {pid: i for i, pid in enumerate(involved)}  # numbers in id order: int pairs sort as ids
    size = len(involved)  # a link (i, j) is the int i * size + j: no tuple per link
    score: dict[int, float] = {}
    for m in matches:
        i, j = num[m.a], num[m.b]
        score[i * size + j if i < j else j * size + i] = m.score  # the last match of a pair wins
    links = set(score)
    by_article: dict[str, list[Passage]] = defaultdict(list)
    for pid in involved:
        by_article[by_id[pid].article].append(by_id[pid])
    for group in by_article.values():
        group.sort(key=lambda p: p.index)
        for x, y in itertools.pairwise(group):
            if y.cstart < x.cend:  # overlapping windows share a sentence
                links.add(num[x.id] * size + num[y.id])
    del by_article
    # links between two clusters are counted from the smaller one's members (not by
    # testing every member pair). Only links stored in (low, high) order count, as they
    # always have: a window link such as ("x#p9", "x#p10") can merge but adds no cohesion.
    neighbours: list[list[int]] = [[] for _ in involved]
    for ij in links:
        i, j = divmod(ij, size)
        if i < j:
            neighbours[i].append(j)
            neighbours[j].append(i)
    member = list(range(size))
    clusters: dict[int, list[int]] = {}  # of two or more: a passage alone is one of its own
    ordered = np.fromiter(links, np.int64, len(links))
    weights = np.fromiter((score.get(ij, 0.0) for ij in links), np.float64, len(links))
    del score
    firsts, seconds = np.divmod(ordered, max(size, 1))
    order = np.lexsort((seconds, firsts, -weights))  # strongest first, then by ids
    del ordered, weights
    for i, j in _in_order(firsts, seconds, order):
        ca, cb = member[i], member[j]
        if ca == cb:
            continue
        A, B = clusters.get(ca) or [ca], clusters.get(cb) or [cb]
        if len(A) == 1 and len(B) == 1:  # two singletons: linked if a (low, high) link joins them
            between = 1 if i < j or j * size + i in links else 0
        else:
            small, other = (A, cb) if len(A) <= len(B) else (B, ca)
            between = sum(1 for k in small for n in neighbours[k] if member[n] == other)
        if between / (len(A) * len(B)) < min_cohesion:
            continue
        keep, drop = (ca, cb) if len(A) >= len(B) else (cb, ca)  # relabel the smaller one
        dropped = clusters.pop(drop, None) or [drop]
        clusters.setdefault(keep, [keep]).extend(dropped)
        for k in dropped:
            member[k] = keep
    groups = [[involved[k] for k in sorted(c)] for c in clusters.values()]  # alone: one article
    groups = [g for g in groups if len({by_id[p].article for p in g}) >= 2]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


LINKS_PER_STEP = 1 << 16
"""Links turned into Python ints at a time while clusters grow (not all at once)."""


def _in_order(
    firsts: np.ndarray, seconds: np.ndarray, order: np.ndarray
) -> Iterator[tuple[int, int]]:
    """``(firsts[k], seconds[k])`` for ``k`` in ``order``, as Python ints, a step at a time."""
    for start in range(0, len(order), LINKS_PER_STEP):
        step = order[start : start + LINKS_PER_STEP]
        yield from zip(firsts[step].tolist(), seconds[step].tolist(), strict=True)


def build_clusters(
    passages: Sequence[Passage],
    matches: Sequence[Match],
    facts_by_passage: dict[str, list[str]],
    min_cohesion: float = 0.6,
) -> tuple[list[Cluster], list[Story]]:
    """Clusters (with their shared facts and a label) and the stories they form."""
    by_id = {p.id: p for p in passages}
    groups = cluster_passages(passages, matches, min_cohesion, by_id)
    arts_of = [sorted({by_id[p].article for p in group}) for group in groups]
    article_graph = nx.Graph()
    for arts in arts_of:
        article_graph.add_edges_from(itertools.pairwise(arts))
    story_of: dict[str, str] = {}
    components = sorted(
        (sorted(c) for c in nx.connected_components(article_graph)), key=lambda c: c[0]
    )
    for k, comp in enumerate(components, start=1):
        for art in comp:
            story_of[art] = f"s{k}"
    clusters: list[Cluster] = []
    of_story: dict[str, list[Cluster]] = defaultdict(list)
    for k, (group, arts) in enumerate(zip(groups, arts_of, strict=True), start=1):
        counts: dict[str, int] = defaultdict(int)
        for pid in group:
            for f in set(facts_by_passage.get(pid, [])):
                counts[f] += 1
        common = sorted(f for f, c in counts.items() if c >= 2)
        label = _label(by_id[group[0]].text)
        cluster = Cluster(f"c{k}", story_of[arts[0]], group, arts, common, label)
        clusters.append(cluster)
        of_story[cluster.story].append(cluster)
    stories = []
    for k, comp in enumerate(components, start=1):
        sid = f"s{k}"
        own = of_story[sid]
        stories.append(Story(sid, comp, [c.id for c in own], own[0].label))
    return clusters, stories


def _label(text: str, words: int = 12) -> str:
    parts = text.split(maxsplit=words)  # the first words, and the rest (if any) in one piece
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
