"""Plant derived articles with known parents into real German news text.

Why: lineage infers who copied whom, and that can only be measured where the
truth is known. Real newsroom lineage is rarely labelled, so we take real
articles (10kgnad, Austrian DER STANDARD) as *originals* and plant children
whose parents, kinds and credits we know:

* ``copy``: the parent's text unchanged.
* ``light``: a light edit: a few word substitutions and deletions, one pair
  of neighbouring sentences swapped, sometimes the last sentence dropped.
* ``heavy``: a rewrite that keeps the facts (numbers, capitalised words, so
  names and nouns) but changes most other words, without a model: synonym
  swaps from a small German list, indirect-speech verb forms, dropped
  adjectives and particles, long sentences split at ", und"/", aber", short
  ones merged, clauses reordered, filler phrases inserted, sentence order
  shuffled within paragraphs.
* ``splice``: the first half (sentences) of parent A, then the second half of
  parent B.
* ``partial``: the first ~40 % of a parent followed by text from an unrelated
  article that is not in the corpus (the outlet's own material).

Classes (METER corpus, Gaizauskas et al. 2001), written to ``classes.jsonl``:
an original is ``non-derived``; ``copy``, ``light`` and ``heavy`` are
``wholly-derived`` (METER counts a rewrite of the source as derived: the
wording changes, the content does not); a ``splice`` is ``wholly-derived``
as an article (all its text comes from sources) but ``partially-derived``
from each parent (``per_parent``); ``partial`` is ``partially-derived``.

Metadata: every article has an outlet (``outlet-NN.example``; a child never
has its parent's outlet), a URL and a published date (children 1–72 h after
their parents) or ``None`` for a configurable share of unknown dates. A share
of children credits the parent's outlet, either with a credit line
("Quelle: outlet-03.example") or inline ("Wie outlet-03.example berichtet,
..."); the others are uncredited. Article ids are random hex, so id order
says nothing about direction.

Library use (pure function, no I/O besides reading the CSV)::

    from benchmarks.corpus import build_corpus, read_10kgnad
    corpus = build_corpus(read_10kgnad(path), n=400, seed=1)
    corpus.articles, corpus.truth, corpus.classes

CLI::

    python benchmarks/corpus.py --source ../shared/data/10kgnad/articles.csv \
        --n 1000 --out /tmp/planted --seed 1
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_SOURCE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "10kgnad" / "articles.csv"
)

KINDS: tuple[str, ...] = ("copy", "light", "heavy", "splice", "partial")
DEFAULT_MIX: dict[str, float] = {"copy": 0.15, "light": 0.25, "heavy": 0.3, "splice": 0.15,
                                 "partial": 0.15}  # fmt: skip

# Lower-case (and a few common noun) substitutions; both directions are used.
SYNONYMS: dict[str, str] = {
    "und": "sowie", "aber": "jedoch", "jedoch": "allerdings", "weil": "da", "auch": "ebenfalls",
    "sehr": "äußerst", "bereits": "schon", "nun": "jetzt", "rund": "etwa", "sagte": "erklärte",
    "erklärte": "betonte", "sagt": "meint", "betonte": "unterstrich", "wollen": "möchten",
    "will": "möchte", "können": "vermögen", "kann": "vermag", "müssen": "sollen",
    "muss": "soll", "zeigt": "belegt", "zeigen": "belegen", "gibt": "existiert",
    "viele": "zahlreiche",
    "große": "bedeutende", "großen": "bedeutenden", "neue": "frische", "neuen": "frischen",
    "wichtig": "bedeutsam", "wichtige": "bedeutsame", "schnell": "rasch", "derzeit": "momentan",
    "zunächst": "vorerst", "später": "danach", "immer": "stets", "oft": "häufig",
    "ganz": "völlig", "fast": "beinahe", "wieder": "erneut", "etwa": "ungefähr",
    "außerdem": "zudem", "zudem": "darüber hinaus", "dabei": "hierbei", "damit": "somit",
    "deshalb": "daher", "daher": "deswegen", "obwohl": "wenngleich", "während": "indessen",
    "bisher": "bislang", "bislang": "bis dato", "gegen": "wider", "ohne": "ausgenommen",
    "zwischen": "inmitten", "allerdings": "freilich", "erst": "nicht vor", "laut": "gemäß",
    "mehr": "zusätzlich", "sowie": "und", "gleichzeitig": "zugleich", "insgesamt": "alles in allem",
    "heute": "am heutigen Tag", "gestern": "am Vortag", "bekommen": "erhalten",
    "bekommt": "erhält", "beginnt": "startet", "beginnen": "starten", "erreichen": "erzielen",
    "erreicht": "erzielt", "gewinnen": "siegen", "verloren": "eingebüßt", "plant": "beabsichtigt",
    "planen": "beabsichtigen", "fordert": "verlangt", "fordern": "verlangen",
    "kritisiert": "bemängelt",
    "kritisieren": "bemängeln", "Unternehmen": "Konzern", "Menschen": "Personen",
    "Firma": "Betrieb", "Regierung": "Staatsführung", "Experten": "Fachleute",
    "Angaben": "Informationen", "Ziel": "Vorhaben", "Problem": "Schwierigkeit",
    "Probleme": "Schwierigkeiten", "Frage": "Thematik", "Kritik": "Beanstandung",
}  # fmt: skip
VERB_FORMS: dict[str, str] = {
    "ist": "sei", "sind": "seien", "hat": "habe", "haben": "hätten", "wird": "werde",
    "werden": "würden", "war": "sei gewesen", "kann": "könne", "muss": "müsse", "will": "wolle",
}  # fmt: skip
DROPPABLE = frozenset({"auch", "nun", "noch", "bereits", "sehr", "ja", "doch", "eben", "schon",
                       "ganz", "wohl", "jedenfalls", "eigentlich", "ebenfalls"})  # fmt: skip
FILLERS: tuple[str, ...] = (
    "Bemerkenswert ist dabei Folgendes:", "Im Übrigen gilt:", "Unterdessen zeigt sich:",
    "Hinzu kommt:", "Fest steht:", "Klar ist jedenfalls:", "Kurz gesagt:",
)  # fmt: skip
_ADJ = re.compile(
    r"^[a-zäöü]+(?:ische|ischen|ischer|isches|liche|lichen|licher|liches|ige|igen|iger)$"
)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ\"„])")
_HAS_NUMBER = re.compile(r"\d")


@dataclass(slots=True)
class Corpus:
    """A planted corpus: articles, the true child→parent edges, true classes.

    ``articles``: dicts ``{id, text, outlet, url, published, title}`` as
    ``lineage`` reads them from JSONL. ``truth``: ``{child, parent, kind,
    credited, credit_form, share}`` where ``share`` is the part of the child's
    text taken from that parent. ``classes``: ``{id, class, kind, parents,
    per_parent}``.
    """

    articles: list[dict[str, Any]] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)
    classes: list[dict[str, Any]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def write(self, out: str | Path) -> Path:
        """Write ``articles.jsonl``, ``truth.jsonl``, ``classes.jsonl``, ``params.json``."""
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for name, rows in (("articles", self.articles), ("truth", self.truth),
                           ("classes", self.classes)):  # fmt: skip
            with open(folder / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        (folder / "params.json").write_text(json.dumps(self.params, indent=1, sort_keys=True))
        return folder

    @classmethod
    def read(cls, folder: str | Path) -> Corpus:
        """Read a corpus written by ``write``."""
        folder = Path(folder)

        def load(name: str) -> list[dict[str, Any]]:
            with open(folder / f"{name}.jsonl", encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]

        params = folder / "params.json"
        return cls(load("articles"), load("truth"), load("classes"),
                   json.loads(params.read_text()) if params.exists() else {})  # fmt: skip


def read_10kgnad(path: str | Path, limit: int | None = None) -> list[tuple[str, str]]:
    """``(label, text)`` rows of the 10kgnad CSV (``label;'text'``)."""
    rows: list[tuple[str, str]] = []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter=";", quotechar="'"):
            if len(row) >= 2 and row[1].strip():
                rows.append((row[0], row[1].strip()))
                if limit and len(rows) >= limit:
                    break
    return rows


def sentences(text: str) -> list[str]:
    """Split on sentence ends followed by a capital (good enough for news prose)."""
    return [s.strip() for s in _SENT.split(text) if s.strip()]


def paragraphs(sents: Sequence[str], per: int = 3) -> str:
    """Join sentences into paragraphs of ``per`` sentences (blank-line separated)."""
    return "\n\n".join(" ".join(sents[i : i + per]) for i in range(0, len(sents), per))


# -- transformations -----------------------------------------------------------


def _swap_word(word: str, table: dict[str, str]) -> str:
    core = word.strip('.,;:!?"„“()')
    if core in table:
        return word.replace(core, table[core], 1)
    return word


def light_edit(sents: list[str], rng: random.Random) -> list[str]:
    """A few substitutions and deletions, one neighbour swap, maybe drop the last sentence."""
    out = []
    for s in sents:
        words = s.split()
        for i, w in enumerate(words):
            core = w.strip(".,;:!?")
            if core in SYNONYMS and rng.random() < 0.25:
                words[i] = _swap_word(w, SYNONYMS)
            elif core in DROPPABLE and rng.random() < 0.4 and w == core:
                words[i] = ""
        out.append(" ".join(w for w in words if w))
    if len(out) >= 4:
        i = rng.randrange(1, len(out) - 2)
        out[i], out[i + 1] = out[i + 1], out[i]
    if len(out) >= 6 and rng.random() < 0.5:
        out = out[:-1]
    return out


def _rewrite_sentence(s: str, rng: random.Random) -> list[str]:
    words = s.split()
    new: list[str] = []
    for i, w in enumerate(words):
        core = w.strip('.,;:!?"„“()')
        if core in DROPPABLE and w == core:
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if _ADJ.match(w) and nxt[:1].isupper() and rng.random() < 0.6:
            continue  # drop an attributive adjective before a noun
        if core in VERB_FORMS and w == core and rng.random() < 0.7:
            w = VERB_FORMS[core]
        elif core in SYNONYMS:
            w = _swap_word(w, SYNONYMS)
        new.append(w)
    text = " ".join(new)
    for joint in (", und ", ", aber ", ", weil ", ", während "):
        if joint in text and len(new) > 18:
            left, right = text.split(joint, 1)
            if rng.random() < 0.5:
                return [left.rstrip(",") + ".", _cap(right)]
            return [_cap(right.rstrip(".")) + " – " + _lower_first(left) + "."]
    return [text]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


def _lower_first(s: str) -> str:
    first = s.split(" ", 1)[0]
    return s[:1].lower() + s[1:] if first in ("Die", "Der", "Das", "Ein", "Eine", "Es") else s


def heavy_rewrite(sents: list[str], rng: random.Random) -> list[str]:
    """Keep numbers and capitalised words, change most others (see module docstring)."""
    out: list[str] = []
    for s in sents:
        out.extend(_rewrite_sentence(s, rng))
    merged: list[str] = []
    i = 0
    while i < len(out):
        s = out[i]
        if i + 1 < len(out) and len(s.split()) < 9 and rng.random() < 0.6:
            s = s.rstrip(".!?") + "; zudem " + _lower_first(out[i + 1])
            i += 1
        if rng.random() < 0.2:
            s = rng.choice(FILLERS) + " " + s
        merged.append(s)
        i += 1
    # shuffle within blocks of three so the story still runs roughly in order
    for start in range(0, len(merged), 3):
        block = merged[start : start + 3]
        rng.shuffle(block)
        merged[start : start + 3] = block
    return merged


# -- corpus --------------------------------------------------------------------


def _outlet(k: int) -> str:
    return f"outlet-{k:02d}.example"


def _credit(parents_outlets: list[str], form: str, sents: list[str]) -> list[str]:
    """Credit the parents' outlets; a credit line is kept apart by ``add`` (own paragraph)."""
    if form == "line":
        return [*sents, "Quelle: " + ", ".join(parents_outlets)]
    lead = f"Wie {parents_outlets[0]} berichtet, " + _lower_first(sents[0])
    return [lead, *sents[1:]]


def build_corpus(
    rows: Sequence[tuple[str, str]],
    n: int = 400,
    *,
    seed: int = 1,
    original_share: float = 0.45,
    mix: dict[str, float] | None = None,
    unknown_date_share: float = 0.15,
    credited_share: float = 0.4,
    inline_credit_share: float = 0.5,
    n_outlets: int = 20,
    min_chars: int = 500,
    max_chars: int = 4000,
) -> Corpus:
    """Plant ``n`` articles (originals + children) from ``rows``.

    Args:
        rows: ``(label, text)`` pairs of real articles (``read_10kgnad``).
        n: Number of articles in the corpus.
        seed: Everything random derives from it; same seed, same corpus.
        original_share: Share of originals (the rest are children).
        mix: Relative weights of the child kinds (``KINDS``).
        unknown_date_share: Share of articles whose date is left unknown.
        credited_share: Share of children that credit their parents' outlets.
        inline_credit_share: Of the credited, the share crediting inline
            ("Wie X berichtet, ...") instead of with a "Quelle:" line.
        n_outlets: Number of fake outlets.
        min_chars, max_chars: Length window for originals (long enough to
            have several passages, short enough to keep runs fast).

    Raises:
        ValueError: too few usable rows for ``n``.
    """
    rng = random.Random(seed)
    mix = dict(mix or DEFAULT_MIX)
    pool = [(lab, t) for lab, t in rows if min_chars <= len(t) <= max_chars
            and len(sentences(t)) >= 6]  # fmt: skip
    n_orig = max(2, round(n * original_share))
    n_child = n - n_orig
    n_filler = n_child  # own text for "partial" children, never in the corpus itself
    if len(pool) < n_orig + n_filler:
        raise ValueError(f"need {n_orig + n_filler} usable rows, found {len(pool)}")
    rng.shuffle(pool)
    originals, fillers = pool[:n_orig], pool[n_orig : n_orig + n_filler]
    used_ids: set[str] = set()

    def new_id() -> str:
        while True:
            aid = f"{rng.getrandbits(40):010x}"
            if aid not in used_ids:
                used_ids.add(aid)
                return aid

    base = datetime(2024, 1, 1, 6, 0)
    corpus = Corpus(params={"n": n, "seed": seed, "original_share": original_share, "mix": mix,
                            "unknown_date_share": unknown_date_share,
                            "credited_share": credited_share,
                            "inline_credit_share": inline_credit_share, "n_outlets": n_outlets,
                            "min_chars": min_chars, "max_chars": max_chars})  # fmt: skip
    info: list[dict[str, Any]] = []  # per original: id, outlet, when, sentences

    def add(aid: str, sents: list[str], outlet: str, when: datetime, label: str) -> None:
        known = rng.random() >= unknown_date_share
        title = f"{label}: " + " ".join(sents[0].split()[:8])
        tail = sents[-1] if sents[-1].startswith("Quelle: ") else None
        text = paragraphs(sents[:-1]) + "\n\n" + tail if tail else paragraphs(sents)
        corpus.articles.append({
            "id": aid, "text": text, "outlet": outlet, "title": title,
            "url": f"https://{outlet}/{when:%Y/%m/%d}/{aid}",
            "published": when.isoformat(timespec="seconds") if known else None,
        })  # fmt: skip

    for label, text in originals:
        aid, outlet = new_id(), _outlet(rng.randrange(n_outlets))
        when = base + timedelta(minutes=rng.randrange(60 * 24 * 150))
        sents = sentences(text)
        add(aid, sents, outlet, when, label)
        info.append({"id": aid, "outlet": outlet, "when": when, "sents": sents, "label": label})
        corpus.classes.append({"id": aid, "class": "non-derived", "kind": "original",
                               "parents": [], "per_parent": {}})  # fmt: skip

    kinds = list(mix)
    weights = [mix[k] for k in kinds]
    for j in range(n_child):
        kind = rng.choices(kinds, weights)[0]
        parents = rng.sample(info, 2) if kind == "splice" else [rng.choice(info)]
        p_outlets = [p["outlet"] for p in parents]
        outlet = _outlet(rng.choice([k for k in range(n_outlets) if _outlet(k) not in p_outlets]))
        ps = parents[0]["sents"]
        if kind == "copy":
            sents, shares = list(ps), [1.0]
        elif kind == "light":
            sents, shares = light_edit(list(ps), rng), [1.0]
        elif kind == "heavy":
            sents, shares = heavy_rewrite(list(ps), rng), [1.0]
        elif kind == "splice":
            a, b = parents[0]["sents"], parents[1]["sents"]
            first, second = a[: len(a) // 2], b[len(b) // 2 :]
            sents = first + second
            total = sum(len(s) for s in sents)
            shares = [round(sum(len(s) for s in first) / total, 3),
                      round(sum(len(s) for s in second) / total, 3)]  # fmt: skip
        else:  # partial
            own = sentences(fillers[j][1])
            cut = max(2, round(len(ps) * 0.4))
            sents = ps[:cut] + own[: max(3, len(own) // 2)]
            shares = [round(sum(len(s) for s in ps[:cut]) / sum(len(s) for s in sents), 3)]
        credited = rng.random() < credited_share
        form = None
        if credited:
            form = "inline" if rng.random() < inline_credit_share else "line"
            sents = _credit(p_outlets, form, sents)
        when = max(p["when"] for p in parents) + timedelta(minutes=rng.randrange(60, 60 * 72))
        aid = new_id()
        add(aid, sents, outlet, when, parents[0]["label"])
        for p, share in zip(parents, shares, strict=True):
            corpus.truth.append({"child": aid, "parent": p["id"], "kind": kind, "share": share,
                                 "credited": credited, "credit_form": form})  # fmt: skip
        cls = "partially-derived" if kind == "partial" else "wholly-derived"
        corpus.classes.append({
            "id": aid, "class": cls, "kind": kind, "parents": [p["id"] for p in parents],
            "per_parent": {p["id"]: ("partially-derived" if kind in ("splice", "partial")
                                     else "wholly-derived") for p in parents},
        })  # fmt: skip
    order = {a["id"]: i for i, a in enumerate(sorted(corpus.articles, key=lambda a: a["id"]))}
    corpus.articles.sort(key=lambda a: order[a["id"]])
    return corpus


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: read 10kgnad, plant a corpus, write it to ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="10kgnad articles.csv")
    ap.add_argument("--n", type=int, default=400, help="articles in the corpus")
    ap.add_argument("--out", type=Path, required=True, help="output folder (outside the repo)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--unknown-dates", type=float, default=0.15, help="share of unknown dates")
    ap.add_argument("--credited", type=float, default=0.4, help="share of crediting children")
    args = ap.parse_args(argv)
    if not args.source.is_file():
        print(f"error: {args.source} not found; pass --source path/to/10kgnad/articles.csv",
              file=sys.stderr)  # fmt: skip
        return 1
    corpus = build_corpus(read_10kgnad(args.source), args.n, seed=args.seed,
                          unknown_date_share=args.unknown_dates,
                          credited_share=args.credited)  # fmt: skip
    out = corpus.write(args.out)
    kinds: dict[str, int] = {}
    for c in corpus.classes:
        kinds[c["kind"]] = kinds.get(c["kind"], 0) + 1
    print(f"wrote {len(corpus.articles)} articles, {len(corpus.truth)} true edges to {out}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())), file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
