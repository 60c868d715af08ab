"""Near-duplicate and rewrite matching between passages of different articles.

Three kinds of evidence, combined per candidate pair:

* MinHash LSH over word shingles (``lineage.minhash``) proposes near-verbatim
  pairs; exact Jaccard and containment are then computed on the shingle sets.
* TF-IDF cosine (``lineage.tfidf``) proposes and scores rewrites.
* Shared facts (``lineage.facts``) — numbers, names, quotes — confirm a
  rewrite that shares few words.

Kinds: ``verbatim`` (Jaccard ≥ ``verbatim_min_jaccard``), ``near-verbatim``
(Jaccard ≥ ``near_verbatim_min_jaccard`` or containment ≥
``near_verbatim_min_containment`` either way), ``rewritten``: cosine ≥
``rewritten_min_cosine`` with a shared *strong* fact (a count of at least 10, a
quote) or a drifted count ("10.000" vs "12.000 Soldaten"); or cosine ≥
``rewritten_names_cosine`` with two shared names; or cosine ≥
``rewritten_strong_cosine`` alone. Topic alone (similar words, no shared fact)
is never a match. A match's ``score`` is the larger of its Jaccard and cosine.

Candidates are the union of MinHash LSH pairs, TF-IDF neighbours and passages
that share a strong fact (or a count of the same unit within
``number_drift_ratio``), so a heavy rewrite is scored even when its words
differ.

Overlapping passage windows produce several matches for one reuse; per
article pair only the best-scoring match among those that overlap on both
sides is kept. Shingles that recur across many articles of one outlet
(boilerplate: sign-offs, newsletter plugs) are removed before matching.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lineage import facts as factlib
from lineage.align import align
from lineage.config import Settings
from lineage.minhash import Signer, containment, jaccard, lsh_candidates
from lineage.models import Document, Fact, Match, Passage
from lineage.tfidf import PassageScorer


@dataclass(slots=True)
class MatchResult:
    """Matches plus what the later stages and ``run.json`` want to know."""

    matches: list[Match]
    facts: dict[str, list[Fact]]
    counts: dict[str, int] = field(default_factory=dict)
    signatures: np.ndarray | None = None


def boilerplate_shingles(
    shingles: Sequence[np.ndarray],
    outlets: Sequence[str | None],
    min_articles: int,
    min_share: float,
) -> dict[str, np.ndarray]:
    """Per outlet, the shingles found in too many of its articles to be news."""
    by_outlet: dict[str, list[int]] = defaultdict(list)
    for i, outlet in enumerate(outlets):
        if outlet:
            by_outlet[outlet].append(i)
    out: dict[str, np.ndarray] = {}
    for outlet, idx in by_outlet.items():
        if len(idx) < min_articles:
            continue
        per_article = np.concatenate([np.unique(shingles[i]) for i in idx])
        values, counts = np.unique(per_article, return_counts=True)
        need = max(min_articles, int(np.ceil(min_share * len(idx))))
        common = values[counts >= need]
        if len(common):
            out[outlet] = common
    return out


def _classify(
    jac: float, c_ab: float, c_ba: float, cos: float, evidence: tuple[int, int, int], s: Settings
) -> str | None:
    """Match kind from the scores; ``evidence`` = (strong facts, drifted counts, names)."""
    strong, drift, names = evidence
    if jac >= s.verbatim_min_jaccard:
        return "verbatim"
    if jac >= s.near_verbatim_min_jaccard or max(c_ab, c_ba) >= s.near_verbatim_min_containment:
        return "near-verbatim"
    if (
        cos >= s.rewritten_strong_cosine
        or (cos >= s.rewritten_min_cosine and (strong or drift))
        or (cos >= s.rewritten_names_cosine and names >= 2)
    ):
        return "rewritten"
    return None


def fact_candidates(
    facts: Sequence[list[Fact]], groups: np.ndarray, max_postings: int = 50
) -> np.ndarray:
    """Pairs of passages (different groups) sharing a strong fact or a count's unit+magnitude."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, fs in enumerate(facts):
        keys = set()
        for f in fs:
            if factlib.is_strong(f):
                keys.add(f"{f.kind}:{f.key}")
                if f.kind == "number" and f.unit:
                    keys.add(f"unit:{f.unit}:{int(np.log10(max(float(f.key), 1)))}")
        for k in keys:
            postings[k].append(i)
    pairs = []
    for k in sorted(postings):
        idx = postings[k]
        if len(idx) < 2 or len(idx) > max_postings:
            continue
        arr = np.array(idx)
        ii, jj = np.triu_indices(len(arr), k=1)
        a, b = arr[ii], arr[jj]
        keep = groups[a] != groups[b]
        pairs.append(np.stack([a[keep], b[keep]], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(pairs).astype(np.int64), axis=0)


def _overlaps(x: Passage, y: Passage) -> bool:
    return x.cstart < y.cend and y.cstart < x.cend


def _uncovered(spans: list[tuple[int, int]], covered: list[tuple[int, int]]) -> int:
    """Characters of ``spans`` outside ``covered``."""
    total = 0
    for s, e in spans:
        inside = sum(max(0, min(e, ce) - max(s, cs)) for cs, ce in covered)
        total += max(0, (e - s) - inside)
    return total


def _dedupe(matches: list[Match], by_id: dict[str, Passage], new_chars: int = 20) -> list[Match]:
    """Per article pair, drop window pairs that repeat a better match's evidence.

    Overlapping windows report one reuse several times. A match that overlaps
    a better one on both sides is kept only if it aligns at least
    ``new_chars`` characters of text the kept matches do not already align.
    """
    kept: list[Match] = []
    grouped: dict[tuple[str, str], list[Match]] = defaultdict(list)
    for m in matches:
        grouped[(m.article_a, m.article_b)].append(m)
    for key in sorted(grouped):
        chosen: list[Match] = []
        aligned: list[tuple[int, int]] = []
        for m in sorted(grouped[key], key=lambda m: (-m.score, m.a, m.b)):
            pa, pb = by_id[m.a], by_id[m.b]
            spans = [(sp.a_start, sp.a_end) for sp in m.spans]
            if (
                any(_overlaps(pa, by_id[c.a]) and _overlaps(pb, by_id[c.b]) for c in chosen)
                and _uncovered(spans, aligned) < new_chars
            ):
                continue
            chosen.append(m)
            aligned.extend(spans)
        kept.extend(chosen)
    return kept


def match_id(a: Passage, b: Passage) -> str:
    """Stable id from the two passage texts and articles (same reuse, same id)."""
    raw = "\x1f".join([a.article, a.text, b.article, b.text])
    return "m" + hashlib.sha1(raw.encode()).hexdigest()[:12]


def find_matches(
    docs: dict[str, Document], passages: Sequence[Passage], settings: Settings
) -> MatchResult:
    """All matches between passages of different articles.

    Args:
        docs: Normalized documents by article id.
        passages: Passages of all documents, in a stable order.
        settings: Thresholds (see ``lineage.config.Settings``).
    """
    s = settings
    counts: dict[str, int] = {"passages": len(passages)}
    article_ids = sorted(docs)
    art_index = {a: i for i, a in enumerate(article_ids)}
    groups = np.array([art_index[p.article] for p in passages], dtype=np.int64)
    signer = Signer(num_perm=s.num_perm, seed=s.seed, shingle_size=s.shingle_size)
    shingles = [signer.shingles(p.text) for p in passages]
    outlets = [docs[p.article].article.outlet for p in passages]
    boiler = boilerplate_shingles(
        [
            np.concatenate(
                [shingles[i] for i in np.flatnonzero(groups == g)] or [np.empty(0, np.uint32)]
            )
            for g in range(len(article_ids))
        ],
        [docs[a].article.outlet for a in article_ids],
        s.boilerplate_min_articles,
        s.boilerplate_min_share,
    )
    dropped = 0
    boiler_passages: set[int] = set()
    for i, outlet in enumerate(outlets):
        if outlet in boiler:
            kept = np.setdiff1d(shingles[i], boiler[outlet], assume_unique=True)
            dropped += len(shingles[i]) - len(kept)
            if len(kept) < 0.5 * len(shingles[i]):
                boiler_passages.add(i)  # mostly boilerplate: takes no part in matching
            shingles[i] = kept
    counts["boilerplate_shingles"] = dropped
    counts["boilerplate_passages"] = len(boiler_passages)
    sigs = signer.signatures(shingles)
    lsh_pairs = lsh_candidates(sigs, groups, s.lsh_threshold)
    counts["lsh_candidates"] = len(lsh_pairs)

    scorer = PassageScorer(char_ngrams=s.char_ngrams).fit([p.text for p in passages])
    tf_pairs = scorer.candidates(
        groups,
        min_cosine=s.tfidf_min_cosine,
        top_k=s.tfidf_top_k,
        exhaustive_max=s.tfidf_exhaustive_max,
    )
    counts["tfidf_candidates"] = len(tf_pairs)
    fact_list = [factlib.extract(p.text) for p in passages]
    facts = {p.id: fl for p, fl in zip(passages, fact_list, strict=True)}
    fact_pairs = fact_candidates(fact_list, groups)
    counts["fact_candidates"] = len(fact_pairs)
    pairs = np.unique(np.concatenate([lsh_pairs, tf_pairs, fact_pairs]).reshape(-1, 2), axis=0)
    if boiler_passages:
        mask = np.isin(pairs, np.fromiter(boiler_passages, dtype=np.int64)).any(axis=1)
        pairs = pairs[~mask]
    counts["candidates"] = len(pairs)
    cosines = scorer.cosine(pairs)

    raw: list[Match] = []
    for (i, j), cos in zip(pairs.tolist(), cosines.tolist(), strict=True):
        pa, pb = passages[i], passages[j]
        if (pa.article, pa.id) > (pb.article, pb.id):
            pa, pb = pb, pa
            i, j = j, i
        jac = jaccard(shingles[i], shingles[j])
        c_ab, c_ba = containment(shingles[i], shingles[j]), containment(shingles[j], shingles[i])
        fa, fb = facts[pa.id], facts[pb.id]
        shared = factlib.shared(fa, fb)
        strong = {f"{f.kind}:{f.key}" for f in fa if factlib.is_strong(f)} & set(shared)
        drift = factlib.drifted_numbers(fa, fb, s.number_drift_ratio)
        names = sum(1 for x in shared if x.startswith("name:"))
        kind = _classify(jac, c_ab, c_ba, cos, (len(strong), len(drift), names), s)
        if kind is None:
            continue
        raw.append(
            Match(
                id=match_id(pa, pb),
                a=pa.id,
                b=pb.id,
                article_a=pa.article,
                article_b=pb.article,
                kind=kind,
                jaccard=round(jac, 4),
                cosine=round(float(cos), 4),
                containment_ab=round(c_ab, 4),
                containment_ba=round(c_ba, 4),
                shared_facts=shared,
                changed_facts=[],
                spans=[],
                score=round(max(jac, float(cos)), 4),
            )
        )
    by_id = {p.id: p for p in passages}
    for m in raw:
        pa, pb = by_id[m.a], by_id[m.b]
        m.spans = align(
            docs[pa.article], pa, docs[pb.article], pb, min_words=3 if m.kind == "rewritten" else 4
        )
    matches = _dedupe(raw, by_id)
    for m in matches:
        pa, pb = by_id[m.a], by_id[m.b]
        m.changed_facts = factlib.changed(
            pa.text, pb.text, facts[pa.id], facts[pb.id], s.number_drift_ratio
        )
    matches.sort(key=lambda m: (m.article_a, m.article_b, m.a, m.b))
    counts["matches"] = len(matches)
    for kind in ("verbatim", "near-verbatim", "rewritten"):
        counts[f"matches_{kind}"] = sum(1 for m in matches if m.kind == kind)
    return MatchResult(matches=matches, facts=facts, counts=counts, signatures=sigs)
