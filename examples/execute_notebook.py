"""Re-run examples/walkthrough.ipynb in place so the committed copy shows current outputs.

    PLANCOMPARE_CACHE=/tmp/pc-cache python examples/execute_notebook.py

Runs from examples/ (the report it writes, walkthrough-report.html, is git-ignored and
removed afterwards) and drops per-cell timing metadata so reruns diff cleanly.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "walkthrough.ipynb"


def main() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}
    ).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, NOTEBOOK)
    (HERE / "walkthrough-report.html").unlink(missing_ok=True)
    print(f"executed {NOTEBOOK}")


if __name__ == "__main__":
    main()
