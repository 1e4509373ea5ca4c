"""Change over time: how a region's plans differ from one year to the next."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from .coverage import _LEVEL_CODE, Coverage


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
