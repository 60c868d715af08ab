"""Command-line interface: parses arguments and calls the library.

Exit codes: 0 success; 1 bad input or config (or, without --strict, some
inputs were rejected: see ``rejected.jsonl``); 2 usage error; 3 ``--fail-on-match``
and at least one match was found.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from lineage import __version__
from lineage.errors import LineageError

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

# --- attribution commands ---

# --- graph commands ---

# --- report commands ---

# --- review commands ---

# --- index commands ---


def main() -> None:
    """Entry point for ``python -m lineage``."""
    cli(prog_name="lineage")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
