"""Bulk MinHash equals datasketch; passage shingles equal per-passage shingles; LSH finds copies."""

from __future__ import annotations

import numpy as np
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.minhash import Signer, band_keys, containment, jaccard, lsh_candidates

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
