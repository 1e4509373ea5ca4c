"""The text evaluation quotes are taken from: the file as UTF-8 (GB18030 if that
fails), pinyin glosses such as 醫(yī) removed, Traditional converted to Simplified
with OpenCC t2s. Quotes in labels/*.yaml are exact substrings of this text.

    python tests/data/eval/normalize.py OUT_DIR   # writes OUT_DIR/doc-XX.txt for every document
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import opencc
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def normalized_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    return opencc.OpenCC("t2s").convert(_GLOSS.sub("", text))


def documents() -> list[dict]:
    return yaml.safe_load((HERE / "docs.yaml").read_text(encoding="utf-8"))["docs"]


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for d in documents():
        (out / f"{d['id']}.txt").write_text(normalized_text(ROOT / d["path"]), encoding="utf-8")
