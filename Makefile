# The two commands of the README. Both bootstrap .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: report test lint bootstrap

bootstrap: $(STAMP)

$(STAMP): pyproject.toml
	bash scripts/bootstrap.sh
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/plancompare report seeds/ -o report.html

test: $(STAMP)
	$(BIN)/ruff check plancompare tests benchmarks examples
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check plancompare tests benchmarks examples
