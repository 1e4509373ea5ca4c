"""Per-backend section-matching threshold.

Cosine similarities live on different scales for different models (USE
scores related Chinese sentences around 0.3–0.6, e5 around 0.8–0.9), so no
threshold is global. ``data/calibration.yaml`` stores, for each backend name,
the score above which two sections are counterparts, fitted on the labelled
section pairs (tests/data/labels/pairs.yaml). A backend with no stored entry
(e.g. your own sentence-transformers model) gets one placed on its own score
distribution, with a warning. Coverage levels do not use thresholds of this
kind: see :mod:`plancompare.decision`.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml


@dataclass(frozen=True)
class CoverageThresholds:
    """The similarity bar of ``match.compare_sections`` (coverage levels come from :mod:`plancompare.decision`).

    match: score above which two sections are counterparts.
    calibrated: whether it came from labelled data for this backend.
    """

    match: float = 0.55
    calibrated: bool = False
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def _stored() -> dict[str, dict[str, Any]]:
    path = resources.files("plancompare") / "data" / "calibration.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return {}
    return data.get("backends", {})


def thresholds_for(backend_name: str) -> CoverageThresholds | None:
    """Stored thresholds for ``backend_name`` or ``None`` if it was never calibrated."""
    entry = _stored().get(backend_name)
    if not entry:
        return None
    names = {f.name for f in fields(CoverageThresholds)}
    return CoverageThresholds(
        **{k: v for k, v in entry.items() if k in names}, calibrated=True, source="data/calibration.yaml"
    )


def relative_thresholds(sample_scores: np.ndarray, backend_name: str) -> CoverageThresholds:
    """An uncalibrated matching threshold placed on a backend's own score distribution.

    ``sample_scores`` are sentence × theme cosines for this backend; the bar
    sits at their 99th percentile, which is where the calibrated backends' bars
    fall too.
    """
    warnings.warn(
        f"backend {backend_name!r} has no calibrated matching threshold; using the 99th percentile "
        "of its score distribution (docs/quality.md).",
        stacklevel=3,
    )
    s = np.asarray(sample_scores, dtype=np.float32).ravel()
    if not s.size:
        return CoverageThresholds(source="default")
    return CoverageThresholds(match=float(np.percentile(s, 99.0)), calibrated=False, source="score percentiles")
