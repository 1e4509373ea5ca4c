"""Render a :class:`~plancompare.report.data.ReportData` as one self-contained HTML file.

No CDN, no external scripts, styles or fonts: CSS and the one small script
are inline and the optional heatmap PNG is embedded as base64, so the file
can be mailed or archived as is.
"""

from __future__ import annotations

import base64
import io
import os
from typing import TYPE_CHECKING

from .data import OVERVIEW_SHOWN, SUMMARY_ABOVE, ReportData, threshold_text

if TYPE_CHECKING:
    from ..coverage import Coverage


def render_html(data: ReportData, *, coverage: Coverage | None = None, figure: bool = True) -> str:
    """The report as an HTML string; ``figure=True`` embeds the matplotlib heatmap as a PNG.

    >>> html = render_html(collect(plans))        # doctest: +SKIP
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("plancompare", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["basename"] = lambda p: os.path.basename(str(p)) if p else ""
    env.globals["threshold_text"] = threshold_text
    from ..discover import MIN_COHERENCE

    # the summary layout draws its own plans × themes grid; the PNG is for plan columns
    png = _heatmap_png(coverage) if (figure and coverage is not None and data.mode == "full") else ""
    return env.get_template("report.html.j2").render(
        d=data,
        heatmap_png=png,
        shown=OVERVIEW_SHOWN,
        group_of={t["name"]: t["group"] for t in data.themes},
        min_coherence=MIN_COHERENCE,
        summary_above=SUMMARY_ABOVE,
        summary_of={s["plan_id"]: s for s in data.summary},
        top_gaps=_top_gaps(data),
        grid_class={"covered": "c", "mentioned": "m", "missing": "x"},
        file_name={p["file"]: p["file_name"] for p in data.plans},
        change_kinds=("appeared", "disappeared", "strengthened", "weakened"),
    )


def _top_gaps(data: ReportData, n: int = 15) -> list[dict]:
    """Themes most plans cover that some do not: the widest-shared first."""
    half = len(data.plans) / 2
    rows = [t for t in data.theme_stats if t["covered"] >= half and t["lacking"]]
    return sorted(rows, key=lambda t: -t["covered"])[:n]


def _heatmap_png(coverage: Coverage) -> str:
    # a bare Figure (no pyplot) so a notebook's backend and open figures are left alone
    from matplotlib.figure import Figure

    from ..plot import auto_figsize, plot_coverage

    fig = Figure(figsize=auto_figsize(coverage), layout="constrained")
    plot_coverage(coverage, ax=fig.add_subplot())
    buf = io.BytesIO()
    # no software/date metadata so the same input gives the same bytes
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")
