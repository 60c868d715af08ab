from __future__ import annotations

from pathlib import Path

import pytest

from lineage.config import Settings, load_settings
from lineage.errors import ConfigError


def test_precedence_defaults_file_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text("[tool.lineage]\nseed = 5\nnum_perm = 64\n")
    s = load_settings(cfg, {"seed": 9, "lsh_threshold": None})
    assert (s.seed, s.num_perm, s.lsh_threshold) == (9, 64, Settings().lsh_threshold)


def test_invalid_values_are_errors(tmp_path: Path) -> None:
    cfg = tmp_path / "lineage.toml"
    cfg.write_text("lsh_threshold = 1.5\n")
    with pytest.raises(ConfigError, match="must be in"):
        load_settings(cfg)
    cfg.write_text('num_perm = "many"\n')
    with pytest.raises(ConfigError, match="must be int"):
        load_settings(cfg)


def test_replace_checks_names() -> None:
    with pytest.raises(ConfigError, match="did you mean 'seed'"):
        Settings().replace(sed=3)
