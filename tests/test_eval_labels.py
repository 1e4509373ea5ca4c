"""The evaluation set for user themes (tests/data/eval) is well-formed and matches its README."""

from __future__ import annotations

import sys

import pytest
import yaml
from conftest import CORPUS, DATA, ROOT

EVAL = DATA / "eval"
sys.path.insert(0, str(EVAL))
from normalize import documents, normalized_text  # noqa: E402

THEMES = yaml.safe_load((EVAL / "themes.yaml").read_text(encoding="utf-8"))["themes"]


def test_theme_set_is_as_the_issue_asks():
    names = [t["name"] for t in THEMES]
    assert len(names) == len(set(names)) >= 40
    assert sum(not t["builtin"] for t in THEMES) >= len(THEMES) / 2
    assert sum(t["domain"] == "other" for t in THEMES) >= len(THEMES) / 3
    assert all(t["description"] and "keywords" not in t for t in THEMES)


def test_documents_span_seeds_and_reports():
    docs = documents()
    assert len(docs) >= 30
    assert sum(d["path"].startswith("seeds/") for d in docs) == 5
    assert sum("corpus" in d["path"] for d in docs) >= 25


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
@pytest.mark.parametrize("doc", documents(), ids=lambda d: d["id"])
def test_labels_are_complete_and_quotes_exact(doc):
    cells = yaml.safe_load((EVAL / "labels" / f"{doc['id']}.yaml").read_text(encoding="utf-8"))["cells"]
    assert list(cells) == [t["name"] for t in THEMES]
    text = normalized_text(ROOT / doc["path"])
    for name, c in cells.items():
        assert c["level"] in (0, 1, 2), name
        if c["level"]:
            q = c["quote"]
            assert 8 <= len(q) <= 120 and q in text and "?" not in q, (name, q)
        else:
            assert not c.get("quote"), name


def test_second_labeller_agreement_recorded():
    check = yaml.safe_load((EVAL / "check.yaml").read_text(encoding="utf-8"))
    assert len(check["cells"]) >= 100
