"""Region / level / year / document type on the seeds, corpus paths and made-up titles."""

from __future__ import annotations

import re

import pytest
from conftest import CORPUS, DONGGUAN, LONGGANG, SZ2022, SZ2025, XIANGAN
from neutral import neutral_copy

from plancompare.gazetteer import gazetteer
from plancompare.load import load_plan
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


# --- government work reports under neutral names (real corpus files) ----------------------
REPORTS = [
    # (corpus file, region, level, year): each one a trap the old counting fell into
    ("其他地市/芜湖市/2023", "芜湖市", "city", 2023),  # the mayor is called 宁波
    ("其他地市/马鞍山市/2023", "马鞍山市", "city", 2023),  # 鞍山 inside 马鞍山; delivered 2022-12-30
    ("其他地市/恩施土家族苗族自治州/2022", "恩施土家族苗族自治州", "city", 2022),  # 在州九届人大一次会议上
    ("其他地市/永州市/2024", "永州市", "city", 2024),  # delivered 2023-12-25: plans for 2024
    ("其他地市/巴音郭楞蒙古自治州/2022", "巴音郭楞蒙古自治州", "city", 2022),  # calls itself 巴州
    ("省自治区/山东省/2023", "山东省", "province", 2023),  # mentions 青岛 and its other cities
    ("省自治区/新疆维吾尔自治区/2022", "新疆维吾尔自治区", "province", 2022),  # 全区 means the region
    ("省自治区/内蒙古自治区/2022", "内蒙古自治区", "province", 2022),  # heading 2022年…目标要求
    ("国务院/2023", "全国", "national", 2023),  # 均衡水平 is not 衡水
    ("主要城市/长沙市/2022", "长沙市", "city", 2022),  # delivery line only in an HTML comment
    ("主要城市/成都市/2024", "成都市", "city", 2024),
]


@pytest.mark.parametrize("front_matter", [True, False], ids=["front-matter", "no-front-matter"])
@pytest.mark.parametrize(("rel", "region", "level", "year"), REPORTS, ids=[r[0] for r in REPORTS])
def test_report_metadata_under_neutral_name(tmp_path, rel, region, level, year, front_matter):
    plan = load_plan(neutral_copy(rel, tmp_path, front_matter=front_matter))
    assert (plan.region, plan.admin_level, plan.year, plan.doc_type) == (region, level, year, "政府工作报告")
    assert "工作报告" in plan.title
    assert not re.search(r"20\d\d年(?!\d{1,2}月)", plan.title) or str(year) in plan.title


def test_heading_inside_the_text_does_not_become_the_title(tmp_path):
    # Chaozhou 2023 without front matter: its first heading "2022年工作总结" is no title.
    plan = load_plan(neutral_copy("其他地市/潮州市/2023", tmp_path, front_matter=False))
    assert (plan.year, plan.doc_type) == (2023, "政府工作报告")
    assert plan.title == "2023年潮州市政府工作报告"
    # With front matter its own title wins over headings found in the text.
    plan = load_plan(neutral_copy("主要城市/东莞市/2022", tmp_path))
    assert plan.title.startswith("2022年东莞市")


def test_generic_title_gives_no_false_region():
    # "2022年自治区政府工作报告": 年自治区 is not a place
    m = detect_metadata("各位代表:", title_hint="2022年自治区政府工作报告")
    assert m.region == ""


def test_speaker_line_must_stand_alone():
    text = "市长 郑建新\n各位代表:\n现在,我代表市人民政府向大会报告工作。\n湖南自贸区长沙片区加快建设。全市推进。长沙。长沙。"
    assert detect_metadata(text).region == "长沙市"


def test_person_names_are_not_places():
    text = "芜湖市人民政府市长 宁波\n各位代表:\n现在,我代表市人民政府向大会报告工作。\n全市推进。宁波 宁波 宁波。芜湖。"
    assert detect_metadata(text).region == "芜湖市"


def test_december_delivery_plans_for_next_year():
    text = "——2023年12月25日在永州市第六届人民代表大会第三次会议上\n各位代表:"
    assert detect_metadata(text).year == 2024


def test_gazetteer_longest_match_and_weak_aliases():
    g = gazetteer()
    found = [(h.text, h.weak) for h in g.find("马鞍山市与鞍山,内蒙古自治区,长治久安,恩施州")]
    assert found == [
        ("马鞍山市", False),
        ("鞍山", False),
        ("内蒙古自治区", False),
        ("长治", True),
        ("恩施州", False),
    ]
    assert [r.name for r in g.lookup("吉林")] == ["吉林省", "吉林市"]
    # 本溪 (an everyday word) counts only where 本溪市 is named
    assert detect_metadata("我代表市人民政府向大会报告工作。全市推进。本溪 本溪 本溪").region == ""
    assert detect_metadata("我代表市人民政府向大会报告工作。全市推进。本溪市。本溪 本溪").region == "本溪市"
