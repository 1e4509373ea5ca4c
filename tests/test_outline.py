"""Outline parsing: the bar on the real seeds, every numbering style, and the partition property."""

from __future__ import annotations

import pytest
from conftest import DONGGUAN, LONGGANG, SEED_IDS, SZ2022, SZ2025, XIANGAN, corpus_files
from hypothesis import given, settings
from hypothesis import strategies as st

from plancompare.outline import cn_to_int, parse_outline

EXPECTED_COUNTS = {LONGGANG: (5, 40), SZ2022: (10, 36), DONGGUAN: (2, 10), SZ2025: (10, 33), XIANGAN: (5, 19)}


def assert_partition(text, sections):
    pos = 0
    for s in sections:
        assert s.span[0] == pos, f"gap/overlap before {s.id}"
        assert s.text == text[s.span[0] : s.span[1]]
        pos = s.span[1]
    assert pos == len(text)
    assert len({s.id for s in sections}) == len(sections)


@pytest.mark.parametrize("stem", SEED_IDS)
def test_seed_counts(seed_plans, stem):
    plan = seed_plans[stem]
    assert (len(plan.parts), len(plan.items)) == EXPECTED_COUNTS[stem]


@pytest.mark.parametrize("stem", SEED_IDS)
def test_seed_partition_and_display(seed_plans, stem):
    plan = seed_plans[stem]
    assert_partition(plan.text, plan.sections)
    for s in plan.sections:
        assert s.display_text == plan.display_text[s.span[0] : s.span[1]]


@pytest.mark.parametrize("path", corpus_files(4), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_partition(path):
    from plancompare.load import load_plan

    plan = load_plan(path)
    assert_partition(plan.text, plan.sections)
    assert plan.parts, "government work reports have 一、 parts"


def test_longgang_ids_and_headings(seed_plans):
    plan = seed_plans[LONGGANG]
    s = plan.section("2.9")
    assert (s.number, s.heading, s.level, s.parent_id, s.part) == (
        "(九)",
        "完善托育服务体系建设",
        2,
        "2",
        "plan",
    )
    assert plan.section("1.1").heading == "加快推进医院项目建设"
    assert plan.section("4.11").heading == "做好安全生产和应急管理工作"
    assert plan.section("1").heading == "聚焦品质提升,推动医疗服务体系更加优质高效"
    assert [s.id for s in plan.parts] == ["1", "2", "3", "4", "5"]
    assert not any(s.level == 3 for s in plan.sections)


def test_shenzhen_2022_numbering_continues_across_parts(seed_plans):
    plan = seed_plans[SZ2022]
    assert plan.section("3.11").number == "(十一)"
    assert plan.section("3.11").heading == "加强高层次人才队伍建设"
    assert plan.section("10.36").heading == "加强卫生健康行业文化建设"
    assert plan.section("0").part == "preamble"
    assert [s.heading for s in plan.children("4")] == [
        "建设普惠托育服务体系",
        "加强新时代老龄工作",
        "完善全生命周期居民健康管理制度",
        "深入开展爱国卫生运动",
    ]


def test_shenzhen_2025_preamble_and_items(seed_plans):
    plan = seed_plans[SZ2025]
    assert plan.section("0").heading == "总体要求"
    assert plan.section("7.21").heading == "完善普惠托育服务体系"


def test_xiangan_dot_items(seed_plans):
    plan = seed_plans[XIANGAN]
    assert plan.section("2.4").number == "4."
    assert plan.section("2.4").heading == "持续提升医疗服务质量"
    assert plan.section("5.19").heading == "持续推进医疗服务监管走深走实"
    assert plan.section("0").text.startswith("厦门市翔安区卫生健康局2024年工作计划")


def test_dongguan_review_and_plan_parts(seed_plans):
    plan = seed_plans[DONGGUAN]
    review, planned = plan.parts
    assert (review.id, review.part, review.heading) == ("1", "review", "2024年主要工作回顾")
    assert (planned.id, planned.part, planned.heading) == ("2", "plan", "2025年重点工作安排")
    assert plan.children("1") == []  # 过去一年,… paragraphs are not items
    assert "过去一年" in review.text
    assert all(s.parent_id == "2" and s.part == "plan" for s in plan.items)


def test_dongguan_inline_subheadings(seed_plans):
    plan = seed_plans[DONGGUAN]
    subs = plan.children("2.3")
    assert [s.id for s in subs][:3] == ["2.3.1", "2.3.2", "2.3.3"]
    assert [s.heading for s in subs][:4] == [
        "提升卫生应急处置能力",
        "推进疾控体系改革",
        "加强传染病监测预警",
        "强化重点疾病防控",
    ]
    assert all(s.level == 3 and s.part == "plan" for s in subs)
    assert plan.section("2.3").heading == "持续健全公共卫生服务体系"
    assert plan.section("2.3").text == "(三)持续健全公共卫生服务体系。"
    assert [s.heading for s in plan.children("2.8")][:2] == ["强化依法行政", "强化行业综合治理"]
    # 成立市传染病监测预警中心。 is an ordinary short sentence right after a sub-heading
    assert "成立市传染病监测预警中心" not in [s.heading for s in subs]
    assert len([s for s in plan.sections if s.level == 3]) >= 30


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        (
            "一、总则\n(一)加强建设。内容。\n(二)推进改革。内容。\n二、保障\n(三)落实责任。\n",
            ["一、", "(一)", "(二)", "二、", "(三)"],
        ),
        ("一、总则\n（一）加强建设。\n（二）推进改革。\n", ["一、", "（一）", "（二）"]),
        ("一、总则\n1.加强建设。\n2.推进改革。\n", ["一、", "1.", "2."]),
        ("一、总则\n1、加强建设。\n2、推进改革。\n", ["一、", "1、", "2、"]),
        ("一、总则\n1．加强建设。\n2．推进改革。\n", ["一、", "1．", "2．"]),
        ("(一)加强建设\n(1)内容一。\n(2)内容二。\n", ["(一)", "(1)", "(2)"]),
        ("(一)加强建设\n（1）内容一。\n（2）内容二。\n", ["(一)", "（1）", "（2）"]),
        (
            "第一章 总则\n第一条 为了规范。\n第二条 本办法适用。\n第二章 附则\n第三条 施行。\n",
            ["第一章", "第一条", "第二条", "第二章", "第三条"],
        ),
        (
            "第一部分 回顾\n一、成绩\n二、问题\n第二部分 安排\n一、目标\n",
            ["第一部分", "一、", "二、", "第二部分", "一、"],
        ),
    ],
)
def test_numbering_styles(text, numbers):
    sections, warnings = parse_outline(text)
    assert [s.number for s in sections if s.number] == numbers
    assert warnings == []
    assert_partition(text, sections)


def test_levels_and_ids_of_nested_styles():
    text = "前言。\n一、总则\n(一)加强建设。\n1.细则一。\n2.细则二。\n(二)推进改革。\n二、保障\n"
    sections, _ = parse_outline(text)
    got = [(s.id, s.level, s.parent_id) for s in sections]
    assert got == [
        ("0", 0, None),
        ("1", 1, None),
        ("1.1", 2, "1"),
        ("1.1.1", 3, "1.1"),
        ("1.1.2", 3, "1.1"),
        ("1.2", 2, "1"),
        ("2", 1, None),
    ]


def test_chapter_items_chinese_numerals_beyond_ten():
    items = "".join(
        f"({n})事项{n}。\n"
        for n in ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "二十", "二十一"]
    )
    # 二十 follows 十一 with a gap: only small gaps are accepted
    sections, _ = parse_outline("一、部分\n" + items)
    assert "1.11" in [s.id for s in sections]
    assert "1.20" not in [s.id for s in sections]
    long = "".join(
        f"({'九十' + d if d else '九十'})事项。\n"
        for d in ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
    )
    pre = "".join(f"({n})事项。\n" for n in _cn_range(1, 89))
    sections, _ = parse_outline("一、部分\n" + pre + long)
    assert sections[-1].id == "1.99"


def _cn_range(a, b):
    digits = "一二三四五六七八九"
    out = []
    for n in range(a, b + 1):
        tens, ones = divmod(n, 10)
        s = ("" if tens == 0 else ("十" if tens == 1 else digits[tens - 1] + "十")) + (
            digits[ones - 1] if ones else ""
        )
        out.append(s)
    return out


@pytest.mark.parametrize("s", ["九", "十", "十一", "二十", "三十六", "九十九", "一百零五"])
def test_cn_to_int(s):
    assert (
        cn_to_int(s)
        == {"九": 9, "十": 10, "十一": 11, "二十": 20, "三十六": 36, "九十九": 99, "一百零五": 105}[s]
    )


def test_false_headings_rejected():
    text = (
        "一、总体情况\n1.2万名医生参加培训。\n2024.1月启动。\n(一)推进建设。\n20.5%的居民参与。\n二、安排\n"
    )
    sections, _ = parse_outline(text)
    assert [s.number for s in sections if s.number] == ["一、", "(一)", "二、"]


def test_heading_must_start_a_line():
    text = "一、总体\n推进建设,完善(一)体系和1.服务。\n二、安排\n"
    sections, _ = parse_outline(text)
    assert [s.number for s in sections] == ["一、", "二、"]


def test_indented_headings():
    text = "  标题\n  一、总体\n    1. 坚持党建引领。内容。\n    2. 推进改革。\n  二、安排\n    3. 落实。\n"
    sections, _ = parse_outline(text)
    assert [(s.id, s.heading) for s in sections] == [
        ("0", "标题"),
        ("1", "总体"),
        ("1.1", "坚持党建引领"),
        ("1.2", "推进改革"),
        ("2", "安排"),
        ("2.3", "落实"),
    ]


def test_restart_gets_suffix():
    text = "一、甲\n二、乙\n一、丙\n二、丁\n"
    sections, _ = parse_outline(text)
    assert [s.id for s in sections] == ["1", "2", "1_2", "2_2"]


def test_no_outline_gives_paragraphs_and_warning():
    text = "这是第一段,没有编号。\n\n这是第二段。\n第三段。\n"
    sections, warnings = parse_outline(text, path="plain.txt")
    assert [s.id for s in sections] == ["p1", "p2", "p3"]
    assert all(s.level == 1 for s in sections)
    assert [w.kind for w in warnings] == ["no-outline"]
    assert warnings[0].path == "plain.txt" and "3 paragraph" in warnings[0].message
    assert_partition(text, sections)


def test_review_part_detected():
    text = "一、2024年工作回顾\n过去一年,成绩显著。\n二、2025年工作安排\n(一)推进建设。\n"
    sections, _ = parse_outline(text)
    assert [(s.id, s.part) for s in sections] == [("1", "review"), ("2", "plan"), ("2.1", "plan")]


def test_inline_subheadings_do_not_fire_on_ordinary_items(seed_plans):
    for stem in (LONGGANG, SZ2022, SZ2025, XIANGAN):
        assert not [s for s in seed_plans[stem].sections if s.level == 3], stem


_LINE = st.one_of(
    st.sampled_from(
        [
            "一、",
            "二、",
            "三、",
            "(一)",
            "(二)",
            "（三）",
            "1.",
            "2.",
            "3、",
            "(1)",
            "（2）",
            "第一章",
            "第二条",
            "  ",
            "",
        ]
    ).flatmap(
        lambda num: st.text(alphabet="推进建设。,完善体系1.2万个() \t", max_size=20).map(
            lambda body: num + body
        )
    ),
    st.text(alphabet="甲乙丙。\n ", max_size=10),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=25), st.booleans())
def test_spans_partition_random_outlines(lines, trailing_newline):
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    sections, _ = parse_outline(text, display_text=text)
    assert sections
    assert_partition(text, sections)


# --- the seeds keep their exact outlines --------------------------------------------------


@pytest.mark.parametrize("stem", SEED_IDS)
def test_seed_outline_exactly_as_before(seed_plans, stem):
    """Ids, levels, parts, headings and spans of every seed section, as recorded before
    unnumbered parts, appendices and paragraph items were added (tests/data/seed_outlines.json)."""
    import json

    from conftest import DATA

    recorded = json.loads((DATA / "seed_outlines.json").read_text(encoding="utf-8"))[stem]
    got = [[s.id, s.level, s.part, s.heading, list(s.span)] for s in seed_plans[stem].sections]
    assert got == recorded


# --- government work reports under neutral names (real corpus files) ----------------------


def _load_neutral(rel, tmp_path, **kw):
    from neutral import neutral_copy

    from plancompare.load import load_plan

    return load_plan(neutral_copy(rel, tmp_path, **kw))


def _top(plan):
    return [(s.id, s.part, s.heading) for s in plan.parts]


@pytest.mark.parametrize("front_matter", [True, False])
def test_bold_unnumbered_headings_are_parts(tmp_path, front_matter):
    # Yinchuan 2023: **2022年工作回顾** / **2023年工作安排** head the parts; 一、 … are their items.
    plan = _load_neutral("主要城市/银川市/2023", tmp_path, front_matter=front_matter)
    assert_partition(plan.text, plan.sections)
    assert _top(plan) == [
        ("1", "review", "2022年工作回顾"),
        ("2", "plan", "2023年工作安排"),
        ("a1", "appendix", "名词解释"),
    ]
    review_items = plan.children("1")
    assert len(review_items) >= 5 and all(s.level == 2 and s.part == "review" for s in review_items)
    assert all(s.part == "plan" for s in plan.children("2"))


def test_plain_standalone_headings_are_parts(tmp_path):
    # Baoding 2023 heads its parts with plain lines (no bold, no number).
    plan = _load_neutral("其他地市/保定市/2023", tmp_path)
    assert _top(plan)[:3] == [
        ("1", "review", "2022年政府工作回顾"),
        ("2", "plan", "阔步迈上新征程"),
        ("3", "plan", "2023年主要工作"),
    ]


def test_review_heading_without_review_words(tmp_path):
    # Hengshui 2022: "新一届政府成立以来的工作" reports results; the plan follows.
    plan = _load_neutral("其他地市/衡水市/2022", tmp_path)
    assert [(p, h) for _, p, h in _top(plan)][:2] == [
        ("review", "新一届政府成立以来的工作"),
        ("plan", "2022年主要目标任务"),
    ]


def test_glossary_is_an_appendix_not_plan_items(tmp_path):
    # Guangzhou 2023: the glossary used to be parsed as plan items §2.10.1–2.10.18.
    from plancompare.coverage import plan_units

    plan = _load_neutral("主要城市/广州市/2023", tmp_path)
    gloss = next(s for s in plan.parts if s.heading == "名词解释")
    assert gloss.part == "appendix" and gloss.id.startswith("a")
    after = [s for s in plan.sections if s.span[0] >= gloss.span[0]]
    assert len(after) > 5 and all(s.part == "appendix" for s in after)
    assert not any("名词解释" in s.text for s in plan.sections if s.part == "plan")
    units = {u.section_id for u in plan_units(plan)}
    assert not units & {s.id for s in after}
    assert {s.id for s in after if s.text.strip()} & {
        u.section_id for u in plan_units(plan, plan_part="everything")
    }


def test_people_s_livelihood_list_is_an_appendix(tmp_path):
    plan = _load_neutral("其他地市/襄阳市/2023", tmp_path)
    last = plan.parts[-1]
    assert (last.heading, last.part) == ("扎实办好民生十件实事", "appendix")
    assert plan.parts[-2].part == "plan"


def test_long_unnumbered_review_is_split_into_paragraph_items(tmp_path):
    # Dongguan 2023's review is ten unnumbered paragraphs under **2022年工作回顾**.
    plan = _load_neutral("主要城市/东莞市/2023", tmp_path)
    review = plan.parts[0]
    assert (review.heading, review.part) == ("2022年工作回顾", "review")
    items = plan.children(review.id)
    assert len(items) >= 5
    assert all(s.id.startswith(f"{review.id}.p") and s.level == 2 and s.part == "review" for s in items)
    assert_partition(plan.text, plan.sections)


def test_unnumbered_parts_on_made_up_text():
    text = (
        "各位代表:\n现在我代表市人民政府向大会报告工作。\n"
        "2024年工作回顾\n一年来经济运行稳中向好,完成目标。\n一、产业发展\n建成项目10个。\n二、民生改善\n新增托位500个。\n"
        "2025年工作安排\n一、推进产业\n要加快建设。\n二、改善民生\n力争新增托位800个。\n"
        "名词解释\n1.托位:托育机构的位置。\n2.医联体:医疗联合体。\n"
    )
    secs, _ = parse_outline(text)
    assert_partition(text, secs)
    assert [(s.id, s.part, s.heading) for s in secs if s.level == 1] == [
        ("1", "review", "2024年工作回顾"),
        ("2", "plan", "2025年工作安排"),
        ("a1", "appendix", "名词解释"),
    ]
    assert [s.id for s in secs if s.parent_id == "2"] == ["2.1", "2.2"]
    assert {s.part for s in secs if s.parent_id == "a1"} == {"appendix"}
