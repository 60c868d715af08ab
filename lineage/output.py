"""Writing results: atomic files, canonical JSON, tables for the terminal.

Every file is written to a temporary file in the same folder and renamed into
place, so an interrupted run never leaves a half-written file. JSON is UTF-8
with non-ASCII kept, keys sorted, compact separators: the same results give
the same bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def dumps(obj: Any) -> str:
    """Canonical compact JSON (sorted keys, UTF-8 kept)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> Path:
    """Write records as JSONL (one canonical JSON object per line), atomically."""
    return atomic_write_text(path, "".join(dumps(r) + "\n" for r in records))


def pretty(obj: Any) -> str:
    """Readable canonical JSON that stays fast for big documents.

    A top-level list value gets one compact element per line (a graph's
    nodes and links: Python's indenting encoder is pure Python, ten times
    slower than the compact C one, and a node split over twenty lines helps
    nobody); other values are indented as usual. Sorted keys, UTF-8 kept.
    """
    if not isinstance(obj, dict):
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2)
    parts = []
    for key in sorted(obj):
        value, name = obj[key], json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value:
            body = ",\n".join("    " + dumps(x) for x in value)
            parts.append(f"  {name}: [\n{body}\n  ]")
        else:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
            parts.append(f"  {name}: " + text.replace("\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}" if parts else "{}"


def write_json(path: str | Path, obj: Any) -> Path:
    """Write one JSON document (``pretty``), atomically."""
    return atomic_write_text(path, pretty(obj) + "\n")


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSONL file written by lineage (missing file: empty list)."""
    p = Path(path)
    if not p.exists():
        return []
    with p.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], max_width: int = 60) -> str:
    """A plain-text table for the terminal."""

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    body = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join([line, sep, *body]) + "\n"
