"""plancompare: compare policy plans across regions and years.

>>> import plancompare as pc
>>> plans = pc.load_plans("seeds")
>>> [p.label for p in plans][:2]
['深圳市龙岗区 2025', '深圳市 2022']

Embedding runs from here on (the embedded USE model, offline; vectors are cached):

>>> cov = plans.coverage()                            # doctest: +SKIP
>>> cov.to_frame()                                    # doctest: +SKIP
>>> cov.gaps("深圳市 2025", "东莞市 2025")              # doctest: +SKIP
>>> plans.search("托育 托位")                          # doctest: +SKIP
>>> pc.write_report(plans, "report.html")             # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import logs
from .errors import PlanCompareError, PlanLoadError, ThemeFileError
from .model import Evidence, Plan, PlanWarning, Section, SectionMatch, Target, Theme, ThemeCoverage

logs.setup()  # jieba's "Building prefix dict…" stays quiet in notebooks and scripts too

__version__ = "0.1.0"

# Heavier pieces import lazily so `import plancompare` stays fast.
_LAZY = {
    "load_plan": ("load", "load_plan"),
    "load_plans": ("planset", "load_plans"),
    "PlanSet": ("planset", "PlanSet"),
    "Coverage": ("coverage", "Coverage"),
    "Comparison": ("match", "Comparison"),
    "builtin_themes": ("themes", "builtin_themes"),
    "load_themes": ("themes", "load_themes"),
    "get_embedder": ("embed", "get_embedder"),
    "EmbeddingCache": ("cache", "EmbeddingCache"),
    "extract_targets": ("targets", "extract_targets"),
    "write_report": ("report", "write_report"),
}

if TYPE_CHECKING:
    from .cache import EmbeddingCache
    from .coverage import Coverage
    from .embed import get_embedder
    from .load import load_plan
    from .match import Comparison
    from .planset import PlanSet, load_plans
    from .report import write_report
    from .targets import extract_targets
    from .themes import builtin_themes, load_themes


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(f".{mod}", __name__), attr)
    raise AttributeError(f"module 'plancompare' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "Coverage",
    "EmbeddingCache",
    "Evidence",
    "Plan",
    "PlanCompareError",
    "PlanLoadError",
    "PlanSet",
    "PlanWarning",
    "Section",
    "SectionMatch",
    "Target",
    "Theme",
    "ThemeCoverage",
    "ThemeFileError",
    "builtin_themes",
    "extract_targets",
    "get_embedder",
    "load_plan",
    "load_plans",
    "load_themes",
    "write_report",
]
