"""The ``plancompare`` command: outputs on the real seeds, exit codes and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import DONGGUAN, SEEDS, SZ2025, seed_path
from typer.testing import CliRunner

from plancompare.cli import app
from plancompare.themes import builtin_themes

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cli-cache")


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory):
    d = tmp_path_factory.mktemp("two")
    for stem in (SZ2025, DONGGUAN):
        shutil.copy(seed_path(stem), d)
    return d


def _no_traceback(result) -> None:
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )


# -- no embedding needed ----------------------------------------------------------------------------
def test_help_explains_every_command():
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("report", "compare", "themes", "coverage"):
        assert cmd in r.output
    r = run("report", "--help")
    assert r.exit_code == 0
    for opt in ("--backend", "--themes", "--cache-dir", "--no-cache", "--plan-part", "--baseline", "Example"):
        assert opt in r.output


def test_module_runs_as_a_program():
    r = subprocess.run(
        [sys.executable, "-m", "plancompare.cli", "themes"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0 and "托育" in r.stdout


def test_themes_lists_the_builtin_taxonomy():
    r = run("themes", "--keywords")
    assert r.exit_code == 0
    lines = r.stdout.strip().splitlines()
    themes = builtin_themes()
    assert lines[0] == f"# {len(themes)} themes"
    assert lines[1].split("\t") == ["name", "group", "description", "name/keywords", "name words", "description words"]
    rows = [ln.split("\t") for ln in lines[2:]]
    assert [r[0] for r in rows] == [t.name for t in themes]
    tuoyu = next(r for r in rows if r[0] == "托育")
    assert "托位" in tuoyu[3] and tuoyu[1] == next(t.group for t in themes if t.name == "托育")
    # derived words are shown too: 婴幼儿 comes from the description, not the keyword list
    assert "婴幼儿" in tuoyu[5] or "婴幼儿照护" in tuoyu[3]


def test_themes_file_of_the_user(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(
        "控烟: 无烟单位和戒烟服务\n托育: {description: 婴幼儿照护, keywords: [托育, 托位]}\n",
        encoding="utf-8",
    )
    r = run("themes", "--themes", f)
    assert r.exit_code == 0
    assert [ln.split("\t")[0] for ln in r.stdout.strip().splitlines()[2:]] == ["控烟", "托育"]


def test_bad_theme_file_is_one_line_with_file_and_line(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("- name: 托育\n  keywords: 5\n", encoding="utf-8")
    r = run("themes", "--themes", f)
    assert r.exit_code == 1
    err = r.stderr.strip()
    assert err.startswith("error: ") and f"{f}:2" in err and "keywords" in err
    assert len(err.splitlines()) == 1 and "Traceback" not in r.output


def test_missing_input_exits_1_naming_it(tmp_path):
    r = run("report", tmp_path / "nope", "-o", tmp_path / "r.html")
    assert r.exit_code == 1
    assert f"{tmp_path / 'nope'}" in r.stderr and "no such file" in r.stderr


def test_no_plan_loaded_names_each_bad_file(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "b.txt").write_text("", encoding="utf-8")
    r = run("coverage", tmp_path)
    assert r.exit_code == 1
    assert "no plan loaded" in r.stderr and "a.txt" in r.stderr and "b.txt" in r.stderr
    assert "Traceback" not in r.output
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("report", empty, "-o", tmp_path / "r.html")
    assert r.exit_code == 1 and "no plan files" in r.stderr


def test_usage_errors_exit_2(tmp_path):
    assert run("report", "seeds", "-o", tmp_path / "r.pdf").exit_code == 2
    assert run("report", "seeds", "--plan-part", "review", "-o", tmp_path / "r.html").exit_code == 2
    assert run("compare", "only-one").exit_code == 2
    assert run("frobnicate").exit_code == 2
    assert run("coverage", "seeds", "--workers", "0").exit_code == 2


def test_unknown_backend_is_a_clear_error(two_seeds, tmp_path):
    r = run("coverage", two_seeds, "--backend", "bogus", "--no-cache")
    assert r.exit_code == 2  # a bad option value is a usage error (tests/test_cli_polish.py)
    assert "bogus" in r.stderr and r.stderr.startswith("error: ")


# -- real runs (USE backend, cache in a temp dir) -------------------------------------------------------
@pytest.mark.slow
def test_coverage_table(two_seeds, cache):
    r = run("coverage", two_seeds, "--cache-dir", cache)
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[1].split("\t") == ["theme", "东莞市 2025", "深圳市 2025"]  # file order
    rows = {ln.split("\t")[0]: ln.split("\t")[1:] for ln in lines[2:-1]}
    assert list(rows) == [t.name for t in builtin_themes()]
    marks = {"● covered", "◐ mentioned", "· missing"}
    assert all(len(v) == 2 and set(v) <= marks for v in rows.values())
    assert rows["托育"][1] == "● covered"  # 深圳 2025 commits to 托育 services
    assert lines[-1].startswith("covered/mentioned/missing\t")


@pytest.mark.slow
def test_compare_two_files(two_seeds, cache):
    r = run("compare", seed_path(SZ2025), seed_path(DONGGUAN), "--cache-dir", cache)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("深圳市 2025") and "vs 东莞市 2025" in out.splitlines()[0]
    assert "# Matched sections" in out and "# Theme gaps" in out
    by_label = run("compare", "--dir", two_seeds, "深圳市 2025", DONGGUAN, "--cache-dir", cache)
    assert by_label.exit_code == 0
    # same two plans, same section matches whether named by file or by label / id
    matched = out.split("# Matched")[1].split("# Sections")[0]
    assert matched.count("\n") > 5 and matched == by_label.stdout.split("# Matched")[1].split("# Sections")[0]
    unknown = run("compare", "--dir", SEEDS, "深圳市 2025", "北京市 2030", "--cache-dir", cache)
    assert unknown.exit_code == 1 and "北京市 2030" in unknown.stderr and "深圳市 2022" in unknown.stderr


@pytest.mark.slow
def test_report_formats_from_extension(two_seeds, cache, tmp_path):
    for ext in ("json", "md"):
        out = tmp_path / f"r.{ext}"
        r = run(
            "report",
            two_seeds,
            "-o",
            out,
            "--cache-dir",
            cache,
            "--baseline",
            "东莞市 2025",
            "--no-discovery",
        )
        assert r.exit_code == 0, r.output
        assert f"wrote {out}" in r.stdout
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["methods"]["baseline"] == "东莞市 2025"
    assert [(g["a"], g["b"]) for g in doc["gaps"]] == [(DONGGUAN, SZ2025)]
    assert (tmp_path / "r.md").read_text(encoding="utf-8").startswith("# Plan comparison: 2 plans")
