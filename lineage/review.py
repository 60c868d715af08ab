"""Review items, the SQLite verdict store, JSONL/CSV exchange and the local review page.

A *review item* is one finding an editor should judge:

``uncredited``
    an article reuses another article's text without crediting it
    (one item per article and upstream node, from ``flags.jsonl``);
``derives_from``
    a ``derives_from`` edge of the lineage graph (``graph.json``);
``changed_fact``
    a number or hedge that differs between two matched passages
    (``matches.jsonl``; one item per article pair and changed fact).

Stable ids
    ``<prefix>-<sha1[:16]>`` where the sha1 is taken over a canonical JSON list
    of the finding kind and its *content*: the article ids (ordered as the
    finding reads: the derived article first, then its origin) and, for a
    changed fact, the fact and both values (whitespace collapsed, casefolded).
    Passage indices, match ids and scores are never part of the id, because
    they move when settings change; re-running a scan over the same articles
    gives the same ids, so verdicts stay attached. Prefixes: ``u`` (uncredited),
    ``d`` (derives_from), ``f`` (changed_fact).

Verdict store
    stdlib ``sqlite3``; default ``RUN_DIR/review.db``. Tables ``review_verdicts``
    (the current verdict per item) and ``review_history`` (append-only: every
    save and every import). WAL mode, one transaction per save, a busy timeout
    for concurrent writers. A verdict is keyed by item id only, so it survives
    server restarts, re-runs and new run folders that share the db.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineage.errors import InputError, LineageError

VERDICTS: tuple[str, ...] = ("confirmed", "not-a-copy", "credited", "needs-follow-up")
"""Allowed verdicts, in the order the review page offers them."""
VERDICT_LABELS = {
    "confirmed": "Confirmed",
    "not-a-copy": "Not a copy",
    "credited": "Credited",
    "needs-follow-up": "Needs follow-up",
}
KIND_LABELS = {
    "uncredited": "Uncredited reuse",
    "derives_from": "Derives from",
    "changed_fact": "Changed fact",
}
_PREFIX = {"uncredited": "u", "derives_from": "d", "changed_fact": "f"}
DB_NAME = "review.db"


# --------------------------------------------------------------------------- run folder


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Objects of a JSONL file, or ``[]`` if it is missing (optional outputs)."""
    if not path.is_file():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(path, f"invalid JSON: {exc.msg}", lineno) from exc
    return out


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object, or ``None`` if the file is missing."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", exc.lineno) from exc
    return data if isinstance(data, dict) else None


def check_run_dir(run_dir: Path) -> Path:
    """Raise InputError unless ``run_dir`` looks like a ``lineage scan`` output."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError(
            run_dir, "no such run folder (make one with `lineage scan INPUT --out DIR`)"
        )
    if not (run_dir / "articles.jsonl").is_file():
        raise InputError(run_dir, "not a run folder: articles.jsonl is missing")
    return run_dir


# --------------------------------------------------------------------------- items


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()  # str.split and re's \s: the same spaces


def item_id(kind: str, *content: str) -> str:
    """Stable id of a finding: prefix + sha1 over the kind and normalized content."""
    payload = json.dumps([kind, *(_norm(c) for c in content)], ensure_ascii=False)
    return f"{_PREFIX[kind]}-{hashlib.sha1(payload.encode('utf-8')).hexdigest()[:16]}"


def _article_of(node: str) -> str:
    return node.split(":", 1)[1] if node.startswith("article:") else node


@dataclass(slots=True)
class ReviewItem:
    """One finding to judge, with the evidence needed to judge it."""

    id: str
    kind: str
    title: str
    article: str
    other: str
    priority: float
    explanation: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    matches: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON object (without verdict fields)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "article": self.article,
            "other": self.other,
            "priority": round(self.priority, 4),
            "explanation": self.explanation,
            "evidence": self.evidence,
            "facts": self.facts,
            "matches": self.matches,
        }


class _Index:
    """Lookups over a run folder that items need."""

    def __init__(self, run_dir: Path, loaded: Any = None, evidence: bool = True) -> None:
        self.evidence = evidence
        if loaded is not None:  # a report's RunData: the same files, already read
            self.articles = {a["id"]: a for a in loaded.articles}
            self.passages = loaded.passages
            self.matches = loaded.matches
            self.flags = list(loaded.flags.values())
            self.graph = loaded.graph
        else:
            self.articles = {a["id"]: a for a in read_jsonl(run_dir / "articles.jsonl")}
            self.passages = {p["id"]: p for p in read_jsonl(run_dir / "passages.jsonl")}
            self.matches = read_jsonl(run_dir / "matches.jsonl")
            self.flags = read_jsonl(run_dir / "flags.jsonl")
            self.graph = read_json(run_dir / "graph.json")
        self.by_pair: dict[frozenset[str], list[dict[str, Any]]] = {}
        for m in self.matches if self.evidence else ():  # only evidence reads it
            self.by_pair.setdefault(frozenset((m["article_a"], m["article_b"])), []).append(m)

        self.labels = {
            n["id"]: str(n.get("label") or n["id"]) for n in (self.graph or {}).get("nodes", [])
        }

    def name(self, node_or_article: str) -> str:
        art = self.articles.get(_article_of(node_or_article))
        if art is None:
            return self.labels.get(node_or_article, node_or_article.split(":", 1)[-1])
        return display_name(art)

    def pair_evidence(self, a: str, b: str, limit: int = 6) -> list[dict[str, Any]]:
        """Side-by-side passage pairs for articles a and b, best first, a on the left."""
        if not self.evidence:
            return []
        out = []
        ranked = sorted(self.by_pair.get(frozenset((a, b)), []), key=lambda m: -m.get("score", 0))
        for m in ranked[:limit]:
            flip = m["article_a"] != a
            left, right = (m["b"], m["a"]) if flip else (m["a"], m["b"])
            lp, rp = self._passage(left), self._passage(right)
            spans = m.get("spans", [])
            la, ra = ("b", "a") if flip else ("a", "b")
            lp["spans"] = _relative(spans, la, lp)
            rp["spans"] = _relative(spans, ra, rp)
            out.append(
                {
                    "match": m["id"],
                    "kind": m.get("kind", ""),
                    "score": m.get("score", 0),
                    "left": lp,
                    "right": rp,
                }
            )
        return out

    def _passage(self, pid: str) -> dict[str, Any]:
        p = self.passages.get(pid, {})
        art = self.articles.get(p.get("article", ""), {})
        text = art.get("text", "")
        original = text[p["start"] : p["end"]] if p and text else p.get("text", "")
        start = p.get("start", 0) if p and text else 0
        return {"id": pid, "article": p.get("article", ""), "text": original, "start": start}


def display_name(article: dict[str, Any], width: int = 40) -> str:
    """Outlet if known, else the title (shortened), else the id: what an editor recognises."""
    name = article.get("outlet") or article.get("title") or article["id"]
    name = " ".join(str(name).split())
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def _attribution_evidence(ix: _Index, link: dict[str, Any]) -> list[dict[str, Any]]:
    """The sentences where an article names a source, the mention highlighted."""
    if not ix.evidence:
        return []
    out = []
    label = ix.labels.get(link["target"], link["target"])
    for at in (link.get("evidence") or {}).get("attributions", [])[:4]:
        text = ix.articles.get(at.get("article", ""), {}).get("text", "")
        s, e = at.get("sentence_start") or 0, at.get("sentence_end") or 0
        ms, me = (at.get("mention_start") or s) - s, (at.get("mention_end") or s) - s
        out.append(
            {
                "match": "",
                "kind": "attribution",
                "score": float(at.get("confidence") or 0),
                "left": {
                    "id": "",
                    "article": at.get("article", ""),
                    "text": text[s:e],
                    "start": s,
                    "spans": [[ms, me]] if me > ms else [],
                },
                "right": {
                    "id": link["target"],
                    "article": "",
                    "start": 0,
                    "spans": [],
                    "text": f"{label}: {at.get('cue') or at.get('cue_family') or ''}",
                },
            }
        )
    return out


def _relative(spans: list[dict[str, Any]], side: str, passage: dict[str, Any]) -> list[list[int]]:
    """Aligned spans of one side, as offsets into the passage text (clipped)."""
    start, n = passage["start"], len(passage["text"])
    out = []
    for sp in spans:
        s, e = sp[f"{side}_start"] - start, sp[f"{side}_end"] - start
        s, e = max(0, s), min(n, e)
        if e > s:
            out.append([s, e])
    return out


def _uncredited_items(ix: _Index) -> Iterator[ReviewItem]:
    for flag in ix.flags:
        art = flag["article"]
        for un in flag.get("uncredited", []):
            other = _article_of(un["node"])
            share = float(un.get("share", 0))
            yield ReviewItem(
                id=item_id("uncredited", art, un["node"]),
                kind="uncredited",
                title=f"{ix.name(art)} reuses {ix.name(other)} without credit ({share:.0%})",
                article=art,
                other=other,
                priority=2.0 + share,
                explanation=f"{len(un.get('passages', []))} passages of {art} match {other}, "
                "and the article names no matching source.",
                evidence=ix.pair_evidence(art, other),
                matches=list(un.get("matches", [])),
            )


def _derives_items(ix: _Index) -> Iterator[ReviewItem]:
    links = (ix.graph or {}).get("links", [])
    for link in links:
        if link.get("kind") != "derives_from":
            continue
        src, dst = _article_of(link["source"]), _article_of(link["target"])
        conf = float(link.get("confidence", 0))
        to_article = link["target"].startswith("article:")
        if to_article:
            evidence = ix.pair_evidence(src, dst)
            title = f"{ix.name(src)} derives from {ix.name(dst)} ({conf:.0%} confidence)"
        else:
            shared = (link.get("evidence") or {}).get("shared_with")
            evidence = _attribution_evidence(ix, link)
            if shared:
                evidence += ix.pair_evidence(src, str(shared), limit=2)
            title = f"{ix.name(src)} draws on source {ix.name(link['target'])} ({conf:.0%})"
        yield ReviewItem(
            id=item_id("derives_from", link["source"], link["target"]),
            kind="derives_from",
            title=title,
            article=src,
            other=dst if to_article else link["target"],
            priority=(1.0 + conf) if to_article else 0.3 + conf / 2,
            explanation=str(link.get("explanation", "")),
            evidence=evidence,
            matches=list((link.get("evidence") or {}).get("matches", [])),
        )


def _fact_items(ix: _Index) -> Iterator[ReviewItem]:
    for m in ix.matches:
        a, b = m["article_a"], m["article_b"]
        for fact in m.get("changed_facts", []):
            va, vb = str(fact.get("a", "")), str(fact.get("b", ""))
            if a > b:
                a, b, va, vb = b, a, vb, va
            kind = str(fact.get("kind", ""))
            yield ReviewItem(
                id=item_id("changed_fact", a, b, kind, str(fact.get("fact", "")), va, vb),
                kind="changed_fact",
                title=f"{fact.get('fact', '')}: {va!s} in {ix.name(a)}, {vb!s} in {ix.name(b)}",
                article=a,
                other=b,
                priority=(0.8 if kind == "number" else 0.2) + float(m.get("score", 0)) / 2,
                explanation=f"A {kind} differs between matched passages.",
                evidence=ix.pair_evidence(a, b, limit=3),
                facts=[{"kind": kind, "fact": fact.get("fact", ""), "a": va, "b": vb}],
                matches=[m["id"]],
            )
            a, b = m["article_a"], m["article_b"]


def build_items(run_dir: Path, loaded: Any = None, *, evidence: bool = True) -> list[ReviewItem]:
    """All review items of a run, most urgent first, one per stable id.

    ``loaded`` (the report's ``RunData`` of the same folder) spares reading the
    files a second time; ``evidence=False`` leaves the side-by-side passages out
    (the report lists items and links to its own side-by-side view).
    """
    ix = _Index(check_run_dir(Path(run_dir)), loaded, evidence)
    items: dict[str, ReviewItem] = {}
    for it in (*_uncredited_items(ix), *_derives_items(ix), *_fact_items(ix)):
        if it.id in items:
            items[it.id].matches = sorted(set(items[it.id].matches) | set(it.matches))
            continue
        items[it.id] = it
    return sorted(items.values(), key=lambda i: (-i.priority, i.kind, i.id))


# --------------------------------------------------------------------------- store


def now_iso() -> str:
    """UTC timestamp with milliseconds, for ``updated_at``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_db(run_dir: Path) -> Path:
    """``RUN_DIR/review.db``: the verdict db travels with the run unless ``--db`` says else."""
    return Path(run_dir) / DB_NAME


class ReviewStore:
    """Verdicts in SQLite; every write is one short transaction.

    A fresh connection per call keeps it safe to use from server threads;
    WAL lets readers continue while one writer commits.
    """

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS review_verdicts (
        item_id TEXT PRIMARY KEY,
        verdict TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        editor TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS review_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        item_id TEXT NOT NULL,
        verdict TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        editor TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT 'save'
    );
    CREATE INDEX IF NOT EXISTS review_history_item ON review_history(item_id);
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(self.SCHEMA)
        conn.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            raise LineageError(f"{self.path}: cannot open review db: {exc}") from exc
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    def save(
        self,
        item: str,
        verdict: str,
        note: str = "",
        editor: str = "",
        updated_at: str | None = None,
        origin: str = "save",
    ) -> dict[str, Any]:
        """Record a verdict (current row + history row in one transaction)."""
        if verdict not in VERDICTS:
            raise LineageError(f"unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}")
        row = {
            "item_id": item,
            "verdict": verdict,
            "note": note or "",
            "editor": editor or "",
            "updated_at": updated_at or now_iso(),
        }
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO review_verdicts"
                " VALUES (:item_id, :verdict, :note, :editor, :updated_at)"
                " ON CONFLICT(item_id) DO UPDATE SET verdict=excluded.verdict, note=excluded.note,"
                " editor=excluded.editor, updated_at=excluded.updated_at",
                row,
            )
            self._history(conn, row, origin)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        return row

    @staticmethod
    def _history(conn: sqlite3.Connection, row: dict[str, Any], origin: str) -> None:
        conn.execute(
            "INSERT INTO review_history (item_id, verdict, note, editor, updated_at, origin)"
            " VALUES (:item_id, :verdict, :note, :editor, :updated_at, :origin)",
            {**row, "origin": origin},
        )

    def verdicts(self) -> dict[str, dict[str, Any]]:
        """Current verdict per item id."""
        conn = self._connect()
        try:
            rows = conn.execute("SELECT * FROM review_verdicts ORDER BY item_id").fetchall()
        finally:
            conn.close()
        return {r["item_id"]: dict(r) for r in rows}

    def history(self, item: str | None = None) -> list[dict[str, Any]]:
        """Every recorded verdict, oldest first (optionally for one item)."""
        conn = self._connect()
        try:
            sql = "SELECT * FROM review_history"
            args: tuple[str, ...] = ()
            if item is not None:
                sql, args = sql + " WHERE item_id = ?", (item,)
            rows = conn.execute(sql + " ORDER BY seq", args).fetchall()
        finally:
            conn.close()
        return [dict(r) for r in rows]

    def import_rows(self, rows: Iterable[dict[str, Any]]) -> tuple[int, int]:
        """Merge verdicts: the newer ``updated_at`` wins; older ones go to history only.

        Returns ``(applied, kept)``: verdicts that became current, and verdicts
        that were older than the stored one (recorded in history, never lost).
        """
        applied = kept = 0
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for r in rows:
                row = {
                    "item_id": r["item_id"],
                    "verdict": r["verdict"],
                    "note": r.get("note") or "",
                    "editor": r.get("editor") or "",
                    "updated_at": r.get("updated_at") or now_iso(),
                }
                cur = conn.execute(
                    "SELECT updated_at FROM review_verdicts WHERE item_id = ?", (row["item_id"],)
                ).fetchone()
                if cur is None or cur["updated_at"] <= row["updated_at"]:
                    conn.execute(
                        "INSERT OR REPLACE INTO review_verdicts"
                        " VALUES (:item_id, :verdict, :note, :editor, :updated_at)",
                        row,
                    )
                    applied += 1
                else:
                    kept += 1
                self._history(conn, row, "import")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()
        return applied, kept


# --------------------------------------------------------------------------- exchange

CSV_FIELDS = (
    "id",
    "kind",
    "title",
    "article",
    "other",
    "priority",
    "explanation",
    "matches",
    "verdict",
    "note",
    "editor",
    "updated_at",
)


def export_rows(run_dir: Path, db: Path | None = None) -> list[dict[str, Any]]:
    """Items of a run merged with their verdicts (``verdict`` null when unjudged)."""
    store_path = db or default_db(run_dir)
    items = build_items(run_dir)
    verdicts = ReviewStore(store_path).verdicts() if Path(store_path).exists() else {}
    out = []
    for it in items:
        v = verdicts.get(it.id, {})
        out.append(
            {
                **it.to_dict(),
                "item_id": it.id,
                "verdict": v.get("verdict"),
                "note": v.get("note", ""),
                "editor": v.get("editor", ""),
                "updated_at": v.get("updated_at"),
            }
        )
    return out


def to_jsonl(rows: Iterable[dict[str, Any]]) -> str:
    """Compact, key-sorted JSONL with non-ASCII kept."""
    return "".join(
        json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
        for r in rows
    )


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Flat CSV (evidence left out; match ids joined by spaces)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "matches": " ".join(r.get("matches", []))})
    return buf.getvalue()


def read_verdict_file(path: Path) -> list[dict[str, Any]]:
    """Verdict rows from a JSONL export (lines without a verdict are skipped)."""
    rows = []
    for lineno, obj in enumerate(_jsonl_lines(path), 1):
        if obj is None:
            continue
        ident = obj.get("item_id") or obj.get("id")
        verdict = obj.get("verdict")
        if not verdict:
            continue
        if not ident:
            raise InputError(path, "a verdict line needs an 'item_id'", lineno)
        if verdict not in VERDICTS:
            raise InputError(
                path, f"unknown verdict {verdict!r}; use one of {', '.join(VERDICTS)}", lineno
            )
        rows.append({**obj, "item_id": ident})
    return rows


def _jsonl_lines(path: Path) -> Iterator[dict[str, Any] | None]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {exc}") from exc
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            yield None
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", lineno) from exc
        if not isinstance(obj, dict):
            raise InputError(path, "each line must be a JSON object", lineno)
        yield obj


def import_verdicts(path: Path, db: Path) -> tuple[int, int]:
    """Read a verdict JSONL file into ``db``; returns ``(applied, kept)``."""
    return ReviewStore(db).import_rows(read_verdict_file(path))


def __getattr__(name: str) -> Any:
    """The review server lives in ``lineage.review_server``; keep ``review.make_server`` working."""
    if name in {"ReviewApp", "make_server", "serve_in_thread", "server_url"}:
        from lineage import review_server

        return getattr(review_server, name)
    raise AttributeError(f"module 'lineage.review' has no attribute {name!r}")
