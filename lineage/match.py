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

import gc
import hashlib
import itertools
import math
import mmap
import multiprocessing as mp
import operator
import tempfile
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from lineage import facts as factlib
from lineage.align import Aligner, SpanTuple
from lineage.config import Settings
from lineage.engine import Engine, LocalEngine, chunked, gc_paused, make_engine
from lineage.minhash import Signer, lsh_candidates, lsh_params, ranges, set_overlaps
from lineage.models import AlignedSpans, Article, Document, Fact, Match, Passage
from lineage.segment import PassageTexts
from lineage.tfidf import PassageScorer


@dataclass(slots=True)
class MatchResult:
    """Matches plus what the later stages and ``run.json`` want to know."""

    matches: list[Match]
    facts: Mapping[str, list[Fact]]
    counts: dict[str, int] = field(default_factory=dict)
    signatures: np.ndarray | None = None
    """MinHash signatures per passage; only with ``find_matches(..., keep_signatures=True)``."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per sub-stage (shingles, signatures, lsh, tfidf_fit, ..., verify)."""


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


def _may_match(scores: np.ndarray, s: Settings) -> np.ndarray:
    """Rows of ``scores`` (jac, c_ab, c_ba, cos) that ``_classify`` can accept with some facts.

    A pair below every Jaccard, containment and cosine threshold is ``None``
    whatever its facts, so it needs no fact comparison (most TF-IDF and fact
    candidates); keep in step with ``_classify``.
    """
    if len(scores) == 0:
        return np.zeros(0, dtype=bool)
    jac, c_ab, c_ba, cos = scores.T
    min_cos = min(s.rewritten_strong_cosine, s.rewritten_min_cosine, s.rewritten_names_cosine)
    return (
        (jac >= s.verbatim_min_jaccard)
        | (jac >= s.near_verbatim_min_jaccard)
        | (np.maximum(c_ab, c_ba) >= s.near_verbatim_min_containment)
        | (cos >= min_cos)
    )


def blocking_keys(fs: Sequence[Fact]) -> set[str]:
    """Keys that make two passages candidates: a strong fact, a count's unit and magnitude."""
    keys = set()
    for f in fs:
        if factlib.is_strong(f):
            keys.add(f"{f.kind}:{f.key}")
            if f.kind == "number" and f.unit:
                keys.add(f"unit:{f.unit}:{int(np.log10(max(float(f.key), 1)))}")
    return keys


_FACT_MAX_POSTINGS = 50
"""A blocking key held by more passages is too common to make candidates."""


def fact_candidates(
    facts: Sequence[list[Fact]],
    groups: np.ndarray,
    max_postings: int = _FACT_MAX_POSTINGS,
    min_shared: int = 1,
) -> np.ndarray:
    """Pairs of passages (different groups) sharing strong facts or a count's unit+magnitude."""
    return key_candidates([blocking_keys(fs) for fs in facts], groups, max_postings, min_shared)


def key_candidates(
    keys: Sequence[Collection[str]],
    groups: np.ndarray,
    max_postings: int = _FACT_MAX_POSTINGS,
    min_shared: int = 1,
) -> np.ndarray:
    """Pairs of passages (different groups) sharing at least ``min_shared`` keys, each held
    by at most ``max_postings`` passages."""
    return _posting_pairs(*_key_ids(keys, np.arange(len(keys))), groups, max_postings,
                          min_shared)  # fmt: skip


def _key_ids(keys: Sequence[Collection[str]], which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(passage, key number) of every key of passage ``p``, whose keys are ``keys[which[p]]``."""
    vocab: dict[str, int] = {}
    ids = [vocab.setdefault(k, len(vocab)) for ks in keys for k in ks]
    sizes = np.fromiter(map(len, keys), np.int64, len(keys))
    starts = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    n = sizes[which]
    rows = np.repeat(np.arange(len(which), dtype=np.int64), n)
    first = np.repeat(starts[which] - np.r_[0, np.cumsum(n)[:-1]], n)
    cols = np.asarray(ids, dtype=np.int64)[first + np.arange(len(rows))] if len(rows) else rows
    return rows, cols


def _posting_pairs(rows: np.ndarray, cols: np.ndarray, groups: np.ndarray,
                   max_postings: int, min_shared: int = 1) -> np.ndarray:  # fmt: skip
    """Sorted unique pairs ``a < b`` (different groups) of rows sharing ``min_shared`` columns.

    Columns held by fewer than 2 or more than ``max_postings`` rows are
    ignored. Postings of one size are expanded together (no loop per key).
    """
    order = np.lexsort((rows, cols))
    rows, cols = rows[order], cols[order]
    bounds = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1], True]) if len(cols) else cols
    sizes = np.diff(bounds)
    pairs = []
    for size in np.unique(sizes).tolist():
        if size < 2 or size > max_postings:
            continue
        members = rows[bounds[:-1][sizes == size][:, None] + np.arange(size)]
        ii, jj = np.triu_indices(size, k=1)
        a, b = members[:, ii].ravel(), members[:, jj].ravel()
        keep = groups[a] != groups[b]
        pairs.append(np.stack([a[keep], b[keep]], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    both = np.concatenate(pairs).astype(np.uint64)
    packed, shared = np.unique(both[:, 0] << np.uint64(32) | both[:, 1], return_counts=True)
    packed = packed[shared >= min_shared]
    return np.stack([(packed >> np.uint64(32)).astype(np.int64),
                     (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)], axis=1)  # fmt: skip


def _overlaps(x: Passage, y: Passage) -> bool:
    return x.cstart < y.cend and y.cstart < x.cend


def _uncovered(spans: list[tuple[int, int]], covered: list[tuple[int, int]]) -> int:
    """Characters of ``spans`` outside ``covered``."""
    total = 0
    for s, e in spans:
        inside = 0  # overlaps with each covered span, counted as often as they overlap
        for cs, ce in covered:
            if cs < e and s < ce:
                inside += (ce if ce < e else e) - (cs if cs > s else s)
        total += max(0, (e - s) - inside)
    return total


def _span_cover(p: Passage, others: list[Passage]) -> float:
    """Share of ``p`` covered by the passages ``others`` (normalized offsets)."""
    lo, hi = p.cstart, p.cend
    inside = 0
    for o in others:
        s, e = (o.cstart if o.cstart > lo else lo), (o.cend if o.cend < hi else hi)
        if e > s:
            inside += e - s
    return min(1.0, inside / max(1, hi - lo))


def _dedupe(
    cands: Sequence[tuple[float, Passage, Passage, str]], aligner: Aligner, new_chars: int = 20
) -> list[tuple[int, list[SpanTuple]]]:
    """One article pair's candidates ``(score, a, b, kind)``: the kept ones and their spans.

    Overlapping windows report one reuse several times. Candidates are taken
    best first (score, then passage ids); one that overlaps a kept one on both
    sides is kept only if it aligns at least ``new_chars`` characters of text
    the kept ones do not already align (one lying wholly inside kept passages
    on both sides is dropped without aligning it). Returns ``(position in
    cands, spans)`` in the order taken, spans as ``Aligner.align_tuples`` gives them.
    """
    kept: list[tuple[int, list[SpanTuple]]] = []
    chosen: list[tuple[Passage, Passage]] = []
    aligned: list[tuple[int, int]] = []
    order = sorted(range(len(cands)), key=lambda k: (-cands[k][0], cands[k][1].id, cands[k][2].id))
    for k in order:
        _, pa, pb, kind = cands[k]
        a0, a1, b0, b1 = pa.cstart, pa.cend, pb.cstart, pb.cend  # _overlaps inlined (hot loop)
        conflict = [(ca, cb) for ca, cb in chosen
                    if ca.cstart < a1 and a0 < ca.cend
                    and cb.cstart < b1 and b0 < cb.cend]  # fmt: skip
        if (conflict and _span_cover(pa, [ca for ca, _ in conflict]) >= 0.95
                and _span_cover(pb, [cb for _, cb in conflict]) >= 0.95):  # fmt: skip
            continue
        spans = aligner.align_tuples(pa, pb, min_words=3 if kind == "rewritten" else 4)
        a_spans = [(sp[0], sp[1]) for sp in spans]
        if conflict and _uncovered(a_spans, aligned) < new_chars:
            continue
        kept.append((k, spans))
        chosen.append((pa, pb))
        aligned.extend(a_spans)
    return kept


_KINDS = ("verbatim", "near-verbatim", "rewritten")
"""Match kinds by code (``_classify_many``)."""


@dataclass(slots=True)
class _DedupeTask:
    """Accepted candidates of whole article pairs, as arrays, and what aligning them needs.

    Arrays and the few records the chunk touches, nothing per match: cheap to
    make, and to send to a worker. Facts are not copied in: each task is sent
    with its passages' facts, made as it is sent (``_SentTasks``; 30k dense
    corpus: 332k fact lists, ~1 s and ~90 MB of the parent's, were once built
    for every passage of every task before the map).
    """

    pairs: np.ndarray  # (n, 2) passage numbers (oriented), grouped by article pair
    kinds: np.ndarray  # (n,) codes into _KINDS
    scores: np.ndarray  # (n, 4) Jaccard, containment a in b, b in a, cosine
    passages: dict[int, Passage]
    docs: dict[str, Document]
    settings: Settings


@dataclass(slots=True)
class _Kept:
    """What one dedupe chunk keeps: per kept candidate, what only the chunk can make.

    The parent makes the ``Match`` records (``_matches``) from these and the
    task's arrays: their ids, kinds and scores then share the parent's objects,
    and no per-match record is pickled.
    """

    rows: list[int]  # positions in the task's arrays
    scores: array[float]  # per row: Jaccard, containment a in b, b in a, cosine, rounded
    ids: list[str]
    spans: list[AlignedSpans]
    shared: list[list[str]]
    changed: list[list[dict[str, str]]]


def _dedupe_chunk(fs: Mapping[int, list[Fact]], task: _DedupeTask) -> _Kept:
    """Dedupe and align the candidates of whole article pairs; what the kept ones need.

    ``fs``: the facts of the task's passages, by passage number.
    """
    ps, s = task.passages, task.settings
    aligner = Aligner(task.docs)
    pairs, kinds, scores = task.pairs.tolist(), task.kinds.tolist(), task.scores.tolist()
    keys: dict[int, set[str]] = {}
    out = _Kept([], array("d"), [], [], [], [])
    lo = 0
    while lo < len(pairs):
        arts = (ps[pairs[lo][0]].article, ps[pairs[lo][1]].article)
        hi = lo + 1
        while hi < len(pairs) and (ps[pairs[hi][0]].article, ps[pairs[hi][1]].article) == arts:
            hi += 1
        cands = [(round(max(scores[k][0], scores[k][3]), 4), ps[pairs[k][0]], ps[pairs[k][1]],
                  _KINDS[kinds[k]]) for k in range(lo, hi)]  # fmt: skip
        for pos, spans in _dedupe(cands, aligner):
            k = lo + pos
            i, j = pairs[k]
            pa, pb, fa, fb = ps[i], ps[j], fs[i], fs[j]
            for x, fx in ((i, fa), (j, fb)):
                if x not in keys:
                    keys[x] = {f"{f.kind}:{f.key}" for f in fx}
            out.rows.append(k)
            out.scores.extend([round(v, 4) for v in scores[k]])
            out.ids.append(match_id(pa, pb))
            out.spans.append(AlignedSpans(spans))
            out.shared.append(sorted(keys[i] & keys[j]))  # == factlib.shared(fs[i], fs[j])
            out.changed.append(factlib.changed(pa.text, pb.text, fa, fb,
                                               s.number_drift_ratio))  # fmt: skip
        lo = hi
    return out


class _SentTasks(Sequence[tuple[dict[int, list[Fact]], _DedupeTask]]):
    """Each dedupe task with what a worker that holds nothing needs (``Engine.map_sent``):
    its passages' facts and its documents' clean texts and offsets, made as it is sent.

    Made per task, not for all before the map: a task's facts and lean documents
    live only while it is sent or run.
    """

    def __init__(self, tasks: Sequence[_DedupeTask], facts: Sequence[list[Fact]]) -> None:
        self._tasks = tasks
        self._facts = facts

    def __len__(self) -> int:
        return len(self._tasks)

    def __getitem__(self, i: int) -> tuple[dict[int, list[Fact]], _DedupeTask]:  # type: ignore[override]
        task, facts = self._tasks[i], self._facts
        docs = {a: _lean_document(d) for a, d in task.docs.items()}
        return ({k: facts[k] for k in task.passages},
                _DedupeTask(task.pairs, task.kinds, task.scores, task.passages, docs,
                            task.settings))  # fmt: skip


def _lean_document(doc: Document) -> Document:
    """``doc`` with what aligning reads (clean text, offsets): the article stands in
    with its id and clean text, so sending it sends no second text and no metadata."""
    return Document(article=Article(id=doc.article.id, text=doc.clean), clean=doc.clean,
                    offsets=doc.offsets, blocks=[])  # fmt: skip


def _dedupe_sent(item: tuple[dict[int, list[Fact]], _DedupeTask]) -> _Kept:
    """``_dedupe_chunk`` of a task sent with its facts (``_SentTasks``)."""
    return _dedupe_chunk(*item)


def _matches(tasks: Sequence[_DedupeTask], kept: Sequence[_Kept], passages: Sequence[Passage],
             groups: np.ndarray, rank: np.ndarray) -> list[Match]:  # fmt: skip
    """The ``Match`` records of the kept candidates, sorted by (article a, article b, a, b).

    Built in the parent, in their final order (a ``lexsort`` over article numbers and
    passage ranks, no sort of records): passage and article ids are the passages' own
    strings, equal scores one float object (4 decimals: a few thousand values) and equal
    fact keys one string, so 0.87 M matches (100k articles) hold no copies of them.
    """
    if not any(k.rows for k in kept):
        return []
    pairs = np.concatenate([t.pairs[np.asarray(k.rows, dtype=np.int64)].reshape(-1, 2)
                            for t, k in zip(tasks, kept, strict=True)])  # fmt: skip
    kinds = np.concatenate([t.kinds[np.asarray(k.rows, dtype=np.int64)]
                            for t, k in zip(tasks, kept, strict=True)])  # fmt: skip
    rounded = np.concatenate([np.frombuffer(k.scores, dtype=np.float64) for k in kept])
    bits, which = np.unique(rounded.view(np.int64), return_inverse=True)  # -0.0 stays apart
    which = which.reshape(-1, 4)  # per match: numbers of its four scores in ``bits``
    order = np.lexsort((rank[pairs[:, 1]], rank[pairs[:, 0]], groups[pairs[:, 1]],
                        groups[pairs[:, 0]]))  # fmt: skip
    # columns in final order; object arrays hand out the shared objects (no int per match)
    floats = _objects(bits.view(np.float64).tolist())
    jac, c_ab, c_ba, cos = (floats[which[order, c]].tolist() for c in range(4))
    records = _objects(passages)
    pa, pb = records[pairs[order, 0]].tolist(), records[pairs[order, 1]].tolist()
    kind = _objects(list(_KINDS))[kinds[order]].tolist()
    del pairs, kinds, rounded, which, records
    at = order.tolist()
    ids, spans, shared, changed = ([x for k in kept for x in getattr(k, name)]
                                   for name in ("ids", "spans", "shared", "changed"))  # fmt: skip
    ids, spans, shared, changed = (list(map(col.__getitem__, at))
                                   for col in (ids, spans, shared, changed))  # fmt: skip
    del at
    keys: dict[str, str] = {}  # one string per fact key (each chunk made its own)
    same = keys.setdefault
    out = []
    for q in range(len(order)):
        a, b, j, c = pa[q], pb[q], jac[q], cos[q]
        out.append(Match(
            id=ids[q], a=a.id, b=b.id, article_a=a.article, article_b=b.article, kind=kind[q],
            jaccard=j, cosine=c, containment_ab=c_ab[q], containment_ba=c_ba[q],
            shared_facts=[same(f, f) for f in shared[q]], changed_facts=changed[q],
            spans=spans[q], score=c if c > j else j,  # == round(max(jac, cos), 4)
        ))  # fmt: skip
    return out


def _objects(items: Sequence[Any]) -> np.ndarray:
    """A 1-d object array of ``items`` themselves (no nesting into sequences)."""
    return np.fromiter(items, dtype=object, count=len(items))


def _dedupe_tasks(pairs: np.ndarray, kinds: np.ndarray, scores: np.ndarray, groups: np.ndarray,
                  passages: Sequence[Passage], docs: dict[str, Document],
                  s: Settings) -> list[_DedupeTask]:  # fmt: skip
    """Chunks of about ``_MATCHES_PER_DEDUPE`` candidates that never split an article pair.

    Article pairs that share a passage go to one chunk where they can
    (``_reuse_groups``): the chunk's aligner then tokenizes each passage once
    (10k dense corpus: 37 % fewer passages tokenized than chunks of
    consecutive article pairs). Every grouping gives the same matches.
    """
    if len(pairs) == 0:
        return []
    ga, gb = groups[pairs[:, 0]], groups[pairs[:, 1]]
    same_pair = np.unique(ga * (int(groups.max()) + 1) + gb, return_inverse=True)[1].ravel()
    group = _reuse_groups(pairs, same_pair, len(passages))
    order = np.lexsort((gb, ga, group))  # article ids are numbered in sorted order
    pairs, kinds, scores, ga, gb = pairs[order], kinds[order], scores[order], ga[order], gb[order]
    group = group[order]
    new_pair = np.r_[True, (ga[1:] != ga[:-1]) | (gb[1:] != gb[:-1])]
    new_group = np.r_[True, group[1:] != group[:-1]]
    cuts, last = [0], 0
    for start in [*np.flatnonzero(new_pair).tolist()[1:], len(pairs)]:
        size = start - last
        if size >= 2 * _MATCHES_PER_DEDUPE or (
            size >= _MATCHES_PER_DEDUPE and (start == len(pairs) or new_group[start])
        ):  # a group larger than a chunk is cut between article pairs
            cuts.append(start)
            last = start
    if cuts[-1] != len(pairs):
        cuts.append(len(pairs))
    tasks = []
    for lo, hi in itertools.pairwise(cuts):
        idx = np.unique(pairs[lo:hi]).tolist()
        arts = {passages[i].article for i in idx}
        tasks.append(_DedupeTask(pairs[lo:hi], kinds[lo:hi], scores[lo:hi],
                                 {i: passages[i] for i in idx}, {a: docs[a] for a in sorted(arts)},
                                 s))  # fmt: skip
    return tasks


def _reuse_groups(pairs: np.ndarray, same_pair: np.ndarray, n: int) -> np.ndarray:
    """Per candidate: its group, numbered by first candidate (connected through passages
    and article pairs: candidates that share either are in one group)."""
    # nodes: passages 0..n-1, then article pairs; a candidate joins its two passages
    # and its article pair
    rows = np.concatenate([pairs[:, 0], pairs[:, 0]])
    cols = np.concatenate([pairs[:, 1], n + same_pair])
    size = n + int(same_pair.max()) + 1
    graph = sp.coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    label = connected_components(graph, directed=False)[1][pairs[:, 0]]
    first = np.unique(label, return_index=True)[1]  # a group's number: its first candidate
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[np.unique(label, return_inverse=True)[1].ravel()]


def _passage_rank(passages: Sequence[Passage], groups: np.ndarray) -> np.ndarray:
    """Each passage's place in the order by (article, id); ``groups``: article numbers, in
    sorted order. Ids are sorted as plain strings (a key per passage as a tuple of two
    strings cost 2.5x as much)."""
    n = len(passages)
    ids = [p.id for p in passages]
    by_id = np.empty(n, dtype=np.int64)
    by_id[sorted(range(n), key=ids.__getitem__)] = np.arange(n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((by_id, groups))] = np.arange(n)
    return rank


def match_id(a: Passage, b: Passage) -> str:
    """Stable id from the two passage texts and articles (same reuse, same id)."""
    raw = "\x1f".join([a.article, a.text, b.article, b.text])
    return "m" + hashlib.sha1(raw.encode()).hexdigest()[:12]


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = round(timings.get(stage, 0.0) + time.perf_counter() - start, 4)


_ARTICLES_PER_CHUNK = 500
_PAIRS_PER_CHUNK = 20_000
_MATCHES_PER_DEDUPE = 4_000
_OVERLAP_PAIRS = 40_000  # pairs per exact-overlap task (its gathered shingle rows: ~50 MB)


def _signer(s: Settings) -> Signer:
    return Signer(num_perm=s.num_perm, seed=s.seed, shingle_size=s.shingle_size)


@dataclass(frozen=True, slots=True)
class _ShingleCorpus:
    """What every shingling task reads: sent to each worker once (``Engine.map_shared``).

    Passages are grouped by article (articles in sorted order); article ``k``
    owns passages ``first[k]:first[k + 1]``. A task is just a range of articles:
    it reads its passages' spans itself, so the parent does no per-passage work.
    """

    settings: Settings
    cleans: list[str]  # clean text per article
    first: np.ndarray  # (articles + 1,) passage bounds per article
    passages: Sequence[Passage]  # grouped by article, in sorted order
    perms: int  # leading permutations to sign (0: none)
    into: _SharedColumns | None = None  # where tasks write their signatures, if anywhere


class _SharedColumns:
    """A ``(num_perm, passages)`` uint32 matrix in memory shared with forked workers.

    The shingle tasks write their signature columns here instead of sending
    them back: a worker's result went through a pipe the parent drains only
    between its own work (it stalled the worker), then was copied once more.
    Only for ``LocalEngine`` with ``fork``: a pickled copy would be written
    in vain, so pickling raises.
    """

    def __init__(self, rows: int, cols: int) -> None:
        self._mem = mmap.mmap(-1, max(1, rows * cols * 4))  # MAP_SHARED | MAP_ANONYMOUS
        self.array = np.frombuffer(self._mem, np.uint32, rows * cols).reshape(rows, cols)

    def __reduce__(self) -> Any:
        raise TypeError("shared signature columns live in this machine's forked workers only")

    @staticmethod
    def usable(engine: Engine) -> bool:
        """Whether ``engine``'s workers are forks of this process (or it has none)."""
        return isinstance(engine, LocalEngine) and (
            engine.workers == 1 or "fork" in mp.get_all_start_methods())  # fmt: skip


_CSTART, _CEND, _CLEAN = (operator.attrgetter(a) for a in ("cstart", "cend", "clean"))


def _shingle_chunk(corpus: _ShingleCorpus, arts: tuple[int, int]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:  # fmt: skip
    """Shingle sets (and signatures, one row per permutation) of a range of articles.

    A passage is a span of its article's clean text when its text is found
    there (always, for passages made by ``segment``); otherwise its own text
    is shingled. A passage that shares its article's clean text (``Passage.clean``,
    the same string or an equal one) with a span inside it is such a span by
    construction: only other passages' texts are sliced and searched for.
    """
    c = corpus
    texts: list[str] = []
    counts: list[int] = []
    bounds = c.first.tolist()
    lo_all, hi_all = bounds[arts[0]], bounds[arts[1]]
    mine = c.passages[lo_all:hi_all]
    n = hi_all - lo_all
    starts = np.fromiter(map(_CSTART, mine), np.int64, n)
    ends = np.fromiter(map(_CEND, mine), np.int64, n)
    shared = list(map(_CLEAN, mine))
    clean_len = np.fromiter(map(len, c.cleans[arts[0] : arts[1]]), np.int64, arts[1] - arts[0])
    owner = np.repeat(np.arange(arts[1] - arts[0]), np.diff(c.first[arts[0] : arts[1] + 1]))
    outside = (starts < 0) | (starts > ends) | (ends > clean_len[owner])
    odd = set((owner[outside] + arts[0]).tolist())  # articles with a span that is not inside
    start_list = starts.tolist()
    for k in range(*arts):
        lo, hi = bounds[k], bounds[k + 1]
        if lo == hi:
            continue
        clean = c.cleans[k]
        p0, p1 = lo - lo_all, hi - lo_all
        if k not in odd and shared[p0:p1].count(clean) == p1 - p0:  # `is` first, then ==
            texts.append(clean)
            counts.append(hi - lo)
            continue
        own = PassageTexts(mine)[p0:p1]
        if all(len(t) == e - b for t, b, e in zip(own, start_list[p0:p1], ends[p0:p1].tolist(),
                                                   strict=True)) and all(
                map(clean.startswith, own, start_list[p0:p1])):  # fmt: skip
            texts.append(clean)
            counts.append(hi - lo)
        else:  # each passage's own text, whole
            texts.extend(own)
            counts.extend([1] * len(own))
            starts[p0:p1] = 0
            ends[p0:p1] = [len(t) for t in own]
    signer = _signer(c.settings)
    values, offsets = signer.passage_shingles_flat(texts, starts, ends, counts)
    sigs = (signer.signatures_flat(values, offsets, by_permutation=True, perms=c.perms)
            if c.perms else None)  # fmt: skip
    if c.into is not None and sigs is not None:
        c.into.array[: len(sigs), lo_all:hi_all] = sigs
        c.into.array[len(sigs) :, lo_all:hi_all] = np.iinfo(np.uint32).max
        sigs = None
    return values, offsets, sigs


def _sign_chunk(task: tuple[Settings, np.ndarray, np.ndarray]) -> np.ndarray:
    s, values, offsets = task
    return _signer(s).signatures_flat(values, offsets)


_STRONG, _NAME, _UNIT = 1, 2, 4
"""Fact flags (``_ChunkFacts.flags``, ``_FactStore.flags``): strong (``factlib.is_strong``),
a name, a count with a unit (its number may drift)."""


@dataclass(slots=True)
class _ChunkFacts:
    """What one facts chunk found, compact: each distinct fact once, each text's facts as
    numbers into them (no object per text or per fact occurrence to pickle)."""

    facts: list[tuple[str, str, str, str]]  # (kind, key, text, unit) of each distinct fact
    keys: list[str]  # per fact: ``kind:key``
    flags: bytearray  # per fact: ``_STRONG | _NAME | _UNIT`` bits
    extra: list[str]  # per strong count with a unit: its unit-and-magnitude blocking key
    ids: array[int]  # facts of each text, by number, unique by (kind, key), in text order
    sizes: array[int]  # per text: how many of ``ids``


_FIELDS = operator.attrgetter("kind", "key", "text", "unit")


def _numbered(found: Sequence[Fact], occ: np.ndarray, sizes: np.ndarray) -> _ChunkFacts:
    """A chunk's result: the distinct facts of ``found`` once each (numbered in order of
    first sight) with what the match stage needs of them, and each text's facts
    (``found[o]`` for ``o`` in ``occ``, ``sizes[t]`` of them for text ``t``) as their
    numbers, made unique by (kind, key) with the first kept.

    One dict step per fact found (by its fields, hashed in C: a ``Fact`` hashes in
    Python); keys, flags and blocking keys only per distinct fact.
    """
    where: dict[tuple[str, str, str, str], int] = {}
    same = where.setdefault
    number = np.fromiter([same(t, len(where)) for t in map(_FIELDS, found)], np.int64,
                         len(found))  # fmt: skip
    fields = list(where)
    firsts = np.unique(number, return_index=True)[1].tolist()  # by number: its first sight
    keys = [f"{kind}:{key}" for kind, key, _, _ in fields]
    strings: dict[str, int] = {}
    key_no = [strings.setdefault(k, len(strings)) for k in keys]
    flags, extra = bytearray(len(fields)), [""] * len(fields)
    for j, (f, key) in enumerate(zip(map(found.__getitem__, firsts), keys, strict=True)):
        if f.kind == "name":  # never strong
            flags[j] = _NAME
            continue
        strong, unit = factlib.is_strong(f), f.kind == "number" and f.unit != ""
        flags[j] = (_STRONG if strong else 0) | (_UNIT if unit else 0)
        if strong and unit:  # only strong facts have blocking keys
            extra[j] = next(k for k in blocking_keys([f]) if k != key)
    out = _ChunkFacts(fields, keys, flags, extra, array("i"), array("i"))
    if len(occ):
        ids = number[occ]
        row = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        first = np.unique(row * (len(strings) + 1) + np.asarray(key_no, dtype=np.int64)[ids],
                          return_index=True)[1]  # fmt: skip
        if len(first) < len(ids):  # a (kind, key) twice in a text: keep the first
            first.sort()
            ids, sizes = ids[first], np.bincount(row[first], minlength=len(sizes))
        out.ids = array("i", ids.astype(np.int32).tobytes())
    out.sizes = array("i", np.asarray(sizes, dtype=np.int32).tobytes())
    return out


@dataclass(slots=True)
class _FactStore:
    """The facts of every distinct passage text as arrays: each distinct fact one ``Fact``,
    each text's facts numbers into them (``ids[offsets[u]:offsets[u + 1]]``).

    A list of ``Fact`` per text and objects with its keys held ~0.8 GB at 100,000
    articles; here a fact in a text costs 4 bytes. ``keys`` numbers ``kind:key``
    strings and the unit-and-magnitude blocking keys (``blocking_keys``) together.
    """

    facts: list[Fact]
    key: np.ndarray  # per fact: number of its ``kind:key``
    flags: np.ndarray  # per fact: ``_STRONG | _NAME | _UNIT`` bits
    extra: np.ndarray  # per fact: number of its unit-and-magnitude blocking key, or -1
    ids: np.ndarray  # int32, facts of each text in order
    offsets: np.ndarray  # int64, per text and one more
    n_keys: int

    @classmethod
    def of_chunks(cls, parts: Iterable[_ChunkFacts]) -> _FactStore:
        """The chunks' results, texts in chunk order; equal facts become one object.

        A chunk's facts are distinct, so those new here get the next numbers in
        order: one ``setdefault`` per fact, and only the new ones are made.
        """
        facts: list[Fact] = []
        where: dict[tuple[str, str, str, str], int] = {}
        vocab: dict[str, int] = {}
        same, word = where.setdefault, vocab.setdefault
        key, extra, flags = array("i"), array("i"), bytearray()
        ids, sizes = [], []
        for part in parts:
            n = len(facts)
            local = np.fromiter([same(f, len(where)) for f in part.facts], np.int32,
                                len(part.facts))  # fmt: skip
            new = np.flatnonzero(local >= n).tolist()
            facts += [Fact(*part.facts[j]) for j in new]
            key.extend([word(part.keys[j], len(vocab)) for j in new])
            extra.extend([word(x, len(vocab)) if (x := part.extra[j]) else -1 for j in new])
            flags += bytes(part.flags[j] for j in new)
            ids.append(local[np.frombuffer(part.ids, dtype=np.int32)])
            sizes.append(np.frombuffer(part.sizes, dtype=np.int32))
        del where
        per_text = np.concatenate(sizes) if sizes else np.empty(0, dtype=np.int32)
        return cls(facts, np.frombuffer(key, dtype=np.int32), np.frombuffer(flags, np.uint8),
                   np.frombuffer(extra, dtype=np.int32),
                   np.concatenate(ids) if ids else np.empty(0, dtype=np.int32),
                   np.r_[0, np.cumsum(per_text, dtype=np.int64)], len(vocab))  # fmt: skip

    @classmethod
    def of_lists(cls, fact_lists: Sequence[Sequence[Fact]]) -> _FactStore:
        """Of lists of facts unique by (kind, key), as ``factlib.extract`` gives them."""
        found = [f for fs in fact_lists for f in fs]
        sizes = np.fromiter(map(len, fact_lists), np.int64, len(fact_lists))
        return cls.of_chunks([_numbered(found, np.arange(len(found)), sizes)])

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def of_text(self, u: int) -> list[Fact]:
        """The facts of text ``u``, in order (a new list)."""
        lo, hi = self.offsets[u : u + 2].tolist()
        return list(map(self.facts.__getitem__, self.ids[lo:hi].tolist()))

    def text_rows(self) -> np.ndarray:
        """Per entry of ``ids``: its text."""
        return np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))

    def blocking(self, uid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage, key number) of each ``blocking_keys`` key of each passage (its text:
        ``uid``), as ``_key_ids`` gives them for the texts' key sets."""
        rows = self.text_rows()
        strong = (self.flags[self.ids] & _STRONG) != 0
        extra = self.extra[self.ids]
        more = strong & (extra >= 0)
        r = np.concatenate([rows[strong], rows[more]])
        c = np.concatenate([self.key[self.ids][strong], extra[more]]).astype(np.int64)
        packed = np.unique(r * (self.n_keys + 1) + c)  # a unit key can come twice
        r, c = packed // (self.n_keys + 1), packed % (self.n_keys + 1)
        per_text = sp.csr_matrix((np.ones(len(c), dtype=np.int8), c,
                                  np.r_[0, np.cumsum(np.bincount(r, minlength=len(self)))]),
                                 shape=(len(self), self.n_keys + 1))  # fmt: skip
        per_passage = per_text[uid]
        rows = np.repeat(np.arange(len(uid), dtype=np.int64), np.diff(per_passage.indptr))
        return rows, per_passage.indices.astype(np.int64)


class _FactLists(Sequence[list[Fact]]):
    """Per passage, its text's facts from a ``_FactStore`` (a new list on each read).

    Read through memoryviews of the arrays (a third cheaper than numpy scalars and
    slices): the dedupe tasks read one list per passage they hold.
    """

    __slots__ = ("_facts", "_ids", "_offsets", "_uid")

    def __init__(self, store: _FactStore, uid: np.ndarray) -> None:
        self._set(store.facts, store.ids, store.offsets, uid)

    def _set(self, facts: list[Fact], ids: Any, offsets: Any, uid: Any) -> None:
        self._facts = facts
        self._ids = np.ascontiguousarray(ids, dtype=np.int32).data
        self._offsets = np.ascontiguousarray(offsets, dtype=np.int64).data
        self._uid = np.ascontiguousarray(uid, dtype=np.int64).data

    def __reduce__(self) -> tuple[Any, ...]:  # memoryviews do not pickle: their arrays do
        arrays = (np.asarray(self._ids), np.asarray(self._offsets), np.asarray(self._uid))
        return _fact_lists, (self._facts, *arrays)

    def __len__(self) -> int:
        return len(self._uid)

    def __getitem__(self, i: int) -> list[Fact]:  # type: ignore[override]
        u, facts = self._uid[i], self._facts
        return [facts[j] for j in self._ids[self._offsets[u] : self._offsets[u + 1]]]


def _fact_lists(facts: list[Fact], ids: Any, offsets: Any, uid: Any) -> _FactLists:
    """A ``_FactLists`` from its arrays (unpickling)."""
    out = _FactLists.__new__(_FactLists)
    out._set(facts, ids, offsets, uid)
    return out


def _fact_pieces(docs: dict[str, Document], passages: Sequence[Passage]
                 ) -> list[tuple[str, list[tuple[int, int]]]]:  # fmt: skip
    """``(text, spans)`` pieces whose spans' texts are the passages' texts, in order.

    A run of passages of one article is one piece of its clean text (extracted
    in one pass); a passage whose text is not its span of the clean text (not
    made by ``segment``) is a piece of its own.
    """
    pieces: list[tuple[str, list[tuple[int, int]]]] = []
    last = ""
    for p in passages:
        clean = docs[p.article].clean if p.article in docs else ""
        if p.clean is clean:  # a slice of it (``segment``): no need to read the text
            n = p.cend - p.cstart
            is_span = n > 0
        else:
            text = p.text
            n = len(text)
            is_span = n > 0 and p.cend - p.cstart == n and clean.startswith(text, p.cstart)
        if not is_span:
            pieces.append((p.text, [(0, n)]))
            last = ""
        elif p.article == last:
            pieces[-1][1].append((p.cstart, p.cend))
        else:
            pieces.append((clean, [(p.cstart, p.cend)]))
            last = p.article
    return pieces


def _facts_chunk(pieces: list[tuple[str, list[tuple[int, int]]]]) -> _ChunkFacts:
    """Facts of each span of each text (``factlib.found_in_pieces``), numbered (``_numbered``).

    Runs in the workers, so the keys and flags are made in parallel too; what comes
    back is each distinct fact once and numbers, cheap to pickle. Each match's fact
    is numbered once, not once per window that holds it.
    """
    return _numbered(*factlib.found_in_pieces(pieces))


class _PassageFacts(Mapping[str, list[Fact]]):
    """Facts by passage id, read-only: a view of the per-passage lists, which copies share.

    A dict of one list per passage held ~1 GB at 100,000 articles (1.45 M
    entries); ids are found by their form ``"<article>#p<index>"`` (passages of
    ``segment`` are grouped by article, indexes from 0), any other by a dict
    made on first need.
    """

    __slots__ = ("_at", "_first", "_lists", "_passages")

    def __init__(self, passages: Sequence[Passage], lists: Sequence[list[Fact]]) -> None:
        self._passages, self._lists = passages, lists
        self._first: dict[str, int] | None = None  # article -> position of its first passage
        self._at: dict[str, int] | None = None  # passage id -> position, if ever needed

    def _position(self, pid: str) -> int:
        ps = self._passages
        if self._first is None:
            self._first = {}
            for k, p in enumerate(ps):
                self._first.setdefault(p.article, k)
        article, _, index = pid.rpartition("#p")
        k = self._first.get(article, -1) + int(index) if index.isdigit() else -1
        if 0 <= k < len(ps) and ps[k].id == pid:
            return k
        if self._at is None:
            self._at = {p.id: k for k, p in enumerate(ps)}
        return self._at.get(pid, -1)

    def __getitem__(self, pid: str) -> list[Fact]:
        k = self._position(pid)
        if k < 0:
            raise KeyError(pid)
        return list(self._lists[k])  # the caller's own list: copies share the stored one

    def __contains__(self, pid: object) -> bool:
        return isinstance(pid, str) and self._position(pid) >= 0

    def __iter__(self) -> Iterator[str]:
        return (p.id for p in self._passages)

    def __len__(self) -> int:
        return len(self._passages)


def _gather(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray | None]], n: int,
            num_perm: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:  # fmt: skip
    """The chunks' shingle sets as one flat table, and their signatures (``num_perm`` > 0).

    Filled in place, each part let go once copied: concatenating held every part
    and the whole result at once (twice the signatures, ~1.5 GB at 100k articles).
    """
    dtype = parts[0][0].dtype if parts else np.dtype(np.uint32)
    values = np.empty(sum(len(v) for v, _, _ in parts), dtype)
    sizes = np.concatenate([np.diff(o) for _, o, _ in parts] or [np.empty(0, np.int64)])
    by_perm = np.empty((num_perm, n), np.uint32) if num_perm else None
    at = col = 0
    parts.reverse()  # popped from the end: in chunk order
    while parts:
        v, _, sigs = parts.pop()
        values[at : at + len(v)] = v
        at += len(v)
        if by_perm is not None and sigs is not None:
            by_perm[: len(sigs), col : col + sigs.shape[1]] = sigs
            by_perm[len(sigs) :, col : col + sigs.shape[1]] = np.iinfo(np.uint32).max
            col += sigs.shape[1]
        del v, sigs
    return values, np.r_[0, np.cumsum(sizes)].astype(np.int64), by_perm


_CHARS_PER_CHUNK = 3_000_000
"""Most text per shingling task; a batch with less runs in-process (forking costs more)."""
_PASSAGES_PER_SIGN_CHUNK = 40_000


def shingle_table(docs: dict[str, Document], passages: Sequence[Passage], settings: Settings,
                  engine: Engine | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Shingle sets of all passages, flat: set ``i`` is ``values[offsets[i]:offsets[i+1]]``.

    Each article is tokenised once (``Signer.passage_shingles``), in chunks of
    articles run by ``engine``; equal to ``Signer.shingles(p.text)`` per passage.
    """
    values, offsets, _ = _shingle_sets(docs, passages, settings, engine, sign=False)
    return values, offsets


def shingles_and_signatures(
    docs: dict[str, Document],
    passages: Sequence[Passage],
    settings: Settings,
    engine: Engine | None = None,
    groups: np.ndarray | None = None,
    perms: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``shingle_table`` and the sets' MinHash signatures, made in the same engine tasks.

    One pass over the workers instead of two: each task signs the sets it has
    just made, so the shingles never travel between processes before signing.
    ``groups`` (each passage's article number, ``article_numbers``) saves
    recomputing it. ``perms`` signs only the leading permutations (an LSH reads
    no more: ``lsh_permutations``); the other columns are all-max. The signature
    matrix is column-ordered (Fortran order).
    """
    values, offsets, sigs = _shingle_sets(docs, passages, settings, engine, sign=True,
                                          groups=groups, perms=perms)  # fmt: skip
    assert sigs is not None
    return values, offsets, sigs


def _shingle_sets(docs: dict[str, Document], passages: Sequence[Passage], settings: Settings,
                  engine: Engine | None, *, sign: bool, groups: np.ndarray | None = None,
                  perms: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None
                                                     ]:  # fmt: skip
    """Shingle sets (and signatures if ``sign``) in engine tasks of about ``_CHARS_PER_CHUNK``.

    ``perms`` signs only the leading permutations (the LSH's bands): the other
    columns are left all-max. Nothing is done per passage here (the tasks read
    their passages): this part runs while the other cores wait.
    """
    engine = engine or LocalEngine()
    n = len(passages)
    arts = sorted(docs)
    if groups is None:
        groups = article_numbers(passages, arts)
    order = np.argsort(groups, kind="stable")
    in_order = bool(np.array_equal(order, np.arange(n)))
    per_article = np.bincount(groups, minlength=len(arts))
    num_perm = settings.num_perm if sign else 0
    into = _SharedColumns(num_perm, n) if sign and _SharedColumns.usable(engine) else None
    corpus = _ShingleCorpus(settings, [docs[a].clean for a in arts],
                            np.r_[0, np.cumsum(per_article)].astype(np.int64),
                            passages if in_order else [passages[k] for k in order.tolist()],
                            num_perm if perms is None else min(perms, num_perm), into)  # fmt: skip
    chars = np.cumsum([len(t) if k else 0 for t, k in zip(corpus.cleans, per_article.tolist(),
                                                          strict=True)])  # fmt: skip
    total = int(chars[-1]) if len(chars) else 0
    n_tasks = -(-total // _CHARS_PER_CHUNK)
    n_tasks += n_tasks % 2 if n_tasks > 1 else 0  # an even count keeps two or four workers busy
    cuts = np.unique(np.r_[0, np.searchsorted(chars, np.arange(1, n_tasks) * (total / max(
        1, n_tasks)), side="right"), len(arts)]).tolist()  # fmt: skip
    parts = engine.map_shared(_shingle_chunk, corpus, list(itertools.pairwise(cuts)))
    values, offsets, by_perm = _gather(parts, n, 0 if into else num_perm)
    if into is not None:
        by_perm = into.array
    del corpus, into
    if not in_order:  # passages were not grouped by article in sorted order: back to input order
        back = np.argsort(order, kind="stable")
        sets = np.split(values, offsets[1:-1])
        set_sizes = np.array([len(sets[k]) for k in back], dtype=np.int64)
        values = np.concatenate([sets[k] for k in back] or [values[:0]])
        offsets = np.r_[0, np.cumsum(set_sizes)].astype(np.int64)
        if by_perm is not None:
            by_perm = by_perm[:, back]
    # (passages, permutations) in column order: an LSH band's columns are contiguous
    return values, offsets, None if by_perm is None else by_perm.T


_ARTICLE = operator.attrgetter("article")


def article_numbers(passages: Sequence[Passage], article_ids: Sequence[str]) -> np.ndarray:
    """Each passage's article as its position in ``article_ids`` (int64)."""
    index = {a: i for i, a in enumerate(article_ids)}
    return np.fromiter(map(index.__getitem__, map(_ARTICLE, passages)), np.int64, len(passages))


def lsh_permutations(s: Settings) -> int:
    """How many leading signature columns the LSH of ``s`` reads (bands × rows)."""
    bands, rows = lsh_params(s.lsh_threshold, s.num_perm)
    return bands * rows


def _drop_boilerplate(values: np.ndarray, offsets: np.ndarray, groups: np.ndarray,
                      outlets: Sequence[str | None], art_outlets: Sequence[str | None],
                      s: Settings) -> tuple[np.ndarray, np.ndarray, int, set[int]]:  # fmt: skip
    """Remove per-outlet boilerplate shingles; passages left with < half are boilerplate.

    Nothing per shingle but a bool mask: owner passage and outlet are looked up only
    for shingles in some outlet's boilerplate (an int64 owner, article and order per
    shingle were a 1.2 GB transient at 100k articles).
    """
    n = len(offsets) - 1
    per_outlet: dict[str, int] = defaultdict(int)
    for o in art_outlets:
        if o:
            per_outlet[o] += 1
    if not any(c >= s.boilerplate_min_articles for c in per_outlet.values()):
        return values, offsets, 0, set()
    boiler = _boilerplate_flat(values, offsets, groups, art_outlets, s.boilerplate_min_articles,
                               s.boilerplate_min_share)  # fmt: skip
    if not boiler:
        return values, offsets, 0, set()
    code = {o: k for k, o in enumerate(boiler)}
    outlet_code = np.fromiter((code.get(o, -1) if o else -1 for o in outlets), np.int64, n)
    pos = np.flatnonzero(_isin_sorted(values, np.unique(np.concatenate(list(boiler.values())))))
    own = np.searchsorted(offsets, pos, side="right") - 1  # each hit's passage
    oc = outlet_code[own]
    pos, own, oc = pos[oc >= 0], own[oc >= 0], oc[oc >= 0]
    pairs = np.unique(np.concatenate([np.uint64(code[o]) << np.uint64(32) | c.astype(np.uint64)
                                      for o, c in boiler.items()]))  # fmt: skip
    hit = _isin_sorted(oc.astype(np.uint64) << np.uint64(32) | values[pos].astype(np.uint64), pairs)
    drop = np.zeros(len(values), dtype=bool)
    drop[pos[hit]] = True
    before = np.diff(offsets)
    after = before - np.bincount(own[hit], minlength=n)
    boiler_passages = {int(i) for i in np.flatnonzero(after < 0.5 * before)
                       if outlets[int(i)] in boiler}  # fmt: skip
    return (values[~drop], np.r_[0, np.cumsum(after)].astype(np.int64), int(drop.sum()),
            boiler_passages)  # fmt: skip


def _boilerplate_flat(values: np.ndarray, offsets: np.ndarray, groups: np.ndarray,
                      art_outlets: Sequence[str | None], min_articles: int, min_share: float
                      ) -> dict[str, np.ndarray]:  # fmt: skip
    """Per outlet, the shingles found in too many of its articles to be news.

    An outlet's articles at once: one sort of (article, shingle) keys per outlet
    instead of a ``np.unique`` per article (10,000 calls were 0.5 s at the 10k news day).
    """
    by_outlet: dict[str, list[int]] = defaultdict(list)
    for i, outlet in enumerate(art_outlets):
        if outlet:
            by_outlet[outlet].append(i)
    order = np.argsort(groups, kind="stable")  # passages article by article
    first = np.searchsorted(groups[order], np.arange(len(art_outlets) + 1))
    sizes = np.diff(offsets)
    out: dict[str, np.ndarray] = {}
    for outlet, idx in by_outlet.items():
        if len(idx) < min_articles:
            continue
        need = max(min_articles, int(np.ceil(min_share * len(idx))))
        arts = np.asarray(idx, dtype=np.int64)
        per_art = first[arts + 1] - first[arts]
        mine = order[ranges(first[arts], per_art)]  # the outlet's passages
        vals = values[ranges(offsets[mine], sizes[mine])]
        maybe = _often(np.sort(vals), need)  # in ``need`` articles: in as many passages
        if not len(maybe):
            continue
        keep = _isin_sorted(vals, maybe)
        key = np.repeat(np.repeat(np.arange(len(arts), dtype=np.uint64), per_art), sizes[mine])
        key = key[keep] << np.uint64(32) | vals[keep]
        key.sort()
        distinct = key[np.r_[True, key[1:] != key[:-1]]]  # once per article
        common = _often(np.sort(distinct.astype(np.uint32)), need)  # the low halves: shingles
        if len(common):
            out[outlet] = common
    return out


def _often(sorted_values: np.ndarray, times: int) -> np.ndarray:
    """The distinct values found at least ``times`` times in ``sorted_values``."""
    if len(sorted_values) == 0:
        return sorted_values
    bounds = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1], True])
    return sorted_values[bounds[:-1]][np.diff(bounds) >= times]


def _isin_sorted(x: np.ndarray, sorted_set: np.ndarray, chunk: int = 1 << 22) -> np.ndarray:
    """``np.isin(x, sorted_set)`` for a sorted ``sorted_set``, in chunks: no sort of ``x``."""
    out = np.zeros(len(x), dtype=bool)
    if len(sorted_set) == 0:
        return out
    for lo, hi in chunked(len(x), chunk):
        part = x[lo:hi]
        at = np.minimum(np.searchsorted(sorted_set, part), len(sorted_set) - 1)
        out[lo:hi] = sorted_set[at] == part
    return out


def signatures(values: np.ndarray, offsets: np.ndarray, settings: Settings,
               engine: Engine | None = None) -> np.ndarray:  # fmt: skip
    """MinHash signatures of flat shingle sets, in chunks run by ``engine``."""
    engine = engine or LocalEngine()
    n = len(offsets) - 1
    tasks = [(settings, values[offsets[lo] : offsets[hi]], offsets[lo : hi + 1] - offsets[lo])
             for lo, hi in chunked(n, _PASSAGES_PER_SIGN_CHUNK)]  # fmt: skip
    parts = engine.map(_sign_chunk, tasks)
    return np.concatenate(parts) if parts else np.empty((0, settings.num_perm), np.uint32)


def overlaps(
    values: np.ndarray, offsets: np.ndarray, pairs: np.ndarray, engine: Engine | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact (Jaccard, containment a in b, containment b in a) for pairs of flat sets."""
    if len(pairs) == 0:
        z = np.empty(0, dtype=np.float64)
        return z, z, z
    # small tasks: a task holds the shingle rows of all its pairs (30k dense corpus: parent
    # +295 -> +179 MB, process tree +394 -> +209 MB with 2 workers; CPU within noise)
    inter = set_overlaps(values, offsets, pairs, engine=engine, chunk=_OVERLAP_PAIRS)
    a_idx, b_idx = pairs[:, 0], pairs[:, 1]
    sizes = np.diff(offsets).astype(np.float64)
    la, lb = sizes[a_idx], sizes[b_idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        union = la + lb - inter
        jac = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
        c_ab = np.where(la > 0, inter / np.where(la > 0, la, 1), 0.0)
        c_ba = np.where(lb > 0, inter / np.where(lb > 0, lb, 1), 0.0)
    return jac, c_ab, c_ba


def near_duplicates(docs: dict[str, Document], passages: Sequence[Passage], settings: Settings,
                    engine: Engine | None = None) -> np.ndarray:  # fmt: skip
    """Passage pairs of different articles that are near-verbatim or verbatim (no TF-IDF).

    The near-duplicate stage on its own (shingles, signatures, LSH, exact
    Jaccard/containment), for benchmarks and quick dedup. Boilerplate removal
    is not applied.
    """
    with _frozen_gc():
        return _near_duplicates(docs, passages, settings, engine)


def _near_duplicates(docs: dict[str, Document], passages: Sequence[Passage], s: Settings,
                     engine: Engine | None) -> np.ndarray:  # fmt: skip
    groups = article_numbers(passages, sorted(docs))
    values, offsets, sigs = shingles_and_signatures(docs, passages, s, engine, groups,
                                                    lsh_permutations(s))  # fmt: skip
    pairs = lsh_candidates(sigs, groups, s.lsh_threshold, engine=engine)
    jac, c_ab, c_ba = overlaps(values, offsets, pairs, engine)
    keep = (jac >= s.near_verbatim_min_jaccard) | (np.maximum(c_ab, c_ba)
                                                   >= s.near_verbatim_min_containment)  # fmt: skip
    return pairs[keep]


def _classify_many(scores: np.ndarray, evidence: np.ndarray, s: Settings) -> np.ndarray:
    """``_classify`` of every row: codes into ``_KINDS``, -1 for no match.

    ``scores`` rows are (jac, c_ab, c_ba, cos), ``evidence`` rows (strong
    facts, drifted counts, names); keep in step with ``_classify``.
    """
    if len(scores) == 0:
        return np.zeros(0, dtype=np.int8)
    jac, c_ab, c_ba, cos = scores.T
    strong, drift, names = evidence.T
    near = (jac >= s.near_verbatim_min_jaccard) | (
        np.maximum(c_ab, c_ba) >= s.near_verbatim_min_containment
    )
    rewritten = (
        (cos >= s.rewritten_strong_cosine)
        | ((cos >= s.rewritten_min_cosine) & ((strong > 0) | (drift > 0)))
        | ((cos >= s.rewritten_names_cosine) & (names >= 2))
    )
    return np.select([jac >= s.verbatim_min_jaccard, near, rewritten], [0, 1, 2], -1).astype(
        np.int8
    )


@dataclass(slots=True)
class _FactKeys:
    """Fact keys (``kind:key``) of distinct fact lists as sparse 0/1 rows: many pairs at once."""

    all: sp.csr_matrix
    strong: sp.csr_matrix  # keys of strong facts (``factlib.is_strong``)
    names: sp.csr_matrix  # ``name:`` keys
    units: np.ndarray  # bool: a count with a unit (drift is possible)

    @classmethod
    def of(cls, fact_lists: Sequence[Sequence[Fact]]) -> _FactKeys:
        """Rows in the order of ``fact_lists`` (each unique by (kind, key))."""
        return cls.of_store(_FactStore.of_lists(fact_lists))

    @classmethod
    def of_store(cls, store: _FactStore) -> _FactKeys:
        """A row per text of ``store``; columns are its key numbers."""
        rows, n = store.text_rows(), len(store)
        keys = store.key[store.ids].astype(np.int64)
        flags = store.flags[store.ids]
        shape = (n, max(1, store.n_keys))

        def rows_of(mask: np.ndarray | None) -> sp.csr_matrix:
            r, c = (rows, keys) if mask is None else (rows[mask], keys[mask])
            indptr = np.r_[0, np.cumsum(np.bincount(r, minlength=n))].astype(np.int64)
            m = sp.csr_matrix((np.ones(len(c), dtype=np.int32), c, indptr), shape=shape)
            m.sort_indices()  # key numbers follow first sight, not each row's order
            return m

        units = np.bincount(rows[(flags & _UNIT) != 0], minlength=n) > 0
        return cls(rows_of(None), rows_of((flags & _STRONG) != 0), rows_of((flags & _NAME) != 0),
                   units)  # fmt: skip


def _shared_counts(x: sp.csr_matrix, y: sp.csr_matrix, a: np.ndarray,
                   b: np.ndarray) -> np.ndarray:  # fmt: skip
    """Per pair ``(a[k], b[k])``: keys in both row ``a[k]`` of ``x`` and row ``b[k]`` of ``y``."""
    out = np.zeros(len(a), dtype=np.int64)
    for lo, hi in chunked(len(a), 10 * _PAIRS_PER_CHUNK):
        out[lo:hi] = np.asarray(x[a[lo:hi]].multiply(y[b[lo:hi]]).sum(axis=1)).ravel()
    return out


def _evidence(pairs: np.ndarray, scores: np.ndarray, keys: _FactKeys, uid: np.ndarray,
              fact_list: Sequence[list[Fact]], s: Settings) -> np.ndarray:  # fmt: skip
    """(strong facts, drifted counts, names) per pair, where they can change ``_classify``.

    Pairs that Jaccard, containment or a strong cosine already decide keep
    zeros; drifted counts are looked for only where no strong fact already
    decides. ``uid`` maps a passage to its row in ``keys``.
    """
    ev = np.zeros((len(pairs), 3), dtype=np.int64)
    if len(pairs) == 0:
        return ev
    jac, c_ab, c_ba, cos = scores.T
    decided = (
        (jac >= min(s.verbatim_min_jaccard, s.near_verbatim_min_jaccard))
        | (np.maximum(c_ab, c_ba) >= s.near_verbatim_min_containment)
        | (cos >= s.rewritten_strong_cosine)
    )
    need = np.flatnonzero(~decided)
    ua, ub = uid[pairs[need, 0]], uid[pairs[need, 1]]
    ev[need, 0] = _shared_counts(keys.strong, keys.all, ua, ub)
    ev[need, 2] = _shared_counts(keys.names, keys.names, ua, ub)
    drift = need[keys.units[ua] & keys.units[ub] & (cos[need] >= s.rewritten_min_cosine)
                 & (ev[need, 0] == 0)]  # fmt: skip
    for k in drift.tolist():
        i, j = pairs[k]
        ev[k, 1] = len(factlib.drifted_numbers(fact_list[i], fact_list[j], s.number_drift_ratio))
    return ev


def _engine_for(s: Settings, engine: Engine | None) -> tuple[Engine, Callable[[], None]]:
    if engine is not None:
        return engine, lambda: None
    made = make_engine(s.engine, s.scheduler, s.workers)
    return made, getattr(made, "close", lambda: None)


def find_matches(
    docs: dict[str, Document],
    passages: Sequence[Passage],
    settings: Settings,
    engine: Engine | None = None,
    *,
    focus: set[str] | None = None,
    keep_signatures: bool = False,
) -> MatchResult:
    """All matches between passages of different articles.

    Args:
        docs: Normalized documents by article id.
        passages: Passages of all documents, in a stable order.
        settings: Thresholds (see ``lineage.config.Settings``).
        engine: Runs the heavy chunks (``lineage.engine``); default: the one
            ``settings.engine``/``scheduler``/``workers`` name. Any engine gives
            the same result.
        focus: Only report matches involving these article ids (archive queries:
            the new articles); ``None`` = all.
        keep_signatures: Return the MinHash signatures in the result; by default
            they are let go after LSH (100k articles: 0.74 GB).
    """
    engine, close = _engine_for(settings, engine)
    try:
        with _frozen_gc():
            return _find_matches(docs, passages, settings, engine, focus, keep_signatures)
    finally:
        close()


@contextmanager
def _frozen_gc() -> Iterator[None]:
    """Keep the cyclic GC off the documents and passages while matching.

    Matching makes millions of short-lived objects; every full collection used
    to rescan all documents and passages too (1k corpus: match 12.4 s -> 9.6 s
    with them frozen). Frozen objects are also not touched in forked workers.
    Nothing is frozen if the caller already froze objects (their choice stands).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _OnDisk:
    """Arrays kept in an unnamed temporary file while other steps need the memory.

    Written once and read back once, in order; the file is gone when read
    (or when the process ends).
    """

    def __init__(self, *arrays: np.ndarray) -> None:
        self._file = tempfile.TemporaryFile(prefix="lineage-")  # noqa: SIM115 - closed by load()
        self._layout = [(a.dtype, a.shape) for a in arrays]
        for a in arrays:
            np.ascontiguousarray(a).tofile(self._file)
        self._file.flush()

    def load(self) -> list[np.ndarray]:
        """The arrays as given (the file is closed)."""
        with self._file:
            self._file.seek(0)
            return [np.fromfile(self._file, dtype=dtype, count=math.prod(shape)).reshape(shape)
                    for dtype, shape in self._layout]  # fmt: skip


def _find_matches(docs: dict[str, Document], passages: Sequence[Passage], s: Settings,
                  engine: Engine, focus: set[str] | None = None,
                  keep_signatures: bool = False) -> MatchResult:  # fmt: skip
    """``find_matches``. Large arrays are let go as soon as the next sub-stage no longer
    needs them (``del``): signatures after LSH, the TF-IDF model after the cosines,
    shingle sets after the overlaps, so the later sub-stages' peaks do not stack on them."""
    t: dict[str, float] = {}
    counts: dict[str, int] = {"passages": len(passages)}
    article_ids = sorted(docs)
    groups = article_numbers(passages, article_ids)
    with _timed(t, "minhash"):  # shingles and signatures in one pass over the workers
        # signatures not returned are read only by the LSH: its columns suffice
        perms = None if keep_signatures else lsh_permutations(s)
        values, offsets, sigs = shingles_and_signatures(docs, passages, s, engine, groups, perms)
    with _timed(t, "boilerplate"):
        before = offsets
        art_outlets = [docs[a].article.outlet for a in article_ids]
        values, offsets, dropped, boiler_passages = _drop_boilerplate(
            values, offsets, groups, list(map(art_outlets.__getitem__, groups.tolist())),
            art_outlets, s)  # fmt: skip
        if dropped:  # sign again only the sets that lost boilerplate shingles
            changed = np.flatnonzero(np.diff(offsets) != np.diff(before))
            sigs[changed] = _signer(s).signatures([values[offsets[i] : offsets[i + 1]]
                                                   for i in changed.tolist()])  # fmt: skip
        del before
    counts["boilerplate_shingles"] = dropped
    counts["boilerplate_passages"] = len(boiler_passages)
    with _timed(t, "lsh"):
        lsh_pairs = lsh_candidates(sigs, groups, s.lsh_threshold, engine=engine)
    kept_sigs = sigs if keep_signatures else None
    del sigs
    # the shingle sets wait on disk until the overlaps: the fit, the TF-IDF candidates
    # and the facts peak without them (100,000 articles: ~0.2 GB)
    parked = _OnDisk(values, offsets)
    del values, offsets
    counts["lsh_candidates"] = len(lsh_pairs)
    with _timed(t, "tfidf_fit"):
        scorer = PassageScorer(char_ngrams=s.char_ngrams, engine=engine)
        scorer.fit(PassageTexts(passages))
    with _timed(t, "tfidf_candidates"):
        tf_pairs = scorer.candidates(groups, min_cosine=s.tfidf_min_cosine, top_k=s.tfidf_top_k,
                                     exhaustive_max=s.tfidf_exhaustive_max,
                                     max_df=s.tfidf_rare_max_df,
                                     min_shared=s.tfidf_rare_min_shared)  # fmt: skip
    counts["tfidf_candidates"] = len(tf_pairs)
    with gc_paused(), _timed(t, "facts"):
        uid = scorer.text_ids_.astype(np.int64)  # each distinct text is extracted once
        heads = [passages[i] for i in np.unique(uid, return_index=True)[1].tolist()]
        pieces = [_fact_pieces(docs, heads[lo:hi])
                  for lo, hi in chunked(len(heads), 20 * _ARTICLES_PER_CHUNK)]  # fmt: skip
        # merged as the chunks come in (this process merges between its own chunks while
        # the workers take more of them): the merge is no serial step after the map
        with closing(engine.map_sent(_facts_chunk, pieces)) as chunk_facts:
            store = _FactStore.of_chunks(chunk_facts)
        del heads, pieces
        fact_list = _FactLists(store, uid)  # copies share their text's facts
        facts = _PassageFacts(passages, fact_list)
        fact_pairs = _posting_pairs(*store.blocking(uid), groups, _FACT_MAX_POSTINGS,
                                    s.fact_min_shared)  # fmt: skip
        fact_keys = _FactKeys.of_store(store)
    counts["fact_candidates"] = len(fact_pairs)
    pairs = np.unique(np.concatenate([lsh_pairs, tf_pairs, fact_pairs]).reshape(-1, 2), axis=0)
    del lsh_pairs, tf_pairs, fact_pairs
    if boiler_passages:
        mask = np.isin(pairs, np.fromiter(boiler_passages, dtype=np.int64)).any(axis=1)
        pairs = pairs[~mask]
    if focus is not None:
        in_focus = np.array([p.article in focus for p in passages] + [False], dtype=bool)
        pairs = pairs[in_focus[pairs].any(axis=1)] if len(pairs) else pairs
    counts["candidates"] = len(pairs)
    with _timed(t, "scores"):
        rank = _passage_rank(passages, groups)
        swap = rank[pairs[:, 0]] > rank[pairs[:, 1]] if len(pairs) else np.empty(0, bool)
        oriented = np.where(swap[:, None], pairs[:, ::-1], pairs) if len(pairs) else pairs
        del swap
        # the shingle sets go before the cosines' blocks are built
        values, offsets = parked.load()
        jac, c_ab, c_ba = overlaps(values, offsets, oriented, engine)
        del values, offsets
        cosines = scorer.cosine(pairs).astype(np.float64)
        del scorer, pairs
        scores = np.stack([jac, c_ab, c_ba, cosines], axis=1) if len(oriented) else np.empty((0, 4))
        del jac, c_ab, c_ba, cosines
    with _timed(t, "verify"):
        maybe = _may_match(scores, s)
        cand, cand_scores = oriented[maybe], scores[maybe]
        del oriented, scores, maybe
        evidence = _evidence(cand, cand_scores, fact_keys, uid, fact_list, s)
        del fact_keys
        kinds = _classify_many(cand_scores, evidence, s)
        found = kinds >= 0
    with gc_paused(), _timed(t, "dedupe"):
        tasks = _dedupe_tasks(cand[found], kinds[found], cand_scores[found], groups, passages,
                              docs, s)  # fmt: skip
        del cand, cand_scores, kinds, found, evidence
        # each task is sent with its facts and lean documents to workers forked before the
        # heap grew: workers forked now would copy every page of it the tasks touch
        with closing(engine.map_sent(_dedupe_sent, _SentTasks(tasks, fact_list))) as done:
            kept = list(done)
        matches = _matches(tasks, kept, passages, groups, rank)
        del tasks, kept
    counts["matches"] = len(matches)
    for kind in ("verbatim", "near-verbatim", "rewritten"):
        counts[f"matches_{kind}"] = sum(1 for m in matches if m.kind == kind)
    return MatchResult(matches=matches, facts=facts, counts=counts, signatures=kept_sigs, timings=t)


def match_timings(result: MatchResult) -> dict[str, Any]:
    """``{"match.<sub-stage>": seconds}`` for ``run.json``."""
    return {f"match.{k}": v for k, v in result.timings.items()}
