"""Matplotlib figures with a CJK font: the plan × theme coverage heatmap.

>>> fig = plans.coverage().plot()                  # doctest: +SKIP
>>> fig.savefig("coverage.png", dpi=150)           # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .coverage import Coverage

__all__ = ["LEVEL_COLORS", "auto_figsize", "cjk_font", "grouped_theme_names", "plot_coverage"]

# Same three colours as the HTML report and Coverage._repr_html_.
LEVEL_COLORS: dict[str, str] = {"covered": "#1b7837", "mentioned": "#f1a340", "missing": "#eeeeee"}
_CODE = {"missing": 0, "mentioned": 1, "covered": 2}

# Preferred first: Simplified Chinese faces, then any CJK face found on Linux, macOS and Windows.
_CJK_CANDIDATES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Microsoft YaHei",
    "SimHei",
    "SimSun",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font that has Chinese glyphs, or ``None`` (warned once).

    >>> cjk_font()                                   # doctest: +SKIP
    'Noto Sans CJK SC'
    """
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in _CJK_CANDIDATES:
        if name in installed:
            return name
    # any other face whose name says CJK / Chinese
    for name in sorted(installed):
        low = name.lower()
        if any(k in low for k in ("cjk", "hei", "song", "ming", "kai", "wenquanyi", "han sans")):
            return name
    warnings.warn(
        "no CJK font found for matplotlib; Chinese labels will show as boxes. "
        "Install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) and delete matplotlib's font cache.",
        stacklevel=3,
    )
    return None


def _font_kwargs() -> dict[str, Any]:
    name = cjk_font()
    return {"fontfamily": [name, "DejaVu Sans"]} if name else {}


# Above this many plans the columns lose their labels and the figure stops growing:
# an uncapped 646-plan heatmap was 78,408 px wide and took 4.75 GB to draw.
MAX_LABELLED_PLANS = 40
MAX_FIGSIZE = (16.0, 20.0)  # inches; at the report's 110 dpi at most 1760 × 2200 px


def grouped_theme_names(cov: Coverage) -> list[str]:
    """Theme names grouped by theme group (groups in order of first appearance, themes in
    taxonomy order inside a group): the row order of the heatmap figure and of the HTML report.

    >>> grouped_theme_names(cov)[:3]                 # doctest: +SKIP
    ['托育', '安宁疗护', '医养结合']
    """
    rank = {g: i for i, g in enumerate(dict.fromkeys(t.group for t in cov.themes))}
    return [t.name for t in sorted(cov.themes, key=lambda t: rank[t.group])]


def auto_figsize(cov: Coverage) -> tuple[float, float]:
    """A figure size (inches) that gives every theme row and plan column room for its label,
    capped at :data:`MAX_FIGSIZE` (beyond :data:`MAX_LABELLED_PLANS` plans columns are unlabelled)."""
    n = len(cov.plan_ids)
    width = 2.2 + 1.1 * n if n <= MAX_LABELLED_PLANS else 2.2 + 0.02 * n
    return (
        min(MAX_FIGSIZE[0], max(4.0, width)),
        min(MAX_FIGSIZE[1], max(3.0, 1.4 + 0.26 * len(cov.themes))),
    )


def plot_coverage(
    cov: Coverage, *, ax: Axes | None = None, figsize: tuple[float, float] | None = None
) -> Figure:
    """Heatmap of a :class:`~plancompare.coverage.Coverage`: themes down, plans across.

    Three discrete colours: covered (green), mentioned (orange), missing
    (grey). Rows follow :func:`grouped_theme_names` (the HTML report's order);
    above :data:`MAX_LABELLED_PLANS` plans the columns are unlabelled. Labels
    use an installed CJK font (a warning is issued once if there is none).
    Returns the Figure; pass ``ax`` to draw into your own.

    >>> fig = plot_coverage(cov, figsize=(6, 12))   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    themes = grouped_theme_names(cov)
    plans = list(cov.plan_ids)
    data = np.array([[_CODE[cov.cells[(p, t)].level] for p in plans] for t in themes], dtype=float).reshape(
        len(themes), len(plans)
    )
    font = _font_kwargs()
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize or auto_figsize(cov), layout="constrained")
    else:
        fig = ax.figure  # type: ignore[assignment]
    cmap = ListedColormap([LEVEL_COLORS["missing"], LEVEL_COLORS["mentioned"], LEVEL_COLORS["covered"]])
    norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5], cmap.N)
    ax.imshow(
        data if data.size else np.zeros((1, 1)), cmap=cmap, norm=norm, aspect="auto", interpolation="none"
    )
    if len(plans) <= MAX_LABELLED_PLANS:
        ax.set_xticks(range(len(plans)))
        ax.set_xticklabels([cov.plan_labels[p] for p in plans], rotation=35, ha="right", fontsize=9, **font)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(plans)} plans (in report order)", fontsize=9, **font)
    ax.set_yticks(range(len(themes)))
    ax.set_yticklabels(themes, fontsize=8, **font)
    ax.tick_params(length=0)
    # thin white grid between cells
    ax.set_xticks(np.arange(-0.5, len(plans), 1) if len(plans) <= MAX_LABELLED_PLANS else [], minor=True)
    ax.set_yticks(np.arange(-0.5, len(themes), 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1)
    ax.tick_params(which="minor", length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    handles = [
        Patch(facecolor=LEVEL_COLORS[k], edgecolor="#999999", label=k)
        for k in ("covered", "mentioned", "missing")
    ]
    legend_font: dict[str, Any] = {"size": 8}
    if font:
        legend_font["family"] = font["fontfamily"]
    # legend in a row just above the plot, title above the legend
    ax.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3,
        frameon=False,
        prop=legend_font,
        borderaxespad=0.2,
    )
    title = f"Theme coverage ({cov.backend})" if cov.backend else "Theme coverage"
    ax.set_title(title, fontsize=10, pad=20, **font)
    return fig  # type: ignore[return-value]
