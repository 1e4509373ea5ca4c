"""Real corpus reports under neutral file names, as a user's downloads would be named."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import CORPUS

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def corpus_path(rel: str) -> Path:
    """``"其他地市/芜湖市/2023"`` → the corpus file (skips the test when the corpus is absent)."""
    import pytest

    kind, _, rest = rel.partition("/")
    path = CORPUS / f"政府工作报告-{kind}" / f"{rest}.md"
    if not path.is_file():
        pytest.skip(f"corpus file {path} not available")
    return path


def neutral_copy(
    rel: str, tmp: Path, *, front_matter: bool = True, name: str = "report-017", suffix: str = ".md"
) -> Path:
    """Copy a corpus report to ``tmp/report-017.md``, optionally without its YAML front matter."""
    text = corpus_path(rel).read_text(encoding="utf-8")
    if not front_matter:
        text = FRONT_MATTER.sub("", text)
    dst = tmp / f"{name}{suffix}"
    dst.write_text(text, encoding="utf-8")
    return dst
