"""Cross-plan section matching, plan similarity and section search.

Works on L2-normalised section embeddings (``embed.encode_texts``), so every
score is a cosine similarity. What counts as a counterpart is decided by the
backend's calibrated ``match`` threshold (``calibration.py``), never a global
magic number.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from .model import Plan, Section, SectionMatch


@dataclass
class Comparison:
    """Result of comparing plan A with plan B section by section.

    ``matches`` holds, for each section of A that has a counterpart in B, the
    best B section (score ≥ ``threshold``); ``only_a`` / ``only_b`` are the
    sections with no counterpart on the other side.
    """

    a: str
    b: str
    a_label: str
    b_label: str
    threshold: float
    matches: list[SectionMatch] = field(default_factory=list)
    only_a: list[Section] = field(default_factory=list)
    only_b: list[Section] = field(default_factory=list)

    def to_frame(self):  # -> pandas.DataFrame
        """Matched pairs as a DataFrame (score descending)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "a_section": m.a_section,
                    "a_heading": m.a_heading,
                    "b_section": m.b_section,
                    "b_heading": m.b_heading,
                    "score": round(m.score, 4),
                }
                for m in self.matches
            ],
            columns=["a_section", "a_heading", "b_section", "b_heading", "score"],
        )

    def unmatched_frame(self):  # -> pandas.DataFrame
        """Sections without counterpart on either side."""
        import pandas as pd

        rows = [{"plan": self.a_label, "section": s.id, "heading": s.heading} for s in self.only_a]
        rows += [{"plan": self.b_label, "section": s.id, "heading": s.heading} for s in self.only_b]
        return pd.DataFrame(rows, columns=["plan", "section", "heading"])

    def __repr__(self) -> str:
        return (
            f"Comparison({self.a_label!r} vs {self.b_label!r}: {len(self.matches)} matched, "
            f"{len(self.only_a)} only in A, {len(self.only_b)} only in B, threshold={self.threshold:.3f})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(m.a_section)} {html.escape(m.a_heading)}</td>"
            f"<td>{html.escape(m.b_section)} {html.escape(m.b_heading)}</td><td>{m.score:.3f}</td></tr>"
            for m in self.matches
        )
        only = "".join(
            f"<li>{html.escape(lab)} {html.escape(s.id)} {html.escape(s.heading)}</li>"
            for lab, secs in ((self.a_label, self.only_a), (self.b_label, self.only_b))
            for s in secs
        )
        return (
            f"<div><b>{html.escape(self.a_label)}</b> vs <b>{html.escape(self.b_label)}</b> "
            f"(threshold {self.threshold:.3f})<table><tr><th>A</th><th>B</th><th>score</th></tr>{rows}</table>"
            f"<p>No counterpart:</p><ul>{only}</ul></div>"
        )


#: Weight of the sentence-level score in :func:`section_scores` (the rest is the section-vector cosine).
SENTENCE_WEIGHT = 0.5


def section_scores(
    a_emb: np.ndarray,
    b_emb: np.ndarray,
    a_sentences: Sequence[np.ndarray] | None = None,
    b_sentences: Sequence[np.ndarray] | None = None,
    *,
    sentence_weight: float = SENTENCE_WEIGHT,
) -> np.ndarray:
    """A × B section scores, on the cosine scale.

    Without sentences: the cosine of the section vectors. With them
    (``a_sentences[i]``: the sentence embeddings of A's section ``i``), the
    cosine is blended with how well each B section covers A's sentences: the
    mean over A's sentences of their best cosine with any sentence of the B
    section. A pooled vector blurs a long item that chains several actions;
    the sentence term rewards the B item that actually says the same things
    (P@1 on the labelled pairs: docs/quality.md).

    >>> a = np.eye(3, dtype=np.float32)
    >>> section_scores(a[:2], a[1:]).tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """
    if not len(a_emb) or not len(b_emb):
        return np.zeros((len(a_emb), len(b_emb)), np.float32)
    pooled = a_emb @ b_emb.T
    if a_sentences is None or b_sentences is None or not sentence_weight:
        return pooled
    ua, ub = np.vstack(a_sentences), np.vstack(b_sentences)
    a_n = np.array([len(m) for m in a_sentences])
    b_starts = np.cumsum([0] + [len(m) for m in b_sentences[:-1]])
    a_starts = np.cumsum(np.r_[0, a_n[:-1]])
    best = np.maximum.reduceat(ua @ ub.T, b_starts, axis=1)  # A sentence × B section
    covered = np.add.reduceat(best, a_starts, axis=0) / a_n[:, None]  # A section × B section
    return ((1 - sentence_weight) * pooled + sentence_weight * covered).astype(np.float32)


#: Weight of the heading term in :func:`rank_scores` (chosen by cross-validation: benchmarks/matching.py).
HEADING_WEIGHT = 0.3
#: Neighbourhood size of the hubness correction in :func:`rank_scores`.
HUB_K = 1
_HAN = re.compile(r"[^\u4e00-\u9fff]")


def heading_similarity(a_headings: Sequence[str], b_headings: Sequence[str]) -> np.ndarray:
    """A × B cosine of the headings' character-bigram tf-idf vectors.

    IDF is taken over the headings of both plans, so words every heading has
    (加强, 推进, 体系) weigh little and topic words (传染病, 综合监管) much.

    >>> sim = heading_similarity(["加大重点传染病防控力度", "强化医疗质量管理"], ["抓好重大传染病防控"])
    >>> (sim * 100).round().astype(int).tolist()
    [[29], [0]]
    """
    grams = [_bigrams(h) for h in (*a_headings, *b_headings)]
    df = Counter(g for c in grams for g in c)
    n = len(grams)
    idf = {g: math.log(n / (1 + k)) + 1.0 for g, k in df.items()}
    vocab = {g: i for i, g in enumerate(sorted(idf))}
    m = np.zeros((n, max(len(vocab), 1)), np.float32)
    for r, c in enumerate(grams):
        for g, k in c.items():
            m[r, vocab[g]] = k * idf[g]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    m = np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
    na = len(a_headings)
    return m[:na] @ m[na:].T


def _bigrams(text: str) -> Counter[str]:
    t = _HAN.sub("", text)
    return Counter(t[i : i + 2] for i in range(len(t) - 1))


def rank_scores(
    scores: np.ndarray,
    a_headings: Sequence[str],
    b_headings: Sequence[str],
    *,
    heading_weight: float = HEADING_WEIGHT,
    hub_k: int = HUB_K,
) -> np.ndarray:
    """Scores that pick each A section's counterpart (not on the cosine scale).

    Two corrections of :func:`section_scores`:

    * headings: plans put the topic in the item heading (``抓好重大传染病防控`` /
      ``加大重点传染病防控力度``); :func:`heading_similarity` is added with
      weight ``heading_weight``;
    * hubness: a broad B item (``深化医疗卫生体制改革``) is close to many A items
      and wins them all. As in CSLS (Conneau et al. 2018) each score is
      lowered by the mean of the ``hub_k`` best scores of its row and of its
      column, so a pair must stand out for *both* sections — a soft form of
      mutual best match.

    The calibrated match threshold still applies to :func:`section_scores`.
    """
    if not scores.size:
        return scores
    s = scores + heading_weight * heading_similarity(a_headings, b_headings) if heading_weight else scores
    if hub_k <= 0:
        return s.astype(np.float32)
    k_row, k_col = min(hub_k, s.shape[1]), min(hub_k, s.shape[0])
    row = np.sort(s, axis=1)[:, -k_row:].mean(axis=1, keepdims=True)
    col = np.sort(s, axis=0)[-k_col:, :].mean(axis=0, keepdims=True)
    return (2 * s - row - col).astype(np.float32)


def compare_sections(
    a: Plan,
    a_sections: Sequence[Section],
    b: Plan,
    b_sections: Sequence[Section],
    sim: np.ndarray,
    *,
    threshold: float,
    rank: np.ndarray | None = None,
) -> Comparison:
    """Match each section of A to its most similar section of B.

    ``sim`` is the A × B score matrix (:func:`section_scores`). The counterpart
    of an A section is the B section with the best ``rank`` score
    (:func:`rank_scores`; ``sim`` itself when not given); the pair is kept
    when its ``sim`` score is at least ``threshold``. Sections of B that are
    nobody's best match and whose own best score is below the threshold are
    reported in ``only_b``.
    """
    cmp = Comparison(a=a.id, b=b.id, a_label=a.label, b_label=b.label, threshold=threshold)
    if not len(a_sections) or not len(b_sections):
        cmp.only_a, cmp.only_b = list(a_sections), list(b_sections)
        return cmp
    best_b = (sim if rank is None else rank).argmax(axis=1)
    for i, sa in enumerate(a_sections):
        j = int(best_b[i])
        score = float(sim[i, j])
        if score >= threshold:
            sb = b_sections[j]
            cmp.matches.append(
                SectionMatch(
                    a_plan=a.id,
                    a_section=sa.id,
                    b_plan=b.id,
                    b_section=sb.id,
                    score=score,
                    a_heading=sa.heading,
                    b_heading=sb.heading,
                    a_text=sa.text,
                    b_text=sb.text,
                )
            )
        else:
            cmp.only_a.append(sa)
    best_a = sim.max(axis=0)
    cmp.only_b = [sb for j, sb in enumerate(b_sections) if best_a[j] < threshold]
    cmp.matches.sort(key=lambda m: (-m.score, m.a_section))
    return cmp


def matched_share(ab: Comparison, ba: Comparison, n_a: int, n_b: int) -> float:
    """Plan similarity as the share of sections that have a counterpart, both ways.

    ``(matched A sections / n_a + matched B sections / n_b) / 2`` with
    ``ab = compare(A, B)``, ``ba = compare(B, A)``. Unlike the cosine of mean
    plan vectors (0.94–0.97 for any two health plans) this spreads from 0 to 1.
    """
    share_a = len(ab.matches) / n_a if n_a else 0.0
    share_b = len(ba.matches) / n_b if n_b else 0.0
    return (share_a + share_b) / 2


def plan_vectors(embeddings: Sequence[np.ndarray]) -> np.ndarray:
    """One normalised vector per plan: the mean of its section embeddings."""
    rows = []
    for e in embeddings:
        v = e.mean(axis=0) if len(e) else np.zeros(embeddings[0].shape[1] if embeddings else 1, np.float32)
        n = np.linalg.norm(v)
        rows.append(v / n if n else v)
    return np.vstack(rows).astype(np.float32)


def top_k(query: np.ndarray, matrix: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Indices and scores of the ``k`` rows of ``matrix`` most similar to ``query``, best first.

    Ties are broken by row index so results are deterministic.
    """
    if not len(matrix):
        return []
    scores = matrix @ query
    k = min(k, len(scores))
    order = np.lexsort((np.arange(len(scores)), -scores))[:k]
    return [(int(i), float(scores[i])) for i in order]


def blocked_best_matches(
    a_emb: np.ndarray, b_emb: np.ndarray, *, block: int = 4096
) -> Iterator[tuple[int, int, float]]:
    """Yield ``(i, j, score)`` best B row for each A row, computing the similarity in row blocks.

    Keeps memory at ``block × len(b_emb)`` floats instead of the full matrix.
    """
    for start in range(0, len(a_emb), block):
        sim = a_emb[start : start + block] @ b_emb.T
        j = sim.argmax(axis=1)
        for off, jj in enumerate(j):
            yield start + off, int(jj), float(sim[off, jj])
