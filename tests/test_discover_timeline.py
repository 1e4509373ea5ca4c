"""Theme discovery and change over time on the seeds."""

from __future__ import annotations

import pytest

SZ2022, SZ2025 = "001_6566fb2897e425d6", "003_21384b622973756d"


def test_discovery_clusters_cover_sections_and_flag_partial(seed_planset):
    d = seed_planset.discover_themes()
    assert d.themes
    seen = [s for t in d.themes for s in t.sections]
    assert len(seen) == len(set(seen))  # a section is in one cluster only
    assert any(t.only_some for t in d.themes)
    assert all(t.words for t in d.themes)
    again = seed_planset.discover_themes()
    assert [t.label for t in again.themes] == [t.label for t in d.themes]
    tpc = d.topics_per_class()
    assert set(tpc.columns) == {"theme", "plan", "sections"}


def test_shenzhen_timeline(seed_planset):
    tl = seed_planset.timeline("深圳市")
    assert tl.plan_ids == [SZ2022, SZ2025]
    changes = {c.theme: c for c in tl.changes}
    assert changes, "Shenzhen 2022 → 2025 must show some change"
    # COVID-19 control was central in 2022 and is at most a passing mention in 2025
    covid = changes.get("新冠疫情防控")
    assert covid is not None and covid.before_level == "covered" and covid.after_level != "covered"
    for c in tl.changes:
        assert c.before_level != c.after_level


def test_subset_shares_backend_cache_and_thresholds(seed_planset):
    th = seed_planset.thresholds
    pair = seed_planset.subset(["深圳市 2025", "东莞市 2025"])
    assert [p.label for p in pair] == ["深圳市 2025", "东莞市 2025"]
    assert pair.thresholds is th and pair.embedder is seed_planset.embedder
    assert pair.cache is seed_planset.cache
    with pytest.raises(KeyError, match="no plan"):
        seed_planset.subset(["北京市 2030"])
