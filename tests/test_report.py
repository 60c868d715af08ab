"""Report tests on a hand-made run folder (the schema `lineage scan` writes).

``write_sample_run`` is shared with test_review.py and test_browser.py.
"""

from __future__ import annotations

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
    passages = []
    for aid, text in texts.items():
        pos = 0
        for i, line in enumerate(text.split("\n")):
            passages.append(
                {
                    "id": f"{aid}#p{i}",
                    "article": aid,
                    "index": i,
                    "start": pos,
                    "end": pos + len(line),
                    "text": line,
                }
            )
            pos += len(line) + 1
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
