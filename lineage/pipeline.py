"""The whole scan: ingest → normalize → segment → match → cluster → attribution → graph.

``scan()`` returns a ``RunResult``; ``write_run()`` writes it to a folder.
Both are what ``lineage scan`` calls, so everything the CLI does can be done
from Python::

    from lineage.pipeline import scan, write_run
    result = scan(["seeds/"])
    write_run(result, "reports/seeds")
"""

from __future__ import annotations

import functools
import importlib
import pickle
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any, TypeVar

from lineage import __version__
from lineage.config import Settings
from lineage.engine import (
    Engine,
    Fed,
    LocalEngine,
    Pending,
    chunked,
    early_process,
    gc_paused,
    make_engine,
)
from lineage.errors import EmptyCorpusError
from lineage.ingest import IngestResult, detect_languages, read_articles
from lineage.match import find_matches, match_timings
from lineage.models import (
    AlignedSpan,
    Article,
    Block,
    Cluster,
    Document,
    Match,
    Passage,
    Rejection,
    Story,
    shallow_record,
)
from lineage.normalize import normalize
from lineage.output import unshared, write_json, write_jsonl
from lineage.segment import from_windows, sentence_spans, windows

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[Sequence[T], str], Iterable[T]]

ARTICLES_PER_CHUNK = 50
"""Articles per task of the per-article stages (normalize, segment, attribution)."""

ATTRIBUTION_NICENESS = 5
"""CPU priority step of the attribution process that runs alongside segment and match.

It is not waited for until match ends, so it should take the cores that
match's serial steps leave idle rather than slow match down (``os.nice``). At the 10k
news day (alternated runs) 5 beat 10 (attribution then came last and was waited for)
and 0 (it slowed match): 26.2 / 24.0 s against 29.2 / 32.5 s and 31.1 / 30.8 s."""


FORK_MAX_PASSAGES = 500_000
"""Most passages at which the stages after match fork a helper process.

With more, the graph is built after clustering (not beside it) and ``write_run``
writes every file itself. A forked child copies every memory page whose objects
it touches (CPython's reference counts), and the graph job and the writer touch
all passages and matches: each child came to ~2 KB per passage (30k dense: ~0.9 GB
beside a 1.4-1.8 GB parent at 433k passages; 100k: 2.9 GB beside 3.8-4.7 GB at
1.45 M). At this bound a forked tree stays near 2.5 GB; above it the overlap (a few
per cent of the scan's time) is not worth a copy of the corpus."""


def _forks(settings: Settings, passages: Sequence[Passage]) -> bool:
    """True if a helper may be forked beside the parent after match (``FORK_MAX_PASSAGES``)."""
    return settings.workers > 1 and len(passages) <= FORK_MAX_PASSAGES


def _no_progress(items: Sequence[T], label: str) -> Iterable[T]:
    return items


@dataclass(slots=True)
class RunResult:
    """Everything a scan found, ready to be written or inspected."""

    settings: Settings
    articles: list[Article]
    docs: dict[str, Document]
    passages: list[Passage]
    matches: list[Match]
    clusters: list[Cluster]
    stories: list[Story]
    attributions: list[dict[str, Any]]
    graph: dict[str, Any]
    """The lineage graph, node-link JSON (``graph.graph_to_json``). Its ``links`` are a
    ``graph.PackedLinks``: the sequence of link dicts, held compressed and decoded as
    they are read (``list(...)`` or ``graph.plain_graph`` give the plain list)."""
    flags: list[dict[str, Any]]
    rejected: list[Rejection]
    inputs: list[dict[str, str]]
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


StageCallback = Callable[[str, float], None]


class _Timings(dict[str, float]):
    """Seconds per stage; tells ``on_stage`` as each stage ends (for long runs)."""

    on_stage: StageCallback | None = None  # class default: unpickling sets items first

    def __init__(self, on_stage: StageCallback | None = None) -> None:
        super().__init__()
        self.on_stage = on_stage

    def __setitem__(self, stage: str, seconds: float) -> None:
        super().__setitem__(stage, seconds)
        if self.on_stage is not None:
            self.on_stage(stage, seconds)


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - start, 4)


def article_record(doc: Document, n_passages: int) -> dict[str, Any]:
    """The ``articles.jsonl`` object: metadata, provenance, blocks in original offsets."""
    rec = _report_article(doc.article, n_passages)
    rec["blocks"] = [
        {"kind": b.kind, "start": s, "end": e}
        for b in doc.blocks
        for s, e in [doc.to_original(b.start, b.end)]
    ]
    return rec


def _title_from_doc(doc: Document) -> None:
    """Title from the text when none was given: the title block, a heading, else the lead."""
    art = doc.article
    if art.title is not None:
        return
    for kinds in (("title",), ("heading",), ("body",)):
        for b in doc.blocks:
            if b.kind in kinds:
                text = doc.clean[b.start : b.end]
                art.title = text if len(text) <= 120 else text[:119].rsplit(" ", 1)[0] + " …"
                art.provenance["title"] = "text"
                return


def attribution_records(
    docs: dict[str, Document],
    settings: Settings,
    progress: Progress[Any] = _no_progress,
    engine: Engine | None = None,
) -> list[dict[str, Any]]:
    """Attributions of every document, offsets mapped to the original text.

    ``engine`` parses chunks of documents in parallel (default: in this process);
    records come back in article order whatever runs them.
    """
    engine = engine or LocalEngine()
    key = tuple(str(f) for f in settings.sources_files)
    if isinstance(engine, LocalEngine):
        _parser(key)  # made in this process: forked workers inherit it
    ids = sorted(docs)
    chunks = [
        ([docs[a] for a in ids[lo:hi]], key) for lo, hi in chunked(len(ids), ARTICLES_PER_CHUNK)
    ]
    parts = _with_progress(engine, _attribution_chunk, chunks, "attributions", progress)
    return [rec for part in parts for rec in part]


@cache
def _parser(sources_files: tuple[str, ...]) -> Any:
    """One parser per process and gazetteer (it memoizes word kinds; results do not change)."""
    from lineage.attribution import AttributionParser

    return AttributionParser(sources_files=sources_files)


def _attribution_chunk(task: tuple[list[Document], tuple[str, ...]]) -> list[dict[str, Any]]:
    docs, key = task
    parser = _parser(key)
    out: list[dict[str, Any]] = []
    for doc in docs:
        blocks = [(b.kind, b.start, b.end) for b in doc.blocks]
        flat = sentence_spans(doc)  # every block but teasers, split in the normalize stage
        sents = list(zip(flat[0::2], flat[1::2], strict=True))
        for att in parser.parse(doc.article.id, doc.clean, sentences=sents, blocks=blocks):
            rec = att.to_dict()
            for k in ("sentence", "mention", "cue"):
                s, e = rec[f"{k}_start"], rec[f"{k}_end"]
                if s is not None and s >= 0 and e >= s:
                    rec[f"{k}_start"], rec[f"{k}_end"] = doc.to_original(s, e)
            out.append(rec)
    return out


_LeanDocument = tuple[str, str, Any, list[Block], Any]
"""What attribution reads of a document: id, clean text, offset map, blocks, sentences."""


def _feed_documents(feed: Fed[list[_LeanDocument], Any], docs: dict[str, Document]) -> None:
    """Send the documents to the attribution process in ``attribution_records``'s chunks."""
    ids = sorted(docs)
    for lo, hi in chunked(len(ids), ARTICLES_PER_CHUNK):
        feed.put([(d.article.id, d.clean, d.offsets, d.blocks, sentence_spans(d))
                  for d in map(docs.__getitem__, ids[lo:hi])])  # fmt: skip


def _fed_attributions(settings: Settings, chunks: Iterable[list[_LeanDocument]]
                      ) -> tuple[list[bytes], float]:  # fmt: skip
    """``attribution_records`` of the fed documents, pickled per chunk, and the seconds spent.

    Runs in the process ``early_process`` started (documents come as sent).
    The article stands in with its id and clean text: attribution reads no more.
    Each chunk's records are kept pickled (``_unpickled_records``): they wait
    for the end of the match stage, and as dicts they were ~2 KB each (100,000
    articles: ~0.25 GB in this process by then; pickled, a fifth of that).
    """
    key = tuple(str(f) for f in settings.sources_files)
    pickled: list[bytes] = []
    seconds = 0.0
    with gc_paused():
        for chunk in chunks:
            start = time.perf_counter()
            docs = [Document(article=Article(id=aid, text=clean), clean=clean, offsets=offsets,
                             blocks=blocks, sentences=sents)
                    for aid, clean, offsets, blocks, sents in chunk]  # fmt: skip
            pickled.append(pickle.dumps(_attribution_chunk((docs, key)), pickle.HIGHEST_PROTOCOL))
            seconds += time.perf_counter() - start
    return pickled, round(seconds, 4)


def _unpickled_records(pickled: list[bytes]) -> list[dict[str, Any]]:
    """The records of ``_fed_attributions``'s chunks, in order (each chunk let go once read)."""
    records: list[dict[str, Any]] = []
    with gc_paused():
        while pickled:
            records.extend(pickle.loads(pickled.pop(0)))
    return records


def _timed_graph(s: Settings, articles: Sequence[Article], passages: Sequence[Passage],
                 matches: Sequence[Match], attributions: Sequence[dict[str, Any]]
                 ) -> tuple[dict[str, Any], list[dict[str, Any]], float]:  # fmt: skip
    """``graph.graph_and_flags`` (links packed) with its duration (run alongside the clustering)."""
    from lineage.graph import graph_and_flags

    start = time.perf_counter()
    with gc_paused():
        graph, flags = graph_and_flags(s, articles, passages, matches, attributions,
                                       packed=True)  # fmt: skip
    return graph, flags, round(time.perf_counter() - start, 4)


def _with_progress(engine: Engine, fn: Callable[[T], R], chunks: Sequence[T], label: str,
                   progress: Progress[Any]) -> Iterator[R]:  # fmt: skip
    """``engine.map(fn, chunks)``'s results, each as it comes in; ``progress`` moves with them.

    One pool serves all chunks: starting workers once per wave of chunks cost
    about 0.1 s a wave at 10k articles (a fork of the whole heap each time).
    The caller uses each result while the workers go on (this process then
    takes fewer chunks itself): nothing is left to do serially after the map.
    """
    with closing(engine.map_iter(fn, chunks)) as results:
        for _ in progress(range(len(chunks)), label):
            yield next(results)


_Normalized = tuple[str | None, Any, list[Block], Any, str | None, str | None]
"""What a normalize worker sends back per article (see ``_normalize_chunk``)."""


def _normalize_chunk(task: tuple[list[Article], tuple[str, ...] | None]) -> list[_Normalized]:
    """Clean text, offset map, blocks, sentence spans, and the title and language found in
    the text (for an article that had none; languages only if asked for).

    The clean text is ``None`` where it is the article's text unchanged (most
    news text): nothing is sent back, and the caller keeps one string for both.
    Sentences are split here, in the workers, for segment and attribution.
    """
    articles, languages = task
    unknown = [a for a in articles if a.language is None] if languages else []
    for art, detected in zip(unknown, detect_languages([a.text for a in unknown],
                                                       languages or ()), strict=True):  # fmt: skip
        _set_language(art, detected)  # this copy's (a worker's) or the article's own
    found = {id(a) for a in unknown}
    out: list[_Normalized] = []
    for art in articles:
        had_title = art.title is not None
        doc = normalize(art)
        _title_from_doc(doc)  # sets the title of this copy (a worker's) or the article itself
        title = None if had_title else doc.article.title
        same = doc.clean is art.text
        lang = art.language if id(art) in found else None
        out.append((None if same else doc.clean, doc.offsets, doc.blocks, sentence_spans(doc),
                    title, lang))  # fmt: skip
    return out


def _set_language(art: Article, lang: str) -> None:
    """A language detected from the text (``ingest.detect_languages``)."""
    art.language = lang
    art.provenance["language"] = "text"


def normalized(articles: Sequence[Article], engine: Engine | None = None,
               progress: Progress[Any] = _no_progress,
               languages: tuple[str, ...] | None = None) -> dict[str, Document]:  # fmt: skip
    """``normalize`` every article (titles from the text where none was given), by id.

    The articles themselves get the titles; workers send back only what they made.
    With ``languages``, articles without a language get the one their text shows
    (``read_articles(detect_language=False)`` left it to this stage's workers).
    """
    engine = engine or LocalEngine()
    chunks = [(list(articles[lo:hi]), languages)
              for lo, hi in chunked(len(articles), ARTICLES_PER_CHUNK)]  # fmt: skip
    parts = _with_progress(engine, _normalize_chunk, chunks, "normalize", progress)
    docs: dict[str, Document] = {}
    for (arts, _), part in zip(chunks, parts, strict=True):
        for art, (clean, offsets, blocks, sents, title, lang) in zip(arts, part, strict=True):
            if lang is not None and art.language is None:  # before the title, as ingest did
                _set_language(art, lang)
            if title is not None and art.title is None:
                art.title = title
                art.provenance["title"] = "text"
            docs[art.id] = Document(article=art, clean=art.text if clean is None else clean,
                                    offsets=offsets, blocks=blocks, sentences=sents)  # fmt: skip
    return docs


def _segment_chunk(task: tuple[list[Document], int, int, int]) -> list[list[tuple[int, ...]]]:
    docs, size, min_words, step = task
    return [[(c, e, *doc.to_original(c, e)) for c, e in windows(doc, size, min_words, step)]
            for doc in docs]  # fmt: skip


def segmented(docs: dict[str, Document], s: Settings, engine: Engine | None = None,
              progress: Progress[Any] = _no_progress) -> list[Passage]:  # fmt: skip
    """Passages of all documents in article order (``lineage.segment.passages`` each)."""
    engine = engine or LocalEngine()
    ids = sorted(docs)
    chunks = [([docs[a] for a in ids[lo:hi]], s.passage_sentences, s.min_passage_words,
               s.passage_step) for lo, hi in chunked(len(ids), ARTICLES_PER_CHUNK)]  # fmt: skip
    parts = _with_progress(engine, _segment_chunk, chunks, "segment", progress)
    out: list[Passage] = []
    for (chunk_docs, *_), part in zip(chunks, parts, strict=True):
        for doc, spans in zip(chunk_docs, part, strict=True):
            out.extend(from_windows(doc, spans))  # type: ignore[arg-type]
    return out


def ingest(inputs: Iterable[str | Path], s: Settings, stdin: IO[str] | None = None,
           *, detect_language: bool = True) -> IngestResult:  # fmt: skip
    """``read_articles`` with the ingest settings of ``s``."""
    return read_articles(inputs, text_key=s.text_key, id_key=s.id_key, metadata=s.metadata,
                         strict=s.strict, stdin=stdin, languages=s.languages,
                         detect_language=detect_language)  # fmt: skip


def scan(
    inputs: Iterable[str | Path],
    settings: Settings | None = None,
    *,
    stdin: IO[str] | None = None,
    progress: Progress[Any] = _no_progress,
    on_stage: StageCallback | None = None,
) -> RunResult:
    """Run every stage on ``inputs`` (files, folders, ``"-"``).

    ``progress`` wraps per-article loops (a progress bar); ``on_stage`` is
    called with each stage's name and seconds as it ends.

    Raises:
        EmptyCorpusError: no input held a usable article.
        InputError: a bad input, only with ``settings.strict``.
    """
    # no cyclic GC in the whole scan: its records are acyclic, and each collection
    # walked every object made so far (10k articles: ~2 s of collections; the
    # peak memory stayed the same without them)
    with gc_paused():
        return _scan(inputs, settings or Settings(), stdin, progress, on_stage)


def _scan(inputs: Iterable[str | Path], s: Settings, stdin: IO[str] | None,
          progress: Progress[Any], on_stage: StageCallback | None) -> RunResult:  # fmt: skip
    timings: dict[str, float] = _Timings(on_stage)
    # attribution needs only the documents: with workers it runs in a process of its own
    # while segment, match and cluster use the engine's. That process is forked now,
    # while this one is small, and sent the documents (see ``early_process``)
    fed = (early_process(functools.partial(_fed_attributions, s), niceness=ATTRIBUTION_NICENESS)
           if s.engine == "local" and s.workers > 1 else None)  # fmt: skip
    cleanup: list[Callable[[], None]] = [fed.close] if fed is not None else []
    engine: Engine | None = None
    try:
        engine = make_engine(s.engine, s.scheduler, s.workers)  # one engine (and cluster) a scan
        if isinstance(engine, LocalEngine):  # for the stages that send their chunks (map_sent)
            engine.start_workers()
        with _timed(timings, "ingest"):
            ingested = ingest(inputs, s, stdin, detect_language=False)  # normalize's workers do it
        if not ingested.articles:
            reasons = "; ".join(str(r) for r in ingested.rejected[:3])
            raise EmptyCorpusError(
                "no usable article in the inputs" + (f" ({reasons})" if reasons else "")
            )
        articles = sorted(ingested.articles, key=lambda a: a.id)
        with _timed(timings, "normalize"):
            docs = normalized(articles, engine, progress, languages=s.languages)
        if fed is not None:
            _feed_documents(fed, docs)
        with _timed(timings, "segment"):
            passages = segmented(docs, s, engine, progress)
        with _timed(timings, "match"):
            matched = find_matches(docs, passages, s, engine)
        timings.update(match_timings(matched))
        if isinstance(engine, LocalEngine):  # its sent-to workers are done (they hold caches)
            engine.close()
        # only the matches and counts go on: the signatures and every passage's
        # facts (100k articles: ~0.7 GB and more) are let go after clustering
        matches, match_counts = matched.matches, matched.counts
        with _timed(timings, "attribution"):
            if fed is None:
                attributions = attribution_records(docs, s, progress, engine)
            else:  # the figure is the wait; the stage's own time is "attribution.alongside"
                pickled, timings["attribution.alongside"] = fed.result()
                attributions = _unpickled_records(pickled)
                del pickled
        graph_job = functools.partial(_timed_graph, s, articles, passages, matches, attributions)
        graphing: Pending[tuple[dict[str, Any], list[dict[str, Any]], float]] | None = None
        if isinstance(engine, LocalEngine) and engine.workers > 1 and _forks(s, passages):
            # the graph needs no clusters: it is built while they are (a small batch:
            # else after them, here, where it shares the records' strings)
            graphing = engine.alongside(graph_job)
            cleanup.append(graphing.close)
        with _timed(timings, "cluster"):
            from lineage.cluster import build_clusters

            facts = matched.facts  # keys only for matched passages: the others join no cluster
            fact_keys = _fact_keys(facts, {pid for m in matches for pid in (m.a, m.b)})
            del matched, facts
            clusters, stories = build_clusters(passages, matches, fact_keys, s.cluster_min_cohesion)
            del fact_keys  # not needed again: let go before the graph and the writing
            _label_stories(stories, clusters, {a.id: a for a in articles})
        with _timed(timings, "graph"):  # with 2+ workers the figure is the wait
            if graphing is None:
                graph, flags, _ = graph_job()
            else:
                # this process would wait idle: it loads the report's modules meanwhile
                # (~0.3 s of jinja2 and the report, which write_run would spend after)
                importlib.import_module("lineage.report")
                graph, flags, timings["graph.alongside"] = graphing.result()
    finally:
        for close in cleanup:
            close()
        if engine is not None:
            getattr(engine, "close", lambda: None)()
    result = RunResult(
        settings=s,
        articles=articles,
        docs=docs,
        passages=passages,
        matches=matches,
        clusters=clusters,
        stories=stories,
        attributions=attributions,
        graph=graph,
        flags=flags,
        rejected=ingested.rejected,
        inputs=ingested.inputs,
        timings=timings,
    )
    result.counts = {
        "articles": len(articles),
        "rejected": len(ingested.rejected),
        "clusters": len(clusters),
        "stories": len(stories),
        "attributions": len(attributions),
        **match_counts,
        "chars": sum(len(a.text) for a in articles),
    }
    return result


def _fact_keys(facts: Any, pids: Iterable[str]) -> dict[str, list[str]]:
    """``kind:key`` of each fact of the passages ``pids`` (those ``facts`` has).

    One string per fact object, shared by every passage that has it: passages
    of one text share their fact objects, and a string per occurrence was
    ~40 bytes each of some millions at 100,000 articles.
    """
    keys: dict[int, str] = {}  # id of a fact object (alive in ``facts``) → its key
    out: dict[str, list[str]] = {}
    for pid in pids:
        if pid in facts:
            row = out[pid] = []
            for f in facts[pid]:
                k = keys.get(id(f))
                if k is None:
                    k = keys[id(f)] = f"{f.kind}:{f.key}"
                row.append(k)
    return out


def _label_stories(stories: list[Story], clusters: list[Cluster],
                   articles: dict[str, Article]) -> None:  # fmt: skip
    """Name each story after its central article: the one in most of its clusters."""
    by_id = {c.id: c for c in clusters}
    for story in stories:
        counts = {a: 0 for a in story.articles}
        for cid in story.clusters:
            for a in by_id[cid].articles:
                counts[a] = counts.get(a, 0) + 1
        central = min(counts, key=lambda a: (-counts[a], a))
        title = articles[central].title if central in articles else None
        if title:
            story.label = title


def versions() -> dict[str, str]:
    """Versions of lineage, Python and the libraries that shape results."""
    out = {"lineage": __version__, "python": platform.python_version()}
    for pkg in (
        "datasketch",
        "scikit-learn",
        "numpy",
        "scipy",
        "networkx",
        "trafilatura",
        "simplemma",
    ):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "missing"
    return out


def run_info(result: RunResult) -> dict[str, Any]:
    """The ``run.json`` document. Only ``timings`` varies between identical runs."""
    return {
        "lineage_version": __version__,
        "versions": versions(),
        "settings": result.settings.to_dict(),
        "signature": result.settings.signature_key(),
        "inputs": result.inputs,
        "counts": result.counts,
        "timings": result.timings,
        "files": RUN_FILES,
    }


RUN_FILES = [
    "articles.jsonl",
    "passages.jsonl",
    "matches.jsonl",
    "clusters.jsonl",
    "stories.jsonl",
    "attributions.jsonl",
    "graph.json",
    "flags.jsonl",
    "rejected.jsonl",
    "run.json",
]


def write_run(result: RunResult, out_dir: str | Path, *, report: bool = True) -> Path:
    """Write every output file of ``result`` into ``out_dir`` (each atomically).

    Records are encoded and written one at a time: no file exists whole in memory.
    """
    with gc_paused():  # as in scan: nothing cyclic is made, collections would walk it all
        return _write_run(result, out_dir, report)


def _write_run(result: RunResult, out_dir: str | Path, report: bool) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def write_aside() -> None:
        """The files the report does not read from disk (it is given their content)."""
        # passages hold no float (strings, offsets, counts): written unchecked
        write_jsonl(out / "passages.jsonl", map(_passage_record, result.passages), floats=False)
        write_jsonl(out / "clusters.jsonl", result.clusters, default=_cluster_record)
        write_jsonl(out / "attributions.jsonl", result.attributions)
        write_jsonl(out / "flags.jsonl", result.flags)
        write_json(out / "graph.json", result.graph)

    # with workers, in a forked process while this one writes the rest and the report
    # (it inherits the result; nothing is sent but its end); else at the end, here
    forks = _forks(result.settings, result.passages)
    aside = LocalEngine(result.settings.workers if forks else 1).alongside(write_aside)
    try:
        n_pass: dict[str, int] = {}
        for p in result.passages:
            n_pass[p.article] = n_pass.get(p.article, 0) + 1
        # articles hold no float either; their texts are written as copies: they live on
        # (output.unshared). Each record is made for its line only: the report is given
        # them without their blocks (it reads none), which were most of their memory.
        lines = (
            {**rec, "text": unshared(rec["text"])}
            for a in result.articles
            for rec in [article_record(result.docs[a.id], n_pass.get(a.id, 0))]
        )
        write_jsonl(out / "articles.jsonl", lines, floats=False)
        write_jsonl(out / "matches.jsonl", result.matches, default=_shallow_record)
        write_jsonl(out / "stories.jsonl", result.stories, default=_shallow_record)
        write_jsonl(out / "rejected.jsonl", (r.to_dict() for r in result.rejected))
        write_json(out / "run.json", run_info(result))
        if report:
            # the article records without blocks share their strings with the articles
            articles = [
                _report_article(result.docs[a.id].article, n_pass.get(a.id, 0))
                for a in result.articles
            ]
            known = {  # what is written (or being written aside), for the report not to parse
                "articles.jsonl": articles,
                "attributions.jsonl": result.attributions,
                "flags.jsonl": result.flags,
                "graph.json": result.graph,
                "passages.jsonl": result.passages,
                "clusters.jsonl": result.clusters,
            }
            with _timed(result.timings, "report"):
                _write_report(out, known)
    finally:
        aside.result()  # every file is in place before write_run returns (or its error)
    if report:
        write_json(out / "run.json", run_info(result))  # again, with the report's time
    return out


def _report_article(art: Article, n_passages: int) -> dict[str, Any]:
    """``article_record`` as the report reads it: without ``blocks`` (nor its document)."""
    rec = shallow_record(art)  # its fields are plain values: the same as to_dict()
    rec["passages"] = n_passages
    return rec


def _passage_record(p: Passage) -> dict[str, Any]:
    """``p.to_dict()`` with a copy of the text (``output.unshared``)."""
    return {"id": p.id, "article": p.article, "index": p.index, "start": p.start, "end": p.end,
            "text": unshared(p.text)}  # fmt: skip


_SHALLOW = (Article, Match, AlignedSpan, Cluster, Story)
"""Records whose ``to_dict`` is ``models.record``: written through ``shallow_record``."""


def _shallow_record(obj: Any) -> Any:
    """``obj.to_dict()`` for the encoder, one level deep where that gives the same JSON."""
    return shallow_record(obj) if type(obj) in _SHALLOW else obj.to_dict()


def _cluster_record(c: Cluster) -> dict[str, Any]:
    """``c.to_dict()`` with a copy of its label (``output.unshared``: clusters live on)."""
    rec = shallow_record(c)
    rec["label"] = unshared(rec["label"])
    return rec


def _write_report(out: Path, known: dict[str, Any]) -> None:
    from lineage.report import build_report

    build_report(out, known=known)


def article_pairs(result: RunResult) -> list[dict[str, Any]]:
    """Article pairs that share content, strongest first, with how they relate."""
    from lineage.graph import PackedLinks

    links = result.graph.get("links", [])

    def of_kind(kind: str) -> Iterable[dict[str, Any]]:  # packed: only those are decoded
        return links.of_kind(kind) if isinstance(links, PackedLinks) else links

    labels = {n["id"]: n.get("label", n["id"]) for n in result.graph.get("nodes", [])}
    derives: dict[str, list[_Derived]] = {}  # what _relation reads of each derives_from link
    for e in of_kind("derives_from"):
        if e["kind"] == "derives_from":
            shared = e["evidence"].get("shared_with") if e.get("rule") == "common-source" else None
            derives.setdefault(e["source"], []).append((e["target"], e.get("rule"), shared))
    rows = []
    for e in of_kind("shares_content"):
        if e["kind"] != "shares_content":
            continue
        a, b = e["source"], e["target"]
        ev = e["evidence"]
        relation = _relation(a, b, derives, labels)
        rows.append(
            {
                "a": a.split(":", 1)[1],
                "b": b.split(":", 1)[1],
                "strength": e["confidence"],
                "matches": ev["count"],
                "kinds": ", ".join(f"{n} {k}" for k, n in ev["kinds"].items()),
                "shared_facts": ", ".join(f.split(":", 1)[1] for f in ev["shared_facts"]),
                "changed_facts": "; ".join(
                    dict.fromkeys(
                        f"{c['a']} vs {c['b']} {c['fact']}" for c in ev.get("changed_facts", [])
                    )
                ),
                "relation": relation,
            }
        )
    rows.sort(key=lambda r: (-r["strength"], r["a"], r["b"]))
    return rows


_Derived = tuple[str, Any, Any]
"""A derives_from link as ``_relation`` reads it: target, rule, and (common source) with whom."""


def _relation(a: str, b: str, derives: dict[str, list[_Derived]], labels: dict[str, str]) -> str:
    for child, parent in ((a, b), (b, a)):
        for target, _, _ in derives.get(child, []):
            if target == parent:
                return f"{child.split(':', 1)[1]} derives from {parent.split(':', 1)[1]}"
    shared = []
    for target, rule, shared_with in derives.get(a, []):
        if rule == "common-source" and shared_with == b.split(":", 1)[1]:
            shared.append(labels.get(target, target))
    if shared:
        return "shared primary source: " + ", ".join(sorted(set(shared)))
    return "related; direction undetermined"


def summary_text(result: RunResult, out: str | Path, pairs: list[dict[str, Any]]) -> str:
    """The few lines ``lineage scan`` prints: counts, strongest pairs, flags."""
    c = result.counts
    total = sum(result.timings.values())
    lines = [
        f"lineage scan: {c['articles']} articles, {c['passages']} passages, "
        f"{c['matches']} matches ({c['matches_verbatim']} verbatim, "
        f"{c['matches_near-verbatim']} near-verbatim, {c['matches_rewritten']} rewritten), "
        f"{c['clusters']} clusters in {c['stories']} "
        f"stor{'y' if c['stories'] == 1 else 'ies'}, {c['attributions']} attributions, "
        f"{c['rejected']} rejected ({total:.1f} s)",
    ]
    if pairs:
        lines.append("")
        lines.append("Strongest article pairs:")
        for row in pairs[:8]:
            facts = f"; facts: {row['shared_facts']}" if row["shared_facts"] else ""
            changed = f"; changed: {row['changed_facts']}" if row["changed_facts"] else ""
            lines.append(
                f"  {row['a']} ~ {row['b']}  {row['strength']:.2f}  {row['kinds']}"
                f"{facts}{changed}\n      -> {row['relation']}"
            )
    labels = {n["id"]: n.get("label", n["id"]) for n in result.graph.get("nodes", [])}
    lines.append("")
    lines.append("Articles:")
    for f in result.flags:
        parents = (
            ", ".join(
                labels.get(d["node"], d["node"])
                if d["node"].startswith("source:")
                else d["node"].split(":", 1)[1]
                for d in f["derived_from"]
            )
            or "-"
        )
        unc = ", ".join(u["node"].split(":", 1)[1] for u in f["uncredited"])
        lines.append(
            f"  {f['article']}  {f['class']:<17} {f['derived_share']:>4.0%} derived"
            f"  from: {parents}" + (f"  UNCREDITED reuse of {unc}" if unc else "")
        )
    if result.rejected:  # each is named on stderr as it is skipped; here only how many
        n = len(result.rejected)
        lines.append(f"{n} input{'s' if n > 1 else ''} skipped: see {Path(out) / 'rejected.jsonl'}")
    lines.append("")
    lines.append(
        f"Results in {out}"
        + (f" (open {Path(out) / 'report.html'})" if (Path(out) / "report.html").exists() else "")
    )
    return "\n".join(lines)


def attributions_only(
    inputs: Iterable[str | Path], settings: Settings | None = None, *, stdin: IO[str] | None = None
) -> tuple[list[dict[str, Any]], list[Rejection]]:
    """Ingest, normalize and parse attributions only (``lineage attributions``)."""
    s = settings or Settings()
    ingested = ingest(inputs, s, stdin)
    docs = {a.id: normalize(a) for a in ingested.articles}
    return attribution_records(docs, s), ingested.rejected
