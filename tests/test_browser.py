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
    h3 = dom.find("h3", id=f"gap-{SZ2025}-{DONGGUAN}") or dom.find("h3", id=f"gap-{DONGGUAN}-{SZ2025}")
    assert h3 is not None
    table = h3.find_next_sibling("table")
    rows = table.tbody.find_all("tr")
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
    for key in ("keyword_sentence", "semantic_only", "semantic_mention", "match", "Plan part"):
        assert key in text
    assert len(methods.find_all("td", class_="mono")) == 10  # 5 files: path + sha256


def test_screenshot(use_reports, tmp_path):
    from PIL import Image

    png = tmp_path / "report.png"
    url = use_reports.paths["html"].resolve().as_uri()
    _chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,2000", "--hide-scrollbars", url)
    img = Image.open(png).convert("RGB")
    assert img.size == (1280, 2000)
    # the page drew something: the header band and the green "covered" cells are there
    colors = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert (0x16, 0x32, 0x4F) in colors  # header background
    assert (0x1B, 0x78, 0x37) in colors  # covered
