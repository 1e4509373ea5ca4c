"""Theme coverage per plan: covered / mentioned / missing, with evidence.

A plan is split into sentences (``sentences.split_sentences``). For each
theme every sentence gets two signals:

* lexical: which of the theme's keywords it contains (exact, on Simplified text);
* semantic: the best cosine between the sentence and the theme's queries
  (its name + description and each example phrase).

The level follows from calibrated, per-backend thresholds
(``calibration.CoverageThresholds``):

* **covered** — a sentence in an item (not the preamble) is specifically about
  the theme: it has a keyword and its sentence or keyword clause scores ≥
  ``keyword_sentence``, or a keyword in the item's lead phrase (its heading),
  or the theme's keywords recur ``keyword_repeats`` times in the sentence, or,
  with no keyword at all, semantic score ≥ ``semantic_only`` (a paraphrase);
* **mentioned** — a keyword appears only in passing (below those bars, or only
  in the preamble / general requirements), or the semantic score reaches
  ``semantic_mention``;
* **missing** — neither.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import ahocorasick
import numpy as np

from .calibration import CoverageThresholds
from .model import Evidence, Plan, PlanPart, Target, Theme, ThemeCoverage, part_included
from .sentences import split_sentences

EncodeFn = Callable[[list[str], Literal["query", "passage"]], np.ndarray]
LEVELS: tuple[str, ...] = ("covered", "mentioned", "missing")
_LEVEL_CODE = {"covered": 2, "mentioned": 1, "missing": 0}


@dataclass(frozen=True)
class Unit:
    """A sentence of a plan, the unit coverage is decided on."""

    plan_id: str
    section_id: str
    part: str
    span: tuple[int, int]
    text: str
    context: bool  # preamble / general requirements: can only make a theme "mentioned"
    heading: bool  # the sentence is a section's lead phrase


def plan_units(plan: Plan, *, plan_part: PlanPart = "plan") -> list[Unit]:
    """Sentences of ``plan`` that coverage looks at.

    With ``plan_part="plan"`` review parts (e.g. Dongguan's 2024 review) are
    left out; ``"all"`` keeps them.
    """
    units: list[Unit] = []
    for s in plan.sections:
        if not part_included(s.part, plan_part):
            continue
        context = s.part == "preamble" or s.level == 0
        head_end = s.span[0] + len(s.number) + len(s.heading) + 2 if s.heading else -1
        for a, b in split_sentences(s.text):
            text = s.text[a:b]
            if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
                continue
            start = s.span[0] + a
            units.append(
                Unit(
                    plan_id=plan.id,
                    section_id=s.id,
                    part=s.part,
                    span=(start, s.span[0] + b),
                    text=text,
                    context=context,
                    heading=bool(s.heading) and start < head_end and s.level >= 1,
                )
            )
    return units


@dataclass
class Coverage:
    """Plan × theme coverage with evidence, like BERTopic's ``topics_per_class``.

    >>> cov = plans.coverage()                      # doctest: +SKIP
    >>> cov.to_frame()                              # doctest: +SKIP
    >>> cov.gaps("003_21384b622973756d", "002_7a622e524e24148d")  # doctest: +SKIP
    >>> cov.unique_to("004_73bd3943b8d95550")       # doctest: +SKIP
    """

    plan_ids: list[str]
    plan_labels: dict[str, str]
    themes: list[Theme]
    cells: dict[tuple[str, str], ThemeCoverage]
    backend: str = ""
    thresholds: CoverageThresholds | None = None
    plan_part: str = "plan"
    meta: dict[str, object] = field(default_factory=dict)

    # -- access -----------------------------------------------------------------
    def _pid(self, plan: str) -> str:
        if plan in self.plan_labels:
            return plan
        hits = [p for p, lab in self.plan_labels.items() if lab == plan]
        if len(hits) == 1:
            return hits[0]
        raise KeyError(f"unknown plan {plan!r}; known: {', '.join(self.plan_ids)}")

    def cell(self, plan: str, theme: str) -> ThemeCoverage:
        """The :class:`ThemeCoverage` for one plan (id or label) and theme name."""
        return self.cells[(self._pid(plan), theme)]

    def level(self, plan: str, theme: str) -> str:
        return self.cell(plan, theme).level

    @property
    def theme_names(self) -> list[str]:
        return [t.name for t in self.themes]

    # -- tables -----------------------------------------------------------------
    def to_frame(self, values: Literal["level", "score"] = "level", *, labels: bool = True):
        """Plans × themes DataFrame of levels (or scores). Rows are plan labels (or ids)."""
        import pandas as pd

        data = {
            t.name: [getattr(self.cells[(p, t.name)], values) for p in self.plan_ids] for t in self.themes
        }
        index = [self.plan_labels[p] for p in self.plan_ids] if labels else list(self.plan_ids)
        return pd.DataFrame(data, index=pd.Index(index, name="plan"))

    def to_long(self):
        """Tidy DataFrame: one row per plan × theme with the best evidence."""
        import pandas as pd

        rows = []
        for p in self.plan_ids:
            for t in self.themes:
                c = self.cells[(p, t.name)]
                ev = c.evidence[0] if c.evidence else None
                rows.append(
                    {
                        "plan_id": p,
                        "plan": self.plan_labels[p],
                        "theme": t.name,
                        "group": t.group,
                        "level": c.level,
                        "score": round(c.score, 4),
                        "section": ev.section_id if ev else "",
                        "evidence": ev.sentence if ev else "",
                        "targets": "; ".join(x.text for x in c.targets),
                    }
                )
        return pd.DataFrame(rows)

    def gaps(self, a: str, b: str, *, strict: bool = False):
        """Themes covered by one plan and not by the other, with evidence.

        A row says which side covers the theme (``covered_by``), the other
        side's level, and the covering side's best evidence. With
        ``strict=True`` only covered-vs-missing gaps are listed (not
        covered-vs-mentioned).
        """
        import pandas as pd

        pa, pb = self._pid(a), self._pid(b)
        rows = []
        for t in self.themes:
            ca, cb = self.cells[(pa, t.name)], self.cells[(pb, t.name)]
            for cov, other in ((ca, cb), (cb, ca)):
                if cov.level != "covered" or other.level == "covered":
                    continue
                if strict and other.level != "missing":
                    continue
                ev = cov.evidence[0] if cov.evidence else None
                oev = other.evidence[0] if other.evidence else None
                rows.append(
                    {
                        "theme": t.name,
                        "covered_by": self.plan_labels[cov.plan_id],
                        "covered_by_id": cov.plan_id,
                        "other": self.plan_labels[other.plan_id],
                        "other_level": other.level,
                        "section": ev.section_id if ev else "",
                        "evidence": ev.sentence if ev else "",
                        "other_evidence": oev.sentence if oev else "",
                        "score": round(cov.score, 4),
                    }
                )
        cols = [
            "theme",
            "covered_by",
            "covered_by_id",
            "other",
            "other_level",
            "section",
            "evidence",
            "other_evidence",
            "score",
        ]
        return pd.DataFrame(rows, columns=cols)

    def unique_to(self, plan: str, *, allow_mentioned: bool = True):
        """Themes ``plan`` covers that no other plan covers.

        With ``allow_mentioned=False`` the others must miss it entirely.
        """
        import pandas as pd

        pid = self._pid(plan)
        others = [p for p in self.plan_ids if p != pid]
        rows = []
        for t in self.themes:
            c = self.cells[(pid, t.name)]
            if c.level != "covered":
                continue
            lv = [self.cells[(o, t.name)].level for o in others]
            if any(x == "covered" for x in lv) or (not allow_mentioned and any(x != "missing" for x in lv)):
                continue
            ev = c.evidence[0] if c.evidence else None
            rows.append(
                {
                    "theme": t.name,
                    "section": ev.section_id if ev else "",
                    "evidence": ev.sentence if ev else "",
                    "others": ", ".join(
                        f"{self.plan_labels[o]}: {x}" for o, x in zip(others, lv, strict=True)
                    ),
                }
            )
        return pd.DataFrame(rows, columns=["theme", "section", "evidence", "others"])

    def targets_frame(self, theme: str | None = None):
        """Quantitative targets per theme and plan, side by side (review figures labelled ``achieved``)."""
        import pandas as pd

        rows = []
        for t in self.themes:
            if theme is not None and t.name != theme:
                continue
            for p in self.plan_ids:
                for x in self.cells[(p, t.name)].targets:
                    rows.append(
                        {
                            "theme": t.name,
                            "plan": self.plan_labels[p],
                            "kind": x.kind,
                            "counts": x.counts,
                            "value": x.value,
                            "unit": x.unit,
                            "qualifier": x.qualifier,
                            "text": x.text,
                            "section": x.section_id,
                        }
                    )
        return pd.DataFrame(
            rows, columns=["theme", "plan", "kind", "counts", "value", "unit", "qualifier", "text", "section"]
        )

    def summary(self):
        """Counts of covered / mentioned / missing themes per plan."""
        df = self.to_frame()
        return (
            df.apply(lambda r: r.value_counts(), axis=1).reindex(columns=list(LEVELS)).fillna(0).astype(int)
        )

    def plot(self, **kwargs):
        """Heatmap of levels (matplotlib Figure); see :func:`plancompare.plot.plot_coverage`."""
        from .plot import plot_coverage

        return plot_coverage(self, **kwargs)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (schema documented in docs/report-json.md)."""
        return {
            "backend": self.backend,
            "plan_part": self.plan_part,
            "thresholds": self.thresholds.as_dict() if self.thresholds else None,
            "plans": [{"id": p, "label": self.plan_labels[p]} for p in self.plan_ids],
            "themes": [
                {"name": t.name, "name_en": t.name_en, "group": t.group, "description": t.description}
                for t in self.themes
            ],
            "cells": [
                {
                    "plan_id": c.plan_id,
                    "theme": c.theme,
                    "level": c.level,
                    "score": round(c.score, 4),
                    "evidence": [
                        {
                            "section_id": e.section_id,
                            "sentence": e.sentence,
                            "span": list(e.span),
                            "score": round(e.score, 4),
                        }
                        for e in c.evidence
                    ],
                    "targets": [
                        {
                            "value": x.value,
                            "unit": x.unit,
                            "counts": x.counts,
                            "verb": x.verb,
                            "qualifier": x.qualifier,
                            "text": x.text,
                            "kind": x.kind,
                            "section_id": x.section_id,
                        }
                        for x in c.targets
                    ],
                }
                for p in self.plan_ids
                for t in self.themes
                for c in [self.cells[(p, t.name)]]
            ],
        }

    def __repr__(self) -> str:
        return f"Coverage({len(self.plan_ids)} plans × {len(self.themes)} themes, backend={self.backend!r})"

    def _repr_html_(self) -> str:
        colors = {"covered": "#1b7837", "mentioned": "#f1a340", "missing": "#eeeeee"}
        marks = {"covered": "●", "mentioned": "◐", "missing": "·"}
        head = "".join(f"<th>{html.escape(self.plan_labels[p])}</th>" for p in self.plan_ids)
        body = []
        for t in self.themes:
            tds = []
            for p in self.plan_ids:
                c = self.cells[(p, t.name)]
                tip = html.escape(c.evidence[0].sentence if c.evidence else "")
                tds.append(
                    f"<td title='{tip}' style='text-align:center;color:{colors[c.level]}'>"
                    f"{marks[c.level]} {c.level}</td>"
                )
            body.append(f"<tr><th style='text-align:left'>{html.escape(t.name)}</th>{''.join(tds)}</tr>")
        return (
            f"<div><small>backend {html.escape(self.backend)}; hover a cell for its evidence</small>"
            f"<table><tr><th>theme</th>{head}</tr>{''.join(body)}</table></div>"
        )


def theme_queries(theme: Theme) -> list[str]:
    """The texts a theme is embedded as: name + description, then each example."""
    first = f"{theme.name}:{theme.description}" if theme.description else theme.name
    return [first, *theme.examples]


def compute_coverage(
    plans: Sequence[Plan],
    themes: Sequence[Theme],
    encode: EncodeFn,
    thresholds: CoverageThresholds,
    *,
    backend: str = "",
    plan_part: PlanPart = "plan",
    extract_targets: Callable[[str, int, str], list[Target]] | None = None,
    max_evidence: int = 3,
) -> Coverage:
    """Decide the coverage level of every plan × theme.

    ``encode(texts, kind)`` must return L2-normalised rows (see
    ``embed.encode_texts``). ``extract_targets(sentence, offset, kind)`` — if
    given — attaches quantitative targets from the evidence sentences.
    """
    signals = theme_signals(plans, themes, encode, plan_part=plan_part)
    cells: dict[tuple[str, str], ThemeCoverage] = {}
    for plan, sig in zip(plans, signals, strict=True):
        levels = decide_plan(plan.id, themes, sig, thresholds, extract_targets, max_evidence)
        for theme, cell in zip(themes, levels, strict=True):
            cells[(plan.id, theme.name)] = cell
    return Coverage(
        plan_ids=[p.id for p in plans],
        plan_labels=_unique_labels(plans),
        themes=list(themes),
        cells=cells,
        backend=backend,
        thresholds=thresholds,
        plan_part=plan_part,
    )


@dataclass(frozen=True)
class PlanSignals:
    """Everything coverage needs about one plan, computed once (calibration sweeps reuse it).

    ``sem``: units × themes, best cosine of the sentence with the theme's queries.
    ``kw[t][u]``: keywords of theme ``t`` found in unit ``u``.
    ``clause_sem``: units × themes, best cosine of the *clause* holding a keyword
    (-1 where no keyword): long sentences chain several actions, and the clause
    says whether this one is about the theme.
    ``listed``: units × themes, True when every keyword hit sits in an enumeration
    (``A、B、C等``) — a passing mention rather than an action.
    """

    units: list[Unit]
    sem: np.ndarray
    kw: list[list[tuple[str, ...]]]
    clause_sem: np.ndarray
    listed: np.ndarray
    has_kw: np.ndarray  # units × themes
    kw_count: np.ndarray  # units × themes: keyword occurrences
    context: np.ndarray  # per unit
    heading: np.ndarray  # per unit
    section_index: np.ndarray  # per unit: which section it belongs to


_CLAUSE_MARKS = ",;:。，；：!?！？"
_CLAUSE = re.compile(f"[^{_CLAUSE_MARKS}]+")


@lru_cache(maxsize=64)
def _keyword_automaton(keywords: tuple[tuple[str, ...], ...]) -> tuple[Any, dict[str, list[int]]]:
    """An Aho–Corasick automaton over every theme's keywords, and keyword → theme indices."""
    owners: dict[str, list[int]] = {}
    for ti, ks in enumerate(keywords):
        for k in dict.fromkeys(k for k in ks if k):
            owners.setdefault(k, []).append(ti)
    auto = ahocorasick.Automaton()
    for k in sorted(owners):
        auto.add_word(k, k)
    if owners:
        auto.make_automaton()
    return auto, owners


def _keyword_hits(themes: Sequence[Theme], all_units: list[list[Unit]]) -> list[list[list[tuple[str, ...]]]]:
    """Per plan, ``[theme][unit]``: the theme's keywords found in the unit, in the theme's order.

    One automaton pass per unit finds every keyword at once, overlapping ones
    included (中医 inside 中医药), so it equals ``k in text`` for each keyword.
    """
    auto, owners = _keyword_automaton(tuple(t.keywords for t in themes))
    out = []
    for units in all_units:
        kw: list[list[tuple[str, ...]]] = [[()] * len(units) for _ in themes]
        if owners:
            for ui, u in enumerate(units):
                present = {k for _, k in auto.iter(u.text)}
                for ti in {ti for k in present for ti in owners[k]}:
                    kw[ti][ui] = tuple(k for k in themes[ti].keywords if k in present)
        out.append(kw)
    return out


def _keyword_clauses(text: str, keywords: tuple[str, ...]) -> list[str]:
    return [m.group().strip() for m in _CLAUSE.finditer(text) if any(k in m.group() for k in keywords)]


def _in_list(text: str, keywords: tuple[str, ...]) -> bool:
    for k in keywords:
        start = 0
        while (i := text.find(k, start)) >= 0:
            before = text[i - 1] if i else ""
            after = text[i + len(k)] if i + len(k) < len(text) else ""
            if before != "、" and after not in ("、", "等"):
                return False
            start = i + 1
    return True


def theme_signals(
    plans: Sequence[Plan],
    themes: Sequence[Theme],
    encode: EncodeFn,
    *,
    plan_part: PlanPart = "plan",
) -> list[PlanSignals]:
    """Per plan: its units and their lexical and semantic signals for every theme."""
    # a theme's queries are consecutive columns; reduceat needs where each block starts
    queries: list[str] = []
    with_q: list[int] = []
    first: list[int] = []
    for ti, t in enumerate(themes):
        qs = theme_queries(t)
        if qs:
            with_q.append(ti)
            first.append(len(queries))
            queries.extend(qs)
    with_queries, starts = np.array(with_q, dtype=np.intp), np.array(first, dtype=np.intp)
    q_emb = encode(queries, "query") if queries else np.zeros((0, 1), np.float32)
    all_units = [plan_units(p, plan_part=plan_part) for p in plans]
    flat = [u.text for units in all_units for u in units]
    dim = q_emb.shape[1] if q_emb.size else 1
    u_emb = encode(flat, "passage") if flat else np.zeros((0, dim), np.float32)
    # keyword hits and their clauses, for all plans at once so clauses embed in one batch
    kws = _keyword_hits(themes, all_units)
    clause_texts: dict[str, int] = {}
    wanted: list[list[tuple[int, int, list[str]]]] = []
    for units, kw in zip(all_units, kws, strict=True):
        w = []
        for ti in range(len(themes)):
            for ui, hit in enumerate(kw[ti]):
                if hit:
                    cl = _keyword_clauses(units[ui].text, hit)
                    for c in cl:
                        clause_texts.setdefault(c, len(clause_texts))
                    w.append((ui, ti, cl))
        wanted.append(w)
    c_emb = encode(list(clause_texts), "passage") if clause_texts else np.zeros((0, dim), np.float32)
    # each clause against each theme (max over the theme's queries), in blocks to bound memory
    c_theme = np.full((len(c_emb), len(themes)), -1.0, np.float32)
    if with_queries.size:
        for b in range(0, len(c_emb), 4096):
            c_theme[b : b + 4096, with_queries] = np.maximum.reduceat(
                c_emb[b : b + 4096] @ q_emb.T, starts, axis=1
            )
    out = []
    pos = 0
    for units, kw, w in zip(all_units, kws, wanted, strict=True):
        e = u_emb[pos : pos + len(units)]
        pos += len(units)
        sim = e @ q_emb.T if len(units) else np.zeros((0, len(queries)), np.float32)
        sem = np.full((len(units), len(themes)), -1.0, np.float32)
        if len(units) and with_queries.size:
            # a theme's queries are consecutive columns: one reduceat takes every theme's max
            sem[:, with_queries] = np.maximum.reduceat(sim, starts, axis=1)
        clause_sem = np.full_like(sem, -1.0)
        listed = np.zeros(sem.shape, dtype=bool)
        at_u: list[int] = []
        at_t: list[int] = []
        at_c: list[int] = []
        for ui, ti, cl in w:
            for c in cl:
                at_u.append(ui)
                at_t.append(ti)
                at_c.append(clause_texts[c])
            listed[ui, ti] = _in_list(units[ui].text, kw[ti][ui])
        if at_u:
            np.maximum.at(clause_sem, (at_u, at_t), c_theme[at_c, at_t])
        counts = _keyword_counts(units, kw, len(themes))
        sec_ids = {sid: i for i, sid in enumerate(dict.fromkeys(u.section_id for u in units))}
        out.append(
            PlanSignals(
                units,
                sem,
                kw,
                clause_sem,
                listed,
                counts > 0,
                counts,
                np.array([u.context for u in units], bool),
                np.array([u.heading for u in units], bool),
                np.array([sec_ids[u.section_id] for u in units], int),
            )
        )
    return out


def _keyword_counts(units: Sequence[Unit], kw: list[list[tuple[str, ...]]], n_themes: int) -> np.ndarray:
    """Occurrences of each theme's keywords per unit (``kw[theme][unit]`` lists the hits)."""
    counts = np.zeros((len(units), n_themes), int)
    for ti, per_unit in enumerate(kw):
        for ui, hit in enumerate(per_unit):
            if hit:
                text = units[ui].text
                counts[ui, ti] = sum(text.count(k) for k in hit)
    return counts


def _levels(sig: PlanSignals, th: CoverageThresholds) -> tuple[np.ndarray, ...]:
    """units × themes: evidence strength, covering and mentioning sentences."""
    sem, has_kw, listed = sig.sem, sig.has_kw, sig.listed
    strength = np.maximum(sem, sig.clause_sem) - th.list_penalty * listed
    in_item = ~sig.context[:, None]
    dense = sig.kw_count >= th.keyword_repeats if th.keyword_repeats else np.zeros_like(has_kw)
    cover = in_item & (
        (has_kw & ((strength >= th.keyword_sentence) | sig.heading[:, None] | dense))
        | (~has_kw & (sem >= th.semantic_only))
    )
    mention = ~cover & (has_kw | (sem >= th.semantic_mention))
    # a keyword that recurs in several items is a commitment, not a passing word
    if th.min_sections_for_repeat:
        for j in np.flatnonzero(~cover.any(axis=0)):
            hits = has_kw[:, j] & in_item[:, 0] & ~listed[:, j]
            if np.unique(sig.section_index[hits]).size >= th.min_sections_for_repeat:
                cover[:, j] = hits
    return strength, cover, mention


def decide_plan(
    plan_id: str,
    themes: Sequence[Theme],
    sig: PlanSignals,
    th: CoverageThresholds,
    extract_targets: Callable[[str, int, str], list[Target]] | None = None,
    max_evidence: int = 3,
    *,
    with_evidence: bool = True,
) -> list[ThemeCoverage]:
    """The level of every theme in one plan (the columns of ``sig``, in order).

    With ``extract_targets``, each covered theme gets the quantitative targets
    of its keyword sentences (see :func:`_attach_targets`).
    """
    strength, cover, mention = _levels(sig, th)
    cells = [
        _cell(
            plan_id,
            t,
            sig,
            ti,
            strength[:, ti],
            cover[:, ti],
            mention[:, ti],
            th,
            max_evidence,
            with_evidence,
        )
        for ti, t in enumerate(themes)
    ]
    if extract_targets and with_evidence:
        cells = _attach_targets(plan_id, sig, cells, cover, extract_targets)
    return cells


def _attach_targets(
    plan_id: str,
    sig: PlanSignals,
    cells: list[ThemeCoverage],
    cover: np.ndarray,
    extract_targets: Callable[[str, int, str], list[Target]],
) -> list[ThemeCoverage]:
    """Give each covered theme the targets of the covering sentences that hold its keyword.

    One sentence often commits to several themes and lists several figures
    (``…儿童专科医院100%…中医馆…``). A figure goes to the themes whose keyword
    sits in its own clause, or else to the theme(s) whose keyword is nearest
    to it in the sentence, not to every theme the sentence covers.
    """
    claims: dict[int, list[int]] = {}
    for ti, c in enumerate(cells):
        if c.level == "covered":
            for i in np.flatnonzero(cover[:, ti]).tolist():
                if sig.kw[ti][i]:
                    claims.setdefault(i, []).append(ti)
    got: dict[int, list[Target]] = {}
    for i in sorted(claims):
        u = sig.units[i]
        kind = "achieved" if u.part == "review" else "target"
        for t in extract_targets(u.text, u.span[0], kind):
            a, b = t.span[0] - u.span[0], t.span[1] - u.span[0]
            lo, hi = _clause_bounds(u.text, a, b)
            dist = {ti: _keyword_distance(u.text, sig.kw[ti][i], a, b) for ti in claims[i]}
            near = min(dist.values())
            for ti in claims[i]:
                if dist[ti] == near or any(k in u.text[lo:hi] for k in sig.kw[ti][i]):
                    got.setdefault(ti, []).append(_with_place(t, plan_id, u.section_id))
    return [replace(c, targets=tuple(got[ti])) if ti in got else c for ti, c in enumerate(cells)]


def _clause_bounds(text: str, a: int, b: int) -> tuple[int, int]:
    lo = a
    while lo > 0 and text[lo - 1] not in _CLAUSE_MARKS:
        lo -= 1
    hi = b
    while hi < len(text) and text[hi] not in _CLAUSE_MARKS:
        hi += 1
    return lo, hi


def _keyword_distance(text: str, keywords: tuple[str, ...], a: int, b: int) -> int:
    """Characters between ``text[a:b]`` and the nearest occurrence of any keyword (0 if they touch)."""
    best = len(text)
    for k in keywords:
        start = text.find(k)
        while start >= 0:
            end = start + len(k)
            best = min(best, max(0, a - end, start - b))
            start = text.find(k, start + 1)
    return best


def _cell(
    plan_id: str,
    theme: Theme,
    sig: PlanSignals,
    ti: int,
    strength: np.ndarray,
    cover: np.ndarray,
    mention: np.ndarray,
    th: CoverageThresholds,
    max_evidence: int,
    with_evidence: bool,
) -> ThemeCoverage:
    units, sem, kw = sig.units, sig.sem[:, ti], sig.kw[ti]
    covering = np.flatnonzero(cover).tolist()
    mentioning = np.flatnonzero(mention).tolist()
    if covering:
        level, chosen = "covered", covering
    elif mentioning:
        level, chosen = "mentioned", mentioning
    else:
        return ThemeCoverage(plan_id, theme.name, "missing", float(sem.max()) if len(sem) else 0.0)
    if not with_evidence:
        return ThemeCoverage(plan_id, theme.name, level, 0.0)  # type: ignore[arg-type]

    def weight(i: int) -> float:
        return float(strength[i]) + (th.keyword_bonus if kw[i] else 0.0)

    # rounded so that ties (within float noise of the BLAS in use) go to the earlier sentence
    best = sorted(chosen, key=lambda i: (-round(weight(i), 4), i))[:max_evidence]
    evidence = tuple(
        Evidence(plan_id, units[i].section_id, units[i].text, units[i].span, weight(i), units[i].part)  # type: ignore[arg-type]
        for i in best
    )
    score = max(weight(i) for i in chosen)
    return ThemeCoverage(plan_id, theme.name, level, score, evidence)  # type: ignore[arg-type]


def _with_place(t: Target, plan_id: str, section_id: str) -> Target:
    return replace(t, plan_id=plan_id, section_id=section_id)


def _unique_labels(plans: Sequence[Plan]) -> dict[str, str]:
    labels: dict[str, str] = {}
    seen: dict[str, int] = {}
    for p in plans:
        seen[p.label] = seen.get(p.label, 0) + 1
    for p in plans:
        labels[p.id] = p.label if seen[p.label] == 1 else f"{p.label} ({p.id})"
    return labels
