"""plancompare: compare policy plans across regions and years.

>>> import plancompare as pc
>>> plans = pc.load_plans("seeds")                    # doctest: +SKIP
>>> cov = plans.coverage()                            # built-in health themes
>>> cov.to_frame()                                    # plans × themes: covered / mentioned / missing
>>> cov.gaps("深圳市 2025", "东莞市 2025")              # themes one covers and the other leaves out
>>> plans.search("托育 托位")
>>> pc.write_report(plans, "report.html")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import PlanCompareError, PlanLoadError, ThemeFileError
from .model import Evidence, Plan, PlanWarning, Section, SectionMatch, Target, Theme, ThemeCoverage

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
