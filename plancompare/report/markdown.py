"""Render a :class:`~plancompare.report.data.ReportData` as compact Markdown (for pasting into notes or issues)."""

from __future__ import annotations

import os
import re

from .data import ReportData, threshold_text
from .safe_io import md_escape

_MARK = {"covered": "●", "mentioned": "◐", "missing": "·"}


def _cell(text: object) -> str:
    """A table cell: no pipes, newlines or raw HTML."""
    return md_escape(text).replace("|", "\\|").replace("\n", " ").strip()


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return out + [""]


def _code(text: object) -> str:
    """Inline code that no backtick in ``text`` can close early (and no newline can break)."""
    t = str(text).replace("\n", " ")
    fence = "`" * (max((len(r) for r in re.findall("`+", t)), default=0) + 1)
    return f"{fence} {t} {fence}" if fence != "`" else f"`{t}`"


def _sec(plan_id: str, section: str, anchor: str) -> str:
    return f"[§{section}](#{anchor})" if anchor else ""


def _overview(data: ReportData) -> list[str]:
    """The summary: per plan, themes only it covers and themes it lacks, each with a quote and § link."""
    base = md_escape(data.methods["baseline"]) if data.methods["baseline"] else None
    head = (
        f"## What each plan does that {base} does not, and the reverse"
        if base
        else "## What each plan does that the others do not"
    )
    alone_t, lacks_t = (
        (f"covers, {base} does not", f"{base} covers, it does not") if base else ("only it covers", "lacks")
    )
    lines = [head, ""]

    def line(x: dict, lacks: bool) -> str:
        share = f" ({x['covered_by']}/{x['of']})" if lacks and not base else ""
        where = f" {md_escape(x['from'])} [§{md_escape(x['section'])}](#{x['anchor']})" if x["anchor"] else ""
        quote = f" “{md_escape(x['evidence'])}”" if x["evidence"] else ""
        return f"  - **{md_escape(x['theme'])}**{share}{where}{quote}"

    for r in data.overview:
        lines.append(f"- **{md_escape(r['plan'])}** — {alone_t}: {len(r['alone'])}; {lacks_t}: {len(r['lacks'])}")
        lines += [line(x, False) for x in r["alone"]] + [line(x, True) for x in r["lacks"]]
    return lines + [""]


def render_markdown(data: ReportData) -> str:
    """The report as Markdown; section links point at the appendix headings' anchors.

    >>> print(render_markdown(collect(plans))[:40])   # doctest: +SKIP
    # Plan comparison: 5 plans × 57 themes
    """
    m = data.methods
    lines = [
        f"# {md_escape(data.title)}",
        "",
        f"Generated {data.generated} · plancompare {m['plancompare_version']} · backend `{m['backend']}`"
        + ("" if m["calibrated"] else " (uncalibrated thresholds)")
        + f" · plan part: {m['plan_part']}"
        + (f" · baseline: {md_escape(m['baseline'])}" if m["baseline"] else ""),
        "",
    ]
    lines += [f"> {md_escape(n)}" for n in data.notes] + ([""] if data.notes else [])
    lines += _overview(data)
    lines += ["## Plans", ""]
    lines += _table(
        ["label", "region", "level", "year", "type", "parts/items", "file", "sha256"],
        [
            [
                p["label"],
                p["region"],
                p["admin_level"],
                p["year"] or "",
                p["doc_type"],
                f"{p['parts']}/{p['items']}",
                os.path.basename(p["file"]),
                p["sha256"][:12],
            ]
            for p in data.plans
        ],
    )
    lines += ["## Theme coverage", "", "● covered · ◐ mentioned · `·` missing", ""]
    lines += _table(
        ["theme", *[p["label"] for p in data.plans]],
        [[r["theme"], *[_MARK[c["level"]] for c in r["cells"]]] for r in data.heatmap]
        + [
            [
                "**covered/mentioned/missing**",
                *[f"{s['covered']}/{s['mentioned']}/{s['missing']}" for s in data.summary],
            ]
        ],
    )
    lines += ["## Gaps between plans", ""]
    if data.pair_counts:
        labels = data.pair_counts["labels"]
        lines += ["Gap counts (row covers, column does not):", ""]
        lines += _table(
            ["", *labels], [[labels[i], *row] for i, row in enumerate(data.pair_counts["counts"])]
        )
    for pair in data.pairs:
        lines += [
            f"### {md_escape(pair['a_label'])} vs {md_escape(pair['b_label'])} ({len(pair['gaps'])} gaps)",
            "",
        ]
        if not pair["gaps"]:
            lines += ["No gaps.", ""]
            continue
        lines += _table(
            ["theme", "covered by", "other", "evidence"],
            [
                [
                    g["theme"],
                    g["covered_by"],
                    f"{g['other']}: {g['other_level']}",
                    f"{g['evidence']} {_sec(g['covered_by_id'], g['section'], g['anchor'])}",
                ]
                for g in pair["gaps"]
            ],
        )
    lines += ["## Unique to one plan", ""]
    for u in data.unique:
        names = ", ".join(
            f"{md_escape(r['theme'])} ({_sec(u['plan_id'], r['section'], r['anchor'])})" for r in u["themes"]
        )
        lines.append(f"- **{md_escape(u['plan'])}**: {names or 'none'}")
    lines.append("")
    if data.discovered:
        lines += ["## Discovered themes present in some plans only", ""]
        lines += _table(
            ["cluster", "in", "not in", "sections"],
            [
                [
                    t["label"],
                    ", ".join(t["plans"]),
                    ", ".join(t["missing_from"]),
                    "; ".join(f"{s['plan']} §{s['section']} {s['heading']}" for s in t["sections"][:6])
                    + (" …" if len(t["sections"]) > 6 else ""),
                ]
                for t in data.discovered
            ],
        )
    if data.targets:
        lines += [
            "## Quantitative targets by theme",
            "",
            "*(achieved)* marks review figures, not commitments.",
            "",
        ]
        rows = []
        for t in data.targets:
            per = {pp["plan_id"]: pp["targets"] for pp in t["plans"]}
            rows.append(
                [
                    t["theme"],
                    *[
                        "; ".join(
                            x["text"] + (" *(achieved)*" if x["kind"] == "achieved" else "")
                            for x in per.get(p["id"], [])
                        )
                        for p in data.plans
                    ],
                ]
            )
        lines += _table(["theme", *[p["label"] for p in data.plans]], rows)
    for tl in data.timelines:
        lines += [
            f"## Change over time: {md_escape(tl['region'])} ({md_escape(' → '.join(tl['plans']))})",
            "",
        ]
        lines += _table(
            ["theme", "change", "levels", "after"],
            [
                [
                    c["theme"],
                    c["change"],
                    f"{c['before_level']} → {c['after_level']}",
                    c["after_evidence"] or c["before_evidence"],
                ]
                for c in tl["changes"]
            ],
        )
    th = m["thresholds"] or {}
    lines += [
        "## Methods",
        "",
        f"- backend: `{m['backend']}` — {m['model']}",
        f"- coverage decision ({'fitted' if m['calibrated'] else 'NOT fitted for this backend'}, "
        f"{md_escape(m['threshold_source'])}): covered at p_covered ≥ "
        f"{(m.get('decision') or {}).get('covered_at', 0.5)}; the score shown is p_covered (0–1)",
        "- matching: " + ", ".join(f"{k}={threshold_text(k, v)}" for k, v in th.items()),
        f"- themes: {m['themes']} from {md_escape(m['theme_source'])}",
        f"- plan part: {m['plan_part']}; date: {m['date']}; plancompare {m['plancompare_version']}",
        "- input files:",
        *[f"  - {_code(f['path'])} sha256 `{f['sha256']}`" for f in m["files"]],
        "",
        "## Warnings from loading",
        "",
    ]
    lines += [f"- **not loaded** {_code(f['path'])}: {md_escape(f['problem'])}" for f in data.failed]
    counts: dict[tuple[str, str], int] = {}
    for w in data.warnings:
        counts[(w["path"], w["kind"])] = counts.get((w["path"], w["kind"]), 0) + 1
    lines += [f"- {_code(os.path.basename(p))}: {md_escape(k)} × {n}" for (p, k), n in counts.items()]
    if not data.failed and not counts:
        lines.append("None.")
    # only the sections this Markdown links to (the HTML also links every heatmap cell)
    linked = set(re.findall(r"\]\(#(sec-[^)]+)\)", "\n".join(lines)))
    lines += ["", "## Section texts", ""]
    for s in data.sections:
        if s["anchor"] not in linked:
            continue
        lines += [
            f'<a id="{s["anchor"]}"></a>',
            f"**{md_escape(s['plan'])} §{md_escape(s['section'])}** {md_escape(' › '.join(s['path']))}",
            "",
        ]
        lines += ["> " + md_escape(ln) if ln.strip() else ">" for ln in s["text"].strip().splitlines()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
