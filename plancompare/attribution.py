"""Which theme a quantitative target belongs to.

One sentence of a plan often commits to several themes and lists several
figures (``…基层医疗卫生机构提供儿科服务的比例达到90%以上,70%妇幼保健机构…
建成儿童友好医院…``). A figure belongs to a theme only when the figure's own
words are about it. For each figure the theme terms (keywords found in the
sentence) are looked for in narrowing circles, and the first circle that holds
any term decides:

1. the figure's counted noun (``Target.counts``); when the noun is a share with a
   predicate (``A建成B比例``), terms in the predicate ``B`` win over those in ``A``,
   and of ``A`` only the first of a list counts (``综合医院和中医院`` is not about 中医药);
2. a share with no term of its own takes the themes of an earlier share of the
   same clause with the same predicate (``70%妇幼保健机构、100%儿童专科医院…
   建成儿童友好医院``: all three are 妇幼健康);
3. the figure's own list item: its part of the clause between the neighbouring
   figures' items, plus the predicate the list shares at the clause end;
4. the figure's clause (between ``，；：。``).

Text in brackets (``二级及以上综合医院(含中医类医院)``) is an aside and never
decides; outside the counted noun, neither does an enumeration of three or more
items or one closed by 等 (``聚焦新一代信息技术、生物医药大健康、新材料等10个产业集群``). A figure with no term in its clause goes to no theme, except a figure
that counts nothing of its own (``同比增长9%``): it follows the figure before it
in the sentence, whose subject it continues.

A *generic* term — one with no health morpheme (医 药 卫生 健康 病 …) such as
``项目建设``, ``数字化``, ``成果转化`` — only counts when the sentence speaks of
health outside the theme terms: ``推进3个国铁…续建项目建设`` and
``推动3170家规模以上工业企业数字化转型`` in a city work report are not health
targets.

The rules and their measured precision/recall are in docs/targets.md
("Theme attribution"); labels in tests/data/labels/targets_attribution.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .model import Target

__all__ = ["attribute_targets"]

_CLAUSE_MARKS = ",;:。，；：!?！？\n"
_ASIDE = re.compile(r"[(（][^()（）]*[)）]")
# A share named by subject + predicate: 妇幼保健机构建成儿童友好医院比例.
_PREDICATE = re.compile(r"建成|设立|开设|提供|开展|创建|达到|实现|配备|纳入|通过")
# 聚焦新一代信息技术、生物医药大健康、新材料等10个产业集群: an enumeration of three or
# more items (or one closed by 等) names examples, not what the figure is about.
_ITEM = r"[^、,，;；:：|\d]{1,12}"
_ENUMERATION = re.compile(rf"(?:{_ITEM}、){{2,}}{_ITEM}?(?:等|(?=\d|$|[,，;；:：|]))|{_ITEM}、{_ITEM}?等")
# 实施“人工智能+医疗”等26个融合应用项目: what stands before 等 is an example.
_EXAMPLES = re.compile(r"[^、,，;；:：|\d]{1,15}?等")
_LIST_SEP = re.compile(r"和|与|、|及(?!以[上下])")
_HEALTH = re.compile(
    r"医|药|卫生|健康|社康|康复|病|护理|托育|托位|婴|孕|产妇|疫|诊疗|门诊|就诊|急诊|治疗|疗护|血|生育|儿科|妇幼|疾控|急救|体检"
)


def attribute_targets(
    sentence: str,
    offset: int,
    themes: Mapping[str, Sequence[str]],
    targets: Sequence[Target],
) -> dict[str, list[Target]]:
    """Targets of ``sentence`` per theme: ``{theme name: [targets in sentence order]}``.

    ``offset`` is where ``sentence`` starts in the text the targets' spans refer
    to (``Plan.text`` for plan targets, 0 for a bare sentence). ``themes`` maps
    each candidate theme to its terms found in the sentence (e.g. the covered
    themes and their keywords). Themes that get no target are left out.

    >>> from plancompare.targets import extract_targets
    >>> s = "推进托育服务,新增托位5000个,建设3个中医馆。"
    >>> got = attribute_targets(s, 0, {"托育": ["托育", "托位"], "中医药": ["中医"]}, extract_targets(s))
    >>> {k: [t.text for t in v] for k, v in got.items()}
    {'托育': ['新增托位5000个'], '中医药': ['建设3个中医馆']}
    """
    terms = _usable_terms(sentence, themes)
    spans = [(t.span[0] - offset, t.span[1] - offset) for t in targets]
    clauses = [_clause(sentence, a, b) for a, b in spans]
    own: list[tuple[str, ...]] = []
    for i, t in enumerate(targets):
        own.append(_own_themes(sentence, spans, clauses, i, t, terms, own, targets))
    chosen: list[tuple[str, ...]] = []
    for i, t in enumerate(targets):
        names = own[i]
        if not names and t.verb:
            # 开设记忆门诊5个、相关专科病房6个、失智专区6个: a list under one verb shares its theme
            sib = [
                j
                for j in range(len(targets))
                if j != i and clauses[j] == clauses[i] and targets[j].verb == t.verb
            ]
            names = tuple(dict.fromkeys(n for j in sib for n in own[j]))
        if not names:
            names = _rest_of_clause(sentence, spans, clauses[i], i, terms)
        if not names and _counts_nothing(t) and chosen:
            names = chosen[-1]
        chosen.append(names)
    out: dict[str, list[Target]] = {}
    for t, names in zip(targets, chosen, strict=True):
        for name in names:
            out.setdefault(name, []).append(t)
    return out


# words with a health morpheme that are not about health: 经济平稳健康发展, 病险水库, 农药, 心血
_NOT_HEALTH = re.compile(r"健康(?:发展|有序|运行|成长)|病险|病害|农药|心血|血脉|血性")


def _usable_terms(sentence: str, themes: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The themes' terms, without generic ones when the sentence says nothing of health.

    A health term of any theme (社康, 中医) is enough; a generic term is not
    evidence of health itself, so it is blanked out before looking.
    """
    all_terms = sorted({k for ks in themes.values() for k in ks if k}, key=len, reverse=True)
    rest = sentence
    for k in all_terms:
        rest = rest.replace(k, " ")
    health = any(_HEALTH.search(k) for k in all_terms) or bool(_HEALTH.search(_NOT_HEALTH.sub(" ", rest)))
    out = {}
    for name, ks in themes.items():
        kept = tuple(k for k in ks if k and (health or _HEALTH.search(k)))
        if kept:
            out[name] = kept
    return out


def _hits(terms: Mapping[str, tuple[str, ...]], text: str) -> tuple[str, ...]:
    return tuple(name for name, ks in terms.items() if any(k in text for k in ks))


def _plain(text: str) -> str:
    """Text without asides, enumerations and examples before 等: what is left can decide."""
    return _EXAMPLES.sub("", _ENUMERATION.sub("", _ASIDE.sub("", text)))


def _own_themes(
    sentence: str,
    spans: Sequence[tuple[int, int]],
    clauses: Sequence[tuple[int, int]],
    i: int,
    t: Target,
    terms: Mapping[str, tuple[str, ...]],
    chosen: Sequence[tuple[str, ...]],
    targets: Sequence[Target],
) -> tuple[str, ...]:
    """Themes named by the figure's own words: its counted noun, else its list item."""

    def hits(text: str) -> tuple[str, ...]:
        return _hits(terms, text)

    lo, hi = clauses[i]
    counts = _ASIDE.sub("", t.counts)
    share = _split_share(counts)
    if share is not None:
        subject, predicate = share
        found = hits(predicate) or hits(_LIST_SEP.split(subject)[0])
        if found:
            return found
        for j in range(i - 1, -1, -1):  # an earlier share of this clause with the same predicate
            same = _split_share(_ASIDE.sub("", targets[j].counts))
            if spans[j][0] >= lo and same is not None and same[1] == predicate and chosen[j]:
                return chosen[j]
        # the rest of the clause is this list's other subjects: nothing more to learn
        return ()
    return hits(counts) or hits(_plain(_item(sentence, spans, i, lo, hi)))


def _rest_of_clause(
    sentence: str,
    spans: Sequence[tuple[int, int]],
    clause: tuple[int, int],
    i: int,
    terms: Mapping[str, tuple[str, ...]],
) -> tuple[str, ...]:
    """Terms of the figure's clause outside the other figures' own phrases (those are theirs)."""
    lo, hi = clause
    rest = list(sentence[lo:hi])
    for j, (x, y) in enumerate(spans):
        if j != i and lo <= x and y <= hi:
            rest[x - lo : y - lo] = " " * (y - x)
    return _hits(terms, _plain("".join(rest)))


def _split_share(counts: str) -> tuple[str, str] | None:
    """``妇幼保健机构建成儿童友好医院比例`` → (``妇幼保健机构``, ``建成儿童友好医院比例``)."""
    if not counts.endswith("比例"):
        return None
    m = None
    for m in _PREDICATE.finditer(counts):  # noqa: B007 - the last predicate is wanted
        pass
    if m is None or m.start() == 0:
        return None
    return counts[: m.start()], counts[m.start() :]


def _clause(text: str, a: int, b: int) -> tuple[int, int]:
    lo = a
    while lo > 0 and text[lo - 1] not in _CLAUSE_MARKS:
        lo -= 1
    hi = b
    while hi < len(text) and text[hi] not in _CLAUSE_MARKS:
        hi += 1
    return lo, hi


def _item(sentence: str, spans: Sequence[tuple[int, int]], i: int, lo: int, hi: int) -> str:
    """Target ``i``'s own part of its clause, plus the predicate its list shares at the end."""
    a, b = spans[i]
    same = [j for j, (x, y) in enumerate(spans) if lo <= x and y <= hi]
    if len(same) < 2:
        return sentence[lo:hi]
    k = same.index(i)
    left = lo
    if k > 0:
        prev_end = spans[same[k - 1]][1]
        cut = sentence.rfind("、", prev_end, a)
        left = cut + 1 if cut >= 0 else prev_end
    right = hi
    if k + 1 < len(same):
        nxt = spans[same[k + 1]][0]
        cut = sentence.find("、", b, nxt)
        right = cut if cut >= 0 else nxt
    tail = sentence[spans[same[-1]][1] : hi] if right < hi else ""
    return sentence[left:right] + "|" + tail


def _counts_nothing(t: Target) -> bool:
    return not t.counts.strip()
