"""Open the seeds' HTML report in headless chromium: the DOM a reader gets, and a screenshot.

Skipped when chromium is not installed (Debian: apt-get install chromium).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DONGGUAN, SZ2025
from report_shared import seed_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"),
]


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="session")
def use_reports(tmp_path_factory):
    """Same build as test_report.py's fixture (built once per process)."""
    return seed_reports(tmp_path_factory.mktemp("reports"), backend="use")


@pytest.fixture(scope="module")
def dom(use_reports, tmp_path_factory):
    from bs4 import BeautifulSoup

    url = use_reports.paths["html"].resolve().as_uri()
    out = _chromium(tmp_path_factory.mktemp("chromium"), "--dump-dom", url).stdout
    return BeautifulSoup(out, "html.parser")


def test_heatmap_has_a_column_per_plan(dom, use_reports):
    table = dom.find("table", id="heatmap")
    assert table is not None
    cols = [th.get_text(strip=True) for th in table.thead.find_all("th", class_="plan-col")]
    assert cols == [p.label for p in use_reports.plans]
    cells = table.tbody.find_all("td", class_="cell")
    assert len(cells) == 5 * len(use_reports.coverage.themes)
    assert {c.get_text(strip=True) for c in cells} <= {"covered", "mentioned", "missing"}


def test_shenzhen_vs_dongguan_gap_table_has_evidence(dom, use_reports):
    block = dom.find("details", id=f"gap-{SZ2025}-{DONGGUAN}") or dom.find(
        "details", id=f"gap-{DONGGUAN}-{SZ2025}"
    )
    assert block is not None and not block.has_attr("open")  # collapsed by default
    rows = block.find("table").tbody.find_all("tr")
    assert rows
    for tr in rows:
        tds = tr.find_all("td")
        evidence, link = tds[3].get_text(strip=True), tds[3].find("a")
        assert len(evidence) > 8 and link is not None
        # the section link lands on an appendix article with that section's text
        target = dom.find(id=link["href"][1:])
        assert target is not None and target.name == "article"
        assert evidence.split("§")[0][:10] in target.get_text()


def test_methods_note(dom):
    methods = dom.find("section", id="methods")
    text = methods.get_text(" ", strip=True)
    assert "use-m3" in text and "Multilingual Universal Sentence Encoder" in text
    for key in ("p_covered", "p_mention", "match", "Plan part", "Theme terms"):
        assert key in text
    assert len(methods.find_all("td", class_="mono")) == 10  # 5 files: path + sha256


# -- the page as a reader sees it (DevTools protocol: layout, clicks, screenshots) ----------------
@pytest.fixture(scope="module")
def page(use_reports):
    from benchmarks.browser import Browser

    with Browser(1400, 900) as b:
        b.open(use_reports.paths["html"].resolve().as_uri())
        yield b


def _visible(b, selector: str) -> list[str]:
    return b.eval(
        f"[...document.querySelectorAll({selector!r})].filter(e => e.checkVisibility())"
        ".map(e => e.getAttribute('data-key') || e.textContent.trim())"
    )


def test_summary_fits_the_first_screen(page, use_reports):
    """At 1400×900 the whole overview table is on screen before any scrolling."""
    assert page.eval("window.scrollY") == 0
    box = page.eval(
        "JSON.stringify(document.querySelector('#summary table.overview').getBoundingClientRect())"
    )
    import json

    rect = json.loads(box)
    assert rect["top"] > 0 and rect["bottom"] <= 900, rect
    rows = page.eval("document.querySelectorAll('#summary table.overview tbody tr').length")
    assert rows == len(use_reports.plans)
    first = page.eval("document.querySelector('main section').id")
    assert first == "summary"


def test_page_height_with_details_collapsed(page):
    assert page.eval("document.querySelectorAll('details[open]').length") == 0
    height = page.eval("document.documentElement.scrollHeight")
    assert height <= 8 * 900, f"{height} px is {height / 900:.1f} screens"


def test_plans_differ_filter_hides_empty_group_headers(page):
    page.eval("document.getElementById('only-diff').click()")
    try:
        heads = page.eval(
            "[...document.querySelectorAll('#heatmap tr.group')].map(h => {"
            " let vis = false; for (let r = h.nextElementSibling; r && !r.classList.contains('group');"
            " r = r.nextElementSibling) { if (r.checkVisibility()) vis = true; }"
            " return [h.textContent.trim(), h.checkVisibility(), vis]; })"
        )
        assert heads
        for name, shown, has_rows in heads:
            assert shown == has_rows, name  # a header is shown exactly when its group has visible rows
        assert any(not shown for _, shown, _ in heads), "the seeds have a group where all plans agree"
        assert all(
            "same" not in cls
            for cls in page.eval(
                "[...document.querySelectorAll('#heatmap tbody tr[data-key]')]"
                ".filter(e => e.checkVisibility()).map(e => e.className)"
            )
        )
    finally:
        page.eval("document.getElementById('only-diff').click()")


def test_theme_filter_reaches_heatmap_and_pair_tables(page):
    page.eval(
        "{ const q = document.getElementById('q'); q.value = '托育'; q.dispatchEvent(new Event('input')); }"
    )
    try:
        assert _visible(page, "#heatmap tbody tr[data-key]") == ["托育"]
        for det in page.eval(
            "[...document.querySelectorAll('#gaps details.filterable')].map(d => "
            "[d.checkVisibility(), [...d.querySelectorAll('tr[data-key]')].map(r => r.getAttribute('data-key'))])"
        ):
            shown, themes = det
            assert shown == ("托育" in themes)
    finally:
        page.eval(
            "{ const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('input')); }"
        )
    assert len(_visible(page, "#heatmap tbody tr[data-key]")) > 50


def test_section_link_opens_the_collapsed_text(page):
    href = page.eval("document.querySelector('#summary a.sec').getAttribute('href')")
    assert not page.eval(f"document.getElementById({href[1:]!r}).checkVisibility()")  # inside closed details
    page.eval("document.querySelector('#summary a.sec').click()")
    rect = page.eval(f"document.getElementById({href[1:]!r}).getBoundingClientRect().top")
    assert page.eval(f"document.getElementById({href[1:]!r}).checkVisibility()")
    assert 0 <= rect < 900
    page.eval("document.getElementById('texts').open = false; window.scrollTo(0, 0)")


def test_print_stylesheet_drops_navigation_and_texts(page):
    on_screen = len(_visible(page, "#summary li[data-key]"))
    page.send("Emulation.setEmulatedMedia", {"media": "print"}, session=True)
    try:
        assert page.eval("getComputedStyle(document.getElementById('nav')).display") == "none"
        assert page.eval("getComputedStyle(document.getElementById('appendix')).display") == "none"
        # every overview line is printed, also those under "n more"
        lines = _visible(page, "#summary li[data-key]")
        assert len(lines) == page.eval("document.querySelectorAll('#summary li[data-key]').length")
        assert len(lines) > on_screen  # the seeds' overview has collapsed lines
    finally:
        page.send("Emulation.setEmulatedMedia", {"media": ""}, session=True)


@pytest.mark.parametrize("size", [(1400, 900), (1280, 800)])
def test_screenshot(use_reports, tmp_path, size):
    from PIL import Image

    from benchmarks.browser import Browser

    png = tmp_path / "report.png"
    with Browser(*size) as b:
        b.open(use_reports.paths["html"].resolve().as_uri())
        b.screenshot(png)
    img = Image.open(png).convert("RGB")
    assert img.size == size
    # the page drew something: the header band, and the overview's section links
    colors = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert (0x16, 0x32, 0x4F) in colors  # header background
    assert (0x0B, 0x57, 0xA4) in colors  # link colour (§ links in the overview)


def test_browser_benchmark_smoke(use_reports):
    """benchmarks/browser.py's measure() (used for the 200- and 646-plan figures) on the seeds' report."""
    from benchmarks.browser import measure

    m = measure(use_reports.paths["html"], width=1280, height=800)
    assert (
        m["load_ms"] > 0 and m["height_px"] > 800 and m["bytes"] == use_reports.paths["html"].stat().st_size
    )
    assert m["screens"] == round(m["height_px"] / 800, 2)


def test_summary_layout_grid_and_plan_search(use_reports, tmp_path):
    """The many-plans layout (forced on the seeds): the colour grid is drawn when opened; plan search."""
    import time

    from benchmarks.browser import Browser
    from plancompare.report import write_report

    cov = use_reports.coverage
    out = write_report(use_reports.plans, tmp_path / "s.html", coverage=cov, mode="summary", discovery=False)
    with Browser(1400, 900) as b:
        b.open(out.resolve().as_uri())
        assert b.eval("document.querySelectorAll('#grid td').length") == 0
        b.eval("document.getElementById('grid-block').open = true")
        for _ in range(50):  # the toggle event is queued
            if b.eval("document.querySelectorAll('#grid td').length"):
                break
            time.sleep(0.05)
        assert b.eval("document.querySelectorAll('#grid td').length") == len(cov.plan_ids) * len(cov.themes)
        assert b.eval("document.querySelectorAll('#grid td.c').length") == sum(
            c.level == "covered" for c in cov.cells.values()
        )
        b.eval(
            "{ const q = document.getElementById('plan-q'); q.value = '深圳'; q.dispatchEvent(new Event('input')); }"
        )
        shown = _visible(b, "#per-plan details.plan")
        assert len(shown) == sum("深圳" in p.label for p in use_reports.plans) == 3
