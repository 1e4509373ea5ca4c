"""Theme coverage per plan: covered / mentioned / missing, with evidence.

The pipeline's last analytic stage, in three pieces with one job each:

* :mod:`plancompare.signals` — what each sentence says about each theme
  (background-relative semantic scores, derived terms on word boundaries);
* :mod:`plancompare.decision` — from a plan's features to a level and a
  probability (logistic regressions fitted per backend on labelled data);
* this module — runs both for a set of plans and holds the result
  (:class:`Coverage`), with evidence sentences and quantitative targets.

The score of a cell is ``p_covered`` (0–1): covered at ≥ 0.5. Evidence
sentences are ranked by the same model applied to each sentence alone, so the
quoted sentence is the one the decision leans on.
"""

from __future__ import annotations

import contextlib
import gc
import html
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from .calibration import CoverageThresholds
from .decision import DecisionModel, decision_for
from .model import Evidence, Plan, PlanPart, Target, Theme, ThemeCoverage
from .signals import (
    PlanSignals,
    Unit,
    compute_signals,
    plan_features,
    plan_units,
    terms_of,
    theme_queries,
    units_features,
)
from .terms import ThemeTerms, theme_terms

__all__ = ["Coverage", "compute_coverage", "plan_units", "theme_queries", "Unit", "LEVELS"]

EncodeFn = Callable[[list[str], Literal["query", "passage"]], np.ndarray]
LEVELS: tuple[str, ...] = ("covered", "mentioned", "missing")
_LEVEL_CODE = {"covered": 2, "mentioned": 1, "missing": 0}


@dataclass
class Coverage:
    """Plan × theme coverage with evidence, like BERTopic's ``topics_per_class``.

    >>> cov = plans.coverage()                      # doctest: +SKIP
    >>> cov.to_frame()                              # doctest: +SKIP
    >>> cov.gaps("003_21384b622973756d", "002_7a622e524e24148d")  # doctest: +SKIP
    >>> cov.unique_to("004_73bd3943b8d95550")       # doctest: +SKIP
    """

    plan_ids: list[str]
    plan_labels: dict[str, str]
    themes: list[Theme]
    cells: dict[tuple[str, str], ThemeCoverage]
    backend: str = ""
    thresholds: CoverageThresholds | None = None
    plan_part: str = "plan"
    meta: dict[str, object] = field(default_factory=dict)
    decision: DecisionModel | None = None
    terms: dict[str, ThemeTerms] = field(default_factory=dict)

    # -- access -----------------------------------------------------------------
    def _pid(self, plan: str) -> str:
        if plan in self.plan_labels:
            return plan
        hits = [p for p, lab in self.plan_labels.items() if lab == plan]
        if len(hits) == 1:
            return hits[0]
        raise KeyError(f"unknown plan {plan!r}; known: {', '.join(self.plan_ids)}")

    def cell(self, plan: str, theme: str) -> ThemeCoverage:
        """The :class:`ThemeCoverage` for one plan (id or label) and theme name."""
        return self.cells[(self._pid(plan), theme)]

    def level(self, plan: str, theme: str) -> str:
        return self.cell(plan, theme).level

    @property
    def theme_names(self) -> list[str]:
        return [t.name for t in self.themes]

    # -- tables -----------------------------------------------------------------
    def to_frame(self, values: Literal["level", "score"] = "level", *, labels: bool = True):
        """Plans × themes DataFrame of levels (or scores). Rows are plan labels (or ids)."""
        import pandas as pd

        data = {
            t.name: [getattr(self.cells[(p, t.name)], values) for p in self.plan_ids] for t in self.themes
        }
        index = [self.plan_labels[p] for p in self.plan_ids] if labels else list(self.plan_ids)
        return pd.DataFrame(data, index=pd.Index(index, name="plan"))

    def to_long(self):
        """Tidy DataFrame: one row per plan × theme with the best evidence."""
        import pandas as pd

        rows = []
        for p in self.plan_ids:
            for t in self.themes:
                c = self.cells[(p, t.name)]
                ev = c.evidence[0] if c.evidence else None
                rows.append(
                    {
                        "plan_id": p,
                        "plan": self.plan_labels[p],
                        "theme": t.name,
                        "group": t.group,
                        "level": c.level,
                        "score": round(c.score, 4),
                        "rule": c.rule,
                        "section": ev.section_id if ev else "",
                        "evidence": ev.sentence if ev else "",
                        "targets": "; ".join(x.text for x in c.targets),
                    }
                )
        return pd.DataFrame(rows)

    def gaps(self, a: str, b: str, *, strict: bool = False):
        """Themes covered by one plan and not by the other, with evidence.

        A row says which side covers the theme (``covered_by``), the other
        side's level, and the covering side's best evidence. With
        ``strict=True`` only covered-vs-missing gaps are listed (not
        covered-vs-mentioned).
        """
        import pandas as pd

        pa, pb = self._pid(a), self._pid(b)
        rows = []
        for t in self.themes:
            ca, cb = self.cells[(pa, t.name)], self.cells[(pb, t.name)]
            for cov, other in ((ca, cb), (cb, ca)):
                if cov.level != "covered" or other.level == "covered":
                    continue
                if strict and other.level != "missing":
                    continue
                ev = cov.evidence[0] if cov.evidence else None
                oev = other.evidence[0] if other.evidence else None
                rows.append(
                    {
                        "theme": t.name,
                        "covered_by": self.plan_labels[cov.plan_id],
                        "covered_by_id": cov.plan_id,
                        "other": self.plan_labels[other.plan_id],
                        "other_level": other.level,
                        "section": ev.section_id if ev else "",
                        "evidence": ev.sentence if ev else "",
                        "other_evidence": oev.sentence if oev else "",
                        "score": round(cov.score, 4),
                    }
                )
        cols = [
            "theme",
            "covered_by",
            "covered_by_id",
            "other",
            "other_level",
            "section",
            "evidence",
            "other_evidence",
            "score",
        ]
        return pd.DataFrame(rows, columns=cols)

    def unique_to(self, plan: str, *, allow_mentioned: bool = True):
        """Themes ``plan`` covers that no other plan covers.

        With ``allow_mentioned=False`` the others must miss it entirely.
        """
        import pandas as pd

        pid = self._pid(plan)
        others = [p for p in self.plan_ids if p != pid]
        rows = []
        for t in self.themes:
            c = self.cells[(pid, t.name)]
            if c.level != "covered":
                continue
            lv = [self.cells[(o, t.name)].level for o in others]
            if any(x == "covered" for x in lv) or (not allow_mentioned and any(x != "missing" for x in lv)):
                continue
            ev = c.evidence[0] if c.evidence else None
            rows.append(
                {
                    "theme": t.name,
                    "section": ev.section_id if ev else "",
                    "evidence": ev.sentence if ev else "",
                    "others": ", ".join(
                        f"{self.plan_labels[o]}: {x}" for o, x in zip(others, lv, strict=True)
                    ),
                }
            )
        return pd.DataFrame(rows, columns=["theme", "section", "evidence", "others"])

    def targets_frame(self, theme: str | None = None):
        """Quantitative targets per theme and plan, side by side (review figures labelled ``achieved``)."""
        import pandas as pd

        rows = []
        for t in self.themes:
            if theme is not None and t.name != theme:
                continue
            for p in self.plan_ids:
                for x in self.cells[(p, t.name)].targets:
                    rows.append(
                        {
                            "theme": t.name,
                            "plan": self.plan_labels[p],
                            "kind": x.kind,
                            "counts": x.counts,
                            "value": x.value,
                            "unit": x.unit,
                            "qualifier": x.qualifier,
                            "text": x.text,
                            "section": x.section_id,
                        }
                    )
        return pd.DataFrame(
            rows, columns=["theme", "plan", "kind", "counts", "value", "unit", "qualifier", "text", "section"]
        )

    def summary(self):
        """Counts of covered / mentioned / missing themes per plan."""
        df = self.to_frame()
        return (
            df.apply(lambda r: r.value_counts(), axis=1).reindex(columns=list(LEVELS)).fillna(0).astype(int)
        )

    def plot(self, **kwargs):
        """Heatmap of levels (matplotlib Figure); see :func:`plancompare.plot.plot_coverage`."""
        from .plot import plot_coverage

        return plot_coverage(self, **kwargs)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (schema documented in docs/report-json.md)."""
        return {
            "backend": self.backend,
            "plan_part": self.plan_part,
            "thresholds": self.thresholds.as_dict() if self.thresholds else None,
            "decision": self.decision.as_dict() if self.decision else None,
            "plans": [{"id": p, "label": self.plan_labels[p]} for p in self.plan_ids],
            "themes": [
                {
                    "name": t.name,
                    "name_en": t.name_en,
                    "group": t.group,
                    "description": t.description,
                    "terms": self.terms[t.name].as_dict() if t.name in self.terms else None,
                }
                for t in self.themes
            ],
            "cells": [
                {
                    "plan_id": c.plan_id,
                    "theme": c.theme,
                    "level": c.level,
                    "score": round(c.score, 4),
                    "rule": c.rule,
                    "evidence": [
                        {
                            "section_id": e.section_id,
                            "sentence": e.sentence,
                            "span": list(e.span),
                            "score": round(e.score, 4),
                        }
                        for e in c.evidence
                    ],
                    "targets": [
                        {
                            "value": x.value,
                            "unit": x.unit,
                            "counts": x.counts,
                            "verb": x.verb,
                            "qualifier": x.qualifier,
                            "text": x.text,
                            "kind": x.kind,
                            "section_id": x.section_id,
                        }
                        for x in c.targets
                    ],
                }
                for p in self.plan_ids
                for t in self.themes
                for c in [self.cells[(p, t.name)]]
            ],
        }

    def __repr__(self) -> str:
        return f"Coverage({len(self.plan_ids)} plans × {len(self.themes)} themes, backend={self.backend!r})"

    def _repr_html_(self) -> str:
        colors = {"covered": "#1b7837", "mentioned": "#f1a340", "missing": "#eeeeee"}
        marks = {"covered": "●", "mentioned": "◐", "missing": "·"}
        head = "".join(f"<th>{html.escape(self.plan_labels[p])}</th>" for p in self.plan_ids)
        body = []
        for t in self.themes:
            tds = []
            for p in self.plan_ids:
                c = self.cells[(p, t.name)]
                tip = html.escape(c.evidence[0].sentence if c.evidence else "")
                tds.append(
                    f"<td title='{tip}' style='text-align:center;color:{colors[c.level]}'>"
                    f"{marks[c.level]} {c.level}</td>"
                )
            body.append(f"<tr><th style='text-align:left'>{html.escape(t.name)}</th>{''.join(tds)}</tr>")
        return (
            f"<div><small>backend {html.escape(self.backend)}; hover a cell for its evidence</small>"
            f"<table><tr><th>theme</th>{head}</tr>{''.join(body)}</table></div>"
        )


def compute_coverage(
    plans: Sequence[Plan],
    themes: Sequence[Theme],
    encode: EncodeFn,
    thresholds: CoverageThresholds | None = None,
    *,
    backend: str = "",
    decision: DecisionModel | None = None,
    plan_part: PlanPart = "plan",
    extract_targets: Callable[[str, int, str], list[Target]] | None = None,
    max_evidence: int = 3,
) -> Coverage:
    """Decide the coverage level of every plan × theme.

    ``encode(texts, kind)`` must return L2-normalised rows (see
    ``embed.encode_texts``). ``decision`` defaults to the model fitted for
    ``backend``. ``extract_targets(sentence, offset, kind)`` — if given —
    attaches quantitative targets from the evidence sentences.
    """
    model = decision or decision_for(backend or "use-m3")
    cells: dict[tuple[str, str], ThemeCoverage] = {}
    with _cycle_gc_paused():
        signals = compute_signals(plans, themes, encode, plan_part=plan_part)
        for plan, sig in zip(plans, signals, strict=True):
            for theme, cell in zip(
                themes, decide_plan(plan.id, themes, sig, model, extract_targets, max_evidence), strict=True
            ):
                cells[(plan.id, theme.name)] = cell
        terms = terms_of(themes, signals[0] if signals else None)
        # freed while the collector still sleeps: the first collection after it wakes traverses
        # every object allocated meanwhile that is still alive (half a second at 646 reports
        # when the signals were among them)
        signals = sig = None  # type: ignore[assignment]
    return Coverage(
        plan_ids=[p.id for p in plans],
        plan_labels=_unique_labels(plans),
        themes=list(themes),
        cells=cells,
        backend=backend,
        thresholds=thresholds,
        plan_part=plan_part,
        decision=model,
        terms=terms,
    )


@contextlib.contextmanager
def _cycle_gc_paused() -> Iterator[None]:
    """Python's cycle collector paused for the duration.

    Coverage allocates millions of small objects (sentences, term hits, tuples),
    each batch of which set off a collection, and every tenth of those a full one
    over the whole heap: 2 of 17 CPU seconds at 646 reports. Nothing it builds
    is cyclic (a collection afterwards finds ~1,000 objects, the model none), so
    memory does not grow; reference counting frees everything as before.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def decide_plan(
    plan_id: str,
    themes: Sequence[Theme],
    sig: PlanSignals,
    model: DecisionModel,
    extract_targets: Callable[[str, int, str], list[Target]] | None = None,
    max_evidence: int = 3,
) -> list[ThemeCoverage]:
    """The level of every theme in one plan (the columns of ``sig``, in order), with evidence."""
    X = plan_features(sig)
    levels, scores = model.levels(X)
    live = [ti for ti, level in enumerate(levels) if level != "missing"] if sig.units else []
    unit_p = np.zeros((len(live), len(sig.units)))
    if live:
        # the features of every live theme at once; the model per theme, on the same rows as
        # before (one product over all themes rounds differently in the last bit)
        F = units_features(sig, live)
        unit_p = np.stack([model.p_covered(F[k]) for k in range(len(live))])
    # rounded so that ties (float noise of the BLAS in use) go to the earlier sentence
    ranked = np.argsort(-np.round(unit_p, 4), axis=1, kind="stable")[:, :max_evidence]
    row = {ti: k for k, ti in enumerate(live)}
    cells: list[ThemeCoverage] = []
    chosen: dict[int, list[int]] = {}
    u = sig.units
    for ti, theme in enumerate(themes):
        level, score = levels[ti], float(scores[ti])
        rule = model.explain(X[ti]) if level != "missing" else ""
        if ti not in row:
            cells.append(ThemeCoverage(plan_id, theme.name, level, score, rule=rule))  # type: ignore[arg-type]
            continue
        p = unit_p[row[ti]]
        best = ranked[row[ti]].tolist()
        # sentences that would cover the theme on their own give its targets, the evidence too
        chosen[ti] = sorted(set(best) | set(np.flatnonzero(p >= model.covered_at).tolist()))
        evidence = tuple(
            Evidence(plan_id, u[i].section_id, u[i].text, u[i].span, float(p[i]), u[i].part)  # type: ignore[arg-type]
            for i in best
        )
        cells.append(ThemeCoverage(plan_id, theme.name, level, score, evidence, rule=rule))  # type: ignore[arg-type]
    if extract_targets:
        cells = _attach_targets(plan_id, themes, sig, cells, chosen, extract_targets)
    return cells


def _attach_targets(
    plan_id: str,
    themes: Sequence[Theme],
    sig: PlanSignals,
    cells: list[ThemeCoverage],
    chosen: dict[int, list[int]],
    extract_targets: Callable[[str, int, str], list[Target]],
) -> list[ThemeCoverage]:
    """Give each covered theme the targets of its covering sentences that are about it.

    One sentence often commits to several themes and lists several figures
    (``…儿童专科医院100%…中医馆…``); :func:`plancompare.attribution.attribute_targets`
    gives a figure to a theme only when the figure's own clause is about it.
    """
    from .attribution import attribute_targets

    claims: dict[int, list[int]] = {}
    for ti, c in enumerate(cells):
        if c.level == "covered":
            for i in chosen.get(ti, []):
                if sig.hits[ti][i]:
                    claims.setdefault(i, []).append(ti)
    got: dict[int, list[Target]] = {}
    for i in sorted(claims):
        u = sig.units[i]
        kind = "achieved" if u.part == "review" else "target"
        found = extract_targets(u.text, u.span[0], kind)
        if not found:
            continue
        by_name = {themes[ti].name: ti for ti in claims[i]}
        per = attribute_targets(
            u.text,
            u.span[0],
            {n: _attribution_terms(themes[ti], sig.hits[ti][i]) for n, ti in by_name.items()},
            found,
        )
        for name, ts in per.items():
            got.setdefault(by_name[name], []).extend(_with_place(t, plan_id, u.section_id) for t in ts)
    return [replace(c, targets=tuple(got[ti])) if ti in got else c for ti, c in enumerate(cells)]


def _attribution_terms(theme: Theme, hits: tuple[str, ...]) -> tuple[str, ...]:
    """The terms that may claim a figure for ``theme`` in a sentence.

    A theme with keywords claims with its name and keywords only: words derived
    from a name (儿童 of 儿童青少年健康) say a sentence is near a theme, but are
    too broad to decide which theme a figure belongs to. A theme given by name and
    description alone has nothing better than its derived words.
    """
    if not theme.keywords:
        return hits
    strong = theme_terms(theme).name
    return tuple(h for h in hits if h in strong)


def _with_place(t: Target, plan_id: str, section_id: str) -> Target:
    return replace(t, plan_id=plan_id, section_id=section_id)


def _unique_labels(plans: Sequence[Plan]) -> dict[str, str]:
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for p in plans:
        seen[p.label] = seen.get(p.label, 0) + 1
    for p in plans:
        labels[p.id] = p.label if seen[p.label] == 1 else f"{p.label} ({p.id})"
    return labels
