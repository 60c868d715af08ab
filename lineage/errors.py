"""Exceptions raised by lineage.

Hierarchy::

    LineageError            base class; the CLI turns it into a one-line message, exit 1
    ├── InputError          a file or line that cannot be read (carries path and line)
    ├── ConfigError         an unknown or invalid setting
    ├── EmptyCorpusError    nothing left to compare after ingest
    └── ArchiveError        the SQLite archive is missing, newer, or built with other settings
"""

from __future__ import annotations

from pathlib import Path


class LineageError(Exception):
    """Base class for every error lineage raises on purpose."""


class InputError(LineageError):
    """An input file (or one line of it) cannot be used.

    Args:
        path: The file, or ``"-"`` for standard input.
        reason: What is wrong, in words an editor understands.
        line: 1-based line number for JSONL/CSV inputs, if known.
    """

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        super().__init__(self.location + ": " + reason)

    @property
    def location(self) -> str:
        """``file`` or ``file:line``."""
        return f"{self.path}:{self.line}" if self.line else self.path


class ConfigError(LineageError):
    """A setting is unknown or has an invalid value."""


class EmptyCorpusError(LineageError):
    """No usable article was found in the inputs."""


class ArchiveError(LineageError):
    """The archive database cannot be used with these settings."""
