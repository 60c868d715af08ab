from __future__ import annotations

from pathlib import Path

import lineage


def test_scan_reports_each_stage_as_it_ends(seeds_dir: Path) -> None:
    seen: list[str] = []
    result = lineage.scan([seeds_dir], on_stage=lambda stage, seconds: seen.append(stage))
    assert seen[:3] == ["ingest", "normalize", "segment"]
    assert {"match", "cluster", "attribution", "graph"} <= set(seen)
    assert set(seen) <= set(result.timings)


def test_public_api_runs_end_to_end(seeds_dir: Path, tmp_path: Path) -> None:
    result = lineage.scan([seeds_dir], lineage.Settings(seed=1))
    out = lineage.write_run(result, tmp_path / "run", report=False)
    pairs = lineage.article_pairs(result)
    assert {(p["a"][:3], p["b"][:3]) for p in pairs[:2]} == {("000", "004"), ("002", "003")}
    assert (out / "graph.json").exists() and not (out / "report.html").exists()
