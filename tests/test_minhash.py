"""Bulk MinHash equals datasketch; passage shingles equal per-passage shingles; LSH finds copies."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.minhash import (
    Signer,
    band_keys,
    containment,
    jaccard,
    lsh_candidates,
    lsh_params,
    token_hashes,
    tokenize,
    tokens,
)

TEXT = (
    "Die Stadtwerke erhöhen zum 1. März die Preise für Fernwärme um 14 Prozent. "
    "Betroffen sind rund 12.000 Haushalte im Stadtgebiet, sagte ein Sprecher am Montag. "
    "Der Mieterbund kritisierte die Erhöhung scharf und kündigte eine Prüfung an."
)


def test_bulk_signatures_equal_datasketch():
    signer = Signer(num_perm=64, seed=7)
    sets = [signer.shingles(TEXT), signer.shingles("Ein ganz anderer Satz über Wetter."),
            np.empty(0, dtype=np.uint32)]  # fmt: skip
    bulk = signer.signatures(sets)
    for row, shingles in zip(bulk, sets, strict=True):
        m = MinHash(num_perm=64, seed=7, hashfunc=Signer.hashfunc)
        m.update_batch([int(h).to_bytes(4, "little") for h in shingles])
        assert (row == m.hashvalues.astype(np.uint32)).all()
        assert signer.minhash(row).jaccard(m) == 1.0


def test_passage_shingles_equal_per_passage():
    signer = Signer()
    spans = [(0, 75), (76, 160), (0, 160), (76, len(TEXT)), (3, 8), (10, 10)]
    values, offsets = signer.passage_shingles([TEXT], [spans])
    for k, (s, e) in enumerate(spans):
        assert np.array_equal(values[offsets[k] : offsets[k + 1]], signer.shingles(TEXT[s:e]))


def test_lsh_finds_planted_pair_only():
    signer = Signer()
    other = "Im Tierpark ist ein Elefant geboren worden, teilte der Zoo am Dienstag mit."
    texts = [TEXT, other, TEXT.replace("scharf", "deutlich"), other + " Mehr Infos folgen."]
    sigs = signer.signatures([signer.shingles(t) for t in texts])
    pairs = lsh_candidates(sigs, np.arange(4), 0.3).tolist()
    assert [0, 2] in pairs and [1, 3] in pairs
    assert [0, 1] not in pairs
    assert lsh_candidates(sigs, np.zeros(4, dtype=np.int64), 0.3).tolist() == []  # same article


def test_band_keys_shape_and_band_mixing():
    sig = np.zeros((3, 128), dtype=np.uint32)
    keys = band_keys(sig, 37, 3)
    assert keys.shape == (3, 37) and keys.dtype == np.int64
    assert len(set(keys[0].tolist())) == 37
    assert (band_keys(sig, 37, 3, only=5)[:, 0] == keys[:, 5]).all()


words = st.lists(st.sampled_from("der die das haus maus katze hund baum laut leise".split()),
                 min_size=0, max_size=30).map(" ".join)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(words, words)
def test_jaccard_symmetric_and_self_one(a, b):
    signer = Signer()
    sa, sb = signer.shingles(a), signer.shingles(b)
    assert jaccard(sa, sb) == jaccard(sb, sa)
    if len(sa):
        assert jaccard(sa, sa) == 1.0
        assert containment(sa, sa) == 1.0
    sig = signer.signatures([sa, sb])
    est_ab = signer.minhash(sig[0]).jaccard(signer.minhash(sig[1]))
    assert est_ab == signer.minhash(sig[1]).jaccard(signer.minhash(sig[0]))


any_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


@settings(max_examples=150, deadline=None)
@given(any_text)
def test_tokenize_equals_re_word_tokens(text):
    low = text.lower()
    starts, ends, hashes, _ = tokenize(low)
    assert [low[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)] == tokens(text)
    assert np.array_equal(hashes, token_hashes(tokens(text)))  # position does not matter


def test_token_hashes_differ_for_different_tokens():
    words = ["soldaten", "soldat", "nato", "rutte", "12", "000", "ä", "a", "ab", "ba", "_"]
    assert len(set(token_hashes(words).tolist())) == len(words)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Die",
                "NATO",
                "İstanbul",
                "Soldaten",
                "12.000",
                "—",
                " ",
                ", ",
                "ẞ",
                "ß",
                "über",
                "x_y",
                "🙂",
                "\n",
            ]
        ),
        max_size=40,
    ).map("".join),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), min_size=1, max_size=6),
)
def test_passage_shingles_equal_per_span_on_odd_text(text, raw_spans):
    spans = [(min(a, b) % (len(text) + 1), max(a, b) % (len(text) + 1)) for a, b in raw_spans]
    spans = [(s, max(s, e)) for s, e in spans]
    signer = Signer()
    values, offsets = signer.passage_shingles([text, TEXT], [spans, [(0, len(TEXT))]])
    for k, (s, e) in enumerate(spans):
        assert values[offsets[k] : offsets[k + 1]].tolist() == reference_shingles(text[s:e])
    assert values[offsets[-2] : offsets[-1]].tolist() == reference_shingles(TEXT)


def _fmix32(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def reference_shingles(text: str, k: int = 3) -> list[int]:
    """Shingle hashes the slow way: regex tokens, one shingle at a time in Python ints."""
    th = [int(x) for x in token_hashes(tokens(text))]
    if not th:
        return []
    k = min(k, len(th))
    out = set()
    for i in range(len(th) - k + 1):
        h = th[i]
        for j in range(1, k):
            h = _fmix32(((h * 0x01000193) & 0xFFFFFFFF) ^ th[i + j])
        out.add(h)
    return sorted(out)


def reference_lsh(sigs: np.ndarray, groups: np.ndarray, bands: int, rows: int, max_bucket: int,
                  first_band: int = 0):  # fmt: skip
    """LSH candidates with a dict per band (the plain way), from bands ``first_band..bands-1``."""
    keys = band_keys(sigs, bands, rows)
    out = set()
    for band in range(first_band, bands):
        buckets: dict[int, list[int]] = {}
        for i, k in enumerate(keys[:, band].tolist()):
            buckets.setdefault(k, []).append(i)
        for members in buckets.values():
            if len(members) > max_bucket:
                links = [(members[0], m) for m in members[1:]]
            else:
                links = [(a, b) for x, a in enumerate(members) for b in members[x + 1 :]]
            out.update((min(a, b), max(a, b)) for a, b in links if groups[a] != groups[b])
    return sorted(out)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 60), st.integers(2, 8))
def test_lsh_equals_plain_buckets(seed, n, max_bucket):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 3, size=(n, 128), dtype=np.uint32)  # few values: many collisions
    groups = rng.integers(0, 5, size=n)
    bands, rows = lsh_params(0.3, 128)
    got = lsh_candidates(base, groups, 0.3, max_bucket=max_bucket).tolist()
    assert [tuple(p) for p in got] == reference_lsh(base, groups, bands, rows, max_bucket)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=40, unique=True), max_size=30),
    st.sampled_from([1, 7, 64, 1 << 17]),
)
def test_signatures_flat_equal_per_set_minimum(sets, block):
    """Size-ordered padded blocks give each set's own minimum, for any block size."""
    import lineage.minhash as mh

    signer = Signer(num_perm=16, seed=3)
    arrays = [np.array(sorted(s), dtype=np.uint32) for s in sets]
    values = np.concatenate(arrays or [np.empty(0, np.uint32)])
    offsets = np.r_[0, np.cumsum([len(s) for s in arrays])].astype(np.int64)
    old, mh._BLOCK = mh._BLOCK, block
    try:
        got = signer.signatures_flat(values, offsets, by_permutation=True)
    finally:
        mh._BLOCK = old
    want = np.full((16, len(arrays)), np.iinfo(np.uint32).max, dtype=np.uint32)
    for i, s in enumerate(arrays):
        if len(s):
            h = mh.fmix32(s)
            want[:, i] = (signer._a[:, None] * h[None, :] + signer._b[:, None]).min(axis=1)
    assert np.array_equal(got, want)
    assert np.array_equal(signer.signatures_flat(values, offsets), want.T)


def test_split_lsh_and_overlaps_equal_one_task(monkeypatch):
    """Band groups and overlap blocks split over processes give the one-task result."""
    import lineage.minhash as mh
    from lineage.engine import LocalEngine

    rng = np.random.default_rng(5)
    signer = Signer(num_perm=32)
    base = rng.integers(0, 2**32, 60, dtype=np.uint32)
    noise = rng.integers(0, 2**32, (40, 5), dtype=np.uint32)
    sets = [np.unique(np.r_[base[: rng.integers(5, 60)], noise[k]]) for k in range(40)]
    values = np.concatenate(sets)
    offsets = np.r_[0, np.cumsum([len(s) for s in sets])].astype(np.int64)
    sigs = signer.signatures_flat(values, offsets)
    groups = np.arange(40) // 3
    want = lsh_candidates(sigs, groups, 0.3)
    want_inter = mh.set_overlaps(values, offsets, want)
    monkeypatch.setattr(mh, "_PARALLEL_MIN_ROWS", 20)  # four band groups, four overlap blocks
    engine = LocalEngine(2)
    got = lsh_candidates(sigs, groups, 0.3, engine=engine)
    assert len(want) > 10 and np.array_equal(got, want)
    assert np.array_equal(mh.set_overlaps(values, offsets, want, engine=engine), want_inter)


_ODD = [*"Die NATO İstanbul ΟΔΟΣ Σ σ ẞ über x_y 12 🙂 𝐀𝐁 \uffff ǅ ﬃ Ⅻ ²".split(), "\n", " ", ", "]
odd_texts = st.lists(st.lists(st.sampled_from(_ODD), max_size=12).map("".join), max_size=8)


@settings(max_examples=150, deadline=None)
@given(odd_texts, st.sampled_from([1, 5, 32, 1 << 17]))
def test_tokenize_texts_equals_lowered_join(texts, piece):
    """Table lower-casing in pieces gives ``tokenize`` of the ``str.lower``-ed texts, joined."""
    import lineage.minhash as mh

    old, mh._PIECE = mh._PIECE, piece
    try:
        starts, ends, hashes, changed = mh.tokenize_texts(texts)
    finally:
        mh._PIECE = old
    assert changed == [i for i, t in enumerate(texts) if len(t.lower()) != len(t)]
    kept = [t.lower() if i not in changed else " " * len(t) for i, t in enumerate(texts)]
    want = tokenize(mh._SEP.join(kept))
    assert np.array_equal(starts, want[0]) and np.array_equal(ends, want[1])
    assert np.array_equal(hashes, want[2])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 80), st.integers(1, 8), st.integers(0, 36),
       st.integers(1, 37))  # fmt: skip
def test_band_pairs_of_copied_rows_equal_plain_buckets(seed, n, max_bucket, lo, width):
    """Rows copied many times (classes bucketed once) give the plain buckets' pairs, any bands."""
    import lineage.minhash as mh

    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 2, size=(rng.integers(1, 6), 128), dtype=np.uint32)
    sigs = protos[rng.integers(0, len(protos), n)]
    tweak = rng.random(sigs.shape) < rng.choice([0.0, 0.002, 0.02])  # a few rows differ a little
    sigs = np.where(tweak, sigs + 7, sigs).astype(np.uint32)
    groups = rng.integers(0, rng.integers(1, 8), size=n)
    bands, rows = lsh_params(0.3, 128)
    hi = min(bands, lo + width)
    task = mh._Bands(np.asfortranarray(sigs), groups, 0.3, max_bucket)
    got = [tuple(p) for p in mh._unpacked(mh._band_pairs(task, (lo, hi))).tolist()]
    assert got == reference_lsh(sigs, groups, hi, rows, max_bucket, first_band=lo)


def test_band_pairs_with_colliding_fingerprints_equal_plain_buckets(monkeypatch):
    """Rows whose mixed keys collide (all made equal here) are not taken as copies."""
    import lineage.minhash as mh

    rng = np.random.default_rng(11)
    sigs = rng.integers(0, 2, size=(4, 128), dtype=np.uint32)[rng.integers(0, 4, 50)]
    groups = rng.integers(0, 6, size=50)
    of = mh._Classes.of
    calls = []

    def colliding(fp: np.ndarray) -> mh._Classes:
        calls.append(len(fp))
        return of(np.zeros_like(fp) if len(calls) == 1 else fp)

    monkeypatch.setattr(mh._Classes, "of", colliding)
    _, rows = lsh_params(0.3, 128)
    got = mh._unpacked(mh._band_pairs(mh._Bands(np.asfortranarray(sigs), groups, 0.3, 3), (2, 9)))
    assert len(calls) == 2  # the one class of unequal rows was refused, rows taken one by one
    assert [tuple(p) for p in got.tolist()] == reference_lsh(sigs, groups, 9, rows, 3, 2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0, 1, 5, 2**40 + 3, 2**40 + 5, 2**63 + 9, 2**64 - 1]),
                max_size=40))  # fmt: skip
def test_grouped_brings_equal_keys_together(raw):
    """Packed sort (or its argsort fallback for keys equal in high bits) groups equal keys."""
    import lineage.minhash as mh

    keys = np.array(raw, dtype=np.uint64)
    pos, ordered = mh._grouped(keys)
    assert sorted(pos.tolist()) == list(range(len(keys)))
    assert np.array_equal(ordered, keys[pos])
    runs = [k for i, k in enumerate(ordered.tolist()) if i == 0 or k != ordered[i - 1]]
    assert len(runs) == len(set(raw))  # each key in one run


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sets(st.integers(0, 2**32 - 1), max_size=30), min_size=1, max_size=12),
       st.data(), st.sampled_from([1, 3, 160_000]))  # fmt: skip
def test_set_overlaps_count_the_common_values(sets: list[set[int]], data: st.DataObject,
                                              chunk: int) -> None:  # fmt: skip
    """Exact intersection sizes of flat sorted sets, in blocks of any size, empty sets too."""
    arrays = [np.array(sorted(s), dtype=np.uint32) for s in sets]
    values = np.concatenate(arrays) if arrays else np.empty(0, np.uint32)
    offsets = np.r_[0, np.cumsum([len(a) for a in arrays])].astype(np.int64)
    n = len(sets)
    pairs = np.array(data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                                        min_size=1, max_size=20)), dtype=np.int64)  # fmt: skip
    from lineage.minhash import set_overlaps

    got = set_overlaps(values, offsets, pairs, chunk=chunk)
    want = [len(sets[a] & sets[b]) if len(values) else 0 for a, b in pairs.tolist()]
    assert got.tolist() == want
