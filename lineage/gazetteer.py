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
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NAME = re.compile(
    r"(?<=[a-zäöüß,] )(?:[A-ZÄÖÜ][a-zäöüßé]+(?:-[A-ZÄÖÜ]?[a-zäöüß]+)? ){1,2}"
    r"[A-ZÄÖÜ][a-zäöüßé]+(?:-[A-ZÄÖÜ]?[a-zäöüß]+)?(?=[ ,.])"
)
_ABBR_DEF = re.compile(r"\(([A-ZÄÖÜ]{2,6})\)")
_ABBR_NAME = re.compile(r"((?:[A-ZÄÖÜ][\w-]+\s+(?:of\s+|der\s+|des\s+|for\s+)?){1,6})$")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,12}", re.IGNORECASE)
_DETERMINERS = frozenset(
    "der die das des dem den ein eine einer eines einem einen the a an".split()
)


Resolved = tuple[str, str, str, str | None]
"""``(source id, display name, source type, via person)``."""


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


@lru_cache(maxsize=1 << 16)
def name_key(text: str) -> tuple[str, ...]:
    """Folded token key of a name, without leading determiners (cached: the same
    mentions and words are looked up again and again)."""
    toks = [stem(t) for t in _TOKEN.findall(text.replace("-", " "))]
    while toks and toks[0] in _DETERMINERS:
        toks = toks[1:]
    return tuple(toks)


def slugify(text: str) -> str:
    """ASCII slug for provisional ids: "Weser-Kurier" -> "weser-kurier"."""
    folded = text.lower().translate(_FOLD)
    folded = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", folded).strip("-") or "unknown"


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
    _first: set[str] = field(default_factory=set)  # first keys of indexed names
    _found: dict[tuple[tuple[str, ...], bool], Any] = field(default_factory=dict)  # find_in cache

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
            last = person.split()[-1]
            surname = name_key(last)
            # "Rutte" alone, if unambiguous; not "Jong-un" (Korean family names come first)
            if len(surname) == 1 and len(last) >= 4 and surname not in self._names:
                self._index(surname, source.id, person)
        for abbr in source.abbreviations:
            self._abbr[abbr] = source.id
        self._found.clear()
        for dom in source.domains:
            self._domains[normalize_domain(dom)] = source.id

    @property
    def abbreviations(self) -> dict[str, str]:
        """Abbreviation (as written) -> source id."""
        return self._abbr

    def _index(self, key: tuple[str, ...], sid: str, person: str | None) -> None:
        if key:
            self._names[key] = (sid, person)
            self._first.add(key[0])
            self.max_len = max(self.max_len, len(key))
            self._found.clear()

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
        ckey = (tuple(tokens), allow_common)
        if ckey in self._found:
            cached: tuple[int, int, str, str | None] | None = self._found[ckey]
            return cached
        keys = [stem(t) for t in tokens]
        found: tuple[int, int, str, str | None] | None = None
        for n in range(min(self.max_len, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if n == 1 and tokens[i] in self._abbr:
                    found = i, i + 1, self._abbr[tokens[i]], None
                    break
                if keys[i] not in self._first:
                    continue
                hit = self._names.get(tuple(keys[i : i + n]))
                if hit and (allow_common or not self.sources[hit[0]].common_word):
                    found = i, i + n, hit[0], hit[1]
                    break
            if found:
                break
        if len(self._found) < 100_000:
            self._found[ckey] = found
        return found

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


@lru_cache(maxsize=1 << 14)
def is_domain(word: str) -> bool:
    """A bare web domain ("merkur.de", "outlet-03.example"), credited like an outlet name.

    The top-level part must be lower case letters, so "z.B", "10.000", "u.a" and
    "St.Pauli" are not domains.
    """
    if "." not in word or _DOMAIN.fullmatch(word) is None:
        return False
    host, tld = word.rsplit(".", 1)
    return tld.islower() and len(host) >= 2 and any(c.isalpha() for c in host)


def provisional_id(mention: Iterable[str] | str) -> str:
    """Id for a source not in the gazetteer: ``provisional:<slug>``."""
    return _provisional_id(mention if isinstance(mention, str) else " ".join(mention))


@lru_cache(maxsize=1 << 14)
def _provisional_id(text: str) -> str:
    """:func:`provisional_id` of a string (cached: a news day names the same people and
    outlets in many articles, and slugifying normalizes Unicode twice)."""
    toks = _TOKEN.findall(text)
    while toks and toks[0].lower() in _DETERMINERS:
        toks = toks[1:]
    return "provisional:" + slugify(" ".join(toks))


# ---------------------------------------------------------------------- mentions
class ArticleSources:
    """Resolves mentions in one article, remembering its speakers and defined abbreviations.

    ``lex`` arguments are a language's cue lexicon (``lineage.cues.Lexicon``): it
    supplies determiners, pronouns, role words ("Sprecherin") and anonymous heads.
    """

    def __init__(self, gazetteer: Gazetteer, article: str, text: str) -> None:
        self.gaz = gazetteer
        self.article = article
        self.text = text
        self.learned = learn_aliases(text)
        self.people: dict[str, Resolved] = {}
        self.out: list[Any] = []  # Attribution records found so far
        self.prev: list[Any] = []  # ...in the previous sentence

    def known(self, mention: str) -> bool:
        """Is the mention in the gazetteer or a person already named in this article?"""
        return self.gaz.lookup(mention) is not None or " ".join(name_key(mention)) in self.people

    def antecedent(self, lex: Any, start: int) -> Resolved | None:
        """The last person-like name before ``start``, for a pronoun with no earlier source."""
        best = None
        for m in _NAME.finditer(self.text, max(0, start - 600), start):
            if not self.gaz.is_blocked(m.group()):
                best = m.group()
        if best:
            best = person_name(best.split(), lex, self.gaz) or best
        return (provisional_id(best), best, "person", None) if best else None

    def resolve(self, mention: str, words: list[str], lang: Any, start: int = 0) -> Resolved | None:
        """``(id, name, type, via person)`` for a mention, or None (not a source)."""
        gaz = self.gaz
        low = [w.lower() for w in words]
        if len(words) == 1 and is_domain(words[0]):
            sid = gaz.by_domain(words[0])
            if sid:
                src = gaz.sources[sid]
                return src.id, src.name, src.type, None
            host = normalize_domain(words[0])
            return provisional_id(host), host, "outlet", None
        if len(words) == 1 and low[0] in lang.pron:
            last = next((r for r in reversed(self.out) if r.source_type != "anonymous"), None)
            if last is not None:
                return last.source_id, last.source_name, last.source_type, last.via_person
            return self.antecedent(lang, start)
        core = [w for w in words if w.lower() not in lang.det and w not in (",",)]
        if not core or all(gaz.is_blocked(w) or w.lower() in ("und", "and") for w in core):
            return None
        parts = [x for w in words for x in w.split("-")]
        found = gaz.find_in(parts, allow_common=False)
        if not found and any(is_anonymous(w, lang) for w in low) and not _has_genitive(low, lang):
            head = next(w for w in words if is_anonymous(w.lower(), lang))
            return "anonymous:" + slugify(head), head, "anonymous", None
        key = " ".join(name_key(mention))
        if key in self.people:
            return self.people[key]
        if mention.strip() in self.learned:
            mention = self.learned[mention.strip()]
            words = mention.split()
            parts = [x for w in words for x in w.split("-")]
            core = [w for w in words if w.lower() not in lang.det]
            found = gaz.find_in(parts, allow_common=False)
        hit = gaz.lookup(mention)
        if hit is None:
            found = found or gaz.find_in(parts, allow_common=False)
            hit = (found[2], found[3]) if found else None
        person = person_name(words, lang, gaz)
        if hit:
            src = gaz.sources[hit[0]]
            via = hit[1] or person
            res = (src.id, src.name, src.type, via)
        elif person:
            if any(gaz.is_blocked(w) for w in person.split()):
                return None
            res = (provisional_id(person), person, "person", None)
        else:
            stype = (
                "outlet" if any(w.lower().endswith(lang.outlet_hints) for w in core) else "other"
            )
            res = (provisional_id(" ".join(core)), " ".join(core), stype, None)
        for name in filter(None, (res[3], person)):
            self.people[" ".join(name_key(name.split()[-1]))] = res
            self.people[" ".join(name_key(name))] = res
        return res

    def addressee(self, mention: str) -> str:
        """Id of the outlet or person something was said to ("gegenüber dem Weser-Kurier")."""
        hit = self.gaz.lookup(mention)
        return hit[0] if hit else provisional_id(mention)

    def line_source(self, mention: str, fam: str) -> tuple[str, str, str] | None:
        """Source of a credit line, dateline or domain."""
        gaz = self.gaz
        m = mention.strip(" .,:;-–")
        if not m:
            return None
        if fam == "url":
            sid = gaz.by_domain(m)
            if sid:
                src = gaz.sources[sid]
                return src.id, src.name, src.type
            host = m.split("//")[-1].split("/")[0].removeprefix("www.")
            return "provisional:" + slugify(host), host, "outlet"
        named = gaz.resolve(m)
        if named:
            return named.id, named.name, named.type
        if gaz.is_blocked(m) or len(m.split()) > 5:
            return None
        return provisional_id(m), m, "outlet"


def learn_aliases(text: str) -> dict[str, str]:
    """Abbreviations defined in the text: "Joint Chiefs of Staff (JCS)" -> JCS."""
    out: dict[str, str] = {}
    for m in _ABBR_DEF.finditer(text):
        before = _ABBR_NAME.search(text, max(0, m.start() - 80), m.start())
        if before:
            out[m.group(1)] = before.group(1).strip()
    return out


@lru_cache(maxsize=1 << 15)
def ends_with(word: str, nouns: frozenset[str]) -> bool:
    """Compound ending in one of the (long) nouns: "Polizeiangaben" ends with "angaben"."""
    return word.endswith(_long_nouns(nouns))


@lru_cache(maxsize=64)
def _long_nouns(nouns: frozenset[str]) -> tuple[str, ...]:
    """The nouns of at least 6 letters (shorter ones end too many words), for ``endswith``."""
    return tuple(n for n in nouns if len(n) >= 6)


def is_anonymous(word: str, lang: Any) -> bool:
    """An anonymous head ("Medienberichten", "Geheimdienstinformationen")."""
    heads = lang.p.get("anonymous_heads", frozenset())
    return word in heads or ends_with(word, heads)


def _has_genitive(low: list[str], lang: Any) -> bool:
    return any(w in lang.gen for w in low[1:])


def person_name(parts: list[str], lang: Any, gaz: Gazetteer) -> str | None:
    """A person's name inside a mention ("Der Militärexperte Seth Jones" -> "Seth Jones")."""
    words = [w for w in parts if w[:1].isalpha()]
    last_role = -1
    for k, w in enumerate(words):
        if w.lower().endswith(lang.roles) and w[0].isupper():
            last_role = k
    if last_role >= 0:
        name = []
        for w in words[last_role + 1 :]:
            if not w[0].isupper() or w.lower() in lang.det:
                break
            name.append(w)
        names = [w for w in name if not gaz.lookup(w)]
        if not names and last_role > 0:
            names = [w for w in words[:last_role] if w[0].isupper() and w.lower() not in lang.det]
            names = names if len(names) <= 3 and "," in parts else []
        return " ".join(names) if names else None
    caps = [w for w in words if w[0].isupper()]
    if (
        1 <= len(caps) <= 3
        and len(caps) == len(words)
        and not any(
            w.lower().endswith(lang.org_suffixes)
            or w.isupper()
            or gaz.lookup(w)
            or is_anonymous(w.lower(), lang)
            or any(x.isupper() and len(x) > 1 for x in w.split("-"))
            for w in caps
        )
    ):
        return " ".join(caps)
    return None
