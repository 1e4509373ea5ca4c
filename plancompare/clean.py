"""Clean decoded plan text: web boilerplate, pinyin glosses, punctuation, damage, script.

The cleaned text is what every span in a :class:`~plancompare.model.Plan`
refers to. Two copies are kept with the *same length*: ``text`` (Simplified)
and ``display_text`` (original script), so one span works for both.

Punctuation convention: full-width ASCII variants (U+FF01–U+FF5E) become their
ASCII forms — ``（一）`` → ``(一)``, ``，`` → ``,``, ``：`` → ``:``,
``；`` → ``;`` — and the ideographic space becomes a plain space. CJK
punctuation proper (``。、“”《》…—``) is kept. This is the convention the seed
files already mostly use and the one :mod:`plancompare.outline` expects.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .model import PlanWarning

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
DAMAGE = "\ufffd"

# Pinyin syllable letters; a gloss must carry a tone mark or ü to count, so
# real bracketed content like (AED) or (app) is never touched.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_GLOSS_RE = re.compile(f"[(（](?=[a-z{_TONED}]*[{_TONED}])[a-z{_TONED}]{{1,7}}[)）]")
# Neutral-tone glosses carry no mark; only remove a few common ones right after a hanzi.
_NEUTRAL_GLOSS_RE = re.compile(f"(?<=[{_CJK}])[(（](?:de|le|me|men|zi|ma|ne|ba|zhe|tou)[)）]")

# What is left of a gloss whose hanzi was destroyed: "发展?jié)" → "发展?".
_BROKEN_GLOSS_RE = re.compile(f"(?<=[?？\ufffd])(?=[a-z{_TONED}]*[{_TONED}])[a-z{_TONED}]{{1,7}}[)）]")
_DAMAGE_CANDIDATE_RE = re.compile("[?？\ue000-\uf8ff\ufffd]+")
_CLOSERS = set(" \t\n”’」』)）]】")

# Full-width ASCII → ASCII, ideographic/no-break space → space (1:1, keeps length).
_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20})
_WIDE_RE = re.compile("[\uff01-\uff5e\u3000\u00a0\u2002\u2003]")
# Invisible characters that only confuse matching.
_INVISIBLE_RE = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")

_SPAM_WORDS = (
    "黄片", "无码", "有码", "东京热", "中文字幕", "婷婷", "五月天", "丁香", "少妇", "色情",
    "成人视频", "偷拍", "自拍", "国产精品", "亚洲", "欧美", "av在线", "一本道", "人妻",
)  # fmt: skip
_BOILERPLATE_RES = [
    ("navigation", re.compile(r"^(当前位置|您的位置|你的位置|您现在的位置|所在位置)\s*[:：]")),
    ("date", re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日\s*(星期|周|礼拜)[一二三四五六日天]$")),
    ("font-size", re.compile(r"(字号|字体)\s*[:：]?\s*[\[【]?\s*大\s*[\]】]?\s*[\[【]?\s*中")),
    (
        "publish-info",
        re.compile(
            r"^(发布时间|发布日期|发文日期|信息来源|来源|浏览次数|阅读次数|点击数|访问量)\s*[:：].{0,80}$"
        ),
    ),
    (
        "footer",
        re.compile(r"ICP|公网安备|版权所有|Copyright|©|网站标识码|网站地图|许可证编号"),
    ),
    ("contact", re.compile(r"^(地址|电话|邮编|传真|联系电话|电子邮箱)\s*[:：].{0,80}$")),
    ("greeting", re.compile(r"^(您好\s*[:：,，]|欢迎(来到|访问|光临))")),
    (
        "page-ui",
        re.compile(
            r"^[【\[]?(打印本页|打印|关闭窗口|关闭|返回顶部|收藏|分享到|上一篇|下一篇|扫一扫)[】\]]?(\s*[:：].*)?$"
        ),
    ),
]
_MAX_BOILERPLATE = 250  # longer lines are content
# Web-page chrome copied along with a report: lines made only of page-control words
# (【字号: 加大 还原 减小】, 分享到微信, 下载, 全屏, 相关链接>>), bylines (责任编辑: …,
# (来源:青海日报), 阅读量: 1234), breadcrumbs (首页 > 云南要闻) and photo captions
# (…作政府工作报告。本报记者阮洋摄). A report never has a line made of these.
_UI_WORDS = set(
    """下载 全屏 退出全屏 打印 我要打印 打印本页 打印此页 关闭 关闭窗口 关闭本页 收藏 加入收藏 分享 分享到 分享至
    分享到微信 分享到微博 分享到QQ空间 分享到朋友圈 微信 微博 微信扫一扫 QQ空间 QQ 朋友圈 返回 返回顶部 返回首页
    返回列表 顶部 字号 字体 大 中 小 加大 还原 减小 默认 放大 缩小 标准 A A+ A- 纠错 我要纠错 播放 暂停 视频
    音频 图片 上一篇 下一篇 上一条 下一条 相关链接 相关报道 相关新闻 相关阅读 相关文章 相关文件 延伸阅读 推荐阅读
    更多 扫一扫 二维码 手机版 无障碍 繁体 简体 繁體 English 登录 注册 搜索 首页 评论 点赞 在看 语音播报 朗读
    听全文 打开 手机 当前页 分享本页 分享到手机 长者模式 关怀版 无障碍浏览 网站地图 联系我们 关于我们 政务公开
    信息公开 政府信息公开 政务服务 办事服务 互动交流 政民互动 新闻中心 新闻发布 今日要闻 政务要闻 要闻动态
    通知公告 政策文件 政策解读 数据发布 专题专栏 智能问答 网上办事 在线访谈 本站热词""".split()  # noqa: SIM905
)
_UI_SPLIT_RE = re.compile(r"[\s【】\[\]「」()（）<>《》|｜:：>»›→·•、/,，;；]+")
_CHROME_RES = [
    (
        "page-ui",
        re.compile(
            r"^[【\[]?扫一扫.{0,16}$|^(在手机上|用手机)?(打开|浏览|查看)当前页.{0,6}$|^(手机)?扫描二维码.{0,12}$"
        ),
    ),
    ("breadcrumb", re.compile(r"^(首页|主页|网站首页|门户首页)\s*[>＞»›/→]")),
    ("date", re.compile(r"^\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?\s+\d{1,2}:\d{2}(:\d{2})?$")),
    (
        "byline",
        re.compile(
            r"^(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?\s*(?:\d{1,2}:\d{2}(?::\d{2})?)?\s*)?"
            r"[(（【\[]?\s*(责任编辑|编辑|责编|审核|审校|校对|终审|初审|复审|作者|记者|通讯员|摄影|来源|稿源|"
            r"发布时间|发表时间|发布日期|更新时间|阅读量|阅读数|阅读次数|浏览量|浏览次数|点击量|点击数|访问量|"
            r"信息来源|文章来源|图片来源|制图|供图|字数)\s*[:：].{0,80}$"
        ),
    ),
    (
        "caption",
        re.compile(
            r"^[^。,，;]{0,40}作《?政府工作报告》?[。.]?\s*[(（]?[^。]{0,24}摄?[)）]?$"
            r"|^.{0,80}(记者|摄影|通讯员|供图)[^。]{0,16}摄[)）]?$"
        ),
    ),
]
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.S)
_RELATED_RE = re.compile(r"^[【\[]?(相关链接|相关报道|相关新闻|相关阅读|相关文章|相关文件|延伸阅读|推荐阅读)")
# A comment that only hides a heading of the report ("<!-- 名词解释 -->") keeps the heading.
_HIDDEN_HEADING_RE = re.compile(r"^\s*(名词解释|名词注释|注释|附件\s*\d*|附录)[:：]?\s*$")
_PAGE_TITLE_RE = re.compile(
    r"^(?P<title>.{4,80}?)\s*[-_|—–]+\s*(?P<site>.{2,30}(人民政府|政府网|门户网站|网站|网|委员会|局))$"
)
_TITLE_WORDS_RE = re.compile(
    r"工作要点|工作计划|工作报告|工作总结|工作方案|工作安排|行动计划|实施方案|规划|要点|计划"
)
_NUMBERED_RE = re.compile(
    r"^\s*([(（]?[一二三四五六七八九十\d]+[)）、.．]|第[一二三四五六七八九十]+[章条部节])"
)


@dataclass
class Cleaned:
    """Result of :func:`clean_text`.

    ``text`` (Simplified) and ``display_text`` (original script) have the same
    length, so spans apply to both. ``removed_lines`` are the boilerplate lines
    dropped, for inspection.
    """

    text: str
    display_text: str
    warnings: list[PlanWarning] = field(default_factory=list)
    title_hint: str = ""
    removed_lines: list[str] = field(default_factory=list)


def clean_text(raw: str, *, path: str | Path = "", max_damage_warnings: int = 50) -> Cleaned:
    """Clean decoded text into aligned Simplified / original-script copies.

    >>> c = clean_text("當前位置: 首頁 / 政務公開\\n（一）加強醫(yī)療衛生服務。\\n")
    >>> c.text
    '(一)加强医疗卫生服务。'
    >>> c.display_text
    '(一)加強醫療衛生服務。'
    >>> [w.kind for w in c.warnings]
    ['boilerplate']
    """
    path = str(path)
    warnings: list[PlanWarning] = []
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    # each rule only where its marker occurs (a lookbehind rule otherwise tries every position)
    text, comments = _COMMENT_RE.subn(_uncomment, text) if "<!--" in text else (text, 0)
    text = _INVISIBLE_RE.sub("", text)
    if "(" in text or "（" in text:
        text = _NEUTRAL_GLOSS_RE.sub("", _GLOSS_RE.sub("", text))
    if ("?" in text or "？" in text or "\ufffd" in text) and (")" in text or "）" in text):
        text = _BROKEN_GLOSS_RE.sub("", text)
    text = _mark_damage(text)
    if _WIDE_RE.search(text):
        text = _narrow(text)
    lines, removed, title_hint = _drop_boilerplate(text.split("\n"), any_trad=has_traditional(text))
    display = _tidy_lines(lines)
    simplified = to_simplified(display)
    if DAMAGE in simplified:
        simplified, display = _extend_damage(simplified, display)
    if removed or comments:
        kinds = Counter(k for k, _ in removed)
        what = [
            f"{len(removed)} boilerplate line(s) ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})"
        ]
        if comments:
            what = ([what[0]] if removed else []) + [f"{comments} HTML comment(s)"]
        warnings.append(PlanWarning(path, "boilerplate", f"removed {' and '.join(what)}"))
    warnings += _damage_warnings(simplified, display, path, max_damage_warnings)
    if not title_hint:
        title_hint = _find_title(simplified)
    return Cleaned(
        text=simplified,
        display_text=display,
        warnings=warnings,
        title_hint=title_hint,
        removed_lines=[line for _, line in removed],
    )


def _uncomment(m: re.Match[str]) -> str:
    inner = m.group(1)
    return inner.strip() if _HIDDEN_HEADING_RE.match(inner) else ""


def has_cjk(text: str) -> bool:
    """True if ``text`` contains at least one CJK ideograph."""
    return _CJK_RE.search(text) is not None


# --- Traditional → Simplified ------------------------------------------------


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def traditional_table() -> dict[int, str]:
    """OpenCC's single-character Traditional → Simplified table (code point → character)."""
    return _char_table()


@lru_cache(maxsize=1)
def _char_table() -> dict[int, str]:
    """Single-character Traditional → Simplified table (first candidate) from OpenCC's data."""
    import opencc

    table: dict[int, str] = {}
    source = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            simp = parts[1].split(" ")[0]
            if len(simp) == 1 and simp != parts[0]:
                table[ord(parts[0])] = simp
    return table


_OPENCC_MAX_CHARS = 2_000_000


@lru_cache(maxsize=1)
def _trad_chars() -> frozenset[str]:
    """Characters that have a different Simplified form (set tests beat a huge regex class)."""
    return frozenset(chr(c) for c in _char_table())


_LONG = 4096  # texts this long are scanned as one array of code points


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


def _narrow(text: str) -> str:
    """``text.translate(_WIDTH_TABLE)``; a long text as an array (translate looks up every character)."""
    if len(text) < _LONG:
        return text.translate(_WIDTH_TABLE)
    a = _codepoints(text).copy()
    a[(a >= 0xFF01) & (a <= 0xFF5E)] -= 0xFEE0  # the same table: FF01-FF5E shifted to ASCII,
    a[(a == 0x3000) | (a == 0x00A0) | (a == 0x2002) | (a == 0x2003)] = 0x20  # four spaces to " "
    return a.tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=1)
def _trad_lut() -> np.ndarray:
    lut = np.zeros(0x110000, dtype=bool)
    lut[list(_char_table())] = True
    return lut


@lru_cache(maxsize=1)
def _trad_regex() -> re.Pattern[str]:
    bmp = sorted(c for c in _trad_chars() if ord(c) < 0x10000)
    # one class of the Basic Multilingual Plane's Traditional characters (a bitmap in re) and
    # every character beyond it (one range; a list of them would be tested one by one)
    return re.compile("[" + "".join(re.escape(c) for c in bmp) + "\U00010000-\U0010FFFF]")


def has_traditional(text: str) -> bool:
    """Whether ``text`` holds a Traditional character (one whose Simplified form differs).

    ``not _trad_chars().isdisjoint(text)``, faster: a sentence by one regular-expression
    scan, a long text by one table lookup per code point.
    """
    if len(text) >= _LONG:
        return bool(_trad_lut()[_codepoints(text)].any())
    m = _trad_regex().search(text)
    if m is None:
        return False
    return ord(m.group()) < 0x10000 or not _trad_chars().isdisjoint(text)


def to_simplified(text: str) -> str:
    """Traditional → Simplified with OpenCC, guaranteed to keep the length.

    Only lines that contain Traditional characters go through OpenCC (fast
    path for Simplified input); a line whose length OpenCC changes is converted
    character by character instead. Texts longer than ``_OPENCC_MAX_CHARS``
    use OpenCC's single-character table only (phrase conversion in pure Python
    would take minutes on a 50 MB file).

    >>> to_simplified("醫療衛生")
    '医疗卫生'
    """
    table = _char_table()
    trad = _trad_chars()
    if not has_traditional(text):
        return text
    if len(text) > _OPENCC_MAX_CHARS:
        return text.translate(table)
    out = []
    for line in text.split("\n"):
        if not trad.isdisjoint(line):
            conv = _converter().convert(line)
            if len(conv) != len(line):
                conv = "".join(_converter().convert(ch) if ord(ch) in table else ch for ch in line)
                if len(conv) != len(line):
                    conv = line.translate(table)
            line = conv
        out.append(line)
    return "\n".join(out)


# --- damaged text --------------------------------------------------------------


def _near_cjk(text: str, a: int, b: int, reach: int = 2) -> bool:
    return _CJK_RE.search(text[max(0, a - reach) : a]) is not None or (
        _CJK_RE.search(text[b : b + reach]) is not None
    )


def _mark_damage(text: str) -> str:
    """Replace damaged runs with U+FFFD of the same length.

    Damage: private-use characters, U+FFFD, ``??`` runs inside CJK text, and a
    single ASCII ``?`` wedged into CJK text (not one ending a question, which
    is followed by a space, line end or closing quote). A single full-width
    ``？`` is a real question mark and is left alone.
    """

    def repl(m: re.Match[str]) -> str:
        run = m.group()
        a, b = m.span()
        if any(c not in "?？" for c in run):
            return DAMAGE * len(run)
        if not _near_cjk(text, a, b):
            return run
        if len(run) >= 2:
            return DAMAGE * len(run)
        if run == "?" and b < len(text) and text[b] not in _CLOSERS:
            return DAMAGE
        return run

    return _DAMAGE_CANDIDATE_RE.sub(repl, text)


# After a mis-decoded byte the decoder reads garbage until it falls back into step:
# "发展�摿Φ氖屑壷嗅t药优势" (Shenzhen 2022). Such runs are single characters that
# form no word, often with stray Latin, Greek or Cyrillic letters and brackets.
_GARBLE_REACH = 12
_GARBLE_STOP = set(",.;:!?，。、；：！？()（）\"“”'‘’")
# a run counts as garbled only up to its last alien character: a lone U+FFFD in
# "游在宁夏�吃在吴忠" or "市长 �张烨" is one lost separator, and the names stay
_ALIEN_RE = re.compile("[A-Za-z\u0370-\u052f《》【】〖〗〔〕「」『』]")


def _extend_damage(simplified: str, display: str) -> tuple[str, str]:
    """Mark as damage the garbled characters that follow a damaged run (same positions in both copies).

    Candidates are the one-character tokens jieba (dictionary only) cuts after
    the run, up to a real word, a digit, a clause mark or the line end; of
    those, the characters up to the last alien one (a Latin, Greek or Cyrillic
    letter, a stray bracket) join the damage.

    >>> c = clean_text("培育10个有发展\ufffd摿Φ氖屑壷嗅t药优势。游在宁夏\ufffd吃在吴忠")
    >>> c.text
    '培育10个有发展��������药优势。游在宁夏�吃在吴忠'
    """
    import jieba

    spans: list[tuple[int, int]] = []
    for m in re.finditer(f"{DAMAGE}+", simplified):
        b = m.end()
        window = simplified[b : b + _GARBLE_REACH + 4].split("\n", 1)[0]
        n = 0
        for tok in jieba.lcut(window, HMM=False):
            if len(tok) != 1 or tok in _GARBLE_STOP or tok.isdigit() or tok.isspace() or tok == DAMAGE:
                break
            n += 1
        aliens = [m.end() for m in _ALIEN_RE.finditer(window, 0, min(n, _GARBLE_REACH))]
        if aliens:
            spans.append((b, b + aliens[-1]))
    if not spans:
        return simplified, display
    # slices, not list(text): a list of one str per character costs ~80 bytes a character
    return _overwrite(simplified, spans), _overwrite(display, spans)


def _overwrite(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, pos = [], 0
    for a, b in spans:
        pieces += [text[pos:a], DAMAGE * (b - a)]
        pos = b
    return "".join([*pieces, text[pos:]])


def _damage_warnings(text: str, display: str, path: str, limit: int) -> list[PlanWarning]:
    out: list[PlanWarning] = []
    runs = [m.span() for m in re.finditer(f"{DAMAGE}+", text)]
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    import bisect

    for a, b in runs[:limit]:
        line_no = bisect.bisect_right(line_starts, a)
        snippet = display[max(0, a - 12) : b + 12].replace("\n", " ")
        out.append(
            PlanWarning(
                path,
                "damaged-text",
                f"line {line_no}: {b - a} unreadable character(s) (encoding damage) in …{snippet}…",
                span=(a, b),
            )
        )
    if len(runs) > limit:
        out.append(PlanWarning(path, "damaged-text", f"{len(runs) - limit} more damaged span(s) not listed"))
    return out


# --- boilerplate ---------------------------------------------------------------


def _is_spam(simp: str) -> bool:
    low = simp.lower()
    return sum(1 for w in _spam_lower() if w in low) >= 2


@lru_cache(maxsize=1)
def _spam_lower() -> tuple[str, ...]:
    return tuple(w.lower() for w in _SPAM_WORDS)


def _classify(line: str) -> str | None:
    """Boilerplate kind of one line (already Simplified), or None if it is content."""
    s = line.strip()
    if not s or len(s) > _MAX_BOILERPLATE:
        return None
    if _is_spam(s):
        return "spam"
    if kind := _chrome(s):
        return kind
    # Boilerplate is not written in sentences; content lines end with 。.
    if "。" in s:
        return None
    for kind, rx in _BOILERPLATE_RES:
        if rx.search(s):
            return kind
    return None


def _chrome(s: str) -> str | None:
    """Web-page chrome kind of a stripped line, or None."""
    if len(s) > 120:
        return None
    tokens = [t for t in _UI_SPLIT_RE.split(s) if t]
    # "大 中 小" alone could be anything; with 字号 / 字体 / 下载 … it is the page's controls.
    if (
        tokens
        and all(t in _UI_WORDS for t in tokens)
        and (any(len(t) > 1 for t in tokens) or {"大", "小"} <= set(tokens))
    ):
        return "page-ui"
    for kind, rx in _CHROME_RES:
        if rx.search(s):
            return kind
    return None


def _drop_boilerplate(
    lines: list[str], any_trad: bool = True
) -> tuple[list[str], list[tuple[str, str]], str]:
    table = _char_table()
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    title_hint = ""
    trad = _trad_chars()
    simp_lines = (
        [line.translate(table) if len(line) <= _MAX_BOILERPLATE and not trad.isdisjoint(line) else line for line in lines]
        if any_trad  # no Traditional character in the whole text: every line is its own Simplified form
        else lines
    )
    first = next((i for i, s in enumerate(simp_lines) if s.strip()), None)
    total = sum(len(x) + 1 for x in lines)
    pos = 0
    related = False  # inside the list of links under 相关报道 / 相关链接 at the end of a page
    for i, (line, simp) in enumerate(zip(lines, simp_lines, strict=True)):
        at, pos = pos, pos + len(line) + 1
        kind = _classify(simp)
        st = simp.strip()
        if kind == "page-ui" and at > 0.8 * total and _RELATED_RE.match(st):
            related = True
        elif related and st:
            if len(st) <= 60 and "。" not in st and not _NUMBERED_RE.match(st):
                kind = kind or "related-links"
            else:
                related = False
        if kind is None and i == first and len(simp) <= _MAX_BOILERPLATE:  # the regex backtracks on long lines
            # A browser page title "T-Site" whose T is repeated below as the real title.
            m = _PAGE_TITLE_RE.match(simp.strip())
            if m and any(s.strip() == m.group("title") for s in simp_lines[i + 1 : i + 15]):
                kind = "page-title"
                title_hint = m.group("title")
        if kind is None:
            kept.append(line)
        else:
            removed.append((kind, line.strip()))
    return kept, removed, title_hint


def _tidy_lines(lines: list[str]) -> str:
    """Strip trailing spaces, collapse blank-line runs, drop leading/trailing blank lines."""
    out: list[str] = []
    blank = False
    for line in lines:
        line = line.rstrip()
        if not line.strip():
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "\n".join(out)


def _find_title(text: str, *, max_lines: int = 40) -> str:
    """A document title among the first lines: short, not a sentence, names a doc type.

    A title proper (``2022年深圳市卫生健康工作要点``) is preferred to the title of
    a covering notice (``…关于印发…的通知``).
    """
    notice = ""
    for raw in text.split("\n")[:max_lines]:
        s = raw.strip().strip("#*").strip()
        if not (4 <= len(s) <= 60) or s[-1] in "。,;:!?、" or _NUMBERED_RE.match(s):
            continue
        if s.count(",") or s.count("。"):
            continue
        if _TITLE_WORDS_RE.search(s):
            if "通知" in s or "关于" in s:
                notice = notice or s
                continue
            return s.strip("《》")
    return notice
