"""Sentence splitting with character offsets.

Shared by embedding (chunking long sections), coverage (evidence sentences)
and target extraction, so every stage agrees on what a sentence is.
"""

from __future__ import annotations

import re

# A sentence ends at 。！？；!? or a line break; closing quotes/brackets stay with it.
_END = re.compile(r"[。！？!?；;]+[”’」』)）]*|\n+")


def split_sentences(text: str, *, max_chars: int = 200) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences of ``text``.

    Leading/trailing whitespace is excluded from each span; empty sentences are
    dropped. Sentences longer than ``max_chars`` are cut at the last comma
    before the limit (or hard at the limit) so no chunk is silently truncated
    by an encoder.

    >>> t = "推进托育服务。新增托位5000个,建设示范机构。"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['推进托育服务。', '新增托位5000个,建设示范机构。']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        _add(text, start, m.end(), spans, max_chars)
        start = m.end()
    _add(text, start, len(text), spans, max_chars)
    return spans


def _add(text: str, a: int, b: int, out: list[tuple[int, int]], max_chars: int) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    while b - a > max_chars:
        window = text[a : a + max_chars]
        cut = max(window.rfind(","), window.rfind("，"), window.rfind("、"))
        cut = a + cut + 1 if cut > max_chars // 3 else a + max_chars
        out.append((a, cut))
        a = cut
    if b > a:
        out.append((a, b))
