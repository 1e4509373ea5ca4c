"""Shared fixtures: the five real seed plans and a few corpus files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # tests reuse helpers from benchmarks/ (labels, the tiny local model)
    sys.path.insert(0, str(ROOT))
# tests/data holds labels and the records of how they were made (the batch sampling scripts,
# kept as they were run): data, never imported (--doctest-modules would run them)
collect_ignore_glob = ["data/*"]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"
# shared/ sits beside the checkout (CI clones next to it); fall back to the workspace copy
CORPUS = next(
    (
        c / "corpus" / "gov-work-reports-2022-2024"
        for c in (ROOT.parent / "shared", Path("/work/shared"))
        if (c / "corpus" / "gov-work-reports-2022-2024").is_dir()
    ),
    Path("/work/shared/corpus/gov-work-reports-2022-2024"),
)

LONGGANG, SZ2022, DONGGUAN, SZ2025, XIANGAN = (
    "000_df77e404ebcdeb1b",
    "001_6566fb2897e425d6",
    "002_7a622e524e24148d",
    "003_21384b622973756d",
    "004_73bd3943b8d95550",
)
SEED_IDS = (LONGGANG, SZ2022, DONGGUAN, SZ2025, XIANGAN)


def seed_path(stem: str) -> Path:
    """Path of a seed file by its stem, e.g. ``seed_path(LONGGANG)``."""
    return SEEDS / f"{stem}.txt"


@pytest.fixture(scope="session")
def seed_plans() -> dict:
    """``{file stem: Plan}`` for the five seeds, loaded once per session."""
    from plancompare.load import load_plan

    return {stem: load_plan(seed_path(stem)) for stem in SEED_IDS}


@pytest.fixture(scope="session")
def seed_planset():
    """The seeds as a ``PlanSet`` (default embedder)."""
    from plancompare.planset import load_plans

    return load_plans(SEEDS)


@pytest.fixture(scope="session")
def labels_dir() -> Path:
    return DATA


def corpus_files(n: int = 4) -> list[Path]:
    """A few real corpus files (deterministic choice); empty if the corpus is absent."""
    if not CORPUS.is_dir():
        return []
    picks = [
        CORPUS / "政府工作报告-主要城市" / "深圳市" / "2023.md",
        CORPUS / "政府工作报告-国务院" / "2024.md",
        CORPUS / "政府工作报告-省自治区" / "广东省" / "2024.md",
        CORPUS / "政府工作报告-主要城市" / "东莞市" / "2022.md",
        CORPUS / "政府工作报告-其他地市" / "白城市" / "2022.md",
    ]
    return [p for p in picks if p.is_file()][:n]
