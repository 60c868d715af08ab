"""The SQLite archive: schema, idempotent add, atomic batches, settings check."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from lineage.config import Settings
from lineage.errors import ArchiveError
from lineage.models import Article
from lineage.store import SCHEMA_VERSION, Archive, ArticleEntry, StoredPassage, band_keys


def _entry(aid: str, text: str = "Ein Text über Dinge.") -> ArticleEntry:
    sig = np.arange(128, dtype=np.uint32) + len(aid)
    art = Article(id=aid, text=text, sha256=f"sha-{text}")
    return ArticleEntry(art, [StoredPassage(0, 0, len(text), text, sig)], ["number:1100"])


def test_new_archive_has_schema_version_and_wal(tmp_path):
    with Archive(tmp_path / "a.db", Settings()) as db:
        assert db.schema_version() == SCHEMA_VERSION
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.count() == 0


def test_add_twice_changes_nothing(tmp_path):
    with Archive(tmp_path / "a.db", Settings()) as db:
        first = db.add_batch([_entry("a"), _entry("b")])
        bands_before = db.conn.execute("SELECT count(*) FROM bands").fetchone()[0]
        again = db.add_batch([_entry("a"), _entry("b")])
        assert (first.added, again.added, again.unchanged) == (2, 0, 2)
        assert db.conn.execute("SELECT count(*) FROM bands").fetchone()[0] == bands_before
        assert db.count() == 2


def test_same_id_other_text_is_a_conflict_not_an_overwrite(tmp_path):
    with Archive(tmp_path / "a.db", Settings()) as db:
        db.add_batch([_entry("a", "eins")])
        stats = db.add_batch([_entry("a", "zwei")])
        assert stats.conflicts == ["a"]
        assert db.articles(["a"])[0].text == "eins"


def test_failed_batch_leaves_archive_unchanged(tmp_path):
    with Archive(tmp_path / "a.db", Settings()) as db:
        db.add_batch([_entry("a")])
        broken = _entry("b")
        broken.article.text = None  # type: ignore[assignment]  # NOT NULL violation mid-batch
        with pytest.raises(sqlite3.IntegrityError):
            db.add_batch([_entry("c"), broken])
        assert db.count() == 1
        assert [a.id for a in db.articles(["a", "b", "c"])] == ["a"]


def test_other_signature_settings_are_an_error(tmp_path):
    Archive(tmp_path / "a.db", Settings()).close()
    with pytest.raises(ArchiveError, match=r"num_perm=128 \(run has 64\)"):
        Archive(tmp_path / "a.db", Settings(num_perm=64))
    with pytest.raises(ArchiveError, match="shingle_size=3 \\(run has 5\\)"):
        Archive(tmp_path / "a.db", Settings(shingle_size=5))


def test_newer_schema_is_an_error(tmp_path):
    Archive(tmp_path / "a.db", Settings()).close()
    conn = sqlite3.connect(tmp_path / "a.db")
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(ArchiveError, match="schema version 99 is newer"):
        Archive(tmp_path / "a.db", Settings())


def test_missing_archive_without_create(tmp_path):
    with pytest.raises(ArchiveError, match="no such archive"):
        Archive(tmp_path / "none.db", Settings(), create=False)


def test_band_keys_equal_for_equal_bands_only():
    sig = np.arange(2 * 128, dtype=np.uint32).reshape(2, 128)
    sig[1, :3] = sig[0, :3]
    keys = band_keys(sig, 37, 3)
    assert keys.shape == (2, 37)
    assert keys[0, 0] == keys[1, 0]
    assert not (keys[0, 1:] == keys[1, 1:]).any()
    assert len(np.unique(keys[0])) == 37


def test_candidates_by_band_key_and_signature_roundtrip(tmp_path):
    with Archive(tmp_path / "a.db", Settings()) as db:
        db.add_batch([_entry("a"), _entry("bb")])
        sig = db.signatures("a")
        assert sig.dtype == np.uint32 and (sig[0] == np.arange(128) + 1).all()
        keys = band_keys(sig, db.bands, db.rows).ravel()
        assert db.candidates(keys) == [("a", db.bands)]
        assert db.candidates([], ["number:1100"]) == [("a", 1), ("bb", 1)]
