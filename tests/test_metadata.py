"""Region / level / year / document type on the seeds, corpus paths and made-up titles."""

from __future__ import annotations

import pytest
from conftest import CORPUS, DONGGUAN, LONGGANG, SZ2022, SZ2025, XIANGAN

from plancompare.metadata import admin_level_of, detect_metadata

EXPECTED = {
    LONGGANG: ("深圳市龙岗区", "district", 2025, "工作计划"),
    SZ2022: ("深圳市", "city", 2022, "工作要点"),
    DONGGUAN: ("东莞市", "city", 2025, "工作报告"),
    SZ2025: ("深圳市", "city", 2025, "工作要点"),
    XIANGAN: ("厦门市翔安区", "district", 2024, "工作计划"),
}


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_seed_metadata(seed_plans, stem):
    p = seed_plans[stem]
    assert (p.region, p.admin_level, p.year, p.doc_type) == EXPECTED[stem]


def test_seed_titles(seed_plans):
    assert seed_plans[SZ2022].title == "2022年深圳市卫生健康工作要点"
    assert seed_plans[XIANGAN].title == "厦门市翔安区卫生健康局2024年工作计划"
    assert seed_plans[LONGGANG].title == ""  # the seed has no title line


def test_district_from_text_needs_district_voice():
    # A city plan that mentions a district's hospital stays a city plan.
    text = "全市推进龙岗中心医院建设。全市落实。市属医院。龙岗区试点。"
    m = detect_metadata(text)
    assert (m.region, m.admin_level) == ("", "") or m.admin_level != "district"
    text = "全区推进龙岗中心医院建设。区属医院。健康龙岗。全区落实。"
    assert detect_metadata(text).region == "深圳市龙岗区"


@pytest.mark.parametrize(
    ("title", "region", "level", "year", "doc_type"),
    [
        ("2022年深圳市卫生健康工作要点", "深圳市", "city", 2022, "工作要点"),
        ("厦门市翔安区卫生健康局2024年工作计划", "厦门市翔安区", "district", 2024, "工作计划"),
        ("广东省2023年卫生健康工作要点", "广东省", "province", 2023, "工作要点"),
        ("国务院2024年政府工作报告", "全国", "national", 2024, "政府工作报告"),
        ("某某市某某县卫生健康局2023年工作总结", "某某市某某县", "district", 2023, "工作总结"),
        (
            "平凉市政府工作报告(2021年12月11日 王旭)",
            "平凉市",
            "city",
            2022,
            "政府工作报告",
        ),  # delivered in December for 2022
    ],
)
def test_from_title(title, region, level, year, doc_type):
    m = detect_metadata("", title_hint=title)
    assert (m.region, m.admin_level, m.year, m.doc_type) == (region, level, year, doc_type)
    assert m.title == title


@pytest.mark.parametrize(
    ("path", "region", "level", "year"),
    [
        ("政府工作报告-主要城市/深圳市/2023.md", "深圳市", "city", 2023),
        ("政府工作报告-省自治区/广东省/2024.md", "广东省", "province", 2024),
        ("政府工作报告-国务院/2022.md", "全国", "national", 2022),
        ("政府工作报告-其他地市/海西蒙古族藏族自治州/2022.md", "海西蒙古族藏族自治州", "city", 2022),
    ],
)
def test_from_path(path, region, level, year):
    m = detect_metadata("各位代表:现在报告工作。", filename=str(CORPUS / path))
    assert (m.region, m.admin_level, m.year, m.doc_type) == (region, level, year, "政府工作报告")


def test_year_ignores_targets_ranges_and_dates():
    text = "到2035年基本实现。三年行动(2021—2023年)。2021年12月11日印发。2024年重点工作。"
    assert detect_metadata(text).year == 2024


def test_year_from_five_year_plan_wording():
    assert detect_metadata("(一)收官“十四五”及谋篇“十五五”。全面总结。").year == 2025
    assert detect_metadata("“十四五”开局之年,全市推进。").year == 2021


@pytest.mark.parametrize(
    ("region", "level"),
    [
        ("深圳市龙岗区", "district"),
        ("深圳市", "city"),
        ("广东省", "province"),
        ("全国", "national"),
        ("北京市", "city"),
    ],
)
def test_admin_level_of(region, level):
    assert admin_level_of(region) == level
