"""Coverage signals: what each sentence of a plan says about each theme.

A plan is split into sentences (:func:`plan_units`). For every sentence and
theme:

* **semantic** — the cosine with the theme's queries (``name:description``, the
  name alone, each description phrase, each example), read as a z-score against
  the same query's cosines over the background sample
  (:mod:`plancompare.background`): "how unusually close to this theme is this
  sentence". z-scores put every theme and every backend on one scale;
* **lexical** — which derived terms (:mod:`plancompare.terms`) it holds on word
  boundaries: the name, parts of the name, description words;
* **clause** — for a long sentence with a term, the z-score of the clause that
  holds the term (long sentences chain several actions).

:func:`plan_features` turns a plan's signals into one feature row per theme for
:mod:`plancompare.decision`.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import background
from .model import Plan, PlanPart, Theme, part_included
from .sentences import split_sentences
from .terms import ThemeTerms, expand_terms, find_terms, theme_terms

EncodeFn = Callable[[list[str], Literal["query", "passage"]], np.ndarray]

_CLAUSE_MARKS = ",;:。，；：!?！？"
_CLAUSE = re.compile(f"[^{_CLAUSE_MARKS}]+")
_CJK = re.compile("[\u4e00-\u9fff]")
_PHRASE_SPLIT = re.compile(r"[，,、；;。.：:（）()\s]+")
# a sentence this long usually chains several actions: its term's clause is embedded alone
_LONG = 40
FEATURES: tuple[str, ...] = (
    "z_full",  # best z of the name:description query over the plan's sentences
    "z_phrase",  # best z of the name / phrase / example queries
    "z_top3",  # mean of the three best z_full (breadth)
    "name_hit",  # the name or a user keyword occurs (word boundary)
    "part_hit",  # a specific word of the name occurs
    "desc_terms",  # most distinct description words in one sentence (capped at 3)
    "z_at_term",  # best z (sentence or its term clause) among sentences holding a term
    "term_sections",  # log(1 + sections whose sentences hold a name or part term)
    "heading_term",  # a name or part term in a section heading
    "name_units",  # log(1 + sentences holding the name)
    "cos_full",  # best raw cosine of the name:description query (on the backend's own scale)
    "phrase_hit",  # the name or a whole description phrase occurs (word boundary)
    "exp_hit",  # a word the documents use alongside the theme's terms occurs (pseudo-relevance feedback)
    "z_at_exp",  # best z among sentences holding such a word
    "z_contrast",  # best z minus the plan's mean z: how far the best sentence stands out in its own document
    "cos_contrast",  # the same on the raw cosine (a health plan is close to every health theme throughout)
)


@dataclass(frozen=True)
class Unit:
    """A sentence of a plan, the unit coverage is decided on."""

    plan_id: str
    section_id: str
    part: str
    span: tuple[int, int]
    text: str
    context: bool  # preamble / general requirements
    heading: bool  # the sentence is a section's lead phrase


def plan_units(plan: Plan, *, plan_part: PlanPart = "plan") -> list[Unit]:
    """Sentences of ``plan`` that coverage looks at.

    With ``plan_part="plan"`` review parts (e.g. Dongguan's 2024 review) are
    left out; ``"all"`` keeps them; ``"everything"`` also keeps appendices
    (glossaries, 民生实事 lists).
    """
    units: list[Unit] = []
    for s in plan.sections:
        if not part_included(s.part, plan_part):
            continue
        context = s.part == "preamble" or s.level == 0
        head_end = s.span[0] + len(s.number) + len(s.heading) + 2 if s.heading else -1
        for a, b in split_sentences(s.text):
            text = s.text[a:b]
            if not _CJK.search(text):
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


def theme_queries(theme: Theme) -> tuple[str, list[str]]:
    """The texts a theme is embedded as: ``name:description``, and the shorter queries.

    The shorter ones are the name alone, each description phrase of 4+
    characters and each example: a short clause matches a short query better
    than a long one.
    """
    full = f"{theme.name}:{theme.description}" if theme.description else theme.name
    short = [theme.name] if theme.description else []
    short += [p for p in _PHRASE_SPLIT.split(theme.description) if len(p) >= 4]
    short += list(theme.examples)
    return full, list(dict.fromkeys(q for q in short if q and q != full))


@dataclass(frozen=True)
class PlanSignals:
    """Per-sentence signals of one plan for every theme (arrays are units × themes)."""

    units: list[Unit]
    cos: np.ndarray  # raw cosine of the name:description query
    z: np.ndarray  # z-score of the name:description query
    phrase_hit: np.ndarray  # bool: the name or a whole description phrase is in the sentence
    exp_hit: np.ndarray  # bool: an expansion word is in the sentence
    expansion: tuple[tuple[str, ...], ...]  # per theme: the expansion words
    z_phrase: np.ndarray  # best z-score of the shorter queries
    clause_z: np.ndarray  # z-score of the clause holding a term (-inf where none)
    hits: list[list[tuple[str, ...]]]  # [theme][unit]: terms found
    name_hit: np.ndarray  # bool
    part_hit: np.ndarray  # bool
    desc_terms: np.ndarray  # int: distinct description terms
    heading: np.ndarray  # per unit
    section_index: np.ndarray  # per unit

    @functools.cached_property
    def strength(self) -> np.ndarray:
        """units × themes: the best semantic evidence of each sentence (z-score)."""
        return np.maximum(np.maximum(self.z, self.z_phrase), self.clause_z)


@functools.lru_cache(maxsize=1024)
def _clauses(text: str) -> tuple[tuple[str, str], ...]:
    """The clauses of a sentence, as found and stripped (split once for all the themes it holds)."""
    return tuple((m.group(), m.group().strip()) for m in _CLAUSE.finditer(text))


def _term_clauses(text: str, terms: tuple[str, ...]) -> list[str]:
    return [c for raw, c in _clauses(text) if any(k in raw for k in terms)]


def compute_signals(
    plans: Sequence[Plan],
    themes: Sequence[Theme],
    encode: EncodeFn,
    *,
    plan_part: PlanPart = "plan",
) -> list[PlanSignals]:
    """Per plan: its units and their semantic and lexical signals for every theme."""
    n_t = len(themes)
    fulls: list[str] = []
    shorts: list[str] = []
    short_owner: list[int] = []
    for ti, t in enumerate(themes):
        full, short = theme_queries(t)
        fulls.append(full)
        shorts += short
        short_owner += [ti] * len(short)
    queries = list(dict.fromkeys([*fulls, *shorts]))
    q_emb = encode(queries, "query")
    q_index = {q: i for i, q in enumerate(queries)}
    mean, std = background.query_stats(encode, queries)
    full_cols = np.array([q_index[q] for q in fulls], dtype=np.intp)
    short_cols = np.array([q_index[q] for q in shorts], dtype=np.intp)
    owner = np.array(short_owner, dtype=np.intp)
    by_owner = np.argsort(owner, kind="stable")
    short_sorted = short_cols[by_owner]
    short_themes, short_starts = np.unique(owner[by_owner], return_index=True)

    def zs(emb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raw = emb @ q_emb.T if len(emb) else np.zeros((0, len(queries)), np.float32)
        cos = raw[:, full_cols]
        z_all = raw  # standardised in place: the same two operations, no temporaries
        z_all -= mean
        z_all /= std
        z_full = z_all[:, full_cols] if n_t else np.zeros((len(emb), 0), np.float32)
        z_short = np.full((len(emb), n_t), -np.inf, np.float32)
        if short_cols.size and len(emb):
            # one reduction over each theme's block of short-query columns (max is exact, so the
            # same values as a column-by-column loop, without a strided pass per query)
            z_short[:, short_themes] = np.maximum.reduceat(z_all[:, short_sorted], short_starts, axis=1)
        return z_full.astype(np.float32, copy=False), z_short, cos

    terms = [theme_terms(t) for t in themes]
    phrases = [_phrases(t) for t in themes]
    all_units = [plan_units(p, plan_part=plan_part) for p in plans]
    flat = [u.text for units in all_units for u in units]
    dim = q_emb.shape[1] if q_emb.size else 1
    u_emb = encode(flat, "passage") if flat else np.zeros((0, dim), np.float32)

    # candidate term occurrences in one Aho–Corasick pass; word boundaries checked only on candidates
    auto, owners = _automaton([tt.all for tt in terms])
    strong_terms = [frozenset((*tt.name, *tt.parts)) for tt in terms]
    name_terms = [frozenset(tt.name) for tt in terms]
    hits_all: list[list[list[tuple[str, ...]]]] = []
    clause_texts: dict[str, int] = {}
    # per plan, per hit: unit, theme, name term?, part term?, description terms, clause indices
    wanted: list[list[tuple[int, int, bool, bool, int, list[int]]]] = []
    hit_at: list[list[tuple[int, int]]] = [[] for _ in themes]  # per theme: (plan, unit) with hits, in order
    for pi, units in enumerate(all_units):
        hits: list[list[tuple[str, ...]]] = [[()] * len(units) for _ in themes]
        w: list[tuple[int, int, bool, bool, int, list[int]]] = []
        if owners:
            for ui, u in enumerate(units):
                present = set(map(_second, auto.iter(u.text)))  # (end, word) pairs
                if not present:
                    continue
                for ti in sorted({ti for k in present for ti in owners[k]}):
                    found = find_terms(u.text, [k for k in terms[ti].all if k in present], whole=terms[ti].whole)
                    if found:
                        hits[ti][ui] = found
                        hit_at[ti].append((pi, ui))
                        # a clause is embedded only for the name or a word of it: description words
                        # alone weigh little, and their clauses were a quarter of all embedding work
                        strong = [k for k in found if k in strong_terms[ti]]
                        cl = _term_clauses(u.text, tuple(strong)) if strong and len(u.text) > _LONG else []
                        names = sum(k in name_terms[ti] for k in found)
                        w.append(
                            (
                                ui,
                                ti,
                                names > 0,
                                len(strong) > names,  # a part term (strong and not the name)
                                len(found) - len(strong),  # description terms
                                [clause_texts.setdefault(c, len(clause_texts)) for c in cl],
                            )
                        )
        hits_all.append(hits)
        wanted.append(w)
    bg_hits = _background_hits(terms)
    expansion = tuple(
        expand_terms(
            tt,
            [all_units[pi][ui].text for pi, ui in hit_at[ti] if _strong(hits_all[pi][ti][ui], tt)]
            + list(bg_hits[ti]),
        )
        for ti, tt in enumerate(terms)
    )
    exp_all, phrase_all = _word_hits(all_units, expansion, phrases)
    c_emb = encode(list(clause_texts), "passage") if clause_texts else np.zeros((0, dim), np.float32)
    cz_full, cz_short, _ = zs(c_emb)
    c_best = np.maximum(cz_full, cz_short) if len(c_emb) else cz_full

    out = []
    pos = 0
    for units, hits, w, exp_hit, phrase_hit in zip(all_units, hits_all, wanted, exp_all, phrase_all, strict=True):
        e = u_emb[pos : pos + len(units)]
        pos += len(units)
        z_full, z_short, cos = zs(e)
        n = len(units)
        clause_z = np.full((n, n_t), -np.inf, np.float32)
        name_hit = np.zeros((n, n_t), bool)
        part_hit = np.zeros((n, n_t), bool)
        desc = np.zeros((n, n_t), np.int16)
        if w:
            ui_, ti_, nm_, pt_, dc_, cl_ = zip(*w, strict=True)
            at = (np.array(ui_, np.intp), np.array(ti_, np.intp))
            name_hit[at] = nm_
            part_hit[at] = pt_
            desc[at] = dc_
            # the best clause of each hit (max is exact: the same values as one at a time)
            rows = [(ui, ti, c) for ui, ti, cl in zip(ui_, ti_, cl_, strict=True) for c in cl]
            if rows:
                r = np.array(rows, np.intp)
                np.maximum.at(clause_z, (r[:, 0], r[:, 1]), c_best[r[:, 2], r[:, 1]])
        sec_ids = {sid: i for i, sid in enumerate(dict.fromkeys(u.section_id for u in units))}
        out.append(
            PlanSignals(
                units=units,
                cos=cos.astype(np.float32, copy=False),
                phrase_hit=phrase_hit,
                exp_hit=exp_hit,
                expansion=expansion,
                z=z_full,
                z_phrase=z_short,
                clause_z=clause_z,
                hits=hits,
                name_hit=name_hit,
                part_hit=part_hit,
                desc_terms=desc,
                heading=np.array([u.heading for u in units], bool),
                section_index=np.array([sec_ids[u.section_id] for u in units], int),
            )
        )
    return out


_BG_HITS: dict[ThemeTerms, tuple[str, ...]] = {}


def _background_hits(terms: Sequence[ThemeTerms]) -> list[tuple[str, ...]]:
    """Per theme: the background sentences that clearly hold its terms (on word boundaries).

    One Aho–Corasick pass over the background for all themes not seen before in
    this process (a scan per theme cost more than the rest of a small run).
    """
    todo = [tt for tt in dict.fromkeys(terms) if tt not in _BG_HITS]
    if todo:
        if len(_BG_HITS) > 4096:  # bounded like the lru_cache it replaces
            _BG_HITS.clear()
        auto, owners = _automaton([tt.all for tt in todo])
        found: list[list[str]] = [[] for _ in todo]
        for s in background.sentences() if owners else ():
            present = set(map(_second, auto.iter(s)))
            for j in sorted({j for k in present for j in owners[k]}):
                tt = todo[j]
                hit = find_terms(s, [k for k in tt.all if k in present], whole=tt.whole)
                if _strong(hit, tt):
                    found[j].append(s)
        _BG_HITS.update((tt, tuple(f)) for tt, f in zip(todo, found, strict=True))
    return [_BG_HITS[tt] for tt in terms]


_second = operator.itemgetter(1)


def _strong(found: tuple[str, ...], tt: ThemeTerms) -> bool:
    """A sentence clearly about the theme: its name, or two of its words (seeds for expansion)."""
    return any(k in tt.name for k in found) or len(found) >= 2


def _automaton(words: Sequence[tuple[str, ...]]) -> tuple[Any, dict[str, list[int]]]:
    """An Aho–Corasick automaton over every theme's words, and word → theme indices."""
    import ahocorasick

    owners: dict[str, list[int]] = {}
    for ti, ws in enumerate(words):
        for w in ws:
            owners.setdefault(w, []).append(ti)
    auto = ahocorasick.Automaton()
    for w in sorted(owners):
        auto.add_word(w, w)
    if owners:
        auto.make_automaton()
    return auto, owners


def _word_hits(
    all_units: Sequence[list[Unit]], words: Sequence[tuple[str, ...]], phrases: Sequence[tuple[str, ...]]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per plan, units × themes: whether a unit holds one of each theme's ``words`` as whole
    words, and whether it holds one of its ``phrases`` (starting on a word boundary).

    One Aho–Corasick pass per unit for both finds the candidates; only those are
    checked for boundaries (jieba), so the cost does not grow with the number of themes.
    """
    auto, owners = _automaton([*words, *phrases])
    n_t = len(words)
    out_w = [np.zeros((len(units), n_t), bool) for units in all_units]
    out_p = [np.zeros((len(units), len(phrases)), bool) for units in all_units]
    if not owners:
        return out_w, out_p
    for units, ow, op in zip(all_units, out_w, out_p, strict=True):
        for ui, u in enumerate(units):
            present = set(map(_second, auto.iter(u.text)))
            for w in sorted(present):
                for ti in owners[w]:
                    # owners index the words' themes, then the phrases' themes
                    out, t, whole = (ow, ti, (w,)) if ti < n_t else (op, ti - n_t, ())
                    if not out[ui, t] and find_terms(u.text, (w,), whole=whole):
                        out[ui, t] = True
    return out_w, out_p


def _phrases(theme: Theme) -> tuple[str, ...]:
    """The name and the whole comma-separated phrases of the description, in Simplified script."""
    from .themes import to_simplified

    parts = [theme.name, *re.split(r"[，,、；;。]", theme.description)]
    return tuple(dict.fromkeys(to_simplified(p.strip()) for p in parts if len(p.strip()) >= 2))


_FLOOR = -3.0  # feature value where a plan has no sentence with the signal


def plan_features(sig: PlanSignals) -> np.ndarray:
    """themes × ``FEATURES``: one row per theme summarising the plan's evidence for it."""
    n_u, n_t = sig.z.shape
    f = np.full((n_t, len(FEATURES)), 0.0, np.float32)
    if n_u == 0:
        f[:, [0, 1, 2, 6]] = _FLOOR
        f[:, 10] = -1.0
        f[:, 13] = _FLOOR
        return f
    z = sig.z
    f[:, 0] = z.max(axis=0)
    f[:, 1] = np.maximum(sig.z_phrase.max(axis=0), _FLOOR)
    k = min(3, n_u)
    f[:, 2] = np.sort(z, axis=0)[-k:].mean(axis=0)
    f[:, 3] = sig.name_hit.any(axis=0)
    f[:, 4] = sig.part_hit.any(axis=0)
    f[:, 5] = np.minimum(sig.desc_terms.max(axis=0), 3)
    any_hit = sig.name_hit | sig.part_hit | (sig.desc_terms > 0)
    at = np.where(any_hit, np.maximum(sig.strength, z), -np.inf)
    f[:, 6] = np.maximum(at.max(axis=0), _FLOOR)
    strong = sig.name_hit | sig.part_hit
    for ti in range(n_t):
        rows = np.flatnonzero(strong[:, ti])
        f[ti, 7] = np.log1p(np.unique(sig.section_index[rows]).size)
    f[:, 8] = (strong & sig.heading[:, None]).any(axis=0)
    f[:, 9] = np.log1p(sig.name_hit.sum(axis=0))
    f[:, 10] = sig.cos.max(axis=0)
    f[:, 11] = sig.phrase_hit.any(axis=0)
    f[:, 12] = sig.exp_hit.any(axis=0)
    f[:, 13] = np.maximum(np.where(sig.exp_hit, np.maximum(sig.strength, z), -np.inf).max(axis=0), _FLOOR)
    f[:, 14] = f[:, 0] - z.mean(axis=0)
    f[:, 15] = f[:, 10] - sig.cos.mean(axis=0)
    return f


def units_features(sig: PlanSignals, cols: Sequence[int]) -> np.ndarray:
    """themes × units × ``FEATURES``: each sentence as if it were the whole plan, for the themes ``cols``.

    Ranking sentences by the decision model on these rows picks the evidence the
    model itself would rely on. Built for all the themes at once; every value is
    computed as for one theme alone (column means one at a time), so a theme's
    rows do not depend on which other themes are asked.
    """
    n_u = sig.z.shape[0]
    cols = list(cols)
    f = np.zeros((len(cols), n_u, len(FEATURES)), np.float32)
    if n_u == 0 or not cols:
        return f
    z = sig.z[:, cols].T  # themes × units
    cos = sig.cos[:, cols].T
    name_hit = sig.name_hit[:, cols].T
    part_hit = sig.part_hit[:, cols].T
    desc = sig.desc_terms[:, cols].T
    exp_hit = sig.exp_hit[:, cols].T
    best = np.maximum(sig.strength[:, cols].T, z)
    f[:, :, 0] = z
    f[:, :, 1] = np.maximum(sig.z_phrase[:, cols].T, _FLOOR)
    f[:, :, 2] = z
    f[:, :, 3] = name_hit
    f[:, :, 4] = part_hit
    f[:, :, 5] = np.minimum(desc, 3)
    f[:, :, 6] = np.where(name_hit | part_hit | (desc > 0), best, _FLOOR)
    strong = name_hit | part_hit
    f[:, :, 7] = np.log1p(strong.astype(np.float32))
    f[:, :, 8] = strong & sig.heading
    f[:, :, 9] = np.log1p(name_hit.astype(np.float32))
    f[:, :, 10] = cos
    f[:, :, 11] = sig.phrase_hit[:, cols].T
    f[:, :, 12] = exp_hit
    f[:, :, 13] = np.where(exp_hit, best, _FLOOR)
    # means one column at a time, as before: a 2-D reduction may sum in another order
    f[:, :, 14] = z - np.array([sig.z[:, ti].mean() for ti in cols], np.float32)[:, None]
    f[:, :, 15] = cos - np.array([sig.cos[:, ti].mean() for ti in cols], np.float32)[:, None]
    return f


def terms_of(themes: Sequence[Theme], sig: PlanSignals | None = None) -> dict[str, ThemeTerms]:
    """Each theme's terms, with the expansion words found for this set of plans."""
    from dataclasses import replace

    out = {}
    for ti, t in enumerate(themes):
        tt = theme_terms(t)
        out[t.name] = replace(tt, expansion=sig.expansion[ti]) if sig is not None and sig.expansion else tt
    return out
