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
    result = find_matches(docs, ps, s, keep_signatures=True)
    assert result.matches == []
    assert result.counts["boilerplate_shingles"] > 0
    # signatures made with the shingles, then re-signed where boilerplate went, equal
    # signatures of the final sets made the plain way
    import numpy as np

    from lineage.match import _drop_boilerplate, shingle_table, signatures

    values, offsets = shingle_table(docs, ps, s)
    groups = np.array([sorted(docs).index(p.article) for p in ps])
    values, offsets, _, _ = _drop_boilerplate(values, offsets, groups,
                                              ["beispiel.de"] * len(ps),
                                              ["beispiel.de"] * len(docs), s)  # fmt: skip
    assert np.array_equal(result.signatures, signatures(values, offsets, s))


def test_classify_many_equals_classify() -> None:
    import numpy as np

    from lineage.match import _KINDS, _classify, _classify_many

    s = Settings()
    rng = np.random.default_rng(0)
    grid = np.array([0.0, 0.12, 0.2, 0.5, 0.6, 0.8, 0.9, 1.0])
    scores = np.concatenate([rng.choice(grid, (2000, 4)), rng.random((2000, 4))])
    evidence = rng.integers(0, 3, (len(scores), 3))
    codes = _classify_many(scores, evidence, s)
    for row, ev, code in zip(scores.tolist(), evidence.tolist(), codes.tolist(), strict=True):
        kind = _classify(*row, tuple(ev), s)
        assert (_KINDS[code] if code >= 0 else None) == kind


def test_evidence_equals_fact_set_comparison() -> None:
    import numpy as np

    from lineage import facts as factlib
    from lineage.match import _evidence, _FactKeys

    quote = '"das ist eine Lage ohne Ende"'
    texts = [ORIGINAL, LIGHT, REWRITE, UNRELATED, TOPIC, COPY,
             f"Rund 12.000 Soldaten und Mark Rutte, NATO, in Kursk: {quote}.",
             f"Etwa 10.000 Soldaten, sagte Mark Rutte (NATO): {quote}."]  # fmt: skip
    fl = [factlib.extract(t) for t in texts]
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(len(texts)) if i != j])
    scores = np.tile([0.1, 0.1, 0.1, 0.3], (len(pairs), 1))
    ev = _evidence(pairs, scores, _FactKeys.of(fl), np.arange(len(texts)), fl, Settings())
    for (i, j), (strong, drift, names) in zip(pairs.tolist(), ev.tolist(), strict=True):
        common = set(factlib.shared(fl[i], fl[j]))
        assert strong == sum(1 for f in fl[i] if factlib.is_strong(f)
                             and f"{f.kind}:{f.key}" in common)  # fmt: skip
        assert names == sum(1 for k in common if k.startswith("name:"))
        if strong == 0:
            assert drift == len(factlib.drifted_numbers(fl[i], fl[j]))
    assert ev[:, 0].any() and ev[:, 1].any() and (ev[:, 2] >= 2).any()


def test_dedupe_chunks_and_workers_do_not_change_matches(monkeypatch) -> None:
    import lineage.match as match

    texts = {"a": ORIGINAL, "b": COPY, "c": LIGHT, "d": REWRITE, "e": UNRELATED}
    whole = [m.to_dict() for m in _run(texts)]
    monkeypatch.setattr(match, "_MATCHES_PER_DEDUPE", 1)
    assert [m.to_dict() for m in _run(texts)] == whole
    assert [m.to_dict() for m in _run(texts, workers=2)] == whole
    assert len(whole) >= 3


def test_key_candidates_equal_pairs_per_posting_list() -> None:
    import itertools

    import numpy as np

    from lineage.match import key_candidates

    rng = np.random.default_rng(1)
    keys = [{f"k{x}" for x in rng.integers(0, 40, rng.integers(0, 5))} for _ in range(300)]
    groups = rng.integers(0, 60, len(keys))
    want = set()
    for k in {k for ks in keys for k in ks}:
        held = [i for i, ks in enumerate(keys) if k in ks]
        if 2 <= len(held) <= 12:
            want |= {(a, b) for a, b in itertools.combinations(held, 2) if groups[a] != groups[b]}
    got = key_candidates(keys, groups, max_postings=12)
    assert [tuple(p) for p in got.tolist()] == sorted(want) and len(want) > 100
    common = {}
    for k in {k for ks in keys for k in ks}:
        held = [i for i, ks in enumerate(keys) if k in ks]
        if 2 <= len(held) <= 12:
            for pair in itertools.combinations(held, 2):
                common[pair] = common.get(pair, 0) + 1
    twice = sorted(p for p, c in common.items() if c >= 2 and groups[p[0]] != groups[p[1]])
    got2 = key_candidates(keys, groups, max_postings=12, min_shared=2)
    assert [tuple(p) for p in got2.tolist()] == twice and 0 < len(twice) < len(want)
    assert key_candidates([set(), set()], groups[:2]).shape == (0, 2)


def test_shingle_table_equals_shingles_of_each_passage_text() -> None:
    import dataclasses

    import numpy as np

    from lineage.match import shingle_table, shingles_and_signatures
    from lineage.minhash import Signer

    s = Settings()
    docs = {}
    texts = [
        "Die Stadtwerke erhöhen zum 1. März die Preise für Fernwärme um 14 Prozent. Betroffen "
        "sind rund 12.000 Haushalte im Stadtgebiet, sagte ein Sprecher am Montag. Der "
        "Mieterbund kritisierte die Erhöhung scharf und kündigte eine Prüfung an.",
        "Im Tierpark ist ein Elefant geboren worden, teilte der Zoo am Dienstag mit. Das "
        "Jungtier wiegt rund 100 Kilogramm und ist wohlauf. Besucher können es ab Samstag sehen.",
    ]
    for i, text in enumerate(texts):
        art = Article(id=f"d{i}", text=text)
        docs[art.id] = normalize(art)
    ps = [p for k in sorted(docs) for p in passages(docs[k], 2, 5)]
    ps[1] = dataclasses.replace(ps[1], text=ps[1].text + " ein angehängter Satz")  # not cut
    ps = ps[::-1]  # not in article order either
    values, offsets = shingle_table(docs, ps, s)
    signer = Signer()
    for k, p in enumerate(ps):
        assert np.array_equal(values[offsets[k] : offsets[k + 1]], signer.shingles(p.text))
    v2, o2, sigs = shingles_and_signatures(docs, ps, s)
    assert np.array_equal(v2, values) and np.array_equal(o2, offsets)
    assert np.array_equal(sigs, signer.signatures_flat(values, offsets))


def test_reuse_groups_join_candidates_that_share_a_passage_or_article_pair() -> None:
    import numpy as np

    from lineage.match import _reuse_groups

    rng = np.random.default_rng(3)
    n = 120
    pairs = np.unique(rng.integers(0, n, (150, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    art = rng.integers(0, 40, n)
    same_pair = np.unique(art[pairs[:, 0]] * 40 + art[pairs[:, 1]], return_inverse=True)[1]
    group = _reuse_groups(pairs, same_pair.ravel(), n)
    parent = list(range(len(pairs)))  # union-find over candidates

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[tuple[str, int], int] = {}
    for k, (i, j) in enumerate(pairs.tolist()):
        for key in (("p", i), ("p", j), ("ap", int(same_pair[k]))):
            if key in owner:
                parent[find(k)] = find(owner[key])
            owner.setdefault(key, k)
    roots = [find(k) for k in range(len(pairs))]
    for x in range(len(pairs)):
        for y in range(len(pairs)):
            assert (roots[x] == roots[y]) == (group[x] == group[y])
    firsts = [int(np.flatnonzero(group == g)[0]) for g in range(group.max() + 1)]
    assert firsts == sorted(firsts)  # numbered by first candidate


def test_signatures_kept_or_not_give_the_same_matches(seed_run) -> None:
    """Without ``keep_signatures`` only the LSH's columns are signed: the same matches."""
    import numpy as np

    from lineage.minhash import lsh_params

    s = seed_run.settings
    kept = find_matches(seed_run.docs, seed_run.passages, s, keep_signatures=True)
    lean = find_matches(seed_run.docs, seed_run.passages, s)
    assert lean.signatures is None and kept.signatures is not None
    assert kept.matches == lean.matches and kept.counts == lean.counts
    assert kept.matches  # the seeds do reuse each other
    bands, rows = lsh_params(s.lsh_threshold, s.num_perm)
    assert bands * rows < s.num_perm  # so some columns really were skipped
    assert not np.all(kept.signatures[:, bands * rows :] == np.iinfo(kept.signatures.dtype).max)


def test_arrays_parked_on_disk_come_back_equal() -> None:
    import numpy as np

    from lineage.match import _OnDisk

    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 2**32, 1000, dtype=np.uint32), np.arange(7, dtype=np.int64),
              np.empty(0, dtype=np.float32), rng.random((5, 3))]  # fmt: skip
    parked = _OnDisk(*arrays)
    back = parked.load()
    assert [(a.dtype, a.shape) for a in back] == [(a.dtype, a.shape) for a in arrays]
    assert all(np.array_equal(a, b) for a, b in zip(arrays, back, strict=True))
