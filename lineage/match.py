"""Near-duplicate and rewrite matching between passages of different articles.

Three kinds of evidence, combined per candidate pair:

* MinHash LSH over word shingles (``lineage.minhash``) proposes near-verbatim
  pairs; exact Jaccard and containment are then computed on the shingle sets.
* TF-IDF cosine (``lineage.tfidf``) proposes and scores rewrites.
* Shared facts (``lineage.facts``) — numbers, names, quotes — confirm a
  rewrite that shares few words.

Kinds: ``verbatim`` (Jaccard ≥ ``verbatim_min_jaccard``), ``near-verbatim``
(Jaccard ≥ ``near_verbatim_min_jaccard`` or containment ≥ 0.8 either way),
``rewritten`` (cosine ≥ ``rewritten_min_cosine`` with at least
``rewritten_min_facts`` shared facts, or cosine ≥ ``rewritten_strong_cosine``).
A match's ``score`` is the larger of its Jaccard and its cosine.

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
    shingles: Sequence[np.ndarray], outlets: Sequence[str | None], min_articles: int,
    min_share: float,
) -> dict[str, np.ndarray]:  # fmt: skip
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


def _classify(jac: float, c_ab: float, c_ba: float, cos: float, n_facts: int,
              s: Settings) -> str | None:  # fmt: skip
    if jac >= s.verbatim_min_jaccard:
        return "verbatim"
    if jac >= s.near_verbatim_min_jaccard or max(c_ab, c_ba) >= 0.8:
        return "near-verbatim"
    if cos >= s.rewritten_strong_cosine or (
        cos >= s.rewritten_min_cosine and n_facts >= s.rewritten_min_facts
    ):
        return "rewritten"
    return None


def _overlaps(x: Passage, y: Passage) -> bool:
    return x.cstart < y.cend and y.cstart < x.cend


def _dedupe(matches: list[Match], by_id: dict[str, Passage]) -> list[Match]:
    """Per article pair, drop matches overlapping a better one on both sides."""
    kept: list[Match] = []
    grouped: dict[tuple[str, str], list[Match]] = defaultdict(list)
    for m in matches:
        grouped[(m.article_a, m.article_b)].append(m)
    for key in sorted(grouped):
        chosen: list[Match] = []
        for m in sorted(grouped[key], key=lambda m: (-m.score, m.a, m.b)):
            pa, pb = by_id[m.a], by_id[m.b]
            if any(_overlaps(pa, by_id[c.a]) and _overlaps(pb, by_id[c.b]) for c in chosen):
                continue
            chosen.append(m)
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
        [np.concatenate([shingles[i] for i in np.flatnonzero(groups == g)] or
                        [np.empty(0, np.uint32)]) for g in range(len(article_ids))],
        [docs[a].article.outlet for a in article_ids],
        s.boilerplate_min_articles, s.boilerplate_min_share,
    )  # fmt: skip
    dropped = 0
    for i, outlet in enumerate(outlets):
        if outlet in boiler:
            kept = np.setdiff1d(shingles[i], boiler[outlet], assume_unique=True)
            dropped += len(shingles[i]) - len(kept)
            shingles[i] = kept
    counts["boilerplate_shingles"] = dropped
    sigs = signer.signatures(shingles)
    lsh_pairs = lsh_candidates(sigs, groups, s.lsh_threshold)
    counts["lsh_candidates"] = len(lsh_pairs)

    scorer = PassageScorer(char_ngrams=s.char_ngrams).fit([p.text for p in passages])
    tf_pairs = scorer.candidates(groups, min_cosine=s.tfidf_min_cosine, top_k=s.tfidf_top_k)
    counts["tfidf_candidates"] = len(tf_pairs)
    pairs = np.unique(np.concatenate([lsh_pairs, tf_pairs]).reshape(-1, 2), axis=0)
    counts["candidates"] = len(pairs)
    cosines = scorer.cosine(pairs)

    facts = {p.id: factlib.extract(p.text) for p in passages}
    raw: list[Match] = []
    for (i, j), cos in zip(pairs.tolist(), cosines.tolist(), strict=True):
        pa, pb = passages[i], passages[j]
        if (pa.article, pa.id) > (pb.article, pb.id):
            pa, pb = pb, pa
            i, j = j, i
        jac = jaccard(shingles[i], shingles[j])
        c_ab, c_ba = containment(shingles[i], shingles[j]), containment(shingles[j], shingles[i])
        shared = factlib.shared(facts[pa.id], facts[pb.id])
        kind = _classify(jac, c_ab, c_ba, cos, len(shared), s)
        if kind is None:
            continue
        raw.append(Match(
            id=match_id(pa, pb), a=pa.id, b=pb.id, article_a=pa.article, article_b=pb.article,
            kind=kind, jaccard=round(jac, 4), cosine=round(float(cos), 4),
            containment_ab=round(c_ab, 4), containment_ba=round(c_ba, 4), shared_facts=shared,
            changed_facts=[], spans=[], score=round(max(jac, float(cos)), 4),
        ))  # fmt: skip
    by_id = {p.id: p for p in passages}
    matches = _dedupe(raw, by_id)
    for m in matches:
        pa, pb = by_id[m.a], by_id[m.b]
        m.spans = align(docs[pa.article], pa, docs[pb.article], pb,
                        min_words=3 if m.kind == "rewritten" else 4)  # fmt: skip
        m.changed_facts = factlib.changed(pa.text, pb.text, facts[pa.id], facts[pb.id])
    matches.sort(key=lambda m: (m.article_a, m.article_b, m.a, m.b))
    counts["matches"] = len(matches)
    for kind in ("verbatim", "near-verbatim", "rewritten"):
        counts[f"matches_{kind}"] = sum(1 for m in matches if m.kind == kind)
    return MatchResult(matches=matches, facts=facts, counts=counts, signatures=sigs)
