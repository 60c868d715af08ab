"""Archive add/query end to end on the seed articles."""

from __future__ import annotations

import json
from pathlib import Path

from lineage.config import Settings
from lineage.index import add, answers_table, query, scan_with_archive

SEEDS = sorted(Path(__file__).parent.parent.joinpath("seeds").glob("*.txt"))

BODY = (
    "Die Stadtwerke Neustadt erhöhen zum 1. März die Preise für Fernwärme um 14 Prozent. "
    "Betroffen sind nach Angaben des Unternehmens rund 12.000 Haushalte im Stadtgebiet. "
    "Ein Sprecher sagte, die gestiegenen Einkaufspreise für Gas ließen keine andere Wahl. "
    "Der Mieterbund kritisierte die Erhöhung scharf und kündigte eine Prüfung der Verträge an. "
    "Bereits im vergangenen Jahr waren die Preise zweimal angehoben worden."
)


def _write(folder: Path, name: str, record: dict) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def test_add_is_idempotent(tmp_path):
    db = tmp_path / "l.db"
    first = add(SEEDS[:2], db)
    again = add(SEEDS[:2], db)
    assert (first.added, again.added, again.unchanged) == (2, 0, 2)


def test_query_finds_copy_and_names_parent(tmp_path):
    db = tmp_path / "l.db"
    orig = _write(
        tmp_path, "orig", {"id": "wire-1", "text": BODY, "outlet": "dpa", "published": "2024-03-01"}
    )
    add([orig, *SEEDS[:2]], db)
    copy = _write(
        tmp_path,
        "copy",
        {
            "id": "local-1",
            "outlet": "Kurier",
            "published": "2024-03-02",
            "text": "Wie dpa meldet: " + BODY + " Mehr dazu morgen.",
        },
    )
    answers = query([copy], db)
    assert [a.article for a in answers] == ["local-1"]
    ans = answers[0]
    assert not ans.seen
    assert [p.article for p in ans.parents] == ["wire-1"]
    assert ans.parents[0].kinds.get("verbatim", 0) + ans.parents[0].kinds.get("near-verbatim", 0)
    assert ans.parents[0].coverage >= 0.5
    assert all(m.spans for m in ans.matches)
    assert "wire-1" in answers_table(answers)
    json.dumps(ans.to_dict())


def test_query_does_not_add(tmp_path):
    db = tmp_path / "l.db"
    add(SEEDS[:1], db)
    query(SEEDS[1:2], db)
    assert add(SEEDS[1:2], db).added == 1


def test_query_matches_scan_on_seeds(tmp_path):
    """Pairs found by querying seeds 3–4 against 0–2 are the cross pairs a full scan finds."""
    from lineage.pipeline import scan

    db = tmp_path / "l.db"
    add(SEEDS[:3], db, attributions=False)
    answers = query(SEEDS[3:], db, Settings())
    got = {
        (min(m.article_a, m.article_b), max(m.article_a, m.article_b), m.kind)
        for a in answers
        for m in a.matches
    }
    old = {p.stem for p in SEEDS[:3]}
    full = scan(SEEDS)
    want = {
        (m.article_a, m.article_b, m.kind)
        for m in full.matches
        if (m.article_a in old) != (m.article_b in old)
    }
    assert want
    assert {(a, b) for a, b, _ in want} <= {(a, b) for a, b, _ in got}


def test_scan_with_archive_reaches_back(tmp_path):
    db = tmp_path / "l.db"
    add(SEEDS[:3], db, attributions=False)
    result = scan_with_archive(SEEDS[3:], db)
    assert result.counts["archive_articles"] >= 1
    assert result.counts["archive_added"] == 2
    arts = {m.article_a for m in result.matches} | {m.article_b for m in result.matches}
    assert arts & {p.stem for p in SEEDS[:3]}


def test_bad_inputs_are_skipped_and_reported(tmp_path):
    from click.testing import CliRunner

    from lineage.cli import cli

    db = tmp_path / "l.db"
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    broken = tmp_path / "batch.jsonl"
    broken.write_text(json.dumps({"id": "ok", "text": BODY}) + '\n{"id": "x", "text": oops\n')
    stats = add([SEEDS[0], empty], db)
    assert stats.added == 1 and [r.path for r in stats.rejected] == [str(empty)]
    rejected: list = []
    answers = query([broken], db, rejected=rejected)
    assert [a.article for a in answers] == ["ok"]
    assert [(r.path, r.line) for r in rejected] == [(str(broken), 2)]

    runner = CliRunner()
    result = runner.invoke(cli, ["index", "add", str(SEEDS[1]), str(empty), "--db", str(db)])
    assert result.exit_code == 1
    assert f"skipped {empty}: empty file" in result.output
    assert "1 added, 0 already stored, 0 conflicts, 1 rejected" in result.output
    result = runner.invoke(cli, ["index", "query", str(broken), "--db", str(db)])
    assert result.exit_code == 1
    assert f"skipped {broken}:2: invalid JSON" in result.output
    assert json.loads(result.output.splitlines()[-1])["article"] == "ok"
