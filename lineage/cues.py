"""The cue lexicon: per-language cue words, verbs and trigger, and measured confidences.

Everything language-specific lives in ``lineage/data/cues.toml``; this module turns it into
lookup tables (:class:`Lexicon`), builds the regex of reporting-verb forms used by the cheap
trigger, loads the confidence per cue family (measured on gnqa train, see
``benchmarks/attribution_eval.py --write-confidence``) and tokenizes sentences
(:class:`Sentence`). Small word tests shared by the phrase reader and the cue rules are
here too, so both read the same lexicon the same way.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
import tomllib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

# the punctuation branch first: the branches start on disjoint characters, so the
# tokens are the same, and trying the one-character class first is ~15 % faster
TOKEN = re.compile(r"[^\w\s]|\w+(?:[-'’.]\w+)*")
QUOTES = frozenset("„“”\"»«‚‘’'")
CLAUSE_END = frozenset(",.;:!?()–—") | QUOTES


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """The cue lexicon of one language (see cues.toml).

    Compared by identity: the parser asks "is this language among those that fired" per
    sentence, and comparing every field of two lexicons there cost more than the question.
    ``forms`` maps each reporting-verb form to its lemma and ``ge_lemmas`` the lemma of
    the "ge…" words the participle test looks at (both from :func:`verb_forms`).
    """

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
    not_with: dict[str, frozenset[str]]
    stop_caps: frozenset[str]
    roles: tuple[str, ...]
    org_suffixes: tuple[str, ...]
    outlet_hints: tuple[str, ...]
    lower_nouns: bool
    p: dict[str, Any]
    forms: dict[str, str]
    form_set: frozenset[str]
    ge_lemmas: dict[str, str]

    @classmethod
    def from_toml(cls, name: str, d: dict[str, Any]) -> Lexicon:
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
            "possessives",
            "weak_without_speech",
            "passive_only",
            "focus",
            "focus_after",
            "content_anaphors",
            "report_context",
            "negation",
            "quantifiers",
            "subordinators",
            "reflexive_not",
            "quote_verbs",
            "quote_nouns",
            "subject_pronouns",
            "impersonal",
        ):
            pats.setdefault(key, frozenset())
        pats["wie_so_heisst"] = pats["wie"] | pats["so"] | pats["heisst"]
        pats["konjunktiv_rx"] = words_rx(pats["konjunktiv"])
        pats["speech_rx"] = words_rx(pats["konjunktiv"] | pats["speech_markers"], QUOTES)
        pats["phrase_heads"] = frozenset(  # first words of multi-word cues: a cheap pre-check
            ph[0] for key in ("prepositions", "citing", "addressee") for ph in pats[key]
        )
        forms, ge_lemmas = verb_forms(name, d)
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
            not_with={k: frozenset(v) for k, v in d.get("not_with", {}).items()},
            stop_caps=fs("stop_caps"),
            roles=tuple(d.get("role_suffixes", ())),
            org_suffixes=tuple(d.get("org_suffixes", ())),
            outlet_hints=tuple(d.get("outlet_hints", ())),
            lower_nouns=bool(d.get("lowercase_nouns", False)),
            p=pats,
            forms=forms,
            form_set=frozenset(forms),
            ge_lemmas=ge_lemmas,
        )


@cache
def cue_data() -> dict[str, Any]:
    return tomllib.loads(files("lineage").joinpath("data/cues.toml").read_text("utf-8"))


@cache
def confidence_table() -> dict[str, float]:
    """Measured precision per cue family, overlaid on the unmeasured priors."""
    table = {k: float(v) for k, v in cue_data().get("unmeasured", {}).items()}
    res = files("lineage").joinpath("data/cue_confidence.json")
    if res.is_file():
        measured = json.loads(res.read_text("utf-8")).get("families", {})
        table.update({k: float(v["precision"]) for k, v in measured.items() if v.get("n", 0) >= 5})
    for k, cap in cue_data().get("cap", {}).items():
        table[k] = min(table.get(k, cap), float(cap))
    return table


@lru_cache(maxsize=1 << 16)
def lemma_of(word: str, lang: str) -> str:
    """simplemma's lemma, lower-cased. Loads the language's dictionary on first use (seconds):
    a scan only reads the precomputed ``data/verb_forms.json`` (see :func:`verb_forms`)."""
    import simplemma

    return simplemma.lemmatize(word, lang=lang).lower()


VERB_FORMS = "data/verb_forms.json"
"""Reporting-verb forms and their lemmas per language, written by ``python -m lineage.cues``."""


def verb_language(lang: dict[str, Any]) -> set[str]:
    """Every word :func:`verb_regex` matches in full (the regex is a finite set of words).

    Optional prefix, optional "ge", stem, optional ending: the same parts, in the same
    shape, as the regex (``tests/test_cues.py`` checks that both agree).
    """
    pats = lang.get("patterns", {})
    stems = all_stems(lang)
    if not stems:
        return set()
    prefixes = ["", *pats.get("verb_prefixes", ())]
    endings = ["", *pats.get("verb_endings", ())]
    return {"".join(p) for p in itertools.product(prefixes, ("", "ge"), stems, endings)}


def _known_lemmas(lang: dict[str, Any]) -> frozenset[str]:
    """Lemmas that make a form a reporting verb (what ``PhraseReader`` accepts)."""
    verbs = {w.lower() for w in lang.get("reporting_verbs", ())}
    return frozenset(verbs | set(lang.get("separable", {})) | set(lang.get("needs_next", {})))


def _forms_key(name: str, lang: dict[str, Any]) -> str:
    """Fingerprint of everything the form table of one language is computed from."""
    pats = lang.get("patterns", {})
    parts = [
        name,
        sorted(pats.get("verb_prefixes", ())),
        sorted(pats.get("verb_endings", ())),
        all_stems(lang),
        sorted(_known_lemmas(lang)),
    ]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


def build_verb_forms(name: str, lang: dict[str, Any]) -> dict[str, Any]:
    """The form table of one language, lemmatized with simplemma (seconds).

    ``forms``: each word of :func:`verb_language` whose lemma is a listed verb, with that
    lemma (English words are their own lemma, as the parser always read them).
    ``ge_lemmas``: simplemma's lemma of each form that may be a "ge" participle, and of
    the word without its last letter for "ge…te" forms ("gemeldete" → "gemeldet"), the
    only other words :func:`is_participle` is asked about.
    """
    known = _known_lemmas(lang)
    forms: dict[str, str] = {}
    for w in sorted(verb_language(lang)):
        lemma = lemma_of(w, name) if name != "en" else w
        if lemma in known:
            forms[w] = lemma
    ge_words = {w for w in forms if w.startswith("ge") and w.endswith(("t", "en"))}
    ge_words |= {w[:-1] for w in forms if w.startswith("ge") and w.endswith("te")}
    return {
        "key": _forms_key(name, lang),
        "forms": forms,
        "ge_lemmas": {w: lemma_of(w, name) for w in sorted(ge_words)},
    }


@cache
def _shipped_forms() -> dict[str, Any]:
    res = files("lineage").joinpath(VERB_FORMS)
    return json.loads(res.read_text("utf-8")) if res.is_file() else {}


def verb_forms(name: str, lang: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """``(forms, ge_lemmas)`` of one language (see :func:`build_verb_forms`).

    Read from ``data/verb_forms.json``, so a scan never loads a lemmatizer dictionary
    (that took seconds per process). A table made from other cues.toml entries than the
    language's own is rebuilt here, with a warning to regenerate the file.
    """
    table = _shipped_forms().get("lang", {}).get(name)
    if table is None or table["key"] != _forms_key(name, lang):
        warnings.warn(
            f"{VERB_FORMS} does not match [lang.{name}] of cues.toml; lemmatizing its "
            "verb forms now (run `python -m lineage.cues` to update the file)",
            stacklevel=2,
        )
        table = build_verb_forms(name, lang)
    return table["forms"], table["ge_lemmas"]


def write_verb_forms(path: Path | None = None) -> Path:
    """Write the form table of every language of cues.toml (``python -m lineage.cues``)."""
    import simplemma

    from lineage import __file__ as package

    langs = cue_data()["lang"]
    doc = {
        "about": "Reporting-verb forms of cues.toml with their simplemma lemmas "
        "(written by `python -m lineage.cues`; do not edit by hand).",
        "simplemma": getattr(simplemma, "__version__", "unknown"),
        "lang": {name: build_verb_forms(name, d) for name, d in langs.items()},
    }
    out = path or Path(package).parent / VERB_FORMS
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=True) + "\n", "utf-8")
    return out


Found = list[tuple[str, int, int, int, int, "Lexicon"]]
"""Candidates: (cue family, cue start token, cue end, mention start token, mention end, lexicon)."""
Upstream = list[tuple[int, int, int, int, "Lexicon"]]
Addressees = list[tuple[int, int, "Lexicon"]]


class Sentence:
    """Tokens of one sentence: words, lower-cased words, and (lazily) their spans."""

    __slots__ = ("_spans", "end", "low", "lowset", "n", "start", "text", "words")

    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.start, self.end = text, start, end
        self.words: list[str] = TOKEN.findall(text, start, end)
        # one lower() for the sentence: tokens hold no white space, and a newline is
        # neither cased nor case-ignorable, so every token lowers as it would alone
        self.low = "\n".join(self.words).lower().split("\n") if self.words else []
        self.lowset = frozenset(self.low)
        self.n = len(self.words)
        self._spans: list[tuple[int, int]] | None = None

    def span(self, k: int) -> tuple[int, int]:
        """Character span of token k in the text (spans found up to k, on first ask)."""
        spans = self._spans
        if spans is None:
            spans = self._spans = []
        if k < 0:
            k += self.n
            if k < 0:
                raise IndexError("token index out of range")
        if len(spans) <= k < self.n:
            # only white space lies between tokens (every other character starts one),
            # so each token is the first occurrence of its text after the previous one
            find = self.text.find
            pos = spans[-1][1] if spans else self.start
            for w in self.words[len(spans) : k + 1]:
                pos = find(w, pos)
                spans.append((pos, pos + len(w)))
                pos += len(w)
        return spans[k]


def whole_word(low: str, i: int, n: int) -> bool:
    """Is ``low[i:i+n]`` a whole word (letters on neither side)?"""
    return not (i > 0 and low[i - 1].isalpha()) and not (i + n < len(low) and low[i + n].isalpha())


def all_stems(lang: dict[str, Any]) -> list[str]:
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


def verb_regex(lang: dict[str, Any]) -> re.Pattern[str]:
    """Forms of the language's reporting verbs: optional particle, optional "ge", stem, ending."""
    pats = lang.get("patterns", {})
    pre = sorted(re.escape(w) for w in pats.get("verb_prefixes", ()))
    stems = sorted((re.escape(w) for w in all_stems(lang)), key=len, reverse=True)
    ends = "|".join(pats.get("verb_endings", ()))
    if not stems:
        return re.compile("(?!)")
    return re.compile(rf"(?:{'|'.join(pre)})?(?:ge)?(?:{'|'.join(stems)})(?:{ends})?")


def find_phrase(t: Sentence, phrase: tuple[str, ...]) -> Iterable[int]:
    n = len(phrase)
    if phrase[0] not in t.lowset:
        return
    for k in range(t.n - n + 1):
        if t.low[k] == phrase[0] and tuple(t.low[k : k + n]) == phrase:
            yield k


def attributive(t: Sentence, v: int, lang: Lexicon) -> bool:
    """ "die geäußerte Hoffnung": a participle used as an adjective, not a verb."""
    w = t.low[v]
    if v + 1 >= t.n or not t.words[v + 1][:1].isupper():
        return False
    return w.endswith(("ter", "tes", "tem")) or (
        w.startswith("ge") and w.endswith(("te", "ten")) and is_participle(w[:-1], lang)
    )


def content_clause(t: Sentence, v: int, max_gap: int = 4) -> bool:
    """Does a comma clause follow verb v closely ("gab an, den Mitarbeiter ...")?

    Reported content without a "dass"; a comma far after the verb usually closes an
    object's relative clause instead.
    """
    k = v + 1
    while k < t.n and t.words[k] not in CLAUSE_END:
        k += 1
    return k + 1 < t.n and t.words[k] == "," and k - v <= max_gap


def words_rx(words: frozenset[str], chars: Iterable[str] = ()) -> re.Pattern[str]:
    """Pre-check on lower-cased text: any of these words (or characters) at all?

    A superset of the token test it guards (tokens never split inside a word), so a
    miss means the slower test on tokens would fail too.
    """
    alpha = sorted((re.escape(w) for w in words if w.isalnum()), key=len, reverse=True)
    other = {c for w in words if not w.isalnum() for c in w} | set(chars)
    parts = [rf"\b(?:{'|'.join(alpha)})\b"] if alpha else []
    if other:
        parts.append("[" + "".join(re.escape(c) for c in sorted(other)) + "]")
    return re.compile("|".join(parts) or "(?!)")


def in_quote(t: Sentence, v: int) -> bool:
    """Is token v inside a German quotation opened in this sentence („…“ or »…«)?"""
    if "„" not in t.lowset and "»" not in t.lowset:
        return False  # no quotation opens (most sentences): no token loop
    depth = 0
    for k in range(v):
        w = t.words[k]
        if w in ("„", "»"):
            depth += 1
        elif w in ("“", "«", '"', "”") and depth:
            depth -= 1
    return depth > 0


def negated(t: Sentence, v: int, lang: Lexicon) -> bool:
    """Is verb v's own clause negated ("hat sich noch nicht geäußert")?

    A denied or withheld statement names no source. The content clause after a comma
    is not looked at ("sagte, er sei nicht schuldig").
    """
    neg = lang.p["negation"]
    if neg.isdisjoint(t.lowset):
        return False  # no negation word in the sentence: no token loops
    k = v - 1
    while k >= 0 and t.words[k] not in CLAUSE_END:
        if t.low[k] in neg:
            return True
        k -= 1
    k = v + 1
    while k < t.n and t.words[k] not in CLAUSE_END and t.low[k] not in ("dass", "that"):
        if t.low[k] in neg:
            return True
        k += 1
    return False


def reports_speech(t: Sentence, lang: Lexicon) -> bool:
    """Does the sentence report speech (quote, colon, "dass", Konjunktiv I)?"""
    return not _speech_words(lang).isdisjoint(t.lowset)


@cache
def _speech_words(lang: Lexicon) -> frozenset[str]:
    """The tokens :func:`reports_speech` looks for: speech markers, quotes, Konjunktiv I."""
    return lang.p["speech_markers"] | QUOTES | lang.p["konjunktiv"]


def adverb(word: str, lang: Lexicon) -> bool:
    """A capitalised sentence-initial adverb or adjective ("Unmissverständlich")."""
    return word.lower().endswith(tuple(lang.p["adverb_suffixes"]))


def is_participle(word: str, lang: Lexicon) -> bool:
    """A "ge…t"/"ge…en" participle whose lemma does not start with "ge" ("gesagt", not "gehen")."""
    if not (word.startswith("ge") and word.endswith(("t", "en"))):
        return False
    lemma = lang.ge_lemmas.get(word)
    if lemma is None:  # not a word the rules ask about in practice
        lemma = lemma_of(word, lang.name)
    return not lemma.startswith("ge")


def no_cue_gap(t: Sentence, aux: int, v: int, allow: tuple[str, ...] = ()) -> bool:
    return all(t.words[k] not in CLAUSE_END or t.words[k] in allow for k in range(aux, v))


if __name__ == "__main__":  # pragma: no cover - maintenance command
    print(f"wrote {write_verb_forms(Path(sys.argv[1]) if len(sys.argv) > 1 else None)}")
