"""Exception types. Every message names the file (or theme file) and the problem."""

from __future__ import annotations

import re

# Control characters (newline, escape…) in a file name could forge extra lines on a
# terminal ("error: …" that is not ours): messages show them escaped.
# Undecodable bytes of a file name (lone surrogates) cannot even be printed: escaped too.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def safe_name(path: object) -> str:
    r"""``path`` as text with control characters escaped (``a\nb.txt``), for one-line messages.

    >>> safe_name("evil\nerror: x.txt")
    'evil\\nerror: x.txt'
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(path))


class PlanCompareError(Exception):
    """Base class for plancompare errors."""


class PlanLoadError(PlanCompareError):
    """A plan file could not be loaded (empty, binary, unknown format, too large…)."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{safe_name(self.path)}: {problem}")


class ThemeFileError(PlanCompareError):
    """A theme file or theme spec is invalid; the message gives line and field."""

    def __init__(
        self, path: object, problem: str, *, line: int | None = None, field: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        where = f":{line}" if line is not None else ""
        what = f" (field {field!r})" if field else ""
        super().__init__(f"{safe_name(self.path)}{where}{what}: {problem}")


class EmbeddingBackendError(PlanCompareError):
    """An embedding backend could not be created or run."""


class OutputPathError(PlanCompareError):
    """A report cannot be written where asked (checked before any computation)."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{safe_name(self.path)}: {problem}")


class ReportWriteError(PlanCompareError):
    """Writing a report failed (disk full, file too large…); the old report is left untouched."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{safe_name(self.path)}: {problem}")
