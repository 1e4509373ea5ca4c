"""Change over time: how a region's plans differ from one year to the next.

A timeline compares documents of one kind: a city's government work reports
with each other, its health commission's plans (工作要点 / 工作计划 / 工作报告 …)
with each other. Comparing a work report with a health plan would call every
theme the report does not detail "disappeared".
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from .coverage import _LEVEL_CODE, Coverage
from .model import Plan

log = logging.getLogger(__name__)
GOVERNMENT_REPORT = "政府工作报告"


def doc_family(plan: Plan) -> str:
    """The kind of document a timeline keeps together: ``政府工作报告`` or ``plan`` (a department's plans)."""
    return GOVERNMENT_REPORT if plan.doc_type == GOVERNMENT_REPORT else "plan"


def timeline_plans(plans: Sequence[Plan], region: str, doc_type: str | None = None) -> list[Plan]:
    """A region's plans of one kind, in year order.

    ``doc_type=None`` keeps the kind with most plans (ties: the kind of the
    latest plan) and logs what it left out; ``"all"`` keeps every kind;
    ``"政府工作报告"`` / ``"plan"`` or a document type (``"工作要点"``) choose.
    """
    chosen = [p for p in plans if region in (p.region, p.label)]
    if doc_type == "all":
        pass
    elif doc_type:
        chosen = [p for p in chosen if doc_type in (p.doc_type, doc_family(p))]
    else:
        counts: dict[str, int] = {}
        for p in chosen:
            counts[doc_family(p)] = counts.get(doc_family(p), 0) + 1
        if len(counts) > 1:
            latest = max(chosen, key=lambda p: (p.year or 0, p.id))
            keep = max(counts, key=lambda k: (counts[k], k == doc_family(latest)))
            left = [p.label for p in chosen if doc_family(p) != keep]
            log.info("timeline of %s compares %s documents; left out %s", region, keep, ", ".join(left))
            chosen = [p for p in chosen if doc_family(p) == keep]
    return sorted(chosen, key=lambda p: (p.year or 0, p.id))


def timeline_groups(plans: Sequence[Plan]) -> dict[tuple[str, str], list[Plan]]:
    """(region, kind) → plans in year order, for every region with one kind's plans from two or more years."""
    groups: dict[tuple[str, str], list[Plan]] = {}
    for p in plans:
        if p.region and p.year:
            groups.setdefault((p.region, doc_family(p)), []).append(p)
    out = {}
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda p: (p.year or 0, p.id))
        if len({p.year for p in members}) >= 2:
            out[key] = members
    return out


@dataclass(frozen=True)
class ThemeChange:
    """One theme's level in two consecutive plans of a region."""

    theme: str
    change: str  # "appeared" | "disappeared" | "strengthened" | "weakened"
    before_plan: str
    after_plan: str
    before_level: str
    after_level: str
    before_evidence: str
    after_evidence: str
    before_section: str = ""
    after_section: str = ""


@dataclass
class Timeline:
    """Levels of every theme across a region's plans in year order, and the changes between them."""

    plan_ids: list[str]
    plan_labels: dict[str, str]
    coverage: Coverage
    changes: list[ThemeChange] = field(default_factory=list)

    def to_frame(self):
        """Themes × years level table."""
        return self.coverage.to_frame().T

    def changes_frame(self):
        import pandas as pd

        return pd.DataFrame([c.__dict__ for c in self.changes])

    def __repr__(self) -> str:
        return (
            f"Timeline({' → '.join(self.plan_labels[p] for p in self.plan_ids)}: {len(self.changes)} changes)"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.theme)}</td><td>{c.change}</td><td>{c.before_level} → {c.after_level}</td>"
            f"<td>{html.escape(c.before_evidence[:80])}</td><td>{html.escape(c.after_evidence[:80])}</td></tr>"
            for c in self.changes
        )
        return (
            "<table><tr><th>theme</th><th>change</th><th>levels</th><th>before</th><th>after</th></tr>"
            f"{rows}</table>"
        )


def build_timeline(cov: Coverage, plan_ids: list[str]) -> Timeline:
    """Compare consecutive plans (``plan_ids`` in year order) theme by theme."""
    changes: list[ThemeChange] = []
    for before, after in zip(plan_ids, plan_ids[1:], strict=False):
        for t in cov.themes:
            a, b = cov.cells[(before, t.name)], cov.cells[(after, t.name)]
            da, db = _LEVEL_CODE[a.level], _LEVEL_CODE[b.level]
            if da == db:
                continue
            if da == 0:
                kind = "appeared"
            elif db == 0:
                kind = "disappeared"
            else:
                kind = "strengthened" if db > da else "weakened"
            changes.append(
                ThemeChange(
                    theme=t.name,
                    change=kind,
                    before_plan=before,
                    after_plan=after,
                    before_level=a.level,
                    after_level=b.level,
                    before_evidence=a.evidence[0].sentence if a.evidence else "",
                    after_evidence=b.evidence[0].sentence if b.evidence else "",
                    before_section=a.evidence[0].section_id if a.evidence else "",
                    after_section=b.evidence[0].section_id if b.evidence else "",
                )
            )
    order = {"appeared": 0, "disappeared": 1, "strengthened": 2, "weakened": 3}
    changes.sort(key=lambda c: (c.before_plan, order[c.change], c.theme))
    return Timeline(plan_ids, {p: cov.plan_labels[p] for p in plan_ids}, cov, changes)
