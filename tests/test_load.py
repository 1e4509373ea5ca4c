"""Loading: every format and encoding, bad input, batches; made-up files go to tmp_path."""

from __future__ import annotations

import hashlib
import logging

import pytest
from conftest import LONGGANG, SEED_IDS, SEEDS, SZ2022, corpus_files, seed_path

from plancompare.errors import PlanLoadError
from plancompare.load import SUPPORTED_EXTENSIONS, load_many, load_plan

PLAN_SIMP = "2024年深圳市卫生健康工作计划\n一、强化基础\n(一)完善托育服务体系建设。新增托位。\n(二)推进医院建设。\n二、保障\n(三)落实责任。\n"
PLAN_TRAD = "2024年深圳市衛生健康工作計劃\n一、強化基礎\n(一)完善托育服務體系建設。新增托位。\n(二)推進醫院建設。\n二、保障\n(三)落實責任。\n"


def test_seed_plan_fields(seed_plans):
    plan = seed_plans[LONGGANG]
    raw = seed_path(LONGGANG).read_bytes()
    assert plan.id == LONGGANG
    assert plan.sha256 == hashlib.sha256(raw).hexdigest()
    assert plan.encoding == "utf-8"
    assert plan.original_text == raw.decode("utf-8")
    assert plan.path == seed_path(LONGGANG)
    assert len(plan.display_text) == len(plan.text)


def test_seed_001_traditional_kept_for_display(seed_plans):
    plan = seed_plans[SZ2022]
    s = plan.section("4.15")
    assert s.heading == "建设普惠托育服务体系"
    assert "建設普惠托育服務體系" in s.display_text
    assert "醫(yī)" in plan.original_text


def test_overrides(tmp_path):
    plan = load_plan(seed_path(LONGGANG), region="深圳市", year=2030, plan_id="lg")
    assert (plan.id, plan.region, plan.admin_level, plan.year) == ("lg", "深圳市", "city", 2030)


@pytest.mark.parametrize(
    ("encoding", "text", "bom"),
    [
        ("gbk", PLAN_SIMP, b""),
        ("gb18030", PLAN_SIMP + "(四)支持𠀀字。\n", b""),
        ("big5", PLAN_TRAD, b""),
        ("utf-16-le", PLAN_SIMP, b"\xff\xfe"),
        ("utf-8", PLAN_SIMP, b"\xef\xbb\xbf"),
    ],
)
def test_encodings(tmp_path, encoding, text, bom):
    # repeat the text so the detector has something to go on, as in a real plan
    filler = (
        "推進衛生健康事業高質量發展,完善醫療服務體系。"
        if encoding == "big5"
        else "推进卫生健康事业高质量发展,完善医疗服务体系。"
    )
    body = text + "".join(f"({n}){filler}\n" for n in "四五六七八九")
    f = tmp_path / "plan.txt"
    f.write_bytes(bom + body.encode(encoding))
    plan = load_plan(f)
    assert plan.original_text.lstrip("\ufeff") == body
    assert plan.section("1.1").heading == "完善托育服务体系建设"
    assert plan.region == "深圳市" and plan.year == 2024
    assert not [w for w in plan.warnings if w.kind == "encoding"]
    assert plan.encoding


def test_lossy_decode_warns(tmp_path):
    f = tmp_path / "broken.txt"
    f.write_bytes(PLAN_SIMP.encode("gbk") * 20 + b"\x81\x30\xff\xff")
    plan = load_plan(f)
    enc = [w for w in plan.warnings if w.kind in ("encoding", "damaged-text")]
    assert enc and all("broken.txt" in w.path for w in enc)


def test_markdown(tmp_path):
    f = tmp_path / "深圳市" / "2023.md"
    f.parent.mkdir()
    f.write_text(
        "---\ntitle: 政府工作报告\n---\n\n# 政府工作报告\n\n**各位代表：**\n\n## 一、2022年工作回顾\n\n过去一年，成绩[显著](http://x.cn)。\n\n"
        "**二、2023年工作安排**\n\n（一）*推进*建设。内容。\n",
        encoding="utf-8",
    )
    plan = load_plan(f)
    assert "#" not in plan.text and "**" not in plan.text and "http" not in plan.text
    assert "成绩显著" in plan.text
    assert [(s.id, s.part) for s in plan.parts] == [("1", "review"), ("2", "plan")]
    assert plan.section("2.1").heading == "推进建设"
    assert (plan.region, plan.year, plan.doc_type, plan.title) == (
        "深圳市",
        2023,
        "政府工作报告",
        "政府工作报告",
    )


def test_html(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>某市2024年卫生健康工作计划-某市人民政府</title><style>p{}</style></head><body>"
        "<nav>首页 | 政务公开</nav><script>var a=1;</script>"
        "<div class='c'><p>当前位置: 首页 / 规划计划</p><p>一、<b>强化</b>基础</p><p>(一)完善托育服务体系建设。新增托位。</p>"
        "<p>(二)推进医院建设。<br>继续推进。</p><p>二、保障</p></div><footer>版权所有</footer></body></html>",
        encoding="utf-8",
    )
    plan = load_plan(f)
    assert "var a" not in plan.text and "首页" not in plan.text and "版权" not in plan.text
    assert [s.heading for s in plan.parts] == ["强化基础", "保障"]
    assert plan.section("1.1").heading == "完善托育服务体系建设"
    assert plan.title == "某市2024年卫生健康工作计划"


def test_docx(tmp_path):
    import docx

    d = docx.Document()
    for line in PLAN_SIMP.splitlines():
        d.add_paragraph(line)
    f = tmp_path / "plan.docx"
    d.save(str(f))
    plan = load_plan(f)
    assert plan.encoding == "docx"
    assert (len(plan.parts), len(plan.items)) == (2, 3)
    assert plan.section("2.3").heading == "落实责任"


def test_docx_corrupt(tmp_path):
    f = tmp_path / "bad.docx"
    f.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(PlanLoadError, match=r"bad\.docx.*docx"):
        load_plan(f)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n\t\n", "empty"),
        ("onlyweb.txt", "当前位置: 首页 / 政务公开\n2025年4月17日 星期四\n".encode(), "nothing is left"),
        ("binary.txt", bytes(range(256)) * 4, "binary"),
        ("plan.pdfx", b"abc", "unsupported file type '.pdfx'; supported: .txt, .md"),
        ("noext", b"abc", "unsupported file type"),
    ],
)
def test_bad_input(tmp_path, name, content, match):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(PlanLoadError, match=match) as e:
        load_plan(f)
    assert name in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(PlanLoadError, match="not found") as e:
        load_plan(tmp_path / "gone.txt")
    assert "gone.txt" in str(e.value)


def test_too_large(tmp_path):
    f = tmp_path / "big.txt"
    f.write_bytes(PLAN_SIMP.encode() * 100)
    with pytest.raises(PlanLoadError, match="larger than the limit"):
        load_plan(f, max_bytes=1000)
    assert load_plan(f, max_bytes=f.stat().st_size).items  # exactly at the limit loads


def test_no_outline_and_no_cjk_warnings(tmp_path):
    f = tmp_path / "plain.txt"
    f.write_text("这是一段没有编号的文字。\n另一段。\n", encoding="utf-8")
    plan = load_plan(f)
    assert [s.id for s in plan.sections] == ["p1", "p2"]
    assert any(w.kind == "no-outline" and "plain.txt" in str(w) for w in plan.warnings)
    g = tmp_path / "english.txt"
    g.write_text("Just some English text.\nNothing else.\n", encoding="utf-8")
    assert any(w.kind == "no-cjk" and "english.txt" in str(w) for w in load_plan(g).warnings)


def test_load_many_keeps_going(tmp_path, caplog):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    files = [seed_path(s) for s in SEED_IDS] + [bad, tmp_path / "missing.txt"]
    with caplog.at_level(logging.WARNING):
        plans, report = load_many(files)
    assert [p.id for p in plans] == list(SEED_IDS)
    assert report.loaded == list(SEED_IDS)
    assert set(report.failed) == {str(bad), str(tmp_path / "missing.txt")}
    assert "empty file" in report.failed[str(bad)]
    assert "empty.txt" in caplog.text


def test_load_many_unique_ids():
    files = corpus_files(5)
    if len(files) < 2:
        pytest.skip("corpus not available")
    same = [f for f in files if f.stem == "2024"]
    plans, report = load_many(files)
    ids = [p.id for p in plans]
    assert len(set(ids)) == len(ids)
    if len(same) >= 2:
        assert any(i.endswith("-2024") for i in ids) and report.warnings


def test_supported_extensions_cover_seeds():
    assert all(p.suffix in SUPPORTED_EXTENSIONS for p in SEEDS.glob("*.txt"))
