"""Ingest: files, folders, JSONL and stdin → Article records.

Accepted inputs:

* ``.txt`` / ``.md``: plain text; the id is the file stem.
* ``.html`` / ``.htm``: main text extracted with trafilatura; title, date,
  site name and URL kept.
* ``.jsonl``: one article per line with at least ``id`` and ``text`` (names
  mappable with ``text_key``/``id_key``); optional ``title``, ``outlet``,
  ``url``, ``published`` (or ``date``).
* ``-``: JSONL on standard input.

Folders are walked recursively in sorted order. Nothing stops the batch:
every input that cannot be used becomes a ``Rejection`` naming the file (and
line) and the reason. Where metadata is missing it is inferred (a date line in
the text, an outlet from the URL) and ``Article.provenance`` records the origin
of every value.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import numpy as np

from lineage.errors import InputError
from lineage.minhash import word_mask  # re's \w as a table by code point
from lineage.models import Article, Rejection

TEXT_SUFFIXES = frozenset({".txt", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
METADATA_FIELDS = (
    ("title", "title"),
    ("outlet", "outlet"),
    ("url", "url"),
    ("published", "published"),
    ("date", "published"),
    ("language", "language"),
)
"""(input field, Article attribute) pairs read from JSONL records and metadata files."""

_MONTHS = {
    "januar": 1,
    "jänner": 1,
    "februar": 2,
    "märz": 3,
    "april": 4,
    "mai": 5,
    "juni": 6,
    "juli": 7,
    "august": 8,
    "september": 9,
    "oktober": 10,
    "november": 11,
    "dezember": 12,
    "january": 1,
    "february": 2,
    "march": 3,
    "may": 5,
    "june": 6,
    "july": 7,
    "october": 10,
    "december": 12,
}
_DATE_DE = re.compile(r"\b(\d{1,2})\.\s*([A-Za-zäÄ]+),?\s+(\d{4})\b")
_DATE_EN = re.compile(r"\b([A-Z][a-z]+)\s+(\d{1,2}),?\s+(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_NUM = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")
_WORDS = re.compile(r"\w+")
_URL = re.compile(r"https?://[^\s\"'<>)]+|\bwww\.[\w-]+(?:\.[\w-]+)+[^\s\"'<>)]*")


@dataclass(slots=True)
class IngestResult:
    """Articles read, inputs rejected, and the checksum of every input file."""

    articles: list[Article] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    inputs: list[dict[str, str]] = field(default_factory=list)


def iter_paths(inputs: Iterable[str | Path]) -> Iterator[str | Path]:
    """Expand folders recursively (sorted); pass files and ``-`` through."""
    for item in inputs:
        if str(item) == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            if not found:
                yield path  # reported as "no articles"
            yield from found
        else:
            yield path


def decode(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode bytes as UTF-8, else a detected legacy encoding; reject binaries.

    Returns:
        ``(text, encoding)``.

    Raises:
        InputError: empty, binary or undecodable input.
    """
    _check_bytes(data, not data or data.isspace(), path)  # isspace: no stripped copy
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode_legacy(data, path)
    _check_text(text, path)
    return text, encoding


CHECKED = 8192
"""Bytes (NUL) and characters (control characters) at the start that tell a binary file."""


def _check_bytes(head: bytes | bytearray, empty: bool, path: str | Path) -> None:
    """``decode``'s checks of the bytes: ``empty`` (only ASCII white space), NUL bytes."""
    if empty:
        raise InputError(path, "empty file")
    if b"\x00" in head[:CHECKED]:
        raise InputError(path, "binary file (contains NUL bytes), not text")


def _check_text(text: str, path: str | Path) -> None:
    """``decode``'s check of the decoded text: few control characters at its start."""
    head = text[:CHECKED]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > max(8, len(head) // 50):
        raise InputError(path, "binary file (control characters), not text")


def _decode_legacy(data: bytes, path: str | Path) -> tuple[str, str]:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except ImportError:  # pragma: no cover - dependency is declared
        best = None
    candidates = ([best.encoding] if best is not None else []) + list(FALLBACK_ENCODINGS)
    for enc in candidates:
        if enc.replace("_", "-").lower() in ("utf-8", "utf8", "ascii"):
            continue
        try:
            return data.decode(enc), enc.replace("_", "-").lower()
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputError(path, "cannot decode as UTF-8 or a legacy encoding")  # pragma: no cover


def parse_date(text: str) -> str | None:
    """First plausible date in ``text`` as ISO ``YYYY-MM-DD``, else None."""
    for pattern, order in (
        (_DATE_ISO, "ymd"),
        (_DATE_DE, "dMy"),
        (_DATE_EN, "Mdy"),
        (_DATE_NUM, "dmy"),
    ):
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups(), strict=True))
            month: int | None
            month = _MONTHS.get(parts["M"].lower()) if "M" in parts else int(parts["m"])
            if month is None:
                continue
            try:
                return date(int(parts["y"]), month, int(parts["d"])).isoformat()
            except ValueError:
                continue
    return None


def outlet_from_url(url: str) -> str | None:
    """Registered-looking host of ``url`` without ``www.`` ("www.merkur.de/x" → "merkur.de")."""
    if "://" not in url:
        url = "http://" + url
    host = (urlsplit(url).hostname or "").lower()
    host = re.sub(r"^(www\d?|m|amp|mobile)\.", "", host)
    return host or None


def _infer(
    article: Article, languages: tuple[str, ...] = ("de", "en"), language: bool = True
) -> None:
    """Fill missing metadata from the text itself, recording where it came from.

    ``language=False`` leaves the language to the caller (``detect_languages``
    for many articles at once), to be set last, as here.
    """
    head = article.text[:600]
    if article.published is None:
        lines = [ln.strip() for ln in head.splitlines() if ln.strip()][:4]
        for line in lines:
            if len(line) < 80 and (found := parse_date(line)):
                article.published = found
                article.provenance["published"] = "text"
                break
    if article.url is None:
        m = _URL.search(head)
        if m:
            article.url = m.group(0)
            article.provenance["url"] = "text"
    if article.outlet is None and article.url:
        outlet = outlet_from_url(article.url)
        if outlet:
            article.outlet = outlet
            article.provenance["outlet"] = "url"
    if language and article.language is None:
        article.language = detect_language(article.text, languages)
        article.provenance["language"] = "text"


@cache
def _stopwords() -> dict[str, frozenset[str]]:
    data = tomllib.loads(files("lineage").joinpath("data/stopwords.toml").read_text("utf-8"))
    return {lang: frozenset(words) for lang, words in data.items()}


def detect_language(text: str, languages: tuple[str, ...] = ("de", "en")) -> str:
    """ISO 639-1 code of the most likely of ``languages``, ``"und"`` if unsure.

    Counts frequent function words (``lineage/data/stopwords.toml``) in the
    first 3,000 characters: cheap, and enough to tell news languages apart.
    """
    words = _WORDS.findall(text[:3000].lower())
    table = _stopwords()
    return _pick([(sum(map(table[lang].__contains__, words)), lang)
                  for lang in languages if lang in table])  # fmt: skip


def _pick(scores: list[tuple[int, str]]) -> str:
    """The language with the most stop words, if there are enough and clearly most."""
    scores = sorted(scores, reverse=True)
    if not scores or scores[0][0] < 3:
        return "und"
    if len(scores) > 1 and scores[0][0] < 1.3 * scores[1][0]:
        return "und"
    return scores[0][1]


LANGUAGE_BATCH = 2000
"""Articles whose languages ``detect_languages`` counts in one pass."""


@cache
def _stop_keys() -> tuple[np.ndarray, int, int, np.ndarray, dict[str, np.ndarray]]:
    """Stop words as integers: a letter number by code point (``bits`` each), the
    longest stop word, every stop word's key (sorted) and whether it is one of each
    language (by key).

    Stop words are short and use few letters, so any word that could be one has
    an exact key; a word with another letter, or longer, cannot be one.
    """
    table = _stopwords()
    letters = sorted({ch for words in table.values() for w in words for ch in w})
    lut = np.zeros(0x10001, dtype=np.uint8)  # code points past the plane clip to the last: 0
    for k, ch in enumerate(letters, start=1):
        lut[ord(ch)] = k
    bits = len(letters).bit_length()
    longest = max((len(w) for words in table.values() for w in words), default=0)
    keys = {lang: {_key(w, lut, bits) for w in words if _WORDS.fullmatch(w)}
            for lang, words in table.items()}  # fmt: skip
    every = np.array(sorted(set().union(*keys.values())), dtype=np.int64)
    member = {
        lang: np.isin(every, np.array(sorted(ks), dtype=np.int64)) for lang, ks in keys.items()
    }
    return lut, bits, longest, every, member


def _key(word: str, lut: np.ndarray, bits: int) -> int:
    return sum(int(lut[ord(ch)]) << (bits * j) for j, ch in enumerate(word))


def detect_languages(texts: Sequence[str], languages: tuple[str, ...] = ("de", "en")) -> list[str]:
    """``[detect_language(t, languages) for t in texts]``, counted for all texts at once.

    Words are found with a table of ``\\w`` by code point and compared with the
    stop words as integer keys (``_stop_keys``): numpy passes over all texts
    instead of a look-up per word (most of ingest's time before).
    """
    lut, bits, longest, every, member = _stop_keys()
    if not texts or bits * longest > 63 or not every.size:
        return [detect_language(t, languages) for t in texts]
    if len(texts) > LANGUAGE_BATCH:  # bounded memory: ~100 bytes per character at once
        step = LANGUAGE_BATCH
        return [lang for lo in range(0, len(texts), step)
                for lang in detect_languages(texts[lo : lo + step], languages)]  # fmt: skip
    table = _stopwords()
    lowered = [t[:3000].lower() for t in texts]
    firsts = np.cumsum([0] + [len(t) + 1 for t in lowered[:-1]])
    joined = "\x00".join(lowered)  # not a word character: no word runs from one text on
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    edges = np.diff(word_mask(cp).view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    lengths = np.flatnonzero(edges == -1) - starts
    short = lengths <= longest
    starts, lengths = starts[short], lengths[short]
    key = lut.take(cp[starts], mode="clip").astype(np.int64)
    key[key == 0] = -1  # a letter no stop word has
    for j in range(1, longest):
        inside = np.flatnonzero(lengths > j)
        letter = lut.take(cp[starts[inside] + j], mode="clip")
        key[inside[letter == 0]] = -1  # a letter no stop word has
        key[inside] |= letter.astype(np.int64) << (bits * j)
    at = np.minimum(np.searchsorted(every, key), len(every) - 1)
    found = np.flatnonzero((every[at] == key) & (key > 0))
    # stop words per text: the found words are in text order, so each text's are a run,
    # cut where the texts begin (searching 10k text starts among the words, not each
    # of millions of words among the text starts)
    cuts = np.append(np.searchsorted(starts[found], firsts), found.size)
    counts = {lang: np.diff(np.r_[0, np.cumsum(member[lang][at[found]], dtype=np.int64)][cuts])
              for lang in set(languages) if lang in table}  # fmt: skip
    return [_pick([(int(counts[lang][i]), lang) for lang in languages if lang in table])
            for i in range(len(texts))]  # fmt: skip


def _not_unicode(article: Article) -> str | None:
    """Why ``article`` cannot be written out as UTF-8, or ``None``.

    JSON may escape a lone surrogate (``"\\ud800"``): Python reads it, but no
    UTF-8 writer (hash, output, SQLite) takes it, so the record is rejected here
    rather than stopping the batch later.
    """
    for name in ("id", "text", "title", "outlet", "url", "published"):
        value = getattr(article, name)
        if not value or value.isascii():
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            code = ord(value[exc.start])
            return (f"field {name!r} holds a lone surrogate (U+{code:04X} at character "
                    f"{exc.start}), not valid Unicode")  # fmt: skip
    return None


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text_file(path: Path, data: bytes) -> Article:
    """A plain text or Markdown article."""
    text, encoding = decode(data, path)
    return Article(
        id=path.stem, text=text, path=str(path), encoding=encoding, provenance={"id": "filename"}
    )


def read_html_file(path: Path, data: bytes) -> Article:
    """An HTML page: main text and metadata extracted with trafilatura."""
    import trafilatura

    html, encoding = decode(data, path)
    extracted = trafilatura.extract(
        html, output_format="json", with_metadata=True, include_comments=False, deduplicate=False
    )
    if not extracted:
        raise InputError(path, "no article text found in HTML")
    meta = json.loads(extracted)
    text = meta.get("text") or ""
    if not text.strip():
        raise InputError(path, "no article text found in HTML")
    art = Article(
        id=path.stem, text=text, path=str(path), encoding=encoding, provenance={"id": "filename"}
    )
    for key, field_name in (
        ("title", "title"),
        ("date", "published"),
        ("source", "url"),
        ("sitename", "outlet"),
    ):
        value = meta.get(key)
        if value:
            setattr(art, field_name, str(value))
            art.provenance[field_name] = "html"
    if art.outlet is None and meta.get("hostname"):
        art.outlet = meta["hostname"]
        art.provenance["outlet"] = "html"
    return art


def _from_record(
    record: Any, path: str, line: int, text_key: str, id_key: str, stem: str
) -> Article:
    if not isinstance(record, dict):
        raise InputError(path, "line is not a JSON object", line)
    text = record.get(text_key)
    if not isinstance(text, str) or not text.strip():
        raise InputError(path, f"no text (field {text_key!r} missing or empty)", line)
    raw_id = record.get(id_key)
    ident = str(raw_id) if raw_id not in (None, "") else f"{stem}-{line}"
    art = Article(
        id=ident,
        text=text,
        path=path,
        line=line,
        provenance={"id": "jsonl" if raw_id not in (None, "") else "filename"},
    )
    for key, field_name in METADATA_FIELDS:
        value = record.get(key)
        if value not in (None, "") and getattr(art, field_name) is None:
            setattr(art, field_name, str(value))
            art.provenance[field_name] = "jsonl"
    return art


def _json_reason(exc: json.JSONDecodeError) -> str:
    """``invalid JSON (Expecting value at column 21)``: the parser's words and where it stopped.

    The parser's own message ends "... starting at: line 1 column 21 (char 20)";
    the line is the file's (given with the error), so only the column is kept.
    """
    where = "" if exc.msg.endswith(" at") else " at"
    return f"invalid JSON ({exc.msg}{where} column {exc.colno})"


def read_jsonl(
    stream: Iterable[str], path: str, text_key: str = "text", id_key: str = "id"
) -> Iterator[Article | InputError]:
    """Articles from JSONL lines (a text stream); a bad line yields an InputError instead."""
    stem = Path(path).stem if path != "-" else "stdin"
    for lineno, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.rstrip("\r\n"))  # a column past the end, not "column 1"
        except json.JSONDecodeError as exc:
            yield InputError(path, _json_reason(exc), lineno)
            continue
        try:
            yield _from_record(record, path, lineno, text_key, id_key, stem)
        except InputError as exc:
            yield exc


def split_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` as ``io.StringIO(text)`` yields them: ends kept, cut at "\\n" only.

    ``StringIO`` first copies the text at 4 bytes a character (0.9 GB for a 231 MB
    JSONL file); slicing one line at a time copies only that line.
    """
    start, n = 0, len(text)
    while start < n:
        end = text.find("\n", start) + 1 or n
        yield text[start:end]
        start = end


class _NotUtf8(Exception):
    """A line of a file read as UTF-8 is not: the whole file is decoded again."""


HEAD = 4 * CHECKED + 3
"""Bytes that hold the first ``CHECKED`` characters of any UTF-8 text (with a BOM)."""


@dataclass(slots=True)
class _Utf8Lines:
    """A binary file's lines decoded as UTF-8 one at a time, hashed as they are read.

    Also keeps what ``decode``'s checks read: the first ``HEAD`` bytes, and whether
    every byte so far is ASCII white space.
    """

    file: IO[bytes]
    digest: Any = field(default_factory=hashlib.sha256)
    head: bytearray = field(default_factory=bytearray)
    blank: bool = True

    def __iter__(self) -> Iterator[str]:
        encoding = "utf-8-sig"  # a BOM only at the start, as decode() strips it
        for raw in self.file:
            self.digest.update(raw)
            if len(self.head) < HEAD:
                self.head += raw[: HEAD - len(self.head)]
            if self.blank:
                self.blank = raw.isspace()
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                raise _NotUtf8 from None
            encoding = "utf-8"


def _read_jsonl_path(path: Path, result: IngestResult, text_key: str, id_key: str
                     ) -> list[Article | InputError]:  # fmt: skip
    """Records of a JSONL file, read line by line; its checksum goes to ``result.inputs``.

    The same records, checks and checksum as ``decode`` on the whole file, without
    holding the file's bytes and text (ingest's peak was ~6x the file's size). A
    file that is not UTF-8 is read whole and decoded as before.
    """
    try:
        with path.open("rb") as f:
            lines = _Utf8Lines(f)
            records = list(read_jsonl(lines, str(path), text_key, id_key))
    except _NotUtf8:
        data = path.read_bytes()
        result.inputs.append({"path": str(path), "sha256": hashlib.sha256(data).hexdigest()})
        text, _ = decode(data, path)
        del data
        return list(read_jsonl(split_lines(text), str(path), text_key, id_key))
    result.inputs.append({"path": str(path), "sha256": lines.digest.hexdigest()})
    _check_bytes(lines.head, lines.blank, path)
    _check_text(bytes(lines.head).decode("utf-8-sig", "ignore"), path)  # cut at most one char
    return records


def load_metadata(path: str | Path) -> dict[str, dict[str, str]]:
    """Metadata keyed by article id or file name, from CSV (with header) or JSONL."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(p, f"cannot read metadata: {exc}") from exc
    rows: list[tuple[int, dict[str, Any]]] = []
    if p.suffix.lower() in JSONL_SUFFIXES:
        for lineno, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append((lineno, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InputError(p, _json_reason(exc), lineno) from exc
    else:
        reader = csv.DictReader(io.StringIO(raw))
        rows = [(i + 2, row) for i, row in enumerate(reader)]
    out: dict[str, dict[str, str]] = {}
    for lineno, row in rows:
        key = row.get("id") or row.get("file") or row.get("filename") or row.get("path")
        if not key:
            raise InputError(p, "metadata row has no id, file or path column", lineno)
        out[str(key)] = {k: str(v) for k, v in row.items() if v not in (None, "")}
    return out


def _apply_metadata(article: Article, meta: dict[str, dict[str, str]]) -> None:
    if not meta:
        return
    row = meta.get(article.id) or meta.get(Path(article.path).name) or meta.get(article.path)
    if not row:
        return
    for key, field_name in METADATA_FIELDS:
        if key in row:
            setattr(article, field_name, row[key])
            article.provenance[field_name] = "metadata"


def read_articles(
    inputs: Iterable[str | Path],
    *,
    text_key: str = "text",
    id_key: str = "id",
    metadata: str | Path | None = None,
    strict: bool = False,
    stdin: IO[str] | None = None,
    languages: tuple[str, ...] = ("de", "en"),
    detect_language: bool = True,
) -> IngestResult:
    """Read every input; collect articles, rejections and input checksums.

    Args:
        inputs: Files, folders or ``"-"`` (JSONL on stdin).
        text_key: JSONL field holding the article text.
        id_key: JSONL field holding the article id.
        metadata: Optional CSV/JSONL file with outlet, url, published, title per id/file.
        strict: Raise the first InputError instead of collecting it.
        stdin: Stream to read for ``"-"`` (default ``sys.stdin``).
        languages: Languages to tell apart where an article gives none.
        detect_language: ``False`` leaves such articles without a language, for a
            caller that detects it later in parallel (the scan's normalize stage).

    Raises:
        InputError: only with ``strict=True``.

    Example:
        >>> result = read_articles(["seeds/"])  # doctest: +SKIP
        >>> [a.id for a in result.articles][:2]  # doctest: +SKIP
        ['000_1c4def8d7fbf4333', '001_fb9b90ac9a99f893']
    """
    result = IngestResult()
    meta = load_metadata(metadata) if metadata else {}
    seen: dict[str, str] = {}

    def reject(err: InputError) -> None:
        if strict:
            raise err
        result.rejected.append(Rejection(err.path, err.reason, err.line))

    def accept(article: Article) -> None:
        where = f"{article.path}:{article.line}" if article.line else article.path
        if article.id in seen:
            reject(
                InputError(
                    article.path,
                    f"duplicate article id {article.id!r} (first seen at {seen[article.id]})",
                    article.line,
                )
            )
            return
        _apply_metadata(article, meta)
        problem = _not_unicode(article)
        if problem:
            reject(InputError(article.path, problem, article.line))
            return
        seen[article.id] = where
        _infer(article, languages, language=False)
        article.sha256 = _sha(article.text)
        result.articles.append(article)

    for item in iter_paths(inputs):
        if item == "-":
            stream = stdin if stdin is not None else sys.stdin
            data = stream.read()
            result.inputs.append({"path": "-", "sha256": _sha(data)})
            for rec in read_jsonl(split_lines(data), "-", text_key, id_key):
                reject(rec) if isinstance(rec, InputError) else accept(rec)
            continue
        path = Path(item)
        try:
            _read_path(path, result, text_key, id_key, reject, accept)
        except InputError as err:
            reject(err)
    unknown = [a for a in result.articles if a.language is None] if detect_language else []
    for art, lang in zip(unknown, detect_languages([a.text for a in unknown], languages),
                         strict=True):  # fmt: skip
        art.language = lang
        art.provenance["language"] = "text"
    return result


def _read_path(
    path: Path, result: IngestResult, text_key: str, id_key: str, reject: Any, accept: Any
) -> None:
    if path.is_dir():
        raise InputError(path, "folder contains no .txt, .md, .html or .jsonl articles")
    if not path.exists():
        raise InputError(path, "no such file or folder")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            path,
            f"unsupported file type {suffix or '(none)'!r}; use .txt, .md, .html, .htm or .jsonl",
        )
    try:
        if suffix in JSONL_SUFFIXES:
            records = _read_jsonl_path(path, result, text_key, id_key)
        else:
            data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    if suffix in JSONL_SUFFIXES:
        for rec in records:
            reject(rec) if isinstance(rec, InputError) else accept(rec)
        return
    result.inputs.append({"path": str(path), "sha256": hashlib.sha256(data).hexdigest()})
    if suffix in HTML_SUFFIXES:
        accept(read_html_file(path, data))
    else:
        accept(read_text_file(path, data))
