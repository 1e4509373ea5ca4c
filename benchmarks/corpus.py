"""The whole pipeline on real reports: load → coverage → HTML report, cold and warm cache.

    python benchmarks/corpus.py --plans 25,100,200,646            # default USE backend, default threads
    python benchmarks/corpus.py --plans 646 --raw-every 4         # replay a quarter of the model batches raw
    python benchmarks/corpus.py --plans 25 --threads 2            # encoder threads (else $PLANCOMPARE_THREADS or 1)
    python benchmarks/corpus.py --plans 3 --backend hash          # model-free smoke run (what the test suite runs)

Plans are real government work reports from ``shared/corpus/gov-work-reports-2022-2024``
(646 files): a fixed shuffle of the sorted list, so 25 ⊂ 100 ⊂ 200 ⊂ 646
and every size mixes cities, provinces and years. For each size, two fresh
processes (so peak RSS and start-up are per phase, as for a user's run):

* **cold** — an empty embedding cache: ``load_plans`` → ``PlanSet.coverage()``
  → ``write_report(..., "report.html")`` (discovery and figure on, the CLI's
  defaults). Every batch handed to the model is recorded and timed; then the
  **raw encoder** alone runs the same batches (``--raw-every K``: every K-th
  batch, scaled up by chunk count) in the same process, so "outside the
  model" can be read against the model's own speed a minute later.
* **warm** — the same, on the cache the cold run filled.

Printed per phase: load / coverage / report / total seconds, seconds inside
the model, pipeline time outside it as a share of the model time, the raw
encoder's seconds for the same chunks, peak RSS and the HTML size — and the
same in CPU seconds of the process, which do not depend on what else the
machine runs (with the default one encoder thread, wall ≈ CPU on an idle
machine). Figures
depend on the machine and on other jobs; docs/performance.md has the
measured ones and the commands.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from synth import CORPUS  # noqa: E402


def corpus_files(n: int, corpus: Path = CORPUS) -> list[Path]:
    """The first ``n`` files of a fixed shuffle of the corpus (nested: 25 ⊂ 100 ⊂ 646)."""
    files = sorted(corpus.glob("**/*.md"))
    files = [f for f in files if f.name.lower() != "readme.md"]
    random.Random(0).shuffle(files)
    return files[:n]


@dataclass
class _Recorder:
    """Wraps the backend's batch call: records each batch and the seconds spent in the model."""

    inner: Callable[..., Any]
    batches: list[tuple[list[str], str]] = field(default_factory=list)
    seconds: float = 0.0
    cpu: float = 0.0

    def __call__(self, texts: list[str], *, kind: str = "passage") -> Any:
        t, c = time.perf_counter(), time.process_time()
        out = self.inner(texts, kind=kind)
        self.seconds += time.perf_counter() - t
        self.cpu += time.process_time() - c
        self.batches.append((list(texts), kind))
        return out


def _embedder(backend: str, threads: int | None):
    if backend == "hash":
        from scale import HashEmbedder

        return HashEmbedder()
    from plancompare.embed import get_embedder

    return get_embedder(backend, threads=threads)


def run_phase(
    n: int, phase: str, *, backend: str, threads: int | None, cache: Path, out_dir: Path, raw_every: int
):
    """One phase for ``n`` plans in this process; returns its figures."""
    from plancompare.planset import load_plans
    from plancompare.report import write_report

    files = corpus_files(n)
    emb = _embedder(backend, threads)
    attr = "_encode_chunks" if hasattr(emb, "_encode_chunks") else "encode"
    rec = _Recorder(getattr(emb, attr))
    setattr(emb, attr, rec)  # an instance attribute shadows the method
    row: dict[str, Any] = {"plans": len(files), "phase": phase, "backend": emb.name}
    row["threads"] = getattr(emb, "threads", None)

    t0, c0 = time.perf_counter(), time.process_time()
    plans = load_plans(files, embedder=emb, cache_dir=cache, show_progress=False)
    if backend == "hash":
        from plancompare.calibration import CoverageThresholds

        plans.thresholds = CoverageThresholds(source="bench defaults")  # no calibration for the stand-in
    t1, c1 = time.perf_counter(), time.process_time()
    cov = plans.coverage()
    t2, c2 = time.perf_counter(), time.process_time()
    model_cov = rec.seconds
    html = write_report(plans, out_dir / f"report-{len(files)}-{phase}.html", coverage=cov)
    t3, c3 = time.perf_counter(), time.process_time()
    row.update(
        load=t1 - t0,
        coverage=t2 - t1,
        report=t3 - t2,
        total=t3 - t0,
        # CPU seconds of this process (all its threads): what the run costs whatever else the machine does
        cpu_load=c1 - c0,
        cpu_coverage=c2 - c1,
        cpu_report=c3 - c2,
        cpu_total=c3 - c0,
        cpu_in_model=rec.cpu,
        in_model=rec.seconds,
        in_model_coverage=model_cov,
        batches=len(rec.batches),
        chunks=sum(len(b) for b, _ in rec.batches),
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        html_mb=html.stat().st_size / 1e6,
    )
    row["outside_model"] = row["total"] - row["in_model"]
    row["outside_pct"] = 100 * row["outside_model"] / row["in_model"] if row["in_model"] else None
    cpu_out = row["cpu_total"] - row["cpu_in_model"]
    row["cpu_outside_pct"] = 100 * cpu_out / row["cpu_in_model"] if row["cpu_in_model"] else None
    row["raw"], row["cpu_raw"] = _raw(rec, raw_every) if rec.batches and raw_every > 0 else (None, None)
    return row


def _raw(rec: _Recorder, every: int) -> tuple[float, float]:
    """Wall and CPU seconds of the model alone on the recorded batches (every ``every``-th, scaled up)."""
    picked = rec.batches[::every]
    t, c = time.perf_counter(), time.process_time()
    for texts, kind in picked:
        rec.inner(texts, kind=kind)
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    scale = sum(len(b) for b, _ in rec.batches) / sum(len(b) for b, _ in picked)
    return seconds * scale, cpu * scale


def _subprocess(n: int, phase: str, args: argparse.Namespace, cache: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--one",
        str(n),
        "--phase",
        phase,
        "--backend",
        args.backend,
        "--cache",
        str(cache),
        "--workdir",
        str(args.workdir),
        "--raw-every",
        str(args.raw_every if phase == "cold" else 0),
    ] + (["--threads", str(args.threads)] if args.threads else [])
    # stderr passes through: the library's progress log lines show how far a long cold run got
    res = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{n} plans, {phase}: failed (exit {res.returncode})")
    return json.loads(res.stdout.strip().splitlines()[-1])


COLUMNS = [
    ("plans", "plans", "{}"),
    ("cache", "phase", "{}"),
    ("load s", "load", "{:.1f}"),
    ("coverage s", "coverage", "{:.1f}"),
    ("report s", "report", "{:.1f}"),
    ("**total s**", "total", "**{:.1f}**"),
    ("in model s", "in_model", "{:.1f}"),
    ("outside model s", "outside_model", "{:.1f}"),
    ("outside / model", "outside_pct", "{:.1f} %"),
    ("raw encoder, same chunks s", "raw", "{:.1f}"),
    ("CPU total s", "cpu_total", "{:.1f}"),
    ("CPU in model s", "cpu_in_model", "{:.1f}"),
    ("CPU outside / model", "cpu_outside_pct", "{:.1f} %"),
    ("raw encoder CPU s", "cpu_raw", "{:.1f}"),
    ("chunks", "chunks", "{:,}"),
    ("peak RSS MiB", "peak_rss_mib", "{:.0f}"),
    ("HTML MB", "html_mb", "{:.1f}"),
]


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"backend {rows[0]['backend']}, encoder threads {rows[0]['threads']}, cpus {os.cpu_count()}")
    print("| " + " | ".join(c for c, _, _ in COLUMNS) + " |")
    print("|" + "|".join("---:" for _ in COLUMNS) + "|")
    for r in rows:
        cells = ["-" if r.get(k) is None else fmt.format(r[k]) for _, k, fmt in COLUMNS]
        print("| " + " | ".join(cells) + " |", flush=True)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", default="25,100", help="comma-separated sizes (max 646), e.g. 25,100,200,646")
    ap.add_argument("--backend", default="use", help="use | e5 | st:... | hash (model-free stand-in)")
    ap.add_argument("--threads", type=int, default=None, help="encoder threads (default: the library's)")
    ap.add_argument("--raw-every", type=int, default=1, help="replay every K-th model batch raw (0: none)")
    ap.add_argument("--workdir", type=Path, default=None, help="caches and reports (default: a temp dir)")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--phase", default="cold", help=argparse.SUPPRESS)
    ap.add_argument("--cache", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")  # same-region-year etc. are expected on the corpus
    if args.one is not None:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
        logging.getLogger("plancompare").setLevel(logging.INFO)
        row = run_phase(
            args.one,
            args.phase,
            backend=args.backend,
            threads=args.threads,
            cache=args.cache,
            out_dir=args.workdir,
            raw_every=args.raw_every,
        )
        print(json.dumps(row))
        return [row]
    if not CORPUS.is_dir():
        raise SystemExit(f"corpus not found: {CORPUS}")
    temp = None
    if args.workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="plancompare-corpus-")
        args.workdir = Path(temp.name)
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        for n in [int(x) for x in args.plans.split(",") if x.strip()]:
            cache = args.workdir / f"cache-{n}"
            shutil.rmtree(cache, ignore_errors=True)  # cold means cold
            for phase in ("cold", "warm"):
                print(f"… {n} plans, {phase} cache", flush=True)
                rows.append(_subprocess(n, phase, args, cache))
                print(json.dumps(rows[-1]), flush=True)
    finally:
        if temp is not None:
            temp.cleanup()
    print()
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return rows


if __name__ == "__main__":
    main()
