"""Read plan files of any supported format and encoding into :class:`~plancompare.model.Plan`.

``load_plan`` reads bytes → decodes (BOM, strict UTF-8, then charset
detection among GB18030/GBK/Big5/UTF-16) → extracts text by format → runs
:func:`~plancompare.clean.clean_text`, :func:`~plancompare.outline.parse_outline`
and :func:`~plancompare.metadata.detect_metadata`.

Bad input raises :class:`~plancompare.errors.PlanLoadError` naming the file:
missing, empty, binary, unknown extension, larger than ``max_bytes``
(default 64 MiB — big enough for any real plan, small enough to stop a stray
data dump).
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .clean import clean_text, has_cjk
from .errors import PlanLoadError
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
_CANDIDATES = ["gb18030", "gbk", "big5", "utf_16", "utf_8"]
# Control characters other than tab/newline/CR/FF: many of them mean "not text".
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def load_plan(
    path: str | os.PathLike[str],
    *,
    region: str | None = None,
    year: int | None = None,
    plan_id: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Plan:
    """Load one plan file.

    ``region`` / ``year`` override what metadata detection finds; ``plan_id``
    overrides the id (default: the file stem).

    >>> plan = load_plan("seeds/000_df77e404ebcdeb1b.txt")
    >>> plan.region, plan.year, len(plan.parts), len(plan.items)
    ('深圳市龙岗区', 2025, 5, 40)
    >>> plan.section("2.9").heading
    '完善托育服务体系建设'
    """
    p = Path(path)
    raw = _read_bytes(p, max_bytes)
    warnings: list[PlanWarning] = []
    ext = p.suffix.lower()
    title_hint = ""
    if ext == ".docx":
        original, encoding = _docx_text(p, raw), "docx"
        body = original
    else:
        original, encoding, lossy = _decode(p, raw)
        if lossy:
            warnings.append(
                PlanWarning(str(p), "encoding", f"not valid {encoding}; undecodable bytes became U+FFFD")
            )
        if ext in (".html", ".htm"):
            body, title_hint = _html_text(original)
        elif ext in (".md", ".markdown"):
            body, title_hint = _markdown_text(original)
        else:
            body = original
    if not body.strip():
        raise PlanLoadError(p, "empty file: it contains only whitespace")
    cleaned = clean_text(body, path=str(p))
    if not cleaned.text.strip():
        raise PlanLoadError(p, "empty: nothing is left after removing web boilerplate")
    warnings += cleaned.warnings
    if not has_cjk(cleaned.text):
        warnings.append(PlanWarning(str(p), "no-cjk", "no Chinese characters found; is this a plan?"))
    sections, outline_warnings = parse_outline(cleaned.text, display_text=cleaned.display_text, path=str(p))
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
    paths: Iterable[str | os.PathLike[str]], *, max_bytes: int = DEFAULT_MAX_BYTES
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
            plan = load_plan(f, plan_id=pid, max_bytes=max_bytes)
        except PlanLoadError as e:
            report.failed[str(f)] = e.problem
            logger.warning("%s: not loaded: %s", f, e.problem)
            continue
        except Exception as e:  # noqa: BLE001 - one bad file must not stop a batch
            report.failed[str(f)] = f"unexpected error: {type(e).__name__}: {e}"
            logger.warning("%s: not loaded: %s", f, e)
            continue
        if pid != f.stem:
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
    if not p.exists():
        raise PlanLoadError(p, "file not found")
    if not p.is_file():
        raise PlanLoadError(p, "not a regular file")
    size = p.stat().st_size
    if size > max_bytes:
        raise PlanLoadError(
            p,
            f"file is {size / 2**20:.1f} MiB, larger than the limit of {max_bytes / 2**20:.1f} MiB "
            "(pass max_bytes= to load it anyway)",
        )
    if size == 0:
        raise PlanLoadError(p, "empty file (0 bytes)")
    return p.read_bytes()


def _decode(p: Path, raw: bytes) -> tuple[str, str, bool]:
    """Decode bytes: BOM, strict UTF-8, then detection. Returns (text, encoding, lossy)."""
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            text, lossy = _try(raw, enc)
            return _check_text(p, text), enc, lossy
    if b"\x00" in raw and not _looks_utf16(raw):
        raise PlanLoadError(p, "binary file (contains NUL bytes), not a text plan")
    try:
        return _check_text(p, raw.decode("utf-8")), "utf-8", False
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few bad bytes (truncated mid-character, one stray byte) is still
    # UTF-8: re-detecting it would turn the whole plan into mojibake.
    loose = raw.decode("utf-8", errors="replace")
    if loose.count("\ufffd") <= max(3, len(loose) // 1000):
        return _check_text(p, loose), "utf-8", True
    enc = _detect(raw)
    text, lossy = _try(raw, enc)
    return _check_text(p, text), enc, lossy


def _try(raw: bytes, enc: str) -> tuple[str, bool]:
    try:
        return raw.decode(enc), False
    except UnicodeDecodeError:
        return raw.decode(enc, errors="replace"), True


def _looks_utf16(raw: bytes) -> bool:
    """BOM-less UTF-16: NULs in every other byte of ASCII-heavy text."""
    sample = raw[:4096]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) > len(sample) // 8 and min(even, odd) < len(sample) // 64


def _sample(raw: bytes, size: int = 256 * 1024) -> bytes:
    """A prefix for detection, cut after a line break (0x0A is never a GBK/Big5 trail byte)."""
    if len(raw) <= size:
        return raw
    head = raw[:size]
    cut = head.rfind(b"\n")
    head = head[: cut + 1] if cut > size // 2 else head
    return head[: len(head) - len(head) % 2]


def _detect(raw: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(_sample(raw), cp_isolation=_CANDIDATES).best()
    if best is None:
        return "gb18030"
    enc = best.encoding
    # GBK is a subset of GB18030: decode with the superset so rare characters survive.
    return "gb18030" if enc in ("gbk", "gb2312") else enc


def _check_text(p: Path, text: str) -> str:
    sample = text[:20000]
    if sample and len(_CONTROL_RE.findall(sample)) > max(8, len(sample) // 100):
        raise PlanLoadError(p, "binary file (many control characters), not a text plan")
    return text


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


def _html_text(html: str) -> tuple[str, str]:
    """Body text of an HTML page with a line break after each block; also the <title>."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.append("\n")
    root = soup.body or soup
    text = root.get_text("")
    title = re.split(r"\s*[-_|—–]+\s*", title)[0] if title else ""
    return text, title


_FRONT_MATTER_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_MD_RULES = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their text
    (re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]*"), ""),  # ATX heading marks
    (re.compile(r"(?m)[ \t]*#+[ \t]*$"), ""),  # closing heading marks
    (re.compile(r"(?m)^[ \t]{0,3}>[ \t]?"), ""),  # block quotes
    (re.compile(r"(?m)^[ \t]*([-*_][ \t]*){3,}$"), ""),  # horizontal rules
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),  # bold
    (re.compile(r"(?<![A-Za-z0-9*])\*(?!\s)([^*\n]+?)\*(?![A-Za-z0-9*])"), r"\1"),  # italic
    (re.compile(r"`([^`\n]*)`"), r"\1"),  # inline code
    (re.compile(r"</?[a-zA-Z][^>\n]*>"), ""),  # stray inline HTML
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
    for rx, repl in _MD_RULES:
        md = rx.sub(repl, md)
    return md, title


def _docx_text(p: Path, raw: bytes) -> str:
    import io
    import zipfile

    try:
        import docx

        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise PlanLoadError(p, f"not a valid .docx file ({type(e).__name__}: {e})") from e
    except Exception as e:  # python-docx raises several package errors
        raise PlanLoadError(p, f"could not read .docx file ({type(e).__name__}: {e})") from e
    lines = [para.text for para in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _unique_ids(files: list[Path]) -> list[str]:
    """File stems, prefixed with as many parent folder names as needed to be unique."""
    ids = [f.stem for f in files]
    depth = 0
    while len(set(ids)) < len(ids) and depth < 6:
        depth += 1
        dupes = {i for i in ids if ids.count(i) > 1}
        ids = [
            "-".join([*f.resolve().parent.parts[-depth:], f.stem]) if pid in dupes else pid
            for f, pid in zip(files, ids, strict=True)
        ]
    return ids
