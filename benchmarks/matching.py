"""Section matching P@1 on the labelled seed pairs, and plan-level similarity.

    python benchmarks/matching.py [--cache-dir DIR]

Labels: tests/data/labels/pairs.yaml (54 pairs, both directions = 108 directed
queries). For each query section of plan A the counterpart chosen in plan B
is the argmax of

* ``blend``: ``match.section_scores`` (section cosine + sentence coverage), as before;
* ``ranked``: ``match.rank_scores`` (blend + heading tf-idf similarity, with the
  CSLS hubness correction), what ``PlanSet.compare`` uses now.

``rank_scores`` has two parameters (heading weight, hub k). They are chosen
by leave-one-group-out cross-validation over the five plan pairs the labels
come from (000↔003, 001↔003, 004↔000, 003→002, 000→002): for each group the
grid point with the best P@1 on the other four is scored on it, and the
out-of-sample hits are summed. The library default is the grid point chosen
most often (ties: smaller weight, smaller k).

Plan similarity: the cosine of mean section vectors (the old
``PlanSet.similarity(method="cosine")``) against the share of sections that
have a counterpart both ways (``method="matched"``, the default now).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plancompare import match  # noqa: E402
from plancompare.planset import load_plans  # noqa: E402

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
HUB_KS = (0, 1, 2, 3, 5)


def directed_pairs() -> list[tuple[str, str, str, str, str]]:
    """``(group, a, a_section, b, b_section)`` for both directions of every labelled pair."""
    doc = yaml.safe_load((ROOT / "tests" / "data" / "labels" / "pairs.yaml").read_text(encoding="utf-8"))
    out = []
    for p in doc["pairs"]:
        group = "↔".join(sorted((p["a"][:3], p["b"][:3])))
        out.append((group, p["a"], str(p["a_section"]), p["b"], str(p["b_section"])))
        out.append((group, p["b"], str(p["b_section"]), p["a"], str(p["a_section"])))
    return out


def query_rows(plans, pairs):
    """Per directed pair: (group, blend scores of the query row, headings, gold index), cached per plan pair."""
    cache: dict[tuple[str, str], tuple] = {}
    rows = []
    for group, a, asec, b, bsec in pairs:
        if (a, b) not in cache:
            sa, sb, scores = plans.section_scores(a, b)
            cache[(a, b)] = (sa, sb, scores, [s.heading for s in sa], [s.heading for s in sb])
        sa, sb, scores, ha, hb = cache[(a, b)]
        ia = [i for i, s in enumerate(sa) if s.id == asec]
        gold = [j for j, s in enumerate(sb) if s.id == bsec]
        if ia and gold:
            rows.append((group, (a, b), ia[0], gold[0]))
    return rows, cache


def hits(rows, cache, weight: float, k: int | None) -> dict[str, list[bool]]:
    """Per group, whether each query's argmax is the labelled section (``k=None``: plain blend)."""
    ranked = {}
    out: dict[str, list[bool]] = {}
    for group, key, i, gold in rows:
        sa, sb, scores, ha, hb = cache[key]
        if k is None:
            m = scores
        else:
            if key not in ranked:
                ranked[key] = match.rank_scores(scores, ha, hb, heading_weight=weight, hub_k=k)
            m = ranked[key]
        out.setdefault(group, []).append(int(np.argmax(m[i])) == gold)
    return out


def cross_validate(rows, cache) -> tuple[float, Counter]:
    grid = {(w, k): hits(rows, cache, w, k) for w in WEIGHTS for k in HUB_KS}
    groups = sorted({g for g, *_ in rows})
    total = correct = 0
    chosen: Counter = Counter()
    for g in groups:

        def train_score(p, g=g):
            return sum(sum(v) for h, v in grid[p].items() if h != g)

        best = max(sorted(grid), key=lambda p: (train_score(p), -p[0], -p[1]))
        chosen[best] += 1
        test = grid[best][g]
        correct += sum(test)
        total += len(test)
    return correct / total, chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache-dir", default=None, help="embedding cache directory")
    args = ap.parse_args()
    plans = load_plans(ROOT / "seeds", cache_dir=args.cache_dir, show_progress=False)
    rows, cache = query_rows(plans, directed_pairs())
    n = len(rows)
    base = sum(sum(v) for v in hits(rows, cache, 0, None).values())
    default = sum(sum(v) for v in hits(rows, cache, match.HEADING_WEIGHT, match.HUB_K).values())
    heading_only = sum(sum(v) for v in hits(rows, cache, match.HEADING_WEIGHT, 0).values())
    hub_only = sum(sum(v) for v in hits(rows, cache, 0.0, match.HUB_K).values())
    cv, chosen = cross_validate(rows, cache)
    print(f"backend {plans.embedder.name}; {n} directed labelled pairs")
    print(f"P@1 blend (before)                         {base / n:.3f}")
    print(f"P@1 + headings only (w={match.HEADING_WEIGHT})              {heading_only / n:.3f}")
    print(f"P@1 + hubness correction only (k={match.HUB_K})       {hub_only / n:.3f}")
    print(f"P@1 ranked, library defaults (in-sample)   {default / n:.3f}")
    print(f"P@1 ranked, leave-one-plan-pair-out CV     {cv:.3f}   chosen (weight, k): {dict(chosen)}")
    labels = [p.label for p in plans]
    for method in ("cosine", "matched"):
        sim = plans.similarity(method=method).values
        off = sim[~np.eye(len(sim), dtype=bool)]
        print(f"\nplan similarity ({method}): off-diagonal min {off.min():.3f} max {off.max():.3f}")
        for lab, row in zip(labels, sim, strict=True):
            print(f"  {lab:16s} " + " ".join(f"{v:.3f}" for v in row))


if __name__ == "__main__":
    main()
