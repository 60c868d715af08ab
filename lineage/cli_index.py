"""``lineage index``: the SQLite archive of everything scanned before."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lineage.cli import CONTEXT, EXIT_REJECTED, InputArgs, cli, format_option, input_options
from lineage.models import Rejection
from lineage.output import dumps


@cli.group("index", context_settings=CONTEXT)
def index_group() -> None:
    """The archive: a SQLite file of everything scanned before.

    \b
    Example:
      lineage index add archive/*.jsonl --db lineage.db
      lineage index query today.jsonl --db lineage.db --format table
    """


DB_OPTION = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("lineage.db"),
    show_default=True,
    help="Archive file (SQLite; created by `index add`).",
)


@index_group.command("add", context_settings=CONTEXT)
@click.argument("articles", nargs=-1, required=True)
@DB_OPTION
@click.option(
    "--batch-size",
    type=int,
    default=500,
    show_default=True,
    help="Articles per transaction (a killed add loses at most the running batch).",
)
@click.option("--no-attributions", is_flag=True, help="Skip attribution parsing (faster).")
@input_options
def index_add(
    articles: tuple[str, ...],
    db: Path,
    batch_size: int,
    no_attributions: bool,
    inputs: InputArgs,
) -> None:
    """Add ARTICLES to the archive (articles already stored are left as they are).

    \b
    Example:
      lineage index add archive/ --db lineage.db
    """
    from lineage.index import add

    settings = inputs.settings()

    def progress(done: int, total: int) -> None:
        if not inputs.quiet:
            click.echo(f"\rindex add: {done}/{total}", err=True, nl=done == total)

    stats = add(
        articles,
        db,
        settings,
        batch_size=batch_size,
        attributions=not no_attributions,
        progress=progress,
    )
    for r in stats.rejected:
        click.echo(f"skipped {r}", err=True)
    for aid in stats.conflicts:
        click.echo(f"conflict: {aid} is stored with other text; not changed", err=True)
    if not inputs.quiet:
        click.echo(
            f"lineage: {stats.added} added, {stats.unchanged} already stored, "
            f"{len(stats.conflicts)} conflicts, {len(stats.rejected)} rejected -> {db}",
            err=True,
        )
    if stats.rejected:
        sys.exit(EXIT_REJECTED)


@index_group.command("query", context_settings=CONTEXT)
@click.argument("articles", nargs=-1, required=True)
@DB_OPTION
@format_option(["jsonl", "table"], "jsonl", "One JSON answer per article, or a table.")
@click.option(
    "--limit",
    type=int,
    default=20,
    show_default=True,
    help="Archived candidates verified per new article.",
)
@input_options
def index_query(
    articles: tuple[str, ...],
    db: Path,
    fmt: str,
    limit: int,
    inputs: InputArgs,
) -> None:
    """Have we seen ARTICLES before, and where did they come from? (Nothing is added.)

    Prints, per article: matches with kinds and aligned spans, likely parents
    (archived earlier, with coverage, score and credits) and related articles.

    \b
    Example:
      lineage index query today/story.txt --db lineage.db --format table
    """
    from lineage.index import answers_table, query

    settings = inputs.settings()
    rejected: list[Rejection] = []
    answers = query(articles, db, settings, limit=limit, rejected=rejected)
    for r in rejected:
        click.echo(f"skipped {r}", err=True)
    if fmt == "table":
        click.echo(answers_table(answers), nl=False)
    else:
        for ans in answers:
            click.echo(dumps(ans.to_dict()))
    if rejected:
        sys.exit(EXIT_REJECTED)
