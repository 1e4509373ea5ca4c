"""Build plancompare/data/background.txt.gz: a fixed sample of sentences from real
government work reports, the background that theme scores are measured against
(how close does a theme come to ordinary plan sentences?) and that tells generic
words from specific ones (how often a term occurs in ordinary sentences).

Documents of the evaluation set (tests/data/eval/docs.yaml) are left out, so no
labelled document feeds the background. Deterministic: same corpus, same file.

    python scripts/make_background.py [CORPUS_DIR]
"""

from __future__ import annotations

import gzip
import random
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plancompare.sentences import split_sentences  # noqa: E402

N = 4000


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus"
    docs = yaml.safe_load((ROOT / "tests/data/eval/docs.yaml").read_text(encoding="utf-8"))["docs"]
    held_out = {(ROOT / d["path"]).resolve() for d in docs}
    sents: list[str] = []
    files = sorted(p for p in corpus.rglob("*.md") if p.resolve() not in held_out)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for a, b in split_sentences(text):
            s = re.sub(r"\s+", "", text[a:b]).strip("#*>-")
            if 12 <= len(s) <= 200 and sum("\u4e00" <= c <= "\u9fff" for c in s) >= 10 and "\ufffd" not in s:
                sents.append(s)
    rng = random.Random(20261202)
    sample = rng.sample(sorted(set(sents)), N)
    out = ROOT / "plancompare/data/background.txt.gz"
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        f.write("\n".join(sample).encode("utf-8"))
    print(f"{len(files)} files, {len(sents)} sentences, sampled {N} -> {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
