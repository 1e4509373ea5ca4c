"""Words of a report's part headings: what marks a review, a plan, an appendix or a title.

Text-level helpers for :mod:`plancompare.outline`, which decides the part
kinds (``docs/architecture.md#part-kinds``). Government work reports often
head their parts with a bare line (bold in Markdown) — ``2023年工作回顾`` /
``2024年工作安排建议`` — numbering only the items below; glossaries and lists
of 民生实事 follow the report as appendices.
"""

from __future__ import annotations

import re

BARE_MAX = 40  # chars: longer lines are text, not part headings
_BARE_BAD_RE = re.compile(r"[。;!?:]|[,、].*[,、].*[,、]")
_BARE_SKIP_RE = re.compile(
    r"人民代表大会|人大.{0,3}次|会议上|政府工作报告|^工作报告$|^各位|省长|市长|州长|盟长|主席|总理|专员|我们|"
    r"^[—\-(\[“\"《<…]|\d{4}年\d{1,2}月\d{1,2}日"
)
APPENDIX_RE = re.compile(
    r"^(?:附[::]?\s*)?(?:名词解释|名词注释|名词解析|词语解释|注释|注解|附件\s*\d*|附录|附表)"
    r"(?:(?:和|及|与)?(?:说明|注释))?[::]?$"
    r"|^[^。;]{0,12}(?:民生[^。;]{0,4}实事|惠民实事|为民办实事|[十\d]+件[^。;]{0,4}实事)(?:项目)?(?:清单|安排|计划)?$"
)
ANCHOR_REVIEW_RE = re.compile(
    r"回顾|总结|过去|成绩|成就|成效|取得|走过|极不平凡|本届政府|以来的工作|完成情况|工作情况|进展情况"
)
# A plan heading that names its year: "2024年工作安排", "今年政府工作".
_YEAR_PLAN = r"(?:20\d{2}|今|明)年[^。]{0,12}?(?:工作|任务|目标|安排|建议|部署|重点|思路|举措)"
YEAR_PLAN_RE = re.compile(_YEAR_PLAN)
# ... or its time: "今后五年的目标任务", "未来五年".
DATED_PLAN_RE = re.compile(_YEAR_PLAN + "|今后|未来")
_ANCHOR_PLAN_RE = re.compile(_YEAR_PLAN + "|今后|未来|工作安排|目标任务|主要任务|重点任务|下一步")
# Words of a plan part's heading: "新一届政府工作的总体要求和目标任务".
PLANISH_RE = re.compile(r"要求|目标|任务|思路|安排|建议|部署|愿景|今后|未来|新一届|重点工作|举措|谋划")
# A first part's heading reporting what was achieved: "“十四五”实现良好开局", "各项目标任务圆满完成".
RESULT_HEAD_RE = re.compile(r"开局|圆满|完成|成就|成绩|成效|以来|取得|实现|建成")
# A document title or a covering notice, not a part heading.
TITLE_LIKE_RE = re.compile(r"通知|印发|要点|计划|方案|报告|规划|意见|办法")
_YEAR_IN_RE = re.compile(r"(?<![\d到至—\-~～])(20\d{2})(?=年|$)")
# Results (past) vs commitments (future) in a part's text: tells a review from a plan
# when the headings do not say which is which.
_PAST_RE = re.compile(
    r"完成|实现了|达到|获评|入选|荣获|建成|成功举办|累计|同比|比上年|居全|位列|位居|获批|突破|首次|连续"
)
_FUTURE_RE = re.compile(r"要|将|力争|确保|今年|着力|聚焦|加快|抓好|做好|全力|持续|坚持")
_CJK_RE = re.compile("[\u4e00-\u9fff]")


def bare_lines(text: str, numbered: re.Pattern[str]) -> list[tuple[int, str]]:
    """Short standalone lines that are not numbered (``numbered`` matches at the line start),
    not sentences and not title, delivery or speaker lines: ``(line start, stripped line)``."""
    out = []
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        end = n if end < 0 else end
        line = text[pos:end].strip()
        if (
            2 <= len(line) <= BARE_MAX
            and not numbered.match(text, pos, end)
            and (APPENDIX_RE.search(line) or not (_BARE_BAD_RE.search(line) or _BARE_SKIP_RE.search(line)))
            and _CJK_RE.search(line)
        ):
            out.append((pos, line))
        pos = end + 1
    return out


def is_anchor(line: str) -> bool:
    """Does a heading say it starts the review or the plan (回顾 / 2024年工作安排 / 今后五年)?

    >>> [is_anchor(x) for x in ("2023年工作回顾", "2024年工作安排建议", "阔步迈上新征程", "2024年卫生健康工作要点")]
    [True, True, False, False]
    """
    if TITLE_LIKE_RE.search(line):
        return False
    return bool(ANCHOR_REVIEW_RE.search(line) or _ANCHOR_PLAN_RE.search(line))


def years_in(s: str) -> list[int]:
    """Years a heading names (not "到2035年"): ``years_in("攻坚奋斗的2022年")`` → ``[2022]``."""
    return [int(y) for y in _YEAR_IN_RE.findall(s)]


def reports_results(part: str) -> bool:
    """Mostly results (建成 / 完成 / 同比 …) rather than commitments (要 / 将 / 力争 …)."""
    past = len(_PAST_RE.findall(part))
    future = len(_FUTURE_RE.findall(part))
    return past >= 5 and past > 0.5 * future
