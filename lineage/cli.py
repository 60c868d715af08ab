"""Command-line interface: parses arguments and calls the library.

Exit codes: 0 success; 1 bad input or config (or, without --strict, some
inputs were rejected: see ``rejected.jsonl``); 2 usage error; 3 ``--fail-on-match``
and at least one match was found.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from lineage import __version__
from lineage.config import Settings, load_settings, to_toml
from lineage.errors import LineageError
from lineage.output import atomic_write_text, dumps, table

CONTEXT = {"help_option_names": ["-h", "--help"], "show_default": True}


class LineageGroup(click.Group):
    """Turn LineageError into a one-line message (tracebacks only with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LineageError as exc:
            if ctx.params.get("debug"):
                raise
            raise click.ClickException(str(exc)) from exc


@click.group(cls=LineageGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="lineage")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(debug: bool) -> None:
    """lineage: find rewritten news and where it came from.

    \b
    Typical use:
        lineage scan seeds/ --out reports/seeds
        lineage attributions seeds/ --format table
        lineage graph reports/seeds --format dot
        lineage report reports/seeds
    """


# --- scan commands ---

EXIT_REJECTED = 1
EXIT_MATCHED = 3


def _progress(quiet: bool) -> Any:
    """A progress factory writing labelled bars to stderr (never stdout)."""

    def wrap(items: Any, label: str) -> Any:
        if quiet or len(items) < 50:
            return items
        return _bar(items, label)

    return wrap


def _bar(items: Any, label: str) -> Any:
    with click.progressbar(items, label=f"{label:<13}", file=sys.stderr) as bar:
        yield from bar


def _stage_log(quiet: bool) -> Any:
    """One stderr line per finished stage, so a long scan shows where it is."""
    if quiet:
        return None

    def log(stage: str, seconds: float) -> None:
        if seconds >= 5.0:  # only what a person would notice waiting for
            click.echo(f"lineage: {stage} done in {seconds:.1f} s", err=True)

    return log


@dataclass(frozen=True, slots=True)
class InputArgs:
    """The options every command that reads articles shares (see ``input_options``)."""

    config_file: Path | None
    metadata: str | None
    text_key: str | None
    id_key: str | None
    sources_files: tuple[str, ...]
    strict: bool | None
    quiet: bool

    def settings(self, **overrides: Any) -> Settings:
        """Defaults, then the config file, then these options and ``overrides``."""
        given = {
            "metadata": self.metadata,
            "text_key": self.text_key,
            "id_key": self.id_key,
            "strict": self.strict,
            "sources_files": self.sources_files or None,
            **overrides,
        }
        return load_settings(self.config_file, given)


def format_option(choices: list[str], default: str, help: str) -> Callable[[Any], Any]:
    """The ``-f/--format`` option every command that prints has, with its own choices."""
    return click.option("-f", "--format", "fmt", default=default, help=help,
                        type=click.Choice(choices, case_sensitive=False))  # fmt: skip


def input_options(f: Any) -> Any:
    """Add the shared input options; the command receives them as ``inputs: InputArgs``."""

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        config_file: Path | None,
        metadata: str | None,
        text_key: str | None,
        id_key: str | None,
        sources_files: tuple[str, ...],
        strict: bool | None,
        quiet: bool,
        **kwargs: Any,
    ) -> Any:
        inputs = InputArgs(config_file, metadata, text_key, id_key, sources_files, strict, quiet)
        return f(*args, inputs=inputs, **kwargs)

    for opt in reversed(
        [
            click.option(
                "--config",
                "config_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Settings file (default: ./lineage.toml or [tool.lineage] in "
                "./pyproject.toml).",
            ),
            click.option(
                "--metadata",
                type=click.Path(dir_okay=False),
                help="CSV or JSONL with outlet, url, published, title per id or file name.",
            ),
            click.option("--text-key", help="JSONL field holding the text.  [default: text]"),
            click.option("--id-key", help="JSONL field holding the id.  [default: id]"),
            click.option(
                "--sources",
                "sources_files",
                multiple=True,
                type=click.Path(exists=True, dir_okay=False),
                help="Extra source gazetteer (TOML), merged over the shipped one.",
            ),
            click.option(
                "--strict",
                is_flag=True,
                default=None,
                help="Stop at the first bad input instead of rejecting it.",
            ),
            click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr."),
        ]
    ):
        wrapper = opt(wrapper)
    return wrapper


@cli.command(context_settings=CONTEXT)
@click.argument("articles", nargs=-1, required=True)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/scan"),
    help="Folder for the results.",
)
@format_option(
    ["summary", "table", "jsonl", "none"],
    "summary",
    "What to print on stdout: a summary, the article pairs as a table or JSONL, or nothing.",
)
@click.option("--seed", type=int, help="MinHash seed.  [default: 1]")
@click.option("--no-report", is_flag=True, help="Skip report.html / report.md.")
@click.option(
    "--fail-on-match",
    is_flag=True,
    help="Exit with 3 when any passage match is found (for automation).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default=None,
    help="Where heavy stages run.  [default: local]",
)
@click.option("--scheduler", help="Dask scheduler address (with --engine dask).")
@click.option("--workers", type=int, help="Local processes for the heavy stages.  [default: 1]")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive: compare the batch with everything archived, then add it.",
)
@input_options
def scan(
    articles: tuple[str, ...],
    out: Path,
    fmt: str,
    seed: int | None,
    no_report: bool,
    fail_on_match: bool,
    engine: str | None,
    scheduler: str | None,
    workers: int | None,
    db: Path | None,
    inputs: InputArgs,
) -> None:
    """Find rewritten passages, their sources and lineage in ARTICLES.

    ARTICLES are files or folders (recursive) of .txt/.md, .html/.htm or .jsonl,
    or - for JSONL on stdin. Results go to --out: articles.jsonl,
    passages.jsonl, matches.jsonl, clusters.jsonl, stories.jsonl,
    attributions.jsonl, graph.json, flags.jsonl, rejected.jsonl, run.json,
    report.html and report.md.

    \b
    Exit codes:
      0  all inputs read
      1  some inputs rejected (see rejected.jsonl), or bad input/config
      2  usage error
      3  --fail-on-match and at least one match

    \b
    Example:
      lineage scan seeds/ --out reports/seeds
      cat batch.jsonl | lineage scan - --out reports/today -f jsonl
    """
    from lineage import pipeline  # heavy (scipy, scikit-learn): imported when a command runs

    settings = inputs.settings(
        seed=seed,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
    )
    if db is not None:
        from lineage.index import scan_with_archive

        result = scan_with_archive(
            articles,
            db,
            settings,
            progress=_progress(inputs.quiet),
            on_stage=_stage_log(inputs.quiet),
        )
    else:
        result = pipeline.scan(
            articles, settings, progress=_progress(inputs.quiet), on_stage=_stage_log(inputs.quiet)
        )
    pipeline.write_run(result, out, report=not no_report)
    for r in result.rejected:
        click.echo(f"skipped {r}", err=True)
    pairs = pipeline.article_pairs(result) if fmt != "none" else []  # -f none prints none
    if fmt == "summary":
        click.echo(pipeline.summary_text(result, out, pairs))
    elif fmt == "table":
        click.echo(
            table(pairs, ["a", "b", "strength", "matches", "kinds", "shared_facts", "relation"]),
            nl=False,
        )
    elif fmt == "jsonl":
        for row in pairs:
            click.echo(dumps(row))
    if not inputs.quiet and fmt != "summary":
        click.echo(
            f"lineage: {result.counts['articles']} articles, "
            f"{result.counts['matches']} matches, {len(result.rejected)} rejected "
            f"-> {out}",
            err=True,
        )
    if fail_on_match and result.matches:
        sys.exit(EXIT_MATCHED)
    if result.rejected:
        sys.exit(EXIT_REJECTED)


@cli.command("config", context_settings=CONTEXT)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Settings file to read instead of the one found.",
)
def config_cmd(config_file: Path | None) -> None:
    """Print the effective settings as TOML (defaults, then file)."""
    click.echo(to_toml(load_settings(config_file)), nl=False)


# --- attribution commands ---


@cli.command(context_settings=CONTEXT)
@click.argument("articles", nargs=-1, required=True)
@format_option(["jsonl", "table"], "jsonl", "Output format.")
@input_options
def attributions(
    articles: tuple[str, ...],
    fmt: str,
    inputs: InputArgs,
) -> None:
    """Who each article says its information comes from.

    Prints one record per attribution: the source as written, its canonical
    id, type, the cue ("laut", "wie ... berichtet", "so ..."), through which
    person, and a confidence.

    \b
    Example:
      lineage attributions seeds/ -f table
    """
    from lineage import pipeline

    settings = inputs.settings()
    records, rejected = pipeline.attributions_only(articles, settings)
    for r in rejected:
        click.echo(f"skipped {r}", err=True)
    if fmt == "table":
        click.echo(
            table(
                records,
                [
                    "article",
                    "mention",
                    "source_id",
                    "source_type",
                    "via_person",
                    "cue",
                    "cue_family",
                    "confidence",
                ],
                max_width=40,
            ),
            nl=False,
        )
    else:
        for rec in records:
            click.echo(dumps(rec))
    if rejected:
        sys.exit(EXIT_REJECTED)


# --- graph commands ---


@cli.command("graph", context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@format_option(["json", "graphml", "dot", "gexf"], "json", "Output format.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    help="Keep only these edge kinds (cites, shares_content, derives_from, ...).",
)
def graph_cmd(run_dir: Path, fmt: str, output: Path | None, kinds: tuple[str, ...]) -> None:
    """Convert a run's lineage graph (graph.json) to another format.

    \b
    Example:
      lineage graph reports/seeds -f dot --kind derives_from --kind cites | dot -Tsvg > g.svg
      lineage graph reports/seeds -f graphml -o lineage.graphml
    """
    from lineage.export import export_graph

    text = export_graph(run_dir, fmt, kinds)
    if output:
        atomic_write_text(output, text)
    else:
        click.echo(text, nl=False)


# --- report commands ---


@cli.command("report", context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verdict database whose verdicts the report shows  [default: RUN_DIR/review.db]",
)
def report_command(run_dir: Path, db: Path | None) -> None:
    """Rebuild report.html and report.md in RUN_DIR from its JSON files.

    The HTML is one self-contained file (no network needed: it opens offline
    and can be mailed); the Markdown carries the same findings as text.

    \b
    Example:
        lineage report reports/seeds
    """
    from lineage.report import write_report

    html, md = write_report(run_dir, db)
    click.echo(f"wrote {html}", err=True)
    click.echo(f"wrote {md}", err=True)


# --- review and index commands live in lineage/cli_review.py and lineage/cli_index.py ---


def main() -> None:
    """Entry point for ``python -m lineage``."""
    cli(prog_name="lineage")


# importing the modules registers their command groups on ``cli``
from lineage import cli_index, cli_review  # noqa: E402, F401

if __name__ == "__main__":  # pragma: no cover
    main()
