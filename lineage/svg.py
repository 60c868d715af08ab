"""Lineage graph as inline SVG: time runs left to right, sources above, outlets below.

Layout rules (deterministic, no randomness, so the same graph gives the same bytes):

* articles sit in the middle band; x is their publication date where known
  (dates spread over the width, lanes keep neighbours apart); undated articles
  stand in a "date unknown" column at the right;
* named sources (agencies, ministries, people) sit in the top band above the
  articles that cite them; outlets in the bottom band below what they publish;
* every arrow shows the flow of information: from the original to the article
  that reused it (``derives_from``, ``shares_content``) and from a source to the
  article that cites it. Width and opacity grow with confidence.

All labels go through ``markupsafe.escape``: they come from scraped text.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from markupsafe import Markup, escape

WIDTH = 980
LEFT, RIGHT = 110, 40
BAND_TOP = 130
LANE_H = 62
UNDATED_W = 170

CLASS_COLORS = {
    "wholly-derived": "#b03a2e",
    "partially-derived": "#d68910",
    "non-derived": "#1e8449",
}
EDGE_STYLE = {
    # kind: (colour, dash, base width)
    "derives_from": ("#b03a2e", "", 2.0),
    "draws_on": ("#8e44ad", "", 1.0),
    "shares_content": ("#566573", "6 4", 1.4),
    "cites": ("#5b8db8", "2 3", 0.8),
    "publishes": ("#bfc5ca", "", 0.8),
}
EDGE_LABELS = {
    "derives_from": "derives from (arrow: original → rewrite)",
    "draws_on": "draws on a source (shared primary source, not copying)",
    "shares_content": "shares content (no direction known)",
    "cites": "cites (source → article)",
    "publishes": "publishes",
}


def _parse_date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _short(text: str, n: int = 22) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _spread(xs: list[tuple[float, str]], gap: float, lo: float, hi: float) -> dict[str, float]:
    """Place items at their wanted x, pushing right to keep ``gap`` apart, then fit."""
    out: dict[str, float] = {}
    last = -math.inf
    for x, key in sorted(xs):
        x = max(x, last + gap, lo)
        out[key] = x
        last = x
    if out and last > hi:  # squeeze back into the band, keeping order
        first = min(out.values())
        span = max(last - first, 1.0)
        for k, v in out.items():
            out[k] = lo + (v - first) * (hi - lo) / span if span > hi - lo else v - (last - hi)
    return out


def layout(graph: dict[str, Any]) -> dict[str, Any]:
    """Positions for every node; returns ``{"pos": {id: (x, y)}, "height", "ticks", ...}``."""
    nodes = {n["id"]: n for n in graph.get("nodes", [])}
    links = graph.get("links", [])
    arts = sorted((n for n in nodes.values() if n.get("kind") == "article"), key=lambda n: n["id"])
    dated = {n["id"]: d for n in arts if (d := _parse_date(n.get("published")))}
    undated = [n["id"] for n in arts if n["id"] not in dated]
    x_hi = WIDTH - RIGHT - (UNDATED_W if undated else 0)
    ticks: list[tuple[float, str]] = []
    wanted: dict[str, float] = {}
    if dated:
        d0, d1 = min(dated.values()), max(dated.values())
        days = max((d1 - d0).days, 1)
        for nid, d in dated.items():
            wanted[nid] = LEFT + (d - d0).days / days * (x_hi - LEFT) if d1 != d0 else LEFT
        for d in sorted(set(dated.values())):
            ticks.append((wanted[next(k for k, v in dated.items() if v == d)], d.isoformat()))
    for i, nid in enumerate(undated):
        wanted[nid] = x_hi + UNDATED_W / 2 + 15 if dated else LEFT + i * 150
    # lanes: first lane whose last node is far enough to the left
    lanes: list[float] = []
    lane_of: dict[str, int] = {}
    for nid in sorted(wanted, key=lambda k: (wanted[k], k)):
        x = wanted[nid]
        for i, last in enumerate(lanes):
            if x - last >= 150:
                lanes[i] = x
                lane_of[nid] = i
                break
        else:
            lanes.append(x)
            lane_of[nid] = len(lanes) - 1
    pos: dict[str, tuple[float, float]] = {}
    src_band = BAND_TOP
    art_top = src_band + 75
    for nid, x in wanted.items():
        pos[nid] = (x, art_top + lane_of[nid] * LANE_H)
    art_bottom = art_top + max(len(lanes) - 1, 0) * LANE_H
    has_outlets = any(n.get("kind") == "outlet" for n in nodes.values())
    outlet_y = art_bottom + 110 if has_outlets else art_bottom + 45
    neighbours: dict[str, list[str]] = {}
    for link in links:
        neighbours.setdefault(link["source"], []).append(link["target"])
        neighbours.setdefault(link["target"], []).append(link["source"])
    for kind, y in (("source", src_band), ("outlet", outlet_y)):
        members = sorted(n["id"] for n in nodes.values() if n.get("kind") == kind)
        xs = []
        for i, nid in enumerate(members):
            near = [pos[m][0] for m in neighbours.get(nid, []) if m in pos and m in wanted]
            xs.append((sum(near) / len(near) if near else LEFT + i * 120, nid))
        gap = 40 if kind == "source" else 110
        hi = WIDTH - (110 if kind == "source" else RIGHT)  # room for the slanted labels
        for nid, x in _spread(xs, gap, LEFT, hi).items():
            pos[nid] = (x, y)
    return {
        "pos": pos,
        "height": outlet_y + (60 if has_outlets else 40),
        "outlets": has_outlets,
        "ticks": ticks,
        "axis_y": art_bottom + 45,
        "undated_x": x_hi + 30 if undated and dated else None,
    }


def _node_svg(n: dict[str, Any], x: float, y: float, href: str | None) -> str:
    kind = n.get("kind", "")
    label = escape(_short(n.get("label") or n["id"]))
    title = escape(n.get("label") or n["id"])
    if kind == "article":
        color = CLASS_COLORS.get(n.get("class", ""), "#566573")
        ring = ' stroke="#17202a" stroke-width="3"' if n.get("uncredited") else ' stroke="#fff"'
        share = float(n.get("derived_share") or 0)
        tip = escape(
            f"{n.get('label', '')} — {n.get('outlet') or '?'}, {n.get('published') or 'no date'}; "
            f"{n.get('class', '?')}, {share:.0%} derived"
            + ("; uncredited reuse" if n.get("uncredited") else "")
        )
        sub = escape(_short(f"{n.get('outlet') or ''} {(n.get('published') or '')[:10]}", 26))
        shape = f'<circle r="11" fill="{color}"{ring}/>'
        text = f'<text y="26" class="lbl">{label}</text><text y="39" class="sub">{sub}</text>'
        title = tip
    elif kind == "source":
        shape = '<path d="M0,-9 L9,0 L0,9 L-9,0 Z" fill="#6c3483" stroke="#fff"/>'
        text = f'<text class="lbl src" transform="translate(2,-13) rotate(-35)">{label}</text>'
    else:
        shape = '<rect x="-10" y="-8" width="20" height="16" rx="3" fill="#566573" stroke="#fff"/>'
        text = f'<text y="24" class="lbl">{label}</text>'
    body = f"<title>{title}</title>{shape}{text}"
    if href:
        body = f'<a href="{escape(href)}">{body}</a>'
    return (
        f'<g class="node node-{escape(kind)}" data-node="{escape(n["id"])}" '
        f'transform="translate({x:.1f},{y:.1f})">{body}</g>'
    )


def _edge_svg(link: dict[str, Any], p: tuple[float, float], q: tuple[float, float]) -> str:
    kind = link.get("kind", "")
    if kind == "derives_from" and not link["target"].startswith("article:"):
        kind = "draws_on"
    color, dash, base = EDGE_STYLE[kind]
    conf = max(0.0, min(1.0, float(link.get("confidence") or 0)))
    (x1, y1), (x2, y2) = p, q
    dx, dy = x2 - x1, y2 - y1
    dist = math.hypot(dx, dy) or 1.0
    # stop short of the node so the arrowhead stays visible
    x2, y2 = x2 - dx / dist * 14, y2 - dy / dist * 14
    x1, y1 = x1 + dx / dist * 12, y1 + dy / dist * 12
    bend = 0.18 * dist if kind in ("derives_from", "shares_content") else 0.0
    cx, cy = (x1 + x2) / 2 - dy / dist * bend, (y1 + y2) / 2 + dx / dist * bend
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    width = base + (2.5 * conf if kind == "derives_from" else conf)
    opacity = 0.35 + 0.65 * conf if kind != "cites" else 0.2 + 0.3 * conf
    tip = escape(
        f"{link.get('kind')} · confidence {conf:.2f}"
        + (f" — {link.get('explanation')}" if link.get("explanation") else "")
    )
    marker = "" if kind == "publishes" else f' marker-end="url(#arrow-{kind})"'
    return (
        f'<path class="edge edge-{escape(kind)}" data-source="{escape(link["source"])}" '
        f'data-target="{escape(link["target"])}" d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} '
        f'{x2:.1f},{y2:.1f}" fill="none" stroke="{color}" stroke-width="{width:.2f}" '
        f'stroke-opacity="{opacity:.2f}"{dash_attr}{marker}><title>{tip}</title></path>'
    )


def flow(link: dict[str, Any]) -> tuple[str, str]:
    """(from, to) of the arrow: the direction information travelled."""
    if link.get("kind") in ("derives_from", "cites", "outlet_derives_from", "outlet_cites"):
        return link["target"], link["source"]
    return link["source"], link["target"]


def render_graph(graph: dict[str, Any], anchors: dict[str, str] | None = None) -> Markup:
    """The lineage graph as one ``<svg>`` element (safe to inline)."""
    anchors = anchors or {}
    lay = layout(graph)
    pos = lay["pos"]
    height = lay["height"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="lineage-graph" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'aria-label="Lineage graph: sources, articles by date, outlets">',
        "<defs>",
    ]
    for kind, (color, _dash, _w) in EDGE_STYLE.items():
        parts.append(
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{color}"/></marker>'
        )
    parts.append("</defs>")
    parts.append(
        f'<text x="8" y="{BAND_TOP + 4}" class="band">sources</text>'
        f'<text x="8" y="{BAND_TOP + 79}" class="band">articles</text>'
    )
    if lay["outlets"]:
        parts.append(f'<text x="8" y="{height - 55:.0f}" class="band">outlets</text>')
    ay = lay["axis_y"]
    parts.append(
        f'<line x1="{LEFT}" y1="{ay}" x2="{WIDTH - RIGHT}" y2="{ay}" class="axis"/>'
        f'<text x="{WIDTH - RIGHT}" y="{ay + 28}" class="axislbl" text-anchor="end">'
        "time →</text>"
    )
    last_tick = -math.inf
    for x, label in lay["ticks"]:
        parts.append(f'<line x1="{x:.1f}" y1="{ay - 4}" x2="{x:.1f}" y2="{ay + 4}" class="axis"/>')
        if x - last_tick >= 70:
            parts.append(f'<text x="{x:.1f}" y="{ay + 17}" class="tick">{escape(label)}</text>')
            last_tick = x
    if lay["undated_x"] is not None:
        ux = lay["undated_x"]
        parts.append(
            f'<line x1="{ux}" y1="{BAND_TOP + 45}" x2="{ux}" y2="{ay}" class="sep"/>'
            f'<text x="{ux + UNDATED_W / 2 - 15:.0f}" y="{ay + 17}" class="tick">'
            "date unknown</text>"
        )
    links = sorted(
        (lk for lk in graph.get("links", []) if lk.get("kind") in EDGE_STYLE),
        key=lambda lk: (list(EDGE_STYLE).index(lk["kind"]) * -1, lk["source"], lk["target"]),
    )
    for link in links:
        a, b = flow(link)
        if a in pos and b in pos:
            parts.append(_edge_svg(link, pos[a], pos[b]))
    for n in sorted(graph.get("nodes", []), key=lambda n: n["id"]):
        if n["id"] in pos:
            x, y = pos[n["id"]]
            parts.append(_node_svg(n, x, y, anchors.get(n["id"])))
    parts.append("</svg>")
    return Markup("".join(parts))
