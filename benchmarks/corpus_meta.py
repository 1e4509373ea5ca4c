"""Metadata and outline accuracy on the real government work reports under neutral file names.

    python benchmarks/corpus_meta.py                      # all 646 reports, with and without front matter
    python benchmarks/corpus_meta.py --limit 100 --show 20  # a sample, listing 20 misses per measure

Every report of ``shared/corpus/gov-work-reports-2022-2024`` is copied to a
temporary folder as ``report-001.md`` … (so the folder layout cannot give the
answer away), once as found and once with its YAML front matter removed, and
loaded with :func:`plancompare.load.load_plan` (no embedding). The truth
comes from the real path ``…/REGION/YEAR.md``:

* **region** — the folder name; the State Council's reports (``政府工作报告-国务院``) are ``全国``.
* **year** — the file name's year: the year the report plans for, which is the
  year it is delivered (the few delivered in December count for the next year).
* **admin level** — ``national`` for the State Council, ``province`` for the
  provinces and autonomous regions, ``city`` for every other report
  (municipalities and autonomous prefectures included).
* **title** — the plan's title names a government work report (contains
  ``政府工作报告``, or ``工作报告`` with a region or year), does not name another
  region or year than the truth, and ``doc_type`` is ``政府工作报告``.
* **review + plan split** — judged on the raw Markdown, which still carries
  the bold marks the loader removes. The judge (independent of
  :mod:`plancompare.outline`) lists the report's top-level headings: lines
  numbered ``一、``, Markdown ``#`` headings, whole-line bold ``**…**``
  lines of at most 40 characters and plain standalone lines of at most 30
  characters without clause punctuation, that are not a title, delivery
  line, speaker line, salutation or glossary. A heading is a review heading
  when it names only years before the report's year (``2022年主要工作和成效``,
  ``攻坚奋斗的2022年``) or says 回顾 / 过去 / 成绩 / 成就 / 成效 / 取得 …
  without naming the report's year. The *expected plan heading* is the first
  heading after the first review heading that is of the same kind (numbered
  or unnumbered: under a bare ``2023年工作回顾`` the ``一、`` lines are items)
  and is not itself a review heading. A report passes when the
  parsed outline has a level-1 ``review`` part, a level-1 ``plan`` part, and
  the first level-1 ``plan`` part after the review starts at the expected
  heading (its heading text equals the judge's, compared after removing
  numbering, bold marks and punctuation). Reports where the judge finds no
  review heading or no later heading are *undecided* and counted as passing
  only if both parts exist; their number is printed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from plancompare.load import load_plan  # noqa: E402
from plancompare.model import Plan  # noqa: E402

CORPUS_CANDIDATES = (
    ROOT.parent / "shared" / "corpus" / "gov-work-reports-2022-2024",
    ROOT / "shared" / "corpus" / "gov-work-reports-2022-2024",
    Path("/work/shared/corpus/gov-work-reports-2022-2024"),
)
_FRONT_RE = re.compile(r"\A---\n.*?\n---\n", re.S)
_CN_NUM_RE = re.compile(r"^[一二三四五六七八九十]{1,3}[、．.]")
_BOLD_LINE_RE = re.compile(r"^\*\*(.{2,40}?)\*\*$")
_NOT_HEADING_RE = re.compile(
    r"政府工作报告|人民代表大会|代表大会|各位代表|省长|市长|州长|主席|盟长|总理|^—|^——|名词解释|附件|注释|说明"
)
_REVIEW_HEAD_RE = re.compile(r"回顾|过去|成绩|成就|成效|工作总结|取得|走过|极不平凡|难忘")
_PLAN_HEAD_RE = re.compile(r"今年|今后|明年|未来|目标|任务|安排|建议|部署|思路")
_ATX_RE = re.compile(r"^#{1,6}\s*")
_PUNCT_RE = re.compile(r"[。，,；;：:！!？?]")
_NORM_RE = re.compile(r"[\s*#、．.,，:：;；。!！?？“”\"'()（）《》—\-]|^[一二三四五六七八九十]{1,3}")


@dataclass
class Truth:
    region: str
    level: str
    year: int


def corpus_dir() -> Path:
    for c in CORPUS_CANDIDATES:
        if c.is_dir():
            return c
    raise SystemExit("corpus not found (looked for shared/corpus/gov-work-reports-2022-2024)")


def truth_of(path: Path) -> Truth:
    kind = path.parts[-3] if not path.parts[-2].startswith("政府工作报告-") else path.parts[-2]
    year = int(path.stem)
    if kind.endswith("国务院"):
        return Truth("全国", "national", year)
    region = path.parent.name
    return Truth(region, "province" if kind.endswith("省自治区") else "city", year)


def _norm(s: str) -> str:
    s = s.translate({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
    return _NORM_RE.sub("", _NORM_RE.sub("", s.strip()))


def _headings(raw: str) -> list[tuple[str, str]]:
    """Top-level heading candidates of the raw Markdown, in order: (kind, lead phrase)."""
    body = _FRONT_RE.sub("", raw.replace("\r\n", "\n"))
    heads: list[tuple[str, str]] = []
    for line in body.split("\n"):
        s = _ATX_RE.sub("", line.strip())
        m = _BOLD_LINE_RE.match(s)
        inner = (m.group(1) if m else s).strip("*").strip()
        if not inner:
            continue
        if _CN_NUM_RE.match(inner):
            heads.append(("numbered", re.split("[。:：]", inner)[0][:40]))
        elif (
            len(inner) <= (40 if m else 30)
            and not _PUNCT_RE.search(inner)
            and not _NOT_HEADING_RE.search(inner)
            and not inner.startswith(("—", "-", "(", "（", "[", "【"))
            and re.search("[\u4e00-\u9fff]", inner)
        ):
            heads.append(("bare", inner))
    return heads


def _is_review(head: str, year: int) -> bool:
    years = [int(y) for y in re.findall(r"(20\d{2})年?", head)]
    if years and max(years) < year and not _PLAN_HEAD_RE.search(head):
        return True
    return bool(_REVIEW_HEAD_RE.search(head)) and not (years and max(years) >= year)


def judge_plan_heading(raw: str, year: int) -> str | None:
    """The expected first heading of the plan part, normalised; None when undecided."""
    heads = _headings(raw)
    review_at = next((i for i, (_, h) in enumerate(heads) if _is_review(h, year)), None)
    if review_at is None:
        return None
    # The plan heading is of the review heading's kind: under a bare "2023年工作回顾" the
    # numbered 一、二、 lines are the review's items, not parts.
    kind = heads[review_at][0]
    for k, h in heads[review_at + 1 :]:
        if k == kind and not _is_review(h, year):
            return _norm(h)[:20]
    return None


def split_ok(plan: Plan, expected: str | None) -> tuple[bool, str]:
    parts = [s for s in plan.sections if s.level == 1]
    reviews = [i for i, s in enumerate(parts) if s.part == "review"]
    if not reviews:
        return False, "no review part"
    after = [s for s in parts[reviews[0] :] if s.part == "plan"]
    if not after:
        return False, "no plan part after the review"
    if expected is None:
        return True, ""
    got = _norm(after[0].heading)[:20]
    n = min(len(got), len(expected), 12)
    if n >= 4 and got[:n] == expected[:n]:
        return True, ""
    return False, f"plan part starts at {after[0].heading[:30]!r}, expected {expected!r}"


def title_ok(plan: Plan, truth: Truth) -> bool:
    t = plan.title
    if plan.doc_type != "政府工作报告" or not ("政府工作报告" in t or "工作报告" in t):
        return False
    years = {int(y) for y in re.findall(r"(20\d{2})年(?!\d{1,2}月)", t)}
    return not years or truth.year in years


# Page chrome as copied from government sites (the variety seen in raw provincial scrapes).
CHROME_TOP = [
    "首页 | 政务公开 | 政务服务 | 互动交流",
    "首页 > 要闻动态 > 政务要闻",
    "{title}",
    "发布时间：{year}-01-18 09:30  来源：{paper}",
    "【字号：加大 还原 减小】",
    "【字体：大 中 小】",
    "下载",
    "全屏",
    "阅读量：1234",
]
CHROME_CAPTION = "{year}年1月18日，市长作政府工作报告。本报记者 张文 摄"
CHROME_BOTTOM = [
    "（来源：{paper}）",
    "责任编辑：李明",
    "分享到微信",
    "扫一扫在手机打开当前页",
    "相关报道：",
    "相关链接>>",
    "打印本页 关闭窗口",
]
_MD_MARKS_RE = re.compile(r"\*\*|^#+\s*", re.M)


def as_web_page(raw: str, year: int) -> tuple[str, list[str]]:
    """The report as text copied from a web page, and the chrome lines put around it."""
    body = _FRONT_RE.sub("", raw.replace("\r\n", "\n"))
    body = _MD_MARKS_RE.sub("", body)
    fill = {"title": f"{year}年政府工作报告", "year": year, "paper": "日报"}
    top = [line.format(**fill) for line in CHROME_TOP]
    bottom = [line.format(**fill) for line in CHROME_BOTTOM]
    caption = CHROME_CAPTION.format(**fill)
    lines = body.split("\n")
    at = next((i + 1 for i, line in enumerate(lines[:30]) if "人民代表大会" in line), 0)
    lines.insert(at, caption)
    chrome = [c for c in top if c != fill["title"]] + [caption] + bottom
    return "\n".join(top + lines + bottom), chrome


_DELIVERY_LINE_RE = re.compile(r"人民代表大会|人大.{0,3}次|会议上|政府工作报告")
_SPEAKER_LINE_RE = re.compile(r"省长|市长|州长|盟长|主席|总理|专员")


def drop_delivery(text: str) -> str:
    """The report without its delivery, speaker and title lines."""
    return "\n".join(
        line
        for line in text.split("\n")
        if not _DELIVERY_LINE_RE.search(line) and not (len(line) < 40 and _SPEAKER_LINE_RE.search(line))
    )


def run(
    files: list[Path], strip_front: bool, show: int, web: bool = False, no_delivery: bool = False
) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="corpus_meta_"))
    misses: dict[str, list[str]] = {k: [] for k in ("region", "year", "level", "title", "split")}
    undecided = 0
    survived = 0
    n = 0
    t0 = time.perf_counter()
    try:
        for i, f in enumerate(files, 1):
            raw = f.read_text(encoding="utf-8")
            truth = truth_of(f)
            chrome: list[str] = []
            if web:
                text, chrome = as_web_page(raw, truth.year)
                dst = tmp / f"report-{i:03d}.txt"
            else:
                text = _FRONT_RE.sub("", raw) if strip_front else raw
                text = drop_delivery(text) if no_delivery else text
                dst = tmp / f"report-{i:03d}.md"
            dst.write_text(text, encoding="utf-8")
            plan = load_plan(dst)
            kept = set(plan.text.split("\n"))
            left = [c for c in chrome if c.replace("：", ":").replace("（", "(").replace("）", ")") in kept]
            survived += len(left)
            if left:
                misses.setdefault("chrome", []).append(f"{'/'.join(f.parts[-2:])}: {left}")
            n += 1
            name = "/".join(f.parts[-2:])
            if plan.region != truth.region:
                misses["region"].append(f"{name}: {plan.region!r}")
            if plan.year != truth.year:
                misses["year"].append(f"{name}: {plan.year}")
            if plan.admin_level != truth.level:
                misses["level"].append(f"{name}: {plan.admin_level!r}")
            if not title_ok(plan, truth):
                misses["title"].append(f"{name}: {plan.title!r} ({plan.doc_type})")
            expected = judge_plan_heading(raw, truth.year)
            undecided += expected is None
            ok, why = split_ok(plan, expected)
            if not ok:
                misses["split"].append(f"{name}: {why}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    secs = time.perf_counter() - t0
    label = "as raw web pages" if web else "without front matter" if strip_front else "with front matter"
    label += ", delivery / speaker / title lines removed" if no_delivery else ""
    print(f"\n## {n} reports, neutral names, {label} ({secs:.1f} s)")
    scores = {}
    for k, miss in misses.items():
        if k == "chrome":
            continue
        scores[k] = 1 - len(miss) / max(n, 1)
        print(f"{k:>7}: {scores[k]:.3f}  ({len(miss)} wrong)")
    print(f"split judge undecided (both parts required only): {undecided}")
    if web:
        print(f"chrome lines surviving cleaning: {survived}")
    if show:
        for k, miss in misses.items():
            for m in miss[:show]:
                print(f"  [{k}] {m}")
    return scores


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="use every k-th file to get about this many")
    ap.add_argument("--show", type=int, default=0, help="list this many misses per measure")
    ap.add_argument("--only", choices=("with", "without", "web"), default=None)
    ap.add_argument("--drop-delivery", action="store_true", help="remove delivery, speaker and title lines")
    args = ap.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    files = sorted(corpus_dir().rglob("*.md"))
    files = [f for f in files if f.name != "README.md"]
    if args.limit and args.limit < len(files):
        step = len(files) / args.limit
        files = [files[int(i * step)] for i in range(args.limit)]
    counts = Counter(truth_of(f).level for f in files)
    print(f"{len(files)} reports: {dict(counts)}")
    for name in ("with", "without", "web"):
        if args.only in (None, name):
            run(files, name == "without", args.show, web=name == "web", no_delivery=args.drop_delivery)


if __name__ == "__main__":
    main()
