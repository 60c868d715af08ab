"""The lineage graph and rewrite flags: who cites whom, who derives from whom.

Nodes are articles (``article:<id>``) and sources (``source:<id>``: outlets,
agencies, armed forces, international organisations, people). An outlet with
articles in the batch is one node, kind ``outlet``, whether it publishes or
is cited. Edges (``kind``), each with a ``confidence`` in [0, 1], a one-line
``explanation`` and its ``evidence``:

* ``cites`` (article → source): the article attributes information to it.
* ``shares_content`` (article → article, lower id first): passage matches.
* ``derives_from`` (article → article or source), inferred:

  - *own account*: an article that credits an outlet or agency for its
    information derives from it;
  - *common source*: two articles that tell the same facts in different words
    and both cite the same primary source derive from that source, not from
    each other — unless they share wording (verbatim or near-verbatim);
  - otherwise a direction from three clues: publication dates (never invented:
    an unknown date gives no clue and lowers confidence), containment
    asymmetry (the article more of whose text is matched is the likelier
    copy) and explicit attribution of the other's outlet. Without a clear
    direction no edge is drawn. Topic alone never yields an edge: a pair needs
    a verbatim, near-verbatim or fact-bearing match.

* ``outlet_cites``, ``outlet_shares_content``, ``outlet_derives_from`` and
  ``publishes``: the same relations rolled up to outlets, with counts.

Flags per article follow the METER corpus: ``wholly-derived`` (derived share ≥
``wholly_derived_share``), ``partially-derived`` (≥ ``derived_min_share``),
``non-derived``; plus the sources it derives from and ``uncredited`` reuse.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from lineage.config import Settings
from lineage.flags import article_flags, covered_chars, edges_data
from lineage.flags import coverage as _coverage
from lineage.gazetteer import Gazetteer, provisional_id
from lineage.models import Article, Match, Passage
from lineage.output import PackedLinks, dumps_bytes, dumps_kept

PRIMARY_TYPES = frozenset(
    {"government", "military", "intelligence", "international_org", "person", "agency", "other"}
)
REPORTING_TYPES = frozenset({"outlet", "agency"})
STREAMED = frozenset(
    {
        "cites",
        "shares_content",
        "publishes",
        "outlet_cites",
        "outlet_shares_content",
        "outlet_derives_from",
    }
)
"""Edge kinds a compact build packs as it makes them (``LineageBuilder._add_edge``)."""
MATCH_WEIGHT = {"verbatim": 0.95, "near-verbatim": 0.85}


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """What two articles share, summarised for direction inference."""

    x: str
    y: str
    matches: tuple[Match, ...]
    cov_x: float
    cov_y: float
    confidence: float
    wording: bool
    facts: tuple[str, ...]

    @property
    def substantive(self) -> bool:
        """Shared wording or a shared strong fact: enough to infer derivation."""
        return self.wording or any(_strong_match(m) for m in self.matches)


def _strong_match(m: Match) -> bool:
    return m.kind != "rewritten" or any(f.startswith(("number:", "quote:")) for f in m.shared_facts)


def match_weight(m: Match) -> float:
    """How much one match says two articles share content (0..1)."""
    if m.kind in MATCH_WEIGHT:
        return MATCH_WEIGHT[m.kind]
    base = 0.6 if _strong_match(m) else (0.45 if len(m.shared_facts) >= 2 else 0.3)
    return min(0.9, base * (0.6 + 2 * m.cosine))


def outlet_source(article: Article, gaz: Gazetteer) -> str | None:
    """Source id of the article's outlet (gazetteer id or provisional)."""
    if not article.outlet:
        return None
    sid = gaz.by_domain(article.outlet) if "." in article.outlet else None
    if sid is None:
        src = gaz.resolve(article.outlet)
        sid = src.id if src else None
    return sid or provisional_id(article.outlet)


class LineageBuilder:
    """Builds the lineage graph and per-article flags from a scan's records.

    Args:
        settings: Thresholds (``derived_min_share``, ``wholly_derived_share``,
            ``derives_min_confidence``).
        gazetteer: Source names, types and domains.
    """

    def __init__(self, settings: Settings, gazetteer: Gazetteer, *, compact: bool = False) -> None:
        self.s = settings
        self.gaz = gazetteer
        self.compact = compact
        """Edges' evidence held as its JSON (``output.dumps_bytes``), not as dicts, and
        the kinds :data:`STREAMED` packed as they are made (``_add_edge``): see
        :func:`graph_and_flags` with ``packed=True``, the one reader of such a graph."""
        self._streams: dict[str, PackedLinks] = {}
        self._last: dict[str, tuple[str, str, str]] = {}

    def build(
        self,
        articles: Sequence[Article],
        passages: Sequence[Passage],
        matches: Sequence[Match],
        attributions: Sequence[dict[str, Any]],
    ) -> tuple[nx.MultiDiGraph, list[dict[str, Any]]]:
        """The graph and the flags (one dict per article, sorted by id)."""
        self.articles = {a.id: a for a in articles}
        self.by_id = {p.id: p for p in passages}
        self.total = defaultdict(int)
        per_art: dict[str, list[Passage]] = defaultdict(list)
        for p in passages:
            per_art[p.article].append(p)
        for art, ps in per_art.items():
            self.total[art] = covered_chars(ps)
        del per_art  # a list per article of all passages: not needed again
        by_outlet: dict[str | None, str | None] = {}  # many articles, few outlets
        self.outlets = {}
        for a in articles:
            if a.outlet not in by_outlet:
                by_outlet[a.outlet] = outlet_source(a, self.gaz)
            self.outlets[a.id] = by_outlet[a.outlet]
        self.cited = self._citations(attributions)
        self._evidence: dict[int, dict[str, Any]] = {}  # id of a record (alive) → its evidence
        g = nx.MultiDiGraph()
        self._add_article_nodes(g)
        self._add_cites(g)
        pairs = self._pairs(matches)
        for pair in pairs:
            self._add_shares(g, pair)
        for pair in pairs:
            if pair.substantive:
                self._infer(g, pair)
        self._drop_sibling_edges(g, pairs)
        del pairs  # their match tuples: not needed again
        self._add_own_account(g)
        self._rollup(g)
        flags = article_flags(self, g, matches)
        return g, flags

    # -- sources and citations ------------------------------------------------

    def _citations(self, attributions: Sequence[dict[str, Any]]) -> dict[str, dict[str, list]]:
        cited: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for rec in attributions:
            if rec.get("source_type") == "anonymous" or not rec.get("source_id"):
                continue
            cited[rec["article"]][rec["source_id"]].append(rec)
        return cited

    def _att_evidence(self, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``_att_evidence`` of each record, one dict per record however many edges show it
        (compact: made for the edge's JSON and let go with it)."""
        if self.compact:
            return [_att_evidence(r) for r in recs]
        out = []
        for r in recs:
            ev = self._evidence.get(id(r))
            if ev is None:
                ev = self._evidence[id(r)] = _att_evidence(r)
            out.append(ev)
        return out

    def _ev(self, evidence: dict[str, Any]) -> Any:
        """An edge's ``evidence`` as the graph holds it (compact: its JSON)."""
        return dumps_kept(evidence) if self.compact else evidence

    def _source_node(self, g: nx.MultiDiGraph, sid: str, rec: dict[str, Any] | None = None) -> str:
        node = f"source:{sid}"
        if node not in g:
            src = self.gaz.sources.get(sid)
            g.add_node(
                node,
                kind="source",
                label=src.name if src else (rec or {}).get("source_name", sid),
                type=src.type if src else (rec or {}).get("source_type", "other"),
                country=src.country if src else "",
                provisional=sid.startswith("provisional:"),
            )
        return node

    def _add_article_nodes(self, g: nx.MultiDiGraph) -> None:
        for aid in sorted(self.articles):
            a = self.articles[aid]
            g.add_node(
                f"article:{aid}",
                kind="article",
                label=a.title or aid,
                outlet=a.outlet,
                published=a.published,
                url=a.url,
            )
            sid = self.outlets[aid]
            if sid:
                node = self._source_node(g, sid, {"source_name": a.outlet, "source_type": "outlet"})
                g.nodes[node]["kind"] = "outlet"

    def _add_cites(self, g: nx.MultiDiGraph) -> None:
        for aid in sorted(self.cited):
            for sid in sorted(self.cited[aid]):
                recs = self.cited[aid][sid]
                node = self._source_node(g, sid, recs[0])
                via = sorted({r["via_person"] for r in recs if r.get("via_person")})
                conf = max(float(r.get("confidence", 0.5)) for r in recs)
                cues = sorted({r.get("cue_family", "") for r in recs})
                self._add_edge(
                    g,
                    f"article:{aid}",
                    node,
                    key="cites",
                    kind="cites",
                    confidence=round(conf, 3),
                    explanation=f"cites {g.nodes[node]['label']}"
                    + (f" through {', '.join(via)}" if via else "")
                    + f" ({len(recs)}x: {', '.join(cues)})",
                    evidence={
                        "attributions": self._att_evidence(recs),
                        "via": via,
                        "count": len(recs),
                    },
                )

    # -- content sharing ------------------------------------------------------

    def _pairs(self, matches: Sequence[Match]) -> list[PairEvidence]:
        grouped: dict[tuple[str, str], list[Match]] = defaultdict(list)
        for m in matches:
            grouped[(m.article_a, m.article_b)].append(m)
        out = []
        for (x, y), ms in sorted(grouped.items()):
            px = {m.a for m in ms}
            py = {m.b for m in ms}
            conf = 1.0
            for m in ms:
                conf *= 1 - match_weight(m)
            out.append(
                PairEvidence(
                    x=x,
                    y=y,
                    matches=tuple(ms),
                    cov_x=_coverage(px, self.by_id, self.total[x]),
                    cov_y=_coverage(py, self.by_id, self.total[y]),
                    confidence=round(1 - conf, 3),
                    wording=any(m.kind != "rewritten" for m in ms),
                    facts=tuple(sorted({f for m in ms for f in m.shared_facts})),
                )
            )
        return out

    def _add_shares(self, g: nx.MultiDiGraph, p: PairEvidence) -> None:
        kinds = Counter(m.kind for m in p.matches)
        changed = [
            dict(c, match=m.id) for m in p.matches for c in m.changed_facts if c["kind"] == "number"
        ]
        text = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        self._add_edge(
            g,
            f"article:{p.x}",
            f"article:{p.y}",
            key="shares_content",
            kind="shares_content",
            confidence=p.confidence,
            explanation=f"{len(p.matches)} matched passages ({text})"
            + (f"; shared facts: {', '.join(_fact_text(f) for f in p.facts)}" if p.facts else ""),
            evidence={
                "matches": [m.id for m in p.matches],
                "passages": _pair_passages(p),
                "kinds": dict(sorted(kinds.items())),
                "shared_facts": list(p.facts),
                "changed_facts": changed,
                "containment": {p.x: p.cov_x, p.y: p.cov_y},
                "count": len(p.matches),
            },
        )

    def _common_primary(self, p: PairEvidence) -> list[str]:
        own = {self.outlets.get(p.x), self.outlets.get(p.y)}
        common = set(self.cited.get(p.x, {})) & set(self.cited.get(p.y, {}))
        out = []
        for sid in sorted(common - own):
            src = self.gaz.sources.get(sid)
            stype = src.type if src else self.cited[p.x][sid][0].get("source_type", "other")
            if stype in PRIMARY_TYPES:
                out.append(sid)
        # prefer the sources cited where the shared passages stand, on both sides
        near = [sid for sid in out if self._cited_near(p.x, sid, {m.a for m in p.matches})
                and self._cited_near(p.y, sid, {m.b for m in p.matches})]  # fmt: skip
        return near or out

    def _cited_near(self, article: str, sid: str, passage_ids: set[str], slack: int = 400) -> bool:
        """True if ``article`` cites ``sid`` in (or just around) one of the passages."""
        spans = [(self.by_id[pid].start - slack, self.by_id[pid].end + slack)
                 for pid in passage_ids]  # fmt: skip
        for rec in self.cited.get(article, {}).get(sid, []):
            pos = rec.get("mention_start")
            if isinstance(pos, int) and any(s <= pos < e for s, e in spans):
                return True
        return False

    def _infer(self, g: nx.MultiDiGraph, p: PairEvidence) -> None:
        common = self._common_primary(p)
        if common and not p.wording:
            for sid in common:
                for art in (p.x, p.y):
                    recs = self.cited[art][sid]
                    conf = round(
                        p.confidence * max(float(r.get("confidence", 0.5)) for r in recs), 3
                    )
                    other = p.y if art == p.x else p.x
                    label = g.nodes[f"source:{sid}"]["label"]
                    self._derive(
                        g,
                        art,
                        f"source:{sid}",
                        conf,
                        "common-source",
                        f"tells the same facts as {other} "
                        f"({', '.join(_fact_text(f) for f in p.facts) or 'same content'}) "
                        f"and both cite {label}: a shared primary source explains "
                        f"the overlap, not copying",
                        {
                            "matches": [m.id for m in p.matches],
                            "shared_with": other,
                            "shared_facts": list(p.facts),
                            "attributions": self._att_evidence(recs),
                        },
                    )
            return
        score, clues, dates_known = self._direction(p)
        if abs(score) < 0.25:
            return
        child, parent = (p.y, p.x) if score > 0 else (p.x, p.y)
        conf = p.confidence * min(1.0, 0.5 + abs(score) / 2) * (1.0 if dates_known else 0.7)
        if conf < self.s.derives_min_confidence:
            return
        self._derive(
            g,
            child,
            f"article:{parent}",
            round(conf, 3),
            "direction",
            f"derives from {parent}: " + "; ".join(clues),
            {
                "matches": [m.id for m in p.matches],
                "clues": clues,
                "dates": {p.x: self.articles[p.x].published, p.y: self.articles[p.y].published},
                "containment": {p.x: p.cov_x, p.y: p.cov_y},
                "shared_facts": list(p.facts),
            },
        )

    def _drop_sibling_edges(self, g: nx.MultiDiGraph, pairs: list[PairEvidence]) -> None:
        """Drop X→Y when X and Y both derive from Z and Z explains what X shares with Y.

        Two copies of one original share everything with each other too; the
        original, not the sibling, is the parent. What X shares with Y: the
        passages of the pair's shares_content edge (``_pair_passages``).
        """
        by_pair = {(p.x, p.y): p for p in pairs}

        def shared(a: str, b: str) -> set[str]:
            """Passages of ``a`` in the edges between ``a`` and ``b`` (either way round)."""
            out: set[str] = set()
            for p in (by_pair.get((a, b)), by_pair.get((b, a))):
                if p is not None:
                    out.update(x for x in _pair_passages(p) if x.startswith(a + "#"))
            return out

        parents: dict[str, set[str]] = defaultdict(set)
        for u, v, d in edges_data(g):
            if d["kind"] == "derives_from" and v.startswith("article:"):
                parents[u].add(v)
        drop = []
        for x, ps in parents.items():
            for y in ps:
                for z in ps & parents.get(y, set()):
                    xs, ys, zs = (n.split(":", 1)[1] for n in (x, y, z))
                    via_y, via_z = shared(xs, ys), shared(xs, zs)
                    if via_y and _coverage(via_y & via_z, self.by_id, 1) >= 0.8 * _coverage(
                        via_y, self.by_id, 1
                    ):
                        drop.append((x, y))
                        break
        for x, y in drop:
            if g.has_edge(x, y, key="derives_from"):
                g.remove_edge(x, y, key="derives_from")

    def _direction(self, p: PairEvidence) -> tuple[float, list[str], bool]:
        """Positive: y derives from x; negative: x derives from y."""
        score, clues = 0.0, []
        dx, dy = self.articles[p.x].published, self.articles[p.y].published
        known = bool(dx and dy)
        if known and dx != dy:
            score += 1.0 if dx < dy else -1.0  # type: ignore[operator]
            first = p.x if dx < dy else p.y  # type: ignore[operator]
            clues.append(f"{first} was published first ({min(dx, dy)})")  # type: ignore[type-var]
        elif not known:
            clues.append("a publication date is unknown")
        diff = p.cov_y - p.cov_x
        if abs(diff) >= 0.1:
            score += max(-0.6, min(0.6, diff * 2))
            copy = p.y if diff > 0 else p.x
            clues.append(
                f"{copy} is the more contained ({max(p.cov_x, p.cov_y):.0%} of it "
                f"matched vs {min(p.cov_x, p.cov_y):.0%})"
            )
        ox, oy = self.outlets.get(p.x), self.outlets.get(p.y)
        if ox and ox in self.cited.get(p.y, {}):
            score += 1.5
            clues.append(f"{p.y} credits {ox}")
        if oy and oy in self.cited.get(p.x, {}):
            score -= 1.5
            clues.append(f"{p.x} credits {oy}")
        return score, clues, known

    def _derive(
        self,
        g: nx.MultiDiGraph,
        child: str,
        target: str,
        conf: float,
        rule: str,
        explanation: str,
        evidence: dict[str, Any],
    ) -> None:
        src = f"article:{child}"
        if g.has_edge(src, target, key="derives_from"):
            data = g.edges[src, target, "derives_from"]
            if data["confidence"] >= conf:
                return
        g.add_edge(
            src,
            target,
            key="derives_from",
            kind="derives_from",
            confidence=conf,
            rule=rule,
            explanation=explanation,
            evidence=self._ev(evidence),
        )

    def _add_own_account(self, g: nx.MultiDiGraph) -> None:
        for aid in sorted(self.cited):
            for sid in sorted(self.cited[aid]):
                if sid == self.outlets.get(aid):
                    continue
                node = f"source:{sid}"
                if g.nodes[node].get("type") not in REPORTING_TYPES:
                    continue
                recs = self.cited[aid][sid]
                conf = round(max(float(r.get("confidence", 0.5)) for r in recs), 3)
                mentions = sorted({r.get("mention", "") for r in recs})
                self._derive(
                    g,
                    aid,
                    node,
                    conf,
                    "own-account",
                    f"credits {g.nodes[node]['label']} for its information ({'; '.join(mentions)})",
                    {"attributions": self._att_evidence(recs)},
                )

    # -- outlet roll-up -------------------------------------------------------

    def _rollup(self, g: nx.MultiDiGraph) -> None:
        published = sorted(  # in link order (a compact build streams them)
            (f"source:{sid}", f"article:{aid}", aid)
            for aid in self.articles
            if (sid := self.outlets[aid])
        )
        for u, v, aid in published:
            self._add_edge(
                g,
                u,
                v,
                key=f"publishes:{aid}",
                kind="publishes",
                confidence=1.0,
                explanation="publishes",
                evidence={"count": 1},
            )
        counts: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        rolled, outlets = ("cites", "shares_content", "derives_from"), self.outlets
        for u, v, kind, conf in self._rolled_edges(g):  # only max and count are read
            ou = outlets.get(u[8:]) if u.startswith("article:") else None
            if not ou or kind not in rolled:
                continue
            own = f"source:{ou}"
            if v.startswith("article:"):
                ov = outlets.get(v[8:])
                if not ov:
                    continue
                target = f"source:{ov}"
            else:
                target = v
            if target != own:
                counts[(own, target, "outlet_" + kind)].append(conf)
        for (u, v, kind), confs in sorted(counts.items()):
            self._add_edge(
                g,
                u,
                v,
                key=kind,
                kind=kind,
                confidence=round(max(confs), 3),
                explanation=f"{len(confs)} article-level {kind[7:]} edge(s)",
                evidence={"count": len(confs)},
            )

    def _rolled_edges(self, g: nx.MultiDiGraph) -> Iterator[tuple[str, str, str, float]]:
        """``(source, target, kind, confidence)`` of every edge, in ``g`` or streamed."""
        for u, v, d in edges_data(g):
            yield u, v, d["kind"], d["confidence"]
        for kind, links in self._streams.items():  # a stream holds one kind
            ids = links.ids
            for s, t, conf in zip(links.sources, links.targets, links.confidences, strict=True):
                yield ids[s], ids[t], kind, conf

    # -- edges ----------------------------------------------------------------

    def _add_edge(self, g: nx.MultiDiGraph, u: str, v: str, key: str, **attrs: Any) -> None:
        """``g.add_edge``; compact, an edge of a kind made in link order goes to its stream.

        Those kinds (:data:`STREAMED`) are made in the order ``graph.json`` lists
        links, (source, target, key), and read from the graph by no later step but
        the roll-up: each is packed as it is made (its JSON line, compressed) and
        merged with the graph's other links at the end (:func:`_taken_to_packed`).
        """
        kind = attrs["kind"]
        if not self.compact or kind not in STREAMED:
            if self.compact:
                attrs["evidence"] = self._ev(attrs["evidence"])
            g.add_edge(u, v, key=key, **attrs)
            return
        links = self._streams.setdefault(kind, PackedLinks())
        order = (u, v, key)
        if links and order <= self._last[kind]:
            raise ValueError(f"{kind} edges out of link order: {order} after {self._last[kind]}")
        self._last[kind] = order
        attrs.update(source=u, target=v, key=key)
        links.add(attrs)  # its JSON line, evidence and all

    # -- flags ----------------------------------------------------------------


def _pair_passages(p: PairEvidence) -> list[str]:
    """The passages of a pair's matches (its shares_content edge's evidence), sorted."""
    return sorted({m.a for m in p.matches} | {m.b for m in p.matches})


def _fact_text(key: str) -> str:
    kind, _, value = key.partition(":")
    return f"“{value}”" if kind == "quote" else value


def _att_evidence(rec: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "article",
        "mention",
        "cue",
        "cue_family",
        "mention_start",
        "mention_end",
        "sentence_start",
        "sentence_end",
        "via_person",
        "confidence",
        "block",
    )
    return {k: rec.get(k) for k in keys}


def graph_to_json(g: nx.MultiDiGraph) -> dict[str, Any]:
    """node-link JSON with nodes and links in a stable order."""
    data = nx.node_link_data(g, edges="links")
    data["nodes"] = sorted(data["nodes"], key=lambda n: n["id"])
    data["links"] = sorted(data["links"], key=lambda e: (e["source"], e["target"], str(e["key"])))
    return data


def _taken_to_json(g: nx.MultiDiGraph) -> dict[str, Any]:
    """``graph_to_json(g)`` that takes the node and edge dicts of ``g`` over (``g`` is spent).

    Each node and link is its attribute dict with its id (or ends and key) added,
    not a copy of it: the copies were most of the graph stage's peak. Key order
    differs, the JSON (sorted keys) does not.
    """
    nodes = []
    for n, attrs in g.nodes(data=True):
        attrs["id"] = n
        nodes.append(attrs)
    links = []
    for u, nbrs in g.adjacency():  # ``g.edges(keys=True, data=True)``, without its view
        for v, keyed in nbrs.items():
            for k, attrs in keyed.items():
                attrs["source"], attrs["target"], attrs["key"] = u, v, k
                links.append(attrs)
    data = {"directed": g.is_directed(), "multigraph": True, "graph": g.graph}
    g.clear()  # its adjacency goes; g.graph is a new dict from here on
    nodes.sort(key=lambda n: n["id"])
    links.sort(key=lambda e: (e["source"], e["target"], str(e["key"])))
    return {**data, "nodes": nodes, "links": links}


def graph_from_json(data: dict[str, Any]) -> nx.MultiDiGraph:
    """Inverse of ``graph_to_json``."""
    return nx.node_link_graph(data, edges="links", multigraph=True, directed=True)


def plain_graph(graph: dict[str, Any]) -> dict[str, Any]:
    """The node-link dict with its links as a list of dicts (a graph from :func:`packed_graph`
    or as ``graph_to_json`` gives it)."""
    links = graph.get("links")
    return {**graph, "links": list(links)} if isinstance(links, PackedLinks) else graph


def packed_graph(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a node-link dict) with its links packed (:class:`PackedLinks`).

    Each link dict is let go once encoded: ``data["links"]`` is emptied.
    """
    links = data["links"]
    packed = PackedLinks()
    for node in data.get("nodes", []):  # the links' node ids: the nodes' own strings
        packed._id(node["id"])
    for i, lk in enumerate(links):
        packed.add(lk)
        links[i] = None
    links.clear()
    packed.finish()
    return {**data, "links": packed}


def _taken_to_packed(g: nx.MultiDiGraph, streams: Sequence[PackedLinks] = ()) -> dict[str, Any]:
    """``packed_graph(_taken_to_json(g))`` of a compact graph (evidence as JSON), with the
    links of ``streams`` (packed in link order) merged in; ``g`` is spent.

    Each link's line is made from its attributes with the evidence's JSON put in
    its place (:func:`_line_with`), and the attributes let go as it is packed.
    """
    nodes = []
    for n, attrs in g.nodes(data=True):
        attrs["id"] = n
        nodes.append(attrs)
    edges = [(u, v, k, attrs) for u, nbrs in g.adjacency() for v, keyed in nbrs.items()
             for k, attrs in keyed.items()]  # fmt: skip
    data = {"directed": g.is_directed(), "multigraph": True, "graph": g.graph}
    g.clear()
    nodes.sort(key=lambda n: n["id"])
    edges.sort(key=lambda e: (e[0], e[1], str(e[2])))
    packed = PackedLinks()
    for node in nodes:  # the links' node ids: the nodes' own strings
        packed._id(node["id"])

    def taken() -> Iterator[tuple[tuple[str, str, str], bytes, str | None, float]]:
        for i, (u, v, k, attrs) in enumerate(edges):
            edges[i] = None  # type: ignore[call-overload]
            attrs["source"], attrs["target"], attrs["key"] = u, v, k
            evidence = attrs.pop("evidence", None)
            line = (
                dumps_kept(attrs) if evidence is None else _line_with(attrs, "evidence", evidence)
            )
            yield (u, v, str(k)), line, attrs.get("kind"), float(attrs.get("confidence") or 0)

    merged = heapq.merge(taken(), *map(_streamed, streams), key=lambda e: e[0])
    for (u, v, _), line, kind, conf in merged:
        packed.add_line(line, u, v, kind, conf)
    packed.finish()
    return {**data, "nodes": nodes, "links": packed}


def _streamed(
    links: PackedLinks,
) -> Iterator[tuple[tuple[str, str, str], bytes, str | None, float]]:
    """The links of a stream (``LineageBuilder._add_edge``: keyed by kind) as ``taken`` gives."""
    ids, sources, targets, confs = links.ids, links.sources, links.targets, links.confidences
    for i, line in enumerate(links.json_lines()):
        u, v, kind = ids[sources[i]], ids[targets[i]], links.kind(i)
        yield (u, v, str(kind)), line, kind, confs[i]


def _line_with(rest: dict[str, Any], name: str, encoded: bytes) -> bytes:
    """``dumps_bytes({**rest, name: value})`` given ``encoded = dumps_bytes(value)``.

    Canonical JSON composes: members in key order, each spelled as alone.
    """
    lo = dumps_bytes({k: v for k, v in rest.items() if k < name})
    hi = dumps_bytes({k: v for k, v in rest.items() if k > name})
    member = dumps_bytes(name) + b":" + encoded
    return b"".join((lo[:-1], b"," if len(lo) > 2 else b"", member,
                     b"," + hi[1:] if len(hi) > 2 else b"}"))  # fmt: skip


def graph_and_flags(
    settings: Settings,
    articles: Sequence[Article],
    passages: Sequence[Passage],
    matches: Sequence[Match],
    attributions: Sequence[dict[str, Any]],
    *,
    packed: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The lineage graph as JSON (``graph_to_json``'s form) and the flags per article.

    Needs no clusters, so a scan can build it while it clusters. ``packed``: the
    links as :class:`PackedLinks` (what a scan holds), the graph built compact
    (each edge's evidence as its JSON from the start: as dicts they were a
    third of the build's memory) and its links packed as they are taken from it.
    """
    gaz = Gazetteer.load(settings.sources_files)
    builder = LineageBuilder(settings, gaz, compact=packed)
    g, flags = builder.build(articles, passages, matches, attributions)
    if not packed:
        return _taken_to_json(g), flags
    streams = list(builder._streams.values())
    del builder
    return _taken_to_packed(g, streams), flags


def build_graph(result: Any) -> None:
    """Fill ``result.graph`` and ``result.flags`` of a ``RunResult``."""
    result.graph, result.flags = graph_and_flags(
        result.settings, result.articles, result.passages, result.matches, result.attributions
    )
