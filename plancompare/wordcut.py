"""jieba's default word cut, the same words, with less interpreter work.

Coverage asks jieba where words start in every sentence that holds a theme
term (:func:`plancompare.terms.on_boundary`) and cuts the seed sentences of
pseudo-relevance feedback; at several hundred plans that was half of a warm
coverage run, most of it jieba's generators and its ``max`` over tuples.

This module runs jieba's own algorithm on jieba's own dictionary
(``jieba.dt.FREQ``, user words included): the prefix-dictionary DAG and the
right-to-left best route (the same float expression, the same tie-break
towards the longer word), then jieba's walks — single Latin letters and digits
merged without HMM, unknown runs of single characters handed to
``jieba.finalseg`` with it. tests/test_wordcut.py checks it against jieba on
real sentences.
"""

from __future__ import annotations

import functools
import logging
import re
from math import log

__all__ = ["block_at", "block_bounds", "cut", "cut_plain"]

_ENG = re.compile("[a-zA-Z0-9]", re.U)


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


# word → log(freq) - log(total) as jieba computes it; None for a prefix only (frequency 0).
# Like every cache of jieba's output here, it assumes the dictionary is not changed mid-run.
_LOGP: dict[str, float | None] = {}
_UNSEEN = object()


@functools.lru_cache(maxsize=200_000)
def _route(block: str) -> tuple[int, ...]:
    """For each start index, the last index of the word jieba's route takes from there.

    ``jieba.Tokenizer.get_DAG`` + ``calc`` in one loop: candidates are the
    dictionary words starting at ``idx`` (prefixes with frequency 0 only extend
    the scan); the value is ``log(freq) - log(total) + value after the word``,
    and of equal values the later end wins (``max`` over ``(value, end)``).
    Cached per block (like every cache here, it assumes the dictionary does not change mid-run).
    """
    dt = _jieba().dt
    freq = dt.FREQ
    logtotal = log(dt.total)
    logp = _LOGP
    n = len(block)
    value = [0.0] * (n + 1)
    end = [0] * n
    for idx in range(n - 1, -1, -1):
        best = None
        best_end = idx
        i = idx
        frag = block[idx]
        while i < n:
            lp = logp.get(frag, _UNSEEN)
            if lp is _UNSEEN:
                f = freq.get(frag)
                if f is None:  # not even a prefix of a word: the scan stops
                    break
                lp = logp[frag] = log(f) - logtotal if f else None
            if lp is not None:
                v = lp + value[i + 1]  # type: ignore[operator]
                if best is None or v >= best:
                    best, best_end = v, i
            i += 1
            frag = block[idx : i + 1]
        if best is None:  # no word starts here: the character alone
            best = log(freq.get(block[idx]) or 1) - logtotal + value[idx + 1]
        value[idx] = best
        end[idx] = best_end
    # cached: the term check, pseudo-relevance feedback and target extraction cut the same blocks
    return tuple(end)


# jieba's re_han_default as a character test: its blocks are maximal runs of these characters
# (Han, Latin letters, digits, +#&._%-) and maximal runs of all other characters
_BLOCK_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+#&._%-")


def block_at(text: str, i: int) -> tuple[int, str]:
    """The jieba block holding ``text[i]``: its start offset and its text.

    jieba cuts each block of ``re_han_default.split(text)`` on its own, so the
    words around ``i`` are those of this block alone.
    """
    c = text[i]
    kind = "\u4e00" <= c <= "\u9fd5" or c in _BLOCK_ASCII
    a = i
    while a > 0:  # the class test inline: this runs for every term occurrence
        c = text[a - 1]
        if ("\u4e00" <= c <= "\u9fd5" or c in _BLOCK_ASCII) != kind:
            break
        a -= 1
    b = i + 1
    n = len(text)
    while b < n:
        c = text[b]
        if ("\u4e00" <= c <= "\u9fd5" or c in _BLOCK_ASCII) != kind:
            break
        b += 1
    return a, text[a:b]


@functools.lru_cache(maxsize=200_000)
def block_bounds(block: str) -> tuple[frozenset[int], frozenset[int]]:
    """Word starts and ends in one jieba block (as :func:`block_at` gives it), as
    ``jieba.tokenize(block, HMM=False)`` gives them."""
    j = _jieba()
    c = block[:1]
    if not ("\u4e00" <= c <= "\u9fd5" or c in _BLOCK_ASCII):  # punctuation, spaces: jieba's own path
        starts, ends = {0}, {len(block)}
        for _w, a, b in j.tokenize(block, HMM=False):
            starts.add(a)
            ends.add(b)
        return frozenset(starts), frozenset(ends)
    words: list[str] = []
    _cut_block_plain(block, words)
    starts, ends = {0}, {len(block)}
    pos = 0
    for w in words:
        starts.add(pos)
        pos += len(w)
        ends.add(pos)
    return frozenset(starts), frozenset(ends)


def _cut_block_hmm(block: str, out: list[str]) -> None:
    """``jieba.Tokenizer.__cut_DAG`` on one Han block: the route, then HMM on unknown single-character runs."""
    freq = _jieba().dt.FREQ
    finalseg = _jieba().finalseg
    end = _route(block)
    n = len(block)
    buf = ""
    x = 0

    def flush() -> None:
        if len(buf) == 1:
            out.append(buf)
        elif not freq.get(buf):
            out.extend(finalseg.cut(buf))
        else:
            out.extend(buf)

    while x < n:
        y = end[x] + 1
        if y - x == 1:
            buf += block[x]
        else:
            if buf:
                flush()
                buf = ""
            out.append(block[x:y])
        x = y
    if buf:
        flush()


def _cut_block_plain(block: str, out: list[str]) -> None:
    """``jieba.Tokenizer.__cut_DAG_NO_HMM`` on one Han block: the route, single Latin letters
    and digits merged into one word."""
    end = _route(block)
    n = len(block)
    run = -1
    x = 0
    while x < n:
        y = end[x] + 1
        if y - x == 1 and _ENG.match(block[x]):
            if run < 0:
                run = x
        else:
            if run >= 0:
                out.append(block[run:x])
                run = -1
            out.append(block[x:y])
        x = y
    if run >= 0:
        out.append(block[run:])


def cut(text: str) -> list[str]:
    """``jieba.lcut(text, HMM=True)``."""
    return _cut(text, _cut_block_hmm)


def cut_plain(text: str) -> list[str]:
    """``jieba.lcut(text, HMM=False)`` (the dictionary's words only)."""
    return _cut(text, _cut_block_plain)


def _cut(text: str, cut_block) -> list[str]:  # noqa: ANN001 - one of the two block cutters above
    j = _jieba()
    han, skip = j.re_han_default, j.re_skip_default
    out: list[str] = []
    for blk in han.split(text):
        if not blk:
            continue
        if han.match(blk):
            cut_block(blk, out)
        else:
            for x in skip.split(blk):
                if skip.match(x):
                    out.append(x)
                else:
                    out.extend(x)
    return out
