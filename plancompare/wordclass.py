"""Word classes from jieba's dictionary, for reading target phrases (``plancompare.targets``).

The target rules know the commitment verbs of health plans by name; government
work reports use many more (筹建 加固 帮扶 参加 修复 提取 执行 …). Rather than
growing that list sentence by sentence, a word in a *predicate position* is
taken as a verb when jieba's dictionary tags it ``v``. The tags are noisy out of
context (知识 and 展会 are tagged ``v``), so callers only ask about words where a
verb is expected: the first word of a clause, or a word after a noun.

The dictionary (≈350k words) loads on first use, about 0.7 s; it is jieba's own,
already a dependency, so nothing is downloaded.
"""

from __future__ import annotations

from functools import cache, lru_cache

from . import wordcut

__all__ = ["has_noun", "is_verb", "tag", "words"]


@cache
def _tokenizer():  # noqa: ANN202 - jieba.posseg.POSTokenizer, imported lazily
    import jieba
    import jieba.posseg

    from plancompare import logs

    logs.setup()  # jieba's "Building prefix dict…" stays quiet
    dt = jieba.posseg.dt
    if dt.tokenizer.dictionary == jieba.DEFAULT_DICT and dt.word_tag_tab:
        # importing jieba.posseg has read the default dictionary's tags already;
        # ``dt.initialize()`` would read the same file a second time (half a second)
        dt.tokenizer.initialize()
    else:
        dt.initialize()
    return dt


def words(text: str) -> list[str]:
    """``text`` cut by jieba's dictionary alone (no HMM guesses for unknown words).

    ``jieba.lcut(text, HMM=False)`` on the dictionary the tags come from
    (``jieba.posseg.dt.tokenizer`` is ``jieba.dt``), as :func:`plancompare.wordcut.cut_plain`
    re-runs it; target extraction cuts the same phrases several times, so cuts are cached.
    """
    return list(_words(text))


@lru_cache(maxsize=100_000)
def _words(text: str) -> tuple[str, ...]:
    _tokenizer()
    return tuple(wordcut.cut_plain(text))


def tag(word: str) -> str:
    """jieba's dictionary part-of-speech tag of ``word`` (``""`` when it is not in the dictionary)."""
    return _tokenizer().word_tag_tab.get(word, "")


def is_verb(word: str) -> bool:
    """A word of two or more characters that the dictionary tags as a plain verb (``v``, not ``vn``)."""
    return len(word) >= 2 and tag(word) == "v"


def has_noun(text: str) -> bool:
    """Whether any dictionary word of ``text`` is tagged as a noun (``n``, ``nr``, ``ns``, ``nz`` …)."""
    return any(tag(w).startswith("n") for w in words(text))
