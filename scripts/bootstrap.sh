#!/usr/bin/env bash
# Create .venv and install plancompare with its dev extras, offline-safe:
# torch is pinned to the local CPU build first so sentence-transformers never
# pulls a multi-GB CUDA build; no model weights are downloaded from any hub.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[dev]"
# CJK font for matplotlib figures and the browser test (Debian package; optional when not root)
if ! fc-list :lang=zh 2>/dev/null | grep -q . ; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null) || echo "warning: could not install fonts-noto-cjk" >&2
  fi
fi
