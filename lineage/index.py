"""Archive operations: add articles, query new ones, scan a batch against the archive.

``add`` stores articles with their passages, signatures, band keys, fact keys
and attributions (``lineage.store``). ``query`` answers "have we seen this
before, and where did it come from?" for new articles without adding them:

1. the new articles are normalized, segmented and signed exactly as in a scan;
2. their passages' LSH band keys (and strong fact keys, for heavy rewrites)
   are looked up in the archive's indexed tables — a few SQL lookups, however
   large the archive;
3. the few stored articles found are verified and scored together with the
   new ones by ``lineage.match.find_matches`` — the same logic as ``scan``;
4. matched stored articles become *parents* (published earlier or at the same
   time), *children* (published later) or *related* (dates unknown), with
   evidence: match kinds, best score, the share of the new article covered and
   attributions that name the parent's outlet.

TF-IDF is refitted per query on that neighbourhood (new articles plus archive
candidates): no global vocabulary to drift or refresh, and TF-IDF only
verifies pairs the band and fact keys propose.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lineage import facts as factlib
from lineage.config import Settings
from lineage.ingest import IngestResult, read_articles
from lineage.match import shingle_table
from lineage.minhash import Signer
from lineage.models import Article, Document, Fact, Match, Passage, Rejection
from lineage.normalize import normalize
from lineage.segment import passages as make_passages
from lineage.store import AddStats, Archive, ArticleEntry, StoredPassage, band_keys

Progress = Callable[[int, int], None]


def fact_block_keys(facts: Iterable[Fact]) -> list[str]:
    """Blocking keys of strong facts (as ``match.fact_candidates`` uses them)."""
    keys: set[str] = set()
    for f in facts:
        if factlib.is_strong(f):
            keys.add(f"{f.kind}:{f.key}")
            if f.kind == "number" and f.unit:
                keys.add(f"unit:{f.unit}:{int(np.log10(max(float(f.key), 1)))}")
    return sorted(keys)


def _docs(articles: Sequence[Article], s: Settings) -> tuple[dict[str, Document], list[Passage]]:
    docs = {a.id: normalize(a) for a in sorted(articles, key=lambda a: a.id)}
    passages = [p for a in sorted(docs)
                for p in make_passages(docs[a], s.passage_sentences, s.min_passage_words,
                                       s.passage_step)]  # fmt: skip
    return docs, passages


def prepare(articles: Sequence[Article], settings: Settings, *, attributions: bool = True,
            signer: Signer | None = None) -> list[ArticleEntry]:  # fmt: skip
    """Everything the archive stores for ``articles`` (normalize, segment, sign, facts)."""
    s = settings
    docs, passages = _docs(articles, s)
    signer = signer or Signer(num_perm=s.num_perm, seed=s.seed, shingle_size=s.shingle_size)
    values, offsets = shingle_table(docs, passages, s)  # each article tokenised once
    sigs = signer.signatures_flat(values, offsets)
    by_article: dict[str, list[StoredPassage]] = defaultdict(list)
    fact_keys: dict[str, set[str]] = defaultdict(set)
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for p, sig in zip(passages, sigs, strict=True):
        by_article[p.article].append(StoredPassage(p.index, p.start, p.end, p.text, sig))
        spans[p.article].append((p.cstart, p.cend))
    for a, cuts in spans.items():  # one regex scan per article, not one per window
        for found in factlib.extract_spans(docs[a].clean, cuts):
            fact_keys[a].update(fact_block_keys(found))
    atts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if attributions:
        from lineage.pipeline import attribution_records

        for rec in attribution_records(docs, s):
            atts[rec["article"]].append(rec)
    return [ArticleEntry(docs[a].article, by_article[a], sorted(fact_keys[a]), atts[a])
            for a in sorted(docs)]  # fmt: skip


def add(inputs: Iterable[str | Path], db: str | Path, settings: Settings | None = None, *,
        batch_size: int = 500, attributions: bool = True,
        progress: Progress | None = None) -> AddStats:  # fmt: skip
    """Add the articles in ``inputs`` to the archive ``db`` (created if missing).

    Each batch of ``batch_size`` articles is one transaction. Articles already
    stored (same id and sha256) are left alone; an id stored with other text is
    reported in ``conflicts`` and not changed.
    """
    s = settings or Settings()
    read = _read(inputs, s)
    stats = add_articles(read.articles, db, s, batch_size=batch_size, attributions=attributions,
                         progress=progress)  # fmt: skip
    stats.rejected = list(read.rejected)
    return stats


def _read(inputs: Iterable[str | Path], s: Settings) -> IngestResult:
    return read_articles(inputs, text_key=s.text_key, id_key=s.id_key, metadata=s.metadata,
                         strict=s.strict, languages=s.languages)  # fmt: skip


def add_articles(articles: Sequence[Article], db: str | Path, settings: Settings, *,
                 batch_size: int = 500, attributions: bool = True,
                 progress: Progress | None = None) -> AddStats:  # fmt: skip
    """``add`` for Article objects already read."""
    total = AddStats()
    signer = Signer(num_perm=settings.num_perm, seed=settings.seed,
                    shingle_size=settings.shingle_size)  # fmt: skip
    ordered = sorted(articles, key=lambda a: a.id)
    with Archive(db, settings) as archive:
        for lo in range(0, len(ordered), batch_size):
            batch = ordered[lo : lo + batch_size]
            known = archive.known([a.id for a in batch])
            fresh = [a for a in batch if a.id not in known]
            entries = prepare(fresh, settings, attributions=attributions, signer=signer)
            stats = archive.add_batch(entries)
            total.added += stats.added
            total.conflicts.extend(stats.conflicts)
            for a in batch:
                if a.id in known:
                    if known[a.id] == a.sha256:
                        total.unchanged += 1
                    else:
                        total.conflicts.append(a.id)
            if progress:
                progress(min(lo + batch_size, len(ordered)), len(ordered))
    return total


@dataclass(slots=True)
class Relation:
    """A stored article that shares text with a new one, and the evidence."""

    article: str
    role: str
    outlet: str | None
    published: str | None
    score: float
    coverage: float
    kinds: dict[str, int]
    credited: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON object."""
        return {"article": self.article, "role": self.role, "outlet": self.outlet,
                "published": self.published, "score": self.score, "coverage": self.coverage,
                "kinds": self.kinds, "credited": self.credited}  # fmt: skip


@dataclass(slots=True)
class Answer:
    """The answer for one new article."""

    article: str
    seen: bool
    matches: list[Match]
    parents: list[Relation]
    related: list[Relation]

    def to_dict(self) -> dict[str, Any]:
        """JSON object (one ``index query`` JSONL line)."""
        return {
            "article": self.article, "seen": self.seen,
            "parents": [r.to_dict() for r in self.parents],
            "related": [r.to_dict() for r in self.related],
            "matches": [m.to_dict() for m in self.matches],
        }  # fmt: skip


def _orient(m: Match, new_id: str) -> tuple[str, str]:
    """(passage of the new article, other article) of a match involving ``new_id``."""
    return (m.a, m.article_b) if m.article_a == new_id else (m.b, m.article_a)


def _relations(new: Article, matches: list[Match], stored: dict[str, Article],
               n_passages: int, atts: list[dict[str, Any]]) -> list[Relation]:  # fmt: skip
    by_other: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        _, other = _orient(m, new.id)
        if other in stored:
            by_other[other].append(m)
    out: list[Relation] = []
    for other, ms in sorted(by_other.items()):
        art = stored[other]
        kinds: dict[str, int] = defaultdict(int)
        for m in ms:
            kinds[m.kind] += 1
        own = {_orient(m, new.id)[0] for m in ms}
        if new.published and art.published:
            role = "parent" if art.published <= new.published else "child"
        else:
            role = "related"
        outlet = (art.outlet or "").lower()
        credited = sorted({a["mention"] for a in atts if outlet and (
            outlet in (a.get("mention") or "").lower()
            or outlet in (a.get("source_name") or "").lower())})  # fmt: skip
        out.append(Relation(
            article=other, role=role, outlet=art.outlet, published=art.published,
            score=max(m.score for m in ms), coverage=round(len(own) / max(n_passages, 1), 4),
            kinds=dict(sorted(kinds.items())), credited=credited,
        ))  # fmt: skip
    out.sort(key=lambda r: (-r.coverage, -r.score, r.published or "", r.article))
    return out


def query_articles(new: Sequence[Article], db: str | Path, settings: Settings, *,
                   limit: int = 20) -> list[Answer]:  # fmt: skip
    """Answers for ``new`` articles against the archive ``db`` (nothing is added)."""
    from lineage.match import find_matches
    from lineage.pipeline import attribution_records

    s = settings
    with Archive(db, s, create=False) as archive:
        entries = prepare(new, s, attributions=False)
        candidates: set[str] = set()
        for e in entries:
            if not e.passages and not e.fact_keys:
                continue
            sigs = np.stack([p.signature for p in e.passages]) if e.passages else np.empty((0, 0))
            keys = band_keys(sigs, archive.bands, archive.rows).ravel() if e.passages else sigs
            candidates.update(a for a, _ in archive.candidates(keys, e.fact_keys, limit=limit))
        new_ids = {a.id for a in new}
        seen = set(archive.known(sorted(new_ids)))
        stored = {a.id: a for a in archive.articles(sorted(candidates - new_ids))}
    docs, passages = _docs(list(new) + list(stored.values()), s)
    matched = find_matches(docs, passages, s, focus=new_ids) if len(docs) > 1 else None
    new_docs = {a: docs[a] for a in sorted(new_ids)}
    atts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in attribution_records(new_docs, s):
        atts[rec["article"]].append(rec)
    n_pass: dict[str, int] = defaultdict(int)
    for p in passages:
        n_pass[p.article] += 1
    answers = []
    for aid in sorted(new_ids):
        ms = [m for m in (matched.matches if matched else []) if aid in (m.article_a, m.article_b)]
        rels = _relations(docs[aid].article, ms, stored, n_pass[aid], atts[aid])
        answers.append(Answer(
            article=aid, seen=aid in seen, matches=ms,
            parents=[r for r in rels if r.role == "parent"],
            related=[r for r in rels if r.role != "parent"],
        ))  # fmt: skip
    return answers


def query(inputs: Iterable[str | Path], db: str | Path, settings: Settings | None = None, *,
          limit: int = 20, rejected: list[Rejection] | None = None) -> list[Answer]:  # fmt: skip
    """Read ``inputs`` and answer for each article (see ``query_articles``).

    Inputs that cannot be read are skipped and appended to ``rejected`` if given.
    """
    s = settings or Settings()
    read = _read(inputs, s)
    if rejected is not None:
        rejected.extend(read.rejected)
    return query_articles(read.articles, db, s, limit=limit)


def answers_table(answers: Sequence[Answer]) -> str:
    """Plain-text table: one row per (new article, related stored article)."""
    rows = [("article", "role", "other", "outlet", "published", "score", "coverage", "kinds")]
    for ans in answers:
        rels = ans.parents + ans.related
        if not rels:
            rows.append((ans.article, "-", "-", "", "", "", "", ""))
        for r in rels:
            kinds = ",".join(f"{k}:{n}" for k, n in r.kinds.items())
            rows.append((ans.article, r.role, r.article, r.outlet or "", r.published or "",
                         f"{r.score:.2f}", f"{r.coverage:.2f}", kinds))  # fmt: skip
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows) + "\n"  # fmt: skip


def scan_with_archive(inputs: Sequence[str | Path], db: str | Path,
                      settings: Settings | None = None, *, limit: int = 20,
                      add_batch: bool = True, **scan_kwargs: Any) -> Any:  # fmt: skip
    """``pipeline.scan`` of a batch plus the archived articles it resembles; then archive it.

    The stored candidates (found by band and fact keys, as in ``query``) are
    scanned with the batch, so the batch's matches, clusters and lineage graph
    reach back to everything archived before. The batch is then added (one
    transaction per 500 articles) unless ``add_batch`` is false.

    Returns:
        The ``RunResult``; ``counts["archive_articles"]`` is the number of
        archived articles pulled in, ``counts["archive_added"]`` the number added.
    """
    s = settings or Settings()
    with tempfile.TemporaryDirectory(prefix="lineage-archive-") as tmp:
        if "-" in [str(i) for i in inputs]:  # read stdin once; both passes read the copy
            stdin_copy = Path(tmp) / "stdin.jsonl"
            stream = scan_kwargs.pop("stdin", None) or sys.stdin
            stdin_copy.write_text(stream.read(), encoding="utf-8")
            inputs = [stdin_copy if str(i) == "-" else i for i in inputs]
        return _scan_with_archive(inputs, db, s, Path(tmp), limit, add_batch, scan_kwargs)


def _scan_with_archive(inputs: Sequence[str | Path], db: str | Path, s: Settings, tmp: Path,
                       limit: int, add_batch: bool,
                       scan_kwargs: dict[str, Any]) -> Any:  # fmt: skip
    from lineage.pipeline import scan

    batch = _read(inputs, s).articles  # rejections are reported by the scan below
    pulled: list[Article] = []
    if Path(db).exists():
        with Archive(db, s) as archive:
            ids = {a.id for a in batch}
            cand: set[str] = set()
            for e in prepare(batch, s, attributions=False):
                if e.passages:
                    keys = band_keys(np.stack([p.signature for p in e.passages]),
                                     archive.bands, archive.rows).ravel()  # fmt: skip
                    cand.update(a for a, _ in archive.candidates(keys, e.fact_keys, limit=limit))
            pulled = archive.articles(sorted(cand - ids))
    extra: list[str | Path] = []
    if pulled:
        path = tmp / "archive.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for a in pulled:
                rec = {
                    "id": a.id,
                    "text": a.text,
                    "title": a.title,
                    "outlet": a.outlet,
                    "url": a.url,
                    "published": a.published,
                }
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        extra = [path]
    result = scan(list(inputs) + extra, s, **scan_kwargs)
    result.counts["archive_articles"] = len(pulled)
    if add_batch:
        stats = add_articles(batch, db, s)
        result.counts["archive_added"] = stats.added
    return result
