"""Time and memory growth with the number of plans, on a synthetic corpus.

    python benchmarks/scale.py --plans 100                    # one size, default USE backend, cold + warm
    python benchmarks/scale.py --plans 10,100,1000 --backend hash --plot docs/img/scale.png
    python benchmarks/scale.py --plans 1000 --warm            # prefill the cache first, report warm figures

Each size runs in its own subprocess (so peak memory is per size) on a
synthetic corpus from ``benchmarks/synth.py`` (``--sections`` items per
plan, built from real seed items and corpus paragraphs). Stages:

* **load** — ``load_plans`` on the directory (read, clean, outline, metadata);
* **embed, cold** — every sentence coverage looks at, the theme queries and
  every match section, with an empty cache (skipped with ``--warm``, which
  fills the cache without timing it);
* **coverage, warm** — ``PlanSet.coverage()`` on a fresh ``PlanSet`` whose cache is filled;
* **all-pairs gaps** — :func:`plancompare.allpairs.all_pairs_gaps`;
* **sections, warm** — section embeddings for every plan from the filled cache;
* **all-pairs similarity** — :func:`plancompare.allpairs.all_pairs_similarity`.

``--backend hash`` is a deterministic 512-d character-bigram hashing
embedder: it stands in for the model when measuring everything *but* the
model (on a warm cache the model is never called, so warm figures hold for
any 512-d backend). Cold figures need the real model.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

STAGES = (
    "load",
    "embed_cold",
    "coverage_warm",
    "all_pairs_gaps",
    "sections_warm",
    "all_pairs_similarity",
)


class HashEmbedder:
    """Deterministic 512-d character-bigram hashing embedder (a fast stand-in for the model)."""

    name = "bench-hash-512"
    dim = 512

    def encode(self, texts: list[str], *, kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            idx = [zlib.crc32(t[j : j + 2].encode("utf-8")) % self.dim for j in range(max(1, len(t) - 1))]
            np.add.at(out[i], idx, 1.0)
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(n == 0, 1.0, n)


def _rss_mb() -> float:
    """Current resident set size (MiB), from /proc (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _embedder(spec: str):
    if spec == "hash":
        return HashEmbedder()
    from plancompare.embed import get_embedder

    return get_embedder(spec)


def _planset(plans, emb, cache_dir: Path):
    from plancompare.calibration import CoverageThresholds
    from plancompare.planset import PlanSet

    ps = PlanSet(list(plans), embedder=emb, cache_dir=cache_dir, show_progress=False)
    if isinstance(emb, HashEmbedder):
        ps.thresholds = CoverageThresholds(source="bench defaults")  # no calibration for the stand-in
    return ps


def _embed_everything(ps) -> int:
    """Embed what coverage and matching need (keyword clauses too); return the number of texts.

    Texts are counted once per batch they are looked up in (hits + misses), so the
    count is the same on a cold and a warm cache.
    """
    stats = ps.cache.stats if ps.cache is not None else None
    before = stats.hits + stats.misses if stats else 0
    ps.coverage(with_targets=False)  # theme queries, sentences and keyword clauses
    for p in ps:
        ps.section_embeddings(p)
    return stats.hits + stats.misses - before if stats else 0


def run_one(n: int, *, sections: int, backend: str, warm: bool, workdir: Path, seed: int) -> dict[str, Any]:
    """All stages for ``n`` plans in this process; returns timings (s) and memory (MiB)."""
    import synth

    from plancompare.allpairs import all_pairs_gaps, all_pairs_similarity
    from plancompare.planset import load_plans

    out: dict[str, Any] = {"plans": n, "sections_per_plan": sections, "backend": backend, "warm": warm}
    corpus = workdir / f"corpus-s{sections}-seed{seed}"
    t = time.perf_counter()
    synth.build_corpus(corpus, n, sections=sections, seed=seed)
    out["build_corpus"] = time.perf_counter() - t
    files = sorted(corpus.glob("plan_*.txt"))[:n]

    t = time.perf_counter()
    plans = load_plans(files, cache_dir=False)
    out["load"] = time.perf_counter() - t
    out["rss_after_load"] = _rss_mb()
    out["match_sections"] = sum(len([s for s in p.sections if s.level == 2]) for p in plans)

    emb = _embedder(backend)
    out["backend_name"] = emb.name
    cache_dir = workdir / f"cache-{emb.name}"
    if warm:
        t = time.perf_counter()
        out["texts_embedded"] = _embed_everything(_planset(plans, emb, cache_dir))
        out["prefill"] = time.perf_counter() - t
        out["embed_cold"] = None
    else:
        with tempfile.TemporaryDirectory(dir=workdir) as cold:
            ps = _planset(plans, emb, Path(cold))
            t = time.perf_counter()
            out["texts_embedded"] = _embed_everything(ps)
            out["embed_cold"] = time.perf_counter() - t
        _embed_everything(_planset(plans, emb, cache_dir))  # make sure the shared cache is warm
    out["rss_after_embed"] = _rss_mb()

    ps = _planset(plans, emb, cache_dir)
    t = time.perf_counter()
    cov = ps.coverage()
    out["coverage_warm"] = time.perf_counter() - t
    out["rss_after_coverage"] = _rss_mb()

    t = time.perf_counter()
    gaps = all_pairs_gaps(cov)
    out["all_pairs_gaps"] = time.perf_counter() - t
    out["gaps_total"] = int(gaps.counts.sum())

    t = time.perf_counter()
    mats = {p.id: ps.section_embeddings(p)[1] for p in ps}
    out["sections_warm"] = time.perf_counter() - t

    t = time.perf_counter()
    sim = all_pairs_similarity(mats, threshold=ps.thresholds.match, k=5)
    out["all_pairs_similarity"] = time.perf_counter() - t
    off = ~np.eye(len(ps), dtype=bool)
    out["mean_matched_fraction"] = float(np.nanmean(sim.matched_fraction[off])) if len(ps) > 1 else None
    out["rss_after_all_pairs"] = _rss_mb()
    out["peak_rss"] = _peak_mb()
    out["warm_total"] = out["coverage_warm"] + out["all_pairs_gaps"]
    return out


def _subprocess(n: int, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        str(n),
        "--sections",
        str(args.sections),
        "--backend",
        args.backend,
        "--workdir",
        str(args.workdir),
        "--seed",
        str(args.seed),
    ] + (["--warm"] if args.warm else [])
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.stderr.write(res.stderr)
        raise SystemExit(f"size {n} failed (exit {res.returncode})")
    return json.loads(res.stdout.strip().splitlines()[-1])


def print_table(rows: list[dict[str, Any]]) -> None:
    def f(v: Any) -> str:
        return "-" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)

    cols = [
        ("plans", "plans"),
        ("sections", "match_sections"),
        ("texts", "texts_embedded"),
        ("load s", "load"),
        ("embed cold s", "embed_cold"),
        ("prefill s", "prefill"),
        ("coverage warm s", "coverage_warm"),
        ("gaps s", "all_pairs_gaps"),
        ("sections warm s", "sections_warm"),
        ("all-pairs sim s", "all_pairs_similarity"),
        ("coverage+gaps s", "warm_total"),
        ("peak RSS MiB", "peak_rss"),
    ]
    print(f"backend: {rows[0]['backend_name']}")
    print("| " + " | ".join(c for c, _ in cols) + " |")
    print("|" + "|".join("---:" for _ in cols) + "|")
    for r in rows:
        print("| " + " | ".join(f(r.get(k)) for _, k in cols) + " |")


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [r["plans"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in [
        ("load", "load + clean + outline"),
        ("embed_cold", "embed, cold cache"),
        ("coverage_warm", "coverage, warm cache"),
        ("sections_warm", "section vectors, warm cache"),
        ("all_pairs_similarity", "all-pairs section similarity"),
        ("all_pairs_gaps", "all-pairs theme gaps"),
    ]:
        pts = [(x, r[key]) for x, r in zip(xs, rows, strict=True) if r.get(key)]
        if pts:
            ax1.plot(*zip(*pts, strict=True), marker="o", label=label)
    ax1.set(xscale="log", yscale="log", xlabel="plans", ylabel="seconds", title="time")
    ax1.axhline(600, color="grey", ls=":", lw=1)
    ax1.text(xs[0], 600 * 1.1, "10 min", color="grey", fontsize=8)
    ax1.legend(fontsize=7)
    ax2.plot(xs, [r["peak_rss"] for r in rows], marker="o", label="peak RSS")
    ax2.axhline(4096, color="grey", ls=":", lw=1)
    ax2.text(xs[0], 4096 * 1.05, "4 GB", color="grey", fontsize=8)
    ax2.set(xscale="log", xlabel="plans", ylabel="MiB", title="peak memory")
    fig.suptitle(
        f"{rows[0]['sections_per_plan']} sections per plan, backend {rows[0]['backend_name']}, 2 cores"
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", default="100", help="comma-separated sizes, e.g. 10,100,1000")
    ap.add_argument("--sections", type=int, default=60)
    ap.add_argument("--backend", default="use", help="use | e5 | st:... | hash (model-free stand-in)")
    ap.add_argument(
        "--warm", action="store_true", help="prefill the cache (untimed) and skip the cold figure"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=None, help="keeps corpus and cache between runs")
    ap.add_argument("--plot", type=Path, default=None, help="write the growth curve PNG here")
    ap.add_argument("--json", type=Path, default=None, help="write the figures as JSON here")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.workdir is None:
        args.workdir = Path(tempfile.gettempdir()) / "plancompare-scale"
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.one is not None:
        res = run_one(
            args.one,
            sections=args.sections,
            backend=args.backend,
            warm=args.warm,
            workdir=args.workdir,
            seed=args.seed,
        )
        print(json.dumps(res))
        return [res]
    rows = []
    for n in [int(x) for x in args.plans.split(",") if x.strip()]:
        print(
            f"… {n} plans × {args.sections} sections ({args.backend}{', warm' if args.warm else ''})",
            flush=True,
        )
        rows.append(_subprocess(n, args))
    print(f"cpus: {os.cpu_count()}")
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.plot:
        plot(rows, args.plot)
    return rows


if __name__ == "__main__":
    main()
