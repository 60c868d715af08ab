"""Reading phrases in a tokenized sentence: noun phrases, subjects, reporting-verb forms.

Shared by the cue rules (``lineage.cue_rules``): a mention is a noun phrase the rules find
after a preposition, before a postposition or around a reporting verb. Rules of thumb on
capitalisation, determiners and clause punctuation, driven by the lexicon in cues.toml.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from lineage.cues import (
    CLAUSE_END,
    QUOTES,
    Lexicon,
    Sentence,
    adverb,
    is_participle,
    no_cue_gap,
)
from lineage.gazetteer import Gazetteer, is_anonymous, is_domain


class PhraseReader:
    """Noun phrases and verbs of one or more languages, with a gazetteer for names."""

    def __init__(self, gazetteer: Gazetteer, langs: Sequence[Lexicon]) -> None:
        self.gazetteer = gazetteer
        self.langs = list(langs)

    def _outlet(self, t: Sentence, i: int, j: int) -> bool:
        """Do tokens i..j name a known outlet or agency (and nothing else)?"""
        hit = self.gazetteer.lookup(" ".join(t.words[i:j]))
        return hit is not None and self.gazetteer.sources[hit[0]].type in ("outlet", "agency")

    def _inverted_ok(self, t: Sentence, v: int, lang: Lexicon) -> bool:
        """Verb-second with the subject after the verb: the clause opens with no NP.

        After a comma only when a quotation ("„…“, sagte X") or a subordinate clause
        ("Nachdem …, sagte X") precedes: after an apposition ("X, ein Vertreter von Y,
        kritisierte die Entscheidung") the NP after the verb is the object. Not after
        "und"/"oder": "… und kündigten weitere Aktionen an" shares the earlier subject.
        """
        k = v - 1
        if t.low[k] in ("und", "oder", "sowie", "and", "or"):
            return False
        if t.words[k] in QUOTES or (t.words[k] == "," and k > 0 and t.words[k - 1] in QUOTES):
            return True
        if t.words[k] == ",":
            return not self._np_chunk(t, k, lang)
        elif t.words[k] in CLAUSE_END:
            return True
        while k > 0 and t.words[k - 1] not in CLAUSE_END:
            k -= 1
        first = t.low[k]
        if first in lang.p["focus"] and k + 1 < v and self._subject_like(t, k + 1, v, lang):
            return False  # "Auch andere Mitarbeiter bestätigten ihre Kompetenzen"
        if self._oblique(t, k, lang):
            return True
        if first in lang.pron or first in lang.p["subject_pronouns"]:
            return False  # "Ich glaube diese Leute …", "Er sowie Giesel befürchten …"
        return first in lang.stop_caps or not t.words[k][0].isupper() or adverb(t.words[k], lang)

    def _subject_like(self, t: Sentence, i: int, j: int, lang: Lexicon) -> bool:
        """Could tokens i..j be a subject NP (names, nouns, determiners, adjectives)?"""
        np = self._np(t, i, lang, appos=True)
        if np and np[0] == j:
            return True
        quant = lang.p["quantifiers"]
        for k in range(i, j):
            w, low = t.words[k], t.low[k]
            if not (
                w[0].isupper()
                or low in lang.det
                or low in lang.gen
                or low in quant
                or low in ("und", "and")
                or (w.isalpha() and low.endswith(lang.adj_end) and low not in lang.stop_caps)
            ):
                return False
        return any(t.words[k][0].isupper() for k in range(i, j))

    def _oblique(self, t: Sentence, i: int, lang: Lexicon) -> bool:
        """ "Der englischsprachigen Zeitung sagte X": der + adjective in -en is never a subject."""
        return (
            t.low[i] == "der"
            and i + 1 < t.n
            and t.low[i + 1].endswith("en")
            and self._is_adj(t, i + 1, lang)
        )

    def _np_chunk(self, t: Sentence, comma: int, lang: Lexicon) -> bool:
        """Is the stretch before this comma (back to the previous one) only a noun phrase?

        Then it is an apposition or the subject itself, not a reported clause: every
        lower-case word is a determiner, preposition or adjective, none is a verb.
        """
        k = comma - 1
        while k >= 0 and t.words[k] not in ",.;:!?":
            w = t.words[k]
            low = t.low[k]
            if w[0].islower() and w.isalpha():
                if low in lang.aux or low in lang.p["konjunktiv"]:
                    return False
                function_word = low in lang.det or low in lang.gen or low in lang.stop_caps
                if not function_word and not self._is_adj(t, k, lang):
                    return False
            k -= 1
        return k < comma - 1

    def _is_cap(self, t: Sentence, k: int, lang: Lexicon) -> bool:
        """A name-like token: capitalised, "al-Dschasira", or a known abbreviation ("taz")."""
        w = t.words[k]
        if w[0].isupper():
            return w[0].isalpha() and t.low[k] not in lang.stop_caps
        return (
            ("-" in w and w.split("-", 1)[1][:1].isupper())
            or w in self.gazetteer.abbreviations
            or is_domain(w)
        )

    def _is_adj(self, t: Sentence, k: int, lang: Lexicon) -> bool:
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
        self, t: Sentence, i: int, lang: Lexicon, *, pron: bool = False, appos: bool = False
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
        if j < n - 2 and t.words[j] in QUOTES and t.words[j + 1][0].isupper():
            close = next((k for k in range(j + 1, min(n, j + 8)) if t.words[k] in QUOTES), 0)
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
                if k < n - 2 and t.words[k] in QUOTES:
                    close = next(
                        (m for m in range(k + 1, min(n, k + 8)) if t.words[m] in QUOTES), 0
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

    def _np_back(self, t: Sentence, k: int, lang: Lexicon) -> int | None:
        """Start of a noun phrase that ends right before token k (longest)."""
        best = None
        for i in range(k - 1, max(-1, k - 14), -1):
            if t.words[i] in ",.;:!?":
                break
            np = self._np(t, i, lang)
            if np and np[0] == k and np[1] == k:
                best = i
        return best

    def _prefield(self, t: Sentence, v: int, lang: Lexicon) -> tuple[int, int] | str | None:
        """Subject before the verb: an NP from a clause start up to the verb.

        Returns "passive" when the clause is passive ("wurde ... bestätigt"): then
        the subject is what was reported, not who reported it.
        """
        starts = clause_starts(t, v, lang)
        participle = is_participle(t.low[v], lang)
        for i in starts:
            while i < v and (t.words[i] in QUOTES or t.low[i] in lang.p["focus"]):
                i += 1
            if i >= v or (t.low[i] in lang.det and t.low[i] not in lang.subj_det):
                continue
            if self._oblique(t, i, lang):
                continue
            if i == v - 1 and adverb(t.words[i], lang):
                continue
            np = self._np(t, i, lang, pron=True, appos=True)
            if not np:
                continue
            stop = np[0]
            if stop == v and not participle:
                return i, np[1]
            if stop < v and t.low[stop] in lang.aux and no_cue_gap(t, stop, v):
                if t.low[stop] in lang.p["passive_aux"]:
                    return "passive"
                return i, np[1]
            if (
                stop < v
                and v - stop <= 6
                and (t.low[stop] in lang.p["np_continuers"] or t.words[stop] == "(")
                and no_cue_gap(t, stop, v - (t.words[v - 1] == ","), allow=("(", ")", "-"))
            ):
                return i, np[1]
            if (
                stop < v
                and v - stop <= 2
                and all(t.low[x] in lang.p["focus_after"] for x in range(stop, v))
            ):
                return i, np[1]  # "Die Kanadier hingegen sagen"
        return None

    def _form_lemma(self, w: str, lang: Lexicon) -> str | None:
        """Lemma of a reporting-verb form, else None."""
        return lang.forms.get(w)

    def _is_verb(self, t: Sentence, v: int, lang: Lexicon, final: bool = False) -> bool:
        w = t.low[v]
        if not t.words[v].isalpha() or (v > 0 and t.words[v][0].isupper()) or len(w) < 3:
            return False
        lemma = lang.forms.get(w)
        if lemma is None:
            return False
        if not final and lemma not in lang.separable and lemma not in lang.verbs:
            # the particle closing the clause is asked about for neither: skip the scan
            return v + 1 < t.n and t.low[v + 1] in lang.needs_next.get(lemma, ())
        end = _clause_end(t, v)
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


_CLAUSE_STOPS = CLAUSE_END - {"(", ")"} | {"dass", "that"}


def _clause_end(t: Sentence, v: int) -> int:
    """End of verb v's clause: the first clause punctuation outside brackets, or "dass"."""
    low, n = t.low, t.n
    end = v + 1
    if "(" not in t.lowset and ")" not in t.lowset:  # most sentences: no bracket depth
        while end < n and low[end] not in _CLAUSE_STOPS:
            end += 1
        return end
    depth = 0
    while end < n and low[end] not in ("dass", "that"):
        w = t.words[end]
        depth += (w == "(") - (w == ")")
        if depth <= 0 and w in CLAUSE_END and w not in "()":
            break
        end += 1
    return end


@cache
def _clause_starters(lang: Lexicon) -> frozenset[str]:
    """Lower-case tokens that may open a clause in :meth:`PhraseReader._prefield`: every
    test there asks for one of these, so other tokens are skipped without the tests."""
    return frozenset(
        {":", ";", "–", ",", "und", "and"} | lang.p["conjunctions"] | lang.p["subordinators"]
    )


def clause_starts(t: Sentence, v: int, lang: Lexicon) -> list[int]:
    """Tokens before verb v where the verb's subject may start (sentence and clause starts)."""
    starters = _clause_starters(lang)
    low = t.low
    return [0] + [
        k + 1
        for k in range(v)
        if low[k] in starters  # a cheap superset of the tests below
        and (
            t.words[k] in (":", ";", "–")
            or (t.low[k] in ("und", "and") and k + 1 < v and t.low[k + 1] in lang.subj_det)
            or (t.words[k] == "," and k > 0 and t.words[k - 1] in QUOTES)
            or (t.low[k] in lang.p["conjunctions"] and k > 0 and t.words[k - 1] == ",")
            or (t.low[k] in lang.p["subordinators"] and k > 0 and t.words[k - 1] == ",")
            or (t.words[k] == "," and lang.p["comma_starts"])
        )
    ]
