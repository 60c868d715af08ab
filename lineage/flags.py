"""Flags per article: class, derived share, where it derives from, uncredited reuse.

Classes follow the METER corpus of British journalism: ``wholly-derived``
(derived share ≥ ``wholly_derived_share``), ``partially-derived`` (≥
``derived_min_share``), ``non-derived``. Computed from a built lineage graph by
``LineageBuilder`` (``lineage.graph``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import networkx as nx

from lineage.models import Match, Passage

if TYPE_CHECKING:
    from lineage.graph import LineageBuilder


def covered_chars(passages: Iterable[Passage]) -> int:
    """Characters of the normalized text inside the union of ``passages``' spans."""
    covered, end = 0, -1
    for s, e in sorted((p.cstart, p.cend) for p in passages):
        if e <= end:
            continue
        covered += e - max(s, end)
        end = e
    return covered


def coverage(ids: set[str], by_id: dict[str, Passage], total: int) -> float:
    """Share of ``total`` characters covered by the union of the passages ``ids``."""
    covered = covered_chars(by_id[p] for p in ids)
    return round(covered / total, 4) if total else 0.0


def article_flags(
    builder: LineageBuilder, g: nx.MultiDiGraph, matches: Sequence[Match]
) -> list[dict[str, Any]]:
    """METER-style class, derived share, sources and uncredited reuse of every article.

    Derived text is the article's passages matched with articles that do not
    copy *it*; ``uncredited`` lists article parents whose outlet it does not cite.
    """
    # each article's matches, in match order (its sides are read when the article is)
    of_article: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        of_article[m.article_a].append(m)
        if m.article_b != m.article_a:
            of_article[m.article_b].append(m)
    # derives_from edges, read once: who copies each article, and what each derives from
    # (by target: at most one derives_from edge per pair of nodes)
    copied_by: dict[str, set[str]] = defaultdict(set)
    derives: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for u, v, d in edges_data(g):
        if d["kind"] == "derives_from":
            derives[u].append((v, d))
            if v.startswith("article:"):
                copied_by[v[8:]].add(u.split(":", 1)[1])
    flags = []
    for aid in sorted(builder.articles):
        kinds, with_other = _sides(aid, of_article.pop(aid, []))
        # passages shared with an article that copies *this* one are not derived here
        copiers = copied_by.get(aid, set())
        own = set().union(*[ps for o, (ps, _) in with_other.items() if o not in copiers])
        derived = coverage(own, builder.by_id, builder.total[aid])
        cls = (
            "wholly-derived"
            if derived >= builder.s.wholly_derived_share
            else "partially-derived"
            if derived >= builder.s.derived_min_share
            else "non-derived"
        )
        node = f"article:{aid}"
        derived_from, uncredited = [], []
        for target, data in sorted(derives.get(node, []), key=lambda e: e[0]):
            other = target.split(":", 1)[1] if target.startswith("article:") else ""
            pids = sorted(with_other[other][0]) if other in with_other else []
            share = coverage(set(pids), builder.by_id, builder.total[aid]) if pids else 0.0
            credited = _credits(builder, aid, target)
            derived_from.append(
                {
                    "node": target,
                    "share": share,
                    "passages": pids,
                    "credited": credited,
                    "rule": data["rule"],
                    "confidence": data["confidence"],
                    "explanation": data["explanation"],
                }
            )
            if other and not credited:
                uncredited.append(
                    {
                        "node": target,
                        "share": share,
                        "passages": pids,
                        "matches": sorted(with_other[other][1]) if other in with_other else [],
                    }
                )
        g.nodes[node].update(cls=cls, derived_share=derived, uncredited=bool(uncredited))
        flags.append(
            {
                "article": aid,
                "class": cls,
                "derived_share": derived,
                "derived_from": derived_from,
                "uncredited": uncredited,
                "passages": dict(sorted(kinds.items())),
            }
        )
    for _, data in g.nodes(data=True):
        if "cls" in data:
            data["class"] = data.pop("cls")
    return flags


_RANK = {"verbatim": 3, "near-verbatim": 2, "rewritten": 1}


def _sides(
    aid: str, matches: Iterable[Match]
) -> tuple[dict[str, str], dict[str, tuple[set[str], list[str]]]]:
    """Article ``aid``'s side of its ``matches``: the strongest kind each of its passages is
    matched with, and per other article [its passages matched there, the match ids].

    Made one article at a time (a list of matches per article held before, not
    these sets and lists for every article at once).
    """
    kinds: dict[str, str] = {}
    shared: dict[str, tuple[set[str], list[str]]] = {}
    for m in matches:
        for pid, art, other in (
            (m.a, m.article_a, m.article_b),
            (m.b, m.article_b, m.article_a),
        ):
            if art != aid:
                continue
            old = kinds.get(pid)
            if old is None or _RANK[m.kind] > _RANK[old]:
                kinds[pid] = m.kind
            entry = shared.get(other)
            if entry is None:
                entry = shared[other] = (set(), [])
            entry[0].add(pid)
            entry[1].append(m.id)
    return kinds, shared


def edges_data(g: nx.MultiDiGraph) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``g.edges(data=True)`` in its order, read from ``g.adjacency()`` (the edge view's
    generator cost more than the loops over it)."""
    for u, nbrs in g.adjacency():
        for v, keyed in nbrs.items():
            for d in keyed.values():
                yield u, v, d


def _credits(builder: LineageBuilder, aid: str, target: str) -> bool:
    """True if article ``aid`` cites ``target`` (a source, or an article's outlet)."""
    cited = builder.cited.get(aid, {})
    if target.startswith("source:"):
        return target.split(":", 1)[1] in cited
    other = target.split(":", 1)[1]
    outlet = builder.outlets.get(other)
    return bool(outlet and outlet in cited)
