# ruff: noqa  (a record of how batch 6 was sampled, kept as it was run)
"""Seeded sampling of fresh sentences for blind target labelling (batch 6, split heldout6).

Run:  /work/main/.venv/bin/python /work/scratch/fresh6/sample.py
Writes /work/scratch/fresh6/sampled.yaml (documents and sentences, no labels).
Reads only the corpus, the source lists of the label files, tests/data/eval/docs.yaml and the
theme keyword data file (plancompare/data/themes.yaml); nothing from the extractor is imported.
"""
import glob
import os
import random
import re

import yaml

SEED = 20261203
CORPUS = "/work/shared/corpus/gov-work-reports-2022-2024"
ATTR = "/work/wt-targets/tests/data/labels/targets_attribution.yaml"
TARGETS = "/work/main/tests/data/labels/targets.yaml"
DOCS = "/work/main/tests/data/eval/docs.yaml"
THEMES = "/work/main/plancompare/data/themes.yaml"
OUT = "/work/scratch/fresh6/sampled.yaml"

# regions already used in batch 5 (matched as a substring of the place folder name)
BATCH5_REGIONS = ["双鸭山", "玉溪", "广元", "上饶", "衡水", "南通", "湘潭", "固原",
                  "湖北", "山西", "云南", "广西", "贵阳", "长沙", "佛山", "泉州"]

# --- documents already used -------------------------------------------------------------
used = set()
for line in open(ATTR, encoding="utf-8"):
    m = re.match(r"\s*-?\s*source:\s*corpus/(\S+)", line)
    if m:
        used.add(m.group(1))
for line in open(TARGETS, encoding="utf-8"):
    # targets.yaml names its corpus documents `seed: corpus/<place>/<year>` (no folder);
    # a `source: corpus/...` form is accepted too
    m = re.match(r"\s*-?\s*(?:seed|source):\s*\"?corpus/(\S+?)\"?\s*$", line)
    if m:
        ref = m.group(1)
        if ref.endswith(".md"):
            used.add(ref)
        else:
            place, year = ref.rsplit("/", 1)
            for p in glob.glob(f"{CORPUS}/*/{place}/{year}.md"):
                used.add(os.path.relpath(p, CORPUS))
for d in yaml.safe_load(open(DOCS, encoding="utf-8"))["docs"]:
    p = d["path"]
    if "gov-work-reports-2022-2024/" in p:
        used.add(p.split("gov-work-reports-2022-2024/", 1)[1])


def eligible(pattern):
    files = sorted(os.path.relpath(p, CORPUS) for p in glob.glob(f"{CORPUS}/{pattern}"))
    out = []
    for f in files:
        place = f.split("/")[1]
        if f in used or any(r in place for r in BATCH5_REGIONS):
            continue
        out.append(f)
    return out


rng = random.Random(SEED)
docs = []
pools = {}
for pattern, k in [("政府工作报告-其他地市/*/2022.md", 8),
                   ("政府工作报告-省自治区/*/2024.md", 4),
                   ("政府工作报告-主要城市/*/2023.md", 4)]:
    el = eligible(pattern)
    pools[pattern] = len(el)
    docs += rng.sample(el, k)

# --- theme keywords ---------------------------------------------------------------------
themes = yaml.safe_load(open(THEMES, encoding="utf-8"))
keywords = sorted({k for t in themes for k in t["keywords"]}, key=len, reverse=True)

SPLIT = re.compile(r"[^。！？；\n]+[。！？；]?")          # sentence = run up to and incl. 。！？； or a line break
FIGURE = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")  # an Arabic-numeral figure (half- or full-width)

out = []
for doc in docs:
    text = open(f"{CORPUS}/{doc}", encoding="utf-8").read()
    cands = []
    for m in SPLIT.finditer(text):
        s = m.group(0).strip()
        if not s:
            continue
        figs = FIGURE.findall(s)
        if not figs or len(figs) > 6 or len(s) > 250:
            continue
        if not any(k in s for k in keywords):
            continue
        cands.append(s)
    picked = sorted(rng.sample(range(len(cands)), min(5, len(cands))))
    out.append({"source": f"corpus/{doc}", "candidates": len(cands),
                "sentences": [cands[i] for i in picked]})

if __name__ == "__main__":
    yaml.safe_dump(out, open(OUT, "w", encoding="utf-8"), allow_unicode=True,
                   sort_keys=False, width=1000)
    for p, n in pools.items():
        print("pool", p, n)
    for d in out:
        print(d["source"], d["candidates"], len(d["sentences"]))
