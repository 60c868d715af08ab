"""Normalization: clean text with a map back to the original.

What it does, in order:

1. Unicode NFKC, typographic quotes and dashes unified (``„“”«»`` → ``"``,
   ``‚‘’`` → ``'``, ``–—`` → ``–``), runs of spaces folded.
2. Hard-wrapped lines rejoined into paragraphs. A text counts as hard-wrapped
   when most of its lines are about as long as its longest lines and those are
   short (≤ 100 characters), as in copies from PDFs or e-mails. Blank lines
   inside a wrapped sentence (page breaks) are bridged.
3. Line-end hyphenation undone where the next line starts in lower case
   ("Trup-/penentsendung" → "Truppenentsendung"); kept where it starts in upper
   case, as German compounds do ("Ukraine-/Krieg" → "Ukraine-Krieg"), and before
   a conjunction ("Nord- und Südkorea").
4. Blocks classified: ``title``, ``heading``, ``body``, ``dateline``, ``tags``,
   ``references`` (a trailing reference or credit list: kept for attribution),
   ``teaser`` (a teaser for another story). Only title, heading and body take part
   in similarity. Block markers are data: ``lineage/data/blocks.toml``.

``Document.offsets`` maps every character of the clean text to the original.
"""

from __future__ import annotations

import re
import statistics
import tomllib
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from itertools import accumulate
from pathlib import Path

from lineage.models import Article, Block, Document, OffsetMap

_QUOTES = str.maketrans(
    {
        "„": '"',
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "‟": '"',
        "″": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "‹": "'",
        "›": "'",
        "′": "'",
        "—": "–",
        "‒": "–",
        "―": "–",
        "−": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\t": " ",
        "\u00ad": None,
        "\u200b": None,
        "\ufeff": None,
    }
)
_CONJUNCTIONS = frozenset({"und", "oder", "bis", "sowie", "als", "and", "or", "to", "nor"})
_SENT_END = tuple(".!?:\"'…)")
_GAP = re.compile(r"\s{2,}")
_WORD = re.compile(r"\w+")
_TAGS = re.compile(r"(?:[A-ZÄÖÜ][a-zäöüß]+){3,}")
_URL_LINE = re.compile(r"(https?://)?(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?")


@cache
def _block_patterns(extra: tuple[str, ...] = ()) -> dict[str, re.Pattern[str]]:
    data = tomllib.loads(files("lineage").joinpath("data/blocks.toml").read_text("utf-8"))
    for path in extra:
        user = tomllib.loads(Path(path).read_text("utf-8"))
        for kind, langs in user.items():
            for lang, pats in langs.items():
                data.setdefault(kind, {}).setdefault(lang, []).extend(pats)
    return {
        kind: re.compile(
            "^(?:" + "|".join(p for pats in langs.values() for p in pats) + ")", re.IGNORECASE
        )
        for kind, langs in data.items()
    }


Runs = list[tuple[int, int]]
"""Original positions of a stretch of clean text: ``(first position, length)`` runs of
consecutive positions. Most characters are copied one for one, so a line or a
paragraph is a run or a few, where a list per character cost most of the stage."""

_TRANSLATED = re.compile("[" + re.escape("".join(map(chr, _QUOTES))) + "]")
_QUOTES_STR = {chr(k): v or "" for k, v in _QUOTES.items()}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class _Map:
    """Clean position -> original position, as runs (see ``Runs``)."""

    __slots__ = ("origin", "runs", "starts")

    def __init__(self, runs: Runs) -> None:
        self.runs = runs
        self.starts = list(accumulate((n for _, n in runs), initial=0))
        self.origin = [o for o, _ in runs]

    def at(self, i: int) -> int:
        k = bisect_right(self.starts, i) - 1
        return self.origin[k] + i - self.starts[k]

    def span(self, a: int, b: int) -> Runs:
        """Runs of positions ``a`` to ``b`` (``a < b``)."""
        if len(self.runs) == 1:
            return [(self.origin[0] + a, b - a)]
        k = bisect_right(self.starts, a) - 1
        out: Runs = []
        while a < b:
            end = min(b, self.starts[k + 1])
            out.append((self.origin[k] + a - self.starts[k], end - a))
            a = end
            k += 1
        return out


@cache
def _unified(ch: str) -> str:
    """NFKC and quote unification of one character."""
    return unicodedata.normalize("NFKC", ch).translate(_QUOTES)


def _char_pieces(text: str) -> tuple[str, _Map]:
    """NFKC + quote unification, keeping the map to ``text``.

    Characters are normalized one by one (ASCII ones kept as they are), unless
    the whole text is NFKC already and nothing is deleted: then the quote table
    applies to every character.
    """
    if unicodedata.is_normalized("NFKC", text):
        out = _TRANSLATED.sub(lambda m: _QUOTES_STR[m.group()], text)
        if len(out) == len(text):
            return out, _Map([(0, len(text))])
    parts: list[str] = []
    runs: Runs = []
    prev = 0
    for m in _NON_ASCII.finditer(text):
        i = m.start()
        norm = _unified(m.group())
        if norm == m.group():
            continue
        if i > prev:
            parts.append(text[prev:i])
            runs.append((prev, i - prev))
        parts.append(norm)
        runs.extend([(i, 1)] * len(norm))
        prev = i + 1
    if len(text) > prev:
        parts.append(text[prev:])
        runs.append((prev, len(text) - prev))
    return "".join(parts), _Map(runs)


class _Line:
    """One trimmed, whitespace-folded line: text plus its original positions."""

    __slots__ = ("offsets", "text")

    def __init__(self, text: str, offsets: Runs) -> None:
        self.text = text
        self.offsets = offsets

    def first(self) -> int:
        return self.offsets[0][0]

    def last(self) -> int:
        start, n = self.offsets[-1]
        return start + n - 1


def _lines(text: str, cmap: _Map) -> list[_Line | None]:
    """Lines of the unified text; ``None`` stands for a blank line."""
    out: list[_Line | None] = []
    base = 0
    for line in text.split("\n"):
        raw = line.replace("\r", " ")
        stripped = raw.strip()
        if not stripped:
            out.append(None)
        elif "  " not in stripped and "\u3000" not in stripped:  # common: one space apart
            start = base + len(raw) - len(raw.lstrip())
            out.append(_Line(stripped, cmap.span(start, start + len(stripped))))
        else:  # white space folded: a run of it becomes one space, at its first position
            lead = len(raw) - len(raw.lstrip())
            offs: Runs = []
            pos = lead
            for gap in _GAP.finditer(raw, lead, lead + len(stripped)):
                offs += cmap.span(base + pos, base + gap.start() + 1)
                pos = gap.end()
            offs += cmap.span(base + pos, base + lead + len(stripped))
            out.append(_Line(" ".join(stripped.split()), offs))
        base += len(line) + 1
    return out


def is_hard_wrapped(lengths: Sequence[int]) -> bool:
    """True when line lengths look like a fixed-width wrap (≤ 100 characters)."""
    if len(lengths) < 6:
        return False
    width = sorted(lengths)[int(len(lengths) * 0.9) - 1]
    if width > 100 or width < 25:
        return False
    near = sum(1 for n in lengths if n >= 0.6 * width)
    return near >= 0.6 * len(lengths) and statistics.median(lengths) >= 0.5 * width


def _join(a: _Line, b: _Line) -> _Line:
    """Join two wrapped lines, undoing line-end hyphenation where it is one."""
    if len(a.text) > 1 and a.text.endswith("-") and a.text[-2].isalpha():
        first = _WORD.match(b.text)
        word = first.group(0) if first else ""
        if word and word[0].islower() and word.lower() not in _CONJUNCTIONS:
            start, n = a.offsets[-1]  # the hyphen goes
            head = a.offsets[:-1] + ([(start, n - 1)] if n > 1 else [])
            return _Line(a.text[:-1] + b.text, head + b.offsets)
        if word and word[0].isupper():
            return _Line(a.text + b.text, a.offsets + b.offsets)
    return _Line(a.text + " " + b.text, [*a.offsets, (a.last() + 1, 1), *b.offsets])


def _paragraphs(lines: list[_Line | None]) -> list[_Line]:
    """Group lines into paragraphs, rejoining hard wraps."""
    present = [ln for ln in lines if ln is not None]
    wrapped = is_hard_wrapped([len(ln.text) for ln in present])
    if not wrapped:
        return present
    width = sorted(len(ln.text) for ln in present)[int(len(present) * 0.9) - 1]
    paras: list[_Line] = []
    current: _Line | None = None
    last_len = 0
    blank = False
    for ln in lines:
        if ln is None:
            blank = True
            continue
        if current is None:
            current = ln
        else:
            tail = current.text
            ends = tail.endswith(_SENT_END)
            short = last_len < 0.7 * width
            continues = not ends and (ln.text[:1].islower() or tail.endswith(("-", ",")))
            if (not blank and not (ends and short)) or continues or (not ends and not short):
                current = _join(current, ln)
            else:
                paras.append(current)
                current = ln
        last_len = len(ln.text)
        blank = False
    if current is not None:
        paras.append(current)
    return paras


def _classify(paras: list[_Line], extra: tuple[str, ...] = ()) -> list[str]:
    """Kind of each paragraph; trailing reference and teaser blocks run to the end."""
    pats = _block_patterns(extra)
    kinds: list[str] = []
    tail_kind: str | None = None
    for i, p in enumerate(paras):
        t = p.text
        if i > 0 and pats["teaser"].match(t):
            tail_kind = "teaser"
        elif i >= len(paras) // 2 and pats["references"].match(t):
            tail_kind = "references"
        if tail_kind:
            kinds.append(tail_kind)
        elif len(t) < 80 and pats["dateline"].match(t):
            kinds.append("dateline")
        elif _TAGS.fullmatch(t):
            kinds.append("tags")
        elif i >= len(paras) // 2 and _is_url_line(t):
            kinds.append("references")
        elif len(t) < 160 and not t.endswith((".", ":", '"', "'", "…")) and len(t.split()) <= 20:
            kinds.append("heading")
        else:
            kinds.append("body")
    for i, k in enumerate(kinds):
        if k == "heading":
            kinds[i] = "title"
            break
        if k == "body":
            break
    return kinds


def _is_url_line(text: str) -> bool:
    return bool(_URL_LINE.fullmatch(text))


def normalize(article: Article, blocks_files: Iterable[str] = ()) -> Document:
    """Clean ``article.text`` and split it into classified blocks.

    Example:
        >>> from lineage.models import Article
        >>> doc = normalize(Article(id="x", text="Der Ukraine-\\nKrieg und die Trup-\\npen."))
        >>> doc.clean
        'Der Ukraine- Krieg und die Trup- pen.'

    (Two lines are not enough to call a text hard-wrapped; see
    ``is_hard_wrapped``.)
    """
    unified, char_map = _char_pieces(article.text)
    paras = _paragraphs(_lines(unified, char_map))
    kinds = _classify(paras, tuple(blocks_files))
    parts: list[str] = []
    runs: Runs = []
    blocks: list[Block] = []
    pos = 0
    for k, (para, kind) in enumerate(zip(paras, kinds, strict=True)):
        if k:
            parts.append("\n\n")
            sep = para.first() - 1 if para.first() > 0 else 0
            runs += [(sep, 1), (sep, 1)]
            pos += 2
        parts.append(para.text)
        runs += para.offsets
        blocks.append(Block(kind, pos, pos + len(para.text)))
        pos += len(para.text)
    runs.append((len(article.text), 1))
    clean = "".join(parts)
    if clean == article.text:  # most clean news text comes out unchanged: keep one copy
        clean = article.text
    return Document(article=article, clean=clean, offsets=_offset_map_of(runs), blocks=blocks)


def _offset_map_of(runs: Runs) -> OffsetMap:
    """The document's map: runs merged where they continue each other (as ``OffsetMap``
    stores them)."""
    starts: list[int] = []
    origin: list[int] = []
    pos = 0
    expect = -1  # the original position that would continue the last run
    for start, n in runs:
        if start != expect:
            starts.append(pos)
            origin.append(start)
        pos += n
        expect = start + n
    return OffsetMap.from_runs(pos, array("i", starts), array("i", origin))
