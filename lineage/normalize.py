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
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from lineage.models import Article, Block, Document

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


def _char_pieces(text: str) -> tuple[str, list[int]]:
    """NFKC + quote unification, keeping a per-character map to ``text``."""
    if unicodedata.is_normalized("NFKC", text):
        out = text.translate(_QUOTES)
        if len(out) == len(text):
            return out, list(range(len(text)))
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch).translate(_QUOTES) if ord(ch) > 127 else ch
        chars.append(norm)
        offsets.extend([i] * len(norm))
    return "".join(chars), offsets


class _Line:
    """One trimmed, whitespace-folded line: text plus original offsets."""

    __slots__ = ("offsets", "text")

    def __init__(self, text: str, offsets: list[int]) -> None:
        self.text = text
        self.offsets = offsets


def _lines(text: str, offsets: list[int]) -> list[_Line | None]:
    """Lines of the unified text; ``None`` stands for a blank line."""
    out: list[_Line | None] = []
    for m in re.finditer(r"[^\n]*", text):
        if m.start() > 0 and text[m.start() - 1 : m.start()] != "\n" and m.group(0) == "":
            continue
        raw = m.group(0).replace("\r", " ")
        stripped = raw.strip()
        if not stripped:
            out.append(None)
            continue
        base = m.start()
        if "  " not in stripped and "\u3000" not in stripped:  # common case: one space apart
            lead = len(raw) - len(raw.lstrip())
            start = base + lead
            out.append(_Line(stripped, offsets[start : start + len(stripped)]))
            continue
        tokens = list(re.finditer(r"\S+", raw))
        parts: list[str] = []
        offs: list[int] = []
        for k, tok in enumerate(tokens):
            if k:
                parts.append(" ")
                offs.append(offsets[base + tokens[k - 1].end()])
            parts.append(tok.group(0))
            offs.extend(offsets[base + tok.start() : base + tok.end()])
        out.append(_Line("".join(parts), offs))
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
        first = re.match(r"\w+", b.text)
        word = first.group(0) if first else ""
        if word and word[0].islower() and word.lower() not in _CONJUNCTIONS:
            return _Line(a.text[:-1] + b.text, a.offsets[:-1] + b.offsets)
        if word and word[0].isupper():
            return _Line(a.text + b.text, a.offsets + b.offsets)
    return _Line(a.text + " " + b.text, [*a.offsets, a.offsets[-1] + 1, *b.offsets])


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
        if pats["teaser"].match(t) and i > 0:
            tail_kind = "teaser"
        elif pats["references"].match(t) and i >= len(paras) // 2:
            tail_kind = "references"
        if tail_kind:
            kinds.append(tail_kind)
        elif pats["dateline"].match(t) and len(t) < 80:
            kinds.append("dateline")
        elif re.fullmatch(r"(?:[A-ZÄÖÜ][a-zäöüß]+){3,}", t):
            kinds.append("tags")
        elif _is_url_line(t) and i >= len(paras) // 2:
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
    return bool(re.fullmatch(r"(https?://)?(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?", text))


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
    offsets: list[int] = []
    blocks: list[Block] = []
    pos = 0
    for k, (para, kind) in enumerate(zip(paras, kinds, strict=True)):
        if k:
            parts.append("\n\n")
            sep = para.offsets[0] - 1 if para.offsets[0] > 0 else 0
            offsets.extend([sep, sep])
            pos += 2
        parts.append(para.text)
        offsets.extend(para.offsets)
        blocks.append(Block(kind, pos, pos + len(para.text)))
        pos += len(para.text)
    offsets.append(len(article.text))
    # a compact int array: a list of Python ints costs ~36 bytes per character
    return Document(article=article, clean="".join(parts), offsets=array("i", offsets),
                    blocks=blocks)  # fmt: skip
