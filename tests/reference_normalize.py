"""The per-character normalization that ``lineage.normalize`` replaced: the test oracle.

It keeps one original offset per character in Python lists (simple, slow);
``lineage.normalize`` keeps runs. ``test_normalize`` checks they agree.
"""

from __future__ import annotations

import re
import unicodedata

from lineage.models import Article, Block, Document
from lineage.normalize import _CONJUNCTIONS, _QUOTES, _SENT_END, _classify, is_hard_wrapped


def _char_pieces(text: str) -> tuple[str, list[int]]:
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
    def __init__(self, text: str, offsets: list[int]) -> None:
        self.text = text
        self.offsets = offsets


def _lines(text: str, offsets: list[int]) -> list[_Line | None]:
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
        if "  " not in stripped and "\u3000" not in stripped:
            start = base + len(raw) - len(raw.lstrip())
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


def _join(a: _Line, b: _Line) -> _Line:
    if len(a.text) > 1 and a.text.endswith("-") and a.text[-2].isalpha():
        first = re.match(r"\w+", b.text)
        word = first.group(0) if first else ""
        if word and word[0].islower() and word.lower() not in _CONJUNCTIONS:
            return _Line(a.text[:-1] + b.text, a.offsets[:-1] + b.offsets)
        if word and word[0].isupper():
            return _Line(a.text + b.text, a.offsets + b.offsets)
    return _Line(a.text + " " + b.text, [*a.offsets, a.offsets[-1] + 1, *b.offsets])


def _paragraphs(lines: list[_Line | None]) -> list[_Line]:
    present = [ln for ln in lines if ln is not None]
    if not is_hard_wrapped([len(ln.text) for ln in present]):
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


def normalize(article: Article) -> Document:
    """``lineage.normalize.normalize`` with one offset per character."""
    unified, char_map = _char_pieces(article.text)
    paras = _paragraphs(_lines(unified, char_map))
    kinds = _classify(paras, ())  # type: ignore[arg-type]
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
    return Document(article=article, clean="".join(parts), offsets=offsets, blocks=blocks)
