"""Pipeline speed vs the raw encoder, cold vs warm cache, peak memory.

    python benchmarks/speed.py                              # seeds, USE and e5
    python benchmarks/speed.py --backends use --corpus 20   # + 20 real government work reports
    python benchmarks/speed.py --backends use --seeds 1 --repeat 1   # smoke run: the smallest seed only
    python benchmarks/speed.py --profile                    # pyinstrument profile of the cold pipeline
    python benchmarks/speed.py --backends st-tiny           # sentence-transformers backend, tiny local model
    python benchmarks/speed.py --backends st:/path/to/model # any sentence-transformers model you have

For each backend, in one run:

0. **one-off start-up** — the model is loaded, then a tiny throwaway plan goes
   through the pipeline once, so imports and lazily built dictionaries
   (OpenCC, cn2an, the themes and calibration YAML) are paid and reported on
   their own row, like the model load: a process pays them once.
1. **cold pipeline** — ``load_plans`` (read → clean → outline → metadata) then
   ``PlanSet.coverage()`` with an empty cache in a temporary directory. Every
   chunk the pipeline hands to the model is recorded.
2. **raw encoder** — the model alone (``embedder._encode_chunks``) on exactly
   those chunks, in the same batches.
   Steps 1 and 2 alternate ``--repeat`` times (default 3), each cold run on a
   new empty cache; the fastest of each is kept (the run least disturbed by
   other jobs on a shared machine, as ``timeit`` does).
3. **overhead** = (cold pipeline − raw encoder) / raw encoder. Goal: < 10 %.
   Also shown: time outside the model / time inside it within the pipeline
   run itself, which does not drift when other jobs load the machine.
4. **report, cold vs warm** — ``plancompare.write_report`` on a fresh
   ``PlanSet`` with a new empty cache, then again with a fresh ``PlanSet`` on
   the now-filled cache.
5. **memory** — ``tracemalloc`` peak of Python allocations during a warm
   report (separate pass: tracing slows Python code, so it is not timed) and
   the process's peak RSS (``resource.getrusage``), which includes the model
   weights and numpy buffers.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from plancompare.embed import get_embedder  # noqa: E402
from plancompare.planset import PlanSet, load_plans  # noqa: E402

SEEDS = ROOT / "seeds"
from synth import CORPUS  # noqa: E402  (benchmarks/ is on sys.path when run as a script)


@dataclass
class _Recorder:
    """Wraps a backend's ``_encode_chunks``: records every batch and the time spent in the model."""

    inner: Callable[..., Any]
    batches: list[tuple[list[str], str]] = field(default_factory=list)
    seconds: float = 0.0

    def __call__(self, texts: list[str], *, kind: str = "passage") -> Any:
        t = time.perf_counter()
        out = self.inner(texts, kind=kind)
        self.seconds += time.perf_counter() - t
        self.batches.append((list(texts), kind))
        return out


@dataclass
class Result:
    backend: str
    plans: int
    sections: int
    sentences: int
    chunks: int
    chars: int
    model_load: float
    startup: float
    repeat: int
    load: float
    pipeline: float
    in_model: float
    raw: float
    report_cold: float
    report_warm: float
    py_peak_mb: float
    rss_mb: float
    runs: list[tuple[float, float, float]] = field(
        default_factory=list
    )  # (total, load, in model) per cold run

    @property
    def overhead(self) -> float:
        """(pipeline − raw encoder run) / raw encoder run."""
        return (self.pipeline - self.raw) / self.raw if self.raw else float("nan")

    @property
    def overhead_same_run(self) -> float:
        """Time outside the model / time inside it within each cold run (robust to load drift); median of runs."""
        ratios = [(total - model) / model for total, _, model in self.runs if model]
        return statistics.median(ratios) if ratios else float("nan")


def corpus_files(n: int) -> list[Path]:
    """``n`` real corpus files, spread evenly over the sorted list (deterministic)."""
    if n <= 0 or not CORPUS.is_dir():
        return []
    files = sorted(CORPUS.glob("*/*/*.md")) + sorted(CORPUS.glob("*/*.md"))
    step = max(1, len(files) // n)
    return files[::step][:n]


def _report(plans: PlanSet, out: Path) -> None:
    """A full report, or what it computes when the report package is not installed."""
    try:
        from plancompare.report import write_report  # type: ignore[attr-defined]
    except ImportError:
        write_report = None
    if write_report is not None:
        try:
            write_report(plans, out)
            return
        except Exception as e:  # noqa: BLE001 - a report bug must not hide the timing of the rest
            print(f"  write_report failed ({type(e).__name__}: {e}); timing coverage + sections instead")
    plans.coverage()
    for p in plans:
        plans.section_embeddings(p)


# A tiny plan that touches every lazily loaded part (OpenCC, cn2an, jieba for damaged
# text, theme and calibration YAML) without sharing a sentence with the seeds.
_WARMUP_PLAN = """某市卫生健康工作要点（测试）
一、总体要求
(一)完善醫療服務。新增托位三百个，人均预期寿命达到八十岁，孕产妇死亡率控制在百分之十以内。
(二)修复受损文本\ufffd字样。
"""


def _cold_pipeline(
    files: list[Path], emb: Any, cache_dir: Path, rec: _Recorder
) -> tuple[PlanSet, float, float]:
    """One load → coverage run on an empty cache: (plans, load seconds, total seconds)."""
    gc.collect()
    t0 = time.perf_counter()
    plans = load_plans(files, embedder=emb, cache_dir=cache_dir, show_progress=False)
    t1 = time.perf_counter()
    plans.coverage()
    return plans, t1 - t0, time.perf_counter() - t0


def bench_backend(
    spec: str, files: list[Path], tmp: Path, *, repeat: int = 3, profile: bool = False
) -> Result:
    tag = "".join(c if c.isalnum() or c in "-_" else "_" for c in spec)[-40:]  # for file names
    if spec == "st-tiny":  # the sentence-transformers backend with a model built here (no hub)
        from tiny_st import build_tiny_st_model

        texts = [f.read_text("utf-8", errors="replace") for f in files] + [_WARMUP_PLAN]
        spec = "st:" + str(build_tiny_st_model(tmp / "tiny-st", texts))
    emb = get_embedder(spec)
    t = time.perf_counter()
    emb._encode_chunks(["预热模型"], kind="passage")  # type: ignore[attr-defined]  # load weights once
    model_load = time.perf_counter() - t

    rec = _Recorder(emb._encode_chunks)  # type: ignore[attr-defined]
    emb._encode_chunks = rec  # type: ignore[attr-defined]  # instance attribute shadows the method

    # One-off start-up of a process (imports, dictionaries), paid once like the model load.
    warm = tmp / f"warmup-{tag}.txt"
    warm.write_text(_WARMUP_PLAN, encoding="utf-8")
    _, _, startup_total = _cold_pipeline([warm], emb, tmp / f"warmup-{tag}", rec)
    startup = startup_total - rec.seconds

    # Repeated cold runs, each on a new empty cache, alternating with the raw model on the
    # same chunks; the minimum of each is the least disturbed by other jobs on the machine.
    pipelines: list[tuple[float, float, float]] = []
    raws: list[float] = []
    for i in range(max(1, repeat)):
        rec.batches.clear()
        rec.seconds = 0.0
        profiler = _start_profiler() if profile and i == 0 else None
        plans, load_s, total = _cold_pipeline(files, emb, tmp / f"cold-{tag}-{i}", rec)
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        pipelines.append((total, load_s, rec.seconds))
        print(
            f"  cold run {i + 1}: {total:.2f} s, {rec.seconds:.2f} s in the model, raw ", end="", flush=True
        )
        gc.collect()
        t = time.perf_counter()
        for texts, kind in rec.batches:
            rec.inner(texts, kind=kind)
        raws.append(time.perf_counter() - t)
        print(f"{raws[-1]:.2f} s", flush=True)
    emb._encode_chunks = rec.inner  # type: ignore[attr-defined]
    pipeline, load, in_model = min(pipelines)
    raw = min(raws)
    cov = plans.coverage()

    from plancompare.coverage import plan_units

    sentences = sum(len(plan_units(p, plan_part=plans.plan_part)) for p in plans)
    sections = sum(len(plans.match_sections(p)) for p in plans)
    chunks = [c for texts, _ in rec.batches for c in texts]
    assert len(cov.plan_ids) == len(plans)

    cold_dir = tmp / f"report-{tag}"
    t = time.perf_counter()
    _report(
        PlanSet(list(plans), embedder=emb, cache_dir=cold_dir, show_progress=False), tmp / f"{tag}-cold.html"
    )
    report_cold = time.perf_counter() - t
    t = time.perf_counter()
    _report(
        PlanSet(list(plans), embedder=emb, cache_dir=cold_dir, show_progress=False), tmp / f"{tag}-warm.html"
    )
    report_warm = time.perf_counter() - t

    tracemalloc.start()
    _report(
        PlanSet(list(plans), embedder=emb, cache_dir=cold_dir, show_progress=False), tmp / f"{tag}-mem.html"
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    return Result(
        backend=emb.name,
        plans=len(plans),
        sections=sections,
        sentences=sentences,
        chunks=len(chunks),
        chars=sum(len(c) for c in chunks),
        model_load=model_load,
        startup=startup,
        repeat=max(1, repeat),
        load=load,
        pipeline=pipeline,
        in_model=in_model,
        raw=raw,
        report_cold=report_cold,
        report_warm=report_warm,
        py_peak_mb=peak / 2**20,
        rss_mb=rss,
        runs=pipelines,
    )


def _start_profiler():
    try:
        from pyinstrument import Profiler
    except ImportError:
        sys.exit("--profile needs pyinstrument: pip install pyinstrument")
    p = Profiler(interval=0.005)
    p.start()
    return p


def print_table(results: list[Result]) -> None:
    rows = [
        ("plans / match sections / sentences", lambda r: f"{r.plans} / {r.sections} / {r.sentences}"),
        ("chunks sent to the model (chars)", lambda r: f"{r.chunks} ({r.chars:,})"),
        ("model load, once (s)", lambda r: f"{r.model_load:.2f}"),
        ("one-off start-up: imports, dictionaries (s)", lambda r: f"{r.startup:.2f}"),
        ("cold-cache runs (fastest kept)", lambda r: f"{r.repeat}"),
        ("load+clean+outline (s)", lambda r: f"{r.load:.2f}"),
        ("cold pipeline: load → coverage (s)", lambda r: f"{r.pipeline:.2f}"),
        ("  of which inside the model (s)", lambda r: f"{r.in_model:.2f}"),
        ("raw encoder, same chunks (s)", lambda r: f"{r.raw:.2f}"),
        ("pipeline match sections/s", lambda r: f"{r.sections / r.pipeline:.1f}"),
        ("raw encoder, same work: match sections/s", lambda r: f"{r.sections / r.raw:.1f}" if r.raw else "-"),
        ("pipeline sentences/s", lambda r: f"{r.sentences / r.pipeline:.0f}"),
        ("raw encoder chunks/s", lambda r: f"{r.chunks / r.raw:.0f}" if r.raw else "-"),
        ("pipeline / raw time", lambda r: f"{r.pipeline / r.raw:.3f}" if r.raw else "-"),
        ("overhead vs raw encoder run (%)", lambda r: f"{100 * r.overhead:+.1f} %"),
        ("overhead outside the model, same run, median (%)", lambda r: f"{100 * r.overhead_same_run:+.1f} %"),
        ("report, cold cache (s)", lambda r: f"{r.report_cold:.2f}"),
        ("report, warm cache (s)", lambda r: f"{r.report_warm:.2f}"),
        ("peak Python allocations, warm report (MiB)", lambda r: f"{r.py_peak_mb:.0f}"),
        ("peak RSS of the process so far (MiB)", lambda r: f"{r.rss_mb:.0f}"),
    ]
    w0 = max(len(name) for name, _ in rows)
    cols = [r.backend for r in results]
    w = max(14, *(len(c) for c in cols))
    print(f"| {'':<{w0}} | " + " | ".join(f"{c:>{w}}" for c in cols) + " |")
    print(f"|{'-' * (w0 + 2)}|" + "|".join("-" * (w + 1) + ":" for _ in cols) + "|")
    for name, fn in rows:
        print(f"| {name:<{w0}} | " + " | ".join(f"{fn(r):>{w}}" for r in results) + " |")


def main(argv: list[str] | None = None) -> list[Result]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--backends",
        default="use,e5",
        help="comma-separated backend specs: use, e5, st:<model or path>, st-tiny (default: use,e5)",
    )
    ap.add_argument("--corpus", type=int, default=0, help="also load N real corpus files")
    ap.add_argument(
        "--seeds",
        type=int,
        default=5,
        help="use the N smallest seed plans (default all 5; 1 for a smoke run)",
    )
    ap.add_argument(
        "--profile", action="store_true", help="print a pyinstrument profile of the cold pipeline"
    )
    ap.add_argument("--repeat", type=int, default=3, help="cold-cache runs per backend; the fastest is kept")
    args = ap.parse_args(argv)
    seeds = sorted(SEEDS.glob("*.txt"))
    smallest = set(sorted(seeds, key=lambda f: f.stat().st_size)[: max(0, args.seeds)])
    files = [f for f in seeds if f in smallest] + corpus_files(args.corpus)
    print(f"{len(files)} files ({args.corpus} from the corpus); backends: {args.backends}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="plancompare-speed-") as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # same-region-year etc. are expected on the corpus
        for spec in [s.strip() for s in args.backends.split(",") if s.strip()]:
            print(f"… {spec}", flush=True)
            results.append(bench_backend(spec, files, Path(d), repeat=args.repeat, profile=args.profile))
    print()
    print_table(results)
    return results


if __name__ == "__main__":
    main()
