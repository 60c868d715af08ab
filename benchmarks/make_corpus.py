"""Build a planted benchmark corpus of any size from real German news (10kgnad).

A thin CLI over ``benchmarks/corpus.py`` (``build_corpus``: copies, light
edits, heavy rewrites, splices and partial reuse with known parents, dates and
outlets). 10kgnad's sample has 1,028 articles, enough for about 1,000 planted
articles. Larger corpora need more *originals*; they are made from the real
articles by replacing a share (``--scramble``, default 0.7) of each article's
words with words drawn from the whole corpus's vocabulary (same frequency
distribution; numbers replaced by other numbers). Two scrambled variants of
one real article then share about 0.3³ ≈ 3 % of their 3-word shingles, far
below any match threshold, so they are distinct originals; the text keeps the
real articles' length, vocabulary and sentence structure, which is what
tokenising, hashing and TF-IDF cost depends on. The children are planted on
these originals exactly as on real ones.

Writes ``OUT/articles.jsonl`` (``id, text, outlet, url, published, title``),
``OUT/truth.jsonl`` (``child, parent, kind, ...``), ``OUT/classes.jsonl`` and
``OUT/params.json``.

Example::

    python benchmarks/make_corpus.py --n 10000 --out /tmp/bench10k
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import DEFAULT_SOURCE, build_corpus, read_10kgnad

_TOKEN = re.compile(r"\w+|\W+")
_NUM = re.compile(r"^\d+$")


def scrambled(rows: Sequence[tuple[str, str]], count: int, share: float, seed: int
              ) -> list[tuple[str, str]]:  # fmt: skip
    """``count`` new ``(label, text)`` rows: real rows with ``share`` of words replaced."""
    rng = random.Random(seed)
    vocab_lower: list[str] = []
    vocab_cap: list[str] = []
    for _, text in rows:
        for tok in _TOKEN.findall(text):
            if tok[0].isalpha():
                (vocab_cap if tok[0].isupper() else vocab_lower).append(tok)
    out: list[tuple[str, str]] = []
    for k in range(count):
        label, text = rows[k % len(rows)]
        pieces = []
        for tok in _TOKEN.findall(text):
            if tok[0].isalnum() and rng.random() < share:
                if _NUM.match(tok):
                    tok = str(rng.randrange(1, 10 ** len(tok)))
                elif tok[0].isupper():
                    tok = rng.choice(vocab_cap)
                else:
                    tok = rng.choice(vocab_lower)
            pieces.append(tok)
        out.append((label, "".join(pieces)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: plant a corpus of ``--n`` articles into ``--out``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="10kgnad articles.csv")
    ap.add_argument("--n", type=int, default=1000, help="articles in the corpus")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--scramble",
        type=float,
        default=0.7,
        help="share of words replaced in synthetic originals (only past ~1,000)",
    )
    ap.add_argument(
        "--original-share",
        type=float,
        default=0.45,
        help="share of originals; the rest are planted children (0.45: reuse-dense, 0.9: a news "
        "day where one article in ten reuses another)",
    )
    args = ap.parse_args(argv)
    if not args.source.is_file():
        print(f"error: {args.source} not found; pass --source path/to/10kgnad/articles.csv",
              file=sys.stderr)  # fmt: skip
        return 1
    real = read_10kgnad(args.source)
    usable = [r for r in real if 500 <= len(r[1]) <= 4000]
    # build_corpus drops rows with < 6 sentences: retry with more synthetic rows if short
    for factor, extra in ((1.02, 10), (1.05, 50), (1.2, 500)):
        need = int(args.n * factor) + extra
        rows = list(real)
        if need > len(usable):
            rows += scrambled(usable, need - len(usable), args.scramble, args.seed)
        try:
            corpus = build_corpus(rows, args.n, seed=args.seed, original_share=args.original_share)
            break
        except ValueError:
            if factor == 1.2:
                raise
    corpus.params["scramble"] = args.scramble
    corpus.params["synthetic_originals"] = max(0, need - len(usable))
    out = corpus.write(args.out)
    mb = sum(len(a["text"].encode()) for a in corpus.articles) / 1e6
    print(f"wrote {len(corpus.articles)} articles ({mb:.1f} MB), {len(corpus.truth)} planted "
          f"edges to {out}", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
