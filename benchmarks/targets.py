"""Precision and recall of target extraction and of theme attribution on hand-labelled sentences.

    python benchmarks/targets.py                 # figures
    python benchmarks/targets.py -v              # also list extraction misses of targets.yaml
    python benchmarks/targets.py -v --split dev  # and the misses of the dev split of the attribution labels

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

Attribution labels (tests/data/labels/targets_attribution.yaml) give, for every
figure of their sentences (seeds and city work reports), its complete counted
noun, baseline and the theme(s) its own clause is about. Each row has a
``split``: dev/test by md5 parity (both used for development since the
extraction round of docs/targets.md, so in-sample), and any later batch with
its own value (e.g. ``fresh``, a blind held-out batch) is reported as its own
row. Sentences not in targets.yaml add an unseen extraction set (strict:
value, unit, counts; "baselines" checks ``Target.baseline``), printed per
split as a table at the end of the attribution part.

Attribution: candidate themes are the built-in themes with a keyword in the
sentence (as in coverage), the figures are ``extract_targets(sentence)`` and
each predicted (theme, figure) pair is right when the figure pairs with a
labelled one (value and unit, one to one) that lists the theme. Recall is over
the labelled (theme, figure) pairs; "reachable" leaves out labelled themes
with no keyword in the sentence, which no keyword-based rule can find.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plancompare.attribution import attribute_targets  # noqa: E402
from plancompare.targets import extract_targets  # noqa: E402
from plancompare.terms import find_terms  # noqa: E402
from plancompare.themes import builtin_themes  # noqa: E402

LABELS = ROOT / "tests" / "data" / "labels" / "targets.yaml"
ATTRIBUTION = ROOT / "tests" / "data" / "labels" / "targets_attribution.yaml"
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


def load_attribution(path: Path = ATTRIBUTION) -> list[dict]:
    """Attribution labels: ``{"source", "split", "sentence", "targets": [{value, unit, counts, themes, baseline?}]}``."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in items:
        for t in item["targets"]:
            t["value"] = float(t["value"])
            t["unit"] = str(t["unit"])
            t["counts"] = str(t["counts"])
            t["themes"] = list(t.get("themes") or [])
            t["baseline"] = None if t.get("baseline") is None else float(t["baseline"])
    return items


def _pair(pred: list, gold: list[dict]) -> dict[int, int]:
    """Predicted index → gold index, paired one to one on (value, unit) in reading order."""
    free = list(range(len(gold)))
    out: dict[int, int] = {}
    for i, p in enumerate(pred):
        for j in free:
            if round(p.value, 6) == round(gold[j]["value"], 6) and p.unit == gold[j]["unit"]:
                out[i] = j
                free.remove(j)
                break
    return out


def candidate_themes(sentence: str) -> dict[str, list[str]]:
    """Built-in themes with a keyword in ``sentence``, and those keywords (what coverage passes).

    Keywords are found as coverage finds them: starting where a word starts
    (:func:`plancompare.terms.find_terms`), so 性病 is not in 慢性病.
    """
    out = {}
    for t in builtin_themes():
        found = list(find_terms(sentence, t.keywords))
        if found:
            out[t.name] = found
    return out


def evaluate_attribution(items: list[dict]) -> dict[str, float]:
    tp = n_pred = n_gold = n_reach = hit_gold = hit_reach = 0
    for it in items:
        s, gold = it["sentence"], it["targets"]
        pred = extract_targets(s)
        cands = candidate_themes(s)
        got = attribute_targets(s, 0, cands, pred)
        themes_of = {id(t): [n for n, ts in got.items() if any(x is t for x in ts)] for t in pred}
        pairs = _pair(pred, gold)
        for i, p in enumerate(pred):
            names = themes_of[id(p)]
            n_pred += len(names)
            if i in pairs:
                tp += sum(n in gold[pairs[i]]["themes"] for n in names)
        back = {j: i for i, j in pairs.items()}
        for j, g in enumerate(gold):
            names = themes_of[id(pred[back[j]])] if j in back else []
            for n in g["themes"]:
                n_gold += 1
                hit_gold += n in names
                if n in cands:
                    n_reach += 1
                    hit_reach += n in names
    return {
        "precision": tp / n_pred if n_pred else 1.0,
        "recall": hit_gold / n_gold if n_gold else 1.0,
        "recall (reachable)": hit_reach / n_reach if n_reach else 1.0,
        "predicted pairs": n_pred,
        "labelled pairs": n_gold,
    }


def evaluate_unseen(items: list[dict]) -> dict[str, tuple[float, float]]:
    """Strict extraction (value, unit, counts) and baseline agreement on sentences not in targets.yaml."""
    n_pred = n_gold = hit = 0
    base_ok = base_n = 0
    for it in items:
        pred = extract_targets(it["sentence"])
        gold = it["targets"]
        n_pred += len(pred)
        n_gold += len(gold)
        pool = [(round(g["value"], 6), g["unit"], g["counts"]) for g in gold]
        for p in pred:
            k = (round(p.value, 6), p.unit, p.counts)
            if k in pool:
                pool.remove(k)
                hit += 1
        pairs = _pair(pred, gold)
        for i, j in pairs.items():
            if gold[j]["baseline"] is not None or getattr(pred[i], "baseline", None) is not None:
                base_n += 1
                base_ok += gold[j]["baseline"] == getattr(pred[i], "baseline", None)
    prec = hit / n_pred if n_pred else 1.0
    rec = hit / n_gold if n_gold else 1.0
    return {"strict (value, unit, counts)": (prec, rec), "baselines right": (base_ok, base_n)}


def splits_of(items: list[dict]) -> list[str]:
    """Every split value of the attribution labels in order of first appearance (dev, test, then
    any later batch such as ``fresh``), so a new batch shows as its own row with no code change."""
    seen = list(dict.fromkeys(str(it["split"]) for it in items))
    return [s for s in ("dev", "test") if s in seen] + [s for s in seen if s not in ("dev", "test")]


def _report_attribution(split: str | None) -> None:
    items = load_attribution()
    table = []
    for name in [*splits_of(items), "all"]:
        part = [it for it in items if name == "all" or it["split"] == name]
        unseen = [it for it in part if "extraction" not in it]
        r = evaluate_attribution(part)
        print(
            f"\n[attribution {name}] {len(part)} sentences, {r['labelled pairs']} labelled theme x figure pairs"
        )
        print(
            f"  precision {r['precision']:.3f} ({r['predicted pairs']} predicted)  recall {r['recall']:.3f}"
            f"  recall of reachable {r['recall (reachable)']:.3f}"
        )
        e = evaluate_unseen(unseen)
        p, rr = e["strict (value, unit, counts)"]
        ok, n = e["baselines right"]
        n_targets = sum(len(i["targets"]) for i in unseen)
        print(
            f"  unseen extraction ({len(unseen)} sentences, {n_targets} targets):"
            f" strict precision {p:.3f}  recall {rr:.3f}; baselines right {ok}/{n}"
        )
        table.append(f"| {name} | {len(unseen)} | {n_targets} | {p:.3f} | {rr:.3f} | {ok}/{n} |")
    print("\n[unseen extraction] attribution-label sentences not in targets.yaml, by split")
    print("| split | sentences | targets | strict precision | strict recall | baselines right |")
    print("|---|---|---|---|---|---|")
    print("\n".join(table))
    if split:
        for it in items:
            if it["split"] != split:
                continue
            s = it["sentence"]
            pred = extract_targets(s)
            got = attribute_targets(s, 0, candidate_themes(s), pred)
            rows = [
                (
                    p.value,
                    p.unit,
                    p.counts,
                    getattr(p, "baseline", None),
                    sorted(n for n, ts in got.items() if any(x is p for x in ts)),
                )
                for p in pred
            ]
            want = [
                (
                    g["value"],
                    g["unit"],
                    g["counts"] if "extraction" not in it else "",
                    g["baseline"],
                    sorted(g["themes"]),
                )
                for g in it["targets"]
            ]
            if "extraction" in it:
                rows = [(v, u, "", b, th) for v, u, _, b, th in rows]
            if rows != want:
                print(f"\n# [{it['source']}] {s}\n  cand {candidate_themes(s)}")
                for g in want:
                    print("  want", g)
                for p in rows:
                    print("  got ", p)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true", help="show sentences that are not exactly right")
    ap.add_argument(
        "--split", help="with -v: also list attribution-label misses of this split (dev, test, fresh, …)"
    )
    args = ap.parse_args()
    known = splits_of(load_attribution())
    if args.split and args.split not in known:
        ap.error(f"--split must be one of {', '.join(known)}")
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
    _report_attribution(args.split if args.verbose else None)
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
