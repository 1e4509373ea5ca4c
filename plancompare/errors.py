"""Exception types. Every message names the file (or theme file) and the problem."""

from __future__ import annotations


class PlanCompareError(Exception):
    """Base class for plancompare errors."""


class PlanLoadError(PlanCompareError):
    """A plan file could not be loaded (empty, binary, unknown format, too large…)."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


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
        super().__init__(f"{self.path}{where}{what}: {problem}")


class EmbeddingBackendError(PlanCompareError):
    """An embedding backend could not be created or run."""
