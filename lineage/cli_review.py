"""``lineage review``: export findings, record verdicts in a local page, move verdicts."""

from __future__ import annotations

from pathlib import Path

import click

from lineage.cli import CONTEXT, cli, format_option
from lineage.output import atomic_write_text


@cli.group("review", context_settings=CONTEXT)
def review_group() -> None:
    """Judge findings: export them, record verdicts in a local page, move verdicts.

    A review item is a finding an editor should judge (uncredited reuse, a
    derives_from edge, a changed fact). Its id is stable across runs over the
    same articles. Verdicts live in SQLite (default RUN_DIR/review.db).

    \b
    Example:
        lineage review serve reports/seeds
        lineage review export reports/seeds --format csv -o review.csv
        lineage review import verdicts.jsonl --db reports/seeds/review.db
    """


@review_group.command("export", context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@format_option(
    ["jsonl", "csv"], "jsonl", "JSONL keeps the evidence; CSV is flat, for spreadsheets."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default="-",
    help="Write here instead of standard output.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verdict database  [default: RUN_DIR/review.db]",
)
def review_export(run_dir: Path, fmt: str, output: Path, db: Path | None) -> None:
    """Write the review items of RUN_DIR, with their verdicts, as JSONL or CSV.

    Unjudged items have "verdict": null. The JSONL can be read back with
    `lineage review import`.
    """
    from lineage.review import export_rows, to_csv, to_jsonl

    rows = export_rows(run_dir, db)
    text = to_csv(rows) if fmt.lower() == "csv" else to_jsonl(rows)
    if str(output) == "-":
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text)
        click.echo(f"wrote {len(rows)} items to {output}", err=True)


@review_group.command("import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Verdict database to merge into (created if missing).",
)
def review_import(file: Path, db: Path) -> None:
    """Merge verdicts from a JSONL FILE (as `review export` writes) into --db.

    For each item the newer verdict (by updated_at) wins; an older one is
    still kept in the history table, so no verdict is ever lost. Lines
    without a verdict are skipped.
    """
    from lineage.review import import_verdicts

    applied, kept = import_verdicts(file, db)
    click.echo(
        f"imported {applied} verdicts into {db}"
        + (f"; {kept} older ones kept in history only" if kept else ""),
        err=True,
    )


@review_group.command("serve", context_settings=CONTEXT)
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", help="Address to listen on (keep it local).")
@click.option("--port", default=8765, type=click.IntRange(0, 65535), help="Port (0: any free).")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Verdict database  [default: RUN_DIR/review.db]",
)
def review_serve(run_dir: Path, host: str, port: int, db: Path | None) -> None:
    """Open a local review page for RUN_DIR: see the evidence, record verdicts.

    Each verdict is saved at once in the SQLite database and survives
    restarts and later runs. Stop with Ctrl-C.
    """
    from lineage.review_server import make_server, server_url

    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"warning: listening on {host}: anyone who can reach it can record verdicts",
            err=True,
        )
    server = make_server(run_dir, host=host, port=port, db=db)
    click.echo(f"review page: {server_url(server)}  (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.server_close()
