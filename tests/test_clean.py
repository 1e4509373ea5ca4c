"""Cleaning on the real seeds (001 is the messy one) and on small made-up inputs."""

from __future__ import annotations

import re

import pytest
from conftest import SZ2022, XIANGAN, seed_path

from plancompare.clean import DAMAGE, clean_text, to_simplified

_GLOSS = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")


@pytest.fixture(scope="module")
def sz2022():
    return clean_text(seed_path(SZ2022).read_text(encoding="utf-8"), path=str(seed_path(SZ2022)))


def test_001_has_no_pinyin_gloss(sz2022):
    raw = seed_path(SZ2022).read_text(encoding="utf-8")
    assert len(_GLOSS.findall(raw)) > 900  # the seed really is full of glosses
    assert _GLOSS.findall(sz2022.text) == []
    assert _GLOSS.findall(sz2022.display_text) == []


@pytest.mark.parametrize(
    "junk", ["黄片", "东京热", "您好", "欢迎来到", "ICP", "公网安备", "版权所有", "发布时间", "信息来源"]
)
def test_001_spam_portal_footer_removed(sz2022, junk):
    assert junk not in sz2022.text


def test_001_is_simplified_and_display_keeps_traditional(sz2022):
    assert to_simplified(sz2022.text) == sz2022.text
    assert "卫生健康工作要点" in sz2022.text and "衛" not in sz2022.text
    assert "衛生健康" in sz2022.display_text
    assert len(sz2022.text) == len(sz2022.display_text)
    # Alignment: every character is either equal or its Simplified form.
    assert all(
        to_simplified(d) == t or d == t
        for d, t in zip(sz2022.display_text, sz2022.text, strict=True)
        if d != t
    )


def test_001_keeps_real_content_and_title(sz2022):
    assert "(一)毫不放松抓好常态化疫情防控" in sz2022.text
    assert "(三十六)加强卫生健康行业文化建设" in sz2022.text
    assert sz2022.title_hint == "2022年深圳市卫生健康工作要点"


def test_001_damaged_spans_reported(sz2022):
    damaged = [w for w in sz2022.warnings if w.kind == "damaged-text"]
    assert len(damaged) >= 5
    for w in damaged:
        a, b = w.span
        assert sz2022.text[a:b] == DAMAGE * (b - a)
        assert w.path.endswith(".txt") and "line" in w.message
    assert "?" not in sz2022.text.replace("www", "")
    # every U+FFFD in the text is covered by a warning
    covered = sum(b - a for a, b in (w.span for w in damaged))
    assert covered == sz2022.text.count(DAMAGE)


def test_001_one_boilerplate_warning(sz2022):
    bp = [w for w in sz2022.warnings if w.kind == "boilerplate"]
    assert len(bp) == 1
    assert "removed 6" in bp[0].message and "spam" in bp[0].message


def test_004_web_page_cleaned():
    c = clean_text(seed_path(XIANGAN).read_text(encoding="utf-8"), path="x.txt")
    assert "当前位置" not in c.text and "星期四" not in c.text and "字号" not in c.text
    assert c.text.startswith("厦门市翔安区卫生健康局2024年工作计划\n")
    assert c.title_hint == "厦门市翔安区卫生健康局2024年工作计划"
    assert "  一、坚持党的领导" in c.text  # indentation kept for the outline parser


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("醫(yī)療", "医疗"),
        ("醫（yī）療", "医疗"),
        ("綠(lǜ)色", "绿色"),
        ("(一)加強", "(一)加强"),
        ("由(市卫生监督所)负责", "由(市卫生监督所)负责"),
        ("配置(AED)设备", "配置(AED)设备"),
        ("使用app(ios)下载", "使用app(ios)下载"),
    ],
)
def test_pinyin_gloss_only(raw, expected):
    assert clean_text(raw).text == expected


def test_punctuation_normalised():
    c = clean_text("（一）推进建设，完善体系：新增１０家；")
    assert c.text == "(一)推进建设,完善体系:新增10家;"


@pytest.mark.parametrize(
    ("raw", "damaged"),
    [
        ("全科与??协同服务", True),
        ("全科与？？协同服务", True),
        ("研究?;筹建卫生", True),
        ("私用\ue123字符", True),
        ("替换\ufffd字符", True),
        ("这是什么？我们要做什么？", False),
        ("网址 http://a.cn/x?id=1 可查", False),
    ],
)
def test_damage_detection(raw, damaged):
    c = clean_text(raw, path="d.txt")
    warned = [w for w in c.warnings if w.kind == "damaged-text"]
    assert bool(warned) is damaged
    assert (DAMAGE in c.text) is damaged
    assert len(c.text) == len(c.display_text)
    for w in warned:
        assert w.path == "d.txt"


def test_damage_warnings_capped():
    raw = "\n".join(f"第{i}行??文本" for i in range(100))
    c = clean_text(raw, max_damage_warnings=10)
    damaged = [w for w in c.warnings if w.kind == "damaged-text"]
    assert len(damaged) == 11 and "90 more" in damaged[-1].message


def test_spam_needs_two_keywords():
    assert "亚洲" in clean_text("亚洲基础设施投资银行合作").text
    assert clean_text("亚洲无码在线\n正文。").text == "正文。"


def test_blank_lines_collapsed():
    assert clean_text("\n\n甲。\n\n\n\n乙。  \n\n").text == "甲。\n\n乙。"


def test_garbled_run_after_damage_is_marked_too(sz2022):
    # "培育10個有發展�摿Φ氖屑壷嗅t藥優勢": the bytes after the bad one were mis-decoded
    i = sz2022.display_text.index("培育10個有發展")
    shown = sz2022.display_text[i : i + 20]
    assert "摿" not in shown and "Φ" not in shown and "嗅t" not in shown
    assert "藥優勢" in shown  # real characters after the garbage stay
    assert "研究\ufffd;I建" in sz2022.text  # a clause mark stops the run (I is garbage for 籌: left alone)
    # nothing alien is left right after damage anywhere else in the seed
    import re

    assert not re.search("\ufffd[^\ufffd\n,;。，；、]{0,6}[A-Za-zΦЦ]", sz2022.text)


def test_lone_damaged_separator_keeps_the_words_after_it():
    c = clean_text("“游在宁夏\ufffd吃在吴忠”金字招牌。市长 \ufffd张烨作报告。")
    assert "吃在吴忠" in c.text and "张烨" in c.text
