"""Settings: every default in one place, overlaid by config files and flags.

Precedence (lowest first): the defaults below, ``[tool.lineage]`` in
``pyproject.toml`` or a ``lineage.toml`` in the working directory (or a file
given with ``--config``), then command-line flags. An unknown key is an error
that suggests the nearest valid name.
"""

from __future__ import annotations

import dataclasses
import difflib
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from lineage.errors import ConfigError

TOKEN_HASHING = "codepoint-poly64"
"""How words become shingle hashes (``lineage.minhash.tokenize``); stored with
signatures so an archive made with another tokeniser is refused, not misread."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Parameters of a lineage run.

    Attributes are grouped by stage. The values that shape MinHash signatures
    (``shingle_size``, ``num_perm``, ``seed``, ``scheme``) are stored with every
    run and archive, because signatures made with other values cannot be compared.
    """

    # segment
    passage_sentences: int = 2
    """Sentences per passage window (windows overlap by one sentence)."""
    passage_step: int = 1
    """Sentences between window starts: 1 overlaps windows, ``passage_sentences`` tiles them."""
    min_passage_words: int = 8
    """Shorter passages are merged with their neighbour or dropped."""

    # minhash / near-dup
    shingle_size: int = 3
    """Word n-gram size for MinHash shingles."""
    num_perm: int = 128
    seed: int = 1
    scheme: str = "affine32"
    lsh_threshold: float = 0.3
    """Jaccard threshold for MinHash LSH candidate passages."""
    boilerplate_min_articles: int = 5
    """A shingle in at least this many articles of one outlet may be boilerplate..."""
    boilerplate_min_share: float = 0.5
    """...when it also occurs in at least this share of that outlet's articles."""

    # tfidf
    tfidf_min_cosine: float = 0.12
    """TF-IDF cosine (words + character n-grams) above which a pair is scored at all."""
    tfidf_top_k: int = 8
    """Nearest passages per passage kept from the TF-IDF stage."""
    tfidf_exhaustive_max: int = 6000
    """Up to this many passages, every pair is scored; above, rare shared terms block."""
    tfidf_rare_max_df: int = 20
    """A word (or word pair) in at most this many passages is rare enough to block on..."""
    tfidf_rare_min_shared: int = 3
    """...and passages sharing this many rare terms are scored (2 paired 2x more, no recall)."""
    char_ngrams: bool = True
    """Add character 3-5-grams (robust to German inflection) to the TF-IDF features."""
    fact_min_shared: int = 2
    """Fact keys (a strong fact; a count's unit and size) two passages must share to be
    compared on facts alone: one shared number or name paired unrelated reports."""

    # match kinds
    verbatim_min_jaccard: float = 0.9
    near_verbatim_min_jaccard: float = 0.5
    near_verbatim_min_containment: float = 0.8
    rewritten_min_cosine: float = 0.12
    """A rewrite needs this cosine plus a shared or changed fact (number or quote)."""
    rewritten_names_cosine: float = 0.2
    """...or this cosine plus two shared names."""
    rewritten_strong_cosine: float = 0.6
    """...or this cosine alone."""
    number_drift_ratio: float = 1.5
    """Two counts of the same thing within this ratio are one fact told differently."""

    # cluster
    cluster_min_cohesion: float = 0.6
    """A passage joins a cluster only if it matches this share of its members."""

    # graph / flags
    derived_min_share: float = 0.2
    """An article with less derived text than this is non-derived."""
    wholly_derived_share: float = 0.6
    """An article with at least this derived share is wholly derived."""
    derives_min_confidence: float = 0.6

    # attribution
    sources_files: tuple[str, ...] = ()
    """Extra gazetteer files (TOML) merged over the shipped one."""

    # ingest
    languages: tuple[str, ...] = ("de", "en")
    """Languages the detector chooses from (ISO 639-1; word lists in data/stopwords.toml)."""
    text_key: str = "text"
    id_key: str = "id"
    metadata: str | None = None

    # run
    strict: bool = False
    workers: int = 1
    engine: str = "local"
    scheduler: str | None = None

    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied, validating the keys."""
        check_keys(changes, origin="arguments")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all settings (for ``run.json`` and ``lineage config``)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "extra"}

    def signature_key(self) -> dict[str, Any]:
        """The settings that shape MinHash signatures."""
        return {
            "shingle_size": self.shingle_size,
            "num_perm": self.num_perm,
            "seed": self.seed,
            "scheme": self.scheme,
            "tokens": TOKEN_HASHING,
        }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


SETTING_NAMES = tuple(f.name for f in fields(Settings) if f.name != "extra")


def check_keys(values: dict[str, Any], origin: str) -> None:
    """Raise ConfigError for an unknown key, naming the nearest valid one."""
    for key in values:
        if key not in SETTING_NAMES:
            near = difflib.get_close_matches(key, SETTING_NAMES, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(f"{origin}: unknown setting {key!r}{hint}")


def _coerce(values: dict[str, Any], origin: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    defaults = Settings()
    for key, value in values.items():
        default = getattr(defaults, key)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"{origin}: setting {key!r} must be true or false, got {value!r}")
        if isinstance(default, tuple):
            value = tuple(value) if isinstance(value, list) else (value,)
        elif isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        elif default is not None and not isinstance(value, type(default)):
            kind = type(default).__name__
            raise ConfigError(f"{origin}: setting {key!r} must be {kind}, got {value!r}")
        out[key] = value
    return out


def find_config_file(start: Path | None = None) -> Path | None:
    """The ``lineage.toml`` or a ``pyproject.toml`` with ``[tool.lineage]`` in ``start``."""
    folder = start or Path.cwd()
    candidate = folder / "lineage.toml"
    if candidate.is_file():
        return candidate
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None
        if "lineage" in data.get("tool", {}):
            return pyproject
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    """Settings found in ``path`` (a lineage.toml or a pyproject.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("lineage", {})
    check_keys(data, origin=str(path))
    return _coerce(data, origin=str(path))


def load_settings(
    config_file: Path | None = None, overrides: dict[str, Any] | None = None
) -> Settings:
    """Defaults, then the config file (given or found), then ``overrides``.

    ``None`` values in ``overrides`` mean "not given" and are ignored.
    """
    values: dict[str, Any] = {}
    path = config_file or find_config_file()
    if path is not None:
        values.update(read_config_file(path))
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    check_keys(given, origin="command line")
    values.update(_coerce(given, origin="command line"))
    settings = Settings(**values)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Raise ConfigError for values outside their range."""
    for name in (
        "lsh_threshold",
        "tfidf_min_cosine",
        "verbatim_min_jaccard",
        "near_verbatim_min_jaccard",
        "rewritten_min_cosine",
        "rewritten_names_cosine",
        "rewritten_strong_cosine",
        "near_verbatim_min_containment",
        "cluster_min_cohesion",
        "derived_min_share",
        "wholly_derived_share",
        "derives_min_confidence",
        "boilerplate_min_share",
    ):
        value = getattr(settings, name)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"setting {name!r} must be in [0, 1], got {value!r}")
    for name in (
        "shingle_size",
        "num_perm",
        "passage_sentences",
        "passage_step",
        "workers",
        "tfidf_top_k",
    ):
        if getattr(settings, name) < 1:
            raise ConfigError(f"setting {name!r} must be at least 1")
    if settings.scheme not in ("affine32",):
        raise ConfigError(f"setting 'scheme' must be 'affine32', got {settings.scheme!r}")
    if settings.engine not in ("local", "dask"):
        raise ConfigError(f"setting 'engine' must be 'local' or 'dask', got {settings.engine!r}")


def to_toml(settings: Settings) -> str:
    """Render settings as a ``lineage.toml`` body."""
    lines = []
    for key, value in settings.to_dict().items():
        if value is None:
            lines.append(f"# {key} = (unset)")
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f"{key} = {_toml_str(value)}")
        elif isinstance(value, list):
            lines.append(f"{key} = [{', '.join(_toml_str(v) for v in value)}]")
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
