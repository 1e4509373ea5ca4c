"""Render a :class:`~plancompare.report.data.ReportData` as JSON (schema: docs/report-json.md)."""

from __future__ import annotations

import json
from typing import Any

from .data import ReportData

SCHEMA_VERSION = 1


def report_dict(data: ReportData) -> dict[str, Any]:
    """The JSON document as a dict: ``Coverage.to_dict()`` keys plus the report's tables.

    >>> report_dict(collect(plans))["schema_version"]     # doctest: +SKIP
    1
    """
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "title": data.title, "generated": data.generated}
    out.update(data.coverage)  # backend, plan_part, thresholds, plans, themes, cells
    out["plans"] = data.plans  # richer than Coverage.to_dict()'s id + label (a superset)
    out["summary"] = data.summary
    out["overview"] = [
        {"plan_id": r["plan_id"], "plan": r["plan"]}
        | {k: [{f: v for f, v in x.items() if f != "anchor"} for x in r[k]] for k in ("alone", "lacks")}
        for r in data.overview
    ]
    out["gaps"] = [
        {k: pair[k] for k in ("a", "b", "a_label", "b_label")}
        | {"gaps": [{k: v for k, v in g.items() if not k.endswith("anchor")} for g in pair["gaps"]]}
        for pair in data.pairs
    ]
    out["gap_counts"] = data.pair_counts
    out["unique"] = [
        {
            "plan_id": u["plan_id"],
            "plan": u["plan"],
            "themes": [{k: v for k, v in r.items() if k != "anchor"} for r in u["themes"]],
        }
        for u in data.unique
    ]
    out["discovered"] = [
        t | {"sections": [{k: v for k, v in s.items() if k != "anchor"} for s in t["sections"]]}
        for t in data.discovered
    ]
    out["targets"] = [
        {
            "theme": t["theme"],
            "plans": [
                {
                    "plan_id": pp["plan_id"],
                    "plan": pp["plan"],
                    "targets": [{k: v for k, v in x.items() if k != "anchor"} for x in pp["targets"]],
                }
                for pp in t["plans"]
            ],
        }
        for t in data.targets
    ]
    out["timeline"] = [
        tl | {"changes": [{k: v for k, v in c.items() if not k.endswith("anchor")} for c in tl["changes"]]}
        for tl in data.timelines
    ]
    out["methods"] = data.methods
    out["warnings"] = data.warnings
    out["failed"] = data.failed
    out["notes"] = data.notes
    return out


def render_json(data: ReportData) -> str:
    """The JSON text (UTF-8, Chinese kept readable, stable key order)."""
    return json.dumps(report_dict(data), ensure_ascii=False, indent=1) + "\n"
