"""Packed graph links (``output.PackedLinks``) are the links they hold, and the report
reads the same graph from them as it read from the list of link dicts.

A scan holds its graph's links packed (compressed JSON lines plus columns);
``write_run`` writes their lines, the report picks links by the columns. The
reference functions below are the report's earlier code over plain link dicts.
"""

from __future__ import annotations

import heapq
import pickle
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import report
from lineage.graph import packed_graph, plain_graph
from lineage.output import LINK_KINDS, PackedLinks, dumps, dumps_bytes, pretty, write_json

_node = st.sampled_from(
    ["article:a", "article:b", "article:c", "article:d", "source:x", "source:y", "source:z"]
)
_link = st.fixed_dictionaries(
    {
        "source": _node,
        "target": _node,
        "kind": st.sampled_from([*LINK_KINDS, "other"]),
        "key": st.text(max_size=3),
    },
    optional={
        "confidence": st.one_of(st.none(), st.floats(0, 1), st.just(0.0)),
        "explanation": st.text(max_size=8),
        "evidence": st.dictionaries(
            st.text(max_size=3), st.integers(-(2**63), 2**63 - 1) | st.text(max_size=4)
        ),
    },
)


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of three links: the tests' few links span several blocks."""
    monkeypatch.setattr(PackedLinks, "BLOCK", 3)


@settings(max_examples=60, deadline=None)
@given(st.lists(_link, max_size=12))
def test_packed_links_are_the_links(links: list[dict[str, Any]]) -> None:
    packed = PackedLinks.of(links)
    assert len(packed) == len(links)
    assert list(packed) == links and packed == links
    assert list(packed.json_lines()) == [dumps_bytes(lk) for lk in links]
    assert [packed[i] for i in range(-len(links), len(links))] == links + links
    some = [i for i in (4, 0, 2) if i < len(links)]
    assert packed[1:5] == links[1:5] and packed.select(some) == [links[i] for i in some]
    for i, lk in enumerate(links):
        assert packed.ids[packed.sources[i]] == lk["source"]
        assert packed.ids[packed.targets[i]] == lk["target"]
        assert packed.kind(i) == (lk["kind"] if lk["kind"] in LINK_KINDS else None)
        assert packed.confidences[i] == float(lk.get("confidence") or 0)
    assert list(packed.only("cites", "derives_from")) == [
        lk for lk in links if lk["kind"] in ("cites", "derives_from")
    ]
    again = pickle.loads(pickle.dumps(packed))
    assert list(again) == links and again == packed
    graph = {"directed": True, "graph": {}, "links": packed, "multigraph": True, "nodes": []}
    plain = {**graph, "links": links}
    assert pretty(graph) == pretty(plain) and dumps(graph) == dumps(plain)
    assert dumps_bytes(graph) == dumps_bytes(plain) and plain_graph(graph) == plain


def test_written_graph_is_the_same_file(tmp_path: Path, seed_run: Any) -> None:
    """``write_json`` of a packed graph writes the plain graph's bytes (and empty links)."""
    plain = plain_graph(seed_run.graph)
    assert isinstance(seed_run.graph["links"], PackedLinks) and plain["links"]
    write_json(tmp_path / "a.json", seed_run.graph)
    write_json(tmp_path / "b.json", plain)
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    empty = {"links": [], "nodes": []}
    write_json(tmp_path / "c.json", empty)
    write_json(tmp_path / "d.json", packed_graph({"links": [], "nodes": []}))
    assert (tmp_path / "c.json").read_bytes() == (tmp_path / "d.json").read_bytes()


def test_packed_graph_lets_the_dicts_go() -> None:
    links = [{"source": "a", "target": "b", "kind": "cites", "confidence": 1.0}]
    data = {"nodes": [{"id": "a"}, {"id": "b"}], "links": links}
    out = packed_graph(data)
    assert links == [] and list(out["links"]) == [
        {"source": "a", "target": "b", "kind": "cites", "confidence": 1.0}
    ]
    assert out["links"].ids[:2] == ["a", "b"]  # the nodes' own strings first


# --- the report's earlier code over plain link dicts ------------------------------


def _subgraph_ref(graph: dict[str, Any], n_articles: int, n_sources: int) -> Any:
    nodes = graph.get("nodes", [])
    links = graph.get("links", [])
    arts = sorted(n["id"] for n in nodes if n.get("kind") == "article")
    if len(arts) <= n_articles:
        return graph, len(arts)
    weight: dict[str, float] = defaultdict(float)
    for lk in links:
        src, dst = lk["source"], lk["target"]
        if lk.get("kind") in ("derives_from", "shares_content") and dst.startswith("article:"):
            conf = float(lk.get("confidence") or 0)
            weight[src] += conf
            weight[dst] += conf
    keep = set(sorted(arts, key=lambda i: (-weight[i], i))[:n_articles])
    cited: Counter[str] = Counter()
    outlets: set[str] = set()
    for lk in links:
        src, dst, kind = lk["source"], lk["target"], lk.get("kind")
        if src in keep and dst.startswith("source:") and kind in ("cites", "derives_from"):
            cited[dst] += 1
        elif kind == "publishes" and dst in keep:
            outlets.add(src)
    keep.update(sorted(cited, key=lambda s: (-cited[s], s))[:n_sources])
    keep.update(outlets)
    return (
        {
            **graph,
            "nodes": [n for n in nodes if n["id"] in keep],
            "links": [lk for lk in links if lk["source"] in keep and lk["target"] in keep],
        },
        n_articles,
    )


def _origins_ref(links: list[dict[str, Any]], names: dict[str, str], nodes: dict[str, Any]) -> Any:
    """The copies and origins of ``report._origins``, from the link dicts."""
    copies = []
    derives: set[str] = set()
    origins: Counter[str] = Counter()
    drawn_on: dict[str, set[str]] = defaultdict(set)
    for lk in links:
        kind, src, dst = lk.get("kind"), lk["source"], lk["target"]
        if kind == "derives_from" and dst.startswith("article:"):
            derives.add(src)
            origins[dst] += 1
            copies.append(
                {
                    "derived": report._node_name(nodes, names, src),
                    "derived_anchor": None,
                    "derived_id": src[8:],
                    "origin": report._node_name(nodes, names, dst),
                    "origin_anchor": None,
                    "origin_id": dst[8:],
                    "confidence": float(lk.get("confidence") or 0),
                    "explanation": lk.get("explanation", ""),
                }
            )
        elif kind in ("derives_from", "cites") and dst.startswith("source:"):
            drawn_on[dst].add(src)
    return sorted(copies, key=lambda c: (-c["confidence"], c["derived"]))[:5], origins, drawn_on


def _graph_of(links: list[dict[str, Any]]) -> dict[str, Any]:
    ids = sorted({x for lk in links for x in (lk["source"], lk["target"])})
    nodes = [{"id": i, "kind": i.split(":")[0], "label": i.upper()} for i in ids]
    return {"directed": True, "graph": {}, "links": links, "multigraph": True, "nodes": nodes}


@settings(max_examples=80, deadline=None)
@given(st.lists(_link, max_size=14), st.integers(0, 4), st.integers(0, 3), st.integers(0, 6))
def test_report_reads_the_packed_graph_as_the_plain_one(
    links: list[dict[str, Any]], n_articles: int, n_sources: int, n_edges: int
) -> None:
    plain = _graph_of(links)
    packed = report._packed_graph(plain)
    assert packed is not None and isinstance(packed["links"], PackedLinks)
    assert report._subgraph(packed, n_articles, n_sources) == _subgraph_ref(
        plain, n_articles, n_sources
    )
    nodes = {n["id"]: n for n in plain["nodes"]}
    names = {"a": "Same", "b": "Same", "c": "Other"}  # ties in the copies' order
    run = SimpleNamespace(graph=packed, articles=[])
    got = report._origins(run, names, nodes, {}, 3)  # type: ignore[arg-type]
    copies, origins, drawn_on = _origins_ref(links, names, nodes)
    assert got["copies"] == copies
    assert [r["id"] for r in got["roots"]] == [
        n[8:] for n, _ in sorted(origins.items(), key=lambda kv: (-kv[1], kv[0]))
        if n not in {lk["source"] for lk in links if lk["kind"] == "derives_from"
                     and lk["target"].startswith("article:")}
    ][:3]  # fmt: skip
    assert len(got["sources"]) == min(6, len([s for s in drawn_on.values()
                                             if len(s) > 1 or len(drawn_on) <= 4]))  # fmt: skip
    ranked = heapq.nsmallest(n_edges, range(len(links)), key=report._edge_ranker(packed["links"]))
    table = packed["links"].select(ranked)
    assert table == sorted(links, key=report._edge_rank)[:n_edges]


def test_report_of_a_run_is_the_same_from_the_files(tmp_path: Path, seed_run: Any) -> None:
    """The report made from the files (links packed as read) equals write_run's, cut small."""
    from lineage.pipeline import write_run

    out = tmp_path / "run"
    write_run(seed_run, out)
    small = report.Limits(graph_articles=2, graph_sources=1, edges=4, roots=1)
    known = {"graph.json": seed_run.graph}
    a = report.build_context(report.load_run(out, known), limits=small)
    b = report.build_context(report.load_run(out), limits=small)
    assert dumps(a) == dumps(b)
    assert a["cut"]["edges"] and a["cut"]["graph"]


# --- the compact build ----------------------------------------------------------


@pytest.mark.parametrize("outlets", [False, True])
def test_compact_build_gives_the_plain_graph(seed_run: Any, outlets: bool) -> None:
    """``graph_and_flags(packed=True)`` (evidence as JSON, streamed kinds) == the plain build."""
    import dataclasses

    from lineage.graph import graph_and_flags

    articles = seed_run.articles
    if outlets:  # publishes and outlet edges too
        names = ["spiegel.de", "zeit.de", "spiegel.de", "Reuters", None]
        articles = [dataclasses.replace(a, outlet=o) for a, o in zip(articles, names, strict=True)]
    args = (seed_run.settings, articles, seed_run.passages, seed_run.matches,
            seed_run.attributions)  # fmt: skip
    plain, flags = graph_and_flags(*args)
    compact, compact_flags = graph_and_flags(*args, packed=True)
    lines = [dumps_bytes(lk) for lk in plain["links"]]
    assert list(compact["links"].json_lines()) == lines
    assert dumps({**compact, "links": []}) == dumps({**plain, "links": []})
    assert dumps(compact_flags) == dumps(flags)
    kinds = {lk["kind"] for lk in plain["links"]}
    assert kinds >= {"cites", "shares_content", "derives_from"}
    assert not outlets or kinds >= {"publishes", "outlet_cites", "outlet_derives_from"}


# finite floats: lineage writes no NaN or infinity (``dumps_bytes`` spells them ``null`` where
# orjson encodes and ``NaN``/``Infinity`` where the standard library does)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(), _json, max_size=5), st.text(), _json)
def test_line_with_a_member_is_the_whole_line(rest: dict[str, Any], name: str, value: Any) -> None:
    from lineage.graph import _line_with

    rest.pop(name, None)
    assert _line_with(rest, name, dumps_bytes(value)) == dumps_bytes({**rest, name: value})


def _flags_ref(matches: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``article_flags``' earlier pass over all matches at once."""
    rank = {"verbatim": 3, "near-verbatim": 2, "rewritten": 1}
    passage_kind: dict[str, dict[str, str]] = defaultdict(dict)
    shared: dict[str, dict[str, tuple[set[str], list[str]]]] = defaultdict(dict)
    for m in matches:
        for pid, art, other in ((m.a, m.article_a, m.article_b), (m.b, m.article_b, m.article_a)):
            kinds = passage_kind[art]
            old = kinds.get(pid)
            if old is None or rank[m.kind] > rank[old]:
                kinds[pid] = m.kind
            entry = shared[art].get(other)
            if entry is None:
                entry = shared[art][other] = (set(), [])
            entry[0].add(pid)
            entry[1].append(m.id)
    return passage_kind, shared


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abc"),
            st.sampled_from("abc"),
            st.integers(0, 3),
            st.integers(0, 3),
            st.sampled_from(["verbatim", "near-verbatim", "rewritten"]),
        ),
        max_size=12,
    )
)
def test_sides_per_article_equal_the_pass_over_all(rows: list[tuple[Any, ...]]) -> None:
    from types import SimpleNamespace

    from lineage.flags import _sides

    matches = [
        SimpleNamespace(id=f"m{i}", article_a=x, article_b=y, a=f"{x}#{p}", b=f"{y}#{q}", kind=k)
        for i, (x, y, p, q, k) in enumerate(rows)
    ]
    kinds_ref, shared_ref = _flags_ref(matches)
    for aid in "abc":
        mine = [m for m in matches if aid in (m.article_a, m.article_b)]
        kinds, shared = _sides(aid, mine)
        assert kinds == kinds_ref.get(aid, {}) and shared == shared_ref.get(aid, {})
