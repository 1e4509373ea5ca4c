"""Per-backend thresholds, fitted on the labelled seed set.

Cosine similarities live on different scales for different models (USE
scores related Chinese sentences around 0.3–0.6, e5 around 0.8–0.9), so no
threshold is global. ``data/calibration.yaml`` stores, for each backend name,
the thresholds fitted by :func:`fit_thresholds` (``benchmarks/quality.py
--calibrate`` writes it). A backend with no stored entry (e.g. your own
sentence-transformers model) gets thresholds placed on its own score
distribution, with a warning, until you calibrate it.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml


@dataclass(frozen=True)
class CoverageThresholds:
    """Thresholds used by ``coverage.decide_plan`` and ``match.compare_sections``.

    keyword_sentence: semantic score a sentence with a theme keyword needs to count as a commitment.
    semantic_only: score a sentence without any keyword needs to count as a commitment (paraphrase).
    semantic_mention: score that makes a theme "mentioned" without a keyword (> 1 = off:
        both calibrated backends turn it off, docs/quality.md).
    keyword_bonus: added to a keyword sentence's score when ranking evidence.
    list_penalty: subtracted when the keyword only appears inside an enumeration (A、B、C等).
    keyword_repeats: this many keyword occurrences in one sentence make it a commitment (0 = off).
    min_sections_for_repeat: a keyword in this many different items makes the theme covered (0 = off).
    match: cosine above which two sections are counterparts.
    calibrated: whether these came from labelled data for this backend.
    """

    keyword_sentence: float = 0.30
    semantic_only: float = 0.65
    semantic_mention: float = 2.0  # off: semantic-only mentions hid the missing themes
    keyword_bonus: float = 0.2
    list_penalty: float = 0.0
    keyword_repeats: int = 0
    min_sections_for_repeat: int = 2
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
    """Uncalibrated thresholds placed on a backend's own score distribution.

    ``sample_scores`` are sentence × theme cosines for this backend; the bars
    sit at high percentiles of that distribution, which is where the
    calibrated backends' bars fall too.
    """
    warnings.warn(
        f"backend {backend_name!r} has no calibrated thresholds; using percentiles of its score "
        "distribution. To fit them from labelled plans, see docs/quality.md (benchmarks/quality.py --calibrate).",
        stacklevel=3,
    )
    s = np.asarray(sample_scores, dtype=np.float32).ravel()
    if not s.size:
        return CoverageThresholds(source="default")
    p = np.percentile(s, [90, 99.0, 99.7])
    return CoverageThresholds(
        keyword_sentence=float(p[0]),
        semantic_only=float(p[2]),
        match=float(p[1]),
        calibrated=False,
        source="score percentiles",
    )


def grid_search(
    evaluate: Callable[[CoverageThresholds], float],
    base: CoverageThresholds,
    grid: dict[str, Sequence[float | int]],
) -> tuple[CoverageThresholds, float]:
    """Exhaustive search over ``grid``; ties keep the first (grid order), so results are deterministic."""
    best, best_score = base, -1.0
    keys = sorted(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        cand = replace(base, **dict(zip(keys, values, strict=True)))
        score = evaluate(cand)
        if score > best_score + 1e-12:
            best, best_score = cand, score
    return best, best_score


def frange(lo: float, hi: float, step: float) -> list[float]:
    n = int(round((hi - lo) / step))
    return [round(lo + i * step, 4) for i in range(n + 1)]


def save_thresholds(path: str, entries: dict[str, CoverageThresholds], notes: Iterable[str] = ()) -> None:
    """Write calibration entries (the format ``thresholds_for`` reads)."""
    data = {
        "notes": list(notes),
        "backends": {
            name: {k: v for k, v in t.as_dict().items() if k not in ("calibrated", "source")}
            for name, t in sorted(entries.items())
        },
    }
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, allow_unicode=True, sort_keys=False)
    _stored.cache_clear()
