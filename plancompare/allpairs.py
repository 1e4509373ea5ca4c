"""Every-plan-against-every-plan comparison that scales to a thousand plans.

Two views, both blocked so memory stays bounded:

* :func:`all_pairs_gaps` — for every ordered plan pair, the themes one plan
  covers and the other does not, from the plans × themes level matrix of a
  :class:`~plancompare.coverage.Coverage` (one small matrix product).
* :func:`all_pairs_similarity` — for every section, its best counterpart in
  every other plan, plus a plan × plan summary: the share of a plan's
  sections that have a counterpart at or above the backend's ``match``
  threshold in the other plan. Similarities are computed a block of rows at a
  time (``block × all sections``), never as the full sections × sections
  matrix.

>>> import numpy as np
>>> from plancompare.allpairs import all_pairs_similarity
>>> a = np.eye(3, dtype=np.float32)
>>> sim = all_pairs_similarity({"A": a[:2], "B": a[1:]}, threshold=0.9)
>>> sim.matched_fraction.tolist()        # A's 2 sections: one (row 1) appears in B
[[1.0, 0.5], [0.5, 1.0]]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["PairGaps", "PairSimilarity", "all_pairs_gaps", "all_pairs_similarity"]

_CODE = {"missing": 0, "mentioned": 1, "covered": 2}
_LEVEL = ("missing", "mentioned", "covered")


# -- theme gaps ---------------------------------------------------------------------------
@dataclass
class PairGaps:
    """Theme gaps for every ordered plan pair.

    ``levels[i, t]`` is plan ``i``'s level for theme ``t`` (0 missing,
    1 mentioned, 2 covered). ``counts[i, j]`` is the number of themes plan
    ``i`` covers and plan ``j`` does not (with ``strict=True``: that plan
    ``j`` misses entirely). The diagonal is 0.
    """

    plan_ids: list[str]
    plan_labels: dict[str, str]
    themes: list[str]
    levels: np.ndarray
    counts: np.ndarray
    strict: bool = False
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = {p: i for i, p in enumerate(self.plan_ids)}
        self._index.update({lab: i for i, lab in enumerate(self.labels)})

    @property
    def labels(self) -> list[str]:
        return [self.plan_labels.get(p, p) for p in self.plan_ids]

    def _i(self, plan: str) -> int:
        try:
            return self._index[plan]
        except KeyError:
            raise KeyError(f"no plan {plan!r} in this coverage") from None

    def gaps(self, a: str, b: str) -> list[str]:
        """Themes plan ``a`` covers and plan ``b`` does not (theme order)."""
        i, j = self._i(a), self._i(b)
        lack = self.levels[j] == 0 if self.strict else self.levels[j] < 2
        return [self.themes[t] for t in np.flatnonzero((self.levels[i] == 2) & lack)]

    def to_frame(self):  # -> pandas.DataFrame
        """Plans × plans gap counts (row covers, column lacks), labelled."""
        import pandas as pd

        return pd.DataFrame(self.counts, index=self.labels, columns=self.labels)

    def to_long(self, *, plans: Sequence[str] | None = None):  # -> pandas.DataFrame
        """One row per (plan, other plan, theme) gap: ``plan`` covers ``theme``, ``other`` does not.

        With ``plans`` only rows whose ``plan`` is one of them are built (the
        full table for 1,000 plans can have millions of rows).
        """
        import pandas as pd

        rows_i = range(len(self.plan_ids)) if plans is None else [self._i(p) for p in plans]
        cov = self.levels == 2
        lack = self.levels == 0 if self.strict else self.levels < 2
        out: dict[str, list] = {"plan": [], "other": [], "theme": [], "other_level": []}
        labels = self.labels
        for i in rows_i:
            # other plans × themes where i covers and the other lacks
            js, ts = np.nonzero(cov[i][None, :] & lack)
            keep = js != i
            js, ts = js[keep], ts[keep]
            out["plan"] += [labels[i]] * len(js)
            out["other"] += [labels[j] for j in js]
            out["theme"] += [self.themes[t] for t in ts]
            out["other_level"] += [_LEVEL[self.levels[j, t]] for j, t in zip(js, ts, strict=True)]
        return pd.DataFrame(out)

    def __repr__(self) -> str:
        return (
            f"PairGaps({len(self.plan_ids)} plans × {len(self.themes)} themes, "
            f"{int(self.counts.sum())} gaps, strict={self.strict})"
        )


def all_pairs_gaps(coverage, *, strict: bool = False) -> PairGaps:
    """Theme gaps for every ordered plan pair of a :class:`~plancompare.coverage.Coverage`.

    Cheap: one ``plans × themes`` matrix and one matrix product, so 1,000
    plans take milliseconds. ``strict=True`` counts only covered-vs-missing
    gaps (as ``Coverage.gaps(strict=True)``).

    >>> pg = all_pairs_gaps(plans.coverage())            # doctest: +SKIP
    >>> pg.gaps("深圳市 2025", "东莞市 2025")               # doctest: +SKIP
    ['托育', ...]
    >>> pg.to_frame()                                     # doctest: +SKIP
    """
    plan_ids = list(coverage.plan_ids)
    themes = [t.name for t in coverage.themes]
    levels = np.zeros((len(plan_ids), len(themes)), np.int8)
    for i, p in enumerate(plan_ids):
        for t, name in enumerate(themes):
            levels[i, t] = _CODE[coverage.cells[(p, name)].level]
    return _gaps_from_levels(plan_ids, dict(coverage.plan_labels), themes, levels, strict=strict)


def _gaps_from_levels(
    plan_ids: list[str], labels: dict[str, str], themes: list[str], levels: np.ndarray, *, strict: bool
) -> PairGaps:
    covered = (levels == 2).astype(np.float32)
    lack = (levels == 0 if strict else levels < 2).astype(np.float32)
    # exact: small integer sums are exact in float32
    counts = np.rint(covered @ lack.T).astype(np.int32)
    return PairGaps(plan_ids, labels, themes, levels, counts, strict)


# -- section similarity -------------------------------------------------------------------
@dataclass
class PairSimilarity:
    """Section counterparts across every plan pair.

    Rows of the per-section arrays follow the stacked input order (plan by
    plan, section by section); ``section_plan[r]`` is row ``r``'s plan index.

    * ``best[r, j]`` — best cosine of section ``r`` against plan ``j``'s sections
      (``nan`` for its own plan and for plans with no sections);
    * ``best_index[r, j]`` — which section of plan ``j`` (position inside that
      plan), ``-1`` where ``best`` is ``nan``;
    * ``neighbors[r]`` / ``neighbor_scores[r]`` — the plans holding the ``k`` best
      counterparts of section ``r`` (at most one counterpart per plan), best
      first, ``-1`` / ``nan`` padding;
    * ``matched_fraction[i, j]`` — share of plan ``i``'s sections whose best
      counterpart in plan ``j`` scores ≥ ``threshold`` (diagonal 1, ``nan``
      for a plan with no sections);
    * ``mean_best[i, j]`` — mean over plan ``i``'s sections of ``best``.
    """

    plan_ids: list[str]
    threshold: float
    section_plan: np.ndarray
    matched_fraction: np.ndarray
    mean_best: np.ndarray
    neighbors: np.ndarray
    neighbor_scores: np.ndarray
    best: np.ndarray | None = None
    best_index: np.ndarray | None = None

    def to_frame(self, values: str = "matched_fraction"):  # -> pandas.DataFrame
        """Plans × plans summary (``"matched_fraction"`` or ``"mean_best"``)."""
        import pandas as pd

        return pd.DataFrame(getattr(self, values), index=self.plan_ids, columns=self.plan_ids)

    def closest_pairs(self, n: int = 20):  # -> pandas.DataFrame
        """The ``n`` most alike plan pairs by symmetric matched fraction (ties by ids)."""
        import pandas as pd

        m = self.matched_fraction
        sym = (m + m.T) / 2
        iu, ju = np.triu_indices(len(self.plan_ids), k=1)
        vals = np.nan_to_num(sym[iu, ju], nan=-1.0)
        order = np.lexsort((ju, iu, -vals))[:n]
        return pd.DataFrame(
            {
                "a": [self.plan_ids[iu[o]] for o in order],
                "b": [self.plan_ids[ju[o]] for o in order],
                "matched_fraction": [float(sym[iu[o], ju[o]]) for o in order],
                "a_in_b": [float(m[iu[o], ju[o]]) for o in order],
                "b_in_a": [float(m[ju[o], iu[o]]) for o in order],
            }
        )

    def __repr__(self) -> str:
        return (
            f"PairSimilarity({len(self.plan_ids)} plans, {len(self.section_plan)} sections, "
            f"threshold={self.threshold:.3f})"
        )


def all_pairs_similarity(
    section_embeddings_per_plan: Mapping[str, np.ndarray] | Sequence[np.ndarray],
    *,
    threshold: float,
    k: int = 5,
    block: int | None = None,
    working_memory_mb: int = 256,
    keep_best: bool = True,
) -> PairSimilarity:
    """Best counterpart of every section in every other plan, computed in row blocks.

    ``section_embeddings_per_plan`` maps plan id → ``(n_sections, dim)``
    L2-normalised rows (as ``PlanSet.section_embeddings`` returns), or is a
    list of such arrays (ids ``"0"``, ``"1"``, …). ``threshold`` is the
    backend's calibrated ``match`` threshold (``PlanSet.thresholds.match``).

    Memory: one ``block × n_sections_total`` float32 similarity block
    (``block`` defaults to what fits in ``working_memory_mb``) plus, with
    ``keep_best``, the ``n_sections_total × n_plans`` ``best`` /
    ``best_index`` arrays (8 bytes per cell: 480 MB for 1,000 plans × 60
    sections; pass ``keep_best=False`` to keep only the summary and the
    top-``k`` neighbours). Blocks hold whole plans, so a plan's sections are
    never split across blocks.

    Every pair score is needed for the per-plan best, so an approximate or
    tree index cannot prune work here; the blocked matrix product is the
    same brute-force computation scikit-learn's ``NearestNeighbors`` does,
    without its per-chunk copies. Ties go to the lower section index.

    >>> sim = all_pairs_similarity(                           # doctest: +SKIP
    ...     {p.id: plans.section_embeddings(p)[1] for p in plans}, threshold=plans.thresholds.match)
    >>> sim.to_frame()                                        # doctest: +SKIP
    """
    if isinstance(section_embeddings_per_plan, Mapping):
        plan_ids = [str(p) for p in section_embeddings_per_plan]
        mats = [np.asarray(m, np.float32) for m in section_embeddings_per_plan.values()]
    else:
        mats = [np.asarray(m, np.float32) for m in section_embeddings_per_plan]
        plan_ids = [str(i) for i in range(len(mats))]
    n_plans = len(mats)
    dims = {m.shape[1] for m in mats if m.ndim == 2 and len(m)}
    if len(dims) > 1:
        raise ValueError(f"section embeddings have different dimensions: {sorted(dims)}")
    dim = dims.pop() if dims else 1
    sizes = np.array([len(m) for m in mats], np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    total = int(starts[-1])
    X = np.vstack([m.reshape(-1, dim) for m in mats]) if total else np.zeros((0, dim), np.float32)
    section_plan = np.repeat(np.arange(n_plans), sizes)
    nonempty = np.flatnonzero(sizes > 0)
    if block is None:
        block = max(1, (working_memory_mb << 20) // max(1, 4 * total))
    k = max(0, min(k, n_plans - 1))

    best = np.full((total, n_plans), np.nan, np.float32) if keep_best else None
    best_index = np.full((total, n_plans), -1, np.int32) if keep_best else None
    neighbors = np.full((total, k), -1, np.int32)
    neighbor_scores = np.full((total, k), np.nan, np.float32)
    hits = np.zeros((n_plans, n_plans), np.float64)
    sums = np.zeros((n_plans, n_plans), np.float64)

    for p0, p1 in _plan_blocks(sizes, block):
        r0, r1 = int(starts[p0]), int(starts[p1])
        if r1 == r0:
            continue
        sim = X[r0:r1] @ X.T  # (rows in block) × all sections
        bb = np.full((r1 - r0, n_plans), -np.inf, np.float32)
        bi = np.full((r1 - r0, n_plans), -1, np.int32)
        for j in nonempty:
            seg = sim[:, starts[j] : starts[j + 1]]
            arg = seg.argmax(axis=1)
            bi[:, j] = arg
            bb[:, j] = seg[np.arange(len(seg)), arg]
        rows_plan = section_plan[r0:r1]
        bb[np.arange(r1 - r0), rows_plan] = -np.inf  # own plan is not a counterpart
        bi[np.arange(r1 - r0), rows_plan] = -1
        valid = np.isfinite(bb)
        if k:
            _top_plans(bb, r0, k, neighbors, neighbor_scores)
        # per-plan sums over the block's rows (rows are grouped by plan)
        local = starts[p0:p1] - r0
        nz = sizes[p0:p1] > 0
        hit = np.where(valid, bb >= threshold, False).astype(np.float64)
        val = np.where(valid, bb, 0.0).astype(np.float64)
        hits[p0:p1][nz] = np.add.reduceat(hit, local[nz], axis=0)
        sums[p0:p1][nz] = np.add.reduceat(val, local[nz], axis=0)
        if keep_best:
            best[r0:r1] = np.where(valid, bb, np.nan)  # type: ignore[index]
            best_index[r0:r1] = bi  # type: ignore[index]

    with np.errstate(invalid="ignore", divide="ignore"):
        denom = sizes[:, None].astype(np.float64)
        matched = hits / denom
        mean_best = sums / denom
    empty_cols = sizes == 0
    matched[:, empty_cols] = np.nan
    mean_best[:, empty_cols] = np.nan
    np.fill_diagonal(matched, 1.0)
    np.fill_diagonal(mean_best, 1.0)
    matched[sizes == 0] = np.nan
    mean_best[sizes == 0] = np.nan
    return PairSimilarity(
        plan_ids=plan_ids,
        threshold=float(threshold),
        section_plan=section_plan,
        matched_fraction=matched,
        mean_best=mean_best,
        neighbors=neighbors,
        neighbor_scores=neighbor_scores,
        best=best,
        best_index=best_index,
    )


def _plan_blocks(sizes: np.ndarray, block: int) -> list[tuple[int, int]]:
    """Consecutive plan ranges whose section count stays near ``block`` (at least one plan each)."""
    out: list[tuple[int, int]] = []
    p0, rows = 0, 0
    for p, n in enumerate(sizes):
        if rows and rows + n > block:
            out.append((p0, p))
            p0, rows = p, 0
        rows += int(n)
    if p0 < len(sizes):
        out.append((p0, len(sizes)))
    return out


def _top_plans(bb: np.ndarray, r0: int, k: int, neighbors: np.ndarray, scores: np.ndarray) -> None:
    """Fill rows ``r0…`` of ``neighbors``/``scores`` with the ``k`` best plans per row.

    A stable sort on the negated scores breaks ties by the lower plan index.
    """
    order = np.argsort(-bb, axis=1, kind="stable")[:, :k]
    vals = np.take_along_axis(bb, order, axis=1)
    ok = np.isfinite(vals)
    neighbors[r0 : r0 + len(bb)] = np.where(ok, order, -1)
    scores[r0 : r0 + len(bb)] = np.where(ok, vals, np.nan)
