"""Gap reports: HTML (one self-contained file), Markdown, JSON, Excel and CSV.

>>> import plancompare as pc
>>> plans = pc.load_plans("seeds")                           # doctest: +SKIP
>>> pc.write_report(plans, "report.html")                    # doctest: +SKIP
PosixPath('report.html')
>>> pc.write_report(plans, "gaps.md", baseline="深圳市 2025")  # doctest: +SKIP

All formats render the same collected data (:func:`~plancompare.report.data.collect`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..coverage import Coverage
    from ..model import Plan
    from ..planset import PlanSet

__all__ = ["FORMATS", "write_report"]

FORMATS = {
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
    ".xlsx": "xlsx",
    ".csv": "csv",
}


def write_report(
    plans_or_planset: PlanSet | Iterable[Plan] | str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    coverage: Coverage | None = None,
    themes: Any = None,
    baseline: str | None = None,
    fmt: str | None = None,
    discovery: bool = True,
    figure: bool = True,
    title: str = "",
    mode: str = "auto",
) -> Path:
    """Write a gap report and return its path.

    plans_or_planset: a :class:`~plancompare.planset.PlanSet`, a list of
        :class:`~plancompare.model.Plan`, or a directory / file path to load.
    coverage: reuse a computed :class:`~plancompare.coverage.Coverage`
        (otherwise it is computed for ``themes``, the built-in taxonomy by default).
    baseline: plan id or label; gap tables then compare every plan with it
        instead of every pair.
    fmt: ``"html"``, ``"md"``, ``"json"``, ``"xlsx"`` or ``"csv"``; by default
        taken from the extension of ``out_path``.
    discovery: cluster sections to list themes present in some plans only.
    figure: embed the matplotlib heatmap PNG in the HTML report.
    mode: ``"full"``, ``"summary"`` (theme counts, top gaps and one collapsed part per
        plan, for many plans) or ``"auto"``: summary above 20 plans.

    >>> write_report(plans, "out/report.json", baseline="深圳市 2025")   # doctest: +SKIP
    PosixPath('out/report.json')
    """
    from ..coverage import _cycle_gc_paused
    from ..planset import PlanSet, load_plans
    from .data import collect

    out = Path(out_path)
    kind = (fmt or FORMATS.get(out.suffix.lower(), "")).lower().lstrip(".")
    kind = {"htm": "html", "markdown": "md"}.get(kind, kind)
    if kind not in set(FORMATS.values()):
        raise ValueError(
            f"{out}: unknown report format {fmt or out.suffix or '(no extension)'!r}; "
            "use .html, .md, .json, .xlsx or .csv"
        )
    from .safe_io import atomic_write, atomic_write_text, check_output_path

    check_output_path(out)  # before the computation: a bad path must not cost the run
    if isinstance(plans_or_planset, PlanSet):
        planset = plans_or_planset
    elif isinstance(plans_or_planset, str | os.PathLike):
        planset = load_plans(plans_or_planset)
    else:
        planset = PlanSet(plans_or_planset)
    # the cycle collector paused, as in coverage: collecting and rendering build hundreds of
    # thousands of small dicts and strings, and each batch of them set off collections over
    # the whole heap (two thirds of a 646-report run's report time); a collection afterwards
    # finds ~1,400 objects (jinja2's), so memory does not grow
    with _cycle_gc_paused():
        data = collect(
            planset,
            coverage=coverage,
            themes=themes,
            baseline=baseline,
            discovery=discovery,
            title=title,
            mode=mode,
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        try:  # every file goes to a temporary name first: a failed write keeps the old report
            if kind == "html":
                from .html import render_html

                atomic_write_text(out, render_html(data, coverage=data.source, figure=figure))
            elif kind == "md":
                from .markdown import render_markdown

                atomic_write_text(out, render_markdown(data))
            elif kind == "json":
                from .jsonout import render_json

                atomic_write_text(out, render_json(data))
            elif kind == "xlsx":
                from .tables import write_xlsx

                atomic_write(out, lambda tmp: write_xlsx(data, tmp))
            else:
                from .tables import write_csv

                write_csv(data, out)
        except (OSError, *_serialisation_errors()) as e:  # lxml (xlsx) reports EFBIG/ENOSPC its own way
            from ..errors import ReportWriteError

            raise ReportWriteError(
                out,
                f"could not write the report ({getattr(e, 'strerror', None) or e}); "
                "any earlier report there is unchanged",
            ) from e
    return out


def _serialisation_errors() -> tuple[type[Exception], ...]:
    try:
        from lxml.etree import SerialisationError
    except ImportError:
        return ()
    return (SerialisationError,)
