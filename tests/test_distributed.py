"""Cache misses embedded on an executor (Dask LocalCluster, thread pool): same vectors, same coverage."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import LONGGANG, XIANGAN, seed_path
from report_shared import HashEmbedder

from plancompare.cache import EmbeddingCache
from plancompare.embed import encode_texts, prepare_text
from plancompare.errors import EmbeddingBackendError
from plancompare.planset import load_plans


def _sentences() -> list[str]:
    text = seed_path(XIANGAN).read_text("utf-8")
    return [s for s in text.replace("。", "。\n").splitlines() if s.strip()]


def test_executor_gives_the_local_vectors_and_only_the_driver_writes_the_cache(tmp_path):
    texts = _sentences()
    emb = HashEmbedder()
    local = encode_texts(emb, texts, batch_size=8)
    cache = EmbeddingCache(tmp_path / "c")
    with ThreadPoolExecutor(2) as ex:
        remote = encode_texts(emb, texts, batch_size=8, cache=cache, executor=ex)
    assert np.array_equal(local, remote)
    unique = {prepare_text(t) for t in texts} - {""}
    assert cache.stats.writes == len(unique)
    # a second run finds everything in the cache and sends nothing out
    with ThreadPoolExecutor(1) as ex:
        submitted = []
        orig = ex.submit
        ex.submit = lambda *a, **k: submitted.append(a) or orig(*a, **k)  # type: ignore[method-assign]
        again = encode_texts(emb, texts, batch_size=8, cache=cache, executor=ex)
    assert submitted == [] and np.array_equal(again, local)


def test_a_failing_worker_is_one_error_naming_the_backend():
    class Broken:
        def submit(self, fn, *args):
            raise_in = ThreadPoolExecutor(1)
            return raise_in.submit(lambda: 1 / 0)

    with pytest.raises(EmbeddingBackendError, match="test-hash"):
        encode_texts(HashEmbedder(), ["推进托育服务"], executor=Broken())


@pytest.mark.slow
def test_dask_local_cluster_gives_the_coverage_of_a_local_run(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    files = [seed_path(LONGGANG), seed_path(XIANGAN)]
    local = load_plans(files, cache_dir=tmp_path / "local", show_progress=False)
    local_cov = local.coverage()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as tasks,
    ):
        remote = load_plans(files, cache_dir=tmp_path / "dask", executor=client, show_progress=False)
        remote_cov = remote.coverage()
        written = remote.cache.stats.writes
        # section texts are not in the cache yet: they go to the cluster too
        texts = [p.subtree_text(s.id) for p in local for s in local.match_sections(p)][:20]
        remote_sections = remote.encode(texts)
    ran = [t for t in tasks.data if str(t["key"]).startswith("encode_batches")]
    assert ran, "no embedding task ran on the cluster"
    assert remote_cov.to_dict() == local_cov.to_dict()
    # the driver wrote every vector the workers computed, and they are the local ones
    assert written == local.cache.stats.writes > 0
    assert np.array_equal(remote_sections, local.encode(texts))


def test_a_big_cold_call_stores_slice_by_slice_and_keeps_work_when_interrupted(tmp_path, monkeypatch):
    import plancompare.embed as embed_mod

    monkeypatch.setattr(embed_mod, "SLICE", 5)
    texts = [f"第{i}项工作任务" for i in range(12)]

    class FailsLate(HashEmbedder):
        calls = 0

        def encode(self, batch, *, kind="passage"):
            FailsLate.calls += 1
            if FailsLate.calls == 3:
                raise RuntimeError("worker lost")
            return super().encode(batch, kind=kind)

    cache = EmbeddingCache(tmp_path / "c")
    with pytest.raises(RuntimeError, match="worker lost"):
        encode_texts(FailsLate(), texts, cache=cache, batch_size=5)
    assert cache.stats.writes == 10  # the two finished slices are on disk
    rows = encode_texts(HashEmbedder(), texts, cache=cache)
    assert cache.stats.hits == 10 and np.array_equal(rows, encode_texts(HashEmbedder(), texts))


@pytest.mark.slow
def test_cli_dask_option_prints_the_local_table(tmp_path, monkeypatch):
    import shutil

    from typer.testing import CliRunner

    from plancompare.cli import app

    distributed = pytest.importorskip("dask.distributed")
    monkeypatch.setenv("PLANCOMPARE_PLAIN", "1")
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(seed_path(XIANGAN), tmp_path / "a" / "b")
    runner = CliRunner()
    local = runner.invoke(app, ["coverage", str(tmp_path), "-r"])  # the default cache, as seed_planset
    assert local.exit_code == 0, local.output
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        # --no-cache: every sentence goes to the cluster
        remote = runner.invoke(
            app, ["coverage", str(tmp_path), "-r", "--no-cache", "--dask", cluster.scheduler_address]
        )
    assert remote.exit_code == 0, remote.output
    assert remote.output == local.output and "厦门市翔安区 2024" in local.output
