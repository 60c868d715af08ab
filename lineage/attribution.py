"""Attribution parsing: whom does an article name as the source of what it reports.

Rules, not a model, because every record must point at the words that justify it.
The core knows no language: cue words, verbs, determiners and line patterns come from
``lineage/data/cues.toml`` and source names from the gazetteer (``lineage.gazetteer``).

How a sentence is read:

1. A cheap trigger regex over the whole text marks sentences that may hold a cue; all
   others are skipped (speed: the parser runs inside every scan).
2. In a marked sentence, cue families are tried: prepositions ("laut X", "according
   to X"), postpositions ("X zufolge"), "nach Angaben X", "wie X berichtet", ", so X",
   "heißt es in X", reporting verbs with the subject before ("X sagte") or after
   ("sagte X") the verb, including separable verbs ("teilte ... mit"), and passives
   ("von X veröffentlicht"). Only candidate verb tokens are lemmatized (simplemma).
3. The mention is resolved: gazetteer (aliases, abbreviations, spokespeople), aliases
   learned in the article ("Joint Chiefs of Staff (JCS)"), earlier speakers for pronouns
   and surnames, else a provisional id. Countries are never sources; anonymous cues
   ("Medienberichten zufolge") are kept as ``anonymous``.
4. A sentence in Konjunktiv I without a cue carries the previous sentence's source.
5. Credit lines, datelines, reference blocks and domains are matched line-wise.

Confidence is the precision of each cue family measured on gnqa train
(``benchmarks/attribution_eval.py --write-confidence``), stored in
``lineage/data/cue_confidence.json``.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import simplemma

from lineage.gazetteer import (
    ArticleSources,
    Gazetteer,
    default_gazetteer,
    ends_with,
    is_anonymous,
    is_domain,
)

__all__ = ["Attribution", "AttributionParser", "attributions_table", "parse_attributions"]

_TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
_QUOTES = frozenset("„“”\"»«‚‘’'")
_CLAUSE_END = frozenset(",.;:!?()–—") | _QUOTES
_URL_PARTS = re.compile(r"[./:]+")
_PUNCT = ".,;:!?\"'()[]{}„“”»«‚‘’–—/…*"


@dataclass(frozen=True, slots=True)
class Attribution:
    """One place where an article names (or hides) the source of what it reports.

    Spans index into the text given to :meth:`AttributionParser.parse`; ``cue_start``
    and ``cue_end`` are -1 when a line has no cue word (a bare domain in a reference list).
    """

    article: str
    sentence_start: int
    sentence_end: int
    mention: str
    mention_start: int
    mention_end: int
    cue: str
    cue_start: int
    cue_end: int
    cue_family: str
    source_id: str
    source_name: str
    source_type: str
    via_person: str | None
    upstream: str | None
    addressee: str | None
    confidence: float
    block: str

    def to_dict(self) -> dict[str, Any]:
        """JSON object for ``attributions.jsonl``."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Lang:
    """The cue lexicon of one language (see cues.toml)."""

    name: str
    det: frozenset[str]
    subj_det: frozenset[str]
    gen: frozenset[str]
    pron: frozenset[str]
    rel: frozenset[str]
    skip: frozenset[str]
    adj_end: tuple[str, ...]
    particles: frozenset[str]
    aux: frozenset[str]
    verbs: frozenset[str]
    separable: dict[str, frozenset[str]]
    needs_next: dict[str, frozenset[str]]
    stop_caps: frozenset[str]
    roles: tuple[str, ...]
    org_suffixes: tuple[str, ...]
    outlet_hints: tuple[str, ...]
    lower_nouns: bool
    p: dict[str, Any]

    @classmethod
    def from_toml(cls, name: str, d: dict[str, Any]) -> _Lang:
        """Build from one ``[lang.xx]`` table."""

        def fs(key: str) -> frozenset[str]:
            return frozenset(w.lower() for w in d.get(key, ()))

        pats = dict(d.get("patterns", {}))
        for key in ("prepositions", "citing", "addressee"):
            pats[key] = [tuple(w.lower().split()) for w in pats.get(key, ())]
        for key, val in list(pats.items()):
            if key not in ("prepositions", "citing", "addressee"):
                pats[key] = frozenset(w.lower() for w in val)
        for key in (
            "wie",
            "so",
            "heisst",
            "postpositions",
            "nach",
            "needs_speech",
            "passive_by",
            "skip_with_noun",
            "passive_aux",
            "np_continuers",
            "speech_markers",
            "konjunktiv",
            "adverb_suffixes",
            "passive_verbs",
            "werden",
            "nach_post",
            "name_particles",
            "conjunctions",
            "comma_starts",
        ):
            pats.setdefault(key, frozenset())
        pats["wie_so_heisst"] = pats["wie"] | pats["so"] | pats["heisst"]
        return cls(
            name=name,
            det=fs("determiners"),
            subj_det=fs("subject_determiners"),
            gen=fs("genitive"),
            pron=fs("pronouns"),
            rel=fs("relative"),
            skip=fs("skip_after_verb"),
            adj_end=tuple(d.get("adjective_endings", ())),
            particles=fs("particles"),
            aux=fs("auxiliaries"),
            verbs=fs("reporting_verbs"),
            separable={k: frozenset(v) for k, v in d.get("separable", {}).items()},
            needs_next={k: frozenset(v) for k, v in d.get("needs_next", {}).items()},
            stop_caps=fs("stop_caps"),
            roles=tuple(d.get("role_suffixes", ())),
            org_suffixes=tuple(d.get("org_suffixes", ())),
            outlet_hints=tuple(d.get("outlet_hints", ())),
            lower_nouns=bool(d.get("lowercase_nouns", False)),
            p=pats,
        )


@cache
def _cue_data() -> dict[str, Any]:
    return tomllib.loads(files("lineage").joinpath("data/cues.toml").read_text("utf-8"))


@cache
def _confidence_table() -> dict[str, float]:
    """Measured precision per cue family, overlaid on the unmeasured priors."""
    table = {k: float(v) for k, v in _cue_data().get("unmeasured", {}).items()}
    res = files("lineage").joinpath("data/cue_confidence.json")
    if res.is_file():
        measured = json.loads(res.read_text("utf-8")).get("families", {})
        table.update({k: float(v["precision"]) for k, v in measured.items() if v.get("n", 0) >= 5})
    for k, cap in _cue_data().get("cap", {}).items():
        table[k] = min(table.get(k, cap), float(cap))
    return table


@lru_cache(maxsize=1 << 16)
def _lemma(word: str, lang: str) -> str:
    return simplemma.lemmatize(word, lang=lang).lower()


_Found = list[tuple[str, int, int, int, int, "_Lang"]]
"""Candidates: (cue family, cue start token, cue end, mention start token, mention end, lexicon)."""
_Upstream = list[tuple[int, int, int, int, "_Lang"]]
_Addressees = list[tuple[int, int, "_Lang"]]


class _Sent:
    """Tokens of one sentence: words, lower-cased words, and (lazily) their spans."""

    __slots__ = ("_spans", "end", "low", "lowset", "n", "start", "text", "words")

    def __init__(self, text: str, start: int, end: int, low: str | None = None) -> None:
        self.text, self.start, self.end = text, start, end
        self.words: list[str] = _TOKEN.findall(text, start, end)
        self.low = _TOKEN.findall(low, start, end) if low else [w.lower() for w in self.words]
        if len(self.low) != len(self.words):
            self.low = [w.lower() for w in self.words]
        self.lowset = frozenset(self.low)
        self.n = len(self.words)
        self._spans: list[tuple[int, int]] | None = None

    def span(self, k: int) -> tuple[int, int]:
        """Character span of token k in the text."""
        if self._spans is None:
            self._spans = [m.span() for m in _TOKEN.finditer(self.text, self.start, self.end)]
        return self._spans[k]


class AttributionParser:
    """Find attributions in article text.

    Args:
        sources_files: Extra gazetteer TOML files merged over the shipped one.
        gazetteer: A ready gazetteer (overrides ``sources_files``).
        languages: Language tables of cues.toml to use (default: all).

    Example:
        >>> p = AttributionParser()
        >>> [a.source_id for a in p.parse("a1", "Laut NATO sind 10.000 Soldaten dort.")]
        ['nato']
    """

    def __init__(
        self,
        *,
        sources_files: Sequence[str | Path] = (),
        gazetteer: Gazetteer | None = None,
        languages: Sequence[str] | None = None,
    ) -> None:
        data = _cue_data()
        self.gazetteer = gazetteer or (
            Gazetteer.load(sources_files) if sources_files else default_gazetteer()
        )
        names = languages or list(data["lang"])
        self.langs = [_Lang.from_toml(n, data["lang"][n]) for n in names]
        self.confidence = _confidence_table()
        self._verb_forms = [_verb_regex(data["lang"][n]) for n in names]
        self._lines = [
            (e["family"], re.compile(e["regex"]), tuple(e.get("gate", ())))
            for e in data.get("lines", ())
        ]
        self._forms: dict[str, dict[str, str | None]] = {lang.name: {} for lang in self.langs}
        pats = [data["lang"][n].get("patterns", {}) for n in names]
        self._trigger_words = [
            [
                w.lower()
                for w in p.get("trigger_words", ())
                if not w.endswith("\\b") and " " not in w
            ]
            for p in pats
        ]
        self._word_end = {
            w[:-2].lower() for p in pats for w in p.get("trigger_words", ()) if w.endswith("\\b")
        }
        self._punct = [(w, li) for li, p in enumerate(pats) for w in p.get("trigger_literal", ())]
        self._punct += [
            (w.lower(), li)
            for li, p in enumerate(pats)
            for w in p.get("trigger_words", ())
            if " " in w
        ]
        self._kinds: dict[str, list[tuple[str, int]]] = {}
        self._plain: set[str] = set()  # words known not to be cues
        self._verb_words: list[set[str]] = [set() for _ in self.langs]

    # ------------------------------------------------------------------ public
    def parse(
        self,
        article_id: str,
        text: str,
        *,
        sentences: Sequence[tuple[int, int]] | None = None,
        blocks: Sequence[tuple[str, int, int]] = (),
    ) -> list[Attribution]:
        """All attributions of one article, in text order (see the module docstring)."""
        if sentences is None:
            sentences = _split_sentences(text)
        skip = [(s, e) for kind, s, e in blocks if kind in ("teaser", "references")]
        refs = [(s, e) for kind, s, e in blocks if kind == "references"]
        state = ArticleSources(self.gazetteer, article_id, text)
        low = text.lower()
        if len(low) != len(text):  # a case mapping that changes length ("İ"): fold per char
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        words = {w.strip(_PUNCT) for w in set(low.split())}
        words |= {x for w in words if "." in w or "/" in w for x in _URL_PARTS.split(w)}
        fired = self._fired(text, low, words, sentences)
        for idx, (s, e) in enumerate(sentences):
            if _inside(s, skip):
                continue
            if idx in fired:
                self._sentence(state, s, e, fired[idx], low)
            elif state.prev:
                carried = self._carry(state, _Sent(text, s, e, low), s, e)
                state.out.extend(carried)
                state.prev = carried
            else:
                state.prev = []
        teasers = [(s, e) for kind, s, e in blocks if kind == "teaser"]
        self._line_patterns(state, refs, teasers, words)
        return _dedupe(state.out)

    # ------------------------------------------------------------------ sentences
    def _fired(
        self, text: str, low: str, words: set[str], sentences: Sequence[tuple[int, int]]
    ) -> dict[int, list[_Lang]]:
        """Sentences where some cue may stand, with the languages whose cues fired.

        The article's distinct words are classified once (cached across articles), so
        only the few cue words an article really contains are searched for.
        """
        starts = [s for s, _ in sentences]
        fired: dict[int, list[_Lang]] = {}
        needles = [(w, kind, li) for w in words - self._plain for kind, li in self._word_kind(w)]
        needles += [(w, "punct", li) for w, li in self._punct if w in low]
        for needle, kind, li in needles:
            lang = self.langs[li]
            i = low.find(needle)
            while i >= 0:
                k = bisect.bisect_right(starts, i) - 1
                hit = kind == "punct" or (
                    _whole_word(low, i, len(needle)) and (kind == "word" or text[i].islower())
                )
                if hit and k >= 0 and i < sentences[k][1] and lang not in fired.get(k, ()):
                    fired.setdefault(k, []).append(lang)
                i = low.find(needle, i + 1)
        return fired

    def _word_kind(self, w: str) -> list[tuple[str, int]]:
        """``(kind, language index)`` for which a lower-case word is a cue, cached."""
        kinds = self._kinds.get(w)
        if kinds is None:
            kinds = []
            for li, lang in enumerate(self.langs):
                if w in self._word_end or any(t in w for t in self._trigger_words[li]):
                    kinds.append(("word", li))
                if self._form_lemma(w, lang) is not None:
                    kinds.append(("verb", li))
            if len(self._kinds) < 500_000:
                self._kinds[w] = kinds
                if not kinds:
                    self._plain.add(w)
                for kind, li in kinds:
                    if kind == "verb":
                        self._verb_words[li].add(w)
        return kinds

    def _sentence(self, st: ArticleSources, s: int, e: int, langs: list[_Lang], low: str) -> None:
        t = _Sent(st.text, s, e, low)
        found: list[tuple[str, int, int, int, int, _Lang]] = []
        upstream: list[tuple[int, int, int, int, _Lang]] = []
        addressee: list[tuple[int, int, _Lang]] = []
        for lang in langs:
            self._prep(t, lang, found, upstream)
            self._post(t, lang, found)
            self._nach(t, lang, found)
            self._wie_so(t, lang, found)
            self._colon(t, lang, found)
            self._verbs(t, lang, found, addressee)
            self._addressee(t, lang, addressee)
        recs: list[Attribution] = []
        taken: list[tuple[int, int]] = []
        for fam, ci, cj, mi, mj, lang in sorted(found, key=lambda f: (f[3], -(f[4] - f[3]))):
            if any(a < mj and mi < b for a, b in taken):
                continue
            rec = self._record(st, t, s, e, fam, ci, cj, mi, mj, lang)
            if rec:
                taken.append((mi, mj))
                recs.append(rec)
        up_ids = []
        for ci, cj, mi, mj, lang in upstream:
            rec = self._record(st, t, s, e, "citing", ci, cj, mi, mj, lang)
            if rec:
                recs.append(rec)
                up_ids.append(rec.source_id)
        adr = [st.addressee(st.text[t.span(i)[0] : t.span(j - 1)[1]]) for i, j, _ in addressee]
        adr_id = next((a for a in adr if a), None)
        if recs and (up_ids or adr_id):
            recs = [_with(r, up_ids, adr_id) for r in recs]
        if not recs and st.prev:
            recs = self._carry(st, t, s, e)
        st.out.extend(recs)
        st.prev = [r for r in recs if r.source_type != "anonymous"]

    def _carry(self, st: ArticleSources, t: _Sent, s: int, e: int) -> list[Attribution]:
        """Konjunktiv I without a cue: the previous sentence's source still speaks."""
        for lang in self.langs:
            kon = lang.p.get("konjunktiv", frozenset())
            if kon.isdisjoint(t.lowset):
                continue
            for k in range(t.n):
                if t.low[k] in kon and not t.words[k][0].isupper():
                    prev = st.prev[0]
                    conf = self.confidence.get("konjunktiv_carry", 0.5)
                    return [
                        _replace(
                            prev,
                            sentence_start=s,
                            sentence_end=e,
                            cue=t.words[k],
                            cue_start=t.span(k)[0],
                            cue_end=t.span(k)[1],
                            cue_family="konjunktiv_carry",
                            confidence=conf,
                        )
                    ]
        return []

    # ------------------------------------------------------------------ cue families
    def _prep(self, t: _Sent, lang: _Lang, found: _Found, upstream: _Upstream) -> None:
        for citing in (False, True):
            for phrase in lang.p["citing" if citing else "prepositions"]:
                for k in _find_phrase(t, phrase):
                    j = k + len(phrase)
                    np = self._np(t, j, lang, appos=True)
                    if np is None:
                        continue
                    if citing:
                        upstream.append((k, j, j, np[1], lang))
                    else:
                        en = lang.name == "en" and phrase == ("according", "to")
                        fam = "english_according_to" if en else "preposition"
                        found.append((fam, k, j, j, np[1], lang))

    def _post(self, t: _Sent, lang: _Lang, found: _Found) -> None:
        if lang.p["postpositions"].isdisjoint(t.lowset):
            return
        for k in range(1, t.n):
            if t.low[k] in lang.p.get("postpositions", ()):
                i = self._np_back(t, k, lang)
                if i is not None:
                    found.append(("postposition", k, k + 1, i, k, lang))

    def _nach(self, t: _Sent, lang: _Lang, found: _Found) -> None:
        nouns = lang.p.get("nach_nouns", frozenset())
        if lang.p["nach"].isdisjoint(t.lowset):
            return
        for k in range(t.n):
            if t.low[k] not in lang.p.get("nach", ()):
                continue
            if k > 0 and (t.low[k - 1] in nouns or t.low[k - 1] in lang.p["nach_post"]):
                i = self._np_back(t, k, lang)  # "Seiner Ansicht nach", "dem Vernehmen nach"
                if i is not None:
                    found.append(("nach_angaben", k, k + 1, i, k, lang))
                continue
            j = k + 1
            if j < t.n and t.low[j] in lang.det:
                j += 1
            while j < t.n and self._is_adj(t, j, lang):
                j += 1
            if j >= t.n:
                continue
            if not (t.low[j] in nouns or ends_with(t.low[j], nouns)):
                np = self._np(t, k + 1, lang)
                if np and j == k + 1 and self._outlet(t, k + 1, np[1]):
                    found.append(
                        ("preposition", k, k + 1, k + 1, np[1], lang)
                    )  # "nach SPIEGEL ONLINE"
                continue
            m = j + 1
            if m < t.n and t.low[m] in lang.gen:
                np = self._np(t, m + 1 if t.low[m] in ("von", "vom") else m, lang)
                if np is not None:
                    found.append(("nach_angaben", k, j + 1, m, np[1], lang))
                    continue
            found.append(("anonymous", k, k + 1, k + 1, j + 1, lang))

    def _outlet(self, t: _Sent, i: int, j: int) -> bool:
        """Do tokens i..j name a known outlet or agency (and nothing else)?"""
        hit = self.gazetteer.lookup(" ".join(t.words[i:j]))
        return hit is not None and self.gazetteer.sources[hit[0]].type in ("outlet", "agency")

    def _wie_so(self, t: _Sent, lang: _Lang, found: _Found) -> None:
        cues = lang.p["wie_so_heisst"]
        if cues.isdisjoint(t.lowset):
            return
        for k in range(t.n - 1):
            w = t.low[k]
            if w not in cues:
                continue
            if w in lang.p.get("wie", ()):
                if k > 0 and t.words[k - 1] not in (",", "(", "–", *_QUOTES):
                    continue
                i = k + 1
                while i < t.n and t.low[i] in lang.skip and i - k <= 2:
                    i += 1
                np = self._np(t, i, lang, appos=True)
                if not np:
                    continue
                for v in range(np[0], min(np[0] + 6, t.n)):
                    if t.words[v] in _CLAUSE_END:
                        break
                    if self._is_verb(t, v, lang):
                        nxt = t.low[v + 1] if v + 1 < t.n else ""
                        if nxt not in lang.p["passive_aux"]:
                            found.append(("wie_berichtet", k, k + 1, i, np[1], lang))
                        break
            elif w in lang.p.get("so", ()) and k > 0 and t.words[k - 1] in (",", "–", *_QUOTES):
                np = self._np(t, k + 1, lang, pron=True)
                if np and (np[0] >= t.n or not t.words[np[0]][0].isupper()):
                    found.append(("so_parenthetical", k, k + 1, k + 1, np[1], lang))
            elif w in lang.p.get("heisst", ()) and k + 1 < t.n and t.low[k + 1] == "es":
                self._heisst(t, k, lang, found)

    def _colon(self, t: _Sent, lang: _Lang, found: _Found) -> None:
        """ "Bundesinnenminister Schäuble: „…“" - a name, a colon, a quotation."""
        if ":" not in t.lowset:
            return
        for k in range(1, t.n - 1):
            if t.words[k] != ":" or t.words[k + 1] not in _QUOTES:
                continue
            c = k - 1
            while c > 0 and t.words[c - 1] not in ".;:!?":
                c -= 1
            np = self._np(t, c, lang, pron=True, appos=True)
            if np and np[0] == k and (t.words[c][0].isupper() or t.low[c] in lang.pron):
                found.append(("colon_quote", k, k + 1, c, np[1], lang))

    def _heisst(self, t: _Sent, k: int, lang: _Lang, found: _Found) -> None:
        """ "heißt es in X", "hieß es aus X", or "In X heißt es"."""
        preps = lang.p.get("heisst_preps", ())
        j = k + 2
        while j < t.n and t.low[j] in lang.skip and t.low[j] not in preps and j - k <= 4:
            j += 1
        if j < t.n and t.low[j] in preps:
            np = self._np(t, j + 1, lang)
            if np:
                found.append(("heisst_es", k, k + 2, j + 1, np[1], lang))
                return
        c = k - 1
        while c > 0 and t.words[c - 1] not in ".;:!?":
            c -= 1
        if c < k - 1 and t.low[c] in preps:
            np = self._np(t, c + 1, lang, appos=True)
            if np and (np[0] == k or (np[0] + 1 == k and t.words[np[0]] == ",")):
                found.append(("heisst_es", k, k + 2, c + 1, np[1], lang))

    def _verbs(self, t: _Sent, lang: _Lang, found: _Found, addressee: _Addressees) -> None:
        forms = self._forms[lang.name]
        cands = t.lowset & self._verb_words[self.langs.index(lang)]
        if not cands:
            return
        speech = None
        for v in range(t.n):
            w = t.low[v]
            if w not in cands:
                continue
            lemma = forms.get(w, "")
            if lemma == "":
                lemma = forms[w] = self._form_lemma(w, lang)
            if lemma is None or not self._is_verb(t, v, lang) or _attributive(t, v, lang):
                continue
            if lemma in lang.p["passive_verbs"]:
                self._passive(t, v, lang, found)
            if lemma in lang.p["needs_speech"]:
                speech = _speech(t, lang) if speech is None else speech
                if not speech:
                    continue
            if v > 0 and (t.low[v - 1] in lang.p["passive_by"] or t.words[v - 1] == "("):
                continue
            self._subject(t, v, lang, found)
            if w in ("told", "tell", "tells") and v + 1 < t.n:
                np = self._np(t, v + 1, lang)
                if np:
                    addressee.append((v + 1, np[1], lang))

    def _subject(self, t: _Sent, v: int, lang: _Lang, found: _Found) -> None:
        """Subject of reporting verb v: before it (prefield) or right after it."""
        j = v + 1
        while j < t.n and t.low[j] in lang.skip and j - v <= 6:
            if t.low[j] in lang.p["skip_with_noun"]:
                np = self._np(t, j + 1, lang)
                j = np[0] if np else j + 1
            else:
                j += 1
        if t.words[-1] == "?":
            return
        after = self._np(t, j, lang, pron=True, appos=True) if v > 0 and j < t.n else None
        if after and t.low[v] in ("told", "tell", "tells"):
            after = None
        if after and t.low[j] in lang.det and t.low[j] not in lang.subj_det:
            after = None
        if after and t.low[j] in lang.pron:
            found.append(("reporting_verb_pronoun", v, v + 1, j, after[1], lang))
            return
        pre = self._prefield(t, v, lang)
        if pre == "passive":
            return
        if pre:
            found.append(("reporting_verb", v, v + 1, *pre, lang))
        elif after and self._inverted_ok(t, v, lang):
            quoted = t.words[v - 1] in _QUOTES or (
                v > 1 and t.words[v - 1] == "," and t.words[v - 2] in _QUOTES
            )
            fam = "reporting_verb_quote" if quoted else "reporting_verb_after"
            found.append((fam, v, v + 1, j, after[1], lang))

    def _inverted_ok(self, t: _Sent, v: int, lang: _Lang) -> bool:
        """Verb-second with the subject after the verb: the clause opens with no NP."""
        k = v - 1
        if t.words[k] in _CLAUSE_END:
            return True
        while k > 0 and t.words[k - 1] not in _CLAUSE_END:
            k -= 1
        first = t.low[k]
        return first in lang.stop_caps or not t.words[k][0].isupper() or _adverb(t.words[k], lang)

    def _passive(self, t: _Sent, v: int, lang: _Lang, found: _Found) -> None:
        """ "von X veröffentlicht/bestätigt (wurde)": X precedes the participle."""
        if not t.low[v].endswith("t") or not (t.lowset & lang.p["werden"]):
            return
        for k in range(max(0, v - 14), v):
            if t.low[k] in lang.p.get("passive_by", ()) and "nicht" not in t.low[max(0, k - 3) : k]:
                np = self._np(t, k + 1, lang, appos=True)
                if (np and np[0] == v) or (
                    np and np[0] < t.n and t.words[np[0]] == "," and np[0] + 1 == v
                ):
                    found.append(("passive", v, v + 1, k + 1, np[1], lang))
                    return

    def _addressee(self, t: _Sent, lang: _Lang, addressee: _Addressees) -> None:
        for phrase in lang.p["addressee"]:
            if phrase in (("told",), ("to",)):
                continue
            for k in _find_phrase(t, phrase):
                np = self._np(t, k + len(phrase), lang)
                if np:
                    addressee.append((k + len(phrase), np[1], lang))

    # ------------------------------------------------------------------ grammar
    def _is_cap(self, t: _Sent, k: int, lang: _Lang) -> bool:
        """A name-like token: capitalised, "al-Dschasira", or a known abbreviation ("taz")."""
        w = t.words[k]
        if w[0].isupper():
            return w[0].isalpha() and t.low[k] not in lang.stop_caps
        return (
            ("-" in w and w.split("-", 1)[1][:1].isupper())
            or w in self.gazetteer.abbreviations
            or is_domain(w)
        )

    def _is_adj(self, t: _Sent, k: int, lang: _Lang) -> bool:
        w = t.low[k]
        if not lang.adj_end or not t.words[k][0].islower() or k + 1 >= t.n:
            return False
        if w in lang.aux or w in lang.stop_caps:
            return False
        nxt = t.words[k + 1]
        return (
            w.endswith(lang.adj_end)
            and w not in lang.det
            and nxt[0].isalpha()
            and (nxt[0].isupper() or t.low[k + 1].endswith(lang.adj_end))
        )

    def _np(
        self, t: _Sent, i: int, lang: _Lang, *, pron: bool = False, appos: bool = False
    ) -> tuple[int, int] | None:
        """Noun phrase starting at token i: ``(tokens consumed, mention end)``, or None."""
        n = t.n
        if i >= n:
            return None
        if pron and t.low[i] in lang.pron and t.words[i].isalpha():
            return i + 1, i + 1
        j = i + 1 if t.low[i] in lang.det else i
        while j < n and self._is_adj(t, j, lang):
            j += 1
        if j < n - 2 and t.words[j] in _QUOTES and t.words[j + 1][0].isupper():
            close = next((k for k in range(j + 1, min(n, j + 8)) if t.words[k] in _QUOTES), 0)
            if close:
                return close + 1, close + 1
        head = j
        if lang.lower_nouns and j > i:
            while (
                j < n
                and t.words[j].isalpha()
                and t.low[j] not in lang.verbs
                and (t.low[j] not in lang.aux and t.low[j] not in lang.stop_caps)
            ):
                j += 1
                if j - head >= 4:
                    break
        particles = lang.p["name_particles"]
        while j < n and (
            (self._is_cap(t, j, lang) and not (j > head and is_anonymous(t.low[j], lang)))
            or (
                j > head
                and (t.low[j] in particles or t.low[j].endswith(lang.roles))
                and j + 1 < n
                and t.words[j + 1][0].isupper()
            )
        ):
            j += 1
        if j == head:
            return None
        for _ in range(4):
            k = j
            if (k < n and t.low[k] in lang.gen) or (
                k < n and t.low[k] in ("und", "and") and j - head
            ):
                k += 1
                if k < n and t.low[k] in lang.det:
                    k += 1
                while k < n and self._is_adj(t, k, lang):
                    k += 1
                c = k
                if k < n - 2 and t.words[k] in _QUOTES:
                    close = next(
                        (m for m in range(k + 1, min(n, k + 8)) if t.words[m] in _QUOTES), 0
                    )
                    k = close + 1 if close else k
                while k < n and self._is_cap(t, k, lang):
                    k += 1
                if k > c:
                    j = k
                    continue
            if (
                j + 2 < n
                and t.words[j] == "("
                and t.words[j + 2] == ")"
                and t.words[j + 1].isupper()
            ):
                j += 3
                continue
            break
        end = j
        if appos and j + 1 < n and t.words[j] == ",":
            sub = self._np(t, j + 1, lang)
            if sub and (
                sub[0] >= n or t.words[sub[0]] in (",", ".", ":") or t.words[sub[0]].islower()
            ):
                end = sub[1]
                j = sub[0] + 1 if sub[0] < n and t.words[sub[0]] == "," else sub[0]
        if appos:
            jj = j + 1 if j < n and t.words[j] == "," else j if t.words[j - 1] == "," else n
            if jj + 1 < n and t.low[jj] in lang.rel and not t.words[jj + 1][0].isupper():
                k = jj + 1
                while k < n and t.words[k] != ",":
                    k += 1
                if k < n:
                    j = k + 1
        return j, end

    def _np_back(self, t: _Sent, k: int, lang: _Lang) -> int | None:
        """Start of a noun phrase that ends right before token k (longest)."""
        best = None
        for i in range(k - 1, max(-1, k - 14), -1):
            if t.words[i] in ",.;:!?":
                break
            np = self._np(t, i, lang)
            if np and np[0] == k and np[1] == k:
                best = i
        return best

    def _prefield(self, t: _Sent, v: int, lang: _Lang) -> tuple[int, int] | str | None:
        """Subject before the verb: an NP from a clause start up to the verb.

        Returns "passive" when the clause is passive ("wurde ... bestätigt"): then
        the subject is what was reported, not who reported it.
        """
        starts = [0] + [
            k + 1
            for k in range(v)
            if t.words[k] in (":", ";", "–")
            or (t.low[k] in ("und", "and") and k + 1 < v and t.low[k + 1] in lang.subj_det)
            or (t.words[k] == "," and k > 0 and t.words[k - 1] in _QUOTES)
            or (t.low[k] in lang.p["conjunctions"] and k > 0 and t.words[k - 1] == ",")
            or (t.words[k] == "," and lang.p["comma_starts"])
        ]
        participle = _participle(t.low[v], lang)
        for i in starts:
            while i < v and t.words[i] in _QUOTES:
                i += 1
            if i >= v or (t.low[i] in lang.det and t.low[i] not in lang.subj_det):
                continue
            if i == v - 1 and _adverb(t.words[i], lang):
                continue
            np = self._np(t, i, lang, pron=True, appos=True)
            if not np:
                continue
            stop = np[0]
            if stop == v and not participle:
                return i, np[1]
            if stop < v and t.low[stop] in lang.aux and _no_cue_gap(t, stop, v):
                if t.low[stop] in lang.p["passive_aux"]:
                    return "passive"
                return i, np[1]
            if (
                stop < v
                and v - stop <= 6
                and (t.low[stop] in lang.p["np_continuers"] or t.words[stop] == "(")
                and _no_cue_gap(t, stop, v - (t.words[v - 1] == ","), allow=("(", ")", "-"))
            ):
                return i, np[1]
        return None

    def _form_lemma(self, w: str, lang: _Lang) -> str | None:
        """Lemma of a word that looks like a reporting-verb form, else None."""
        if self._verb_forms[self.langs.index(lang)].fullmatch(w) is None:
            return None
        lemma = _lemma(w, lang.name) if lang.name != "en" else w
        known = lemma in lang.verbs or lemma in lang.separable or lemma in lang.needs_next
        return lemma if known else None

    def _is_verb(self, t: _Sent, v: int, lang: _Lang, final: bool = False) -> bool:
        w = t.low[v]
        if not t.words[v].isalpha() or (v > 0 and t.words[v][0].isupper()) or len(w) < 3:
            return False
        forms = self._forms[lang.name]
        lemma = forms.get(w, "")
        if lemma == "":
            lemma = forms[w] = self._form_lemma(w, lang)
        if lemma is None:
            return False
        end, depth = v + 1, 0
        while end < t.n and t.low[end] not in ("dass", "that"):
            w = t.words[end]
            depth += (w == "(") - (w == ")")
            if depth <= 0 and w in _CLAUSE_END and w not in "()":
                break
            end += 1
        if final and end != v + 1:
            return False
        part = t.low[end - 1] if end - 1 > v and t.low[end - 1] in lang.particles else None
        if lemma in lang.separable:
            if part is not None:
                return part in lang.separable[lemma]
        elif part is not None and lemma in lang.verbs:
            return False
        if lemma in lang.needs_next:
            return v + 1 < t.n and t.low[v + 1] in lang.needs_next[lemma]
        return lemma in lang.verbs

    # ------------------------------------------------------------------ resolution
    def _record(
        self,
        st: ArticleSources,
        t: _Sent,
        s: int,
        e: int,
        fam: str,
        ci: int,
        cj: int,
        mi: int,
        mj: int,
        lang: _Lang,
    ) -> Attribution | None:
        ms, me = t.span(mi)[0], t.span(mj - 1)[1]
        mention = st.text[ms:me]
        followed = t.words[mj] if mj < t.n else "."
        if (
            fam == "reporting_verb_after"
            and mj - mi == 1
            and followed not in (",", ":", ".")
            and not st.known(mention)
        ):
            return None  # a bare noun after the verb is more often the object than a name
        res = st.resolve(mention, [t.words[k] for k in range(mi, mj)], lang, ms)
        if res is None:
            return None
        sid, name, stype, person = res
        if stype == "anonymous":
            fam = "anonymous"
        conf = self.confidence.get(fam, self.confidence.get("default", 0.5))
        cs, ce = t.span(ci)[0], t.span(cj - 1)[1]
        return Attribution(
            st.article,
            s,
            e,
            mention,
            ms,
            me,
            st.text[cs:ce],
            cs,
            ce,
            fam,
            sid,
            name,
            stype,
            person,
            None,
            None,
            conf,
            "body",
        )

    def _line_patterns(
        self,
        st: ArticleSources,
        refs: list[tuple[int, int]],
        teasers: list[tuple[int, int]],
        words: set[str],
    ) -> None:
        cited = {(r.mention_start, r.mention_end) for r in st.out}
        for fam, rx, gate in self._lines:
            if gate and words.isdisjoint(gate):
                continue
            for m in rx.finditer(st.text):
                if _inside(m.start(), teasers):
                    continue
                in_refs = _inside(m.start(), refs)
                for ms, me in _split_sources(m, fam):
                    if (ms, me) in cited:
                        continue  # "Laut merkur.de": already found with its cue
                    mention = st.text[ms:me]
                    res = st.line_source(mention, fam)
                    if res is None:
                        continue
                    family = "reference_block" if in_refs else fam
                    cs, ce = (m.start("cue"), m.end("cue")) if m.group("cue") else (-1, -1)
                    ls = st.text.rfind("\n", 0, ms) + 1
                    le = st.text.find("\n", me)
                    le = len(st.text) if le < 0 else le
                    conf = self.confidence.get(family, self.confidence.get("default", 0.5))
                    st.out.append(
                        Attribution(
                            st.article,
                            ls,
                            le,
                            mention,
                            ms,
                            me,
                            st.text[cs:ce] if cs >= 0 else "",
                            cs,
                            ce,
                            family,
                            *res[:3],
                            None,
                            None,
                            None,
                            conf,
                            "references" if in_refs else "body",
                        )
                    )


# ---------------------------------------------------------------------- helpers
def _split_sentences(text: str) -> list[tuple[int, int]]:
    from lineage.segment import split_sentences

    return split_sentences(text)


def _whole_word(low: str, i: int, n: int) -> bool:
    """Is ``low[i:i+n]`` a whole word (letters on neither side)?"""
    return not (i > 0 and low[i - 1].isalpha()) and not (i + n < len(low) and low[i + n].isalpha())


def _all_stems(lang: dict[str, Any]) -> list[str]:
    """Listed irregular stems plus stems derived from the reporting-verb lemmas."""
    pats = lang.get("patterns", {})
    prefixes = sorted(pats.get("verb_prefixes", ()), key=len, reverse=True)
    stems = set(pats.get("verb_stems", ()))
    for lemma in lang.get("reporting_verbs", ()):
        if not lemma.endswith(("en", "ern", "eln")):
            continue  # only German-style infinitives are cut to a stem
        base = lemma[:-2] if lemma.endswith("en") else lemma[:-1]
        for pre in prefixes:
            if (
                base.startswith(pre)
                and len(base) - len(pre) >= 3
                and pre not in ("be", "er", "ver")
            ):
                base = base[len(pre) :]
                break
        if len(base) >= 3:
            stems.add(base)
    return sorted(stems)


def _verb_regex(lang: dict[str, Any]) -> re.Pattern[str]:
    """Forms of the language's reporting verbs: optional particle, optional "ge", stem, ending."""
    pats = lang.get("patterns", {})
    pre = sorted(re.escape(w) for w in pats.get("verb_prefixes", ()))
    stems = sorted((re.escape(w) for w in _all_stems(lang)), key=len, reverse=True)
    ends = "|".join(pats.get("verb_endings", ()))
    if not stems:
        return re.compile("(?!)")
    return re.compile(rf"(?:{'|'.join(pre)})?(?:ge)?(?:{'|'.join(stems)})(?:{ends})?")


def _find_phrase(t: _Sent, phrase: tuple[str, ...]) -> Iterable[int]:
    n = len(phrase)
    if phrase[0] not in t.lowset:
        return
    for k in range(t.n - n + 1):
        if t.low[k] == phrase[0] and tuple(t.low[k : k + n]) == phrase:
            yield k


def _attributive(t: _Sent, v: int, lang: _Lang) -> bool:
    """ "die geäußerte Hoffnung": a participle used as an adjective, not a verb."""
    w = t.low[v]
    if v + 1 >= t.n or not t.words[v + 1][:1].isupper():
        return False
    return w.endswith(("ter", "tes", "tem")) or (
        w.startswith("ge") and w.endswith(("te", "ten")) and _participle(w[:-1], lang)
    )


def _speech(t: _Sent, lang: _Lang) -> bool:
    """Does the sentence report speech (quote, colon, "dass", Konjunktiv I)?"""
    return bool(
        t.lowset & lang.p["speech_markers"]
        or any(q in t.lowset for q in _QUOTES)
        or t.lowset & lang.p["konjunktiv"]
    )


def _adverb(word: str, lang: _Lang) -> bool:
    """A capitalised sentence-initial adverb or adjective ("Unmissverständlich")."""
    return word.lower().endswith(tuple(lang.p["adverb_suffixes"]))


def _participle(word: str, lang: _Lang) -> bool:
    lemma = _lemma(word, lang.name)
    return word.startswith("ge") and not lemma.startswith("ge") and word.endswith(("t", "en"))


def _no_cue_gap(t: _Sent, aux: int, v: int, allow: tuple[str, ...] = ()) -> bool:
    return all(t.words[k] not in _CLAUSE_END or t.words[k] in allow for k in range(aux, v))


def _inside(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s <= pos < e for s, e in spans)


def _split_sources(m: re.Match[str], fam: str) -> list[tuple[int, int]]:
    """Spans of each source in a credit line ("dpa, AFP und Reuters")."""
    s, e = m.span("src")
    if fam == "url":
        return [(s, e)]
    out = []
    for part in re.finditer(r"[^,/;&]+", m.string[s:e]):
        for sub in re.split(r"\s+(?:und|and)\s+", part.group()):
            off = m.string.find(sub, s + part.start())
            sub_s = off + len(sub) - len(sub.lstrip())
            sub_e = off + len(sub.rstrip())
            if sub_e > sub_s:
                out.append((sub_s, sub_e))
    return out


def _replace(a: Attribution, **changes: Any) -> Attribution:
    return dataclasses.replace(a, **changes)


def _with(a: Attribution, up_ids: list[str], adr: str | None) -> Attribution:
    up = next((u for u in up_ids if u != a.source_id), None) if a.cue_family != "citing" else None
    return _replace(a, upstream=up or a.upstream, addressee=adr)


def _dedupe(recs: list[Attribution]) -> list[Attribution]:
    seen: set[tuple[int, int, int, str]] = set()
    out = []
    for r in sorted(recs, key=lambda r: (r.mention_start, r.sentence_start, -r.confidence)):
        key = (r.mention_start, r.mention_end, r.sentence_start, r.source_id)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


# ---------------------------------------------------------------------- convenience
def parse_attributions(
    articles: Iterable[tuple[str, str]], *, sources_files: Sequence[str | Path] = ()
) -> list[Attribution]:
    """Attributions of ``(article id, text)`` pairs (for ``lineage attributions``)."""
    parser = AttributionParser(sources_files=sources_files)
    return [a for aid, text in articles for a in parser.parse(aid, text)]


def attributions_table(records: Iterable[Attribution]) -> str:
    """Plain-text table for ``lineage attributions --format table``."""
    rows = [("article", "family", "mention", "source", "type", "via", "conf")]
    for r in records:
        mention = r.mention if len(r.mention) <= 40 else r.mention[:39] + "…"
        rows.append(
            (
                r.article,
                r.cue_family,
                mention,
                r.source_id,
                r.source_type,
                r.via_person or "",
                f"{r.confidence:.2f}",
            )
        )
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    lines = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
