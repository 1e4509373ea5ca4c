"""Lexical evidence for a theme, derived from its name and description.

Users describe a theme with a name and one line (``托育服务: 0-3岁婴幼儿照护服务，
普惠托育机构和托位建设``), not a keyword list. :func:`theme_terms` derives the
words to look for:

* **name** — the theme's name itself (``托育服务``) and any keywords the user gave;
* **parts** — the meaningful words of the name (``托育``);
* **description** — the specific words of the description (``婴幼儿``, ``照护``,
  ``托位``), cut with jieba.

Generic policy words (建设, 服务, 推进 …) are dropped, and so is any word that
occurs in more than a few percent of ordinary plan sentences (measured on the
background sample, :mod:`plancompare.background`), so 医疗 in ``AI+医疗`` is not
evidence of AI in health care.

Terms match on word boundaries (:func:`find_terms`): an occurrence must start
where a jieba word starts, so 性病 does not match inside 慢性病 while 中医 still
matches 中医院.

>>> from plancompare.model import Theme
>>> t = theme_terms(Theme("托育", "0-3岁婴幼儿照护服务，普惠托育机构"))
>>> t.name, t.description
(('托育',), ('婴幼儿', '照护'))
>>> find_terms("加强慢性病综合防控", ("性病", "慢性病"))
('慢性病',)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .model import Theme
from .wordcut import block_at, block_bounds, cut

__all__ = ["ThemeTerms", "theme_terms", "expand_terms", "find_terms", "GENERIC"]

# Words that say what kind of action a sentence is, not what it is about.
def _generic() -> frozenset[str]:
    from importlib import resources

    text = (resources.files("plancompare") / "data" / "generic_words.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


# Words that say what kind of action a sentence is, not what it is about.
GENERIC = _generic()
_SPLIT = re.compile(r"[，,、；;：:。.！!？?（）()【】\[\]“”\"'‘’/／|·\s]+|(?:以及|和|与|及|或|等|如)")
_NAME_SPLIT = re.compile(r"[+＋&＆/／、·\s]+")
_ASCII = re.compile(r"[A-Za-z][A-Za-z0-9\-]*[A-Za-z0-9]|[A-Za-z]{2,}")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# share of background sentences above which a word is too common to be evidence
_NAME_PART_MAX = 0.03
_DESCRIPTION_MAX = 0.01


@dataclass(frozen=True)
class ThemeTerms:
    """The words a theme is looked for with, strongest first.

    ``name``: the name and user keywords; ``parts``: specific words of the name;
    ``description``: specific words of the description. Every tuple is
    de-duplicated and in Simplified script.
    """

    name: tuple[str, ...]
    parts: tuple[str, ...]
    description: tuple[str, ...]
    expansion: tuple[str, ...] = ()  # found in the plans themselves (:func:`expand_terms`)

    @functools.cached_property
    def all(self) -> tuple[str, ...]:  # cached: read per sentence × theme
        return tuple(dict.fromkeys((*self.name, *self.parts, *self.description)))

    @functools.cached_property
    def whole(self) -> frozenset[str]:
        """The terms that must match whole words (:func:`on_boundary`): parts and description words."""
        return frozenset((*self.parts, *self.description))

    def kind(self, term: str) -> str:
        """``"name"``, ``"part"`` or ``"description"``: the strongest group holding ``term``."""
        if term in self.name:
            return "name"
        return "part" if term in self.parts else "description"

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "name": list(self.name),
            "parts": list(self.parts),
            "description": list(self.description),
            "expansion": list(self.expansion),
        }


def _words(text: str) -> list[str]:
    return [w for w in cut(text) if w.strip()]  # jieba.lcut(text, HMM=True), faster


def _specific(word: str, max_share: float) -> bool:
    from .background import term_share

    if word in GENERIC or len(word) < 2 or not (_HAN.search(word) or _ASCII.fullmatch(word)):
        return False
    if word.isdigit():
        return False
    return term_share(word) <= max_share


def _normalise(s: str) -> str:
    from .themes import to_simplified

    return to_simplified(s.strip())


@functools.lru_cache(maxsize=4096)
def theme_terms(theme: Theme) -> ThemeTerms:
    """Derive a theme's terms from its name, keywords and description (cached per theme).

    >>> theme_terms(Theme("AI+医疗", "人工智能在医疗卫生中的应用，智能辅助诊断")).parts
    ('AI',)
    """
    name = _normalise(theme.name)
    strong = [k for k in (name, *(_normalise(k) for k in theme.keywords)) if len(k) >= 2]
    parts: list[str] = []
    # a one-word name is already a name term, but its words may still be specific parts
    for piece in _NAME_SPLIT.split(name):
        for w in _pieces(piece):
            if w != name and _specific(w, _NAME_PART_MAX):
                parts.append(w)
    desc: list[str] = []
    for chunk in _SPLIT.split(_normalise(theme.description)):
        chunk = chunk.strip("0123456789-—~～ ")
        if not chunk:
            continue
        if 2 <= len(chunk) <= 4 and _specific(chunk, _DESCRIPTION_MAX):
            desc.append(chunk)
            continue
        for w in _pieces(chunk):
            if _specific(w, _DESCRIPTION_MAX):
                desc.append(w)
    seen = set(strong)
    parts = [p for p in dict.fromkeys(parts) if p not in seen]
    seen |= set(parts)
    # a description word holding the name (普惠托育 for 托育) adds nothing the name does not find
    desc = [d for d in dict.fromkeys(desc) if d not in seen and not any(n in d for n in strong)]
    return ThemeTerms(tuple(dict.fromkeys(strong)), tuple(parts), tuple(desc))


_EXPAND_MAX = 5
_EXPAND_SAMPLE = 400
_EXPAND_LIFT = 20.0


def expand_terms(tt: ThemeTerms, sentences: Sequence[str]) -> tuple[str, ...]:
    """Words that keep company with a theme's terms: pseudo-relevance feedback.

    ``sentences`` are the sentences (from the plans and the background sample)
    that hold one of the theme's terms. Words found in several of them and far
    more often there than in ordinary sentences (lift ≥ 20 over the background)
    are how the documents themselves speak of the theme: for 婴幼儿照护 the plans
    say 托育 and 托位. At most five, strongest first; deterministic.

    >>> expand_terms(theme_terms(Theme("婴幼儿照护", "三岁以下婴幼儿照护服务")),
    ...              ["发展婴幼儿照护服务,新增托位1000个", "婴幼儿照护服务指导中心和托位建设", "托育机构"])
    ('托位',)
    """
    import math

    from .background import sentences as bg_sentences
    from .background import term_share

    texts = list(dict.fromkeys(sentences))
    if len(texts) < 2:
        return ()
    if len(texts) > _EXPAND_SAMPLE:  # an even, deterministic sample: lift is a ratio, jieba the cost
        step = len(texts) / _EXPAND_SAMPLE
        texts = [texts[int(i * step)] for i in range(_EXPAND_SAMPLE)]
    known = tt.all
    df: dict[str, int] = {}
    for text in texts:
        for w in set(_pieces(text)):
            df[w] = df.get(w, 0) + 1
    floor = 0.5 / len(bg_sentences())
    scored = []
    for w, n in df.items():
        if n < max(2, 0.15 * len(texts)) or not _specific(w, 1.0):
            continue
        if any(k in w or w in k for k in known):
            continue
        lift = (n / len(texts)) / max(term_share(w), floor)
        if lift >= _EXPAND_LIFT:
            scored.append((-n * math.log(lift), w))
    return tuple(w for _, w in sorted(scored)[:_EXPAND_MAX])


@functools.lru_cache(maxsize=100_000)
def _pieces(text: str) -> tuple[str, ...]:
    out = [m.group() for m in _ASCII.finditer(text)]
    han = _ASCII.sub(" ", text)
    for seg in han.split():
        out += [w for w in _words(seg) if _HAN.search(w)]
    return tuple(out)


def _starts_word(text: str, i: int) -> bool:
    """Whether jieba (no HMM) starts a word at ``text[i]``.

    jieba cuts every block (``wordcut.block_at``) on its own, so the block alone
    decides: the same answer as tokenising the whole sentence, for a fraction of
    the work — only blocks where a term occurs are cut, repeated clauses once, and
    none when the term opens its block.
    """
    a, block = block_at(text, i)
    return i == a or i - a in block_bounds(block)[0]


def _ends_word(text: str, j: int) -> bool:
    """Whether jieba (no HMM) ends a word at ``j`` (before ``text[j]``)."""
    if j <= 0:
        return False
    a, block = block_at(text, j - 1)  # the block holding the word's last character
    return j == a + len(block) or j - a in block_bounds(block)[1]


def on_boundary(text: str, start: int, end: int, *, whole: bool = False) -> bool:
    """Whether ``text[start:end]`` is a word, not the inside of a longer one.

    Latin terms (AI, DRG) must not touch other Latin letters. Chinese terms must
    start where a jieba word starts (性病 inside 慢性病 does not; 中医 in 中医院
    does); with ``whole`` they must also end where a word ends, so a word of a
    theme's name or description does not match the head of a compound
    (生物 in 生物医药).
    """
    term = text[start:end]
    if term[:1].isascii() and term[:1].isalpha():
        before = text[start - 1 : start]
        after = text[end : end + 1]
        return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())
    at_start = start == 0 or _starts_word(text, start)
    if not at_start or not whole or end >= len(text):
        return at_start
    return _ends_word(text, end)


def find_terms(text: str, terms: Iterable[str], *, whole: Iterable[str] = ()) -> tuple[str, ...]:
    """The ``terms`` found in ``text`` on word boundaries, in the order given.

    Terms in ``whole`` must match whole words (see :func:`on_boundary`).

    >>> find_terms("支持AI辅助诊断和DRG付费", ["AI", "DRG", "RAI"])
    ('AI', 'DRG')
    >>> find_terms("发展生物医药产业", ["生物"], whole=["生物"])
    ()
    """
    whole = whole if isinstance(whole, frozenset) else frozenset(whole)
    found = []
    for t in terms:
        i = text.find(t)
        while i >= 0:
            if on_boundary(text, i, i + len(t), whole=t in whole):
                found.append(t)
                break
            i = text.find(t, i + 1)
    return tuple(found)
