"""Review items, stable ids, the verdict store, JSONL/CSV exchange and the review server."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from test_report import write_sample_run

from lineage import review
from lineage.errors import InputError, LineageError


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return write_sample_run(tmp_path / "run")


def test_items_cover_the_three_kinds(run_dir: Path) -> None:
    items = review.build_items(run_dir)
    kinds = [i.kind for i in items]
    assert kinds == ["uncredited", "derives_from", "changed_fact"]  # most urgent first
    un = items[0]
    assert un.article == "copy1" and un.other == "wire1"
    assert un.evidence[0]["left"]["article"] == "copy1"
    assert un.evidence[0]["left"]["spans"]  # aligned spans, relative to the passage
    fact = items[2]
    assert fact.facts == [{"kind": "hedge", "fact": "lack experience", "a": "apparently", "b": ""}]


def test_ids_follow_the_documented_rule(run_dir: Path) -> None:
    ids = {i.kind: i.id for i in review.build_items(run_dir)}
    assert ids["uncredited"] == review.item_id("uncredited", "copy1", "article:wire1")
    assert ids["derives_from"] == review.item_id("derives_from", "article:copy1", "article:wire1")
    assert ids["changed_fact"] == review.item_id(
        "changed_fact", "copy1", "wire1", "hedge", "lack experience", "apparently", ""
    )
    assert ids["uncredited"].startswith("u-") and len(ids["uncredited"]) == 18


def test_ids_ignore_run_specific_numbers(run_dir: Path, tmp_path: Path) -> None:
    """Renumbered matches and passages, other scores: the same findings keep their ids."""
    before = sorted(i.id for i in review.build_items(run_dir))
    path = run_dir / "matches.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for n, row in enumerate(rows):
        row["id"] = f"match-{n + 100}"
        row["score"] = row["score"] / 2
        row["a"], row["b"] = row["b"], row["a"]  # swapped sides
        row["article_a"], row["article_b"] = row["article_b"], row["article_a"]
        for cf in row["changed_facts"]:
            cf["a"], cf["b"] = cf["b"], cf["a"]
        for sp in row["spans"]:
            sp["a_start"], sp["b_start"] = sp["b_start"], sp["a_start"]
            sp["a_end"], sp["b_end"] = sp["b_end"], sp["a_end"]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert sorted(i.id for i in review.build_items(run_dir)) == before


def test_ids_normalize_whitespace_and_case() -> None:
    assert review.item_id("changed_fact", "a", "b", "number", "Soldaten  1100") == review.item_id(
        "changed_fact", "a", "b", "number", "soldaten 1100"
    )


def test_store_roundtrip_and_history(tmp_path: Path) -> None:
    store = review.ReviewStore(tmp_path / "r.db")
    store.save("u-1", "confirmed", "first", "ann")
    store.save("u-1", "credited", "second", "bob")
    assert store.verdicts()["u-1"]["verdict"] == "credited"
    assert [h["note"] for h in store.history("u-1")] == ["first", "second"]
    with pytest.raises(LineageError, match="unknown verdict 'maybe'"):
        store.save("u-1", "maybe")
    conn = sqlite3.connect(tmp_path / "r.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"review_verdicts", "review_history"} <= tables
    conn.close()


def test_concurrent_saves_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    review.ReviewStore(db)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            store = review.ReviewStore(db)
            for i in range(15):
                store.save(f"item-{n}-{i}", "confirmed", f"{n}/{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store = review.ReviewStore(db)
    assert len(store.verdicts()) == 120 and len(store.history()) == 120


def _save_forever(db: str, ready: Any) -> None:
    store = review.ReviewStore(Path(db))
    store.save("kept", "confirmed", "before the kill")
    ready.set()
    n = 0
    while True:
        store.save(f"spam-{n}", "needs-follow-up")
        n += 1


def test_killed_writer_keeps_committed_verdicts(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    review.ReviewStore(db)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_save_forever, args=(str(db), ready))
    proc.start()
    assert ready.wait(20)
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    store = review.ReviewStore(db)
    assert store.verdicts()["kept"]["note"] == "before the kill"
    assert conn_ok(db)


def conn_ok(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_export_jsonl_and_csv(run_dir: Path) -> None:
    items = review.build_items(run_dir)
    review.ReviewStore(review.default_db(run_dir)).save(items[0].id, "confirmed", "n", "ed")
    rows = review.export_rows(run_dir)
    lines = review.to_jsonl(rows).splitlines()
    first = json.loads(lines[0])
    assert first["item_id"] == items[0].id and first["verdict"] == "confirmed"
    assert json.loads(lines[1])["verdict"] is None
    table = list(csv.DictReader(io.StringIO(review.to_csv(rows))))
    assert table[0]["verdict"] == "confirmed" and table[0]["matches"] == "m1 m2"
    assert list(table[0]) == list(review.CSV_FIELDS)


def test_import_moves_verdicts_newest_wins(run_dir: Path, tmp_path: Path) -> None:
    src = review.ReviewStore(review.default_db(run_dir))
    items = review.build_items(run_dir)
    src.save(items[0].id, "confirmed", "from desk A", updated_at="2026-01-02T00:00:00.000Z")
    export = tmp_path / "verdicts.jsonl"
    export.write_text(review.to_jsonl(review.export_rows(run_dir)), encoding="utf-8")
    other = tmp_path / "other.db"
    assert review.import_verdicts(export, other) == (1, 0)
    assert review.ReviewStore(other).verdicts()[items[0].id]["note"] == "from desk A"
    # an older verdict does not overwrite a newer one, but it is kept in history
    review.ReviewStore(other).save(items[0].id, "credited", "newer", updated_at="2026-02-01T00:00Z")
    assert review.import_verdicts(export, other) == (0, 1)
    store = review.ReviewStore(other)
    assert store.verdicts()[items[0].id]["verdict"] == "credited"
    assert [h["origin"] for h in store.history(items[0].id)] == ["import", "save", "import"]


def test_import_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "v.jsonl"
    bad.write_text('{"item_id": "x", "verdict": "confirmed"}\n{"item_id": "y", "verdict": "meh"}\n')
    with pytest.raises(InputError, match=r"v.jsonl:2: unknown verdict 'meh'"):
        review.import_verdicts(bad, tmp_path / "r.db")
    bad.write_text("not json\n")
    with pytest.raises(InputError, match=r"v.jsonl:1: invalid JSON"):
        review.import_verdicts(bad, tmp_path / "r.db")


def test_verdicts_survive_a_rerun(run_dir: Path, tmp_path: Path) -> None:
    """A new run folder over the same articles shows the verdicts given before."""
    first = review.build_items(run_dir)
    db = tmp_path / "shared.db"
    review.ReviewStore(db).save(first[1].id, "not-a-copy", "same wire story")
    rerun = write_sample_run(tmp_path / "rerun")
    rows = {r["id"]: r for r in review.export_rows(rerun, db)}
    assert rows[first[1].id]["verdict"] == "not-a-copy"


# --------------------------------------------------------------------------- server


def _request(url: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **(headers or {})}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read()) if "json" in resp.headers["Content-Type"] else resp.read()


@pytest.fixture
def server(run_dir: Path):
    srv = review.make_server(run_dir, port=0)
    review.serve_in_thread(srv)
    yield srv
    srv.shutdown()
    srv.server_close()


def test_server_saves_a_verdict(server: Any, run_dir: Path) -> None:
    url = review.server_url(server)
    assert url.startswith("http://127.0.0.1:")
    page = _request(url).decode()
    assert "any experience with drones" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    item = server.app.items[0].id
    token = server.app.token
    saved = _request(
        url + "api/verdict",
        {
            "item_id": item,
            "verdict": "confirmed",
            "note": "<i>x</i>",
            "editor": "ed",
            "token": token,
        },
    )
    assert saved["verdict"] == "confirmed"
    assert review.ReviewStore(run_dir / "review.db").verdicts()[item]["note"] == "<i>x</i>"
    items = _request(url + "api/items")
    assert items[0]["verdict"]["verdict"] == "confirmed"
    assert "&lt;i&gt;x&lt;/i&gt;" in _request(url).decode()


def _status(url: str, data: Any = None, headers: dict[str, str] | None = None) -> int:
    try:
        _request(url, data, headers)
    except urllib.error.HTTPError as err:
        err.close()
        return err.code
    return 200


def test_server_refuses_bad_token_unknown_item_and_host(server: Any) -> None:
    url = review.server_url(server)
    api = url + "api/verdict"
    item = server.app.items[0].id
    token = server.app.token
    assert _status(api, {"item_id": item, "verdict": "confirmed", "token": "no"}) == 403
    assert _status(api, {"item_id": "nope", "verdict": "confirmed", "token": token}) == 404
    assert _status(api, {"item_id": item, "verdict": "maybe", "token": token}) == 400
    assert _status(url, headers={"Host": "evil.example"}) == 403
    assert _status(url + "nothing") == 404


def test_server_page_has_strict_csp(server: Any) -> None:
    with urllib.request.urlopen(review.server_url(server), timeout=10) as resp:
        csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'nonce-" in csp and "default-src 'none'" in csp


def test_server_accepts_plain_form_posts(server: Any, run_dir: Path) -> None:
    item = server.app.items[1].id
    body = urllib.parse.urlencode(
        {
            "item_id": item,
            "verdict": "credited",
            "note": "",
            "editor": "",
            "token": server.app.token,
        }
    ).encode()
    req = urllib.request.Request(
        review.server_url(server) + "api/verdict",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # follows the 303 back to the page
        assert resp.status == 200
    assert review.ReviewStore(run_dir / "review.db").verdicts()[item]["verdict"] == "credited"


def test_port_in_use_is_a_clear_error(server: Any, run_dir: Path) -> None:
    port = server.server_address[1]
    with pytest.raises(LineageError, match=f"cannot listen on 127.0.0.1:{port}"):
        review.make_server(run_dir, port=port)
