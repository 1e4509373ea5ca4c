"""Report outputs that are safe to write and safe to open.

* :func:`atomic_write` / :func:`atomic_group`: a report file (and its side files)
  is written to a temporary file in the same folder and renamed over the target
  only when complete, so a full disk, a file-size limit or Ctrl-C leaves the old
  report untouched, never a truncated one.
* :func:`spreadsheet_safe`: the OWASP CSV-injection rule for .csv and .xlsx
  cells (a text starting with ``= + - @`` tab or CR gets a leading ``'``).
* :func:`md_escape`: text going into Markdown shows as text, never as HTML.
"""

from __future__ import annotations

import contextlib
import html
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["atomic_group", "atomic_write", "atomic_write_text", "md_escape", "spreadsheet_safe"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _temp_for(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}", dir=target.parent)
    os.close(fd)
    return Path(name)


def _commit(tmp: Path, target: Path) -> None:
    with open(tmp, "rb+") as f:  # the data is on disk before the rename makes it visible
        os.fsync(f.fileno())
    with contextlib.suppress(OSError):  # keep the old report's permissions, else the umask's
        os.chmod(tmp, (target.stat().st_mode if target.exists() else 0o666 & ~_umask()) & 0o7777)
    os.replace(tmp, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_group(targets: list[Path]) -> Iterator[list[Path]]:
    """Temporary paths for ``targets``; all renamed into place only if the block completes.

    On any exception (including ``KeyboardInterrupt``) the temporary files are removed
    and every target keeps its old content.
    """
    tmps: list[Path] = []
    try:
        for t in targets:
            tmps.append(_temp_for(t))
        yield tmps
        for tmp, t in zip(tmps, targets, strict=True):
            _commit(tmp, t)
    except BaseException:
        for tmp in tmps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise


def atomic_write(target: Path, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp_path)`` and move the result over ``target`` once it is complete."""
    with atomic_group([target]) as (tmp,):
        write(tmp)
    return target


def atomic_write_text(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def spreadsheet_safe(value: Any) -> Any:
    """A cell value Excel / LibreOffice will not run as a formula (OWASP CSV injection).

    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")"), spreadsheet_safe("托育"), spreadsheet_safe(-3)
    ('\\'=HYPERLINK("http://x")', '托育', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def md_escape(text: object) -> str:
    """Text for Markdown: ``< > &`` as entities, so names like ``<script>`` or
    ``<img onerror=…>`` render as text (CommonMark passes raw HTML through).

    >>> md_escape("<img src=x onerror=alert(1)> & 托育")
    '&lt;img src=x onerror=alert(1)&gt; &amp; 托育'
    """
    return html.escape(str(text if text is not None else ""), quote=False)


def check_output_path(target: str | os.PathLike[str]) -> Path:
    """Fail early (before any computation) if a report cannot be written to ``target``.

    Raises :class:`~plancompare.errors.OutputPathError` naming the path and the problem:
    a folder in the way, a parent that is a file, a folder that cannot be written.
    Creates missing parent folders.
    """
    from ..errors import OutputPathError

    out = Path(target)
    if out.is_dir():
        raise OutputPathError(out, "is a folder; give a file name such as report.html")
    parent = out.parent
    for anc in [parent, *parent.parents]:
        if anc.exists():
            if not anc.is_dir():
                raise OutputPathError(out, f"{anc} is a file, not a folder")
            break
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputPathError(out, f"cannot create folder {parent}: {e.strerror or e}") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputPathError(out, f"folder {parent} is not writable")
    if out.exists() and not os.access(out, os.W_OK):
        raise OutputPathError(out, "exists and is not writable")
    return out
