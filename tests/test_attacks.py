"""The 17 ways an attack pass lost a run (issue 12), one test each, on inputs generated here.

Each case ends with a clear per-file message, a complete result for the other
files, and bounded work. Embedding-heavy steps use the model-free
``HashEmbedder`` so the whole file runs in seconds; nothing here is a timing
assertion (``timeout`` marks only stop a hang from stalling CI).
"""

from __future__ import annotations

import csv
import errno
import gc
import io
import os
import re
import resource
import shutil
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import DONGGUAN, SZ2022, SZ2025, seed_path
from report_shared import HashEmbedder, hash_planset, hash_thresholds
from typer.testing import CliRunner

from plancompare.errors import OutputPathError, PlanLoadError, ReportWriteError, ThemeFileError
from plancompare.load import LoadLimits, load_many, load_plan
from plancompare.report import write_report

runner = CliRunner()


def _seed_text(stem: str = SZ2025) -> str:
    return seed_path(stem).read_text(encoding="utf-8")


def _folder(tmp_path: Path, *stems: str) -> Path:
    d = tmp_path / "plans"
    d.mkdir(exist_ok=True)
    for s in stems:
        shutil.copy(seed_path(s), d)
    return d


@pytest.fixture
def hash_cli(monkeypatch):
    """The CLI with ``--backend hash`` mapped to the model-free embedder (and its thresholds)."""
    import plancompare.calibration as calibration
    import plancompare.cli as cli
    import plancompare.embed as embed

    real = embed.get_embedder
    monkeypatch.setattr(
        embed,
        "get_embedder",
        lambda spec=None, **kw: HashEmbedder() if spec == "hash" else real(spec, **kw),
    )
    # "hash" is a test backend: let it past the CLI's check of backend names
    monkeypatch.setattr(cli, "_check_backend", lambda backend: backend)
    real_for = calibration.thresholds_for
    monkeypatch.setattr(
        calibration,
        "thresholds_for",
        lambda name: hash_thresholds() if name == "test-hash" else real_for(name),
    )

    def run(*args: object):
        from plancompare.cli import app

        return runner.invoke(app, [str(a) for a in args])

    return run


def _one_line_error(r, *needles: str) -> None:
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    errs = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errs) == 1, r.stderr
    for n in needles:
        assert n in errs[0], (n, errs[0])


# 1 -- an odd but loadable file must not take the report (discovery) down ---------------------------
def test_1_odd_loadable_files_keep_the_report(tmp_path: Path) -> None:
    d = _folder(tmp_path, SZ2025, DONGGUAN)
    (d / "pua.txt").write_bytes(b"\xee\x80\x80\xee\x80\x81\xee\x80\x82")
    (d / "ff.txt").write_bytes(b"\xff")
    (d / "numbered.txt").write_text(
        "".join(f"{i}.加强医疗卫生服务能力建设第{i}项。\n" for i in range(1, 301)), encoding="utf-8"
    )
    plans = hash_planset(d)
    assert len(plans) == 5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        md = write_report(plans, tmp_path / "r.md", discovery=True).read_text(encoding="utf-8")
    for p in plans:
        assert p.label in md
    said = " ".join(str(w.message) for w in caught)
    assert "pua.txt" in said and "theme discovery" in said  # names the file and the stage


def test_1_discovery_degrades_to_no_clusters_with_a_reason(seed_plans) -> None:
    from plancompare.discover import discover_themes

    plan = seed_plans[SZ2025]
    secs = [(plan, s) for s in plan.sections[:6]]
    with pytest.warns(UserWarning, match="theme discovery skipped: ValueError"):
        d = discover_themes(secs, np.eye(6, 8, dtype=np.float32), n_clusters=100)  # sklearn refuses
    assert d.themes == [] and d.note.startswith("theme discovery skipped")  # a reason, no exception
    with pytest.warns(
        UserWarning, match=rf"{re.escape(str(plan.path))}: has no section with embeddable text"
    ):
        zero = discover_themes(secs, np.zeros((6, 4), np.float32))
    assert zero.themes == [] and "embeddable" in zero.note


# 2 -- deeply nested / unclosed HTML: linear parsing and a depth limit ---------------------------------
@pytest.mark.timeout(60)
def test_2_nested_html_is_linear_and_depth_limited(tmp_path: Path) -> None:
    body = "（一）加强医疗卫生服务体系建设。推进医院建设。"
    tables = tmp_path / "tables.html"
    tables.write_text("<table><tr><td>\n" * 8000 + body + "</td></tr></table>\n" * 8000, encoding="utf-8")
    with pytest.raises(PlanLoadError, match=r"tables\.html: HTML elements nested deeper than the limit"):
        load_plan(tables)
    divs = tmp_path / "divs.html"
    divs.write_text("<div>\n" * 200_000 + body, encoding="utf-8")
    with pytest.raises(PlanLoadError, match=r"divs\.html: .*nested deeper"):
        load_plan(divs)
    # with the limit lifted, 50,000 levels parse in one linear pass (the old tree walk: minutes)
    deep = tmp_path / "deep.html"
    deep.write_text("<div>\n" * 50_000 + body + "</div>" * 50_000, encoding="utf-8")
    plan = load_plan(deep, limits=LoadLimits(max_depth=10**6))
    assert "推进医院建设" in plan.text
    # unclosed <p> siblings are closed by the next <p> (no depth growth)
    paras = tmp_path / "paras.html"
    paras.write_text("<p>（一）加强卫生。\n" * 5000, encoding="utf-8")
    assert len(load_plan(paras).text) > 5000


# 3 -- .docx decompression bombs: refused from the declared part sizes, before inflating ---------------
def _docx_with(tmp_path: Path, name: str, extra: dict[str, bytes]) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("一、加强医疗卫生服务。")
    buf = io.BytesIO()
    d.save(buf)
    out = tmp_path / name
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, extra.pop(item.filename, src.read(item.filename)))
        for part, data in extra.items():
            dst.writestr(part, data)
    return out


def test_3_docx_bombs_are_refused_by_uncompressed_size(tmp_path: Path) -> None:
    para = b"<w:p><w:r><w:t>" + "加强医疗卫生服务能力建设。".encode() * 40 + b"</w:t></w:r></w:p>"
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    )
    doc_xml = head + para * (70 * 2**20 // len(para)) + b"</w:body></w:document>"
    bomb = _docx_with(tmp_path, "bomb.docx", {"word/document.xml": doc_xml})
    assert bomb.stat().st_size < 2 * 2**20  # small on disk…
    with pytest.raises(
        PlanLoadError, match=r"bomb\.docx: \.docx part 'word/document\.xml' is 70 MiB uncompressed"
    ):
        load_plan(bomb)  # …refused without inflating
    image = _docx_with(tmp_path, "image.docx", {"word/media/image1.png": b"\0" * (3 * 2**20)})
    with pytest.raises(PlanLoadError, match=r"image\.docx: .*'word/media/image1\.png' is 3 MiB"):
        load_plan(image, limits=LoadLimits(max_docx_part_bytes=2 * 2**20))
    with pytest.raises(PlanLoadError, match=r"image\.docx: \.docx is \d+ MiB uncompressed"):
        load_plan(image, limits=LoadLimits(max_docx_total_bytes=2 * 2**20))
    assert "加强医疗卫生服务" in load_plan(image).text  # under the default limits it is a normal document
    plans, report = load_many([bomb, seed_path(SZ2025)])
    assert [p.id for p in plans] == [SZ2025] and "uncompressed" in report.failed[str(bomb)]


def test_3_characters_and_sections_are_limited(tmp_path: Path) -> None:
    f = tmp_path / "many.txt"
    f.write_text("".join(f"{i}.加强医疗卫生服务第{i}项。\n" for i in range(1, 100)), encoding="utf-8")
    with pytest.raises(PlanLoadError, match=r"many\.txt: 99 sections, more than the limit of 50"):
        load_plan(f, limits=LoadLimits(max_sections=50))
    with pytest.raises(PlanLoadError, match=r"many\.txt: [\d,]+ characters after decoding, more than"):
        load_plan(f, limits=LoadLimits(max_chars=1_000))
    with pytest.raises(PlanLoadError, match=r"many\.txt: parsing took longer than the limit of 0 s"):
        load_plan(f, limits=LoadLimits(max_seconds=0))
    with pytest.raises(PlanLoadError, match=r"many\.txt: 99 lines, more than the limit of 10"):
        load_plan(f, limits=LoadLimits(max_lines=10))
    assert len(load_plan(f).sections) == 99


def test_3_limits_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("PLANCOMPARE_MAX_SECTIONS", "10")
    monkeypatch.setenv("PLANCOMPARE_MAX_SECONDS", "2.5")
    lim = LoadLimits.from_env()
    assert (lim.max_sections, lim.max_seconds, lim.max_chars) == (10, 2.5, LoadLimits().max_chars)
    with pytest.raises(PlanLoadError, match="more than the limit of 10"):
        load_plan(seed_path(SZ2025))


# 4 -- discovery memory: a cap with deterministic sampling, not an n² matrix of every section -----------
def test_4_discovery_samples_huge_section_counts(tmp_path: Path, seed_plans) -> None:
    from plancompare.discover import discover_themes

    secs = []
    for k in range(10):
        f = tmp_path / f"big{k}.txt"
        f.write_text(
            "".join(f"{i}.推进第{i + k}个社区卫生服务站建设。\n" for i in range(1, 100)), encoding="utf-8"
        )
        big = load_plan(f)
        secs += [(big, s) for s in big.sections]
    seed = seed_plans[SZ2025]
    secs += [(seed, s) for s in seed.sections]
    emb = HashEmbedder().encode([s.text for _, s in secs])
    d = discover_themes(secs, emb, max_sections=300)
    clustered = {(p, s) for t in d.themes for p, s, _ in t.sections}
    assert len(clustered) <= 300 and f"300 of {len(secs):,} sections sampled" in d.note
    from plancompare.discover import _sample

    picked = _sample(list(range(len(secs))), [p.id for p, _ in secs], 300)
    per_plan = {pid: sum(secs[i][0].id == pid for i in picked) for pid in {p.id for p, _ in secs}}
    assert len(picked) <= 300 and per_plan[seed.id] == 300 * len(seed.sections) // len(secs)  # its share
    assert discover_themes(secs, emb, max_sections=300).to_frame().equals(d.to_frame())  # deterministic


def test_4_subtree_texts_in_one_pass_equal_subtree_text(seed_plans, tmp_path: Path) -> None:
    from plancompare.planset import subtree_texts

    f = tmp_path / "nested.txt"
    f.write_text(
        "".join(
            f"{'一二三'[k]}、第{k}部分\n（一）事项。\n1.推进。\n2.加强。\n（二）事项。\n" for k in range(3)
        ),
        encoding="utf-8",
    )
    for plan in [*seed_plans.values(), load_plan(f)]:
        assert subtree_texts(plan, plan.sections) == [plan.subtree_text(s.id) for s in plan.sections]


# 5 -- Big5-HKSCS and cp950 -----------------------------------------------------------------------------
@pytest.mark.parametrize(("encoding", "extra"), [("big5hkscs", "嘅㗎"), ("cp950", "€")])
def test_5_big5_hkscs_and_cp950_are_detected(tmp_path: Path, encoding: str, extra: str) -> None:
    from opencc import OpenCC

    text = OpenCC("s2t").convert(_seed_text()) + f"\n（九）其他。{extra}\n"
    text = "".join(ch for ch in text if _encodable(ch, encoding))
    ref, leg = tmp_path / "ref.txt", tmp_path / f"{encoding}.txt"
    ref.write_text(text, encoding="utf-8")
    leg.write_bytes(text.encode(encoding))
    a, b = load_plan(ref), load_plan(leg)
    assert b.encoding == encoding
    assert b.text == a.text and extra[0] in b.display_text
    assert not [w for w in b.warnings if w.kind == "encoding"]


def test_5_a_doubtful_guess_is_warned(tmp_path: Path) -> None:
    f = tmp_path / "rare.txt"
    f.write_bytes("".join(chr(0x3400 + i) for i in range(0, 3000, 7)).encode("gb18030"))  # rare CJK Ext. A
    plan = load_plan(f)
    assert plan.encoding == "gb18030"
    assert any(w.kind == "encoding" and "may be garbled" in w.message for w in plan.warnings)


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


# 6 -- atomic report writes -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_plans():
    return hash_planset([seed_path(SZ2025), seed_path(DONGGUAN)])


def _leftovers(folder: Path) -> list[str]:
    return [f.name for f in folder.iterdir() if ".tmp" in f.name]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # openpyxl's half-written zip
@pytest.mark.parametrize("ext", [".html", ".md", ".json", ".xlsx"])
def test_6_file_size_limit_keeps_the_old_report(tmp_path: Path, two_plans, ext: str) -> None:
    out = tmp_path / f"r{ext}"
    out.write_bytes(b"old report")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))  # Python ignores SIGXFSZ: writes get EFBIG
    try:
        with pytest.raises(ReportWriteError, match=rf"r\{ext}: could not write the report .*unchanged"):
            write_report(two_plans, out, discovery=False, figure=False)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert out.read_bytes() == b"old report" and not _leftovers(tmp_path)
    gc.collect()  # openpyxl's abandoned writer complains when collected: here, under this test's filter


def test_6_csv_and_side_files_are_replaced_together_or_not_at_all(
    tmp_path: Path, two_plans, monkeypatch
) -> None:
    import pandas as pd

    out = tmp_path / "r.csv"
    write_report(two_plans, out, discovery=False)
    before = {f.name: f.read_bytes() for f in tmp_path.iterdir()}
    assert len(before) == 8
    real, calls = pd.DataFrame.to_csv, []

    def interrupted(self, path, *a, **kw):
        calls.append(path)
        if len(calls) == 5:
            raise KeyboardInterrupt  # Ctrl-C halfway through the eight files
        return real(self, path, *a, **kw)

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(two_plans, out, discovery=False)
    assert {f.name: f.read_bytes() for f in tmp_path.iterdir()} == before


def test_6_disk_full_is_one_error_naming_the_file(tmp_path: Path, two_plans, monkeypatch) -> None:
    out = tmp_path / "r.md"
    out.write_text("old", encoding="utf-8")

    def full(self, *a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(
        ReportWriteError, match=r"r\.md: could not write the report \(No space left on device\)"
    ):
        write_report(two_plans, out, discovery=False)
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "old" and not _leftovers(tmp_path)


# 7 -- formula injection in .xlsx and .csv -----------------------------------------------------------------
_FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"]


def test_7_spreadsheet_cells_are_never_formulas(tmp_path: Path) -> None:
    import openpyxl

    d = tmp_path / "plans"
    d.mkdir()
    shutil.copy(seed_path(SZ2025), d / "=cmd|' calc'!A0.txt")
    shutil.copy(seed_path(DONGGUAN), d / "dg.txt")
    plans = hash_planset(d)
    themes = {name: "托育" for name in _FORMULAS} | {"托育": "托育服务"}
    cov = plans.coverage(themes)
    xlsx = write_report(plans, tmp_path / "r.xlsx", coverage=cov, discovery=False)
    wb = openpyxl.load_workbook(xlsx)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [str(c.value) for c in cells]
    assert '\'=HYPERLINK("http://x","y")' in texts and "'@SUM(A1)" in texts
    write_report(plans, tmp_path / "r.csv", coverage=cov, discovery=False)
    for f in tmp_path.glob("r*.csv"):
        for row in csv.reader(f.read_text(encoding="utf-8-sig").splitlines()):
            bad = [c for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
            assert not bad, (f.name, bad)


def test_7_xlsx_cells_excel_would_refuse_are_made_valid(tmp_path: Path, two_plans) -> None:
    import openpyxl

    long_name = "托育" * 20_000  # 40,000 characters: over Excel's 32,767 per cell
    cov = two_plans.coverage({"托\x01育\x0b": "托育", long_name: "托育"})
    wb = openpyxl.load_workbook(write_report(two_plans, tmp_path / "r.xlsx", coverage=cov, discovery=False))
    names = [c.value for c in wb["coverage"]["A"][1:]]
    assert "托育" in names and max(len(n) for n in names) == 32_767


# 8 -- Markdown escapes HTML; the HTML report keeps escaping -------------------------------------------------
_XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>"]


def test_8_markdown_and_html_reports_escape_names(tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    d = tmp_path / "plans"
    d.mkdir()
    shutil.copy(seed_path(SZ2025), d / "<svg onload=alert(1)>.txt")
    shutil.copy(seed_path(DONGGUAN), d / "dg.txt")
    plans = hash_planset(d)
    cov = plans.coverage({name: "托育" for name in _XSS} | {"托育": "托育服务"})
    md = write_report(plans, tmp_path / "r.md", coverage=cov, discovery=False).read_text(encoding="utf-8")
    rendered = MarkdownIt("commonmark").render(md)
    page = write_report(plans, tmp_path / "r.html", coverage=cov, discovery=False, figure=False)
    html = page.read_text(encoding="utf-8")
    prose = re.sub(r"(`+) .*? \1|`[^`]*`", "", md)  # code spans show their text verbatim, never as HTML
    for out in (prose, rendered, html):
        assert not re.search(r"<(script>alert|img src=x|svg onload)", out)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered and "&lt;svg onload=alert(1)&gt;" in rendered


# 9 -- local st: models: the cache is keyed by the model files ---------------------------------------------
def test_9_replacing_a_local_model_invalidates_its_cache(tmp_path: Path) -> None:
    from plancompare.cache import EmbeddingCache

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"dim": 4}', encoding="utf-8")
    (model / "model.safetensors").write_bytes(b"A" * (5 * 2**20))
    name = f"st:{model}"
    cache = EmbeddingCache(tmp_path / "cache")
    cache.put_many(name, {"k": np.ones(4, np.float32)})
    assert EmbeddingCache(tmp_path / "cache").get_many(name, ["k"]).keys() == {"k"}
    (model / "model.safetensors").write_bytes(b"B" * (5 * 2**20))  # another model, same path and size
    assert EmbeddingCache(tmp_path / "cache").get_many(name, ["k"]) == {}
    (model / "model.safetensors").write_bytes(b"A" * (5 * 2**20))
    assert EmbeddingCache(tmp_path / "cache").get_many(name, ["k"]).keys() == {"k"}
    hub = EmbeddingCache(tmp_path / "cache")  # hub names (no local folder) keep their plain key
    assert hub.path_for("st:BAAI/bge-small-zh-v1.5").name.startswith("st_BAAI_bge-small-zh-v1.5-")


# 10 -- damaged text: memory stays proportional to the text ----------------------------------------------------
def test_10_damaged_text_does_not_blow_up_memory() -> None:
    import jieba

    from plancompare.clean import clean_text

    jieba.initialize()
    clean_text("推进??a服务。\n")  # lazy imports and tables outside the measurement
    text = "推进??a服务。\n" * 10_000
    tracemalloc.start()
    try:
        cleaned = clean_text(text, path="damaged.txt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cleaned.text.count("服务") == 10_000
    # one str object per character (the old list(text)) took 16 MB here; the text itself is 0.2 MB
    assert peak < 8 * 2**20, peak


def test_10_a_mostly_garbled_file_fails_alone_early(tmp_path: Path) -> None:
    f = tmp_path / "garbled.txt"
    f.write_text("推进??a服务。" * 3000, encoding="utf-8")  # one long line: the line limit does not apply
    with pytest.raises(
        PlanLoadError, match=r"garbled\.txt: 3,000 damaged spots .* limit of 1,000: .*garbled"
    ):
        load_plan(f, limits=LoadLimits(max_damaged=1000))
    assert load_plan(f).text.count("服务") == 3000


# 11 -- BOM-less UTF-16 and stray NULs -------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_11_utf16_without_bom_loads(tmp_path: Path, encoding: str) -> None:
    f = tmp_path / "u16.txt"
    f.write_bytes(_seed_text().encode(encoding))
    plan, ref = load_plan(f), load_plan(seed_path(SZ2025))
    assert plan.encoding == encoding and plan.text == ref.text


def test_11_a_stray_nul_is_damage_not_binary(tmp_path: Path) -> None:
    raw = _seed_text().encode("utf-8")
    f = tmp_path / "nul.txt"
    f.write_bytes(raw[:3000] + b"\x00" + raw[3000:])
    plan = load_plan(f)
    assert plan.text == load_plan(seed_path(SZ2025)).text
    assert any(w.kind == "damage" and "NUL" in w.message and w.path == str(f) for w in plan.warnings)
    many = tmp_path / "many.txt"
    many.write_bytes(raw.replace("。".encode(), b"\x00\x00"))
    with pytest.raises(PlanLoadError, match=r"many\.txt: binary file \([\d,]+ NUL"):
        load_plan(many)


# 12 -- invisible format characters are removed and counted ------------------------------------------------------
def test_12_invisible_characters_are_removed_and_counted(tmp_path: Path) -> None:
    ref_text = _seed_text(SZ2022)
    assert "居民健康管理" in ref_text
    f = tmp_path / "shy.txt"
    marked = ref_text.replace("居民健康管理", "居民健\u00ad康管理").replace("。", "。\u200e", 3)
    f.write_text("\u202a" + marked + "\u202c", encoding="utf-8")
    plan, ref = load_plan(f), load_plan(seed_path(SZ2022))
    assert plan.text == ref.text
    n = ref_text.count("居民健康管理") + 3 + 2
    w = [w for w in plan.warnings if w.kind == "invisible"]
    assert len(w) == 1 and w[0].message.startswith(f"{n} invisible") and "U+00AD" in w[0].message
    a = hash_planset([f, seed_path(SZ2025)]).coverage()
    b = hash_planset([seed_path(SZ2022), seed_path(SZ2025)]).coverage()
    assert [a.cells[("shy", t.name)].level for t in a.themes] == [
        b.cells[(SZ2022, t.name)].level for t in b.themes
    ]


# 13 -- one-line errors, before the computation -------------------------------------------------------------------
def test_13_cli_errors_are_one_line_and_early(tmp_path: Path, hash_cli, monkeypatch) -> None:
    d = _folder(tmp_path, SZ2025, DONGGUAN)
    tags = tmp_path / "tags.yaml"
    tags.write_text("- name: 控烟\n- !!python/object/apply:os.system [echo]\n", encoding="utf-8")
    _one_line_error(
        hash_cli("report", d, "--backend", "hash", "-t", tags, "-o", tmp_path / "r.html"),
        "tags.yaml:2",
        "tag",
    )
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    import plancompare.planset as planset

    monkeypatch.setattr(planset, "load_plans", lambda *a, **k: pytest.fail("computed before checking -o"))
    _one_line_error(hash_cli("report", d, "--backend", "hash", "-o", afile / "r.html"), "afile is a file")
    (tmp_path / "dir.html").mkdir()
    _one_line_error(hash_cli("report", d, "--backend", "hash", "-o", tmp_path / "dir.html"), "is a folder")
    monkeypatch.undo()


def test_13_write_and_memory_failures_are_one_line(tmp_path: Path, hash_cli, monkeypatch) -> None:
    d = _folder(tmp_path, SZ2025, DONGGUAN)
    out = tmp_path / "r.md"

    def full(self, *a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    with monkeypatch.context() as m:  # undone on leaving; the hash backend stays patched
        m.setattr(Path, "write_text", full)
        _one_line_error(
            hash_cli("report", d, "--backend", "hash", "--no-discovery", "-o", out), "r.md", "No space left"
        )
    import plancompare.planset as planset

    def oom(self, *a, **k):
        raise MemoryError

    monkeypatch.setattr(planset.PlanSet, "coverage", oom)
    _one_line_error(hash_cli("coverage", d, "--backend", "hash"), "out of memory")
    r = hash_cli("-v", "coverage", d, "--backend", "hash")
    assert isinstance(r.exception, MemoryError)  # -v keeps the traceback


# 14 -- empty theme files ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", ["[]\n", "{}\n", "themes: []\n", ""])
def test_14_empty_theme_file_is_an_error(tmp_path: Path, hash_cli, content: str) -> None:
    from plancompare.themes import load_themes

    f = tmp_path / "empty.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(ThemeFileError, match=r"empty\.yaml(:1)?: .*(no themes|empty)"):
        load_themes(f)
    _one_line_error(hash_cli("themes", "-t", f), "empty.yaml")


# 15 -- compare DIR1 DIR2 ----------------------------------------------------------------------------------------------
def test_15_compare_two_folders_is_an_error(tmp_path: Path, hash_cli) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for x in (a, b):
        x.mkdir()
        shutil.copy(seed_path(SZ2025), x)
    _one_line_error(hash_cli("compare", a, b, "--backend", "hash"), f"{a}: is a folder", "--dir")


# 16 -- merge keys work; tags are refused --------------------------------------------------------------------------------
def test_16_merge_keys_and_tags(tmp_path: Path) -> None:
    from plancompare.themes import load_themes

    f = tmp_path / "merge.yaml"
    f.write_text(
        "- &base {name: 托育, description: 婴幼儿照护, keywords: [托育, 托位]}\n"
        "- <<: *base\n  name: 普惠托育\n  keywords: [普惠托育]\n",
        encoding="utf-8",
    )
    themes = load_themes(f)
    assert [(t.name, t.description, t.keywords) for t in themes] == [
        ("托育", "婴幼儿照护", ("托育", "托位")),
        ("普惠托育", "婴幼儿照护", ("普惠托育",)),
    ]
    top = tmp_path / "apply.yaml"
    top.write_text('!!python/object/apply:os.system ["echo hi"]\n', encoding="utf-8")
    with pytest.raises(
        ThemeFileError, match=r"apply\.yaml:1: YAML tag '!!python/object/apply:os.system' is not allowed"
    ):
        load_themes(top)
    local = tmp_path / "local.yaml"
    local.write_text("托育: 婴幼儿\n控烟: !secret 戒烟\n", encoding="utf-8")
    with pytest.raises(ThemeFileError, match=r"local\.yaml:2: YAML tag '!secret'"):
        load_themes(local)


# 17 -- ids, skipped files, workers, forged lines ---------------------------------------------------------------------------
def test_17_ids_are_short_and_unique(tmp_path: Path) -> None:
    shutil.copy(seed_path(SZ2025), tmp_path / "a.txt")
    (tmp_path / "a.md").write_text(_seed_text(DONGGUAN), encoding="utf-8")
    plans, _ = load_many([tmp_path / "a.txt", tmp_path / "a.md"])
    assert [p.id for p in plans] == ["a-txt", "a-md"]
    deep = [tmp_path / "x" / "y" / "2023.md", tmp_path / "z" / "y" / "2023.md", tmp_path / "y-2023.md"]
    for i, f in enumerate(deep):
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(_seed_text((SZ2025, DONGGUAN, SZ2022)[i]), encoding="utf-8")
    plans, _ = load_many(deep)
    ids = [p.id for p in plans]
    assert len(set(ids)) == 3 and ids[:2] == ["x-y-2023", "z-y-2023"], ids
    assert not any(str(tmp_path).strip("/").split("/")[0] in i for i in ids)  # no absolute path pieces


def test_17_plan_id_clash_names_the_files(seed_plans) -> None:
    from plancompare.planset import PlanSet

    a, b = seed_plans[SZ2025], seed_plans[DONGGUAN]
    import copy

    b2 = copy.copy(b)
    b2.id = a.id
    with pytest.raises(
        ValueError, match=rf"plan ids must be unique.*{re.escape(str(a.path))} and {re.escape(str(b.path))}"
    ):
        PlanSet([a, b2])


def test_17_unreadable_entries_are_warned_not_skipped_silently(tmp_path: Path) -> None:
    from plancompare.planset import load_plans

    shutil.copy(seed_path(SZ2025), tmp_path / "good.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "plan.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.warns(UserWarning) as rec:
        plans = load_plans(tmp_path, embedder=HashEmbedder(), cache_dir=False)
    assert plans.ids == ["good"]
    said = "\n".join(str(w.message) for w in rec)
    for name in ("gone.txt: broken symbolic link", "pipe.txt: not a regular file", "plan.pdf", "plan.doc"):
        assert name in said, name


def test_17_workers_capped_and_file_names_cannot_forge_lines(tmp_path: Path, hash_cli) -> None:
    d = _folder(tmp_path, SZ2025)
    (d / "x\nerror: forged.txt").write_bytes(b"\x00\x01\x02\x03" * 10)
    r = hash_cli("coverage", d, "--backend", "hash", "--workers", "500")
    assert r.exit_code == 0, r.output
    lines = r.stderr.splitlines()
    assert not [ln for ln in lines if ln.startswith("error:")]
    assert any(ln.startswith("warning: --workers 500 is more than") for ln in lines)
    assert any("x\\nerror: forged.txt: not loaded" in ln for ln in lines)


def test_output_path_checked_by_the_library_too(tmp_path: Path, two_plans) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(OutputPathError, match="afile is a file"):
        write_report(two_plans, afile / "r.html")


def test_17_odd_paths_fail_alone_with_a_printable_message(tmp_path: Path) -> None:
    from plancompare.errors import safe_name

    (tmp_path / "folder.txt").mkdir()
    (tmp_path / "loop1.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop1.txt")
    odd = tmp_path / os.fsdecode(
        b"\xff\xfe-\xe2\x80\xaeplan.txt"
    )  # undecodable bytes and a right-to-left override
    odd.write_bytes(b"\x00\x01\x02\x03" * 8)
    plans, report = load_many([tmp_path / "folder.txt", tmp_path / "loop1.txt", odd, seed_path(SZ2025)])
    assert [p.id for p in plans] == [SZ2025]
    assert "not a regular file" in report.failed[str(tmp_path / "folder.txt")]
    assert "broken symbolic link" in report.failed[str(tmp_path / "loop1.txt")]  # a loop leads nowhere
    with pytest.raises(PlanLoadError) as e:
        load_plan(odd)
    msg = str(e.value)
    assert msg.encode("utf-8")  # printable: no lone surrogates
    assert "\\udcff\\udcfe-\\u202eplan.txt: binary" in msg and safe_name(odd) in msg
