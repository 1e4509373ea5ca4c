"""Find a plan by what a user types: id, label, file stem or name, loosely.

``"深圳市 2025"``, ``"深圳市2025"`` and ``"深圳市　2025"`` name the same plan; a
unique part of a label (``"翔安"``) names that plan; an ambiguous one
(``"深圳市"``) or a typo gives a ``KeyError`` that lists the candidates or
says "did you mean".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from .model import Plan

__all__ = ["find_plan"]

_SPACE = re.compile(r"[\s_\-·.]+")


def _norm(s: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", s)).lower()


def _names(p: Plan) -> list[str]:
    names = [p.id, p.label]
    if p.path is not None:
        path = Path(p.path)
        names += [path.stem, path.name, str(p.path)]
    return names


def find_plan(plans: Sequence[Plan], key: str) -> Plan:
    """The plan ``key`` names (exact, then ignoring spaces/width/case, then a unique part).

    >>> from plancompare.model import Plan
    >>> ps = [Plan(i, None, "", r, "", y, "", [], [], "", "") for i, r, y in
    ...       [("a", "深圳市", 2022), ("b", "深圳市", 2025), ("c", "深圳市龙岗区", 2025)]]
    >>> find_plan(ps, "深圳市2025").id
    'b'
    >>> find_plan(ps, "龙岗").id
    'c'
    >>> find_plan(ps, "深圳市")
    Traceback (most recent call last):
    ...
    KeyError: "'深圳市' matches 3 plans: 深圳市 2022, 深圳市 2025, 深圳市龙岗区 2025; give one of these labels or an id"
    """
    for p in plans:
        if key in _names(p):
            return p
    k = _norm(key)
    if not k:
        raise KeyError(f"no plan {key!r}: empty name")
    exact = _unique([p for p in plans if any(_norm(n) == k for n in _names(p))])
    if exact is not None:
        return exact
    partial = [p for p in plans if any(k in _norm(n) for n in _names(p))]
    if len(partial) == 1:
        return partial[0]
    if partial:
        labels = ", ".join(sorted(p.label for p in partial))
        raise KeyError(f"{key!r} matches {len(partial)} plans: {labels}; give one of these labels or an id")
    raise KeyError(_not_found(plans, key))


def _unique(hits: list[Plan]) -> Plan | None:
    return hits[0] if len(hits) == 1 else None


def _not_found(plans: Sequence[Plan], key: str) -> str:
    by_norm = {_norm(p.label): p.label for p in plans}
    k = _norm(key)
    ratio = {n: difflib.SequenceMatcher(None, k, n).ratio() for n in sorted(by_norm)}
    best = max(ratio.values(), default=0.0)
    close = [n for n in sorted(ratio, key=lambda n: -ratio[n]) if ratio[n] >= max(0.6, best - 0.1)]
    known = ", ".join(f"{p.label} ({p.id})" for p in plans)
    if close:
        guess = " or ".join(repr(by_norm[c]) for c in close)
        return f"no plan {key!r}; did you mean {guess}? known: {known}"
    return f"no plan {key!r}; known: {known}"
