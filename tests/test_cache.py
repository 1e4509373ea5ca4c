"""The on-disk embedding cache: round trip, isolation per backend, damage and permission handling."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from conftest import LONGGANG, seed_path

from plancompare.cache import EmbeddingCache, default_cache_dir
from plancompare.embed import cache_key, encode_texts, prepare_text
from plancompare.load import load_plan


class CountingEmbedder:
    """Fake backend: vector from the text's characters; counts texts it embeds."""

    name = "fake-count"
    dim = 8
    max_chars = 200

    def __init__(self) -> None:
        self.n = 0

    def encode(self, texts, *, kind="passage"):
        self.n += len(texts)
        m = np.array([[len(t) + 1.0] + [ord(c) % 97 for c in (t + "xxxxxxx")[:7]] for t in texts], np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)


def _vecs(n: int, dim: int = 8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {f"{i:064x}": rng.standard_normal(dim).astype(np.float32) for i in range(n)}


@pytest.fixture(scope="module")
def longgang_sections() -> list[str]:
    return [s.text for s in load_plan(seed_path(LONGGANG)).sections]


def test_round_trip_and_stats(tmp_path):
    cache = EmbeddingCache(tmp_path)
    items = _vecs(3)
    cache.put_many("use-m3", items)
    keys = [*items, "f" * 64]
    got = cache.get_many("use-m3", keys)
    assert set(got) == set(items)
    for k, v in items.items():
        np.testing.assert_array_equal(got[k], v)
        assert got[k].dtype == np.float32
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (3, 1, 3)
    assert cache.count("use-m3") == 3


def test_get_into_writes_found_rows_only(tmp_path):
    cache = EmbeddingCache(tmp_path)
    items = _vecs(3)
    cache.put_many("use-m3", items)
    cache.put_many("use-m3", {"e" * 64: np.ones(4, np.float32)})  # another length: a miss here
    keys = [*items, "e" * 64, "f" * 64]
    dim = next(iter(items.values())).size
    out = np.zeros((7, dim), np.float32)
    rows = [6, 0, 3, 1, 2]
    found = cache.get_into("use-m3", keys, out, rows)
    assert found == set(items)
    for k, r in zip(keys[:3], rows, strict=False):
        np.testing.assert_array_equal(out[r], items[k])
    assert not out[[1, 2, 4, 5]].any()
    assert (cache.stats.hits, cache.stats.misses) == (3, 2)
    with pytest.raises(ValueError):
        cache.get_into("use-m3", keys[:1], np.zeros((2, dim)), [0])  # float64


def test_backends_are_kept_apart_in_their_own_files(tmp_path):
    cache = EmbeddingCache(tmp_path)
    items = _vecs(2)
    cache.put_many("st:/models/a", items)
    assert cache.get_many("st_/models/a", list(items)) == {}
    assert cache.path_for("st:/models/a") != cache.path_for("st_/models/a")
    assert cache.path_for("use-m3").parent == tmp_path and cache.path_for("use-m3").name.startswith("use-m3-")
    cache.clear("st:/models/a")
    assert cache.get_many("st:/models/a", list(items)) == {}


def test_default_dir_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PLANCOMPARE_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    assert EmbeddingCache().directory == tmp_path / "c"
    monkeypatch.delenv("PLANCOMPARE_CACHE")
    assert default_cache_dir().parts[-2:] == (".cache", "plancompare")


def test_second_run_over_seed_sections_embeds_nothing(tmp_path, longgang_sections):
    fake = CountingEmbedder()
    first = encode_texts(fake, longgang_sections, cache=EmbeddingCache(tmp_path))
    unique = {prepare_text(t) for t in longgang_sections} - {""}
    assert fake.n >= len(unique)
    before = fake.n
    cache = EmbeddingCache(tmp_path)
    second = encode_texts(fake, longgang_sections, cache=cache)
    assert fake.n == before
    assert cache.stats.misses == 0 and cache.stats.hits == len(unique)
    np.testing.assert_array_equal(first, second)


def test_corrupt_file_is_reported_treated_as_miss_and_rewritten(tmp_path, longgang_sections):
    texts = longgang_sections[:5]
    fake = CountingEmbedder()
    cache = EmbeddingCache(tmp_path)
    expected = encode_texts(fake, texts, cache=cache)
    cache.close()
    path = cache.path_for(fake.name)
    path.write_bytes(b"this is not a sqlite database" * 100)

    cache = EmbeddingCache(tmp_path)
    n = fake.n
    with pytest.warns(UserWarning, match=str(path.name)):
        again = encode_texts(fake, texts, cache=cache)
    assert fake.n > n  # everything was a miss
    np.testing.assert_array_equal(again, expected)
    assert path.with_name(path.name + ".corrupt").exists()
    # rewritten: a third run hits
    n = fake.n
    encode_texts(fake, texts, cache=EmbeddingCache(tmp_path))
    assert fake.n == n


def test_damaged_row_is_a_miss(tmp_path):
    cache = EmbeddingCache(tmp_path)
    items = _vecs(2)
    cache.put_many("x", items)
    k0 = next(iter(items))
    conn = cache._conn("x")
    conn.execute("UPDATE emb SET vec = ? WHERE key = ?", (b"\x00\x01\x02", k0))
    got = cache.get_many("x", list(items))
    assert k0 not in got and len(got) == 1


def test_unwritable_directory_warns_once_and_continues(tmp_path, longgang_sections):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    cache = EmbeddingCache(blocker / "cache")  # cannot be created even as root
    fake = CountingEmbedder()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a = encode_texts(fake, longgang_sections[:4], cache=cache)
        b = encode_texts(fake, longgang_sections[:4], cache=cache)
    msgs = [str(w.message) for w in caught if "cache" in str(w.message)]
    assert len(msgs) == 1 and str(blocker / "cache") in msgs[0]
    assert cache.disabled
    np.testing.assert_array_equal(a, b)
    assert cache.get_many("fake-count", ["0" * 64]) == {}


def test_concurrent_writers_do_not_lose_rows(tmp_path):
    fake = CountingEmbedder()
    texts = [f"第{i}项：推进托育服务体系建设" for i in range(200)]
    errors: list[BaseException] = []

    def run(part: list[str]) -> None:
        try:
            encode_texts(fake, part, cache=EmbeddingCache(tmp_path))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(texts[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    cache = EmbeddingCache(tmp_path)
    keys = [cache_key(fake, prepare_text(t)) for t in texts]
    assert len(cache.get_many(fake.name, keys)) == 200


def test_one_cache_object_shared_by_threads(tmp_path):
    cache = EmbeddingCache(tmp_path)
    items = _vecs(40)
    keys = list(items)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            cache.put_many("shared", {k: items[k] for k in keys[i::4]})
            cache.get_many("shared", keys)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(cache.get_many("shared", keys)) == 40


def test_clear_all(tmp_path):
    cache = EmbeddingCache(tmp_path)
    cache.put_many("a", _vecs(1))
    cache.put_many("b", _vecs(1))
    cache.clear()
    assert not list(tmp_path.glob("*.sqlite"))
    assert cache.get_many("a", list(_vecs(1))) == {}


def test_new_cache_files_use_8k_pages_so_vectors_pack_densely(tmp_path):
    cache = EmbeddingCache(tmp_path)
    rng = np.random.default_rng(0)
    cache.put_many("use-m3", {f"k{i}": rng.standard_normal(512).astype(np.float32) for i in range(300)})
    conn = cache._conn("use-m3")
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 8192
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages * 8192 < 300 * 2048 * 1.5  # 2 KiB vectors, three to a page (a 4 KiB page holds one)
