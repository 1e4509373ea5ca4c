"""plancompare.wordcut gives jieba's own words (it re-runs jieba's algorithm faster)."""

from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from plancompare import wordcut
from plancompare.background import sentences
from plancompare.terms import on_boundary

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
ODD = [
    "AI+医疗\r\n数字化 转型 abc12 x y",
    "a\r\nb 中医院",
    "  中医",
    "𠀀中医𠀀院",
    "5G+医疗健康",
    "H7N9禽流感和COVID-19",
    "ＡＩ辅助诊断、DRG/DIP付费",
    "",
]


def _texts() -> list[str]:
    lines = [ln for f in sorted(SEEDS.glob("*.txt")) for ln in f.read_text(encoding="utf-8").splitlines()]
    return [ln for ln in lines if ln.strip()] + list(sentences()[:1500]) + ODD


@pytest.fixture(scope="module")
def texts() -> list[str]:
    jieba.initialize()
    return _texts()


def test_cut_is_jieba_lcut_with_hmm(texts):
    assert [wordcut.cut(t) for t in texts] == [jieba.lcut(t, HMM=True) for t in texts]


def test_cut_plain_is_jieba_lcut_without_hmm(texts):
    assert [wordcut.cut_plain(t) for t in texts] == [jieba.lcut(t, HMM=False) for t in texts]


def test_block_bounds_are_jieba_tokenize_without_hmm(texts):
    for t in texts:
        a = 0
        for blk in jieba.re_han_default.split(t):
            if not blk:
                continue
            assert wordcut.block_at(t, a) == wordcut.block_at(t, a + len(blk) - 1) == (a, blk)
            starts, ends = {0}, {len(blk)}
            for _w, x, y in jieba.tokenize(blk, HMM=False):
                starts.add(x)
                ends.add(y)
            assert wordcut.block_bounds(blk) == (starts, ends), blk
            a += len(blk)


def test_on_boundary_matches_whole_sentence_tokenize(texts):
    # the boundary check reads one block at a time; the answer is the whole sentence's cut
    for t in texts[::5]:
        starts, ends = {0}, {len(t)}
        for _w, x, y in jieba.tokenize(t, HMM=False):
            starts.add(x)
            ends.add(y)
        for i in range(len(t)):
            if t[i].isascii() and t[i].isalpha():
                continue  # Latin terms are checked by their neighbours, not by jieba
            for j in range(i + 1, min(len(t), i + 5) + 1):
                assert on_boundary(t, i, j) == (i in starts)
                assert on_boundary(t, i, j, whole=True) == (i in starts and j in ends)
