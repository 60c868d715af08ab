"""``write_run`` writes some files in a forked process: the same bytes as writing them here."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from lineage import pipeline, report
from lineage.engine import LocalEngine


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "run.json"}


def test_forked_writing_gives_the_same_files(
    seed_run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = dataclasses.replace(seed_run, settings=dataclasses.replace(seed_run.settings, workers=2))
    run.timings = dict(seed_run.timings)
    pipeline.write_run(run, tmp_path / "forked")
    monkeypatch.setattr(pipeline, "LocalEngine", lambda workers: LocalEngine(1))
    pipeline.write_run(run, tmp_path / "here")
    forked, here = _files(tmp_path / "forked"), _files(tmp_path / "here")
    assert set(forked) >= {"passages.jsonl", "graph.json", "report.html", "report.md"}
    assert forked == here


def test_report_from_known_content_equals_report_from_files(
    seed_run: Any, seed_run_dir: Path, tmp_path: Path
) -> None:
    """What ``write_run`` hands the report (passages as objects) reads as the files do."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for p in seed_run_dir.iterdir():
        if p.suffix in (".json", ".jsonl"):
            (run_dir / p.name).write_bytes(p.read_bytes())
    from_files = report.build_context(report.load_run(run_dir))
    html_files = report.render_html(from_files)
    for name in ("passages.jsonl", "clusters.jsonl"):  # being written elsewhere: not on disk
        (run_dir / name).unlink()
    known = {"passages.jsonl": seed_run.passages, "clusters.jsonl": seed_run.clusters}
    run = report.load_run(run_dir, known)
    assert not run.notes
    assert list(run.iter_passages()) == list(report.load_run(seed_run_dir).iter_passages())
    some = {seed_run.articles[0].id, seed_run.articles[-1].id}
    assert list(run.iter_passages(some)) == list(report.load_run(seed_run_dir).iter_passages(some))
    assert report.render_html(report.build_context(run)) == html_files


def test_a_missing_file_is_still_noted(seed_run_dir: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name in ("articles.jsonl", "run.json"):
        (run_dir / name).write_bytes((seed_run_dir / name).read_bytes())
    notes = report.load_run(run_dir).notes
    assert any(n.startswith("passages.jsonl is missing") for n in notes)
