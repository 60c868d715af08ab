"""Attribution parsing: whom does an article name as the source of what it reports.

Rules, not a model, because every record must point at the words that justify it.
The core knows no language: cue words, verbs, determiners and line patterns come from
``lineage/data/cues.toml`` (loaded by ``lineage.cues``) and source names from the gazetteer
(``lineage.gazetteer``). Modules: ``lineage.cues`` (lexicon, trigger, confidence, tokens),
``lineage.phrases`` (noun phrases and verb forms), ``lineage.cue_rules`` (cue families),
this one (sentence selection, resolution, line patterns, public API).

How a sentence is read:

1. A cheap trigger over the article's distinct words marks sentences that may hold a
   cue; all others are skipped (speed: the parser runs inside every scan).
2. In a marked sentence, cue families are tried: prepositions ("laut X", "according
   to X"), postpositions ("X zufolge"), "nach Angaben X", "wie X berichtet", ", so X",
   "heißt es in X", reporting verbs with the subject before ("X sagte") or after
   ("sagte X") the verb, including separable verbs ("teilte ... mit"), and passives
   ("von X veröffentlicht"). Verb forms are looked up in a table of the forms of the
   listed verbs with their lemmas (``lineage/data/verb_forms.json``, made with simplemma).
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
import itertools
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lineage.cue_rules import CueRules
from lineage.cues import (
    Lexicon,
    Sentence,
    confidence_table,
    cue_data,
    reports_speech,
    words_rx,
)
from lineage.gazetteer import ArticleSources, Gazetteer, default_gazetteer
from lineage.segment import split_sentences

__all__ = ["Attribution", "AttributionParser", "attributions_table", "parse_attributions"]

_SPACE = re.compile(r"\s")
_URL_PARTS = re.compile(r"[./:]+")
_DOT_WORD = re.compile(r"\.\w")
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
        """JSON object for ``attributions.jsonl`` (fields in order; all values are scalars,
        so nothing needs ``dataclasses.asdict``'s deep copy)."""
        return dict(zip(_FIELDS, _VALUES(self), strict=True))


_FIELDS = tuple(f.name for f in dataclasses.fields(Attribution))
_VALUES = operator.attrgetter(*_FIELDS)  # the field values as a tuple, in one C call


class AttributionParser(CueRules):
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
        data = cue_data()
        names = languages or list(data["lang"])
        super().__init__(
            gazetteer or (Gazetteer.load(sources_files) if sources_files else default_gazetteer()),
            [Lexicon.from_toml(n, data["lang"][n]) for n in names],
        )
        self.confidence = confidence_table()
        self._lines = [
            (e["family"], re.compile(e["regex"]), tuple(e.get("gate", ())))
            for e in data.get("lines", ())
        ]
        pats = [data["lang"][n].get("patterns", {}) for n in names]
        self._trigger_words = [
            _minimal(
                w.lower()
                for w in p.get("trigger_words", ())
                if not w.endswith("\\b") and " " not in w
            )
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
        self._punct = list(dict.fromkeys(self._punct))  # each literal searched once
        self._literals = [[w for w, lj in self._punct if lj == li] for li in range(len(pats))]
        keep = set(self._word_end).union(
            *(lang.form_set for lang in self.langs), *(g for _, _, g in self._lines)
        )
        # the languages of each bit set of language indexes (the trigger's result), shared
        self._by_bits = [
            [lg for li, lg in enumerate(self.langs) if bits >> li & 1]
            for bits in range(1 << len(self.langs))
        ]
        # Konjunktiv pre-checks of the languages that have a Konjunktiv (English has none)
        self._konjunktiv = [lg.p["konjunktiv_rx"] for lg in self.langs if lg.p["konjunktiv"]]
        self._vocab = Vocabulary(frozenset(keep), _minimal(itertools.chain(*self._trigger_words)))
        # per language: does a word contain one of its triggers (memo of _cue_words)
        self._has_trigger: list[dict[str, bool]] = [{} for _ in self.langs]
        # "gab … bekannt", "ging davon aus": verbs that count only with one of these words;
        # a sentence without any of them is not parsed for that verb (a third of the
        # sentences the trigger marked on 10kgnad were only "geben", "gehen", "machen" …)
        self._partners = [
            {
                lemma: words_rx(
                    lang.separable.get(lemma, frozenset()) | lang.needs_next.get(lemma, frozenset())
                )
                for lemma in set(lang.separable) | set(lang.needs_next)
                if lemma not in lang.verbs or lemma in lang.needs_next
            }
            for lang in self.langs
        ]

    # ------------------------------------------------------------------ public
    def warm(self) -> None:
        """Nothing left to load: verb forms come precomputed (kept for callers that warm)."""

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
            sentences = split_sentences(text)
        skip = [(s, e) for kind, s, e in blocks if kind in ("teaser", "references")]
        refs = [(s, e) for kind, s, e in blocks if kind == "references"]
        state = ArticleSources(self.gazetteer, article_id, text)
        low = text.lower()
        if len(low) != len(text):  # a case mapping that changes length ("İ"): fold per char
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        words = self._vocab.words(low)
        fired = self._fired(text, low, words, sentences)
        marked = sorted(fired)
        nxt = 0
        while nxt < len(sentences):
            if not state.prev:  # nothing to carry on: only a marked sentence can add records
                k = bisect.bisect_left(marked, nxt)
                if k == len(marked):
                    break
                nxt = marked[k]
            idx, nxt = nxt, nxt + 1
            s, e = sentences[idx]
            if skip and _inside(s, skip):
                continue
            if idx in fired:
                self._sentence(state, s, e, fired[idx], low, sentences, idx)
            elif state.prev and any(rx.search(low, s, e) for rx in self._konjunktiv):
                carried = self._carry(state, Sentence(text, s, e), s, e)
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
    ) -> dict[int, list[Lexicon]]:
        """Sentences where some cue may stand, with the languages whose cues fired.

        The needles are the article's distinct words that are cues (set operations and a
        few substring searches), so only the few cue words an article really contains
        are searched for in its text. Languages come in the parser's order.
        """
        starts = [s for s, _ in sentences]
        ends = [e for _, e in sentences]
        fired: dict[int, int] = {}  # sentence -> bit set of language indexes
        size = len(low)
        for li, lang in enumerate(self.langs):
            bit = 1 << li
            cue_words = self._cue_words(li, words)
            partners = self._partners[li]
            # (needle, 0 word / 1 verb / 2 literal, partner words of a verb)
            needles: list[tuple[str, int, re.Pattern[str] | None]] = [
                (w, 0, None) for w in cue_words
            ]
            # a verb that is also a cue word fires wherever the word does already
            verbs = (words & lang.form_set) - cue_words
            needles += [(w, 1, partners.get(lang.forms[w])) for w in verbs]
            needles += [(w, 2, None) for w in self._literals[li] if w in low]
            for needle, kind, partner in needles:
                n = len(needle)
                i = low.find(needle)
                while i >= 0:
                    if kind == 2 or (  # a whole word; a verb in lower case
                        not (i > 0 and low[i - 1].isalpha())
                        and not (i + n < size and low[i + n].isalpha())
                        and (kind == 0 or text[i].islower())
                    ):
                        k = bisect.bisect_right(starts, i) - 1
                        if (
                            k >= 0
                            and i < ends[k]
                            and not fired.get(k, 0) & bit
                            and (partner is None or partner.search(low, starts[k], ends[k]))
                        ):
                            fired[k] = fired.get(k, 0) | bit
                    i = low.find(needle, i + 1)
        by_bits = self._by_bits
        return {k: by_bits[bits] for k, bits in fired.items()}

    def _cue_words(self, li: int, words: set[str]) -> set[str]:
        """The words that are cue words of language ``li``: a listed whole word ("laut"),
        or one containing a trigger ("Polizeiangaben")."""
        return (words & self._word_end) | _containing_memo(
            words, self._trigger_words[li], self._has_trigger[li]
        )

    def _sentence(
        self,
        st: ArticleSources,
        s: int,
        e: int,
        langs: list[Lexicon],
        low: str,
        sentences: Sequence[tuple[int, int]],
        idx: int,
    ) -> None:
        t = Sentence(st.text, s, e)
        found: list[tuple[str, int, int, int, int, Lexicon]] = []
        weak: list[tuple[str, int, int, int, int, Lexicon]] = []
        upstream: list[tuple[int, int, int, int, Lexicon]] = []
        addressee: list[tuple[int, int, Lexicon]] = []
        for lang in langs:
            self._prep(t, lang, found, upstream)
            self._post(t, lang, found)
            self._nach(t, lang, found)
            self._wie_so(t, lang, found)
            self._colon(t, lang, found)
            self._verbs(t, lang, found, addressee, weak)
            self._addressee(t, lang, addressee)
        if weak and self._speech_near(st.text, low, sentences, idx, langs):
            found += weak
        recs: list[Attribution] = []
        if found or upstream:  # most fired sentences hold no cue at all
            self._resolve_found(st, t, s, e, found, upstream, addressee, recs)
        if not recs and st.prev:
            recs = self._carry(st, t, s, e)
        st.out.extend(recs)
        st.prev = [r for r in recs if r.source_type != "anonymous"] if recs else []

    def _resolve_found(
        self,
        st: ArticleSources,
        t: Sentence,
        s: int,
        e: int,
        found: list[tuple[str, int, int, int, int, Lexicon]],
        upstream: list[tuple[int, int, int, int, Lexicon]],
        addressee: list[tuple[int, int, Lexicon]],
        recs: list[Attribution],
    ) -> None:
        """Records of a sentence's cues (longest first where mentions overlap), with the
        upstream source and addressee it names; appended to ``recs``."""
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
            recs[:] = [_with(r, up_ids, adr_id) for r in recs]

    def _speech_near(
        self,
        text: str,
        low: str,
        sentences: Sequence[tuple[int, int]],
        idx: int,
        langs: list[Lexicon],
    ) -> bool:
        """Does the previous sentence or one of the next two report speech?

        "X warnte vor Y." followed by a Konjunktiv or quoted sentence introduces a speaker.
        """
        for j in (idx - 1, idx + 1, idx + 2):
            if 0 <= j < len(sentences):
                a, b = sentences[j]
                if not any(lang.p["speech_rx"].search(low, a, b) for lang in langs):
                    continue
                t = Sentence(text, a, b)
                if any(reports_speech(t, lang) for lang in langs):
                    return True
        return False

    def _carry(self, st: ArticleSources, t: Sentence, s: int, e: int) -> list[Attribution]:
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
    # ------------------------------------------------------------------ resolution
    def _record(
        self,
        st: ArticleSources,
        t: Sentence,
        s: int,
        e: int,
        fam: str,
        ci: int,
        cj: int,
        mi: int,
        mj: int,
        lang: Lexicon,
    ) -> Attribution | None:
        ms, me = t.span(mi)[0], t.span(mj - 1)[1]
        mention = st.text[ms:me]
        followed = t.words[mj] if mj < t.n else "."
        if (
            fam == "reporting_verb_after"
            and mj - mi == 1
            and followed not in (",", ":", ".")
            and followed.lower() not in lang.p["focus_after"]
            and not st.known(mention)
        ):
            return None  # a bare noun after the verb is more often the object than a name
        res = st.resolve(mention, t.words[mi:mj], lang, ms)
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
            for m in _domain_matches(rx, st.text) if fam == "url" else rx.finditer(st.text):
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
def article_words(low: str) -> set[str]:
    """The words of a lower-cased text as the trigger reads them: white-space separated,
    punctuation stripped at both ends, and the parts of words with "." or "/"
    ("www.polizei.de" adds "www", "polizei", "de"). The plain form :class:`Vocabulary`
    must agree with."""
    words = set(map(str.strip, set(low.split()), itertools.repeat(_PUNCT)))
    words.update(*[_URL_PARTS.split(w) for w in words if "." in w or "/" in w])
    return words


class Vocabulary:
    """:func:`article_words` restricted to the words the parser asks about, memoized per
    white-space separated piece.

    The parser only asks which article words are listed cue words, verb forms or line
    gates (``keep``), and which contain a trigger. Building, stripping and splitting
    every article's full word set cost about a sixth of the stage; a news day repeats
    most pieces (2.2 M pieces in 10k articles, 153k distinct), so each distinct piece is
    classified once and an article costs a split and two set lookups per piece.
    ``limit`` bounds the memo (cleared when full; results do not depend on it).
    """

    def __init__(self, keep: frozenset[str], triggers: Sequence[str], limit: int = 1 << 20):
        self.keep = keep
        self.triggers = list(triggers)
        self.limit = limit
        self._seen: set[str] = set()
        self._relevant: dict[str, tuple[str, ...]] = {}  # piece -> its words worth keeping

    def words(self, low: str) -> set[str]:
        """``article_words(low) & (keep | words containing a trigger)``."""
        pieces = set(low.split())
        new = pieces - self._seen  # iterates the article's pieces, not the memo
        if len(self._seen) + len(new) > self.limit:
            self._seen.clear()
            self._relevant.clear()
            new = pieces
        if new:
            self._learn(new)
        relevant = self._relevant
        out: set[str] = set()
        for piece in relevant.keys() & pieces:
            out.update(relevant[piece])
        return out

    def _learn(self, pieces: set[str]) -> None:
        """Memoize the kept words of new pieces. Loops run in C over all new pieces
        (``map``, ``compress``, ``str.find``) and in Python only over the few kept ones."""
        new = list(pieces)
        stripped = list(map(str.strip, new, itertools.repeat(_PUNCT)))
        every = set(stripped)
        parts = {w: _URL_PARTS.split(w) for w in _containing(every, (".", "/"))}
        every.update(*parts.values())
        wanted = (every & self.keep) | _containing(every, self.triggers)
        look = wanted | parts.keys()
        pairs = zip(new, stripped, strict=True)
        for piece, w in itertools.compress(pairs, map(look.__contains__, stripped)):
            kept = tuple(x for x in (w, *parts.get(w, ())) if x in wanted)
            if kept:
                self._relevant[piece] = kept
        self._seen.update(new)


def _containing(words: Iterable[str], needles: Iterable[str]) -> set[str]:
    """The words that contain one of the needles (each needle searched once in all the
    words joined by newlines; neither words nor needles hold a newline)."""
    joined = "\n".join(words)
    out = set()
    for t in needles:
        i = joined.find(t)
        while i >= 0:
            a = joined.rfind("\n", 0, i) + 1
            b = joined.find("\n", i)
            b = len(joined) if b < 0 else b
            out.add(joined[a:b])
            i = joined.find(t, b)
    return out


def _containing_memo(
    words: set[str], needles: Sequence[str], memo: dict[str, bool], limit: int = 1 << 16
) -> set[str]:
    """``_containing(words, needles)`` with the answer per word kept in ``memo``: an
    article's cue words are few (about nine) and recur across articles, so a dict lookup
    per word replaces a search per needle (cleared when full; results do not depend on it).
    """
    new = [w for w in words if w not in memo]
    if new:
        if len(memo) + len(new) > limit:
            memo.clear()
            new = list(words)
        hits = _containing(new, needles)
        memo.update((w, w in hits) for w in new)
    return {w for w in words if memo[w]}


def _domain_matches(rx: re.Pattern[str], text: str) -> Iterable[re.Match[str]]:
    """``rx.finditer(text)`` for a pattern of domains and URLs, searched only in the words
    (runs of non-space characters) that have a period followed by a letter or digit.

    A domain or URL never spans white space and always has such a period; running the
    pattern over the whole text cost more than the rest of the line patterns together.
    Lookbehinds still see the text before a word, and a word ends at white space.
    """
    end = -1
    for hit in _DOT_WORD.finditer(text):
        i = hit.start()
        if i < end:
            continue  # in the word searched already
        start = i
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        space = _SPACE.search(text, i)
        end = space.start() if space else len(text)
        yield from rx.finditer(text, start, end)


def _minimal(triggers: Iterable[str]) -> list[str]:
    """Triggers without those containing another one: a word that contains
    "einschätzung" contains "schätzung" too, so searching the longer one finds nothing new."""
    ts = sorted(set(triggers), key=lambda t: (len(t), t))
    return [t for k, t in enumerate(ts) if t and not any(u in t for u in ts[:k])]


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
