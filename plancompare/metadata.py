"""Plan metadata: region (+ administrative level), year, document type and title.

Sources, in order of trust: the title line, the file path (corpus files live in
``…/深圳市/2023.md``), then counts of mentions in the text. A small gazetteer
maps districts to their city (Longgang's plan only ever says 龙岗, never
深圳市龙岗区) and knows prefecture-level city and province names.

Municipalities directly under the central government (北京市, 上海市, 天津市,
重庆市) are treated as ``"city"`` so they compare with other cities.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

_PROVINCES = [
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
]
_MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
_CITIES = [
    "七台河市",
    "三亚市",
    "三明市",
    "上饶市",
    "东莞市",
    "东营市",
    "中卫市",
    "中山市",
    "临沧市",
    "丹东市",
    "丽水市",
    "乌兰察布市",
    "乌海市",
    "乌鲁木齐市",
    "乐山市",
    "云浮市",
    "亳州市",
    "伊春市",
    "伊犁哈萨克自治州",
    "佛山市",
    "佳木斯市",
    "保定市",
    "保山市",
    "信阳市",
    "儋州市",
    "克拉玛依市",
    "六安市",
    "六盘水市",
    "兰州市",
    "内江市",
    "凉山彝族自治州",
    "包头市",
    "北海市",
    "十堰市",
    "南京市",
    "南充市",
    "南宁市",
    "南昌市",
    "南通市",
    "南平市",
    "博尔塔拉蒙古自治州",
    "厦门市",
    "双鸭山市",
    "合肥市",
    "吉安市",
    "吉林市",
    "吐鲁番市",
    "吕梁市",
    "吴忠市",
    "呼伦贝尔市",
    "呼和浩特市",
    "咸宁市",
    "咸阳市",
    "哈密市",
    "哈尔滨市",
    "商丘市",
    "商洛市",
    "嘉兴市",
    "嘉峪关市",
    "四平市",
    "固原市",
    "大同市",
    "大庆市",
    "大理白族自治州",
    "大连市",
    "天水市",
    "太原市",
    "娄底市",
    "孝感市",
    "宁德市",
    "宁波市",
    "安康市",
    "安阳市",
    "安顺市",
    "定西市",
    "宜宾市",
    "宜昌市",
    "宜春市",
    "宝鸡市",
    "宣城市",
    "宿州市",
    "宿迁市",
    "山南市",
    "岳阳市",
    "崇左市",
    "巴中市",
    "巴彦淖尔市",
    "巴音郭楞蒙古自治州",
    "常州市",
    "常德市",
    "平凉市",
    "平顶山市",
    "广元市",
    "广安市",
    "广州市",
    "庆阳市",
    "延边朝鲜族自治州",
    "开封市",
    "张家口市",
    "张家界市",
    "张掖市",
    "徐州市",
    "德宏傣族景颇族自治州",
    "德州市",
    "德阳市",
    "忻州市",
    "怀化市",
    "怒江傈僳族自治州",
    "恩施土家族苗族自治州",
    "惠州市",
    "成都市",
    "扬州市",
    "承德市",
    "抚州市",
    "抚顺市",
    "拉萨市",
    "揭阳市",
    "攀枝花市",
    "文山壮族苗族自治州",
    "新乡市",
    "新余市",
    "无锡市",
    "日喀则市",
    "昆明市",
    "昌吉回族自治州",
    "昌都市",
    "昭通市",
    "晋中市",
    "晋城市",
    "普洱市",
    "景德镇市",
    "曲靖市",
    "朔州市",
    "朝阳市",
    "本溪市",
    "来宾市",
    "杭州市",
    "松原市",
    "林芝市",
    "柳州市",
    "株洲市",
    "桂林市",
    "梅州市",
    "梧州市",
    "楚雄彝族自治州",
    "武威市",
    "武汉市",
    "毕节市",
    "永州市",
    "汉中市",
    "汕头市",
    "汕尾市",
    "江门市",
    "池州市",
    "沈阳市",
    "沧州市",
    "河池市",
    "河源市",
    "泉州市",
    "泰州市",
    "泸州市",
    "洛阳市",
    "济南市",
    "海北藏族自治州",
    "海口市",
    "海西蒙古族藏族自治州",
    "淄博市",
    "淮北市",
    "淮南市",
    "淮安市",
    "深圳市",
    "清远市",
    "温州市",
    "渭南市",
    "湖州市",
    "湘潭市",
    "湘西土家族苗族自治州",
    "湛江市",
    "滁州市",
    "滨州市",
    "漯河市",
    "漳州市",
    "潮州市",
    "濮阳市",
    "烟台市",
    "焦作市",
    "牡丹江市",
    "玉林市",
    "玉溪市",
    "珠海市",
    "甘南藏族自治州",
    "甘孜藏族自治州",
    "白城市",
    "白银市",
    "益阳市",
    "盐城市",
    "盘锦市",
    "眉山市",
    "石嘴山市",
    "石家庄市",
    "福州市",
    "秦皇岛市",
    "红河哈尼族彝族自治州",
    "绥化市",
    "绵阳市",
    "聊城市",
    "肇庆市",
    "自贡市",
    "舟山市",
    "芜湖市",
    "苏州市",
    "茂名市",
    "荆州市",
    "荆门市",
    "莆田市",
    "菏泽市",
    "营口市",
    "葫芦岛市",
    "衡水市",
    "衡阳市",
    "衢州市",
    "襄阳市",
    "西双版纳傣族自治州",
    "西宁市",
    "西安市",
    "许昌市",
    "贵阳市",
    "资阳市",
    "赣州市",
    "赤峰市",
    "辽源市",
    "达州市",
    "运城市",
    "连云港市",
    "迪庆藏族自治州",
    "通化市",
    "通辽市",
    "遂宁市",
    "遵义市",
    "邢台市",
    "那曲市",
    "邯郸市",
    "邵阳市",
    "郑州市",
    "郴州市",
    "鄂尔多斯市",
    "鄂州市",
    "酒泉市",
    "金华市",
    "金昌市",
    "钦州市",
    "铁岭市",
    "铜仁市",
    "铜川市",
    "铜陵市",
    "银川市",
    "锦州市",
    "镇江市",
    "长春市",
    "长沙市",
    "长治市",
    "阜新市",
    "阜阳市",
    "阳江市",
    "阳泉市",
    "阿坝藏族羌族自治州",
    "陇南市",
    "随州市",
    "雅安市",
    "青岛市",
    "鞍山市",
    "韶关市",
    "马鞍山市",
    "鸡西市",
    "鹤壁市",
    "鹤岗市",
    "鹰潭市",
    "黄冈市",
    "黄山市",
    "黄石市",
    "黑河市",
    "黔东南苗族侗族自治州",
    "黔南布依族苗族自治州",
    "黔西南布依族苗族自治州",
    "齐齐哈尔市",
    "龙岩市",
    "绍兴市",
    "台州市",
    "威海市",
    "日照市",
    "临沂市",
    "枣庄市",
    "泰安市",
    "济宁市",
    "潍坊市",
    "廊坊市",
    "唐山市",
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
]
# Districts of the seeds' cities and a few other big cities: district → city.
_DISTRICTS_BY_CITY = {
    "深圳市": "福田区 罗湖区 南山区 盐田区 宝安区 龙岗区 龙华区 坪山区 光明区 大鹏新区",
    "厦门市": "思明区 湖里区 集美区 海沧区 同安区 翔安区",
    "广州市": "越秀区 海珠区 荔湾区 天河区 白云区 黄埔区 番禺区 花都区 南沙区 从化区 增城区",
    "福州市": "鼓楼区 台江区 仓山区 晋安区 马尾区 长乐区",
    "佛山市": "禅城区 南海区 顺德区 三水区 高明区",
    "珠海市": "香洲区 斗门区 金湾区",
    "泉州市": "鲤城区 丰泽区 洛江区 泉港区",
    "北京市": "东城区 西城区 朝阳区 海淀区 丰台区 石景山区 门头沟区 房山区 通州区 顺义区 昌平区 大兴区 怀柔区 平谷区 密云区 延庆区",
    "上海市": "黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 浦东新区 金山区 松江区 青浦区 奉贤区 崇明区",
}
_DISTRICT_CITY = {d: city for city, ds in _DISTRICTS_BY_CITY.items() for d in ds.split()}
# Short names that are also ordinary words or other places' names: only the full name counts.
_AMBIGUOUS_SHORT = set(
    [
        "中山",
        "来宾",
        "白银",
        "黄山",
        "普洱",
        "朝阳",
        "吉林",
        "通化",
        "长治",
        "安康",
        "大同",
        "开封",
        "丽水",
        "本溪",
        "南山",
        "光明",
        "白云",
        "黄埔",
        "南海",
        "宝山",
        "金山",
        "鼓楼",
        "普陀",
        "长宁",
        "大兴",
        "通州",
        "高明",
        "长乐",
        "同安",
        "东城",
        "西城",
        "集美",
        "台江",
        "马尾",
        "静安",
        "青浦",
        "松江",
        "丰台",
        "顺义",
        "密云",
        "平谷",
        "延庆",
    ]
)
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
# "2025年" but not "到2035年", "2021—2023年" or a date "2021年12月11日".
_YEAR_RE = re.compile(r"(?<![\d到至—\-~～])(20\d{2}|19\d{2})(?=年)(?!年[—\-~～到至])(?!年\d{1,2}月)")
_PATH_YEAR_RE = re.compile(r"^(?:19|20)\d{2}$")
_GENERIC_REGION_RE = re.compile(r"^[\u4e00-\u9fff]{2,12}(?:省|市|自治区|自治州|地区|盟|区|县)$")
_REVIEW_HEAD_RE = re.compile(r"(?m)^\s*[一二三四五六七八九十]+、[^\n]{0,20}(回顾|总结)")
_DISTRICT_WORDS = ("全区", "区属", "区委", "区政府", "我区", "区卫生健康", "区卫健")
_CITY_WORDS = ("全市", "市属", "市委", "市政府", "我市", "市卫生健康", "市卫健")


_TEXT_SCAN = 200_000  # chars of text searched for names and years (keeps huge files fast)


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
    """
    head = text[:3000]
    path_parts = _path_parts(filename)
    region, level = _region_from(title_hint)
    if not region:
        region, level = _region_from_path(path_parts)
    if not region:
        region, level = _region_from_text(text[:_TEXT_SCAN])
    year = (
        _first_year(title_hint)
        or _year_from_path(path_parts)
        or _year_from_text(text[:_TEXT_SCAN])
        or _year_from_five_year_plan(head)
    )
    doc_type = _doc_type(title_hint) or _doc_type(" ".join(path_parts)) or _doc_type_from_text(head)
    return Metadata(title=title_hint, region=region, admin_level=level, year=year, doc_type=doc_type)


def admin_level_of(region: str) -> str:
    """Administrative level of a region name, ``""`` if unknown.

    >>> [admin_level_of(r) for r in ("深圳市龙岗区", "深圳市", "广东省", "全国")]
    ['district', 'city', 'province', 'national']
    """
    if region in ("全国", "中国", "国务院"):
        return "national"
    if region in _PROVINCES and region not in _MUNICIPALITIES:
        return "province"
    level = _region_from(region)[1] or _region_from_path([region])[1]
    return level


# --- region -------------------------------------------------------------------------


def _short(name: str) -> str:
    for suffix in ("特别行政区", "自治区", "省", "市", "新区", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _names_in(s: str, names: list[str] | set[str], *, short: bool) -> Counter[str]:
    """Mentions of each name (full, or its short form when unambiguous)."""
    counts: Counter[str] = Counter()
    for name in names:
        n = s.count(name)
        sh = _short(name)
        if short and sh != name and sh not in _AMBIGUOUS_SHORT:
            n = max(n, s.count(sh))
        if n:
            counts[name] = n
    return counts


def _compose(city: str, district: str) -> tuple[str, str]:
    if district:
        return f"{city or _DISTRICT_CITY.get(district, '')}{district}", "district"
    if city:
        return city, "city"
    return "", ""


def _region_from(title: str) -> tuple[str, str]:
    """Region named in a title line, most specific first."""
    if not title:
        return "", ""
    if "国务院" in title or title.startswith("全国"):
        return "全国", "national"
    districts = _names_in(title, _DISTRICT_CITY, short=True)
    cities = _names_in(title, _CITIES, short=True)
    if districts:
        district = max(districts, key=lambda d: (d in title, districts[d]))
        city = _DISTRICT_CITY[district]
        return _compose(city, district)
    if cities:
        return _compose(max(cities, key=cities.__getitem__), "")
    provinces = _names_in(title, _PROVINCES, short=True)
    if provinces:
        return max(provinces, key=provinces.__getitem__), "province"
    # Generic "X市X区" / "X县" in a title, for places outside the gazetteer.
    m = re.search(
        r"([\u4e00-\u9fff]{2,6}?市)?([\u4e00-\u9fff]{2,4}?(?:区|县))(?=卫生|人民政府|政府|卫健)", title
    )
    if m:
        return _compose(m.group(1) or "", m.group(2))
    m = re.search(r"([\u4e00-\u9fff]{2,6}?市)(?=卫生|人民政府|政府|卫健|\d|20)", title)
    if m:
        return m.group(1), "city"
    return "", ""


def _path_parts(filename: str) -> list[str]:
    if not filename:
        return []
    p = PurePath(filename)
    return [*p.parent.parts, p.stem]


def _region_from_path(parts: list[str]) -> tuple[str, str]:
    for part in reversed(parts):
        if part.rsplit("-", 1)[-1] in ("国务院", "全国", "中国"):
            return "全国", "national"
        if part in _PROVINCES and part not in _MUNICIPALITIES:
            return part, "province"
        if part in _CITIES:
            return part, "city"
        if part in _DISTRICT_CITY:
            return _compose("", part)
        if _GENERIC_REGION_RE.match(part):
            if part.endswith(("省", "自治区")):
                return part, "province"
            if part.endswith(("区", "县")):
                return part, "district"
            return part, "city"
    return "", ""


def _region_from_text(text: str) -> tuple[str, str]:
    cities = _names_in(text, _CITIES, short=True)
    districts = _names_in(text, _DISTRICT_CITY, short=True)
    district_words = sum(text.count(w) for w in _DISTRICT_WORDS)
    city_words = sum(text.count(w) for w in _CITY_WORDS)
    if districts and district_words > city_words:
        district, n = districts.most_common(1)[0]
        if n >= 2:
            return _compose(_DISTRICT_CITY[district], district)
    if cities:
        city, n = cities.most_common(1)[0]
        if n >= 2:
            return _compose(city, "")
    provinces = _names_in(text, _PROVINCES, short=True)
    if provinces:
        prov, n = provinces.most_common(1)[0]
        if n >= 2:
            return prov, "province"
    return "", ""


# --- year, type -------------------------------------------------------------------------


def _first_year(s: str) -> int | None:
    m = _YEAR_RE.search(s)
    return int(m.group(1)) if m else None


def _year_from_path(parts: list[str]) -> int | None:
    for part in reversed(parts):
        if _PATH_YEAR_RE.match(part):
            return int(part)
    return None


def _year_from_text(text: str) -> int | None:
    """The plan year: the most mentioned year (ties → the later one).

    Targets like ``到2035年`` and ranges ``2021—2023年`` are not counted.
    """
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
