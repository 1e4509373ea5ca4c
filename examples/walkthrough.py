"""A tour of plancompare on the five seed plans (the same steps as walkthrough.ipynb).

Run from anywhere:  .venv/bin/python examples/walkthrough.py [OUT_DIR]
It prints each result and writes OUT_DIR/walkthrough-report.html (default: the current directory).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import plancompare as pc

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 60)


def main(out_dir: Path) -> Path:
    # 1. load: clean, parse the outline, detect region / year / type
    plans = pc.load_plans(SEEDS)
    print(plans)
    print(plans.to_frame()[["label", "admin_level", "doc_type", "parts", "items", "warnings"]])

    # 2. coverage of the built-in health themes: covered / mentioned / missing, with evidence
    cov = plans.coverage()
    print(cov)
    print(cov.summary())
    print(cov.to_frame().iloc[:, :8])

    # 3. the heatmap figure (matplotlib, CJK font)
    fig = cov.plot()
    fig.savefig(out_dir / "walkthrough-coverage.png", dpi=120)

    # 4. gaps: themes Shenzhen 2025 covers and Dongguan 2025 does not, and the reverse
    print(
        cov.gaps("深圳市 2025", "东莞市 2025")[["theme", "covered_by", "other_level", "section", "evidence"]]
    )

    # 5. themes only Shenzhen 2025 covers
    print(cov.unique_to("深圳市 2025"))

    # 6. free-text search over every plan's items
    print(plans.search("托育 托位", k=5)[["plan", "section", "heading", "score"]])

    # 7. section-by-section comparison
    cmp = plans.compare("深圳市 2025", "东莞市 2025")
    print(cmp)
    print(cmp.to_frame().head(10))

    # 8. Shenzhen over time: 2022 → 2025
    tl = plans.timeline("深圳市")
    print(tl)
    print(tl.changes_frame()[["theme", "change", "before_level", "after_level"]])

    # 9. the gap report: one self-contained HTML file
    out = pc.write_report(plans, out_dir / "walkthrough-report.html", coverage=cov)
    print("wrote", out)
    return out


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
