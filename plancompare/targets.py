"""Quantitative targets in plan sentences: ``新增托位5000个`` → value, unit, what it counts.

A target is a number with a measure word (``个 家 名 张 …``), a percentage
(``%``, ``百分之九十``, ``九成``), a per-mille/per-10万 rate or a
``百分点`` change. Around the number we read the commitment verb
(``新增``, ``培训``, ``达到`` …), the bound qualifier (``以上``, ``不少于`` …)
and the noun phrase it counts. Values are normalised to base units
(``20亿元`` → ``2e9`` 元, ``3万名`` → ``30000`` 名) so plans can be compared;
the printed phrase stays in :attr:`Target.text`.

Years, dates, ordinals (``第34个``), slogans in quotes (``“4分钟社会救援圈”``),
names with letters (``5G``, ``ISO15189``), ages (``65岁以上``) and numbers with no
measure word (``120网络医院``, ``12356热线``, phone and ICP numbers) are not
targets. The rules are described in ``docs/targets.md``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from plancompare.model import Plan, Target
from plancompare.sentences import split_sentences
from plancompare.wordclass import has_noun, is_verb, tag, words

__all__ = ["extract_targets", "targets_in_sections"]

Kind = Literal["target", "achieved"]

_CN_CHARS = "零〇一二两三四五六七八九十百千万亿"
_NUM = rf"(?:(?<![\d.])\d+(?:\.\d+)?(?:千万|百万|万|亿)?|(?<![{_CN_CHARS}])[{_CN_CHARS}]+)"
# Longest first so 个百分点 wins over 个, 万元 over 万, 人次 over 人.
_UNITS = (
    "个百分点|百分点|%|‰|/10万|/万|万人次|人次|场次|剂次|台次|户次|批次|万美元|亿美元|美元|万元|亿元|元|"
    "个|家|名|张|所|项|场|台|次|人|篇|支|宗|种|套|辆|间|处|条|批|例|份|件|位|座|床|户|头|成|"
    # physical quantities common in government work reports
    "平方公里|平方米|立方米|公顷|亩|公里|千米|千瓦时|千瓦|兆瓦|吨/日|吨/天|吨|公斤|斤|倍"
)
_RX = re.compile(
    rf"百分之(?P<pct>[{_CN_CHARS}]+(?:点[{_CN_CHARS}]+)?)"
    rf"|(?P<lo>{_NUM})(?:\s*[-—–~～至到]\s*(?P<hi>{_NUM}))?(?P<approx>余|多)?(?P<unit>{_UNITS})?"
)
# A unit character that is really the start of another word.
_FALSE_UNIT = {
    "人": "口间员民才",
    "家": "庭",
    "所": "有需属在谓",
    "位": "居于",
    "名": "称义单",
    "种": "类",
    "个": "月",
}
_MULT = {"千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8}
_UNIT_MULT = {
    "万元": ("元", 1e4),
    "亿元": ("元", 1e8),
    "万美元": ("美元", 1e4),
    "亿美元": ("美元", 1e8),
    "万人次": ("人次", 1e4),
    "个百分点": ("百分点", 1),
}

_PRE_QUAL = ("不少于", "不低于", "不超过", "不高于", "多于", "超过", "高于", "低于", "至少", "超", "逾", "约", "近")  # fmt: skip
_POST_QUAL = ("及以上", "及以下", "以上", "以下", "左右", "以内", "之内")
_ASPIRE = ("力争", "争取")
# Verbs that set a level ("达60%"): always the verb when right before the number.
_LEVEL_VERBS = (
    "提高到", "提高至", "提升到", "提升至", "增加到", "增加至", "下降到", "控制在", "达到", "增至", "升至",
    "降至", "降到", "提升", "提高", "下降", "减少", "增加", "增长", "降低", "达", "突破", "稳定在",
    "保持在", "保持",
)  # fmt: skip
# Framing verbs wrap the real one (推动…提高到); used only when nothing better is there.
_FRAME_VERBS = ("推进", "推动", "实现", "确保", "完成", "加快", "力争", "争取")
_CONTENT_VERBS = (
    "新增", "新建", "改建", "增建", "增设", "扩建", "建设", "建成", "建立", "创建", "打造", "组建", "培训",
    "培养", "培育", "引进", "招聘", "遴选", "选拔", "评选", "开展", "举办", "组织", "安装", "配备", "配置",
    "设置", "设立", "开设", "投入", "获批", "获得", "获", "发布", "启动", "接种", "覆盖", "扩大", "更新",
    "改造", "发放", "录取", "查办", "招收", "认定", "实施", "拓展", "开业", "打通", "治理", "购置",
    "购买", "选派", "投用", "通过", "储备", "争创", "创成",
)  # fmt: skip
# 达 inside 下达/发达/到达 is not a level verb (完成省下达的3000万平方米…任务).
_VERB_ALT = {"达": "(?<![下表传送抵通发到])达"}
_VERB_RX = re.compile(
    "|".join(
        _VERB_ALT.get(v, v)
        for v in sorted(set(_LEVEL_VERBS + _FRAME_VERBS + _CONTENT_VERBS), key=len, reverse=True)
    )
)
# 新改扩建 / 新改建: one-character morphemes written before a 建 verb belong to it (新启动 is "newly").
_VERB_PREFIX = re.compile(r"[新改扩续]+$")
# 建设项目 / 培训工作: the verb is part of a noun here.
_NOMINAL_AFTER = re.compile(
    r"项目|单位|任务|工作|方案|标准|内容|体系|机制|基地|中心|力度|资质|经费|用地|条件|率|面|量"
)
# 实现产值/营业收入…: a measured quantity after a framing verb, named with the subject before it.
_MEASURED = re.compile(r"(?:总|主营业务|年)?(?:产值|增加值|营业收入|收入|营收|销售额|交易额|产量|规模)")
_RATE_END = re.compile(r"(率|比例|占比|比重|水平|覆盖率)$")
_CLAUSE_END = "，,。；;！？!?：:\n"
_SCOPE = re.compile(
    r"^(?:全市|全区|全省|全年|年内|年底前|年底|今年|明年|我市|各区|届时|其中|累计|同比|预计|"
    r"(?:到|在|至)?\d{4}年(?:度|底前|底|末|前|内)?|将|为|对|在|有(?![效害序力]))+"
)
# 3170家企业数字化转型 / 14个质控中心绩效考核: the activity done to what is counted.
# 各1个 / 成交额力争达到 / 一年内6次: distributive, aspiration and time words are not the noun.
_TRAIL = re.compile(
    r"(?:同比|分别|建设工作|建设|工作|数字化转型|绩效考核|巡查|服务保障|专项整治|专项|数字化|开工|到位|名单|翻一番|翻两番|翻番|互认共享|互认|的|至|到|中|各|(?<![年平人])均|有望|力争|争取|一年内|年内|全年)+$"
)
# GDP年均(增长) / 事项可(实行) / 企业率先(突破) / 经费较2016年(下降): adverbs, modals and comparisons
# between the counted noun and its predicate. Cut only at a jieba word boundary (储能 keeps 能).
_MODAL_WORDS = frozenset(
    {"年均", "平均", "可", "能", "将", "已", "率先", "预计", "拟", "要", "仍", "均", "都"}
)
_COMPARE_END = re.compile(r"(?:较|比|同比)(?:\d{4}年|上年|去年|上一年)(?:末|底|同期)?$")


def _modal_tail(s: str) -> str:
    """``GDP年均`` → ``GDP``: drop adverbs/modals (dictionary tag ``d`` or listed) and a ``较2016年``
    comparison at the end of a noun."""
    s = _COMPARE_END.sub("", s)
    ws = words(s) if s else []
    k = len(ws)
    while k > 1 and (ws[k - 1] in _MODAL_WORDS or (len(ws[k - 1]) >= 2 and tag(ws[k - 1]) in ("d", "ad"))):
        k -= 1
    return "".join(ws[:k]) if k < len(ws) else s


_SUFFIX_STOP = re.compile(
    r"[，,。；;：:！？!?\s、]|的|和|(?<![普涉以危波惠顾触])及(?!以[上下]|时)|并|为|在|等|实现|成功|全面|顺利|有序|"
    r"获评|入选|纳入|进入|通过|提供|启用|具备|实行|取得|赴|参与|选树|全部|全覆盖|提前|作为|开始|投入|划分|用于|"
    + _VERB_RX.pattern
)
_AGE = re.compile(r"\d+(?:[-—]\d+)?岁(?:及)?(?:以上|以下)?(?:的)?(?:婴幼儿|儿童|老年人)?")
_PER_CAPITA = re.compile(r"^每?(?:[\d十百千万]+|千)(?:名|个)?(?:常住)?(?:人口|儿童|居民|老年人|人)")


def extract_targets(text: str, *, offset: int = 0, kind: Kind = "target") -> list[Target]:
    """Find quantitative targets in ``text`` (a sentence or a longer passage).

    ``span`` is the matched phrase's range in ``text`` shifted by ``offset``
    (pass a sentence's start in ``Plan.text`` to get plan offsets).

    >>> [(t.value, t.unit, t.counts, t.verb) for t in extract_targets("新增托位5000个")]
    [(5000.0, '个', '托位', '新增')]
    >>> t = extract_targets("全市家庭医生签约率达60%以上。")[0]
    >>> (t.value, t.unit, t.counts, t.verb, t.qualifier)
    (60.0, '%', '家庭医生签约率', '达', '以上')
    >>> extract_targets("2025年是“十四五”收官之年,推进5G应用。")
    []
    """
    norm, found, baselines, starts = _figures(text)
    return [
        Target(
            value=f.num.value,
            unit=f.num.unit,
            counts=f.counts,
            verb=f.verb,
            text=text[f.start : f.end],
            qualifier=f.qualifier,
            kind=kind,
            span=(f.start + offset, f.end + offset),
            baseline=baselines.get(i),
        )
        for i, f in enumerate(found)
        if i not in starts
        # a phrase running into damaged text (U+FFFD) cannot be read reliably; the
        # plan's damaged-text warning already names the span
        if "\ufffd" not in text[f.start : f.end]
    ]


def _figures(text: str) -> tuple[str, list[_Found], dict[int, float], set[int]]:
    """The rules' reading of ``text``: normalised text, every figure found, baselines by figure
    index and the indices that are only baselines (``extract_targets`` keeps the rest)."""
    norm = _list_number_blanked(_normalise(text))
    quoted = _quote_mask(norm)
    found: list[_Found] = []
    prev_end = 0
    for m in _RX.finditer(norm):
        num = _parse_number(m, norm, quoted, prev_end)
        if num is None:
            continue
        if _threshold(norm, m, num):
            continue
        f = _build(norm, m, num, prev_end)
        if _capacity(norm, m, num):
            prev_end = f.end
            continue
        found.append(f)
        prev_end = f.end
    _pair_respectively(norm, found)
    _carry_share_subject(norm, found)
    _carry_running_total(norm, found)
    baselines, starts = _baselines(norm, found)
    return norm, found, baselines, starts


def targets_in_sections(plan: Plan) -> list[Target]:
    """All targets of a plan, sentence by sentence, with plan/section ids and plan offsets.

    Sections whose ``part`` is ``"review"`` (e.g. Dongguan's 2024 review) give
    ``kind="achieved"`` figures; everything else gives ``kind="target"``.

    >>> from plancompare.model import Plan, Section
    >>> s = Section("1", "一、", "托育", "一、托育。新增托位5000个。", 1, None, "plan", (0, 15))
    >>> p = Plan("p", None, "", "", "", 2025, "", [s], [], s.text, s.text)
    >>> [(t.section_id, t.span, t.text) for t in targets_in_sections(p)]
    [('1', (5, 14), '新增托位5000个')]
    """
    out: list[Target] = []
    for sec in plan.sections:
        kind: Kind = "achieved" if sec.part == "review" else "target"
        for a, b in split_sentences(sec.text):
            base = sec.span[0] + a
            for t in extract_targets(sec.text[a:b], offset=base, kind=kind):
                out.append(replace(t, plan_id=plan.id, section_id=sec.id))
    return out


# --- internals -------------------------------------------------------------


@dataclass
class _Num:
    value: float
    unit: str
    range_q: str = ""
    approx: str = ""


@dataclass
class _Found:
    num: _Num
    start: int  # span of the phrase in the text
    end: int
    num_start: int
    counts: str
    verb: str
    qualifier: str
    clause: int  # start of the clause the number is in


def _fullwidth_table() -> dict[int, str]:
    table = {}
    for c in range(0xFF01, 0xFF5F):
        n = unicodedata.normalize("NFKC", chr(c))
        if len(n) == 1:
            table[c] = n
    return table


_FULLWIDTH = _fullwidth_table()
_QUOTES = re.compile("[“”「」《》]")


def _normalise(text: str) -> str:
    """Full-width digits/letters/％ to ASCII, one character for one so offsets stay valid."""
    return text.translate(_FULLWIDTH)


def _quote_mask(text: str) -> list[bool]:
    """True inside “…”, 「…」 and 《…》: slogans and titles, never targets."""
    if not _QUOTES.search(text):
        return [False] * len(text)
    mask = [False] * len(text)
    depth = 0
    for i, c in enumerate(text):
        if c in "“「《":
            depth += 1
        elif c in "”」》" and depth:
            depth -= 1
        mask[i] = depth > 0
    return mask


def _value(token: str) -> float | None:
    if not token:
        return None
    if token[0].isdigit():
        for suffix, mult in _MULT.items():
            if token.endswith(suffix):
                return float(token[: -len(suffix)]) * mult
        return float(token)
    try:
        import cn2an  # slow to import (≈0.5 s); only needed for Chinese numerals

        return float(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError, TypeError):
        return None


def _clause_start(text: str, pos: int) -> int:
    i = pos
    while i > 0 and text[i - 1] not in _CLAUSE_END:
        i -= 1
    return i


def _parse_number(m: re.Match[str], text: str, quoted: list[bool], prev_end: int) -> _Num | None:
    start, end = m.span()
    if start < prev_end or quoted[start]:
        return None
    if m.group("pct"):
        value = _value(m.group("pct").split("点")[0])
        return None if value is None else _Num(value, "%")
    lo, hi, unit = m.group("lo"), m.group("hi"), m.group("unit") or ""
    is_cn = not lo[0].isdigit()
    after = text[end : end + 1]
    before = text[max(0, start - 1) : start]
    if re.match(r"[A-Za-z]", after) or re.match(r"[A-Za-z_\-+/]", before) or before == "第":
        return None
    if unit and after and (after in _FALSE_UNIT.get(unit, "") or after == "级"):  # 三十亿元级项目
        return None
    if unit == "所" and after == "以" and not text.startswith(("以上", "以下"), end):
        return None  # 所以 (so), but 50所以上 is 50 所 + 以上
    if unit == "成" and not is_cn:
        return None
    if not unit:
        shared = _shared_unit(m, text)
        if shared is not None:
            return shared
        # A bare 万/亿 figure counts only at the end of a clause (就诊人次达2045万,).
        if not re.search(r"[万亿]$", lo) or (after and after not in _CLAUSE_END):
            return None
    if re.search(
        r"(?:(?:排名|位居|居全[省国市]|排在|全省第|全国第)\S{0,4}|前)$", text[max(0, start - 8) : start]
    ):
        return None
    value = _value(lo)
    if value is None:
        return None
    if is_cn and not _cn_ok(text, start, value, unit, after):
        return None
    if is_cn and unit == "次" and after and after not in _CLAUSE_END:
        return None  # 二次开发, 一次办: an adverb, not a count
    hi_value = _value(hi) if hi else None
    if hi and (hi_value is None or hi[0].isdigit() == is_cn):
        return None
    if hi and not is_cn:
        # 1-2万人 is 1万-2万: the multiplier written once applies to both ends.
        lo_mult = next((k for k in _MULT if lo.endswith(k)), "")
        hi_mult = next((k for k in _MULT if hi.endswith(k)), "")
        if hi_mult and not lo_mult:
            value *= _MULT[hi_mult]
    mult = 1.0
    if unit in _UNIT_MULT:
        unit, mult = _UNIT_MULT[unit]
    if unit == "成":
        unit, mult = "%", 10.0
    range_q = f"{value * mult:g}-{hi_value * mult:g}" if hi_value is not None else ""
    return _Num(value * mult, unit, range_q, m.group("approx") or "")


_CAPACITY_UNITS = frozenset({"吨", "吨/日", "吨/天", "千瓦", "兆瓦", "千瓦时", "立方米"})


def _threshold(text: str, m: re.Match[str], num: _Num) -> bool:
    """``投资过50亿元项目20个``: a money threshold before a noun that another figure counts is part
    of that noun (过50亿元项目), not a target."""
    if num.unit not in ("元", "美元"):
        return False
    before = text[max(0, m.start() - 2) : m.start()]
    nxt = re.match(
        r"(?:以上|级)?([^\d，,。；;、：:]{1,8}?)(\d+(?:\.\d+)?[万亿]?)(?:个|家|项|所)", text[m.end() :]
    )
    return bool(nxt) and (before.endswith(("过", "超", "超过")) or text.startswith("以上", m.end()))


def _capacity(text: str, m: re.Match[str], num: _Num) -> bool:
    """``华钛3万吨钛及钛合金项目``, ``年产260万吨聚酯、160万吨…等项目``: a capacity that names a
    project is part of the project's name, not a target."""
    if num.unit not in _CAPACITY_UNITS:
        return False
    if re.search(r"年产(?:能)?$", text[max(0, m.start() - 3) : m.start()]):
        return True
    stop = min((k for k in (text.find(c, m.end()) for c in _CLAUSE_END) if k >= 0), default=len(text))
    rest = text[m.end() : stop]
    head = re.match(r"[^\d]*?项目", rest)
    return bool(head) and not _VERB_RX.search(head.group())


def _shared_unit(m: re.Match[str], text: str) -> _Num | None:
    """``6.8万、6.7万人``: a bare figure before ``、`` takes the next figure's unit."""
    lo = m.group("lo")
    if not lo or not lo[0].isdigit() or text[m.end() : m.end() + 1] != "、":
        return None
    nxt = _RX.match(text, m.end() + 1)
    if not nxt or not nxt.group("unit") or not (nxt.group("lo") or "")[:1].isdigit():
        return None
    unit = nxt.group("unit")
    value = _value(lo)
    if value is None or unit not in ("人", "名", "个", "家", "张", "%", "‰", "人次", "剂次"):
        return None
    return _Num(value, unit)


def _cn_ok(text: str, start: int, value: float, unit: str, after: str) -> bool:
    """Chinese numerals are mostly slogans (五项制度, 两个责任); accept only plain commitments."""
    if unit == "成":
        return True
    if value < 2 or not unit or (after and after in "“「《"):
        return False
    clause = text[_clause_start(text, start) : start]
    verbs = list(_VERB_RX.finditer(clause))
    if not verbs or re.search(r"[“”《》「」]", clause[verbs[-1].start() :]):
        return False
    # 落实中央八项规定精神: a numeral between a noun and a noun is inside a name; a count either
    # follows its verb (新增三家医院) or ends the clause (培训志愿者两万名)
    return verbs[-1].end() == len(clause) or not after or after in _CLAUSE_END + "、以"


def _strip_pre_qual(r: str) -> tuple[str, str]:
    for q in _PRE_QUAL:
        if r.endswith(q):
            return r[: -len(q)], q
    return r, ""


def _find_verb(r: str) -> tuple[int, int, str] | None:
    """The commitment verb in ``r`` (text before the number): (start, end, verb)."""
    found: list[tuple[int, int, str]] = []
    for v in _VERB_RX.finditer(r):
        if _NOMINAL_AFTER.match(r, v.end()):
            continue
        # Merge adjacent content verbs: 新建改建, 选拔培养, 更新改造, 新建和改造.
        gap = r[found[-1][1] : v.start()] if found else None
        if found and gap in ("", "和") and not {found[-1][2], v.group()} & set(_FRAME_VERBS):
            p = found.pop()
            found.append((p[0], v.end(), p[2] + gap + v.group()))
        else:
            pre = _VERB_PREFIX.search(r, found[-1][1] if found else 0, v.start())
            start = pre.start() if pre and v.group().endswith("建") else v.start()
            found.append(
                (start, _complement_end(r, start, v.end()), r[start : _complement_end(r, start, v.end())])
            )
    if not found:
        return None
    last = found[-1]
    content = [f for f in found if f[2] not in _FRAME_VERBS]
    # 开展…培训超2500人次: a trailing non-level verb after another content verb is a noun.
    if (
        last[1] == len(r)
        and _VERB_RX.fullmatch(last[2])  # a merged run (新增培养) is a real verb
        and last[2] not in _LEVEL_VERBS
        and last[2] not in _FRAME_VERBS
        and len(content) >= 2
    ):
        return content[-2]
    return last


def _complement_end(r: str, start: int, end: int) -> int:
    """``新建成5G基站``: a resultative 成 after the verb belongs to it when jieba cuts a word
    ending there (新/建成), not when 成 starts the next word (新建/成果)."""
    if not r.startswith("成", end):
        return end
    cut, pos = words(r[start:]), start
    for w in cut:
        pos += len(w)
        if pos == end + 1:
            return end + 1
        if pos > end + 1:
            break
    return end


# 和/及/与 at an edge is a conjunction unless it ends a word (普及, 涉及, 参与).
_CONJ_EDGE = re.compile(r"^[、，,和及与 ]+|(?:[、，, ]|(?<![普涉以危波惠顾触])及|(?<![参给赋授])与|和)+$")


def _strip_conj(s: str) -> str:
    return _CONJ_EDGE.sub("", s)


def _clean_counts(s: str, *, per_capita: bool = True) -> str:
    s = _strip_conj(s)
    if "等" in s[:-1]:
        s = s[s.rindex("等") + 1 :]  # 宇通路等道路: examples, then the noun
    for _ in range(4):
        s2 = _strip_scope(s)
        for v in _FRAME_VERBS:
            s2 = s2.removeprefix(v)
        s2 = _strip_conj(_modal_tail(_TRAIL.sub("", s2)))
        if s2 == s:
            break
        s = s2
    return _per_capita(s) if per_capita else s


def _strip_scope(s: str) -> str:
    """Scope words at the start, cut only at a word boundary (有色金属 is not 有 + 色金属)."""
    m = _SCOPE.match(s)
    if not m or not m.end():
        return s
    ends, pos = set(), 0
    for w in words(s[: m.end() + 8]):
        pos += len(w)
        ends.add(pos)
    cut = max((e for e in ends if e <= m.end()), default=0)
    return s[cut:]


def _per_capita(s: str) -> str:
    """千人口托位数 / 每千人口拥有3岁以下婴幼儿托位数 → 每千人口托位数."""
    if not _PER_CAPITA.match(s):
        return s
    s = _AGE.sub("", s.replace("拥有", ""))
    if not s.startswith("每"):
        s = "每" + s
    if not re.search(r"[数率比]$", s):
        s += "数"
    return s


_NOUN_AFTER_VERB = re.compile(r"重点|示范|项目|单位|基地|中心")
_UNIT_ASIDE = re.compile(r"[(（][^()（）]{1,4}[)）]")


def _suffix(text: str, pos: int) -> tuple[str, int]:
    """The noun after the unit: 增设400台以上**自动体外除颤器**; (noun, end)."""
    aside = _UNIT_ASIDE.match(text, pos)
    if aside:
        pos = aside.end()  # 1607人(次)
    i = pos + 1 if text.startswith("的", pos) else pos
    stop = _SUFFIX_STOP.search(text, i)
    if stop and stop.start() == i and stop.group() == "和":
        stop = _SUFFIX_STOP.search(text, i + 1)  # 200个和美乡村: 和 starts a word here
    while stop and _VERB_RX.fullmatch(stop.group()) and _NOUN_AFTER_VERB.match(text, stop.end()):
        stop = _SUFFIX_STOP.search(text, stop.end())  # 循环利用体系建设重点城市: the verb is in a noun
    j = stop.start() if stop else len(text)
    if stop and stop.group() == "的" and j > i and _descriptive(text[i:j]):
        return _suffix(text, j)  # 5个特色鲜明的部门旗舰店: the noun is after the description
    if stop and stop.group() == "和":
        j = _coordinated(text, i, j)
    nxt = _RX.search(text, i, j)
    while (
        nxt
        and not (nxt.group("unit") or nxt.group("pct"))
        or (nxt and (nxt.group("lo") == "一" or text[nxt.start() - 1] == "第"))
    ):
        nxt = _RX.search(text, nxt.end(), j)  # 一件事, 一批, 第二批: not a second figure
    while nxt and not nxt.group("pct") and not nxt.group("lo")[0].isdigit():
        nxt = _RX.search(text, nxt.end(), j)  # 33个千亩村改产业园: a numeral inside the noun
    if nxt:
        j = nxt.start()
    quote = text.find("“", i + 1, j)
    if quote > i and text[quote:j].endswith("”") and tag((words(text[quote + 1 : j - 1]) or [""])[-1]) == "v":
        j = quote  # 2149个事项“一网通办”: a quoted predicate after the noun says what is done to it
    if j - i > 30:
        return "", pos
    noun = _modal_tail(_TRAIL.sub("", text[i:j]))
    if not _strip_conj(noun):
        return "", pos  # 分别下降86.66%和85.67%: a conjunction before the next figure is no noun
    if noun and j == i + len(noun) and text.startswith("、", j):
        noun = _list_tail(text, j, noun)
    return noun, i + len(noun)


_LEVEL_WORDS = frozenset(
    {"省", "市", "区", "县", "国家", "全国", "全省", "全市", "中央", "省级", "市级", "国家级"}
)


def _predicate_tail(s: str) -> str:
    """``20个项目列入省企业技术创新计划``: a verb (dictionary tag ``v``, two characters or more)
    right after a noun ends the counted noun when another noun phrase starts after it with a level
    word (省 市 国家 …). Elsewhere inside a noun the tags are unreliable (乡村振兴示范片区,
    区域急救医疗中心, 旗舰店 and 编制 are tagged verbs), so the verb is not asked alone."""
    ws = words(s)
    for n, w in enumerate(ws[1:-1], 1):
        if tag(ws[n - 1])[:1] not in ("n", "j"):
            continue
        if n < len(ws) - 2 and is_verb(w) and ws[n + 1] in _LEVEL_WORDS:
            return "".join(ws[:n])
        if _ADVERBIAL(w) and any(tag(x) == "v" for x in ws[n + 1 :]):
            # 87个项目及时复工, 110家部门系统数据向城市大脑…: an adverb or a preposition after a
            # noun opens its predicate (a noun phrase holds neither)
            return "".join(ws[:n])
    return s


def _ADVERBIAL(w: str) -> bool:
    """An adverb or a preposition; 与/同/和/跟 also join nouns (人工智能与实体经济), so not they."""
    return (tag(w) in ("p", "d") and w not in ("与", "同", "和", "跟")) or w in _MODAL_WORDS or w == "及时"


def _descriptive(s: str) -> bool:
    """``特色鲜明``, ``经过专业培训``: a predicate (ending in an adjective or verb, or opened by a
    preposition) rather than a noun such as ``床位`` in ``3000张床位的方舱医院``."""
    ws = words(s)
    return bool(ws) and (tag(ws[-1]) in ("a", "ad", "v", "vn", "d") or tag(ws[0]) == "p")


def _coordinated(text: str, i: int, j: int) -> int:
    """``100家智能工厂和数字化车间``: a short noun joined by 和 belongs to the counted noun."""
    stop = _SUFFIX_STOP.search(text, j + 1)
    k = stop.start() if stop else len(text)
    if re.match(r"、[^\d，,。；;：:]+\d", text[k:]):
        # 5个千亿主导产业链和茶叶、中药材2个…: 和 opens a list of names that the next figure counts
        # (not so in 100家智能工厂和数字化车间、10个…, where the next item starts with its figure)
        return j
    # 57个国家和省级乡村振兴重点帮扶县: a one-word level before 和 qualifies the same noun
    if 0 < k - j - 1 <= (8 if j - i > 2 else 20) and not re.search(r"\d", text[j:k]) and j > i:
        return k
    return j


def _list_tail(text: str, j: int, noun: str) -> str:
    """``打通10条以上断头路、瓶颈路。``: a plain list of nouns to the clause end is counted together."""
    stop = min((k for k in (text.find(c, j) for c in _CLAUSE_END) if k >= 0), default=len(text))
    rest = text[j:stop]
    items = rest.split("、")[1:]
    if (
        not items
        or re.search(r"\d", rest)
        or _VERB_RX.search(rest)
        or any(not 0 < len(x) <= 12 for x in items)
    ):
        return noun
    return noun + rest


def _lead_skip(s: str) -> int:
    """Characters of scope words / framing verbs at the start of ``s`` (kept out of the span)."""
    cleaned = _clean_counts(s, per_capita=False)
    return max(s.find(cleaned[:2]), 0) if cleaned else 0


def _build(norm: str, m: re.Match[str], num: _Num, prev_end: int) -> _Found:
    start, end = m.span()
    clause0 = _clause_start(norm, start)
    r0 = max(clause0, prev_end)
    if prev_end > clause0:
        # 开设记忆门诊5个、相关专科病房6个: the next item starts after the 、.
        comma = norm.find("、", prev_end, start)
        r0 = comma + 1 if comma >= 0 else r0
    while r0 < start and norm[r0] in "、和及与 ":
        r0 += 1
    r_core, pre_q = _strip_pre_qual(norm[r0:start])
    if r_core.endswith("了") and (lv := _find_verb(r_core[:-1])) and lv[1] == len(r_core) - 1:
        r_core = r_core[:-1]  # 分别下降了44.2%: the aspect particle after the verb
    post_q = next((q for q in _POST_QUAL if norm.startswith(q, end)), "")
    end += len(post_q)
    per = _PER_UNIT.match(norm, end) if not post_q else None
    if per:
        end = per.end()  # 10元/人·月, 3.3个/千人: the denominator belongs to the unit, not the noun
    clause_text = norm[clause0:start]
    aspire = next((a for a in _ASPIRE if a in clause_text), "")

    span_start = start - len(pre_q)
    v = _find_verb(r_core)
    level = None
    if v is not None and v[1] == len(r_core) and v[2] in _LEVEL_VERBS:
        level = v[2]
    subject = r_core[: -len(level)] if level else r_core
    if (
        level
        and len(subject) > 2
        and subject[-1] not in "率量数额值比"
        and tag(subject[-1]) == "v"
        and words(subject)[-1] == subject[-1]
    ):
        # 不良贷款率压降至4.5%: a one-character verb written before the level verb belongs to it
        level, subject = subject[-1] + level, subject[:-1]
    if v is not None and not pre_q:
        # 至少配备1名: a bound word before the verb still bounds the number.
        pre_q = next((q for q in _PRE_QUAL if r_core[: v[0]].endswith(q)), "")
    if _RATE_END.search(_modal_tail(_TRAIL.sub("", subject))):
        # 签约率达60%: the whole subject is what is measured.
        counts = _rate_subject(_clean_counts(subject))
        frames = [f for f in _VERB_RX.finditer(subject) if f.group() in _FRAME_VERBS]
        verb = level or (frames[-1].group() if frames else "")
        span_start = r0 + _lead_skip(subject)
    else:
        suffix, s_end = _suffix(norm, end)
        if suffix and num.unit not in ("%", "‰", "百分点"):  # a share keeps its predicate (…就业)
            cut = _predicate_tail(suffix)
            suffix, s_end = cut, s_end - len(suffix) + len(cut)
        share = _share(norm, end, num.unit) if suffix else None
        if share is not None:
            suffix, s_end = share
        counts, verb = "", ""
        if v is not None:
            verb = v[2]
            raw_between = r_core[v[1] :]
            between = _clean_counts(raw_between, per_capita=False)
            span_start = r0 + v[0]
            if verb in _FRAME_VERBS:
                head, rest = _open_verb(between)
                if head:
                    verb, between = head, rest  # 完成加固石马河上游防洪工程30公里: 完成 only frames it
            subj = _clean_counts(r_core[: v[0]])
            if (
                verb in _FRAME_VERBS
                and _MEASURED.fullmatch(between)
                and subj
                and not _VERB_RX.search(subj)
                and not re.search(r"[\d、]", subj)
            ):
                between = subj + between  # 绿色建材产业实现产值150亿元: whose output is measured
            if between.endswith("等") or raw_between.rstrip().endswith(("和", "及", "与", "、")):
                # 市吉华医院等3个市属医院项目: examples; 示范市和10个中医馆: a new object; the noun follows
                between = ""
            if (
                between
                and suffix
                and (
                    share is not None
                    or norm.startswith("的", end)
                    or raw_between.endswith("的")
                    or "、" in between
                    or between.endswith("”")
                )
            ):
                # 总投资1.2万亿元的重点项目投资计划 / 95%的医院建成… / 新谋划的116个项目: the noun after
                # is counted; so it is after names listed before the figure (A医院、B医院2个区域医疗中心,
                # “乐游广州”“乐学广州”5个计划): they are examples of it
                between = ""
            if not between and not suffix and norm.startswith("、", end):
                counts = _borrowed_noun(norm, end + 1)  # 各设置2个、共计10个区域急救医疗中心
            if counts:
                pass
            elif between and suffix and re.fullmatch(r"首批|第[一二三四五六七八九十\d]+批|新一批", between):
                counts = between + suffix  # 发布首批15条政策措施: the batch names which measures
                end = max(end, s_end)
            elif between and suffix and _PER_CAPITA.match(between):
                counts = _per_capita(between + suffix)
                end = max(end, s_end)
            elif between:
                counts = _per_capita(between)
            elif suffix:
                counts = suffix
                end = max(end, s_end)
            else:
                before = r_core[: v[0]]
                content = [m for m in _VERB_RX.finditer(before) if m.group() in _CONTENT_VERBS]
                if (
                    content
                    and content[-1].end() < len(before)
                    and re.fullmatch(r"[新再另共]?", _clean_counts(before[: content[0].start()]))
                ):
                    # 新招收博士后突破1000人 → 博士后; but a verb inside the subject is a
                    # modifier: 隔离储备房间达到3000间
                    before = before[content[-1].end() :]
                counts = _clean_counts(before)
                if (
                    counts
                    and not content
                    and v[1] == len(r_core)
                    and not v[2].endswith(_LEVEL_VERBS)  # 托位建设达到1.5万个
                    and not re.match(r"[新增]", v[2])
                    and not counts.startswith("每")
                ):
                    # 居家适老化改造1200户, 急救知识技能普及培训200万人: object before a content
                    # verb that ends on the figure: the activity itself is counted (not so for
                    # verbs of addition, whose subject is where: 镇街医院新增20项)
                    counts += v[2]
                if counts:
                    span_start = r0 + _lead_skip(before)
        else:
            carried = _find_verb(norm[clause0:r0])
            verb = carried[2] if carried else ""
            head, rest = ("", "") if carried else _open_verb(_clean_counts(r_core, per_capita=False))
            if head:
                verb = head  # 筹建保障性租赁住房3万套, 参加境外展会100场
            if (
                suffix
                and head
                and rest
                and has_noun(rest)  # 加速壮大8个集群: a second predicate, not a modifier
                and not _PER_CAPITA.match(rest)
                and not re.search(r"[\d、等“”]", rest)  # examples listed before the noun are not it
            ):
                # 出台支持企业健康发展10条政策: the verb has one object, so the words between it
                # and the figure modify the noun after it
                counts = rest + suffix
                end = max(end, s_end)
            elif suffix:
                counts = suffix
                end = max(end, s_end)
            else:
                if head:
                    ws = words(rest)
                    while len(ws) >= 2 and is_verb(ws[0]):
                        verb, rest, ws = verb + ws[0], rest[len(ws[0]) :], ws[1:]  # 取消下放, 集中增配
                    pivot = next((n for n, w in enumerate(ws[1:-1], 1) if is_verb(w)), 0)
                    if (
                        verb in _PIVOT_VERBS
                        and pivot
                        and all(tag(w)[:1] in ("n", "j") for w in ws[:pivot])
                        and has_noun("".join(ws[pivot + 1 :]))
                    ):
                        # 提请人大常委会审议法规议案8件: a pivot; what the second verb acts on is counted
                        rest = "".join(ws[pivot + 1 :])
                counts = _per_capita(rest) if head else _clean_counts(r_core)
                ws = words(counts) if not head and num.unit == "%" else []
                if len(ws) >= 2 and is_verb(ws[-1]) and tag(ws[-2])[:1] in ("n", "j"):
                    counts = counts[: -len(ws[-1])]  # 投诉问题办结80%: the share of the noun that is done
                if counts:
                    span_start = r0 + _lead_skip(r_core)
        if not counts and norm.startswith("、", end):
            counts = _borrowed_noun(norm, end + 1)
    if per and counts and _PER_CAPITA.match(per.group(1)):
        counts = _per_capita(per.group(1) + counts)  # 托位数达3.3个/千人 → 每千人托位数
    qual = [q for q in (aspire, pre_q, post_q or num.approx, num.range_q) if q]
    return _Found(
        num=num,
        start=min(span_start, start - len(pre_q)),
        end=end,
        num_start=start,
        counts=counts,
        verb=verb,
        qualifier="、".join(qual),
        clause=clause0,
    )


# Verbs of work reports that jieba's dictionary tags as nouns or adjectives (整治 n, 利用 n, 落实 a).
_OPEN_VERBS = frozenset({"整治", "利用", "落实", "供应", "完善", "提升改造", "整合", "清理", "办理", "谋划"})


# Verbs that take an agent and a second predicate (兼语): 提请人大审议法规, 帮助市场主体修复信用.
_PIVOT_VERBS = frozenset(
    {"提请", "请", "帮助", "协助", "引导", "督促", "指导", "鼓励", "动员", "邀请", "委托", "促使", "推荐"}
)


def _rate_subject(s: str) -> str:
    """``努力吸引在黔高校应届毕业生留筑率``: an adverb and a verb opening a measured subject are the
    sentence's predicate, not part of the rate's name."""
    ws = words(s)
    k = 1 if ws and tag(ws[0]) in ("ad", "d") else 0
    if len(ws) >= k + 3 and is_verb(ws[k]) and not _VERB_RX.search(ws[k]):
        rest = "".join(ws[k + 1 :])
        if has_noun(_RATE_END.sub("", rest)) and len(rest) >= 4:
            return rest
    return s


def _open_verb(s: str) -> tuple[str, str]:
    """(verb, rest) when ``s`` starts with a verb outside the list (筹建 加固 参加 改善 …), else ``("", s)``.

    Only the first word is asked: at the head of a clause with no listed verb it is the
    predicate of a plan's imperative sentence, where jieba's dictionary tag is reliable
    enough (inside a noun it is not: 示范基地, 传承工作室 are tagged verbs)."""
    ws = words(s) if s else []
    if len(ws) >= 3 and ws[1] == "好" and len(ws[0]) == 2 and tag(ws[0]) in ("v", "vn", "a", "n"):
        ws = [ws[0] + "好", *ws[2:]]  # 落实好产业人才政策, 用好…: a verb and its result
    s0 = s
    if len(ws) >= 3 and ws[0] in ("计划", "拟", "预计", "将", "要", "新"):
        skip = len(ws[0])  # 计划引育名教师, 新谋划…: a modal or adverb before the verb is not part of it
        ws, s = ws[1:], s[skip:]
    joined = False
    k = 0
    while k < len(ws) and len(ws[k]) == 1 and tag(ws[k]) == "v":
        k += 1
    if k >= 2 and len(ws) > k:
        ws, joined = ["".join(ws[:k]), *ws[k:]], True  # 引育 (引+育): one-character verbs written together
    if len(ws) >= 2 and ws[0] in _OPEN_VERBS and ws[1] in _OPEN_VERBS:
        ws = [ws[0] + ws[1], *ws[2:]]  # 清理整治存量垃圾: two verbs, one predicate
    if (
        len(ws) >= 2
        and (joined or is_verb(ws[0]) or ws[0] in _OPEN_VERBS or ws[0].endswith("好"))
        and len(s) - len(ws[0]) >= 2  # 阅读量: a suffix, not an object
        and not _VERB_RX.fullmatch(ws[0])
        and not _SUFFIX_STOP.fullmatch(ws[0])  # 提供夜诊服务社康机构: a relative clause's predicate
        and not _RATE_END.search(s)
        and not re.search(r"(?:数|量|额|人次|规模)$", s)  # 报销比例, 关注人数: a measured subject
        and "从" not in s
        and "的" not in s  # 符合创建条件的乡镇: the verb is inside a modifier of the noun
    ):
        return ws[0], s[len(ws[0]) :]
    return "", s0


def _borrowed_noun(text: str, pos: int) -> str:
    """新增3个、更新改造20个社区卫生服务站: the first figure counts the shared noun."""
    stop = min((i for i in (text.find(c, pos) for c in _CLAUSE_END) if i >= 0), default=len(text))
    for m in _RX.finditer(text, pos, stop):
        if m.group("unit"):
            post = next((q for q in _POST_QUAL if text.startswith(q, m.end())), "")
            return _suffix(text, m.end() + len(post))[0]
    return ""


def _pair_respectively(text: str, found: list[_Found]) -> None:
    """``胸痛中心、创伤中心分别增至13家、14家``: give each figure its own subject; also for longer
    lists (``A、B、C、D分别增长w、x、y和z``) and a last item joined by 和/及."""
    i = 0
    while i < len(found):
        f = found[i]
        if "分别" in text[f.clause : f.num_start] and re.search("[、和及与]", f.counts):
            run = [f]
            for g in found[i + 1 :]:
                if g.clause != f.clause or text[run[-1].end : g.num_start].strip() not in (
                    "",
                    "、",
                    "和",
                    "及",
                    "与",
                ):
                    break
                run.append(g)
            parts = f.counts.split("、")
            if len(parts) == len(run) - 1:
                last = re.split("和|及|与", parts[-1])
                if len(last) == 2 and all(last):
                    parts = parts[:-1] + last
            if len(run) > 1 and len(parts) == len(run) and all(parts):
                tail = re.search(r"..(率|比例|占比)$", parts[-1])
                for g, part in zip(run, parts, strict=True):
                    if tail and not re.search(r"(?:率|比例|占比|比重|幅|速|指数)$", part):
                        part += tail.group()
                    g.counts = part
                    while g is not f and g.end > g.num_start and text[g.end - 1] in "、和及与":
                        g.end -= 1  # 8.7%和1.7%: the 和 read as a noun belongs to the list
                i += len(parts)
                continue
        i += 1


_PER_UNIT = re.compile(r"/([^\s\d，,。；;、：:]{1,3}(?=[\s，,。；;、：:]|$))")
_LIST_NUMBER = re.compile(r"^\s*[(（]?\d{1,2}(?:[.．](?=\d)|[.．、)）](?=[^\d.%]))")


def _list_number_blanked(text: str) -> str:
    """``6.10个区域急救医疗中心``: the item number ``6.`` is not part of the figure."""
    m = _LIST_NUMBER.match(text)
    return text if not m else " " * m.end() + text[m.end() :]


# Predicates of a share: 70%妇幼保健机构建成儿童友好医院 → 妇幼保健机构建成儿童友好医院比例.
_SHARE_PRED = re.compile(r"建成|设立|开设|提供|创建|实现|达到|开展|纳入|配备|通过")
_SHARE_NEXT = re.compile(r"、(?=\d+(?:\.\d+)?%)")
_ADVERB_END = re.compile(r"(?:成功|全部|全面|均|都|率先)+$")


def _share(text: str, pos: int, unit: str) -> tuple[str, int] | None:
    """A percentage of a subject that does something: (``subject+predicate+object比例``, end).

    In ``70%妇幼保健机构、100%儿童专科医院…建成儿童友好医院`` the predicate at the
    end of the list is shared by every share before it.
    """
    if unit != "%":
        return None
    i = pos + 1 if text.startswith("的", pos) else pos
    stop = min((k for k in (text.find(c, i) for c in _CLAUSE_END) if k >= 0), default=len(text))
    pred = _SHARE_PRED.search(text, i, stop)
    if pred is None:
        return None
    nxt = _SHARE_NEXT.search(text, i, pred.start())
    subject_end = nxt.start() if nxt else pred.start()
    subject = _ADVERB_END.sub("", text[i:subject_end])
    if not subject or (nxt is None and re.search(r"\d", subject)):
        return None
    obj_end = stop
    digit = re.search(r"\d", text[pred.end() : stop])
    if digit:
        obj_end = pred.end() + digit.start()
    obj = _TRAIL.sub("", text[pred.end() : obj_end].rstrip("、和及与 "))
    if not obj:
        return None
    return subject + pred.group() + obj + "比例", (subject_end if nxt else obj_end)


# 从X提高到Y, also 由X增加到Y and a bare 从X到Y / 由X增至Y.
_BASE_BEFORE = re.compile(r"[从由](?:\d{4}年的?)?[^，,。；;、\d]{0,6}$")
_BASE_CHANGE = re.compile(
    r"^[^，,。；;\d]{0,8}?(?:(?:提高|提升|增加|增长|扩大|下降|降低|减少|上升)(?:到|至)|增至|降至|升至|到|至)"
    r"(?:\d{4}年的?)?[^，,。；;\d]{0,4}$"
)


_BASE_TO_BARE = re.compile(r"(?:提高|提升|增加|增长|扩大|下降|降低|减少|上升)(?:到|至)(?=\d)")


def _to_bare_number(text: str, pos: int) -> bool:
    """``从16.4%下降到0``: the change ends on a number with no unit (any measure word counts)."""
    m = _BASE_TO_BARE.match(text, pos)
    if not m:
        return False
    end = _RX.match(text, m.end())
    return end is not None and not (end.group("unit") or end.group("pct"))


def _baselines(text: str, found: list[_Found]) -> tuple[dict[int, float], set[int]]:
    """``从X提高到Y``: ``({index of Y: value of X}, {indices of X})``; also ``分别从A、B提高到C、D``."""
    targets: dict[int, float] = {}
    starts: set[int] = set()
    i = 0
    while i < len(found):
        prev_end = found[i - 1].end if i else found[i].clause
        if not _BASE_BEFORE.search(text[max(prev_end, found[i].clause) : found[i].num_start]):
            i += 1
            continue
        run = [i]
        while run[-1] + 1 < len(found) and text[found[run[-1]].end : found[run[-1] + 1].num_start] == "、":
            run.append(run[-1] + 1)
        j = run[-1] + 1
        if len(run) == 1 and _to_bare_number(text, found[i].end):
            starts.add(i)  # 从16.4%下降到0: a starting level, the end is a bare number
            i += 1
            continue
        if j + len(run) > len(found) or not _BASE_CHANGE.search(
            text[found[run[-1]].end : found[j].num_start]
        ):
            i += 1
            continue
        ends = list(range(j, j + len(run)))
        if any(text[found[a].end : found[a + 1].num_start] != "、" for a in ends[:-1]):
            i += 1
            continue
        for b, t in zip(run, ends, strict=True):
            base, tgt = found[b], found[t]
            if base.num.unit != tgt.num.unit:
                continue
            targets[t] = base.num.value
            starts.add(b)
            if not tgt.counts:
                tgt.counts = _clean_counts(re.sub(r"[从由].*$", "", base.counts))
            if not tgt.counts:
                tgt.counts = _previous_object(text, base.clause)
            if len(run) == 1:
                tgt.start = min(tgt.start, base.start)
        i = j + len(run)
    return targets, starts


def _carry_share_subject(text: str, found: list[_Found]) -> None:
    """``工业投资增长20%、占固定资产投资比重提高到15%``: the 占… share is of the previous item's subject."""
    for prev, f in zip(found, found[1:], strict=False):
        if (
            f.counts.startswith("占")
            and prev.counts
            and prev.clause == f.clause
            and "、" in text[prev.end : f.start]
        ):
            f.counts = prev.counts + f.counts


_RUNNING_TOTAL = re.compile(
    r"、(?:(?:比|较)(?:\d{4}年(?:末|底)?|上年|去年))?(?:"
    + "|".join(sorted(_LEVEL_VERBS, key=len, reverse=True))
    + ")"
)


def _carry_running_total(text: str, found: list[_Found]) -> None:
    """``新增“百万村”30个、达60个``: a figure with no noun that only levels the one before is a total
    of the same thing; so is a change against a year (``…达1411.9万户、比2017年增长74.3%``)."""
    for prev, f in zip(found, found[1:], strict=False):
        if (
            not f.counts
            and prev.counts
            and prev.clause == f.clause
            and _RUNNING_TOTAL.fullmatch(text, prev.end, f.num_start)
        ):
            f.counts = prev.counts


def _previous_object(text: str, clause: int) -> str:
    """``提高…财政补助标准，从每人每年580元提高到610元``: a change with no subject of its own is
    about the object of the clause before it (the words after that clause's last verb)."""
    if clause < 2 or text[clause - 1] not in "，,":
        return ""
    prev = text[_clause_start(text, clause - 1) : clause - 1]
    v = _find_verb(prev)
    obj = prev[v[1] :] if v else ""
    obj = re.sub(r"^[\d.]+[万亿]?", "", obj)  # 236.89万城乡居民…: a bare population figure
    return "" if re.search(r"\d", obj) else _clean_counts(obj)
