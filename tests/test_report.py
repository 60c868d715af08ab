"""Report tests on a hand-made run folder (the schema `lineage scan` writes).

``write_sample_run`` is shared with test_review.py and test_browser.py.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from lineage import report, svg
from lineage.errors import InputError
from lineage.review import ReviewStore, build_items

WIRE = (
    "Seoul says 1,100 North Korean soldiers were killed or wounded in Kursk.\n"
    "The defence ministry said the troops lack drone experience.\n"
    "Ten thousand soldiers are said to be stationed in Russia."
)
COPY_BODY = (
    "Seoul says 1,100 North Korean soldiers were killed or wounded in Kursk.\n"
    "<script>alert(1)</script> The troops apparently lack any experience with drones.\n"
    'Readers wrote <img src=x onerror=alert(1)> and "quotes" & ampersands.'
)
OTHER = "A weather report: rain in Berlin tomorrow, says the DWD, with 12 degrees."
HOSTILE_TITLE = "Copy <b>bold</b> </script><script>alert(2)</script>"


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows),
        encoding="utf-8",
    )


def _line_passages(aid: str, lines: list[str]) -> list[dict[str, Any]]:
    """Passage records of an article whose text is ``lines`` joined by newlines, one per line."""
    out, pos = [], 0
    for k, line in enumerate(lines):
        out.append({"id": f"{aid}#p{k}", "article": aid, "index": k, "start": pos,
                    "end": pos + len(line), "text": line})  # fmt: skip
        pos += len(line) + 1
    return out


def write_sample_run(folder: Path) -> Path:
    """Three articles: a wire text, a hostile uncredited copy, an unrelated one."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {"wire1": WIRE, "copy1": COPY_BODY, "other1": OTHER}
    meta = {
        "wire1": ("Seoul counts losses", "Wire Agency", "2024-10-28"),
        "copy1": (HOSTILE_TITLE, "Daily <Copy>", "2024-10-30"),
        "other1": ("Weather", "Other News", None),
    }
    articles = []
    for aid, text in texts.items():
        title, outlet, published = meta[aid]
        articles.append(
            {
                "id": aid,
                "text": text,
                "title": title,
                "outlet": outlet,
                "url": f"https://example.org/{aid}",
                "published": published,
                "language": "en",
                "path": f"in/{aid}.txt",
                "line": None,
                "sha256": "0" * 64,
                "encoding": "utf-8",
                "provenance": {},
                "passages": 0,
                "blocks": [{"kind": "body", "start": 0, "end": len(text)}],
            }
        )
    passages = [p for aid, text in texts.items() for p in _line_passages(aid, text.split("\n"))]
    for a in articles:
        a["passages"] = sum(1 for p in passages if p["article"] == a["id"])
    first = "Seoul says 1,100 North Korean soldiers were killed or wounded in Kursk."
    wa, ca = _span(WIRE, first), _span(COPY_BODY, first)
    wl, cl = _span(WIRE, "lack"), _span(COPY_BODY, "lack")
    matches = [
        {
            "id": "m1",
            "a": "wire1#p0",
            "b": "copy1#p0",
            "article_a": "wire1",
            "article_b": "copy1",
            "kind": "verbatim",
            "jaccard": 1.0,
            "cosine": 1.0,
            "containment_ab": 1.0,
            "containment_ba": 1.0,
            "shared_facts": ["1100", "kursk"],
            "changed_facts": [],
            "spans": [
                {"a_start": wa[0], "a_end": wa[1], "b_start": ca[0], "b_end": ca[1], "words": 12}
            ],
            "score": 0.98,
        },
        {
            "id": "m2",
            "a": "copy1#p1",
            "b": "wire1#p1",
            "article_a": "copy1",
            "article_b": "wire1",
            "kind": "rewritten",
            "jaccard": 0.2,
            "cosine": 0.6,
            "containment_ab": 0.3,
            "containment_ba": 0.3,
            "shared_facts": ["drone"],
            "changed_facts": [
                {"kind": "hedge", "fact": "lack experience", "a": "apparently", "b": ""}
            ],
            "spans": [
                {"a_start": cl[0], "a_end": cl[1], "b_start": wl[0], "b_end": wl[1], "words": 1}
            ],
            "score": 0.55,
        },
    ]
    _jsonl(folder / "articles.jsonl", articles)
    _jsonl(folder / "passages.jsonl", passages)
    _jsonl(folder / "matches.jsonl", matches)
    _jsonl(
        folder / "clusters.jsonl",
        [
            {
                "id": "c1",
                "story": "s1",
                "passages": ["wire1#p0", "copy1#p0"],
                "articles": ["copy1", "wire1"],
                "facts": ["1100"],
                "label": "1,100 soldiers <killed>",
            }
        ],
    )
    _jsonl(
        folder / "stories.jsonl",
        [
            {
                "id": "s1",
                "articles": ["copy1", "wire1"],
                "clusters": ["c1"],
                "label": "North Korean losses <i>Kursk</i>",
            }
        ],
    )
    ms, me = _span(OTHER, "DWD")
    _jsonl(
        folder / "attributions.jsonl",
        [
            {
                "article": "other1",
                "sentence_start": 0,
                "sentence_end": len(OTHER),
                "mention": "DWD",
                "mention_start": ms,
                "mention_end": me,
                "cue": "says",
                "cue_start": ms - 5,
                "cue_end": ms - 1,
                "cue_family": "say",
                "source_id": "dwd",
                "source_name": "Deutscher Wetterdienst",
                "source_type": "agency",
                "via_person": None,
                "upstream": None,
                "addressee": None,
                "confidence": 0.9,
                "block": "body",
            }
        ],
    )
    _jsonl(
        folder / "flags.jsonl",
        [
            {
                "article": "copy1",
                "class": "wholly-derived",
                "derived_share": 0.66,
                "derived_from": [
                    {
                        "node": "article:wire1",
                        "share": 0.66,
                        "passages": ["copy1#p0", "copy1#p1"],
                        "credited": False,
                        "explanation": "2 of 3 passages match wire1",
                    }
                ],
                "uncredited": [
                    {
                        "node": "article:wire1",
                        "share": 0.66,
                        "passages": ["copy1#p0", "copy1#p1"],
                        "matches": ["m1", "m2"],
                    }
                ],
                "passages": {"copy1#p0": "verbatim", "copy1#p1": "rewritten"},
            },
            {
                "article": "other1",
                "class": "non-derived",
                "derived_share": 0.0,
                "derived_from": [],
                "uncredited": [],
                "passages": {},
            },
            {
                "article": "wire1",
                "class": "non-derived",
                "derived_share": 0.0,
                "derived_from": [],
                "uncredited": [],
                "passages": {},
            },
        ],
    )
    _jsonl(
        folder / "rejected.jsonl", [{"path": "in/<bad>.bin", "line": None, "reason": "binary file"}]
    )
    nodes = [
        {
            "id": "article:copy1",
            "kind": "article",
            "label": HOSTILE_TITLE,
            "outlet": "Daily <Copy>",
            "published": "2024-10-30",
            "class": "wholly-derived",
            "derived_share": 0.66,
            "uncredited": True,
        },
        {
            "id": "article:other1",
            "kind": "article",
            "label": "Weather",
            "outlet": "Other News",
            "published": None,
            "class": "non-derived",
            "derived_share": 0.0,
            "uncredited": False,
        },
        {
            "id": "article:wire1",
            "kind": "article",
            "label": "Seoul counts losses",
            "outlet": "Wire Agency",
            "published": "2024-10-28",
            "class": "non-derived",
            "derived_share": 0.0,
            "uncredited": False,
        },
        {
            "id": "source:dwd",
            "kind": "source",
            "label": "Deutscher Wetterdienst",
            "type": "agency",
            "country": "DE",
        },
        {"id": "outlet:wire-agency", "kind": "outlet", "label": "Wire Agency"},
    ]
    links = [
        {
            "source": "article:copy1",
            "target": "article:wire1",
            "key": 0,
            "kind": "derives_from",
            "confidence": 0.8,
            "explanation": "copy1 repeats wire1 <verbatim> and is later",
            "evidence": {
                "passages": ["copy1#p0"],
                "matches": ["m1", "m2"],
                "shared_facts": ["1100"],
                "attributions": [],
                "dates": {},
                "containment": {},
                "count": 2,
            },
        },
        {
            "source": "article:copy1",
            "target": "article:wire1",
            "key": 1,
            "kind": "shares_content",
            "confidence": 0.9,
            "explanation": "2 matched passages",
            "evidence": {
                "passages": [],
                "matches": ["m1", "m2"],
                "shared_facts": [],
                "attributions": [],
                "dates": {},
                "containment": {},
                "count": 2,
            },
        },
        {
            "source": "article:other1",
            "target": "source:dwd",
            "key": 0,
            "kind": "cites",
            "confidence": 0.9,
            "explanation": "says the DWD",
            "evidence": {},
        },
        {
            "source": "outlet:wire-agency",
            "target": "article:wire1",
            "key": 0,
            "kind": "publishes",
            "confidence": 1.0,
            "explanation": "",
            "evidence": {},
        },
    ]
    (folder / "graph.json").write_text(
        json.dumps(
            {"directed": True, "multigraph": True, "graph": {}, "nodes": nodes, "links": links},
            sort_keys=True,
        ),
        encoding="utf-8",
    )
    (folder / "run.json").write_text(
        json.dumps(
            {
                "lineage_version": "0.1.0",
                "versions": {"python": "3.11"},
                "settings": {"seed": 1},
                "inputs": [{"path": "in", "sha256": "ab" * 32}],
                "counts": {"articles": 3},
                "timings": {"ingest": 0.1},
                "started": "2026-01-01T00:00:00Z",
            }
        ),
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_sample_run(tmp_path / "run")


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script[^>]*>", html)


def test_report_writes_both_files(run_dir: Path) -> None:
    html_path, md_path = report.write_report(run_dir)
    assert html_path == run_dir / "report.html" and md_path == run_dir / "report.md"
    html = html_path.read_text(encoding="utf-8")
    assert "Lineage report: 3 articles from 3 outlets" in html
    assert 'id="lineage-graph"' in html
    assert "Wire Agency" in md_path.read_text(encoding="utf-8")


def test_report_is_deterministic(run_dir: Path) -> None:
    report.write_report(run_dir)
    first = (run_dir / "report.html").read_bytes(), (run_dir / "report.md").read_bytes()
    report.write_report(run_dir)
    assert first == ((run_dir / "report.html").read_bytes(), (run_dir / "report.md").read_bytes())


def test_article_text_is_escaped(run_dir: Path) -> None:
    html = report.write_report(run_dir)[0].read_text(encoding="utf-8")
    # exactly two script elements: the JSON data and the report's own code
    assert _scripts(html) == ['<script type="application/json" id="lineage-data">', "<script>"]
    assert "<script>alert" not in html and "alert(1)</script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html and "Daily <Copy>" not in html
    data = html.split('id="lineage-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and "\\u003c/script\\u003e" in data
    assert json.loads(data)["graph"]["nodes"][0]["label"] == HOSTILE_TITLE


def test_csp_allows_only_the_report_script(run_dir: Path) -> None:
    html = report.write_report(run_dir)[0].read_text(encoding="utf-8")
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html)
    assert csp and "default-src 'none'" in csp.group(1)
    code = html.rsplit("<script>", 1)[1].split("</script>", 1)[0]
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp.group(1)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html.replace("https://example.org/", "")


def test_highlights_are_marked_by_kind(run_dir: Path) -> None:
    html = report.write_report(run_dir)[0].read_text(encoding="utf-8")
    assert '<mark class="hl-verbatim"' in html
    assert '<mark class="hl-rewritten"' in html
    assert '<mark class="pz-rewritten"' in html
    assert "apparently" in html  # changed hedge shown


def test_highlight_overlaps_pick_the_strongest() -> None:
    out = report.highlight("abcdef<", [(0, 6, 1, "rewritten", "r"), (2, 4, 2, "verbatim", "v")])
    assert str(out) == (
        '<mark class="pz-rewritten" title="r">ab</mark><mark class="hl-verbatim" title="v">cd'
        '</mark><mark class="pz-rewritten" title="r">ef</mark>&lt;'
    )


def test_markdown_is_escaped(run_dir: Path) -> None:
    text = report.write_report(run_dir)[1].read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "Daily &lt;Copy&gt;" in text
    assert "## Review items" in text and "Uncredited reuse" in text
    assert "Originals that others derive from: **Wire Agency** (1)" in text


def test_report_shows_verdicts(run_dir: Path) -> None:
    item = build_items(run_dir)[0]
    ReviewStore(run_dir / "review.db").save(item.id, "confirmed", "seen <b>it</b>", "ed")
    html, md_text = (p.read_text(encoding="utf-8") for p in report.write_report(run_dir))
    assert 'class="v v-confirmed">Confirmed' in html
    assert "seen &lt;b&gt;it&lt;/b&gt;" in html
    assert "| Confirmed | seen &lt;b&gt;it&lt;/b&gt; |" in md_text


def test_missing_optional_files_degrade(run_dir: Path) -> None:
    for name in ("graph.json", "flags.jsonl", "matches.jsonl", "run.json"):
        (run_dir / name).unlink()
    html = report.write_report(run_dir)[0].read_text(encoding="utf-8")
    assert "graph.json is missing" in html
    assert "the lineage graph is not available" in html


def test_not_a_run_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"articles\.jsonl is missing"):
        report.write_report(tmp_path)
    with pytest.raises(InputError, match="no such run folder"):
        report.write_report(tmp_path / "nope")


def test_graph_layout_time_runs_left_to_right(run_dir: Path) -> None:
    graph = json.loads((run_dir / "graph.json").read_text(encoding="utf-8"))
    lay = svg.layout(graph)["pos"]
    assert lay["article:wire1"][0] < lay["article:copy1"][0] < lay["article:other1"][0]
    assert lay["source:dwd"][1] < lay["article:wire1"][1] < lay["outlet:wire-agency"][1]
    out = str(svg.render_graph(graph))
    # derives_from arrows flow from the original (wire1) to the rewrite (copy1)
    edge = re.search(r'<path class="edge edge-derives_from"[^>]*>', out)
    assert edge and 'data-source="article:copy1"' in edge.group(0)
    assert "&lt;Copy&gt;" in out and "<Copy>" not in out


def test_heatmap_is_directional(run_dir: Path) -> None:
    ctx = report.build_context(report.load_run(run_dir))
    rows = {r["id"]: {c["col"]: c for c in r["cells"]} for r in ctx["heatmap"]["rows"]}
    assert rows["copy1"]["wire1"]["n"] == 2 and rows["copy1"]["copy1"]["share"] is None
    assert rows["other1"]["wire1"]["share"] == 0


def test_report_on_seeds(seed_run_dir: Path) -> None:
    ctx = report.build_context(report.load_run(seed_run_dir))
    assert ctx["summary"]["articles"] == 5
    html = report.render_html(ctx)
    assert html.count("<script") == 2
    assert (seed_run_dir / "report.html").read_text(encoding="utf-8") == html
    assert "Droht nun die Eskalation?" in html and "10.000" in html


def test_copy_of_run_gives_same_ids(run_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "again"
    shutil.copytree(run_dir, other)
    assert [i.id for i in build_items(run_dir)] == [i.id for i in build_items(other)]


def test_check_first_links_to_the_evidence(run_dir: Path) -> None:
    ctx = report.build_context(report.load_run(run_dir))
    first = ctx["check_first"][0]
    assert first["kind"] == "uncredited"
    assert first["evidence_anchor"] == ctx["pairs"][0]["id"]
    html = report.render_html(ctx)
    assert f'id="{first["evidence_anchor"]}" open' in html


# --------------------------------------------------------------------------- big batches


def write_big_run(folder: Path, groups: int = 5, size: int = 8) -> Path:
    """``groups`` stories of ``size`` articles; each article rewrites its story's first one.

    Every pair within a story matches (one verbatim line), so pairs grow as
    size² while articles grow as size: enough to cross every small limit.
    """
    write_sample_run(folder)  # run.json, rejected.jsonl; the rest is overwritten below
    articles, passages, matches, flags, attributions, stories = [], [], [], [], [], []
    nodes: list[dict[str, Any]] = [{"id": "outlet:wire", "kind": "outlet", "label": "Wire"}]
    links: list[dict[str, Any]] = []
    for g in range(groups):
        wire = f"Story {g}: the <council> voted {100 + g} to {g} on the new bridge."
        ids = [f"g{g}a{i:02d}" for i in range(size)]
        for i, aid in enumerate(ids):
            lines = [wire, f"Article {aid} adds its own view & more.", "Readers wrote in."]
            text = "\n".join(lines)
            passages.extend(_line_passages(aid, lines))
            articles.append(
                {
                    "id": aid,
                    "text": text,
                    "title": f"Bridge vote {g} <{i}>",
                    "outlet": f"Outlet {i}",
                    "url": None,
                    "published": f"2024-0{1 + g}-{10 + i}",
                    "language": "en",
                    "passages": len(lines),
                }
            )
            nodes.append(
                {
                    "id": f"article:{aid}",
                    "kind": "article",
                    "label": f"Bridge vote {g} <{i}>",
                    "published": f"2024-0{1 + g}-{10 + i}",
                    "class": "wholly-derived" if i else "non-derived",
                    "derived_share": 0.33 if i else 0.0,
                    "uncredited": bool(i),
                }
            )
            links.append({"source": "outlet:wire", "target": f"article:{aid}", "kind": "publishes"})
            links.append(
                {
                    "source": f"article:{aid}",
                    "target": f"source:s{i % 3}",
                    "kind": "cites",
                    "confidence": 0.5,
                    "explanation": "says",
                }
            )
            attributions.append(
                {
                    "article": aid,
                    "sentence_start": 0,
                    "sentence_end": len(wire),
                    "mention": "council",
                    "cue": "voted",
                    "confidence": 0.5,
                    "source_name": "City <Council>",
                    "source_type": "authority",
                    "via_person": None,
                }
            )
            head = ids[0]
            flags.append(
                {
                    "article": aid,
                    "class": "wholly-derived" if i else "non-derived",
                    "derived_share": 0.33 if i else 0.0,
                    "derived_from": [{"node": f"article:{head}", "share": 0.33, "credited": False}]
                    if i
                    else [],
                    "uncredited": [
                        {"node": f"article:{head}", "share": 0.33, "passages": [f"{aid}#p0"]}
                    ]
                    if i
                    else [],
                }
            )
            if i:
                links.append(
                    {
                        "source": f"article:{aid}",
                        "target": f"article:{head}",
                        "kind": "derives_from",
                        "confidence": 0.9 - i / 100,
                        "explanation": "repeats <the> wire",
                        "evidence": {"matches": [f"m{head}-{aid}"]},
                    }
                )
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                wl = len(wire)
                matches.append(
                    {
                        "id": f"m{a}-{b}",
                        "a": f"{a}#p0",
                        "b": f"{b}#p0",
                        "article_a": a,
                        "article_b": b,
                        "kind": "verbatim",
                        "shared_facts": [f"number:{100 + g}"],
                        "changed_facts": [],
                        "spans": [{"a_start": 0, "a_end": wl, "b_start": 0, "b_end": wl}],
                        "score": 0.9 - (int(b[-2:]) - int(a[-2:])) / 100,
                    }
                )
        stories.append({"id": f"s{g}", "articles": ids, "clusters": [], "label": f"Bridge {g}"})
    nodes += [{"id": f"source:s{k}", "kind": "source", "label": f"Source {k}"} for k in range(3)]
    _jsonl(folder / "articles.jsonl", articles)
    _jsonl(folder / "passages.jsonl", passages)
    _jsonl(folder / "matches.jsonl", matches)
    _jsonl(folder / "stories.jsonl", stories)
    _jsonl(folder / "flags.jsonl", flags)
    _jsonl(folder / "attributions.jsonl", attributions)
    _jsonl(folder / "clusters.jsonl", [])
    _jsonl(
        folder / "rejected.jsonl",
        [{"path": f"in/bad{k}.bin", "line": None, "reason": "binary file"} for k in range(5)],
    )
    (folder / "graph.json").write_text(
        json.dumps({"directed": True, "multigraph": True, "nodes": nodes, "links": links}),
        encoding="utf-8",
    )
    return folder


SMALL = report.Limits(
    articles=10,
    heatmap=5,
    graph_articles=6,
    graph_sources=2,
    edges=8,
    pairs=4,
    story_pairs=2,
    stories=3,
    story_members=4,
    roots=2,
    review=5,
    rejected=2,
)


def _render(run_dir: Path, limits: report.Limits) -> tuple[dict[str, Any], str, str]:
    ctx = report.build_context(report.load_run(run_dir), limits=limits)
    return ctx, report.render_html(ctx), report.render_markdown(ctx)


def _dangling(html: str) -> set[str]:
    """In-page links whose target id is not in the page."""
    return set(re.findall(r'href="#([^"]+)"', html)) - set(re.findall(r' id="([^"]+)"', html))


def test_big_run_shows_at_most_the_limits(tmp_path: Path) -> None:
    run_dir = write_big_run(tmp_path / "big")  # 40 articles, 140 pairs, 5 stories
    ctx, html, md_text = _render(run_dir, SMALL)
    assert html.count('<details class="pair"') == 4 == len(ctx["pairs"])
    assert html.count(" open>") == 1
    assert all(len(st["pairs"]) <= 2 for st in ctx["stories"]) and len(ctx["stories"]) == 3
    assert html.count('<div class="article" id=') == 10
    assert html.count('<th class="rot"') == 5
    assert html.count('class="node node-article"') == 6
    assert html.count('class="node node-source"') <= 2
    assert html.count('<tr id="item-') == 5
    assert html.count("in/bad") == 2
    assert html.split('id="edges-table"', 1)[1].split("</table>", 1)[0].count("<tr>") == 8 + 1
    data = json.loads(html.split('id="lineage-data">', 1)[1].split("</script>", 1)[0])
    assert sum(n["kind"] == "article" for n in data["graph"]["nodes"]) == 6
    assert len(data["items"]) == 5
    assert _dangling(html) == set()
    # every cut is said, in both files
    for text in (
        "Showing 4 of 140 article pairs side by side",
        "Showing 10 of 40 articles",
        "Showing 5 of 40 articles (those in the most matches)",
        "Showing 6 of 40 articles in the graph",
        "Showing 3 of 5 stories",
        "Showing 2 of 5 rejected inputs",
        "and 4 more",
    ):
        assert text in html, text
    for text in ("Showing 4 of 140 article pairs", "Showing 10 of 40 articles", "Showing 5 of "):
        assert text in md_text, text
    assert f"Showing 5 of {ctx['summary']['review']} review items" in html
    assert "`lineage review export RUN_DIR`" in md_text
    # the summary still counts everything
    assert ctx["summary"]["articles"] == 40 and ctx["summary"]["uncredited"] == 35
    assert len(ctx["articles"]) == 10
    assert "<council>" not in html and "&lt;council&gt;" in html
    assert "<council>" not in md_text


def test_big_run_keeps_the_articles_it_points_to(tmp_path: Path) -> None:
    import dataclasses

    run_dir = write_big_run(tmp_path / "big")
    ctx, html, md_text = _render(run_dir, dataclasses.replace(SMALL, articles=25))
    shown = {a["id"] for a in ctx["articles"]}
    pointed = {x for p in ctx["pairs"] for x in (p["a"], p["b"])} | set(ctx["heatmap"]["ids"])
    pointed |= {n["id"][8:] for n in ctx["data"]["graph"]["nodes"] if n["kind"] == "article"}
    assert pointed <= shown and len(shown) == 25
    # the rest of the room goes to uncredited reuse
    assert all(a["uncredited"] for a in ctx["articles"] if a["id"] not in pointed)
    assert all(r["anchor"] for r in ctx["origins"]["roots"])
    assert _dangling(html) == set()
    # hostile text stays escaped in what is shown
    assert "<council>" not in html and "&lt;council&gt;" in html
    assert "<council>" not in md_text


def test_big_run_is_deterministic(tmp_path: Path) -> None:
    run_dir = write_big_run(tmp_path / "big")
    assert _render(run_dir, SMALL)[1:] == _render(run_dir, SMALL)[1:]


def test_small_run_is_shown_whole(run_dir: Path, tmp_path: Path) -> None:
    _ctx, html, md_text = _render(run_dir, report.LIMITS)
    assert "Showing" not in html and "Showing" not in md_text
    assert "large batch" not in html.lower()
    assert _dangling(html) == set()
    big = write_big_run(tmp_path / "big", groups=2, size=4)  # 8 articles, 12 pairs: all fit
    ctx, html, _md = _render(big, report.LIMITS)
    assert not ctx["large"] and len(ctx["pairs"]) == 12
    assert html.count('<div class="article" id=') == 8


def _highlight_reference(text: str, marks: list[tuple[int, int, int, str, str]]) -> str:
    """The plain quadratic definition: each stretch takes its strongest covering mark."""
    n = len(text)
    bounds = sorted({0, n} | {max(0, min(n, x)) for m in marks for x in m[:2]})
    out, prev, buf = [], None, ""
    for s, e in itertools.pairwise(bounds):
        best = None
        for ms, me, level, kind, title in marks:
            if ms <= s and e <= me:
                cand = (level, report.KIND_RANK.get(kind, 0), kind, title)
                if best is None or cand[:2] > best[:2]:
                    best = cand
        label = (best[0], best[2], best[3]) if best else None
        if label != prev:
            out.append(report._wrap(buf, prev))
            buf, prev = "", label
        buf += text[s:e]
    out.append(report._wrap(buf, prev))
    return "".join(out)


def test_highlight_sweep_equals_reference() -> None:
    import random

    rng = random.Random(7)
    kinds = ["verbatim", "near-verbatim", "rewritten", "fact", "other"]
    for _ in range(300):
        text = "".join(rng.choice("ab <&>\n") for _ in range(rng.randint(0, 40)))
        marks = []
        for _ in range(rng.randint(0, 8)):
            s = rng.randint(-5, 45)
            marks.append((s, s + rng.randint(-2, 20), rng.randint(1, 3), rng.choice(kinds), "t"))
        assert str(report.highlight(text, marks)) == _highlight_reference(text, marks)


def test_items_from_the_loaded_run_equal_items_from_the_folder(tmp_path: Path) -> None:
    for run_dir in (write_sample_run(tmp_path / "s"), write_big_run(tmp_path / "b", 2, 4)):
        full = [i.to_dict() for i in build_items(run_dir)]
        assert any(i["evidence"] for i in full)
        lean = [
            i.to_dict()
            for i in build_items(
                run_dir, report.items_source(report.load_run(run_dir)), evidence=False
            )
        ]
        assert lean == [{**i, "evidence": []} for i in full]
