"""LineageBuilder on hand-built records, plus one end-to-end scan of ``seeds/``.

Why hand-built records: the graph rules (direction, common source, unknown
dates, roll-up, flags) must be tested apart from matching, whose scores move
whenever a threshold moves. Each test states the evidence a newsroom would
see and the edge (or its absence) it expects.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from lineage.config import Settings
from lineage.gazetteer import Gazetteer, provisional_id
from lineage.graph import LineageBuilder, graph_to_json
from lineage.models import Article, Match, Passage

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PLEN = 100  # characters per hand-built passage


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load(())


def passages(aid: str, n: int) -> list[Passage]:
    """``n`` adjacent, non-overlapping passages of ``PLEN`` characters."""
    return [Passage(id=f"{aid}#p{i}", article=aid, index=i, start=i * PLEN, end=(i + 1) * PLEN,
                    cstart=i * PLEN, cend=(i + 1) * PLEN, text=f"passage {i} of {aid}")
            for i in range(n)]  # fmt: skip


def match(a: str, i: int, b: str, j: int, kind: str = "verbatim", facts: list[str] | None = None,
          changed: list[dict[str, Any]] | None = None, cosine: float = 0.9) -> Match:  # fmt: skip
    """A match between passage ``i`` of article ``a`` and passage ``j`` of ``b`` (a < b)."""
    assert a < b
    jac = {"verbatim": 1.0, "near-verbatim": 0.6, "rewritten": 0.1}[kind]
    return Match(id=f"m-{a}{i}-{b}{j}", a=f"{a}#p{i}", b=f"{b}#p{j}", article_a=a, article_b=b,
                 kind=kind, jaccard=jac, cosine=cosine, containment_ab=jac, containment_ba=jac,
                 shared_facts=facts or [], changed_facts=changed or [], spans=[],
                 score=max(jac, cosine))  # fmt: skip


def art(aid: str, outlet: str, published: str | None) -> Article:
    return Article(id=aid, text="x" * 1000, outlet=outlet, published=published)


def cite(aid: str, source_id: str, source_type: str, name: str, conf: float = 0.9
         ) -> dict[str, Any]:  # fmt: skip
    """An attribution record as ``attribution_records`` writes it."""
    return {"article": aid, "source_id": source_id, "source_type": source_type,
            "source_name": name, "mention": name, "cue": "laut", "cue_family": "preposition",
            "confidence": conf, "via_person": None}  # fmt: skip


def credit_outlet(aid: str, outlet: str) -> dict[str, Any]:
    return cite(aid, provisional_id(outlet), "outlet", outlet)


def build(gaz: Gazetteer, articles: list[Article], sizes: dict[str, int], matches: list[Match],
          atts: list[dict[str, Any]] | None = None, **settings: Any
          ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:  # fmt: skip
    """Run the builder; return node-link JSON and flags by article."""
    ps = [p for aid, n in sorted(sizes.items()) for p in passages(aid, n)]
    g, flags = LineageBuilder(Settings().replace(**settings), gaz).build(
        articles, ps, matches, atts or []
    )
    return graph_to_json(g), {f["article"]: f for f in flags}


def links(graph: dict[str, Any], kind: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["source"], e["target"]): e for e in graph["links"] if e["kind"] == kind}


def copies(a: str, b: str, n: int, kind: str = "verbatim") -> list[Match]:
    return [match(a, i, b, i, kind) for i in range(n)]


# -- direction -------------------------------------------------------------------


def test_direction_from_dates(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", "2024-03-02T10:00:00"),
            art("b", "outlet-b.example", "2024-03-01T10:00:00")]  # fmt: skip
    graph, _ = build(gaz, arts, {"a": 5, "b": 5}, copies("a", "b", 5))
    derives = links(graph, "derives_from")
    assert ("article:a", "article:b") in derives  # a is later: a copied b
    assert ("article:b", "article:a") not in derives
    edge = derives[("article:a", "article:b")]
    assert edge["rule"] == "direction"
    assert any("published first" in c for c in edge["evidence"]["clues"])


def test_containment_decides_when_dates_unknown_with_lower_confidence(gaz: Gazetteer) -> None:
    # b's 4 passages are all inside a's 10: b is the likelier copy
    ms = [match("a", i, "b", i) for i in range(4)]
    unknown = [art("a", "outlet-a.example", None), art("b", "outlet-b.example", None)]
    # an explicit floor: the default (0.6) drops containment-only edges with unknown dates
    graph, _ = build(gaz, unknown, {"a": 10, "b": 4}, ms, derives_min_confidence=0.4)
    derives = links(graph, "derives_from")
    assert set(derives) == {("article:b", "article:a")}
    edge = derives[("article:b", "article:a")]
    assert "a publication date is unknown" in edge["evidence"]["clues"]
    known = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    graph2, _ = build(gaz, known, {"a": 10, "b": 4}, ms, derives_min_confidence=0.4)
    assert (
        edge["confidence"] < links(graph2, "derives_from")[("article:b", "article:a")]["confidence"]
    )


@pytest.mark.parametrize(
    "dates", [(None, None), ("2024-03-01", None), ("2024-03-01", "2024-03-01")]
)
def test_no_order_invented_without_a_clue(gaz: Gazetteer, dates: tuple[Any, Any]) -> None:
    arts = [art("a", "outlet-a.example", dates[0]), art("b", "outlet-b.example", dates[1])]
    graph, flags = build(gaz, arts, {"a": 5, "b": 5}, copies("a", "b", 5))
    assert not links(graph, "derives_from")
    assert ("article:a", "article:b") in links(graph, "shares_content")
    assert flags["a"]["uncredited"] == flags["b"]["uncredited"] == []


def test_explicit_attribution_of_the_other_outlet(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", None), art("b", "outlet-b.example", None)]
    graph, flags = build(gaz, arts, {"a": 5, "b": 5}, copies("a", "b", 5),
                         [credit_outlet("b", "outlet-a.example")])  # fmt: skip
    derives = links(graph, "derives_from")
    assert ("article:b", "article:a") in derives
    assert ("article:a", "article:b") not in derives
    assert (
        "b credits provisional:outlet-a-example"
        in derives[("article:b", "article:a")]["evidence"]["clues"]
    )
    own = derives[("article:b", "source:provisional:outlet-a-example")]
    assert own["rule"] == "own-account"
    assert flags["b"]["uncredited"] == []
    by_node = {d["node"]: d for d in flags["b"]["derived_from"]}
    assert by_node["article:a"]["credited"] is True


def test_attribution_outweighs_dates(gaz: Gazetteer) -> None:
    """A credit says who told whom even when the crediting article has the earlier date."""
    arts = [art("a", "outlet-a.example", "2024-03-02"), art("b", "outlet-b.example", "2024-03-01")]
    graph, _ = build(gaz, arts, {"a": 5, "b": 5}, copies("a", "b", 5),
                     [credit_outlet("b", "outlet-a.example")])  # fmt: skip
    assert ("article:b", "article:a") in links(graph, "derives_from")


# -- common source -----------------------------------------------------------------


def _nato_pair(gaz: Gazetteer, kinds: list[str]) -> dict[str, Any]:
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    ms = [match("a", i, "b", i, k, facts=["number:600000", "name:nato"], cosine=0.5)
          for i, k in enumerate(kinds)]  # fmt: skip
    atts = [cite("a", "nato", "international_org", "NATO", 0.5),
            cite("b", "nato", "international_org", "NATO", 0.5)]  # fmt: skip
    graph, _ = build(gaz, arts, {"a": 5, "b": 5}, ms, atts)
    return graph


def test_common_source_explains_shared_facts(gaz: Gazetteer) -> None:
    graph = _nato_pair(gaz, ["rewritten", "rewritten"])
    derives = links(graph, "derives_from")
    assert set(derives) == {("article:a", "source:nato"), ("article:b", "source:nato")}
    assert {e["rule"] for e in derives.values()} == {"common-source"}
    assert derives[("article:a", "source:nato")]["evidence"]["shared_with"] == "b"


def test_shared_wording_overrides_common_source(gaz: Gazetteer) -> None:
    graph = _nato_pair(gaz, ["rewritten", "verbatim", "verbatim"])
    derives = links(graph, "derives_from")
    assert ("article:b", "article:a") in derives
    assert derives[("article:b", "article:a")]["rule"] == "direction"
    assert not any(e["rule"] == "common-source" for e in derives.values())


def test_common_source_is_the_one_cited_where_the_facts_stand(gaz: Gazetteer) -> None:
    """Both cite NATO next to the shared passages and a government elsewhere: NATO explains it."""
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    ms = [match("a", 0, "b", 0, "rewritten", facts=["number:600000"], cosine=0.5)]
    atts = []
    for aid in ("a", "b"):
        atts.append(dict(cite(aid, "nato", "international_org", "NATO"), mention_start=20))
        atts.append(dict(cite(aid, "ukraine-gov", "government", "Kyiv"), mention_start=4000))
    graph, _ = build(gaz, arts, {"a": 50, "b": 50}, ms, atts)
    assert set(links(graph, "derives_from")) == {("article:a", "source:nato"),
                                                 ("article:b", "source:nato")}  # fmt: skip


def test_common_source_needs_a_primary_source(gaz: Gazetteer) -> None:
    """Two articles citing the same *outlet* are not explained by it as a primary source."""
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    ms = [match("a", i, "b", i, "rewritten", facts=["number:600000"], cosine=0.5) for i in range(2)]
    atts = [credit_outlet("a", "outlet-z.example"), credit_outlet("b", "outlet-z.example")]
    graph, _ = build(gaz, arts, {"a": 5, "b": 5}, ms, atts)
    rules = {e["rule"] for e in links(graph, "derives_from").values()}
    assert "common-source" not in rules


# -- topic only ---------------------------------------------------------------------


@pytest.mark.parametrize("facts,changed", [
    ([], []),
    (["name:berlin", "name:angela merkel"], []),
    ([], [{"kind": "number", "fact": "soldaten", "a": "10.000", "b": "12.000"}]),
])  # fmt: skip
def test_topic_only_gives_no_derives_from(gaz: Gazetteer, facts: list[str],
                                          changed: list[dict[str, Any]]) -> None:  # fmt: skip
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    ms = [match("a", i, "b", i, "rewritten", facts=facts, changed=changed, cosine=0.3)
          for i in range(3)]  # fmt: skip
    graph, flags = build(gaz, arts, {"a": 5, "b": 5}, ms)
    assert not links(graph, "derives_from")
    assert ("article:a", "article:b") in links(graph, "shares_content")
    assert flags["b"]["uncredited"] == []


def test_drifted_count_is_reported_on_shares_content(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    drift = [{"kind": "number", "fact": "soldaten", "a": "10.000", "b": "12.000"}]
    ms = [match("a", 0, "b", 0, "rewritten", facts=["number:1100"], changed=drift, cosine=0.4)]
    graph, _ = build(gaz, arts, {"a": 5, "b": 5}, ms)
    changed = links(graph, "shares_content")[("article:a", "article:b")]["evidence"]
    assert [(c["a"], c["b"]) for c in changed["changed_facts"]] == [("10.000", "12.000")]


# -- outlet roll-up ------------------------------------------------------------------


def test_outlet_rollup_with_counts(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02"),
            art("c", "outlet-b.example", "2024-03-03")]  # fmt: skip
    ms = copies("a", "b", 4) + copies("a", "c", 4)
    atts = [cite("b", "nato", "international_org", "NATO")]
    graph, _ = build(gaz, arts, {"a": 4, "b": 4, "c": 4}, ms, atts)
    oa, ob = (
        "source:" + provisional_id("outlet-a.example"),
        "source:" + provisional_id("outlet-b.example"),
    )
    derives = links(graph, "outlet_derives_from")
    assert derives[(ob, oa)]["evidence"]["count"] == 2
    assert (oa, ob) not in derives
    assert links(graph, "outlet_shares_content")[(oa, ob)]["evidence"]["count"] == 2
    assert links(graph, "outlet_cites")[(ob, "source:nato")]["evidence"]["count"] == 1
    publishes = [e for e in graph["links"] if e["kind"] == "publishes"]
    assert sorted((e["source"], e["target"]) for e in publishes) == [
        (oa, "article:a"), (ob, "article:b"), (ob, "article:c")]  # fmt: skip
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes[oa]["kind"] == nodes[ob]["kind"] == "outlet"


def test_no_rollup_edge_within_one_outlet(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-a.example", "2024-03-02")]
    graph, _ = build(gaz, arts, {"a": 4, "b": 4}, copies("a", "b", 4))
    assert ("article:b", "article:a") in links(graph, "derives_from")
    assert not links(graph, "outlet_derives_from")


# -- flags -----------------------------------------------------------------------------


def test_uncredited_set_and_unset(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    _, flags = build(gaz, arts, {"a": 5, "b": 5}, copies("a", "b", 5))
    unc = flags["b"]["uncredited"]
    assert [u["node"] for u in unc] == ["article:a"]
    assert unc[0]["share"] == 1.0
    assert flags["a"]["uncredited"] == []
    _, flags2 = build(gaz, arts, {"a": 5, "b": 5}, copies("a", "b", 5),
                      [credit_outlet("b", "outlet-a.example")])  # fmt: skip
    assert flags2["b"]["uncredited"] == []


@pytest.mark.parametrize("n_matched,settings,expected", [
    (10, {}, "wholly-derived"),
    (3, {}, "partially-derived"),
    (1, {}, "non-derived"),
    (3, {"derived_min_share": 0.4}, "non-derived"),
    (3, {"wholly_derived_share": 0.25}, "wholly-derived"),
    (6, {"wholly_derived_share": 0.7}, "partially-derived"),
])  # fmt: skip
def test_classes_follow_thresholds(gaz: Gazetteer, n_matched: int, settings: dict[str, Any],
                                   expected: str) -> None:  # fmt: skip
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    _, flags = build(gaz, arts, {"a": 10, "b": 10}, copies("a", "b", n_matched), **settings)
    assert flags["b"]["class"] == expected
    assert flags["b"]["derived_share"] == pytest.approx(n_matched / 10)


def test_original_that_was_copied_is_non_derived(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02")]
    _, flags = build(gaz, arts, {"a": 5, "b": 5}, copies("a", "b", 5))
    assert flags["b"]["class"] == "wholly-derived"
    assert flags["a"]["class"] == "non-derived"


def test_sibling_copies_derive_from_the_original_only(gaz: Gazetteer) -> None:
    arts = [art("a", "outlet-a.example", "2024-03-01"), art("b", "outlet-b.example", "2024-03-02"),
            art("c", "outlet-c.example", "2024-03-03")]  # fmt: skip
    ms = copies("a", "b", 5) + copies("a", "c", 5) + copies("b", "c", 5)
    graph, flags = build(gaz, arts, {"a": 5, "b": 5, "c": 5}, ms)
    derives = set(links(graph, "derives_from"))
    assert derives == {("article:b", "article:a"), ("article:c", "article:a")}
    assert [u["node"] for u in flags["c"]["uncredited"]] == ["article:a"]


# -- end to end on seeds/ ------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from lineage.pipeline import scan

    folder = tmp_path_factory.mktemp("seeds")
    for p in sorted(SEEDS.glob("*.txt")):
        shutil.copy(p, folder / p.name)
    r = scan([folder])
    return {"graph": r.graph, "flags": {f["article"]: f for f in r.flags}, "matches": r.matches}


A000, A001, A002, A003, A004 = ("000_1c4def8d7fbf4333", "001_fb9b90ac9a99f893",
                                "002_08cca51948fe13df", "003_8fb36132de6cafbd",
                                "004_ba648a297f34eb93")  # fmt: skip


def test_seeds_cites(seeds_run: dict[str, Any]) -> None:
    cites = links(seeds_run["graph"], "cites")
    for aid, sid in [(A001, "merkur"), (A001, "sueddeutsche"), (A001, "jacobin"),
                     (A000, "jcs-kr"), (A004, "jcs-kr"), (A002, "nato"), (A003, "nato"),
                     (A003, "pentagon")]:  # fmt: skip
        assert (f"article:{aid}", f"source:{sid}") in cites, (aid, sid)
    for aid in (A002, A003):
        assert "Mark Rutte" in cites[(f"article:{aid}", "source:nato")]["evidence"]["via"]


def test_seeds_common_source(seeds_run: dict[str, Any]) -> None:
    derives = links(seeds_run["graph"], "derives_from")
    for aid, sid, other in [(A000, "jcs-kr", A004), (A004, "jcs-kr", A000),
                            (A002, "nato", A003), (A003, "nato", A002)]:  # fmt: skip
        edge = derives[(f"article:{aid}", f"source:{sid}")]
        assert edge["rule"] == "common-source"
        assert edge["evidence"]["shared_with"] == other
    article_edges = {k for k in derives if k[1].startswith("article:")}
    assert not article_edges
    for x, y in [(A000, A004), (A002, A003), (A000, A001)]:
        assert (f"article:{x}", f"article:{y}") not in derives
        assert (f"article:{y}", f"article:{x}") not in derives
    assert all(f["uncredited"] == [] for f in seeds_run["flags"].values())


def test_seeds_drift_in_changed_facts(seeds_run: dict[str, Any]) -> None:
    values = {v for m in seeds_run["matches"] for c in m.changed_facts if c["kind"] == "number"
              and c["fact"] == "soldaten" for v in (c["a"], c["b"])}  # fmt: skip
    assert {"10.000", "11.000", "12.000"} <= values


def test_build_graph_takes_over_the_dicts_with_the_same_json() -> None:
    """``build_graph`` hands the graph's own dicts on: the JSON of ``graph_to_json``."""
    from lineage.graph import _taken_to_json
    from lineage.output import dumps

    g = nx.MultiDiGraph()
    g.add_node("article:b", kind="article", label="B")
    g.add_node("article:a", kind="article", label="A")
    g.add_node("source:x", kind="source", label="X")
    g.add_edge("article:b", "article:a", key="derives_from", kind="derives_from", confidence=0.5)
    g.add_edge("article:a", "article:b", key="shares_content", kind="shares_content", evidence={})
    g.add_edge("article:a", "source:x", key="cites", kind="cites", confidence=1.0)
    g.add_edge("source:x", "article:a", key="publishes:a", kind="publishes")
    expected = dumps(graph_to_json(g))
    assert dumps(_taken_to_json(g)) == expected
