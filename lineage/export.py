"""Exports of a run folder for other tools: the graph as GraphML, GEXF, DOT, JSON.

Nested evidence does not fit GraphML/GEXF attributes, so it is written there
as a JSON string; DOT gets labels with the edge kind and confidence.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from lineage.errors import InputError
from lineage.graph import graph_from_json


def load_graph(run_dir: str | Path) -> nx.MultiDiGraph:
    """The lineage graph of a run folder."""
    path = Path(run_dir) / "graph.json"
    try:
        return graph_from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise InputError(path, "no graph.json here; run `lineage scan` first") from exc
    except (json.JSONDecodeError, KeyError, nx.NetworkXError) as exc:
        raise InputError(path, f"not a lineage graph: {exc}") from exc


def _flat(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Copy with every non-scalar attribute serialised as JSON (GraphML/GEXF)."""
    h = nx.MultiDiGraph()
    for n, data in g.nodes(data=True):
        h.add_node(n, **{k: _scalar(v) for k, v in data.items() if v is not None})
    for u, v, k, data in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=k, **{a: _scalar(b) for a, b in data.items() if b is not None})
    return h


def _scalar(value: object) -> object:
    if isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def to_dot(g: nx.MultiDiGraph) -> str:
    """Graphviz DOT text (no pygraphviz needed)."""
    shapes = {"article": "box", "source": "ellipse", "outlet": "doubleoctagon"}
    styles = {"cites": "dashed", "shares_content": "dotted", "derives_from": "bold"}
    lines = ["digraph lineage {", "  rankdir=LR;"]
    for n, data in sorted(g.nodes(data=True)):
        label = str(data.get("label", n))[:60]
        lines.append(
            f"  {_dot_id(n)} [label={_dot_id(label)}, "
            f"shape={shapes.get(data.get('kind', ''), 'ellipse')}];"
        )
    for u, v, data in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["kind"])):
        kind = data.get("kind", "")
        label = _dot_id(f"{kind} {float(data.get('confidence', 0)):.2f}")
        lines.append(
            f"  {_dot_id(u)} -> {_dot_id(v)} [label={label}, style={styles.get(kind, 'solid')}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def export_graph(run_dir: str | Path, fmt: str = "json", kinds: Sequence[str] = ()) -> str:
    """The run's graph in ``fmt`` (json, graphml, dot, gexf), optionally only some edge kinds."""
    g = load_graph(run_dir)
    if kinds:
        drop = [(u, v, k) for u, v, k, d in g.edges(keys=True, data=True) if d["kind"] not in kinds]
        g.remove_edges_from(drop)
    fmt = fmt.lower()
    if fmt == "json":
        from lineage.graph import graph_to_json

        return json.dumps(graph_to_json(g), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    if fmt == "dot":
        return to_dot(g)
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(_flat(g), buf)
    elif fmt == "gexf":
        nx.write_gexf(_flat(g), buf)
    else:
        raise ValueError(f"unknown graph format {fmt!r}")
    return buf.getvalue().decode("utf-8")
