"""Bad input gives a clear error or warning naming the file, and the rest of a run survives.

Complements the per-module tests: every case goes through the public entry
points (``load_plan``, ``load_plans``, ``load_themes``, the embedding cache)
on files written to ``tmp_path``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import SZ2022, SZ2025, seed_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plancompare.errors import PlanLoadError, ThemeFileError
from plancompare.load import load_many, load_plan
from plancompare.planset import load_plans
from plancompare.themes import load_themes


def _seed_text(stem: str = SZ2025) -> str:
    return seed_path(stem).read_text(encoding="utf-8")


def _covers_exactly(plan) -> None:
    """Sections' spans cover plan.text exactly once, in order, and agree with their text."""
    pos = 0
    for s in plan.sections:
        assert s.span[0] == pos, (s.id, s.span, pos)
        assert s.span[1] >= s.span[0]
        assert plan.text[s.span[0] : s.span[1]] == s.text
        pos = s.span[1]
    assert pos == len(plan.text)


# --- single bad files ----------------------------------------------------------------------


def test_empty_file_fails_naming_the_file(tmp_path: Path) -> None:
    f = tmp_path / "empty.txt"
    f.write_bytes(b"")
    with pytest.raises(PlanLoadError, match=r"empty\.txt: empty"):
        load_plan(f)
    ws = tmp_path / "blank.txt"
    ws.write_text(" \n\t\n\u3000\n", encoding="utf-8")
    with pytest.raises(PlanLoadError, match=r"blank\.txt: .*empty"):
        load_plan(ws)


def test_binary_file_fails_naming_the_file(tmp_path: Path) -> None:
    f = tmp_path / "image.txt"
    f.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)))
    with pytest.raises(PlanLoadError, match=r"image\.txt: binary"):
        load_plan(f)


def test_truncated_utf8_keeps_the_text_and_warns(tmp_path: Path) -> None:
    raw = _seed_text().encode("utf-8")
    cut = len(raw) - 1
    while raw[cut] & 0xC0 == 0x80:  # step back onto a lead byte, then cut inside that character
        cut -= 1
    f = tmp_path / "truncated.txt"
    f.write_bytes(raw[: cut + 1])
    plan = load_plan(f)
    full = load_plan(seed_path(SZ2025))
    assert plan.encoding.startswith("utf")
    # everything but the cut character survives
    assert plan.text.rstrip("\ufffd \n").startswith(full.text.rstrip()[:-5])
    assert any(w.kind == "encoding" and "truncated.txt" in w.path for w in plan.warnings)
    _covers_exactly(plan)


def test_one_stray_byte_in_utf8_keeps_the_text_and_warns(tmp_path: Path) -> None:
    raw = _seed_text().encode("utf-8")
    cut = raw.index("。".encode()) + 3
    f = tmp_path / "stray.txt"
    f.write_bytes(raw[:cut] + b"\xff" + raw[cut:])
    plan = load_plan(f)
    full = load_plan(seed_path(SZ2025))
    assert plan.encoding.startswith("utf")
    assert plan.text.replace("\ufffd", "") == full.text
    assert any(w.kind == "encoding" and "stray.txt" in w.path for w in plan.warnings)


@pytest.mark.parametrize(("encoding", "script"), [("gbk", "s"), ("gb18030", "s"), ("big5", "t")])
def test_legacy_encodings_load_like_utf8(tmp_path: Path, encoding: str, script: str) -> None:
    text = _seed_text()
    if script == "t":
        from opencc import OpenCC

        text = OpenCC("s2t").convert(text)
    # keep only what the legacy encoding can represent
    text = "".join(ch for ch in text if _encodable(ch, encoding))
    ref = tmp_path / "utf8" / "plan.txt"
    leg = tmp_path / encoding / "plan.txt"
    for p, enc in ((ref, "utf-8"), (leg, encoding)):
        p.parent.mkdir()
        p.write_bytes(text.encode(enc))
    a, b = load_plan(ref), load_plan(leg)
    assert b.text == a.text
    assert b.display_text == a.display_text
    assert [s.id for s in b.sections] == [s.id for s in a.sections]
    assert (b.region, b.year) == ("深圳市", 2025)
    assert b.encoding.replace("_", "").replace("-", "").lower() in {
        "gb18030",
        "gbk",
        "big5",
        "big5hkscs",
        "cp950",
    }
    assert not [w for w in b.warnings if w.kind == "encoding"]


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def test_size_limit_just_under_loads_just_over_fails(tmp_path: Path) -> None:
    raw = _seed_text().encode("utf-8")
    limit = len(raw) + 10
    under = tmp_path / "under.txt"
    under.write_bytes(raw + b"\n" * 10)  # exactly the limit
    over = tmp_path / "over.txt"
    over.write_bytes(raw + b"\n" * 11)
    assert load_plan(under, max_bytes=limit).items
    with pytest.raises(PlanLoadError, match=r"over\.txt: file is .* larger than the limit"):
        load_plan(over, max_bytes=limit)
    plans, report = load_many([under, over], max_bytes=limit)
    assert [p.id for p in plans] == ["under"]
    assert "larger than the limit" in report.failed[str(over)]


@pytest.mark.slow
def test_a_50_mb_plan_loads(tmp_path: Path) -> None:
    body = _seed_text()
    f = tmp_path / "huge.txt"
    reps = 50 * 2**20 // len(body.encode("utf-8")) + 1
    f.write_text(body * reps, encoding="utf-8")
    assert f.stat().st_size >= 50 * 2**20
    plan = load_plan(f)
    assert len(plan.text) > 10_000_000
    _covers_exactly(plan)


def test_plan_without_numbering_becomes_paragraphs(tmp_path: Path) -> None:
    text = _seed_text()
    # strip every printed number at line starts
    flat = re.sub(r"(?m)^\s*(?:[(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)", "", text)
    f = tmp_path / "flat.txt"
    f.write_text(flat, encoding="utf-8")
    plan = load_plan(f)
    assert any(w.kind == "no-outline" and "flat.txt" in w.path for w in plan.warnings)
    assert plan.sections and all(s.id.startswith("p") for s in plan.sections)
    _covers_exactly(plan)


# --- directories with mixed files --------------------------------------------------------


def test_directory_with_bad_files_keeps_the_good_ones(tmp_path: Path) -> None:
    shutil.copy(seed_path(SZ2025), tmp_path / "good.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 512)
    (tmp_path / "bad.docx").write_bytes(b"PK not really a zip")
    with pytest.warns(UserWarning) as record:
        plans = load_plans(tmp_path)
    assert plans.ids == ["good"]
    failed = plans.load_report.failed
    assert set(failed) == {str(tmp_path / n) for n in ("empty.txt", "binary.txt", "bad.docx")}
    assert "empty" in failed[str(tmp_path / "empty.txt")]
    assert "binary" in failed[str(tmp_path / "binary.txt")]
    assert "docx" in failed[str(tmp_path / "bad.docx")]
    messages = " ".join(str(w.message) for w in record)
    for name in ("empty.txt", "binary.txt", "bad.docx"):
        assert name in messages


def test_identical_plans_second_skipped_with_duplicate_warning(tmp_path: Path) -> None:
    shutil.copy(seed_path(SZ2025), tmp_path / "a.txt")
    shutil.copy(seed_path(SZ2025), tmp_path / "b.txt")
    with pytest.warns(UserWarning, match=r"b\.txt: identical to .*a\.txt"):
        plans = load_plans(tmp_path)
    assert plans.ids == ["a"]
    dup = [w for w in plans.warnings if w.kind == "duplicate"]
    assert len(dup) == 1 and dup[0].path.endswith("b.txt")


def test_same_region_and_year_both_kept_with_warning(tmp_path: Path) -> None:
    text = _seed_text()
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text.replace("。", "。\n", 3), encoding="utf-8")  # same plan, edited
    with pytest.warns(UserWarning, match="same region and year"):
        plans = load_plans(tmp_path)
    assert plans.ids == ["a", "b"]
    same = [w for w in plans.warnings if w.kind == "same-region-year"]
    assert len(same) == 1 and same[0].path.endswith("b.txt") and "a.txt" in same[0].message


def test_traditional_and_simplified_copies_are_not_duplicates(tmp_path: Path) -> None:
    # different bytes → both kept, even though they read the same after conversion
    shutil.copy(seed_path(SZ2022), tmp_path / "trad.txt")
    shutil.copy(seed_path(SZ2025), tmp_path / "other.txt")
    plans = load_plans(tmp_path)
    assert sorted(plans.ids) == ["other", "trad"]


# --- themes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "line", "field", "words"),
    [
        (
            "- name: 托育\n  keywords: [托位]\n- name: 控烟\n  keyword: [戒烟]\n",
            4,
            "keyword",
            "unknown field",
        ),
        ("- name: 托育\n  keywords: 托位\n", 2, "keywords", "must be a list"),
        ("托育: 婴幼儿照护\n控烟: 无烟\n托育: 重复\n", 3, "theme name", "duplicate"),
        ("- name: 托育\n  keywords: [托位, 120]\n", 2, "keywords", "quote numbers"),
        ("- name: 托育\n  description: a: b\n- name: 控烟\n", 2, None, "invalid YAML"),
    ],
)
def test_theme_file_errors_give_line_and_field(
    tmp_path: Path, yaml_text: str, line: int, field: str | None, words: str
) -> None:
    f = tmp_path / "themes.yaml"
    f.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ThemeFileError) as e:
        load_themes(f)
    err = e.value
    assert err.path == str(f)
    assert words in str(err)
    assert str(err).startswith(f"{f}:")
    if line is not None and field != "theme name":
        assert err.line == line, str(err)
    if field and field != "theme name":
        assert err.field == field, str(err)


# --- embedding cache -------------------------------------------------------------------------


class _CountingEmbedder:
    """Deterministic tiny embedder that counts how many texts it really encodes."""

    name = "robustness-hash"
    dim = 16

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts, *args, **kwargs) -> np.ndarray:
        import zlib

        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for ch in t:
                out[i, zlib.crc32(ch.encode()) % self.dim] += 1.0
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(n == 0, 1, n)


def _cache_module():
    return pytest.importorskip("plancompare.cache"), pytest.importorskip("plancompare.embed")


TEXTS = ["推进托育服务体系建设。", "加强公共卫生应急能力。", "深化医药卫生体制改革。"]


def test_corrupt_cache_files_are_recomputed_not_fatal(tmp_path: Path) -> None:
    cache_mod, embed = _cache_module()
    emb = _CountingEmbedder()
    cache = cache_mod.EmbeddingCache(tmp_path / "cache")
    first = embed.encode_texts(emb, TEXTS, cache=cache)
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert files, "the cache wrote nothing to disk"
    for p in files:
        p.write_bytes(b"\x00garbage" * 3)
    emb2 = _CountingEmbedder()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        again = embed.encode_texts(emb2, TEXTS, cache=cache_mod.EmbeddingCache(tmp_path / "cache"))
    np.testing.assert_allclose(again, first, atol=1e-6)
    assert emb2.calls == len(TEXTS)  # recomputed from the model, not read back as garbage
    assert any("cache" in str(w.message).lower() for w in record), [str(w.message) for w in record]


def test_unwritable_cache_directory_still_embeds(tmp_path: Path) -> None:
    cache_mod, embed = _cache_module()
    # a cache "directory" below a regular file cannot be created, even by root
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x", encoding="utf-8")
    emb = _CountingEmbedder()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = embed.encode_texts(emb, TEXTS, cache=cache_mod.EmbeddingCache(blocker / "cache"))
    assert out.shape == (len(TEXTS), emb.dim)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert any(str(blocker) in str(w.message) for w in record), [str(w.message) for w in record]


# --- property: the outline never loses or duplicates text -----------------------------------

# Simplified characters only, none of which can form spam words or boilerplate markers.
_CJK = "卫生健康服务体系建设推进加强完善医疗公共疾病防控中医药人才改革基层能力提升妇幼老年托育监督管理智慧信息化科技创新"
_NUMS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "二十"]
_heading = st.one_of(
    st.sampled_from(_NUMS).map(lambda n: f"{n}、"),
    st.sampled_from(_NUMS).map(lambda n: f"({n})"),
    st.sampled_from(_NUMS).map(lambda n: f"（{n}）"),
    st.sampled_from(_NUMS[:5]).map(lambda n: f"第{n}章"),
    st.sampled_from(_NUMS[:5]).map(lambda n: f"第{n}部分"),
    st.integers(1, 30).map(lambda n: f"{n}."),
    st.integers(1, 30).map(lambda n: f"{n}、"),
    st.integers(1, 30).map(lambda n: f"({n})"),
    st.integers(1, 30).map(lambda n: f"（{n}）"),
    st.sampled_from(_NUMS[:5]).map(lambda n: f"第{n}条"),
)
_words = st.text(alphabet=_CJK, min_size=1, max_size=40)
_sentence = st.tuples(_words, st.sampled_from(["。", ",", "；", ":", "", "。"])).map("".join)
_indent = st.sampled_from(["", "", "  ", "\t", "\u3000\u3000", "    "])
_line = st.one_of(
    st.tuples(_indent, _heading, st.lists(_sentence, min_size=1, max_size=3).map("".join)).map("".join),
    st.tuples(_indent, st.lists(_sentence, min_size=1, max_size=4).map("".join)).map("".join),
    st.just(""),
)
_document = st.lists(_line, min_size=1, max_size=40).map("\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_document)
def test_outline_partitions_loaded_text(doc: str) -> None:
    if not any(ch in _CJK for ch in doc):
        doc += "\n推进卫生健康服务。"
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "generated.txt"
        f.write_text(doc, encoding="utf-8")
        plan = load_plan(f)
    _covers_exactly(plan)
    assert len(plan.display_text) == len(plan.text)
    ids = [s.id for s in plan.sections]
    assert len(ids) == len(set(ids)), ids
    # cleaning may change layout and punctuation width, never the words
    assert re.sub(f"[^{_CJK}]", "", plan.text) == re.sub(f"[^{_CJK}]", "", doc)
