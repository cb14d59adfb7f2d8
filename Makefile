# incidentstats — `make help` lists the targets.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_FLAGS ?= --quiet --disable-pip-version-check

.DEFAULT_GOAL := help
.PHONY: help venv report test lint format notebooks bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing incidentstats and its dependencies into $(VENV) (first time: a few minutes)"
	@$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test]' 2>&1 | grep -v '^WARNING: Location'; test $${PIPESTATUS[0]:-0} -eq 0
	@$(BIN)/python -c "import incidentstats" && touch $(STAMP)

venv: $(STAMP) ## Create or update .venv with the package and its test tools

report: $(STAMP) ## Write an HTML and a PDF report of the embedded default data under reports/
	$(BIN)/incidentstats report

# Tests run in parallel processes (pytest-xdist). A test file runs whole in one process so
# that its module fixtures (a report run, a loaded export) are built once, except the files
# of independent runs (notebooks, reports, commands), whose tests go to any free process;
# the longest go first (tests/conftest.py defines these scopes and the order).
PYTEST_PARALLEL ?= -n auto --dist loadscope --no-loadscope-reorder

test: $(STAMP) lint ## Check style, then run the whole test suite (in parallel)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

.PHONY: test-fast
test-fast: $(STAMP) ## Run the unit tests alone (no notebooks or PDFs)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_PARALLEL)

lint: $(STAMP) ## Check style with ruff (the notebooks' .py scripts are under src)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

notebooks: $(STAMP) ## Sync each source notebook with its .py (newer wins), clear outputs, build en/ fr/
	$(BIN)/jupytext --sync notebooks/sources/*.ipynb
	$(BIN)/jupyter nbconvert --clear-output --inplace --log-level=WARN notebooks/sources/*.ipynb
	$(BIN)/python -c "from incidentstats.report import write_language_notebooks as w; w()"

format: $(STAMP) ## Format the code with ruff (then re-pair the notebooks with their scripts)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks
	$(MAKE) --no-print-directory notebooks

bench: $(STAMP) ## Run the benchmarks (minutes) and print their figures
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test,bench]' 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python benchmarks/run.py

clean: ## Remove the virtual environment and caches (reports are kept)
	rm -rf $(VENV) .pytest_cache .hypothesis build src/*.egg-info
