"""lineage: a duplicate-story and source-lineage detector for newsrooms.

The library behind the ``lineage`` command::

    from lineage import scan, write_run, Settings
    result = scan(["seeds/"], Settings(seed=1))
    write_run(result, "reports/seeds")

Errors: ``LineageError`` and its subclasses ``InputError`` (file and line),
``ConfigError``, ``EmptyCorpusError``, ``ArchiveError``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("lineage")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

from lineage.config import Settings, load_settings
from lineage.errors import (
    ArchiveError,
    ConfigError,
    EmptyCorpusError,
    InputError,
    LineageError,
)

_LAZY = {
    "read_articles": "lineage.ingest",
    "RunResult": "lineage.pipeline",
    "article_pairs": "lineage.pipeline",
    "attributions_only": "lineage.pipeline",
    "scan": "lineage.pipeline",
    "write_run": "lineage.pipeline",
}
"""Imported on first use: the pipeline pulls in scipy, scikit-learn and datasketch (~1.5 s),
which ``lineage --help`` and the light commands do not need."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lineage' has no attribute {name!r}")


if TYPE_CHECKING:  # for type checkers and IDEs; at run time see __getattr__
    from lineage.ingest import read_articles
    from lineage.pipeline import RunResult, article_pairs, attributions_only, scan, write_run

__all__ = [
    "ArchiveError",
    "ConfigError",
    "EmptyCorpusError",
    "InputError",
    "LineageError",
    "RunResult",
    "Settings",
    "__version__",
    "article_pairs",
    "attributions_only",
    "load_settings",
    "read_articles",
    "scan",
    "write_run",
]
