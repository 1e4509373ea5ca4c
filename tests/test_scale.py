"""Scale path end to end on 10 synthetic plans, with a fast deterministic hashing embedder.

The synthetic corpus (``benchmarks/synth.py``) is built from the real seed
items; ``plancompare.allpairs`` results are checked against the brute-force
dense computation, which is affordable at this size.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from plancompare.allpairs import all_pairs_gaps, all_pairs_similarity
from plancompare.calibration import CoverageThresholds
from plancompare.planset import PlanSet, load_plans

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import synth  # noqa: E402

N, SECTIONS = 10, 12


class HashEmbedder:
    """Character-bigram hashing embedder: deterministic, fast, L2-normalised rows."""

    name = "test-hash-bigrams"
    dim = 128

    def encode(self, texts, *args, **kwargs) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for a, b in zip(t, t[1:], strict=False):
                out[i, zlib.crc32((a + b).encode("utf-8")) % self.dim] += 1.0
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(n == 0, 1.0, n)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("synth")
    synth.build_corpus(d, N, sections=SECTIONS, seed=0)
    return d


@pytest.fixture(scope="module")
def planset(corpus: Path) -> PlanSet:
    plans = load_plans(corpus, embedder=HashEmbedder(), cache_dir=False)
    # a fixed matching bar: the hashing model's cosines carry no meaning
    plans.thresholds = CoverageThresholds(match=0.6)
    return plans


def test_synthetic_corpus_is_deterministic_and_prefix_stable(corpus: Path, tmp_path: Path) -> None:
    again = synth.build_corpus(tmp_path / "again", N, sections=SECTIONS, seed=0)
    small = synth.build_corpus(tmp_path / "small", 3, sections=SECTIONS, seed=0)
    other = synth.build_corpus(tmp_path / "other", 3, sections=SECTIONS, seed=1)
    first = sorted(corpus.glob("*.txt"))
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in first]
    assert [p.read_bytes() for p in small] == [p.read_bytes() for p in first[:3]]
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in first[:3]]


def test_synthetic_plans_load_with_their_outline(planset: PlanSet) -> None:
    assert len(planset) == N
    assert not planset.load_report.failed
    for p in planset:
        assert len(p.items) == SECTIONS, p.id
        assert 1 <= len(p.parts) <= SECTIONS
        title = p.text.splitlines()[0]
        assert p.region and p.region in title and str(p.year) in title
        assert not [w for w in p.warnings if w.kind in ("no-outline", "encoding", "damaged-text")]
        assert "".join(s.text for s in p.sections) == p.text
    assert len({(p.region, p.year) for p in planset}) == N


def test_all_pairs_gaps_equal_pairwise_coverage_gaps(planset: PlanSet) -> None:
    cov = planset.coverage(with_targets=False)
    for strict in (False, True):
        pg = all_pairs_gaps(cov, strict=strict)
        assert pg.counts.shape == (N, N)
        assert not np.diag(pg.counts).any()
        for i, a in enumerate(cov.plan_ids):
            for j, b in enumerate(cov.plan_ids):
                if i == j:
                    continue
                df = cov.gaps(a, b, strict=strict)
                expected = sorted(df.loc[df.covered_by_id == a, "theme"])
                assert sorted(pg.gaps(a, b)) == expected, (a, b, strict)
                assert pg.counts[i, j] == len(expected)
        assert len(pg.to_long()) == int(pg.counts.sum())
    assert all_pairs_gaps(cov).counts.sum() > 0  # the comparison above was not vacuous


def _dense(mats: list[np.ndarray], threshold: float, k: int):
    """Brute-force reference: full sections × sections matrix."""
    X = np.vstack(mats)
    S = X @ X.T
    sizes = [len(m) for m in mats]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    owner = np.repeat(np.arange(len(mats)), sizes)
    P = len(mats)
    best = np.full((len(X), P), np.nan, np.float32)
    arg = np.full((len(X), P), -1)
    for r in range(len(X)):
        for j in range(P):
            if j == owner[r] or not sizes[j]:
                continue
            seg = S[r, starts[j] : starts[j + 1]]
            arg[r, j] = int(np.argmax(seg))
            best[r, j] = seg[arg[r, j]]
    frac = np.ones((P, P))
    mean = np.ones((P, P))
    for i in range(P):
        for j in range(P):
            if i != j:
                rows = best[starts[i] : starts[i + 1], j]
                frac[i, j] = np.mean(rows >= threshold)
                mean[i, j] = np.mean(rows)
    neigh = []
    for r in range(len(X)):
        cand = sorted((-best[r, j], j) for j in range(P) if not np.isnan(best[r, j]))[:k]
        neigh.append([j for _, j in cand])
    return best, arg, frac, mean, neigh


@pytest.mark.parametrize("block", [1, 25, None])
def test_all_pairs_similarity_equals_dense(planset: PlanSet, block: int | None) -> None:
    mats = {p.id: planset.section_embeddings(p)[1] for p in planset}
    arrays = list(mats.values())
    off = np.vstack(arrays) @ np.vstack(arrays).T
    threshold = float(np.median(off))  # so matched fractions are neither all 0 nor all 1
    k = 3
    got = all_pairs_similarity(mats, threshold=threshold, k=k, block=block)
    best, arg, frac, mean, neigh = _dense(arrays, threshold, k)
    assert got.plan_ids == list(mats)
    np.testing.assert_allclose(got.best, best, atol=1e-5)
    np.testing.assert_array_equal(got.best_index, arg)
    np.testing.assert_allclose(got.matched_fraction, frac, atol=1e-9)
    np.testing.assert_allclose(got.mean_best, mean, atol=1e-5)
    assert [[int(x) for x in row if x >= 0] for row in got.neighbors] == neigh
    assert 0 < np.nanmean(got.matched_fraction[~np.eye(N, dtype=bool)]) < 1
    pairs = got.closest_pairs(5)
    assert len(pairs) == 5 and pairs.matched_fraction.is_monotonic_decreasing


def test_all_pairs_similarity_edge_cases() -> None:
    e = np.eye(4, dtype=np.float32)
    mats = {"A": e[:2], "empty": np.zeros((0, 4), np.float32), "B": e[:2], "C": e[2:], "D": e[:2]}
    got = all_pairs_similarity(mats, threshold=0.99, k=2, block=1)
    # A's sections appear verbatim in B and D and nowhere in C; the B/D tie goes to the lower plan
    assert got.matched_fraction[0].tolist()[2:] == [1.0, 0.0, 1.0]
    assert np.isnan(got.matched_fraction[0, 1]) and np.isnan(got.matched_fraction[1]).all()
    assert got.neighbors[0].tolist() == [2, 4]
    assert got.neighbors[4].tolist() == [0, 2]
    assert got.best_index[0, 2] == 0 and got.best_index[1, 2] == 1
    assert got.section_plan.tolist() == [0, 0, 2, 2, 3, 3, 4, 4]
    lean = all_pairs_similarity(mats, threshold=0.99, k=2, keep_best=False)
    assert lean.best is None
    np.testing.assert_array_equal(lean.matched_fraction, got.matched_fraction)
    with pytest.raises(ValueError, match="dimensions"):
        all_pairs_similarity([e, np.eye(3, dtype=np.float32)], threshold=0.5)
