"""examples/walkthrough.ipynb and examples/walkthrough.py run end to end on the seeds."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "walkthrough.ipynb"
SCRIPT = ROOT / "examples" / "walkthrough.py"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """Kernel / script environment: a temp embedding cache shared by both runs, the repo importable."""
    cache = tmp_path_factory.mktemp("nb-cache")
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {"PLANCOMPARE_CACHE": str(cache), "PYTHONPATH": path}


def test_committed_notebook_shows_its_outputs():
    """Readers on GitHub see results: every cell ran, in order, with no error and no log noise."""
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all(c.outputs for c in code[1:])  # the first cell only imports
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    streams = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "prefix dict" not in streams and "Traceback" not in streams
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the heatmap


def test_notebook_runs_without_errors(tmp_path, env, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend shows figures
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # run from examples/-like folder: the notebook finds seeds/ in a parent, writes its report here
    work = tmp_path / "repo" / "examples"
    work.mkdir(parents=True)
    (tmp_path / "repo" / "seeds").symlink_to(ROOT / "seeds")
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    outputs = {
        c.source.splitlines()[-1]: c.outputs for c in nb.cells if c.cell_type == "code" and c.source.strip()
    }

    def text(cell_last_line: str) -> str:
        out = outputs[cell_last_line]
        return "".join(
            o.get("data", {}).get("text/html", "") + o.get("data", {}).get("text/plain", "") for o in out
        )

    assert "深圳市 2025" in text("plans") and "东莞市 2025" in text("plans")
    assert "covered" in text("cov.to_frame()")
    assert "image/png" in outputs["fig = cov.plot()"][0]["data"]  # the heatmap is shown inline
    gaps = text('cov.gaps("深圳市 2025", "东莞市 2025")')
    assert "covered_by" in gaps and re.search("(missing|mentioned)", gaps)
    assert "托育" in text('plans.search("托育 托位")')
    report = work / "walkthrough-report.html"
    assert report.is_file() and "深圳市 2025" in report.read_text(encoding="utf-8")


def test_script_runs(tmp_path, env):
    r = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **env, "MPLBACKEND": "Agg"},
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "PlanSet(5 plans" in r.stdout and "wrote" in r.stdout
    assert (tmp_path / "walkthrough-report.html").stat().st_size > 10_000
    assert (tmp_path / "walkthrough-coverage.png").stat().st_size > 10_000
