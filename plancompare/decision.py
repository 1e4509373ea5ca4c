"""The coverage decision: from a plan's evidence for a theme to a level.

Two logistic regressions over the features of :mod:`plancompare.signals`
(scikit-learn, fitted on the labelled evaluation set, coefficients stored per
backend in ``data/decision.yaml``, no pickles):

* ``p_covered`` — the probability that the plan commits to the theme;
* ``p_mention`` — the probability that it at least mentions it.

A cell is **covered** when ``p_covered ≥ covered_at`` (0.5), else **mentioned**
when ``p_mention ≥ mentioned_at`` (0.5), else **missing**. The score a report
shows is ``p_covered``: the quantity compared with the bar, on a 0–1 scale.

The figures this gives on themes and documents it was not fitted on are in
docs/quality.md (``python benchmarks/quality.py``).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

import numpy as np
import yaml

from .signals import FEATURES

__all__ = ["DecisionModel", "fit_decision", "decision_for", "save_decisions"]

DEFAULT_BACKEND = "use-m3"
_EXPLAIN = {
    "z_full": "paraphrase z",
    "z_phrase": "phrase z",
    "z_top3": "breadth z",
    "name_hit": "name in text",
    "part_hit": "name word in text",
    "desc_terms": "description words",
    "z_at_term": "term sentence z",
    "term_sections": "term in several sections",
    "heading_term": "term in a heading",
    "name_units": "name repeated",
    "cos_full": "cosine",
    "phrase_hit": "description phrase in text",
    "exp_hit": "related word in text",
    "z_at_exp": "related-word sentence z",
    "z_contrast": "stands out in the plan by z",
    "cos_contrast": "stands out in the plan by cosine",
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


@dataclass(frozen=True)
class DecisionModel:
    """Per-backend coefficients of the two logistic regressions (standardised features)."""

    backend: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    covered: tuple[float, ...]
    covered_bias: float
    mention: tuple[float, ...]
    mention_bias: float
    covered_at: float = 0.5
    mentioned_at: float = 0.5
    calibrated: bool = True
    source: str = ""

    def _std(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, np.float64) - np.array(self.mean)) / np.array(self.scale)

    def logit_covered(self, X: np.ndarray) -> np.ndarray:
        return self._std(X) @ np.array(self.covered) + self.covered_bias

    def p_covered(self, X: np.ndarray) -> np.ndarray:
        """Probability of "covered" per feature row."""
        return _sigmoid(self.logit_covered(X))

    def p_mention(self, X: np.ndarray) -> np.ndarray:
        """Probability of at least a mention per feature row."""
        return _sigmoid(self._std(X) @ np.array(self.mention) + self.mention_bias)

    def levels(self, X: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Level and score (``p_covered``) per feature row."""
        pc, pm = self.p_covered(X), self.p_mention(X)
        out = [
            "covered" if c >= self.covered_at else "mentioned" if m >= self.mentioned_at else "missing"
            for c, m in zip(pc, pm, strict=True)
        ]
        return out, pc

    def explain(self, x: np.ndarray, k: int = 2) -> str:
        """The features that pushed one row's ``p_covered`` up most, e.g. ``name in text; paraphrase z 5.1``."""
        contrib = self._std(x[None, :])[0] * np.array(self.covered)
        parts = []
        for j in np.argsort(-contrib)[:k]:
            if contrib[j] <= 0:
                break
            name = self.features[j]
            v = float(x[j])
            parts.append(
                _EXPLAIN[name]
                if name.endswith("_hit") or name == "heading_term"
                else f"{_EXPLAIN[name]} {v:.2f}"
            )
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def fit_decision(
    X: np.ndarray, y: np.ndarray, *, backend: str, C: float = 1.0, source: str = ""
) -> DecisionModel:
    """Fit both regressions on feature rows ``X`` and labels ``y`` (0 missing, 1 mentioned, 2 covered).

    ``p_covered`` is fitted on covered vs missing cells (mentions are the
    ambiguous middle and left out); ``p_mention`` on any mention vs missing.
    Classes are balanced; the fit is deterministic.
    """
    from sklearn.linear_model import LogisticRegression

    X = np.asarray(X, np.float64)
    y = np.asarray(y)
    mean = X.mean(axis=0)
    scale = np.where(X.std(axis=0) > 1e-9, X.std(axis=0), 1.0)
    Z = (X - mean) / scale
    keep = y != 1
    cov = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(Z[keep], y[keep] == 2)
    men = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(Z, y >= 1)
    return DecisionModel(
        backend=backend,
        features=FEATURES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        covered=tuple(float(v) for v in cov.coef_[0]),
        covered_bias=float(cov.intercept_[0]),
        mention=tuple(float(v) for v in men.coef_[0]),
        mention_bias=float(men.intercept_[0]),
        source=source,
    )


@functools.cache
def _stored() -> dict[str, dict[str, Any]]:
    path = resources.files("plancompare") / "data" / "decision.yaml"
    try:
        return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("backends", {})
    except FileNotFoundError:
        return {}


def decision_for(backend: str) -> DecisionModel:
    """The stored model of ``backend``; others get the default backend's model, with a warning.

    Most features are z-scores against the background (the same scale for every
    backend), so the default model is a reasonable start; only the raw-cosine
    feature is on the wrong scale, and it is neutralised.
    """
    stored = _stored()
    if backend in stored:
        return _from_dict(stored[backend])
    if DEFAULT_BACKEND not in stored:
        raise RuntimeError(
            "plancompare/data/decision.yaml has no default model; run benchmarks/quality.py --fit"
        )
    warnings.warn(
        f"backend {backend!r} has no fitted coverage model; using the {DEFAULT_BACKEND} model on its "
        "background-relative features (fit one with benchmarks/quality.py --fit, docs/quality.md)",
        stacklevel=3,
    )
    base = _from_dict(stored[DEFAULT_BACKEND])
    i = base.features.index("cos_full")
    cov, men = list(base.covered), list(base.mention)
    cov[i] = men[i] = 0.0
    return DecisionModel(
        **{
            **base.as_dict(),
            "backend": backend,
            "covered": tuple(cov),
            "mention": tuple(men),
            "calibrated": False,
            "source": f"{DEFAULT_BACKEND} model, not fitted for this backend",
        }
    )


def _from_dict(d: dict[str, Any]) -> DecisionModel:
    d = dict(d)
    for k in ("features", "mean", "scale", "covered", "mention"):
        d[k] = tuple(d[k])
    if tuple(d["features"]) != FEATURES:
        raise RuntimeError(
            "data/decision.yaml was fitted on other features; refit with benchmarks/quality.py --fit"
        )
    return DecisionModel(**d)


def save_decisions(path: str, models: dict[str, DecisionModel], notes: list[str]) -> None:
    """Write fitted models in the format :func:`decision_for` reads (other backends' entries are kept)."""
    kept = {k: v for k, v in _stored().items() if k not in models}
    data = {"notes": notes, "backends": {**kept, **{k: m.as_dict() for k, m in models.items()}}}
    data["backends"] = dict(sorted(data["backends"].items()))
    for m in data["backends"].values():
        for k in ("features", "mean", "scale", "covered", "mention"):
            m[k] = [round(v, 6) if isinstance(v, float) else v for v in m[k]]
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, allow_unicode=True, sort_keys=False)
    _stored.cache_clear()
