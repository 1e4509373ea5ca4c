"""CLI and library polish from issue 14: help width, one-line errors, plan lookup, logging."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import DONGGUAN, SEEDS, SZ2025, seed_path
from typer.main import get_command
from typer.testing import CliRunner

from plancompare.cli import app
from plancompare.lookup import find_plan

runner = CliRunner()


def run(*args: str, **kw):
    return runner.invoke(app, [str(a) for a in args], **kw)


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory):
    d = tmp_path_factory.mktemp("two")
    for stem in (SZ2025, DONGGUAN):
        shutil.copy(seed_path(stem), d)
    return d


def test_help_at_80_columns_shows_every_option_name_whole():
    group = get_command(app)
    for name, cmd in group.commands.items():
        r = run(name, "--help", terminal_width=80)
        assert r.exit_code == 0, r.output
        assert "…" not in r.output
        for param in cmd.params:
            for opt in (*param.opts, *param.secondary_opts):
                if opt.startswith("-"):
                    assert opt in r.output, (name, opt)
        assert max(len(line) for line in r.output.splitlines()) <= 80


def test_unknown_backend_is_one_line_listing_the_valid_ones(two_seeds):
    r = run("coverage", two_seeds, "--backend", "nope", "--no-cache")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --backend 'nope'")
    assert all(b in lines[0] for b in ("use", "e5", "st:"))
    assert "None" not in lines[0] and "Traceback" not in r.output


def test_compare_same_plan_twice_says_so(two_seeds):
    r = run("compare", "--dir", two_seeds, "深圳市 2025", "深圳市2025", "--no-cache")
    assert r.exit_code == 1
    assert "same plan" in r.stderr and "深圳市 2025" in r.stderr
    assert "unique" not in r.stderr
    same_file = run("compare", seed_path(SZ2025), seed_path(SZ2025), "--no-cache")
    assert same_file.exit_code == 1 and "same plan" in same_file.stderr


def test_ambiguous_plan_name_lists_the_candidates():
    r = run("compare", "--dir", SEEDS, "深圳市", "东莞市 2025", "--no-cache")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1
    assert "深圳市 2022" in r.stderr and "深圳市 2025" in r.stderr and "深圳市龙岗区 2025" in r.stderr
    typo = run("compare", "--dir", SEEDS, "东莞市 2024", "深圳市 2025", "--no-cache")
    assert typo.exit_code == 1 and "did you mean '东莞市 2025'" in typo.stderr


def test_plan_lookup_is_loose_on_real_plans(seed_plans):
    plans = list(seed_plans.values())
    assert find_plan(plans, "深圳市2025").id == SZ2025
    assert find_plan(plans, "深圳市　2025").id == SZ2025  # full-width space
    assert find_plan(plans, "东莞").id == DONGGUAN  # a unique part
    assert find_plan(plans, seed_path(SZ2025).stem).id == SZ2025
    with pytest.raises(KeyError, match="matches 3 plans"):
        find_plan(plans, "深圳市")


def test_planset_indexing_uses_the_loose_lookup(seed_planset):
    assert seed_planset["深圳市2025"].id == SZ2025
    with pytest.raises(KeyError, match="did you mean"):
        seed_planset["东莞市 2024"]


def test_verbose_logs_stages_with_timings(two_seeds):
    r = run("-v", "compare", "--dir", two_seeds, "深圳市 2025", "深圳市 2025", "--no-cache")
    assert r.exit_code == 1
    log = [ln for ln in r.stderr.splitlines() if ln.startswith("plancompare: ")]
    assert any(ln.startswith("plancompare: load ") and "done in" in ln and ln.endswith(" s") for ln in log)
    assert "Building prefix dict" not in r.stderr
    quiet = run("compare", "--dir", two_seeds, "深圳市 2025", "深圳市 2025", "--no-cache")
    assert "plancompare: " not in quiet.stderr


def _stderr_of(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stderr


def test_jieba_is_silent_library_wide():
    use = "import jieba; jieba.lcut('深圳市卫生健康委员会工作要点')"
    assert "prefix dict" not in _stderr_of(f"import plancompare.clean; {use}")
    # the filter is what keeps it quiet: plancompare at DEBUG lets jieba speak
    loud = _stderr_of(
        f"import logging, plancompare; logging.getLogger('plancompare').setLevel(logging.DEBUG); {use}"
    )
    assert "prefix dict" in loud
