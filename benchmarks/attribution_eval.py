"""Measure the attribution parser: precision/recall of the source span, and speed.

Quality is measured against gnqa (German Wikinews with gold speaker and cue spans):
a predicted source mention is correct when it shares at least one word with a gold
speaker span ("lenient", the figure the issue asks for); a gold speaker is found when
some prediction shares a word with it. Word-level P/R (share of words) is printed too.
Recall is broken down by gold quote type and by the family of the gold cue word;
precision by the parser's cue family. Speed is MB of UTF-8 text per second on
10kgnad, sentence splitting included.

Usage:
    python benchmarks/attribution_eval.py                      # dev split + speed
    python benchmarks/attribution_eval.py --split train --write-confidence
    python benchmarks/attribution_eval.py --errors 30          # print misses/false hits

Data paths default to ../shared/data/... next to the repository; nothing is copied.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lineage.attribution import AttributionParser  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
# Families gnqa cannot measure: it annotates who is quoted in the body, not reference
# lists, credit lines, URLs, or the upstream source an outlet cites ("unter Berufung auf").
UNMEASURABLE = frozenset({"url", "credit_line", "dateline", "reference_block", "citing"})
_WORD = re.compile(r"\w+")


def words_in(spans: list[tuple[int, int]], index: list[tuple[int, int]]) -> frozenset[int]:
    """Indexes of the words of the text that fall inside the spans."""
    out = set()
    for s, e in spans:
        for k, (ws, we) in enumerate(index):
            if ws < e and s < we:
                out.add(k)
    return frozenset(out)


def gold_family(cue: str) -> str:
    """Rough cue family of a gold cue word, for recall by family."""
    c = cue.lower().strip()
    if not c:
        return "no_cue"
    first = c.split()[0]
    if first in ("laut", "gemäß", "zufolge") or c.endswith("zufolge"):
        return "preposition"
    if first == "nach":
        return "nach_angaben"
    if first == "so":
        return "so_parenthetical"
    if first == "wie":
        return "wie_berichtet"
    if first in ("heißt", "hieß"):
        return "heisst_es"
    if first in ("demnach", "danach", "wonach"):
        return "anaphoric"
    return "reporting_verb"


def evaluate(path: Path, parser: AttributionParser, errors: int = 0) -> dict:
    """P/R of source spans on one gnqa split."""
    docs = [json.loads(line) for line in path.open(encoding="utf-8")]
    tp_pred = n_pred = 0
    fam = defaultdict(lambda: [0, 0])
    found_by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    found_by_fam: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    gold_found = n_gold = 0
    tok_tp_p = tok_p = tok_tp_g = tok_g = 0
    false_hits: list[str] = []
    misses: list[str] = []
    for doc in docs:
        text = doc["text"]
        index = [m.span() for m in _WORD.finditer(text)]
        preds = parser.parse(doc["document"], text)
        gold = {}
        for a in doc["annotations"]:
            spans = [tuple(s) for s in a["speaker"]["spans"]]
            if spans:
                gold.setdefault(tuple(spans), []).append(a)
        gold_words = {k: words_in(list(k), index) for k in gold}
        all_gold = frozenset().union(*gold_words.values()) if gold_words else frozenset()
        pred_words = {}
        for p in preds:
            if p.block != "body" or p.cue_family in UNMEASURABLE:
                if p.block == "body":
                    fam[p.cue_family][1] += 1
                continue
            w = words_in([(p.mention_start, p.mention_end)], index)
            ok = bool(w & all_gold)
            fam[p.cue_family][0] += ok
            fam[p.cue_family][1] += 1
            pred_words[(p.mention_start, p.mention_end)] = (w, ok, p)
        for w, ok, p in pred_words.values():
            n_pred += 1
            tp_pred += ok
            tok_p += len(w)
            tok_tp_p += len(w & all_gold)
            if not ok and len(false_hits) < errors:
                sent = text[p.sentence_start : p.sentence_end].replace("\n", " ")
                false_hits.append(f"  [{p.cue_family}] {p.mention!r} <- {sent[:160]}")
        all_pred = (
            frozenset().union(*(w for w, _, _ in pred_words.values()))
            if pred_words
            else frozenset()
        )
        for k, anns in gold.items():
            hit = bool(gold_words[k] & all_pred)
            n_gold += 1
            gold_found += hit
            tok_g += len(gold_words[k])
            tok_tp_g += len(gold_words[k] & all_pred)
            for a in anns:
                found_by_type[a["type"]][0] += hit
                found_by_type[a["type"]][1] += 1
                found_by_fam[gold_family(a["cue"]["text"])][0] += hit
                found_by_fam[gold_family(a["cue"]["text"])][1] += 1
            if not hit and len(misses) < errors:
                a = anns[0]
                misses.append(f"  [{a['type']}/{a['cue']['text']}] {a['speaker']['text']!r}")
    return {
        "split": path.name,
        "precision": tp_pred / max(n_pred, 1),
        "recall": gold_found / max(n_gold, 1),
        "n_pred": n_pred,
        "n_gold": n_gold,
        "word_precision": tok_tp_p / max(tok_p, 1),
        "word_recall": tok_tp_g / max(tok_g, 1),
        "families": {
            k: {"precision": v[0] / v[1], "n": v[1]}
            for k, v in sorted(fam.items())
            if k not in UNMEASURABLE
        }
        | {k: {"precision": None, "n": v[1]} for k, v in fam.items() if k in UNMEASURABLE},
        "recall_by_type": {
            k: {"recall": v[0] / v[1], "n": v[1]} for k, v in sorted(found_by_type.items())
        },
        "recall_by_cue": {
            k: {"recall": v[0] / v[1], "n": v[1]} for k, v in sorted(found_by_fam.items())
        },
        "false_hits": false_hits,
        "misses": misses,
    }


def speed(path: Path, parser: AttributionParser, repeat: int = 3) -> dict:
    """MB/s on 10kgnad (best of ``repeat`` runs; sentence splitting included)."""
    with path.open(encoding="utf-8", newline="") as f:
        texts = [row[1] for row in csv.reader(f, delimiter=";", quotechar="'") if len(row) > 1]
    size = sum(len(t.encode("utf-8")) for t in texts)
    from lineage.segment import split_sentences  # as a scan does (pipeline.py)

    best = best_cpu = best_parse = float("inf")
    n = 0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        n = sum(len(parser.parse(str(i), t)) for i, t in enumerate(texts))
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        sents = [split_sentences(t) for t in texts]
        c1 = time.process_time()
        for i, (t, s) in enumerate(zip(texts, sents, strict=True)):
            parser.parse(str(i), t, sentences=s)
        best_parse = min(best_parse, time.process_time() - c1)
    mb = size / 1e6
    return {
        "articles": len(texts),
        "mb": mb,
        "seconds": best,
        "mb_per_s": mb / best,
        "cpu_mb_per_s": mb / best_cpu,
        "parse_only_cpu_mb_per_s": mb / best_parse,
        "attributions": n,
    }


def report(r: dict) -> None:
    """Print one evaluation."""
    print(
        f"gnqa {r['split']}: precision {r['precision']:.3f} ({r['n_pred']} predicted)  "
        f"recall {r['recall']:.3f} ({r['n_gold']} gold speakers)"
    )
    print(f"  word-level: precision {r['word_precision']:.3f}  recall {r['word_recall']:.3f}")
    print("  precision by cue family (families marked * are not scored by gnqa):")
    for k, v in r["families"].items():
        if k in UNMEASURABLE:
            print(f"    {k:20s}   *    (n={v['n']})")
        else:
            print(f"    {k:20s} {v['precision']:.3f}  (n={v['n']})")
    print("  recall by quote type:")
    for k, v in r["recall_by_type"].items():
        print(f"    {k:20s} {v['recall']:.3f}  (n={v['n']})")
    print("  recall by gold cue family:")
    for k, v in r["recall_by_cue"].items():
        print(f"    {k:20s} {v['recall']:.3f}  (n={v['n']})")
    if r["false_hits"]:
        print("  false hits:\n" + "\n".join(r["false_hits"]))
    if r["misses"]:
        print("  misses:\n" + "\n".join(r["misses"]))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gnqa", type=Path, default=DATA / "gnqa")
    ap.add_argument("--split", default="dev", choices=["dev", "train"])
    ap.add_argument("--speed-data", type=Path, default=DATA / "10kgnad" / "articles.csv")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument(
        "--repeat", type=int, default=5, help="speed passes (best is kept; the machine is noisy)"
    )
    ap.add_argument("--errors", type=int, default=0, help="print this many misses and false hits")
    ap.add_argument(
        "--write-confidence",
        action="store_true",
        help="store per-family precision on train in lineage/data/cue_confidence.json",
    )
    args = ap.parse_args(argv)
    parser = AttributionParser()
    gold = args.gnqa / f"{args.split}.jsonl"
    if not gold.is_file():
        print(f"gnqa not found at {gold}; pass --gnqa DIR", file=sys.stderr)
        return 1
    result = evaluate(gold, parser, args.errors)
    report(result)
    if args.write_confidence:
        if args.split != "train":
            print("--write-confidence needs --split train (dev is for reporting)", file=sys.stderr)
            return 1
        out = ROOT / "lineage" / "data" / "cue_confidence.json"
        payload = {
            "measured_on": "gnqa train",
            "metric": "lenient source-span precision",
            "families": {
                k: {"precision": round(v["precision"], 3), "n": v["n"]}
                for k, v in result["families"].items()
                if v["precision"] is not None
            },
        }
        out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {out}")
    if not args.no_speed and args.speed_data.is_file():
        s = speed(args.speed_data, parser, args.repeat)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(
            f"speed: {s['mb']:.2f} MB, {s['articles']} articles in {s['seconds']:.2f} s "
            f"= {s['mb_per_s']:.2f} MB/s wall, {s['cpu_mb_per_s']:.2f} MB/s CPU "
            f"(sentence splitting included); {s['parse_only_cpu_mb_per_s']:.2f} MB/s CPU with "
            f"sentences given, as in a scan; {s['attributions']} attributions; "
            f"load average {load:.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
