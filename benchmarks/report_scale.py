"""HTML report size and browser load time for many real reports.

    python benchmarks/report_scale.py --plans 200,646             # corpus reports, hashing stand-in backend
    python benchmarks/report_scale.py --plans 25 --backend use-m3 --cache /tmp/cache

Loads the first N files of the work-report corpus (``../shared/corpus``,
recursive, sorted paths), computes coverage, writes the HTML report (timed) and
opens it in headless chromium (:mod:`benchmarks.browser`): file size, load
time, page height. ``--backend hash`` (default) is the 512-d hashing stand-in
from ``scale.py``: the report's size and load time depend on the number of
plans, themes and quotes, not on which model chose the levels.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "benchmarks"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))


def corpus_dir() -> Path:
    for c in (ROOT.parent / "shared", Path("/work/shared")):
        d = c / "corpus" / "gov-work-reports-2022-2024"
        if d.is_dir():
            return d
    raise SystemExit("corpus not found (../shared/corpus/gov-work-reports-2022-2024)")


def run(n: int, *, backend: str, cache: Path, out_dir: Path) -> dict:
    from browser import measure
    from scale import HashEmbedder

    from plancompare.calibration import CoverageThresholds
    from plancompare.planset import load_plans
    from plancompare.report import write_report

    files = sorted(p for p in corpus_dir().rglob("*") if p.is_file())[:n]
    emb = HashEmbedder() if backend == "hash" else None
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plans = load_plans(files, embedder=emb or backend, cache_dir=cache, show_progress=False)
        if emb is not None:
            plans.thresholds = CoverageThresholds(source="bench defaults")
        cov = plans.coverage()
    t_cov = time.perf_counter() - t
    html = out_dir / f"report-{n}.html"
    t = time.perf_counter()
    write_report(plans, html, coverage=cov)
    t_report = time.perf_counter() - t
    return {
        "plans": len(plans),
        "coverage_s": round(t_cov, 1),
        "report_s": round(t_report, 1),
        **measure(html),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", default="200,646", help="comma-separated sizes")
    ap.add_argument("--backend", default="hash", help="'hash' (stand-in) or an embedder spec such as use-m3")
    ap.add_argument("--cache", default="", help="embedding cache directory (default: a temporary one)")
    ap.add_argument("--out", default="", help="where to keep the reports (default: a temporary directory)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(args.cache or Path(tmp) / "cache")
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        for n in (int(x) for x in args.plans.split(",")):
            print(
                json.dumps(run(n, backend=args.backend, cache=cache, out_dir=out), ensure_ascii=False),
                flush=True,
            )


if __name__ == "__main__":
    main()
