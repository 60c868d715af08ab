"""End-to-end tests of the command line on seeds/ and on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lineage.cli import cli


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_scan_seeds_writes_every_output(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run("scan", str(seeds_dir), "--out", str(out), "-q")
    assert result.exit_code == 0, result.output
    for name in (
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
    ):
        assert (out / name).exists(), name
    assert "Strongest article pairs:" in result.output
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["articles"] == 5 and run["signature"]["seed"] == 1
    assert set(run["timings"]) >= {"ingest", "normalize", "segment", "match", "attribution"}
    assert not list(out.glob(".*.tmp"))


def test_same_input_gives_identical_bytes(seeds_dir: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run("scan", str(seeds_dir), "-o", str(a), "-q", "-f", "none").exit_code == 0
    assert _run("scan", str(seeds_dir), "-o", str(b), "-q", "-f", "none").exit_code == 0
    for f in sorted(a.iterdir()):
        if f.name == "run.json":
            ra, rb = json.loads(f.read_text()), json.loads((b / f.name).read_text())
            ra.pop("timings"), rb.pop("timings")
            assert ra == rb
        else:
            assert f.read_bytes() == (b / f.name).read_bytes(), f.name


def test_bad_inputs_are_reported_and_batch_goes_on(seeds_dir: Path, tmp_path: Path) -> None:
    (seeds_dir / "empty.txt").write_text("")
    (seeds_dir / "bin.txt").write_bytes(b"\x89PNG\x00\x00\x00" * 10)
    (seeds_dir / "broken.jsonl").write_text('{"id": "ok", "text": "Ein Satz."}\n{oops\n')
    out = tmp_path / "out"
    result = _run("scan", str(seeds_dir), "-o", str(out), "-f", "none")
    assert result.exit_code == 1
    rejected = [json.loads(x) for x in (out / "rejected.jsonl").read_text().splitlines()]
    assert {(Path(r["path"]).name, r["line"]) for r in rejected} == {
        ("empty.txt", None),
        ("bin.txt", None),
        ("broken.jsonl", 2),
    }
    assert f"skipped {seeds_dir / 'broken.jsonl'}:2: invalid JSON" in result.output
    arts = (out / "articles.jsonl").read_text().splitlines()
    assert len(arts) == 6


def test_summary_names_each_skipped_input_once(seeds_dir: Path, tmp_path: Path) -> None:
    (seeds_dir / "empty.txt").write_text("")
    (seeds_dir / "broken.jsonl").write_text('{"id": "ok", "text": "Ein Satz."}\n{oops\n')
    out = tmp_path / "out"
    result = _run("scan", str(seeds_dir), "-o", str(out))
    assert result.exit_code == 1
    # named once (stderr, as skipped); the summary says how many and where they are listed
    assert result.output.count(f"skipped {seeds_dir / 'broken.jsonl'}:2: invalid JSON") == 1
    assert result.output.count(f"skipped {seeds_dir / 'empty.txt'}: empty file") == 1
    assert f"2 inputs skipped: see {out / 'rejected.jsonl'}" in result.output


def test_strict_stops_with_one_line_error(tmp_path: Path) -> None:
    f = tmp_path / "b.jsonl"
    f.write_text('{"id": "1", "text": "ok"}\n{broken\n')
    result = _run("scan", str(f), "-o", str(tmp_path / "o"), "--strict")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {f}:2: invalid JSON")
    assert result.output.count("\n") == 1


def test_nothing_usable_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_text("")
    result = _run("scan", str(tmp_path), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "Error: no usable article in the inputs" in result.output


def test_stdin_jsonl_and_jsonl_output(tmp_path: Path) -> None:
    text = (
        "Nach Schätzungen des südkoreanischen Generalstabs sind rund 1.100 nordkoreanische "
        "Soldaten gefallen oder verwundet worden, hieß es am Montag in Seoul."
    )
    lines = "".join(json.dumps({"id": f"a{i}", "text": text}) + "\n" for i in range(2))
    result = _run("scan", "-", "-o", str(tmp_path / "o"), "-f", "jsonl", "-q", input=lines)
    assert result.exit_code == 0
    rows = [json.loads(x) for x in result.output.splitlines()]
    assert rows[0]["a"] == "a0" and rows[0]["b"] == "a1" and "verbatim" in rows[0]["kinds"]


def test_fail_on_match_exit_code(tmp_path: Path) -> None:
    text = "Ein identischer Absatz mit genug Wörtern, damit er als Passage zählt, hier."
    for i in range(2):
        (tmp_path / f"{i}.txt").write_text(text)
    result = _run(
        "scan", str(tmp_path), "-o", str(tmp_path / "o"), "-q", "-f", "none", "--fail-on-match"
    )
    assert result.exit_code == 3


def test_unknown_setting_suggests_nearest(tmp_path: Path) -> None:
    cfg = tmp_path / "lineage.toml"
    cfg.write_text("lsh_treshold = 0.4\n")
    result = _run("config", "--config", str(cfg))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {cfg}: unknown setting 'lsh_treshold' (did you mean 'lsh_threshold'?)\n"
    )


def test_config_prints_effective_toml(tmp_path: Path) -> None:
    cfg = tmp_path / "lineage.toml"
    cfg.write_text("seed = 7\n")
    result = _run("config", "--config", str(cfg))
    assert "seed = 7\n" in result.output and "num_perm = 128\n" in result.output


def test_attributions_command_table(seeds_dir: Path) -> None:
    result = _run("attributions", str(seeds_dir), "-f", "table")
    assert result.exit_code == 0
    assert "jcs-kr" in result.output and "merkur" in result.output


def test_graph_export_formats(seed_run_dir: Path) -> None:
    dot = _run("graph", str(seed_run_dir), "-f", "dot", "--kind", "derives_from")
    assert dot.output.startswith("digraph lineage {") and "derives_from" in dot.output
    assert "cites 0." not in dot.output
    gml = _run("graph", str(seed_run_dir), "-f", "graphml")
    assert "<graphml" in gml.output
    gexf = _run("graph", str(seed_run_dir), "-f", "gexf")
    assert "<gexf" in gexf.output
    js = json.loads(_run("graph", str(seed_run_dir)).output)
    assert {n["kind"] for n in js["nodes"]} >= {"article", "source"}


def test_graph_on_missing_run_is_one_line(tmp_path: Path) -> None:
    result = _run("graph", str(tmp_path))
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {tmp_path / 'graph.json'}: no graph.json here; run `lineage scan` first\n"
    )


def test_every_command_has_help() -> None:
    for cmd in cli.commands:
        result = _run(cmd, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_help_does_not_import_the_pipeline():
    """``lineage --help`` stays fast: scikit-learn and datasketch load when a command runs."""
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from lineage.cli import cli; "
        "r = CliRunner().invoke(cli, ['--help']); assert r.exit_code == 0, r.output; "
        "heavy = [m for m in ('lineage.pipeline', 'sklearn', 'datasketch') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
