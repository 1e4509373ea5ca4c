"""Plain dataclasses that flow forward through the pipeline.

load → clean → outline → embed → match → themes → report. Every stage takes
and returns these objects; none of them knows about the stages after it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Part = Literal["plan", "review", "preamble", "appendix"]
# Which parts analysis reads: "plan" = preamble + plan parts; "all" adds review parts;
# "everything" adds appendices (名词解释, 附件, 民生实事 lists) too.
PlanPart = Literal["plan", "all", "everything"]
PLAN_PARTS = ("plan", "all", "everything")


def part_included(part: str, plan_part: str) -> bool:
    """Does analysis with ``plan_part`` read a section of kind ``part``?

    >>> [part_included(k, "plan") for k in ("plan", "preamble", "review", "appendix")]
    [True, True, False, False]
    >>> [part_included(k, "all") for k in ("review", "appendix")], part_included("appendix", "everything")
    ([True, False], True)
    """
    if part == "review":
        return plan_part in ("all", "everything")
    if part == "appendix":
        return plan_part == "everything"
    return True


Level = Literal["covered", "mentioned", "missing"]
AdminLevel = Literal["national", "province", "city", "district", ""]


@dataclass(frozen=True)
class PlanWarning:
    """A problem found while loading a plan; names the file and, where known, the place.

    ``kind`` is a short machine-readable tag (``"damaged-text"``, ``"no-outline"``,
    ``"encoding"``, ``"boilerplate"``, ``"duplicate"``, ...); ``span`` is a
    character range in ``Plan.text`` when the problem has a location.
    """

    path: str
    kind: str
    message: str
    span: tuple[int, int] | None = None

    def __str__(self) -> str:
        where = f" at {self.span[0]}-{self.span[1]}" if self.span else ""
        return f"{self.path}: {self.kind}{where}: {self.message}"


@dataclass(frozen=True)
class Section:
    """One numbered item (or part, sub-heading, paragraph) of a plan.

    Sections partition ``Plan.text``: their spans, in order, cover the cleaned
    text exactly once. ``text`` is the section's own text (its heading line and
    body up to the next section), not its children's.

    Example: Longgang 2025 item ``(九)完善托育服务体系建设。…`` is
    ``Section(id="2.9", number="(九)", heading="完善托育服务体系建设", level=2,
    parent_id="2", part="plan", ...)``.
    """

    id: str
    number: str
    heading: str
    text: str
    level: int
    parent_id: str | None
    part: Part
    span: tuple[int, int]
    display_text: str = ""  # same span in the original script (Traditional stays Traditional)

    @property
    def body(self) -> str:
        """The text without the printed number."""
        t = self.text.strip()
        return t[len(self.number) :].strip() if self.number and t.startswith(self.number) else t


@dataclass
class Plan:
    """A loaded, cleaned and parsed plan.

    ``text`` is the cleaned, Simplified text every span refers to;
    ``display_text`` is the same cleaned text in the original script (same
    length as ``text``); ``original_text`` is the file as decoded, untouched.
    """

    id: str
    path: Path | None
    title: str
    region: str
    admin_level: str
    year: int | None
    doc_type: str
    sections: list[Section]
    warnings: list[PlanWarning]
    text: str
    original_text: str
    display_text: str = ""
    sha256: str = ""
    encoding: str = "utf-8"
    label_override: str = ""  # set by PlanSet when region + year alone would not be unique

    @property
    def label(self) -> str:
        """Short human label, e.g. ``深圳市龙岗区 2025`` (``深圳市 2022 政府工作报告`` when that is ambiguous)."""
        return self.label_override or self.base_label

    @property
    def base_label(self) -> str:
        """Region and year only: ``深圳市 2022``."""
        year = f" {self.year}" if self.year else ""
        return f"{self.region or self.id}{year}"

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"{self.id}: no section {section_id!r}")

    def children(self, section_id: str | None) -> list[Section]:
        return [s for s in self.sections if s.parent_id == section_id]

    def subtree_text(self, section_id: str) -> str:
        """A section's text followed by all its descendants' text."""
        ids = {section_id}
        out = []
        for s in self.sections:
            if s.id in ids or s.parent_id in ids:
                ids.add(s.id)
                out.append(s.text)
        return "".join(out)

    @property
    def parts(self) -> list[Section]:
        """Top-level parts (一、 …)."""
        return [s for s in self.sections if s.level == 1]

    @property
    def items(self) -> list[Section]:
        """Numbered items ((一) … / 1. …) below the parts."""
        return [s for s in self.sections if s.level == 2]

    def summary(self) -> dict[str, object]:
        """One flat row describing the plan (what ``PlanSet.to_frame`` and reports list)."""
        return {
            "id": self.id,
            "label": self.label,
            "title": self.title,
            "region": self.region,
            "admin_level": self.admin_level,
            "year": self.year,
            "doc_type": self.doc_type,
            "parts": len(self.parts),
            "items": len(self.items),
            "chars": len(self.text),
            "warnings": len(self.warnings),
            "file": str(self.path) if self.path else "",
        }

    def to_frame(self):  # -> pandas.DataFrame
        """Sections as a DataFrame: one row per section."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "id": s.id,
                    "number": s.number,
                    "heading": s.heading,
                    "level": s.level,
                    "part": s.part,
                    "start": s.span[0],
                    "end": s.span[1],
                    "chars": len(s.text),
                }
                for s in self.sections
            ]
        )

    def __repr__(self) -> str:
        return (
            f"Plan(id={self.id!r}, region={self.region!r}, year={self.year}, "
            f"doc_type={self.doc_type!r}, parts={len(self.parts)}, items={len(self.items)}, "
            f"warnings={len(self.warnings)})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(s.id)}</td><td>{html.escape(s.number)}</td>"
            f"<td style='padding-left:{(s.level - 1) * 1.2}em'>{html.escape(s.heading)}</td>"
            f"<td>{s.part}</td><td>{len(s.text)}</td></tr>"
            for s in self.sections
            if s.level <= 2
        )
        warn = "".join(f"<li>{html.escape(str(w))}</li>" for w in self.warnings[:10])
        return (
            f"<div><b>{html.escape(self.title or self.id)}</b> — {html.escape(self.region)} "
            f"({self.admin_level}), {self.year}, {html.escape(self.doc_type)}; "
            f"{len(self.parts)} parts, {len(self.items)} items"
            f"{'<ul>' + warn + '</ul>' if warn else ''}"
            "<table><tr><th>id</th><th>no.</th><th>heading</th><th>part</th><th>chars</th></tr>"
            f"{rows}</table></div>"
        )


@dataclass(frozen=True)
class Theme:
    """A policy theme to look for, e.g. ``Theme("托育", "婴幼儿照护服务…", keywords=("托育", "托位"))``.

    ``keywords`` give lexical evidence; ``examples`` are phrases a plan would
    use when it commits to the theme (embedded as the theme's queries).
    """

    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    group: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class Evidence:
    """Where a plan speaks about a theme: the sentence and its span in ``Plan.text``."""

    plan_id: str
    section_id: str
    sentence: str
    span: tuple[int, int]
    score: float
    part: Part = "plan"


@dataclass(frozen=True)
class Target:
    """A quantitative commitment or achieved figure found in a sentence.

    ``新增托位5000个`` → ``Target(value=5000, unit="个", counts="托位",
    verb="新增", text="新增托位5000个", kind="target")``. ``kind`` is
    ``"achieved"`` in review parts. ``baseline`` is the starting level of a
    ``从X提高到Y`` change (``X``, same unit as ``value``), else ``None``.
    """

    value: float
    unit: str
    counts: str
    verb: str
    text: str
    qualifier: str = ""  # 以上 / 不少于 / 超过 / 以内 ...
    kind: Literal["target", "achieved"] = "target"
    plan_id: str = ""
    section_id: str = ""
    span: tuple[int, int] = (0, 0)
    baseline: float | None = None


@dataclass(frozen=True)
class ThemeCoverage:
    """One plan × theme cell of a :class:`~plancompare.coverage.Coverage`."""

    plan_id: str
    theme: str
    level: Level
    score: float
    evidence: tuple[Evidence, ...] = ()
    targets: tuple[Target, ...] = ()
    rule: str = ""  # what pushed the decision, e.g. "name in text; paraphrase z 5.10"


@dataclass(frozen=True)
class SectionMatch:
    """A section of plan A and its counterpart in plan B."""

    a_plan: str
    a_section: str
    b_plan: str
    b_section: str
    score: float
    a_heading: str = ""
    b_heading: str = ""
    a_text: str = ""
    b_text: str = ""


@dataclass
class LoadReport:
    """What happened to each input file when loading a directory."""

    loaded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    warnings: list[PlanWarning] = field(default_factory=list)
