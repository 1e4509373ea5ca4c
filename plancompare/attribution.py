"""Which theme a quantitative target belongs to.

One sentence of a plan often commits to several themes and lists several
figures (``…基层医疗卫生机构提供儿科服务的比例达到90%以上,70%妇幼保健机构…
建成儿童友好医院…``). A figure belongs to a theme only when the figure's own
words are about it. For each figure the theme terms (keywords found in the
sentence) are looked for in narrowing circles, and the first circle that holds
any term decides:

1. the figure's counted noun (``Target.counts``); when the noun is a share with a
   predicate (``A建成B比例``), terms in the predicate ``B`` win over those in ``A``;
2. the figure's own list item: its part of the clause between the neighbouring
   figures' items, plus the predicate the list shares at the clause end;
3. the figure's clause (between ``，；：。``).

Text in brackets (``二级及以上综合医院(含中医类医院)``) is an aside and never
decides. A figure with no term in its clause goes to no theme, except a figure
that counts nothing of its own (``同比增长9%``): it follows the figure before it
in the sentence, whose subject it continues.

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
_PREDICATE = re.compile(r"(建成|设立|开设|提供|开展|创建|达到|实现|配备|纳入|通过)")


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
    terms = {name: tuple(k for k in ks if k) for name, ks in themes.items()}
    terms = {name: ks for name, ks in terms.items() if ks}
    spans = [(t.span[0] - offset, t.span[1] - offset) for t in targets]
    out: dict[str, list[Target]] = {}
    previous: tuple[str, ...] = ()
    for i, t in enumerate(targets):
        chosen = _themes_of(sentence, spans, i, t, terms)
        if not chosen and _counts_nothing(t):
            chosen = previous
        for name in chosen:
            out.setdefault(name, []).append(t)
        previous = chosen
    return out


def _themes_of(
    sentence: str,
    spans: Sequence[tuple[int, int]],
    i: int,
    t: Target,
    terms: Mapping[str, tuple[str, ...]],
) -> tuple[str, ...]:
    for circle in _circles(sentence, spans, i, t):
        hit = tuple(name for name, ks in terms.items() if any(k in circle for k in ks))
        if hit:
            return hit
    return ()


def _circles(sentence: str, spans: Sequence[tuple[int, int]], i: int, t: Target) -> list[str]:
    """Texts around target ``i`` from the narrowest to the widest, asides removed."""
    a, b = spans[i]
    lo, hi = _clause(sentence, a, b)
    circles: list[str] = []
    counts = _ASIDE.sub("", t.counts)
    m = None
    for m in _PREDICATE.finditer(counts):
        pass
    if m is not None and m.start() > 0:
        circles.append(counts[m.end() :])
    circles.append(counts)
    circles.append(_item(sentence, spans, i, lo, hi))
    circles.append(sentence[lo:hi])
    return [_ASIDE.sub("", c) for c in circles]


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
