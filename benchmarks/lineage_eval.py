"""Measure lineage's derives_from edges, shares_content pairs, classes and uncredited flags.

Why: the thresholds of the graph stage (and the two match thresholds that
shape it most) must be set from measurements, not guesses. This builds a
planted corpus (``benchmarks.corpus``) from real German news (10kgnad), runs
``lineage.pipeline.scan`` on it and scores the output against the planted truth:

* ``derives_from`` article→article edges: an edge is right only if the child
  and the parent are right (direction counts). Wrong edges are broken down as
  *reversed* (parent→child), *sibling* (two children of one parent) and
  *unrelated*.
* ``shares_content`` pairs, undirected. Sibling pairs do share text, so they
  are neither counted right nor wrong.
* Article classes (wholly/partially/non-derived): accuracy + confusion matrix.
* ``uncredited``: an article is truly uncredited when it is a child that does
  not credit its parents' outlets.

Then a sweep: graph thresholds are re-applied to one scan (cheap); the match
thresholds (``rewritten_min_cosine``, ``near_verbatim_min_jaccard``) re-run the
match stage on the same passages.

Usage:
    python benchmarks/lineage_eval.py                         # n=400, seed 1, sweep
    python benchmarks/lineage_eval.py --n 300 --no-sweep
    python benchmarks/lineage_eval.py --corpus /tmp/planted400 # reuse a written corpus
    python benchmarks/lineage_eval.py --json results.json

The 10kgnad CSV is read where it lies (default ../shared/data/10kgnad/articles.csv);
the planted corpus is written to a temporary folder outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import DEFAULT_SOURCE, Corpus, build_corpus, read_10kgnad  # noqa: E402
from lineage.config import Settings  # noqa: E402
from lineage.gazetteer import Gazetteer  # noqa: E402
from lineage.graph import LineageBuilder, graph_to_json  # noqa: E402
from lineage.match import find_matches  # noqa: E402
from lineage.pipeline import RunResult, scan  # noqa: E402

CLASSES = ("non-derived", "partially-derived", "wholly-derived")
Edge = tuple[str, str]


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall, F1 (0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(f, 3)}  # fmt: skip


class Truth:
    """The planted truth, indexed for scoring."""

    def __init__(self, corpus: Corpus) -> None:
        self.edges: dict[Edge, dict[str, Any]] = {(t["child"], t["parent"]): t
                                                  for t in corpus.truth}  # fmt: skip
        self.kind = {c["id"]: c["kind"] for c in corpus.classes}
        self.published = {a["id"]: a.get("published") for a in corpus.articles}
        self.cls = {c["id"]: c["class"] for c in corpus.classes}
        parents: dict[str, set[str]] = defaultdict(set)
        for child, parent in self.edges:
            parents[child].add(parent)
        self.parents = parents
        self.uncredited = {c: not any(self.edges[(c, p)]["credited"] for p in ps)
                           for c, ps in parents.items()}  # fmt: skip
        self.credit_form = {c: self.edges[(c, next(iter(ps)))]["credit_form"]
                            for c, ps in parents.items()}  # fmt: skip

    def relation(self, x: str, y: str) -> str:
        """How x→y relates to the truth: right, reversed, sibling, unrelated."""
        if (x, y) in self.edges:
            return "right"
        if (y, x) in self.edges:
            return "reversed"
        if self.parents.get(x, set()) & self.parents.get(y, set()):
            return "sibling"
        return "unrelated"


def article_edges(graph: dict[str, Any], kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(x, y, link)`` for article→article links of ``kind``."""
    out = []
    for link in graph["links"]:
        if (
            link["kind"] == kind
            and link["source"].startswith("article:")
            and link["target"].startswith("article:")
        ):
            out.append((link["source"][8:], link["target"][8:], link))
    return out


def score(graph: dict[str, Any], flags: Sequence[dict[str, Any]], truth: Truth) -> dict[str, Any]:
    """Every figure for one run."""
    res: dict[str, Any] = {}
    # derives_from
    pred = article_edges(graph, "derives_from")
    rel = Counter(truth.relation(x, y) for x, y, _ in pred)
    found = {(x, y) for x, y, _ in pred}
    tp = sum(1 for e in found if e in truth.edges)
    res["derives"] = prf(tp, len(found) - tp, len(truth.edges) - tp)
    res["derives"]["wrong"] = {k: v for k, v in sorted(rel.items()) if k != "right"}
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for e, t in truth.edges.items():
        by_kind[t["kind"]]["n"] += 1
        by_kind[t["kind"]]["found"] += e in found
        by_kind[t["kind"]]["reversed"] += (e[1], e[0]) in found
    for x, y, _ in pred:
        by_kind[truth.kind.get(x, "?")]["pred_from_child_kind"] += 1
        by_kind[truth.kind.get(x, "?")]["pred_right"] += (x, y) in truth.edges
    res["derives_by_kind"] = {
        k: {"recall": round(c["found"] / c["n"], 3) if c["n"] else None, "n": c["n"],
            "reversed": c["reversed"],
            "precision": round(c["pred_right"] / c["pred_from_child_kind"], 3)
            if c["pred_from_child_kind"] else None}
        for k, c in sorted(by_kind.items())
    }  # fmt: skip
    # recall by what the dates say: both known, or at least one unknown
    by_dates: dict[str, Counter[str]] = defaultdict(Counter)
    for e in truth.edges:
        known = "dates known" if all(truth.published.get(a) for a in e) else "a date unknown"
        by_dates[known]["n"] += 1
        by_dates[known]["found"] += e in found
    res["derives_recall_by_dates"] = {
        k: {"n": c["n"], "recall": round(c["found"] / c["n"], 3)}
        for k, c in sorted(by_dates.items())
    }
    # shares_content (undirected, siblings ignored)
    shares = {frozenset((x, y)) for x, y, _ in article_edges(graph, "shares_content")}
    gold = {frozenset(e) for e in truth.edges}
    judged = [p for p in shares if truth.relation(*sorted(p)) != "sibling"]
    tp = sum(1 for p in judged if p in gold)
    res["shares"] = prf(tp, len(judged) - tp, len(gold - shares))
    res["shares"]["siblings_ignored"] = len(shares) - len(judged)
    # classes
    pred_cls = {f["article"]: f["class"] for f in flags}
    conf: dict[str, Counter[str]] = {c: Counter() for c in CLASSES}
    kind_acc: dict[str, Counter[str]] = defaultdict(Counter)
    for aid, gold_cls in truth.cls.items():
        p = pred_cls.get(aid, "missing")
        conf[gold_cls][p] += 1
        kind_acc[truth.kind[aid]]["n"] += 1
        kind_acc[truth.kind[aid]]["right"] += p == gold_cls
        kind_acc[truth.kind[aid]][p] += 1
    n = sum(sum(c.values()) for c in conf.values())
    right = sum(conf[c][c] for c in CLASSES)
    res["class_accuracy"] = round(right / n, 3) if n else 0.0
    res["class_confusion"] = {g: {p: conf[g][p] for p in CLASSES} for g in CLASSES}
    res["class_by_kind"] = {k: {"accuracy": round(c["right"] / c["n"], 3), "n": c["n"],
                                **{p: c[p] for p in CLASSES}}
                            for k, c in sorted(kind_acc.items())}  # fmt: skip
    # uncredited (article level)
    pred_unc = {f["article"]: bool(f["uncredited"]) for f in flags}
    tp = fp = fn = 0
    by_form: dict[str, Counter[str]] = defaultdict(Counter)
    for aid in truth.cls:
        g = truth.uncredited.get(aid, False)
        p = pred_unc.get(aid, False)
        tp += g and p
        fp += p and not g
        fn += g and not p
        form = "original" if aid not in truth.parents else (truth.credit_form[aid] or "none")
        by_form[form]["n"] += 1
        by_form[form]["flagged"] += p
    res["uncredited"] = prf(tp, fp, fn)
    res["uncredited_by_credit_form"] = {k: dict(v) for k, v in sorted(by_form.items())}
    return res


def match_kinds(result_matches: Iterable[Any], truth: Truth) -> dict[str, dict[str, int]]:
    """Match kinds (verbatim/near-verbatim/rewritten) between true pairs, by planted kind."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for m in result_matches:
        x, y = m.article_a, m.article_b
        t = truth.edges.get((x, y)) or truth.edges.get((y, x))
        out[t["kind"] if t else truth.relation(x, y)][m.kind] += 1
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


def rebuild(result: RunResult, settings: Settings, matches: Sequence[Any] | None = None
            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """Graph and flags of ``result`` under other settings (and optionally other matches)."""
    gaz = Gazetteer.load(settings.sources_files)
    g, flags = LineageBuilder(settings, gaz).build(
        result.articles,
        result.passages,
        result.matches if matches is None else matches,
        result.attributions,
    )
    return graph_to_json(g), flags


GRAPH_SWEEP: dict[str, tuple[float, ...]] = {
    "derives_min_confidence": (0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
    "derived_min_share": (0.05, 0.1, 0.15, 0.2, 0.3),
    "wholly_derived_share": (0.4, 0.5, 0.6, 0.7, 0.8),
}
MATCH_SWEEP: dict[str, tuple[float, ...]] = {
    "rewritten_min_cosine": (0.1, 0.15, 0.2, 0.3),
    "near_verbatim_min_jaccard": (0.3, 0.4, 0.5, 0.6),
}


def sweep(result: RunResult, truth: Truth, base: Settings) -> list[dict[str, Any]]:
    """One row per (setting, value): the headline figures, everything else at defaults."""
    rows = []
    for name, values in GRAPH_SWEEP.items():
        for v in _with_default(values, base, name):
            s = base.replace(**{name: v})
            graph, flags = rebuild(result, s)
            rows.append(_row(name, v, score(graph, flags, truth)))
    for name, values in MATCH_SWEEP.items():
        for v in _with_default(values, base, name):
            s = base.replace(**{name: v})
            t0 = time.perf_counter()
            matched = find_matches(result.docs, result.passages, s)
            graph, flags = rebuild(result, s, matched.matches)
            row = _row(name, v, score(graph, flags, truth))
            row["seconds"] = round(time.perf_counter() - t0, 1)
            rows.append(row)
            print(f"  swept {name}={v}", file=sys.stderr)
    return rows


def _with_default(values: Sequence[float], base: Settings, name: str) -> list[float]:
    """The swept values plus the current default, so the table shows where we stand."""
    return sorted({*values, getattr(base, name)})


def _row(name: str, value: float, r: dict[str, Any]) -> dict[str, Any]:
    return {"setting": name, "value": value, "default": value == getattr(Settings(), name),
            "derives_P": r["derives"]["precision"],
            "derives_R": r["derives"]["recall"], "derives_F1": r["derives"]["f1"],
            "shares_F1": r["shares"]["f1"], "class_acc": r["class_accuracy"],
            "uncredited_F1": r["uncredited"]["f1"]}  # fmt: skip


def markdown(res: dict[str, Any], sweep_rows: Sequence[dict[str, Any]]) -> str:
    """The figures as Markdown tables (what notes/lineage_eval.md quotes)."""
    out = []
    d = res["derives"]
    out.append("| relation | P | R | F1 | TP | FP | FN |\n|---|---|---|---|---|---|---|")
    for name in ("derives", "shares", "uncredited"):
        r = res[name]
        out.append(f"| {name} | {r['precision']} | {r['recall']} | {r['f1']} | {r['tp']} | "
                   f"{r['fp']} | {r['fn']} |")  # fmt: skip
    out.append(f"\nWrong derives_from edges: {d['wrong']}; sibling shares ignored: "
               f"{res['shares']['siblings_ignored']}\n")  # fmt: skip
    out.append("| planted kind | n edges | recall | reversed | precision (edges from this kind) |"
               "\n|---|---|---|---|---|")  # fmt: skip
    for k, r in res["derives_by_kind"].items():
        out.append(f"| {k} | {r['n']} | {r['recall']} | {r['reversed']} | {r['precision']} |")
    out.append("\nRecall of derives_from by dates: " + ", ".join(
        f"{k} {r['recall']} (n={r['n']})" for k, r in res["derives_recall_by_dates"].items()
    ))  # fmt: skip
    out.append(f"\nClass accuracy: {res['class_accuracy']}\n")
    out.append("| true \\ predicted | " + " | ".join(CLASSES) + " |\n|---|---|---|---|")
    for g, row in res["class_confusion"].items():
        out.append(f"| {g} | " + " | ".join(str(row[p]) for p in CLASSES) + " |")
    out.append("\n| planted kind | n | class accuracy | " + " | ".join(CLASSES)
               + " |\n|---|---|---|---|---|---|")  # fmt: skip
    for k, r in res["class_by_kind"].items():
        out.append(f"| {k} | {r['n']} | {r['accuracy']} | "
                   + " | ".join(str(r[p]) for p in CLASSES) + " |")  # fmt: skip
    out.append("\n| credit form | articles | flagged uncredited |\n|---|---|---|")
    for k, r in res["uncredited_by_credit_form"].items():
        out.append(f"| {k} | {r['n']} | {r.get('flagged', 0)} |")
    if "match_kinds" in res:
        out.append("\n| pair (planted kind) | match kinds |\n|---|---|")
        for k, r in res["match_kinds"].items():
            out.append(f"| {k} | {r} |")
    if sweep_rows:
        out.append("\n| setting | value | derives P | derives R | derives F1 | shares F1 | "
                   "class acc | uncredited F1 |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
        for r in sweep_rows:
            value = f"**{r['value']}** (default)" if r.get("default") else r["value"]
            out.append(f"| {r['setting']} | {value} | {r['derives_P']} | {r['derives_R']} | "
                       f"{r['derives_F1']} | {r['shares_F1']} | {r['class_acc']} | "
                       f"{r['uncredited_F1']} |")  # fmt: skip
    return "\n".join(out)


def best_values(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per swept setting, the value with the best figure it mainly drives."""
    metric = {"derives_min_confidence": "derives_F1", "derived_min_share": "class_acc",
              "wholly_derived_share": "class_acc", "rewritten_min_cosine": "derives_F1",
              "near_verbatim_min_jaccard": "derives_F1"}  # fmt: skip
    best: dict[str, Any] = {}
    for r in rows:
        m = metric[r["setting"]]
        cur = best.get(r["setting"])
        if cur is None or r[m] > cur[m]:
            best[r["setting"]] = {"value": r["value"], m: r[m]}
    return best


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="10kgnad articles.csv")
    ap.add_argument("--corpus", type=Path, help="read a corpus written by benchmarks/corpus.py")
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--unknown-dates", type=float, default=0.15)
    ap.add_argument("--no-sweep", action="store_true")
    ap.add_argument("--json", type=Path, help="also write all figures as JSON")
    args = ap.parse_args(argv)
    if args.corpus:
        if not (args.corpus / "truth.jsonl").is_file():
            print(f"error: {args.corpus} holds no truth.jsonl", file=sys.stderr)
            return 1
        corpus = Corpus.read(args.corpus)
        folder = args.corpus
    else:
        if not args.source.is_file():
            print(f"error: {args.source} not found; pass --source path/to/10kgnad/articles.csv "
                  "or --corpus DIR", file=sys.stderr)  # fmt: skip
            return 1
        corpus = build_corpus(read_10kgnad(args.source), args.n, seed=args.seed,
                              unknown_date_share=args.unknown_dates)  # fmt: skip
        folder = corpus.write(Path(tempfile.mkdtemp(prefix="lineage-eval-")))
    truth = Truth(corpus)
    settings = Settings()
    t0 = time.perf_counter()
    result = scan([folder / "articles.jsonl"], settings)
    elapsed = time.perf_counter() - t0
    res = score(result.graph, result.flags, truth)
    res["match_kinds"] = match_kinds(result.matches, truth)
    res["scan_seconds"] = round(elapsed, 1)
    res["corpus"] = {"folder": str(folder), **corpus.params,
                     "kinds": dict(Counter(c["kind"] for c in corpus.classes))}  # fmt: skip
    rows = [] if args.no_sweep else sweep(result, truth, settings)
    res["sweep"] = rows
    res["best"] = best_values(rows) if rows else {}
    print(markdown(res, rows))
    print(f"\ncorpus: {res['corpus']}\nscan: {elapsed:.1f} s")
    if rows:
        print(f"best per setting: {res['best']}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
