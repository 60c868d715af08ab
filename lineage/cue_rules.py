"""Cue families: the patterns that say who is the source of a sentence.

Each rule appends candidates ``(family, cue start, cue end, mention start, mention end,
lexicon)`` in token positions; :class:`lineage.attribution.AttributionParser` resolves
them and keeps the longest non-overlapping ones. Families: prepositions ("laut X",
"according to X"), postpositions ("X zufolge"), "nach Angaben X", "wie X berichtet",
", so X", "heißt es in X", "X: „…“", reporting verbs with the subject before or after the
verb (separable verbs included), passives ("von X veröffentlicht"), addressees
("gegenüber X", "told X").
"""

from __future__ import annotations

from lineage.cues import (
    CLAUSE_END,
    QUOTES,
    Addressees,
    Found,
    Lexicon,
    Sentence,
    Upstream,
    attributive,
    content_clause,
    find_phrase,
    in_quote,
    is_participle,
    negated,
    reports_speech,
)
from lineage.gazetteer import ends_with
from lineage.phrases import PhraseReader


class CueRules(PhraseReader):
    """The cue-family rules over a :class:`~lineage.cues.Sentence`."""

    def _prep(self, t: Sentence, lang: Lexicon, found: Found, upstream: Upstream) -> None:
        if lang.p["phrase_heads"].isdisjoint(t.lowset):
            return
        for citing in (False, True):
            for phrase in lang.p["citing" if citing else "prepositions"]:
                for k in find_phrase(t, phrase):
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

    def _post(self, t: Sentence, lang: Lexicon, found: Found) -> None:
        if lang.p["postpositions"].isdisjoint(t.lowset):
            return
        for k in range(1, t.n):
            if t.low[k] in lang.p.get("postpositions", ()):
                i = self._np_back(t, k, lang)
                if i is not None:
                    found.append(("postposition", k, k + 1, i, k, lang))

    def _nach(self, t: Sentence, lang: Lexicon, found: Found) -> None:
        nouns = lang.p.get("nach_nouns", frozenset())
        if lang.p["nach"].isdisjoint(t.lowset):
            return
        for k in range(t.n):
            if t.low[k] not in lang.p.get("nach", ()):
                continue
            if k > 0 and (t.low[k - 1] in nouns or t.low[k - 1] in lang.p["nach_post"]):
                i = self._np_back(t, k, lang)  # "Seiner Ansicht nach", "dem Vernehmen nach"
                if i is not None and t.low[i] not in lang.p["possessives"]:
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
            if not lang.p["impersonal"].intersection(t.low[k + 1 : j]):
                found.append(("anonymous", k, k + 1, k + 1, j + 1, lang))

    def _wie_so(self, t: Sentence, lang: Lexicon, found: Found) -> None:
        cues = lang.p["wie_so_heisst"]
        if cues.isdisjoint(t.lowset):
            return
        for k in range(t.n - 1):
            w = t.low[k]
            if w not in cues:
                continue
            if w in lang.p.get("wie", ()):
                if k > 0 and t.words[k - 1] not in (",", "(", "–", *QUOTES):
                    continue
                i = k + 1
                while i < t.n and t.low[i] in lang.skip and i - k <= 2:
                    i += 1
                np = self._np(t, i, lang, appos=True)
                if not np:
                    continue
                for v in range(np[0], min(np[0] + 6, t.n)):
                    if t.words[v] in CLAUSE_END:
                        break
                    if self._is_verb(t, v, lang):
                        nxt = t.low[v + 1] if v + 1 < t.n else ""
                        if nxt not in lang.p["passive_aux"]:
                            found.append(("wie_berichtet", k, k + 1, i, np[1], lang))
                        break
            elif w in lang.p.get("so", ()) and k > 0 and t.words[k - 1] in (",", "–", *QUOTES):
                np = self._np(t, k + 1, lang, pron=True)
                if np and (np[0] >= t.n or not t.words[np[0]][0].isupper()):
                    found.append(("so_parenthetical", k, k + 1, k + 1, np[1], lang))
            elif w in lang.p.get("heisst", ()) and k + 1 < t.n and t.low[k + 1] == "es":
                self._heisst(t, k, lang, found)

    def _colon(self, t: Sentence, lang: Lexicon, found: Found) -> None:
        """ "Bundesinnenminister Schäuble: „…“" - a name, a colon, a quotation."""
        if ":" not in t.lowset:
            return
        for k in range(1, t.n - 1):
            if t.words[k] != ":" or t.words[k + 1] not in QUOTES:
                continue
            c = k - 1
            while c > 0 and t.words[c - 1] not in ".;:!?":
                c -= 1
            np = self._np(t, c, lang, pron=True, appos=True)
            if np and np[0] == k and (t.words[c][0].isupper() or t.low[c] in lang.pron):
                found.append(("colon_quote", k, k + 1, c, np[1], lang))

    def _heisst(self, t: Sentence, k: int, lang: Lexicon, found: Found) -> None:
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

    def _verbs(
        self, t: Sentence, lang: Lexicon, found: Found, addressee: Addressees, weak: Found
    ) -> None:
        """Reporting verbs and their subjects.

        A verb with neither speech in its sentence (quote, colon, "dass", Konjunktiv I)
        nor a content clause after it ("kündigte an, ...") goes to ``weak``: on gnqa train
        such subjects were right only 0.58 of the time ("Er kündigte eine Untersuchung
        an"), unless a neighbouring sentence carries the speech.
        """
        cands = t.lowset & lang.form_set
        if not cands:
            return
        speech = None
        for v in [v for v, w in enumerate(t.low) if w in cands]:
            w = t.low[v]
            lemma = lang.forms[w]
            if not self._is_verb(t, v, lang) or attributive(t, v, lang):
                continue
            if lemma in lang.p["passive_verbs"]:
                self._passive(t, v, lang, found)
            if lemma in lang.p["passive_only"]:
                continue
            if lemma in lang.p["needs_speech"]:
                speech = reports_speech(t, lang) if speech is None else speech
                if not speech:
                    continue
            if v > 0 and (t.low[v - 1] in lang.p["passive_by"] or t.words[v - 1] == "("):
                continue
            speech = reports_speech(t, lang) if speech is None else speech
            if not speech and lemma in lang.not_with and lang.not_with[lemma] & t.lowset:
                continue
            if negated(t, v, lang) or (v + 1 < t.n and t.low[v + 1] in lang.p["werden"]):
                continue  # "hätten … nicht bestätigt", "muss noch bestätigt werden"
            if lemma in lang.p["reflexive_not"] and v + 1 < t.n and t.low[v + 1] == "sich":
                continue  # "Damit bestätigt sich die Befürchtung"
            if in_quote(t, v):
                continue  # a verb inside a quotation belongs to the quoted speech
            if lemma in lang.p["quote_verbs"] and lang.p["quote_nouns"] & t.lowset:
                self._quoted(t, v, lang, found)  # "zitierte X mit den Worten"
            strong = (
                speech
                or not lang.p["weak_without_speech"]
                or content_clause(t, v)
                or self._reported_before(t, v, lang)
            )
            self._subject(t, v, lang, found if strong else weak)
            if w in ("told", "tell", "tells") and v + 1 < t.n:
                np = self._np(t, v + 1, lang)
                if np:
                    addressee.append((v + 1, np[1], lang))

    def _quoted(self, t: Sentence, v: int, lang: Lexicon, found: Found) -> None:
        """The person quoted: "zitierte Papandreou mit den Worten", "X wird … zitiert".

        In the active the object after the verb is the speaker; in the passive ("X wird von
        Reuters mit den Worten zitiert") the subject before the auxiliary.
        """
        if v + 1 < t.n:
            np = self._np(t, v + 1, lang, appos=True)
            if np and np[0] < t.n and t.low[np[0]] in ("mit", "with"):
                found.append(("quoted_person", v, v + 1, v + 1, np[1], lang))
                return
        if lang.p["werden"] & set(t.low[:v]):
            i = 0
            while i < v and t.words[i] in QUOTES:
                i += 1
            np = self._np(t, i, lang, appos=True)
            if np and np[0] < v and t.low[np[0]] in lang.p["werden"]:
                found.append(("quoted_person", v, v + 1, i, np[1], lang))

    def _reported_before(self, t: Sentence, v: int, lang: Lexicon) -> bool:
        """Is the content reported before verb v ("…, berichtet Reuters", "Das teilte X mit")?

        Also true when the sentence names an upstream source or addressee ("unter
        Berufung auf", "gegenüber"): both mark a report of what someone said.
        """
        if v == 0:
            return False
        if t.words[v - 1] == "," and not self._np_chunk(t, v - 1, lang):
            return True
        return t.low[v - 1] in lang.p["content_anaphors"] or bool(
            t.lowset & lang.p["report_context"]
        )

    def _subject(self, t: Sentence, v: int, lang: Lexicon, found: Found) -> None:
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
        # the subject after the verb is read first only when it may be a pronoun (which
        # wins over the prefield); otherwise only when the prefield has none (the NP
        # reading has no side effects, so skipping it changes nothing)
        pronoun = v > 0 and j < t.n and t.low[j] in lang.pron
        after = self._subject_after(t, v, j, lang) if pronoun else None
        if after and t.low[j] in lang.pron:
            found.append(("reporting_verb_pronoun", v, v + 1, j, after[1], lang))
            return
        pre = self._prefield(t, v, lang)
        if pre == "passive":
            return
        if not pre and not pronoun:
            after = self._subject_after(t, v, j, lang)
        if pre:
            found.append(("reporting_verb", v, v + 1, *pre, lang))
        elif after and self._inverted_ok(t, v, lang):
            quoted = t.words[v - 1] in QUOTES or (
                v > 1 and t.words[v - 1] == "," and t.words[v - 2] in QUOTES
            )
            fam = "reporting_verb_quote" if quoted else "reporting_verb_after"
            found.append((fam, v, v + 1, j, after[1], lang))
        elif not after:
            inv = self._aux_subject(t, v, lang)
            if inv:
                found.append(("reporting_verb_aux", v, v + 1, *inv, lang))
        if not pre and v > 1 and t.low[v - 1] in ("und", "and"):
            shared = self._shared_subject(t, v, lang)
            if shared:
                found.append(("reporting_verb", v, v + 1, *shared, lang))

    def _subject_after(self, t: Sentence, v: int, j: int, lang: Lexicon) -> tuple[int, int] | None:
        """The NP at token j, right after reporting verb v (and its skipped words), if it
        can be the verb's subject."""
        after = self._np(t, j, lang, pron=True, appos=True) if v > 0 and j < t.n else None
        if after and is_participle(t.low[v], lang):
            after = None  # "genannt „X“", "kurz gesagt die Botschaft": no finite verb
        if after and t.low[v] in ("told", "tell", "tells"):
            after = None
        if after and t.low[j] in lang.det and t.low[j] not in lang.subj_det:
            after = None
        return after

    def _shared_subject(self, t: Sentence, v: int, lang: Lexicon) -> tuple[int, int] | None:
        """ "Die Polizei nahm den Mann fest und teilte mit, …": the first clause's subject.

        The sentence must open with a noun phrase followed by a finite verb (a lower-case
        word), and nothing but commas may separate the two clauses.
        """
        i = 0
        while i < v and t.words[i] in QUOTES:
            i += 1
        np = self._np(t, i, lang, pron=True, appos=True)
        if not np or np[0] >= v - 1 or not t.words[np[0]].isalpha() or t.words[np[0]][0].isupper():
            return None
        if any(t.words[k] in ".;:!?" or t.words[k] in QUOTES for k in range(np[0], v)):
            return None
        return i, np[1]

    def _aux_subject(self, t: Sentence, v: int, lang: Lexicon) -> tuple[int, int] | None:
        """ "…, hatte Koch-Mehrin damals gesagt": the subject right after a finite auxiliary.

        Only for a participle closing its clause (v), with an auxiliary that opens the
        clause or follows its first phrase ("Im September hatte X angekündigt").
        """
        closes = v + 1 >= t.n or t.words[v + 1] in CLAUSE_END or t.low[v + 1] in ("und", "and")
        if not closes or not is_participle(t.low[v], lang):
            return None
        c = v - 1
        while c > 0 and t.words[c - 1] not in CLAUSE_END:
            c -= 1
        for a in range(c, min(v - 1, c + 5)):
            if t.low[a] not in lang.aux or t.low[a] in lang.p["passive_aux"]:
                continue
            if a > c and not (t.words[c][0].isupper() and t.low[c] in lang.stop_caps):
                return None  # something other than an adverbial phrase before the auxiliary
            np = self._np(t, a + 1, lang, pron=True, appos=True)
            nominative = t.low[a + 1] not in lang.det or t.low[a + 1] in lang.subj_det
            if np and nominative and all(t.words[k] not in CLAUSE_END for k in range(np[0], v)):
                return a + 1, np[1]
            return None
        return None

    def _passive(self, t: Sentence, v: int, lang: Lexicon, found: Found) -> None:
        """ "von X veröffentlicht/bestätigt (wurde)": X precedes the participle."""
        if not t.low[v].endswith("t") or not (t.lowset & lang.p["werden"]):
            return
        for k in range(max(0, v - 14), v):
            if t.low[k] in lang.p.get("passive_by", ()) and "nicht" not in t.low[max(0, k - 3) : k]:
                np = self._np(t, k + 1, lang, appos=True)
                if not np or not self._named(t, k + 1, np[1]):
                    continue
                if np[0] == v or (np[0] < t.n and t.words[np[0]] == "," and np[0] + 1 == v):
                    found.append(("passive", v, v + 1, k + 1, np[1], lang))
                    return

    def _named(self, t: Sentence, i: int, j: int) -> bool:
        """Do tokens i..j contain a gazetteer name or an abbreviation ("JCS")?

        The agent of a passive is often not a source ("von Anwohnern gemeldet"); only
        2 of 6 unrestricted passives were right on gnqa train.
        """
        parts = [x for w in t.words[i:j] for x in w.split("-")]
        return any(len(w) > 1 and w.isupper() for w in parts) or bool(
            self.gazetteer.find_in(parts, allow_common=False)
        )

    def _addressee(self, t: Sentence, lang: Lexicon, addressee: Addressees) -> None:
        if lang.p["phrase_heads"].isdisjoint(t.lowset):
            return
        for phrase in lang.p["addressee"]:
            if phrase in (("told",), ("to",)):
                continue
            for k in find_phrase(t, phrase):
                np = self._np(t, k + len(phrase), lang)
                if np:
                    addressee.append((k + len(phrase), np[1], lang))
