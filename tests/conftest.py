"""Shared fixtures: the seed articles and one scan of them per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture()
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may add files to."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture(scope="session")
def seed_run():
    """One scan of seeds/ (RunResult), shared by the tests that only read it."""
    from lineage.pipeline import scan

    return scan([SEEDS])


@pytest.fixture(scope="session")
def seed_run_dir(tmp_path_factory: pytest.TempPathFactory, seed_run) -> Path:
    """The seeds scan written to a folder."""
    from lineage.pipeline import write_run

    out = tmp_path_factory.mktemp("run") / "seeds"
    write_run(seed_run, out)
    return out
