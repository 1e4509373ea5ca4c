"""Parse a plan's numbered outline into :class:`~plancompare.model.Section` objects.

Sections partition the text: their spans, in order, cover ``[0, len(text))``
exactly once. Ids follow ``docs/architecture.md``: ``"0"`` preamble, ``"2"``
part ``二、``, ``"2.9"`` item ``(九)`` inside part 二 (printed numbers, also
when numbering continues across parts), ``"2.3.1"`` sub-items and inline
sub-headings, ``"p1"…`` paragraphs when there is no outline, and ``"_2"``
suffixes for repeated ids.

Recognised numbering (at the start of a line, after indentation):
``第一章`` / ``第一部分`` / ``第一篇`` › ``一、`` › ``(一)``/``（一）`` ›
``1.``/``1、``/``1．`` › ``(1)``/``（1）`` › ``第一条``. Chinese numerals up to
九百九十九 are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .model import Part, PlanWarning, Section
from .parts import (
    ANCHOR_REVIEW_RE,
    APPENDIX_RE,
    DATED_PLAN_RE,
    PLANISH_RE,
    RESULT_HEAD_RE,
    TITLE_LIKE_RE,
    YEAR_PLAN_RE,
    bare_lines,
    is_anchor,
    reports_results,
    years_in,
)

_CN = "零〇一二两三四五六七八九十百"
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

# One alternative per numbering style; the group name is the style.
_HEADING_RE = re.compile(
    rf"""[ \t]*(?:
      (?P<chapter>第(?P<chapter_n>[{_CN}]{{1,4}})(?:章|部分|篇|编))
    | (?P<cn_dun>(?P<cn_dun_n>[{_CN}]{{1,4}})[、．.](?![{_CN}]*[、．.]))
    | (?P<cn_paren>[(（](?P<cn_paren_n>[{_CN}]{{1,4}})[)）])
    | (?P<num_dot>(?P<num_dot_n>\d{{1,2}})(?:[.．](?![\d.．])|、))
    | (?P<num_paren>[(（](?P<num_paren_n>\d{{1,2}})[)）])
    | (?P<article>第(?P<article_n>[{_CN}]{{1,4}})条)
    )""",
    re.VERBOSE,
)
_MAX_GAP = 2
# Conventional nesting rank of the styles (smaller = higher up).
_RANK = {"chapter": 0, "cn_dun": 1, "cn_paren": 2, "num_dot": 3, "num_paren": 4, "article": 5}

_REVIEW_RE = re.compile(
    r"回顾|总结|过去一年|过去五年|过去的一年|完成情况|工作情况|主要成效|主要成绩|取得的成绩|进展情况|工作成效"
)
_LEAD_END_RE = re.compile(r"[。;:!?\n]")
_TRAIL = " \t,.;:!?、。，；：！？"

# Inline sub-headings (Dongguan style "(三)…体系。提升卫生应急处置能力。不断健全…"):
# a short sentence with no digits, commas or brackets.
_SENTENCE_RE = re.compile(r"[^。\n]*。|[^。\n]+$")
_SUBHEAD_BAD_RE = re.compile(r"[\d,;:，；：()（）\[\]]")
_QUOTED_RE = re.compile(r"“[^”]{1,12}”")
_MIN_BLOCK = 30  # chars of content between two inline sub-headings
_COMMON_BIGRAMS = {
    "加强",
    "推进",
    "推动",
    "提升",
    "完善",
    "健全",
    "强化",
    "深化",
    "加快",
    "建设",
    "持续",
    "全面",
    "工作",
}


def cn_to_int(s: str) -> int | None:
    """Read a Chinese numeral (or ASCII digits) up to the hundreds.

    >>> [cn_to_int(x) for x in ("九", "十", "十一", "二十", "三十六", "九十九", "一百零五", "12")]
    [9, 10, 11, 20, 36, 99, 105, 12]
    """
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    total += cur
    return total or None


@dataclass
class _Head:
    start: int  # line start (section span start)
    num_start: int  # where the printed number begins
    num_end: int
    style: str
    value: int
    number: str
    level: int = 0
    base: str = ""  # id base for unnumbered parts ("3") and appendices ("a1")


def parse_outline(
    text: str, *, display_text: str | None = None, path: str | Path = ""
) -> tuple[list[Section], list[PlanWarning]]:
    """Split ``text`` into sections along its numbered outline.

    >>> secs, warns = parse_outline("总体要求。\\n一、强化基础\\n(一)完善托育服务体系建设。新增托位。\\n")
    >>> [(s.id, s.heading, s.level, s.part) for s in secs]
    [('0', '总体要求', 0, 'preamble'), ('1', '强化基础', 1, 'plan'), ('1.1', '完善托育服务体系建设', 2, 'plan')]
    >>> [s.span for s in secs]
    [(0, 6), (6, 13), (13, 33)]
    """
    path = str(path)
    display = display_text if display_text is not None and len(display_text) == len(text) else text
    heads = _find_heads(text)
    tops = _unnumbered_parts(text, heads)
    if len(heads) + len(tops) < 2:
        return _paragraphs(text, display, path)
    if tops:
        heads = _nest_under(heads, tops)
    else:
        _assign_levels(heads)
    sections = _build_sections(text, display, heads, _part_kinds(text, heads))
    sections = _add_inline_subheadings(text, display, sections)
    sections = _paragraph_items(text, display, sections)
    return sections, []


# --- heading detection -------------------------------------------------------------


def _find_heads(text: str) -> list[_Head]:
    heads: list[_Head] = []
    last: dict[str, int] = {}
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        end = n if end < 0 else end
        m = _HEADING_RE.match(text, pos, end)
        if m and text[m.end() : end].strip():
            head = _to_head(m, pos)
            if head is not None and _plausible(head, last, text, m.end(), end):
                last[head.style] = head.value
                heads.append(head)
        pos = end + 1
    return heads


def _to_head(m: re.Match[str], line_start: int) -> _Head | None:
    style = m.lastgroup
    if style is None:
        return None
    value = cn_to_int(m.group(f"{style}_n"))
    if value is None:
        return None
    return _Head(line_start, m.start(style), m.end(style), style, value, m.group(style))


def _plausible(head: _Head, last: dict[str, int], text: str, after: int, end: int) -> bool:
    """Numbering must continue or restart at 1; rejects ``2024.1``-like lines.

    A gap of up to two missing numbers is tolerated (real documents skip
    numbers, and web copies lose lines).
    """
    if head.style == "num_dot" and text[after:end].lstrip()[:1] in ("%", "万", "亿", "元", "个"):
        return False
    prev = last.get(head.style)
    if prev is None:
        return head.value <= 1 + _MAX_GAP
    return head.value == 1 or prev < head.value <= prev + 1 + _MAX_GAP


def _assign_levels(heads: list[_Head]) -> None:
    """Nest styles by first appearance, keeping the conventional order 一、 › (一) › 1. › (1)."""
    stack: list[str] = []
    for h in heads:
        if h.style in stack:
            del stack[stack.index(h.style) + 1 :]
        else:
            while stack and _RANK[stack[-1]] >= _RANK[h.style]:
                stack.pop()
            stack.append(h.style)
        h.level = len(stack)


# --- sections ------------------------------------------------------------------------


def _heading_of(text: str, h: _Head, end: int) -> str:
    line_end = text.find("\n", h.num_end)
    line_end = len(text) if line_end < 0 or line_end > end else line_end
    body = text[h.num_end : line_end].strip()
    m = _LEAD_END_RE.search(body)
    lead = body[: m.start()] if m else body
    return lead.strip(_TRAIL)[:80]


def _build_sections(text: str, display: str, heads: list[_Head], kinds: dict[int, Part]) -> list[Section]:
    sections: list[Section] = []
    if text[: heads[0].start].strip():
        sections.append(_preamble(text, display, heads[0].start))
    else:
        heads[0].start = 0  # leading blank lines belong to the first heading
    used: dict[str, int] = {}
    parents: list[tuple[int, str, Part]] = []  # (level, id, part) of open ancestors
    for i, h in enumerate(heads):
        end = heads[i + 1].start if i + 1 < len(heads) else len(text)
        while parents and parents[-1][0] >= h.level:
            parents.pop()
        parent_id = parents[-1][1] if parents else None
        base = h.base or (f"{parent_id}.{h.value}" if parent_id else str(h.value))
        used[base] = used.get(base, 0) + 1
        sid = base if used[base] == 1 else f"{base}_{used[base]}"
        heading = _heading_of(text, h, end)
        part = parents[-1][2] if parents else kinds.get(h.start, "plan")
        sections.append(
            Section(
                id=sid,
                number=h.number,
                heading=heading,
                text=text[h.start : end],
                level=h.level,
                parent_id=parent_id,
                part=part,
                span=(h.start, end),
                display_text=display[h.start : end],
            )
        )
        parents.append((h.level, sid, part))
    return sections


def _preamble(text: str, display: str, end: int) -> Section:
    first = next((line.strip() for line in text[:end].split("\n") if line.strip()), "")
    m = _LEAD_END_RE.search(first)
    heading = (first[: m.start()] if m else first).strip(_TRAIL)[:80]
    return Section("0", "", heading, text[:end], 0, None, "preamble", (0, end), display[:end])


def _paragraphs(text: str, display: str, path: str) -> tuple[list[Section], list[PlanWarning]]:
    """No outline: one section per non-blank line; blank lines stay with the paragraph before."""
    starts = [m.start() for m in re.finditer(r"(?m)^[ \t]*\S", text)]
    if not starts:
        starts = [0]
    starts[0] = 0
    sections = []
    for i, a in enumerate(starts):
        b = starts[i + 1] if i + 1 < len(starts) else len(text)
        heading = _LEAD_END_RE.split(text[a:b].strip(), maxsplit=1)[0].strip(_TRAIL)[:80]
        sections.append(Section(f"p{i + 1}", "", heading, text[a:b], 1, None, "plan", (a, b), display[a:b]))
    warning = PlanWarning(
        path,
        "no-outline",
        f"no numbered outline (一、 / (一) / 1. …) found; split into {len(sections)} paragraph section(s)",
    )
    return sections, [warning]


# --- inline sub-headings ---------------------------------------------------------------


def _is_subhead(sentence: str) -> bool:
    body = sentence.strip().rstrip("。")
    # Digits are allowed only inside a quoted name: 优化“15分钟优质中医药服务圈”。
    return 4 <= len(body) <= 16 and not _SUBHEAD_BAD_RE.search(_QUOTED_RE.sub("“”", body))


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} - _COMMON_BIGRAMS


def _body_sentences(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Sentences ending in 。 of text[a:b], as absolute spans."""
    return [(a + m.start(), a + m.end()) for m in _SENTENCE_RE.finditer(text[a:b]) if m.group().strip()]


def _subheads_of(text: str, sents: list[tuple[int, int]]) -> list[int]:
    """Sentence starts in an item that are inline sub-headings (``sents`` excludes the lead)."""
    flags = [_is_subhead(text[a:b]) for a, b in sents]
    chosen: list[int] = []
    i = 0
    while i < len(sents):
        if not flags[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(sents) and flags[j + 1]:
            j += 1
        # A sub-heading is followed by content, and closes a block of real content.
        block = sents[chosen[-1] + 1 : i] if chosen else []
        enough = not chosen or sum(b - a for a, b in block) >= _MIN_BLOCK
        if j + 1 < len(sents) and enough and i == j:
            chosen.append(i)
        elif j + 1 < len(sents) and enough:
            # In a run of short sentences, the heading is the one that shares the most
            # words with what follows; then the shortest; then the last.
            fb = _bigrams("".join(text[a:b] for a, b in sents[j + 1 : j + 3]))
            pick = max(
                range(i, j + 1),
                key=lambda k: (
                    len(_bigrams(text[sents[k][0] : sents[k][1]]) & fb),
                    -(sents[k][1] - sents[k][0]),
                    k,
                ),
            )
            chosen.append(pick)
        i = j + 1
    return [sents[k][0] for k in chosen]


def _add_inline_subheadings(text: str, display: str, sections: list[Section]) -> list[Section]:
    """Expose Dongguan-style inline sub-headings as level-3 children of level-2 items.

    Fires only when the pattern is a habit of the document: most items open
    with a sub-heading sentence right after their lead phrase. Ordinary items
    whose second sentence happens to be short (``推进18个公立医院项目建设。``)
    do not trigger it.
    """
    has_children = {s.parent_id for s in sections}
    items = [s for s in sections if s.level == 2 and s.id not in has_children]
    if len(items) < 3:
        return sections
    # Judge the habit on the first items (enough to tell, and keeps huge files fast).
    sample = items[:200]
    sentences = {s.id: _body_sentences(text, *s.span) for s in sample}
    opening = sum(
        1
        for s in sample
        if len(sentences[s.id]) >= 3 and _is_subhead(text[sentences[s.id][1][0] : sentences[s.id][1][1]])
    )
    if opening < max(3, len(sample) / 2):
        return sections
    sentences.update({s.id: _body_sentences(text, *s.span) for s in items[len(sample) :]})
    out: list[Section] = []
    for s in sections:
        cuts = _subheads_of(text, sentences[s.id][1:]) if s.id in sentences else []
        if not cuts:
            out.append(s)
            continue
        bounds = [s.span[0], *cuts, s.span[1]]
        out.append(_replace_span(s, text, display, bounds[0], bounds[1]))
        for k in range(1, len(bounds) - 1):
            a, b = bounds[k], bounds[k + 1]
            sent_end = text.find("。", a, b)
            heading = text[a:sent_end].strip(_TRAIL) if sent_end >= 0 else text[a:b].strip(_TRAIL)
            out.append(
                Section(
                    id=f"{s.id}.{k}",
                    number="",
                    heading=heading,
                    text=text[a:b],
                    level=3,
                    parent_id=s.id,
                    part=s.part,
                    span=(a, b),
                    display_text=display[a:b],
                )
            )
    return out


def _replace_span(s: Section, text: str, display: str, a: int, b: int) -> Section:
    return Section(s.id, s.number, s.heading, text[a:b], s.level, s.parent_id, s.part, (a, b), display[a:b])


# --- unnumbered parts, appendices, review vs plan (heading words: plancompare.parts) -------


def _line_at(text: str, pos: int) -> tuple[int, int]:
    end = text.find("\n", pos)
    return pos, len(text) if end < 0 else end


def _unnumbered_parts(text: str, heads: list[_Head]) -> list[_Head]:
    """Unnumbered part headings and appendix headings, as level-1 heads (empty when there are none).

    Bare lines become parts only when one of them says it starts the review or
    the plan (回顾 / 2024年工作安排 / 今后五年…) and the numbered top level does
    not already say so. Appendix headings count from the second half of the text on.
    """
    bare = bare_lines(text, _HEADING_RE)
    if not bare:
        return []
    half = len(text) // 2
    appendix_at = next((p for p, line in bare if p > half and APPENDIX_RE.search(line)), None)
    body = [(p, line) for p, line in bare if appendix_at is None or p < appendix_at]
    anchors = [(p, line) for p, line in body if is_anchor(line)]
    tops: list[_Head] = []
    dated = any(DATED_PLAN_RE.search(line) and not ANCHOR_REVIEW_RE.search(line) for _, line in anchors)
    if (len(anchors) >= 2 or dated) and not _numbered_anchor(text, heads, appendix_at):
        start = anchors[0][0]
        first_num = next((h.start for h in heads if h.start < start), None)
        if first_num is not None:
            # Numbered items before the first anchor belong to the bare heading above them
            # (定西 2022: **四届政府工作及“十四五”开局** then 一、… 七、 of the review).
            above = [p for p, line in body if p < first_num and not TITLE_LIKE_RE.search(line)]
            start = above[-1] if above else start
        for p, _line in body:
            if p >= start:
                at = p + _indent(text, p)
                tops.append(_Head(p, at, at, "bare", len(tops) + 1, ""))
    if appendix_at is not None:
        for p, line in bare:
            if p >= appendix_at and APPENDIX_RE.search(line):
                at = p + _indent(text, p)
                k = sum(1 for t in tops if t.style == "appendix") + 1
                tops.append(_Head(p, at, at, "appendix", k, "", base=f"a{k}"))
    return tops


def _indent(text: str, p: int) -> int:
    end = _line_at(text, p)[1]
    return len(text[p:end]) - len(text[p:end].lstrip())


def _numbered_anchor(text: str, heads: list[_Head], before: int | None) -> bool:
    """Does a first-level numbered heading already mark the review or the plan?"""
    top_style = None
    for h in heads:
        if before is not None and h.start >= before:
            break
        if top_style is None or _RANK[h.style] < _RANK[top_style]:
            top_style = h.style
    for h in heads:
        if h.style == top_style and (before is None or h.start < before):
            line = text[h.num_end : _line_at(text, h.num_end)[1]]
            lead = _LEAD_END_RE.split(line, maxsplit=1)[0][:40]
            if _REVIEW_RE.search(lead) or (YEAR_PLAN_RE.search(lead) and not TITLE_LIKE_RE.search(lead)):
                return True
    return False


def _nest_under(heads: list[_Head], tops: list[_Head]) -> list[_Head]:
    """Merge level-1 unnumbered heads with the numbered ones, which nest below the part they fall in."""
    tops = sorted(tops, key=lambda h: h.start)
    before = [h for h in heads if h.start < tops[0].start]
    _assign_levels(before)
    out = list(before)
    shift = sum(1 for h in before if h.level == 1)  # unnumbered parts go on counting after them
    for t in tops:
        if t.style == "bare":
            t.value += shift
    for i, t in enumerate(tops):
        end = tops[i + 1].start if i + 1 < len(tops) else None
        seg = [h for h in heads if h.start > t.start and (end is None or h.start < end)]
        _assign_levels(seg)
        for h in seg:
            h.level += 1
        t.level = 1
        out.append(t)
        out.extend(seg)
    return out


def _part_kinds(text: str, heads: list[_Head]) -> dict[int, Part]:
    """Review, plan or appendix for each level-1 head (keyed by start).

    Reviews come first. A part is a review when its heading says so (回顾,
    过去…, or only years before the year the plan headings name); the parts
    before the first dated plan heading (``2024年工作安排``, 今后五年…) are the
    review when together they report results (建成 / 同比 …) more than they
    commit; so is the first run of a top-level numbering that restarts. The
    first part that is not a review starts the plan; everything after it is
    plan, appendices aside.
    """
    tops = [h for h in heads if h.level == 1 and h.style != "appendix"]
    leads = {h.start: _lead_of(text, h) for h in tops}
    plan_year = max((y for h in tops for y in years_in(leads[h.start])), default=0)
    ends = {h.start: (tops[i + 1].start if i + 1 < len(tops) else len(text)) for i, h in enumerate(tops)}
    dated = any(DATED_PLAN_RE.search(v) and not ANCHOR_REVIEW_RE.search(v) for v in leads.values())
    first_plan = next(
        (
            i
            for i, h in enumerate(tops)
            if (PLANISH_RE.search(leads[h.start]) or DATED_PLAN_RE.search(leads[h.start]))
            and not _REVIEW_RE.search(leads[h.start])
        ),
        None,
    )
    first_plan = first_plan if dated else None
    restart = next(
        (
            i
            for i, h in enumerate(tops)
            if i > 1 and h.style != "bare" and h.value == 1 and tops[i - 1].value > 1
        ),
        None,
    )
    implied = 0  # parts before this index are a review by position
    for cut in (first_plan, restart):
        if cut and reports_results(text[tops[0].start : tops[cut].start]):
            # up to the last part before the cut that itself reports results
            implied = 1 + max(
                (j for j in range(cut) if reports_results(text[tops[j].start : ends[tops[j].start]])),
                default=-1,
            )
            break
    if not implied and len(tops) > 1 and RESULT_HEAD_RE.search(leads[tops[0].start]):
        # A report opens with its review: a first part whose heading and text report results.
        implied = int(reports_results(text[tops[0].start : ends[tops[0].start]]))
    kinds: dict[int, Part] = {h.start: "appendix" for h in heads if h.level == 1 and h.style == "appendix"}
    seen_plan = False
    for i, h in enumerate(tops):
        lead = leads[h.start]
        if seen_plan and h.start > len(text) // 2 and APPENDIX_RE.search(lead):
            kinds[h.start] = "appendix"  # a numbered list of 民生实事 closing the report
            continue
        years = years_in(lead)
        said = bool(_REVIEW_RE.search(lead)) or (
            (h.style == "bare" and ANCHOR_REVIEW_RE.search(lead) is not None)
            or (bool(years) and plan_year > 0 and max(years) < plan_year)
        )
        if not seen_plan and (said or i < implied):
            kinds[h.start] = "review"
        elif said and h.style != "bare" and _REVIEW_RE.search(lead):
            kinds[h.start] = "review"  # an explicit review heading stays one wherever it is
        else:
            kinds[h.start] = "plan"
            seen_plan = True
    return kinds


def _lead_of(text: str, h: _Head) -> str:
    line = text[h.num_end : _line_at(text, h.num_end)[1]].strip()
    m = _LEAD_END_RE.search(line)
    return (line[: m.start()] if m else line)[:80]


# Chars of a childless part before its paragraphs become items: 2,000 under an unnumbered
# heading (a report's review); 6,000 (a few pages) under a numbered one, so that a
# one-page review such as Dongguan 2025's stays whole.
_PARA_ITEM_MIN = {"": 2000, "numbered": 6000}


def _paragraph_items(text: str, display: str, sections: list[Section]) -> list[Section]:
    """Long parts with no numbered items: each paragraph after the heading line becomes an item."""
    parents = {s.parent_id for s in sections}
    out: list[Section] = []
    for s in sections:
        least = _PARA_ITEM_MIN["numbered" if s.number else ""]
        if s.level != 1 or s.id in parents or s.part in ("appendix", "preamble") or len(s.text) < least:
            out.append(s)
            continue
        a, b = s.span
        head_end = text.find("\n", a, b)
        starts = [m.start() + a for m in re.finditer(r"(?m)^[ \t]*\S", text[a:b])] if head_end >= 0 else []
        starts = [p for p in starts if p > head_end]
        if len(starts) < 3:
            out.append(s)
            continue
        out.append(_replace_span(s, text, display, a, starts[0]))
        for k, p in enumerate(starts):
            q = starts[k + 1] if k + 1 < len(starts) else b
            heading = _LEAD_END_RE.split(text[p:q].strip(), maxsplit=1)[0].strip(_TRAIL)[:80]
            out.append(
                Section(f"{s.id}.p{k + 1}", "", heading, text[p:q], 2, s.id, s.part, (p, q), display[p:q])
            )
    return out
