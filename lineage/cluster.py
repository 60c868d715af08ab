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
from collections.abc import Sequence

import networkx as nx

from lineage.models import Cluster, Match, Passage, Story


def cluster_passages(
    passages: Sequence[Passage], matches: Sequence[Match], min_cohesion: float = 0.6
) -> list[list[str]]:
    """Groups of passage ids (each with passages of at least two articles)."""
    by_id = {p.id: p for p in passages}
    links: set[tuple[str, str]] = set()
    for m in matches:
        links.add((min(m.a, m.b), max(m.a, m.b)))
    involved = sorted({pid for pair in links for pid in pair})
    by_article: dict[str, list[Passage]] = defaultdict(list)
    for pid in involved:
        by_article[by_id[pid].article].append(by_id[pid])
    for group in by_article.values():
        group.sort(key=lambda p: p.index)
        for x, y in itertools.pairwise(group):
            if y.cstart < x.cend:  # overlapping windows share a sentence
                links.add((x.id, y.id))
    member: dict[str, int] = {pid: i for i, pid in enumerate(involved)}
    clusters: dict[int, set[str]] = {i: {pid} for i, pid in enumerate(involved)}
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


def build_clusters(
    passages: Sequence[Passage],
    matches: Sequence[Match],
    facts_by_passage: dict[str, list[str]],
    min_cohesion: float = 0.6,
) -> tuple[list[Cluster], list[Story]]:
    """Clusters (with their shared facts and a label) and the stories they form."""
    by_id = {p.id: p for p in passages}
    groups = cluster_passages(passages, matches, min_cohesion)
    article_graph = nx.Graph()
    for group in groups:
        arts = sorted({by_id[p].article for p in group})
        for x, y in itertools.pairwise(arts):
            article_graph.add_edge(x, y)
    story_of: dict[str, str] = {}
    components = sorted(
        (sorted(c) for c in nx.connected_components(article_graph)), key=lambda c: c[0]
    )
    for k, comp in enumerate(components, start=1):
        for art in comp:
            story_of[art] = f"s{k}"
    clusters: list[Cluster] = []
    for k, group in enumerate(groups, start=1):
        arts = sorted({by_id[p].article for p in group})
        counts: dict[str, int] = defaultdict(int)
        for pid in group:
            for f in set(facts_by_passage.get(pid, [])):
                counts[f] += 1
        common = sorted(f for f, c in counts.items() if c >= 2)
        label = _label(by_id[group[0]].text)
        clusters.append(Cluster(f"c{k}", story_of[arts[0]], group, arts, common, label))
    stories = []
    for k, comp in enumerate(components, start=1):
        sid = f"s{k}"
        cids = [c.id for c in clusters if c.story == sid]
        first = next(c for c in clusters if c.story == sid)
        stories.append(Story(sid, comp, cids, first.label))
    return clusters, stories


def _label(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")
