"""Spreadsheet outputs: an Excel workbook with one sheet per table, or CSV files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from .data import ReportData
from .safe_io import atomic_group, spreadsheet_safe

if TYPE_CHECKING:
    import pandas as pd


def report_frames(data: ReportData) -> dict[str, pd.DataFrame]:
    """The report's tables as DataFrames, keyed by sheet name (stable order).

    >>> list(report_frames(collect(plans)))       # doctest: +SKIP
    ['coverage', 'evidence', 'gaps', 'unique', 'targets', 'discovered', 'timeline', 'plans', 'methods', 'warnings']
    """
    import pandas as pd

    labels = [p["label"] for p in data.plans]
    coverage = pd.DataFrame(
        [[c["level"] for c in r["cells"]] for r in data.heatmap],
        index=pd.Index([r["theme"] for r in data.heatmap], name="theme"),
        columns=labels,
    ).reset_index()
    evidence = pd.DataFrame(
        [
            {
                "theme": r["theme"],
                "group": r["group"],
                "plan": lab,
                "level": c["level"],
                "score": c["score"],
                "section": c["section"],
                "evidence": c["evidence"],
            }
            for r in data.heatmap
            for lab, c in zip(labels, r["cells"], strict=True)
        ]
    )
    gap_cols = [
        "pair",
        "theme",
        "covered_by",
        "other",
        "other_level",
        "section",
        "evidence",
        "other_section",
        "other_evidence",
        "score",
    ]
    gaps = pd.DataFrame(
        [{"pair": f"{p['a_label']} vs {p['b_label']}", **g} for p in data.pairs for g in p["gaps"]],
        columns=gap_cols,
    )
    unique = pd.DataFrame(
        [
            {
                "plan": u["plan"],
                "theme": r["theme"],
                "section": r["section"],
                "evidence": r["evidence"],
                "others": ", ".join(f"{k}: {v}" for k, v in r["others"].items()),
            }
            for u in data.unique
            for r in u["themes"]
        ],
        columns=["plan", "theme", "section", "evidence", "others"],
    )
    targets = pd.DataFrame(
        [
            {"theme": t["theme"], "plan": pp["plan"], **{k: v for k, v in x.items() if k != "anchor"}}
            for t in data.targets
            for pp in t["plans"]
            for x in pp["targets"]
        ],
        columns=["theme", "plan", "text", "value", "unit", "counts", "verb", "qualifier", "kind", "section"],
    )
    discovered = pd.DataFrame(
        [
            {
                "cluster": t["label"],
                "words": " ".join(t["words"]),
                "in": ", ".join(t["plans"]),
                "not_in": ", ".join(t["missing_from"]),
                "sections": "; ".join(f"{s['plan']} §{s['section']} {s['heading']}" for s in t["sections"]),
            }
            for t in data.discovered
        ],
        columns=["cluster", "words", "in", "not_in", "sections"],
    )
    timeline = pd.DataFrame(
        [
            {"region": tl["region"], **{k: v for k, v in c.items() if not k.endswith("anchor")}}
            for tl in data.timelines
            for c in tl["changes"]
        ],
        columns=[
            "region",
            "theme",
            "change",
            "before",
            "after",
            "before_level",
            "after_level",
            "before_evidence",
            "after_evidence",
        ],
    )
    plans = pd.DataFrame(data.plans)
    m = data.methods
    methods = pd.DataFrame(
        [
            ("backend", m["backend"]),
            ("model", m["model"]),
            ("calibrated", m["calibrated"]),
            ("threshold_source", m["threshold_source"]),
            ("plan_part", m["plan_part"]),
            ("themes", f"{m['themes']} from {m['theme_source']}"),
            ("date", m["date"]),
            ("plancompare_version", m["plancompare_version"]),
            ("baseline", m["baseline"] or ""),
        ]
        + [
            (f"threshold.{k}", v)
            for k, v in (m["thresholds"] or {}).items()
            if k not in ("calibrated", "source")
        ]
        + [(f"file.{f['plan_id']}", f"{f['path']} sha256={f['sha256']}") for f in m["files"]],
        columns=["key", "value"],
    )
    warnings = pd.DataFrame(
        [{"path": f["path"], "kind": "not-loaded", "message": f["problem"]} for f in data.failed]
        + [{"path": w["path"], "kind": w["kind"], "message": w["message"]} for w in data.warnings],
        columns=["path", "kind", "message"],
    )
    return {
        "coverage": coverage,
        "evidence": evidence,
        "gaps": gaps,
        "unique": unique,
        "targets": targets,
        "discovered": discovered,
        "timeline": timeline,
        "plans": plans,
        "methods": methods,
        "warnings": warnings,
    }


def write_xlsx(data: ReportData, path: Path) -> Path:
    """One workbook, one sheet per table (see :func:`report_frames`)."""
    import pandas as pd

    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in _safe_frames(data).items():
            df.map(_xlsx_cell).to_excel(xw, sheet_name=name, index=False)
            sheet = xw.sheets[name]
            sheet.freeze_panes = "A2"
            for col in sheet.columns:  # readable widths; long quotes capped
                width = max((len(str(c.value)) for c in col if c.value is not None), default=4)
                sheet.column_dimensions[col[0].column_letter].width = min(60, max(8, width * 1.6))
    return path


def write_csv(data: ReportData, path: Path) -> Path:
    """``path`` gets the plan × theme evidence table (one row per cell); the other tables go
    next to it as ``<stem>.<table>.csv`` (UTF-8 with BOM so Excel shows Chinese)."""
    frames = _safe_frames(data)
    sides = ("gaps", "unique", "targets", "discovered", "timeline", "plans", "warnings")
    targets = [path.with_name(f"{path.stem}.{name}.csv") for name in sides] + [path]
    with atomic_group(targets) as tmps:  # all eight files replaced together, or none
        for name, tmp in zip([*sides, "evidence"], tmps, strict=True):
            frames[name].to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl refuses them in a cell
_XLSX_MAX = 32_767  # Excel's cell limit: a longer one makes Excel "repair" the workbook


def _xlsx_cell(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = _XLSX_ILLEGAL.sub("", value)
    return value if len(value) <= _XLSX_MAX else value[: _XLSX_MAX - 1] + "…"


def _safe_frames(data: ReportData) -> dict[str, pd.DataFrame]:
    """The tables with every text cell made spreadsheet-safe (no live formulas), headers included."""
    out = {}
    for name, df in report_frames(data).items():
        safe = df.map(spreadsheet_safe)
        safe.columns = [spreadsheet_safe(c) for c in safe.columns]
        out[name] = safe
    return out
