"""Facts: numbers, names and quotes that survive rewriting.

A paraphrase changes the words but usually keeps the figures ("1.100"), the
people ("Mark Rutte") and the quoted words. These are evidence that two
passages tell the same thing, and where they tell it differently ("10.000" vs
"12.000 Soldaten", a dropped "sollen") they are what an editor must check.

Numbers are normalized across conventions: "1.100" = "1,100" = "1100",
"600.000" = "600 000", "1,5 Millionen" = "1500000". Hedges, multipliers and
non-name words are data (``lineage/data/facts.toml``).
"""

from __future__ import annotations

import operator
import re
import tomllib
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from importlib.resources import files
from itertools import compress, repeat
from typing import Any

import numpy as np

from lineage.models import Fact

# Each pattern starts with the character class of its first character and checks
# what precedes it after that ("(?<![\w.,]\d)" = no word character, dot or comma
# before the digit; "(?<!\w[A-ZÄÖÜ])" = a word boundary before the capital):
# the same matches as a leading look-behind or \b, but the regex engine can skip
# to candidate characters (numbers 1.6x, names 4x, acronyms 3x faster). A name's
# words are possessive (``*+``): white space must follow a word, so giving back
# its letters never helps, and not trying saves a sixth.
_NUMBER = re.compile(
    r"(\d(?<![\w.,]\d)(?:\d{0,2}(?:[.,\u202f ]\d{3})+|\d*(?:[.,]\d+)?))(?![\w]|[.,]\d)"
    r"(?:\s*(%|Prozent|percent))?"
)
_QUOTE = re.compile(r'"([^"\n]{12,400})"')
_CAP = re.compile(
    r"[A-ZÄÖÜ](?<!\w[A-ZÄÖÜ])[\w'-]*+(?:\s+(?:of|von|de|der|al|bin)?\s*[A-ZÄÖÜ][\w'-]*+){1,3}"
)
_ACRONYM = re.compile(r"[A-ZÄÖÜ](?<!\w[A-ZÄÖÜ])[A-ZÄÖÜ]{1,5}\b")
_THOUSANDS = re.compile(r"\d{1,3}(?:[., ]\d{3})+")
_DECIMAL = re.compile(r"\d+[.,]\d+")
_SEPARATORS = re.compile(r"[., ]")
_DATE_DOT = re.compile(r"\.\s*(\w+)")
_INNER_CAP = re.compile(r"-[A-ZÄÖÜ]")
_WORD = re.compile(r"[\wäöüÄÖÜß-]+")
_GAP_WORD = r"[^\wäöüÄÖÜß-]*+([\wäöüÄÖÜß-]++)"
_FOUR_WORDS = re.compile(
    _GAP_WORD + "(?:" + _GAP_WORD + "(?:" + _GAP_WORD + "(?:" + _GAP_WORD + ")?)?)?"
)
"""The first one to four ``_WORD`` words, as groups (a group is None where none is left)."""
_NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "ismus", "ität", "en", "er", "ern")
_MONTHS = frozenset(
    "januar jänner februar märz april mai juni juli august september oktober november dezember "
    "january february march may june july october december".split()
)


@cache
def _data() -> dict[str, Any]:
    raw = tomllib.loads(files("lineage").joinpath("data/facts.toml").read_text("utf-8"))
    return {
        "hedges": sorted(
            {h for lang in raw["hedges"].values() for h in lang}, key=len, reverse=True
        ),
        "multipliers": {k: v for lang in raw["multipliers"].values() for k, v in lang.items()},
        "not_names": frozenset(w for lang in raw["not_names"].values() for w in lang),
    }


def parse_number(raw: str) -> float | None:
    """Value of a number as written in German or English ("1.100", "1,5", "600 000")."""
    if raw.isdigit():  # most are: no separator, so neither pattern below matches
        return float(raw)
    s = raw.replace("\u202f", " ")
    if _THOUSANDS.fullmatch(s):
        return float(_SEPARATORS.sub("", s))
    if _DECIMAL.fullmatch(s):
        return float(s.replace(",", "."))
    return None


def _number_key(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _unit_after(text: str, end: int) -> tuple[str, float]:
    """The noun a number counts (first capitalised or plain word within 3), and a multiplier.

    Of the words (``_WORD``) in the 60 characters from ``end`` only the first four
    count: one match of ``_FOUR_WORDS`` takes them (a third of ``findall`` over
    all of them).
    """
    m = _FOUR_WORDS.match(text, end, end + 60)
    if m is None:
        return "", 1.0
    w0, w1, w2, w3 = m.groups()
    mult = _data()["multipliers"].get(w0.lower())  # words hold no ".": nothing to strip
    if mult is None:
        words, mult = (w0, w1, w2), 1.0
    else:
        words, mult = (w1, w2, w3), float(mult)
    for w in words:
        if w is None:
            break
        if w[:1].isupper():
            return w.lower(), mult
    w = words[0]
    return (w.lower() if w is not None and w.isalpha() else ""), mult


def _number_fact(text: str, m: re.Match[str]) -> Fact | None:
    """The fact of one ``_NUMBER`` match; None for years, dates and list numbers."""
    # the fact depends on the number and the 60 characters after it (date, unit):
    # the same in the two overlapping passages that hold it, and in copies
    return _number_in(m.group(1), m.group(0), text[m.end(1) : m.end() + 60])


@lru_cache(maxsize=65536)
def _number_in(raw: str, whole: str, after: str) -> Fact | None:
    """The fact of number ``whole`` (its digits ``raw``), ``after`` starting after ``raw``."""
    value = parse_number(raw)
    if value is None:
        return None
    nxt = _DATE_DOT.match(after, 0, 15)
    if nxt and nxt.group(1).lower() in _MONTHS:
        return None  # "26. November": a date, not a count
    if raw.isdigit() and 1900 <= value <= 2100:
        return None  # a year
    unit, mult = _unit_after(after, len(whole) - len(raw))
    if len(whole) > len(raw):  # "%", "Prozent", "percent" follows
        unit = "%"
    value *= mult
    if value < 2 and not unit:
        return None
    return Fact("number", _number_key(value), whole, unit)


def numbers(text: str) -> list[Fact]:
    """Numbers with their unit; years, ordinal dates and list numbers are skipped."""
    found = (_number_fact(text, m) for m in _NUMBER.finditer(text))
    return [f for f in found if f is not None]


def _noun_like(word: str) -> bool:
    """German common nouns (long, typical endings) are not parts of names."""
    return len(word) > 6 and word.lower().endswith(_NOUN_ENDINGS)


_NOT_NAME = 1  # a listed non-name word ("Der", "Regierung")
_INNER = 2  # a capital after a hyphen ("NATO-Generalsekretär")
_NOUN = 4  # a German common noun by its length and ending (``_noun_like``)


@lru_cache(maxsize=1 << 17)
def _word_flags(word: str) -> int:
    """Why ``word`` cannot be (the first) part of a name, as bits (0: it can)."""
    flags = _NOT_NAME if word in _data()["not_names"] else 0
    if _INNER_CAP.search(word):
        flags |= _INNER
    return flags | _NOUN if _noun_like(word) else flags


@lru_cache(maxsize=65536)
def _name(found: str) -> Fact | None:
    """The name fact of one ``_CAP`` match, None where it is no name (cached: names recur).

    Leading words that are listed, hyphenated with a capital or noun-like are
    dropped ("Der", "NATO-Generalsekretär", "Militärexperten"); what is left is a
    name if it has two capitalised words and none of them is listed or noun-like.
    Word verdicts are cached too: most matches are new, their words are not.
    """
    parts = found.split()
    flags = _word_flags
    k = 0
    for word in parts:
        if not flags(word):
            break
        k += 1
    if k:
        parts = parts[k:]
    caps = 0
    for word in parts:
        if word[:1].isupper():
            if flags(word) & (_NOT_NAME | _NOUN):
                return None
            caps += 1
    if caps < 2:
        return None
    name = " ".join(parts)
    return Fact("name", name.lower(), name)


@lru_cache(maxsize=65536)
def _acronym(found: str) -> Fact:
    return Fact("name", found.lower(), found)


def names(text: str) -> list[Fact]:
    """Multi-word proper names ("Mark Rutte", "Joint Chiefs of Staff") and acronyms."""
    named = (_name(m.group(0)) for m in _CAP.finditer(text))
    return [f for f in named if f is not None] + [
        _acronym(m.group(0)) for m in _ACRONYM.finditer(text)
    ]


def quotes(text: str) -> list[Fact]:
    """Quoted passages of at least three words, keyed by their first eight words."""
    out = []
    for m in _QUOTE.finditer(text):
        words = _WORD.findall(m.group(1).lower())
        if len(words) >= 3:
            out.append(Fact("quote", " ".join(words[:8]), m.group(1)))
    return out


def _quotes_in(text: str, start: int, end: int) -> list[Fact]:
    """``quotes(text[start:end])`` without the copy (``_QUOTE`` reads nothing outside)."""
    out = []
    for m in _QUOTE.finditer(text, start, end):
        words = _WORD.findall(m.group(1).lower())
        if len(words) >= 3:
            out.append(Fact("quote", " ".join(words[:8]), m.group(1)))
    return out


def _unique(found: Iterable[Fact]) -> list[Fact]:
    """First fact of each (kind, key)."""
    first: dict[tuple[str, str], Fact] = {}
    for fact in found:
        first.setdefault((fact.kind, fact.key), fact)
    return list(first.values())


def extract(text: str) -> list[Fact]:
    """All facts of ``text``, unique by (kind, key), in order of appearance."""
    return _unique([*numbers(text), *names(text), *quotes(text)])


_APART = "\x00"
"""Between pieces joined for one scan: no pattern's character class or look-around holds it."""

_CUT = frozenset('.!?…"“”„»«)]')
"""Characters after which no number, name or acronym match goes on over white space."""


def _clean_cut(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` has the number, name and acronym matches of ``text`` there.

    True where the span begins after white space that follows a ``_CUT`` character
    (or only white space) and ends on a ``_CUT`` character before white space: no
    match of ``_NUMBER``, ``_CAP`` or ``_ACRONYM`` can contain such a character or
    such white space, and their look-behinds and look-aheads read the same there
    as at a string's start and end. Sentence windows nearly always qualify.
    """
    if start > 0:
        if not text[start - 1].isspace():
            return False
        i = start - 1
        while i > 0 and text[i - 1].isspace():
            i -= 1
        if i > 0 and text[i - 1] not in _CUT:
            return False
    return end >= len(text) or (text[end - 1] in _CUT and text[end].isspace())


def extract_spans(text: str, spans: Sequence[tuple[int, int]]) -> list[list[Fact]]:
    """``[extract(text[a:b]) for a, b in spans]``, scanning ``text`` once where the cuts allow.

    Overlapping windows hold each sentence twice, so extracting per window ran
    every regex over every sentence twice. Here numbers, names and acronyms are
    found once over the spans' range and each span takes those that start in it
    (``_clean_cut`` says when that is exact; other spans are extracted on their
    own). A number's fact reads up to 60 characters on, so one near a span's end
    is made again from the cut text. Quotes pair up from a span's start: per span.
    """
    return [_unique(found) for found in found_in_spans(text, spans)]


def found_in_spans(text: str, spans: Sequence[tuple[int, int]]) -> list[list[Fact]]:
    """``extract_spans`` before each span's facts are made unique by (kind, key): the
    first of each (kind, key) is the one ``extract`` keeps. For callers that number
    facts anyway (the match stage makes them unique by number, in arrays)."""
    found, occ, sizes = found_in_pieces([(text, spans)])
    ends = np.cumsum(sizes).tolist()
    at = occ.tolist()
    return [[found[o] for o in at[e - k : e]] for e, k in zip(ends, sizes.tolist(), strict=True)]


def found_in_pieces(
    pieces: Sequence[tuple[str, Sequence[tuple[int, int]]]],
) -> tuple[list[Fact], np.ndarray, np.ndarray]:
    """``found_in_spans`` of every ``(text, spans)`` piece, flat: ``(found, occ, sizes)``.

    The spans of all pieces in order, span ``k`` holding ``found[o]`` for ``o`` in
    ``occ[s:s + sizes[k]]`` (``s``: the sizes before ``k``). Sentence windows overlap,
    so most facts are in two spans: ``found`` has each match's fact once and a
    caller numbers it once. The regexes run once over all pieces (joined by
    ``_APART``); which matches lie in a span is found for all spans at once
    (``np.searchsorted`` over the matches' offsets). Only what differs per span runs per
    span: the facts of numbers whose 60 characters of context a span's end cuts
    (made again from the cut text), quotes, and spans that are no ``_clean_cut``
    (``extract``).
    """
    subs: list[str] = []  # per piece: its text from its first span's start to the last end
    los: list[int] = []  # and where that is in the piece's text
    n_spans: list[int] = []
    spans_all: list[tuple[int, int]] = []
    clean: list[bool] = []
    extra: list[Fact] = []  # facts found per span
    special: list[tuple[int, int, int, int]] = []  # (span, slot, start in ``extra``, length)
    for text, spans in pieces:
        if not spans:
            continue
        lo = min(a for a, _ in spans)
        sub = text[lo : max(b for _, b in spans)]
        ok = [_clean_cut(sub, a - lo, b - lo) for a, b in spans]
        if '"' in sub or not all(ok):
            for k, (a, b) in enumerate(spans):
                a -= lo
                b -= lo
                if not ok[k] or sub.find('"', a, b) >= 0:
                    fs = _quotes_in(sub, a, b) if ok[k] else extract(sub[a:b])
                    special.append((len(clean) + k, 4 if ok[k] else 1, len(extra), len(fs)))
                    extra += fs
        clean += ok
        spans_all += spans
        n_spans.append(len(spans))
        subs.append(sub)
        los.append(lo)
    if not spans_all:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # the pieces one after the other, apart by a character no pattern reads or crosses
    # (no word character, space, digit, "." "," "'" or "-"): each regex runs once, and a
    # match starts, ends and looks around at a piece's edge as at a string's
    text = _APART.join(subs)
    length = np.fromiter(map(len, subs), np.int64, len(subs))
    bases = np.r_[0, np.cumsum(length + 1)[:-1]]
    piece_ends = (bases + length).tolist()
    num_at: list[int] = []  # per number match: start, end, its fact in the whole piece
    num_end: list[int] = []  # (None: none there, maybe one in a cut span), what a cut span
    num_fact: list[Fact | None] = []  # makes it again from
    num_parts: list[tuple[str, str, int, int, int]] = []
    p = 0
    for m in _NUMBER.finditer(text):
        raw, whole, end1, end = m.group(1), m.group(0), m.end(1), m.end()
        while piece_ends[p] < end:
            p += 1
        stop = piece_ends[p]
        num_at.append(m.start())
        num_end.append(end)
        num_fact.append(_number_in(raw, whole, text[end1 : min(end + 60, stop)]))
        num_parts.append((raw, whole, end1, end, stop))
    start, group = re.Match.start, re.Match.group
    ms = list(_CAP.finditer(text))
    name_at, name_fact = list(map(start, ms)), list(map(_name, map(group, ms)))
    ms = list(_ACRONYM.finditer(text))
    acr_at, acr_fact = list(map(start, ms)), list(map(_acronym, map(group, ms)))
    del ms
    per_span = np.repeat(bases - np.array(los, dtype=np.int64), n_spans)
    sa, sb = (np.array(spans_all, dtype=np.int64) + per_span[:, None]).T
    piece_end = np.repeat(bases + length, n_spans)
    ok_span = np.array(clean, dtype=bool)
    n_at = np.array(num_at, dtype=np.int64)
    i, j = n_at.searchsorted(sa), n_at.searchsorted(sb)
    # a number's fact is the whole piece's where its 60 characters of context end
    # inside the span (ends ascend: those are a prefix) or the span ends its piece
    cut = np.array(num_end, dtype=np.int64).searchsorted(sb - 60, side="right")
    full = np.where(ok_span, np.where(sb == piece_end, j, np.clip(cut, i, j)), i)
    redo = np.flatnonzero(ok_span & (full < j))
    for k, b, lo_q, hi_q in zip(redo.tolist(), sb[redo].tolist(), full[redo].tolist(),
                                j[redo].tolist(), strict=True):  # fmt: skip
        first = len(extra)
        for q in range(lo_q, hi_q):
            raw, whole, end1, end, stop = num_parts[q]
            # the fact reads 15 characters for a date and the first four words for
            # a unit: where the cut leaves those, it is the whole piece's
            words = _FOUR_WORDS.match(text, end, min(end + 60, stop))
            if b >= end1 + 15 and (words is None or b >= words.end()):
                f = num_fact[q]
            else:
                f = _number_in(raw, whole, text[end1:b])
            if f is not None:
                extra.append(f)
        special.append((k, 1, first, len(extra) - first))
    c_at, r_at = np.array(name_at, dtype=np.int64), np.array(acr_at, dtype=np.int64)
    i2, i3 = c_at.searchsorted(sa), r_at.searchsorted(sa)
    # per span five runs of ``found``: numbers, numbers made again (or the facts of a
    # span that is no clean cut), names, acronyms, quotes
    found: list[Fact | None] = [*num_fact, *name_fact, *acr_fact, *extra]
    off_names, off_acrs = len(num_fact), len(num_fact) + len(name_fact)
    off_extra = off_acrs + len(acr_fact)
    starts = np.zeros((len(sa), 5), dtype=np.int64)
    lens = np.zeros((len(sa), 5), dtype=np.int64)
    starts[:, 0], lens[:, 0] = i, full - i
    starts[:, 2], lens[:, 2] = off_names + i2, (c_at.searchsorted(sb) - i2) * ok_span
    starts[:, 3], lens[:, 3] = off_acrs + i3, (r_at.searchsorted(sb) - i3) * ok_span
    if special:
        k, slot, first, size = np.array(special, dtype=np.int64).T
        starts[k, slot], lens[k, slot] = off_extra + first, size
    flat = lens.ravel()
    occ = np.repeat(starts.ravel() - (np.cumsum(flat) - flat), flat) + np.arange(flat.sum())
    span = np.repeat(np.arange(len(sa)), lens.sum(axis=1))
    some = np.fromiter(map(operator.is_not, found, repeat(None)), bool, len(found))
    keep = some[occ]  # numbers and names without a fact
    renumber = np.cumsum(some) - 1
    facts: list[Fact] = list(compress(found, some))  # type: ignore[arg-type]
    return facts, renumber[occ[keep]], np.bincount(span[keep], minlength=len(sa))


_SEPARATOR = re.compile(r"[^\w-]+")
"""What lies between two ``_WORD`` words."""


@cache
def _hedge_pattern() -> re.Pattern[str]:
    """The hedges, longest first, over lower-cased text: the words of a phrase apart by
    any ``_SEPARATOR`` (as over the text's ``_WORD`` words joined by single spaces)."""
    alts = [_SEPARATOR.pattern.join(map(re.escape, h.rstrip("*").split(" ")))
            + (r"\w*" if h.endswith("*") else "") for h in _data()["hedges"]]  # fmt: skip
    return re.compile(r"(?<!\w)(" + "|".join(alts) + r")(?!\w)")


@cache
def _hedge_stems() -> tuple[dict[str, str], frozenset[str]]:
    """Stems of the ``*`` hedges (in data order) and the set of all hedges."""
    hedges = _data()["hedges"]
    return {h[:-1]: h for h in hedges if h.endswith("*")}, frozenset(hedges)


@lru_cache(maxsize=65536)
def hedges(text: str) -> frozenset[str]:
    """Hedge words and phrases present in ``text`` (lower case).

    One regex over the lower-cased text (longest alternatives first); a phrase
    found is given with single spaces. Cached, because a passage is compared
    with many others.
    """
    stems, every = _hedge_stems()
    found = set()
    for m in _hedge_pattern().finditer(text.lower()):
        word = m.group(1)
        if not word.isalpha():  # a phrase (or digits, "_"): its words apart by one space
            word = " ".join(_WORD.findall(word))
        stem = next((st for st in stems if word.startswith(st)), None)
        found.add(stem if stem is not None and word not in every else word)
    return frozenset(found)


def is_strong(fact: Fact) -> bool:
    """Facts specific enough to tie two passages: counts of at least 50, quotes.

    A percentage is strong only from 10 %: small rates ("0,3 Prozent", "1,4
    Prozent") recur in every economic report and tied unrelated articles
    (measured: notes/lineage_eval.md, 15 of 21 unrelated derives_from edges).
    """
    if fact.kind == "quote":
        return True
    if fact.kind == "number":
        try:
            value = float(fact.key)
        except ValueError:
            return False
        return value >= 50 or (fact.unit == "%" and value >= 10)
    return False


def shared(a: list[Fact], b: list[Fact]) -> list[str]:
    """Facts told by both, as ``"kind:key"`` strings (sorted)."""
    kb = {(f.kind, f.key) for f in b}
    return sorted({f"{f.kind}:{f.key}" for f in a if (f.kind, f.key) in kb})


def drifted_numbers(a: list[Fact], b: list[Fact], ratio: float = 1.5) -> list[tuple[Fact, Fact]]:
    """Counts of the same thing (same unit) with different but close values.

    "10.000 Soldaten" and "12.000 Soldaten" drift; "1.100 Soldaten" and
    "600.000 Soldaten" are different facts.
    """
    out = []
    b_keys = {f.key for f in b if f.kind == "number"}
    a_keys = {f.key for f in a if f.kind == "number"}
    for fa in a:
        if fa.kind != "number" or not fa.unit or fa.unit == "%" or fa.key in b_keys:
            continue
        for fb in b:
            if fb.kind != "number" or fb.unit != fa.unit or fb.key in a_keys:
                continue
            va, vb = float(fa.key), float(fb.key)
            if min(va, vb) >= 10 and max(va, vb) / min(va, vb) <= ratio:
                out.append((fa, fb))
    return out


def changed(
    a_text: str, b_text: str, a: list[Fact], b: list[Fact], ratio: float = 1.5
) -> list[dict[str, str]]:
    """Facts told differently: a drifted count; a hedge on one side only."""
    out: list[dict[str, str]] = []
    seen = set()
    for fa, fb in drifted_numbers(a, b, ratio):
        if (fa.key, fb.key, fa.unit) not in seen:
            seen.add((fa.key, fb.key, fa.unit))
            out.append({"kind": "number", "fact": fa.unit, "a": fa.text, "b": fb.text})
    if shared(a, b) or out:
        ha, hb = hedges(a_text), hedges(b_text)
        for h in sorted(ha ^ hb):
            out.append(
                {"kind": "hedge", "fact": h, "a": h if h in ha else "", "b": h if h in hb else ""}
            )
    return out
