"""The source gazetteer: who can be cited, under which names.

Knowledge lives in ``lineage/data/sources.toml`` (shipped) and in user files
given with ``--sources``; a user entry with a shipped id replaces it. Names are
matched on a folded key (lower case, umlauts spelled out, German inflection
endings cut), so "des südkoreanischen Generalstabs" and "der südkoreanische
Generalstab" find the same entry without listing every case. Abbreviations
("SZ", "JCS") match only as written, because "sz" or "Ap" are not names.
Outlet names that are also common words ("Welt", "Zeit", "Merkur") are flagged
``common_word``: they count only in a source position (the caller decides) or
by their web domain.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from lineage.errors import ConfigError

SOURCE_TYPES = frozenset(
    {
        "outlet",
        "agency",
        "government",
        "military",
        "intelligence",
        "international_org",
        "person",
        "anonymous",
        "other",
    }
)
_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "’": "'"})
_ENDINGS = ("en", "em", "er", "es", "e", "n")
_DETERMINERS = frozenset(
    "der die das des dem den ein eine einer eines einem einen the a an".split()
)


@dataclass(frozen=True, slots=True)
class Source:
    """A canonical source: an outlet, agency, government body, person...

    ``country`` is an ISO 3166 alpha-2 code or ``""`` (international).
    ``spokespeople`` are people who speak for the source ("Mark Rutte" for NATO).
    """

    id: str
    name: str
    type: str
    country: str = ""
    aliases: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    spokespeople: tuple[str, ...] = ()
    common_word: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON object (graph nodes)."""
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "country": self.country,
            "aliases": list(self.aliases),
            "domains": list(self.domains),
            "spokespeople": list(self.spokespeople),
        }


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Fold one word for matching: lower case, umlauts spelled out, endings cut."""
    w = unicodedata.normalize("NFC", word).lower().translate(_FOLD)
    if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
        w = w[:-1]
    if len(w) > 4:
        for end in _ENDINGS:
            if w.endswith(end):
                return w[: -len(end)]
    return w


def name_key(text: str) -> tuple[str, ...]:
    """Folded token key of a name, without leading determiners."""
    toks = [stem(t) for t in _TOKEN.findall(text.replace("-", " "))]
    while toks and toks[0] in _DETERMINERS:
        toks = toks[1:]
    return tuple(toks)


def slugify(text: str) -> str:
    """ASCII slug for provisional ids: "Weser-Kurier" -> "weser-kurier"."""
    folded = text.lower().translate(_FOLD)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "unknown"


def normalize_domain(domain: str) -> str:
    """Host part of a URL or domain, lower case, without ``www.``."""
    d = domain.strip().lower()
    d = re.sub(r"^[a-z]+://", "", d).split("/")[0].split(":")[0]
    return d[4:] if d.startswith("www.") else d


@dataclass(slots=True)
class Gazetteer:
    """Name, abbreviation and domain indexes over a list of sources."""

    sources: dict[str, Source] = field(default_factory=dict)
    blocked: frozenset[tuple[str, ...]] = frozenset()
    _names: dict[tuple[str, ...], tuple[str, str | None]] = field(default_factory=dict)
    _abbr: dict[str, str] = field(default_factory=dict)
    _domains: dict[str, str] = field(default_factory=dict)
    max_len: int = 1

    @classmethod
    def load(cls, extra_files: Sequence[str | Path] = ()) -> Gazetteer:
        """The shipped gazetteer with user files merged over it (later files win)."""
        text = files("lineage").joinpath("data/sources.toml").read_text("utf-8")
        tables = [("sources.toml", tomllib.loads(text))]
        for path in extra_files:
            try:
                tables.append((str(path), tomllib.loads(Path(path).read_text("utf-8"))))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path}: cannot read sources file: {exc}") from exc
        gaz = cls()
        blocked: set[tuple[str, ...]] = set()
        for origin, data in tables:
            for sid, entry in data.get("sources", {}).items():
                gaz.add(_source_from_toml(sid, entry, origin))
            blocked.update(name_key(n) for n in data.get("not_sources", {}).get("names", []))
        gaz.blocked = frozenset(blocked)
        return gaz

    def add(self, source: Source) -> None:
        """Add (or replace) a source and index its names."""
        self.sources[source.id] = source
        for alias in (source.name, *source.aliases):
            self._index(name_key(alias), source.id, None)
        for person in source.spokespeople:
            self._index(name_key(person), source.id, person)
            surname = name_key(person)[-1:]
            if surname and surname not in self._names:  # "Rutte" alone, if unambiguous
                self._index(surname, source.id, person)
        for abbr in source.abbreviations:
            self._abbr[abbr] = source.id
        for dom in source.domains:
            self._domains[normalize_domain(dom)] = source.id

    @property
    def abbreviations(self) -> dict[str, str]:
        """Abbreviation (as written) -> source id."""
        return self._abbr

    def _index(self, key: tuple[str, ...], sid: str, person: str | None) -> None:
        if key:
            self._names[key] = (sid, person)
            self.max_len = max(self.max_len, len(key))

    def resolve(self, mention: str) -> Source | None:
        """The source a whole mention names ("dem Pentagon", "SZ", "merkur.de"), or None."""
        hit = self.lookup(mention)
        return self.sources[hit[0]] if hit else None

    def lookup(self, mention: str) -> tuple[str, str | None] | None:
        """``(source id, spokesperson or None)`` for a whole mention, or None."""
        m = mention.strip()
        if m in self._abbr:
            return self._abbr[m], None
        if "." in m and " " not in m:
            sid = self.by_domain(m)
            if sid:
                return sid, None
        return self._names.get(name_key(m))

    def find_in(
        self, tokens: Sequence[str], *, allow_common: bool = True
    ) -> tuple[int, int, str, str | None] | None:
        """Longest known name inside a token list: ``(i, j, source id, person)``.

        Used for mentions such as "Sabrina Singh, eine Sprecherin des Pentagon",
        where the source is named inside a longer phrase.
        """
        keys = [stem(t) for t in tokens]
        for n in range(min(self.max_len, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if n == 1 and tokens[i] in self._abbr:
                    return i, i + 1, self._abbr[tokens[i]], None
                hit = self._names.get(tuple(keys[i : i + n]))
                if hit and (allow_common or not self.sources[hit[0]].common_word):
                    return i, i + n, hit[0], hit[1]
        return None

    def is_blocked(self, mention: str) -> bool:
        """True for names that are never a source (countries, capitals)."""
        return name_key(mention) in self.blocked

    def by_domain(self, domain: str) -> str | None:
        """Source id for a web domain or URL, trying parent domains too."""
        d = normalize_domain(domain)
        while d:
            if d in self._domains:
                return self._domains[d]
            if "." not in d:
                return None
            d = d.split(".", 1)[1]
        return None


def _source_from_toml(sid: str, entry: dict[str, Any], origin: str) -> Source:
    try:
        stype = entry["type"]
        name = entry["name"]
    except KeyError as exc:
        raise ConfigError(f"{origin}: source {sid!r} needs a {exc.args[0]!r}") from exc
    if stype not in SOURCE_TYPES:
        allowed = ", ".join(sorted(SOURCE_TYPES))
        raise ConfigError(f"{origin}: source {sid!r} has type {stype!r}; use one of {allowed}")
    return Source(
        id=sid,
        name=name,
        type=stype,
        country=entry.get("country", ""),
        aliases=tuple(entry.get("aliases", ())),
        abbreviations=tuple(entry.get("abbreviations", ())),
        domains=tuple(entry.get("domains", ())),
        spokespeople=tuple(entry.get("spokespeople", ())),
        common_word=bool(entry.get("common_word", False)),
    )


@cache
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded once."""
    return Gazetteer.load()


def outlet_id_for(outlet_or_domain: str) -> str | None:
    """Canonical id for an outlet name or web domain ("www.merkur.de" -> "merkur")."""
    gaz = default_gazetteer()
    if "." in outlet_or_domain and " " not in outlet_or_domain.strip():
        sid = gaz.by_domain(outlet_or_domain)
        if sid:
            return sid
    src = gaz.resolve(outlet_or_domain)
    return src.id if src else None


def provisional_id(mention: Iterable[str] | str) -> str:
    """Id for a source not in the gazetteer: ``provisional:<slug>``."""
    text = mention if isinstance(mention, str) else " ".join(mention)
    toks = _TOKEN.findall(text)
    while toks and toks[0].lower() in _DETERMINERS:
        toks = toks[1:]
    return "provisional:" + slugify(" ".join(toks))
