# ruff: noqa  (a record of how batch 9 was sampled, kept as it was run)
"""Seeded sampling of fresh sentences for blind target labelling (batch 9, split heldout9).

Run:  /work/main/.venv/bin/python /work/scratch/fresh9/sample.py
Writes /work/scratch/fresh9/sampled.yaml (documents and sentences, no labels).
Reads only the corpus, the source lists of the label files, tests/data/eval/docs.yaml and the
theme keyword data file (plancompare/data/themes.yaml); nothing from the extractor is imported.
"""
import glob
import os
import random
import re

import yaml

SEED = 20261206
CORPUS = "/work/shared/corpus/gov-work-reports-2022-2024"
ATTR = "/work/main/tests/data/labels/targets_attribution.yaml"
TARGETS = "/work/main/tests/data/labels/targets.yaml"
DOCS = "/work/main/tests/data/eval/docs.yaml"
THEMES = "/work/main/plancompare/data/themes.yaml"
OUT = "/work/scratch/fresh9/sampled.yaml"

# --- documents already used, and regions of batches 5, 6, 7 and 8 -------------------------------
used = set()
regions = set()          # place folder names of batch 5, 6, 7 and 8 sources
cur_source = None
for line in open(ATTR, encoding="utf-8"):
    m = re.match(r"\s*-?\s*source:\s*corpus/(\S+)", line)
    if m:
        used.add(m.group(1))
        cur_source = m.group(1)
        continue
    m = re.match(r"\s*batch:\s*(\d+)", line)
    if m and m.group(1) in ("5", "6", "7", "8") and cur_source:
        regions.add(cur_source.split("/")[1])
for line in open(TARGETS, encoding="utf-8"):
    # targets.yaml names its corpus documents `seed: corpus/<place>/<year>` (no folder)
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


def stem(place):
    """湖北省 -> 湖北, 凉山彝族自治州 -> 凉山彝族, 延边朝鲜族自治州 -> 延边朝鲜族."""
    for suf in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "自治州", "省", "市"):
        if place.endswith(suf):
            return place[: -len(suf)]
    return place


REGION_STEMS = sorted({stem(r) for r in regions})


def eligible(patterns):
    files = sorted({os.path.relpath(p, CORPUS) for pat in patterns
                    for p in glob.glob(f"{CORPUS}/{pat}")})
    out = []
    for f in files:
        place = f.split("/")[1]
        if f in used or any(r in place for r in REGION_STEMS):
            continue
        out.append(f)
    return out


rng = random.Random(SEED)
docs = []
pools = {}
for patterns, k in [(["政府工作报告-其他地市/*/2023.md"], 6),
                    (["政府工作报告-其他地市/*/2022.md"], 6),
                    (["政府工作报告-省自治区/*/2024.md"], 2),
                    (["政府工作报告-主要城市/*/2024.md"], 2)]:
    el = eligible(patterns)
    pools[" + ".join(patterns)] = len(el)
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
    print("excluded region stems:", " ".join(REGION_STEMS))
    print("used documents:", len(used))
    for p, n in pools.items():
        print("pool", p, n)
    for d in out:
        print(d["source"], d["candidates"], len(d["sentences"]))
