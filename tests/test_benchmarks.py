"""The benchmarks run from an install and print their figures (the issue's bar).

These run the real scripts on small sizes; the figures themselves are
machine-dependent and live in docs/performance.md, so only their consistency
is checked here, never a speed.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
def test_speed_benchmark_reports_pipeline_against_raw_encoder(tmp_path: Path) -> None:
    out = subprocess.run(
        # the smallest seed only: the script's whole path in seconds (the figures come from full runs)
        [sys.executable, str(BENCH / "speed.py"), "--backends", "use", "--repeat", "1", "--seeds", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in out.stdout.splitlines()
        if line.startswith("| ") and line.count("|") == 3
    }
    assert rows["plans / match sections / sentences"].startswith("1 / ")
    pipeline = float(rows["cold pipeline: load → coverage (s)"])
    in_model = float(rows["of which inside the model (s)"])
    raw = float(rows["raw encoder, same chunks (s)"])
    assert 0 < in_model < pipeline and raw > 0
    overhead = float(rows["overhead vs raw encoder run (%)"].rstrip(" %"))
    # the seconds are printed with two decimals: allow for that rounding (one seed runs in ~1 s)
    slack = 100 * (0.005 / raw + pipeline * 0.005 / raw**2) + 0.1
    assert math.isclose(overhead, 100 * (pipeline - raw) / raw, abs_tol=slack)
    assert float(rows["report, warm cache (s)"]) < float(rows["report, cold cache (s)"])


@pytest.mark.slow
def test_scale_benchmark_grows_with_the_number_of_plans(tmp_path: Path) -> None:
    js = tmp_path / "scale.json"
    out = subprocess.run(
        [
            sys.executable,
            str(BENCH / "scale.py"),
            "--plans",
            "3,6",
            "--sections",
            "12",
            "--backend",
            "hash",
            "--warm",
            "--workdir",
            str(tmp_path / "work"),
            "--json",
            str(js),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rows = json.loads(js.read_text(encoding="utf-8"))
    assert [r["plans"] for r in rows] == [3, 6]
    assert rows[1]["match_sections"] > rows[0]["match_sections"] > 0
    assert rows[1]["texts_embedded"] > rows[0]["texts_embedded"]
    assert all(r["peak_rss"] > 0 and r["coverage_warm"] > 0 for r in rows)
    assert "plans" in out.stdout


def test_corpus_benchmark_runs_cold_then_warm_on_real_reports(tmp_path: Path, capsys) -> None:
    from conftest import CORPUS

    if not CORPUS.is_dir():
        pytest.skip("the shared corpus is not here")
    from benchmarks import corpus

    # in this process (the script runs each phase in its own), with two reports and the
    # model-free stand-in backend: the script's whole measuring path, not its figures
    opts = {"backend": "hash", "threads": None, "cache": tmp_path / "cache", "out_dir": tmp_path}
    cold = corpus.run_phase(2, "cold", raw_every=1, **opts)
    warm = corpus.run_phase(2, "warm", raw_every=0, **opts)
    assert (cold["phase"], warm["phase"]) == ("cold", "warm") and cold["plans"] == warm["plans"] == 2
    assert cold["chunks"] > 0 and cold["raw"] is not None  # the model ran cold and was replayed raw
    assert warm["chunks"] == 0 and warm["in_model"] == 0  # the cold run filled the cache
    for r in (cold, warm):
        assert math.isclose(r["total"], r["load"] + r["coverage"] + r["report"], rel_tol=1e-6)
        assert r["cpu_total"] > 0 and r["html_mb"] > 0 and r["peak_rss_mib"] > 0
    corpus.print_table([cold, warm])
    out = capsys.readouterr().out
    assert "| 2 | cold |" in out and "| 2 | warm |" in out
