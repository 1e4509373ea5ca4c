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


# --- web-page chrome and HTML comments ---------------------------------------------------

# Chrome lines of the kinds found in raw provincial scrapes (issue 11).
CHROME = [
    "首页 > 云南要闻",
    "首页 | 政务公开 | 政务服务 | 互动交流",
    "发表时间: 2023-01-18 09:30  来源: 云南日报",
    "发布时间:2023年01月18日",
    "【字号: 加大 还原 减小】",
    "【字体:大 中 小】",
    "下载",
    "全屏",
    "阅读量: 1234",
    "王予波作政府工作报告。本报记者阮洋摄",
    "市长蔡战胜作政府工作报告(陈起拓 摄)",
    "(来源:青海日报)",
    "分享到微信",
    "扫一扫在手机打开当前页",
    "责任编辑: 张三",
    "相关报道:",
    "相关链接>>",
    "打印本页 关闭窗口",
    "2023-01-18 09:30:12",
    "【字体:大 中 小】【打印本页】【关闭窗口】",
    "2月2日,省长王予波作政府工作报告。新华社记者 胡超 摄",
    "2023-01-18 10:05 来源:云南日报",
    "【我要打印】【关闭】",
    "【大】【中】【小】",
]


def test_chrome_lines_removed_and_counted():
    body = "各位代表:\n一、2022年工作回顾\n过去一年,我们完成了目标。\n二、2023年工作安排\n(一)加快发展。"
    raw = "\n".join(CHROME[:10]) + "\n" + body + "\n" + "\n".join(CHROME[10:])
    c = clean_text(raw, path="scrape.txt")
    assert c.text == body
    assert sorted(c.removed_lines) == sorted(CHROME)
    (w,) = [w for w in c.warnings if w.kind == "boilerplate"]
    assert f"removed {len(CHROME)} boilerplate line(s)" in w.message and "caption" in w.message


def test_report_lines_that_look_like_chrome_are_kept():
    keep = [
        "大型 中型 小型",  # a table header, not the font-size control 大 中 小
        "中",
        "打造“中华老字号”品牌,扩大消费。",
        "现在,我代表市人民政府,向大会报告工作,请予审议。",
        "全市新增下载量超过100万次的应用20个。",
        "来源广泛的资金支持乡村振兴,编辑出版地方志。",
        "首页设计大赛圆满成功。",
    ]
    c = clean_text("\n".join(keep))
    assert c.text.split("\n") == keep
    assert not c.removed_lines


def test_html_comments_removed_with_warning():
    raw = "<!-- 宋华英作政府工作报告。 郝德明 摄 -->\n各位代表:\n<!-- 来源:邢台日报\n时间:2024-02-01 -->\n一、工作回顾。"
    c = clean_text(raw)
    assert [x for x in c.text.split("\n") if x] == ["各位代表:", "一、工作回顾。"]
    assert any("2 HTML comment(s)" in w.message for w in c.warnings)


def test_raw_web_copy_of_a_real_report(tmp_path):
    """A corpus report pasted from its web page: every chrome line goes, every report line stays."""
    from neutral import corpus_path

    from plancompare.load import load_plan

    src = corpus_path("省自治区/云南省/2023").read_text(encoding="utf-8")
    body = re.sub(r"\*\*|^#+\s*", "", re.sub(r"\A---\n.*?\n---\n", "", src, flags=re.S), flags=re.M)
    page = "\n".join(CHROME[:10]) + "\n" + body + "\n" + "\n".join(CHROME[10:])
    path = tmp_path / "report-017.txt"
    path.write_text(page, encoding="utf-8")
    plan = load_plan(path)
    lines = set(plan.text.split("\n"))
    assert not [c for c in CHROME if c in lines]
    report_lines = [clean_text(x).text for x in body.split("\n") if x.strip()]
    assert all(x in lines for x in report_lines if x)
    assert (plan.region, plan.year) == ("云南省", 2023)


def test_related_links_at_the_end_of_a_page_removed():
    body = (
        "各位代表:\n一、2022年工作回顾\n"
        + "过去一年,我们完成了目标。\n" * 20
        + "二、2023年工作安排\n(一)加快发展。"
    )
    raw = (
        body
        + "\n相关报道:\n2023年政府工作报告全文\n图解:2023年政府工作报告\n\n聚焦两会|代表委员热议\n责任编辑: 张三"
    )
    c = clean_text(raw)
    assert c.text == body
    assert "related-links 3" in c.warnings[0].message
    # Near the top a 相关链接 line goes, but the report's own short lines after it stay.
    c = clean_text("相关链接\n政府工作报告\n——2023年1月11日在云南省第十四届人民代表大会第一次会议上\n" + body)
    assert c.text.startswith("政府工作报告\n——2023年1月11日")


def test_comment_hiding_a_heading_keeps_the_heading():
    c = clean_text("正文。\n<!-- 名词解释 -->\n1.托位:托育机构的位置。")
    assert c.text == "正文。\n名词解释\n1.托位:托育机构的位置。"
