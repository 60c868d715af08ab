"""Build ``report.html`` and ``report.md`` from a run folder.

The HTML is one self-contained file (inline CSS, JS, SVG; no network), so it
opens offline and can be mailed. Article text is hostile input: templates run
with autoescape, the embedded JSON has ``<``, ``>`` and ``&`` escaped, and a
Content-Security-Policy allows only the report's own script (by hash), so even
a missed escape could not run anything.

The output depends only on the run folder (and the verdicts in the review db),
never on the clock: the same inputs give byte-identical reports.

A big batch is cut to what an editor can read (:class:`Limits`): the strongest
pairs, articles, graph and review items, each section saying what it leaves
out. Building the context is linear in the run folder; the costly parts
(highlighted texts, heatmap, SVG) are made only for what is shown.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import heapq
import itertools
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
from markupsafe import Markup, escape

from lineage import svg
from lineage.errors import InputError
from lineage.output import LINK_KINDS, PackedLinks, loads
from lineage.review import (
    KIND_LABELS,
    VERDICT_LABELS,
    VERDICTS,
    ReviewStore,
    build_items,
    check_run_dir,
    default_db,
    display_name,
    read_jsonl,
)

OPTIONAL = (
    "passages.jsonl",
    "matches.jsonl",
    "clusters.jsonl",
    "stories.jsonl",
    "attributions.jsonl",
    "flags.jsonl",
    "rejected.jsonl",
)
KIND_RANK = {"fact": 4, "verbatim": 3, "near-verbatim": 2, "rewritten": 1}
KIND_CSS = {
    "verbatim": "verbatim",
    "near-verbatim": "near",
    "rewritten": "rewritten",
    "fact": "fact",
}


# the fields of passages and matches the report and its review items read; the rest
# (passage text, similarity figures) is left out so a big run folder fits in memory
PASSAGE_KEYS = ("id", "article", "start", "end")
MATCH_KEYS = (
    "id",
    "a",
    "b",
    "article_a",
    "article_b",
    "kind",
    "score",
    "spans",
    "shared_facts",
    "changed_facts",
)

FACT_MATCH_KEYS = ("id", "article_a", "article_b", "score", "changed_facts")  # review items


@dataclass(frozen=True, slots=True)
class Limits:
    """How much of a batch the report shows, so it stays readable (and small) at any size.

    A batch under every limit (like ``seeds/``) is shown whole. Above a limit the
    report keeps the strongest findings and says, where it cuts, how much it left
    out and where the rest is (the run folder's JSON files and ``lineage review
    export`` always hold everything).
    """

    articles: int = 2000  # articles table rows and detail cards (flagged, most derived first)
    heatmap: int = 30  # articles in the similarity heatmap (those in the most matches)
    graph_articles: int = 60  # articles drawn in the graph (and embedded as JSON), by edge weight
    graph_sources: int = 30  # sources drawn with them (cited by the most drawn articles)
    edges: int = 300  # rows of the edge table (article-to-article edges first)
    pairs: int = 50  # article pairs side by side, best score first ...
    story_pairs: int = 6  # ... and at most this many within one story
    stories: int = 100  # stories listed (those with a pair shown first, then the largest)
    story_members: int = 40  # articles named per story
    roots: int = 10  # originals named at a glance
    review: int = 300  # review items listed (most urgent first)
    rejected: int = 300  # rejected inputs listed


LIMITS = Limits()


@dataclass(slots=True)
class RunData:
    """Everything a report reads from a run folder (missing optional files are empty).

    Passages and matches, the files that grow with the batch, are not held:
    :meth:`iter_matches` and :meth:`iter_passages` read them line by line each
    time, and the report keeps only counts and what it shows.
    """

    path: Path
    articles: list[dict[str, Any]]
    stories: list[dict[str, Any]]
    attributions: list[dict[str, Any]]
    flags: dict[str, dict[str, Any]]
    rejected: list[dict[str, Any]]
    graph: dict[str, Any] | None
    run: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    passages: Sequence[Any] | None = None  # known passages (objects), not read from the file

    def iter_matches(
        self, articles: set[str] | None = None, *, lean: bool = True
    ) -> Iterator[dict[str, Any]]:
        """The matches in file order, with only the fields the report reads (``lean``).

        With ``articles``, only matches between two of them: a line as ``lineage
        scan`` writes it is skipped by its article ids without parsing.
        """
        path = self.path / "matches.jsonl"
        keep = None if articles is None else {a.encode("utf-8") for a in articles}
        for line in _jsonl_lines(path):
            if keep is not None:
                x, y = _quoted_after(line, b'"article_a":"'), _quoted_after(line, b'"article_b":"')
                if (x is not None and x not in keep) or (y is not None and y not in keep):
                    continue
            m = _parse_line(line, path)
            if articles is not None and not (
                m["article_a"] in articles and m["article_b"] in articles
            ):
                continue
            yield {k: m[k] for k in MATCH_KEYS if k in m} if lean else m

    def iter_passages(self, articles: set[str] | None = None) -> Iterator[dict[str, Any]]:
        """The passages in file order, without their text; only of ``articles`` if given.

        A line as ``lineage scan`` writes it (sorted keys: the article first, the
        text last) is skipped by its article without parsing, else parsed only up
        to its text; any other line is parsed whole.
        """
        if self.passages is not None:  # in memory (``pipeline.write_run``): no file to parse
            for o in self.passages:
                if articles is None or o.article in articles:
                    yield {"id": o.id, "article": o.article, "start": o.start, "end": o.end}
            return
        path = self.path / "passages.jsonl"
        keep = None if articles is None else {a.encode("utf-8") for a in articles}
        for line in _jsonl_lines(path):
            if keep is not None and line.startswith(b'{"article":"'):
                end = line.find(b'"', 12)
                art = line[12:end]
                if end > 0 and b"\\" not in art and art not in keep:
                    continue
            p = _head(line, b',"text":')
            if p is None or not all(k in p for k in PASSAGE_KEYS):
                p = _parse_line(line, path)
            if articles is None or p["article"] in articles:
                yield {k: p[k] for k in PASSAGE_KEYS if k in p}


def _jsonl_lines(path: Path) -> Iterator[bytes]:
    """Non-blank lines of a file (a missing file has none)."""
    if not path.is_file():
        return
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield line


def _quoted_after(line: bytes, key: bytes) -> bytes | None:
    """The raw string after ``key`` (``b'"article_a":"'``) if it has no escape, else None.

    Inside a JSON string a quote is always escaped, so ``key`` is found only
    where a member starts.
    """
    start = line.find(key)
    if start < 0:
        return None
    start += len(key)
    end = line.find(b'"', start)
    value = line[start:end]
    return None if end < 0 or b"\\" in value else value


def _head(line: bytes, key: bytes) -> dict[str, Any] | None:
    """The members of a JSON object line before ``key`` (``b',"text":'``), if they parse.

    Inside a JSON string a quote is always escaped, so ``,"text":`` is found
    only where a member starts.
    """
    cut = line.find(key)
    if cut <= 0:
        return None
    try:
        head = loads(line[:cut] + b"}")
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        return None
    return head if isinstance(head, dict) else None


def _parse_line(line: bytes, path: Path) -> Any:
    try:
        return loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        with path.open("rb") as fh:  # only to say where: count the lines up to this one
            lineno = next((i for i, x in enumerate(fh, 1) if x == line), None)
        raise InputError(path, f"invalid JSON: {reason}", lineno) from exc


def _iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Objects of a JSONL file one at a time (a missing file has none)."""
    for line in _jsonl_lines(path):
        yield _parse_line(line, path)


def _read_json(path: Path, packed: str | None = None) -> dict[str, Any] | None:
    """A JSON object, or ``None`` if the file is missing (``review.read_json``, leaner).

    A file as ``output.write_json`` writes it (``graph.json``: one node or link
    per line) is parsed line by line, so no copy of the whole text is held; the
    list member ``packed`` (a graph's ``"links"``) then becomes ``PackedLinks``
    as it is read, its dicts never held all at once.
    """
    if not path.is_file():
        return None
    try:
        data = _read_pretty(path, packed)
    except ValueError:  # not in that layout after all: parse it whole
        data = None
    if data is None:
        try:
            data = json.loads(path.read_bytes())
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", exc.lineno) from exc
    return data if isinstance(data, dict) else None


def _read_pretty(path: Path, packed: str | None = None) -> dict[str, Any] | None:
    """An object in ``output.pretty``'s layout, else ``None`` (or ValueError).

    Top-level members start a line with two spaces and a quote; a non-empty
    list value has one element per line; other values may span lines.
    """
    out: dict[str, Any] = {}
    key: str | None = None
    items: list[Any] | PackedLinks | None = None  # the list being read
    value: list[bytes] = []  # lines of a value that is not a list

    def finish() -> None:
        if key is not None and items is None:
            out[key] = loads(b"\n".join(value).rstrip().rstrip(b","))

    with path.open("rb") as fh:
        if fh.readline().rstrip() != b"{":
            return None
        for line in fh:
            if items is not None:
                if line.rstrip() in (b"  ]", b"  ],"):
                    if isinstance(items, PackedLinks):
                        items.finish()
                    out[str(key)], items, key = items, None, None
                elif isinstance(items, PackedLinks):  # its line as written, and its columns
                    item = line.strip().rstrip(b",")
                    items.add(loads(item), item)
                else:
                    items.append(loads(line.rstrip().rstrip(b",")))
            elif line.startswith(b'  "'):
                finish()
                name, sep, rest = line.partition(b": ")
                if not sep:
                    raise ValueError("not a member line")
                key, value = loads(name), [rest]
                if rest.rstrip() == b"[":
                    items = PackedLinks() if key == packed else []
            elif line.rstrip() == b"}":
                finish()
                return out
            elif key is not None:
                value.append(line)
            else:
                raise ValueError("text outside a member")
    raise ValueError("no closing brace")


def _packed_graph(graph: dict[str, Any] | None) -> dict[str, Any] | None:
    """The graph with its links packed (``output.PackedLinks``), as the report reads them.

    ``pipeline.write_run`` hands them so; a graph read from a file is packed here
    (its link dicts go, its columns and compressed lines stay).
    """
    if graph is None or isinstance(graph.get("links"), PackedLinks):
        return graph
    return {**graph, "links": PackedLinks.of(graph.get("links") or [])}


def _links(graph: dict[str, Any] | None) -> PackedLinks:
    """The links of a graph from :func:`load_run` (none: empty)."""
    links = (graph or {}).get("links")
    return links if isinstance(links, PackedLinks) else PackedLinks.of(links or [])


_CITES, _SHARES, _DERIVES, _PUBLISHES = (
    LINK_KINDS.index(k) + 1 for k in ("cites", "shares_content", "derives_from", "publishes")
)
"""Codes of ``PackedLinks.kinds`` the report picks links by."""


KNOWN_FILES = (
    "articles.jsonl",
    "attributions.jsonl",
    "flags.jsonl",
    "graph.json",
    "passages.jsonl",
    "clusters.jsonl",
)
"""Files whose content a caller may hand to :func:`load_run` instead of a re-read."""


def load_run(run_dir: Path, known: dict[str, Any] | None = None) -> RunData:
    """Read a run folder; a missing optional file becomes a note, not an error.

    ``known`` maps names of :data:`KNOWN_FILES` to their parsed content (a list
    of records, the graph object) when the caller has it in memory: what it just
    wrote (``pipeline.write_run``), equal to what parsing would give. They are
    read, never changed. ``passages.jsonl`` is given as the passages themselves
    (objects with ``id``, ``article``, ``start``, ``end``: ``models.Passage``, in
    file order); ``clusters.jsonl`` (not read by the report) only as being there.
    A known file counts as present even before it is on disk: ``write_run`` writes
    some files in another process while the report is made.
    """
    run_dir = check_run_dir(Path(run_dir))
    known = known or {}
    notes = [
        f"{name} is missing: the parts of the report that need it are empty."
        for name in (*OPTIONAL, "graph.json")
        if name not in known and not (run_dir / name).is_file()
    ]

    def records(name: str) -> list[dict[str, Any]]:
        return list(known[name]) if name in known else list(_iter_jsonl(run_dir / name))

    articles = records("articles.jsonl")
    articles.sort(key=lambda a: (a.get("published") or "9999", a["id"]))
    return RunData(
        path=run_dir,
        articles=articles,
        stories=records("stories.jsonl"),
        attributions=records("attributions.jsonl"),
        flags={f["article"]: f for f in records("flags.jsonl")},
        rejected=records("rejected.jsonl"),
        graph=_packed_graph(
            known["graph.json"]
            if "graph.json" in known
            else _read_json(run_dir / "graph.json", packed="links")
        ),
        run=_read_json(run_dir / "run.json") or {},
        notes=notes,
        passages=known.get("passages.jsonl"),
    )


# --------------------------------------------------------------------------- helpers


def anchor(prefix: str, ident: str) -> str:
    """An HTML id that is safe and unique for any article/node id."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", ident)[:40].strip("-")
    return f"{prefix}-{slug}-{hashlib.sha1(ident.encode('utf-8')).hexdigest()[:6]}"


def highlight(text: str, marks: list[tuple[int, int, int, str, str]]) -> Markup:
    """Escape ``text`` and wrap marked stretches in ``<mark>``.

    ``marks`` are ``(start, end, level, kind, title)``; where marks overlap, the
    higher level (aligned span over whole passage), then the stronger kind wins.
    """
    n = len(text)
    cuts = {0, n}
    for s, e, *_ in marks:
        cuts.update((max(0, min(n, s)), max(0, min(n, e))))
    bounds = sorted(cuts)
    # sweep: a mark covers the stretch [s, next cut) iff it starts at or before s and
    # ends after s; of those, the strongest wins, the earliest listed on a tie
    starts = sorted(range(len(marks)), key=lambda i: marks[i][0])
    nxt = 0
    active: list[int] = []
    out: list[str] = []
    prev_label: tuple[int, str, str] | None = None
    buf = ""
    for s, e in itertools.pairwise(bounds):
        while nxt < len(starts) and marks[starts[nxt]][0] <= s:
            active.append(starts[nxt])
            nxt += 1
        active = [i for i in active if marks[i][1] > s]
        label: tuple[int, str, str] | None = None
        if active:
            _, _, level, kind, title = marks[
                max(active, key=lambda i: (marks[i][2], KIND_RANK.get(marks[i][3], 0), -i))
            ]
            label = (level, kind, title)
        if label != prev_label:
            out.append(_wrap(buf, prev_label))
            buf, prev_label = "", label
        buf += text[s:e]
    out.append(_wrap(buf, prev_label))
    return Markup("".join(out))


def find_terms(text: str, start: int, end: int, terms: list[str]) -> list[tuple[int, int]]:
    """Where the (non-empty) terms occur in ``text[start:end]``, case-insensitively."""
    out = []
    low = text[start:end].casefold()
    for term in {t.casefold() for t in terms if t and t.strip()}:
        for m in re.finditer(r"(?<!\w)" + re.escape(term) + r"(?!\w)", low):
            out.append((start + m.start(), start + m.end()))
    return sorted(out)


def _wrap(chunk: str, label: tuple[int, str, str] | None) -> str:
    if not chunk:
        return ""
    if label is None:
        return str(escape(chunk))
    level, kind, title = label
    css = ("hl-" if level >= 2 else "pz-") + KIND_CSS.get(kind, "rewritten")
    match, sep, title = title.partition("\x1f")
    data = f' data-m="{escape(match)}"' if sep else ""
    title = title if sep else match
    return f'<mark class="{css}"{data} title="{escape(title)}">{escape(chunk)}</mark>'


def json_script(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">`` (no ``</``, ``<!--``)."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for a, b in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(a, b)
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


def md(text: Any) -> str:
    """Escape text for Markdown (also in table cells): no raw HTML, no links, no pipes."""
    s = " ".join(str(text if text is not None else "").split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|#!])", r"\\\1", s)


def pct(value: Any) -> str:
    """``0.4321`` → ``43%``."""
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return "–"


# --------------------------------------------------------------------------- context


def _article_label(a: dict[str, Any]) -> str:
    return " ".join(str(a.get("title") or a.get("outlet") or a["id"]).split())


@dataclass(slots=True)
class _MatchStats:
    """What one pass over ``matches.jsonl`` leaves: per-pair sums, counts, changed facts."""

    pairs: dict[tuple[str, str], list[Any]]  # sorted pair → [count, score sum]
    involved: Counter[str]  # matches per article
    with_changed: list[dict[str, Any]]  # the matches that change a fact (review items)
    count: int = 0


def _match_stats(run: RunData) -> _MatchStats:
    """Everything the report needs from all matches, in one streamed pass.

    Scores are summed per pair in file order, as a list of the pair's matches
    would be: the same floats. A pair's kinds and shared facts are gathered only
    if it is shown (:func:`_shown_matches`): kept for every pair, they were most
    of the report's memory.
    """
    stats = _MatchStats({}, Counter(), [])
    pairs, involved = stats.pairs, stats.involved
    for m in run.iter_matches(lean=False):
        stats.count += 1
        x, y = m["article_a"], m["article_b"]
        involved[x] += 1
        involved[y] += 1
        key = (x, y) if x <= y else (y, x)
        agg = pairs.get(key)
        if agg is None:
            agg = pairs[key] = [0, 0]
        agg[0] += 1
        agg[1] += float(m.get("score", 0))
        if m.get("changed_facts"):
            stats.with_changed.append({k: m[k] for k in FACT_MATCH_KEYS if k in m})
    return stats


def items_source(run: RunData, with_changed: list[dict[str, Any]] | None = None) -> Any:
    """What ``review.build_items(loaded=)`` reads, from a report's run (without evidence).

    Review items need only the matches that change a fact (``with_changed``, from
    :func:`_match_stats` unless given), not every match.
    """
    if with_changed is None:
        with_changed = _match_stats(run).with_changed
    graph = run.graph
    if graph is not None:  # items read the derives_from links only: the others stay packed
        graph = {**graph, "links": _links(graph).only("derives_from")}
    return SimpleNamespace(
        articles=run.articles, passages={}, matches=with_changed, flags=run.flags, graph=graph
    )


def _pair_index(
    stats: _MatchStats, order: dict[str, int]
) -> list[tuple[float, str, str, tuple[str, str], int]]:
    """Every article pair with matches, best first: ``(-score, a, b, key, count)``.

    ``a`` is the earlier article, ``key`` the pair as ``stats`` has it. Compact
    (a tuple of shared strings): only the pairs the report shows become dicts
    (:func:`_pair_dict`), with their kinds and shared facts (:func:`_shown_matches`)
    and highlighted texts (:func:`_pair_detail`).
    """
    pairs = []
    for (x, y), (count, score) in stats.pairs.items():
        a, b = sorted((x, y), key=lambda i: (order.get(i, 1 << 30), i))  # earlier one first
        pairs.append((-round(score, 4), a, b, (x, y), count))
    pairs.sort(key=lambda p: p[:3])
    return pairs


def _pair_dict(
    pair: tuple[float, str, str, tuple[str, str], int], names: dict[str, str], stories: list[int]
) -> dict[str, Any]:
    """The dict the templates read for a pair that is shown."""
    neg_score, a, b, key, count = pair
    return {
        "a": a,
        "b": b,
        "key": key,
        "id": anchor("pair", f"{a}|{b}"),
        "name_a": names.get(a, a),
        "name_b": names.get(b, b),
        "count": count,
        "kinds": None,  # filled by _shown_matches
        "score": -neg_score,
        "shared_facts": None,
        "stories": stories,
    }


@dataclass(slots=True)
class _Shown:
    """What the second pass keeps: passages of the shown pairs, heatmap hits and totals."""

    passages: dict[str, dict[str, Any]]  # id → passage, for the matches of shown pairs
    per_article: Counter[str]  # passages per article (of those shown)
    hit: dict[tuple[str, str], set[str]]  # (row, col) → row passages matching col


def _shown_matches(run: RunData, pairs: list[dict[str, Any]], heat_ids: list[str]) -> _Shown:
    """Second pass over matches (then passages), for what is shown only.

    Fills ``pair["matches"]`` of the ``pairs`` (in file order), their kinds and
    shared facts, and collects the passages they name and the heatmap's matched
    passages.
    """
    of_pair = {p["key"]: p for p in pairs}
    for p in pairs:
        p["matches"] = []
    chosen = set(heat_ids)
    hit: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in run.iter_matches(chosen | {a for p in pairs for a in (p["a"], p["b"])}):
        x, y = m["article_a"], m["article_b"]
        shown_pair = of_pair.get((x, y) if x <= y else (y, x))
        if shown_pair is not None:
            shown_pair["matches"].append(m)
        if x in chosen and y in chosen:
            hit[(x, y)].add(m["a"])
            hit[(y, x)].add(m["b"])
    for p in pairs:
        kinds = Counter(m.get("kind", "") for m in p["matches"])
        p["kinds"] = dict(sorted(kinds.items()))
        p["shared_facts"] = sorted(
            {fact_label(f) for m in p["matches"] for f in m.get("shared_facts", [])}
        )
    wanted = {m[k] for p in pairs for m in p["matches"] for k in ("a", "b")}
    of_articles = chosen | {a for p in pairs for a in (p["a"], p["b"])}
    passages: dict[str, dict[str, Any]] = {}
    per_article: Counter[str] = Counter()
    for ps in run.iter_passages(of_articles):
        per_article[ps["article"]] += 1
        if ps["id"] in wanted:
            passages[ps["id"]] = ps
    return _Shown(passages, per_article, hit)


def _pair_detail(
    pair: dict[str, Any], passages: dict[str, dict[str, Any]], texts: dict[str, str]
) -> None:
    """Add both sides' highlighted text and the changed facts to a pair that is shown."""
    a, b = pair["a"], pair["b"]
    marks: dict[str, list[tuple[int, int, int, str, str]]] = {a: [], b: []}
    changed: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for m in sorted(pair["matches"], key=lambda m: m["id"]):
        flip = m["article_a"] != a
        title = f"{m.get('kind', '')} · score {float(m.get('score', 0)):.2f} · {m['id']}"
        title = f"{m['id']}\x1f{title}"
        for side, pid, art in (("a", m["a"], m["article_a"]), ("b", m["b"], m["article_b"])):
            p = passages.get(pid)
            if p:
                marks[art].append((p["start"], p["end"], 1, m.get("kind", ""), title))
            for sp in m.get("spans", []):
                marks[art].append(
                    (sp[f"{side}_start"], sp[f"{side}_end"], 2, m.get("kind", ""), title)
                )
        for side, pid, art in (("a", m["a"], m["article_a"]), ("b", m["b"], m["article_b"])):
            p = passages.get(pid)
            values = [str(cf.get(side) or "") for cf in m.get("changed_facts", [])]
            if p and texts.get(art):
                for s, e in find_terms(texts[art], p["start"], p["end"], values):
                    marks[art].append((s, e, 3, "fact", "changed fact"))
        for cf in m.get("changed_facts", []):
            va, vb = (cf.get("b"), cf.get("a")) if flip else (cf.get("a"), cf.get("b"))
            key = (str(cf.get("kind")), str(cf.get("fact")), str(va), str(vb))
            changed[key] = {"kind": key[0], "fact": key[1], "a": va, "b": vb}
    pair["html_a"] = highlight(texts.get(a, ""), marks[a])
    pair["html_b"] = highlight(texts.get(b, ""), marks[b])
    pair["changed_facts"] = [changed[k] for k in sorted(changed) if k[0] != "hedge"]
    pair["hedges"] = [changed[k] for k in sorted(changed) if k[0] == "hedge"]


def _heatmap(run: RunData, names: dict[str, str], ids: list[str], shown: _Shown) -> dict[str, Any]:
    """Row article's share of passages that match a passage of the column article."""
    stored = {a["id"]: a.get("passages", 0) for a in run.articles}
    rows = []
    for r in ids:
        total = shown.per_article.get(r) or stored.get(r, 0)
        cells = []
        for c in ids:
            n = len(shown.hit.get((r, c), ()))
            share = n / total if total and r != c else None
            cells.append({"share": share, "n": n, "total": total, "col": c})
        rows.append({"id": r, "name": names[r], "cells": cells})
    return {"ids": ids, "rows": rows}


def _heatmap_ids(run: RunData, involved: Counter[str], limit: int) -> list[str]:
    """All articles if they fit, else those in the most matches (in publication order)."""
    ids = [a["id"] for a in run.articles]
    if len(ids) <= limit:
        return ids
    keep = set(sorted(ids, key=lambda i: (-involved[i], i))[:limit])
    return [i for i in ids if i in keep]


def _subgraph(graph: dict[str, Any], n_articles: int, n_sources: int) -> tuple[dict[str, Any], int]:
    """The graph itself if it is small, else its strongest articles and what they cite.

    Articles are ranked by the summed confidence of their article-to-article
    edges; sources by how many kept articles cite or draw on them. Returns the
    graph and how many articles it kept.
    """
    nodes = graph.get("nodes", [])
    links = _links(graph)  # chosen by their columns: only the links kept are decoded
    arts = sorted(n["id"] for n in nodes if n.get("kind") == "article")
    if len(arts) <= n_articles:
        return {**graph, "links": list(links)}, len(arts)
    ids, kinds, confs = links.ids, links.kinds, links.confidences

    def ends() -> Iterator[tuple[int, int]]:  # (source, target) of each link, as positions
        return zip(links.sources, links.targets, strict=True)

    to_article = [i.startswith("article:") for i in ids]
    weight: dict[str, float] = defaultdict(float)
    for i, (src, dst) in enumerate(ends()):
        if kinds[i] in (_DERIVES, _SHARES) and to_article[dst]:
            conf = confs[i]
            weight[ids[src]] += conf
            weight[ids[dst]] += conf
    keep = set(sorted(arts, key=lambda i: (-weight[i], i))[:n_articles])
    kept = [i in keep for i in ids]
    cited: Counter[str] = Counter()
    outlets: set[str] = set()
    for i, (src, dst) in enumerate(ends()):
        kind = kinds[i]
        if kept[src] and ids[dst].startswith("source:") and kind in (_CITES, _DERIVES):
            cited[ids[dst]] += 1
        elif kind == _PUBLISHES and kept[dst]:
            outlets.add(ids[src])
    keep.update(sorted(cited, key=lambda s: (-cited[s], s))[:n_sources])
    keep.update(outlets)
    kept = [i in keep for i in ids]
    return (
        {
            **graph,
            "nodes": [n for n in nodes if n["id"] in keep],
            "links": links.select(i for i, (s, d) in enumerate(ends()) if kept[s] and kept[d]),
        },
        n_articles,
    )


EDGE_RANK: dict[
    tuple[Any, bool], int
] = {  # (kind, target is an article) → rank; the edge table keeps low ranks first
    ("derives_from", True): 0,
    ("shares_content", True): 1,
    ("derives_from", False): 2,
    ("cites", False): 3,
}


def _rank(kind: str | None, source: str, target: str, confidence: float
          ) -> tuple[int, float, str, str]:  # fmt: skip
    """Which edges the table keeps when it must cut: article-to-article first, then confidence."""
    return EDGE_RANK.get((kind, target.startswith("article:")), 4), -confidence, source, target


def _edge_rank(lk: dict[str, Any]) -> tuple[int, float, str, str]:
    """``_rank`` of a link dict."""
    return _rank(lk.get("kind"), lk["source"], str(lk["target"]), float(lk.get("confidence") or 0))


def _edge_ranker(links: PackedLinks) -> Any:
    """``_edge_rank`` of link ``i`` from the columns of ``links`` (a key on positions)."""
    ids, kinds, confs, sources, targets = (
        links.ids, links.kinds, links.confidences, links.sources, links.targets
    )  # fmt: skip

    def rank(i: int) -> tuple[int, float, str, str]:
        kind = LINK_KINDS[kinds[i] - 1] if kinds[i] else None
        return _rank(kind, ids[sources[i]], ids[targets[i]], confs[i])

    return rank


def _story_cut(shown: int, total: int) -> str | None:
    """What a story leaves out of its pairs (None when it shows all)."""
    if shown >= total:
        return None
    if not shown:
        return f"None of its {total:,} article pairs is among those shown side by side."
    return f"Showing its best {shown:,} of {total:,} article pairs."


def _cut(shown: int, total: int, what: str, where: str) -> str | None:
    """The sentence a section shows when it leaves something out (None when it shows all).

    Only counts and the report's own words go in: report.md shows it unescaped,
    so its commands stay code.
    """
    if shown >= total:
        return None
    return f"Showing {shown:,} of {total:,} {what}; {where}."


def _cell_style(share: float | None) -> str:
    if share is None:
        return "background:#eceff1"
    if share == 0:
        return "background:#fff;color:#aab7b8"
    light = 97 - 55 * min(1.0, share)
    return f"background:hsl(8,70%,{light:.0f}%);color:{'#fff' if share > 0.6 else '#111'}"


def _review_counts(rows: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """``[("open", 7), ("confirmed", 2)]``: verdicts of an article's items, open first."""
    counts = Counter(r["verdict"]["verdict"] if r["verdict"] else "open" for r in rows)
    order = ["open", *VERDICTS]
    return sorted(counts.items(), key=lambda kv: order.index(kv[0]))


def _graph_nodes(run: RunData) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in (run.graph or {}).get("nodes", [])}


def _node_name(nodes: dict[str, dict[str, Any]], names: dict[str, str], nid: str) -> str:
    if nid.startswith("article:") and nid[8:] in names:
        return names[nid[8:]]
    node = nodes.get(nid)
    return str(node.get("label") or nid) if node else nid.split(":", 1)[-1]


def _origins(
    run: RunData,
    names: dict[str, str],
    nodes: dict[str, Any],
    anchors: dict[str, str],
    n_roots: int,
) -> dict[str, Any]:
    """Where the story came from, who rewrote whom, and the sources behind it."""
    links = _links(run.graph)  # read by their columns; the copies named are decoded
    ids, kinds, confs = links.ids, links.kinds, links.confidences
    at: list[int] = []  # the derives_from links between articles, by position
    derives: set[str] = set()
    origins: Counter[str] = Counter()
    drawn_on: dict[str, set[str]] = defaultdict(set)
    for i, (s, d) in enumerate(zip(links.sources, links.targets, strict=True)):
        kind, src, dst = kinds[i], ids[s], ids[d]
        if kind == _DERIVES and dst.startswith("article:"):
            derives.add(src)
            origins[dst] += 1
            at.append(i)
        elif kind in (_DERIVES, _CITES) and dst.startswith("source:"):
            drawn_on[dst].add(src)

    def copy_rank(i: int) -> tuple[float, str]:
        return -confs[i], _node_name(nodes, names, ids[links.sources[i]])

    copies = []  # the five most confident (sorted(...)[:5]), each as the template reads it
    for i in heapq.nsmallest(5, at, key=copy_rank):
        src, dst = ids[links.sources[i]], ids[links.targets[i]]
        copies.append(
            {
                "derived": _node_name(nodes, names, src),
                "derived_anchor": anchors.get(src[8:]),
                "derived_id": src[8:],
                "origin": _node_name(nodes, names, dst),
                "origin_anchor": anchors.get(dst[8:]),
                "origin_id": dst[8:],
                "confidence": confs[i],
                "explanation": links[i].get("explanation", ""),
            }
        )
    roots = [
        {
            "name": _node_name(nodes, names, n),
            "anchor": anchors.get(n[8:]),
            "id": n[8:],
            "count": c,
        }
        for n, c in sorted(origins.items(), key=lambda kv: (-kv[1], kv[0]))
        if n not in derives
    ]
    sources = [
        {"name": _node_name(nodes, names, n), "count": len(arts)}
        for n, arts in sorted(drawn_on.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        if len(arts) > 1 or len(drawn_on) <= 4
    ][:6]
    dated = [a for a in run.articles if a.get("published")]
    earliest = dated[0] if dated else None
    return {
        "roots": roots[:n_roots],
        "roots_more": max(0, len(roots) - n_roots),
        "copies": copies,
        "sources": sources,
        "earliest": earliest
        and {
            "name": names[earliest["id"]],
            "anchor": anchors.get(earliest["id"]),
            "id": earliest["id"],
            "published": earliest["published"],
        },
        "undated": len(run.articles) - len(dated),
        "shares": sum(1 for lk in links if lk.get("kind") == "shares_content"),
    }


def fact_label(fact: str) -> str:
    """``number:1100`` → ``1100`` (the kind prefix the scan adds)."""
    kind, sep, value = str(fact).partition(":")
    return value if sep and kind in ("number", "name", "quote", "date") else str(fact)


def build_context(
    run: RunData,
    verdicts: dict[str, dict[str, Any]] | None = None,
    limits: Limits = LIMITS,
) -> dict[str, Any]:
    """Everything the templates show, computed once (sorted, deterministic).

    Every loop here is linear in the run (articles, matches, links, items); the
    costly parts (highlighted texts, heatmap cells, SVG) are made only for what
    ``limits`` lets the report show.
    """
    verdicts = verdicts or {}
    lim = limits
    names = {a["id"]: display_name(a) for a in run.articles}
    dup = Counter(names.values())
    for a in run.articles:  # two articles of one outlet: add the id to tell them apart
        if dup[names[a["id"]]] > 1:
            names[a["id"]] = f"{names[a['id']]} ({a['id'][:12]})"
    order = {a["id"]: i for i, a in enumerate(run.articles)}
    texts = {a["id"]: a.get("text", "") for a in run.articles}
    nodes = _graph_nodes(run)

    # review items: all counted, the most urgent listed
    stats = _match_stats(run)
    items = build_items(run.path, items_source(run, stats.with_changed), evidence=False)
    # a row (the dict the templates read) only for the items listed: the first
    # lim.review, the first five open ones, those of the articles shown
    by_article: dict[str, list[int]] = defaultdict(list)  # item numbers
    n_todo, first_open = 0, list[int]()
    for i, it in enumerate(items):
        by_article[it.article].append(i)
        if not verdicts.get(it.id):
            n_todo += 1
            if len(first_open) < 5:
                first_open.append(i)
    check_first = first_open if n_todo else list(range(min(5, len(items))))
    rows: dict[int, dict[str, Any]] = {}

    def row(i: int) -> dict[str, Any]:
        if i not in rows:
            it = items[i]
            r = {**it.to_dict(), "verdict": verdicts.get(it.id), "anchor": anchor("item", it.id)}
            r["kind_label"] = KIND_LABELS.get(it.kind, it.kind)
            r["shown"] = i < lim.review
            rows[i] = r
        return rows[i]

    # pairs side by side: best score first, at most lim.story_pairs per story when cutting
    pairs = _pair_index(stats, order)
    stories_sorted = sorted(run.stories, key=lambda s: (-len(s.get("articles", [])), s["id"]))
    story_of: dict[str, list[int]] = defaultdict(list)
    for i, st in enumerate(stories_sorted):
        for aid in set(st.get("articles", [])):
            story_of[aid].append(i)
    per_story_cap = lim.story_pairs if len(pairs) > lim.pairs else len(pairs)
    per_story: Counter[int] = Counter()
    n_in_story: Counter[int] = Counter()  # pairs per story, shown or not
    shown_pairs: list[dict[str, Any]] = []
    for pair in pairs:
        in_stories = sorted(set(story_of.get(pair[1], ())) & set(story_of.get(pair[2], ())))
        n_in_story.update(in_stories)
        if len(shown_pairs) >= lim.pairs:
            continue
        if any(per_story[i] >= per_story_cap for i in in_stories):
            continue
        per_story.update(in_stories)
        shown_pairs.append(_pair_dict(pair, names, in_stories))
    graph = run.graph or {"nodes": [], "links": []}
    shown_graph, graph_articles = _subgraph(graph, lim.graph_articles, lim.graph_sources)
    heat_ids = _heatmap_ids(run, stats.involved, lim.heatmap)
    origins = _origins(run, names, nodes, {}, lim.roots)

    # articles: all if they fit, else first those the report points to (pairs, graph,
    # heatmap, originals, what to check first), then uncredited reuse, then most derived
    must = {x for p in shown_pairs for x in (p["a"], p["b"])} | set(heat_ids)
    must.update(n["id"][8:] for n in shown_graph.get("nodes", []) if n.get("kind") == "article")
    must.update(r["id"] for r in origins["roots"])
    must.update(x for c in origins["copies"] for x in (c["derived_id"], c["origin_id"]))
    must.update([origins["earliest"]["id"]] if origins["earliest"] else [])
    must.update(items[i].article for i in check_first)

    def priority(a: dict[str, Any]) -> tuple[int, int, float, int]:
        flag = run.flags.get(a["id"], {})
        share = -float(flag.get("derived_share") or 0)
        return (a["id"] not in must, not flag.get("uncredited"), share, order[a["id"]])

    shown_articles = run.articles
    if len(run.articles) > lim.articles:
        keep = {a["id"] for a in sorted(run.articles, key=priority)[: lim.articles]}
        shown_articles = [a for a in run.articles if a["id"] in keep]
    art_anchor: dict[str, str] = {a["id"]: anchor("art", a["id"]) for a in shown_articles}
    for r in origins["roots"]:
        r["anchor"] = art_anchor.get(r["id"])
    for c in origins["copies"]:
        c["derived_anchor"] = art_anchor.get(c["derived_id"])
        c["origin_anchor"] = art_anchor.get(c["origin_id"])
    if origins["earliest"]:
        origins["earliest"]["anchor"] = art_anchor.get(origins["earliest"]["id"])
    shown = _shown_matches(run, shown_pairs, heat_ids)
    for p in shown_pairs:
        _pair_detail(p, shown.passages, texts)
    pair_of = {frozenset((p["a"], p["b"])): p["id"] for p in shown_pairs}
    listed = [*range(min(lim.review, len(items))), *check_first]
    listed.extend(i for a in shown_articles for i in by_article.get(a["id"], ()))
    for i in listed:  # where the evidence stands: the pair side by side, else the article
        r = row(i)
        r["evidence_anchor"] = pair_of.get(frozenset((r["article"], r["other"]))) or art_anchor.get(
            r["article"]
        )

    # stories: those with a pair shown, then the largest, up to lim.stories
    keep_story = {i for p in shown_pairs for i in p["stories"]}
    for i in range(len(stories_sorted)):
        if len(keep_story) >= lim.stories:
            break
        keep_story.add(i)
    story_order = sorted(keep_story)
    in_story: dict[int, list[dict[str, Any]]] = defaultdict(list)  # the shown pairs of each
    for p in shown_pairs:
        for i in p["stories"]:
            in_story[i].append(p)
    if len(shown_pairs) < len(pairs):  # cut: the stories with a pair shown come first
        story_order.sort(key=lambda i: (i not in in_story, i))
    stories = []
    for i in story_order:
        st = stories_sorted[i]
        members = sorted(  # those with a card first (all of them unless cut), by date
            set(st.get("articles", [])),
            key=lambda x: (x not in art_anchor, order.get(x, 1 << 30), x),
        )
        story_pairs = in_story.get(i, [])
        stories.append(
            {
                **st,
                "anchor": anchor("story", st["id"]),
                "members": [
                    {"id": m, "name": names.get(m, m), "anchor": art_anchor.get(m)}
                    for m in members[: lim.story_members]
                ],
                "more_members": max(0, len(members) - lim.story_members),
                "pairs": story_pairs,
                "pairs_cut": _story_cut(len(story_pairs), n_in_story[i]),
            }
        )
    loose_pairs = [p for p in shown_pairs if not p["stories"]]
    # the one pair open on load: the first of the first story (or loose pair); the best if cut
    first = (stories[0]["pairs"] if stories else loose_pairs)[:1]
    if len(shown_pairs) < len(pairs):
        first = shown_pairs[:1]
    open_pair = first[0]["id"] if first else None

    # per-article details, only for the articles shown
    attributions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for at in sorted(
        (x for x in run.attributions if x["article"] in art_anchor),
        key=lambda x: (x["article"], x.get("sentence_start", 0)),
    ):
        text = texts.get(at["article"], "")
        at = {**at, "sentence": text[at.get("sentence_start", 0) : at.get("sentence_end", 0)]}
        attributions[at["article"]].append(at)

    def linked(entries: list[dict[str, Any]], aid: str) -> list[dict[str, Any]]:
        out = []
        for d in entries:
            other = d["node"][8:] if d["node"].startswith("article:") else d["node"]
            out.append(
                {
                    **d,
                    "name": _node_name(nodes, names, d["node"]),
                    "pair": pair_of.get(frozenset((aid, other))),
                }
            )
        return out

    articles: list[dict[str, Any]] = []
    for a in shown_articles:
        flag = run.flags.get(a["id"], {})
        articles.append(
            {
                **{k: a.get(k) for k in ("id", "title", "outlet", "url", "published", "language")},
                "name": names[a["id"]],
                "label": _article_label(a),
                "anchor": art_anchor[a["id"]],
                "class": flag.get("class") or "unknown",
                "derived_share": flag.get("derived_share"),
                "derived_from": linked(flag.get("derived_from", []), a["id"]),
                "uncredited": linked(flag.get("uncredited", []), a["id"]),
                "attributions": attributions.get(a["id"], []),
                "items": [row(i) for i in by_article.get(a["id"], ())],
                "review_counts": _review_counts([row(i) for i in by_article.get(a["id"], ())]),
                "chars": len(a.get("text", "")),
            }
        )

    # the graph: its strongest part as SVG and JSON; the edge table, most telling first
    all_links = _links(graph)
    if len(all_links) > lim.edges:  # sorted(links, key=_edge_rank)[: lim.edges], by columns
        table_links = all_links.select(heapq.nsmallest(lim.edges, range(len(all_links)),
                                                       key=_edge_ranker(all_links)))  # fmt: skip
    else:
        table_links = list(all_links)
    edges = []
    for lk in table_links:
        ev = lk.get("evidence") or {}
        edges.append(
            {
                "source": _node_name(nodes, names, lk["source"]),
                "target": _node_name(nodes, names, lk["target"]),
                "source_anchor": art_anchor.get(lk["source"][8:]),
                "target_anchor": art_anchor.get(lk["target"][8:]),
                "kind": lk.get("kind", ""),
                "confidence": float(lk.get("confidence") or 0),
                "explanation": lk.get("explanation", ""),
                "passages": len(ev.get("passages", [])),
                "facts": len(ev.get("shared_facts", [])),
            }
        )
    edges.sort(key=lambda e: (-e["confidence"], e["kind"], e["source"], e["target"]))
    graph_anchors = {f"article:{i}": f"#{anc}" for i, anc in art_anchor.items()}

    flags = [run.flags.get(a["id"], {}) for a in run.articles]
    classes = Counter(f.get("class") or "unknown" for f in flags)
    outlets = sorted({str(a["outlet"]) for a in run.articles if a.get("outlet")})
    shares = [float(f["derived_share"]) for f in flags if f.get("derived_share") is not None]
    heat = _heatmap(run, names, heat_ids, shown)
    for hrow in heat["rows"]:
        for cell in hrow["cells"]:
            cell["style"] = _cell_style(cell["share"])
            cell["col_name"] = names.get(cell["col"], cell["col"])
        hrow["short"] = display_name({"id": hrow["id"], "title": hrow["name"]}, 22)
    review_shown = [row(i) for i in range(min(lim.review, len(items)))]
    n_art = len(run.articles)
    graph_arts = sum(1 for n in graph.get("nodes", []) if n.get("kind") == "article")
    cut = {
        "articles": _cut(
            len(articles),
            n_art,
            "articles (those the report links to, then uncredited reuse, then the most derived)",
            "all of them are in articles.jsonl and flags.jsonl",
        ),
        "heatmap": _cut(
            len(heat["ids"]),
            n_art,
            "articles (those in the most matches)",
            "every match is in matches.jsonl",
        ),
        "graph": _cut(
            graph_articles,
            graph_arts,
            "articles in the graph (those with the strongest links, with the sources they "
            "cite most)",
            "the whole graph is in graph.json (`lineage graph RUN_DIR -f graphml` exports it)",
        ),
        "edges": _cut(
            len(edges),
            len(all_links),
            "edges (article to article first, then the most confident)",
            "all of them are in graph.json",
        ),
        "pairs": _cut(
            len(shown_pairs),
            len(pairs),
            f"article pairs side by side (best score first, at most {per_story_cap} per story)",
            "every matched passage is in matches.jsonl, and `lineage review serve RUN_DIR` "
            "shows the evidence of each review item",
        ),
        "stories": _cut(
            len(stories),
            len(run.stories),
            "stories (those with a pair shown, then the largest)",
            "all of them are in stories.jsonl",
        ),
        "review": _cut(
            len(review_shown),
            len(items),
            "review items (the most urgent first)",
            "all of them, with their evidence, are in `lineage review export RUN_DIR`",
        ),
        "rejected": _cut(
            min(len(run.rejected), lim.rejected),
            len(run.rejected),
            "rejected inputs",
            "all of them are in rejected.jsonl",
        ),
    }
    return {
        "run": run.run,
        "notes": run.notes,
        "cut": cut,
        "large": any(cut.values()),
        "summary": {
            "articles": n_art,
            "outlets": len(outlets),
            "stories": len(run.stories),
            "matches": stats.count,
            "classes": {k: classes.get(k, 0) for k in svg.CLASS_COLORS},
            "mean_share": sum(shares) / len(shares) if shares else None,
            "uncredited": sum(1 for f in flags if f.get("uncredited")),
            "rejected": len(run.rejected),
            "review": len(items),
            "judged": len(items) - n_todo,
        },
        "origins": origins,
        "check_first": [row(i) for i in check_first],
        "closest": [
            {**p, "shared_facts": p["shared_facts"][:8], "facts_more": len(p["shared_facts"]) - 8}
            for p in shown_pairs[:3]
        ],
        "open_pair": open_pair,
        "articles": articles,
        "pairs": shown_pairs,
        "stories": stories,
        "loose_pairs": loose_pairs,
        "edges": edges,
        "graph_svg": svg.render_graph(shown_graph, graph_anchors) if run.graph else None,
        "graph_legend": svg.EDGE_LABELS,
        "class_colors": svg.CLASS_COLORS,
        "heatmap": heat,
        "review": review_shown,
        "rejected": run.rejected[: lim.rejected],
        "verdict_labels": VERDICT_LABELS,
        "data": {
            "graph": shown_graph,
            "items": [
                {"id": r["id"], "kind": r["kind"], "verdict": r["verdict"]} for r in review_shown
            ],
        },
    }


# --------------------------------------------------------------------------- render


@cache
def _env(autoescape: bool) -> jinja2.Environment:
    """The template environment (one per process and escaping mode).

    Compiled templates are kept in jinja's per-user cache folder (checked by the
    template's checksum), so a run does not spend a fifth of a second compiling.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lineage", "templates"),
        bytecode_cache=_bytecode_cache(),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pct=pct, md=md, json_script=json_script)
    env.globals.update(highlight=highlight, KIND_LABELS=KIND_LABELS)
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no private temporary folder: compile each time
        return None


def _script(name: str) -> tuple[Markup, Markup]:
    """Inline script text and its CSP hash source."""
    text = files("lineage").joinpath("templates", name).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"{name} must not contain '</'")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), Markup(f"'sha256-{digest}'")


def render_html(ctx: dict[str, Any]) -> str:
    """The self-contained HTML report."""
    script, script_hash = _script("report.js")
    return (
        _env(True)
        .get_template("report.html.j2")
        .render(**ctx, script=script, script_hash=script_hash)
    )


def render_markdown(ctx: dict[str, Any]) -> str:
    """The same findings as Markdown, for a newsletter or a ticket."""
    return _env(False).get_template("report.md.j2").render(**ctx)


def load_verdicts(run_dir: Path, db: Path | None = None) -> dict[str, dict[str, Any]]:
    """Verdicts from ``db`` (default ``RUN_DIR/review.db``), or none if it does not exist."""
    path = Path(db) if db else default_db(run_dir)
    return ReviewStore(path).verdicts() if path.is_file() else {}


def write_report(
    run_dir: Path, db: Path | None = None, known: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` into ``run_dir``; returns their paths.

    ``known``: files' content already in memory (see :func:`load_run`). The
    cyclic garbage collector is paused meanwhile: a big run folder parses into
    millions of acyclic objects, and its full passes over them would cost more
    than the whole report.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        run = load_run(Path(run_dir), known)
        ctx = build_context(run, load_verdicts(run.path, db))
        html_path, md_path = run.path / "report.html", run.path / "report.md"
        html_path.write_text(render_html(ctx), encoding="utf-8")
        md_path.write_text(render_markdown(ctx), encoding="utf-8")
    finally:
        if was_enabled:
            gc.enable()
    return html_path, md_path


def build_report(
    run_dir: Path, db: Path | None = None, known: dict[str, Any] | None = None
) -> tuple[Path, Path]:
    """Alias of :func:`write_report`, the name ``pipeline.write_run`` calls."""
    return write_report(run_dir, db, known)


def render_review_page(app: Any) -> str:
    """The review server's page: every item, its evidence side by side, a verdict form."""
    verdicts = app.store.verdicts()
    arts = {a["id"]: a for a in read_jsonl(app.run_dir / "articles.jsonl")}
    items = []
    for it in app.items:
        row = it.to_dict()
        row["verdict"] = verdicts.get(it.id)
        row["kind_label"] = KIND_LABELS.get(it.kind, it.kind)
        for side in ("article", "other"):
            a = arts.get(row[side])
            row[f"{side}_name"] = display_name(a) if a else row[side].split(":", 1)[-1]
            row[f"{side}_meta"] = (a.get("published") or "date unknown") if a else "source"
        row["terms"] = [str(v) for f in it.facts for v in (f.get("a"), f.get("b")) if v]
        items.append(row)
    script = files("lineage").joinpath("templates", "review.js").read_text(encoding="utf-8")
    return (
        _env(True)
        .get_template("review.html.j2")
        .render(
            items=items,
            verdicts=VERDICTS,
            verdict_labels=VERDICT_LABELS,
            token=app.token,
            nonce=app.nonce,
            script=Markup(script),
            run_name=app.run_dir.name,
            seg=_passage_html,
        )
    )


def _passage_html(p: dict[str, Any], kind: str, terms: list[str] | None = None) -> Markup:
    text = p.get("text", "")
    marks = [(s, e, 2, kind, kind) for s, e in p.get("spans", [])]
    marks += [
        (s, e, 3, "fact", "changed fact") for s, e in find_terms(text, 0, len(text), terms or [])
    ]
    return highlight(text, marks)
