"""Shared, built-once report outputs for test_report.py and test_browser.py.

pytest session fixtures defined in two test modules would run twice, so both
modules' fixtures call :func:`seed_reports`, which builds the five-seed
PlanSet (default USE backend and embedding cache, like conftest's ``seed_planset``),
its coverage and every report format once per test process.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FORMATS = ("html", "md", "json", "xlsx", "csv")


@dataclass
class SeedReports:
    plans: object  # PlanSet
    coverage: object  # Coverage
    paths: dict[str, Path]


_BUILT: dict[str, SeedReports] = {}


def seed_reports(tmp_root: Path, *, backend: str = "use") -> SeedReports:
    """The seeds' reports in every format (built on first call, then reused)."""
    if backend not in _BUILT:
        from plancompare.planset import load_plans
        from plancompare.report import write_report

        emb = HashEmbedder() if backend == "hash" else None
        # the default cache, as conftest's seed_planset: the seeds are embedded once, not once per fixture
        plans = load_plans(SEEDS, embedder=emb, cache_dir=None if emb is None else False)
        if emb is not None:
            plans.thresholds = hash_thresholds()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # uncalibrated-threshold warning when calibration.yaml is absent
            cov = plans.coverage()
        out = tmp_root / backend
        paths = {fmt: write_report(plans, out / f"report.{fmt}", coverage=cov) for fmt in FORMATS}
        _BUILT[backend] = SeedReports(plans, cov, paths)
    return _BUILT[backend]


class HashEmbedder:
    """A deterministic, model-free embedder (hashed character uni- and bigrams) for fast tests.

    Similar wording gives similar vectors, which is all the report code needs;
    it says nothing about real embedding quality.
    """

    name = "test-hash"
    dim = 256

    def encode(self, texts: list[str], *, kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            grams = list(t) + [t[j : j + 2] for j in range(len(t) - 1)]
            for g in grams:
                h = int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def hash_thresholds():
    from plancompare.calibration import CoverageThresholds

    return CoverageThresholds(match=0.45, source="test")


def hash_planset(paths, **kw):
    """Plans loaded with the model-free :class:`HashEmbedder`, no cache, and its thresholds."""
    from plancompare.planset import load_plans

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plans = load_plans(paths, embedder=HashEmbedder(), cache_dir=False, **kw)
    plans.thresholds = hash_thresholds()
    return plans
