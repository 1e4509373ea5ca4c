"""Precision and recall of target extraction on the hand-labelled seed sentences.

    python benchmarks/targets.py          # figures
    python benchmarks/targets.py -v       # also list every sentence that is not exactly right

Labels: tests/data/labels/targets.yaml. Predicted and labelled targets of a
sentence are paired one to one; a prediction is correct when

* strict: value, unit and counts are equal;
* value+unit: value and unit are equal;
* all fields: value, unit, counts, verb and qualifier are equal.

"Sentences exact" is the share of sentences whose whole target list equals
the labels (all fields, same order), which is what tests/test_targets.py checks.

Two splits are reported apart: ``seeds`` (sentences from seeds/, labelled first
and then used to develop the rules, so in-sample) and ``heldout`` (corpus
sentences labelled before the extractor was ever run on them, not used to tune).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plancompare.targets import extract_targets  # noqa: E402

LABELS = ROOT / "tests" / "data" / "labels" / "targets.yaml"
FIELDS = ("value", "unit", "counts", "verb", "qualifier")

Row = dict[str, object]
Key = Callable[[Row], tuple]

KEYS: dict[str, Key] = {
    "strict (value, unit, counts)": lambda r: (round(float(r["value"]), 6), r["unit"], r["counts"]),
    "value+unit": lambda r: (round(float(r["value"]), 6), r["unit"]),
    "all fields": lambda r: tuple(round(float(r[f]), 6) if f == "value" else r[f] for f in FIELDS),
}


def load_labels(path: Path = LABELS) -> list[dict]:
    """The labelled sentences, each ``{"seed", "sentence", "targets": [row, ...]}``."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in items:
        item["targets"] = [
            {f: ("" if t.get(f) is None else t[f]) for f in FIELDS} for t in item["targets"] or []
        ]
        for t in item["targets"]:
            t["value"] = float(t["value"])
            for f in FIELDS[1:]:
                t[f] = str(t[f])
    return items


def predict(sentence: str) -> list[Row]:
    return [{f: getattr(t, f) for f in FIELDS} for t in extract_targets(sentence)]


def _matches(pred: list[Row], gold: list[Row], key: Key) -> int:
    pool = [key(g) for g in gold]
    hit = 0
    for p in pred:
        k = key(p)
        if k in pool:
            pool.remove(k)
            hit += 1
    return hit


def evaluate(items: list[dict]) -> dict[str, tuple[float, float, float]]:
    """``{metric: (precision, recall, f1)}`` plus ``"sentences exact"`` as ``(share, n_ok, n)``."""
    preds = [predict(it["sentence"]) for it in items]
    n_pred = sum(len(p) for p in preds)
    n_gold = sum(len(it["targets"]) for it in items)
    out: dict[str, tuple[float, float, float]] = {}
    for name, key in KEYS.items():
        hit = sum(_matches(p, it["targets"], key) for p, it in zip(preds, items, strict=True))
        prec = hit / n_pred if n_pred else 1.0
        rec = hit / n_gold if n_gold else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[name] = (prec, rec, f1)
    ok = sum(p == it["targets"] for p, it in zip(preds, items, strict=True))
    out["sentences exact"] = (ok / len(items), ok, len(items))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true", help="show sentences that are not exactly right")
    args = ap.parse_args()
    all_items = load_labels()
    for split in ("seeds", "heldout"):
        items = [it for it in all_items if it.get("split", "seeds") == split]
        n_gold = sum(len(it["targets"]) for it in items)
        n_empty = sum(not it["targets"] for it in items)
        print(
            f"\n[{split}] {len(items)} labelled sentences ({n_empty} with no target), {n_gold} labelled targets"
        )
        res = evaluate(items)
        for name, (p, r, f) in res.items():
            if name == "sentences exact":
                print(f"  {name:30s} {p:.3f} ({int(r)}/{int(f)})")
            else:
                print(f"  {name:30s} precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    if args.verbose:
        for it in all_items:
            pred = predict(it["sentence"])
            if pred != it["targets"]:
                print(f"\n# [{it['seed']}] {it['sentence']}")
                for g in it["targets"]:
                    print("  want", g)
                for p in pred:
                    print("  got ", p)


if __name__ == "__main__":
    main()
