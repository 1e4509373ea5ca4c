"""Fuzzing the loader and the report with random bytes, random HTML and random Markdown (issue 12).

Whatever a file holds, loading it next to a real plan ends in one of two ways:
the file loads, or it fails alone with a :class:`PlanLoadError` (no other
exception, never "unexpected error"); the real plan always loads and always
reaches the report. Examples are small and few, with a per-example deadline,
so this runs in CI in seconds; repetition counts make some inputs long enough
to expose quadratic scans (the deadline then fails the example). For a longer,
random hunt: ``PLANCOMPARE_FUZZ_EXAMPLES=500 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import SZ2025, seed_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_shared import HashEmbedder, hash_thresholds

from plancompare.errors import PlanLoadError
from plancompare.load import load_many, load_plan

_PHRASES = [
    "（一）加强医疗卫生服务。",
    "一、总体要求",
    "1.推进托育服务",
    "居民健康管理",
    "2025年",
    "\n",
    " ",
    "。",
]
_TAGS = [
    "p",
    "div",
    "table",
    "tr",
    "td",
    "li",
    "ul",
    "br",
    "script",
    "style",
    "title",
    "body",
    "head",
    "a",
    "span",
]
_HTML_BITS = [
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?",
    "</",
    "<",
    ">",
    "&",
    "&amp;",
    "&#",
    "<!DOCTYPE html>",
    '="',
    "'",
    "\x00",
    "\ufeff",
    "\u00ad",
]
_MD_BITS = [
    "#",
    "# ",
    "*",
    "**",
    "_",
    "__",
    "`",
    "```",
    "[",
    "]",
    "(",
    ")",
    "![",
    ">",
    "-",
    "|",
    "---\n",
    "<",
    "\\",
]

_FUZZ = settings(
    max_examples=int(os.environ.get("PLANCOMPARE_FUZZ_EXAMPLES", "15")),
    deadline=timedelta(seconds=5),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
    derandomize="PLANCOMPARE_FUZZ_EXAMPLES" not in os.environ,  # CI: the same examples every run
)


def _repeat(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A random sequence of pieces, sometimes one piece repeated thousands of times."""
    seq = st.lists(pieces, max_size=60).map("".join)
    many = st.tuples(pieces, st.integers(1000, 20_000)).map(lambda t: t[0] * t[1])
    return st.lists(st.one_of(seq, many), min_size=1, max_size=4).map("".join)


def _html() -> st.SearchStrategy[str]:
    tag = st.sampled_from(_TAGS)
    pieces = st.one_of(
        tag.map(lambda t: f"<{t}>"),
        tag.map(lambda t: f"</{t}>"),
        st.sampled_from(_HTML_BITS),
        st.sampled_from(_PHRASES),
        st.text(max_size=8),
    )
    return _repeat(pieces)


def _markdown() -> st.SearchStrategy[str]:
    return _repeat(st.one_of(st.sampled_from(_MD_BITS), st.sampled_from(_PHRASES), st.text(max_size=8)))


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Load jieba's dictionary and the lazy imports once, outside the per-example deadline."""
    from plancompare.clean import clean_text

    clean_text("推进??a服务。\n")
    load_plan(seed_path(SZ2025))


def _check_alone(name: str, data: bytes) -> None:
    """The fuzz file loads or fails alone with PlanLoadError; the seed next to it always loads."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        f = d / name
        f.write_bytes(data)
        shutil.copy(seed_path(SZ2025), d / "seed.txt")
        plans, report = load_many(
            [f, d / "seed.txt"]
        )  # load_many turns any other exception into "unexpected"
        assert "seed" in [p.id for p in plans]
        assert not [v for v in report.failed.values() if v.startswith("unexpected error")], report.failed
        if str(f) in report.failed:
            try:
                load_plan(f)
            except PlanLoadError as e:
                assert name in str(e)


@_FUZZ
@given(data=st.binary(max_size=3000), ext=st.sampled_from([".txt", ".md", ".html", ".docx"]))
def test_random_bytes_fail_alone_or_load(data: bytes, ext: str) -> None:
    _check_alone(f"fuzz{ext}", data)


@_FUZZ
@given(doc=_html(), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16-le"]))
def test_random_html_fails_alone_or_loads(doc: str, encoding: str) -> None:
    _check_alone("fuzz.html", doc.encode(encoding, errors="replace"))


@_FUZZ
@given(doc=_markdown())
def test_random_markdown_fails_alone_or_loads(doc: str) -> None:
    _check_alone("fuzz.md", doc.encode("utf-8", errors="replace"))


@settings(_FUZZ, max_examples=3, deadline=timedelta(seconds=20))
@given(doc=st.one_of(_markdown(), _html()), raw=st.binary(max_size=200))
def test_the_seed_reaches_the_report_whatever_sits_next_to_it(doc: str, raw: bytes) -> None:
    """The whole pipeline (coverage, discovery, targets, report) with fuzz files beside a real plan."""
    from plancompare.planset import load_plans
    from plancompare.report import write_report

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "plans"
        d.mkdir()
        shutil.copy(seed_path(SZ2025), d / "seed.txt")
        (d / "fuzz.md").write_text(doc, encoding="utf-8", errors="replace")
        (d / "fuzz.txt").write_bytes(raw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plans = load_plans(d, embedder=HashEmbedder(), cache_dir=False)
            plans.thresholds = hash_thresholds()
            md = write_report(plans, Path(tmp) / "r.md", discovery=True).read_text(encoding="utf-8")
        assert plans["seed"].label in md
        for p in plans:
            assert p.label.replace("|", "\\|") in md or p.label in md
