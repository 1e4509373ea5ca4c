"""Deterministic synthetic plan corpus built from real seed items and corpus paragraphs.

    python benchmarks/synth.py OUT_DIR --plans 100 [--sections 60] [--seed 0]

Each plan is a ``.txt`` file with a title line, a preamble and a valid outline
(``一、`` parts holding ``(一)`` items numbered across parts, as in the
Shenzhen plans). Its items are real text: items of the five seed plans and
paragraphs of a few government work reports, each perturbed — a sentence
dropped or two swapped, seed region names replaced by the plan's region,
years shifted to the plan's year, quantities scaled. Plan ``i`` depends only
on ``(seed, i, sections)``, so the first 10 plans of a 1,000-plan corpus are
the 10 plans of a 10-plan corpus.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from plancompare.clean import clean_text  # noqa: E402
from plancompare.outline import parse_outline  # noqa: E402
from plancompare.sentences import split_sentences  # noqa: E402

SEEDS = ROOT / "seeds"
CORPUS = next(
    (
        c / "corpus" / "gov-work-reports-2022-2024"
        for c in (Path(__file__).resolve().parents[2] / "shared", Path("/work/shared"))
        if (c / "corpus" / "gov-work-reports-2022-2024").is_dir()
    ),
    Path("/work/shared/corpus/gov-work-reports-2022-2024"),
)
YEARS = tuple(range(2019, 2027))
_SEED_PLACES = re.compile(
    "深圳市龙岗区|深圳市|深圳|龙岗区|龙岗|东莞市|东莞|厦门市翔安区|厦门市|厦门|翔安区|翔安|全市|全区"
)
_YEAR = re.compile(r"(20[12]\d)(?=年)")
_QUANTITY = re.compile(r"(\d+(?:\.\d+)?)(?=\s*(?:%|个|万|亿|家|张|所|名|人|次|床|元|项|千|百|岁|户|支|台))")
_FALLBACK_REGIONS = ("北京市", "上海市", "广州市", "深圳市", "杭州市", "成都市", "武汉市", "西安市")
_PART_HEADINGS = (
    "优化完善医疗卫生服务体系",
    "深化医药卫生体制改革",
    "强化医学科技教育和人才队伍建设",
    "促进中医药传承创新发展",
    "提升公共卫生服务能力",
    "加强全生命周期健康服务",
    "推进健康城市建设",
    "加强党的建设和行业治理",
)


@dataclass(frozen=True)
class _Pool:
    items: tuple[str, ...]  # seed item bodies, one line each (lead phrase first)
    paragraphs: tuple[str, ...]  # corpus paragraphs
    part_headings: tuple[str, ...]
    regions: tuple[str, ...]


def _cn(n: int) -> str:
    """Chinese numeral for 1…999 as printed in outlines: 11 → 十一, 21 → 二十一, 105 → 一百零五."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    rest = n % 100
    tail = (
        ""
        if not rest
        else ("零" + digits[rest] if rest < 10 else "一" + _cn(rest) if rest < 20 else _cn(rest))
    )
    return digits[n // 100] + "百" + tail


@lru_cache(maxsize=4)
def _pool(seeds_dir: Path, corpus_dir: Path, corpus_files: int) -> _Pool:
    items: list[str] = []
    paragraphs: list[str] = []
    headings: list[str] = []
    for f in sorted(seeds_dir.glob("*.txt")):
        cleaned = clean_text(f.read_text(encoding="utf-8", errors="replace"), path=f)
        sections, _ = parse_outline(cleaned.text, path=f)
        for k, s in enumerate(sections):
            if s.part == "review":
                continue
            if s.level == 1 and 4 <= len(s.heading) <= 24:
                headings.append(s.heading)
            elif s.level == 2:
                # the item with its sub-items: up to the next part or item
                end = next((t.span[0] for t in sections[k + 1 :] if t.level <= 2), len(cleaned.text))
                body = _one_line(cleaned.text[s.span[0] + len(s.number) : end].lstrip(" \t"))
                if len(body) >= 40 and "\ufffd" not in body:
                    items.append(body)
    regions: list[str] = []
    if corpus_dir.is_dir():
        files = sorted(corpus_dir.glob("*/*/*.md"))
        regions = sorted({f.parent.name for f in files})
        for f in files[:: max(1, len(files) // max(1, corpus_files))][:corpus_files]:
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                line = _one_line(line.replace("*", "").replace("#", ""))
                # substantive paragraphs only: long, sentence-final, not a heading
                if (
                    len(line) >= 80
                    and line.endswith("。")
                    and not re.match(r"^[(（]?[一二三四五六七八九十\d]", line)
                ):
                    paragraphs.append(line)
    return _Pool(
        tuple(items),
        tuple(paragraphs),
        tuple(headings) or _PART_HEADINGS,
        tuple(regions) or _FALLBACK_REGIONS,
    )


@lru_cache(maxsize=8)
def _combos(regions: tuple[str, ...], seed: int) -> list[tuple[str, int]]:
    """Region × year pairs in a seeded order, so the first plans never share both."""
    combos = [(r, y) for r in regions for y in YEARS]
    random.Random(seed).shuffle(combos)
    return combos


def _one_line(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _perturb(body: str, rng: random.Random, region: str, year: int) -> str:
    spans = split_sentences(body)
    sents = [body[a:b] for a, b in spans]
    if len(sents) >= 3 and rng.random() < 0.4:
        del sents[rng.randrange(1, len(sents))]  # keep the lead phrase: it is the item's heading
    if len(sents) >= 3 and rng.random() < 0.4:
        i = rng.randrange(1, len(sents) - 1)
        sents[i], sents[i + 1] = sents[i + 1], sents[i]
    text = "".join(s if s[-1] in "。;；!！?？" else s + "。" for s in sents)
    short = region.rstrip("市区县省")
    text = _SEED_PLACES.sub(lambda m: region if m.group().endswith(("市", "区")) else short, text)
    text = _YEAR.sub(lambda m: str(year + int(m.group(1)) - 2025), text)

    def scale(m: re.Match[str]) -> str:
        v = float(m.group(1)) * rng.uniform(0.6, 1.4)
        return f"{v:.1f}" if "." in m.group(1) else str(max(1, round(v)))

    return _QUANTITY.sub(scale, text)


def plan_text(i: int, *, sections: int = 60, seed: int = 0, pool: _Pool | None = None) -> str:
    """Text of synthetic plan ``i``: title, preamble, parts ``一、`` with items ``(一)``…

    >>> t = plan_text(0, sections=3)
    >>> t.splitlines()[0].endswith("卫生健康工作要点")
    True
    """
    pool = pool or _pool(SEEDS, CORPUS, 30)
    combos = _combos(pool.regions, seed)
    region, year = combos[i % len(combos)]
    rng = random.Random(f"{seed}:{i}:{sections}")
    n_parts = max(1, min(len(pool.part_headings), round(sections / 8)))
    headings = rng.sample(pool.part_headings, n_parts)
    # mostly health items, some general government paragraphs (as real plans mix both)
    bodies = [
        _perturb(
            rng.choice(pool.items if rng.random() < 0.7 or not pool.paragraphs else pool.paragraphs),
            rng,
            region,
            year,
        )
        for _ in range(sections)
    ]
    lines = [
        f"{region}{year}年卫生健康工作要点",
        "",
        f"{year}年全{region[-1]}卫生健康工作的总体要求是:坚持以人民健康为中心,推动卫生健康事业高质量发展。",
        "",
    ]
    cuts = sorted(rng.sample(range(1, sections), n_parts - 1)) if sections > n_parts else []
    bounds = [0, *cuts, sections]
    for p in range(n_parts):
        lines.append(f"{_cn(p + 1)}、{headings[p]}")
        for k in range(bounds[p], bounds[p + 1]):
            lines.append(f"({_cn(k + 1)}){bodies[k]}")
        lines.append("")
    return "\n".join(lines)


def build_corpus(
    out_dir: str | Path,
    n_plans: int,
    *,
    sections: int = 60,
    seed: int = 0,
    seeds_dir: str | Path = SEEDS,
    corpus_dir: str | Path = CORPUS,
    corpus_files: int = 30,
) -> list[Path]:
    """Write ``n_plans`` synthetic plans as ``plan_00000.txt``… into ``out_dir``; return their paths.

    Files already present with the same content are left untouched (so a
    warm embedding cache stays warm).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pool = _pool(Path(seeds_dir), Path(corpus_dir), corpus_files)
    paths = []
    for i in range(n_plans):
        path = out / f"plan_{i:05d}.txt"
        text = plan_text(i, sections=sections, seed=seed, pool=pool)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--plans", type=int, default=10)
    ap.add_argument("--sections", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    paths = build_corpus(args.out_dir, args.plans, sections=args.sections, seed=args.seed)
    print(f"wrote {len(paths)} plans to {args.out_dir}")


if __name__ == "__main__":
    main()
