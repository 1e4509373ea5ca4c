"""Read plan files of any supported format and encoding into :class:`~plancompare.model.Plan`.

``load_plan`` reads bytes → decodes (BOM, strict UTF-8, then charset
detection among GB18030/GBK/Big5/UTF-16) → extracts text by format → runs
:func:`~plancompare.clean.clean_text`, :func:`~plancompare.outline.parse_outline`
and :func:`~plancompare.metadata.detect_metadata`.

Bad input raises :class:`~plancompare.errors.PlanLoadError` naming the file:
missing, empty, binary, unknown extension, or over one of the per-file
:class:`LoadLimits` (bytes, characters after decoding or decompression,
sections, HTML nesting depth, .docx part sizes, parsing time). The limits are
far above any real plan and stop data dumps and decompression bombs early.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

from .clean import _codepoints, clean_text, has_cjk
from .errors import PlanLoadError, safe_name
from .metadata import admin_level_of, detect_metadata
from .model import LoadReport, Plan, PlanWarning
from .outline import parse_outline

logger = logging.getLogger(__name__)

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm", ".docx")
DEFAULT_MAX_BYTES = 64 * 2**20

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy CJK encodings tried in this order; the one whose text reads most like Chinese wins.
_CANDIDATES = ("gb18030", "big5hkscs", "cp950")
# Control characters other than tab/newline/CR/FF: many of them mean "not text".
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class LoadLimits:
    """Per-file resource limits; a file over any of them fails alone with a message naming the limit.

    Defaults are far above real plans (the biggest seen: 0.3 MiB, 2,000 sections,
    HTML nesting 40). Each can be overridden by an environment variable
    ``PLANCOMPARE_<FIELD>`` (e.g. ``PLANCOMPARE_MAX_CHARS=50000000``), or per call
    with ``load_plan(..., limits=LoadLimits(max_sections=10_000))``.
    """

    max_bytes: int = DEFAULT_MAX_BYTES  # file size on disk
    max_chars: int = 32_000_000  # characters after decoding / decompression
    max_sections: int = 300_000  # outline sections
    max_lines: int = 1_000_000  # text lines (checked before the costlier cleaning and outline)
    max_damaged: int = 100_000  # "??" / U+FFFD marks of a mis-decoded or corrupted file
    max_depth: int = 2_000  # HTML element nesting
    max_docx_part_bytes: int = 64 * 2**20  # uncompressed size of any one part of a .docx
    max_docx_total_bytes: int = 256 * 2**20  # uncompressed size of all parts of a .docx
    max_seconds: float = 300.0  # wall time to parse one file (checked between stages)

    @classmethod
    def from_env(cls, **overrides: float) -> LoadLimits:
        """Defaults, then ``PLANCOMPARE_<FIELD>`` environment variables, then ``overrides``."""
        values: dict[str, float] = {}
        for f in fields(cls):
            env = os.environ.get(f"PLANCOMPARE_{f.name.upper()}")
            if env:
                try:
                    values[f.name] = float(env) if f.name == "max_seconds" else int(float(env))
                except ValueError:
                    logger.warning("ignoring PLANCOMPARE_%s=%r: not a number", f.name.upper(), env)
        return replace(cls(), **{**values, **overrides})


class _Clock:
    """Wall-time budget of one file; checked between stages and inside long loops."""

    def __init__(self, p: Path, seconds: float) -> None:
        self.p, self.seconds, self.start = p, seconds, time.monotonic()

    def check(self, stage: str) -> None:
        if time.monotonic() - self.start > self.seconds:
            raise PlanLoadError(
                self.p,
                f"parsing took longer than the limit of {self.seconds:g} s (stopped while {stage}; "
                "raise PLANCOMPARE_MAX_SECONDS to allow more)",
            )


def load_plan(
    path: str | os.PathLike[str],
    *,
    region: str | None = None,
    year: int | None = None,
    plan_id: str | None = None,
    max_bytes: int | None = None,
    limits: LoadLimits | None = None,
) -> Plan:
    """Load one plan file.

    ``region`` / ``year`` override what metadata detection finds; ``plan_id``
    overrides the id (default: the file stem). ``limits`` (default
    :meth:`LoadLimits.from_env`) bound the work per file; ``max_bytes`` is a
    shortcut for ``limits.max_bytes``.

    >>> plan = load_plan("seeds/000_df77e404ebcdeb1b.txt")
    >>> plan.region, plan.year, len(plan.parts), len(plan.items)
    ('深圳市龙岗区', 2025, 5, 40)
    >>> plan.section("2.9").heading
    '完善托育服务体系建设'
    """
    p = Path(path)
    lim = limits or LoadLimits.from_env()
    if max_bytes is not None:
        lim = replace(lim, max_bytes=max_bytes)
    clock = _Clock(p, lim.max_seconds)
    raw = _read_bytes(p, lim.max_bytes)
    warnings: list[PlanWarning] = []
    ext = p.suffix.lower()
    title_hint = ""
    if ext == ".docx":
        original, encoding = _docx_text(p, raw, lim), "docx"
        _check_chars(p, original, lim)
        body = original
    else:
        original, encoding, notes = _decode(p, raw)
        _check_chars(p, original, lim)
        warnings += [PlanWarning(str(p), kind, msg) for kind, msg in notes]
        clock.check("decoding")
        if ext in (".html", ".htm"):
            body, title_hint = _html_text(original, p=p, limits=lim, clock=clock)
        elif ext in (".md", ".markdown"):
            body, title_hint = _markdown_text(original)
        else:
            body = original
    _check_body(p, body, lim)
    body, invisible = strip_format_chars(body)
    if invisible:
        warnings.append(PlanWarning(str(p), "invisible", invisible))
    if not body.strip():
        raise PlanLoadError(p, "empty file: it contains only whitespace")
    clock.check("extracting text")
    cleaned = clean_text(body, path=str(p))
    if not cleaned.text.strip():
        raise PlanLoadError(p, "empty: nothing is left after removing web boilerplate")
    clock.check("cleaning")
    warnings += cleaned.warnings
    if not has_cjk(cleaned.text):
        warnings.append(PlanWarning(str(p), "no-cjk", "no Chinese characters found; is this a plan?"))
    sections, outline_warnings = parse_outline(cleaned.text, display_text=cleaned.display_text, path=str(p))
    if len(sections) > lim.max_sections:
        raise PlanLoadError(
            p,
            f"{len(sections):,} sections, more than the limit of {lim.max_sections:,} "
            "(raise PLANCOMPARE_MAX_SECTIONS to load it anyway)",
        )
    clock.check("finding the outline")
    warnings += outline_warnings
    meta = detect_metadata(cleaned.text, filename=str(p), title_hint=title_hint or cleaned.title_hint)
    level = meta.admin_level
    if region:
        level = admin_level_of(region) or level
    return Plan(
        id=plan_id or p.stem,
        path=p,
        title=meta.title or title_hint,
        region=region or meta.region,
        admin_level=level,
        year=year if year is not None else meta.year,
        doc_type=meta.doc_type,
        sections=sections,
        warnings=warnings,
        text=cleaned.text,
        original_text=original,
        display_text=cleaned.display_text,
        sha256=hashlib.sha256(raw).hexdigest(),
        encoding=encoding,
    )


def load_many(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_bytes: int | None = None,
    limits: LoadLimits | None = None,
) -> tuple[list[Plan], LoadReport]:
    """Load many files, keeping going past failures.

    Failures go to ``LoadReport.failed`` (``{path: problem}``) and the log.
    Files whose stems collide (``深圳市/2023.md``, ``广州市/2023.md``) get ids
    prefixed with their folder names (``深圳市-2023``).

    >>> plans, report = load_many(["seeds/000_df77e404ebcdeb1b.txt", "missing.txt"])
    >>> [p.id for p in plans], list(report.failed)
    (['000_df77e404ebcdeb1b'], ['missing.txt'])
    """
    files = [Path(p) for p in paths]
    ids = _unique_ids(files)
    plans: list[Plan] = []
    report = LoadReport()
    for f, pid in zip(files, ids, strict=True):
        try:
            plan = load_plan(f, plan_id=pid, max_bytes=max_bytes, limits=limits)
        except PlanLoadError as e:
            report.failed[str(f)] = e.problem
            logger.warning("%s: not loaded: %s", f, e.problem)
            continue
        except Exception as e:  # noqa: BLE001 - one bad file must not stop a batch
            problem = "out of memory while loading it" if isinstance(e, MemoryError) else str(e)
            report.failed[str(f)] = f"unexpected error: {type(e).__name__}: {problem}"
            logger.warning("%s: not loaded: %s", f, problem)
            continue
        if pid != _stem(f):
            report.warnings.append(
                PlanWarning(str(f), "id", f"file stem {f.stem!r} is not unique; plan id is {pid!r}")
            )
        plans.append(plan)
        report.loaded.append(plan.id)
    return plans, report


# --- reading and decoding -------------------------------------------------------------


def _read_bytes(p: Path, max_bytes: int) -> bytes:
    if p.suffix.lower() not in SUPPORTED_EXTENSIONS:
        raise PlanLoadError(
            p, f"unsupported file type {p.suffix or '(none)'!r}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    try:
        if not p.exists():
            raise PlanLoadError(p, "broken symbolic link" if p.is_symlink() else "file not found")
        if not p.is_file():
            raise PlanLoadError(p, "not a regular file (a folder, pipe or device)")
        size = p.stat().st_size
    except OSError as e:  # a symlink loop, a name too long
        raise PlanLoadError(p, f"cannot open the file: {e.strerror or e}") from None
    if size > max_bytes:
        raise PlanLoadError(
            p,
            f"file is {size / 2**20:.1f} MiB, larger than the limit of {max_bytes / 2**20:.1f} MiB "
            "(pass max_bytes= to load it anyway)",
        )
    if size == 0:
        raise PlanLoadError(p, "empty file (0 bytes)")
    try:
        return p.read_bytes()
    except OSError as e:  # permission denied, I/O error, a file removed meanwhile
        raise PlanLoadError(p, f"cannot read the file: {e.strerror or e}") from None


def _check_chars(p: Path, text: str, lim: LoadLimits) -> None:
    if len(text) > lim.max_chars:
        raise PlanLoadError(
            p,
            f"{len(text):,} characters after decoding, more than the limit of {lim.max_chars:,} "
            "(raise PLANCOMPARE_MAX_CHARS to load it anyway)",
        )


def _check_body(p: Path, body: str, lim: LoadLimits) -> None:
    """Cheap counts before cleaning, whose cost grows with lines and damaged spots."""
    lines = body.count("\n")
    if lines > lim.max_lines:
        raise PlanLoadError(
            p, f"{lines:,} lines, more than the limit of {lim.max_lines:,} (raise PLANCOMPARE_MAX_LINES)"
        )
    damaged = body.count("??") + body.count("？？") + body.count("\ufffd")
    if damaged > lim.max_damaged:
        raise PlanLoadError(
            p,
            f"{damaged:,} damaged spots ('??' or U+FFFD), more than the limit of {lim.max_damaged:,}: "
            "the file is mostly garbled (wrong encoding? save it as UTF-8)",
        )


def _decode(p: Path, raw: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    """Decode bytes: BOM, BOM-less UTF-16, strict UTF-8, then the likeliest CJK encoding.

    Returns (text, encoding, warnings as (kind, message)).
    """
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            text, lossy = _try(raw, enc)
            notes = [("encoding", f"not valid {enc}; undecodable bytes became U+FFFD")] if lossy else []
            return _check_text(p, text), enc, notes
    utf16 = _utf16_without_bom(raw)
    if utf16:
        text, lossy = _try(raw[: len(raw) - len(raw) % 2], utf16)
        notes = [("encoding", f"not valid {utf16}; undecodable bytes became U+FFFD")] if lossy else []
        return _check_text(p, text), utf16, notes
    notes: list[tuple[str, str]] = []
    nuls = raw.count(b"\x00")
    if nuls:
        # a few NULs in a text file are damage (a bad copy, a disk error); many mean binary
        if nuls * 1000 > len(raw):
            raise PlanLoadError(p, f"binary file ({nuls:,} NUL byte(s)), not a text plan")
        raw = raw.replace(b"\x00", b"")
        notes.append(("damage", f"{nuls} NUL byte(s) removed (damaged file?)"))
    try:
        return _check_text(p, raw.decode("utf-8")), "utf-8", notes
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few bad bytes (truncated mid-character, one stray byte) is still
    # UTF-8: re-detecting it would turn the whole plan into mojibake.
    loose = raw.decode("utf-8", errors="replace")
    if loose.count("\ufffd") <= max(3, len(loose) // 1000):
        bad = ("encoding", "not valid utf-8; undecodable bytes became U+FFFD")
        return _check_text(p, loose), "utf-8", [*notes, bad]
    enc, share = _detect(raw)
    text, lossy = _try(raw, enc)
    if lossy:
        notes.append(("encoding", f"not valid {enc}; undecodable bytes became U+FFFD"))
    elif share < 0.9:
        notes.append(
            (
                "encoding",
                f"encoding guessed as {enc} but only {share:.0%} of the characters are common Chinese; "
                "the text may be garbled (save the file as UTF-8)",
            )
        )
    return _check_text(p, text), enc, notes


def _try(raw: bytes, enc: str) -> tuple[str, bool]:
    try:
        return raw.decode(enc), False
    except UnicodeDecodeError:
        return raw.decode(enc, errors="replace"), True


def _sample(raw: bytes, size: int = 256 * 1024) -> bytes:
    """A prefix for detection, cut after a line break (0x0A is never a GBK/Big5 trail byte)."""
    if len(raw) <= size:
        return raw
    head = raw[:size]
    cut = head.rfind(b"\n")
    head = head[: cut + 1] if cut > size // 2 else head
    return head[: len(head) - len(head) % 2]


def _is_common(ch: str) -> bool:
    """A character ordinary Chinese text is made of: ASCII, CJK punctuation, frequent hanzi."""
    o = ord(ch)
    if o < 0x80 or 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or ch in "…—“”‘’·":
        return True
    if not 0x4E00 <= o <= 0x9FFF:
        return False
    # GB2312 level 1 (3,755 frequent simplified) or Big5 frequent (5,401 traditional) hanzi
    try:
        if 0xB0 <= ch.encode("gb2312")[0] <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        return 0xA4 <= ch.encode("big5")[0] <= 0xC6
    except UnicodeEncodeError:
        return False


def _common_share(text: str) -> float:
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    counts = Counter(chars)
    return sum(n for c, n in counts.items() if _is_common(c)) / len(chars)


def _detect(raw: bytes) -> tuple[str, float]:
    """The candidate encoding whose strict decoding reads most like Chinese, and that share.

    GB18030 decodes almost any bytes, so a Big5 / HKSCS / cp950 file "decodes" as GB18030
    garbage: rather than trusting the first decoder that does not fail, each candidate is
    scored by the share of frequent hanzi, ASCII and CJK punctuation it produces.
    """
    sample = _sample(raw)
    best, best_share = "gb18030", -1.0
    for enc in _CANDIDATES:
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError as e:
            if len(sample) == len(raw) or e.start < len(sample) - 4:  # only the sample's cut may fail
                continue
            text = sample[: e.start].decode(enc)
        share = _common_share(text)
        if share > best_share + 0.005:  # ties keep the earlier candidate
            best, best_share = enc, share
    return best, max(best_share, 0.0)


def _utf16_without_bom(raw: bytes) -> str | None:
    """``"utf-16-le"`` / ``"utf-16-be"`` when the bytes read as Chinese or ASCII in UTF-16, else None.

    ASCII in UTF-16 has a NUL in every other byte; Chinese has none, so the test is what
    the decoded text looks like: mostly CJK, ASCII and punctuation (random or GB bytes read
    as UTF-16 land all over the 65,536 code points).
    """
    sample = raw[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 8 or (b"\x00" not in sample and _valid_utf8_prefix(sample)):
        return None
    for enc in ("utf-16-le", "utf-16-be"):
        text = sample.decode(enc, errors="replace")
        good = sum(1 for c in text if _utf16_plausible(c))
        if good >= 0.95 * len(text):
            return enc
    return None


def _utf16_plausible(c: str) -> bool:
    o = ord(c)
    return (0x20 <= o < 0x7F) or c in "\n\r\t" or 0x3000 <= o <= 0x303F or 0x4E00 <= o <= 0x9FFF or 0xFF01 <= o <= 0xFF5E


def _valid_utf8_prefix(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start >= len(sample) - 3  # only a character cut at the sample's end
    return True


def _check_text(p: Path, text: str) -> str:
    sample = text[:20000]
    if sample and len(_CONTROL_RE.findall(sample)) > max(8, len(sample) // 100):
        raise PlanLoadError(p, "binary file (many control characters), not a text plan")
    return text


@lru_cache(maxsize=1)
def _format_lut() -> np.ndarray:
    """True for every format character (category Cf) of planes 0, 1 and 14 — the planes that
    have them — and for every character of another plane (which is then checked one by one)."""
    lut = np.ones(0x110000, dtype=bool)
    for r in (range(0x10000), range(0x10000, 0x20000), range(0xE0000, 0xE1000)):
        lut[r.start : r.stop] = [unicodedata.category(chr(c)) == "Cf" for c in r]
    return lut


def strip_format_chars(text: str) -> tuple[str, str]:
    """Remove invisible format characters (Unicode category Cf); also a summary of what went.

    A soft hyphen (U+00AD) or a direction mark inside 居民健康管理 hides the phrase from
    keyword matching; none of them carries meaning in a Chinese plan.

    >>> strip_format_chars("居民\u00ad健康\u200e管理")
    ('居民健康管理', '2 invisible format characters removed (U+00AD ×1, U+200E ×1)')
    """
    if len(text) >= 4096 and not _format_lut()[_codepoints(text)].any():  # the answer of the set below
        return text, ""
    found = Counter(c for c in set(text) if unicodedata.category(c) == "Cf")
    if not found:
        return text, ""
    counts = Counter({c: text.count(c) for c in found})
    out = text.translate({ord(c): None for c in counts})
    total = sum(counts.values())
    detail = ", ".join(f"U+{ord(c):04X} ×{n}" for c, n in sorted(counts.items()))
    return out, f"{total} invisible format character{'s' if total > 1 else ''} removed ({detail})"


# --- formats ------------------------------------------------------------------------------

_BLOCK_TAGS = (
    "p",
    "div",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "table",
    "ul",
    "ol",
)
_DROP_TAGS = (
    "script",
    "style",
    "nav",
    "noscript",
    "iframe",
    "header",
    "footer",
    "head",
    "form",
    "button",
    "select",
)


_VOID_TAGS = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr", "basefont", "frame", "keygen"]
)
# an open one of these is closed by a new sibling of the same name (<p>a<p>b, <li>a<li>b)
_SIBLING_CLOSED = frozenset(("p", "li", "dt", "dd", "tr", "td", "th", "option"))


def _defuse_unclosed(html: str) -> str:
    """Escape the ``<`` of markup that can never be closed, so it is read as text.

    :class:`html.parser.HTMLParser` scans to the end of the input for the end of every
    unclosed ``<!--``, ``<![``, ``<?``, ``</``: quadratic for a page of thousands of
    them (50,000 ``<!--``: 70 s). A ``<`` after the last ``>``, a ``<!--`` after the last
    ``-->`` and a ``<![`` after the last ``]]>`` cannot be closed; as text they cost one pass.
    """
    last_gt = html.rfind(">")
    head, tail = html[: last_gt + 1], html[last_gt + 1 :].replace("<", "&lt;")
    for opener, closer in (("<!--", "-->"), ("<![", "]]>")):
        end = head.rfind(closer)
        cut = end + len(closer) if end >= 0 else 0
        if opener in head[cut:]:
            head = head[:cut] + head[cut:].replace(opener, "&lt;" + opener[1:])
    return head + tail


class _TextExtractor(HTMLParser):
    """Streaming HTML → text: a line break around each block, nothing from dropped tags.

    One pass over the tokens with a stack of open elements: linear in the page size
    whatever the nesting (a tree built first and then edited tag by tag was quadratic
    in the depth). An end tag closes everything opened since its start tag; one with
    no open start tag is ignored, as browsers do.
    """

    def __init__(self, p: Path, max_depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.p, self.max_depth = p, max_depth
        self.stack: list[str] = []
        self.open: Counter[str] = Counter()
        self.dropping = 0  # open elements whose text is dropped
        self.pieces: list[str] = []
        self.body_start: int | None = None
        self.body_end: int | None = None
        self.title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("br",):
            self._text("\n")
            return
        if tag in _VOID_TAGS:
            return
        if tag in _SIBLING_CLOSED and self.stack and self.stack[-1] == tag:
            self._pop()
        if tag == "body" and self.body_start is None:
            self.body_start = len(self.pieces)
        if tag in _BLOCK_TAGS:
            self._text("\n")
        self.stack.append(tag)
        self.open[tag] += 1
        if tag in _DROP_TAGS:
            self.dropping += 1
        if len(self.stack) > self.max_depth:
            raise PlanLoadError(
                self.p,
                f"HTML elements nested deeper than the limit of {self.max_depth:,} "
                "(raise PLANCOMPARE_MAX_DEPTH to load it anyway)",
            )

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self._text("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":  # </br> is a line break in browsers
            self._text("\n")
            return
        if not self.open[tag]:
            return
        while self.stack:
            if self._pop() == tag:
                break
        if tag == "body" and self.body_end is None:
            self.body_end = len(self.pieces)

    def _pop(self) -> str:
        tag = self.stack.pop()
        self.open[tag] -= 1
        if tag in _BLOCK_TAGS:
            self._text("\n")
        if tag in _DROP_TAGS:
            self.dropping -= 1
        return tag

    def handle_data(self, data: str) -> None:
        if self.open["title"] and not self.title_done():
            self.title.append(data)
        self._text(data)

    def title_done(self) -> bool:
        return sum(map(len, self.title)) > 1000

    def _text(self, data: str) -> None:
        if not self.dropping:
            self.pieces.append(data)

    def finish(self) -> None:
        self.close()
        while self.stack:
            self._pop()


def _html_text(
    html: str, *, p: Path | None = None, limits: LoadLimits | None = None, clock: _Clock | None = None
) -> tuple[str, str]:
    """Body text of an HTML page with a line break after each block; also the <title>."""
    lim = limits or LoadLimits()
    parser = _TextExtractor(p or Path("<html>"), lim.max_depth)
    # one feed: fed in pieces, a construct spanning pieces is re-scanned with every piece
    parser.feed(_defuse_unclosed(html))
    parser.finish()
    if clock is not None:
        clock.check("parsing HTML")
    pieces = parser.pieces
    if parser.body_start is not None:
        pieces = pieces[parser.body_start : parser.body_end]
    title = " ".join("".join(parser.title).split())
    title = re.split(r"\s*[-_|—–]+\s*", title)[0] if title else ""
    return "".join(pieces), title


_FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)
# Every repeat is bounded or cannot cross a line: an unclosed "[" or a line of 100,000 "#"
# must not make a rule rescan the rest of the file from each position (quadratic).
# (pattern, replacement, substrings one of which every match holds, match stays in one line and
# tries every position: search only the lines that hold one)
_MD_RULES = [
    (re.compile(r"!\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)"), "", ("![",), False),  # images
    (re.compile(r"\[([^\[\]\n]{1,500})\]\([^()\n]{0,2000}\)"), r"\1", ("](",), False),  # links keep their text
    (re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]*"), "", ("#",), False),  # ATX heading marks
    (re.compile(r"(?m)(?<![#\t ])[ \t]*#{1,200}[ \t]{0,200}$"), "", ("#",), True),  # closing heading marks
    (re.compile(r"(?m)^[ \t]{0,3}>[ \t]?"), "", (">",), True),  # block quotes
    (re.compile(r"(?m)^[ \t]*([-*_][ \t]*){3,}$"), "", ("-", "*", "_"), True),  # horizontal rules
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2", ("**", "__"), True),  # bold
    (re.compile(r"(?<![A-Za-z0-9*])\*(?!\s)([^*\n]+?)\*(?![A-Za-z0-9*])"), r"\1", ("*",), True),  # italic
    (re.compile(r"`([^`\n]*)`"), r"\1", ("`",), False),  # inline code
    (re.compile(r"</?[a-zA-Z][^<>\n]{0,1000}>"), "", ("<",), False),  # stray inline HTML
]


def _markdown_text(md: str) -> tuple[str, str]:
    """Markdown → plain text (markup removed, text kept); also a front-matter title."""
    md = md.replace("\r\n", "\n")
    title = ""
    m = _FRONT_MATTER_RE.match(md)
    if m:
        for line in m.group(1).split("\n"):
            key, _, value = line.partition(":")
            if key.strip() == "title":
                title = value.strip().strip("'\"")
        md = md[m.end() :]
    for rx, repl, need, by_line in _MD_RULES:
        if not any(n in md for n in need):  # no match without one of these
            continue
        if by_line:  # the same matches, without trying every position of the lines that cannot match
            md = "\n".join(rx.sub(repl, ln) if any(n in ln for n in need) else ln for ln in md.split("\n"))
        else:
            md = rx.sub(repl, md)
    return md, title


def _docx_text(p: Path, raw: bytes, lim: LoadLimits | None = None) -> str:
    import io
    import zipfile

    lim = lim or LoadLimits()
    try:
        _check_docx_sizes(p, zipfile.ZipFile(io.BytesIO(raw)), lim)
        import docx

        document = docx.Document(io.BytesIO(raw))
    except PlanLoadError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise PlanLoadError(p, f"not a valid .docx file ({type(e).__name__}: {e})") from e
    except Exception as e:  # python-docx raises several package errors
        raise PlanLoadError(p, f"could not read .docx file ({type(e).__name__}: {e})") from e
    lines = [para.text for para in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _check_docx_sizes(p: Path, zf: object, lim: LoadLimits) -> None:
    """Refuse decompression bombs before anything is inflated.

    python-docx reads every part of the package into memory, so every part counts.
    The sizes are the ones the zip declares; :mod:`zipfile` stops inflating a part at its
    declared size (and fails its CRC), so a lying header cannot get past this.
    """
    infos = zf.infolist()  # type: ignore[attr-defined]
    if len(infos) > 10_000:
        raise PlanLoadError(p, f".docx has {len(infos):,} parts; a document has a few dozen")
    total = 0
    for info in infos:
        if info.file_size > lim.max_docx_part_bytes:
            raise PlanLoadError(
                p,
                f".docx part {info.filename!r} is {info.file_size / 2**20:,.0f} MiB uncompressed, more than "
                f"the limit of {lim.max_docx_part_bytes / 2**20:,.0f} MiB (a decompression bomb?)",
            )
        total += info.file_size
    if total > lim.max_docx_total_bytes:
        raise PlanLoadError(
            p,
            f".docx is {total / 2**20:,.0f} MiB uncompressed, more than the limit of "
            f"{lim.max_docx_total_bytes / 2**20:,.0f} MiB (a decompression bomb?)",
        )


def _unique_ids(files: list[Path]) -> list[str]:
    """File stems, made unique: prefixed with parent folder names where the folders differ
    (``深圳市/2023.md`` → ``深圳市-2023``), suffixed with the extension where they do not
    (``a.txt``, ``a.md`` → ``a-txt``, ``a-md``), numbered as a last resort."""
    ids = [_stem(f) for f in files]
    parents = [_parent_parts(f) for f in files]
    for depth in range(1, 7):
        dupes = _dupes(ids)
        if not dupes:
            return ids
        for i, f in enumerate(files):
            group = [j for j in dupes.get(ids[i], []) if j != i]
            if group and any(parents[j][-depth:] != parents[i][-depth:] for j in group):
                ids[i] = "-".join([*parents[i][-depth:], _stem(f)])
    for i in [i for idx in _dupes(ids).values() for i in idx]:
        ext = files[i].suffix.lower().lstrip(".")
        if ext:
            ids[i] = f"{ids[i]}-{ext}"
    taken = set(ids)
    for idx in _dupes(ids).values():
        for n, i in enumerate(idx[1:], start=2):
            while f"{ids[i]}_{n}" in taken:
                n += 1
            ids[i] = f"{ids[i]}_{n}"
            taken.add(ids[i])
    return ids


def _stem(f: Path) -> str:
    """The file stem with control characters escaped: an id is shown on one line."""
    return safe_name(f.stem)


def _parent_parts(f: Path) -> tuple[str, ...]:
    try:
        return f.resolve().parent.parts[1:]  # no root "/" in ids
    except (OSError, RuntimeError):  # symlink loops
        return f.parent.parts


def _dupes(ids: list[str]) -> dict[str, list[int]]:
    where: dict[str, list[int]] = {}
    for i, x in enumerate(ids):
        where.setdefault(x, []).append(i)
    return {k: v for k, v in where.items() if len(v) > 1}
