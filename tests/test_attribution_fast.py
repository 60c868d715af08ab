"""The fast paths of the attribution parser give what the plain paths gave.

``data/attribution_golden.jsonl`` holds the records the parser produced before the
speed work (verb lemmas from simplemma at run time, a trigger that classified every
word, ``dataclasses.asdict``) on seeds/ and on the texts below, written for this test.
Regenerate it only for an intended change of results.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.attribution import (
    _PUNCT,
    _URL_PARTS,
    AttributionParser,
    _domain_matches,
)
from lineage.cues import cue_data, whole_word
from lineage.models import Article
from lineage.normalize import normalize
from lineage.segment import split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
GOLDEN = Path(__file__).resolve().parent / "data" / "attribution_golden.jsonl"

WRITTEN = [
    "Laut NATO sind 10.000 Soldaten dort. Das teilte das Verteidigungsministerium am Montag mit.",
    "Wie die Polizei berichtet, kam es zu Zusammenstößen. Die Lage sei ruhig, so ein Sprecher.",
    "Nach Angaben des Roten Kreuzes wurden 12 Menschen verletzt. Polizeiangaben zufolge "
    "gab es keine Festnahmen.",
    "„Wir sind bereit“, sagte Außenministerin Annalena Baerbock in Berlin. Sie werde "
    "weiter verhandeln.",
    "Der Sprecher sagte,dass die Gespräche weitergehen. Er bekräftigte—wie schon "
    "gestern—seine Position.",
    "Die Zeitung berichtete/meldete am Abend, der Minister trete zurück. Ein "
    "Bericht/Analyse folgt.",
    "Quelle: dpa, AFP und Reuters\nMit Material von dpa\nZuerst erschienen bei zeit.de",
    "BERLIN (dpa) - Die Regierung hat am Dienstag neue Regeln beschlossen. Mehr unter "
    "www.bundesregierung.de/aktuelles.",
    "Unter Berufung auf Regierungskreise meldete die Nachrichtenagentur Reuters, das "
    "Treffen sei abgesagt.",
    "Gegenüber der „Süddeutschen Zeitung“ erklärte der Minister, er sehe keinen Grund zur Sorge.",
    "Die Studie wurde von der Universität Oxford veröffentlicht. Die Ergebnisse seien eindeutig.",
    "Medienberichten zufolge ist der Vertrag unterschrieben. Heißt es in einem Schreiben "
    "des Ministeriums.",
    "In einem Schreiben des Ministeriums heißt es, die Frist werde verlängert.",
    "Kanzler Scholz: „Wir handeln.“ Bundesinnenministerin Faeser kündigte an, die "
    "Kontrollen auszuweiten.",
    "Er gab bekannt, dass er zurücktritt. Sie ging davon aus, dass alles gut gehe.",
    "According to the Pentagon, 300 troops were deployed. The minister said the talks "
    "would resume.",
    "Reuters reported that the deal was signed, citing two people familiar with the matter.",
    "The spokesman told AP the vote would be held on Monday. Additional reporting by Jane Doe",
    "X-sagte nichts. (laut Polizei) Es war kalt.Dann sagte er:„Nein.“ Laut-Sprecher waren an.",
    "Die gemeldeten Zahlen steigen. Die Behörde hatte am Montag gemeldet, es gebe 20 Fälle.",
    "Der Sprecher der Stadt, Max Müller, bestätigte den Vorfall. Müller sagte, es sei "
    "niemand verletzt.",
    "Die Joint Chiefs of Staff (JCS) teilten mit, JCS-Angaben zufolge seien 1.100 Soldaten tot.",
    "ΟΔΟΣ sagte nichts. İstanbul meldete Regen. Die ǅemal-Gruppe erklärte den Rückzug.",
    "Das Unternehmen bestätigte auf Anfrage von tagesschau.de, dass die Filiale schließt.",
    "Wie jedes Jahr kamen viele. Seiner Ansicht nach sei das falsch, sagte der Experte.",
]


@pytest.fixture(scope="module")
def parser() -> AttributionParser:
    return AttributionParser()


def golden_records(parser: AttributionParser) -> list[dict]:
    """Seeds as a scan parses them (blocks, sentences per block) and as plain text, then
    the written texts."""
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = normalize(Article(id=path.stem[:3], text=path.read_text(encoding="utf-8")))
        blocks = [(b.kind, b.start, b.end) for b in doc.blocks]
        sents = [
            s
            for b in doc.blocks
            if b.kind != "teaser"
            for s in split_sentences(doc.clean, b.start, b.end)
        ]
        out += [
            a.to_dict()
            for a in parser.parse(doc.article.id, doc.clean, sentences=sents, blocks=blocks)
        ]
        out += [a.to_dict() for a in parser.parse(doc.article.id + "w", doc.clean)]
    for i, t in enumerate(WRITTEN):
        out += [a.to_dict() for a in parser.parse(f"w{i:02d}", t)]
    return out


def test_records_equal_the_golden_file(parser):
    want = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    got = golden_records(parser)
    assert [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in got] == [
        json.dumps(r, ensure_ascii=False, sort_keys=True) for r in want
    ]


def test_to_dict_is_asdict(parser):
    for t in WRITTEN:
        for a in parser.parse("x", t):
            d = a.to_dict()
            assert d == dataclasses.asdict(a) and list(d) == list(dataclasses.asdict(a))


# ---------------------------------------------------------------- the trigger


def words_of(low: str) -> set[str]:
    """The article's distinct words as the parser reads them (stripped, URL parts)."""
    words = {w.strip(_PUNCT) for w in set(low.split())}
    return words | {x for w in words if "." in w or "/" in w for x in _URL_PARTS.split(w)}


def reference_fired(p: AttributionParser, text: str, low: str, words: set[str], sentences):
    """The trigger as it was: every word classified, each cue word searched in the text."""
    needles = []
    for w in words:
        for li, lang in enumerate(p.langs):
            if w in p._word_end or any(t in w for t in p._trigger_words[li]):
                needles.append((w, "word", li))
            if lang.forms.get(w) is not None:
                needles.append((w, "verb", li))
    needles += [(w, "punct", li) for w, li in p._punct if w in low]
    starts = [s for s, _ in sentences]
    fired: dict[int, set[int]] = {}
    for needle, kind, li in needles:
        lemma = p.langs[li].forms.get(needle)
        partner = p._partners[li].get(lemma or "") if kind == "verb" else None
        i = low.find(needle)
        while i >= 0:
            k = bisect.bisect_right(starts, i) - 1
            hit = kind == "punct" or (
                whole_word(low, i, len(needle)) and (kind == "word" or text[i].islower())
            )
            ok = partner is None or partner.search(low, *sentences[k])
            if hit and k >= 0 and i < sentences[k][1] and ok:
                fired.setdefault(k, set()).add(li)
            i = low.find(needle, i + 1)
    return fired


def check_fired(p: AttributionParser, text: str) -> None:
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    sentences = split_sentences(text)
    words = words_of(low)
    got = p._fired(text, low, words, sentences)
    want = reference_fired(p, text, low, words, sentences)
    assert {k: {p.langs.index(lg) for lg in v} for k, v in got.items()} == want
    for langs in got.values():  # in the parser's order
        assert [p.langs.index(lg) for lg in langs] == sorted(p.langs.index(lg) for lg in langs)


def test_trigger_equals_reference_on_seeds_and_written_texts(parser):
    for path in sorted(SEEDS.glob("*.txt")):
        check_fired(parser, path.read_text(encoding="utf-8"))
    for t in WRITTEN:
        check_fired(parser, t)


def _vocabulary() -> list[str]:
    de = cue_data()["lang"]["de"]
    words = [
        "laut",
        "Laut",
        "sagte",
        "Sagte",
        "teilte",
        "mit",
        "gab",
        "bekannt",
        "ging",
        "davon",
        "aus",
        "Polizeiangaben",
        "zufolge",
        "via",
        "according to",
        "citing",
        "bericht",
        "www.bericht.de",
        "x-sagte",
        "sagte,dass",
        "sagte/meldete",
        "heißt es",
        "so",
        "Dpa",
        "Sprecher",
        "der",
        "die",
        "Polizei",
        "erklärte",
        "gemeldet",
        "said",
    ]
    words += [w for w in de["patterns"]["trigger_words"][:8] if "\\" not in w]
    words += de["reporting_verbs"][:10]
    return words


_SEP = st.sampled_from(
    [" ", " ", " ", ", ", ". ", "\n", ": „", "“ so ", "(", ")", "-", "/", ".", "\u00a0"]
)


@given(st.lists(st.tuples(st.sampled_from(_vocabulary()), _SEP), max_size=25))
@settings(max_examples=300, deadline=None)
def test_trigger_equals_reference_property(parser, parts):
    check_fired(parser, "".join(w + s for w, s in parts))


# ---------------------------------------------------------------- domains


def _url_rx(parser: AttributionParser) -> re.Pattern[str]:
    return next(rx for fam, rx, _ in parser._lines if fam == "url")


_URLISH = st.sampled_from(
    [
        "www.",
        "http://",
        "https://",
        "zeit",
        "de",
        "com",
        ".",
        "/",
        "-",
        "@",
        " ",
        "\n",
        "x",
        "Spiegel",
        "1",
        "ä",
        ")",
        "(",
        "..",
        ".de",
        ".com/a",
        "tagesschau.de",
    ]
)


@given(st.lists(_URLISH, max_size=30).map("".join))
@settings(max_examples=500, deadline=None)
def test_domain_search_equals_whole_text_search(parser, text):
    rx = _url_rx(parser)
    got = [(m.span(), m.groupdict()) for m in _domain_matches(rx, text)]
    assert got == [(m.span(), m.groupdict()) for m in rx.finditer(text)]


def test_domain_search_on_seeds_and_written_texts(parser):
    rx = _url_rx(parser)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))] + WRITTEN
    for text in texts:
        assert [m.span() for m in _domain_matches(rx, text)] == [
            m.span() for m in rx.finditer(text)
        ]
