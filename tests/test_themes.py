"""Theme taxonomy, theme loading/validation, and the hand-labelled evaluation set itself."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import opencc
import pytest
import yaml

from plancompare.errors import ThemeFileError
from plancompare.model import Theme
from plancompare.themes import builtin_themes, load_themes, select_themes

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
LABELS = Path(__file__).resolve().parent / "data" / "labels"
PLANS = (
    "000_df77e404ebcdeb1b",
    "001_6566fb2897e425d6",
    "002_7a622e524e24148d",
    "003_21384b622973756d",
    "004_73bd3943b8d95550",
)
LONGGANG, SZ2022, DONGGUAN, SZ2025, XIANGAN = PLANS
LEVELS = {"covered", "mentioned", "missing"}


# --------------------------------------------------------------------------- built-in taxonomy


def test_builtin_has_enough_complete_unique_themes():
    themes = builtin_themes()
    assert len(themes) >= 45
    names = [t.name for t in themes]
    assert len(set(names)) == len(names)
    for t in themes:
        assert isinstance(t, Theme)
        assert t.description and t.name_en and t.group, t.name
        assert 3 <= len(t.examples) <= 6, t.name
        assert t.keywords, t.name


def test_builtin_includes_the_required_themes():
    names = {t.name for t in builtin_themes()}
    required = {
        "托育", "中医药", "中医治未病", "AI+医疗", "安宁疗护", "无偿献血", "两岸医疗卫生融合", "生物安全",
        "医养结合", "新冠疫情防控", "家庭医生签约", "医联体", "公立医院改革", "三医协同", "基层医疗卫生",
        "急救体系", "卫生应急", "传染病防控", "疾控体系", "慢性病管理", "精神卫生", "妇幼健康", "生育支持",
        "老年健康", "职业健康", "爱国卫生", "健康促进", "学科建设", "医学科技创新", "人才队伍", "数字化",
        "医疗质量安全", "药品供应", "综合监管", "行风廉政", "党建", "安全生产", "国际化", "项目建设",
        "检查检验互认", "改善就医体验", "口腔健康", "儿童青少年健康", "营养与食品安全", "健康产业", "法治建设",
    }  # fmt: skip
    assert required <= names, required - names


def test_builtin_keywords_are_simplified_and_not_shared():
    cc = opencc.OpenCC("t2s")
    owner: dict[str, str] = {}
    for t in builtin_themes():
        for k in t.keywords:
            assert cc.convert(k) == k, (t.name, k)
            # a keyword shared by two themes could not tell them apart
            assert k not in owner, (k, owner.get(k), t.name)
            owner[k] = t.name


def test_builtin_is_cached_but_returns_a_fresh_list():
    a = builtin_themes()
    a.clear()
    b = builtin_themes()
    assert len(b) >= 45
    assert b[0] is builtin_themes()[0]


# --------------------------------------------------------------------------- load_themes specs


def test_load_none_is_builtin():
    assert load_themes(None) == builtin_themes()


def test_load_list_of_names_reuses_builtin_and_makes_bare_themes():
    themes = load_themes(["托育", "碳中和"])
    assert themes[0] == next(t for t in builtin_themes() if t.name == "托育")
    assert themes[1] == Theme(name="碳中和", keywords=("碳中和",))


def test_load_mixed_list_and_dict_specs():
    t = Theme("控烟", "无烟单位", keywords=("控烟",))
    got = load_themes(
        [t, {"name": "体卫融合", "keywords": ["体卫融合", "運動處方"], "examples": ["扩大运动处方运用"]}]
    )
    assert got[0] is t
    # Traditional keywords are converted, since plan text is matched in Simplified
    assert got[1].keywords == ("体卫融合", "运动处方")
    assert got[1].examples == ("扩大运动处方运用",)

    by_dict = load_themes({"控烟": "无烟单位和戒烟门诊", "托育": {"keywords": ["托位"], "group": "人群"}})
    # name: description gives no keyword list; the terms are derived (name included)
    assert by_dict[0] == Theme(name="控烟", description="无烟单位和戒烟门诊")
    from plancompare.terms import theme_terms

    assert theme_terms(by_dict[0]).name == ("控烟",)
    assert by_dict[1].keywords == ("托位",) and by_dict[1].group == "人群"


def test_load_rejects_bad_spec_types():
    with pytest.raises(ThemeFileError, match="expected None, a list"):
        load_themes(42)
    with pytest.raises(ThemeFileError, match="should be a name or a mapping"):
        load_themes([["托育"]])
    with pytest.raises(ThemeFileError, match="duplicate theme name '托育'"):
        load_themes(["托育", {"name": "托育"}])


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "themes.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_user_yaml_list_form(tmp_path):
    p = _write(
        tmp_path,
        "- name: 托育\n"
        "  description: 婴幼儿照护\n"
        "  keywords: [托育, 托位]\n"
        "  examples:\n"
        "    - 新增托位5000个\n"
        "- 中医药\n",
    )
    themes = load_themes(p)
    assert [t.name for t in themes] == ["托育", "中医药"]
    assert themes[0] == Theme("托育", "婴幼儿照护", ("托育", "托位"), ("新增托位5000个",))
    assert themes[1].examples  # the built-in definition
    assert load_themes(str(p)) == themes


def test_user_yaml_mapping_form_and_wrapper(tmp_path):
    text = "控烟: 无烟单位和戒烟门诊\n托育:\n  description: 托位建设\n  keywords: [托位]\n"
    assert [t.name for t in load_themes(_write(tmp_path, text))] == ["控烟", "托育"]
    wrapped = "themes:\n" + "".join("  " + line + "\n" for line in text.splitlines())
    themes = load_themes(_write(tmp_path, wrapped))
    assert themes[1] == Theme("托育", "托位建设", ("托位",))


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("- name: 托育\n- description: 没有名字\n", 2, "name", "no 'name'"),
        ("- name: 托育\n  keywords: 托育, 托位\n", 2, "keywords", "must be a list of strings"),
        ("- name: 急救\n  keywords:\n    - 急救\n    - 120\n", 2, "keywords", "quote numbers"),
        (
            "- name: 托育\n- name: 中医药\n- name: 托育\n",
            3,
            "name",
            "duplicate theme name '托育' (first defined at line 1)",
        ),
        ("托育: 托位\n中医药: 中医\n托育: 托班\n", 3, "name", "duplicate theme name '托育'"),
        (
            "- name: 托育\n  examples: [新增托位]\n  keyword: [托位]\n",
            3,
            "keyword",
            "did you mean 'keywords'?",
        ),
        ("- name: 托育\n  description: [a, b]\n", 2, "description", "must be a string"),
        ("托育:\n  description: x\n  description: y\n", 3, "description", "duplicate field"),
        ("托育:\n  name: 中医药\n", 2, "name", "different 'name'"),
    ],
)
def test_theme_file_errors_name_line_and_field(tmp_path, text, line, field, message):
    p = _write(tmp_path, text)
    with pytest.raises(ThemeFileError) as exc:
        load_themes(p)
    err = exc.value
    assert (err.line, err.field) == (line, field)
    assert message in str(err)
    assert str(err).startswith(f"{p}:{line} (field {field!r}): ")


def test_theme_file_errors_without_field(tmp_path):
    with pytest.raises(ThemeFileError, match="invalid YAML") as exc:
        load_themes(_write(tmp_path, "- name: 托育\n  keywords: [托育\n- name: x\n"))
    assert exc.value.line is not None and exc.value.line >= 2
    with pytest.raises(ThemeFileError, match="file is empty"):
        load_themes(_write(tmp_path, "# nothing\n"))
    with pytest.raises(ThemeFileError, match="single value"):
        load_themes(_write(tmp_path, "托育\n"))
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ThemeFileError, match="not found") as exc:
        load_themes(missing)
    assert str(missing) in str(exc.value)


def test_select_themes_by_name_and_group():
    themes = builtin_themes()
    assert [t.name for t in select_themes(themes, ["无偿献血", "托育", "托育"])] == ["无偿献血", "托育"]
    public_health = select_themes(themes, ["公共卫生"])
    assert len(public_health) >= 5 and {t.group for t in public_health} == {"公共卫生"}
    with pytest.raises(ThemeFileError, match="did you mean '托育'"):
        select_themes(themes, ["托育服务"])
    assert [t.name for t in select_themes(themes, "托育")] == ["托育"]  # a bare string is one name


def test_bare_name_instead_of_path_gets_a_hint():
    with pytest.raises(ThemeFileError, match=r"pass a list, e\.g\. load_themes\(\['托育'\]\)"):
        load_themes("托育")


# --------------------------------------------------------------------------- the label files

_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
_CN = dict(zip("一二三四五六七八九", range(1, 10), strict=True))
_PART = re.compile(r"^\s*([一二三四五六七八九十]+)、", re.M)
_ITEM = re.compile(r"^\s*(?:[(（]([一二三四五六七八九十]+)[)）]|(\d+)\.\s)", re.M)


@cache
def _seed_text(stem: str) -> str:
    """The seed in Simplified with pinyin glosses removed (what label quotes are taken from)."""
    raw = (SEEDS / f"{stem}.txt").read_text(encoding="utf-8")
    return opencc.OpenCC("t2s").convert(_GLOSS.sub("", raw))


def _cn_number(s: str) -> int:
    tens, ten, ones = s.partition("十")
    if not ten:
        return _CN[s]
    return (_CN[tens] if tens else 1) * 10 + (_CN[ones] if ones else 0)


def _section_at(text: str, pos: int) -> str:
    """Section id (part.item) of position ``pos``, from the printed headings before it."""
    parts = [m for m in _PART.finditer(text, 0, pos)]
    if not parts:
        return "0"
    part = _cn_number(parts[-1].group(1))
    items = [m for m in _ITEM.finditer(text, parts[-1].end(), pos)]
    if not items:
        return str(part)
    m = items[-1]
    return f"{part}.{_cn_number(m.group(1)) if m.group(1) else int(m.group(2))}"


def _all_section_ids(text: str) -> set[str]:
    return {_section_at(text, m.end()) for m in [*_PART.finditer(text), *_ITEM.finditer(text)]}


@pytest.fixture(scope="module")
def coverage_labels() -> dict:
    return yaml.safe_load((LABELS / "coverage.yaml").read_text(encoding="utf-8"))["themes"]


@pytest.fixture(scope="module")
def pair_labels() -> list[dict]:
    return yaml.safe_load((LABELS / "pairs.yaml").read_text(encoding="utf-8"))["pairs"]


def test_section_locator_on_known_places():
    lg = _seed_text(LONGGANG)
    assert _section_at(lg, lg.index("新增托位5000个")) == "2.9"
    sz22 = _seed_text(SZ2022)
    assert _section_at(sz22, sz22.index("扩大普惠优质托育资源供给")) == "4.15"
    xa = _seed_text(XIANGAN)
    assert _section_at(xa, xa.index("深化两岸医疗卫生融合发展")) == "5.17"


def test_coverage_labels_cover_every_builtin_theme_and_plan(coverage_labels):
    builtin = {t.name for t in builtin_themes()}
    assert len(coverage_labels) >= 40
    assert set(coverage_labels) <= builtin, set(coverage_labels) - builtin
    assert set(coverage_labels) == builtin  # the taxonomy is labelled in full
    for theme, per_plan in coverage_labels.items():
        assert set(per_plan) == set(PLANS), theme
        for cell in per_plan.values():
            assert cell["level"] in LEVELS, (theme, cell)


def test_coverage_evidence_is_exact_and_in_the_labelled_section(coverage_labels):
    for theme, per_plan in coverage_labels.items():
        for plan, cell in per_plan.items():
            quote, section = cell.get("evidence") or "", str(cell.get("section") or "")
            if cell["level"] == "missing":
                assert not quote and not section, (theme, plan)
                continue
            assert len(quote) >= 8 and "?" not in quote and "？" not in quote, (theme, plan, quote)
            text = _seed_text(plan)
            pos = text.find(quote)
            assert pos >= 0, (theme, plan, quote)
            assert _section_at(text, pos) == section, (theme, plan, section, _section_at(text, pos))
            if plan == DONGGUAN:  # only the 2025 plan part (二、) is labelled
                assert section == "2" or section.startswith("2."), (theme, section)


def test_coverage_labels_agree_with_known_facts(coverage_labels):
    lv = {t: {p: c["level"] for p, c in per.items()} for t, per in coverage_labels.items()}
    assert [p for p, v in lv["两岸医疗卫生融合"].items() if v != "missing"] == [XIANGAN]
    assert lv["无偿献血"][LONGGANG] == lv["无偿献血"][SZ2022] == "covered"
    assert lv["无偿献血"][SZ2025] == "missing"
    assert set(lv["托育"].values()) == set(lv["中医药"].values()) == {"covered"}
    assert lv["医养结合"][XIANGAN] == "mentioned"
    counts = Counter(v for per in lv.values() for v in per.values())
    assert all(counts[level] >= 15 for level in LEVELS), counts
    notes = [c for per in coverage_labels.values() for c in per.values() if c.get("note")]
    assert len(notes) >= 3


def test_pair_labels_are_valid_section_pairs(pair_labels):
    assert len(pair_labels) >= 30
    builtin = {t.name for t in builtin_themes()}
    ids = {p: _all_section_ids(_seed_text(p)) for p in PLANS}
    seen = set()
    for pair in pair_labels:
        a, b = pair["a"], pair["b"]
        assert a in PLANS and b in PLANS and a != b, pair
        assert str(pair["a_section"]) in ids[a] and str(pair["b_section"]) in ids[b], pair
        assert "." in str(pair["a_section"]) and "." in str(pair["b_section"]), pair  # items, not parts
        assert pair["topic"] in builtin, pair
        key = (a, str(pair["a_section"]), b)
        assert key not in seen, pair  # one labelled counterpart per section and plan pair
        seen.add(key)
    plan_pairs = Counter(frozenset((p["a"], p["b"])) for p in pair_labels)
    assert len(plan_pairs) >= 5
    for needed in [(LONGGANG, SZ2025), (SZ2022, SZ2025), (DONGGUAN, SZ2025), (XIANGAN, LONGGANG)]:
        assert plan_pairs[frozenset(needed)] >= 5, needed
