"""Gap reports on the five real seeds: every format, self-containment, anchors, schema, baseline.

Most tests use a model-free hashing embedder (fast); the ``slow`` ones use the
default USE backend and check what an analyst would read for 深圳 2025 vs 东莞 2025.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import warnings
from pathlib import Path

import pytest
from conftest import DONGGUAN, SEEDS, SZ2022, SZ2025, seed_path
from report_shared import HashEmbedder, hash_planset, hash_thresholds, seed_reports

from plancompare.report import write_report
from plancompare.report.data import _pieces, anchor

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="session")
def hashed(tmp_path_factory):
    """Seed reports in every format, hashing embedder (no model)."""
    return seed_reports(tmp_path_factory.mktemp("reports"), backend="hash")


@pytest.fixture(scope="session")
def use_reports(tmp_path_factory):
    """Seed reports with the default USE backend (shared with test_browser.py)."""
    return seed_reports(tmp_path_factory.mktemp("reports"), backend="use")


def _doc_schema() -> dict:
    text = (DOCS / "report-json.md").read_text(encoding="utf-8")
    block = text.split("<!-- schema -->", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)\n```", block, re.S).group(1))


def _ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


# -- small pieces ----------------------------------------------------------------------------
def test_anchor_is_a_safe_html_id():
    assert anchor("003_21384b622973756d", "2.9") == "sec-003_21384b622973756d-2.9"
    assert anchor("我的 plan", "2.9_2") == "sec-___plan-2.9_2"
    assert re.fullmatch(r"[\w.\-]+", anchor("a/b c", "p3"))


def test_pieces_mark_overlapping_and_out_of_range_spans():
    # section starts at offset 100 of the plan text; spans are in plan coordinates
    text = "一二三四五六七八九十"
    pieces = _pieces(text, 100, {(102, 105), (104, 107), (200, 210)})
    assert "".join(p["text"] for p in pieces) == text
    assert [(p["text"], p["mark"]) for p in pieces] == [
        ("一二", False),
        ("三四五", True),
        ("六七", True),
        ("八九十", False),
    ]


def test_unknown_format_names_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"report\.pdf.*\.html"):
        write_report([], tmp_path / "report.pdf")


# -- every format, hashing backend --------------------------------------------------------------
def test_every_format_is_written(hashed):
    for fmt, path in hashed.paths.items():
        assert path.suffix == f".{fmt}" and path.stat().st_size > 1000, fmt
    csv = hashed.paths["csv"]
    for table in ("gaps", "unique", "targets", "plans", "warnings", "timeline"):
        assert csv.with_name(f"report.{table}.csv").is_file()
    import openpyxl

    wb = openpyxl.load_workbook(hashed.paths["xlsx"], read_only=True)
    assert wb.sheetnames[:3] == ["coverage", "evidence", "gaps"]
    ws = wb["coverage"]
    header = next(ws.iter_rows(max_row=1, values_only=True))
    assert list(header) == ["theme", *[p.label for p in hashed.plans]]
    assert ws.max_row == len(hashed.coverage.themes) + 1


def test_html_is_self_contained_and_utf8(hashed):
    page = hashed.paths["html"].read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    assert "Noto Sans CJK SC" in page and "Microsoft YaHei" in page  # a CJK font stack
    # nothing fetched from elsewhere: no external scripts, styles, fonts or images
    assert not re.search(r'<(script|img|link|iframe)[^>]+(src|href)="(https?:)?//', page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert page.count("<script") == 1
    assert 'src="data:image/png;base64,' in page  # the matplotlib heatmap, embedded


def test_html_links_resolve_to_section_texts(hashed):
    page = hashed.paths["html"].read_text(encoding="utf-8")
    ids = _ids(page)
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert links, "no internal links"
    assert links <= ids, f"dangling links: {sorted(links - ids)[:5]}"
    sec_links = {x for x in links if x.startswith("sec-")}
    assert len(sec_links) > 50
    # every appendix article is a real section whose printed text is shown
    plans = hashed.plans
    for sid in sorted(sec_links)[:40]:
        plan_id = next(p.id for p in plans if sid.startswith(f"sec-{p.id}-"))
        section = plans[plan_id].section(sid[len(f"sec-{plan_id}-") :])
        shown = section.display_text or section.text
        body = page.split(f'id="{sid}"', 1)[1].split("</article>", 1)[0]
        plain = htmllib.unescape(re.sub(r"</?mark>", "", body))
        assert shown.strip()[:20] in plain


def test_appendix_keeps_traditional_script(hashed):
    """Shenzhen 2022 is printed in Traditional characters; quotes and section texts stay so."""
    page = hashed.paths["html"].read_text(encoding="utf-8")
    articles = re.findall(rf'<article id="sec-{SZ2022}-[^"]+">(.*?)</article>', page, re.S)
    assert articles
    joined = "".join(articles)
    assert re.search("[醫衛將務與發]", joined)  # Traditional forms
    assert "<mark>" in joined  # evidence highlighted


def test_html_tables(hashed):
    page = hashed.paths["html"].read_text(encoding="utf-8")
    heat = page.split('id="heatmap"', 1)[1].split("</table>", 1)[0]
    head = heat.split("</thead>", 1)[0]
    assert head.count('class="plan-col"') == 5
    n_themes = len(hashed.coverage.themes)
    assert len(re.findall(r'<td class="cell c-(covered|mentioned|missing)"', heat)) == 5 * n_themes
    # 5 plans → 10 pair tables, each in a collapsed block
    assert len(re.findall(r'<details class="block filterable" id="gap-', page)) == 10
    assert "Methods" in page and "test-hash" in page and "sha256" in page
    for p in hashed.plans:
        assert p.sha256 in page and htmllib.escape(p.label) in page


def test_json_validates_against_documented_schema(hashed):
    import jsonschema

    doc = json.loads(hashed.paths["json"].read_text(encoding="utf-8"))
    schema = _doc_schema()
    jsonschema.validate(doc, schema)
    assert set(doc) == set(schema["required"]) == set(schema["properties"])
    # the schema is not vacuous: a wrong level is rejected
    doc["cells"][0]["level"] = "partly"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_json_agrees_with_coverage(hashed):
    cov = hashed.coverage
    doc = json.loads(hashed.paths["json"].read_text(encoding="utf-8"))
    assert {(c["plan_id"], c["theme"]): c["level"] for c in doc["cells"]} == {
        k: v.level for k, v in cov.cells.items()
    }
    assert len(doc["gaps"]) == 10
    for pair in doc["gaps"]:
        expected = cov.gaps(pair["a"], pair["b"])
        assert sorted((g["theme"], g["covered_by_id"]) for g in pair["gaps"]) == sorted(
            zip(expected.theme, expected.covered_by_id, strict=True)
        )
    summary = cov.summary()
    for row in doc["summary"]:
        assert row["covered"] == summary.loc[row["plan"], "covered"]


def test_timeline_only_for_regions_with_two_years(hashed):
    doc = json.loads(hashed.paths["json"].read_text(encoding="utf-8"))
    assert [t["region"] for t in doc["timeline"]] == ["深圳市"]
    tl = doc["timeline"][0]
    assert tl["plans"] == ["深圳市 2022", "深圳市 2025"]
    cov = hashed.coverage
    changed = {t.name for t in cov.themes if cov.level(SZ2022, t.name) != cov.level(SZ2025, t.name)}
    assert {c["theme"] for c in tl["changes"]} == changed


def test_markdown_has_every_section_and_resolving_links(hashed):
    md = hashed.paths["md"].read_text(encoding="utf-8")
    assert md.index("## What each plan does that the others do not") < md.index("## Theme coverage")
    for heading in (
        "## Plans",
        "## Theme coverage",
        "## Gaps between plans",
        "## Unique to one plan",
        "## Methods",
        "## Warnings from loading",
        "## Section texts",
    ):
        assert heading in md
    assert md.count("\n### ") == 10
    targets = set(re.findall(r"\]\(#(sec-[^)]+)\)", md))
    anchors = set(re.findall(r'<a id="(sec-[^"]+)"></a>', md))
    assert targets and targets <= anchors
    assert "深圳市 2025 vs" in md or "vs 深圳市 2025" in md


# -- options and inputs ------------------------------------------------------------------------------
def test_baseline_limits_gap_tables(hashed, tmp_path):
    out = write_report(
        hashed.plans, tmp_path / "b.json", coverage=hashed.coverage, baseline="深圳市 2025", discovery=False
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [(g["a"], g["b"]) for g in doc["gaps"]] == [(SZ2025, p.id) for p in hashed.plans if p.id != SZ2025]
    assert doc["methods"]["baseline"] == "深圳市 2025"
    counts = doc["gap_counts"]
    i, j = counts["labels"].index("深圳市 2025"), counts["labels"].index("东莞市 2025")
    gaps = hashed.coverage.gaps(SZ2025, DONGGUAN)
    assert counts["counts"][i][j] == int((gaps.covered_by_id == SZ2025).sum())
    with pytest.raises(KeyError, match="no plan|unknown plan"):
        write_report(hashed.plans, tmp_path / "x.json", coverage=hashed.coverage, baseline="北京 2030")


def test_failed_files_and_warnings_are_reported(tmp_path):
    d = tmp_path / "plans"
    d.mkdir()
    shutil.copy(seed_path(SZ2022), d)
    shutil.copy(seed_path(DONGGUAN), d)
    (d / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    plans = hash_planset(d)
    assert len(plans) == 2
    page = write_report(plans, tmp_path / "r.html", discovery=False, figure=False).read_text(encoding="utf-8")
    warn = page.split('id="warnings"', 1)[1].split("</section>", 1)[0]
    assert "broken.txt" in warn and "binary" in warn
    assert "damaged-text" in warn  # Shenzhen 2022's GBK-damaged spans


def test_review_figures_are_labelled_achieved(tmp_path):
    """With plan_part="all" Dongguan's 2024 review counts, and its figures are 'achieved', not targets."""
    plans = hash_planset([seed_path(DONGGUAN), seed_path(SZ2025)], plan_part="all")
    doc = json.loads(write_report(plans, tmp_path / "r.json", discovery=False).read_text(encoding="utf-8"))
    kinds = {(pp["plan_id"], x["kind"]) for t in doc["targets"] for pp in t["plans"] for x in pp["targets"]}
    assert (DONGGUAN, "achieved") in kinds
    assert (SZ2025, "achieved") not in kinds  # no review part in Shenzhen 2025
    md = write_report(plans, tmp_path / "r.md", discovery=False).read_text(encoding="utf-8")
    assert "*(achieved)*" in md
    only_plan = hash_planset([seed_path(DONGGUAN)], plan_part="plan")
    doc = json.loads(
        write_report(only_plan, tmp_path / "p.json", discovery=False).read_text(encoding="utf-8")
    )
    assert all(x["kind"] == "target" for t in doc["targets"] for pp in t["plans"] for x in pp["targets"])


def test_two_plans_of_one_region(tmp_path):
    from plancompare.load import load_plan

    plans = [load_plan(seed_path(SZ2022)), load_plan(seed_path(SZ2025))]
    from plancompare.planset import PlanSet

    ps = PlanSet(plans, embedder=HashEmbedder(), cache_dir=False)
    ps.thresholds = hash_thresholds()
    out = write_report(ps, tmp_path / "two.md", discovery=False)
    md = out.read_text(encoding="utf-8")
    assert "深圳市 2022 vs 深圳市 2025" in md and "Change over time: 深圳市" in md


def test_report_is_deterministic(hashed, tmp_path):
    a = write_report(hashed.plans, tmp_path / "a.html", coverage=hashed.coverage)
    assert a.read_bytes() == hashed.paths["html"].read_bytes()


# -- the real thing: USE backend ---------------------------------------------------------------------
@pytest.mark.slow
def test_use_report_shenzhen_vs_dongguan(use_reports):
    doc = json.loads(use_reports.paths["json"].read_text(encoding="utf-8"))
    assert doc["backend"] == "use-m3" and doc["methods"]["backend"] == "use-m3"
    pair = next(g for g in doc["gaps"] if {g["a"], g["b"]} == {SZ2025, DONGGUAN})
    assert pair["gaps"], "深圳 2025 vs 东莞 2025 should differ on some themes"
    plans = use_reports.plans
    for g in pair["gaps"]:
        plan = plans[g["covered_by_id"]]
        assert g["evidence"] and g["evidence"] in (plan.display_text or plan.text)
        assert g["section"] and plan.section(g["section"])  # evidence points at a real section
        assert g["other_level"] in ("mentioned", "missing")
    page = use_reports.paths["html"].read_text(encoding="utf-8")
    assert "深圳市 2025 vs 东莞市 2025" in page or "东莞市 2025 vs 深圳市 2025" in page


@pytest.mark.slow
def test_use_report_lists_inputs_with_hashes(use_reports):
    doc = json.loads(use_reports.paths["json"].read_text(encoding="utf-8"))
    files = {Path(f["path"]).name: f["sha256"] for f in doc["methods"]["files"]}
    import hashlib

    for p in sorted(SEEDS.glob("0*.txt")):
        assert files[p.name] == hashlib.sha256(p.read_bytes()).hexdigest()


# -- the heatmap figure ----------------------------------------------------------------------------
def test_plot_coverage_uses_a_cjk_font_and_three_colours(hashed, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from plancompare.plot import LEVEL_COLORS, cjk_font, grouped_theme_names, plot_coverage

    cov = hashed.coverage
    font = cjk_font()
    assert font is not None, "fonts-noto-cjk (or another CJK font) should be installed"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
        fig = plot_coverage(cov)
        fig.savefig(tmp_path / "heat.png", dpi=60)
    ax = fig.axes[0]
    rows = grouped_theme_names(cov)
    assert sorted(rows) == sorted(cov.theme_names)
    assert [t.get_text() for t in ax.get_yticklabels()] == rows
    assert [t.get_text() for t in ax.get_xticklabels()] == [cov.plan_labels[p] for p in cov.plan_ids]
    assert font in ax.get_yticklabels()[0].get_fontfamily()
    img = ax.images[0]
    levels = np.asarray(img.get_array())
    expected = [
        [{"missing": 0, "mentioned": 1, "covered": 2}[cov.level(p, t)] for p in cov.plan_ids] for t in rows
    ]
    assert levels.tolist() == expected
    rgb = {matplotlib.colors.to_hex(img.cmap(img.norm(v))) for v in (0, 1, 2)}
    assert rgb == set(LEVEL_COLORS.values())
    plt.close(fig)
    # drawing into the caller's axes
    fig2, ax2 = plt.subplots()
    assert plot_coverage(cov, ax=ax2) is fig2
    plt.close(fig2)


# -- the first screen, row order, file names, summary mode -------------------------------------------
def _heatmap_rows(page: str) -> list[str]:
    body = page.split('id="heatmap"', 1)[1].split("</tbody>", 1)[0]
    return [htmllib.unescape(t) for t in re.findall(r'<tr class="(?:same|diff)" data-key="([^"]+)"', body)]


def test_png_heatmap_rows_follow_the_html_table(hashed):
    """The PNG's rows (top to bottom) are the HTML heatmap's rows, grouped by theme group."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from plancompare.plot import plot_coverage

    page = hashed.paths["html"].read_text(encoding="utf-8")
    rows = _heatmap_rows(page)
    assert sorted(rows) == sorted(hashed.coverage.theme_names)
    assert rows != hashed.coverage.theme_names  # grouping reorders the taxonomy: the check has teeth
    fig = Figure()
    plot_coverage(hashed.coverage, ax=fig.add_subplot())
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == rows


def test_overview_comes_first_and_agrees_with_coverage(hashed):
    cov = hashed.coverage
    page = hashed.paths["html"].read_text(encoding="utf-8")
    assert page.index('id="summary"') < page.index('id="heatmap"') < page.index('id="gaps"')
    doc = json.loads(hashed.paths["json"].read_text(encoding="utf-8"))
    ids = _ids(page)
    assert [r["plan_id"] for r in doc["overview"]] == cov.plan_ids
    lacking = 0
    for row in doc["overview"]:
        pid = row["plan_id"]
        others = [p for p in cov.plan_ids if p != pid]
        assert {x["theme"] for x in row["alone"]} == set(cov.unique_to(pid).theme)
        for x in row["lacks"]:
            n = sum(cov.level(o, x["theme"]) == "covered" for o in others)
            assert cov.level(pid, x["theme"]) != "covered" and 2 * n > len(others) and x["covered_by"] == n
            assert cov.level(x["from_id"], x["theme"]) == "covered"
            plan = hashed.plans[x["from_id"]]
            assert x["evidence"] and x["evidence"] in (plan.display_text or plan.text)
            lacking += 1
    assert lacking  # the seeds differ
    # every overview quote links to its section text
    for a in re.findall(
        r'<li data-key="[^"]+" data-group="[^"]*" title="[^"]*"><span class="t">.*?href="#([^"]+)"', page
    ):
        assert a in ids


def test_overview_against_a_baseline(hashed, tmp_path):
    cov = hashed.coverage
    out = write_report(
        hashed.plans, tmp_path / "b.json", coverage=cov, baseline="深圳市 2025", discovery=False
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [r["plan_id"] for r in doc["overview"]] == [p for p in cov.plan_ids if p != SZ2025]
    for row in doc["overview"]:
        gaps = cov.gaps(row["plan_id"], SZ2025)
        assert [x["theme"] for x in row["alone"]] == [
            t
            for t in _heatmap_rows(hashed.paths["html"].read_text(encoding="utf-8"))
            if t in set(gaps.theme[gaps.covered_by_id == row["plan_id"]])
        ]
        assert {x["theme"] for x in row["lacks"]} == set(gaps.theme[gaps.covered_by_id == SZ2025])
        assert all(x["from_id"] == SZ2025 for x in row["lacks"])


def test_file_column_tells_region_year_files_apart(tmp_path):
    """region/year.md layouts: the File column shows 深圳市/2025.txt, not 2025.txt twice."""
    for region, stem in (("深圳市", SZ2025), ("东莞市", DONGGUAN)):
        (tmp_path / "in" / region).mkdir(parents=True)
        shutil.copy(seed_path(stem), tmp_path / "in" / region / "2025.txt")
    plans = hash_planset(tmp_path / "in", recursive=True)
    page = write_report(plans, tmp_path / "r.html", discovery=False, figure=False).read_text(encoding="utf-8")
    table = page.split('<section id="plans">', 1)[1].split("</table>", 1)[0]
    files = re.findall(r'<td class="mono">([^<]*\.txt)</td>', table)
    assert sorted(files) == ["东莞市/2025.txt", "深圳市/2025.txt"]


def test_summary_mode_stays_small_and_links_only_what_it_quotes(hashed, tmp_path):
    """Forced summary layout on the seeds: no plan columns, no pair tables; per-plan parts, searchable."""
    full = hashed.paths["html"]
    out = write_report(hashed.plans, tmp_path / "s.html", coverage=hashed.coverage, mode="summary")
    page = out.read_text(encoding="utf-8")
    assert 'id="plan-q"' in page and page.count('<details class="plan" data-plan=') == 5
    assert 'id="gap-' not in page and "data:image/png" not in page
    assert 'class="cell c-' not in page  # no plan columns; the grid has one bare cell per plan × theme
    # the colour grid's rows carry one letter per theme (drawn when opened), in the heatmap's row order
    cov = hashed.coverage
    code = {"covered": "c", "mentioned": "m", "missing": "x"}
    rows = _heatmap_rows(hashed.paths["html"].read_text(encoding="utf-8"))
    assert re.findall(r'<tr data-levels="([cmx]+)">', page) == [
        "".join(code[cov.level(p, t)] for t in rows) for p in cov.plan_ids
    ]
    ids, links = _ids(page), set(re.findall(r'href="#([^"]+)"', page))
    assert links <= ids
    assert len({x for x in ids if x.startswith("sec-")}) < len(
        {x for x in _ids(full.read_text("utf-8")) if x.startswith("sec-")}
    )
    assert out.stat().st_size < full.stat().st_size / 2
    with pytest.raises(ValueError, match="mode"):
        write_report(hashed.plans, tmp_path / "x.html", coverage=hashed.coverage, mode="tiny")
