"""The archive: articles, passages, MinHash signatures and LSH band keys in SQLite.

One file (stdlib ``sqlite3``, WAL mode) holds everything a newsroom has
scanned, so a new article can be compared with all earlier ones without
recomputing them. Tables (schema version ``SCHEMA_VERSION``):

* ``meta``: ``schema_version`` and the signature settings (shingle size,
  permutations, seed, scheme, LSH bands × rows). Opening an archive with other
  settings raises ``ArchiveError``: signatures made differently cannot be
  compared, and silently mixing them would give garbage.
* ``articles``: one row per article id, with its sha256, metadata and text.
* ``passages``: passage spans, text and signature (``num_perm`` × uint32 blob).
* ``bands``: ``(key, article)`` for every LSH band of every passage; the
  primary key is the lookup index for queries.
* ``facts``: strong fact keys (counts, quotes) per article, a second blocking
  key that finds heavy rewrites sharing few words.
* ``attributions``: attribution records (JSON) per article.

Adding is idempotent (an id already stored with the same sha256 is skipped)
and atomic per batch: ``add_batch`` runs in one transaction, so a killed add
leaves the archive as it was before that batch. The review verdict tables of
``lineage.review.ReviewStore`` can live in the same file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from lineage.config import Settings
from lineage.errors import ArchiveError
from lineage.minhash import band_keys, lsh_params
from lineage.models import Article, Rejection

SCHEMA_VERSION = 1

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE articles (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        sha256 TEXT NOT NULL,
        title TEXT, outlet TEXT, url TEXT, published TEXT, language TEXT,
        path TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE INDEX articles_sha256 ON articles(sha256);
    CREATE INDEX articles_published ON articles(published);
    CREATE TABLE passages (
        article INTEGER NOT NULL REFERENCES articles(rowid),
        idx INTEGER NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        signature BLOB NOT NULL,
        PRIMARY KEY (article, idx)
    ) WITHOUT ROWID;
    CREATE TABLE bands (
        key INTEGER NOT NULL,
        article INTEGER NOT NULL,
        PRIMARY KEY (key, article)
    ) WITHOUT ROWID;
    CREATE TABLE facts (
        key TEXT NOT NULL,
        article INTEGER NOT NULL,
        PRIMARY KEY (key, article)
    ) WITHOUT ROWID;
    CREATE TABLE attributions (
        article INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (article, seq)
    ) WITHOUT ROWID;
    """,
}
"""Schema changes by target version; applied in order, each in one transaction."""


def signature_settings(settings: Settings) -> dict[str, Any]:
    """What must match between an archive and a run: signature shape and LSH banding."""
    bands, rows = lsh_params(settings.lsh_threshold, settings.num_perm)
    return {**settings.signature_key(), "bands": bands, "rows": rows}


@dataclass(slots=True)
class StoredPassage:
    """A passage to store: spans, text and signature."""

    index: int
    start: int
    end: int
    text: str
    signature: np.ndarray


@dataclass(slots=True)
class ArticleEntry:
    """Everything stored for one article."""

    article: Article
    passages: list[StoredPassage]
    fact_keys: list[str] = field(default_factory=list)
    attributions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class AddStats:
    """What one ``add`` did."""

    added: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    """Inputs that could not be read (empty, binary, a broken JSONL line...)."""


class Archive:
    """An open archive file.

    Args:
        path: SQLite file; created (with the current schema) if missing.
        settings: The run settings; their signature settings are stored on
            creation and must match afterwards.
        create: Create the file if it does not exist (else ``ArchiveError``).

    Raises:
        ArchiveError: newer schema, other signature settings, unreadable file.

    Example:
        >>> with Archive("lineage.db", Settings()) as db:  # doctest: +SKIP
        ...     db.count()
        0
    """

    def __init__(self, path: str | Path, settings: Settings, *, create: bool = True) -> None:
        self.path = Path(path)
        self.settings = settings
        if not create and not self.path.exists():
            raise ArchiveError(
                f"{self.path}: no such archive (create one with `lineage index add`)"
            )
        try:
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.path}: cannot open archive: {exc}") from exc
        self._migrate()
        self._check_settings()
        self.bands, self.rows = lsh_params(settings.lsh_threshold, settings.num_perm)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # --- schema ---

    def schema_version(self) -> int:
        """The schema version of the file (0 for an empty file)."""
        try:
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError:
            return 0
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.path}: not a lineage archive: {exc}") from exc
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise ArchiveError(
                f"{self.path}: archive schema version {current} is newer than this lineage "
                f"supports ({SCHEMA_VERSION}); upgrade lineage"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for stmt in MIGRATIONS[version].split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                self.conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(version),)
                )

    def _check_settings(self) -> None:
        want = signature_settings(self.settings)
        row = self.conn.execute("SELECT value FROM meta WHERE key='signature'").fetchone()
        if row is None:
            with self.transaction():
                self.conn.execute("INSERT INTO meta VALUES ('signature', ?)",
                                  (json.dumps(want, sort_keys=True),))  # fmt: skip
            return
        have = json.loads(row[0])
        diff = [f"{k}={have.get(k)!r} (run has {want[k]!r})" for k in sorted(want)
                if have.get(k) != want[k]]  # fmt: skip
        if diff:
            raise ArchiveError(
                f"{self.path}: archive was built with other signature settings: "
                + ", ".join(diff)
                + "; use the archive's settings or build a new archive"
            )

    def transaction(self) -> _Transaction:
        """``with archive.transaction():`` BEGIN IMMEDIATE … COMMIT (ROLLBACK on error)."""
        return _Transaction(self.conn)

    # --- writing ---

    def known(self, ids: Sequence[str]) -> dict[str, str]:
        """``{id: sha256}`` of the given ids that are already stored."""
        out: dict[str, str] = {}
        for lo in range(0, len(ids), 500):
            chunk = list(ids[lo : lo + 500])
            marks = ",".join("?" * len(chunk))
            for aid, sha in self.conn.execute(
                f"SELECT id, sha256 FROM articles WHERE id IN ({marks})", chunk
            ):
                out[aid] = sha
        return out

    def add_batch(self, entries: Iterable[ArticleEntry]) -> AddStats:
        """Store a batch in one transaction; ids already stored are left as they are."""
        stats = AddStats()
        entries = list(entries)
        known = self.known([e.article.id for e in entries])
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self.transaction():
            for e in entries:
                art = e.article
                if art.id in known:
                    if known[art.id] == art.sha256:
                        stats.unchanged += 1
                    else:
                        stats.conflicts.append(art.id)
                    continue
                known[art.id] = art.sha256
                rowid = self._insert(e, now)
                stats.added += 1
                self._insert_keys(rowid, e)
        return stats

    def _insert(self, e: ArticleEntry, now: str) -> int:
        a = e.article
        cur = self.conn.execute(
            "INSERT INTO articles (id, sha256, title, outlet, url, published, language, path, "
            "text, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (a.id, a.sha256, a.title, a.outlet, a.url, a.published, a.language, a.path, a.text,
             now),
        )  # fmt: skip
        rowid = int(cur.lastrowid or 0)
        self.conn.executemany(
            'INSERT INTO passages (article, idx, start, "end", text, signature) '
            "VALUES (?,?,?,?,?,?)",
            [(rowid, p.index, p.start, p.end, p.text,
              np.ascontiguousarray(p.signature, dtype="<u4").tobytes()) for p in e.passages],
        )  # fmt: skip
        self.conn.executemany(
            "INSERT INTO attributions (article, seq, record) VALUES (?,?,?)",
            [(rowid, i, json.dumps(r, ensure_ascii=False, sort_keys=True))
             for i, r in enumerate(e.attributions)],
        )  # fmt: skip
        return rowid

    def _insert_keys(self, rowid: int, e: ArticleEntry) -> None:
        if e.passages:
            sigs = np.stack([p.signature for p in e.passages])
            keys = np.unique(band_keys(sigs, self.bands, self.rows))
            self.conn.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                                  [(int(k), rowid) for k in keys])  # fmt: skip
        self.conn.executemany("INSERT OR IGNORE INTO facts VALUES (?, ?)",
                              [(k, rowid) for k in sorted(set(e.fact_keys))])  # fmt: skip

    # --- reading ---

    def count(self) -> int:
        """Number of stored articles."""
        return int(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def candidates(self, keys: Sequence[int] | np.ndarray, fact_keys: Sequence[str] = (),
                   limit: int = 50, max_fact_postings: int = 50
                   ) -> list[tuple[str, int]]:  # fmt: skip
        """Stored article ids sharing band keys (or rare strong facts), most shared first.

        Returns:
            ``[(article id, shared keys)]``, at most ``limit``, ties by id.
        """
        hits: dict[int, int] = {}
        uniq = sorted({int(k) for k in keys})
        for lo in range(0, len(uniq), 500):
            chunk = uniq[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            for art, n in self.conn.execute(
                f"SELECT article, count(*) FROM bands WHERE key IN ({marks}) GROUP BY article",
                chunk,
            ):
                hits[art] = hits.get(art, 0) + n
        for key in sorted(set(fact_keys)):
            rows = self.conn.execute("SELECT article FROM facts WHERE key = ? LIMIT ?",
                                     (key, max_fact_postings + 1)).fetchall()  # fmt: skip
            if len(rows) <= max_fact_postings:
                for (art,) in rows:
                    hits[art] = hits.get(art, 0) + 1
        if not hits:
            return []
        ids = dict(self._ids(list(hits)))
        ranked = sorted(((ids[r], n) for r, n in hits.items()), key=lambda x: (-x[1], x[0]))
        return ranked[:limit]

    def _ids(self, rowids: list[int]) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        for lo in range(0, len(rowids), 500):
            chunk = rowids[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            out.extend(self.conn.execute(
                f"SELECT rowid, id FROM articles WHERE rowid IN ({marks})", chunk))  # fmt: skip
        return out

    def articles(self, ids: Sequence[str]) -> list[Article]:
        """Stored articles by id (sorted by id); unknown ids are left out."""
        out: list[Article] = []
        for lo in range(0, len(ids), 500):
            chunk = list(ids[lo : lo + 500])
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                "SELECT id, text, title, outlet, url, published, language, path, sha256 "
                f"FROM articles WHERE id IN ({marks})", chunk,
            ):  # fmt: skip
                aid, text, title, outlet, url, published, language, path, sha = row
                out.append(Article(id=aid, text=text, title=title, outlet=outlet, url=url,
                                   published=published, language=language, path=path,
                                   sha256=sha, provenance={"id": "archive"}))  # fmt: skip
        return sorted(out, key=lambda a: a.id)

    def signatures(self, article_id: str) -> np.ndarray:
        """Stored passage signatures of one article, ``(passages, num_perm)`` uint32."""
        rows = self.conn.execute(
            "SELECT p.signature FROM passages p JOIN articles a ON a.rowid = p.article "
            "WHERE a.id = ? ORDER BY p.idx", (article_id,),
        ).fetchall()  # fmt: skip
        if not rows:
            return np.empty((0, self.settings.num_perm), dtype=np.uint32)
        return np.stack([np.frombuffer(r[0], dtype="<u4") for r in rows]).astype(np.uint32)

    def attributions(self, article_id: str) -> list[dict[str, Any]]:
        """Stored attribution records of one article."""
        rows = self.conn.execute(
            "SELECT t.record FROM attributions t JOIN articles a ON a.rowid = t.article "
            "WHERE a.id = ? ORDER BY t.seq", (article_id,),
        ).fetchall()  # fmt: skip
        return [json.loads(r[0]) for r in rows]


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
