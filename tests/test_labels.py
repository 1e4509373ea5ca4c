"""Unique plan labels and one-kind timelines when health plans and work reports share a region."""

from __future__ import annotations

import pytest
from conftest import SZ2022, SZ2025, seed_path
from neutral import neutral_copy

from plancompare.load import load_plan
from plancompare.planset import PlanSet
from plancompare.timeline import timeline_groups, timeline_plans


@pytest.fixture()
def mixed(tmp_path):
    """Shenzhen's 2022 and 2025 health plans (seeds) and its 2022–2024 work reports under neutral names."""
    reports = [
        load_plan(neutral_copy(f"主要城市/深圳市/{y}", tmp_path, name=f"report-{i:03d}"))
        for i, y in enumerate((2022, 2023, 2024), 1)
    ]
    return [load_plan(seed_path(SZ2022)), load_plan(seed_path(SZ2025)), *reports]


def test_labels_unique_with_document_type(mixed):
    ps = PlanSet(mixed, cache_dir=False)
    labels = [p.label for p in ps]
    assert len(set(labels)) == len(labels)
    assert labels[0] == "深圳市 2022 工作要点"
    assert labels[2] == "深圳市 2022 政府工作报告"
    assert labels[1] == "深圳市 2025" and labels[3] == "深圳市 2023"  # no collision, short label
    assert ps["深圳市 2022 政府工作报告"].id == "report-001"
    with pytest.raises(KeyError, match="ambiguous.*工作要点.*政府工作报告"):
        ps["深圳市 2022"]
    assert ps["深圳市 2025"].id == SZ2025


def test_same_type_collision_falls_back_to_id(tmp_path):
    a = load_plan(neutral_copy("主要城市/深圳市/2023", tmp_path, name="report-001"))
    b = load_plan(neutral_copy("主要城市/深圳市/2023", tmp_path, name="report-002"))
    ps = PlanSet([a, b], cache_dir=False)
    assert [p.label for p in ps] == [
        "深圳市 2023 政府工作报告 (report-001)",
        "深圳市 2023 政府工作报告 (report-002)",
    ]


def test_timeline_compares_one_kind(mixed, caplog):
    caplog.set_level("INFO", logger="plancompare.timeline")
    chosen = timeline_plans(mixed, "深圳市")
    assert [(p.year, p.doc_type) for p in chosen] == [
        (2022, "政府工作报告"),
        (2023, "政府工作报告"),
        (2024, "政府工作报告"),
    ]
    assert "left out" in caplog.text
    health = timeline_plans(mixed, "深圳市", "plan")
    assert [(p.year, p.doc_type) for p in health] == [(2022, "工作要点"), (2025, "工作要点")]
    assert len(timeline_plans(mixed, "深圳市", "all")) == 5
    groups = timeline_groups(mixed)
    assert sorted(groups) == [("深圳市", "plan"), ("深圳市", "政府工作报告")]
