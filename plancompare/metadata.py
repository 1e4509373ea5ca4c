"""Plan metadata: region (+ administrative level), year, document type and title.

Evidence is taken strongest first, and weaker evidence is consulted only when
the stronger is silent:

1. the **title** (front matter, ``<title>``, a title line of the text);
2. the **file path** when a folder names a region or the stem is a year
   (corpus files live in ``…/深圳市/2023.md``);
3. the **delivery line** of a work report
   (``——2025年2月26日在成都市第十八届人民代表大会第三次会议上``) and the
   speaker line (``成都市人民政府市长 王凤朝``);
4. for the year, the plan part's own heading (``2025年工作安排``) or the review
   heading (``2024年工作回顾`` → 2025);
5. only then counts of mentions in the text, read in the document's own voice
   (全省 / 我市 / 全州 / 全区 …), with names inside a person's line
   (``市长 宁波``) ignored.

Year convention: a plan's year is the year it plans for. A government work
report is delivered early in that year (``2025年2月26日`` → 2025); the few
delivered in November or December plan for the next year
(``2021年12月11日`` → 2022).

Regions come from the gazetteer in ``data/regions.tsv`` (see
:mod:`plancompare.gazetteer`). Municipalities directly under the central
government (北京市, 上海市, 天津市, 重庆市) are ``"city"`` so they compare with
other cities; autonomous prefectures and leagues are ``"city"`` too; the State
Council's report is ``全国`` / ``"national"``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from .gazetteer import Region, gazetteer

_DOC_TYPES = (
    "政府工作报告",
    "工作要点",
    "工作计划",
    "工作报告",
    "工作总结",
    "工作方案",
    "工作安排",
    "行动计划",
    "实施方案",
)
_CN_DIGIT = "〇零一二三四五六七八九十"
# "2025年" but not "到2035年", "2021—2023年" or a date "2021年12月11日".
_YEAR_RE = re.compile(r"(?<![\d到至—\-~～])(20\d{2}|19\d{2})(?=年)(?!年[—\-~～到至])(?!年\d{1,2}月)")
_DATE_RE = re.compile(r"(20\d{2})年(\d{1,2})月(?:\d{1,2}日)?")
_PATH_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
_GENERIC_REGION_RE = re.compile(r"^[\u4e00-\u9fff]{2,12}(?:省|市|自治区|自治州|地区|盟|区|县)$")
_REVIEW_HEAD_RE = re.compile(r"(?m)^\s*[一二三四五六七八九十]+、[^\n]{0,20}(回顾|总结)")
_DISTRICT_WORDS = ("全区", "区属", "区委", "区政府", "我区", "区卫生健康", "区卫健")
_CITY_WORDS = ("全市", "市属", "市委", "市政府", "我市", "市卫生健康", "市卫健")
# The congress a report is delivered to: "在成都市第十八届人民代表大会" / "在第十四届全国人民代表大会".
_DELIVERY_RE = re.compile(
    rf"(?:(?P<date>(?:20|19)\d{{2}}年\d{{1,2}}月\d{{1,2}}日)\s*)?在(?P<place>[^\s,，。;；:：()（）]{{0,24}}?)"
    rf"(?:第?[{_CN_DIGIT}]{{1,4}}届)?(?P<nat>全国)?(?:人民代表大会|人大[{_CN_DIGIT}]{{1,3}}次)"
)
_SPEAKER_RE = re.compile(
    r"(?P<place>[\u4e00-\u9fff]{2,20}?)(?:人民政府|政府)?(?:代理?|常务副)?(?P<title>省长|市长|州长|盟长|区长|县长|主席|专员)"
)
_PERSON_RE = re.compile(
    r"(?:总理|省长|市长|州长|盟长|区长|县长|主席|专员|书记|代表)[\s\u3000*]*[\u4e00-\u9fff](?:[\s\u3000]?[\u4e00-\u9fff]){1,3}"
)
# The document's voice: which level "we" are. "我代表市人民政府向大会报告工作" says it outright;
# otherwise 全省 / 我市 / 全州 … counts (省委 / 省政府 are a city's superiors, so they do not count).
_REPORTING_RE = re.compile(r"我代表(?P<who>[^,，。]{0,10}?)(?:人民)?政府[^。]{0,6}向大会[^。]{0,4}报告")
_WHO_LEVEL = (
    ("国务院", "national"),
    ("自治区", "province"),
    ("自治州", "city"),
    ("省", "province"),
    ("市", "city"),
    ("州", "city"),
    ("盟", "city"),
    ("行署", "city"),
    ("地区", "city"),
    ("区", "district"),
    ("县", "district"),
)
# "居全省第一" / "全省首个" rank a city within its province: not the voice.
_RANK = r"(?![第前首最先]|唯一|领先|平均|排名|率先|乃至|各地)"
_VOICE = {
    "province": re.compile(rf"(?<![居在列])(?:全省|全自治区){_RANK}|我省"),
    "city": re.compile(rf"(?<![居在列])(?:全市|全州|全盟|全地区){_RANK}|我市|我州|我盟"),
    "district": re.compile(rf"(?<![居在列自治])(?:全区|全县){_RANK}|(?<!自治)我区|我县"),
}
# Plan-part headings: "2025年工作安排", "2023年主要目标和重点任务"; review headings: "2024年工作回顾".
_PLAN_HEAD_RE = re.compile(
    r"(?<![\d到至—\-~～])(20\d{2})年[^。\n]{0,14}?(?:工作|任务|目标|要求|安排|建议|部署|重点|思路|举措)"
)
_REVIEW_WORDS_RE = re.compile(r"回顾|成效|成绩|成就|取得|总结|完成情况")
_REVIEW_YEAR_RE = re.compile(
    r"(20\d{2})年[^。\n]{0,12}?(?:工作回顾|回顾|工作总结|主要工作和成效|工作成效)|(?:回顾|过去的?)(20\d{2})年"
)
_PLAN_YEAR_RE = re.compile(r"(?:展望|做好|奋战|决战|聚力|奋进)(20\d{2})年")
_TOP_NUMBER_RE = re.compile(
    r"^(?:第[一二三四五六七八九十]{1,3}(?:章|部分|篇)|[一二三四五六七八九十]{1,3}[、.．])\s*"
)
_YEAR_IS_RE = re.compile(r"(?<![\d到至—\-~～])(20\d{2})年是")
_TEXT_SCAN = 200_000  # chars of text searched for names and years (keeps huge files fast)
_HEAD_SCAN = 3000  # where delivery and speaker lines live


@dataclass
class Metadata:
    """What a plan is: ``Metadata("…工作要点", "深圳市", "city", 2022, "工作要点")``."""

    title: str = ""
    region: str = ""
    admin_level: str = ""  # "national" / "province" / "city" / "district" / ""
    year: int | None = None
    doc_type: str = ""


def detect_metadata(text: str, *, filename: str = "", title_hint: str = "") -> Metadata:
    """Guess region, level, year, document type and title of a plan.

    >>> m = detect_metadata("一、聚焦品质提升\\n(一)推进龙岗中心医院建设,全区……\\n全区推进健康龙岗。", filename="a.txt")
    >>> (m.region, m.admin_level)
    ('深圳市龙岗区', 'district')
    >>> detect_metadata("", title_hint="2022年深圳市卫生健康工作要点").year
    2022
    >>> m = detect_metadata("政府工作报告\\n——2025年2月26日在成都市第十八届人民代表大会第三次会议上\\n各位代表:")
    >>> (m.region, m.admin_level, m.year, m.title)
    ('成都市', 'city', 2025, '2025年成都市政府工作报告')
    """
    head = text[:_HEAD_SCAN]
    flat = re.sub(r"[*\s]+", "", head)  # delivery lines are often broken over lines or bolded
    scan = text[:_TEXT_SCAN]
    path_parts = _path_parts(filename)
    delivery = _DELIVERY_RE.search(flat)
    is_report = bool(delivery) or _REPORTING_RE.search(flat) is not None
    if is_report and "报告" not in title_hint:
        title_hint = ""  # a heading of the report (2023年工作安排), not its title
    level_hint = _voice_of(flat, delivery)
    region, level = _region_from(title_hint)
    if not region:
        region, level = _region_from_path(path_parts)
    if not region and delivery:
        region, level = _region_of_place(delivery.group("place"), national=bool(delivery.group("nat")))
    if not region:
        region, level = _region_from_speaker(head)
    if not region:
        region, level = _region_from_text(scan, level_hint)
    year = (
        _first_year(title_hint)
        or _year_from_path(path_parts)
        or _date_year(title_hint)
        or (_date_year(delivery.group("date") or "") if delivery else None)
        or _year_from_headings(scan)
        or _year_from_five_year_plan(head)
        or _year_from_text(scan)
    )
    doc_type = _doc_type(title_hint) or _doc_type(" ".join(path_parts))
    if not doc_type and is_report:
        doc_type = "政府工作报告"
    doc_type = doc_type or _doc_type_from_text(head)
    title = title_hint
    if doc_type == "政府工作报告" and "工作报告" not in title:
        title = _report_title(region, year)
    return Metadata(title=title, region=region, admin_level=level, year=year, doc_type=doc_type)


def admin_level_of(region: str) -> str:
    """Administrative level of a region name, ``""`` if unknown.

    >>> [admin_level_of(r) for r in ("深圳市龙岗区", "深圳市", "广东省", "全国", "恩施州")]
    ['district', 'city', 'province', 'national', 'city']
    """
    if region in ("全国", "中国", "国务院"):
        return "national"
    return _region_from(region)[1] or _region_from_path([region])[1]


def _report_title(region: str, year: int | None) -> str:
    """A work report's title when the file has none worth keeping: ``2025年成都市政府工作报告``."""
    where = "" if region == "全国" else region
    return f"{year or ''}{'年' if year else ''}{where}政府工作报告"


# --- region -------------------------------------------------------------------------


def _named(r: Region) -> tuple[str, str]:
    return r.full_name, r.admin_level


def _best(hits: list[tuple[Region, bool]]) -> tuple[str, str]:
    """The most specific region named: a district with its city > a city > a province."""
    if not hits:
        return "", ""
    cities = {r.name for r, _ in hits if r.level in ("city", "municipality")}
    districts = [r for r, full in hits if r.level == "district" and (full or r.city in cities)]
    # A district counts when named in full (龙岗区) or next to its city (深圳龙岗).
    if districts:
        return _named(districts[0])
    for level in ("city", "municipality", "province"):
        for r, _ in hits:
            if r.level == level:
                return _named(r)
    return "", ""


def _regions_in(s: str) -> list[tuple[Region, bool]]:
    """Regions named in a short string (title, delivery place), in order, each reading of each name."""
    out: list[tuple[Region, bool]] = []
    for h in gazetteer().find(s):
        if h.weak:
            continue
        # A short name can mean a province and its namesake city (吉林): keep both, _best decides.
        for r in h.regions:
            if r.level == "district" and not h.full and len(h.regions) > 1:
                continue
            out.append((r, h.full))
    return out


def _region_from(title: str) -> tuple[str, str]:
    """Region named in a title line, most specific first."""
    if not title:
        return "", ""
    if "国务院" in title or title.startswith(("全国", "中华人民共和国")):
        return "全国", "national"
    found = _best(_regions_in(title))
    if found[0]:
        return found
    # Generic "X市X区" / "X县" in a title, for places outside the gazetteer.
    m = re.search(
        r"([\u4e00-\u9fff]{2,6}?市)?([\u4e00-\u9fff]{2,4}?(?:区|县))(?=卫生|人民政府|政府|卫健)", title
    )
    if m and "年" not in m.group(2) and not m.group(2).endswith("自治区"):
        return (m.group(1) or "") + m.group(2), "district"
    m = re.search(r"([\u4e00-\u9fff]{2,6}?市)(?=卫生|人民政府|政府|卫健|\d|20)", title)
    if m:
        return m.group(1), "city"
    return "", ""


def _region_of_place(place: str, *, national: bool = False) -> tuple[str, str]:
    """The region of a congress: "成都市" / "恩施土家族苗族自治州" / "" + 全国."""
    if national or place.endswith("全国"):
        return "全国", "national"
    found = _best(_regions_in(place))
    if found[0]:
        return found
    if _GENERIC_REGION_RE.match(place) and not re.search(r"[年月日\d]|^(自治|本|省|市|州|区|县)", place):
        return _region_from_path([place])
    return "", ""


def _region_from_speaker(head: str) -> tuple[str, str]:
    """The speaker's government: 成都市人民政府市长 王凤朝 / 海南省省长 冯飞 / 阿坝州人民政府州长."""
    if re.search(r"国务院总理|总理\s*[\u4e00-\u9fff]{2,3}\s*$", head, re.M):
        return "全国", "national"
    for line in head.split("\n"):
        line = line.strip().strip("*")
        if len(line) > 40 or "。" in line:
            continue  # a speaker line stands alone; "湖南自贸区长沙片区" in prose is no speaker
        for m in _SPEAKER_RE.finditer(line):
            found = _best(_regions_in(m.group("place")))
            if found[0]:
                return found
    return "", ""


def _path_parts(filename: str) -> list[str]:
    if not filename:
        return []
    p = PurePath(filename)
    return [*p.parent.parts, p.stem]


def _region_from_path(parts: list[str]) -> tuple[str, str]:
    g = gazetteer()
    for part in reversed(parts):
        if part.rsplit("-", 1)[-1] in ("国务院", "全国", "中国"):
            return "全国", "national"
        known = g.by_name.get(part)
        if known:
            return _named(known[0])
        if _GENERIC_REGION_RE.match(part):
            if part.endswith(("省", "自治区")):
                return part, "province"
            if part.endswith(("区", "县")):
                return part, "district"
            return part, "city"
    return "", ""


def _voice_of(flat: str, delivery: re.Match[str] | None) -> str:
    """The level the report speaks as, from "我代表市人民政府" or the congress ("在州九届人大…")."""
    who = ""
    if "我代表国务院" in flat:
        return "national"
    if m := _REPORTING_RE.search(flat):
        who = m.group("who")
    elif delivery and not delivery.group("nat"):
        who = delivery.group("place")
    elif m := re.search(r"在[^。]{0,3}([州市省区县盟])[^。]{0,8}人大", flat[:300]):
        who = m.group(1)  # "在州九届人大一次会议上" heads the report
    for word, level in _WHO_LEVEL:
        if word in who:
            return level
    return ""


def _voice(text: str) -> str:
    """The level the text speaks as (全省 → province, 全市/全州 → city, 全区/全县 → district)."""
    counts = {level: len(rx.findall(text)) for level, rx in _VOICE.items()}
    level = max(counts, key=lambda k: counts[k])
    return level if counts[level] >= 2 else ""


def _region_from_text(text: str, voice: str = "") -> tuple[str, str]:
    """The most mentioned region of the document's own level; names in a person's line do not count."""
    text = _PERSON_RE.sub(lambda m: "＿" * len(m.group()), text)
    if voice == "national":
        return "全国", "national"
    said = bool(voice)
    voice = voice or _voice(text)
    counts: Counter[Region] = Counter()
    hits = gazetteer().find(text)
    named = {r for h in hits if h.full for r in h.regions}
    for h in hits:
        if len(h.text) < 2 or (h.full and len(h.text) <= 2):
            continue
        for r in h.regions:
            if not h.weak or r in named:  # 本溪 counts once 本溪市 is named
                counts[r] += 1
    by_level = {lvl: [(r, n) for r, n in counts.most_common() if r.admin_level == lvl] for lvl in _VOICE}
    if voice == "district":
        # A district plan names itself by its short name (健康龙岗) and speaks as 全区.
        district_words = sum(text.count(w) for w in _DISTRICT_WORDS)
        city_words = sum(text.count(w) for w in _CITY_WORDS)
        if by_level["district"] and district_words > city_words and by_level["district"][0][1] >= 2:
            return _named(by_level["district"][0][0])
        voice = "city"
    if voice == "province" and not said and by_level["province"] and by_level["city"]:
        # Counted voice only: a city's report names itself more than its province
        # (全省 is frequent there too); a province's report names itself more than any city.
        (prov, n_prov), (city, n_city) = by_level["province"][0], by_level["city"][0]
        if city.province == prov.name and n_city > n_prov:
            voice = "city"
    order = [voice] if voice else []
    order += [lvl for lvl in ("city", "province") if lvl not in order]
    for lvl in order:
        if by_level.get(lvl) and by_level[lvl][0][1] >= 2:
            return _named(by_level[lvl][0][0])
    return "", ""


# --- year, type -------------------------------------------------------------------------


def _first_year(s: str) -> int | None:
    m = _YEAR_RE.search(s)
    return int(m.group(1)) if m else None


def _date_year(s: str) -> int | None:
    """The year a report dated ``s`` plans for: its year, or the next one when delivered in Nov/Dec."""
    m = _DATE_RE.search(s)
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    return year + 1 if month >= 11 else year


def _year_from_path(parts: list[str]) -> int | None:
    for part in reversed(parts):
        if _PATH_YEAR_RE.match(part):
            return int(part)
    return None


def _heading_lines(text: str) -> list[str]:
    """Part headings: the lead clause of top-numbered lines (一、…) and short standalone lines."""
    out = []
    for line in text.split("\n"):
        s = line.strip().strip("*#").strip()
        if m := _TOP_NUMBER_RE.match(s):
            out.append(re.split(r"[。:;!?,]", s[m.end() :], maxsplit=1)[0][:40])
        elif s and len(s) <= 40 and "。" not in s:
            out.append(s)
    return out


def _year_from_headings(text: str) -> int | None:
    """The year the part headings point to: the plan part's (``2025年工作安排``, 展望2025年) or the
    review's + 1 (``2024年工作回顾``, 回顾2024年); the latest when several are named
    (``2021年主要工作`` is a review heading too)."""
    years: list[int] = []
    for lead in _heading_lines(text):
        if m := _REVIEW_YEAR_RE.search(lead):
            years.append(int(m.group(1) or m.group(2)) + 1)
        elif (m := _PLAN_YEAR_RE.search(lead)) or (
            (m := _PLAN_HEAD_RE.search(lead)) and not _REVIEW_WORDS_RE.search(lead)
        ):
            years.append(int(m.group(1)))
    # Long-range goals (2035年远景目标) are not the plan year.
    years = [y for y in years if y <= min(years) + 2]
    return max(years) if years else None


def _year_from_text(text: str) -> int | None:
    """The plan year from counts: "2025年是…" first, else the most mentioned year (ties → the later one).

    Targets like ``到2035年`` and ranges ``2021—2023年`` are not counted.
    """
    said = Counter(int(y) for y in _YEAR_IS_RE.findall(text))
    if said:
        return max(said, key=lambda y: (said[y], y))
    counts = Counter(int(y) for y in _YEAR_RE.findall(text))
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], y))


_FYP = "一二三四五六七八九"
_FYP_END_RE = re.compile(rf"收官[^“\n]{{0,3}}“?十([{_FYP}])五|十([{_FYP}])五”?[^\n。]{{0,3}}收官")
_FYP_NEXT_RE = re.compile(rf"谋篇[^“\n]{{0,3}}“?十([{_FYP}])五")
_FYP_START_RE = re.compile(rf"十([{_FYP}])五”?[^\n。]{{0,3}}(开局|起步|开篇)")


def _five_year_plan_start(n: str) -> int:
    # The 11th five-year plan covered 2006–2010.
    return 2006 + 5 * (10 + _FYP.index(n) + 1 - 11)


def _year_from_five_year_plan(text: str) -> int | None:
    """Year implied by "收官“十四五”" (2025), "谋篇“十五五”" (2025), "“十四五”开局" (2021)."""
    if m := _FYP_END_RE.search(text):
        return _five_year_plan_start(m.group(1) or m.group(2)) + 4
    if m := _FYP_NEXT_RE.search(text):
        return _five_year_plan_start(m.group(1)) - 1
    if m := _FYP_START_RE.search(text):
        return _five_year_plan_start(m.group(1))
    return None


def _doc_type(s: str) -> str:
    for t in _DOC_TYPES:
        if t in s:
            return t
    return ""


def _doc_type_from_text(head: str) -> str:
    if "政府工作报告" in head[:300] or re.search(r"我代表.{0,8}政府.{0,4}向大会报告", head):
        return "政府工作报告"
    if _REVIEW_HEAD_RE.search(head):
        return "工作报告"
    for t in _DOC_TYPES:
        if t in head[:300]:
            return t
    if not head.strip():
        return ""
    # Key-points documents open with 总体要求 and number their tasks straight across parts.
    if head.lstrip().startswith("总体要求") or _numbering_continues(head):
        return "工作要点"
    return "工作计划"


_PART_LINE_RE = re.compile(r"(?m)^\s*[一二三四五六七八九十]+、")
_FIRST_ITEM_RE = re.compile(r"(?m)^\s*[(（]一[)）]")


def _numbering_continues(text: str) -> bool:
    """Two or more parts but only one ``(一)``: items are numbered across parts."""
    return len(_PART_LINE_RE.findall(text)) >= 2 and len(_FIRST_ITEM_RE.findall(text)) == 1
