"""Cross-plan matching, similarity and search on the real seeds."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from conftest import DONGGUAN, LONGGANG, SZ2022, SZ2025

from plancompare.match import (
    HEADING_WEIGHT,
    HUB_K,
    blocked_best_matches,
    heading_similarity,
    rank_scores,
    section_scores,
    top_k,
)


def test_longgang_childcare_matches_shenzhen_childcare(seed_planset):
    cmp = seed_planset.compare(LONGGANG, SZ2025)
    a_sec = next(s for s in seed_planset[LONGGANG].items if "托育" in s.heading)
    m = next(m for m in cmp.matches if m.a_section == a_sec.id)
    b_sec = seed_planset[SZ2025].section(m.b_section)
    assert "托育" in seed_planset[SZ2025].subtree_text(b_sec.id)
    assert m.score >= cmp.threshold


def test_comparison_partitions_sections(seed_planset):
    cmp = seed_planset.compare(SZ2022, SZ2025)
    a_items = {s.id for s in seed_planset.match_sections(seed_planset[SZ2022])}
    assert {m.a_section for m in cmp.matches} | {s.id for s in cmp.only_a} == a_items
    assert not {m.a_section for m in cmp.matches} & {s.id for s in cmp.only_a}
    scores = [m.score for m in cmp.matches]
    assert scores == sorted(scores, reverse=True)
    assert len(cmp.to_frame()) == len(cmp.matches)


def test_labelled_pairs_mostly_rank_first(seed_planset, labels_dir):
    pairs = yaml.safe_load((labels_dir / "labels" / "pairs.yaml").read_text(encoding="utf-8"))
    pairs = pairs["pairs"] if isinstance(pairs, dict) else pairs
    hits = pooled_hits = total = 0
    for p in pairs:
        sa, sb, scores = seed_planset.section_scores(p["a"], p["b"])  # what compare() decides on
        _, ea = seed_planset.section_embeddings(p["a"])
        _, eb = seed_planset.section_embeddings(p["b"])
        ia = [i for i, s in enumerate(sa) if s.id == str(p["a_section"])]
        assert ia, p
        total += 1
        hits += sb[int(np.argmax(scores[ia[0]]))].id == str(p["b_section"])
        pooled_hits += sb[int(np.argmax(eb @ ea[ia[0]]))].id == str(p["b_section"])
    assert total >= 50
    assert hits / total >= 0.75
    assert hits > pooled_hits  # the sentence term is why section_scores exists


def test_section_scores_blend_cosine_with_sentence_coverage():
    rng = np.random.default_rng(0)

    def unit(n: int) -> np.ndarray:
        m = rng.standard_normal((n, 16)).astype(np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    a_sent, b_sent = [unit(3), unit(1), unit(4)], [unit(2), unit(5)]
    a_emb, b_emb = unit(3), unit(2)
    got = section_scores(a_emb, b_emb, a_sent, b_sent, sentence_weight=0.25)
    for i, sa in enumerate(a_sent):
        for j, sb in enumerate(b_sent):
            covered = (sa @ sb.T).max(axis=1).mean()
            assert got[i, j] == pytest.approx(0.75 * float(a_emb[i] @ b_emb[j]) + 0.25 * covered, abs=1e-5)
    np.testing.assert_allclose(section_scores(a_emb, b_emb), a_emb @ b_emb.T)


def test_similarity_matrix(seed_planset):
    sim = seed_planset.similarity()
    assert sim.shape == (5, 5)
    assert np.allclose(np.diag(sim.values), 1.0, atol=1e-3)
    assert np.allclose(sim.values, sim.values.T)


def test_search_childcare(seed_planset):
    res = seed_planset.search("托育 托位", k=5)
    assert len(res) == 5
    assert list(res["score"]) == sorted(res["score"], reverse=True)
    assert sum("托" in t for t in res["text"]) >= 3


def test_top_k_and_blocked_are_consistent():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 8)).astype(np.float32)
    b = rng.normal(size=(30, 8)).astype(np.float32)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    dense = a @ b.T
    got = list(blocked_best_matches(a, b, block=7))
    assert [j for _, j, _ in got] == list(dense.argmax(axis=1))
    tk = top_k(a[0], b, 3)
    assert [i for i, _ in tk] == list(np.argsort(-dense[0])[:3])


def test_heading_similarity_weighs_topic_words():
    sim = heading_similarity(
        ["加大重点传染病防控力度", "强化医疗质量管理"], ["抓好重大传染病防控", "强化医疗行业综合监管"]
    )
    assert sim[0].argmax() == 0 and sim[0, 0] > 0.2
    assert sim[1].argmax() == 1
    assert heading_similarity([""], ["托育"]).tolist() == [[0.0]]


def test_rank_scores_hub_column_loses_rows_it_only_vaguely_matches():
    # B0 is a broad item close to every A item; A1 and A2 have sharper counterparts B1, B2
    scores = np.array([[0.80, 0.50, 0.50], [0.78, 0.77, 0.40], [0.785, 0.40, 0.78]], np.float32)
    assert scores.argmax(axis=1).tolist() == [0, 0, 0]
    ranked = rank_scores(scores, ["", "", ""], ["", "", ""], heading_weight=0.0, hub_k=1)
    assert ranked.argmax(axis=1).tolist() == [0, 1, 2]


def test_matching_p_at_1_on_labelled_pairs(seed_planset):
    from benchmarks.matching import directed_pairs, hits, query_rows

    rows, cache = query_rows(seed_planset, directed_pairs())
    assert len(rows) == 108
    before = [h for v in hits(rows, cache, 0, None).values() for h in v]
    after = [h for v in hits(rows, cache, HEADING_WEIGHT, HUB_K).values() for h in v]
    assert sum(after) > sum(before)
    assert sum(after) / len(after) >= 0.85


def test_compare_does_not_pair_internationalisation_with_tcm(seed_planset):
    cmp = seed_planset.compare(SZ2025, DONGGUAN)
    got = {m.a_section: m.b_section for m in cmp.matches}
    assert got.get("2.7") != "2.6"  # §2.7 国际化 vs 东莞 §2.6 中医药 (issue 14)
    assert got.get("4.12") == "2.6"  # 中医药 still meets 中医药


def test_matched_share_similarity_separates_plans(seed_planset):
    sim = seed_planset.similarity()
    off = sim.values[~np.eye(5, dtype=bool)]
    cos = seed_planset.similarity(method="cosine").values[~np.eye(5, dtype=bool)]
    assert np.allclose(np.diag(sim.values), 1.0)
    assert off.max() - off.min() > 3 * (cos.max() - cos.min())
    assert off.min() >= 0.0 and off.max() <= 1.0
