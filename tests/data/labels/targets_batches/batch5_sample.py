# ruff: noqa  (a record of how batch 5 was sampled, kept as it was run)
"""Seeded sampling of fresh sentences for blind target labelling (batch 5).

Run:  /work/main/.venv/bin/python /work/scratch/fresh/sample.py
Writes /work/scratch/fresh/sampled.yaml (documents and sentences, no labels).
Uses only the corpus, the two label files' source lists, eval/docs.yaml and the
theme keyword data file; nothing from the extractor.
"""
import glob
import os
import random
import re

import yaml

SEED = 20261202
CORPUS = "/work/shared/corpus/gov-work-reports-2022-2024"
MAIN = "/work/main"
OUT = "/work/scratch/fresh/sampled.yaml"

# --- sources already used --------------------------------------------------
used = set()
for line in open(f"{MAIN}/tests/data/labels/targets_attribution.yaml", encoding="utf-8"):
    m = re.match(r"\s*-?\s*source:\s*(\S+)", line)
    if m and m.group(1).startswith("corpus/"):
        used.add(m.group(1)[len("corpus/"):])
# targets.yaml names its corpus docs as `seed: corpus/<place>/<year>`
for line in open(f"{MAIN}/tests/data/labels/targets.yaml", encoding="utf-8"):
    m = re.match(r"\s*-?\s*seed:\s*corpus/(\S+)/(\d{4})", line)
    if m:
        place, year = m.groups()
        for p in glob.glob(f"{CORPUS}/*/{place}/{year}.md"):
            used.add(os.path.relpath(p, CORPUS))
for d in yaml.safe_load(open(f"{MAIN}/tests/data/eval/docs.yaml", encoding="utf-8"))["docs"]:
    p = d["path"]
    if "gov-work-reports-2022-2024/" in p:
        used.add(p.split("gov-work-reports-2022-2024/")[1])


def eligible(pattern):
    files = sorted(os.path.relpath(p, CORPUS) for p in glob.glob(f"{CORPUS}/{pattern}"))
    return [f for f in files if f not in used]


rng = random.Random(SEED)
docs = []
for pattern, k in [("政府工作报告-其他地市/*/2024.md", 8),
                   ("政府工作报告-省自治区/*/2022.md", 4),
                   ("政府工作报告-主要城市/*/2022.md", 4)]:
    el = eligible(pattern)
    docs += rng.sample(el, k)

# --- theme keywords -------------------------------------------------------
themes = yaml.safe_load(open(f"{MAIN}/plancompare/data/themes.yaml", encoding="utf-8"))
keywords = sorted({k for t in themes for k in t["keywords"]}, key=len, reverse=True)

SPLIT = re.compile(r"[^。！？；\n]+[。！？；]?")
FIGURE = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")

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

yaml.safe_dump(out, open(OUT, "w", encoding="utf-8"), allow_unicode=True,
               sort_keys=False, width=1000)
for d in out:
    print(d["source"], d["candidates"], len(d["sentences"]))
