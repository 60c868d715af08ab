from __future__ import annotations

from lineage.config import Settings
from lineage.match import find_matches
from lineage.models import Article
from lineage.normalize import normalize
from lineage.segment import passages

ORIGINAL = (
    "Nach aktuellen Schätzungen des südkoreanischen Generalstabs sind bereits rund 1.100 "
    "nordkoreanische Soldaten in der Region Kursk getötet oder verletzt worden. "
    "Die Verluste seien deutlich höher als bisher angenommen, hieß es in Seoul am Montag. "
    "Pjöngjang hat nach Angaben aus Washington inzwischen rund 11.000 Soldaten entsandt."
)
COPY = ORIGINAL
LIGHT = ORIGINAL.replace("bereits", "schon").replace("am Montag", "am Dienstag")
REWRITE = (
    "Südkoreas Militärführung schätzt, dass etwa 1.100 Kämpfer aus Nordkorea im Gebiet Kursk "
    "gefallen oder verwundet sind. Seoul geht von weit mehr Opfern aus als zuvor vermutet."
)
UNRELATED = (
    "Der Stadtrat hat am Abend den Haushalt für das kommende Jahr beschlossen. Die Opposition "
    "kritisierte die hohen Ausgaben für den Straßenbau und forderte mehr Geld für Schulen."
)
TOPIC = (
    "Nordkoreanische Soldaten kämpfen an der Seite Russlands, und die Lage an der Front "
    "bleibt unübersichtlich. Experten in Seoul beobachten die Entwicklung mit großer Sorge."
)


def _run(texts: dict[str, str], **kw):
    s = Settings(**kw)
    docs = {k: normalize(Article(id=k, text=v)) for k, v in texts.items()}
    ps = [
        p for k in sorted(docs) for p in passages(docs[k], s.passage_sentences, s.min_passage_words)
    ]
    return find_matches(docs, ps, s).matches


def _pairs(matches) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for m in matches:
        out.setdefault((m.article_a, m.article_b), set()).add(m.kind)
    return out


def test_kinds_of_reuse() -> None:
    pairs = _pairs(_run({"a": ORIGINAL, "b": COPY, "c": LIGHT, "d": REWRITE, "e": UNRELATED}))
    assert pairs[("a", "b")] == {"verbatim"}
    assert "near-verbatim" in pairs[("a", "c")]
    assert "rewritten" in pairs[("a", "d")]
    assert not any("e" in k for k in pairs)


def test_topic_alone_is_not_a_match() -> None:
    assert _pairs(_run({"a": ORIGINAL, "t": TOPIC})) == {}


def test_match_has_scores_facts_and_aligned_spans() -> None:
    texts = {"a": ORIGINAL, "c": LIGHT}
    ms = _run(texts)
    assert any("number:1100" in m.shared_facts for m in ms)
    m = next(m for m in ms if m.kind != "rewritten")
    assert 0 < m.jaccard <= 1 and 0 < m.cosine <= 1
    span = m.spans[0]
    a_text = texts["a"][span.a_start : span.a_end].lower().split()
    c_text = texts["c"][span.b_start : span.b_end].lower().split()
    assert a_text == c_text and span.words >= 4


def test_seeds_strongest_pairs(seed_run) -> None:
    from lineage.pipeline import article_pairs

    rows = article_pairs(seed_run)
    top = {(r["a"][:3], r["b"][:3]) for r in rows[:2]}
    assert top == {("000", "004"), ("002", "003")}
    facts = {(r["a"][:3], r["b"][:3]): r["shared_facts"] for r in rows}
    assert "1100" in facts[("000", "004")]
    assert "600000" in facts[("002", "003")] and "mark rutte" in facts[("002", "003")]


def test_seeds_teaser_and_references_never_match(seed_run) -> None:
    by_id = {p.id: p for p in seed_run.passages}
    texts = " ".join(p.text for p in seed_run.passages)
    assert "Hisbollah" not in texts and "www.merkur.de" not in texts
    assert all(m.a in by_id and m.b in by_id for m in seed_run.matches)


def test_seeds_report_troop_count_drift(seed_run) -> None:
    drift = {
        (c["a"], c["b"]) for m in seed_run.matches for c in m.changed_facts if c["kind"] == "number"
    }
    values = {v for pair in drift for v in pair}
    assert {"10.000", "11.000", "12.000"} <= values


def test_boilerplate_of_one_outlet_does_not_link() -> None:
    plug = (
        "Abonnieren Sie jetzt unseren Newsletter und erhalten Sie jeden Morgen die "
        "wichtigsten Nachrichten des Tages direkt in Ihr Postfach."
    )
    topics = [
        "Der Stadtrat beschloss den Haushalt nach langer Debatte am Abend.",
        "Im Zoo wurde ein Elefant geboren, die Pfleger sind begeistert.",
        "Die Bahn kündigt neue Verbindungen zwischen Berlin und Hamburg an.",
        "Ein Sturm hat in der Nacht mehrere Bäume im Stadtpark umgeworfen.",
        "Die Feuerwehr löschte einen Brand in einer Lagerhalle am Hafen.",
        "Der Fußballverein gewann das Derby nach einem späten Tor deutlich.",
    ]
    s = Settings()
    docs = {}
    for i, t in enumerate(topics):
        art = Article(id=f"x{i}", text=f"{t} {plug}", outlet="beispiel.de")
        docs[art.id] = normalize(art)
    ps = [p for k in sorted(docs) for p in passages(docs[k], 1, 5)]
    assert find_matches(docs, ps, s).matches == []
