"""The graph's edges read from its adjacency are ``g.edges(data=True)``, in order."""

from __future__ import annotations

from typing import Any

import networkx as nx

from lineage.flags import edges_data
from lineage.graph import graph_from_json


def test_edges_data_equals_the_edge_view(seed_run: Any) -> None:
    g = graph_from_json(seed_run.graph)
    assert g.number_of_edges() > 0
    assert list(edges_data(g)) == list(g.edges(data=True))


def test_edges_data_keeps_parallel_edges_in_order() -> None:
    g = nx.MultiDiGraph()
    g.add_edge("b", "a", key="x", w=1)
    g.add_edge("a", "b", key="y", w=2)
    g.add_edge("a", "b", key="x", w=3)
    g.add_node("c")
    assert list(edges_data(g)) == list(g.edges(data=True))
