"""Theme discovery: cluster sections across plans and label clusters with c-TF-IDF.

Finds themes nobody listed: sections from all plans are clustered on their
embeddings (scikit-learn agglomerative clustering on cosine distance, which
is deterministic), each cluster is labelled with its most distinctive jieba
words (class-based TF-IDF, as in BERTopic), and clusters that appear in some
plans only are flagged.
"""

from __future__ import annotations

import html
import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .model import Plan, Section

logger = logging.getLogger(__name__)

# Average-linkage clustering needs the full n × n distance matrix (8 bytes a cell): 4,000
# sections ≈ 128 MB. Beyond that a deterministic, per-plan proportional sample is clustered.
MAX_SECTIONS = 4_000

if TYPE_CHECKING:
    from .coverage import Coverage

# Words that occur in every plan and say nothing about a theme.
_STOP = set(
    [
        "推进",
        "推动",
        "加强",
        "提升",
        "完善",
        "建设",
        "开展",
        "深化",
        "落实",
        "健全",
        "持续",
        "加快",
        "强化",
        "实施",
        "进一步",
        "全面",
        "深入",
        "积极",
        "不断",
        "工作",
        "体系",
        "服务",
        "发展",
        "管理",
        "机制",
        "能力",
        "水平",
        "质量",
        "卫生",
        "健康",
        "医疗",
        "医疗卫生",
        "卫生健康",
        "全市",
        "全区",
        "我市",
        "我区",
        "市",
        "区",
        "打造",
        "优化",
        "做好",
        "构建",
        "促进",
        "提高",
        "支持",
        "坚持",
        "组织",
        "相关",
        "重点",
        "各项",
        "有效",
        "项目",
        "建立",
        "探索",
        "力争",
        "确保",
        "以上",
        "年",
        "个",
        "家",
        "统筹",
        "创新",
        "高质量",
        "高水平",
        "一批",
        "覆盖",
        "专项",
        "行动",
        "制度",
        "计划",
        "方案",
        "政策",
        "新",
        "全",
        "好",
        "及",
        "等",
        "和",
        "与",
        "的",
        "在",
        "为",
        "对",
        "是",
        "将",
        "把",
    ]
)
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9+]*$")


@dataclass
class DiscoveredTheme:
    """A cluster of sections from one or more plans."""

    id: int
    label: str
    words: list[str]
    sections: list[tuple[str, str, str]]  # (plan id, section id, heading)
    plans: list[str]
    only_some: bool


@dataclass
class Discovery:
    """Result of :func:`discover_themes`."""

    themes: list[DiscoveredTheme]
    plan_ids: list[str]
    plan_labels: dict[str, str] = field(default_factory=dict)
    note: str = ""  # why there are no clusters, or what was left out

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "id": t.id,
                    "label": t.label,
                    "words": " ".join(t.words),
                    "plans": ", ".join(self.plan_labels.get(p, p) for p in t.plans),
                    "sections": len(t.sections),
                    "only_some": t.only_some,
                }
                for t in self.themes
            ]
        )

    def topics_per_class(self):
        """Sections per discovered theme and plan (BERTopic's ``topics_per_class`` shape)."""
        import pandas as pd

        rows = [
            {"theme": t.label, "plan": self.plan_labels.get(p, p), "sections": n}
            for t in self.themes
            for p in self.plan_ids
            if (n := sum(1 for s in t.sections if s[0] == p))
        ]
        return pd.DataFrame(rows, columns=["theme", "plan", "sections"])

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, escape=True)

    def __repr__(self) -> str:
        some = sum(t.only_some for t in self.themes)
        note = f"; {self.note}" if self.note else ""
        return f"Discovery({len(self.themes)} clusters, {some} present in some plans only{note})"


def discover_themes(
    sections: Sequence[tuple[Plan, Section]],
    embeddings: np.ndarray,
    *,
    distance_threshold: float | None = None,
    n_clusters: int | None = None,
    top_words: int = 5,
    min_size: int = 2,
    max_sections: int = MAX_SECTIONS,
    label_sample: int = 50,
) -> Discovery:
    """Cluster ``sections`` (with their embedding rows) into themes.

    Either ``n_clusters`` or ``distance_threshold`` (cosine distance, average
    linkage) sets the granularity; by default the number of clusters is about
    the mean number of sections per plan. Clusters smaller than ``min_size``
    are dropped. Sections with no text to embed (zero vectors) are left out;
    beyond ``max_sections`` an evenly spaced sample of each plan's sections is
    clustered. Discovery never fails a report: if clustering cannot run, the
    result has no clusters and :attr:`Discovery.note` says why (also warned).
    A cluster's label words come from at most ``label_sample`` of its sections,
    those nearest its centre: jieba is the slow part on big corpora (≈ 80 s for
    the 8,800 sections of 646 reports), and a theme's distinctive words show in
    its central sections.
    """
    plan_ids = list(dict.fromkeys(p.id for p, _ in sections))
    labels_by_plan = {p.id: p.label for p, _ in sections}
    try:
        return _discover(
            sections,
            embeddings,
            plan_ids,
            labels_by_plan,
            distance_threshold,
            n_clusters,
            top_words,
            min_size,
            max_sections,
            label_sample,
        )
    except Exception as e:  # noqa: BLE001 - discovery is an extra; it must never cost the report
        note = f"theme discovery skipped: {type(e).__name__}: {e}"
        if isinstance(e, MemoryError):
            note = f"theme discovery skipped: out of memory clustering {len(sections):,} sections"
        logger.warning("%s", note)
        warnings.warn(note, stacklevel=2)
        return Discovery([], plan_ids, labels_by_plan, note=note)


def _discover(
    sections: Sequence[tuple[Plan, Section]],
    embeddings: np.ndarray,
    plan_ids: list[str],
    labels_by_plan: dict[str, str],
    distance_threshold: float | None,
    n_clusters: int | None,
    top_words: int,
    min_size: int,
    max_sections: int,
    label_sample: int,
) -> Discovery:
    from sklearn.cluster import AgglomerativeClustering

    notes: list[str] = []
    emb = np.asarray(embeddings, dtype=np.float32).reshape(len(sections), -1) if len(sections) else embeddings
    keep = [i for i in range(len(sections)) if np.isfinite(emb[i]).all() and np.any(emb[i])]
    if len(keep) < len(sections):
        skipped = sorted(
            {sections[i][0].id for i in range(len(sections))} - {sections[i][0].id for i in keep}
        )
        notes.append(f"{len(sections) - len(keep)} section(s) without embeddable text left out")
        for pid in skipped:  # whole plans with nothing to cluster: say which file
            plan = next(p for p, _ in sections if p.id == pid)
            _warn_plan(plan, "has no section with embeddable text; left out of theme discovery")
    if len(keep) > max_sections:
        keep = _sample(keep, [sections[i][0].id for i in keep], max_sections)
        notes.append(f"{max_sections:,} of {len(sections):,} sections sampled (evenly, per plan)")
    if notes:
        logger.info("discovery: %s", "; ".join(notes))
    sub = [sections[i] for i in keep]
    note = "; ".join(notes)
    if len(sub) < 2:
        reason = "fewer than two sections with embeddable text"
        return Discovery([], plan_ids, labels_by_plan, note="; ".join(filter(None, [reason, note])))
    x = emb[keep]
    n_plans = len({p.id for p, _ in sub})
    if n_clusters is None and distance_threshold is None:
        n_clusters = max(2, min(len(sub) - 1, round(len(sub) / max(1, n_plans))))
    model = AgglomerativeClustering(
        n_clusters=n_clusters,
        distance_threshold=distance_threshold,
        metric="cosine",
        linkage="average",
    )
    assign = model.fit_predict(x)
    docs: dict[int, list[int]] = {}
    for i, c in enumerate(assign):
        docs.setdefault(int(c), []).append(i)
    clusters = [
        (c, idx)
        for c, idx in sorted(docs.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        if len(idx) >= min_size
    ]
    words = _ctfidf(
        [
            " ".join(w for i in _central(x, idx, label_sample) for w in _tokens(sub[i][1].text))
            for _, idx in clusters
        ],
        top_words,
    )
    themes = []
    for k, ((_, idx), top) in enumerate(zip(clusters, words, strict=True)):
        members = {sub[i][0].id for i in idx}
        plans_in = [p for p in plan_ids if p in members]
        themes.append(
            DiscoveredTheme(
                id=k,
                label="·".join(top[:3]) or f"cluster {k}",
                words=top,
                sections=[(sub[i][0].id, sub[i][1].id, sub[i][1].heading) for i in idx],
                plans=plans_in,
                only_some=len(plans_in) < len(plan_ids),
            )
        )
    return Discovery(themes, plan_ids, labels_by_plan, note=note)


def _warn_plan(plan: Plan, problem: str) -> None:
    msg = f"{plan.path or plan.id}: {problem}"
    logger.warning("%s", msg)
    warnings.warn(msg, stacklevel=4)


def _sample(idx: list[int], owner: list[str], cap: int) -> list[int]:
    """``cap`` of ``idx``: each plan keeps a share proportional to its size, evenly spaced (deterministic)."""
    by_plan: dict[str, list[int]] = {}
    for i, o in zip(idx, owner, strict=True):
        by_plan.setdefault(o, []).append(i)
    out: list[int] = []
    for members in by_plan.values():
        k = max(1, cap * len(members) // len(idx))
        step = len(members) / k
        out += [members[int(j * step)] for j in range(k)]
    return sorted(out)[:cap]


def _central(embeddings: np.ndarray, idx: list[int], k: int) -> list[int]:
    """The ``k`` members of a cluster nearest its mean direction (all of them when it is small), in order."""
    if len(idx) <= k:
        return idx
    rows = np.asarray(embeddings[idx], dtype=np.float64)
    score = rows @ rows.mean(axis=0)
    keep = np.lexsort((np.arange(len(idx)), -np.round(score, 6)))[:k]
    return [idx[i] for i in sorted(keep.tolist())]


def _tokens(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if len(w) >= 2 and _WORD.match(w) and w not in _STOP]


def _ctfidf(class_docs: list[str], top: int) -> list[list[str]]:
    """Class-based TF-IDF: tf of a word in a class × log(1 + mean words per class / word frequency overall)."""
    from sklearn.feature_extraction.text import CountVectorizer

    if not class_docs:
        return []
    if not any(d.strip() for d in class_docs):  # no word survives the stop list: unlabelled clusters
        return [[] for _ in class_docs]
    vec = CountVectorizer(tokenizer=str.split, token_pattern=None, lowercase=False)
    counts = vec.fit_transform(class_docs).toarray().astype(np.float64)
    vocab = np.asarray(vec.get_feature_names_out())
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg = counts.sum() / len(class_docs)
    idf = np.log(1 + avg / np.maximum(counts.sum(axis=0), 1))
    score = tf * idf
    out = []
    for row in score:
        order = np.lexsort((vocab, -row))[:top]
        out.append([str(vocab[i]) for i in order if row[i] > 0])
    return out


def describe(d: Discovery) -> str:
    """Plain-text summary (one line per cluster)."""
    return "\n".join(
        f"{t.id:>3} {t.label:<20} {len(t.sections):>3} sections  {'*' if t.only_some else ' '} "
        + html.unescape(", ".join(d.plan_labels.get(p, p) for p in t.plans))
        for t in d.themes
    )


# -- agreement with coverage --------------------------------------------------------------------
# A shown cluster's sections must be about as alike as a cluster that means one thing:
# coherence = (mean pairwise cosine of its sections − mean pairwise cosine of all sections)
#             / (1 − mean pairwise cosine of all sections),
# i.e. how far the cluster is from a random set of sections (0) towards identical sections (1).
# On the seeds with USE, clusters that mix topics (爱国卫生运动 with 信息化 and 行业文化建设)
# score 0.23–0.32 and single-topic ones 0.38–0.57.
MIN_COHERENCE = 0.35
# The label's words must occur in at least this share of the cluster's sections.
MIN_LABEL_SHARE = 2 / 3


@dataclass
class CheckedCluster:
    """A discovered cluster after checking it against coverage (see :func:`check_against_coverage`)."""

    theme: DiscoveredTheme
    coherence: float
    label_share: float
    related: list[str]  # listed themes the cluster is about (see check_against_coverage)
    matches: str  # the listed theme the cluster *is*, or ""
    missing_from: list[str]  # plan ids that have nothing of the cluster's meaning
    shown: bool
    reason: str  # why it is left out ("" when shown)


def check_against_coverage(
    discovery: Discovery,
    coverage: Coverage,
    plans: Sequence[Plan],
    vectors: dict[tuple[str, str], np.ndarray],
    *,
    min_coherence: float = MIN_COHERENCE,
) -> list[CheckedCluster]:
    """Check each only-some-plans cluster against ``coverage`` so the report cannot contradict itself.

    * A listed theme is *related* to a cluster when at least half of the cluster's
      sections hold covered evidence for it, or one of the cluster's label words is
      one of its keywords or its name. The theme a majority of the sections are
      evidence for, or whose keyword is the label's first word, is the theme the
      cluster *is*: such a cluster is left out (the coverage table already shows it).
    * A plan is "not in" the cluster only when it covers none of the related themes,
      uses none of the cluster's label words, and has no section as close to the
      cluster's centroid as the cluster's own least typical member.
    * Clusters below ``min_coherence`` (see :data:`MIN_COHERENCE`) or whose label words
      occur in fewer than :data:`MIN_LABEL_SHARE` of their sections are left out.

    ``plans`` are the clustered plans and ``vectors`` maps (plan id, section id) to the
    section's embedding. Clusters present in every plan are not returned.
    """
    by_id = {p.id: p for p in plans}
    keys = list(vectors)
    if not keys:
        return []
    mat = np.vstack([vectors[k] for k in keys]).astype(np.float64)
    mat /= np.maximum(np.linalg.norm(mat, axis=1, keepdims=True), 1e-12)
    n = len(keys)
    total = mat.sum(axis=0)
    corpus_mean = float((total @ total - n) / max(1, n * n - n))
    row_of = {k: i for i, k in enumerate(keys)}
    evidence: dict[tuple[str, str], set[str]] = {}  # (plan, section) → themes it is covered evidence for
    for (pid, theme), cell in coverage.cells.items():
        if cell.level == "covered":
            for ev in cell.evidence:
                evidence.setdefault((pid, ev.section_id), set()).add(theme)
    themes = list(coverage.themes)
    out = []
    for t in discovery.themes:
        if not t.only_some:
            continue
        members = [(p, s) for p, s, _ in t.sections if (p, s) in row_of]
        if len(members) < 2:
            continue
        m = mat[[row_of[k] for k in members]]
        k = len(m)
        msum = m.sum(axis=0)
        coherence = ((msum @ msum - k) / (k * k - k) - corpus_mean) / max(1e-9, 1 - corpus_mean)
        words = t.words[:3]
        texts = [by_id[p].section(s).text for p, s in members]
        label_share = sum(any(w in x for w in words) for x in texts) / k
        counts = {th.name: sum(th.name in evidence.get(key, ()) for key in members) for th in themes}
        named = {th.name for th in themes if any(w == th.name or w in th.keywords for w in t.words)}
        related = [th.name for th in themes if 2 * counts[th.name] >= k or th.name in named]
        first = t.words[0] if t.words else ""
        matches = next(
            (
                th.name
                for th in sorted(themes, key=lambda th: -counts[th.name])
                if 2 * counts[th.name] > k or first == th.name or first in th.keywords
            ),
            "",
        )
        centroid = msum / max(1e-12, float(np.linalg.norm(msum)))
        radius = float((m @ centroid).min())
        missing = []
        for pid in discovery.plan_ids:
            if pid in t.plans:
                continue
            if any(
                coverage.cells[(pid, r)].level == "covered" for r in related if (pid, r) in coverage.cells
            ):
                continue
            if any(w in by_id[pid].text for w in words):
                continue
            rows = [row_of[key] for key in keys if key[0] == pid]
            if rows and float((mat[rows] @ centroid).max()) >= radius:
                continue
            missing.append(pid)
        if matches:
            reason = "matches a listed theme"
        elif coherence < min_coherence or label_share < MIN_LABEL_SHARE:
            reason = "not coherent"
        elif not missing:
            reason = "in every plan once coverage is counted"
        else:
            reason = ""
        out.append(
            CheckedCluster(t, float(coherence), label_share, related, matches, missing, not reason, reason)
        )
    return out
